/* test_accept.c - dissect/accept.c: which first bytes earn a flow a session.
 *
 * For each kind of opening (TLS record header of every content type and
 * version, SSLv2 CLIENT-HELLO and SERVER-HELLO, PROXY v1 and v2, STARTTLS
 * and wrapped-TLS dialogues from either side): the whole opening is YES,
 * every strict prefix is NEED_MORE, a trailing byte changes nothing, and a
 * lying length or a wrong byte at each position is NO. Common non-TLS
 * openings (HTTP, SSH, a server banner) are NO. Nothing is still undecided
 * at ACCEPT_PREFIX_MAX bytes, and a decided verdict never changes with more
 * bytes (the flow table's gate relies on both). Every input is an
 * exact-size heap copy, so AddressSanitizer sees any read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dissect/accept.h"
#include "flows/conn_meta.h"
#include "test_util.h"

static enum accept_verdict judge(int dir, const void *p, size_t n, uint16_t port)
{
    uint8_t *copy = test_exact_copy(p, n);
    enum accept_verdict v = accept_first_bytes(dir, span_make(copy, n), port);
    free(copy);
    return v;
}

/* The whole of `p` is YES, each strict prefix NEED_MORE, one more byte YES. */
static void assert_opening(int dir, const uint8_t *p, size_t n, uint16_t port)
{
    for (size_t k = 1; k < n; k++)
        assert_int_equal(judge(dir, p, k, port), ACCEPT_NEED_MORE);
    assert_int_equal(judge(dir, p, n, port), ACCEPT_YES);
    uint8_t *plus = test_exact_copy_plus(p, n, 0xff);
    assert_int_equal(accept_first_bytes(dir, span_make(plus, n + 1), port), ACCEPT_YES);
    free(plus);
}

static void test_tls_record_headers(void **state)
{
    (void)state;
    for (uint8_t type = 20; type <= 24; type++) {
        for (uint8_t minor = 0; minor <= 4; minor++) {
            /* content type, legacy_record_version 3.minor, length 0x0105 */
            const uint8_t h[5] = { type, 0x03, minor, 0x01, 0x05 };
            assert_opening(DIR_C2S, h, sizeof h, 443);
            assert_opening(DIR_S2C, h, sizeof h, 443);
        }
    }
    /* A real ClientHello start, with the handshake header after it. */
    static const uint8_t ch[] = {
        0x16, 0x03, 0x01, 0x02, 0x00, /* handshake record, TLS 1.0, 512 bytes */
        0x01, 0x00, 0x01, 0xfc,       /* ClientHello, 508 bytes */
        0x03, 0x03,                   /* client_version TLS 1.2 */
    };
    assert_int_equal(judge(DIR_C2S, ch, sizeof ch, 443), ACCEPT_YES);
}

struct verdict_case {
    int dir;
    const char *bytes;
    size_t n;
    enum accept_verdict want;
};

/* Client bytes no rule takes: NEED_MORE while shorter than
 * ACCEPT_PREFIX_MAX (they may be a prefix sent alone, its hello to come),
 * NO once filled up to it with bytes that begin no record. */
static void assert_client_no(const void *p, size_t n, uint16_t port)
{
    uint8_t full[ACCEPT_PREFIX_MAX];
    assert_true(n > 0 && n < sizeof full);
    assert_int_equal(judge(DIR_C2S, p, n, port), ACCEPT_NEED_MORE);
    memcpy(full, p, n);
    memset(full + n, 'x', sizeof full - n);
    assert_int_equal(judge(DIR_C2S, full, sizeof full, port), ACCEPT_NO);
}

/* A client case wanting NO is checked as assert_client_no does. */
static void check_cases(const struct verdict_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].dir == DIR_C2S && c[i].want == ACCEPT_NO)
            assert_client_no(c[i].bytes, c[i].n, 443);
        else if (judge(c[i].dir, c[i].bytes, c[i].n, 443) != c[i].want)
            fail_msg("case %zu: %zu bytes from dir %d", i, c[i].n, c[i].dir);
    }
}

static void test_tls_record_wrong_bytes(void **state)
{
    (void)state;
    static const struct verdict_case cases[] = {
        /* From the client each wrong byte settles it (after the bytes a
         * prefix sent alone may take): content types around 20..24 at the
         * first byte, a major version other than 3 at the second, a minor
         * version above 4 (TLS 1.3 is 3.4) at the third. */
        { DIR_C2S, "\x13", 1, ACCEPT_NO },
        { DIR_C2S, "\x19", 1, ACCEPT_NO },
        { DIR_C2S, "\x16\x02", 2, ACCEPT_NO },
        { DIR_C2S, "\x16\x04", 2, ACCEPT_NO },
        { DIR_C2S, "\x16\x03\x05", 3, ACCEPT_NO },
        { DIR_C2S, "\x17\x03\xff", 3, ACCEPT_NO },
        /* From the server, one or two bytes may still begin a MySQL
         * greeting (a 3-byte little-endian length, then 0): the third
         * byte settles it. */
        { DIR_S2C, "\x19", 1, ACCEPT_NEED_MORE },
        { DIR_S2C, "\x16\x02", 2, ACCEPT_NEED_MORE },
        { DIR_S2C, "\x16\x02\x01", 3, ACCEPT_NO },
        { DIR_S2C, "\x16\x03\x05", 3, ACCEPT_NO },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Lengths a record cannot have: judged at the fifth byte. */
static void test_tls_record_lying_lengths(void **state)
{
    (void)state;
    static const struct verdict_case cases[] = {
        /* An empty handshake, alert or ChangeCipherSpec record. */
        { DIR_C2S, "\x16\x03\x01\x00\x00", 5, ACCEPT_NO },
        { DIR_S2C, "\x15\x03\x03\x00\x00", 5, ACCEPT_NO },
        { DIR_S2C, "\x14\x03\x03\x00\x00", 5, ACCEPT_NO },
        /* Empty application data is legal. */
        { DIR_S2C, "\x17\x03\x03\x00\x00", 5, ACCEPT_YES },
        /* 2^14 + 2048 is the largest record body; one more is not TLS. */
        { DIR_S2C, "\x17\x03\x03\x48\x00", 5, ACCEPT_YES },
        { DIR_S2C, "\x17\x03\x03\x48\x01", 5, ACCEPT_NO },
        { DIR_C2S, "\x16\x03\x01\xff\xff", 5, ACCEPT_NO },
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_sslv2_client_hello(void **state)
{
    (void)state;
    /* 2-byte header (length 46), CLIENT-HELLO, version 0.2 */
    static const uint8_t v2[] = { 0x80, 0x2e, 0x01, 0x00, 0x02 };
    assert_opening(DIR_C2S, v2, 4, 443);
    /* the TLS-compatible form: version 3.1 */
    static const uint8_t v3[] = { 0x80, 0x46, 0x01, 0x03, 0x01 };
    assert_opening(DIR_C2S, v3, 4, 443);
    /* major version 5 is neither SSLv2 nor SSLv3-compatible */
    assert_client_no("\x80\x2e\x01\x05", 4, 443);
    /* no high bit: not a 2-byte SSLv2 header (and not a TLS record either) */
    assert_client_no("\x00\x2e\x01\x00", 4, 443);
    /* message type 2 (CLIENT-MASTER-KEY) cannot come first */
    assert_client_no("\x80\x2e\x02\x00", 4, 443);
}

static void test_sslv2_server_hello(void **state)
{
    (void)state;
    static const uint8_t sh[] = {
        0x80, 0x21,       /* 2-byte header, record length 33 */
        0x04,             /* SERVER-HELLO */
        0x00,             /* session_id_hit */
        0x01,             /* certificate_type X.509 */
        0x00, 0x02,       /* server_version SSL 2.0 */
        0x00, 0x03,       /* certificate_length 3 */
        0x00, 0x03,       /* cipher_specs_length 3 */
        0x00, 0x10,       /* connection_id_length 16: 11 + 3 + 3 + 16 = 33 */
    };
    assert_opening(DIR_S2C, sh, sizeof sh, 443);
    /* A wrong byte at each fixed position. */
    static const struct { size_t at; uint8_t value; } bad[] = {
        { 3, 0x02 }, /* session_id_hit is a boolean */
        { 4, 0x02 }, /* certificate type other than X.509 */
        { 5, 0x03 }, /* server_version 3.x is not SSLv2 */
        { 6, 0x03 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[sizeof sh];
        memcpy(b, sh, sizeof sh);
        b[bad[i].at] = bad[i].value;
        assert_int_equal(judge(DIR_S2C, b, bad[i].at + 1, 443), ACCEPT_NO);
    }
    /* Lying lengths: the record is one byte shorter or longer than the
     * inner lengths say. */
    uint8_t b[sizeof sh];
    memcpy(b, sh, sizeof sh);
    b[1] = 0x20;
    assert_int_equal(judge(DIR_S2C, b, sizeof b, 443), ACCEPT_NO);
    b[1] = 0x22;
    assert_int_equal(judge(DIR_S2C, b, sizeof b, 443), ACCEPT_NO);
    memcpy(b, sh, sizeof sh);
    b[12] = 0xff; /* connection_id_length 255 */
    assert_int_equal(judge(DIR_S2C, b, sizeof b, 443), ACCEPT_NO);
}

static void test_proxy_headers(void **state)
{
    (void)state;
    static const uint8_t v1[] = "PROXY TCP4 192.0.2.1 198.51.100.7 50123 443\r\n";
    assert_opening(DIR_C2S, v1, 6, 443);
    assert_int_equal(judge(DIR_C2S, v1, sizeof v1 - 1, 443), ACCEPT_YES);
    static const uint8_t v2[] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* signature */
        0x21, 0x11, 0x00, 0x0c, /* v2 PROXY, TCP over IPv4, 12 address bytes */
    };
    assert_opening(DIR_C2S, v2, 12, 443);
    assert_int_equal(judge(DIR_C2S, v2, sizeof v2, 443), ACCEPT_YES);
    /* "PROXY" must be followed by a space; the v2 signature must be whole. */
    assert_client_no("PROXYX", 6, 443);
    uint8_t b[12];
    memcpy(b, v2, 12);
    b[11] = 0x0b;
    assert_client_no(b, 12, 443);
}

static void test_starttls_openings(void **state)
{
    (void)state;
    /* Server-first dialogues: the greeting. */
    assert_opening(DIR_S2C, (const uint8_t *)"220 mx.example.com ESMTP\r\n", 4, 25);
    assert_opening(DIR_S2C, (const uint8_t *)"* OK IMAP4rev1 ready\r\n", 4, 143);
    assert_opening(DIR_S2C, (const uint8_t *)"+OK POP3 ready\r\n", 3, 110);
    /* Client-first: PostgreSQL SSLRequest, HTTP CONNECT. */
    static const uint8_t pg[] = { 0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f };
    assert_opening(DIR_C2S, pg, sizeof pg, 5432);
    assert_opening(DIR_C2S, (const uint8_t *)"CONNECT example.com:443 HTTP/1.1\r\n", 8, 3128);
    /* A greeting is a server's: from the client it is nothing. */
    assert_client_no("220 ", 4, 25);
    /* A reply code no dialogue greets with. */
    assert_int_equal(judge(DIR_S2C, "500 ", 4, 25), ACCEPT_NO);
}

static void test_not_tls(void **state)
{
    (void)state;
    assert_int_equal(judge(DIR_C2S, "GET / HTTP/1.1\r\n", 16, 80), ACCEPT_NO);
    assert_client_no("G", 1, 80);
    assert_int_equal(judge(DIR_C2S, "SSH-2.0-OpenSSH_9.6\r\n", 21, 22), ACCEPT_NO);
    assert_int_equal(judge(DIR_S2C, "HTTP/1.1 200 OK\r\n", 17, 80), ACCEPT_NO);
    /* Two bytes could still begin a MySQL greeting (a 3-byte length):
     * the third settles it. */
    assert_int_equal(judge(DIR_S2C, "SS", 2, 22), ACCEPT_NEED_MORE);
    assert_int_equal(judge(DIR_S2C, "SSH-2.0-OpenSSH_9.6\r\n", 21, 22), ACCEPT_NO);
    /* A ClientHello behind a prefix of no protocol followed here (in the
     * same first payload) is YES for the client's bytes only, and bytes that
     * merely begin like a handshake record (a Certificate) are not. */
    static const uint8_t prefixed[] = { 'T', 'U', 'N', '\r', '\n', 0x16, 0x03, 0x01, 0x00, 0xb6,
                                        0x01, 0x00, 0x00, 0xb2, 0x03, 0x03 };
    assert_int_equal(judge(DIR_C2S, prefixed, sizeof prefixed, 9000), ACCEPT_YES);
    assert_int_equal(judge(DIR_S2C, prefixed, sizeof prefixed, 9000), ACCEPT_NO);
    uint8_t certificate[sizeof prefixed];
    memcpy(certificate, prefixed, sizeof prefixed);
    certificate[10] = 0x0b;
    assert_int_equal(judge(DIR_C2S, certificate, sizeof certificate, 9000), ACCEPT_NO);
    /* Nothing yet, and a poisoned span. */
    assert_int_equal(accept_first_bytes(DIR_C2S, span_make(NULL, 0), 443), ACCEPT_NEED_MORE);
    assert_int_equal(accept_first_bytes(DIR_C2S, span_poisoned(), 443), ACCEPT_NO);
}

/* A prefix written alone, its ClientHello in the next segment: the gate
 * sees the client's first bytes joined, however they were cut, up to
 * ACCEPT_PREFIX_MAX. A prefix of 4 bytes is YES once the hello's first ten
 * bytes are there; one of 11 once the window is full (the record header
 * in its last five bytes); before that NEED_MORE. From the server, or
 * with a record that is no ClientHello, it is NO. */
static void test_prefix_alone(void **state)
{
    (void)state;
    static const uint8_t hello[] = {
        0x16, 0x03, 0x01, 0x00, 0xb6, /* handshake record, 182 bytes */
        0x01, 0x00, 0x00, 0xb2,       /* ClientHello, 178 bytes */
        0x03, 0x03, 0x5a, 0x5b, 0x5c, /* client_version TLS 1.2, random... */
    };
    static const struct {
        const char *prefix;
        size_t n, yes_from;
    } cases[] = {
        { "\x00\x01\x00\x2c", 4, 4 + 10 },
        { "X-TUNNEL/1\n", 11, ACCEPT_PREFIX_MAX },
        { "VENDOR-HDR:\x02\x00", 13, ACCEPT_PREFIX_MAX },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[32];
        size_t len = cases[i].n + sizeof hello;
        memcpy(in, cases[i].prefix, cases[i].n);
        memcpy(in + cases[i].n, hello, sizeof hello);
        for (size_t k = 1; k <= len; k++) {
            enum accept_verdict want = k >= cases[i].yes_from ? ACCEPT_YES : ACCEPT_NEED_MORE;
            if (judge(DIR_C2S, in, k, 9000) != want)
                fail_msg("prefix %zu: %zu bytes", i, k);
        }
        assert_int_equal(judge(DIR_S2C, in, len, 9000), ACCEPT_NO);
        /* A Certificate where the hello would be, when the window shows
         * its type (the 4-byte prefix): NO. */
        in[cases[i].n + 5] = 0x0b;
        if (cases[i].n + 5 < ACCEPT_PREFIX_MAX)
            assert_int_equal(judge(DIR_C2S, in, len, 9000), ACCEPT_NO);
    }
    /* A prefix of 14 bytes leaves two of the header in the window: too few. */
    uint8_t far[ACCEPT_PREFIX_MAX];
    memset(far, 'p', sizeof far);
    memcpy(far + 14, hello, 2);
    assert_int_equal(judge(DIR_C2S, far, sizeof far, 9000), ACCEPT_NO);
    /* Short bytes of no protocol, then more that begin no record: NEED_MORE
     * on the first payload, NO once the window is full. */
    assert_int_equal(judge(DIR_C2S, "hi\r\n", 4, 9000), ACCEPT_NEED_MORE);
    assert_int_equal(judge(DIR_C2S, "hi\r\nhow are you?", 16, 9000), ACCEPT_NO);
    /* The window's last three bytes may begin the record; two are too few. */
    assert_int_equal(judge(DIR_C2S, "hi there, you\x16\x03\x01", 16, 9000), ACCEPT_YES);
    assert_int_equal(judge(DIR_C2S, "hi there, yo\x16\x03\x01\x00", 16, 9000), ACCEPT_YES);
    assert_int_equal(judge(DIR_C2S, "hi there, you!\x16\x03", 16, 9000), ACCEPT_NO);
    assert_int_equal(judge(DIR_C2S, "hi there, you\x16\x03\x05", 16, 9000), ACCEPT_NO);
}

/* The bound the flow table relies on: no first bytes are still undecided
 * at ACCEPT_PREFIX_MAX. Checked over every opening byte, followed by each
 * byte that kept the longest prefix alive in the cases above. */
static void test_decided_within_prefix_max(void **state)
{
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        for (unsigned b0 = 0; b0 < 256; b0++) {
            uint8_t p[ACCEPT_PREFIX_MAX];
            for (unsigned fill = 0; fill < 256; fill += 51) {
                p[0] = (uint8_t)b0;
                memset(p + 1, (int)fill, sizeof p - 1);
                assert_int_not_equal(judge(dir, p, sizeof p, 443), ACCEPT_NEED_MORE);
            }
        }
    }
}

/* Once decided, a verdict holds for every longer input: the gate may
 * answer on the first segment or on more, and the flow is judged the same
 * however the sender cut its first bytes. Checked on each opening above
 * and on pseudo-random bytes led by every first byte. */
static void assert_settled(int dir, const uint8_t *p, size_t n)
{
    enum accept_verdict settled = ACCEPT_NEED_MORE;
    for (size_t k = 1; k <= n; k++) {
        enum accept_verdict v = judge(dir, p, k, 443);
        if (settled != ACCEPT_NEED_MORE && v != settled)
            fail_msg("dir %d: %zu bytes give %d after %d on fewer", dir, k, v, settled);
        if (v != ACCEPT_NEED_MORE)
            settled = v;
    }
}

static void test_verdicts_settle(void **state)
{
    (void)state;
    static const char *const openings[] = {
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        "\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10",
        "\x80\x21\x04\x00\x01\x00\x02\x00\x03\x00\x03\x00\x10\x30\x82",
        "PROXY TCP4 192.0.2.1 198.51.100.7 50123 443\r\n",
        "\x0d\x0a\x0d\x0a\x00\x0d\x0a\x51\x55\x49\x54\x0a\x21\x11\x00\x0c",
        "220 mx.example.com ESMTP\r\n",
        "* PREAUTH IMAP4rev1 server logged in\r\n",
        "CONNECT example.com:443 HTTP/1.1\r\n",
        "GET / HTTP/1.1\r\nHost: example.com\r\n",
    };
    for (int dir = 0; dir < 2; dir++)
        for (size_t i = 0; i < sizeof openings / sizeof openings[0]; i++)
            assert_settled(dir, (const uint8_t *)openings[i], strlen(openings[i]));
    uint32_t x = 2463534242u; /* xorshift32 */
    for (unsigned b0 = 0; b0 < 256; b0++) {
        uint8_t p[24];
        p[0] = (uint8_t)b0;
        for (size_t i = 1; i < sizeof p; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* Mostly small values, where record versions and lengths live. */
            p[i] = (uint8_t)(x & 0x80 ? x >> 8 : (x >> 8) & 0x07);
        }
        assert_settled(DIR_C2S, p, sizeof p);
        assert_settled(DIR_S2C, p, sizeof p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_record_headers),
        cmocka_unit_test(test_tls_record_wrong_bytes),
        cmocka_unit_test(test_tls_record_lying_lengths),
        cmocka_unit_test(test_sslv2_client_hello),
        cmocka_unit_test(test_sslv2_server_hello),
        cmocka_unit_test(test_proxy_headers),
        cmocka_unit_test(test_starttls_openings),
        cmocka_unit_test(test_not_tls),
        cmocka_unit_test(test_prefix_alone),
        cmocka_unit_test(test_decided_within_prefix_max),
        cmocka_unit_test(test_verdicts_settle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
