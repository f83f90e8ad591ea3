/* fuzz_x509.c - dissect/x509.c's leaf-certificate reader on arbitrary DER,
 * as tls_handshake.c calls it for the first entry of a Certificate message,
 * and output/x509_text.c's rendering of what it kept. The input is an
 * exact-size heap copy; checks: the stored lengths stay within their
 * buffers, each kept name is whole RDN TLVs to its last byte, the SAN list
 * walks to exactly its length and count, and the rendered strings are
 * terminated. The same DER is then looked up twice in a small certificate
 * cache that lives across inputs (so it also evicts): both answers, and
 * their rendering, must equal the direct parse's. */
#include <stdlib.h>
#include <string.h>

#include "dissect/cert_cache.h"
#include "dissect/x509.h"
#include "fuzz/fuzz_util.h"
#include "output/x509_text.h"

static bool whole_rdns(const struct x509_name *n)
{
    struct span s = span_make(n->der, n->len);
    while (s.n > 0) {
        uint8_t tag;
        struct span rdn;
        if (!x509_der_tlv(&s, &tag, &rdn) || tag != 0x31)
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    static struct cert_cache *cache;
    if (!cache) {
        struct cert_cache_config cfg = { 4, 4 * 1024 };
        cache = cert_cache_new(&cfg);
        FUZZ_CHECK(cache != NULL, "cache");
    }
    struct x509_report r, cached;
    struct x509_text t, cached_t;
    bool ok = x509_parse_leaf(span_make(copy, size), &r);
    x509_text_render(&r, &t);
    for (int round = 0; round < 2; round++) {
        bool cached_ok = cert_cache_parse_leaf(cache, span_make(copy, size), &cached);
        x509_text_render(&cached, &cached_t);
        FUZZ_CHECK(cached_ok == ok && memcmp(&cached, &r, sizeof r) == 0 && memcmp(&cached_t, &t, sizeof t) == 0,
                   "cached report differs (round %d)", round);
    }
    free(copy);
    FUZZ_CHECK(ok == r.parsed, "result %d, parsed %d", ok, r.parsed);
    FUZZ_CHECK(r.subject_cn_len <= X509_CN_MAX && r.issuer_cn_len <= X509_CN_MAX, "cn lengths");
    FUZZ_CHECK(r.subject.len <= X509_NAME_DER_MAX && r.issuer.len <= X509_NAME_DER_MAX, "name lengths");
    FUZZ_CHECK(whole_rdns(&r.subject) && whole_rdns(&r.issuer), "kept names are whole RDNs");
    FUZZ_CHECK(r.serial_len <= X509_SERIAL_MAX, "serial %u", r.serial_len);
    FUZZ_CHECK(r.san_len <= X509_SAN_BYTES && r.san_count <= X509_SAN_MAX, "san %u/%u", r.san_len, r.san_count);
    size_t off = 0;
    unsigned items = 0;
    while (off < r.san_len) {
        off += 1u + r.san[off];
        items++;
    }
    FUZZ_CHECK(off == r.san_len && items == r.san_count, "SAN entries");
    FUZZ_CHECK(t.subject_dn_len <= X509_TEXT_DN_MAX && t.issuer_dn_len <= X509_TEXT_DN_MAX, "dn text lengths");
    FUZZ_CHECK(memchr(t.serial, '\0', sizeof t.serial) && memchr(t.key_algorithm, '\0', sizeof t.key_algorithm) &&
                   memchr(t.key_curve, '\0', sizeof t.key_curve) &&
                   memchr(t.signature_algorithm, '\0', sizeof t.signature_algorithm),
               "unterminated token");
    return 0;
}
