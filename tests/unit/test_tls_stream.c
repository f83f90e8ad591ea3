/* test_tls_stream.c - dissect/tls_stream.c: TLS record and handshake framing
 * over pieces of a reassembled stream (RFC 8446 5.1, RFC 5246 6.2, E.2).
 *
 * Every callback is logged (with a hash of any body) so that one input fed
 * whole, split in two at every byte, and split in three at every pair of
 * bytes can be compared event for event, the way picotls tests fragmented
 * messages. Each piece is an exact-size heap copy freed right after its
 * feed: AddressSanitizer then catches both over-reads and any pointer the
 * stream kept into borrowed packet memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/bufpool.h"
#include "dissect/tls_stream.h"
#include "test_util.h"

/* ---- event log ---------------------------------------------------------- */

enum ev_kind { EV_RECORD = 1, EV_HANDSHAKE, EV_ALERT, EV_SSLV2, EV_SSLV2_RECORD };

struct event {
    int kind;
    uint8_t type;            /* content type, handshake type, or alert level */
    uint8_t description;     /* alert description */
    uint16_t version;        /* record version */
    uint16_t length;         /* record length */
    bool encrypted;
    const uint8_t *p;        /* body as delivered (valid only during the callback) */
    size_t n;
    uint64_t hash;           /* FNV-1a of the body */
};

#define MAX_EVENTS 128

struct log {
    uint32_t want_mask;      /* handshake types (< 32) to keep whole */
    size_t n;
    bool overflow;
    struct event ev[MAX_EVENTS];
};

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static struct event *log_add(struct log *l, int kind)
{
    if (l->n == MAX_EVENTS) {
        l->overflow = true;
        return NULL;
    }
    struct event *e = &l->ev[l->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    return e;
}

/* Empties `l` for a run that keeps the handshake types in `want_mask`. */
static void reset_log(struct log *l, uint32_t want_mask)
{
    memset(l, 0, sizeof *l);
    l->want_mask = want_mask;
}

/* A log on the heap: it is too large for the stack. */
static struct log *new_log(uint32_t want_mask)
{
    struct log *l = malloc(sizeof *l);
    assert_non_null(l);
    reset_log(l, want_mask);
    return l;
}

static bool on_want(void *ctx, uint8_t hs_type)
{
    const struct log *l = ctx;
    return hs_type < 32 && (l->want_mask >> hs_type & 1u);
}

static void on_handshake(void *ctx, uint8_t hs_type, struct span body, uint16_t record_version)
{
    struct event *e = log_add(ctx, EV_HANDSHAKE);
    assert_true(span_ok(&body));
    if (!e)
        return;
    e->type = hs_type;
    e->version = record_version;
    e->p = body.p;
    e->n = body.n;
    e->hash = fnv1a(body.p, body.n);
}

static void on_record(void *ctx, uint8_t content_type, uint16_t version, uint16_t length, bool encrypted)
{
    struct event *e = log_add(ctx, EV_RECORD);
    if (!e)
        return;
    e->type = content_type;
    e->version = version;
    e->length = length;
    e->encrypted = encrypted;
}

static void on_alert(void *ctx, uint8_t level, uint8_t description)
{
    struct event *e = log_add(ctx, EV_ALERT);
    if (!e)
        return;
    e->type = level;
    e->description = description;
}

static void on_sslv2(void *ctx, struct span record)
{
    struct event *e = log_add(ctx, EV_SSLV2);
    if (!e)
        return;
    e->p = record.p;
    e->n = record.n;
    e->hash = fnv1a(record.p, record.n);
}

static void on_sslv2_record(void *ctx, struct span record, bool encrypted)
{
    struct event *e = log_add(ctx, EV_SSLV2_RECORD);
    assert_true(encrypted ? record.n == 0 : record.n >= 3);
    if (!e)
        return;
    e->encrypted = encrypted;
    e->p = record.p;
    e->n = record.n;
    e->hash = fnv1a(record.p, record.n);
}

static struct tls_stream_events events_for(struct log *l)
{
    struct tls_stream_events ev = {
        .ctx = l,
        .want = on_want,
        .handshake = on_handshake,
        .record = on_record,
        .alert = on_alert,
        .sslv2_hello = on_sslv2,
        .sslv2_record = on_sslv2_record,
    };
    return ev;
}

#define WANT(t) (1u << (t))
/* What the server direction of dissect/conn.c keeps. */
#define WANT_SERVER                                                                                \
    (WANT(TLS_HS_SERVER_HELLO) | WANT(TLS_HS_CERTIFICATE) | WANT(TLS_HS_SERVER_KEY_EXCHANGE) |      \
     WANT(TLS_HS_SERVER_HELLO_DONE))

static bool same_event(const struct event *a, const struct event *b)
{
    return a->kind == b->kind && a->type == b->type && a->description == b->description &&
           a->version == b->version && a->length == b->length && a->encrypted == b->encrypted && a->n == b->n &&
           a->hash == b->hash;
}

static void expect_same_log(const struct log *got, const struct log *want)
{
    assert_false(got->overflow);
    assert_int_equal(got->n, want->n);
    for (size_t i = 0; i < want->n; i++)
        assert_true(same_event(&got->ev[i], &want->ev[i]));
}

/* `got` is an initial part of `want`: nothing spurious, nothing reordered. */
static void expect_log_prefix(const struct log *got, const struct log *want)
{
    assert_false(got->overflow);
    assert_true(got->n <= want->n);
    for (size_t i = 0; i < got->n; i++)
        assert_true(same_event(&got->ev[i], &want->ev[i]));
}

/* Feeds one piece from an exact-size heap copy, freed after the call. */
static enum tls_stream_mode feed_copy(struct tls_stream *s, const uint8_t *p, size_t n,
                                      const struct tls_stream_events *ev)
{
    uint8_t *copy = test_exact_copy(p, n);
    enum tls_stream_mode m = tls_stream_feed(s, span_make(copy, n), ev);
    free(copy);
    return m;
}

/* Feeds `p` cut at the given offsets (ascending, inside (0, n)). */
static enum tls_stream_mode feed_cut(struct tls_stream *s, const uint8_t *p, size_t n, const size_t *cuts,
                                     size_t ncuts, const struct tls_stream_events *ev)
{
    size_t at = 0;
    enum tls_stream_mode m = (enum tls_stream_mode)s->mode;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : n;
        m = feed_copy(s, p + at, end - at, ev);
        at = end;
    }
    return m;
}

static void expect_pool_empty(void)
{
    assert_int_equal(test_pool_in_use(), 0);
}

/* Runs `p` whole into `ref`, then split in two at every byte and in three at
 * every pair of bytes: every run must log exactly `ref` and end in the same
 * mode and flags. */
static void check_splits_from(const struct tls_stream *init, const uint8_t *p, size_t n, uint32_t want_mask,
                              enum tls_stream_mode want_mode)
{
    struct log *ref = new_log(want_mask);
    struct log *got = new_log(want_mask);
    struct tls_stream_events ev = events_for(ref);
    struct tls_stream s0 = *init;
    assert_int_equal(feed_copy(&s0, p, n, &ev), want_mode);
    tls_stream_release(&s0);

    ev = events_for(got);
    for (size_t i = 1; i < n; i++) {
        reset_log(got, want_mask);
        struct tls_stream s = *init;
        size_t cuts[1] = { i };
        assert_int_equal(feed_cut(&s, p, n, cuts, 1, &ev), want_mode);
        expect_same_log(got, ref);
        assert_int_equal(s.malformed, s0.malformed);
        assert_int_equal(s.truncated, s0.truncated);
        tls_stream_release(&s);
    }
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            reset_log(got, want_mask);
            struct tls_stream s = *init;
            size_t cuts[2] = { i, j };
            assert_int_equal(feed_cut(&s, p, n, cuts, 2, &ev), want_mode);
            expect_same_log(got, ref);
            tls_stream_release(&s);
        }
    }
    /* Every strict prefix, alone: no crash, nothing that the whole input
     * would not also have reported. */
    for (size_t k = 0; k < n; k++) {
        reset_log(got, want_mask);
        struct tls_stream s = *init;
        feed_copy(&s, p, k, &ev);
        expect_log_prefix(got, ref);
        tls_stream_release(&s);
    }
    expect_pool_empty();
    free(ref);
    free(got);
}

static void check_all_splits(const uint8_t *p, size_t n, uint32_t want_mask, bool allow_sslv2,
                             enum tls_stream_mode want_mode)
{
    const struct tls_stream init = { .allow_sslv2 = allow_sslv2, .pool = &test_pool };
    check_splits_from(&init, p, n, want_mask, want_mode);
}

/* ---- inputs ------------------------------------------------------------- */

/* A ClientHello in one record (bodies are opaque to the framing layer). */
static const uint8_t client_hello_record[] = {
    0x16, 0x03, 0x01, 0x00, 0x0a,   /* record: handshake, TLS 1.0, length 10 */
    0x01, 0x00, 0x00, 0x06,         /* client_hello, length 6 */
    0x03, 0x03, 0xaa, 0xbb, 0xcc, 0xdd,
};

/* A TLS 1.2 server flight, with every framing case in it. */
static const uint8_t server_flight[] = {
    /* [0] record 1: handshake, TLS 1.2, length 20: two whole messages */
    0x16, 0x03, 0x03, 0x00, 0x14,
    0x02, 0x00, 0x00, 0x06,             /* [5] server_hello, length 6 */
    0x03, 0x03, 0x11, 0x22, 0x33, 0x44,
    0x0b, 0x00, 0x00, 0x06,             /* [15] certificate, length 6 */
    0x00, 0x00, 0x03, 0x01, 0x02, 0x03,
    /* [25] record 2: handshake, TLS 1.0, length 7: a server_key_exchange starts */
    0x16, 0x03, 0x01, 0x00, 0x07,
    0x0c, 0x00, 0x00, 0x08,             /* server_key_exchange, length 8 */
    0x03, 0x00, 0x1d,                   /*   its first 3 bytes */
    /* [37] record 3: handshake, TLS 1.2, length 15 */
    0x16, 0x03, 0x03, 0x00, 0x0f,
    0x01, 0x04, 0xaa, 0xbb, 0xcc,       /*   the server_key_exchange's last 5 bytes */
    0x0d, 0x00, 0x00, 0x02, 0x01, 0x01, /* certificate_request, length 2 (not wanted) */
    0x0e, 0x00, 0x00, 0x00,             /* server_hello_done, length 0 */
    /* [57] record 4: alert, warning, no_renegotiation */
    0x15, 0x03, 0x03, 0x00, 0x02,
    0x01, 0x64,
    /* [64] record 5: change_cipher_spec */
    0x14, 0x03, 0x03, 0x00, 0x01,
    0x01,
    /* [70] record 6: handshake, encrypted Finished; its bytes would frame a
     * client_hello were they read as cleartext */
    0x16, 0x03, 0x03, 0x00, 0x10,
    0x01, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* [91] record 7: application_data, empty (legal) */
    0x17, 0x03, 0x03, 0x00, 0x00,
    /* [96] record 8: application_data, 3 bytes */
    0x17, 0x03, 0x03, 0x00, 0x03,
    0xde, 0xad, 0x01,
    /* [104] record 9: alert, encrypted: looks like fatal handshake_failure */
    0x15, 0x03, 0x03, 0x00, 0x02,
    0x02, 0x28,
};

/* An SSLv2-compatible CLIENT-HELLO, then a TLS record from the same client. */
static const uint8_t sslv2_stream[] = {
    0x80, 0x22,                 /* SSLv2 header: length 34 */
    0x01,                       /* CLIENT-HELLO */
    0x03, 0x01,                 /* version TLS 1.0 */
    0x00, 0x09,                 /* cipher_spec_length 9 */
    0x00, 0x00,                 /* session_id_length 0 */
    0x00, 0x10,                 /* challenge_length 16 */
    0x01, 0x00, 0x80,           /* SSL2_RC4_128_WITH_MD5 */
    0x07, 0x00, 0xc0,           /* SSL2_DES_192_EDE3_CBC_WITH_MD5 */
    0x00, 0x00, 0x2f,           /* TLS_RSA_WITH_AES_128_CBC_SHA */
    0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, /* challenge */
    0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0,
    /* [36] record: handshake, TLS 1.0, length 8 */
    0x16, 0x03, 0x01, 0x00, 0x08,
    0x10, 0x00, 0x00, 0x04,     /* client_key_exchange, length 4 */
    0x00, 0x02, 0x12, 0x34,
};
#define SSLV2_RECORD_LEN 36

/* ---- tests -------------------------------------------------------------- */

static void test_record_header_plausible(void **state)
{
    (void)state;
    uint8_t h[5] = { 0x16, 0x03, 0x03, 0x00, 0x10 };
    assert_true(tls_record_header_plausible(span_make(h, 5)));
    assert_false(tls_record_header_plausible(span_make(h, 4)));
    for (unsigned t = 0; t < 256; t++) {
        h[0] = (uint8_t)t;
        assert_int_equal(tls_record_header_plausible(span_make(h, 5)), t >= 20 && t <= 24);
    }
    h[0] = 0x16;
    h[2] = 0x00;
    assert_true(tls_record_header_plausible(span_make(h, 5)));  /* SSL 3.0 */
    h[2] = 0x04;
    assert_true(tls_record_header_plausible(span_make(h, 5)));
    h[2] = 0x05;
    assert_false(tls_record_header_plausible(span_make(h, 5)));
    h[1] = 0x02;
    h[2] = 0x00;
    assert_false(tls_record_header_plausible(span_make(h, 5)));
    h[1] = 0x03;
    h[2] = 0x03;
    h[3] = (uint8_t)(TLS_MAX_RECORD >> 8);
    h[4] = (uint8_t)TLS_MAX_RECORD;
    assert_true(tls_record_header_plausible(span_make(h, 5)));
    h[4] = (uint8_t)(TLS_MAX_RECORD + 1);
    assert_false(tls_record_header_plausible(span_make(h, 5)));
    /* Empty records: only application data may be. */
    h[3] = h[4] = 0;
    assert_false(tls_record_header_plausible(span_make(h, 5)));
    h[0] = 0x17;
    assert_true(tls_record_header_plausible(span_make(h, 5)));
    h[0] = 0x15;
    assert_false(tls_record_header_plausible(span_make(h, 5)));
}

/* A message lying in one piece is delivered in place, not copied. */
static void test_message_in_place(void **state)
{
    (void)state;
    struct log *l = new_log(WANT(TLS_HS_CLIENT_HELLO));
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .allow_sslv2 = true, .pool = &test_pool };
    size_t n = sizeof client_hello_record;
    uint8_t *buf = test_exact_copy(client_hello_record, n);
    assert_int_equal(tls_stream_feed(&s, span_make(buf, n), &ev), TLS_STREAM_RECORDS);

    assert_int_equal(l->n, 2);
    assert_int_equal(l->ev[0].kind, EV_RECORD);
    assert_int_equal(l->ev[0].type, TLS_CT_HANDSHAKE);
    assert_int_equal(l->ev[0].version, 0x0301);
    assert_int_equal(l->ev[0].length, 10);
    assert_false(l->ev[0].encrypted);
    assert_int_equal(l->ev[1].kind, EV_HANDSHAKE);
    assert_int_equal(l->ev[1].type, TLS_HS_CLIENT_HELLO);
    assert_int_equal(l->ev[1].version, 0x0301);
    assert_ptr_equal(l->ev[1].p, buf + 9);
    assert_int_equal(l->ev[1].n, 6);
    assert_int_equal(l->ev[1].hash, fnv1a(client_hello_record + 9, 6));
    assert_int_equal(s.records, 1);
    assert_false(s.malformed);
    assert_false(s.truncated);
    assert_null(s.buf);
    tls_stream_release(&s);
    free(buf);
    free(l);
}

static void test_message_splits(void **state)
{
    (void)state;
    check_all_splits(client_hello_record, sizeof client_hello_record, WANT(TLS_HS_CLIENT_HELLO), true,
                     TLS_STREAM_RECORDS);
}

/* The server flight whole: every event, with bodies in place where they
 * lay whole in one record. */
static void test_server_flight(void **state)
{
    (void)state;
    struct log *l = new_log(WANT_SERVER);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .pool = &test_pool };
    size_t n = sizeof server_flight;
    uint8_t *buf = test_exact_copy(server_flight, n);
    assert_int_equal(tls_stream_feed(&s, span_make(buf, n), &ev), TLS_STREAM_RECORDS);

    static const uint8_t ske[] = { 0x03, 0x00, 0x1d, 0x01, 0x04, 0xaa, 0xbb, 0xcc };
    size_t i = 0;
    assert_int_equal(l->n, 14);
    /* record 1: several messages in one record, each in place */
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_RECORD, .type = 22, .version = 0x0303,
                                                         .length = 20 }));
    assert_int_equal(l->ev[i].kind, EV_HANDSHAKE);
    assert_int_equal(l->ev[i].type, TLS_HS_SERVER_HELLO);
    assert_int_equal(l->ev[i].version, 0x0303);
    assert_ptr_equal(l->ev[i].p, buf + 9);
    assert_int_equal(l->ev[i].n, 6);
    i++;
    assert_int_equal(l->ev[i].type, TLS_HS_CERTIFICATE);
    assert_ptr_equal(l->ev[i].p, buf + 19);
    assert_int_equal(l->ev[i].n, 6);
    i++;
    /* records 2 and 3: a message across two records, reported whole with the
     * version of the record it began in */
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_RECORD, .type = 22, .version = 0x0301,
                                                         .length = 7 }));
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_RECORD, .type = 22, .version = 0x0303,
                                                         .length = 15 }));
    assert_int_equal(l->ev[i].kind, EV_HANDSHAKE);
    assert_int_equal(l->ev[i].type, TLS_HS_SERVER_KEY_EXCHANGE);
    assert_int_equal(l->ev[i].version, 0x0301);
    assert_int_equal(l->ev[i].n, 8);
    assert_int_equal(l->ev[i].hash, fnv1a(ske, 8));
    i++;
    /* certificate_request is skipped; an empty server_hello_done is delivered */
    assert_int_equal(l->ev[i].kind, EV_HANDSHAKE);
    assert_int_equal(l->ev[i].type, TLS_HS_SERVER_HELLO_DONE);
    assert_int_equal(l->ev[i].n, 0);
    i++;
    /* record 4: a cleartext alert */
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_RECORD, .type = 21, .version = 0x0303,
                                                         .length = 2 }));
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_ALERT, .type = 1, .description = 100 }));
    /* record 5: ChangeCipherSpec, itself in the clear */
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_RECORD, .type = 20, .version = 0x0303,
                                                         .length = 1 }));
    /* records 6-9: encrypted, only counted */
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_RECORD, .type = 22, .version = 0x0303,
                                                         .length = 16, .encrypted = true }));
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_RECORD, .type = 23, .version = 0x0303,
                                                         .length = 0, .encrypted = true }));
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_RECORD, .type = 23, .version = 0x0303,
                                                         .length = 3, .encrypted = true }));
    assert_true(same_event(&l->ev[i++], &(struct event){ .kind = EV_RECORD, .type = 21, .version = 0x0303,
                                                         .length = 2, .encrypted = true }));
    assert_int_equal(i, 14);

    assert_true(s.encrypted);
    assert_int_equal(s.records, 9);
    assert_false(s.malformed);
    assert_false(s.truncated);
    tls_stream_release(&s);
    expect_pool_empty();
    free(buf);
    free(l);
}

static void test_server_flight_splits(void **state)
{
    (void)state;
    check_all_splits(server_flight, sizeof server_flight, WANT_SERVER, false, TLS_STREAM_RECORDS);
}

/* Even the 4-byte handshake header may be cut by a record boundary. */
static void test_handshake_header_across_records(void **state)
{
    (void)state;
    static const uint8_t input[] = {
        0x16, 0x03, 0x03, 0x00, 0x02,   /* record: handshake, length 2 */
        0x02, 0x00,                     /*   server_hello header, first 2 bytes */
        0x16, 0x03, 0x03, 0x00, 0x05,   /* record: handshake, length 5 */
        0x00, 0x03,                     /*   header, last 2 bytes: length 3 */
        0x07, 0x08, 0x09,               /*   body */
    };
    struct log *l = new_log(WANT_SERVER);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .pool = &test_pool };
    assert_int_equal(feed_copy(&s, input, sizeof input, &ev), TLS_STREAM_RECORDS);
    assert_int_equal(l->n, 3);
    assert_int_equal(l->ev[2].kind, EV_HANDSHAKE);
    assert_int_equal(l->ev[2].type, TLS_HS_SERVER_HELLO);
    assert_int_equal(l->ev[2].n, 3);
    assert_int_equal(l->ev[2].hash, fnv1a(input + 14, 3));
    tls_stream_release(&s);
    free(l);
    check_all_splits(input, sizeof input, WANT_SERVER, false, TLS_STREAM_RECORDS);
}

/* An alert split across pieces is delivered once, whole. */
static void test_alert(void **state)
{
    (void)state;
    static const uint8_t alert[] = {
        0x15, 0x03, 0x03, 0x00, 0x02,   /* record: alert, TLS 1.2, length 2 */
        0x02, 0x28,                     /* fatal, handshake_failure */
    };
    struct log *l = new_log(0);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .pool = &test_pool };
    assert_int_equal(feed_copy(&s, alert, 6, &ev), TLS_STREAM_RECORDS);
    assert_int_equal(l->n, 1);
    assert_int_equal(feed_copy(&s, alert + 6, 1, &ev), TLS_STREAM_RECORDS);
    assert_int_equal(l->n, 2);
    assert_true(same_event(&l->ev[1], &(struct event){ .kind = EV_ALERT, .type = 2, .description = 40 }));
    check_all_splits(alert, sizeof alert, 0, false, TLS_STREAM_RECORDS);
    tls_stream_release(&s);
    free(l);
}

/* A capture that begins after the ChangeCipherSpec shows encrypted alerts as
 * if they were cleartext: a record longer than one alert, or a level that is
 * neither warning nor fatal, is no alert to report. */
static void test_alert_not_cleartext(void **state)
{
    (void)state;
    static const uint8_t input[] = {
        0x15, 0x03, 0x03, 0x00, 0x1a,   /* record: alert, TLS 1.2, length 26 (AEAD: 8 + 2 + 16) */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* explicit nonce */
        0x02, 0x28,                     /* what would read as fatal handshake_failure */
        0x9f, 0x41, 0x0c, 0x77, 0x2b, 0xe0, 0x13, 0x5d, 0xa8, 0x61, 0x3e, 0x04, 0xc2, 0x7d, 0x90, 0x1b, /* tag */
        0x15, 0x03, 0x03, 0x00, 0x02,   /* record: alert, length 2 */
        0x07, 0x28,                     /* level 7: not an AlertLevel */
        0x15, 0x03, 0x03, 0x00, 0x02,   /* record: alert, length 2 */
        0x01, 0x00,                     /* warning, close_notify: reported */
    };
    struct log *l = new_log(0);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .pool = &test_pool };
    assert_int_equal(feed_copy(&s, input, sizeof input, &ev), TLS_STREAM_RECORDS);
    assert_int_equal(l->n, 4); /* three records, one alert */
    assert_int_equal(l->ev[0].kind, EV_RECORD);
    assert_int_equal(l->ev[1].kind, EV_RECORD);
    assert_int_equal(l->ev[2].kind, EV_RECORD);
    assert_true(same_event(&l->ev[3], &(struct event){ .kind = EV_ALERT, .type = 1, .description = 0 }));
    check_all_splits(input, sizeof input, 0, false, TLS_STREAM_RECORDS);
    tls_stream_release(&s);
    free(l);
}

/* Bytes that cannot start a TLS record stop the direction. */
static void test_not_tls(void **state)
{
    (void)state;
    static const char http[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    struct log *l = new_log(0);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .allow_sslv2 = true, .pool = &test_pool };
    assert_int_equal(feed_copy(&s, (const uint8_t *)http, sizeof http - 1, &ev), TLS_STREAM_DEAD);
    assert_int_equal(l->n, 0);
    assert_int_equal(s.records, 0);
    assert_false(s.malformed); /* never was TLS: not malformed TLS */
    /* Dead stays dead, whatever follows. */
    assert_int_equal(feed_copy(&s, client_hello_record, sizeof client_hello_record, &ev), TLS_STREAM_DEAD);
    tls_stream_gap(&s);
    assert_int_equal(s.mode, TLS_STREAM_DEAD);
    assert_int_equal(feed_copy(&s, client_hello_record, sizeof client_hello_record, &ev), TLS_STREAM_DEAD);
    assert_int_equal(l->n, 0);
    tls_stream_release(&s);

    /* Implausible headers: version 3.5, an oversized and an empty handshake record. */
    static const uint8_t bad[][5] = {
        { 0x16, 0x03, 0x05, 0x00, 0x10 },
        { 0x16, 0x03, 0x03, 0x48, 0x01 },
        { 0x16, 0x03, 0x03, 0x00, 0x00 },
    };
    for (size_t i = 0; i < 3; i++) {
        struct tls_stream t = { .pool = &test_pool };
        assert_int_equal(feed_copy(&t, bad[i], 5, &ev), TLS_STREAM_DEAD);
        assert_false(t.malformed);
        tls_stream_release(&t);
    }
    assert_int_equal(l->n, 0);
    free(l);
}

/* Framing that breaks after TLS was recognised is malformed. */
static void test_garbage_after_records(void **state)
{
    (void)state;
    struct log *l = new_log(WANT(TLS_HS_CLIENT_HELLO));
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .pool = &test_pool };
    assert_int_equal(feed_copy(&s, client_hello_record, sizeof client_hello_record, &ev), TLS_STREAM_RECORDS);
    assert_int_equal(l->n, 2);
    static const uint8_t junk[] = { 'H', 'T', 'T', 'P', '/' };
    assert_int_equal(feed_copy(&s, junk, sizeof junk, &ev), TLS_STREAM_DEAD);
    assert_true(s.malformed);
    assert_int_equal(l->n, 2);
    tls_stream_release(&s);
    free(l);
}

/* After a gap: wait for a piece that starts with a record header, ignore
 * the rest, and forget the message that the gap cut. */
static void test_gap_resync(void **state)
{
    (void)state;
    struct log *l = new_log(WANT_SERVER);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .pool = &test_pool };

    /* Record 1, then record 2 with the start of the server_key_exchange:
     * the partial message is being kept in a pool buffer. */
    assert_int_equal(feed_copy(&s, server_flight, 37, &ev), TLS_STREAM_RECORDS);
    assert_int_equal(l->n, 4);
    assert_non_null(s.buf);

    tls_stream_gap(&s);
    assert_int_equal(s.mode, TLS_STREAM_RESYNC);
    assert_null(s.buf);
    expect_pool_empty();

    /* A piece from the middle of a record: ignored. */
    assert_int_equal(feed_copy(&s, server_flight + 40, 10, &ev), TLS_STREAM_RESYNC);
    /* A piece too short to hold a header: ignored. */
    assert_int_equal(feed_copy(&s, server_flight + 37, 4, &ev), TLS_STREAM_RESYNC);
    assert_int_equal(l->n, 4);

    /* A piece starting at record 4 (the alert): back in step. */
    assert_int_equal(feed_copy(&s, server_flight + 57, 7, &ev), TLS_STREAM_RECORDS);
    assert_int_equal(l->n, 6);
    assert_true(same_event(&l->ev[4], &(struct event){ .kind = EV_RECORD, .type = 21, .version = 0x0303,
                                                       .length = 2 }));
    assert_true(same_event(&l->ev[5], &(struct event){ .kind = EV_ALERT, .type = 1, .description = 100 }));
    /* The cut server_key_exchange was never delivered. */
    for (size_t i = 0; i < l->n; i++)
        assert_false(l->ev[i].kind == EV_HANDSHAKE && l->ev[i].type == TLS_HS_SERVER_KEY_EXCHANGE);

    /* And a whole message resumes normally. */
    assert_int_equal(feed_copy(&s, server_flight, 25, &ev), TLS_STREAM_RECORDS);
    assert_int_equal(l->n, 9);
    assert_int_equal(l->ev[7].type, TLS_HS_SERVER_HELLO);
    assert_false(s.malformed);
    tls_stream_release(&s);

    /* A gap before anything was seen: resync as well (no SSLv2 then). */
    struct tls_stream t = { .allow_sslv2 = true, .pool = &test_pool };
    tls_stream_gap(&t);
    assert_int_equal(t.mode, TLS_STREAM_RESYNC);
    assert_int_equal(feed_copy(&t, sslv2_stream, SSLV2_RECORD_LEN, &ev), TLS_STREAM_RESYNC);
    tls_stream_release(&t);
    expect_pool_empty();
    free(l);
}

static void test_sslv2_in_one_piece(void **state)
{
    (void)state;
    struct log *l = new_log(WANT(TLS_HS_CLIENT_HELLO) | WANT(TLS_HS_CLIENT_KEY_EXCHANGE));
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .allow_sslv2 = true, .pool = &test_pool };
    size_t n = sizeof sslv2_stream;
    uint8_t *buf = test_exact_copy(sslv2_stream, n);
    assert_int_equal(tls_stream_feed(&s, span_make(buf, n), &ev), TLS_STREAM_RECORDS);
    assert_int_equal(l->n, 3);
    assert_int_equal(l->ev[0].kind, EV_SSLV2);
    assert_ptr_equal(l->ev[0].p, buf); /* in place, header included */
    assert_int_equal(l->ev[0].n, SSLV2_RECORD_LEN);
    assert_true(same_event(&l->ev[1], &(struct event){ .kind = EV_RECORD, .type = 22, .version = 0x0301,
                                                       .length = 8 }));
    assert_int_equal(l->ev[2].kind, EV_HANDSHAKE);
    assert_int_equal(l->ev[2].type, TLS_HS_CLIENT_KEY_EXCHANGE);
    assert_ptr_equal(l->ev[2].p, buf + SSLV2_RECORD_LEN + 9);
    tls_stream_release(&s);

    /* The server direction does not accept SSLv2: 0x80 is no content type. */
    memset(l, 0, sizeof *l);
    struct tls_stream t = { .allow_sslv2 = false, .pool = &test_pool };
    assert_int_equal(tls_stream_feed(&t, span_make(buf, n), &ev), TLS_STREAM_DEAD);
    assert_int_equal(l->n, 0);
    tls_stream_release(&t);
    free(buf);
    free(l);
}

static void test_sslv2_splits(void **state)
{
    (void)state;
    check_all_splits(sslv2_stream, sizeof sslv2_stream,
                     WANT(TLS_HS_CLIENT_HELLO) | WANT(TLS_HS_CLIENT_KEY_EXCHANGE), true, TLS_STREAM_RECORDS);
}

/* An SSLv2 header declaring a record shorter than the 4 bytes it takes to
 * recognise one: the same (malformed) record is reported however the bytes
 * arrive, and the stray bytes after it end the direction. */
static void test_sslv2_tiny_record(void **state)
{
    (void)state;
    static const uint8_t tiny[] = {
        0x80, 0x01,             /* SSLv2 header: length 1 */
        0x01,                   /* CLIENT-HELLO, and the record's end */
        0x03, 0x01, 0x00, 0x2e, 0x00, /* stray bytes: no record header */
    };
    check_all_splits(tiny, sizeof tiny, 0, true, TLS_STREAM_DEAD);
    struct log *l = new_log(0);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .allow_sslv2 = true, .pool = &test_pool };
    assert_int_equal(feed_copy(&s, tiny, sizeof tiny, &ev), TLS_STREAM_DEAD);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->ev[0].kind, EV_SSLV2);
    assert_int_equal(l->ev[0].n, 3);
    assert_int_equal(l->ev[0].hash, fnv1a(tiny, 3));
    tls_stream_release(&s);
    free(l);
}

/* An SSL 2.0 client: CLIENT-HELLO, CLIENT-MASTER-KEY (cleartext, whole),
 * then encrypted records (2- and 3-byte headers), only counted; a 3-byte
 * ERROR is cleartext even then (no encrypted record is that short). */
static const uint8_t sslv2_client_session[] = {
    0x80, 0x1f,                 /* SSLv2 header: length 31 */
    0x01,                       /* CLIENT-HELLO */
    0x00, 0x02,                 /* version SSL 2.0 */
    0x00, 0x06,                 /* cipher_spec_length 6 */
    0x00, 0x00,                 /* session_id_length 0 */
    0x00, 0x10,                 /* challenge_length 16 */
    0x01, 0x00, 0x80,           /* SSL2_RC4_128_WITH_MD5 */
    0x07, 0x00, 0xc0,           /* SSL2_DES_192_EDE3_CBC_WITH_MD5 */
    0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, /* challenge */
    0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0,
    /* [33] CLIENT-MASTER-KEY, 2-byte header, length 14 */
    0x80, 0x0e,
    0x02,                       /* CLIENT-MASTER-KEY */
    0x01, 0x00, 0x80,           /* SSL2_RC4_128_WITH_MD5 */
    0x00, 0x00,                 /* clear_key_length 0 */
    0x00, 0x04,                 /* encrypted_key_length 4 */
    0x00, 0x00,                 /* key_arg_length 0 */
    0xe0, 0xe1, 0xe2, 0xe3,     /* encrypted key */
    /* [49] encrypted record, 2-byte header, length 18 (MAC and CLIENT-FINISHED) */
    0x80, 0x12,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
    0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61,
    /* [69] encrypted record, 3-byte header, length 20, padding 4 */
    0x00, 0x14, 0x04,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
    0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83,
    /* [92] ERROR, 2-byte header, length 3: NO-CIPHER-ERROR */
    0x80, 0x03, 0x00, 0x00, 0x01,
};
#define SSLV2_CLIENT_HELLO_LEN 33
#define SSLV2_CMK_AT 33
#define SSLV2_CMK_LEN 16
#define SSLV2_ERROR_AT 92

static void test_sslv2_client_session(void **state)
{
    (void)state;
    struct log *l = new_log(0);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .allow_sslv2 = true, .pool = &test_pool };
    size_t n = sizeof sslv2_client_session;
    assert_int_equal(n, 97);
    uint8_t *buf = test_exact_copy(sslv2_client_session, n);
    assert_int_equal(tls_stream_feed(&s, span_make(buf, n), &ev), TLS_STREAM_SSLV2_RECORDS);
    assert_int_equal(l->n, 5);
    assert_int_equal(l->ev[0].kind, EV_SSLV2);
    assert_int_equal(l->ev[0].n, SSLV2_CLIENT_HELLO_LEN);
    assert_int_equal(l->ev[1].kind, EV_SSLV2_RECORD);
    assert_false(l->ev[1].encrypted);
    assert_ptr_equal(l->ev[1].p, buf + SSLV2_CMK_AT); /* in place, header included */
    assert_int_equal(l->ev[1].n, SSLV2_CMK_LEN);
    for (size_t i = 2; i <= 3; i++) {
        assert_int_equal(l->ev[i].kind, EV_SSLV2_RECORD);
        assert_true(l->ev[i].encrypted);
        assert_int_equal(l->ev[i].n, 0);
    }
    assert_false(l->ev[4].encrypted);
    assert_ptr_equal(l->ev[4].p, buf + SSLV2_ERROR_AT);
    assert_int_equal(l->ev[4].n, 5);
    assert_int_equal(s.records, 4);
    assert_false(s.malformed);
    tls_stream_release(&s);
    free(buf);
    free(l);
    check_all_splits(sslv2_client_session, n, 0, true, TLS_STREAM_SSLV2_RECORDS);
}

/* An SSL 2.0 server: its SERVER-HELLO whole, then encrypted records. Only a
 * server whose client opened in SSLv2 (sslv2_session) is read so. */
static const uint8_t sslv2_server_session[] = {
    0x80, 0x25,                 /* 2-byte header, length 37 */
    0x04,                       /* SERVER-HELLO */
    0x00,                       /* session_id_hit: no */
    0x01,                       /* certificate_type: X.509 */
    0x00, 0x02,                 /* server_version: SSL 2.0 */
    0x00, 0x04,                 /* certificate_length 4 */
    0x00, 0x06,                 /* cipher_specs_length 6 */
    0x00, 0x10,                 /* connection_id_length 16 */
    0x30, 0x02, 0x05, 0x00,     /* certificate (a stand-in DER) */
    0x01, 0x00, 0x80,           /* SSL2_RC4_128_WITH_MD5 */
    0x07, 0x00, 0xc0,           /* SSL2_DES_192_EDE3_CBC_WITH_MD5 */
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* connection id */
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
    /* [39] encrypted record (SERVER-VERIFY), length 17 */
    0x80, 0x11,
    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
    0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0,
};

static void test_sslv2_server_session(void **state)
{
    (void)state;
    struct log *l = new_log(WANT_SERVER);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .sslv2_session = true, .pool = &test_pool };
    size_t n = sizeof sslv2_server_session;
    uint8_t *buf = test_exact_copy(sslv2_server_session, n);
    assert_int_equal(tls_stream_feed(&s, span_make(buf, n), &ev), TLS_STREAM_SSLV2_RECORDS);
    assert_int_equal(l->n, 2);
    assert_int_equal(l->ev[0].kind, EV_SSLV2_RECORD);
    assert_false(l->ev[0].encrypted);
    assert_ptr_equal(l->ev[0].p, buf);
    assert_int_equal(l->ev[0].n, 39);
    assert_int_equal(l->ev[1].kind, EV_SSLV2_RECORD);
    assert_true(l->ev[1].encrypted);
    tls_stream_release(&s);
    const struct tls_stream init = { .sslv2_session = true, .pool = &test_pool };
    check_splits_from(&init, sslv2_server_session, n, WANT_SERVER, TLS_STREAM_SSLV2_RECORDS);

    /* The same bytes from a server whose client did not open in SSLv2. */
    reset_log(l, WANT_SERVER);
    struct tls_stream t = { .pool = &test_pool };
    assert_int_equal(tls_stream_feed(&t, span_make(buf, n), &ev), TLS_STREAM_DEAD);
    assert_int_equal(l->n, 0);
    tls_stream_release(&t);

    /* A record length no SSLv2 record has (0) ends the direction. */
    reset_log(l, WANT_SERVER);
    struct tls_stream u = { .sslv2_session = true, .pool = &test_pool };
    assert_int_equal(feed_copy(&u, sslv2_server_session, 39, &ev), TLS_STREAM_SSLV2_RECORDS);
    static const uint8_t empty_record[] = { 0x80, 0x00 };
    assert_int_equal(feed_copy(&u, empty_record, sizeof empty_record, &ev), TLS_STREAM_DEAD);
    assert_true(u.malformed);
    assert_int_equal(l->n, 1);
    tls_stream_release(&u);
    expect_pool_empty();
    free(buf);
    free(l);
}

/* The common case: an SSLv2-compatible CLIENT-HELLO answered by a TLS
 * ServerHello. The server's direction is read as TLS, as always. */
static void test_sslv2_client_tls_server(void **state)
{
    (void)state;
    const struct tls_stream init = { .sslv2_session = true, .pool = &test_pool };
    check_splits_from(&init, server_flight, sizeof server_flight, WANT_SERVER, TLS_STREAM_RECORDS);
    struct log *l = new_log(WANT_SERVER);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = init;
    assert_int_equal(feed_copy(&s, server_flight, sizeof server_flight, &ev), TLS_STREAM_RECORDS);
    for (size_t i = 0; i < l->n; i++)
        assert_int_not_equal(l->ev[i].kind, EV_SSLV2_RECORD);
    assert_int_equal(l->ev[0].kind, EV_RECORD);
    tls_stream_release(&s);
    free(l);
}

/* Handshake messages of `len` body bytes (type 11, bytes i & 0xff), then a
 * server_hello_done, cut into handshake records of at most 16384 bytes. */
static uint8_t *build_big_flight(size_t len, size_t *out_n)
{
    size_t msgs = 4 + len + 4;
    uint8_t *hs = malloc(msgs);
    assert_non_null(hs);
    hs[0] = TLS_HS_CERTIFICATE;
    hs[1] = (uint8_t)(len >> 16);
    hs[2] = (uint8_t)(len >> 8);
    hs[3] = (uint8_t)len;
    for (size_t i = 0; i < len; i++)
        hs[4 + i] = (uint8_t)i;
    memcpy(hs + 4 + len, "\x0e\x00\x00\x00", 4);

    size_t nrec = (msgs + 16383) / 16384;
    size_t n = msgs + 5 * nrec;
    uint8_t *out = malloc(n);
    assert_non_null(out);
    size_t off = 0;
    for (size_t at = 0; at < msgs; at += 16384) {
        size_t k = msgs - at < 16384 ? msgs - at : 16384;
        out[off++] = 0x16;
        out[off++] = 0x03;
        out[off++] = 0x03;
        out[off++] = (uint8_t)(k >> 8);
        out[off++] = (uint8_t)k;
        memcpy(out + off, hs + at, k);
        off += k;
    }
    assert_int_equal(off, n);
    free(hs);
    *out_n = n;
    return out;
}

/* FNV-1a of the body build_big_flight writes: byte i is i & 0xff. */
static uint64_t pattern_hash(size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)i;
        h *= 0x100000001b3u;
    }
    return h;
}

static size_t count_handshakes(const struct log *l, uint8_t type)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        k += l->ev[i].kind == EV_HANDSHAKE && l->ev[i].type == type;
    return k;
}

/* The largest message kept is delivered; one byte more is not (and the
 * direction is marked truncated), and framing goes on past it. */
static void test_message_size_limit(void **state)
{
    (void)state;
    struct log *l = new_log(WANT_SERVER);
    struct tls_stream_events ev = events_for(l);

    size_t n;
    uint8_t *buf = build_big_flight(TLS_MAX_KEPT_MESSAGE, &n);
    struct tls_stream s = { .pool = &test_pool };
    assert_int_equal(tls_stream_feed(&s, span_make(buf, n), &ev), TLS_STREAM_RECORDS);
    assert_false(s.truncated);
    assert_int_equal(count_handshakes(l, TLS_HS_CERTIFICATE), 1);
    assert_int_equal(count_handshakes(l, TLS_HS_SERVER_HELLO_DONE), 1);
    for (size_t i = 0; i < l->n; i++) {
        if (l->ev[i].kind == EV_HANDSHAKE && l->ev[i].type == TLS_HS_CERTIFICATE) {
            assert_int_equal(l->ev[i].n, TLS_MAX_KEPT_MESSAGE);
            assert_int_equal(l->ev[i].hash, pattern_hash(TLS_MAX_KEPT_MESSAGE));
        }
    }
    tls_stream_release(&s);
    expect_pool_empty();
    free(buf);

    reset_log(l, WANT_SERVER);
    buf = build_big_flight(TLS_MAX_KEPT_MESSAGE + 1, &n);
    struct tls_stream t = { .pool = &test_pool };
    assert_int_equal(tls_stream_feed(&t, span_make(buf, n), &ev), TLS_STREAM_RECORDS);
    assert_true(t.truncated);
    assert_false(t.malformed);
    assert_int_equal(t.not_kept, 1u << TLS_HS_CERTIFICATE); /* the line names it */
    assert_int_equal(count_handshakes(l, TLS_HS_CERTIFICATE), 0);
    assert_int_equal(count_handshakes(l, TLS_HS_SERVER_HELLO_DONE), 1);
    assert_null(t.buf); /* skipped by counting, never buffered */
    tls_stream_release(&t);
    expect_pool_empty();
    free(buf);
    free(l);
}

/* A 339 KB certificate chain (one seen in the wild) in TCP-sized pieces:
 * kept whole under the default limit; with a smaller one (tlsscope
 * --max-message) skipped by counting and named in `not_kept`. */
static void test_message_limit_configurable(void **state)
{
    (void)state;
    size_t len = 339 * 1000, n;
    uint8_t *buf = build_big_flight(len, &n);
    struct log *l = new_log(WANT_SERVER);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .pool = &test_pool };
    for (size_t at = 0; at < n; at += 1448)
        feed_copy(&s, buf + at, n - at < 1448 ? n - at : 1448, &ev);
    assert_false(s.truncated);
    assert_int_equal(s.not_kept, 0);
    assert_int_equal(count_handshakes(l, TLS_HS_CERTIFICATE), 1);
    for (size_t i = 0; i < l->n; i++) {
        if (l->ev[i].kind == EV_HANDSHAKE && l->ev[i].type == TLS_HS_CERTIFICATE) {
            assert_int_equal(l->ev[i].n, len);
            assert_int_equal(l->ev[i].hash, pattern_hash(len));
        }
    }
    tls_stream_release(&s);
    expect_pool_empty();

    /* The limit is inclusive: exactly `len` is kept, one byte less is not. */
    for (uint32_t limit = (uint32_t)len; limit + 2 > len; limit--) {
        reset_log(l, WANT_SERVER);
        struct tls_stream t = { .pool = &test_pool, .max_message = limit };
        for (size_t at = 0; at < n; at += 1448)
            feed_copy(&t, buf + at, n - at < 1448 ? n - at : 1448, &ev);
        bool kept = limit >= len;
        assert_int_equal(t.truncated, !kept);
        assert_int_equal(t.not_kept, kept ? 0u : 1u << TLS_HS_CERTIFICATE);
        assert_int_equal(count_handshakes(l, TLS_HS_CERTIFICATE), kept ? 1 : 0);
        assert_int_equal(count_handshakes(l, TLS_HS_SERVER_HELLO_DONE), 1);
        tls_stream_release(&t);
        expect_pool_empty();
    }
    free(buf);
    free(l);
}

/* A message under the limit that the buffer budget cannot hold is dropped
 * the same way, and named the same way. */
static void test_message_over_budget(void **state)
{
    (void)state;
    struct bufpool small;
    bufpool_init(&small, 64 * 1024);
    size_t n;
    uint8_t *buf = build_big_flight(100000, &n);
    struct log *l = new_log(WANT_SERVER);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .pool = &small };
    for (size_t at = 0; at < n; at += 1448)
        feed_copy(&s, buf + at, n - at < 1448 ? n - at : 1448, &ev);
    assert_true(s.truncated);
    assert_int_equal(s.not_kept, 1u << TLS_HS_CERTIFICATE);
    assert_int_equal(count_handshakes(l, TLS_HS_CERTIFICATE), 0);
    assert_int_equal(count_handshakes(l, TLS_HS_SERVER_HELLO_DONE), 1);
    tls_stream_release(&s);
    struct bufpool_stats st;
    bufpool_get_stats(&small, &st);
    assert_int_equal(st.in_use, 0);
    assert_true(st.denied > 0);
    bufpool_release_all(&small);
    free(buf);
    free(l);
}

/* The kept message's bytes arrive intact across 17 records. */
static void test_big_message_content(void **state)
{
    (void)state;
    size_t len = 100000, n;
    uint8_t *buf = build_big_flight(len, &n);
    struct log *l = new_log(WANT_SERVER);
    struct tls_stream_events ev = events_for(l);
    struct tls_stream s = { .pool = &test_pool };
    /* in pieces of 1000 bytes, as TCP segments might bring them */
    for (size_t at = 0; at < n; at += 1000)
        feed_copy(&s, buf + at, n - at < 1000 ? n - at : 1000, &ev);
    assert_int_equal(s.mode, TLS_STREAM_RECORDS);
    assert_int_equal(count_handshakes(l, TLS_HS_CERTIFICATE), 1);
    for (size_t i = 0; i < l->n; i++)
        if (l->ev[i].kind == EV_HANDSHAKE && l->ev[i].type == TLS_HS_CERTIFICATE) {
            assert_int_equal(l->ev[i].n, len);
            assert_int_equal(l->ev[i].hash, pattern_hash(len));
        }
    tls_stream_release(&s);
    expect_pool_empty();
    free(buf);
    free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_header_plausible),
        cmocka_unit_test(test_message_in_place),
        cmocka_unit_test(test_message_splits),
        cmocka_unit_test(test_server_flight),
        cmocka_unit_test(test_server_flight_splits),
        cmocka_unit_test(test_handshake_header_across_records),
        cmocka_unit_test(test_alert),
        cmocka_unit_test(test_alert_not_cleartext),
        cmocka_unit_test(test_not_tls),
        cmocka_unit_test(test_garbage_after_records),
        cmocka_unit_test(test_gap_resync),
        cmocka_unit_test(test_sslv2_in_one_piece),
        cmocka_unit_test(test_sslv2_splits),
        cmocka_unit_test(test_sslv2_tiny_record),
        cmocka_unit_test(test_sslv2_client_session),
        cmocka_unit_test(test_sslv2_server_session),
        cmocka_unit_test(test_sslv2_client_tls_server),
        cmocka_unit_test(test_message_size_limit),
        cmocka_unit_test(test_message_limit_configurable),
        cmocka_unit_test(test_message_over_budget),
        cmocka_unit_test(test_big_message_content),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    bufpool_release_all(&test_pool);
    return rc;
}
