/* quic_crypto.h - QUIC Initial packet protection: the keys every observer
 * can derive, header protection removal and AEAD decryption.
 *
 * Initial packets are protected with keys derived from the Destination
 * Connection ID of the client's first Initial and a salt fixed by the
 * version (RFC 9001 5.2, RFC 9369 3.3.1 for v2, the drafts and Google's
 * T050/T051 each with their own salt), so a passive observer can read them:
 * that is what makes the ClientHello and ServerHello of QUIC visible. The
 * suite is always AES-128-GCM with SHA-256 (RFC 9001 5.2); header protection
 * is AES-128-ECB over a 16-byte sample of the ciphertext (RFC 9001 5.4.3).
 * Everything after the Initial packets is protected with keys from the TLS
 * key exchange and stays unreadable.
 *
 * References: RFC 9001 sections 5.1-5.4 and Appendix A (test vectors),
 * RFC 9369 sections 3.3 and Appendix A (v2), RFC 8446 7.1 (HKDF-Expand-Label),
 * RFC 5869 (HKDF), draft-ietf-quic-tls-23..32 (salts of the drafts).
 */
#ifndef TLSSCOPE_QUIC_CRYPTO_H
#define TLSSCOPE_QUIC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

#define QUIC_KEY_LEN 16
#define QUIC_IV_LEN 12
#define QUIC_TAG_LEN 16
#define QUIC_SAMPLE_LEN 16
#define QUIC_SECRET_LEN 32
#define QUIC_MAX_CID_LEN 20     /* RFC 9000 17.2: a version 1 connection ID is at most 20 bytes */
/* A header must fit in this: the longest is a token of a few hundred bytes
 * after two 20-byte connection IDs. */
#define QUIC_MAX_HEADER 2048
/* Largest Initial payload decrypted: Initials fill one datagram, 1200 bytes
 * at least, rarely more than a path MTU. */
#define QUIC_MAX_PLAINTEXT 16384

/* One direction's Initial packet protection keys. */
struct quic_keys {
    uint8_t secret[QUIC_SECRET_LEN]; /* client_initial_secret / server_initial_secret */
    uint8_t key[QUIC_KEY_LEN];
    uint8_t iv[QUIC_IV_LEN];
    uint8_t hp[QUIC_KEY_LEN];
};

/* Is `version` one whose Initial protection we know (v1, v2, drafts 22-34,
 * mvfst's, Google's T050/T051)? */
bool quic_version_known(uint32_t version);

/* Is `version` version 2 (RFC 9369), whose packet types and labels differ? */
bool quic_version_is_v2(uint32_t version);

/* Is `version` Google's QUIC with TLS (T050, T051), whose Initials number
 * the CRYPTO frame 0x08? */
bool quic_version_is_google(uint32_t version);

/* Derives both directions' Initial keys of `version` from the client's
 * Destination Connection ID. False when the version is unknown or libcrypto
 * fails. */
bool quic_initial_keys(uint32_t version, struct span dcid, struct quic_keys *client, struct quic_keys *server);

/* The header protection mask: AES-128-ECB of the 16-byte sample. */
bool quic_hp_mask(const struct quic_keys *k, const uint8_t sample[QUIC_SAMPLE_LEN], uint8_t mask[5]);

/* AES-128-GCM open of one packet's payload: nonce = iv XOR packet number,
 * associated data = the unprotected header `aad` (header_len bytes),
 * `ct` = ciphertext followed by its 16-byte tag. Writes ct_len - 16 bytes to
 * `out`. False when the tag does not verify (wrong keys, a damaged or
 * foreign packet). */
bool quic_aead_open(const struct quic_keys *k, uint64_t pn, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                    size_t ct_len, uint8_t *out);

/* Removes header protection from one long-header packet `pkt` (from its
 * first byte to its end; the packet number at `pn_offset`) and opens its
 * payload with keys `k`, into `out` (QUIC_MAX_PLAINTEXT bytes at least).
 * The packet number is recovered from its truncated form nearest to
 * *largest + 1 (RFC 9000 A.3), and *largest advanced when it opens. False
 * when it does not: too short for the sample, too large, or the tag does not
 * verify. */
bool quic_unprotect(const struct quic_keys *k, int64_t *largest, struct span pkt, size_t pn_offset, uint8_t *out,
                    size_t *out_len);

/* The reverse, for tests and fuzzing (an observer never seals): `header` is
 * a long header up to and including its packet number (header_len bytes, the
 * number's length in its first byte's low bits, its value `pn`), `payload`
 * the plaintext. Writes the protected packet, header_len + plen + 16 bytes,
 * to `out` and returns its length; 0 when it cannot (a sample would run past
 * the packet, libcrypto fails). */
size_t quic_protect(const struct quic_keys *k, uint64_t pn, const uint8_t *header, size_t header_len,
                    const uint8_t *payload, size_t plen, uint8_t *out);

#endif
