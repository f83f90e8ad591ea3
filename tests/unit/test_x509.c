/* test_x509.c - the leaf-certificate reader over a real DER certificate
 * (x509_vector.h says how it was made); the expected values are
 * openssl x509 -text / -fingerprint's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/x509.h"
#include "test_util.h"
#include "x509_vector.h"

static void expect_hex(const uint8_t *p, size_t n, const char *want)
{
    char got[2 * 32 + 1];
    for (size_t i = 0; i < n; i++)
        sprintf(got + 2 * i, "%02X", p[i]);
    assert_string_equal(got, want);
}

static void test_leaf_fields(void **state)
{
    (void)state;
    struct x509_report r;
    assert_true(x509_parse_leaf(span_make(cert_der, sizeof cert_der), &r));
    assert_true(r.parsed);
    assert_int_equal(r.subject_cn_len, 17);
    assert_memory_equal(r.subject_cn, "mail.example.test", 17);
    assert_int_equal(r.issuer_cn_len, 17);
    assert_true(r.self_signed);
    assert_int_equal(r.subject_dn_len, strlen("O=Example,CN=mail.example.test"));
    assert_memory_equal(r.subject_dn, "O=Example,CN=mail.example.test", r.subject_dn_len);
    assert_int_equal(r.san_count, 2);
    assert_memory_equal(r.san, "\x11mail.example.test\x11imap.example.test", 36);
    assert_int_equal(r.not_before, 1795399411); /* 2026-11-23T02:03:31Z */
    assert_int_equal(r.not_after, 1797991411);  /* 2026-12-23T02:03:31Z */
    assert_string_equal(r.serial, "1234ABCD");
    assert_string_equal(r.key_algorithm, "ECDSA");
    assert_int_equal(r.key_bits, 256);
    assert_string_equal(r.key_curve, "prime256v1");
    assert_string_equal(r.signature_algorithm, "ECDSA-SHA256");
    assert_false(r.signature_sha1_or_md5);
    expect_hex(r.sha256, 32, "5C2A9C4305A5CA93F9AFF0F33468D62F258C06D096D46AF5C85CC9CC19D46D32");
    expect_hex(r.sha1, 20, "87E2B51C4EA76D2DBC549A226AE2C7AC7C7410C3");
}

/* Every strict prefix, and the certificate with a trailing byte, is refused,
 * each from an exact-size heap copy so an over-read would be caught. */
static void test_prefixes_and_trailing_byte(void **state)
{
    (void)state;
    struct x509_report r;
    for (size_t n = 0; n < sizeof cert_der; n++) {
        uint8_t *copy = test_exact_copy(cert_der, n);
        assert_false(x509_parse_leaf(span_make(copy, n), &r));
        assert_false(r.parsed);
        free(copy);
    }
    uint8_t *longer = test_exact_copy_plus(cert_der, sizeof cert_der, 0);
    assert_false(x509_parse_leaf(span_make(longer, sizeof cert_der + 1), &r));
    free(longer);
}

/* A flipped byte inside the certificate either fails to decode or decodes
 * to something else; it never crashes. */
static void test_corrupted_bytes(void **state)
{
    (void)state;
    struct x509_report r;
    uint8_t copy[sizeof cert_der];
    for (size_t i = 0; i < sizeof cert_der; i++) {
        memcpy(copy, cert_der, sizeof cert_der);
        copy[i] ^= 0xff;
        (void)x509_parse_leaf(span_make(copy, sizeof copy), &r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_fields),
        cmocka_unit_test(test_prefixes_and_trailing_byte),
        cmocka_unit_test(test_corrupted_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
