/* fuzz_x509.c - dissect/x509.c's leaf-certificate reader on arbitrary DER,
 * as tls_handshake.c calls it for the first entry of a Certificate message.
 * The input is an exact-size heap copy; checks: the stored lengths stay
 * within their buffers, the SAN list walks to exactly its length and count,
 * and the strings are terminated. */
#include <stdlib.h>
#include <string.h>

#include "dissect/x509.h"
#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct x509_report r;
    bool ok = x509_parse_leaf(span_make(copy, size), &r);
    free(copy);
    FUZZ_CHECK(ok == r.parsed, "result %d, parsed %d", ok, r.parsed);
    FUZZ_CHECK(r.subject_cn_len <= X509_CN_MAX && r.issuer_cn_len <= X509_CN_MAX, "cn lengths");
    FUZZ_CHECK(r.subject_dn_len <= X509_DN_MAX && r.issuer_dn_len <= X509_DN_MAX, "dn lengths");
    FUZZ_CHECK(r.san_len <= X509_SAN_BYTES && r.san_count <= X509_SAN_MAX, "san %u/%u", r.san_len, r.san_count);
    size_t off = 0;
    unsigned items = 0;
    while (off < r.san_len) {
        off += 1u + r.san[off];
        items++;
    }
    FUZZ_CHECK(off == r.san_len && items == r.san_count, "SAN entries");
    FUZZ_CHECK(memchr(r.serial, '\0', sizeof r.serial) && memchr(r.key_algorithm, '\0', sizeof r.key_algorithm) &&
                   memchr(r.key_curve, '\0', sizeof r.key_curve) &&
                   memchr(r.signature_algorithm, '\0', sizeof r.signature_algorithm),
               "unterminated token");
    return 0;
}
