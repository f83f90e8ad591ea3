/* digest.c - see digest.h.
 *
 * libcrypto's one-shot MD5(), SHA1() and SHA256() are used rather than EVP:
 * even with the algorithm fetched once, each EVP_DigestInit_ex2() sets up a
 * provider context, which for strings of a few hundred bytes cost more than
 * the hashing itself (measured with callgrind: about 4,000 instructions per
 * digest through EVP against 1,500 here). OpenSSL 3 marks them deprecated,
 * not removed.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "common/digest.h"

#include <openssl/md5.h>
#include <openssl/sha.h>

/* The Init/Update/Final forms: in OpenSSL 3 the one-shot SHA1() and
 * SHA256() go through EVP again. */
void digest_md5(const void *p, size_t n, uint8_t out[16])
{
    MD5_CTX c;
    MD5_Init(&c);
    MD5_Update(&c, p, n);
    MD5_Final(out, &c);
}

void digest_sha1(const void *p, size_t n, uint8_t out[20])
{
    SHA_CTX c;
    SHA1_Init(&c);
    SHA1_Update(&c, p, n);
    SHA1_Final(out, &c);
}

void digest_sha256(const void *p, size_t n, uint8_t out[32])
{
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, p, n);
    SHA256_Final(out, &c);
}
