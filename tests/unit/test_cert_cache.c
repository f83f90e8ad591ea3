/* test_cert_cache.c - the decoded-certificate cache: a hit gives exactly the
 * report a fresh parse gives, certificates that differ in one byte are never
 * confused, eviction is least-recently-used under both bounds (entries and
 * DER bytes), and what is not stored is counted.
 *
 * Certificates are variants of x509_vector.h: the serial's last octet and the
 * signature BIT STRING (its length and filling) are rewritten, which keeps
 * the DER decodable and makes each variant's report distinct (serial,
 * SHA-256).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/cert_cache.h"
#include "output/x509_text.h"
#include "test_util.h"
#include "x509_vector.h"

#define VECTOR_SIG_TLV 74      /* 03 48 00 <71 bytes> at the end of cert_der */
#define VECTOR_SERIAL_LAST 18  /* the 0xcd of serial 12 34 ab cd */

struct cert {
    uint8_t *der;
    size_t n;
};

/* The vector with serial 1234AB<serial_last> and a signature of `sig_len`
 * octets all `fill` (after the unused-bits octet), on the heap at its exact
 * size. */
static struct cert make_cert(uint8_t serial_last, size_t sig_len, uint8_t fill)
{
    size_t body = sizeof cert_der - 4 - VECTOR_SIG_TLV; /* TBSCertificate + AlgorithmIdentifier */
    size_t bits = 1 + sig_len;
    size_t sig_hdr = bits < 0x80 ? 2 : bits < 0x100 ? 3 : 4;
    size_t content = body + sig_hdr + bits;
    struct cert c = { malloc(4 + content), 4 + content };
    assert_non_null(c.der);
    uint8_t *p = c.der;
    *p++ = 0x30;
    *p++ = 0x82;
    *p++ = (uint8_t)(content >> 8);
    *p++ = (uint8_t)content;
    memcpy(p, cert_der + 4, body);
    p[VECTOR_SERIAL_LAST - 4] = serial_last;
    p += body;
    *p++ = 0x03;
    if (sig_hdr == 3) {
        *p++ = 0x81;
    } else if (sig_hdr == 4) {
        *p++ = 0x82;
        *p++ = (uint8_t)(bits >> 8);
    }
    *p++ = (uint8_t)bits;
    *p++ = 0x00;
    memset(p, fill, sig_len);
    return c;
}

static struct cert small_cert(uint8_t id) { return make_cert(id, 71, id); }

/* Looks `c` up and checks the answer is what a fresh parse gives, field for
 * field; returns whether it was a hit. */
static bool lookup(struct cert_cache *cache, struct cert c)
{
    uint64_t hits = cert_cache_stats(cache)->hits;
    struct x509_report got, want;
    memset(&got, 0x5a, sizeof got);
    bool ok = cert_cache_parse_leaf(cache, span_make(c.der, c.n), &got);
    assert_true(x509_parse_leaf(span_make(c.der, c.n), &want));
    assert_true(ok);
    assert_memory_equal(&got, &want, sizeof got);
    return cert_cache_stats(cache)->hits == hits + 1;
}

static void test_miss_then_hit(void **state)
{
    (void)state;
    struct cert_cache_config cfg = { 4, 4 * 4096 };
    struct cert_cache *cache = cert_cache_new(&cfg);
    assert_non_null(cache);
    struct x509_report r;
    struct x509_text t;
    assert_true(cert_cache_parse_leaf(cache, span_make(cert_der, sizeof cert_der), &r));
    x509_text_render(&r, &t);
    assert_string_equal(t.serial, "1234ABCD");
    const struct cert_cache_stats *st = cert_cache_stats(cache);
    assert_int_equal(st->misses, 1);
    assert_int_equal(st->hits, 0);
    assert_int_equal(st->entries, 1);
    assert_int_equal(st->bytes, sizeof cert_der);

    /* The hit is answered from the stored report, into a dirty struct. */
    uint8_t *copy = test_exact_copy(cert_der, sizeof cert_der);
    memset(&r, 0xa5, sizeof r);
    assert_true(cert_cache_parse_leaf(cache, span_make(copy, sizeof cert_der), &r));
    free(copy);
    assert_int_equal(st->hits, 1);
    assert_int_equal(st->misses, 1);
    assert_int_equal(st->entries, 1);
    assert_true(r.parsed);
    x509_text_render(&r, &t);
    assert_string_equal(t.serial, "1234ABCD");
    assert_memory_equal(t.subject_dn, "O=Example,CN=mail.example.test", t.subject_dn_len);
    assert_int_equal(r.subject_cn_len, 17);
    assert_memory_equal(r.subject_cn, "mail.example.test", 17);
    assert_int_equal(r.not_after, 1797991411);
    assert_int_equal(r.sha256[0], 0x5c);
    assert_int_equal(r.sha1[19], 0xc3);
    struct cert same = { (uint8_t *)cert_der, sizeof cert_der };
    assert_true(lookup(cache, same));
    assert_int_equal(st->hits, 2);
    cert_cache_free(cache);
}

/* Same length, one octet apart (the serial), or the last octet of a
 * three-chunk DER apart: distinct entries, each answered with its own
 * report. */
static void test_one_byte_apart_is_a_miss(void **state)
{
    (void)state;
    struct cert_cache_config cfg = { 8, 8 * 4096 };
    struct cert_cache *cache = cert_cache_new(&cfg);
    struct cert a = small_cert(1), b = small_cert(2);
    assert_int_equal(a.n, b.n);
    assert_false(lookup(cache, a));
    assert_false(lookup(cache, b));
    assert_true(lookup(cache, a));
    assert_true(lookup(cache, b));
    struct x509_report r;
    struct x509_text t;
    assert_true(cert_cache_parse_leaf(cache, span_make(b.der, b.n), &r));
    x509_text_render(&r, &t);
    assert_string_equal(t.serial, "1234AB02");

    struct cert big1 = make_cert(9, 1200, 0x11), big2 = make_cert(9, 1200, 0x11);
    assert_true(big1.n > 2 * 512);
    big2.der[big2.n - 1] = 0x12;
    assert_false(lookup(cache, big1));
    assert_false(lookup(cache, big2));
    assert_true(lookup(cache, big2));
    assert_true(lookup(cache, big1));
    const struct cert_cache_stats *st = cert_cache_stats(cache);
    assert_int_equal(st->misses, 4);
    assert_int_equal(st->hits, 5);
    assert_int_equal(st->entries, 4);
    assert_int_equal(st->bytes, 2 * a.n + 2 * big1.n);
    assert_int_equal(st->evictions, 0);
    free(a.der);
    free(b.der);
    free(big1.der);
    free(big2.der);
    cert_cache_free(cache);
}

/* With room for four entries, lookups of ten certificates in a scrambled
 * order hit exactly when a least-recently-used list of four (kept here)
 * holds the certificate. */
static void test_lru_by_entries(void **state)
{
    (void)state;
    enum { CERTS = 10, ROOM = 4, LOOKUPS = 400 };
    struct cert_cache_config cfg = { ROOM, 64 * 4096 };
    struct cert_cache *cache = cert_cache_new(&cfg);
    struct cert certs[CERTS];
    for (int i = 0; i < CERTS; i++)
        certs[i] = small_cert((uint8_t)i);
    int model[ROOM], held = 0;
    uint64_t hits = 0, evictions = 0;
    uint32_t x = 12345;
    for (int k = 0; k < LOOKUPS; k++) {
        x = x * 1103515245u + 12345u;
        int id = (int)((x >> 16) % (k % 3 ? 5 : CERTS)); /* favour five, so both outcomes occur */
        int at = -1;
        for (int j = 0; j < held; j++)
            if (model[j] == id)
                at = j;
        bool expect_hit = at >= 0;
        if (expect_hit) {
            hits++;
        } else if (held == ROOM) {
            evictions++;
            at = ROOM - 1; /* the least recently used falls off */
        } else {
            at = held++;
        }
        memmove(model + 1, model, (size_t)at * sizeof model[0]);
        model[0] = id;
        assert_int_equal(lookup(cache, certs[id]), expect_hit);
    }
    const struct cert_cache_stats *st = cert_cache_stats(cache);
    assert_int_equal(st->hits, hits);
    assert_int_equal(st->misses, LOOKUPS - hits);
    assert_int_equal(st->evictions, evictions);
    assert_true(hits > 50 && evictions > 50);
    assert_int_equal(st->entries, ROOM);
    assert_int_equal(st->bytes, ROOM * certs[0].n);
    for (int i = 0; i < CERTS; i++)
        free(certs[i].der);
    cert_cache_free(cache);
}

/* An arena of 16 chunks of 512 bytes: five three-chunk certificates fit,
 * the sixth pushes out the oldest, a one-chunk one fits in what is left,
 * and the next three-chunk one pushes out the then oldest. A certificate
 * over a quarter of the arena, or one that does not decode, is answered but
 * not kept. */
static void test_eviction_by_bytes(void **state)
{
    (void)state;
    struct cert_cache_config cfg = { 64, 16 * 512 };
    struct cert_cache *cache = cert_cache_new(&cfg);
    const struct cert_cache_stats *st = cert_cache_stats(cache);
    struct cert big[7];
    for (int i = 0; i < 7; i++) {
        big[i] = make_cert((uint8_t)i, 1100, (uint8_t)i);
        assert_true(big[i].n > 1024 && big[i].n <= 1536);
    }
    for (int i = 0; i < 6; i++)
        assert_false(lookup(cache, big[i]));
    assert_int_equal(st->evictions, 1);
    assert_int_equal(st->entries, 5);
    assert_false(lookup(cache, big[0])); /* the one evicted */
    assert_int_equal(st->evictions, 2);  /* and to take it back, big[1] went */
    assert_true(lookup(cache, big[2]));
    struct cert small = small_cert(40);
    assert_false(lookup(cache, small));
    assert_int_equal(st->evictions, 2);
    assert_int_equal(st->entries, 6);
    assert_false(lookup(cache, big[6]));  /* oldest now: big[3] */
    assert_int_equal(st->evictions, 3);
    assert_true(lookup(cache, big[2]));
    assert_true(lookup(cache, small));
    assert_false(lookup(cache, big[3]));
    assert_int_equal(st->evictions, 4);   /* big[4] */
    assert_int_equal(st->entries, 6);
    assert_int_equal(st->bytes, 5 * big[0].n + small.n);

    struct cert huge = make_cert(50, 2100, 0x77); /* over 8192 / 4 */
    assert_false(lookup(cache, huge));
    assert_false(lookup(cache, huge));
    assert_int_equal(st->not_stored, 2);
    struct x509_report r;
    uint8_t *cut = test_exact_copy(small.der, small.n - 1);
    assert_false(cert_cache_parse_leaf(cache, span_make(cut, small.n - 1), &r));
    assert_false(r.parsed);
    assert_false(cert_cache_parse_leaf(cache, span_make(cut, small.n - 1), &r));
    free(cut);
    assert_int_equal(st->not_stored, 4);
    assert_int_equal(st->entries, 6);
    assert_int_equal(st->evictions, 4);
    assert_true(st->budget_bytes >= 16 * 512 + 64 * sizeof(struct x509_report));
    for (int i = 0; i < 7; i++)
        free(big[i].der);
    free(small.der);
    free(huge.der);
    cert_cache_free(cache);
}

/* No cache: x509_parse_leaf itself. */
static void test_null_cache(void **state)
{
    (void)state;
    struct x509_report got, want;
    assert_true(cert_cache_parse_leaf(NULL, span_make(cert_der, sizeof cert_der), &got));
    assert_true(x509_parse_leaf(span_make(cert_der, sizeof cert_der), &want));
    assert_memory_equal(&got, &want, sizeof got);
    assert_false(cert_cache_parse_leaf(NULL, span_make(cert_der, 10), &got));
    struct cert_cache_config none = { 0, 4096 };
    assert_null(cert_cache_new(&none));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_miss_then_hit),
        cmocka_unit_test(test_one_byte_apart_is_a_miss),
        cmocka_unit_test(test_lru_by_entries),
        cmocka_unit_test(test_eviction_by_bytes),
        cmocka_unit_test(test_null_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
