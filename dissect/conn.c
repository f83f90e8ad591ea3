/* conn.c - see conn.h. */
#include "dissect/conn.h"

#include <string.h>

#include "dissect/accept.h"
#include "dissect/proxy_proto.h"
#include "dissect/tls_hello.h"

/* ---- the TLS stage ------------------------------------------------------ */

/* Context for the framing callbacks of one direction. */
struct dir_ctx {
    struct conn_dissector *d;
    struct conn *c;
    const struct conn_meta *meta;
    int dir;
};

void conn_count_step(struct conn_dissector *d, const struct conn_meta *meta, const struct tls_report *r,
                     struct tls_hs_step st, bool hello)
{
    if (st.status == TLS_HS_MALFORMED) {
        if (hello)
            d->st.malformed_hellos++;
        else
            d->st.malformed_messages++;
    } else if (st.status == TLS_HS_UNEXPECTED) {
        d->st.unexpected_messages++;
    }
    if (st.noted && d->notes.note)
        d->notes.note(d->notes.ctx, meta, r, st.note);
}

static void count_step(const struct dir_ctx *x, struct tls_hs_step st, bool hello)
{
    conn_count_step(x->d, x->meta, &x->c->report, st, hello);
}

static bool want_message(void *vctx, uint8_t type)
{
    const struct dir_ctx *x = vctx;
    return tls_hs_wants(x->dir, type);
}

static void on_message_begin(void *vctx, uint8_t type, uint32_t length, uint16_t record_version)
{
    (void)length;
    struct dir_ctx *x = vctx;
    tls_hs_message_begin(&x->c->hs, &x->c->report, x->dir, type, record_version);
}

static void on_handshake(void *vctx, uint8_t type, struct span body, uint16_t record_version)
{
    struct dir_ctx *x = vctx;
    struct tls_hs_step st = tls_hs_message(&x->c->hs, &x->c->report, x->dir, type, body, record_version);
    count_step(x, st, type == TLS_HS_CLIENT_HELLO || type == TLS_HS_SERVER_HELLO);
}

static void on_record(void *vctx, uint8_t type, uint16_t version, uint16_t length, bool encrypted)
{
    (void)version;
    (void)length;
    struct dir_ctx *x = vctx;
    tls_hs_record(&x->c->hs, &x->c->report, x->dir, type, encrypted);
}

static void on_alert(void *vctx, uint8_t level, uint8_t description)
{
    struct dir_ctx *x = vctx;
    count_step(x, tls_hs_alert(&x->c->hs, &x->c->report, x->dir, level, description), false);
}

static void on_sslv2_hello(void *vctx, struct span record)
{
    struct dir_ctx *x = vctx;
    count_step(x, tls_hs_sslv2_hello(&x->c->hs, &x->c->report, record), true);
}

static void on_sslv2_record(void *vctx, struct span record, bool encrypted)
{
    struct dir_ctx *x = vctx;
    count_step(x, tls_hs_sslv2_record(&x->c->hs, &x->c->report, x->dir, record, encrypted), false);
}

/* Bytes that belong to the TLS stream of one direction. */
static void tls_stage(struct conn_dissector *d, struct conn *c, const struct conn_meta *meta, int dir,
                      struct span data, bool gap)
{
    struct dir_ctx x = { d, c, meta, dir };
    const struct tls_stream_events ev = {
        .ctx = &x,
        .message_begin = on_message_begin,
        .want = want_message,
        .handshake = on_handshake,
        .record = on_record,
        .alert = on_alert,
        .sslv2_hello = on_sslv2_hello,
        .sslv2_record = on_sslv2_record,
    };
    struct tls_stream *ts = &c->dir[dir];
    if (gap) {
        tls_stream_gap(ts);
        tls_hs_gap(&c->hs, dir);
    }
    ts->allow_sslv2 = dir == DIR_C2S;
    /* A client that opened in SSLv2 may meet a server that answers in it. */
    if (dir == DIR_S2C && c->dir[DIR_C2S].sslv2_session)
        ts->sslv2_session = true;
    ts->pool = d->pool;
    ts->max_message = d->max_message;
    bool was_malformed = ts->malformed;
    uint32_t dropped = ts->truncated_messages;
    tls_stream_feed(ts, data, &ev);
    if (ts->malformed && !was_malformed) {
        d->st.malformed_records++;
        tls_hs_records_malformed(&c->report, dir);
    }
    d->st.truncated_messages += ts->truncated_messages - dropped;
}

/* ---- the prelude -------------------------------------------------------- */

struct starttls_ctx {
    struct conn_dissector *d;
    struct conn *c;
    const struct conn_meta *meta;
};

static void starttls_to_tls(void *vctx, int dir, struct span bytes)
{
    struct starttls_ctx *x = vctx;
    tls_stage(x->d, x->c, x->meta, dir, bytes, false);
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

/* The server's first cleartext bytes, kept (bounded) in case a TLS client
 * turns out to be talking to it. */
static void keep_server_plaintext(struct conn *c, struct span data)
{
    struct conn_context_report *ctx = &c->report.context;
    size_t room = TLS_SERVER_PLAINTEXT_MAX - ctx->server_plaintext_len;
    size_t k = data.n < room ? data.n : room;
    memcpy(ctx->server_plaintext + ctx->server_plaintext_len, data.p, k);
    ctx->server_plaintext_len = (uint8_t)(ctx->server_plaintext_len + k);
}

/* A TLS client meeting a plaintext server (implicit TLS configured against
 * a port that expects STARTTLS or no TLS at all) shows one of two ways: its
 * ClientHello follows the server's banner where the dialogue wants a
 * cleartext command, or the server answers the ClientHello in plaintext.
 * Either way the client's bytes are TLS and the server's are not. */
static bool meets_plaintext_server(const struct conn *c, int dir, struct span data, bool gap)
{
    if (gap)
        return false;
    if (dir == DIR_C2S)
        return c->mode == CONN_MODE_STARTTLS && !c->spoke[DIR_C2S] &&
               starttls_verdict(&c->starttls) == STARTTLS_PENDING && looks_like_tls_start(data, DIR_C2S);
    /* The server's answer: text (an SSLv2 SERVER-HELLO has its top bit set). */
    uint8_t b0 = 0;
    return c->mode == CONN_MODE_IMPLICIT && !c->spoke[DIR_S2C] && c->report.client.seen &&
           span_peek(&data, 0, &b0) && b0 < 0x80 && !looks_like_tls_start(data, DIR_S2C);
}

/* A client stream that begins with bytes of no protocol followed here
 * (neither TLS nor a dialogue starttls.h knows) and then a ClientHello
 * record in the same piece: how many bytes to skip to it, 0 when it is not
 * that. Looked at once, in the first piece, over at most
 * TLS_PREFIX_SCAN_MAX bytes. */
static size_t client_prefix_len(struct span data, uint16_t server_port)
{
    if (starttls_sniff(DIR_C2S, data, server_port) != STARTTLS_SNIFF_NO)
        return 0;
    return tls_find_hello(data, TLS_HS_CLIENT_HELLO);
}

/* After a client prefix, the server's answer may have one too (a proxy's
 * reply before the tunnel's bytes, often in a segment of its own): its
 * pieces are skipped up to its ServerHello record, over at most
 * TLS_PREFIX_SCAN_MAX bytes; then (or after a gap) what comes is the
 * server's stream, TLS or not (a plaintext server is told as usual). */
static struct span skip_server_prefix(struct conn *c, struct span data, bool gap)
{
    uint16_t *skipped = &c->report.context.skipped_bytes[DIR_S2C];
    if (c->server_prefix_done || c->report.context.skipped_bytes[DIR_C2S] == 0)
        return data;
    bool tls_now = gap || looks_like_tls_start(data, DIR_S2C);
    size_t k = tls_now ? 0 : tls_find_hello(data, TLS_HS_SERVER_HELLO);
    if (!tls_now && k == 0 && *skipped + data.n < TLS_PREFIX_SCAN_MAX) {
        *skipped = (uint16_t)(*skipped + data.n); /* all prefix so far */
        span_skip(&data, data.n);
        return data;
    }
    c->server_prefix_done = true;
    *skipped = (uint16_t)(*skipped + k);
    span_skip(&data, k);
    return data;
}

/* A client prefix sent alone (one write for the prefix, another for the
 * hello, as programs do): after a first client piece of no protocol
 * followed here and no hello, the client's next pieces are searched for
 * the hello's record, over at most TLS_PREFIX_SCAN_MAX bytes in all, while
 * the dialogue path goes on as always (once it has given up, the connection
 * ends as it did without the search unless a hello comes). The search ends
 * at the server's first bytes, a gap, or a dialogue the client's bytes
 * turn out to open. prefix_seen counts the bytes passed
 * (0: no search), prefix_tail keeps their last ones. */
static void client_prefix_keep(struct conn *c, struct span data)
{
    size_t seen = c->prefix_seen + data.n;
    if (seen >= TLS_PREFIX_SCAN_MAX) {
        c->prefix_seen = 0;
        return;
    }
    uint8_t joined[2 * CONN_PREFIX_TAIL];
    size_t n = c->prefix_tail_len;
    memcpy(joined, c->prefix_tail, n);
    size_t k = data.n < CONN_PREFIX_TAIL ? data.n : CONN_PREFIX_TAIL;
    memcpy(joined + n, data.p + data.n - k, k);
    n += k;
    size_t keep = n < CONN_PREFIX_TAIL ? n : CONN_PREFIX_TAIL;
    memcpy(c->prefix_tail, joined + n - keep, keep);
    c->prefix_tail_len = (uint8_t)keep;
    c->prefix_seen = (uint16_t)seen;
}

/* Whether a first client piece may be a prefix sent alone: short (as the
 * accept gate holds it, accept.h), or a handshake record may begin in its
 * last bytes, its hello cut off. A longer piece of no protocol with
 * neither (a request, a banner) is decided as before. */
static bool client_prefix_may_start(struct span data)
{
    if (data.n < ACCEPT_PREFIX_MAX)
        return true;
    struct span tail = data;
    span_skip(&tail, data.n - CONN_PREFIX_TAIL);
    for (size_t i = 0; i < CONN_PREFIX_TAIL; i++) {
        uint8_t b0, b1;
        if (span_peek(&tail, i, &b0) && b0 == TLS_CT_HANDSHAKE && (!span_peek(&tail, i + 1, &b1) || b1 == 3))
            return true;
    }
    return false;
}

/* Where the hello's record begins, counted from the kept tail's first
 * byte: in the tail, at the piece's first byte, or later in the piece. */
static bool client_prefix_find(const struct conn *c, struct span data, size_t *at)
{
    /* The tail and the piece's first ten bytes, led by a byte of filler:
     * tls_find_hello looks at offsets from 1 (0 is a stream that is TLS). */
    uint8_t look[1 + CONN_PREFIX_TAIL + CONN_PREFIX_TAIL + 1] = { 0 };
    size_t t = c->prefix_tail_len;
    memcpy(look + 1, c->prefix_tail, t);
    size_t k = data.n < CONN_PREFIX_TAIL + 1 ? data.n : CONN_PREFIX_TAIL + 1;
    memcpy(look + 1 + t, data.p, k);
    size_t off = tls_find_hello(span_make(look, 1 + t + k), TLS_HS_CLIENT_HELLO);
    if (off > 0 && off - 1 <= t) {
        *at = off - 1;
        return true;
    }
    off = tls_find_hello(data, TLS_HS_CLIENT_HELLO);
    *at = t + off;
    return off > 0;
}

static void ignore_tls(void *ctx, int dir, struct span bytes)
{
    (void)ctx;
    (void)dir;
    (void)bytes;
}

/* Whether the client's bytes so far and `data` open a dialogue (the
 * dialogue path has not given up on them yet): then what follows is its,
 * as without the search. Judged on a copy, before the piece is fed. */
static bool client_prefix_opens_dialogue(const struct conn *c, struct span data)
{
    if (starttls_verdict(&c->starttls) != STARTTLS_PENDING)
        return false;
    struct starttls probe = c->starttls;
    starttls_feed(&probe, DIR_C2S, data, ignore_tls, NULL);
    return starttls_protocol(&probe) != STARTTLS_PROTO_NONE;
}

/* The search on a piece after the first: the piece's bytes from the
 * hello's record on (the connection then implicit TLS, its prefix in
 * skipped_bytes), or the piece as it was. */
static struct span client_prefix_next(struct conn_dissector *d, struct conn *c, const struct conn_meta *meta,
                                      int dir, struct span data, bool gap)
{
    bool searching = dir == DIR_C2S && !gap && c->mode == CONN_MODE_STARTTLS &&
                     starttls_protocol(&c->starttls) == STARTTLS_PROTO_NONE && !client_prefix_opens_dialogue(c, data);
    size_t at = 0;
    if (!searching || !client_prefix_find(c, data, &at)) {
        if (searching)
            client_prefix_keep(c, data);
        else
            c->prefix_seen = 0;
        return data;
    }
    size_t t = c->prefix_tail_len;
    size_t skipped = c->prefix_seen - t + at;
    c->prefix_seen = 0;
    if (skipped >= TLS_PREFIX_SCAN_MAX)
        return data;
    c->mode = CONN_MODE_IMPLICIT;
    c->report.context.skipped_bytes[DIR_C2S] = (uint16_t)skipped;
    if (at < t)
        tls_stage(d, c, meta, DIR_C2S, span_make(c->prefix_tail + at, t - at), false);
    else
        span_skip(&data, at - t);
    return data;
}

/* Routes one piece of a direction's stream (after any PROXY header). */
static void route(struct conn_dissector *d, struct conn *c, struct conn_meta *meta, int dir, struct span data,
                  bool gap)
{
    if (data.n == 0)
        return;
    size_t prefix = 0;
    if (c->mode == CONN_MODE_UNKNOWN) {
        if (looks_like_tls_start(data, dir)) {
            c->mode = CONN_MODE_IMPLICIT;
        } else if (dir == DIR_C2S && !gap && (prefix = client_prefix_len(data, meta->server_port)) > 0) {
            c->mode = CONN_MODE_IMPLICIT;
            c->report.context.skipped_bytes[DIR_C2S] = (uint16_t)prefix;
            span_skip(&data, prefix);
        } else {
            c->mode = CONN_MODE_STARTTLS;
            starttls_init(&c->starttls, meta->server_port);
            if (dir == DIR_C2S && !gap && client_prefix_may_start(data) &&
                starttls_sniff(DIR_C2S, data, meta->server_port) != STARTTLS_SNIFF_YES)
                client_prefix_keep(c, data);
        }
    } else if (c->prefix_seen > 0) {
        data = client_prefix_next(d, c, meta, dir, data, gap);
        if (data.n == 0)
            return;
    }
    if (dir == DIR_S2C && c->mode == CONN_MODE_IMPLICIT) {
        data = skip_server_prefix(c, data, gap);
        if (data.n == 0)
            return;
    }
    if (meets_plaintext_server(c, dir, data, gap)) {
        c->mode = CONN_MODE_PLAINTEXT_SERVER;
        c->report.context.plaintext_server = true;
        d->st.plaintext_servers++;
    }
    c->spoke[dir] = true;
    if (c->mode == CONN_MODE_PLAINTEXT_SERVER) {
        if (dir == DIR_S2C)
            keep_server_plaintext(c, data);
        else
            tls_stage(d, c, meta, dir, data, gap);
        return;
    }
    if (c->mode == CONN_MODE_STARTTLS && dir == DIR_S2C && !c->spoke[DIR_C2S])
        keep_server_plaintext(c, data);
    if (c->mode == CONN_MODE_IMPLICIT || starttls_dir_is_tls(&c->starttls, dir)) {
        tls_stage(d, c, meta, dir, data, gap);
        return;
    }
    struct starttls_ctx x = { d, c, meta };
    starttls_feed(&c->starttls, dir, data, starttls_to_tls, &x);
}

_Static_assert(TLS_PROXY_UNIQUE_ID_MAX >= PROXY_UNIQUE_ID_MAX, "the report holds any UNIQUE_ID");

static void proxy_header_read(struct conn_dissector *d, struct conn *c, const struct proxy_info *info)
{
    struct conn_context_report *ctx = &c->report.context;
    d->st.proxy_headers++;
    ctx->proxy_version = info->version;
    /* A LOCAL command is the balancer's own connection: its health check. */
    if (info->local) {
        c->proxy_local = true;
        d->st.proxy_health_checks++;
    }
    if (info->has_addresses && !info->local) {
        ctx->proxy_has_client = true;
        ctx->proxy_ip_version = info->ip_version;
        memcpy(ctx->proxy_client_ip, info->src, 16);
        ctx->proxy_client_port = info->sport;
        ctx->proxy_has_destination = true;
        memcpy(ctx->proxy_destination_ip, info->dst, 16);
        ctx->proxy_destination_port = info->dport;
    }
    memcpy(ctx->proxy_unique_id, info->unique_id, info->unique_id_len);
    ctx->proxy_unique_id_len = info->unique_id_len;
}

/* How long the rejected header at the start of `data` is, when its end can
 * be found without trusting anything else in it. */
static size_t proxy_skip_len(struct span data)
{
    size_t skip = proxy_v2_skip_len(data);
    return skip > 0 ? skip : proxy_v1_skip_len(data);
}

/* The client stream may begin with a PROXY protocol header (a load balancer
 * relaying the connection): read it, remember the true client, and pass on
 * what follows. A header split across segments is held in proxy_buf. */
static void client_start(struct conn_dissector *d, struct conn *c, struct conn_meta *meta, struct span data,
                         bool gap)
{
    struct span whole = data;
    size_t held = c->proxy_have;
    if (held > 0 && !gap) {
        size_t k = CONN_PROXY_PEEK_MAX - held < data.n ? CONN_PROXY_PEEK_MAX - held : data.n;
        memcpy(c->proxy_buf + held, data.p, k);
        c->proxy_have = (uint16_t)(held + k);
        whole = span_make(c->proxy_buf, c->proxy_have);
    }
    struct proxy_info info;
    size_t header_len = 0;
    enum proxy_result pr = gap ? PROXY_NOT_PROXY : proxy_parse(whole, &info, &header_len);
    /* A v1 line is judged at its first wrong character, but can be skipped
     * only at its CRLF: hold a rejected line until its end arrives (at most
     * PROXY_V1_MAX_LEN bytes), so the ClientHello behind it is still read. */
    bool line_open = pr == PROXY_MALFORMED && proxy_v1_line_open(whole);
    if ((pr == PROXY_NEED_MORE || line_open) &&
        (held > 0 ? c->proxy_have < CONN_PROXY_PEEK_MAX : data.n < CONN_PROXY_PEEK_MAX)) {
        if (held == 0) {
            memcpy(c->proxy_buf, data.p, data.n);
            c->proxy_have = (uint16_t)data.n;
        }
        return;
    }
    c->proxy_checked = true;
    size_t have = c->proxy_have; /* held bytes and what of `data` was copied after them */
    c->proxy_have = 0;
    if (pr == PROXY_OK) {
        proxy_header_read(d, c, &info);
        /* What follows the header: in the held bytes and/or this piece. */
        if (held > 0) {
            if (header_len < held)
                route(d, c, meta, DIR_C2S, span_make(c->proxy_buf + header_len, held - header_len), false);
            size_t from_data = header_len > held ? header_len - held : 0;
            route(d, c, meta, DIR_C2S, span_make(data.p + from_data, data.n - from_data), false);
        } else {
            route(d, c, meta, DIR_C2S, span_make(data.p + header_len, data.n - header_len), false);
        }
        return;
    }
    /* A header cut by a gap never completed: it failed its checks too. */
    if (pr == PROXY_MALFORMED || pr == PROXY_NEED_MORE || (gap && held > 0)) {
        d->st.proxy_malformed++;
        c->report.context.proxy_invalid = true;
    }
    size_t skip = pr == PROXY_MALFORMED ? proxy_skip_len(whole) : 0;
    if (skip > 0) {
        if (held > 0) {
            route(d, c, meta, DIR_C2S, span_make(c->proxy_buf + skip, have - skip), false);
            size_t copied = have - held;
            route(d, c, meta, DIR_C2S, span_make(data.p + copied, data.n - copied), false);
        } else {
            route(d, c, meta, DIR_C2S, span_make(data.p + skip, data.n - skip), false);
        }
        return;
    }
    /* Not a PROXY header: the held bytes and this piece are the stream. */
    if (held > 0 && !gap) {
        route(d, c, meta, DIR_C2S, span_make(c->proxy_buf, held), false);
        route(d, c, meta, DIR_C2S, data, false);
    } else {
        route(d, c, meta, DIR_C2S, data, gap);
    }
}

int conn_guess(int dir, struct span payload, uint16_t server_port)
{
    if (payload.n == 0)
        return 0;
    if (looks_like_tls_start(payload, dir))
        return 1;
    if (dir == DIR_C2S) {
        struct proxy_info info;
        size_t header_len;
        if (proxy_parse(payload, &info, &header_len) != PROXY_NOT_PROXY)
            return 1;
    }
    /* The dialogue follower itself says whether these bytes can begin one. */
    struct starttls probe;
    starttls_init(&probe, server_port);
    starttls_feed(&probe, dir, payload, ignore_tls, NULL);
    switch (starttls_verdict(&probe)) {
    case STARTTLS_NOT_STARTTLS:
        return -1;
    case STARTTLS_PENDING:
        return starttls_protocol(&probe) != STARTTLS_PROTO_NONE ? 1 : 0;
    default:
        return 1;
    }
}

/* ---- the report, completed ---------------------------------------------- */

_Static_assert(TLS_CLEARTEXT_NAME_MAX == STARTTLS_CLIENT_ID_MAX, "the report keeps what the dialogue kept");

static void copy_name(struct tls_cleartext_name *out, const struct starttls_id_value *in)
{
    out->len = in->len;
    out->cut = in->cut;
    memcpy(out->v, in->v, in->len);
}

static void copy_starttls_result(struct conn *c)
{
    struct conn_context_report *ctx = &c->report.context;
    if (c->mode != CONN_MODE_STARTTLS)
        return;
    ctx->starttls = (uint8_t)starttls_protocol(&c->starttls);
    const struct starttls_client_id *id = starttls_client_id(&c->starttls);
    copy_name(&ctx->smtp_helo, &id->helo);
    copy_name(&ctx->imap_id_name, &id->name);
    copy_name(&ctx->imap_id_version, &id->version);
    size_t n = 0;
    const uint8_t *reply = starttls_reply(&c->starttls, &n);
    if (reply && n > 0) {
        if (n > TLS_STARTTLS_REPLY_MAX)
            n = TLS_STARTTLS_REPLY_MAX;
        memcpy(ctx->starttls_reply, reply, n);
        ctx->starttls_reply_len = (uint8_t)n;
    }
}

/* network.protocol and network.application. */
static void classification(struct conn_dissector *d, struct conn *c, const struct conn_meta *meta)
{
    struct tls_report *r = &c->report;
    if (c->mode == CONN_MODE_IMPLICIT)
        classify_tls(d->classifier, &c->classify, r->client.sni, r->client.sni_len, meta->ip_version,
                     meta->server_ip);
    classify_finish(d->classifier, &c->classify);
    r->context.protocol = classify_protocol(&c->classify);
    if (!classify_application(d->classifier, &c->classify, r->context.application, sizeof r->context.application))
        r->context.application[0] = '\0';
    /* The dialogue we followed knows the protocol for certain; an nDPI name
     * that does not confirm it (nDPI 4.2 takes some LDAP for MQTT, a SOCKS
     * tunnel for Cassandra) would only mislead. */
    if (r->context.starttls &&
        (!r->context.protocol || strcmp(r->context.protocol, starttls_protocol_name(r->context.starttls)) != 0))
        r->context.application[0] = '\0';
}

static void finish(struct conn_dissector *d, struct conn *c, struct conn_meta *meta, enum conn_reason reason)
{
    struct tls_report *r = &c->report;
    tls_hs_finish(&c->hs, r);
    if (c->dir[0].truncated || c->dir[1].truncated)
        r->truncated_why |= TLS_TRUNCATED_MESSAGE;
    r->messages_not_kept[DIR_C2S] = c->dir[DIR_C2S].not_kept;
    r->messages_not_kept[DIR_S2C] = c->dir[DIR_S2C].not_kept;
    if (meta->gap)
        r->truncated_why |= TLS_TRUNCATED_CAPTURE_GAP;
    if (r->truncated_why)
        r->truncated = true;
    copy_starttls_result(c);
    if (c->mode == CONN_MODE_STARTTLS && starttls_verdict(&c->starttls) == STARTTLS_UPGRADED)
        d->st.starttls_upgrades++;
    if (d->classifier)
        classification(d, c, meta);
    meta->reason = reason;
    d->st.lines++;
    if (d->sink.emit)
        d->sink.emit(d->sink.ctx, meta, r);
}

/* The line's event.reason for a decision taken while data flowed. */
static enum conn_reason decision_reason(enum tls_outcome outcome)
{
    switch (outcome) {
    case TLS_OUTCOME_ALERT:
        return CONN_REASON_ALERT;
    case TLS_OUTCOME_ESTABLISHED:
        return CONN_REASON_HANDSHAKE_DONE;
    default:
        return CONN_REASON_END_OF_INPUT;
    }
}

/* ---- entry points --------------------------------------------------------- */

void conn_begin(struct conn_dissector *d, struct conn *c)
{
    c->hs.certs = d->certs;
    d->st.sessions++;
}

enum conn_verdict conn_data(struct conn_dissector *d, struct conn *c, struct conn_meta *meta, int dir,
                            struct span data, bool gap)
{
    if (!c->data_seen) {
        c->hs.verifier = d->verifier;
        c->hs.when = (int64_t)(meta->first_ts_us / 1000000u);
    }
    c->data_seen = true;
    if (meta->close_seen)
        tls_hs_close_seen(&c->hs, meta->closed_by);
    if (dir == DIR_C2S && !c->proxy_checked)
        client_start(d, c, meta, data, gap);
    else
        route(d, c, meta, dir, data, gap);

    struct tls_report *r = &c->report;
    if (c->mode == CONN_MODE_STARTTLS) {
        enum starttls_verdict v = starttls_verdict(&c->starttls);
        if (v == STARTTLS_REFUSED && !r->client.seen) {
            copy_starttls_result(c);
            r->context.starttls_refused = true;
            r->outcome = TLS_OUTCOME_STARTTLS_REFUSED;
            d->st.starttls_refused++;
            finish(d, c, meta, CONN_REASON_STARTTLS_REFUSED);
            return CONN_DONE;
        }
        /* Not while a client prefix's hello may still come. */
        if (v == STARTTLS_NOT_STARTTLS && !r->client.seen && !r->server.seen && c->prefix_seen == 0) {
            d->st.not_tls++;
            return CONN_DONE;
        }
    }
    if (!r->client.seen && !r->server.seen) {
        /* Nothing recognisable yet. A direction that is not TLS from its
         * first byte means the connection is not (implicit) TLS. */
        if (c->mode == CONN_MODE_IMPLICIT && c->dir[dir].mode == TLS_STREAM_DEAD && c->dir[dir].records == 0) {
            d->st.not_tls++;
            return CONN_DONE;
        }
        return CONN_CONTINUE;
    }
    bool dead = c->dir[0].mode == TLS_STREAM_DEAD && c->dir[1].mode == TLS_STREAM_DEAD;
    if (!tls_hs_decide(&c->hs, r, dead))
        return CONN_CONTINUE;
    finish(d, c, meta, decision_reason(r->outcome));
    return CONN_DONE;
}

void conn_packet(struct conn_dissector *d, struct conn *c, const struct conn_meta *meta, int dir,
                 struct span ip_packet, struct span payload, uint64_t ts_us)
{
    if (!d->classifier || c->classify.decided || c->mode == CONN_MODE_IMPLICIT)
        return;
    /* Searching for a client prefix's hello where the dialogue has given
     * up: nDPI would get nothing it did before the search. */
    if (c->prefix_seen > 0 && starttls_verdict(&c->starttls) == STARTTLS_NOT_STARTTLS)
        return;
    /* Implicit TLS is classified from the hello we parse (classify_tls, at
     * finish); nDPI gets the packets of everything else, from the first, but
     * only once a dialogue may follow: a first payload the prelude will give
     * up on (plain HTTP, SSH) never starts it. */
    if (c->mode == CONN_MODE_UNKNOWN && looks_like_tls_start(payload, dir))
        return;
    if (!c->data_seen && conn_guess(dir, payload, meta->server_port) < 0) {
        d->st.classify_skipped++;
        return;
    }
    classify_packet(d->classifier, &c->classify, ip_packet, ts_us);
}

void conn_close(struct conn_dissector *d, struct conn *c, struct conn_meta *meta, enum conn_reason reason,
                bool rst_seen, bool fin_seen)
{
    struct tls_report *r = &c->report;
    /* A PROXY header and nothing after it: the balancer checking that the
     * server accepts connections (a LOCAL one was counted when read). */
    if (r->context.proxy_version && !c->proxy_local && !c->spoke[DIR_C2S])
        d->st.proxy_health_checks++;
    /* A client prefix whose hello never came: not TLS, as it was judged
     * at its first piece before the search existed. */
    if (c->prefix_seen > 0 && !r->client.seen && starttls_verdict(&c->starttls) == STARTTLS_NOT_STARTTLS)
        d->st.not_tls++;
    if (!r->client.seen && !r->server.seen) {
        if (d->classifier)
            classify_finish(d->classifier, &c->classify);
        return;
    }
    /* An alert that answered the peer's close leaves the outcome to that
     * close, made as it was made: a RST that followed it (the closed
     * socket's answer to the alert) is not the cause. */
    if (r->alert.after_peer_close && meta->close_seen)
        rst_seen = meta->close_rst;
    tls_hs_closed(r, rst_seen, fin_seen);
    finish(d, c, meta, reason);
}

void conn_release(struct conn *c)
{
    tls_stream_release(&c->dir[0]);
    tls_stream_release(&c->dir[1]);
}

void conn_end(struct conn_dissector *d, struct conn *c)
{
    if (d->classifier)
        classify_finish(d->classifier, &c->classify);
    conn_release(c);
}

int conn_client_hint(struct span payload)
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
