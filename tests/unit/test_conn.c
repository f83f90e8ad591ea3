/* test_conn.c - dissect/conn.c, the connection pipeline: the prelude (PROXY
 * header read or skipped, implicit TLS versus a cleartext dialogue, a
 * dialogue refused, a connection that is not TLS), the TLS stage over
 * records split at any byte, the one report per connection and its reason,
 * the counters, and conn_guess (which first payloads may start a dialogue,
 * and so nDPI).
 *
 * Streams are fed as the flow table delivers them: each piece an exact-size
 * heap copy freed right after the call (a span kept past it would be a
 * use-after-free under AddressSanitizer).
 */
#include "test_util.h"

#include "dissect/conn.h"
#include "dissect/proxy_proto.h"
#include "dissect/tls_hello.h"

/* ---- stream bytes -------------------------------------------------------- */

/* A TLS 1.2 ClientHello in its record. */
static const uint8_t ch_record[] = {
    0x16, 0x03, 0x01, 0x00, 0x35,                   /* record: handshake, TLS 1.0, length 53 */
    0x01, 0x00, 0x00, 0x31,                         /* ClientHello, length 49 */
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, /* random */
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x04, 0xde, 0xad, 0xbe, 0xef,                   /* legacy_session_id, length 4 */
    0x00, 0x04, 0x13, 0x01, 0xc0, 0x2f,             /* cipher_suites, length 4 */
    0x01, 0x00,                                     /* compression methods: null */
    0x00, 0x00,                                     /* extensions length 0 */
};

/* ServerHello, Certificate (empty list) and ServerHelloDone in one record. */
static const uint8_t server_flight[] = {
    0x16, 0x03, 0x03, 0x00, 0x40,                   /* record: handshake, TLS 1.2, length 64 */
    0x02, 0x00, 0x00, 0x31,                         /* ServerHello, length 49 */
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, /* random */
    0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
    0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
    0x04, 0x01, 0x02, 0x03, 0x04,                   /* session_id, length 4 */
    0xc0, 0x2f,                                     /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    0x00,                                           /* compression null */
    0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00,       /* extensions: renegotiation_info */
    0x0b, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,       /* Certificate, length 3: empty list */
    0x0e, 0x00, 0x00, 0x00,                         /* ServerHelloDone */
};

/* ChangeCipherSpec, then the encrypted Finished. */
static const uint8_t ccs_finished[] = {
    0x14, 0x03, 0x03, 0x00, 0x01, 0x01,             /* ChangeCipherSpec */
    0x16, 0x03, 0x03, 0x00, 0x04, 0xe0, 0xe1, 0xe2, 0xe3, /* Finished, encrypted */
};

/* A ServerKeyExchange before any ServerHello. */
static const uint8_t ske_record[] = {
    0x16, 0x03, 0x03, 0x00, 0x0a,                   /* record: handshake, length 10 */
    0x0c, 0x00, 0x00, 0x06,                         /* ServerKeyExchange, length 6 */
    0x03, 0x00, 0x1d, 0x01, 0xaa, 0x00,             /* named_curve x25519, point, (cut) */
};

#define STR(s) (const uint8_t *)(s), sizeof(s) - 1

/* ---- harness -------------------------------------------------------------- */

struct run {
    struct conn_dissector d;
    struct conn *c;
    struct conn_meta meta;
    unsigned emitted;
    struct tls_report last;
    enum conn_reason last_reason;
    unsigned notes[TLS_NOTE_ALERT + 1];
};

static void emit(void *ctx, const struct conn_meta *m, const struct tls_report *r)
{
    struct run *x = ctx;
    x->emitted++;
    x->last = *r;
    x->last_reason = m->reason;
}

static void note(void *ctx, const struct conn_meta *m, const struct tls_report *r, enum tls_note what)
{
    (void)m;
    (void)r;
    struct run *x = ctx;
    x->notes[what]++;
}

static int setup(void **state)
{
    test_pool_begin();
    struct run *x = calloc(1, sizeof *x);
    assert_non_null(x);
    x->c = calloc(1, sizeof *x->c);
    assert_non_null(x->c);
    x->d.pool = &test_pool;
    x->d.sink.ctx = x;
    x->d.sink.emit = emit;
    x->d.notes.ctx = x;
    x->d.notes.note = note;
    x->meta.ip_version = 4;
    x->meta.server_port = 443;
    conn_begin(&x->d, x->c);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct run *x = *state;
    conn_end(&x->d, x->c);
    free(x->c);
    free(x);
    return test_pool_end() ? 0 : -1;
}

/* Feeds `n` bytes in pieces of `piece` bytes (0: whole); returns the verdict
 * of the last call made (none after CONN_DONE). */
static enum conn_verdict feed(struct run *x, int dir, const uint8_t *p, size_t n, size_t piece)
{
    enum conn_verdict v = CONN_CONTINUE;
    if (piece == 0)
        piece = n;
    for (size_t off = 0; off < n && v == CONN_CONTINUE; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        uint8_t *copy = test_exact_copy(p + off, k);
        v = conn_data(&x->d, x->c, &x->meta, dir, span_make(copy, k), false);
        free(copy);
    }
    return v;
}

/* A whole TLS 1.2 handshake in pieces of `piece` bytes. */
static void tls12_handshake(struct run *x, size_t piece)
{
    assert_int_equal(feed(x, DIR_C2S, ch_record, sizeof ch_record, piece), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_S2C, server_flight, sizeof server_flight, piece), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_C2S, ccs_finished, sizeof ccs_finished, piece), CONN_CONTINUE);
    assert_int_equal(x->emitted, 0);
    assert_int_equal(feed(x, DIR_S2C, ccs_finished, sizeof ccs_finished, piece), CONN_DONE);
}

static void assert_established(const struct run *x)
{
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last_reason, CONN_REASON_HANDSHAKE_DONE);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_ESTABLISHED);
    assert_true(x->last.established);
    assert_false(x->last.resumed);
    assert_int_equal(x->last.client.legacy_version, 0x0303);
    assert_int_equal(x->last.server.cipher, 0xc02f);
    assert_true(x->last.server.certificate_seen);
    assert_false(x->last.malformed);
    assert_false(x->last.truncated);
    assert_int_equal(x->d.st.lines, 1);
    assert_int_equal(x->d.st.sessions, 1);
    assert_int_equal(x->notes[TLS_NOTE_CLIENT_HELLO], 1);
    assert_int_equal(x->notes[TLS_NOTE_SERVER_HELLO], 1);
    assert_int_equal(x->notes[TLS_NOTE_CERTIFICATE], 1);
    assert_int_equal(x->c->mode, CONN_MODE_IMPLICIT);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_implicit_tls12(void **state)
{
    struct run *x = *state;
    tls12_handshake(x, 0);
    assert_established(x);
}

/* Split at every byte, or in threes: the same report (picotls's
 * fragmented-message test). */
static void test_implicit_tls12_fragmented(void **state)
{
    struct run *x = *state;
    tls12_handshake(x, 1);
    assert_established(x);
    struct tls_report bytewise = x->last;

    conn_end(&x->d, x->c);
    memset(x->c, 0, sizeof *x->c);
    memset(x->notes, 0, sizeof x->notes);
    x->emitted = 0;
    x->d.st.lines = 0;
    tls12_handshake(x, 3);
    assert_established(x);
    assert_memory_equal(&bytewise, &x->last, sizeof bytewise);
}

static void test_proxy_v1_then_tls(void **state)
{
    struct run *x = *state;
    static const char hdr[] = "PROXY TCP4 192.0.2.7 198.51.100.2 40001 443\r\n";
    /* The header split in two, its end in the same piece as the hello. */
    size_t half = 10;
    assert_int_equal(feed(x, DIR_C2S, (const uint8_t *)hdr, half, 0), CONN_CONTINUE);
    assert_int_equal(x->c->proxy_have, half);
    uint8_t rest[sizeof hdr - 1 - 10 + sizeof ch_record];
    memcpy(rest, hdr + half, sizeof hdr - 1 - half);
    memcpy(rest + sizeof hdr - 1 - half, ch_record, sizeof ch_record);
    assert_int_equal(feed(x, DIR_C2S, rest, sizeof rest, 0), CONN_CONTINUE);
    assert_true(x->c->report.client.seen);
    assert_int_equal(x->c->report.client.legacy_version, 0x0303);
    const struct conn_context_report *ctx = &x->c->report.context;
    assert_int_equal(ctx->proxy_version, 1);
    assert_true(ctx->proxy_has_client);
    static const uint8_t client[4] = { 192, 0, 2, 7 };
    assert_memory_equal(ctx->proxy_client_ip, client, 4);
    assert_int_equal(ctx->proxy_client_port, 40001);
    assert_int_equal(x->d.st.proxy_headers, 1);
}

/* A v2 header that fails its checks is skipped, its addresses ignored. */
static void test_proxy_v2_rejected_is_skipped(void **state)
{
    struct run *x = *state;
    uint8_t in[16 + 12 + sizeof ch_record] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* signature */
        0x21, 0x11, 0x00, 0x0c,                     /* PROXY, TCP over IPv4, length 12 */
        0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, /* addresses */
        0xc0, 0x01, 0x01, 0xbb,                     /* ports */
    };
    in[13] = 0x51;                                  /* family 5: must be rejected */
    memcpy(in + 28, ch_record, sizeof ch_record);
    assert_int_equal(feed(x, DIR_C2S, in, sizeof in, 0), CONN_CONTINUE);
    assert_int_equal(x->d.st.proxy_malformed, 1);
    assert_int_equal(x->d.st.proxy_headers, 0);
    assert_int_equal(x->c->report.context.proxy_version, 0);
    assert_true(x->c->report.context.proxy_invalid);
    assert_true(x->c->report.client.seen);
    assert_int_equal(x->c->report.client.legacy_version, 0x0303);
}

/* A v1 line that fails its checks (a port over 65535) is skipped to its
 * CRLF: the TLS after it is dissected, and the line says the header was
 * invalid (client.* is the balancer). */
static void test_proxy_v1_rejected_is_skipped(void **state)
{
    struct run *x = *state;
    static const char hdr[] = "PROXY TCP4 192.0.2.7 198.51.100.2 40001 70000\r\n";
    uint8_t in[sizeof hdr - 1 + sizeof ch_record];
    memcpy(in, hdr, sizeof hdr - 1);
    memcpy(in + sizeof hdr - 1, ch_record, sizeof ch_record);
    assert_int_equal(feed(x, DIR_C2S, in, sizeof in, 0), CONN_CONTINUE);
    assert_int_equal(x->d.st.proxy_malformed, 1);
    assert_true(x->c->report.context.proxy_invalid);
    assert_false(x->c->report.context.proxy_has_client);
    assert_true(x->c->report.client.parsed);
    assert_int_equal(x->c->report.client.legacy_version, 0x0303);
}

/* The same, cut inside the line: the held bytes and the next piece. */
static void test_proxy_v1_rejected_split(void **state)
{
    struct run *x = *state;
    static const char hdr[] = "PROXY TCP4 192.0.2.7 198.51.100.2 40001 70000\r\n";
    uint8_t in[sizeof hdr - 1 + sizeof ch_record];
    memcpy(in, hdr, sizeof hdr - 1);
    memcpy(in + sizeof hdr - 1, ch_record, sizeof ch_record);
    assert_int_equal(feed(x, DIR_C2S, in, 30, 0), CONN_CONTINUE);
    assert_int_equal(x->c->proxy_have, 30);
    assert_int_equal(feed(x, DIR_C2S, in + 30, sizeof in - 30, 0), CONN_CONTINUE);
    assert_true(x->c->report.context.proxy_invalid);
    assert_true(x->c->report.client.parsed);
    assert_int_equal(x->c->report.client.legacy_version, 0x0303);
}

/* Back to a fresh connection within one test. */
static void restart(struct run *x)
{
    conn_end(&x->d, x->c);
    memset(x->c, 0, sizeof *x->c);
    x->d.st.proxy_malformed = 0;
    x->d.st.proxy_headers = 0;
    conn_begin(&x->d, x->c);
}

/* A rejected v1 line is judged at its first wrong character but skipped at
 * its CRLF: cut anywhere (the cut before the CRLF, after the bad port, inside
 * the CRLF), in two pieces and in three, the line is skipped and the
 * ClientHello behind it read. */
static void test_proxy_v1_rejected_split_everywhere(void **state)
{
    struct run *x = *state;
    static const char hdr[] = "PROXY TCP4 192.0.2.7 198.51.100.2 40001 70000\r\n";
    uint8_t in[sizeof hdr - 1 + sizeof ch_record];
    memcpy(in, hdr, sizeof hdr - 1);
    memcpy(in + sizeof hdr - 1, ch_record, sizeof ch_record);
    for (size_t cut = 1; cut < sizeof in; cut++) {
        for (int pieces = 2; pieces <= 3; pieces++) {
            restart(x);
            size_t cut2 = pieces == 3 ? cut + (sizeof in - cut) / 2 : sizeof in;
            assert_int_equal(feed(x, DIR_C2S, in, cut, 0), CONN_CONTINUE);
            assert_int_equal(feed(x, DIR_C2S, in + cut, cut2 - cut, 0), CONN_CONTINUE);
            if (cut2 < sizeof in)
                assert_int_equal(feed(x, DIR_C2S, in + cut2, sizeof in - cut2, 0), CONN_CONTINUE);
            assert_int_equal(x->d.st.proxy_malformed, 1);
            assert_int_equal(x->d.st.proxy_headers, 0);
            assert_true(x->c->report.context.proxy_invalid);
            assert_false(x->c->report.context.proxy_has_client);
            assert_true(x->c->report.client.parsed);
            assert_int_equal(x->c->report.client.legacy_version, 0x0303);
            assert_int_equal(x->c->report.client.ciphers.n, 2);
        }
    }
    /* Byte by byte. */
    restart(x);
    assert_int_equal(feed(x, DIR_C2S, in, sizeof in, 1), CONN_CONTINUE);
    assert_true(x->c->report.context.proxy_invalid);
    assert_true(x->c->report.client.parsed);
}

/* A vendor's prefix written on its own, then the ClientHello: cut at every
 * byte boundary into two pieces and at every pair of boundaries into three,
 * the hello is read and the prefix counted, whether a cut falls in the
 * prefix, in the hello's first ten bytes or later. */
static void assert_prefix_split_everywhere(struct run *x, const uint8_t *prefix, size_t n)
{
    uint8_t in[16 + sizeof ch_record];
    assert_true(n <= 16);
    memcpy(in, prefix, n);
    memcpy(in + n, ch_record, sizeof ch_record);
    size_t len = n + sizeof ch_record;
    for (size_t cut = 1; cut < len; cut++) {
        for (size_t cut2 = cut + 1; cut2 <= len; cut2++) {
            restart(x);
            assert_int_equal(feed(x, DIR_C2S, in, cut, 0), CONN_CONTINUE);
            assert_int_equal(feed(x, DIR_C2S, in + cut, cut2 - cut, 0), CONN_CONTINUE);
            if (cut2 < len)
                assert_int_equal(feed(x, DIR_C2S, in + cut2, len - cut2, 0), CONN_CONTINUE);
            if (x->c->report.context.skipped_bytes[DIR_C2S] != n || !x->c->report.client.parsed)
                fail_msg("prefix of %zu cut at %zu and %zu: skipped %u", n, cut, cut2,
                         x->c->report.context.skipped_bytes[DIR_C2S]);
            assert_int_equal(x->c->mode, CONN_MODE_IMPLICIT);
            assert_int_equal(x->c->report.client.legacy_version, 0x0303);
            assert_int_equal(x->c->report.client.ciphers.n, 2);
        }
    }
}

static void test_prefix_alone_split_everywhere(void **state)
{
    struct run *x = *state;
    static const uint8_t four[] = { 0x00, 0x01, 0x00, 0x2c };
    assert_prefix_split_everywhere(x, four, sizeof four);
    assert_prefix_split_everywhere(x, (const uint8_t *)"X-TUNNEL/1\n", 11);
}

/* The whole connection: the client's prefix, then its hello, the server's
 * own prefix in a segment of its own, then its flight. One line, both
 * prefixes counted. */
static void test_prefix_alone_both_sides(void **state)
{
    struct run *x = *state;
    assert_int_equal(feed(x, DIR_C2S, STR("X-TUNNEL/1\n"), 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_C2S, ch_record, sizeof ch_record, 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_S2C, STR("OK\n"), 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_S2C, server_flight, sizeof server_flight, 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_C2S, ccs_finished, sizeof ccs_finished, 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_S2C, ccs_finished, sizeof ccs_finished, 0), CONN_DONE);
    assert_established(x);
    assert_int_equal(x->last.context.skipped_bytes[DIR_C2S], 11);
    assert_int_equal(x->last.context.skipped_bytes[DIR_S2C], 3);
}

/* Short client bytes of no protocol, then more that hold no hello: the
 * search goes on (no line, nothing skipped) until the server speaks, and
 * the connection is then not TLS, as it was before the search. A hello
 * after the server spoke is not taken for the end of a prefix. */
static void test_prefix_alone_without_hello(void **state)
{
    struct run *x = *state;
    x->meta.server_port = 9000;
    assert_int_equal(feed(x, DIR_C2S, STR("hi\r\n"), 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_C2S, STR("how are you today?\r\n"), 0), CONN_CONTINUE);
    assert_int_equal(x->c->report.context.skipped_bytes[DIR_C2S], 0);
    assert_int_equal(x->d.st.not_tls, 0);
    assert_int_equal(feed(x, DIR_S2C, STR("fine\r\n"), 0), CONN_DONE);
    assert_int_equal(x->d.st.not_tls, 1);
    assert_int_equal(x->emitted, 0);
    assert_int_equal(x->c->mode, CONN_MODE_STARTTLS);
    /* Closed while searching: not TLS either, no line. */
    restart(x);
    assert_int_equal(feed(x, DIR_C2S, STR("hi\r\n"), 0), CONN_CONTINUE);
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_FIN, false, true);
    assert_int_equal(x->d.st.not_tls, 2);
    assert_int_equal(x->emitted, 0);
    /* A long first piece of no protocol is decided at once, as before. */
    restart(x);
    assert_int_equal(feed(x, DIR_C2S, STR("hello there, this is not TLS\r\n"), 0), CONN_DONE);
    assert_int_equal(x->d.st.not_tls, 3);
}

/* A dialogue's opening cut short is not a prefix: an HTTP CONNECT whose
 * first four bytes came alone, then the rest of the request with the
 * ClientHello pipelined behind it, is the dialogue's, as without the search. */
static void test_prefix_alone_not_a_dialogue(void **state)
{
    struct run *x = *state;
    x->meta.server_port = 3128;
    static const char req[] = "ECT example.com:443 HTTP/1.1\r\n\r\n";
    uint8_t in[sizeof req - 1 + sizeof ch_record];
    memcpy(in, req, sizeof req - 1);
    memcpy(in + sizeof req - 1, ch_record, sizeof ch_record);
    assert_int_equal(feed(x, DIR_C2S, STR("CONN"), 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_C2S, in, sizeof in, 0), CONN_CONTINUE);
    assert_int_equal(x->c->mode, CONN_MODE_STARTTLS);
    assert_int_equal(x->c->report.context.skipped_bytes[DIR_C2S], 0);
    assert_int_not_equal(starttls_protocol(&x->c->starttls), STARTTLS_PROTO_NONE);
}

/* The search is bounded: once TLS_PREFIX_SCAN_MAX bytes have passed with
 * no hello the connection is decided not TLS; a hello just inside the bound
 * is followed. */
static void test_prefix_alone_bounded(void **state)
{
    struct run *x = *state;
    static uint8_t filler[1000];
    memset(filler, 'z', sizeof filler);
    for (int inside = 0; inside < 2; inside++) {
        restart(x);
        x->d.st.not_tls = 0;
        enum conn_verdict v = feed(x, DIR_C2S, STR("hi\r\n"), 0);
        size_t seen = 4;
        size_t upto = inside ? TLS_PREFIX_SCAN_MAX - 1 : TLS_PREFIX_SCAN_MAX;
        while (seen < upto && v == CONN_CONTINUE) {
            size_t k = upto - seen < sizeof filler ? upto - seen : sizeof filler;
            v = feed(x, DIR_C2S, filler, k, 0);
            seen += k;
        }
        if (!inside) {
            assert_int_equal(v, CONN_DONE);
            assert_int_equal(x->d.st.not_tls, 1);
            continue;
        }
        assert_int_equal(feed(x, DIR_C2S, ch_record, sizeof ch_record, 0), CONN_CONTINUE);
        assert_true(x->c->report.client.parsed);
        assert_int_equal(x->c->report.context.skipped_bytes[DIR_C2S], TLS_PREFIX_SCAN_MAX - 1);
    }
}

/* A rejected line with no CRLF within the 107 bytes a line may take is held
 * no longer than that: the bytes are the stream (no ClientHello in them), the
 * line still says the header was invalid. */
static void test_proxy_v1_rejected_without_end(void **state)
{
    struct run *x = *state;
    uint8_t in[PROXY_V1_MAX_LEN + 20];
    memset(in, 'x', sizeof in);
    memcpy(in, "PROXY TCP4 192.0.2.7x", 21);      /* judged at the 21st byte */
    assert_int_equal(feed(x, DIR_C2S, in, PROXY_V1_MAX_LEN - 1, 1), CONN_CONTINUE);
    assert_false(x->c->proxy_checked);
    assert_int_equal(x->c->proxy_have, PROXY_V1_MAX_LEN - 1);
    feed(x, DIR_C2S, in + PROXY_V1_MAX_LEN - 1, sizeof in - (PROXY_V1_MAX_LEN - 1), 1);
    assert_true(x->c->proxy_checked);
    assert_int_equal(x->c->proxy_have, 0);
    assert_int_equal(x->d.st.proxy_malformed, 1);
    assert_true(x->c->report.context.proxy_invalid);
    assert_false(x->c->report.client.parsed);
}

/* A header cut by a gap in the capture never completed: marked invalid. */
static void test_proxy_header_cut_by_gap(void **state)
{
    struct run *x = *state;
    assert_int_equal(feed(x, DIR_C2S, STR("PROXY TCP4 192.0.2.7 198."), 0), CONN_CONTINUE);
    uint8_t *copy = test_exact_copy(ch_record, sizeof ch_record);
    conn_data(&x->d, x->c, &x->meta, DIR_C2S, span_make(copy, sizeof ch_record), true);
    free(copy);
    assert_true(x->c->proxy_checked);
    assert_int_equal(x->d.st.proxy_malformed, 1);
    assert_true(x->c->report.context.proxy_invalid);
    assert_false(x->c->report.context.proxy_has_client);
}

/* A good v2 header: the VIP and port the client connected to, and the
 * balancer's UNIQUE_ID. */
static void test_proxy_v2_destination_unique_id(void **state)
{
    struct run *x = *state;
    static const uint8_t hdr[] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* signature */
        0x21, 0x11, 0x00, 0x13,                     /* PROXY, TCP over IPv4, length 19 */
        0xc0, 0x00, 0x02, 0x01,                     /* source 192.0.2.1 */
        0xc6, 0x33, 0x64, 0x02,                     /* destination (the VIP) 198.51.100.2 */
        0xc0, 0x01, 0x01, 0xbb,                     /* ports 49153, 443 */
        0x05, 0x00, 0x04, 'a', 'b', '1', '2',       /* PP2_TYPE_UNIQUE_ID "ab12" */
    };
    uint8_t in[sizeof hdr + sizeof ch_record];
    memcpy(in, hdr, sizeof hdr);
    memcpy(in + sizeof hdr, ch_record, sizeof ch_record);
    assert_int_equal(feed(x, DIR_C2S, in, sizeof in, 0), CONN_CONTINUE);
    const struct conn_context_report *ctx = &x->c->report.context;
    assert_true(ctx->proxy_has_destination);
    static const uint8_t vip[4] = { 198, 51, 100, 2 };
    assert_memory_equal(ctx->proxy_destination_ip, vip, 4);
    assert_int_equal(ctx->proxy_destination_port, 443);
    assert_int_equal(ctx->proxy_unique_id_len, 4);
    assert_memory_equal(ctx->proxy_unique_id, "ab12", 4);
    assert_false(ctx->proxy_invalid);
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_FIN, false, true);
    assert_int_equal(x->d.st.proxy_health_checks, 0);
}

/* Health checks: a PROXY header and then a close, or a v2 LOCAL header,
 * are counted; neither writes a line. */
static void test_proxy_health_checks(void **state)
{
    struct run *x = *state;
    feed(x, DIR_C2S, STR("PROXY TCP4 192.0.2.7 198.51.100.2 40001 443\r\n"), 0);
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_FIN, false, true);
    assert_int_equal(x->d.st.proxy_health_checks, 1);
    assert_int_equal(x->emitted, 0);

    conn_end(&x->d, x->c);
    memset(x->c, 0, sizeof *x->c);
    conn_begin(&x->d, x->c);
    static const uint8_t local[] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* signature */
        0x20, 0x00, 0x00, 0x00,                     /* LOCAL, AF_UNSPEC, length 0 */
    };
    feed(x, DIR_C2S, local, sizeof local, 0);
    assert_int_equal(x->d.st.proxy_health_checks, 2);
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_FIN, false, true);
    assert_int_equal(x->d.st.proxy_health_checks, 2); /* counted once */
    assert_int_equal(x->d.st.proxy_headers, 2);
    assert_int_equal(x->emitted, 0);
}

static void test_not_tls(void **state)
{
    struct run *x = *state;
    x->meta.server_port = 80;
    assert_int_equal(feed(x, DIR_C2S, STR("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0), CONN_DONE);
    assert_int_equal(x->d.st.not_tls, 1);
    assert_int_equal(x->emitted, 0);
    assert_int_equal(x->c->mode, CONN_MODE_STARTTLS);
}

/* A record header that is not TLS from the first byte of an implicit stream. */
static void test_not_tls_records(void **state)
{
    struct run *x = *state;
    static const uint8_t bad[] = { 0x16, 0x03, 0x01, 0xff, 0xff }; /* length over 2^14 + 2048 */
    /* So short, it may be a prefix sent alone: decided when the server
     * answers without a ClientHello having come. */
    assert_int_equal(feed(x, DIR_C2S, bad, sizeof bad, 0), CONN_CONTINUE);
    assert_int_equal(x->d.st.not_tls, 0);
    assert_int_equal(feed(x, DIR_S2C, STR("HTTP/1.1 400 Bad Request\r\n"), 0), CONN_DONE);
    assert_int_equal(x->d.st.not_tls, 1);
    assert_int_equal(x->c->report.context.skipped_bytes[DIR_C2S], 0);
    assert_int_equal(x->d.st.malformed_records, 0); /* it never carried TLS */
}

static void test_starttls_refused(void **state)
{
    struct run *x = *state;
    x->meta.server_port = 25;
    assert_int_equal(feed(x, DIR_S2C, STR("220 mail.example.org ESMTP\r\n"), 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_C2S, STR("EHLO client.example.com\r\n"), 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_S2C, STR("250-mail.example.org\r\n250 STARTTLS\r\n"), 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_C2S, STR("STARTTLS\r\n"), 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_S2C, STR("454 4.7.0 TLS not available\r\n"), 0), CONN_DONE);
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last_reason, CONN_REASON_STARTTLS_REFUSED);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_STARTTLS_REFUSED);
    assert_true(x->last.context.starttls_refused);
    assert_int_equal(x->last.context.starttls, STARTTLS_PROTO_SMTP);
    assert_int_equal(x->last.context.starttls_reply_len, 29);
    assert_memory_equal(x->last.context.starttls_reply, "454 4.7.0 TLS not available\r\n", 29);
    assert_int_equal(x->d.st.starttls_refused, 1);
}

static void test_starttls_upgraded(void **state)
{
    struct run *x = *state;
    x->meta.server_port = 25;
    feed(x, DIR_S2C, STR("220 mail.example.org ESMTP\r\n"), 0);
    feed(x, DIR_C2S, STR("EHLO client.example.com\r\n"), 0);
    feed(x, DIR_S2C, STR("250-mail.example.org\r\n250 STARTTLS\r\n"), 0);
    feed(x, DIR_C2S, STR("STARTTLS\r\n"), 0);
    feed(x, DIR_S2C, STR("220 2.0.0 Ready to start TLS\r\n"), 0);
    tls12_handshake(x, 0);
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_ESTABLISHED);
    assert_int_equal(x->last.context.starttls, STARTTLS_PROTO_SMTP);
    assert_false(x->last.context.starttls_refused);
    assert_int_equal(x->d.st.starttls_upgrades, 1);
    assert_int_equal(x->c->mode, CONN_MODE_STARTTLS);
    assert_false(x->last.context.plaintext_server);
}

/* The state machine's verdicts reach the counters and the line. */
static void test_unexpected_message_counted(void **state)
{
    struct run *x = *state;
    feed(x, DIR_C2S, ch_record, sizeof ch_record, 0);
    assert_int_equal(feed(x, DIR_S2C, ske_record, sizeof ske_record, 0), CONN_CONTINUE);
    assert_int_equal(x->d.st.unexpected_messages, 1);
    assert_int_equal(x->d.st.malformed_messages, 0); /* not parsed, so not malformed */
    assert_int_equal(x->notes[TLS_NOTE_SERVER_KEY_EXCHANGE], 0);
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_RESET, true, false);
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last_reason, CONN_REASON_RESET);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_RESET);
    assert_true(x->last.malformed);
    assert_int_equal(x->last.malformed_why.kind, TLS_MALFORMED_BEFORE_HELLO);
    assert_int_equal(x->last.malformed_why.hs_type, 12);
    assert_int_equal(x->last.malformed_why.sender, DIR_S2C);
}

/* After a gap the order is the capture's doing: counted, not malformed. */
static void test_gap_order_not_judged(void **state)
{
    struct run *x = *state;
    feed(x, DIR_C2S, ch_record, sizeof ch_record, 0);
    uint8_t *copy = test_exact_copy(ske_record, sizeof ske_record);
    assert_int_equal(conn_data(&x->d, x->c, &x->meta, DIR_S2C, span_make(copy, sizeof ske_record), true),
                     CONN_CONTINUE);
    free(copy);
    assert_int_equal(x->d.st.unexpected_messages, 1);
    assert_false(x->c->report.malformed);
    assert_true(x->c->hs.gap[DIR_S2C]);
    assert_false(x->c->hs.gap[DIR_C2S]);
}

/* Framing that breaks after TLS records is counted once per direction. */
static void test_records_malformed(void **state)
{
    struct run *x = *state;
    feed(x, DIR_C2S, ch_record, sizeof ch_record, 0);
    static const uint8_t junk[] = { 'G', 'E', 'T', ' ', '/' };
    assert_int_equal(feed(x, DIR_C2S, junk, sizeof junk, 0), CONN_CONTINUE);
    assert_int_equal(x->d.st.malformed_records, 1);
    assert_int_equal(feed(x, DIR_C2S, junk, sizeof junk, 0), CONN_CONTINUE);
    assert_int_equal(x->d.st.malformed_records, 1);
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_FIN, false, true);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_CLOSED_DURING_HANDSHAKE);
    assert_int_equal(x->last.malformed_why.kind, TLS_MALFORMED_RECORDS);
    assert_int_equal(x->last.malformed_why.sender, DIR_C2S);
}

/* The server closes without an alert, the client's alert comes after the
 * FIN, and the server's socket answers it with a RST: the first close (a
 * FIN, the server's) is the outcome; the alert stays as detail. */
static void test_alert_after_server_fin(void **state)
{
    struct run *x = *state;
    feed(x, DIR_C2S, ch_record, sizeof ch_record, 0);
    x->meta.close_seen = true;
    x->meta.closed_by = DIR_S2C;
    x->meta.close_rst = false;
    static const uint8_t decode_error[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32 }; /* fatal decode_error */
    assert_int_equal(feed(x, DIR_C2S, decode_error, sizeof decode_error, 0), CONN_CONTINUE);
    assert_int_equal(x->emitted, 0);
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_RESET, true, true);
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_CLOSED_DURING_HANDSHAKE);
    assert_true(x->last.alert.after_peer_close);
    assert_int_equal(x->last.alert.sender, DIR_C2S);
    assert_int_equal(x->last.alert.description, 0x32);
}

/* Implicit TLS against a port that expects STARTTLS: the ClientHello comes
 * where SMTP wants EHLO. The client's bytes are TLS, the server's first
 * words are kept (at most TLS_SERVER_PLAINTEXT_MAX bytes). */
static void test_plaintext_server_banner_first(void **state)
{
    struct run *x = *state;
    x->meta.server_port = 587;
    assert_int_equal(feed(x, DIR_S2C, STR("220 mail.example.org ESMTP\r\n"), 0), CONN_CONTINUE);
    assert_int_equal(feed(x, DIR_C2S, ch_record, sizeof ch_record, 1), CONN_CONTINUE);
    assert_int_equal(x->c->mode, CONN_MODE_PLAINTEXT_SERVER);
    assert_true(x->c->report.client.parsed);
    uint8_t more[200];
    memset(more, 'x', sizeof more);
    assert_int_equal(feed(x, DIR_S2C, more, sizeof more, 0), CONN_CONTINUE);
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_FIN, false, true);
    assert_int_equal(x->emitted, 1);
    assert_true(x->last.context.plaintext_server);
    assert_int_equal(x->last.context.starttls, 0);
    assert_int_equal(x->last.context.server_plaintext_len, TLS_SERVER_PLAINTEXT_MAX);
    assert_memory_equal(x->last.context.server_plaintext, "220 mail.example.org ESMTP\r\nxxx", 31);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_CLOSED_DURING_HANDSHAKE);
    assert_false(x->last.malformed);
    assert_int_equal(x->d.st.plaintext_servers, 1);
}

/* The server answers the ClientHello in plaintext (an HTTP server). */
static void test_plaintext_server_answers_hello(void **state)
{
    struct run *x = *state;
    feed(x, DIR_C2S, ch_record, sizeof ch_record, 0);
    assert_int_equal(feed(x, DIR_S2C, STR("HTTP/1.1 400 Bad Request\r\n"), 0), CONN_CONTINUE);
    assert_int_equal(x->c->mode, CONN_MODE_PLAINTEXT_SERVER);
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_FIN, false, true);
    assert_true(x->last.context.plaintext_server);
    assert_int_equal(x->last.context.server_plaintext_len, 26);
    assert_memory_equal(x->last.context.server_plaintext, "HTTP/1.1 400 Bad Request\r\n", 26);
    assert_false(x->last.malformed);
}

/* A server that answers in TLS is no plaintext server, and nothing of its
 * bytes is kept. (A STARTTLS client's command before its ClientHello:
 * test_starttls_upgraded.) */
static void test_not_plaintext_server(void **state)
{
    struct run *x = *state;
    tls12_handshake(x, 0);
    assert_false(x->last.context.plaintext_server);
    assert_int_equal(x->d.st.plaintext_servers, 0);
    assert_int_equal(x->last.context.server_plaintext_len, 0);
}

/* A connection closed before any hello writes nothing. */
static void test_close_without_hello(void **state)
{
    struct run *x = *state;
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_IDLE_TIMEOUT, false, false);
    assert_int_equal(x->emitted, 0);
    assert_int_equal(x->d.st.lines, 0);
}

/* A gap in the capture marks the line truncated, and says why. */
static void test_gap_truncates(void **state)
{
    struct run *x = *state;
    feed(x, DIR_C2S, ch_record, sizeof ch_record, 0);
    x->meta.gap = true;
    conn_close(&x->d, x->c, &x->meta, CONN_REASON_END_OF_INPUT, false, false);
    assert_true(x->last.truncated);
    assert_int_equal(x->last.truncated_why, TLS_TRUNCATED_CAPTURE_GAP);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_INCOMPLETE);
}

static void test_guess(void **state)
{
    (void)state;
    assert_int_equal(conn_guess(DIR_C2S, span_make(ch_record, sizeof ch_record), 443), 1);
    assert_int_equal(conn_guess(DIR_C2S, span_make(ch_record, 1), 443), 1);  /* 0x16 alone */
    assert_int_equal(conn_guess(DIR_C2S, span_make("PROXY TCP4 ", 11), 443), 1);
    assert_int_equal(conn_guess(DIR_C2S, span_make("GET / HTTP/1.1\r\n", 16), 80), -1);
    assert_int_equal(conn_guess(DIR_S2C, span_make("SSH-2.0-OpenSSH_9.6\r\n", 21), 22), -1);
    assert_int_equal(conn_guess(DIR_S2C, span_make("220 mail.example.org ESMTP\r\n", 28), 25), 1);
    assert_int_equal(conn_guess(DIR_C2S, span_make("", 0), 443), 0);
}

static void test_client_hint(void **state)
{
    (void)state;
    assert_int_equal(conn_client_hint(span_make(ch_record, sizeof ch_record)), 1);
    assert_int_equal(conn_client_hint(span_make(server_flight, sizeof server_flight)), -1);
    assert_int_equal(conn_client_hint(span_make(ccs_finished, sizeof ccs_finished)), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_implicit_tls12),
        T(test_implicit_tls12_fragmented),
        T(test_proxy_v1_then_tls),
        T(test_proxy_v2_rejected_is_skipped),
        T(test_proxy_v1_rejected_is_skipped),
        T(test_prefix_alone_split_everywhere),
        T(test_prefix_alone_both_sides),
        T(test_prefix_alone_without_hello),
        T(test_prefix_alone_bounded),
        T(test_prefix_alone_not_a_dialogue),
        T(test_proxy_v1_rejected_split),
        T(test_proxy_v1_rejected_split_everywhere),
        T(test_proxy_v1_rejected_without_end),
        T(test_proxy_header_cut_by_gap),
        T(test_proxy_v2_destination_unique_id),
        T(test_proxy_health_checks),
        T(test_not_tls),
        T(test_not_tls_records),
        T(test_starttls_refused),
        T(test_starttls_upgraded),
        T(test_unexpected_message_counted),
        T(test_alert_after_server_fin),
        T(test_plaintext_server_banner_first),
        T(test_plaintext_server_answers_hello),
        T(test_not_plaintext_server),
        T(test_gap_order_not_judged),
        T(test_records_malformed),
        T(test_close_without_hello),
        T(test_gap_truncates),
        T(test_guess),
        T(test_client_hint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
