/* dtls.c - see dtls.h. */
#include "dissect/dtls.h"

#include <string.h>

#include "dissect/tls_stream.h"

#define DTLS_RECORD_HEADER 13    /* type, version, epoch, sequence_number (48 bits), length */
#define DTLS_HS_HEADER 12        /* msg_type, length, message_seq, fragment_offset, fragment_length */
#define DTLS_HELLO_VERIFY_REQUEST 3
#define DTLS_PROTOCOL "dtls"

/* Record versions a DTLS peer writes: 1.0, 1.2, 1.3 (which keeps 1.2's in
 * its cleartext records), and OpenSSL's pre-RFC 0x0100. */
static bool dtls_version(uint16_t v)
{
    return v == 0xfeff || v == 0xfefd || v == 0xfefc || v == 0x0100;
}

int dtls_sniff(struct span datagram)
{
    struct span s = datagram;
    uint8_t type = span_u8(&s);
    uint16_t version = span_u16(&s);
    uint16_t epoch = span_u16(&s);
    span_skip(&s, 6);
    uint16_t len = span_u16(&s);
    if (!span_ok(&s) || type < TLS_CT_CHANGE_CIPHER_SPEC || type > TLS_CT_APPLICATION_DATA || !dtls_version(version) ||
        len > s.n)
        return 0;
    uint8_t hs = 0;
    if (type != TLS_CT_HANDSHAKE || epoch != 0 || !span_peek(&s, 0, &hs))
        return 2;
    if (hs == TLS_HS_CLIENT_HELLO)
        return 1;
    if (hs == TLS_HS_SERVER_HELLO || hs == DTLS_HELLO_VERIFY_REQUEST)
        return -1;
    return 2;
}

bool dtls_reopens(struct span datagram, uint32_t note)
{
    struct span s = datagram;
    uint8_t type = span_u8(&s);
    uint16_t version = span_u16(&s);
    uint16_t epoch = span_u16(&s);
    span_skip(&s, 6);                   /* sequence_number */
    struct span rec = span_vec16(&s);
    uint8_t msg_type = span_u8(&rec);
    span_skip(&rec, 3);                 /* length */
    uint16_t message_seq = span_u16(&rec);
    uint32_t fragment_offset = span_u24(&rec);
    span_skip(&rec, 3);                 /* fragment_length */
    span_skip(&rec, 2);                 /* client_version */
    struct span random = span_take(&rec, 32);
    return span_ok(&s) && span_ok(&rec) && type == TLS_CT_HANDSHAKE && dtls_version(version) && epoch == 0 &&
           msg_type == TLS_HS_CLIENT_HELLO && message_seq == 0 && fragment_offset == 0 && dq_note(random) != note;
}

void dtls_begin(struct dtls_dissector *x, struct dtls_conn *c)
{
    memset(c, 0, sizeof *c);
    c->hs.certs = x->d->certs;
    x->d->st.sessions++;
}

static void partial_free(struct dtls_dissector *x, struct dtls_partial *m)
{
    if (m->buf)
        bufpool_put(x->d->pool, m->buf, m->cap);
    memset(m, 0, sizeof *m);
}

void dtls_end(struct dtls_dissector *x, struct dtls_conn *c)
{
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < DTLS_PARTIAL_MESSAGES; i++)
            partial_free(x, &c->dir[d].partial[i]);
}

/* The client starts over after a HelloVerifyRequest: what its first
 * ClientHello said is replaced by the one carrying the cookie. */
static void hello_verify_request(struct dtls_dissector *x, struct dtls_conn *c)
{
    x->st.cookie_exchanges++;
    c->cookie_exchange = true;
    memset(&c->report.client, 0, sizeof c->report.client);
    c->hs.client = TLS_HS_EXPECT_CLIENT_HELLO;
    c->hs.client_hello_done = false;
    c->hs.second_client_hello = false;
    /* The answering ClientHello may reuse message_seq numbers already seen
     * (RFC 6347 4.2.2 gives it the next one; some stacks restart at 0). */
    c->dir[DIR_C2S].delivered = 0;
}

/* A DTLS ClientHello is a TLS one with a cookie after the session_id (RFC
 * 6347 4.2.1): the hello parser is handed the body without it. */
static struct tls_hs_step client_hello(struct dtls_dissector *x, struct dtls_conn *c, struct span body,
                                       uint16_t record_version)
{
    struct span s = body;
    span_skip(&s, 2);                   /* client_version */
    struct span random = span_take(&s, 32);
    if (span_ok(&s))
        c->random_note = dq_note(random);
    span_vec8(&s);                      /* session_id */
    size_t head = body.n - s.n;         /* what precedes the cookie */
    span_vec8(&s);                      /* cookie */
    if (!span_ok(&s))
        return tls_hs_message(&c->hs, &c->report, DIR_C2S, TLS_HS_CLIENT_HELLO, body, record_version);
    size_t cap = 0;
    uint8_t *buf = bufpool_get(x->d->pool, head + s.n, &cap);
    if (!buf) {
        x->st.dropped++;
        c->report.truncated_why |= TLS_TRUNCATED_MESSAGE;
        return (struct tls_hs_step){ TLS_HS_OK, false, TLS_NOTE_CLIENT_HELLO };
    }
    memcpy(buf, body.p, head);
    memcpy(buf + head, s.p, s.n);
    struct tls_hs_step st =
        tls_hs_message(&c->hs, &c->report, DIR_C2S, TLS_HS_CLIENT_HELLO, span_make(buf, head + s.n), record_version);
    bufpool_put(x->d->pool, buf, cap);
    return st;
}

/* A whole handshake message, once per message_seq. */
static void message(struct dtls_dissector *x, struct dtls_conn *c, const struct conn_meta *meta, int dir,
                    uint8_t type, uint16_t seq, struct span body, uint16_t record_version)
{
    struct dtls_dir *dd = &c->dir[dir];
    if (seq < 64) {
        if (dd->delivered & (UINT64_C(1) << seq)) {
            x->st.retransmissions++;
            return;
        }
        dd->delivered |= UINT64_C(1) << seq;
    }
    if (dir == DIR_S2C && type == DTLS_HELLO_VERIFY_REQUEST) {
        hello_verify_request(x, c);
        return;
    }
    if (!tls_hs_wants(dir, type))
        return;
    struct tls_hs_step st = dir == DIR_C2S && type == TLS_HS_CLIENT_HELLO
                                ? client_hello(x, c, body, record_version)
                                : tls_hs_message(&c->hs, &c->report, dir, type, body, record_version);
    conn_count_step(x->d, meta, &c->report, st, type == TLS_HS_CLIENT_HELLO || type == TLS_HS_SERVER_HELLO);
}

/* The partial message (type, seq, len), found or made; NULL when the table
 * is full or its buffer is refused. */
static struct dtls_partial *partial_for(struct dtls_dissector *x, struct dtls_dir *dd, uint8_t type, uint16_t seq,
                                        uint32_t len, uint16_t record_version)
{
    struct dtls_partial *free_slot = NULL;
    for (int i = 0; i < DTLS_PARTIAL_MESSAGES; i++) {
        struct dtls_partial *m = &dd->partial[i];
        if (m->used && m->seq == seq && m->type == type && m->len == len)
            return m;
        if (!m->used && !free_slot)
            free_slot = m;
    }
    if (!free_slot || len > DTLS_MAX_MESSAGE)
        return NULL;
    free_slot->buf = bufpool_get(x->d->pool, len ? len : 1, &free_slot->cap);
    if (!free_slot->buf)
        return NULL;
    free_slot->used = true;
    free_slot->type = type;
    free_slot->seq = seq;
    free_slot->len = len;
    free_slot->record_version = record_version;
    return free_slot;
}

/* One handshake fragment (RFC 6347 4.2.2) of a cleartext record. */
static void fragment(struct dtls_dissector *x, struct dtls_conn *c, const struct conn_meta *meta, int dir,
                     uint8_t type, uint32_t len, uint16_t seq, uint32_t off, struct span frag, uint16_t record_version)
{
    struct dtls_dir *dd = &c->dir[dir];
    if (seq < 64 && (dd->delivered & (UINT64_C(1) << seq))) {
        x->st.retransmissions++;
        return;
    }
    if (off == 0 && frag.n == len) {
        if (!(dir == DIR_S2C && type == DTLS_HELLO_VERIFY_REQUEST))
            tls_hs_message_begin(&c->hs, &c->report, dir, type, record_version);
        message(x, c, meta, dir, type, seq, frag, record_version);
        return;
    }
    x->st.fragments++;
    if (off == 0 && !(dir == DIR_S2C && type == DTLS_HELLO_VERIFY_REQUEST))
        tls_hs_message_begin(&c->hs, &c->report, dir, type, record_version);
    if (!tls_hs_wants(dir, type) && type != DTLS_HELLO_VERIFY_REQUEST) {
        /* Nobody reads it: only its last fragment matters, to mark it seen. */
        return;
    }
    struct dtls_partial *m = partial_for(x, dd, type, seq, len, record_version);
    if (!m || !dq_ranges_add(m->range, &m->nranges, DTLS_FRAGMENT_RANGES, off, off + (uint32_t)frag.n)) {
        x->st.dropped++;
        c->report.truncated_why |= TLS_TRUNCATED_MESSAGE;
        return;
    }
    memcpy(m->buf + off, frag.p, frag.n);
    if (m->nranges == 1 && m->range[0].start == 0 && m->range[0].end == len) {
        message(x, c, meta, dir, type, seq, span_make(m->buf, len), m->record_version);
        partial_free(x, m);
    }
}

/* The handshake messages of one cleartext record. */
static void handshake_record(struct dtls_dissector *x, struct dtls_conn *c, const struct conn_meta *meta, int dir,
                             struct span rec, uint16_t record_version)
{
    while (rec.n > 0) {
        uint8_t type = span_u8(&rec);
        uint32_t len = span_u24(&rec);
        uint16_t seq = span_u16(&rec);
        uint32_t off = span_u24(&rec);
        struct span frag = span_vec24(&rec);
        if (!span_ok(&rec) || off > len || frag.n > len - off) {
            x->st.malformed++;
            return;
        }
        fragment(x, c, meta, dir, type, len, seq, off, frag, record_version);
    }
}

/* RFC 7983 5: on a WebRTC flow DTLS shares the 5-tuple with STUN (first
 * byte 0-3), ZRTP (16-19), TURN channels (64-79) and RTP/RTCP (128-191);
 * DTLS records begin with 20-63. */
static bool dtls_first_byte(struct span s)
{
    uint8_t b = 0;
    return span_peek(&s, 0, &b) && b >= 20 && b <= 63;
}

static void read_datagram(struct dtls_dissector *x, struct dtls_conn *c, const struct conn_meta *meta, int dir,
                          struct span s)
{
    if (!dtls_first_byte(s)) {
        x->st.other++;
        return;
    }
    while (s.n > 0) {
        uint8_t first = 0;
        (void)span_peek(&s, 0, &first);
        if ((first & 0xe0) == 0x20) {
            /* DTLS 1.3 unified header: encrypted, its length may be implicit. */
            x->st.encrypted_records++;
            tls_hs_record(&c->hs, &c->report, dir, TLS_CT_APPLICATION_DATA, true);
            return;
        }
        uint8_t type = span_u8(&s);
        uint16_t version = span_u16(&s);
        uint16_t epoch = span_u16(&s);
        span_skip(&s, 6); /* sequence_number */
        struct span rec = span_vec16(&s);
        if (!span_ok(&s) || !dtls_version(version)) {
            x->st.malformed++;
            return;
        }
        x->st.records++;
        if (epoch != 0) {
            x->st.encrypted_records++;
            tls_hs_record(&c->hs, &c->report, dir, type, true);
            continue;
        }
        tls_hs_record(&c->hs, &c->report, dir, type, false);
        if (type == TLS_CT_HANDSHAKE) {
            handshake_record(x, c, meta, dir, rec, version);
        } else if (type == TLS_CT_ALERT) {
            uint8_t level = span_u8(&rec);
            uint8_t description = span_u8(&rec);
            if (span_ok(&rec))
                conn_count_step(x->d, meta, &c->report, tls_hs_alert(&c->hs, &c->report, dir, level, description),
                                false);
        }
    }
}

static void finish(struct dtls_dissector *x, struct dtls_conn *c, struct conn_meta *meta, enum conn_reason reason)
{
    c->report.client.dtls = true;
    c->report.server.hello_verify_request = c->cookie_exchange;
    dq_emit(x->d, &c->hs, &c->report, meta, DTLS_PROTOCOL, reason);
}

/* The line's event.reason for a decision taken while datagrams flowed. */
static enum conn_reason decision_reason(enum tls_outcome outcome)
{
    return outcome == TLS_OUTCOME_ALERT ? CONN_REASON_ALERT : CONN_REASON_HANDSHAKE_DONE;
}

enum conn_verdict dtls_datagram(struct dtls_dissector *x, struct dtls_conn *c, struct conn_meta *meta, int dir,
                                struct span datagram)
{
    x->st.datagrams++;
    c->datagrams++;
    read_datagram(x, c, meta, dir, datagram);
    struct tls_report *r = &c->report;
    if (!r->client.seen && !r->server.seen) {
        if (c->datagrams < DTLS_GIVE_UP_DATAGRAMS)
            return CONN_CONTINUE;
        x->st.given_up++;
        x->d->st.not_tls++;
        return CONN_DONE;
    }
    if (!tls_hs_decide(&c->hs, r, false))
        return CONN_CONTINUE;
    finish(x, c, meta, decision_reason(r->outcome));
    return CONN_DONE;
}

void dtls_close(struct dtls_dissector *x, struct dtls_conn *c, struct conn_meta *meta, enum conn_reason reason)
{
    struct tls_report *r = &c->report;
    if (!r->client.seen && !r->server.seen)
        return;
    tls_hs_closed(r, false, false);
    finish(x, c, meta, reason);
}
