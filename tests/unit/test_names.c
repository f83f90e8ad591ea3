/* test_names.c - dissect/names.c: registry lookups over the generated tables,
 * GREASE detection (RFC 8701) and version tokens (SCHEMA.md "Value formats").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dissect/iana_tables.h"
#include "dissect/names.h"

/* Names the output contract quotes, and a few more everybody greps for. */
static void test_known_names(void **state)
{
    (void)state;
    assert_string_equal(tls_cipher_name(0x1301), "TLS_AES_128_GCM_SHA256");
    assert_string_equal(tls_cipher_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_string_equal(tls_cipher_name(0x00ff), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");

    assert_string_equal(tls_group_name(0x001d), "x25519");
    assert_string_equal(tls_group_name(0x0017), "secp256r1");
    assert_string_equal(tls_group_name(0x11ec), "X25519MLKEM768");
    assert_string_equal(tls_group_name(0x0100), "ffdhe2048");

    assert_string_equal(tls_sigscheme_name(0x0804), "rsa_pss_rsae_sha256");
    assert_string_equal(tls_sigscheme_name(0x0201), "rsa_pkcs1_sha1");

    assert_string_equal(tls_alert_name(70), "protocol_version");
    assert_string_equal(tls_alert_name(40), "handshake_failure");

    assert_string_equal(tls_extension_name(0), "server_name");
    assert_string_equal(tls_extension_name(43), "supported_versions");

    assert_string_equal(tls_handshake_type_name(1), "client_hello");
    assert_string_equal(tls_handshake_type_name(20), "finished");

    assert_string_equal(sslv2_cipher_name(0x010080), "SSL2_RC4_128_WITH_MD5");
    assert_string_equal(sslv2_cipher_name(0x0700c0), "SSL2_DES_192_EDE3_CBC_WITH_MD5");
}

static void test_unknown_codes(void **state)
{
    (void)state;
    assert_null(tls_cipher_name(0x1306));
    assert_null(tls_cipher_name(0xfffe));
    assert_null(tls_cipher_name(0xffff));   /* above the last entry */
    assert_null(tls_group_name(0x0000));    /* below the first entry */
    assert_null(tls_group_name(0xffff));
    assert_null(tls_group_name(0x0a0b));
    assert_null(tls_sigscheme_name(0x0000));
    assert_null(tls_sigscheme_name(0x0200)); /* just below the first entry */
    assert_null(tls_sigscheme_name(0xffff));
    assert_null(tls_extension_name(0xffff));
    assert_null(tls_alert_name(2));
    assert_null(tls_alert_name(255));
    assert_null(tls_handshake_type_name(255));
    assert_null(sslv2_cipher_name(0xffffff));
    assert_null(sslv2_cipher_name(0x01000000)); /* wider than 3 bytes */
}

/* The first and last row of each CSV: an off-by-one in the binary search or a
 * generator that drops an end row shows up here. */
static void test_first_and_last_entries(void **state)
{
    (void)state;
    assert_string_equal(tls_cipher_name(0x0000), "TLS_NULL_WITH_NULL_NULL");
    assert_string_equal(tls_cipher_name(0xffe1), "SSL_RSA_FIPS_WITH_DES_CBC_SHA");
    assert_string_equal(tls_group_name(0x0001), "sect163k1");
    assert_string_equal(tls_group_name(0xff02), "arbitrary_explicit_char2_curves");
    assert_string_equal(tls_sigscheme_name(0x0201), "rsa_pkcs1_sha1");
    assert_string_equal(tls_sigscheme_name(0xfead), "p521_dilithium5_aes");
    assert_string_equal(tls_extension_name(0x0000), "server_name");
    assert_string_equal(tls_extension_name(0xffce), "encrypted_server_name");
    assert_string_equal(tls_alert_name(0), "close_notify");
    assert_string_equal(tls_alert_name(121), "ech_required");
    assert_string_equal(tls_handshake_type_name(0), "hello_request");
    assert_string_equal(tls_handshake_type_name(0x43), "encrypted_extensions");
    assert_string_equal(sslv2_cipher_name(0x000000), "TLS_NULL_WITH_NULL_NULL");
    assert_string_equal(sslv2_cipher_name(0x080080), "SSL2_RC4_64_WITH_MD5");
}

/* Every table is strictly ascending and every row is found by its lookup:
 * the generator's sorting and de-duplication, checked on the real data. */
typedef const char *(*lookup_fn)(uint32_t code);

static const char *cipher_u32(uint32_t c) { return tls_cipher_name((uint16_t)c); }
static const char *group_u32(uint32_t c) { return tls_group_name((uint16_t)c); }
static const char *sigscheme_u32(uint32_t c) { return tls_sigscheme_name((uint16_t)c); }
static const char *extension_u32(uint32_t c) { return tls_extension_name((uint16_t)c); }
static const char *alert_u32(uint32_t c) { return tls_alert_name((uint8_t)c); }
static const char *handshake_u32(uint32_t c) { return tls_handshake_type_name((uint8_t)c); }

static void check_table(const struct iana_entry *t, size_t n, uint32_t max, lookup_fn fn)
{
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_true(t[i - 1].code < t[i].code);
        assert_true(t[i].code <= max);
        assert_non_null(t[i].name);
        assert_true(t[i].name[0] != '\0');
        /* The same pointer, not merely an equal string. */
        assert_ptr_equal(fn(t[i].code), t[i].name);
    }
}

static void test_tables_sorted_and_complete(void **state)
{
    (void)state;
    check_table(iana_cipher_suites, iana_cipher_suites_count, 0xffff, cipher_u32);
    check_table(iana_groups, iana_groups_count, 0xffff, group_u32);
    check_table(iana_signature_schemes, iana_signature_schemes_count, 0xffff, sigscheme_u32);
    check_table(iana_extensions, iana_extensions_count, 0xffff, extension_u32);
    check_table(iana_alerts, iana_alerts_count, 0xff, alert_u32);
    check_table(iana_handshake_types, iana_handshake_types_count, 0xff, handshake_u32);
    check_table(iana_sslv2_cipher_kinds, iana_sslv2_cipher_kinds_count, 0xffffff, sslv2_cipher_name);
}

/* tls_registry_entry(): the same rows as the name lookups, each with the
 * length the generator measured (writers use it instead of strlen). */
static void check_registry(enum tls_registry reg, const struct iana_entry *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct iana_entry *e = tls_registry_entry(reg, t[i].code);
        assert_ptr_equal(e, &t[i]);
        assert_int_equal(e->len, strlen(e->name));
    }
}

static void test_registry_entries(void **state)
{
    (void)state;
    check_registry(TLS_REG_CIPHER_SUITE, iana_cipher_suites, iana_cipher_suites_count);
    check_registry(TLS_REG_GROUP, iana_groups, iana_groups_count);
    check_registry(TLS_REG_SIGNATURE_SCHEME, iana_signature_schemes, iana_signature_schemes_count);
    check_registry(TLS_REG_EXTENSION, iana_extensions, iana_extensions_count);
    check_registry(TLS_REG_ALERT, iana_alerts, iana_alerts_count);
    check_registry(TLS_REG_HANDSHAKE_TYPE, iana_handshake_types, iana_handshake_types_count);
    check_registry(TLS_REG_SSLV2_CIPHER_KIND, iana_sslv2_cipher_kinds, iana_sslv2_cipher_kinds_count);

    const struct iana_entry *e = tls_registry_entry(TLS_REG_CIPHER_SUITE, 0xc02f);
    assert_non_null(e);
    assert_string_equal(e->name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_int_equal(e->len, 37);
    assert_null(tls_registry_entry(TLS_REG_CIPHER_SUITE, 0x1306));
    assert_null(tls_registry_entry(TLS_REG_ALERT, 255));
    assert_null(tls_registry_entry((enum tls_registry)99, 0));
}

static void test_grease(void **state)
{
    (void)state;
    /* RFC 8701 section 2: the 16 reserved values 0x0a0a, 0x1a1a, ... 0xfafa. */
    static const uint16_t grease[16] = {
        0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a,
        0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa,
    };
    for (size_t i = 0; i < 16; i++)
        assert_true(tls_is_grease(grease[i]));

    /* Both nibbles 0xa but the bytes differ, or one nibble off. */
    static const uint16_t not_grease[] = {
        0x0a0b, 0x1a2a, 0x0a1a, 0x2a1a, 0x0b0b, 0x0a09, 0x0909, 0xa0a0,
        0x0aa0, 0xaa0a, 0x0000, 0xffff, 0x0303, 0x1301, 0x7f1c,
    };
    for (size_t i = 0; i < sizeof not_grease / sizeof not_grease[0]; i++)
        assert_false(tls_is_grease(not_grease[i]));

    /* Exhaustively: exactly 16 of the 65536 values are GREASE. */
    unsigned count = 0;
    for (uint32_t v = 0; v <= 0xffff; v++)
        count += tls_is_grease((uint16_t)v);
    assert_int_equal(count, 16);
}

static void check_token(uint16_t version, const char *want)
{
    char buf[TLS_VERSION_TOKEN_MAX];
    memset(buf, 'X', sizeof buf);
    const char *got = tls_version_token(version, buf);
    assert_ptr_equal(got, buf);
    assert_string_equal(got, want);
}

static void test_version_tokens(void **state)
{
    (void)state;
    check_token(0x0002, "SSLv2");
    check_token(0x0200, "SSLv2");
    check_token(0x0300, "SSLv3");
    check_token(0x0301, "TLSv1.0");
    check_token(0x0302, "TLSv1.1");
    check_token(0x0303, "TLSv1.2");
    check_token(0x0304, "TLSv1.3");

    check_token(0x7f1c, "TLSv1.3-draft28");
    check_token(0x7f12, "TLSv1.3-draft18");
    check_token(0x7f17, "TLSv1.3-draft23");
    check_token(0x7f05, "TLSv1.3-draft5");
    check_token(0x7f00, "TLSv1.3-draft0");
    check_token(0x7f64, "TLSv1.3-draft100");
    check_token(0x7fff, "TLSv1.3-draft255");

    check_token(0x7a7a, "0x7a7a"); /* GREASE in supported_versions */
    check_token(0x0305, "0x0305");
    check_token(0x0000, "0x0000");
    check_token(0x0001, "0x0001");
    check_token(0x02ff, "0x02ff");
    check_token(0x7e1c, "0x7e1c");
    check_token(0xfb1a, "0xfb1a"); /* Facebook's fizz TLS 1.3 draft code */
    check_token(0xffff, "0xffff");
}

static void check_ecs(uint16_t version, const char *number, const char *protocol)
{
    const char *n = NULL, *p = NULL;
    assert_true(tls_version_ecs(version, &n, &p));
    assert_string_equal(n, number);
    assert_string_equal(p, protocol);
}

static void test_version_ecs(void **state)
{
    (void)state;
    check_ecs(0x0002, "2.0", "ssl");
    check_ecs(0x0200, "2.0", "ssl");
    check_ecs(0x0300, "3.0", "ssl");
    check_ecs(0x0301, "1.0", "tls");
    check_ecs(0x0302, "1.1", "tls");
    check_ecs(0x0303, "1.2", "tls");
    check_ecs(0x0304, "1.3", "tls");

    static const uint16_t none[] = { 0x0000, 0x0305, 0x7f1c, 0x7a7a, 0xfb1a, 0x02ff };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        const char *n = "unchanged", *p = "unchanged";
        assert_false(tls_version_ecs(none[i], &n, &p));
        assert_string_equal(n, "unchanged");
        assert_string_equal(p, "unchanged");
    }
}

static void test_hex16(void **state)
{
    (void)state;
    char buf[7];
    assert_ptr_equal(tls_hex16(0xc0ff, buf), buf);
    assert_string_equal(buf, "0xc0ff");
    assert_string_equal(tls_hex16(0x0000, buf), "0x0000");
    assert_string_equal(tls_hex16(0x000a, buf), "0x000a");
    assert_string_equal(tls_hex16(0xABCD, buf), "0xabcd");
    assert_string_equal(tls_hex16(0xffff, buf), "0xffff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_names),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_first_and_last_entries),
        cmocka_unit_test(test_tables_sorted_and_complete),
        cmocka_unit_test(test_registry_entries),
        cmocka_unit_test(test_grease),
        cmocka_unit_test(test_version_tokens),
        cmocka_unit_test(test_version_ecs),
        cmocka_unit_test(test_hex16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
