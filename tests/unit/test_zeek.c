/* test_zeek.c - output/zeek.c: Zeek's ssl.log and x509.log lines, TSV and
 * JSON, from a hand-filled struct conn_meta and struct tls_report.
 *
 * Covers: exact whole lines in both forms, the TSV escapes (control bytes,
 * non-ASCII, backslash, the set separator inside a vector, a value that
 * reads as the unset or empty marker), Zeek's version strings and unknown
 * code points, the chains Zeek creates with the first certificate, the
 * server name against the certificate's names (RFC 6125 wildcards), the uid
 * (stable per connection, Zeek's form), the header, and a line that does
 * not fit (0, never a partial line).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/zeek.h"

static char line[ZEEK_LINE_MAX + 1];

/* The formatters write no NUL; these add one so a line reads as a string. */
static size_t ssl_line(const struct conn_meta *m, const struct tls_report *r, enum zeek_form form, size_t cap)
{
    size_t n = zeek_ssl_format(m, r, form, line, cap);
    line[n] = '\0';
    return n;
}

static size_t x509_line(const struct x509_report *x, uint64_t ts, bool client, enum zeek_form form)
{
    size_t n = zeek_x509_format(x, ts, client, form, line, ZEEK_LINE_MAX);
    line[n] = '\0';
    return n;
}

/* 192.168.1.102:63767 -> 10.0.0.241:993 at 2018-02-22T13:50:37.681000Z. */
static void example_meta(struct conn_meta *m)
{
    memset(m, 0, sizeof *m);
    m->ip_version = 4;
    static const uint8_t c[4] = { 192, 168, 1, 102 }, s[4] = { 10, 0, 0, 241 };
    memcpy(m->client_ip, c, 4);
    memcpy(m->server_ip, s, 4);
    m->client_port = 63767;
    m->server_port = 993;
    m->first_ts_us = 1519307437681000u;
}

static struct tls_report *new_report(void)
{
    struct tls_report *r = calloc(1, sizeof *r);
    assert_non_null(r);
    return r;
}

/* The line's columns from `from` on (after ts and uid, which the uid test
 * checks), so an expected line can be written out whole. */
static const char *after_uid(const char *l)
{
    const char *p = strchr(l, '\t');
    assert_non_null(p);
    p = strchr(p + 1, '\t');
    assert_non_null(p);
    return p + 1;
}

static void set_sni(struct tls_report *r, const char *name)
{
    r->client.sni_len = (uint16_t)strlen(name);
    memcpy(r->client.sni, name, r->client.sni_len);
}

static void add_san(struct x509_report *x, const char *name)
{
    size_t n = strlen(name);
    x->san[x->san_len] = (uint8_t)n;
    memcpy(x->san + x->san_len + 1, name, n);
    x->san_len = (uint16_t)(x->san_len + 1 + n);
    x->san_count++;
}

static void test_ssl_client_hello_only(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->client.seen = true;
    size_t n = ssl_line(&m, r, ZEEK_TSV, ZEEK_LINE_MAX);
    assert_true(n > 0);
    assert_memory_equal(line, "1519307437.681000\tC", 19);
    /* No ServerHello: version, cipher, curve unset; no certificates: no chains. */
    assert_string_equal(after_uid(line), "192.168.1.102\t63767\t10.0.0.241\t993\t-\t-\t-\t-\tF\t-\t-\tF\t-\t-\t-\t-\t-\t-\t-\n");
    n = ssl_line(&m, r, ZEEK_JSON, ZEEK_LINE_MAX);
    assert_int_equal(n, strlen(line));
    char want[256];
    char uid[ZEEK_UID_SIZE];
    zeek_uid(&m, uid);
    snprintf(want, sizeof want,
             "{\"ts\":1519307437.681000,\"uid\":\"%s\",\"id.orig_h\":\"192.168.1.102\",\"id.orig_p\":63767,"
             "\"id.resp_h\":\"10.0.0.241\",\"id.resp_p\":993,\"resumed\":false,\"established\":false}\n",
             uid);
    assert_string_equal(line, want);
    free(r);
}

static void test_ssl_established_with_certificate(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->client.seen = true;
    r->server.seen = true;
    r->server.legacy_version = 0x0303;
    r->server.cipher = 0xc02f;                   /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    r->server.curve = 23;                        /* secp256r1 */
    r->server.alpn_len = 2;
    memcpy(r->server.alpn, "h2", 2);
    r->outcome = TLS_OUTCOME_ESTABLISHED;
    r->established = true;
    set_sni(r, "Mail.Example.COM");
    r->server_cert.parsed = true;
    for (int i = 0; i < 32; i++)
        r->server_cert.sha256[i] = (uint8_t)i;
    add_san(&r->server_cert, "www.example.com");
    add_san(&r->server_cert, "*.example.com");
    size_t n = ssl_line(&m, r, ZEEK_TSV, ZEEK_LINE_MAX);
    assert_true(n > 0);
    /* The chain is the leaf's SHA-256, the client's empty but present; the
     * server name matches the wildcard SAN, case ignored. */
    assert_string_equal(after_uid(line),
                        "192.168.1.102\t63767\t10.0.0.241\t993\tTLSv12\tTLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\t"
                        "secp256r1\tMail.Example.COM\tF\t-\th2\tT\t-\t"
                        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\t(empty)\tT\t-\t-\t-\n");
    /* A wildcard stands for one label only (RFC 6125 6.4.3). */
    set_sni(r, "a.mail.example.com");
    n = ssl_line(&m, r, ZEEK_JSON, ZEEK_LINE_MAX);
    assert_non_null(strstr(line, "\"cert_chain_fps\":[\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"],"
                                 "\"client_cert_chain_fps\":[],\"sni_matches_cert\":false}"));
    /* The commonName counts too. */
    memcpy(r->server_cert.subject_cn, "a.mail.example.com", 18);
    r->server_cert.subject_cn_len = 18;
    n = ssl_line(&m, r, ZEEK_JSON, ZEEK_LINE_MAX);
    assert_non_null(strstr(line, "\"sni_matches_cert\":true}"));
    free(r);
}

static void test_ssl_versions_and_unknown_codes(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->server.seen = true;
    r->server.cipher = 0xff00;                   /* unassigned */
    r->server.key_share_group = 0x1234;          /* unassigned */
    r->alert.seen = true;
    r->alert.level = 2;
    r->alert.description = 70;
    static const struct { uint16_t wire; const char *zeek; } v[] = {
        { 0x0300, "SSLv3" }, { 0x0301, "TLSv10" }, { 0x0302, "TLSv11" }, { 0x0303, "TLSv12" },
        { 0x0002, "SSLv2" }, { 0x7f1c, "TLSv13-draft28" }, { 0x0a0a, "unknown-2570" },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        r->server.legacy_version = v[i].wire;
        assert_true(ssl_line(&m, r, ZEEK_TSV, ZEEK_LINE_MAX) > 0);
        char want[128];
        snprintf(want, sizeof want, "\t%s\tunknown-65280\tunknown-4660\t-\tF\tprotocol_version\t", v[i].zeek);
        assert_non_null(strstr(line, want));
    }
    r->server.legacy_version = 0x0303;
    r->server.selected_version = 0x0304;         /* supported_versions decides */
    assert_true(ssl_line(&m, r, ZEEK_TSV, ZEEK_LINE_MAX) > 0);
    assert_non_null(strstr(line, "\tTLSv13\t"));
    free(r);
}

static void test_tsv_escapes(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    set_sni(r, "a\tb\\c\x01\xc3\xa9,d");
    size_t n = ssl_line(&m, r, ZEEK_TSV, ZEEK_LINE_MAX);
    assert_true(n > 0);
    /* A tab would split the column; the comma is no separator outside a vector. */
    assert_non_null(strstr(line, "\ta\\x09b\\x5cc\\x01\\xc3\\xa9,d\t"));
    set_sni(r, "-");
    ssl_line(&m, r, ZEEK_TSV, ZEEK_LINE_MAX);
    assert_non_null(strstr(line, "\t\\x2d\tF\t"));
    set_sni(r, "(empty)");
    ssl_line(&m, r, ZEEK_TSV, ZEEK_LINE_MAX);
    assert_non_null(strstr(line, "\t\\x28empty)\tF\t"));
    /* JSON escapes as JSON does and repairs invalid UTF-8. */
    set_sni(r, "a\"b\xff");
    ssl_line(&m, r, ZEEK_JSON, ZEEK_LINE_MAX);
    assert_non_null(strstr(line, "\"server_name\":\"a\\\"b\xef\xbf\xbd\""));
    free(r);
}

static void test_x509_line(void **state)
{
    (void)state;
    struct x509_report *x = calloc(1, sizeof *x);
    assert_non_null(x);
    assert_int_equal(x509_line(x, 0, false, ZEEK_TSV), 0); /* not parsed: no line */
    x->parsed = true;
    x->serial_len = 2;
    x->serial[0] = 0x01;
    x->serial[1] = 0xab;
    x->not_before = 1509544136;
    x->not_after = 1516800660;
    x->key_type = X509_KEY_ECDSA;
    x->key_nid = 408;                            /* NID_X9_62_id_ecPublicKey */
    x->key_curve_nid = 415;                      /* NID_X9_62_prime256v1 */
    x->key_bits = 256;
    x->signature_nid = 794;                      /* NID_ecdsa_with_SHA256 */
    add_san(x, "a,b.example");                   /* a comma inside a vector item */
    add_san(x, "c.example");
    size_t n = x509_line(x, 1519307437681000u, true, ZEEK_TSV);
    assert_true(n > 0);
    assert_string_equal(line, "1519307437.681000\t"
                              "0000000000000000000000000000000000000000000000000000000000000000\t-\t01AB\t(empty)\t"
                              "(empty)\t1509544136.000000\t1516800660.000000\tid-ecPublicKey\tecdsa-with-SHA256\t"
                              "ecdsa\t256\t-\tprime256v1\ta\\x2cb.example,c.example\t-\t-\t-\t-\t-\tT\tT\n");
    n = x509_line(x, 1519307437681000u, false, ZEEK_JSON);
    assert_non_null(strstr(line, "\"certificate.key_length\":256,\"certificate.curve\":\"prime256v1\","
                                 "\"san.dns\":[\"a,b.example\",\"c.example\"],\"host_cert\":true,"
                                 "\"client_cert\":false}\n"));
    free(x);
}

static void test_uid_stable_and_distinct(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    char a[ZEEK_UID_SIZE], b[ZEEK_UID_SIZE];
    zeek_uid(&m, a);
    zeek_uid(&m, b);
    assert_string_equal(a, b);
    assert_int_equal(a[0], 'C');
    assert_true(strlen(a) >= 3 && strlen(a) <= 19);
    for (const char *p = a + 1; *p; p++)
        assert_true((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'));
    m.client_port++;
    zeek_uid(&m, b);
    assert_string_not_equal(a, b);
}

static void test_header_and_close(void **state)
{
    (void)state;
    size_t n = zeek_header_format(&zeek_x509_log, 1519307437681000u, line, sizeof line);
    assert_true(n > 0);
    line[n] = '\0';
    assert_non_null(strstr(line, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
                                 "#path\tx509\n#open\t2018-02-22-13-50-37\n#fields\tts\tfingerprint\t"));
    assert_non_null(strstr(line, "\n#types\ttime\tstring\tcount\t"));
    assert_int_equal(zeek_ssl_log.n_fields, 21);
    assert_int_equal(zeek_x509_log.n_fields, 22);
}

static void test_line_too_long(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    size_t full = ssl_line(&m, r, ZEEK_TSV, ZEEK_LINE_MAX);
    assert_true(full > 0);
    for (size_t cap = 0; cap < full; cap++)
        assert_int_equal(ssl_line(&m, r, ZEEK_TSV, cap), 0);
    assert_int_equal(ssl_line(&m, r, ZEEK_TSV, full), full);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ssl_client_hello_only),
        cmocka_unit_test(test_ssl_established_with_certificate),
        cmocka_unit_test(test_ssl_versions_and_unknown_codes),
        cmocka_unit_test(test_tsv_escapes),
        cmocka_unit_test(test_x509_line),
        cmocka_unit_test(test_uid_stable_and_distinct),
        cmocka_unit_test(test_header_and_close),
        cmocka_unit_test(test_line_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
