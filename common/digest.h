/* digest.h - MD5, SHA-1 and SHA-256 of short strings, through libcrypto.
 *
 * OpenSSL 3's EVP interface looks a digest up and sets up a provider
 * context on every call; for the short strings fingerprints hash, that cost
 * more than the hashing itself, so digest.c uses the low-level
 * Init/Update/Final functions on a stack context. Stateless: safe from any
 * thread.
 */
#ifndef TLSSCOPE_DIGEST_H
#define TLSSCOPE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

void digest_md5(const void *p, size_t n, uint8_t out[16]);
void digest_sha1(const void *p, size_t n, uint8_t out[20]);
void digest_sha256(const void *p, size_t n, uint8_t out[32]);

#endif
