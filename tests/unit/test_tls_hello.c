/* test_tls_hello.c - dissect/tls_hello.c: ClientHello, SSLv2-compatible
 * CLIENT-HELLO, ServerHello (and HelloRetryRequest), ServerKeyExchange; and
 * dissect/names.c's key exchange classification, which picks the SKE layout.
 *
 * Every message is a hex array with a comment per field. Each parse runs on
 * an exact-size heap copy, so AddressSanitizer reports any read past the end;
 * every strict prefix, one trailing byte and lying inner lengths are tried.
 *
 * RFC 8446 4.1.2-4.1.3, RFC 5246 7.4.3 and E.2, RFC 8422 5.4, RFC 4279 2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/names.h"
#include "dissect/tls_hello.h"
#include "dissect/tls_stream.h"
#include "output/fingerprint.h"
#include "test_util.h"

/* ---- helpers ------------------------------------------------------------ */

static struct tls_client_report *new_client(void)
{
    struct tls_client_report *c = calloc(1, sizeof *c);
    assert_non_null(c);
    return c;
}

static struct tls_server_report *new_server(void)
{
    struct tls_server_report *s = calloc(1, sizeof *s);
    assert_non_null(s);
    return s;
}

/* The *_from parsers read `n` bytes from `buf`, a heap buffer of exactly that
 * size (test_exact_copy, test_exact_copy_plus or patched_copy) that they
 * free, into a cleared report. */

static enum tls_parse_result ch_from(uint8_t *buf, size_t n, struct tls_client_report *c, uint8_t sid[32])
{
    memset(c, 0, sizeof *c);
    enum tls_parse_result r = tls_parse_client_hello(span_make(buf, n), c, sid);
    free(buf);
    return r;
}

static enum tls_parse_result sslv2_from(uint8_t *buf, size_t n, struct tls_client_report *c)
{
    memset(c, 0, sizeof *c);
    enum tls_parse_result r = tls_parse_sslv2_client_hello(span_make(buf, n), c);
    free(buf);
    return r;
}

static enum tls_parse_result sh_from(uint8_t *buf, size_t n, struct tls_server_report *s, const uint8_t *csid,
                                     uint8_t csid_len)
{
    memset(s, 0, sizeof *s);
    enum tls_parse_result r = tls_parse_server_hello(span_make(buf, n), s, csid, csid_len);
    free(buf);
    return r;
}

static enum tls_parse_result ske_from(uint8_t *buf, size_t n, uint16_t version, uint16_t cipher,
                                      struct tls_server_report *s)
{
    memset(s, 0, sizeof *s);
    enum tls_parse_result r = tls_parse_server_key_exchange(span_make(buf, n), version, cipher, s);
    free(buf);
    return r;
}

/* An exact-size copy of `p` with byte `off` replaced by `value` (asserting
 * it was `was`, so an offset that drifted from the array fails loudly). */
static uint8_t *patched_copy(const uint8_t *p, size_t n, size_t off, uint8_t was, uint8_t value)
{
    assert_true(off < n);
    assert_int_equal(p[off], was);
    uint8_t *copy = test_exact_copy(p, n);
    copy[off] = value;
    return copy;
}

/* Parse the first `n` bytes of `p` from an exact-size heap copy. */

static enum tls_parse_result run_ch(const uint8_t *p, size_t n, struct tls_client_report *c, uint8_t sid[32])
{
    return ch_from(test_exact_copy(p, n), n, c, sid);
}

static enum tls_parse_result run_sslv2(const uint8_t *p, size_t n, struct tls_client_report *c)
{
    return sslv2_from(test_exact_copy(p, n), n, c);
}

static enum tls_parse_result run_sh(const uint8_t *p, size_t n, struct tls_server_report *s, const uint8_t *csid,
                                    uint8_t csid_len)
{
    return sh_from(test_exact_copy(p, n), n, s, csid, csid_len);
}

static enum tls_parse_result run_ske(const uint8_t *p, size_t n, uint16_t version, uint16_t cipher,
                                     struct tls_server_report *s)
{
    return ske_from(test_exact_copy(p, n), n, version, cipher, s);
}

/* The same with one byte patched (see patched_copy). */

static enum tls_parse_result run_ch_patched(const uint8_t *p, size_t n, size_t off, uint8_t was, uint8_t value,
                                            struct tls_client_report *c)
{
    uint8_t sid[32];
    return ch_from(patched_copy(p, n, off, was, value), n, c, sid);
}

static enum tls_parse_result run_sslv2_patched(const uint8_t *p, size_t n, size_t off, uint8_t was, uint8_t value,
                                               struct tls_client_report *c)
{
    return sslv2_from(patched_copy(p, n, off, was, value), n, c);
}

static enum tls_parse_result run_sh_patched(const uint8_t *p, size_t n, size_t off, uint8_t was, uint8_t value,
                                            struct tls_server_report *s)
{
    return sh_from(patched_copy(p, n, off, was, value), n, s, NULL, 0);
}

static enum tls_parse_result run_ske_patched(const uint8_t *p, size_t n, size_t off, uint8_t was, uint8_t value,
                                             uint16_t version, uint16_t cipher, struct tls_server_report *s)
{
    return ske_from(patched_copy(p, n, off, was, value), n, version, cipher, s);
}

/* ---- ClientHello -------------------------------------------------------- */

/* A TLS 1.3 ClientHello body (after the 4-byte handshake header) with GREASE
 * in the suites, the extensions and the groups. */
static const uint8_t client_hello[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, /* random */
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x04,                                           /* [34] legacy_session_id length 4 */
    0xde, 0xad, 0xbe, 0xef,                         /* legacy_session_id */
    0x00, 0x08,                                     /* [39] cipher_suites length 8 */
    0x0a, 0x0a,                                     /*   GREASE */
    0x13, 0x01,                                     /*   TLS_AES_128_GCM_SHA256 */
    0xc0, 0x2f,                                     /*   TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    0x00, 0xff,                                     /*   TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
    0x01,                                           /* [49] legacy_compression_methods length 1 */
    0x00,                                           /*   null */
    0x00, 0x7d,                                     /* [51] extensions length 125 */
    0x1a, 0x1a, 0x00, 0x00,                         /* [53] GREASE extension, empty */
    0x00, 0x00, 0x00, 0x10,                         /* [57] server_name, length 16 */
    0x00, 0x0e,                                     /*   server_name_list length 14 */
    0x00,                                           /*   name_type host_name */
    0x00, 0x0b,                                     /* [64] HostName length 11 */
    'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    0x00, 0x0a, 0x00, 0x08,                         /* [77] supported_groups, length 8 */
    0x00, 0x06,                                     /*   named_group_list length 6 */
    0x2a, 0x2a,                                     /*   GREASE */
    0x00, 0x1d,                                     /*   x25519 */
    0x00, 0x17,                                     /*   secp256r1 */
    0x00, 0x0b, 0x00, 0x02,                         /* [89] ec_point_formats, length 2 */
    0x01,                                           /*   ec_point_format_list length 1 */
    0x00,                                           /*   uncompressed */
    0x00, 0x0d, 0x00, 0x06,                         /* [95] signature_algorithms, length 6 */
    0x00, 0x04,                                     /*   supported_signature_algorithms length 4 */
    0x04, 0x03,                                     /*   ecdsa_secp256r1_sha256 */
    0x08, 0x04,                                     /*   rsa_pss_rsae_sha256 */
    0x00, 0x10, 0x00, 0x0e,                         /* [105] ALPN, length 14 */
    0x00, 0x0c,                                     /*   protocol_name_list length 12 */
    0x02, 'h', '2',                                 /* [111] "h2" */
    0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',   /*   "http/1.1" */
    0x00, 0x2b, 0x00, 0x05,                         /* [123] supported_versions, length 5 */
    0x04,                                           /* [127] versions length 4 */
    0x03, 0x04,                                     /*   TLS 1.3 */
    0x03, 0x03,                                     /*   TLS 1.2 */
    0x00, 0x33, 0x00, 0x26,                         /* [132] key_share, length 38 */
    0x00, 0x24,                                     /*   client_shares length 36 */
    0x00, 0x1d,                                     /*   group x25519 */
    0x00, 0x20,                                     /*   key_exchange length 32 */
    0x9f, 0x8e, 0x7d, 0x6c, 0x5b, 0x4a, 0x39, 0x28,
    0x17, 0x06, 0xf5, 0xe4, 0xd3, 0xc2, 0xb1, 0xa0,
    0x9f, 0x8e, 0x7d, 0x6c, 0x5b, 0x4a, 0x39, 0x28,
    0x17, 0x06, 0xf5, 0xe4, 0xd3, 0xc2, 0xb1, 0xa0,
    0x00, 0x23, 0x00, 0x00,                         /* [174] session_ticket, empty */
};
#define CH_LEN 178
#define CH_NO_EXT_LEN 51   /* ends after legacy_compression_methods */
#define CH_OFF_SID_LEN 34
#define CH_OFF_SUITES_LEN 40  /* low byte */
#define CH_OFF_COMPRESSION_LEN 49
#define CH_OFF_EXTS_LEN 52    /* low byte */
#define CH_OFF_SNI_HOST_LEN 65 /* low byte */
#define CH_OFF_ALPN_FIRST 111
#define CH_OFF_VERSIONS_LEN 127
#define CH_OFF_TICKET_LEN 177  /* low byte */

static void expect_client_hello_fields(const struct tls_client_report *c, const uint8_t sid[32])
{
    assert_true(c->seen);
    assert_int_equal(c->legacy_version, 0x0303);
    assert_int_equal(c->session_id_len, 4);
    assert_memory_equal(sid, "\xde\xad\xbe\xef", 4);

    /* Lists keep GREASE, in wire order: writers and fingerprints drop it. */
    assert_int_equal(c->ciphers.n, 4);
    assert_false(c->ciphers.more);
    assert_int_equal(c->ciphers.v[0], 0x0a0a);
    assert_int_equal(c->ciphers.v[1], 0x1301);
    assert_int_equal(c->ciphers.v[2], 0xc02f);
    assert_int_equal(c->ciphers.v[3], 0x00ff);

    static const uint16_t exts[] = { 0x1a1a, 0, 10, 11, 13, 16, 43, 51, 35 };
    assert_int_equal(c->extensions.n, 9);
    assert_false(c->extensions.more);
    for (size_t i = 0; i < 9; i++)
        assert_int_equal(c->extensions.v[i], exts[i]);

    assert_int_equal(c->sni_len, 11);
    assert_false(c->sni_truncated);
    assert_memory_equal(c->sni, "example.com", 11);

    assert_int_equal(c->supported_groups.n, 3);
    assert_int_equal(c->supported_groups.v[0], 0x2a2a);
    assert_int_equal(c->supported_groups.v[1], 0x001d);
    assert_int_equal(c->supported_groups.v[2], 0x0017);

    assert_true(c->has_ec_point_formats);
    assert_int_equal(c->ec_point_formats.n, 1);
    assert_int_equal(c->ec_point_formats.v[0], 0);

    assert_int_equal(c->signature_algorithms.n, 2);
    assert_int_equal(c->signature_algorithms.v[0], 0x0403);
    assert_int_equal(c->signature_algorithms.v[1], 0x0804);
    assert_int_equal(c->signature_schemes.n, 2);
    assert_int_equal(c->signature_schemes.v[0], 0x0403);
    assert_int_equal(c->signature_schemes.v[1], 0x0804);

    assert_int_equal(c->alpn_count, 2);
    assert_false(c->alpn_more);
    assert_int_equal(c->alpn_len, 12);
    assert_memory_equal(c->alpn, "\x02h2\x08http/1.1", 12);

    assert_true(c->has_supported_versions);
    assert_int_equal(c->supported_versions.n, 2);
    assert_int_equal(c->supported_versions.v[0], 0x0304);
    assert_int_equal(c->supported_versions.v[1], 0x0303);

    assert_int_equal(c->key_share_groups.n, 1);
    assert_int_equal(c->key_share_groups.v[0], 0x001d);

    assert_false(c->has_session_ticket); /* present but empty */
    assert_false(c->has_psk);
    assert_false(c->has_ech);
    assert_false(c->sslv2_hello);
}

static void test_client_hello_fields(void **state)
{
    (void)state;
    assert_int_equal(sizeof client_hello, CH_LEN);
    struct tls_client_report *c = new_client();
    uint8_t sid[32] = { 0 };
    assert_int_equal(run_ch(client_hello, CH_LEN, c, sid), TLS_PARSE_OK);
    expect_client_hello_fields(c, sid);
    assert_true(c->parsed);
    assert_true(fp_ja3_client(c, (uint8_t[16]){ 0 }));
    assert_int_equal(fp_ja4_client(c, (char[FP_JA4_SIZE]){ 0 }), 36);
    free(c);
}

/* Every strict prefix is malformed, except the one ending right after the
 * compression methods: before TLS 1.3 extensions are optional. */
static void test_client_hello_prefixes(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();
    uint8_t sid[32];
    for (size_t n = 0; n < CH_LEN; n++) {
        enum tls_parse_result r = run_ch(client_hello, n, c, sid);
        if (n == CH_NO_EXT_LEN)
            assert_int_equal(r, TLS_PARSE_OK);
        else
            assert_int_equal(r, TLS_PARSE_MALFORMED);
        assert_true(c->seen);
        if (n != CH_NO_EXT_LEN)
            assert_false(c->parsed);
    }
    free(c);
}

static void test_client_hello_without_extensions(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();
    uint8_t sid[32];
    assert_int_equal(run_ch(client_hello, CH_NO_EXT_LEN, c, sid), TLS_PARSE_OK);
    assert_true(c->parsed);
    assert_int_equal(c->legacy_version, 0x0303);
    assert_int_equal(c->ciphers.n, 4);
    assert_int_equal(c->extensions.n, 0);
    assert_false(c->has_supported_versions);
    assert_int_equal(c->sni_len, 0);
    assert_true(fp_ja3_client(c, (uint8_t[16]){ 0 }));
    free(c);
}

static void test_client_hello_trailing_byte(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();
    uint8_t sid[32];
    assert_int_equal(ch_from(test_exact_copy_plus(client_hello, CH_LEN, 0x00), CH_LEN + 1, c, sid),
                     TLS_PARSE_MALFORMED);
    assert_false(c->parsed);
    /* What was read before the stray byte is kept. */
    expect_client_hello_fields(c, sid);

    /* A trailing byte after the compression methods of an extension-less hello
     * is an extensions length cut short. */
    assert_int_equal(ch_from(test_exact_copy_plus(client_hello, CH_NO_EXT_LEN, 0x00), CH_NO_EXT_LEN + 1, c, sid),
                     TLS_PARSE_MALFORMED);
    free(c);
}

static void test_client_hello_lying_lengths(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();

    /* HostName length 12 runs past its list: that extension is malformed,
     * but the walk goes on through the intact framing around it. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_SNI_HOST_LEN, 11, 12, c), TLS_PARSE_MALFORMED);
    assert_false(c->parsed);
    assert_int_equal(c->sni_len, 0);
    assert_int_equal(c->extensions.n, 9);
    assert_int_equal(c->supported_groups.n, 3);
    assert_int_equal(c->key_share_groups.n, 1);

    /* HostName length 10 leaves a byte in the list. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_SNI_HOST_LEN, 11, 10, c), TLS_PARSE_MALFORMED);

    /* Odd cipher_suites length. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_SUITES_LEN, 8, 7, c), TLS_PARSE_MALFORMED);
    /* cipher_suites longer than the message. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_SUITES_LEN - 1, 0, 0x10, c), TLS_PARSE_MALFORMED);
    /* A session id over 32 bytes (RFC 8446 4.1.2). */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_SID_LEN, 4, 33, c), TLS_PARSE_MALFORMED);
    /* No compression method at all. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_COMPRESSION_LEN, 1, 0, c), TLS_PARSE_MALFORMED);

    /* Extensions block one byte short: the last extension overruns it. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_EXTS_LEN, 0x7d, 0x7c, c), TLS_PARSE_MALFORMED);
    assert_false(c->parsed);
    assert_int_equal(c->extensions.n, 8); /* session_ticket did not fit */
    /* Extensions block one byte long: runs past the message. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_EXTS_LEN, 0x7d, 0x7e, c), TLS_PARSE_MALFORMED);
    /* The last extension claims a byte that is not there. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_TICKET_LEN, 0, 1, c), TLS_PARSE_MALFORMED);

    /* supported_versions inner length 5 overruns its extension. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_VERSIONS_LEN, 4, 5, c), TLS_PARSE_MALFORMED);
    /* ... and 3 leaves half a version. */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_VERSIONS_LEN, 4, 3, c), TLS_PARSE_MALFORMED);

    /* An empty ALPN protocol name (RFC 7301 3.1). */
    assert_int_equal(run_ch_patched(client_hello, CH_LEN, CH_OFF_ALPN_FIRST, 2, 0, c), TLS_PARSE_MALFORMED);
    free(c);
}

static void expect_ja3(const struct tls_client_report *c, const char *hex)
{
    uint8_t md5[16];
    assert_true(fp_ja3_client(c, md5));
    char got[33];
    for (size_t i = 0; i < 16; i++)
        snprintf(got + 2 * i, 3, "%02x", md5[i]);
    assert_string_equal(got, hex);
    char s[FP_JA3_STRING_MAX];
    assert_int_equal(fp_ja3_client_string(c, s, sizeof s), 0); /* the whole string is not kept */
}

static void expect_ja4(const struct tls_client_report *c, const char *want)
{
    char ja4[FP_JA4_SIZE];
    assert_int_equal(fp_ja4_client(c, ja4), strlen(want));
    assert_string_equal(ja4, want);
}

/* Appends big-endian 16-bit values. */
static size_t put16(uint8_t *p, size_t off, uint16_t v)
{
    p[off] = (uint8_t)(v >> 8);
    p[off + 1] = (uint8_t)v;
    return off + 2;
}

/* A ClientHello with `nsuites` suites (0x0100 + i) and `nexts` empty
 * extensions (0x1000 + i), built at its exact size on the heap and parsed
 * into `c`: too many of either is counted, not an error. */
static void parse_big_hello(size_t nsuites, size_t nexts, struct tls_client_report *c)
{
    size_t n = 2 + 32 + 1 + 2 + 2 * nsuites + 2 + 2 + 4 * nexts;
    uint8_t *p = calloc(1, n);
    assert_non_null(p);
    size_t off = put16(p, 0, 0x0303); /* legacy_version */
    off += 32;                        /* random */
    p[off++] = 0;                     /* empty session id */
    off = put16(p, off, (uint16_t)(2 * nsuites));
    for (size_t i = 0; i < nsuites; i++)
        off = put16(p, off, (uint16_t)(0x0100 + i));
    p[off++] = 1; /* one compression method: null */
    p[off++] = 0;
    off = put16(p, off, (uint16_t)(4 * nexts));
    for (size_t i = 0; i < nexts; i++) {
        off = put16(p, off, (uint16_t)(0x1000 + i));
        off = put16(p, off, 0);
    }
    assert_int_equal(off, n);
    uint8_t sid[32];
    assert_int_equal(ch_from(p, n, c, sid), TLS_PARSE_OK);
}

/* Lists inside extensions longer than their arrays: supported_versions (vec8
 * of 20), supported_groups (100) and signature_algorithms (200). Each is read
 * to its end, the excess counted: once a full list skipped the read that
 * advances the cursor, and the parser never returned. */
static void test_client_hello_long_extension_lists(void **state)
{
    (void)state;
    const size_t nver = 20, ngroups = 100, nsig = 200;
    size_t ext_len = (4 + 1 + 2 * nver) + (4 + 2 + 2 * ngroups) + (4 + 2 + 2 * nsig);
    size_t n = 2 + 32 + 1 + 2 + 2 + 2 + 2 + ext_len;
    uint8_t *p = calloc(1, n);
    assert_non_null(p);
    size_t off = put16(p, 0, 0x0303); /* legacy_version */
    off += 32;                        /* random */
    p[off++] = 0;                     /* empty session id */
    off = put16(p, off, 2);           /* one suite */
    off = put16(p, off, 0x1301);
    p[off++] = 1;                     /* compression: null */
    p[off++] = 0;
    off = put16(p, off, (uint16_t)ext_len);
    off = put16(p, off, TLS_EXT_SUPPORTED_VERSIONS);
    off = put16(p, off, (uint16_t)(1 + 2 * nver));
    p[off++] = (uint8_t)(2 * nver);
    for (size_t i = 0; i < nver; i++)
        off = put16(p, off, (uint16_t)(0x7f00 + i));
    off = put16(p, off, TLS_EXT_SUPPORTED_GROUPS);
    off = put16(p, off, (uint16_t)(2 + 2 * ngroups));
    off = put16(p, off, (uint16_t)(2 * ngroups));
    for (size_t i = 0; i < ngroups; i++)
        off = put16(p, off, (uint16_t)(0x0100 + i));
    off = put16(p, off, TLS_EXT_SIGNATURE_ALGORITHMS);
    off = put16(p, off, (uint16_t)(2 + 2 * nsig));
    off = put16(p, off, (uint16_t)(2 * nsig));
    for (size_t i = 0; i < nsig; i++)
        off = put16(p, off, (uint16_t)(0x0400 + i));
    assert_int_equal(off, n);

    struct tls_client_report *c = new_client();
    uint8_t sid[32];
    assert_int_equal(run_ch(p, n, c, sid), TLS_PARSE_OK);
    assert_int_equal(c->supported_versions.n, TLS_MAX_VERSIONS);
    assert_true(c->supported_versions.more);
    assert_int_equal(c->supported_groups.n, TLS_MAX_GROUPS);
    assert_true(c->supported_groups.more);
    assert_int_equal(c->supported_groups.v[TLS_MAX_GROUPS - 1], 0x0100 + TLS_MAX_GROUPS - 1);
    assert_int_equal(c->signature_algorithms.n, TLS_MAX_SIGALGS);
    assert_true(c->signature_algorithms.more);
    assert_int_equal(c->signature_schemes.n, TLS_MAX_SIGALGS * 2);
    assert_true(c->signature_schemes.more);
    /* Counted whole, and fingerprinted whole (the expected values are
     * Python's hashlib over the JA3/JA4 strings of these lists). */
    assert_int_equal(c->supported_versions.offered, nver);
    assert_int_equal(c->supported_groups.offered, ngroups);
    assert_int_equal(c->signature_algorithms.offered, nsig);
    assert_int_equal(c->signature_schemes.offered, nsig);
    assert_true(c->whole_fp);
    expect_ja3(c, "69e10c213dcedc930f72915bcfe538fd"); /* 771,4865,43-10-13,256-...-355, */
    expect_ja4(c, "t00i010300_0f2cb44170f4_64828c6e573b"); /* highest version 0x7f13: a draft, "00" */
    free(c);
    free(p);
}

/* 600 suites do not fit TLS_MAX_CIPHERS = 512: the first 512 are kept and
 * all 600 counted; the fingerprints are those of the whole list (expected
 * values: Python's hashlib over "771,256-257-...-855,4096,," and over JA4's
 * sorted lists). A list longer than its array is not malformed. */
static void test_client_hello_too_many_ciphers(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();
    parse_big_hello(600, 1, c);
    assert_true(c->parsed);
    assert_int_equal(c->ciphers.n, TLS_MAX_CIPHERS);
    assert_true(c->ciphers.more);
    assert_int_equal(c->ciphers.offered, 600);
    assert_int_equal(c->ciphers.v[0], 0x0100);
    assert_int_equal(c->ciphers.v[TLS_MAX_CIPHERS - 1], 0x0100 + TLS_MAX_CIPHERS - 1);
    assert_true(c->whole_fp);
    expect_ja3(c, "9a284de030028be4ed45e8faded145da");
    expect_ja4(c, "t12i990100_d58474451c07_405101758459");
    free(c);
}

/* 70 extensions (0x1000..0x1045): 64 kept, 70 counted, fingerprinted whole. */
static void test_client_hello_too_many_extensions(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();
    parse_big_hello(2, 70, c);
    assert_true(c->parsed);
    assert_int_equal(c->extensions.n, TLS_MAX_EXTENSIONS);
    assert_true(c->extensions.more);
    assert_int_equal(c->extensions.offered, 70);
    assert_int_equal(c->extensions.v[TLS_MAX_EXTENSIONS - 1], 0x1000 + TLS_MAX_EXTENSIONS - 1);
    expect_ja3(c, "80651cc39785d19d2cb648141a832f7e");
    expect_ja4(c, "t12i027000_9429a0ef570d_1d010dbf9ad9");
    free(c);
}

/* Within the arrays nothing is computed at parse time: the writer's
 * fingerprints come from the arrays (the common case costs nothing). */
static void test_client_hello_lists_within_arrays(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();
    parse_big_hello(TLS_MAX_CIPHERS, TLS_MAX_EXTENSIONS, c);
    assert_false(c->ciphers.more);
    assert_false(c->extensions.more);
    assert_int_equal(c->ciphers.offered, TLS_MAX_CIPHERS);
    assert_int_equal(c->extensions.offered, TLS_MAX_EXTENSIONS);
    assert_false(c->whole_fp);
    uint8_t md5[16];
    assert_true(fp_ja3_client(c, md5));
    free(c);
}

/* Extensions that only set flags, and the two that add to signature_schemes. */
static const uint8_t client_hello_flags[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* random */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00,                                           /* empty session id */
    0x00, 0x02, 0x13, 0x01,                         /* cipher_suites: TLS_AES_128_GCM_SHA256 */
    0x01, 0x00,                                     /* compression: null */
    0x00, 0x29,                                     /* extensions length 41 */
    0x00, 0x23, 0x00, 0x02, 0xab, 0xcd,             /* session_ticket with a 2-byte ticket */
    0xfe, 0x0d, 0x00, 0x01, 0x00,                   /* encrypted_client_hello, 1 byte */
    0x00, 0x0d, 0x00, 0x04,                         /* signature_algorithms, length 4 */
    0x00, 0x02, 0x08, 0x07,                         /*   ed25519 */
    0x00, 0x32, 0x00, 0x04,                         /* signature_algorithms_cert, length 4 */
    0x00, 0x02, 0x04, 0x01,                         /*   rsa_pkcs1_sha256 */
    0x00, 0x22, 0x00, 0x04,                         /* delegated_credentials, length 4 */
    0x00, 0x02, 0x04, 0x03,                         /*   ecdsa_secp256r1_sha256 */
    0x00, 0x29, 0x00, 0x02, 0x00, 0x00,             /* pre_shared_key (content not parsed) */
};

static void test_client_hello_flag_extensions(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();
    uint8_t sid[32];
    assert_int_equal(run_ch(client_hello_flags, sizeof client_hello_flags, c, sid), TLS_PARSE_OK);
    assert_int_equal(c->session_id_len, 0);
    assert_true(c->has_session_ticket);
    assert_true(c->has_ech);
    assert_true(c->has_psk);
    assert_false(c->has_ec_point_formats);
    assert_false(c->has_supported_versions);
    assert_int_equal(c->signature_algorithms.n, 1);
    assert_int_equal(c->signature_algorithms.v[0], 0x0807);
    /* signature_schemes: 13, then 50, then 34, in wire order. */
    assert_int_equal(c->signature_schemes.n, 3);
    assert_int_equal(c->signature_schemes.v[0], 0x0807);
    assert_int_equal(c->signature_schemes.v[1], 0x0401);
    assert_int_equal(c->signature_schemes.v[2], 0x0403);
    assert_int_equal(c->extensions.n, 6);
    assert_int_equal(c->extensions.v[5], 41);
    free(c);
}

/* A 300-byte host name is kept to TLS_SNI_BYTES and flagged; 40 ALPN names
 * stop at TLS_MAX_ALPN. */
static void test_client_hello_long_sni_and_alpn(void **state)
{
    (void)state;
    enum { HOST = 300, NALPN = 40 };
    size_t sni_ext = 2 + 1 + 2 + HOST;      /* list length, type, name length, name */
    size_t alpn_ext = 2 + NALPN * 2;        /* list length, 40 x <1>"a" */
    size_t exts = 4 + sni_ext + 4 + alpn_ext;
    size_t n = 2 + 32 + 1 + 4 + 2 + 2 + exts;
    uint8_t *p = calloc(1, n);
    assert_non_null(p);
    size_t off = put16(p, 0, 0x0303) + 32;
    p[off++] = 0;                                   /* empty session id */
    off = put16(p, off, 2);                         /* one suite */
    off = put16(p, off, 0x1301);
    p[off++] = 1;                                   /* compression: null */
    p[off++] = 0;
    off = put16(p, off, (uint16_t)exts);
    off = put16(p, off, TLS_EXT_SERVER_NAME);
    off = put16(p, off, (uint16_t)sni_ext);
    off = put16(p, off, (uint16_t)(sni_ext - 2));
    p[off++] = 0;                                   /* host_name */
    off = put16(p, off, HOST);
    memset(p + off, 'x', HOST);
    off += HOST;
    off = put16(p, off, TLS_EXT_ALPN);
    off = put16(p, off, (uint16_t)alpn_ext);
    off = put16(p, off, (uint16_t)(alpn_ext - 2));
    for (int i = 0; i < NALPN; i++) {
        p[off++] = 1;
        p[off++] = (uint8_t)('a' + i);
    }
    assert_int_equal(off, n);

    struct tls_client_report *c = new_client();
    uint8_t sid[32];
    assert_int_equal(tls_parse_client_hello(span_make(p, n), c, sid), TLS_PARSE_OK);
    assert_int_equal(c->sni_len, TLS_SNI_BYTES);
    assert_true(c->sni_truncated);
    assert_int_equal(c->sni[TLS_SNI_BYTES - 1], 'x');
    assert_int_equal(c->alpn_count, TLS_MAX_ALPN);
    assert_true(c->alpn_more);
    assert_int_equal(c->alpn_len, 2 * TLS_MAX_ALPN);
    assert_memory_equal(c->alpn, "\x01" "a" "\x01" "b", 4);
    free(p);
    free(c);
}

/* ---- SSLv2-compatible CLIENT-HELLO (RFC 5246 E.2) ----------------------- */

static const uint8_t sslv2_hello[] = {
    0x80, 0x22,             /* 2-byte header: high bit, length 34 */
    0x01,                   /* msg_type CLIENT-HELLO */
    0x03, 0x01,             /* version TLS 1.0 */
    0x00, 0x09,             /* [5] cipher_spec_length 9 */
    0x00, 0x00,             /* session_id_length 0 */
    0x00, 0x10,             /* [9] challenge_length 16 */
    0x01, 0x00, 0x80,       /* SSL2_RC4_128_WITH_MD5 */
    0x07, 0x00, 0xc0,       /* SSL2_DES_192_EDE3_CBC_WITH_MD5 */
    0x00, 0x00, 0x2f,       /* TLS_RSA_WITH_AES_128_CBC_SHA */
    0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, /* challenge */
    0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0,
};

static void test_sslv2_hello_fields(void **state)
{
    (void)state;
    assert_int_equal(sizeof sslv2_hello, 36);
    struct tls_client_report *c = new_client();
    assert_int_equal(run_sslv2(sslv2_hello, sizeof sslv2_hello, c), TLS_PARSE_OK);
    assert_true(c->seen);
    assert_true(c->parsed);
    assert_true(c->sslv2_hello);
    assert_int_equal(c->record_version, 0x0002);
    assert_int_equal(c->legacy_version, 0x0301);
    assert_int_equal(c->session_id_len, 0);
    assert_int_equal(c->ciphers.n, 3);
    assert_int_equal(c->ciphers.v[0], 0x010080);
    assert_int_equal(c->ciphers.v[1], 0x0700c0);
    assert_int_equal(c->ciphers.v[2], 0x00002f);
    assert_int_equal(c->extensions.n, 0);
    free(c);
}

static void test_sslv2_hello_malformed(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();
    size_t n = sizeof sslv2_hello;
    for (size_t k = 0; k < n; k++)
        assert_int_equal(run_sslv2(sslv2_hello, k, c), TLS_PARSE_MALFORMED);

    /* One trailing byte inside the record (header length 35). */
    uint8_t *buf = test_exact_copy_plus(sslv2_hello, n, 0x00);
    buf[1] = 0x23;
    assert_int_equal(sslv2_from(buf, n + 1, c), TLS_PARSE_MALFORMED);
    assert_false(c->parsed);
    assert_int_equal(c->ciphers.n, 3);

    /* Cipher specs not a multiple of 3 (the challenge then absorbs the rest). */
    assert_int_equal(run_sslv2_patched(sslv2_hello, n, 6, 0x09, 0x08, c), TLS_PARSE_MALFORMED);
    /* Challenge longer than the record. */
    assert_int_equal(run_sslv2_patched(sslv2_hello, n, 10, 0x10, 0x11, c), TLS_PARSE_MALFORMED);
    /* Not a CLIENT-HELLO. */
    assert_int_equal(run_sslv2_patched(sslv2_hello, n, 2, 0x01, 0x02, c), TLS_PARSE_MALFORMED);
    free(c);
}

static bool looks_sslv2(const uint8_t *p, size_t n)
{
    uint8_t *copy = test_exact_copy(p, n);
    bool r = tls_looks_like_sslv2_hello(span_make(copy, n));
    free(copy);
    return r;
}

static void test_looks_like_sslv2(void **state)
{
    (void)state;
    assert_true(looks_sslv2(sslv2_hello, sizeof sslv2_hello));
    assert_true(looks_sslv2(sslv2_hello, 4));
    assert_false(looks_sslv2(sslv2_hello, 3));
    assert_false(looks_sslv2(sslv2_hello, 0));
    assert_true(looks_sslv2((const uint8_t[]){ 0x80, 0x2e, 0x01, 0x00, 0x02 }, 5));  /* SSL 2.0 */
    assert_true(looks_sslv2((const uint8_t[]){ 0x80, 0x2e, 0x01, 0x03, 0x00 }, 5));  /* SSL 3.0 */
    assert_false(looks_sslv2((const uint8_t[]){ 0x00, 0x2e, 0x01, 0x03, 0x01 }, 5)); /* no high bit */
    assert_false(looks_sslv2((const uint8_t[]){ 0x80, 0x2e, 0x04, 0x03, 0x01 }, 5)); /* SERVER-VERIFY */
    assert_false(looks_sslv2((const uint8_t[]){ 0x80, 0x2e, 0x01, 0x02, 0x01 }, 5)); /* major 2 */
    /* A TLS handshake record header. */
    assert_false(looks_sslv2((const uint8_t[]){ 0x16, 0x03, 0x01, 0x02, 0x00 }, 5));
}

/* ---- ServerHello -------------------------------------------------------- */

/* A TLS 1.3 ServerHello echoing client_hello's session id. */
static const uint8_t server_hello_13[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, /* random */
    0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
    0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x04,                                           /* legacy_session_id_echo length 4 */
    0xde, 0xad, 0xbe, 0xef,
    0x13, 0x01,                                     /* TLS_AES_128_GCM_SHA256 */
    0x00,                                           /* compression null */
    0x00, 0x2e,                                     /* [42] extensions length 46 */
    0x00, 0x2b, 0x00, 0x02,                         /* [44] supported_versions, length 2 */
    0x03, 0x04,                                     /*   TLS 1.3 */
    0x00, 0x33, 0x00, 0x24,                         /* key_share, length 36 */
    0x00, 0x1d,                                     /*   group x25519 */
    0x00, 0x20,                                     /*   key_exchange length 32 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};
#define SH13_LEN 90
#define SH_NO_EXT_LEN 42
#define SH13_OFF_SV_LEN 47 /* supported_versions extension length, low byte */

static const uint8_t client_sid[4] = { 0xde, 0xad, 0xbe, 0xef };

/* Every strict prefix of a ServerHello is malformed, except the one ending
 * right after the compression method: before TLS 1.3 extensions are
 * optional. */
static void expect_sh_prefixes(const uint8_t *p, size_t n, const uint8_t *csid, uint8_t csid_len,
                               struct tls_server_report *s)
{
    for (size_t k = 0; k < n; k++)
        assert_int_equal(run_sh(p, k, s, csid, csid_len), k == SH_NO_EXT_LEN ? TLS_PARSE_OK : TLS_PARSE_MALFORMED);
}

static void test_server_hello_13(void **state)
{
    (void)state;
    assert_int_equal(sizeof server_hello_13, SH13_LEN);
    struct tls_server_report *s = new_server();
    assert_int_equal(run_sh(server_hello_13, SH13_LEN, s, client_sid, 4), TLS_PARSE_OK);
    assert_true(s->seen);
    assert_true(s->parsed);
    assert_false(s->hello_retry_request);
    assert_int_equal(s->legacy_version, 0x0303);
    assert_int_equal(s->selected_version, 0x0304);
    assert_int_equal(s->cipher, 0x1301);
    assert_int_equal(s->compression, 0);
    assert_int_equal(s->session_id_len, 4);
    assert_true(s->session_id_echoed);
    assert_int_equal(s->key_share_group, 0x001d);
    assert_int_equal(s->extensions.n, 2);
    assert_int_equal(s->extensions.v[0], 43);
    assert_int_equal(s->extensions.v[1], 51);
    assert_false(s->has_psk);
    assert_int_equal(s->alpn_len, 0);
    assert_true(fp_ja3s(s, (uint8_t[16]){ 0 }));

    /* A different client session id, and none at all: not echoed. */
    static const uint8_t other[4] = { 0xde, 0xad, 0xbe, 0xee };
    assert_int_equal(run_sh(server_hello_13, SH13_LEN, s, other, 4), TLS_PARSE_OK);
    assert_false(s->session_id_echoed);
    assert_int_equal(run_sh(server_hello_13, SH13_LEN, s, client_sid, 3), TLS_PARSE_OK);
    assert_false(s->session_id_echoed);
    assert_int_equal(run_sh(server_hello_13, SH13_LEN, s, NULL, 0), TLS_PARSE_OK);
    assert_false(s->session_id_echoed);
    free(s);
}

static void test_server_hello_malformed(void **state)
{
    (void)state;
    struct tls_server_report *s = new_server();
    expect_sh_prefixes(server_hello_13, SH13_LEN, client_sid, 4, s);
    assert_int_equal(sh_from(test_exact_copy_plus(server_hello_13, SH13_LEN, 0x00), SH13_LEN + 1, s, client_sid, 4),
                     TLS_PARSE_MALFORMED);
    assert_false(s->parsed);
    assert_int_equal(s->selected_version, 0x0304); /* read before the stray byte */

    /* supported_versions carrying 3 bytes: one too many for one version. */
    assert_int_equal(run_sh_patched(server_hello_13, SH13_LEN, SH13_OFF_SV_LEN, 2, 3, s), TLS_PARSE_MALFORMED);
    /* Extensions block longer than the message. */
    assert_int_equal(run_sh_patched(server_hello_13, SH13_LEN, 43, 0x2e, 0x2f, s), TLS_PARSE_MALFORMED);
    /* Session id over 32 bytes. */
    assert_int_equal(run_sh_patched(server_hello_13, SH13_LEN, 34, 4, 33, s), TLS_PARSE_MALFORMED);
    /* key_share's key_exchange length 33 overruns the extension. */
    assert_int_equal(run_sh_patched(server_hello_13, SH13_LEN, 57, 0x20, 0x21, s), TLS_PARSE_MALFORMED);
    free(s);
}

/* A HelloRetryRequest: the special random; key_share holds only the group. */
static const uint8_t hello_retry_request[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, /* random = SHA-256("HelloRetryRequest") */
    0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
    0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
    0x04,                                           /* legacy_session_id_echo length 4 */
    0xde, 0xad, 0xbe, 0xef,
    0x13, 0x01,                                     /* TLS_AES_128_GCM_SHA256 */
    0x00,                                           /* compression null */
    0x00, 0x0c,                                     /* extensions length 12 */
    0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,             /* supported_versions: TLS 1.3 */
    0x00, 0x33, 0x00, 0x02,                         /* key_share, length 2 */
    0x00, 0x17,                                     /*   selected_group secp256r1 */
};

static void test_hello_retry_request(void **state)
{
    (void)state;
    assert_memory_equal(hello_retry_request + 2, tls_hrr_random, 32);
    struct tls_server_report *s = new_server();
    assert_int_equal(run_sh(hello_retry_request, sizeof hello_retry_request, s, client_sid, 4), TLS_PARSE_OK);
    assert_true(s->hello_retry_request);
    assert_true(s->parsed);
    assert_int_equal(s->selected_version, 0x0304);
    assert_int_equal(s->key_share_group, 0x0017);
    assert_true(s->session_id_echoed);

    /* The same bytes with an ordinary random: a ServerHello's key_share must
     * be a whole KeyShareEntry, so the bare group is malformed. */
    assert_int_equal(run_sh_patched(hello_retry_request, sizeof hello_retry_request, 2, 0xcf, 0xce, s),
                     TLS_PARSE_MALFORMED);
    assert_false(s->hello_retry_request);

    /* And an HRR carrying a full KeyShareEntry is malformed. */
    uint8_t *buf = test_exact_copy(server_hello_13, SH13_LEN);
    memcpy(buf + 2, tls_hrr_random, 32);
    assert_int_equal(sh_from(buf, SH13_LEN, s, NULL, 0), TLS_PARSE_MALFORMED);
    assert_true(s->hello_retry_request);

    expect_sh_prefixes(hello_retry_request, sizeof hello_retry_request, NULL, 0, s);
    free(s);
}

/* A TLS 1.2 ServerHello: new session id, ALPN, ticket promised. */
static const uint8_t server_hello_12[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, /* random */
    0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
    0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
    0x04,                                           /* session_id length 4 */
    0x01, 0x02, 0x03, 0x04,
    0xc0, 0x2f,                                     /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    0x00,                                           /* compression null */
    0x00, 0x1c,                                     /* extensions length 28 */
    0xff, 0x01, 0x00, 0x01, 0x00,                   /* renegotiation_info, empty */
    0x00, 0x00, 0x00, 0x00,                         /* server_name acknowledgement */
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,             /* ec_point_formats: uncompressed */
    0x00, 0x23, 0x00, 0x00,                         /* session_ticket */
    0x00, 0x10, 0x00, 0x05,                         /* [63] ALPN, length 5 */
    0x00, 0x03,                                     /* [67] protocol_name_list length 3 */
    0x02, 'h', '2',                                 /* [69] "h2" */
};

static void test_server_hello_12(void **state)
{
    (void)state;
    size_t n = sizeof server_hello_12;
    assert_int_equal(n, 72);
    struct tls_server_report *s = new_server();
    assert_int_equal(run_sh(server_hello_12, n, s, client_sid, 4), TLS_PARSE_OK);
    assert_true(s->parsed);
    assert_int_equal(s->legacy_version, 0x0303);
    assert_int_equal(s->selected_version, 0);
    assert_int_equal(s->cipher, 0xc02f);
    assert_int_equal(s->session_id_len, 4);
    assert_false(s->session_id_echoed);
    assert_true(s->has_session_ticket_ext);
    assert_int_equal(s->alpn_len, 2);
    assert_memory_equal(s->alpn, "h2", 2);
    assert_int_equal(s->key_share_group, 0);
    static const uint16_t exts[] = { 0xff01, 0, 11, 35, 16 };
    assert_int_equal(s->extensions.n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(s->extensions.v[i], exts[i]);

    expect_sh_prefixes(server_hello_12, n, NULL, 0, s);

    /* ALPN must carry exactly one non-empty name (RFC 7301 3.1). */
    assert_int_equal(run_sh_patched(server_hello_12, n, 69, 2, 0, s), TLS_PARSE_MALFORMED);
    assert_int_equal(run_sh_patched(server_hello_12, n, 69, 2, 1, s), TLS_PARSE_MALFORMED);
    assert_int_equal(run_sh_patched(server_hello_12, n, 68, 3, 2, s), TLS_PARSE_MALFORMED);
    free(s);
}

/* A client offering only drafts before 23 sends key_share as extension 40;
 * one offering drafts on both sides sends 40 and 51, and 51 counts. */
static void test_client_hello_draft_key_share(void **state)
{
    (void)state;
    struct tls_client_report *c = new_client();
    uint8_t sid[32];
    uint8_t *p = test_exact_copy(client_hello, CH_LEN);
    assert_int_equal(p[133], 0x33);
    p[133] = 0x28; /* key_share as 40 */
    assert_int_equal(ch_from(p, CH_LEN, c, sid), TLS_PARSE_OK);
    assert_int_equal(c->key_share_groups.n, 1);
    assert_int_equal(c->key_share_groups.v[0], 0x001d);
    assert_int_equal(c->extensions.v[7], 40);

    p = test_exact_copy(client_hello, CH_LEN);
    assert_int_equal(p[175], 0x23);
    p[175] = 0x28; /* session_ticket's place: an empty extension 40 beside 51 */
    assert_int_equal(ch_from(p, CH_LEN, c, sid), TLS_PARSE_OK);
    assert_int_equal(c->key_share_groups.n, 1);
    assert_int_equal(c->key_share_groups.v[0], 0x001d);
    free(c);
}

/* ---- TLS 1.3 draft layouts ------------------------------------------------ */

/* A draft-18 ServerHello: the version in the first field, no session id echo
 * and no compression method, key_share as extension 40. */
static const uint8_t server_hello_draft18[] = {
    0x7f, 0x12,                                     /* server_version: draft 18 */
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, /* random */
    0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
    0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x13, 0x02,                                     /* [34] TLS_AES_256_GCM_SHA384 */
    0x00, 0x0a,                                     /* [36] extensions length 10 */
    0x00, 0x28, 0x00, 0x06,                         /* key_share (draft code point 40), length 6 */
    0x00, 0x17,                                     /*   group secp256r1 */
    0x00, 0x02, 0xaa, 0xbb,                         /*   key_exchange (short, as a test) */
};
#define SH_DRAFT_NO_EXT_LEN 36

static void expect_draft_sh(const uint8_t *p, size_t n, uint16_t version, uint16_t cipher, uint16_t group)
{
    struct tls_server_report *s = new_server();
    assert_int_equal(run_sh(p, n, s, client_sid, 4), TLS_PARSE_OK);
    assert_true(s->parsed);
    assert_int_equal(s->legacy_version, version);
    assert_int_equal(s->cipher, cipher);
    assert_int_equal(s->session_id_len, 0);
    assert_false(s->session_id_echoed);
    assert_int_equal(s->key_share_group, group);
    assert_int_equal(s->extensions.n, 1);
    assert_int_equal(s->extensions.v[0], 40);
    /* Every strict prefix is malformed but the one ending after the suite. */
    for (size_t k = 0; k < n; k++)
        assert_int_equal(run_sh(p, k, s, NULL, 0), k == SH_DRAFT_NO_EXT_LEN ? TLS_PARSE_OK : TLS_PARSE_MALFORMED);
    assert_int_equal(sh_from(test_exact_copy_plus(p, n, 0x00), n + 1, s, NULL, 0), TLS_PARSE_MALFORMED);
    free(s);
}

static void test_server_hello_draft_layouts(void **state)
{
    (void)state;
    assert_int_equal(tls_version_draft(0x7f12), 18);
    assert_int_equal(tls_version_draft(0x7e01), 18);
    assert_int_equal(tls_version_draft(0x7e02), 18);
    assert_int_equal(tls_version_draft(0x0304), 0);
    assert_int_equal(tls_version_draft(0x0303), 0);
    size_t n = sizeof server_hello_draft18;
    expect_draft_sh(server_hello_draft18, n, 0x7f12, 0x1302, 0x0017);
    /* Google's experiment version and an early server writing 0x0304 there
     * use the same layout; for 0x0304 extension 40 is not key_share. */
    uint8_t *p = test_exact_copy(server_hello_draft18, n);
    p[1] = 0x02;
    p[0] = 0x7e;
    expect_draft_sh(p, n, 0x7e02, 0x1302, 0x0017);
    p[0] = 0x03;
    p[1] = 0x04;
    expect_draft_sh(p, n, 0x0304, 0x1302, 0);
    free(p);
}

/* Draft 22 kept the TLS 1.2 layout with supported_versions, but key_share
 * was still 40; from draft 23 it is 51 and 40 means nothing. */
static const uint8_t server_hello_draft22[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, /* random */
    0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
    0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x00,                                           /* legacy_session_id_echo: empty */
    0x13, 0x03,                                     /* TLS_CHACHA20_POLY1305_SHA256 */
    0x00,                                           /* compression null */
    0x00, 0x10,                                     /* extensions length 16 */
    0x00, 0x28, 0x00, 0x06,                         /* key_share (40), length 6 */
    0x00, 0x1d,                                     /*   group x25519 */
    0x00, 0x02, 0xaa, 0xbb,
    0x00, 0x2b, 0x00, 0x02,                         /* supported_versions, after it */
    0x7f, 0x16,                                     /* [54] draft 22 */
};

static void test_server_hello_draft22_key_share_40(void **state)
{
    (void)state;
    size_t n = sizeof server_hello_draft22;
    struct tls_server_report *s = new_server();
    assert_int_equal(run_sh(server_hello_draft22, n, s, NULL, 0), TLS_PARSE_OK);
    assert_int_equal(s->selected_version, 0x7f16);
    assert_int_equal(s->cipher, 0x1303);
    assert_int_equal(s->key_share_group, 0x001d);
    uint8_t *p = test_exact_copy(server_hello_draft22, n);
    p[55] = 0x17; /* draft 23 */
    assert_int_equal(sh_from(p, n, s, NULL, 0), TLS_PARSE_OK);
    assert_int_equal(s->selected_version, 0x7f17);
    assert_int_equal(s->key_share_group, 0);
    free(s);
}

/* Two ALPN names in a ServerHello. */
static void test_server_hello_two_alpn_names(void **state)
{
    (void)state;
    static const uint8_t tail[] = {
        0x00, 0x0b,                 /* extensions length 11 */
        0x00, 0x10, 0x00, 0x07,     /* ALPN, length 7 */
        0x00, 0x05,                 /*   protocol_name_list length 5 */
        0x02, 'h', '2',             /*   "h2" */
        0x01, 'x',                  /*   "x": a second name */
    };
    uint8_t *buf = malloc(SH_NO_EXT_LEN + sizeof tail);
    assert_non_null(buf);
    memcpy(buf, server_hello_12, SH_NO_EXT_LEN);
    memcpy(buf + SH_NO_EXT_LEN, tail, sizeof tail);
    struct tls_server_report *s = new_server();
    assert_int_equal(tls_parse_server_hello(span_make(buf, SH_NO_EXT_LEN + sizeof tail), s, NULL, 0),
                     TLS_PARSE_MALFORMED);
    free(buf);
    free(s);
}

static void test_server_hello_too_many_extensions(void **state)
{
    (void)state;
    enum { NEXT = 100 };
    size_t n = SH_NO_EXT_LEN + 2 + 4 * NEXT;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    memcpy(buf, server_hello_12, SH_NO_EXT_LEN);
    size_t off = put16(buf, SH_NO_EXT_LEN, 4 * NEXT);
    for (size_t i = 0; i < NEXT; i++) {
        off = put16(buf, off, (uint16_t)(0x2000 + i));
        off = put16(buf, off, 0);
    }
    assert_int_equal(off, n);
    struct tls_server_report *s = new_server();
    assert_int_equal(tls_parse_server_hello(span_make(buf, n), s, NULL, 0), TLS_PARSE_OK);
    assert_int_equal(s->extensions.n, TLS_MAX_EXTENSIONS);
    assert_true(s->extensions.more);
    assert_int_equal(s->extensions.offered, NEXT);
    /* JA3S over all 100: Python's hashlib.md5 of "771,49199,8192-8193-...-8291". */
    uint8_t md5[16];
    assert_true(fp_ja3s(s, md5));
    static const uint8_t want[16] = { 0x0f, 0x43, 0x20, 0x66, 0x86, 0x3e, 0x5f, 0xad,
                                      0xb8, 0x14, 0x31, 0xbf, 0x68, 0x6e, 0xa3, 0xd2 };
    assert_memory_equal(md5, want, 16);
    char str[FP_JA3S_STRING_MAX];
    assert_int_equal(fp_ja3s_string(s, str, sizeof str), 0); /* not kept */
    free(buf);
    free(s);
}

/* ---- ServerKeyExchange -------------------------------------------------- */

/* ECDHE_RSA, TLS 1.2. */
static const uint8_t ske_ecdhe[] = {
    0x03,                                           /* curve_type named_curve */
    0x00, 0x1d,                                     /* x25519 */
    0x20,                                           /* [3] public point length 32 */
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
    0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
    0x08, 0x04,                                     /* rsa_pss_rsae_sha256 */
    0x00, 0x04,                                     /* [38] signature length 4 */
    0x5a, 0x5b, 0x5c, 0x5d,
};

/* Every strict prefix of a ServerKeyExchange is malformed: nothing in it is
 * optional. */
static void expect_ske_prefixes_malformed(const uint8_t *p, size_t n, uint16_t version, uint16_t cipher,
                                          struct tls_server_report *s)
{
    for (size_t k = 0; k < n; k++)
        assert_int_equal(run_ske(p, k, version, cipher, s), TLS_PARSE_MALFORMED);
}

static void test_ske_ecdhe(void **state)
{
    (void)state;
    size_t n = sizeof ske_ecdhe;
    struct tls_server_report *s = new_server();
    assert_int_equal(run_ske(ske_ecdhe, n, 0x0303, 0xc02f, s), TLS_PARSE_OK);
    assert_true(s->ske_seen);
    assert_int_equal(s->curve_type, 3);
    assert_int_equal(s->curve, 0x001d);
    assert_int_equal(s->kx_sigalg, 0x0804);
    assert_int_equal(s->dh_prime_bits, 0);

    expect_ske_prefixes_malformed(ske_ecdhe, n, 0x0303, 0xc02f, s);
    assert_int_equal(ske_from(test_exact_copy_plus(ske_ecdhe, n, 0x00), n + 1, 0x0303, 0xc02f, s),
                     TLS_PARSE_MALFORMED);

    /* Lying lengths: the point, then the signature. */
    assert_int_equal(run_ske_patched(ske_ecdhe, n, 3, 0x20, 0x21, 0x0303, 0xc02f, s), TLS_PARSE_MALFORMED);
    assert_int_equal(run_ske_patched(ske_ecdhe, n, 3, 0x20, 0x1f, 0x0303, 0xc02f, s), TLS_PARSE_MALFORMED);
    assert_int_equal(run_ske_patched(ske_ecdhe, n, 39, 4, 5, 0x0303, 0xc02f, s), TLS_PARSE_MALFORMED);
    assert_int_equal(run_ske_patched(ske_ecdhe, n, 39, 4, 3, 0x0303, 0xc02f, s), TLS_PARSE_MALFORMED);
    /* explicit_prime curves are not allowed (RFC 8422 5.4). */
    assert_int_equal(run_ske_patched(ske_ecdhe, n, 0, 3, 1, 0x0303, 0xc02f, s), TLS_PARSE_MALFORMED);
    assert_int_equal(s->curve_type, 1);
    assert_int_equal(s->curve, 0);
    free(s);
}

/* DHE_RSA, TLS 1.2: a 127-bit p behind a leading zero byte, g = 2, 121-bit Ys. */
static const uint8_t ske_dhe_12[] = {
    0x00, 0x11,                                     /* dh_p length 17 */
    0x00,                                           /*   leading zero (ignored in the bit count) */
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*   top byte 0x7f: 7 + 15 * 8 = 127 bits */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x00, 0x01,                                     /* dh_g length 1 */
    0x02,                                           /*   g = 2 */
    0x00, 0x10,                                     /* dh_Ys length 16 */
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, /*   top byte 0x01: 1 + 15 * 8 = 121 bits */
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0x04, 0x01,                                     /* rsa_pkcs1_sha256 */
    0x00, 0x02,                                     /* signature length 2 */
    0xaa, 0xbb,
};

/* The same parameters as TLS 1.0 sends them: no SignatureAndHashAlgorithm. */
static const uint8_t ske_dhe_10[] = {
    0x00, 0x11,                                     /* dh_p length 17 */
    0x00,
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x00, 0x01,                                     /* dh_g length 1 */
    0x02,
    0x00, 0x10,                                     /* dh_Ys length 16 */
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0x00, 0x02,                                     /* signature length 2 */
    0xaa, 0xbb,
};

static void expect_dh_params(const struct tls_server_report *s)
{
    assert_int_equal(s->dh_prime_bits, 127);
    assert_int_equal(s->dh_public_bits, 121);
    assert_true(s->dh_generator_known);
    assert_int_equal(s->dh_generator, 2);
    assert_int_equal(s->curve, 0);
}

static void test_ske_dhe_tls12(void **state)
{
    (void)state;
    size_t n = sizeof ske_dhe_12;
    struct tls_server_report *s = new_server();
    assert_int_equal(run_ske(ske_dhe_12, n, 0x0303, 0x009e, s), TLS_PARSE_OK);
    expect_dh_params(s);
    assert_int_equal(s->kx_sigalg, 0x0401);

    expect_ske_prefixes_malformed(ske_dhe_12, n, 0x0303, 0x009e, s);
    assert_int_equal(ske_from(test_exact_copy_plus(ske_dhe_12, n, 0x00), n + 1, 0x0303, 0x009e, s),
                     TLS_PARSE_MALFORMED);
    /* dh_p claiming one byte more swallows g's length. */
    assert_int_equal(run_ske_patched(ske_dhe_12, n, 1, 0x11, 0x12, 0x0303, 0x009e, s), TLS_PARSE_MALFORMED);
    /* dh_Ys claiming more than is left. */
    assert_int_equal(run_ske_patched(ske_dhe_12, n, 23, 0x10, 0x30, 0x0303, 0x009e, s), TLS_PARSE_MALFORMED);

    /* TLS 1.2 layout read as TLS 1.0: the sigalg is taken for a length. */
    assert_int_equal(run_ske(ske_dhe_12, n, 0x0301, 0x009e, s), TLS_PARSE_MALFORMED);
    free(s);
}

static void test_ske_dhe_tls10(void **state)
{
    (void)state;
    size_t n = sizeof ske_dhe_10;
    struct tls_server_report *s = new_server();
    assert_int_equal(run_ske(ske_dhe_10, n, 0x0301, 0x0033, s), TLS_PARSE_OK);
    expect_dh_params(s);
    assert_int_equal(s->kx_sigalg, 0);
    /* TLS 1.1 has no sigalg either. */
    assert_int_equal(run_ske(ske_dhe_10, n, 0x0302, 0x0033, s), TLS_PARSE_OK);
    assert_int_equal(s->kx_sigalg, 0);
    /* ... but TLS 1.2 has. */
    assert_int_equal(run_ske(ske_dhe_10, n, 0x0303, 0x0033, s), TLS_PARSE_MALFORMED);
    expect_ske_prefixes_malformed(ske_dhe_10, n, 0x0301, 0x0033, s);
    free(s);
}

/* A 2048-bit p and a 2047-bit Ys, built rather than spelled out. */
static void test_ske_dhe_large_prime(void **state)
{
    (void)state;
    size_t n = 2 + 256 + 2 + 1 + 2 + 256 + 2 + 2 + 1;
    uint8_t *p = calloc(1, n);
    assert_non_null(p);
    size_t off = put16(p, 0, 256);
    memset(p + off, 0xff, 256);     /* p: 2048 bits */
    off += 256;
    off = put16(p, off, 1);
    p[off++] = 5;                   /* g = 5 */
    off = put16(p, off, 256);
    memset(p + off, 0x11, 256);
    p[off] = 0x7f;                  /* Ys: 2047 bits */
    off += 256;
    off = put16(p, off, 0x0601);    /* rsa_pkcs1_sha512 */
    off = put16(p, off, 1);
    p[off++] = 0x99;
    assert_int_equal(off, n);
    struct tls_server_report *s = new_server();
    assert_int_equal(ske_from(p, n, 0x0303, 0x009e, s), TLS_PARSE_OK);
    assert_int_equal(s->dh_prime_bits, 2048);
    assert_int_equal(s->dh_public_bits, 2047);
    assert_int_equal(s->dh_generator, 5);
    assert_int_equal(s->kx_sigalg, 0x0601);
    free(s);
}

/* DH_anon: p, g, Ys and no signature. g over 64 bits is not kept. */
static const uint8_t ske_dh_anon[] = {
    0x00, 0x02, 0x80, 0x01,                         /* dh_p: 16 bits */
    0x00, 0x09,                                     /* dh_g length 9 */
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*   2^64: 65 bits */
    0x00,
    0x00, 0x01, 0x03,                               /* dh_Ys: 2 bits */
};

static void test_ske_dh_anon(void **state)
{
    (void)state;
    size_t n = sizeof ske_dh_anon;
    struct tls_server_report *s = new_server();
    assert_true(tls_cipher_is_anon(0x0034));
    assert_int_equal(run_ske(ske_dh_anon, n, 0x0303, 0x0034, s), TLS_PARSE_OK);
    assert_int_equal(s->dh_prime_bits, 16);
    assert_int_equal(s->dh_public_bits, 2);
    assert_false(s->dh_generator_known);
    assert_int_equal(s->kx_sigalg, 0);
    expect_ske_prefixes_malformed(ske_dh_anon, n, 0x0303, 0x0034, s);
    /* A signature where none belongs is trailing data. */
    assert_int_equal(ske_from(test_exact_copy_plus(ske_dh_anon, n, 0x00), n + 1, 0x0303, 0x0034, s),
                     TLS_PARSE_MALFORMED);

    /* A 9-byte g whose leading zero leaves 5: known. */
    static const uint8_t g_padded[] = {
        0x00, 0x02, 0x80, 0x01,                         /* dh_p */
        0x00, 0x09,                                     /* dh_g length 9 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*   leading zeros */
        0x05,                                           /*   g = 5 */
        0x00, 0x01, 0x03,                               /* dh_Ys */
    };
    assert_int_equal(run_ske(g_padded, sizeof g_padded, 0x0303, 0x0034, s), TLS_PARSE_OK);
    assert_true(s->dh_generator_known);
    assert_int_equal(s->dh_generator, 5);
    free(s);
}

/* ECDH_anon: curve parameters, no signature. */
static void test_ske_ecdh_anon(void **state)
{
    (void)state;
    static const uint8_t ske[] = {
        0x03, 0x00, 0x17,           /* named_curve secp256r1 */
        0x01, 0x04,                 /* point length 1 (not checked for validity) */
    };
    struct tls_server_report *s = new_server();
    assert_int_equal(run_ske(ske, sizeof ske, 0x0303, 0xc018, s), TLS_PARSE_OK);
    assert_int_equal(s->curve, 0x0017);
    assert_int_equal(s->kx_sigalg, 0);
    free(s);
}

/* PSK family (RFC 4279 2, RFC 5489 2): a psk_identity_hint first. */
static const uint8_t ske_psk[] = {
    0x00, 0x04, 'h', 'i', 'n', 't',                 /* psk_identity_hint "hint" */
};
static const uint8_t ske_psk_empty_hint[] = {
    0x00, 0x00,                                     /* empty psk_identity_hint */
};
static const uint8_t ske_dhe_psk[] = {
    0x00, 0x01, 'h',                                /* psk_identity_hint "h" */
    0x00, 0x02, 0xff, 0xff,                         /* dh_p: 16 bits */
    0x00, 0x01, 0x02,                               /* dh_g = 2 */
    0x00, 0x02, 0x0f, 0xff,                         /* dh_Ys: 12 bits */
};
static const uint8_t ske_ecdhe_psk[] = {
    0x00, 0x00,                                     /* empty psk_identity_hint */
    0x03, 0x00, 0x1d,                               /* named_curve x25519 */
    0x02, 0xab, 0xcd,                               /* public point, 2 bytes */
};

static void test_ske_psk_variants(void **state)
{
    (void)state;
    struct tls_server_report *s = new_server();
    /* PSK (0x008c) and RSA_PSK (0x0094): the hint alone, unsigned. */
    assert_int_equal(run_ske(ske_psk, sizeof ske_psk, 0x0303, 0x008c, s), TLS_PARSE_OK);
    assert_true(s->ske_seen);
    assert_int_equal(s->kx_sigalg, 0);
    assert_int_equal(run_ske(ske_psk_empty_hint, sizeof ske_psk_empty_hint, 0x0303, 0x008c, s), TLS_PARSE_OK);
    assert_int_equal(run_ske(ske_psk, sizeof ske_psk, 0x0303, 0x0094, s), TLS_PARSE_OK);
    expect_ske_prefixes_malformed(ske_psk, sizeof ske_psk, 0x0303, 0x008c, s);
    assert_int_equal(run_ske_patched(ske_psk, sizeof ske_psk, 1, 4, 5, 0x0303, 0x008c, s), TLS_PARSE_MALFORMED);
    assert_int_equal(run_ske_patched(ske_psk, sizeof ske_psk, 1, 4, 3, 0x0303, 0x008c, s), TLS_PARSE_MALFORMED);

    /* DHE_PSK (0x0090): hint, then DH parameters, unsigned. */
    assert_int_equal(run_ske(ske_dhe_psk, sizeof ske_dhe_psk, 0x0303, 0x0090, s), TLS_PARSE_OK);
    assert_int_equal(s->dh_prime_bits, 16);
    assert_int_equal(s->dh_public_bits, 12);
    assert_int_equal(s->dh_generator, 2);
    expect_ske_prefixes_malformed(ske_dhe_psk, sizeof ske_dhe_psk, 0x0303, 0x0090, s);
    /* A hint length that lies shifts every later field. */
    assert_int_equal(run_ske_patched(ske_dhe_psk, sizeof ske_dhe_psk, 1, 1, 2, 0x0303, 0x0090, s),
                     TLS_PARSE_MALFORMED);

    /* RFC 6655's TLS_PSK_DHE_WITH_AES_128_CCM_8 (0xc0aa) is DHE_PSK too. */
    assert_int_equal(run_ske(ske_dhe_psk, sizeof ske_dhe_psk, 0x0303, 0xc0aa, s), TLS_PARSE_OK);
    assert_int_equal(s->dh_prime_bits, 16);

    /* ECDHE_PSK (0xc035): hint, then curve parameters, unsigned. */
    assert_int_equal(run_ske(ske_ecdhe_psk, sizeof ske_ecdhe_psk, 0x0303, 0xc035, s), TLS_PARSE_OK);
    assert_int_equal(s->curve, 0x001d);
    assert_int_equal(s->kx_sigalg, 0);
    expect_ske_prefixes_malformed(ske_ecdhe_psk, sizeof ske_ecdhe_psk, 0x0303, 0xc035, s);
    free(s);
}

/* RSA_EXPORT's temporary 512-bit key (RFC 2246 7.4.3), signed, TLS 1.0. */
static void test_ske_rsa_export(void **state)
{
    (void)state;
    static const uint8_t ske[] = {
        0x00, 0x02, 0xc0, 0x01,     /* rsa_modulus (short for the test) */
        0x00, 0x01, 0x03,           /* rsa_exponent 3 */
        0x00, 0x02, 0x12, 0x34,     /* signature, no sigalg before TLS 1.2 */
    };
    struct tls_server_report *s = new_server();
    assert_int_equal(run_ske(ske, sizeof ske, 0x0301, 0x0003, s), TLS_PARSE_OK);
    assert_int_equal(s->kx_sigalg, 0);
    expect_ske_prefixes_malformed(ske, sizeof ske, 0x0301, 0x0003, s);
    free(s);
}

/* Suites with no ServerKeyExchange layout cannot have one. */
static void test_ske_unknown_suite(void **state)
{
    (void)state;
    struct tls_server_report *s = new_server();
    assert_int_equal(run_ske(ske_ecdhe, sizeof ske_ecdhe, 0x0304, 0x1301, s), TLS_PARSE_MALFORMED);
    assert_true(s->ske_seen);
    assert_int_equal(run_ske(ske_ecdhe, sizeof ske_ecdhe, 0x0303, 0xfefe, s), TLS_PARSE_MALFORMED);
    assert_int_equal(run_ske(ske_ecdhe, sizeof ske_ecdhe, 0x0303, 0xc00e, s), TLS_PARSE_MALFORMED); /* static ECDH */
    free(s);
}

/* ---- names.c: key exchange by suite ------------------------------------- */

static void test_cipher_kx(void **state)
{
    (void)state;
    assert_int_equal(tls_cipher_kx(0x1301), TLS_KX_TLS13);
    assert_int_equal(tls_cipher_kx(0x1303), TLS_KX_TLS13);
    assert_int_equal(tls_cipher_kx(0xc02f), TLS_KX_ECDHE);     /* ECDHE_RSA */
    assert_int_equal(tls_cipher_kx(0xc02b), TLS_KX_ECDHE);     /* ECDHE_ECDSA */
    assert_int_equal(tls_cipher_kx(0xc018), TLS_KX_ECDHE);     /* ECDH_anon */
    assert_int_equal(tls_cipher_kx(0x009e), TLS_KX_DHE);       /* DHE_RSA */
    assert_int_equal(tls_cipher_kx(0x0013), TLS_KX_DHE);       /* DHE_DSS */
    assert_int_equal(tls_cipher_kx(0x0034), TLS_KX_DHE);       /* DH_anon */
    assert_int_equal(tls_cipher_kx(0x002f), TLS_KX_RSA);
    assert_int_equal(tls_cipher_kx(0x0003), TLS_KX_RSA);       /* RSA_EXPORT */
    assert_int_equal(tls_cipher_kx(0x008c), TLS_KX_PSK);
    assert_int_equal(tls_cipher_kx(0x0090), TLS_KX_DHE_PSK);
    assert_int_equal(tls_cipher_kx(0xc0aa), TLS_KX_DHE_PSK);   /* TLS_PSK_DHE_WITH_AES_128_CCM_8 */
    assert_int_equal(tls_cipher_kx(0xc0ab), TLS_KX_DHE_PSK);   /* TLS_PSK_DHE_WITH_AES_256_CCM_8 */
    assert_int_equal(tls_cipher_kx(0xc035), TLS_KX_ECDHE_PSK);
    assert_int_equal(tls_cipher_kx(0x0094), TLS_KX_RSA_PSK);
    assert_int_equal(tls_cipher_kx(0xc00e), TLS_KX_UNKNOWN);   /* static ECDH_RSA: no SKE */
    assert_int_equal(tls_cipher_kx(0x00ff), TLS_KX_UNKNOWN);   /* renegotiation SCSV */
    assert_int_equal(tls_cipher_kx(0x0a0a), TLS_KX_UNKNOWN);   /* GREASE */
    assert_int_equal(tls_cipher_kx(0xfefe), TLS_KX_UNKNOWN);

    assert_true(tls_cipher_is_anon(0x0034));
    assert_true(tls_cipher_is_anon(0xc018));
    assert_false(tls_cipher_is_anon(0xc02f));
    assert_false(tls_cipher_is_anon(0xfefe));

    assert_string_equal(tls_kx_name(TLS_KX_DHE_PSK), "DHE_PSK");
    assert_string_equal(tls_kx_name(TLS_KX_TLS13), "TLS13");
    assert_null(tls_kx_name(TLS_KX_UNKNOWN));
}

/* ---- a hello behind a prefix ------------------------------------------- */

/* A ClientHello record header and the first bytes of its hello. */
static const uint8_t ch_record_head[] = {
    0x16, 0x03, 0x01, 0x00, 0xb6, /* handshake record, TLS 1.0, length 182 */
    0x01, 0x00, 0x00, 0xb2,       /* ClientHello, length 178 */
    0x03, 0x03,                   /* legacy_version */
};

static size_t find_in_copy(const uint8_t *p, size_t n, uint8_t hs_type)
{
    uint8_t *copy = test_exact_copy(p, n);
    size_t at = tls_find_hello(span_make(copy, n), hs_type);
    free(copy);
    return at;
}

static void test_find_hello_after_prefix(void **state)
{
    (void)state;
    uint8_t buf[64];
    memcpy(buf, "TUNNEL x:443\r\n\r\n", 16);
    memcpy(buf + 16, ch_record_head, sizeof ch_record_head);
    size_t n = 16 + sizeof ch_record_head;
    assert_int_equal(find_in_copy(buf, n, TLS_HS_CLIENT_HELLO), 16);
    assert_int_equal(find_in_copy(buf, n, TLS_HS_SERVER_HELLO), 0);
    /* Every strict prefix that cuts the header and the hello's version
     * byte finds nothing: all ten bytes are checked. */
    for (size_t k = 0; k < 16 + 10; k++)
        assert_int_equal(find_in_copy(buf, k, TLS_HS_CLIENT_HELLO), 0);
    /* A stream that begins with the record has no prefix. */
    assert_int_equal(find_in_copy(ch_record_head, sizeof ch_record_head, TLS_HS_CLIENT_HELLO), 0);

    /* Each field that makes it implausible. */
    static const struct { size_t off; uint8_t value; } bad[] = {
        { 0, 0x17 },  /* application data */
        { 1, 0x02 },  /* major version 2 */
        { 3, 0x48 },  /* record length over 2^14 + 2048 */
        { 5, 0x0b },  /* Certificate, not ClientHello */
        { 8, 0x20 },  /* hello length 32: below a minimal hello */
        { 7, 0x01 },  /* hello of 434 bytes claimed... */
        { 9, 0x02 },  /* hello version major 2 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[64];
        memcpy(b, buf, n);
        b[16 + bad[i].off] = bad[i].value;
        size_t want = bad[i].off == 7 ? 16 : 0; /* ...is longer than its record: continued, still plausible */
        assert_int_equal(find_in_copy(b, n, TLS_HS_CLIENT_HELLO), want);
    }
    /* A hello shorter than its record is not a ClientHello (alone in its record). */
    buf[16 + 8] = 0xa0;
    assert_int_equal(find_in_copy(buf, n, TLS_HS_CLIENT_HELLO), 0);
}

/* The scan is bounded: a hello beginning at TLS_PREFIX_SCAN_MAX is not found. */
static void test_find_hello_bounded(void **state)
{
    (void)state;
    size_t n = TLS_PREFIX_SCAN_MAX + sizeof ch_record_head;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    memcpy(buf + TLS_PREFIX_SCAN_MAX - 1, ch_record_head, sizeof ch_record_head);
    assert_int_equal(find_in_copy(buf, n, TLS_HS_CLIENT_HELLO), TLS_PREFIX_SCAN_MAX - 1);
    memset(buf, 0, n);
    memcpy(buf + TLS_PREFIX_SCAN_MAX, ch_record_head, sizeof ch_record_head);
    assert_int_equal(find_in_copy(buf, n, TLS_HS_CLIENT_HELLO), 0);
    free(buf);
}

/* A ServerHello shares its record with the messages after it. */
static void test_find_server_hello(void **state)
{
    (void)state;
    static const uint8_t p[] = {
        'O', 'K', '\r', '\n',
        0x16, 0x03, 0x03, 0x0b, 0x00, /* handshake record of 2816 bytes (ServerHello, Certificate, ...) */
        0x02, 0x00, 0x00, 0x4d,       /* ServerHello, length 77 */
        0x03, 0x03,
    };
    assert_int_equal(find_in_copy(p, sizeof p, TLS_HS_SERVER_HELLO), 4);
    assert_int_equal(find_in_copy(p, sizeof p, TLS_HS_CLIENT_HELLO), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_hello_fields),
        cmocka_unit_test(test_client_hello_long_extension_lists),
        cmocka_unit_test(test_client_hello_prefixes),
        cmocka_unit_test(test_client_hello_without_extensions),
        cmocka_unit_test(test_client_hello_trailing_byte),
        cmocka_unit_test(test_client_hello_lying_lengths),
        cmocka_unit_test(test_client_hello_too_many_ciphers),
        cmocka_unit_test(test_client_hello_too_many_extensions),
        cmocka_unit_test(test_client_hello_lists_within_arrays),
        cmocka_unit_test(test_client_hello_flag_extensions),
        cmocka_unit_test(test_client_hello_long_sni_and_alpn),
        cmocka_unit_test(test_sslv2_hello_fields),
        cmocka_unit_test(test_sslv2_hello_malformed),
        cmocka_unit_test(test_looks_like_sslv2),
        cmocka_unit_test(test_server_hello_13),
        cmocka_unit_test(test_server_hello_malformed),
        cmocka_unit_test(test_hello_retry_request),
        cmocka_unit_test(test_server_hello_12),
        cmocka_unit_test(test_server_hello_draft_layouts),
        cmocka_unit_test(test_client_hello_draft_key_share),
        cmocka_unit_test(test_server_hello_draft22_key_share_40),
        cmocka_unit_test(test_server_hello_two_alpn_names),
        cmocka_unit_test(test_server_hello_too_many_extensions),
        cmocka_unit_test(test_find_hello_after_prefix),
        cmocka_unit_test(test_find_hello_bounded),
        cmocka_unit_test(test_find_server_hello),
        cmocka_unit_test(test_ske_ecdhe),
        cmocka_unit_test(test_ske_dhe_tls12),
        cmocka_unit_test(test_ske_dhe_tls10),
        cmocka_unit_test(test_ske_dhe_large_prime),
        cmocka_unit_test(test_ske_dh_anon),
        cmocka_unit_test(test_ske_ecdh_anon),
        cmocka_unit_test(test_ske_psk_variants),
        cmocka_unit_test(test_ske_rsa_export),
        cmocka_unit_test(test_ske_unknown_suite),
        cmocka_unit_test(test_cipher_kx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
