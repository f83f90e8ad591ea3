/* tls_session.c - see tls_session.h. */
#include "dissect/tls_session.h"

#include <string.h>

#include "dissect/accept.h"
#include "dissect/proxy_proto.h"
#include "dissect/tls_hello.h"

/* Context for the framing callbacks of one direction. */
struct dir_ctx {
    struct tls_dissector *d;
    struct tls_session *s;
    const struct conn_meta *meta;
    int dir;
};

static void note(const struct dir_ctx *c, enum tls_note what)
{
    if (c->d->notes.note)
        c->d->notes.note(c->d->notes.ctx, c->meta, &c->s->report, what);
}

static bool want_message(void *vctx, uint8_t type)
{
    struct dir_ctx *c = vctx;
    if (c->dir == DIR_C2S)
        return type == TLS_HS_CLIENT_HELLO || type == TLS_HS_CERTIFICATE;
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
 * adds a request context and per-entry extensions, RFC 8446 4.4.2) and reads
 * the leaf, the sender's own certificate (it comes first). */
static void read_certificates(struct span body, bool tls13, uint16_t *chain_length, struct x509_report *leaf_out,
                              struct tls_report *r)
{
    if (tls13)
        span_vec8(&body);
    struct span list = span_vec24(&body);
    uint16_t n = 0;
    struct span leaf = span_poisoned();
    while (list.n > 0) {
        struct span cert = span_vec24(&list);
        if (tls13)
            span_vec16(&list);
        if (!span_ok(&list))
            break;
        if (n == 0)
            leaf = cert;
        if (n < UINT16_MAX)
            n++;
    }
    *chain_length = n;
    if (span_ok(&leaf) && !x509_parse_leaf(leaf, leaf_out))
        r->malformed = true;
}

static void on_handshake(void *vctx, uint8_t type, struct span body, uint16_t record_version)
{
    struct dir_ctx *c = vctx;
    struct tls_report *r = &c->s->report;
    if (c->dir == DIR_C2S && type == TLS_HS_CERTIFICATE) {
        /* Cleartext only up to TLS 1.2: in TLS 1.3 it is encrypted and
         * never reaches here. */
        if (!r->client.certificate_seen) {
            r->client.certificate_seen = true;
            read_certificates(body, false, &r->client.certificate_chain_length, &r->client_cert, r);
            note(c, TLS_NOTE_CLIENT_CERTIFICATE);
        }
        return;
    }
    if (c->dir == DIR_C2S) {
        if (type != TLS_HS_CLIENT_HELLO || c->s->client_hello_done)
            return; /* the report describes the first ClientHello (a second follows an HRR) */
        c->s->client_hello_done = true;
        r->client.record_version = record_version;
        if (tls_parse_client_hello(body, &r->client, c->s->client_session_id) != TLS_PARSE_OK) {
            r->malformed = true;
            c->d->st.malformed_hellos++;
        }
        note(c, TLS_NOTE_CLIENT_HELLO);
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
        note(c, TLS_NOTE_SERVER_HELLO);
        return;
    case TLS_HS_CERTIFICATE:
        c->s->server_hs_after_hello = true;
        if (!r->server.certificate_seen) {
            r->server.certificate_seen = true;
            read_certificates(body, is_tls13(negotiated_version(r)), &r->server.certificate_chain_length,
                              &r->server_cert, r);
            note(c, TLS_NOTE_CERTIFICATE);
        }
        return;
    case TLS_HS_SERVER_KEY_EXCHANGE:
        c->s->server_hs_after_hello = true;
        if (!r->server.ske_seen) {
            if (tls_parse_server_key_exchange(body, negotiated_version(r), r->server.cipher, &r->server) !=
                TLS_PARSE_OK)
                r->malformed = true;
            note(c, TLS_NOTE_SERVER_KEY_EXCHANGE);
        }
        return;
    case TLS_HS_CERTIFICATE_REQUEST:
        c->s->server_hs_after_hello = true;
        if (!r->server.certificate_request) {
            r->server.certificate_request = true;
            note(c, TLS_NOTE_CERTIFICATE_REQUEST);
        }
        return;
    case TLS_HS_SERVER_HELLO_DONE:
        c->s->server_hs_after_hello = true;
        return;
    default:
        return;
    }
}

/* A ClientHello whose first bytes arrived is reported even if the rest never
 * does (a half-open connection, a capture cut short): its record version is
 * known, and the line says it is truncated. */
static void on_message_begin(void *vctx, uint8_t type, uint32_t length, uint16_t record_version)
{
    (void)length;
    struct dir_ctx *c = vctx;
    struct tls_report *r = &c->s->report;
    if (c->dir == DIR_C2S && type == TLS_HS_CLIENT_HELLO && !r->client.seen) {
        r->client.seen = true;
        r->client.record_version = record_version;
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
    if (c->dir == DIR_C2S && description == 41) /* no_certificate, SSL 3.0 */
        r->client.no_certificate_alert = true;
    if (r->alert.seen && !(r->alert.level == 1 && level == 2))
        return;
    r->alert.seen = true;
    r->alert.level = level;
    r->alert.description = description;
    r->alert.sender = (uint8_t)c->dir;
    note(c, TLS_NOTE_ALERT);
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
    note(c, TLS_NOTE_CLIENT_HELLO);
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

static void copy_starttls_result(struct tls_session *s);

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
    r->truncated = r->truncated || s->dir[0].truncated || s->dir[1].truncated || meta->gap ||
                   (r->client.seen && !s->client_hello_done && !r->client.sslv2_hello) || r->client.sni_truncated ||
                   r->client.alpn_more;
    if (s->dir[0].malformed || s->dir[1].malformed)
        r->malformed = true;
    copy_starttls_result(s);
    if (s->mode == TLS_MODE_STARTTLS && starttls_verdict(&s->starttls) == STARTTLS_UPGRADED)
        d->st.starttls_upgrades++;
    if (d->classifier) {
        if (s->mode == TLS_MODE_IMPLICIT)
            classify_tls(d->classifier, &s->classify, r->client.sni, r->client.sni_len, meta->ip_version,
                         meta->server_ip);
        classify_finish(d->classifier, &s->classify);
        r->context.protocol = classify_protocol(&s->classify);
        if (!classify_application(d->classifier, &s->classify, r->context.application,
                                  sizeof r->context.application))
            r->context.application[0] = '\0';
        /* The dialogue we followed knows the protocol for certain; an nDPI
         * name that contradicts it (nDPI 4.2 takes some LDAP for MQTT) would
         * only mislead. */
        if (r->context.starttls && r->context.protocol &&
            strcmp(r->context.protocol, starttls_protocol_name(r->context.starttls)) != 0)
            r->context.application[0] = '\0';
    }
    meta->reason = reason;
    d->st.lines++;
    if (d->sink.emit)
        d->sink.emit(d->sink.ctx, meta, r);
}

/* Feeds bytes that belong to the TLS stream of one direction. */
static void feed_tls(struct tls_dissector *d, struct tls_session *s, const struct conn_meta *meta, int dir,
                     struct span data, bool gap)
{
    struct dir_ctx c = { d, s, meta, dir };
    const struct tls_stream_events ev = {
        .ctx = &c,
        .message_begin = on_message_begin,
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
    ts->pool = d->pool;
    tls_stream_feed(ts, data, &ev);
}

struct starttls_ctx {
    struct tls_dissector *d;
    struct tls_session *s;
    const struct conn_meta *meta;
};

static void starttls_to_tls(void *vctx, int dir, struct span bytes)
{
    struct starttls_ctx *c = vctx;
    feed_tls(c->d, c->s, c->meta, dir, bytes, false);
}

/* Is this the start of a TLS stream (a record header, or an SSLv2 hello
 * from the client)? Decides implicit TLS versus a cleartext dialogue. */
static bool looks_like_tls_start(struct span data, int dir)
{
    if (dir == DIR_C2S && tls_looks_like_sslv2_hello(data))
        return true;
    if (data.n >= 5)
        return tls_record_header_plausible(data);
    /* A tiny first segment: judge by what there is. */
    uint8_t b0, b1;
    if (!span_peek(&data, 0, &b0))
        return false;
    if (b0 == TLS_CT_HANDSHAKE)
        return !span_peek(&data, 1, &b1) || b1 == 3;
    return dir == DIR_C2S && (b0 & 0x80);
}

/* Routes one piece of a direction's stream (after any PROXY header). */
static void route(struct tls_dissector *d, struct tls_session *s, struct conn_meta *meta, int dir,
                  struct span data, bool gap)
{
    if (data.n == 0)
        return;
    if (s->mode == TLS_MODE_UNKNOWN) {
        if (looks_like_tls_start(data, dir)) {
            s->mode = TLS_MODE_IMPLICIT;
        } else {
            s->mode = TLS_MODE_STARTTLS;
            starttls_init(&s->starttls, meta->server_port);
        }
    }
    if (s->mode == TLS_MODE_IMPLICIT || starttls_dir_is_tls(&s->starttls, dir)) {
        feed_tls(d, s, meta, dir, data, gap);
        return;
    }
    struct starttls_ctx c = { d, s, meta };
    starttls_feed(&s->starttls, dir, data, starttls_to_tls, &c);
}

/* The client stream may begin with a PROXY protocol header (a load balancer
 * relaying the connection): read it, remember the true client, and pass on
 * what follows. A header split across segments is held in proxy_buf. */
static void client_start(struct tls_dissector *d, struct tls_session *s, struct conn_meta *meta,
                         struct span data, bool gap)
{
    struct span whole = data;
    size_t held = s->proxy_have;
    if (held > 0 && !gap) {
        size_t k = TLS_PROXY_PEEK_MAX - held < data.n ? TLS_PROXY_PEEK_MAX - held : data.n;
        memcpy(s->proxy_buf + held, data.p, k);
        s->proxy_have = (uint16_t)(held + k);
        whole = span_make(s->proxy_buf, s->proxy_have);
    }
    struct proxy_info info;
    size_t header_len = 0;
    enum proxy_result pr = gap ? PROXY_NOT_PROXY : proxy_parse(whole, &info, &header_len);
    if (pr == PROXY_NEED_MORE && (held > 0 ? s->proxy_have < TLS_PROXY_PEEK_MAX : data.n < TLS_PROXY_PEEK_MAX)) {
        if (held == 0) {
            memcpy(s->proxy_buf, data.p, data.n);
            s->proxy_have = (uint16_t)data.n;
        }
        return;
    }
    s->proxy_checked = true;
    s->proxy_have = 0;
    struct conn_context_report *ctx = &s->report.context;
    if (pr == PROXY_OK) {
        d->st.proxy_headers++;
        ctx->proxy_version = info.version;
        if (info.has_addresses && !info.local) {
            ctx->proxy_has_client = true;
            ctx->proxy_ip_version = info.ip_version;
            memcpy(ctx->proxy_client_ip, info.src, 16);
            ctx->proxy_client_port = info.sport;
        }
        /* What follows the header: in the held bytes and/or this piece. */
        if (held > 0) {
            if (header_len < held)
                route(d, s, meta, DIR_C2S, span_make(s->proxy_buf + header_len, held - header_len), false);
            size_t from_data = header_len > held ? header_len - held : 0;
            route(d, s, meta, DIR_C2S, span_make(data.p + from_data, data.n - from_data), false);
        } else {
            route(d, s, meta, DIR_C2S, span_make(data.p + header_len, data.n - header_len), false);
        }
        return;
    }
    if (pr == PROXY_MALFORMED || pr == PROXY_NEED_MORE)
        d->st.proxy_malformed++;
    if (pr == PROXY_MALFORMED && held == 0) {
        /* A v2 header that fails its checks (a CRC32C mismatch, a bad TLV)
         * still says how long it is: skip it so the TLS behind it is not
         * lost, but trust none of its addresses. */
        static const uint8_t sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
        struct span h = data;
        struct span head = span_take(&h, 12);
        span_skip(&h, 2);
        uint16_t len = span_u16(&h);
        if (span_ok(&h) && memcmp(head.p, sig, 12) == 0 && h.n >= len) {
            span_skip(&h, len);
            route(d, s, meta, DIR_C2S, h, false);
            return;
        }
    }
    /* Not a PROXY header: the held bytes and this piece are the stream. */
    if (held > 0 && !gap) {
        route(d, s, meta, DIR_C2S, span_make(s->proxy_buf, held), false);
        route(d, s, meta, DIR_C2S, data, false);
    } else {
        route(d, s, meta, DIR_C2S, data, gap);
    }
}

static void copy_starttls_result(struct tls_session *s)
{
    struct conn_context_report *ctx = &s->report.context;
    if (s->mode != TLS_MODE_STARTTLS)
        return;
    ctx->starttls = (uint8_t)starttls_protocol(&s->starttls);
    size_t n = 0;
    const uint8_t *reply = starttls_reply(&s->starttls, &n);
    if (reply && n > 0) {
        if (n > TLS_STARTTLS_REPLY_MAX)
            n = TLS_STARTTLS_REPLY_MAX;
        memcpy(ctx->starttls_reply, reply, n);
        ctx->starttls_reply_len = (uint8_t)n;
    }
}

enum flow_verdict tls_session_data(struct tls_dissector *d, struct tls_session *s, struct conn_meta *meta,
                                   int dir, struct span data, bool gap)
{
    if (dir == DIR_C2S && !s->proxy_checked)
        client_start(d, s, meta, data, gap);
    else
        route(d, s, meta, dir, data, gap);

    struct tls_report *r = &s->report;
    if (s->mode == TLS_MODE_STARTTLS) {
        enum starttls_verdict v = starttls_verdict(&s->starttls);
        if (v == STARTTLS_REFUSED && !r->client.seen) {
            copy_starttls_result(s);
            r->context.starttls_refused = true;
            r->outcome = TLS_OUTCOME_STARTTLS_REFUSED;
            d->st.starttls_refused++;
            finish(d, s, meta, CONN_REASON_STARTTLS_REFUSED);
            return FLOW_VERDICT_DONE;
        }
        if (v == STARTTLS_NOT_STARTTLS && !r->client.seen && !r->server.seen) {
            d->st.not_tls++;
            return FLOW_VERDICT_DONE;
        }
    }
    if (!r->client.seen && !r->server.seen) {
        /* Nothing recognisable yet. A direction that is not TLS from its
         * first byte means the connection is not (implicit) TLS. */
        if (s->mode == TLS_MODE_IMPLICIT && s->dir[dir].mode == TLS_STREAM_DEAD && s->dir[dir].records == 0) {
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
    if (!r->client.seen && !r->server.seen) {
        if (d->classifier)
            classify_finish(d->classifier, &s->classify);
        return;
    }
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

static void session_forget(struct tls_dissector *d, struct tls_session *s)
{
    if (d->classifier)
        classify_finish(d->classifier, &s->classify);
    tls_session_release(s);
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

static enum flow_accept consumer_accept(void *ctx, struct flow *f, int dir, struct span first)
{
    (void)ctx;
    enum accept_verdict a = accept_first_bytes(dir, first, f->meta.server_port);
    return a == ACCEPT_YES ? FLOW_ACCEPT : a == ACCEPT_NEED_MORE ? FLOW_NEED_MORE : FLOW_REJECT;
}

static void consumer_attach(void *ctx, struct flow *f, void *attach)
{
    (void)f;
    struct tls_dissector *d = ctx;
    /* The slot is recycled memory (flow_consumer.on_attach). */
    memset(attach, 0, sizeof(struct tls_session));
    d->st.sessions++;
}

static void consumer_detach(void *ctx, void *attach)
{
    session_forget(ctx, attach);
}

static void consumer_packet(void *ctx, struct flow *f, void *attach, int dir, struct span ip_packet,
                            struct span payload, uint64_t ts_us)
{
    (void)f;
    struct tls_dissector *d = ctx;
    struct tls_session *s = attach;
    if (!d->classifier || s->classify.decided || s->mode == TLS_MODE_IMPLICIT)
        return;
    /* Implicit TLS is classified from the hello we parse (classify_tls, at
     * finish); nDPI gets the packets of everything else. */
    if (s->mode == TLS_MODE_UNKNOWN && looks_like_tls_start(payload, dir))
        return;
    classify_packet(d->classifier, &s->classify, ip_packet, ts_us);
}

struct flow_consumer tls_dissector_consumer(struct tls_dissector *d)
{
    struct flow_consumer c = {
        .ctx = d,
        .attach_size = sizeof(struct tls_session),
        .client_hint = consumer_hint,
        .accept = consumer_accept,
        .on_attach = consumer_attach,
        .on_packet = consumer_packet,
        .on_data = consumer_data,
        .on_close = consumer_close,
        .on_detach = consumer_detach,
    };
    return c;
}
