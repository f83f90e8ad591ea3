/* dh_groups.h - well-known finite-field Diffie-Hellman groups, recognised by
 * their prime.
 *
 * A TLS <= 1.2 server that uses DHE sends its group's prime p in the
 * ServerKeyExchange (RFC 5246 7.4.3), never a name. Many servers use the
 * same few primes: the RFC groups (RFC 2409 and RFC 3526 MODP, RFC 5114,
 * RFC 7919 ffdhe) and the built-in defaults of common servers. A shared
 * prime of 1024 bits or fewer is the Logjam risk (CVE-2015-4000): one
 * precomputation breaks every connection that uses it. An RFC 7919 prime is
 * a TLS named group (ffdhe2048 = 0x0100, ...), so it gives tls.curve too.
 *
 * The table (dh_groups_table.h, written by tools/dh_groups.py) holds each
 * prime's SHA-256: a lookup hashes the prime once per DHE handshake.
 */
#ifndef TLSSCOPE_DH_GROUPS_H
#define TLSSCOPE_DH_GROUPS_H

#include <stdint.h>

#include "common/span.h"

struct dh_group {
    const char *name;            /* "ffdhe2048", "modp_1024", "dh_2048_256", ... */
    uint16_t bits;
    uint16_t named_group;        /* the TLS NamedGroup of an RFC 7919 group, else 0 */
    uint8_t sha256[32];          /* of the prime, big-endian, no leading zero bytes */
};

/* The group whose prime `p` (big-endian, as ServerDHParams.dh_p carries it;
 * leading zero bytes are ignored) is: its id (1-based), or 0 when `p` is not
 * a well-known prime. */
uint8_t dh_group_find(struct span p);

/* The group of an id dh_group_find returned; NULL for 0 or an unknown id. */
const struct dh_group *dh_group_get(uint8_t id);

#endif
