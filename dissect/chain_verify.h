/* chain_verify.h - the server's certificate chain checked against a trust
 * store (tls.server.validation_status), as a client would check it: with
 * libcrypto's X509_verify_cert, the chain as the server sent it (leaf
 * first, the rest as untrusted intermediates), at the connection's time.
 *
 * Off unless asked for (--ca-file): the answer depends on the trust store
 * of the machine, which the lines must not silently depend on.
 *
 * A server sends the same chain to every client, so each result is cached
 * by the SHA-256 of the Certificate message's list, and reused while every
 * certificate of the chain is within its validity (at another time one may
 * have expired): a repeated chain costs one hash. The cache is a fixed table
 * (CHAIN_VERIFY_CACHE entries, direct-mapped); a collision only costs a
 * second verification.
 */
#ifndef TLSSCOPE_CHAIN_VERIFY_H
#define TLSSCOPE_CHAIN_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/span.h"

#define CHAIN_VERIFY_CACHE 1024
#define CHAIN_VERIFY_MAX_CERTS 16  /* certificates of one chain handed to the check; more are dropped */

struct chain_verifier;

struct chain_verify_stats {
    uint64_t verified;           /* chains checked with libcrypto */
    uint64_t cached;             /* answered from the cache */
};

/* A verifier over the CA certificates of `ca_file` (PEM), or libcrypto's
 * default locations (the system bundle) when `ca_file` is "system". NULL
 * when the file cannot be read or holds no certificate. */
struct chain_verifier *chain_verifier_new(const char *ca_file);
void chain_verifier_free(struct chain_verifier *v);

/* Checks a TLS <= 1.2 Certificate message's certificate_list (the bytes
 * inside its 24-bit length: each certificate a 24-bit length and DER) at
 * `when` (seconds since the epoch). Returns X509_V_OK (0) or libcrypto's
 * X509_V_ERR_* code; -1 when the list does not hold a certificate that
 * decodes. */
int chain_verify(struct chain_verifier *v, struct span certificate_list, int64_t when);

const struct chain_verify_stats *chain_verifier_stats(const struct chain_verifier *v);

#endif
