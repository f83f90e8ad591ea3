/* test_dtls.c - dissect/dtls.c: DTLS records and handshake fragments as the
 * flow table delivers them, a datagram at a time: a ClientHello whole and
 * with its cookie taken out, a HelloVerifyRequest starting the client over,
 * a ServerHello cut into fragments that come out of order and repeated,
 * several records and messages in one datagram, alerts, the outcome after
 * ChangeCipherSpec and epoch 1 both ways, DTLS 1.3's encrypted unified
 * header, fragments that lie, and every strict prefix of a datagram in an
 * exact-size heap buffer.
 */
#include "test_util.h"

#include "dissect/dtls.h"

/* ---- messages ----------------------------------------------------------- */

/* A DTLS 1.2 ClientHello body (RFC 6347 4.2.1), cookie empty. */
static const uint8_t client_hello_body[] = {
    0xfe, 0xfd,                                     /* client_version DTLS 1.2 */
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, /* random */
    0x00,                                           /* session_id: empty */
    0x00,                                           /* cookie: empty */
    0x00, 0x04, 0xc0, 0x2b, 0xc0, 0x2f,             /* two suites */
    0x01, 0x00,                                     /* compression: null */
    0x00, 0x13,                                     /* extensions: 19 bytes */
    0x00, 0x00, 0x00, 0x0f, 0x00, 0x0d, 0x00, 0x00, 0x0a, /* server_name: host_name, 10 bytes */
    'd', 't', 'l', 's', '.', 'e', 'x', 'a', 'm', 'p',
};

/* The same after a HelloVerifyRequest: cookie "abcd", and one more suite. */
static const uint8_t client_hello_cookie_body[] = {
    0xfe, 0xfd,
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
    0x00,                                           /* session_id: empty */
    0x04, 'a', 'b', 'c', 'd',                       /* cookie */
    0x00, 0x06, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9c, /* three suites */
    0x01, 0x00,
    0x00, 0x13,
    0x00, 0x00, 0x00, 0x0f, 0x00, 0x0d, 0x00, 0x00, 0x0a,
    'd', 't', 'l', 's', '.', 'e', 'x', 'a', 'm', 'p',
};

static const uint8_t hello_verify_body[] = {
    0xfe, 0xff,                                     /* server_version DTLS 1.0 (RFC 6347 4.2.1) */
    0x04, 'a', 'b', 'c', 'd',                       /* cookie */
};

/* ServerHello: DTLS 1.2, ECDHE-RSA-AES128-GCM, extended_master_secret. */
static const uint8_t server_hello_body[] = {
    0xfe, 0xfd,
    32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
    16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, /* random */
    0x00,                                           /* session_id: empty */
    0xc0, 0x2f,                                     /* cipher */
    0x00,                                           /* compression */
    0x00, 0x04, 0x00, 0x17, 0x00, 0x00,             /* extensions: extended_master_secret */
};

enum { BUF = 2048 };

/* A handshake fragment (RFC 6347 4.2.2): header and bytes [off, off + n)
 * of `body` (a message of `len` bytes). */
static size_t hs_fragment(uint8_t *out, uint8_t type, uint16_t seq, const uint8_t *body, size_t len, size_t off,
                          size_t n)
{
    size_t k = 0;
    out[k++] = type;
    out[k++] = (uint8_t)(len >> 16);
    out[k++] = (uint8_t)(len >> 8);
    out[k++] = (uint8_t)len;
    out[k++] = (uint8_t)(seq >> 8);
    out[k++] = (uint8_t)seq;
    out[k++] = (uint8_t)(off >> 16);
    out[k++] = (uint8_t)(off >> 8);
    out[k++] = (uint8_t)off;
    out[k++] = (uint8_t)(n >> 16);
    out[k++] = (uint8_t)(n >> 8);
    out[k++] = (uint8_t)n;
    memcpy(out + k, body + off, n);
    return k + n;
}

/* A record (RFC 6347 4.1) around `body`, appended at out; returns its length. */
static size_t record(uint8_t *out, uint8_t type, uint16_t version, uint16_t epoch, uint64_t seq, const uint8_t *body,
                     size_t n)
{
    size_t k = 0;
    out[k++] = type;
    out[k++] = (uint8_t)(version >> 8);
    out[k++] = (uint8_t)version;
    out[k++] = (uint8_t)(epoch >> 8);
    out[k++] = (uint8_t)epoch;
    for (int i = 5; i >= 0; i--)
        out[k++] = (uint8_t)(seq >> (8 * i));
    out[k++] = (uint8_t)(n >> 8);
    out[k++] = (uint8_t)n;
    memmove(out + k, body, n);
    return k + n;
}

/* A record holding one whole handshake message. */
static size_t hs_record(uint8_t *out, uint8_t type, uint16_t record_version, uint16_t seq, const uint8_t *body,
                        size_t len)
{
    uint8_t frag[BUF];
    size_t n = hs_fragment(frag, type, seq, body, len, 0, len);
    return record(out, 22, record_version, 0, seq, frag, n);
}

/* ---- harness -------------------------------------------------------------- */

struct run {
    struct conn_dissector d;
    struct dtls_dissector x;
    struct dtls_conn *c;
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
    ((struct run *)ctx)->notes[what]++;
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
    x->x.d = &x->d;
    x->meta.ip_version = 4;
    x->meta.transport = FLOW_TRANSPORT_UDP;
    x->meta.server_port = 4433;
    dtls_begin(&x->x, x->c);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct run *x = *state;
    dtls_end(&x->x, x->c);
    free(x->c);
    free(x);
    return test_pool_end() ? 0 : -1;
}

static enum conn_verdict datagram(struct run *x, int dir, const uint8_t *p, size_t n)
{
    uint8_t *b = test_exact_copy(p, n);
    enum conn_verdict v = dtls_datagram(&x->x, x->c, &x->meta, dir, span_make(b, n));
    free(b);
    return v;
}

static void expect_first_hello(const struct tls_client_report *c)
{
    assert_true(c->seen && c->parsed);
    assert_int_equal(c->record_version, 0xfeff);
    assert_int_equal(c->legacy_version, 0xfefd);
    assert_int_equal(c->ciphers.n, 2);
    assert_int_equal(c->ciphers.v[1], 0xc02f);
    assert_int_equal(c->sni_len, 10);
    assert_memory_equal(c->sni, "dtls.examp", 10);
    assert_int_equal(c->extensions.n, 1);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_sniff(void **state)
{
    (void)state;
    uint8_t d[BUF];
    size_t n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(dtls_sniff(span_make(d, n)), 1);
    n = hs_record(d, 3, 0xfeff, 0, hello_verify_body, sizeof hello_verify_body);
    assert_int_equal(dtls_sniff(span_make(d, n)), -1);
    n = hs_record(d, 2, 0xfefd, 1, server_hello_body, sizeof server_hello_body);
    assert_int_equal(dtls_sniff(span_make(d, n)), -1);
    n = record(d, 23, 0xfefd, 1, 5, (const uint8_t *)"secret", 6); /* application data, epoch 1 */
    assert_int_equal(dtls_sniff(span_make(d, n)), 2);
    n = hs_record(d, 1, 0x0100, 0, client_hello_body, sizeof client_hello_body); /* OpenSSL's pre-RFC DTLS */
    assert_int_equal(dtls_sniff(span_make(d, n)), 1);
    /* TLS over UDP is not DTLS; a length past the datagram is not either. */
    n = hs_record(d, 1, 0x0303, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(dtls_sniff(span_make(d, n)), 0);
    n = hs_record(d, 1, 0xfefd, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(dtls_sniff(span_make(d, n - 1)), 0);
    static const uint8_t stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
    assert_int_equal(dtls_sniff(span_make(stun, sizeof stun)), 0);
    for (size_t i = 0; i < 13; i++) {
        uint8_t *b = test_exact_copy(d, i);
        assert_int_equal(dtls_sniff(span_make(b, i)), 0);
        free(b);
    }
}

/* A ClientHello, the ServerHello, ChangeCipherSpec and an epoch-1 Finished
 * each way: established. */
static void test_full_handshake(void **state)
{
    struct run *x = *state;
    uint8_t d[BUF];
    size_t n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    expect_first_hello(&x->c->report.client);
    n = hs_record(d, 2, 0xfefd, 0, server_hello_body, sizeof server_hello_body);
    static const uint8_t done[] = { 14, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 }; /* ServerHelloDone, seq 1 */
    n += record(d + n, 22, 0xfefd, 0, 1, done, sizeof done);               /* two records, one datagram */
    assert_int_equal(datagram(x, DIR_S2C, d, n), CONN_CONTINUE);
    const struct tls_server_report *s = &x->c->report.server;
    assert_true(s->seen && s->parsed);
    assert_int_equal(s->cipher, 0xc02f);
    assert_int_equal(s->legacy_version, 0xfefd);
    static const uint8_t ccs[] = { 1 };
    static const uint8_t finished[40] = { 0 };
    for (int dir = 0; dir < 2; dir++) {
        n = record(d, 20, 0xfefd, 0, 3, ccs, 1);
        n += record(d + n, 22, 0xfefd, 1, 0, finished, sizeof finished);
        enum conn_verdict v = datagram(x, dir, d, n);
        assert_int_equal(v, dir == 0 ? CONN_CONTINUE : CONN_DONE);
    }
    assert_int_equal(x->emitted, 1);
    assert_int_equal(x->last_reason, CONN_REASON_HANDSHAKE_DONE);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_ESTABLISHED);
    assert_true(x->last.client.dtls);
    assert_false(x->last.server.hello_verify_request);
    assert_string_equal(x->last.context.protocol, "dtls");
    assert_int_equal(x->x.st.encrypted_records, 2);
}

/* HelloVerifyRequest: the line reports the ClientHello that carried the
 * cookie, read without it, and that the exchange happened. */
static void test_hello_verify_request(void **state)
{
    struct run *x = *state;
    uint8_t d[BUF];
    size_t n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    n = hs_record(d, 3, 0xfeff, 0, hello_verify_body, sizeof hello_verify_body);
    assert_int_equal(datagram(x, DIR_S2C, d, n), CONN_CONTINUE);
    assert_false(x->c->report.client.seen);
    n = hs_record(d, 1, 0xfefd, 1, client_hello_cookie_body, sizeof client_hello_cookie_body);
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    const struct tls_client_report *c = &x->c->report.client;
    assert_true(c->seen && c->parsed);
    assert_int_equal(c->record_version, 0xfefd);
    assert_int_equal(c->ciphers.n, 3);
    assert_int_equal(c->ciphers.v[2], 0x009c);
    assert_int_equal(c->sni_len, 10);
    assert_int_equal(x->x.st.cookie_exchanges, 1);
    assert_int_equal(x->notes[TLS_NOTE_CLIENT_HELLO], 2);
    dtls_close(&x->x, x->c, &x->meta, CONN_REASON_IDLE_TIMEOUT);
    assert_int_equal(x->emitted, 1);
    assert_true(x->last.server.hello_verify_request);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_INCOMPLETE);
    assert_false(x->last.malformed);
}

/* The ServerHello in three fragments: the last first, then the first twice
 * (a retransmission), then the middle, in another datagram with the
 * ClientHello's retransmission before it. Parsed once, when whole. */
static void test_fragments_any_order(void **state)
{
    struct run *x = *state;
    uint8_t d[BUF], f[BUF];
    size_t n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    size_t len = sizeof server_hello_body, a = 10, b = 30;
    size_t k = hs_fragment(f, 2, 0, server_hello_body, len, b, len - b);
    n = record(d, 22, 0xfefd, 0, 2, f, k);
    k = hs_fragment(f, 2, 0, server_hello_body, len, 0, a);
    n += record(d + n, 22, 0xfefd, 0, 0, f, k);
    n += record(d + n, 22, 0xfefd, 0, 0, f, k);
    assert_int_equal(datagram(x, DIR_S2C, d, n), CONN_CONTINUE);
    assert_false(x->c->report.server.seen); /* not whole yet */
    n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    assert_int_equal(x->x.st.retransmissions, 1);
    k = hs_fragment(f, 2, 0, server_hello_body, len, a, b - a);
    n = record(d, 22, 0xfefd, 0, 1, f, k);
    assert_int_equal(datagram(x, DIR_S2C, d, n), CONN_CONTINUE);
    assert_true(x->c->report.server.parsed);
    assert_int_equal(x->c->report.server.cipher, 0xc02f);
    assert_int_equal(x->notes[TLS_NOTE_SERVER_HELLO], 1);
    assert_int_equal(x->x.st.fragments, 4);
    /* The whole message again: a retransmission, not parsed twice. */
    n = hs_record(d, 2, 0xfefd, 0, server_hello_body, sizeof server_hello_body);
    assert_int_equal(datagram(x, DIR_S2C, d, n), CONN_CONTINUE);
    assert_int_equal(x->notes[TLS_NOTE_SERVER_HELLO], 1);
}

/* DTLS 1.0 with ECDHE: its ServerKeyExchange has no SignatureScheme (DTLS
 * 1.0 is TLS 1.1's datagram form), and its curve is read. */
static void test_dtls10_server_key_exchange(void **state)
{
    struct run *x = *state;
    uint8_t d[BUF];
    size_t n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    uint8_t sh[sizeof server_hello_body];
    memcpy(sh, server_hello_body, sizeof sh);
    sh[0] = 0xfe; /* DTLS 1.0 */
    sh[1] = 0xff;
    sh[35] = 0xc0; /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
    sh[36] = 0x13;
    static const uint8_t ske[] = {
        0x03, 0x00, 0x17,       /* named_curve secp256r1 */
        0x01, 0x04,             /* public point (1 byte here) */
        0x00, 0x02, 0xaa, 0xbb, /* signature, no SignatureScheme before it */
    };
    n = hs_record(d, 2, 0xfeff, 0, sh, sizeof sh);
    n += hs_record(d + n, 12, 0xfeff, 1, ske, sizeof ske);
    assert_int_equal(datagram(x, DIR_S2C, d, n), CONN_CONTINUE);
    const struct tls_server_report *s = &x->c->report.server;
    assert_true(s->ske_seen);
    assert_int_equal(s->curve, 0x0017);
    assert_int_equal(s->kx_sigalg, 0);
    assert_false(x->c->report.malformed);
}

/* On a WebRTC flow, STUN and RTP datagrams come between DTLS ones (RFC
 * 7983): they are passed over, not taken for broken records. */
static void test_demultiplexing(void **state)
{
    struct run *x = *state;
    static const uint8_t stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
    static const uint8_t rtp[12] = { 0x80, 0x6f, 0x00, 0x01 };
    uint8_t d[BUF];
    assert_int_equal(datagram(x, DIR_C2S, stun, sizeof stun), CONN_CONTINUE);
    size_t n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    assert_int_equal(datagram(x, DIR_S2C, rtp, sizeof rtp), CONN_CONTINUE);
    expect_first_hello(&x->c->report.client);
    assert_int_equal(x->x.st.other, 2);
    assert_int_equal(x->x.st.malformed, 0);
}

/* A fatal cleartext alert from the server decides at once. */
static void test_alert(void **state)
{
    struct run *x = *state;
    uint8_t d[BUF];
    size_t n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    static const uint8_t alert[] = { 2, 40 }; /* fatal handshake_failure */
    n = record(d, 21, 0xfefd, 0, 1, alert, sizeof alert);
    assert_int_equal(datagram(x, DIR_S2C, d, n), CONN_DONE);
    assert_int_equal(x->last_reason, CONN_REASON_ALERT);
    assert_int_equal(x->last.outcome, TLS_OUTCOME_ALERT);
    assert_int_equal(x->last.alert.description, 40);
    assert_int_equal(x->last.alert.sender, DIR_S2C);
}

/* Fragments that lie: past the message's length, or a record length past
 * the datagram. Counted, nothing read past the end. */
static void test_lying_lengths(void **state)
{
    struct run *x = *state;
    uint8_t d[BUF], f[BUF];
    size_t len = sizeof client_hello_body;
    size_t k = hs_fragment(f, 1, 0, client_hello_body, len, 0, 20);
    f[8] = 0xff; /* fragment_offset 255 + 20 > length */
    size_t n = record(d, 22, 0xfeff, 0, 0, f, k);
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    assert_int_equal(x->x.st.malformed, 1);
    n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    d[12] = (uint8_t)(d[12] + 1); /* record length one past the datagram */
    assert_int_equal(datagram(x, DIR_C2S, d, n), CONN_CONTINUE);
    assert_int_equal(x->x.st.malformed, 2);
    assert_false(x->c->report.client.seen);
}

/* Every strict prefix of a datagram holding the ClientHello: nothing read
 * past the end, the hello never taken; then the datagram with a trailing
 * byte (a record header cut short) still gives it. */
static void test_prefixes(void **state)
{
    struct run *x = *state;
    uint8_t d[BUF];
    size_t n = hs_record(d, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    for (size_t i = 0; i < n; i++) {
        dtls_end(&x->x, x->c);
        dtls_begin(&x->x, x->c);
        assert_int_equal(datagram(x, DIR_C2S, d, i), CONN_CONTINUE);
        assert_false(x->c->report.client.parsed);
    }
    uint8_t *b = test_exact_copy_plus(d, n, 0x16);
    assert_int_equal(dtls_datagram(&x->x, x->c, &x->meta, DIR_C2S, span_make(b, n + 1)), CONN_CONTINUE);
    free(b);
    expect_first_hello(&x->c->report.client);
}

/* DTLS 1.3's unified header is encrypted: counted, not read. A flow that
 * never shows a hello is given up. */
static void test_unified_header_and_give_up(void **state)
{
    struct run *x = *state;
    static const uint8_t unified[] = { 0x2c, 0x00, 0x05, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8 };
    enum conn_verdict v = CONN_CONTINUE;
    unsigned i = 0;
    while (v == CONN_CONTINUE && i < 100) {
        v = datagram(x, (int)(i % 2), unified, sizeof unified);
        i++;
    }
    assert_int_equal(v, CONN_DONE);
    assert_int_equal(i, DTLS_GIVE_UP_DATAGRAMS);
    assert_int_equal(x->x.st.encrypted_records, DTLS_GIVE_UP_DATAGRAMS);
    assert_int_equal(x->x.st.given_up, 1);
    assert_int_equal(x->emitted, 0);
}

/* A decided association's 4-tuple reused (RFC 6347 4.2.8): a ClientHello
 * in epoch 0, message_seq 0, with a random other than the old hello's is a
 * new association; the old one's retransmitted hello, its hello answering
 * the HelloVerifyRequest (same random, RFC 6347 4.2.1), records of a later
 * epoch, a later fragment and SRTP are not. */
static void test_reopens(void **state)
{
    struct run *x = *state;
    uint8_t first[BUF], d[BUF];
    size_t nf = hs_record(first, 1, 0xfeff, 0, client_hello_body, sizeof client_hello_body);
    assert_int_equal(datagram(x, DIR_C2S, first, nf), CONN_CONTINUE);
    uint32_t note = x->c->random_note;
    assert_int_equal(note, dq_note(span_make(client_hello_body + 2, 32)));
    size_t n = hs_record(d, 3, 0xfeff, 0, hello_verify_body, sizeof hello_verify_body);
    assert_int_equal(datagram(x, DIR_S2C, d, n), CONN_CONTINUE);
    size_t nc = hs_record(d, 1, 0xfefd, 1, client_hello_cookie_body, sizeof client_hello_cookie_body);
    assert_int_equal(datagram(x, DIR_C2S, d, nc), CONN_CONTINUE);
    assert_int_equal(x->c->random_note, note);

    assert_false(dtls_reopens(span_make(first, nf), note));
    assert_false(dtls_reopens(span_make(d, nc), note));
    assert_true(dtls_reopens(span_make(first, nf), 0)); /* no hello was seen before */

    uint8_t body[sizeof client_hello_body];
    memcpy(body, client_hello_body, sizeof body);
    body[2] ^= 0xff; /* another random */
    n = hs_record(d, 1, 0xfefd, 0, body, sizeof body);
    uint8_t *b = test_exact_copy(d, n);
    assert_true(dtls_reopens(span_make(b, n), note));
    /* Every strict prefix falls short of the random. */
    for (size_t k = 0; k < 13 + 12 + 2 + 32; k++)
        assert_false(dtls_reopens(span_make(b, k), note));
    free(b);
    d[4] = 1; /* epoch 1: encrypted, the old association's */
    assert_false(dtls_reopens(span_make(d, n), note));
    uint8_t frag[BUF];
    size_t fn = hs_fragment(frag, 1, 0, body, sizeof body, 10, sizeof body - 10);
    n = record(d, 22, 0xfefd, 0, 5, frag, fn);
    assert_false(dtls_reopens(span_make(d, n), note));
    static const uint8_t srtp[] = { 0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0 };
    assert_false(dtls_reopens(span_make(srtp, sizeof srtp), note));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        T(test_full_handshake),
        T(test_hello_verify_request),
        T(test_fragments_any_order),
        T(test_dtls10_server_key_exchange),
        T(test_demultiplexing),
        T(test_alert),
        T(test_lying_lengths),
        T(test_prefixes),
        T(test_unified_header_and_give_up),
        T(test_reopens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
