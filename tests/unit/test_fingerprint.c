/* test_fingerprint.c - dissect/fingerprint.c: JA3, JA3S (Salesforce) and JA4
 * (FoxIO, TLS client).
 *
 * Expected values were computed outside tlsscope: each JA3/JA3S MD5 with
 * `printf '%s' STRING | md5sum`, each JA4 hash part with
 * `printf '%s' STRING | sha256sum | cut -c1-12`, the string shown beside it.
 * The real ClientHello is the first packet of corpus/dev/ja4_tls12.pcap
 * (Firefox to contile.services.mozilla.com), extracted with
 * `tshark -T fields -e tcp.payload`; its JA4 is FoxIO's reference value from
 * pcaps/ja4/tls12.pcap.expected.json.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/tls_hello.h"
#include "output/fingerprint.h"
#include "test_util.h"

/* ---- helpers ------------------------------------------------------------ */

static void hex16(const uint8_t md[16], char out[33])
{
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Fingerprints are computed on demand from the report (output/fingerprint.h). */
static uint8_t ja3_md5[16];
static char ja4_buf[FP_JA4_SIZE];
#define HAS_JA3(c) fp_ja3_client(c, ja3_md5)
#define JA3(c) (fp_ja3_client(c, ja3_md5), ja3_md5)
#define HAS_JA3S(s) fp_ja3s(s, ja3_md5)
#define JA3S(s) (fp_ja3s(s, ja3_md5), ja3_md5)
#define JA4(c) (fp_ja4_client(c, ja4_buf), ja4_buf)

static struct tls_client_report *new_client(uint16_t legacy_version)
{
    struct tls_client_report *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->seen = true;
    c->lists_complete = true; /* as a hello parsed to its end */
    c->legacy_version = legacy_version;
    return c;
}

#define SET_LIST(list, ...)                                                                        \
    do {                                                                                           \
        static const uint16_t vals_[] = { __VA_ARGS__ };                                           \
        (list).n = (uint16_t)(sizeof vals_ / sizeof vals_[0]);                                     \
        for (size_t i_ = 0; i_ < (list).n; i_++)                                                   \
            (list).v[i_] = vals_[i_];                                                              \
    } while (0)

/* Sets the client's first (only) ALPN name. */
static void set_alpn(struct tls_client_report *c, const uint8_t *name, uint8_t len)
{
    c->alpn[0] = len;
    memcpy(c->alpn + 1, name, len);
    c->alpn_len = (uint16_t)(len + 1);
    c->alpn_count = 1;
}

/* Parses a ClientHello body from an exact-size heap copy. */
static void parse_hello(const uint8_t *body, size_t n, struct tls_client_report *c)
{
    uint8_t *copy = test_exact_copy(body, n);
    uint8_t sid[32];
    memset(c, 0, sizeof *c);
    assert_int_equal(tls_parse_client_hello(span_make(copy, n), c, sid), TLS_PARSE_OK);
    free(copy);
}

/* ---- a hand-built ClientHello ------------------------------------------- */

/* GREASE in the suites, the extensions and the groups. */
static const uint8_t client_hello[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 (771) */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, /* random */
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x00,                                           /* empty legacy_session_id */
    0x00, 0x08,                                     /* cipher_suites length 8 */
    0x0a, 0x0a,                                     /*   GREASE */
    0x13, 0x01,                                     /*   TLS_AES_128_GCM_SHA256 (4865) */
    0xc0, 0x2f,                                     /*   TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (49199) */
    0x00, 0xff,                                     /*   TLS_EMPTY_RENEGOTIATION_INFO_SCSV (255) */
    0x01, 0x00,                                     /* compression: null */
    0x00, 0x7d,                                     /* extensions length 125 */
    0x1a, 0x1a, 0x00, 0x00,                         /* GREASE extension, empty */
    0x00, 0x00, 0x00, 0x10,                         /* server_name, length 16 */
    0x00, 0x0e, 0x00, 0x00, 0x0b,                   /*   list 14, host_name, length 11 */
    'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    0x00, 0x0a, 0x00, 0x08,                         /* supported_groups, length 8 */
    0x00, 0x06,                                     /*   list length 6 */
    0x2a, 0x2a, 0x00, 0x1d, 0x00, 0x17,             /*   GREASE, x25519 (29), secp256r1 (23) */
    0x00, 0x0b, 0x00, 0x02,                         /* ec_point_formats, length 2 */
    0x01, 0x00,                                     /*   uncompressed (0) */
    0x00, 0x0d, 0x00, 0x06,                         /* signature_algorithms, length 6 */
    0x00, 0x04, 0x04, 0x03, 0x08, 0x04,             /*   0403, 0804 */
    0x00, 0x10, 0x00, 0x0e,                         /* ALPN, length 14 */
    0x00, 0x0c,                                     /*   list length 12 */
    0x02, 'h', '2',
    0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',
    0x00, 0x2b, 0x00, 0x05,                         /* supported_versions, length 5 */
    0x04, 0x03, 0x04, 0x03, 0x03,                   /*   TLS 1.3, TLS 1.2 */
    0x00, 0x33, 0x00, 0x26,                         /* key_share, length 38 */
    0x00, 0x24, 0x00, 0x1d, 0x00, 0x20,             /*   shares 36: x25519, 32 bytes */
    0x9f, 0x8e, 0x7d, 0x6c, 0x5b, 0x4a, 0x39, 0x28,
    0x17, 0x06, 0xf5, 0xe4, 0xd3, 0xc2, 0xb1, 0xa0,
    0x9f, 0x8e, 0x7d, 0x6c, 0x5b, 0x4a, 0x39, 0x28,
    0x17, 0x06, 0xf5, 0xe4, 0xd3, 0xc2, 0xb1, 0xa0,
    0x00, 0x23, 0x00, 0x00,                         /* session_ticket, empty */
};

static void test_ja3_hand_built(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client(0);
    parse_hello(client_hello, sizeof client_hello, c);
    char s[FP_JA3_STRING_MAX];
    size_t n = fp_ja3_client_string(c, s, sizeof s);
    /* GREASE gone from suites, extensions and groups; the rest in wire order. */
    assert_string_equal(s, "771,4865-49199-255,0-10-11-13-16-43-51-35,29-23,0");
    assert_int_equal(n, strlen(s));
    assert_true(HAS_JA3(c));
    char hex[33];
    hex16(JA3(c), hex);
    /* md5("771,4865-49199-255,0-10-11-13-16-43-51-35,29-23,0") */
    assert_string_equal(hex, "2417b523dc9460afbf296fc2a7d27f96");
    free(c);
}

static void test_ja4_hand_built(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client(0);
    parse_hello(client_hello, sizeof client_hello, c);
    /* t: TCP; 13: highest supported_version; d: SNI; 03 suites and 08
     * extensions without GREASE; h2: first ALPN.
     * sha256("00ff,1301,c02f") = 938715873a05...
     * sha256("000a,000b,000d,0023,002b,0033_0403,0804") = 50ab7ac963fb... */
    assert_string_equal(JA4(c), "t13d0308h2_938715873a05_50ab7ac963fb");
    free(c);
}

/* GREASE (RFC 8701: 0x?a?a) is dropped from ciphers, extensions and groups. */
static void test_ja3_grease_removed(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client(0x0303);
    SET_LIST(c->extensions, 0x2a2a, 0x0000, 0xdada);
    SET_LIST(c->supported_groups, 0x3a3a, 0x001d);
    c->ciphers.n = 3;
    c->ciphers.v[0] = 0x0a0a;
    c->ciphers.v[1] = 0x002f;
    c->ciphers.v[2] = 0xfafa;
    c->ec_point_formats.n = 1;
    c->ec_point_formats.v[0] = 0;
    char s[FP_JA3_STRING_MAX], hex[33];
    assert_int_equal(fp_ja3_client_string(c, s, sizeof s), 13);
    assert_string_equal(s, "771,47,0,29,0");
    hex16(JA3(c), hex);
    assert_string_equal(hex, "7ab1364f44d6417ec08f0a7e5c13e879"); /* md5("771,47,0,29,0") */

    /* Empty lists leave their fields empty, commas kept. */
    struct tls_client_report *d = new_client(0x0301);
    d->ciphers.n = 1;
    d->ciphers.v[0] = 0x002f;
    assert_int_equal(fp_ja3_client_string(d, s, sizeof s), 9);
    assert_string_equal(s, "769,47,,,");
    hex16(JA3(d), hex);
    assert_string_equal(hex, "b02be259814e870a469a20ce9b2a7900"); /* md5("769,47,,,") */

    /* A buffer too small gives no string, not a cut one. */
    assert_int_equal(fp_ja3_client_string(d, s, 9), 0);
    assert_int_equal(fp_ja3_client_string(d, s, 10), 9);
    free(c);
    free(d);
}

/* Lists that overflowed their arrays get the fingerprints the parser
 * computed over the whole lists (whole_fp), none when it did not; SSLv2
 * hellos get none. */
static void test_no_fingerprint_when_incomplete(void **state)
{
    (void)state;
    char s[FP_JA3_STRING_MAX];
    struct tls_client_report *c = new_client(0x0303);
    c->ciphers.n = 1;
    c->ciphers.v[0] = 0x002f;
    assert_true(HAS_JA3(c));
    assert_string_equal(JA4(c), "t12i010000_ba72b8082249_000000000000");

    bool *flags[] = { &c->ciphers.more, &c->extensions.more, &c->supported_groups.more,
                      &c->ec_point_formats.more, &c->signature_algorithms.more, &c->supported_versions.more,
                      &c->sslv2_hello };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        *flags[i] = true;
        assert_false(HAS_JA3(c));
        assert_int_equal(fp_ja3_client_string(c, s, sizeof s), 0);
        assert_string_equal(JA4(c), "");
        *flags[i] = false;
    }
    /* With the parser's whole-list fingerprints: those, never the arrays'
     * (no JA3 string: it is not kept); JA4's transport is the writer's. */
    static const uint8_t whole_md5[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    c->whole_fp = true;
    memcpy(c->whole_ja3, whole_md5, 16);
    memcpy(c->whole_ja4, "t13d9999h2_0123456789ab_ba9876543210", FP_JA4_SIZE);
    c->extensions.more = true;
    uint8_t md5[16];
    assert_true(fp_ja3_client(c, md5));
    assert_memory_equal(md5, whole_md5, 16);
    assert_int_equal(fp_ja3_client_string(c, s, sizeof s), 0);
    assert_string_equal(JA4(c), "t13d9999h2_0123456789ab_ba9876543210");
    c->quic_version = 1;
    assert_string_equal(JA4(c), "q13d9999h2_0123456789ab_ba9876543210");
    c->quic_version = 0;
    c->sslv2_hello = true;
    assert_false(HAS_JA3(c));
    c->sslv2_hello = false;
    c->extensions.more = false;
    c->whole_fp = false;
    /* A hello the parser did not go through (cut or malformed before its
     * extensions block ended) gets no fingerprint from its partial lists. */
    c->lists_complete = false;
    assert_false(HAS_JA3(c));
    assert_int_equal(fp_ja3_client_string(c, s, sizeof s), 0);
    assert_string_equal(JA4(c), "");
    c->lists_complete = true;
    /* Nothing seen, nothing computed. */
    c->seen = false;
    assert_string_equal(JA4(c), "");
    free(c);
}

/* ---- JA3S --------------------------------------------------------------- */

static const uint8_t server_hello_12[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 (771) */
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, /* random */
    0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
    0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
    0x00,                                           /* empty session id */
    0xc0, 0x2f,                                     /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (49199) */
    0x00,                                           /* compression null */
    0x00, 0x1c,                                     /* extensions length 28 */
    0xff, 0x01, 0x00, 0x01, 0x00,                   /* renegotiation_info (65281) */
    0x00, 0x00, 0x00, 0x00,                         /* server_name (0) */
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,             /* ec_point_formats (11) */
    0x00, 0x23, 0x00, 0x00,                         /* session_ticket (35) */
    0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2', /* ALPN (16) "h2" */
};

static void test_ja3s(void **state)
{
    (void)state;
    struct tls_server_report *s = calloc(1, sizeof *s);
    assert_non_null(s);
    uint8_t *copy = test_exact_copy(server_hello_12, sizeof server_hello_12);
    assert_int_equal(tls_parse_server_hello(span_make(copy, sizeof server_hello_12), s, NULL, 0), TLS_PARSE_OK);
    free(copy);
    char str[1024], hex[33];
    assert_int_equal(fp_ja3s_string(s, str, sizeof str), 26);
    assert_string_equal(str, "771,49199,65281-0-11-35-16");
    assert_true(HAS_JA3S(s));
    hex16(JA3S(s), hex);
    assert_string_equal(hex, "47decf033ac4c8fc9b952ff41e549679"); /* md5("771,49199,65281-0-11-35-16") */

    /* A TLS 1.3 ServerHello, built as the parser would fill it. */
    memset(s, 0, sizeof *s);
    s->seen = true;
    s->lists_complete = true;
    s->legacy_version = 0x0303;
    s->cipher = 0x1301;
    SET_LIST(s->extensions, 43, 51);
    assert_true(HAS_JA3S(s));
    assert_int_equal(fp_ja3s_string(s, str, sizeof str), 14);
    assert_string_equal(str, "771,4865,43-51");
    hex16(JA3S(s), hex);
    assert_string_equal(hex, "f4febc55ea12b31ae17cfb7e614afda8"); /* md5("771,4865,43-51") */

    s->extensions.more = true;
    assert_false(HAS_JA3S(s));
    free(s);
}

/* ---- a real ClientHello ------------------------------------------------- */

/* Frame 1 of corpus/dev/ja4_tls12.pcap, TCP payload: one record, one ClientHello. */
static const uint8_t firefox_record[] = {
    /* record: handshake, TLS 1.0, length 512 */
    0x16, 0x03, 0x01, 0x02, 0x00,
    /* handshake: client_hello, length 508 */
    0x01, 0x00, 0x01, 0xfc,
    /* legacy_version TLS 1.2 */
    0x03, 0x03,
    /* random */
    0xec, 0xb2, 0x69, 0x1a, 0xdd, 0xb2, 0xbf, 0x6c, 0x59, 0x9c, 0x7a, 0xaa,
    0xe2, 0x3d, 0xe5, 0xf4, 0x25, 0x61, 0xcc, 0x04, 0xeb, 0x41, 0x02, 0x9a,
    0xcc, 0x6f, 0xc0, 0x50, 0xa1, 0x6a, 0xc1, 0xd2,
    /* session_id length 32 */
    0x20,
    /* session_id */
    0x46, 0xf8, 0x61, 0x7b, 0x58, 0x0a, 0xc9, 0x35, 0x8e, 0x2a, 0xa4, 0x4e,
    0x30, 0x6d, 0x52, 0x46, 0x6b, 0xcc, 0x98, 0x9c, 0x87, 0xc8, 0xca, 0x64,
    0x30, 0x9f, 0x5f, 0xaf, 0x50, 0xba, 0x7b, 0x4d,
    /* cipher_suites length 34 */
    0x00, 0x22,
    /* 17 suites: 1301 1303 1302 c02b c02f cca9 cca8 c02c c030 c00a c009 c013 c014 009c 009d 002f 0035 */
    0x13, 0x01, 0x13, 0x03, 0x13, 0x02, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9,
    0xcc, 0xa8, 0xc0, 0x2c, 0xc0, 0x30, 0xc0, 0x0a, 0xc0, 0x09, 0xc0, 0x13,
    0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35,
    /* compression_methods: 1, null */
    0x01, 0x00,
    /* extensions length 401 */
    0x01, 0x91,
    /* ext 0000 server_name "contile.services.mozilla.com", length 33 */
    0x00, 0x00, 0x00, 0x21,
    /* server_name body */
    0x00, 0x1f, 0x00, 0x00, 0x1c, 0x63, 0x6f, 0x6e, 0x74, 0x69, 0x6c, 0x65,
    0x2e, 0x73, 0x65, 0x72, 0x76, 0x69, 0x63, 0x65, 0x73, 0x2e, 0x6d, 0x6f,
    0x7a, 0x69, 0x6c, 0x6c, 0x61, 0x2e, 0x63, 0x6f, 0x6d,
    /* ext 0017 extended_master_secret, length 0 */
    0x00, 0x17, 0x00, 0x00,
    /* ext ff01 renegotiation_info, length 1 */
    0xff, 0x01, 0x00, 0x01,
    /* renegotiation_info body */
    0x00,
    /* ext 000a supported_groups 001d 0017 0018 0019 0100 0101, length 14 */
    0x00, 0x0a, 0x00, 0x0e,
    /* supported_groups body */
    0x00, 0x0c, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x01, 0x00,
    0x01, 0x01,
    /* ext 000b ec_point_formats: uncompressed, length 2 */
    0x00, 0x0b, 0x00, 0x02,
    /* ec_point_formats body */
    0x01, 0x00,
    /* ext 0023 session_ticket (empty), length 0 */
    0x00, 0x23, 0x00, 0x00,
    /* ext 0010 ALPN "h2", "http/1.1", length 14 */
    0x00, 0x10, 0x00, 0x0e,
    /* ALPN body */
    0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31,
    0x2e, 0x31,
    /* ext 0005 status_request (OCSP), length 5 */
    0x00, 0x05, 0x00, 0x05,
    /* status_request body */
    0x01, 0x00, 0x00, 0x00, 0x00,
    /* ext 0022 delegated_credentials 0403 0503 0603 0203, length 10 */
    0x00, 0x22, 0x00, 0x0a,
    /* delegated_credentials body */
    0x00, 0x08, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x02, 0x03,
    /* ext 0033 key_share x25519, secp256r1, length 107 */
    0x00, 0x33, 0x00, 0x6b,
    /* key_share body */
    0x00, 0x69, 0x00, 0x1d, 0x00, 0x20, 0x89, 0x09, 0x85, 0x8f, 0xbe, 0xb6,
    0xed, 0x2f, 0x12, 0x48, 0xba, 0x5b, 0x9e, 0x29, 0x78, 0xbe, 0xad, 0x0e,
    0x84, 0x01, 0x10, 0x19, 0x2c, 0x61, 0xda, 0xed, 0x00, 0x96, 0x79, 0x8b,
    0x18, 0x44, 0x00, 0x17, 0x00, 0x41, 0x04, 0x4d, 0x18, 0x3d, 0x91, 0xf5,
    0xee, 0xd3, 0x57, 0x91, 0xfa, 0x98, 0x24, 0x64, 0xe3, 0xb0, 0x21, 0x4a,
    0xaa, 0x5f, 0x5d, 0x1b, 0x78, 0x61, 0x6d, 0x9b, 0x9f, 0xbe, 0xbc, 0x22,
    0xd1, 0x1f, 0x53, 0x5b, 0x2f, 0x94, 0xc6, 0x86, 0x14, 0x31, 0x36, 0xaa,
    0x79, 0x5e, 0x6e, 0x5a, 0x87, 0x5d, 0x6c, 0x08, 0x06, 0x4a, 0xd5, 0xb7,
    0x6d, 0x44, 0xca, 0xad, 0x76, 0x6e, 0x24, 0x83, 0x01, 0x27, 0x48,
    /* ext 002b supported_versions 0304 0303, length 5 */
    0x00, 0x2b, 0x00, 0x05,
    /* supported_versions body */
    0x04, 0x03, 0x04, 0x03, 0x03,
    /* ext 000d signature_algorithms (11), length 24 */
    0x00, 0x0d, 0x00, 0x18,
    /* signature_algorithms body */
    0x00, 0x16, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x04, 0x08, 0x05,
    0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x02, 0x03, 0x02, 0x01,
    /* ext 002d psk_key_exchange_modes, length 2 */
    0x00, 0x2d, 0x00, 0x02,
    /* psk_key_exchange_modes body */
    0x01, 0x01,
    /* ext 001c record_size_limit, length 2 */
    0x00, 0x1c, 0x00, 0x02,
    /* record_size_limit body */
    0x40, 0x01,
    /* ext 0015 padding, length 122 */
    0x00, 0x15, 0x00, 0x7a,
    /* padding body */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00,
};
#define FIREFOX_BODY_OFF 9

static void test_real_client_hello(void **state)
{
    (void)state;
    assert_int_equal(sizeof firefox_record, 517);
    struct tls_client_report *c = new_client(0);
    parse_hello(firefox_record + FIREFOX_BODY_OFF, sizeof firefox_record - FIREFOX_BODY_OFF, c);
    assert_true(c->parsed);
    assert_int_equal(c->sni_len, 28);
    assert_memory_equal(c->sni, "contile.services.mozilla.com", 28);
    assert_int_equal(c->ciphers.n, 17);
    assert_int_equal(c->extensions.n, 15);

    /* FoxIO reference (pcaps/ja4/tls12.pcap.expected.json, "JA4.1"). */
    assert_string_equal(JA4(c), "t13d1715h2_5b57614c22b0_3d5424432f57");

    char s[FP_JA3_STRING_MAX], hex[33];
    fp_ja3_client_string(c, s, sizeof s);
    assert_string_equal(s, "771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-156-157-"
                           "47-53,0-23-65281-10-11-35-16-5-34-51-43-13-45-28-21,29-23-24-25-256-257,0");
    hex16(JA3(c), hex);
    /* md5 of the string above */
    assert_string_equal(hex, "579ccef312d18482fc42e2b822ca2430");
    free(c);
}

/* ---- JA4 rules ---------------------------------------------------------- */

/* The two ALPN characters of JA4's first part for a first ALPN value. */
static void expect_alpn_chars(const uint8_t *name, uint8_t len, const char *want)
{
    struct tls_client_report *c = new_client(0x0303);
    SET_LIST(c->extensions, 0x0010);
    set_alpn(c, name, len);
    assert_int_equal(strlen(JA4(c)), 36);
    char got[3] = { JA4(c)[8], JA4(c)[9], '\0' };
    assert_string_equal(got, want);
    free(c);
}

/* First and last characters of the first ALPN value, as FoxIO's reference
 * implementation computes them (fingerprint.c follows it rather than the
 * prose spec's hex-digit rule): the value read as UTF-8, an invalid byte
 * being one U+FFFD character; a non-ASCII character shows as '9', and a
 * one-character value as that character then '0'. */
static void test_ja4_alpn(void **state)
{
    (void)state;
    expect_alpn_chars((const uint8_t *)"h2", 2, "h2");
    expect_alpn_chars((const uint8_t *)"http/1.1", 8, "h1");
    expect_alpn_chars((const uint8_t *)"spdy/3", 6, "s3");
    /* pcaps/ja4/tls-non-ascii-alpn.pcapng offers 0xba 0xad first; FoxIO's
     * reference JA4 is t13d151699_8daaf6152771_e5627efa2ab1 (the spec's hex
     * rule would have given "bd"). */
    expect_alpn_chars((const uint8_t[]){ 0xba, 0xad }, 2, "99");
    expect_alpn_chars((const uint8_t[]){ 0xab }, 1, "90");            /* one invalid byte: one character */
    expect_alpn_chars((const uint8_t[]){ 0xc3, 0xa9 }, 2, "90");      /* U+00E9: one character */
    expect_alpn_chars((const uint8_t[]){ 0xc3, 0xa9, 'x' }, 3, "9x");
    expect_alpn_chars((const uint8_t[]){ 'x', 0xc3, 0xa9 }, 3, "x9");
    expect_alpn_chars((const uint8_t[]){ 0xe2, 0x82 }, 2, "90");      /* a 3-byte sequence cut short */
    expect_alpn_chars((const uint8_t[]){ '/', 'x', 'y' }, 3, "/y");   /* ASCII is kept, alphanumeric or not */
    expect_alpn_chars((const uint8_t *)"a", 1, "a0");
    /* Control characters would cut the fingerprint's text (fuzz_tls_hello found a NUL). */
    expect_alpn_chars((const uint8_t[]){ 0x00, 'x' }, 2, "9x");
    expect_alpn_chars((const uint8_t[]){ 'x', 0x1f }, 2, "x9");
    expect_alpn_chars((const uint8_t[]){ 0x7f }, 1, "90");

    /* No ALPN: "00". */
    struct tls_client_report *c = new_client(0x0303);
    assert_int_equal(JA4(c)[8], '0');
    assert_int_equal(JA4(c)[9], '0');
    free(c);
}

/* No ciphers, or no extensions left once SNI and ALPN are set aside: that
 * hash is twelve zeros, not the hash of an empty string. */
static void test_ja4_empty_hashes(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client(0x0303);
    assert_string_equal(JA4(c), "t12i000000_000000000000_000000000000");

    /* SNI and ALPN are counted but not hashed.  sha256("1301") = 0f2cb44170f4... */
    c->ciphers.n = 1;
    c->ciphers.v[0] = 0x1301;
    SET_LIST(c->extensions, 0x0000, 0x0010);
    set_alpn(c, (const uint8_t *)"h2", 2);
    assert_string_equal(JA4(c), "t12d0102h2_0f2cb44170f4_000000000000");

    /* Only GREASE: nothing left either. */
    struct tls_client_report *d = new_client(0x0303);
    d->ciphers.n = 2;
    d->ciphers.v[0] = 0x0a0a;
    d->ciphers.v[1] = 0x1a1a;
    SET_LIST(d->extensions, 0x2a2a);
    assert_string_equal(JA4(d), "t12i000000_000000000000_000000000000");
    free(c);
    free(d);
}

/* The third part: sorted extensions, then '_' and the signature algorithms
 * in wire order, or no '_' at all when there are none. */
static void test_ja4_extension_hash(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client(0x0303);
    c->ciphers.n = 1;
    c->ciphers.v[0] = 0x002f;
    SET_LIST(c->extensions, 0x000b, 0x000a);
    /* sha256("002f") = ba72b8082249..., sha256("000a,000b") = 33a13ba74d1c... */
    assert_string_equal(JA4(c), "t12i010200_ba72b8082249_33a13ba74d1c");

    SET_LIST(c->extensions, 0x000d);
    SET_LIST(c->signature_algorithms, 0x0a0a, 0x0403); /* GREASE ignored here too */
    /* sha256("000d_0403") = 79c50902419d... */
    assert_string_equal(JA4(c), "t12i010100_ba72b8082249_79c50902419d");
    free(c);
}

static void expect_version(struct tls_client_report *c, const char *want)
{
    char got[3] = { JA4(c)[1], JA4(c)[2], '\0' };
    assert_string_equal(got, want);
}

/* The highest non-GREASE supported_versions value, else legacy_version. */
static void test_ja4_version(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client(0x0303);
    expect_version(c, "12");
    SET_LIST(c->supported_versions, 0x7a7a, 0x0303, 0x0304);
    expect_version(c, "13");
    SET_LIST(c->supported_versions, 0x0302, 0x0303, 0x0301);
    expect_version(c, "12");
    SET_LIST(c->supported_versions, 0x3a3a);  /* GREASE only: legacy */
    expect_version(c, "12");
    c->supported_versions.n = 0;
    c->legacy_version = 0x0301;
    expect_version(c, "10");
    c->legacy_version = 0x0302;
    expect_version(c, "11");
    c->legacy_version = 0x0300;
    expect_version(c, "s3");
    c->legacy_version = 0x0002;
    expect_version(c, "s2");
    c->legacy_version = 0x0305;
    expect_version(c, "00");
    free(c);
}

/* Counts above 99 show as 99. */
static void test_ja4_counts_capped(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client(0x0303);
    c->ciphers.n = 150;
    for (uint16_t i = 0; i < 150; i++)
        c->ciphers.v[i] = (uint16_t)(0x0195 - i); /* any order: the hash sorts */
    /* sha256("0100,0101,...,0195") = a3abd2455589... */
    assert_string_equal(JA4(c), "t12i990000_a3abd2455589_000000000000");
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ja3_hand_built),
        cmocka_unit_test(test_ja4_hand_built),
        cmocka_unit_test(test_ja3_grease_removed),
        cmocka_unit_test(test_no_fingerprint_when_incomplete),
        cmocka_unit_test(test_ja3s),
        cmocka_unit_test(test_real_client_hello),
        cmocka_unit_test(test_ja4_alpn),
        cmocka_unit_test(test_ja4_empty_hashes),
        cmocka_unit_test(test_ja4_extension_hash),
        cmocka_unit_test(test_ja4_version),
        cmocka_unit_test(test_ja4_counts_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
