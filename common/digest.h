/* digest.h - MD5, SHA-1 and SHA-256 of short strings, through libcrypto.
 *
 * OpenSSL 3 looks a digest up by name on every EVP_Digest(EVP_md5(), ...)
 * call; for the short strings fingerprints hash, that lookup cost more than
 * the hashing. The algorithms are fetched once and one context is reused.
 * Single-threaded, like the pipeline.
 */
#ifndef TLSSCOPE_DIGEST_H
#define TLSSCOPE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

void digest_md5(const void *p, size_t n, uint8_t out[16]);
void digest_sha1(const void *p, size_t n, uint8_t out[20]);
void digest_sha256(const void *p, size_t n, uint8_t out[32]);

/* Releases what the digests hold (nothing today; kept for the engine's shutdown). */
void digest_cleanup(void);

#endif
