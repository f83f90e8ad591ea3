/* test_conn_json.c - output/conn_json.c: the per-connection JSON line
 * (../shared/SCHEMA.md) from a hand-filled struct conn_meta and struct
 * tls_report.
 *
 * Covers: exact whole lines for small reports, hostile wire strings (SNI,
 * ALPN) escaped into valid JSON, GREASE (RFC 8701) dropped from every list,
 * unknown code points as "0x" + 4 lowercase hex digits, the Community ID v1
 * (github.com/corelight/community-id-spec, its TCP test vector), the derived
 * offered_versions, and a line that does not fit (0, never a partial line).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/memo.h"
#include "dissect/tls_facts.h"
#include "output/conn_json.h"

#define FFFD "\xef\xbf\xbd"

static char line[CONN_JSON_LINE_MAX];

/* 192.168.1.102:63767 -> 10.0.0.241:993, as in SCHEMA.md's example. */
static void example_meta(struct conn_meta *m)
{
    memset(m, 0, sizeof *m);
    m->ip_version = 4;
    static const uint8_t c[4] = { 192, 168, 1, 102 }, s[4] = { 10, 0, 0, 241 };
    memcpy(m->client_ip, c, 4);
    memcpy(m->server_ip, s, 4);
    m->client_port = 63767;
    m->server_port = 993;
    m->first_ts_us = 1519307437681000u;        /* 2018-02-22T13:50:37.681000Z */
    m->last_ts_us = 1519307437681000u + 21311; /* .702311 */
    m->bytes[DIR_C2S] = 1210;
    m->packets[DIR_C2S] = 7;
    m->bytes[DIR_S2C] = 4391;
    m->packets[DIR_S2C] = 6;
    m->reason = CONN_REASON_HANDSHAKE_DONE;
}

static struct tls_report *new_report(void)
{
    struct tls_report *r = calloc(1, sizeof *r);
    assert_non_null(r);
    return r;
}

/* A small structural check, independent of the writer: no raw control
 * characters, valid UTF-8 (RFC 3629: no overlongs, surrogates or values
 * above U+10FFFF), quotes and brackets balanced outside strings, and the
 * line ends in exactly one '\n'. */
static void assert_valid_line(const char *buf, size_t n)
{
    assert_true(n >= 3);
    assert_int_equal(buf[n - 1], '\n');
    assert_int_equal(buf[0], '{');
    assert_int_equal(buf[n - 2], '}');
    int depth = 0;
    bool in_str = false;
    const uint8_t *p = (const uint8_t *)buf;
    for (size_t i = 0; i + 1 < n; i++) {
        uint8_t c = p[i];
        assert_true(c >= 0x20 && c != 0x7f);
        if (c >= 0x80) {
            size_t k;
            uint32_t cp;
            if (c >= 0xc2 && c <= 0xdf) {
                k = 1;
                cp = c & 0x1fu;
            } else if (c >= 0xe0 && c <= 0xef) {
                k = 2;
                cp = c & 0x0fu;
            } else {
                assert_true(c >= 0xf0 && c <= 0xf4);
                k = 3;
                cp = c & 0x07u;
            }
            assert_true(i + k + 1 < n);
            for (size_t j = 1; j <= k; j++) {
                assert_int_equal(p[i + j] & 0xc0, 0x80);
                cp = cp << 6 | (p[i + j] & 0x3fu);
            }
            assert_true(k != 2 || cp >= 0x800);
            assert_true(k != 3 || (cp >= 0x10000 && cp <= 0x10ffff));
            assert_false(cp >= 0xd800 && cp <= 0xdfff);
            assert_true(in_str);
            i += k;
            continue;
        }
        if (in_str) {
            if (c == '\\') {
                uint8_t e = p[i + 1];
                assert_non_null(strchr("\"\\/bfnrtu", e));
                if (e == 'u') {
                    for (size_t j = 2; j < 6; j++)
                        assert_non_null(strchr("0123456789abcdef", p[i + j]));
                    i += 5;
                } else {
                    i += 1;
                }
            } else if (c == '"') {
                in_str = false;
            }
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        assert_true(depth >= 0);
    }
    assert_false(in_str);
    assert_int_equal(depth, 0);
}

/* Every line a test formats is also formatted through a writer's memo (two
 * slots, so lists of different tests keep replacing each other): once when
 * its lists are new, once when they are remembered. Both are the plain line,
 * byte for byte. */
static char memo_line[CONN_JSON_LINE_MAX];

static size_t format(const struct conn_meta *m, const struct tls_report *r)
{
    memset(line, 0x55, sizeof line);
    size_t n = conn_json_format(m, r, NULL, line, sizeof line);
    assert_true(n > 0);
    assert_valid_line(line, n);
    static struct memo *memo;
    if (!memo)
        memo = memo_new(2, CONN_JSON_MEMO_SLOT_BYTES);
    assert_non_null(memo);
    for (int pass = 0; pass < 2; pass++) {
        size_t nm = conn_json_format(m, r, memo, memo_line, sizeof memo_line);
        assert_int_equal(nm, n);
        assert_memory_equal(memo_line, line, n);
    }
    return n;
}

static void assert_line_equal(size_t n, const char *want)
{
    size_t wn = strlen(want);
    if (n != wn + 1 || memcmp(line, want, wn) != 0)
        print_error("got:  %.*s\nwant: %s\n", (int)n, line, want);
    assert_int_equal(n, wn + 1);
    assert_memory_equal(line, want, wn);
    assert_int_equal(line[wn], '\n');
}

/* The line contains `needle` (a substring of the whole line). */
static void assert_has(size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(line + i, needle, k) == 0)
            return;
    print_error("missing %s in: %.*s\n", needle, (int)n, line);
    fail();
}

static void assert_lacks(size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(line + i, needle, k) == 0) {
            print_error("unexpected %s in: %.*s\n", needle, (int)n, line);
            fail();
        }
}

/* No handshake seen at all: the connection part only. */
static void test_whole_line_minimal(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    size_t n = format(&m, r);
    assert_line_equal(n, "{\"@timestamp\":\"2018-02-22T13:50:37.681000Z\","
                         "\"event\":{\"end\":\"2018-02-22T13:50:37.702311Z\",\"duration\":21311000,"
                         "\"reason\":\"handshake_done\"},"
                         "\"source\":{\"ip\":\"192.168.1.102\",\"port\":63767,\"counted_bytes\":1210,"
                         "\"counted_packets\":7},"
                         "\"destination\":{\"ip\":\"10.0.0.241\",\"port\":993,\"counted_bytes\":4391,"
                         "\"counted_packets\":6},"
                         "\"client\":{\"ip\":\"192.168.1.102\",\"port\":63767},"
                         "\"network\":{\"transport\":\"tcp\",\"type\":\"ipv4\",\"protocol\":\"imap\","
                         "\"community_id\":\"1:A+j40d6CywZs7pDuFK2vC4EXNrQ=\"},"
                         "\"tls\":{\"established\":false,\"outcome\":\"incomplete\"}}");
    free(r);
}

/* A TLS 1.2 handshake with a GREASE cipher in the offer. */
static void test_whole_line_tls12(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    m.reason = CONN_REASON_FIN;
    m.ended = true;
    struct tls_report *r = new_report();
    r->established = true;
    r->outcome = TLS_OUTCOME_ESTABLISHED;
    r->client.seen = true;
    r->client.parsed = true;
    r->client.record_version = 0x0301;
    r->client.legacy_version = 0x0303;
    r->client.ciphers.n = 3;
    r->client.ciphers.v[0] = 0x0a0a; /* GREASE */
    r->client.ciphers.v[1] = 0xc02f;
    r->client.ciphers.v[2] = 0x002f;
    r->server.seen = true;
    r->server.parsed = true;
    r->server.legacy_version = 0x0303;
    r->server.cipher = 0xc02f;
    r->server.curve = 0x001d;
    size_t n = format(&m, r);
    assert_line_equal(n, "{\"@timestamp\":\"2018-02-22T13:50:37.681000Z\","
                         "\"event\":{\"end\":\"2018-02-22T13:50:37.702311Z\",\"duration\":21311000,"
                         "\"reason\":\"fin\"},"
                         "\"source\":{\"ip\":\"192.168.1.102\",\"port\":63767,\"bytes\":1210,\"packets\":7,"
                         "\"counted_bytes\":1210,\"counted_packets\":7},"
                         "\"destination\":{\"ip\":\"10.0.0.241\",\"port\":993,\"bytes\":4391,\"packets\":6,"
                         "\"counted_bytes\":4391,\"counted_packets\":6},"
                         "\"client\":{\"ip\":\"192.168.1.102\",\"port\":63767},"
                         "\"network\":{\"transport\":\"tcp\",\"type\":\"ipv4\",\"protocol\":\"imap\","
                         "\"bytes\":5601,\"packets\":13,"
                         "\"community_id\":\"1:A+j40d6CywZs7pDuFK2vC4EXNrQ=\"},"
                         "\"tls\":{\"established\":true,\"outcome\":\"established\",\"legacy\":false,"
                         "\"version\":\"1.2\",\"version_protocol\":\"tls\",\"negotiated_version\":\"TLSv1.2\","
                         "\"cipher\":\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\",\"curve\":\"x25519\","
                         "\"resumed\":false,"
                         "\"client\":{\"record_version\":\"TLSv1.0\",\"legacy_version\":\"TLSv1.2\","
                         "\"offered_versions\":[\"TLSv1.2\",\"TLSv1.1\",\"TLSv1.0\"],\"max_version\":\"TLSv1.2\","
                         "\"supported_ciphers\":[\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\","
                         "\"TLS_RSA_WITH_AES_128_CBC_SHA\"]},"
                         "\"server\":{\"version\":\"TLSv1.2\",\"key_exchange\":\"ECDHE\"}}}");
    free(r);
}

/* Every reason and outcome has its SCHEMA.md name. */
static void test_reason_and_outcome_names(void **state)
{
    (void)state;
    static const struct { enum conn_reason r; const char *want; } reasons[] = {
        { CONN_REASON_HANDSHAKE_DONE, "\"reason\":\"handshake_done\"" },
        { CONN_REASON_ALERT, "\"reason\":\"alert\"" },
        { CONN_REASON_RESET, "\"reason\":\"reset\"" },
        { CONN_REASON_FIN, "\"reason\":\"fin\"" },
        { CONN_REASON_IDLE_TIMEOUT, "\"reason\":\"idle_timeout\"" },
        { CONN_REASON_EVICTED, "\"reason\":\"evicted\"" },
        { CONN_REASON_END_OF_INPUT, "\"reason\":\"end_of_input\"" },
    };
    static const struct { enum tls_outcome o; const char *want; } outcomes[] = {
        { TLS_OUTCOME_INCOMPLETE, "\"outcome\":\"incomplete\"" },
        { TLS_OUTCOME_ESTABLISHED, "\"outcome\":\"established\"" },
        { TLS_OUTCOME_ALERT, "\"outcome\":\"alert\"" },
        { TLS_OUTCOME_RESET, "\"outcome\":\"reset\"" },
        { TLS_OUTCOME_CLOSED_DURING_HANDSHAKE, "\"outcome\":\"closed_during_handshake\"" },
    };
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        m.reason = reasons[i].r;
        assert_has(format(&m, r), reasons[i].want);
    }
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        r->outcome = outcomes[i].o;
        assert_has(format(&m, r), outcomes[i].want);
    }
    free(r);
}

/* SNI and ALPN bytes are attacker-controlled: quotes, backslashes, control
 * characters, NUL and invalid UTF-8 all come out as valid JSON. */
static void test_hostile_strings(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->client.seen = true;
    static const uint8_t sni[] = {
        'a', '"', 'b', '\\', 'c',   /* quote, backslash */
        0x01, 0x00, '\n', 0x1f, 0x7f, /* control characters, NUL, DEL */
        0xff,                       /* never valid in UTF-8 */
        0xc3, 0xa9,                 /* U+00E9, valid */
        0xc0, 0xaf,                 /* overlong '/' */
        0xed, 0xa0, 0x80,           /* a surrogate, U+D800 */
        0xe2, 0x82,                 /* truncated 3-byte sequence */
        '}', ']', ',',              /* JSON punctuation inside the string */
    };
    memcpy(r->client.sni, sni, sizeof sni);
    r->client.sni_len = sizeof sni;
    /* ALPN: "h2", then a name with a quote, NUL and 0xff, then one ending
     * in a lone lead byte. */
    static const uint8_t alpn[] = {
        2, 'h', '2',
        4, 'x', '"', 0x00, 0xff,
        3, 'a', '\\', 0xe0,
    };
    memcpy(r->client.alpn, alpn, sizeof alpn);
    r->client.alpn_count = 3;
    r->client.alpn_len = sizeof alpn;
    /* The server's selected ALPN echoed a control character. */
    static const uint8_t sel[] = { 'h', '\t', '2' };
    memcpy(r->server.alpn, sel, sizeof sel);
    r->server.alpn_len = sizeof sel;
    size_t n = format(&m, r);
    assert_has(n, "\"server_name\":\"a\\\"b\\\\c\\u0001\\u0000\\n\\u001f\\u007f" FFFD "\xc3\xa9" FFFD FFFD FFFD FFFD
                  FFFD FFFD "}],\"");
    assert_has(n, "\"alpn\":[\"h2\",\"x\\\"\\u0000" FFFD "\",\"a\\\\" FFFD "\"]");
    assert_has(n, "\"next_protocol\":\"h\\t2\"");
    free(r);
}

/* A 253-byte name of every byte value 0x00..0xfc: still one valid line. */
static void test_every_byte_in_sni(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->client.seen = true;
    for (int off = 0; off < 256; off += 3) {
        for (size_t i = 0; i < 253; i++)
            r->client.sni[i] = (uint8_t)(i + (size_t)off);
        r->client.sni_len = 253;
        size_t n = format(&m, r);
        assert_has(n, "\"server_name\":\"");
    }
    free(r);
}

/* GREASE is dropped from every list; values that only look like GREASE are not. */
static void test_grease_dropped(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    struct tls_client_report *c = &r->client;
    c->seen = true;
    c->legacy_version = 0x0303;
    c->has_supported_versions = true;
    c->supported_versions.n = 3;
    c->supported_versions.v[0] = 0x7a7a;
    c->supported_versions.v[1] = 0x0304;
    c->supported_versions.v[2] = 0x0303;
    c->ciphers.n = 4;
    c->ciphers.v[0] = 0x1a1a;
    c->ciphers.v[1] = 0x1301;
    c->ciphers.v[2] = 0x0a0b; /* not GREASE: the bytes differ */
    c->ciphers.v[3] = 0xfafa;
    c->supported_groups.n = 3;
    c->supported_groups.v[0] = 0x2a2a;
    c->supported_groups.v[1] = 0x001d;
    c->supported_groups.v[2] = 0x0017;
    c->signature_schemes.n = 2;
    c->signature_schemes.v[0] = 0x0403;
    c->signature_schemes.v[1] = 0x5a5a;
    c->key_share_groups.n = 2;
    c->key_share_groups.v[0] = 0x4a4a;
    c->key_share_groups.v[1] = 0x001d;
    c->extensions.n = 4;
    c->extensions.v[0] = 0x3a3a;
    c->extensions.v[1] = 0;
    c->extensions.v[2] = 43;
    c->extensions.v[3] = 0x6a6a;
    static const uint8_t alpn[] = { 2, 0x0a, 0x0a, 2, 'h', '2', 2, 0x1a, 0x2a /* not GREASE */ };
    memcpy(c->alpn, alpn, sizeof alpn);
    c->alpn_count = 3;
    c->alpn_len = sizeof alpn;
    r->server.seen = true;
    r->server.legacy_version = 0x0303;
    r->server.selected_version = 0x0304;
    r->server.cipher = 0x1301;
    r->server.extensions.n = 3;
    r->server.extensions.v[0] = 43;
    r->server.extensions.v[1] = 0x8a8a;
    r->server.extensions.v[2] = 51;
    size_t n = format(&m, r);
    assert_has(n, "\"supported_versions\":[\"TLSv1.3\",\"TLSv1.2\"]");
    assert_has(n, "\"offered_versions\":[\"TLSv1.3\",\"TLSv1.2\"],\"max_version\":\"TLSv1.3\"");
    assert_has(n, "\"supported_ciphers\":[\"TLS_AES_128_GCM_SHA256\",\"0x0a0b\"]");
    assert_has(n, "\"supported_groups\":[\"x25519\",\"secp256r1\"]");
    assert_has(n, "\"signature_algorithms\":[\"ecdsa_secp256r1_sha256\"]");
    assert_has(n, "\"key_share_groups\":[\"x25519\"]");
    assert_has(n, "\"alpn\":[\"h2\",\"\\u001a*\"]");
    assert_has(n, "\"extensions\":[0,43]");
    assert_has(n, "\"server\":{\"version\":\"TLSv1.3\",\"extensions\":[43,51]}");
    assert_has(n, "\"negotiated_version\":\"TLSv1.3\"");
    assert_lacks(n, "GREASE");
    assert_lacks(n, "0x7a7a");
    assert_lacks(n, "0x1a1a");
    assert_lacks(n, "\"0x2a2a\"");

    /* A list of nothing but GREASE is left out entirely. */
    c->supported_groups.n = 1;
    c->supported_groups.v[0] = 0x2a2a;
    c->extensions.n = 1;
    c->extensions.v[0] = 0x3a3a;
    c->ciphers.n = 1;
    c->ciphers.v[0] = 0x1a1a;
    c->alpn_count = 1;
    c->alpn_len = 3;
    n = format(&m, r);
    assert_lacks(n, "supported_groups");
    assert_lacks(n, "supported_ciphers");
    assert_lacks(n, "\"alpn\"");
    assert_has(n, "\"key_share_groups\":[\"x25519\"]}");
    free(r);
}

/* Code points without an IANA name: "0x" + 4 lowercase hex digits. */
static void test_unknown_codes_hex(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->client.seen = true;
    r->client.ciphers.n = 2;
    r->client.ciphers.v[0] = 0xbeef;
    r->client.ciphers.v[1] = 0x00fe;
    r->client.supported_groups.n = 1;
    r->client.supported_groups.v[0] = 0xfe0f;
    r->client.signature_schemes.n = 1;
    r->client.signature_schemes.v[0] = 0xabcd;
    r->server.seen = true;
    r->server.legacy_version = 0x0303;
    r->server.cipher = 0xbeef;
    r->server.curve = 0xdead;
    r->server.kx_sigalg = 0xface;
    size_t n = format(&m, r);
    assert_has(n, "\"cipher\":\"0xbeef\"");
    assert_has(n, "\"curve\":\"0xdead\"");
    assert_has(n, "\"supported_ciphers\":[\"0xbeef\",\"0x00fe\"]");
    assert_has(n, "\"supported_groups\":[\"0xfe0f\"]");
    assert_has(n, "\"signature_algorithms\":[\"0xabcd\"]");
    assert_has(n, "\"kx_signature_algorithm\":\"0xface\"");
    /* An unknown version is a hex token too, and has no ECS form. */
    r->server.legacy_version = 0x0a0b;
    n = format(&m, r);
    assert_has(n, "\"negotiated_version\":\"0x0a0b\"");
    assert_lacks(n, "\"version_protocol\"");
    free(r);
}

/* Community ID spec test vector (TCP, seed 0), in both orders. */
static void test_community_id(void **state)
{
    (void)state;
    struct conn_meta m;
    memset(&m, 0, sizeof m);
    m.ip_version = 4;
    static const uint8_t a[4] = { 128, 232, 110, 120 }, b[4] = { 66, 35, 250, 204 };
    memcpy(m.client_ip, a, 4);
    memcpy(m.server_ip, b, 4);
    m.client_port = 34855;
    m.server_port = 80;
    char out[32];
    memset(out, 'X', sizeof out);
    conn_community_id(&m, out);
    assert_string_equal(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    /* The same connection seen from the other side hashes the same. */
    memcpy(m.client_ip, b, 4);
    memcpy(m.server_ip, a, 4);
    m.client_port = 80;
    m.server_port = 34855;
    conn_community_id(&m, out);
    assert_string_equal(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    /* Bytes beyond the IPv4 address do not count. */
    m.client_ip[10] = 0xff;
    conn_community_id(&m, out);
    assert_string_equal(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");

    /* Equal addresses: the ports decide the order. (Expected values from an
     * independent implementation of the spec.) */
    memset(&m, 0, sizeof m);
    m.ip_version = 4;
    static const uint8_t lo[4] = { 10, 0, 0, 1 };
    memcpy(m.client_ip, lo, 4);
    memcpy(m.server_ip, lo, 4);
    m.client_port = 50000;
    m.server_port = 443;
    conn_community_id(&m, out);
    assert_string_equal(out, "1:9KYDSfoDz+zbeBZCvQqscCyE6pE=");
    m.client_port = 443;
    m.server_port = 50000;
    conn_community_id(&m, out);
    assert_string_equal(out, "1:9KYDSfoDz+zbeBZCvQqscCyE6pE=");

    /* IPv6: 2001:db8::1 port 50000 <-> 2001:db8::2 port 443. */
    memset(&m, 0, sizeof m);
    m.ip_version = 6;
    static const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    static const uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
    memcpy(m.client_ip, v6b, 16);
    memcpy(m.server_ip, v6a, 16);
    m.client_port = 443;
    m.server_port = 50000;
    conn_community_id(&m, out);
    assert_string_equal(out, "1:YXqXufkGr4i6TbJJYF83fvyDLZ8=");

    /* And in the line. */
    size_t n = format(&m, &(struct tls_report){ 0 });
    assert_has(n, "\"community_id\":\"1:YXqXufkGr4i6TbJJYF83fvyDLZ8=\"");
    assert_has(n, "\"type\":\"ipv6\"");
    assert_has(n, "\"source\":{\"ip\":\"2001:db8::2\",\"port\":443,");
    assert_has(n, "\"destination\":{\"ip\":\"2001:db8::1\",\"port\":50000,");
}

static void expect_offered(const struct tls_client_report *c, size_t cap, const uint16_t *want, size_t nwant)
{
    uint16_t out[TLS_MAX_VERSIONS + 1];
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        out[i] = 0xeeee;
    size_t n = tls_offered_versions(c, out, cap);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < nwant; i++)
        assert_int_equal(out[i], want[i]);
    /* Nothing written past what was returned within cap, nor past cap. */
    for (size_t i = n; i < sizeof out / sizeof out[0]; i++)
        assert_int_equal(out[i], 0xeeee);
}

static void test_offered_versions(void **state)
{
    (void)state;
    struct tls_client_report *c = calloc(1, sizeof *c);
    assert_non_null(c);

    /* supported_versions: GREASE dropped, highest first. */
    c->legacy_version = 0x0303;
    c->has_supported_versions = true;
    c->supported_versions.n = 4;
    c->supported_versions.v[0] = 0x0a0a;
    c->supported_versions.v[1] = 0x0304;
    c->supported_versions.v[2] = 0x0303;
    c->supported_versions.v[3] = 0x0302;
    expect_offered(c, TLS_MAX_VERSIONS, (const uint16_t[]){ 0x0304, 0x0303, 0x0302 }, 3);

    /* Out of order, a duplicate and a TLS 1.3 draft: sorted, deduplicated,
     * the draft just below TLS 1.3. */
    c->supported_versions.n = 5;
    c->supported_versions.v[0] = 0x0302;
    c->supported_versions.v[1] = 0x7f1c;
    c->supported_versions.v[2] = 0x0303;
    c->supported_versions.v[3] = 0x0304;
    c->supported_versions.v[4] = 0x0303;
    expect_offered(c, TLS_MAX_VERSIONS, (const uint16_t[]){ 0x0304, 0x7f1c, 0x0303, 0x0302 }, 4);

    /* The extension present but empty: legacy_version decides. */
    c->supported_versions.n = 0;
    expect_offered(c, TLS_MAX_VERSIONS, (const uint16_t[]){ 0x0303, 0x0302, 0x0301 }, 3);

    /* Legacy only: the version and every TLS version below, to TLS 1.0. */
    c->has_supported_versions = false;
    c->supported_versions.n = 4;         /* ignored without the flag */
    expect_offered(c, TLS_MAX_VERSIONS, (const uint16_t[]){ 0x0303, 0x0302, 0x0301 }, 3);
    expect_offered(c, 2, (const uint16_t[]){ 0x0303, 0x0302 }, 2);
    expect_offered(c, 0, NULL, 0);
    c->legacy_version = 0x0301;
    expect_offered(c, TLS_MAX_VERSIONS, (const uint16_t[]){ 0x0301 }, 1);
    c->legacy_version = 0x0304;
    expect_offered(c, TLS_MAX_VERSIONS, (const uint16_t[]){ 0x0304, 0x0303, 0x0302, 0x0301 }, 4);
    /* SSLv3 and SSLv2 stand alone. */
    c->legacy_version = 0x0300;
    expect_offered(c, TLS_MAX_VERSIONS, (const uint16_t[]){ 0x0300 }, 1);
    expect_offered(c, 0, NULL, 0);
    c->legacy_version = 0x0002;
    expect_offered(c, TLS_MAX_VERSIONS, (const uint16_t[]){ 0x0002 }, 1);
    /* Unknown: reported as is; none at all: nothing. */
    c->legacy_version = 0x1234;
    expect_offered(c, TLS_MAX_VERSIONS, (const uint16_t[]){ 0x1234 }, 1);
    c->legacy_version = 0;
    expect_offered(c, TLS_MAX_VERSIONS, NULL, 0);

    /* More distinct versions than the output holds: stops at cap. */
    c->has_supported_versions = true;
    c->supported_versions.n = TLS_MAX_VERSIONS;
    for (uint16_t i = 0; i < TLS_MAX_VERSIONS; i++)
        c->supported_versions.v[i] = (uint16_t)(0x7f10 + i);
    uint16_t out[TLS_MAX_VERSIONS];
    assert_int_equal(tls_offered_versions(c, out, 3), 3);
    assert_int_equal(tls_offered_versions(c, out, TLS_MAX_VERSIONS), TLS_MAX_VERSIONS);
    free(c);
}

/* A legacy-only client gets the legacy-client finding; the SCHEMA example. */
static void test_legacy_client_line(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->client.seen = true;
    r->client.legacy_version = 0x0301;
    size_t n = format(&m, r);
    assert_has(n, "\"client\":{\"legacy_version\":\"TLSv1.0\",\"offered_versions\":[\"TLSv1.0\"],"
                  "\"max_version\":\"TLSv1.0\"}");
    assert_has(n, "\"findings\":[{\"id\":\"legacy-client\",\"severity\":\"high\",");
    free(r);
}

/* A certificate that expired before 1970 (a negative time, which x509.c
 * reads and flags as read) is expired: so is one that expired at the epoch
 * itself. A time not read says nothing. */
static void test_certificate_expired_before_1970(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->server_cert.parsed = true;
    r->server_cert.not_before_read = r->server_cert.not_after_read = true;
    r->server_cert.not_before = -31536000;  /* 1969-01-01 */
    r->server_cert.not_after = -14182940;   /* 1969-07-20T20:17:40Z */
    size_t n = format(&m, r);
    assert_has(n, "\"not_after\":\"1969-07-20T20:17:40.000000Z\"");
    assert_has(n, "{\"id\":\"certificate-expired\",\"severity\":\"high\",");
    r->server_cert.not_after = 0;
    r->server_cert.sha256[0] = 1; /* another certificate: the memo keys certificates by their hash */
    n = format(&m, r);
    assert_has(n, "{\"id\":\"certificate-expired\",\"severity\":\"high\",");
    r->server_cert.not_before_read = r->server_cert.not_after_read = false;
    r->server_cert.not_before = r->server_cert.not_after = 0;
    r->server_cert.sha256[0] = 2;
    n = format(&m, r);
    assert_lacks(n, "certificate-expired");
    assert_lacks(n, "not-yet-valid");
    free(r);
}

/* An SSL 2.0 session: the version, the chosen cipher kind by its SSLv2
 * name, the server's kinds (one unnamed: 0x and 6 hex digits), no JA3S;
 * the critical finding and the weak cipher. Then an ERROR as tls.alert. */
static void test_sslv2_session_line(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    m.server_port = 443;
    struct tls_report *r = new_report();
    r->outcome = TLS_OUTCOME_ESTABLISHED;
    r->established = true;
    r->client.seen = r->client.parsed = r->client.sslv2_hello = true;
    r->client.record_version = r->client.legacy_version = 0x0002;
    r->client.ciphers.v[0] = 0x010080;
    r->client.ciphers.n = 1;
    r->server.seen = r->server.parsed = true;
    r->server.record_version = r->server.legacy_version = 0x0002;
    r->sslv2.server_hello = true;
    r->sslv2.cipher_count = 2;
    r->sslv2.ciphers[0] = 0x010080;
    r->sslv2.ciphers[1] = 0x0a0b0c;
    r->sslv2.connection_id_len = 16;
    r->sslv2.master_key = true;
    r->sslv2.cipher_kind = 0x010080;
    size_t n = format(&m, r);
    assert_has(n, "\"tls\":{\"established\":true,\"outcome\":\"established\",\"legacy\":true,\"version\":\"2.0\","
                  "\"version_protocol\":\"ssl\",\"negotiated_version\":\"SSLv2\","
                  "\"cipher\":\"SSL2_RC4_128_WITH_MD5\",\"resumed\":false,");
    assert_has(n, "\"server\":{\"version\":\"SSLv2\",\"record_version\":\"SSLv2\",\"key_exchange\":\"RSA\","
                  "\"supported_ciphers\":[\"SSL2_RC4_128_WITH_MD5\",\"0x0a0b0c\"],\"connection_id_length\":16}");
    assert_has(n, "{\"id\":\"sslv2-negotiated\",\"severity\":\"critical\",\"message\":\"the server accepts SSL 2.0");
    assert_has(n, "{\"id\":\"weak-cipher\",\"severity\":\"high\",\"message\":\"negotiated cipher suite uses RC4:");
    assert_lacks(n, "ja3s");
    assert_lacks(n, "NULL encryption");

    /* No CLIENT-MASTER-KEY: no cipher, no weak-cipher finding. */
    r->sslv2.master_key = false;
    n = format(&m, r);
    assert_lacks(n, "\"cipher\":");
    assert_lacks(n, "weak-cipher");

    /* The client rejects the certificate with an ERROR. */
    r->outcome = TLS_OUTCOME_ALERT;
    r->established = false;
    r->sslv2.error_seen = true;
    r->sslv2.error_code = 4;
    r->sslv2.error_sender = DIR_C2S;
    n = format(&m, r);
    assert_has(n, "\"alert\":{\"level\":\"fatal\",\"description\":\"bad_certificate\",\"code\":4,"
                  "\"sender\":\"client\"}");
    assert_has(n, "{\"id\":\"certificate-rejected\",\"severity\":\"high\",\"message\":\"client rejected a "
                  "certificate (SSLv2 bad_certificate)");
    /* A code the specification lacks is written as its number. */
    r->sslv2.error_code = 9;
    n = format(&m, r);
    assert_has(n, "\"alert\":{\"level\":\"fatal\",\"description\":\"9\",\"code\":9,");
    free(r);
}

/* A TLS 1.2 server that signs its key exchange with SHA-1 and ignores the
 * client's secure-renegotiation signal; then the same server answering
 * renegotiation_info, and a TLS 1.3 one (where RFC 5746 does not apply). */
static void test_kx_signature_and_renegotiation(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->client.seen = r->client.parsed = true;
    r->client.legacy_version = 0x0303;
    r->client.ciphers.v[0] = 0xc02f;
    r->client.ciphers.v[1] = 0x00ff; /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
    r->client.ciphers.n = 2;
    r->server.seen = r->server.parsed = true;
    r->server.legacy_version = 0x0303;
    r->server.cipher = 0xc02f;
    r->server.ske_seen = true;
    r->server.kx_sigalg = 0x0201; /* rsa_pkcs1_sha1 */
    size_t n = format(&m, r);
    assert_has(n, "{\"id\":\"weak-kx-signature\",\"severity\":\"medium\",\"message\":\"the server signs its key "
                  "exchange with rsa_pkcs1_sha1,");
    assert_has(n, "{\"id\":\"no-secure-renegotiation\",\"severity\":\"medium\",");

    r->server.kx_sigalg = 0x0401;
    r->server.extensions.v[0] = 0xff01;
    r->server.extensions.n = 1;
    n = format(&m, r);
    assert_lacks(n, "weak-kx-signature");
    assert_lacks(n, "no-secure-renegotiation");

    r->server.extensions.n = 0;
    r->server.selected_version = 0x0304;
    r->server.cipher = 0x1301;
    n = format(&m, r);
    assert_lacks(n, "no-secure-renegotiation");
    free(r);
}

static void test_vlan_and_flags(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    m.vlan_count = 2;
    m.vlan[0] = 4095;
    m.vlan[1] = 7;
    struct tls_report *r = new_report();
    r->malformed = true;
    r->truncated = true;
    r->alert.seen = true;
    r->alert.level = 2;
    r->alert.description = 0xfe; /* unregistered */
    r->alert.sender = DIR_S2C;
    size_t n = format(&m, r);
    assert_has(n, "\"vlan\":{\"id\":\"4095\"},\"inner\":{\"vlan\":{\"id\":\"7\"}}}");
    assert_has(n, "\"alert\":{\"level\":\"fatal\",\"description\":\"254\",\"code\":254,\"sender\":\"server\"}");
    assert_has(n, "\"malformed\":true,\"truncated\":true}}");
    free(r);
}

/* A line one byte short of fitting is not written at all; every smaller
 * buffer likewise; the exact size works. */
static void test_line_does_not_fit(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->client.seen = true;
    r->client.legacy_version = 0x0303;
    r->client.sni_len = 11;
    memcpy(r->client.sni, "example.com", 11);
    size_t full = format(&m, r);
    char *copy = malloc(full);
    assert_non_null(copy);
    memcpy(copy, line, full);
    for (size_t cap = 0; cap < full; cap++) {
        char *buf = malloc(cap ? cap : 1);
        assert_non_null(buf);
        assert_int_equal(conn_json_format(&m, r, NULL, buf, cap), 0);
        free(buf);
    }
    char *buf = malloc(full);
    assert_non_null(buf);
    assert_int_equal(conn_json_format(&m, r, NULL, buf, full), full);
    assert_memory_equal(buf, copy, full);
    free(buf);
    free(copy);
    assert_int_equal(conn_json_format(&m, r, NULL, NULL, 0), 0);

    /* The largest report the caps allow still fits CONN_JSON_LINE_MAX. */
    struct tls_client_report *c = &r->client;
    c->ciphers.n = TLS_MAX_CIPHERS;
    for (uint16_t i = 0; i < TLS_MAX_CIPHERS; i++)
        c->ciphers.v[i] = 0xcca9; /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, a long name */
    c->sni_len = TLS_SNI_BYTES;
    memset(c->sni, 0x01, TLS_SNI_BYTES); /* 6 bytes each when escaped */
    c->supported_groups.n = TLS_MAX_GROUPS;
    c->signature_schemes.n = TLS_MAX_SIGALGS * 2;
    c->key_share_groups.n = TLS_MAX_KEY_SHARES;
    c->extensions.n = TLS_MAX_EXTENSIONS;
    c->ec_point_formats.n = TLS_MAX_POINT_FORMATS;
    c->has_supported_versions = true;
    c->supported_versions.n = TLS_MAX_VERSIONS;
    for (uint16_t i = 0; i < TLS_MAX_VERSIONS; i++)
        c->supported_versions.v[i] = (uint16_t)(0x7f00 + i);
    /* ALPN: TLS_MAX_ALPN names of control bytes filling TLS_ALPN_BYTES */
    c->alpn_count = 0;
    c->alpn_len = 0;
    const size_t each = TLS_ALPN_BYTES / TLS_MAX_ALPN - 1;
    for (int i = 0; i < TLS_MAX_ALPN; i++) {
        c->alpn[c->alpn_len++] = (uint8_t)each;
        memset(c->alpn + c->alpn_len, 0x01, each);
        c->alpn_len = (uint16_t)(c->alpn_len + each);
        c->alpn_count++;
    }
    assert_int_equal(c->alpn_len, TLS_ALPN_BYTES);
    r->server.seen = true;
    r->server.extensions.n = TLS_MAX_EXTENSIONS;
    r->server.alpn_len = TLS_ALPN_BYTES;
    memset(r->server.alpn, 0x02, TLS_ALPN_BYTES);
    size_t big = format(&m, r);
    assert_true(big < CONN_JSON_LINE_MAX);
    free(r);
}

/* QUIC Version Negotiation: the versions each side used or offered, as
 * SCHEMA.md writes QUIC versions; with no readable hello (the client's
 * version unknown), the client object holds its versions only. */
static void test_quic_versions(void **state)
{
    (void)state;
    struct conn_meta m;
    example_meta(&m);
    struct tls_report *r = new_report();
    r->client.quic_versions[0] = 0x1a2a3a4a;
    r->client.quic_versions_n = 1;
    r->server.quic_versions[0] = 1;
    r->server.quic_versions[1] = 0x6b3343cf;
    r->server.quic_versions[2] = 0xff00001d;
    r->server.quic_versions_n = 3;
    size_t n = format(&m, r);
    assert_has(n, "\"client\":{\"quic_versions\":[\"0x1a2a3a4a\"]},"
                  "\"server\":{\"quic_versions\":[\"1\",\"2\",\"draft-29\"]}");
    assert_lacks(n, "ja3");

    r->client.seen = true;
    r->client.legacy_version = 0x0303;
    r->client.quic_version = 0xff00001d;
    r->client.quic_versions[0] = 0xff00001d;
    r->client.quic_versions[1] = 1;
    r->client.quic_versions_n = 2;
    n = format(&m, r);
    assert_has(n, "\"client\":{\"quic_version\":\"draft-29\",\"quic_versions\":[\"draft-29\",\"1\"],");
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_line_minimal),
        cmocka_unit_test(test_whole_line_tls12),
        cmocka_unit_test(test_reason_and_outcome_names),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_every_byte_in_sni),
        cmocka_unit_test(test_grease_dropped),
        cmocka_unit_test(test_unknown_codes_hex),
        cmocka_unit_test(test_community_id),
        cmocka_unit_test(test_offered_versions),
        cmocka_unit_test(test_legacy_client_line),
        cmocka_unit_test(test_certificate_expired_before_1970),
        cmocka_unit_test(test_quic_versions),
        cmocka_unit_test(test_sslv2_session_line),
        cmocka_unit_test(test_kx_signature_and_renegotiation),
        cmocka_unit_test(test_vlan_and_flags),
        cmocka_unit_test(test_line_does_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
