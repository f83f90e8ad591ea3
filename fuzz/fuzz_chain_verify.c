/* fuzz_chain_verify.c - dissect/chain_verify.c: a server's certificate_list
 * checked against a small fixed trust store, as tls_handshake.c calls
 * chain_verify() for a TLS <= 1.2 Certificate message under --ca-file.
 *
 * Input: [when: 4 bytes, big-endian, signed, in units of 4 seconds from the
 * epoch, so about 1698-2242] [the certificate_list: each certificate a 24-bit
 * length and DER, as inside the message's own 24-bit length]. The trust store
 * holds two roots (written once to a temporary PEM file and loaded by
 * chain_verifier_new, as --ca-file does): the self-signed "Example SHA512
 * Root CA" and "Example Test Root CA" of tests/e2e/make_captures.py, so the
 * seeds reach a chain that verifies as well as the failures. The verifier
 * and its cache live across inputs (so they also collide and are replaced).
 * Checks: the answer is -1 (no certificate decodes) or X509_V_OK or one of
 * libcrypto's X509_V_ERR_* codes; the same list at the same time gives the
 * same answer again, from the cache or by a second check, and each call is
 * counted once.
 */
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dissect/chain_verify.h"
#include "fuzz/fuzz_util.h"

static const char roots_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDBDCCAeygAwIBAgIBATANBgkqhkiG9w0BAQ0FADA7MRgwFgYDVQQKDA9FeGFt\n"
    "cGxlIFRlc3QgQ0ExHzAdBgNVBAMMFkV4YW1wbGUgU0hBNTEyIFJvb3QgQ0EwHhcN\n"
    "MjUwMTAxMDAwMDAwWhcNMzUwMTAxMDAwMDAwWjA7MRgwFgYDVQQKDA9FeGFtcGxl\n"
    "IFRlc3QgQ0ExHzAdBgNVBAMMFkV4YW1wbGUgU0hBNTEyIFJvb3QgQ0EwggEiMA0G\n"
    "CSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDD5YU8QK6JhyvatNPsFahxpEFlkfx6\n"
    "2mTB0uvE2j6GRx2tmWZp1ev8Gf6Rx/6H3iqTKgGyIAnrX9uNR+sZdxKqKuLEtDpd\n"
    "ncN7okUuerOzNmJIIHv7wDkGAsMpB0JU6aRz7vsW5/VXArOgoqH4cRN4b+aYYpyC\n"
    "KPWH5gZIW8joWVZFTK7axrWaewrXL0+c46RL8rPBWFLOBSVTg1PhsRiOa3RmFuNl\n"
    "/kOs6D0TnpEnRDo+d1NcH1cYDUjk8NR2TH8uCvhyY+4RGGGEpY5YMzo0/Uj1KeE1\n"
    "CokY8KmkSeLINaiNktcm7unp8UxekMdTABYiDANqsrArJUvgluwwnGm3AgMBAAGj\n"
    "EzARMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQENBQADggEBABnBuKm55qD+\n"
    "K2qUG9YakKc7RxIFj8JFzR7wAnBJ8cF0rdEB2E3pXQiQ8GYuLHUvNZSCAy+a0/rU\n"
    "P2G3y1BE3WNpEYLzzgL1TCENySAvsaukRzDPP6by38QqNY+xWgL+j78CTT6YHV3Y\n"
    "5I4YhCcZl4Y/PhUQia9xkbyz9MZl6MyWNL2ckEWuIcS0sZdy75MKwCAyCUhh7tOa\n"
    "8iIfB7b8cJFIsdh8aVOX7tJFA/jmX0edXFHVt8/1DKpCX8vLXkla6WGUtGaNOAql\n"
    "iFoxQ9RPh+0CxlkstlufK+wqzftssBFuOZ8BA/9/rF711UQw68FK4pX8SNAtuzUl\n"
    "SjfnlnE3Uy4=\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDWjCCAkKgAwIBAgIBATANBgkqhkiG9w0BAQsFADBGMQswCQYDVQQGEwJVUzEY\n"
    "MBYGA1UECgwPRXhhbXBsZSBUZXN0IENBMR0wGwYDVQQDDBRFeGFtcGxlIFRlc3Qg\n"
    "Um9vdCBDQTAeFw0yNjExMjMwMTUwMDZaFw0zNjExMjAwMTUwMDZaMEYxCzAJBgNV\n"
    "BAYTAlVTMRgwFgYDVQQKDA9FeGFtcGxlIFRlc3QgQ0ExHTAbBgNVBAMMFEV4YW1w\n"
    "bGUgVGVzdCBSb290IENBMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"
    "zFUexMBgFpLItm1/wU9AZ3jJBse+g6eKi4Ghqncz9cNhbV8QNjYgWbo9RsbFM5N4\n"
    "PIkTNjX2EeVrecuOmrvkm9QpJ3lZjsB5RpI3TX8vYf8HcraLq0DGz1JtJloqVOc8\n"
    "wYFbK4qY1InL3qGui5RBvA0Np5QK/3wzUTt5aOoNDVzaHkEIq6+oATytaDdv3/7K\n"
    "q80dawB+QcDUNe1JlG2LRuetuPdLxfgaPtxeZsQD7HmIHFe40XJ8HifvRLJSVgVi\n"
    "9sNlCzClNYVPZVl49/NCPmqTkSQJnvrNWLBgXwWOpP/aWMSGBv0xjflGzKW6Cnuv\n"
    "6NfhkA52pZbmHYCbpvMr+wIDAQABo1MwUTAdBgNVHQ4EFgQUdxHxUtV5OeZfX34f\n"
    "jmtW5t1entkwHwYDVR0jBBgwFoAUdxHxUtV5OeZfX34fjmtW5t1entkwDwYDVR0T\n"
    "AQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAnGfPrT2jNfqKXY/rA0rda/SH\n"
    "99sUL+Q8m983eOpBlKZPmaqONUmwBX9aliYTgetu0/yZFdMejTI6pSWXHw5K47RK\n"
    "zYbzyI5Qw95mSeaN2iD9veRX3RdAlmAEIOiQ0wcaXzxtxzHBEb+OqrOWaNMPvGpa\n"
    "TUxNSTLx0vFniP3IGuUJGEPiLRG/B5rYMw/eQK302FsrO62/JxRCjSH9RtuYOGtN\n"
    "oWLghm4JTh/1zdBWlcqVFyo2xqhIqTWQ1UFf1PooUAwwIzDXf9car/R4AGeXaMbj\n"
    "LfyttJN//ISuhEfqvxOP2YRnVePmwqqDkZzCo2PWPjPPa9g0YrT+kfcR0R+L2Q==\n"
    "-----END CERTIFICATE-----\n";

static struct chain_verifier *verifier(void)
{
    static struct chain_verifier *v;
    if (v)
        return v;
    char path[] = "/tmp/fuzz_chain_verify_XXXXXX";
    int fd = mkstemp(path);
    FUZZ_CHECK(fd >= 0, "mkstemp");
    FILE *f = fdopen(fd, "w");
    FUZZ_CHECK(f && fwrite(roots_pem, 1, sizeof roots_pem - 1, f) == sizeof roots_pem - 1 && fclose(f) == 0,
               "writing %s", path);
    v = chain_verifier_new(path);
    unlink(path);
    FUZZ_CHECK(v != NULL, "the trust store did not load");
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct chain_verifier *v = verifier();
    struct fuzz_in in = { data, size };
    int64_t when = (int64_t)(int32_t)fuzz_u32(&in) * 4;
    const uint8_t *list;
    size_t n = fuzz_take(&in, in.n, &list);
    uint8_t *copy = fuzz_dup(list, n);
    const struct chain_verify_stats *st = chain_verifier_stats(v);
    uint64_t before = st->verified + st->cached;
    int first = chain_verify(v, span_make(copy, n), when);
    int again = chain_verify(v, span_make(copy, n), when);
    free(copy);
    FUZZ_CHECK(first == -1 || first == X509_V_OK || (first > 0 && first < 1000), "result %d", first);
    FUZZ_CHECK(again == first, "again %d, first %d", again, first);
    uint64_t calls = n > 0 ? 2 : 0; /* an empty list is answered before the cache */
    FUZZ_CHECK(st->verified + st->cached == before + calls, "%llu calls counted, %llu made",
               (unsigned long long)(st->verified + st->cached - before), (unsigned long long)calls);
    return 0;
}
