/* tls_session.c - see tls_session.h. */
#include "dissect/tls_session.h"

#include <string.h>

#include "dissect/tls_hello.h"

/* Context for the framing callbacks of one direction. */
struct dir_ctx {
    struct tls_dissector *d;
    struct tls_session *s;
    int dir;
};

static bool want_message(void *vctx, uint8_t type)
{
    struct dir_ctx *c = vctx;
    if (c->dir == DIR_C2S)
        return type == TLS_HS_CLIENT_HELLO;
    switch (type) {
    case TLS_HS_SERVER_HELLO:
    case TLS_HS_CERTIFICATE:
    case TLS_HS_SERVER_KEY_EXCHANGE:
    case TLS_HS_SERVER_HELLO_DONE:
    case TLS_HS_CERTIFICATE_REQUEST:
    case TLS_HS_NEW_SESSION_TICKET:
        return true;
    default:
        return false;
    }
}

static uint16_t negotiated_version(const struct tls_report *r)
{
    return r->server.selected_version ? r->server.selected_version : r->server.legacy_version;
}

static bool is_tls13(uint16_t v)
{
    return v == 0x0304 || (v >> 8) == 0x7f;
}

/* Counts the certificates of a Certificate message (RFC 5246 7.4.2; TLS 1.3
 * adds a request context and per-entry extensions, RFC 8446 4.4.2). */
static void count_certificates(struct span body, bool tls13, struct tls_server_report *srv)
{
    if (tls13)
        span_vec8(&body);
    struct span list = span_vec24(&body);
    uint16_t n = 0;
    while (list.n > 0) {
        span_vec24(&list);
        if (tls13)
            span_vec16(&list);
        if (!span_ok(&list))
            break;
        if (n < UINT16_MAX)
            n++;
    }
    srv->certificate_seen = true;
    srv->certificate_chain_length = n;
}

static void on_handshake(void *vctx, uint8_t type, struct span body, uint16_t record_version)
{
    struct dir_ctx *c = vctx;
    struct tls_report *r = &c->s->report;
    if (c->dir == DIR_C2S) {
        if (type != TLS_HS_CLIENT_HELLO || r->client.seen)
            return; /* the report describes the first ClientHello (a second follows an HRR) */
        r->client.record_version = record_version;
        if (tls_parse_client_hello(body, &r->client, c->s->client_session_id) != TLS_PARSE_OK) {
            r->malformed = true;
            c->d->st.malformed_hellos++;
        }
        return;
    }
    switch (type) {
    case TLS_HS_SERVER_HELLO:
        if (r->server.seen) {
            /* The ServerHello after a HelloRetryRequest: it holds the group
             * really used and any PSK acceptance. */
            if (r->server.hello_retry_request && !r->server.has_psk) {
                struct tls_server_report second;
                memset(&second, 0, sizeof second);
                if (tls_parse_server_hello(body, &second, c->s->client_session_id, r->client.session_id_len) ==
                    TLS_PARSE_OK) {
                    if (second.key_share_group)
                        r->server.key_share_group = second.key_share_group;
                    r->server.has_psk = second.has_psk;
                }
            }
            return;
        }
        r->server.record_version = record_version;
        if (tls_parse_server_hello(body, &r->server, c->s->client_session_id, r->client.session_id_len) !=
            TLS_PARSE_OK) {
            r->malformed = true;
            c->d->st.malformed_hellos++;
        }
        return;
    case TLS_HS_CERTIFICATE:
        c->s->server_hs_after_hello = true;
        if (!r->server.certificate_seen)
            count_certificates(body, is_tls13(negotiated_version(r)), &r->server);
        return;
    case TLS_HS_SERVER_KEY_EXCHANGE:
        c->s->server_hs_after_hello = true;
        if (!r->server.ske_seen &&
            tls_parse_server_key_exchange(body, negotiated_version(r), r->server.cipher, &r->server) != TLS_PARSE_OK)
            r->malformed = true;
        return;
    case TLS_HS_SERVER_HELLO_DONE:
    case TLS_HS_CERTIFICATE_REQUEST:
        c->s->server_hs_after_hello = true;
        return;
    default:
        return;
    }
}

static void on_record(void *vctx, uint8_t type, uint16_t version, uint16_t length, bool encrypted)
{
    (void)version;
    (void)length;
    struct dir_ctx *c = vctx;
    struct tls_session *s = c->s;
    struct tls_report *r = &s->report;
    int dir = c->dir;
    switch (type) {
    case TLS_CT_CHANGE_CIPHER_SPEC:
        r->ccs_seen[dir] = true;
        break;
    case TLS_CT_HANDSHAKE:
        if (encrypted)
            r->finished_seen[dir] = true;
        break;
    case TLS_CT_APPLICATION_DATA:
        if (r->app_records[dir] < UINT32_MAX)
            r->app_records[dir]++;
        if (dir == DIR_C2S && r->server.seen)
            s->client_data_after_server_flight = true;
        else if (dir == DIR_S2C && s->client_data_after_server_flight)
            s->server_answered_client = true;
        break;
    default:
        break;
    }
}

static void on_alert(void *vctx, uint8_t level, uint8_t description)
{
    struct dir_ctx *c = vctx;
    struct tls_report *r = &c->s->report;
    if (r->alert.seen)
        return;
    r->alert.seen = true;
    r->alert.level = level;
    r->alert.description = description;
    r->alert.sender = (uint8_t)c->dir;
}

static void on_sslv2_hello(void *vctx, struct span record)
{
    struct dir_ctx *c = vctx;
    struct tls_report *r = &c->s->report;
    if (r->client.seen)
        return;
    if (tls_parse_sslv2_client_hello(record, &r->client) != TLS_PARSE_OK) {
        r->malformed = true;
        c->d->st.malformed_hellos++;
    }
}

static bool handshake_established(const struct tls_session *s)
{
    const struct tls_report *r = &s->report;
    if (!r->server.seen)
        return false;
    if (is_tls13(negotiated_version(r)))
        return r->app_records[DIR_C2S] >= 2 || s->server_answered_client;
    if (r->ccs_seen[0] && r->ccs_seen[1] && r->finished_seen[0] && r->finished_seen[1])
        return true;
    return r->app_records[0] > 0 && r->app_records[1] > 0;
}

static void finish(struct tls_dissector *d, struct tls_session *s, struct conn_meta *meta, enum conn_reason reason)
{
    struct tls_report *r = &s->report;
    uint16_t v = negotiated_version(r);
    if (r->server.seen) {
        if (is_tls13(v))
            r->resumed = r->server.has_psk;
        else
            r->resumed = r->server.session_id_echoed ||
                         (r->ccs_seen[DIR_S2C] && !s->server_hs_after_hello);
    }
    r->truncated = r->truncated || s->dir[0].truncated || s->dir[1].truncated || meta->gap;
    if (s->dir[0].malformed || s->dir[1].malformed)
        r->malformed = true;
    meta->reason = reason;
    d->st.lines++;
    if (d->sink.emit)
        d->sink.emit(d->sink.ctx, meta, r);
}

enum flow_verdict tls_session_data(struct tls_dissector *d, struct tls_session *s, struct conn_meta *meta,
                                   int dir, struct span data, bool gap)
{
    struct dir_ctx c = { d, s, dir };
    const struct tls_stream_events ev = {
        .ctx = &c,
        .want = want_message,
        .handshake = on_handshake,
        .record = on_record,
        .alert = on_alert,
        .sslv2_hello = on_sslv2_hello,
    };
    struct tls_stream *ts = &s->dir[dir];
    if (gap)
        tls_stream_gap(ts);
    ts->allow_sslv2 = dir == DIR_C2S;
    tls_stream_feed(ts, data, &ev);

    struct tls_report *r = &s->report;
    if (!r->client.seen && !r->server.seen) {
        /* Nothing recognisable yet. A direction that is not TLS from its
         * first byte means the connection is not (implicit) TLS. */
        if (s->dir[dir].mode == TLS_STREAM_DEAD && s->dir[dir].records == 0) {
            d->st.not_tls++;
            return FLOW_VERDICT_DONE;
        }
        return FLOW_VERDICT_CONTINUE;
    }
    if (r->alert.seen && r->alert.level == 2) {
        r->outcome = TLS_OUTCOME_ALERT;
        r->established = false;
        finish(d, s, meta, CONN_REASON_ALERT);
        return FLOW_VERDICT_DONE;
    }
    if (handshake_established(s)) {
        r->outcome = TLS_OUTCOME_ESTABLISHED;
        r->established = true;
        finish(d, s, meta, CONN_REASON_HANDSHAKE_DONE);
        return FLOW_VERDICT_DONE;
    }
    if (s->dir[0].mode == TLS_STREAM_DEAD && s->dir[1].mode == TLS_STREAM_DEAD) {
        r->outcome = TLS_OUTCOME_INCOMPLETE;
        finish(d, s, meta, CONN_REASON_END_OF_INPUT);
        return FLOW_VERDICT_DONE;
    }
    return FLOW_VERDICT_CONTINUE;
}

void tls_session_close(struct tls_dissector *d, struct tls_session *s, struct conn_meta *meta,
                       enum conn_reason reason, bool rst_seen, bool fin_seen)
{
    struct tls_report *r = &s->report;
    if (!r->client.seen && !r->server.seen)
        return;
    if (r->alert.seen && r->alert.level == 2)
        r->outcome = TLS_OUTCOME_ALERT;
    else if (rst_seen)
        r->outcome = TLS_OUTCOME_RESET;
    else if (fin_seen)
        r->outcome = TLS_OUTCOME_CLOSED_DURING_HANDSHAKE;
    else
        r->outcome = TLS_OUTCOME_INCOMPLETE;
    finish(d, s, meta, reason);
}

void tls_session_release(struct tls_session *s)
{
    tls_stream_release(&s->dir[0]);
    tls_stream_release(&s->dir[1]);
}

int tls_client_hint(struct span payload)
{
    uint8_t type, hs;
    if (tls_looks_like_sslv2_hello(payload))
        return 1;
    if (!tls_record_header_plausible(payload) || !span_peek(&payload, 0, &type) || type != TLS_CT_HANDSHAKE ||
        !span_peek(&payload, 5, &hs))
        return 0;
    if (hs == TLS_HS_CLIENT_HELLO)
        return 1;
    if (hs == TLS_HS_SERVER_HELLO)
        return -1;
    return 0;
}

/* ---- the flow_consumer adapter ---- */

static int consumer_hint(void *ctx, struct span payload)
{
    (void)ctx;
    return tls_client_hint(payload);
}

static enum flow_verdict consumer_data(void *ctx, struct flow *f, void *attach, int dir, struct span data, bool gap)
{
    return tls_session_data(ctx, attach, &f->meta, dir, data, gap);
}

static void consumer_close(void *ctx, struct flow *f, void *attach, enum conn_reason reason)
{
    tls_session_close(ctx, attach, &f->meta, reason, f->rst_seen, f->fin_seen[0] || f->fin_seen[1]);
}

static void consumer_attach(void *ctx, struct flow *f, void *attach)
{
    (void)f;
    struct tls_dissector *d = ctx;
    (void)attach;
    d->st.sessions++;
}

static void consumer_detach(void *ctx, void *attach)
{
    (void)ctx;
    tls_session_release(attach);
}

struct flow_consumer tls_dissector_consumer(struct tls_dissector *d)
{
    struct flow_consumer c = {
        .ctx = d,
        .attach_size = sizeof(struct tls_session),
        .client_hint = consumer_hint,
        .on_attach = consumer_attach,
        .on_data = consumer_data,
        .on_close = consumer_close,
        .on_detach = consumer_detach,
    };
    return c;
}
