/* test_sslv2.c - dissect/sslv2.c: the SSLv2 record header (2- and 3-byte),
 * SERVER-HELLO, CLIENT-MASTER-KEY and ERROR, and the names and weaknesses
 * the writers take from it.
 *
 * Each message is a hex array with a comment per field, parsed from an
 * exact-size heap copy (AddressSanitizer catches any over-read); every
 * strict prefix, one trailing byte and lying inner lengths are tried, and a
 * list longer than the fixed array.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dissect/sslv2.h"
#include "test_util.h"

/* An SSLv2 SERVER-HELLO carrying a 4-byte "certificate". */
static const uint8_t server_hello[] = {
    0x80, 0x25,                   /* 2-byte header, length 37 */
    0x04,                         /* SERVER-HELLO */
    0x00,                         /* session_id_hit: no */
    0x01,                         /* certificate_type: X.509 */
    0x00, 0x02,                   /* server_version: SSL 2.0 */
    0x00, 0x04,                   /* [7] certificate_length 4 */
    0x00, 0x06,                   /* [9] cipher_specs_length 6 */
    0x00, 0x10,                   /* [11] connection_id_length 16 */
    0x30, 0x02, 0x05, 0x00,       /* certificate (a stand-in DER) */
    0x01, 0x00, 0x80,             /* SSL_CK_RC4_128_WITH_MD5 */
    0x07, 0x00, 0xc0,             /* SSL_CK_DES_192_EDE3_CBC_WITH_MD5 */
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* connection id */
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};

static enum tls_parse_result sh_of(const uint8_t *p, size_t n, struct sslv2_server_hello *sh)
{
    uint8_t *copy = test_exact_copy(p, n);
    enum tls_parse_result r = sslv2_parse_server_hello(span_make(copy, n), sh);
    if (r == TLS_PARSE_OK && sh->certificate.n > 0) {
        /* zero-copy: the certificate points into the record */
        assert_ptr_equal(sh->certificate.p, copy + 13);
    }
    free(copy);
    return r;
}

static enum tls_parse_result sh_patched(size_t off, uint8_t was, uint8_t value)
{
    uint8_t buf[sizeof server_hello];
    memcpy(buf, server_hello, sizeof buf);
    assert_int_equal(buf[off], was);
    buf[off] = value;
    struct sslv2_server_hello sh;
    return sh_of(buf, sizeof buf, &sh);
}

static void test_server_hello(void **state)
{
    (void)state;
    size_t n = sizeof server_hello;
    assert_int_equal(n, 39);
    struct sslv2_server_hello sh;
    assert_int_equal(sh_of(server_hello, n, &sh), TLS_PARSE_OK);
    assert_false(sh.session_id_hit);
    assert_int_equal(sh.certificate_type, SSLV2_CERT_X509);
    assert_int_equal(sh.version, 0x0002);
    assert_int_equal(sh.certificate.n, 4);
    assert_int_equal(sh.cipher_count, 2);
    assert_int_equal(sh.ciphers[0], 0x010080);
    assert_int_equal(sh.ciphers[1], 0x0700c0);
    assert_false(sh.ciphers_more);
    assert_int_equal(sh.connection_id_len, 16);

    for (size_t k = 0; k < n; k++)
        assert_int_equal(sh_of(server_hello, k, &sh), TLS_PARSE_MALFORMED);
    uint8_t *longer = test_exact_copy_plus(server_hello, n, 0x00);
    assert_int_equal(sslv2_parse_server_hello(span_make(longer, n + 1), &sh), TLS_PARSE_MALFORMED);
    free(longer);

    assert_int_equal(sh_patched(8, 0x04, 0x05), TLS_PARSE_MALFORMED);  /* certificate longer than the record */
    assert_int_equal(sh_patched(8, 0x04, 0x03), TLS_PARSE_MALFORMED);  /* shorter: bytes left over */
    assert_int_equal(sh_patched(10, 0x06, 0x05), TLS_PARSE_MALFORMED); /* not whole cipher kinds */
    assert_int_equal(sh_patched(12, 0x10, 0x0f), TLS_PARSE_MALFORMED); /* connection id lies */
    assert_int_equal(sh_patched(2, 0x04, 0x02), TLS_PARSE_MALFORMED);  /* another message type */
    assert_int_equal(sh_patched(3, 0x00, 0x01), TLS_PARSE_MALFORMED);  /* a hit with a certificate */
}

/* The 3-byte header (escape bit clear) with its padding count. */
static void test_record_headers(void **state)
{
    (void)state;
    static const uint8_t three[] = { 0x00, 0x05, 0x02, 'a', 'b', 'c', 0xee, 0xee };
    struct span body;
    size_t len;
    uint8_t *copy = test_exact_copy(three, sizeof three);
    assert_int_equal(sslv2_record(span_make(copy, sizeof three), &body, &len), SSLV2_RECORD_OK);
    assert_int_equal(len, 8);
    assert_int_equal(body.n, 3);
    assert_ptr_equal(body.p, copy + 3);
    for (size_t k = 0; k < sizeof three; k++)
        assert_int_equal(sslv2_record(span_make(copy, k), &body, &len), SSLV2_RECORD_NEED_MORE);
    free(copy);
    static const uint8_t bad_padding[] = { 0x00, 0x02, 0x03, 'a', 'b' }; /* more padding than bytes */
    assert_int_equal(sslv2_record(span_make(bad_padding, sizeof bad_padding), &body, &len),
                     SSLV2_RECORD_MALFORMED);
    static const uint8_t empty[] = { 0x80, 0x00 };
    assert_int_equal(sslv2_record(span_make(empty, sizeof empty), &body, &len), SSLV2_RECORD_MALFORMED);
}

/* More cipher kinds than the array holds: counted, the first kept. */
static void test_server_hello_many_ciphers(void **state)
{
    (void)state;
    uint8_t buf[13 + 20 * 3 + 16];
    size_t body = sizeof buf - 2;
    uint8_t head[13] = { (uint8_t)(0x80 | body >> 8), (uint8_t)body, 0x04, 0x00, 0x01, 0x00, 0x02,
                         0x00, 0x00, 0x00, 60, 0x00, 16 };
    memcpy(buf, head, sizeof head);
    for (int i = 0; i < 20; i++) {
        buf[13 + 3 * i] = (uint8_t)i;
        buf[14 + 3 * i] = 0x00;
        buf[15 + 3 * i] = 0x80;
    }
    memset(buf + 13 + 60, 0xcc, 16);
    struct sslv2_server_hello sh;
    uint8_t *copy = test_exact_copy(buf, sizeof buf);
    assert_int_equal(sslv2_parse_server_hello(span_make(copy, sizeof buf), &sh), TLS_PARSE_OK);
    free(copy);
    assert_int_equal(sh.cipher_count, SSLV2_MAX_CIPHERS);
    assert_true(sh.ciphers_more);
    assert_int_equal(sh.ciphers[15], 0x0f0080);
    assert_int_equal(sh.certificate.n, 0);
}

static const uint8_t client_master_key[] = {
    0x80, 0x1a,                   /* 2-byte header, length 26 */
    0x02,                         /* CLIENT-MASTER-KEY */
    0x02, 0x00, 0x80,             /* SSL_CK_RC4_128_EXPORT40_WITH_MD5 */
    0x00, 0x0b,                   /* [6] clear_key_length 11 */
    0x00, 0x05,                   /* [8] encrypted_key_length 5 */
    0x00, 0x00,                   /* key_arg_length 0 */
    0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, /* clear key */
    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, /* encrypted key */
};

static void test_client_master_key(void **state)
{
    (void)state;
    size_t n = sizeof client_master_key;
    assert_int_equal(n, 28);
    struct sslv2_client_master_key cmk;
    for (size_t k = 0; k <= n; k++) {
        uint8_t *copy = test_exact_copy(client_master_key, k);
        enum tls_parse_result r = sslv2_parse_client_master_key(span_make(copy, k), &cmk);
        free(copy);
        assert_int_equal(r, k == n ? TLS_PARSE_OK : TLS_PARSE_MALFORMED);
    }
    assert_int_equal(cmk.cipher_kind, 0x020080);
    assert_int_equal(cmk.clear_key_len, 11);
    assert_int_equal(cmk.encrypted_key_len, 5);
    assert_int_equal(cmk.key_arg_len, 0);
    uint8_t buf[sizeof client_master_key];
    memcpy(buf, client_master_key, n);
    buf[9] = 0x06; /* encrypted key longer than the record */
    assert_int_equal(sslv2_parse_client_master_key(span_make(buf, n), &cmk), TLS_PARSE_MALFORMED);
    buf[9] = 0x04; /* shorter: a byte left over */
    assert_int_equal(sslv2_parse_client_master_key(span_make(buf, n), &cmk), TLS_PARSE_MALFORMED);
}

/* The header alone: its length and the record's, before the body came. */
static void test_record_header(void **state)
{
    (void)state;
    size_t header, len;
    static const uint8_t two[] = { 0x81, 0x02 };           /* 2-byte header, length 258 */
    assert_int_equal(sslv2_record_header(span_make(two, 2), &header, &len), SSLV2_RECORD_OK);
    assert_int_equal(header, 2);
    assert_int_equal(len, 260);
    static const uint8_t three[] = { 0x40, 0x10, 0x07 };   /* 3-byte header (escape bit set), length 16, padding 7 */
    assert_int_equal(sslv2_record_header(span_make(three, 3), &header, &len), SSLV2_RECORD_OK);
    assert_int_equal(header, 3);
    assert_int_equal(len, 19);
    assert_int_equal(sslv2_record_header(span_make(three, 2), &header, &len), SSLV2_RECORD_NEED_MORE);
    assert_int_equal(sslv2_record_header(span_make(two, 1), &header, &len), SSLV2_RECORD_NEED_MORE);
    static const uint8_t long_padding[] = { 0x00, 0x10, 0x09 }; /* more than one block of padding */
    assert_int_equal(sslv2_record_header(span_make(long_padding, 3), &header, &len), SSLV2_RECORD_MALFORMED);
}

static const uint8_t error_no_cipher[] = {
    0x80, 0x03,                   /* 2-byte header, length 3 */
    0x00,                         /* ERROR */
    0x00, 0x01,                   /* NO-CIPHER-ERROR */
};

static void test_error(void **state)
{
    (void)state;
    size_t n = sizeof error_no_cipher;
    uint16_t code;
    for (size_t k = 0; k <= n; k++) {
        uint8_t *copy = test_exact_copy(error_no_cipher, k);
        assert_int_equal(sslv2_parse_error(span_make(copy, k), &code), k == n ? TLS_PARSE_OK : TLS_PARSE_MALFORMED);
        free(copy);
    }
    assert_int_equal(code, SSLV2_ERROR_NO_CIPHER);
    uint8_t *longer = test_exact_copy_plus(error_no_cipher, n, 0x00);
    assert_int_equal(sslv2_parse_error(span_make(longer, n + 1), &code), TLS_PARSE_MALFORMED);
    free(longer);
    static const uint8_t long_error[] = { 0x80, 0x04, 0x00, 0x00, 0x01, 0x00 }; /* a byte too many */
    assert_int_equal(sslv2_parse_error(span_make(long_error, sizeof long_error), &code), TLS_PARSE_MALFORMED);
    assert_int_equal(sslv2_parse_error(span_make(server_hello, sizeof server_hello), &code), TLS_PARSE_MALFORMED);
    assert_string_equal(sslv2_error_name(1), "no_cipher");
    assert_string_equal(sslv2_error_name(2), "no_certificate");
    assert_string_equal(sslv2_error_name(4), "bad_certificate");
    assert_string_equal(sslv2_error_name(6), "unsupported_certificate_type");
    assert_null(sslv2_error_name(3));
    assert_string_equal(sslv2_message_name(SSLV2_MT_CLIENT_MASTER_KEY), "client_master_key");
    assert_string_equal(sslv2_message_name(SSLV2_MT_SERVER_HELLO), "server_hello");
    assert_string_equal(sslv2_message_name(8), "client_certificate");
    assert_null(sslv2_message_name(9));
}

/* Every SSL 2.0 cipher kind is weak, each for its own reason; 0x00XXXX is
 * the TLS suite XXXX. */
static void test_cipher_weakness(void **state)
{
    (void)state;
    assert_int_equal(sslv2_cipher_weakness(0x010080), TLS_WEAKNESS_RC4);
    assert_int_equal(sslv2_cipher_weakness(0x080080), TLS_WEAKNESS_RC4);
    assert_int_equal(sslv2_cipher_weakness(0x020080), TLS_WEAKNESS_EXPORT);
    assert_int_equal(sslv2_cipher_weakness(0x040080), TLS_WEAKNESS_EXPORT);
    assert_int_equal(sslv2_cipher_weakness(0x060040), TLS_WEAKNESS_DES);
    assert_int_equal(sslv2_cipher_weakness(0x0700c0), TLS_WEAKNESS_3DES);
    assert_int_equal(sslv2_cipher_weakness(0x030080), TLS_WEAKNESS_MD5);
    assert_int_equal(sslv2_cipher_weakness(0x050080), TLS_WEAKNESS_MD5);
    assert_int_equal(sslv2_cipher_weakness(0x00000a), TLS_WEAKNESS_3DES);   /* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
    assert_int_equal(sslv2_cipher_weakness(0x00002f), TLS_WEAKNESS_NONE);   /* TLS_RSA_WITH_AES_128_CBC_SHA */
    assert_int_equal(sslv2_cipher_weakness(0xff0080), TLS_WEAKNESS_NONE);   /* no such kind */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_hello),
        cmocka_unit_test(test_record_headers),
        cmocka_unit_test(test_server_hello_many_ciphers),
        cmocka_unit_test(test_client_master_key),
        cmocka_unit_test(test_record_header),
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_cipher_weakness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
