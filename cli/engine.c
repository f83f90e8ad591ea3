/* engine.c - see engine.h. */
#include "cli/engine.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "common/digest.h"
#include "common/memo.h"
#include "dissect/accept.h"
#include "dissect/cert_cache.h"
#include "output/json.h"
#include "report/inventory.h"
#include "dissect/chain_verify.h"

/* Does `m` describe the connection of the frame being processed? */
static bool is_current(const struct engine *e, const struct conn_meta *m)
{
    const struct pkt *p = e->current;
    if (!p || p->ip_version != m->ip_version)
        return false;
    if (p->sport == m->client_port && p->dport == m->server_port)
        return memcmp(p->src, m->client_ip, 16) == 0 && memcmp(p->dst, m->server_ip, 16) == 0;
    if (p->sport == m->server_port && p->dport == m->client_port)
        return memcmp(p->src, m->server_ip, 16) == 0 && memcmp(p->dst, m->client_ip, 16) == 0;
    return false;
}

static void note_message(void *ctx, const struct conn_meta *m, const struct tls_report *r, enum tls_note what)
{
    struct engine *e = ctx;
    if (is_current(e, m))
        packet_notes_message(e->notes, what, r);
}

/* The JSON line; with --pcapng the decision's comments on the frame that
 * decided it (not on a frame that merely caused an idle connection to expire
 * or be evicted); with --inventory the line's row. */
static void emit_line(void *ctx, const struct conn_meta *m, const struct tls_report *r)
{
    struct engine *e = ctx;
    struct conn_json_writer *w = e->writer;
    e->lines.emit(e->lines.ctx, m, r);
    if (e->notes && m->reason != CONN_REASON_IDLE_TIMEOUT && m->reason != CONN_REASON_EVICTED && is_current(e, m))
        packet_notes_decision(e->notes, m, r);
    if (e->cfg.inventory) {
        /* The inventory reads the whole line, whatever --fields kept. */
        bool written = e->lines.emit == conn_json_emit && !w->fields; /* the whole line is in w->buf */
        size_t n = written ? w->last_len : conn_json_format(m, r, w->memo, w->buf, sizeof w->buf);
        if (n > 0)
            inventory_add_line(e->cfg.inventory, w->buf, n, (int64_t)time(NULL));
    }
}

/* ---- UDP flows: QUIC (dissect/quic.h) and DTLS (dissect/dtls.h) ---- */

/* The consumer's context is the TCP dissector inside the engine; UDP flows
 * reach the engine's other dissectors through it. */
static struct engine *engine_of(void *dissector)
{
    return (struct engine *)((char *)dissector - offsetof(struct engine, dissector));
}

static bool is_udp(const struct flow *f)
{
    return f->meta.transport == FLOW_TRANSPORT_UDP;
}

/* What a UDP flow carries (flow.consumer_tag, set when it is accepted). */
enum { UDP_QUIC = 1, UDP_DTLS = 2 };

/* The attachment of a UDP flow, in the same slot a TCP flow's struct conn
 * takes (the slot is as large as the larger). */
union udp_attach {
    struct quic_conn quic;
    struct dtls_conn dtls;
};

static size_t attach_size(void)
{
    return sizeof(struct conn) > sizeof(union udp_attach) ? sizeof(struct conn) : sizeof(union udp_attach);
}

/* RFC 7983 5: a STUN message (first two bits 0, magic cookie at 4): WebRTC
 * checks connectivity with STUN on the flow that then carries DTLS. */
static bool is_stun(struct span p)
{
    uint8_t b0 = 0;
    if (!span_peek(&p, 0, &b0) || b0 > 3 || p.n < 20)
        return false;
    struct span s = p;
    span_skip(&s, 4);
    return span_u32(&s) == 0x2112a442u;
}

/* A UDP flow's first datagrams decide it: QUIC, DTLS (from the client, or
 * from the server when the capture missed the ClientHello), STUN (look at
 * the next one), or neither (decided at once: a lookup per datagram from
 * then on). */
static enum flow_accept udp_accept(struct flow *f, struct span first)
{
    if (quic_sniff(first)) {
        f->consumer_tag = UDP_QUIC;
        return FLOW_ACCEPT;
    }
    int d = dtls_sniff(first);
    if (d != 0) {
        f->consumer_tag = UDP_DTLS;
        return d < 0 ? FLOW_ACCEPT_PEER_IS_CLIENT : FLOW_ACCEPT;
    }
    return is_stun(first) ? FLOW_NEED_MORE : FLOW_REJECT;
}

static void udp_attach(struct engine *e, struct flow *f, union udp_attach *a)
{
    if (f->consumer_tag == UDP_QUIC)
        quic_begin(&e->quic, &a->quic);
    else
        dtls_begin(&e->dtls, &a->dtls);
}

static enum flow_verdict udp_data(struct engine *e, struct flow *f, union udp_attach *a, int dir, struct span data)
{
    enum conn_verdict v = f->consumer_tag == UDP_QUIC ? quic_datagram(&e->quic, &a->quic, &f->meta, dir, data)
                                                      : dtls_datagram(&e->dtls, &a->dtls, &f->meta, dir, data);
    /* Outlives the attachment: udp_reopens reads it. */
    f->consumer_note = f->consumer_tag == UDP_QUIC ? a->quic.dcid_note : a->dtls.random_note;
    return v == CONN_DONE ? FLOW_VERDICT_DONE : FLOW_VERDICT_CONTINUE;
}

/* A client reusing the 4-tuple of a decided QUIC connection or DTLS
 * association: the new one gets its own line (quic_reopens, dtls_reopens;
 * a DTLS peer that lost its state may be either side). */
static bool udp_reopens(struct engine *e, const struct flow *f, int dir, struct span payload)
{
    if (f->consumer_tag == UDP_QUIC)
        return dir == DIR_C2S && quic_reopens(&e->quic, payload, f->consumer_note);
    return f->consumer_tag == UDP_DTLS && dtls_reopens(payload, f->consumer_note);
}

static void udp_close(struct engine *e, struct flow *f, union udp_attach *a, enum conn_reason reason)
{
    if (f->consumer_tag == UDP_QUIC)
        quic_close(&e->quic, &a->quic, &f->meta, reason);
    else
        dtls_close(&e->dtls, &a->dtls, &f->meta, reason);
}

static void udp_detach(struct engine *e, const struct flow *f, union udp_attach *a)
{
    if (f->consumer_tag == UDP_QUIC)
        quic_end(&e->quic, &a->quic);
    else
        dtls_end(&e->dtls, &a->dtls);
}

/* ---- the flow_consumer adapter: the flow table drives conn.h ---- */

static int consumer_hint(void *ctx, struct span payload)
{
    (void)ctx;
    return conn_client_hint(payload);
}

/* A flow gets dissection state only when its first bytes can be TLS, a
 * PROXY header or a STARTTLS dialogue's opening (dissect/accept.h): anything
 * else is decided at once and costs a lookup per packet from then on. */
static enum flow_accept consumer_accept(void *ctx, struct flow *f, int dir, struct span first)
{
    (void)ctx;
    if (is_udp(f))
        return udp_accept(f, first);
    enum accept_verdict a = accept_first_bytes(dir, first, f->meta.server_port);
    return a == ACCEPT_YES ? FLOW_ACCEPT : a == ACCEPT_NEED_MORE ? FLOW_NEED_MORE : FLOW_REJECT;
}

static void consumer_attach(void *ctx, struct flow *f, void *attach)
{
    if (is_udp(f)) {
        udp_attach(engine_of(ctx), f, attach);
        return;
    }
    /* The slot is recycled memory (flow_consumer.on_attach). */
    memset(attach, 0, sizeof(struct conn));
    conn_begin(ctx, attach);
}

static void consumer_packet(void *ctx, struct flow *f, void *attach, int dir, struct span ip_packet,
                            struct span payload, uint64_t ts_us)
{
    if (is_udp(f))
        return;
    conn_packet(ctx, attach, &f->meta, dir, ip_packet, payload, ts_us);
}

static enum flow_verdict consumer_data(void *ctx, struct flow *f, void *attach, int dir, struct span data, bool gap)
{
    if (is_udp(f))
        return udp_data(engine_of(ctx), f, attach, dir, data);
    return conn_data(ctx, attach, &f->meta, dir, data, gap) == CONN_DONE ? FLOW_VERDICT_DONE : FLOW_VERDICT_CONTINUE;
}

static void consumer_close(void *ctx, struct flow *f, void *attach, enum conn_reason reason)
{
    if (is_udp(f)) {
        udp_close(engine_of(ctx), f, attach, reason);
        return;
    }
    conn_close(ctx, attach, &f->meta, reason, f->rst_seen, f->fin_seen[0] || f->fin_seen[1]);
}

static bool consumer_reopens(void *ctx, const struct flow *f, int dir, struct span payload)
{
    return is_udp(f) && udp_reopens(engine_of(ctx), f, dir, payload);
}

static void consumer_detach(void *ctx, const struct flow *f, void *attach)
{
    if (is_udp(f)) {
        udp_detach(engine_of(ctx), f, attach);
        return;
    }
    conn_end(ctx, attach);
}

static struct flow_consumer dissector_consumer(struct conn_dissector *d)
{
    struct flow_consumer c = {
        .ctx = d,
        .attach_size = attach_size(),
        .client_hint = consumer_hint,
        .accept = consumer_accept,
        .on_attach = consumer_attach,
        .on_packet = consumer_packet,
        .on_data = consumer_data,
        .on_close = consumer_close,
        .reopens = consumer_reopens,
        .on_detach = consumer_detach,
    };
    return c;
}

static int pcapng_init(struct engine *e)
{
    e->pcapng = calloc(1, sizeof *e->pcapng);
    e->notes = calloc(1, sizeof *e->notes);
    if (!e->pcapng || !e->notes)
        return -1;
    pcapng_begin(e->pcapng, e->cfg.pcapng, "tlsscope " TLSSCOPE_VERSION);
    e->dissector.notes.ctx = e;
    e->dissector.notes.note = note_message;
    return 0;
}

static void pcapng_free(struct engine *e)
{
    free(e->pcapng);
    e->pcapng = NULL;
    free(e->notes);
    e->notes = NULL;
}

void engine_defaults(struct engine_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_flows = 262144;
    cfg->max_sessions = 12288;
    cfg->buffer_budget = 64u << 20;
    cfg->idle_timeout_s = 60;
    cfg->cert_cache_entries = CERT_CACHE_DEFAULT_ENTRIES;
    cfg->out = stdout;
}

int engine_init(struct engine *e, const struct engine_config *cfg)
{
    memset(e, 0, sizeof *e);
    e->cfg = *cfg;
    bufpool_init(&e->pool, cfg->buffer_budget);
    e->dissector.pool = &e->pool;
    e->dissector.max_message = cfg->max_message;
    e->quic.d = &e->dissector;
    e->dtls.d = &e->dissector;
    e->writer = calloc(1, sizeof *e->writer);
    if (!e->writer)
        goto fail;
    e->writer->out = cfg->out;
    e->writer->fields = cfg->fields;
    e->writer->memo = conn_json_memo_new();
    if (!e->writer->memo)
        goto fail;
    e->lines = cfg->line_sink.emit ? cfg->line_sink : (struct conn_sink){ e->writer, conn_json_emit };
    e->dissector.sink.ctx = e;
    e->dissector.sink.emit = emit_line;
    if (cfg->pcapng && pcapng_init(e) != 0)
        goto fail;
    if (!cfg->no_classify) {
        e->dissector.classifier = classifier_new();
        if (!e->dissector.classifier)
            goto fail;
    }
    struct flow_config fc = {
        .pool = &e->pool,
        .max_flows = cfg->max_flows,
        .max_sessions = cfg->max_sessions,
        .idle_timeout_us = (uint64_t)cfg->idle_timeout_s * 1000000u,
        /* A decided flow is only a tombstone that keeps its later packets
         * from being taken for a new connection; keep it a while longer. */
        .done_timeout_us = (uint64_t)(cfg->idle_timeout_s > 300 ? cfg->idle_timeout_s : 300) * 1000000u,
    };
    struct flow_consumer consumer = dissector_consumer(&e->dissector);
    struct cert_cache_config cc = { cfg->cert_cache_entries, cfg->cert_cache_bytes ? cfg->cert_cache_bytes
                                    : (uint64_t)cfg->cert_cache_entries * CERT_CACHE_BYTES_PER_ENTRY };
    if (cc.max_entries) {
        e->dissector.certs = cert_cache_new(&cc);
        if (!e->dissector.certs)
            goto fail;
    }
    if (cfg->ca_file) {
        e->dissector.verifier = chain_verifier_new(cfg->ca_file);
        if (!e->dissector.verifier)
            goto fail;
    }
    e->flows = flow_table_new(&fc, &consumer);
    if (!e->flows)
        goto fail;
    struct ip_reasm_config rc;
    ip_reasm_defaults(&rc);
    e->reasm = ip_reasm_new(&rc);
    if (!e->reasm)
        goto fail;
    return 0;
fail:
    engine_free(e); /* frees whatever was made; everything else is NULL */
    return -1;
}

/* TCP segments and UDP datagrams go to the flow table. */
static bool is_flow_packet(enum decode_result r)
{
    return r == DECODE_TCP || r == DECODE_UDP;
}

void engine_frame(struct engine *e, int linktype, const struct capture_frame *f)
{
    struct pkt p;
    if (!e->pcapng) {
        if (is_flow_packet(decode_frame_reasm(e->reasm, linktype, f->data, f->caplen, f->wire_len, f->ts_us, &p, &e->decode)))
            flow_table_packet(e->flows, &p);
        return;
    }
    packet_notes_clear(e->notes);
    if (is_flow_packet(decode_frame_reasm(e->reasm, linktype, f->data, f->caplen, f->wire_len, f->ts_us, &p, &e->decode))) {
        e->current = &p;
        flow_table_packet(e->flows, &p);
        e->current = NULL;
    }
    pcapng_packet(e->pcapng, (uint32_t)e->pcapng_interface, f->ts_us, f->data, f->caplen, f->wire_len,
                  e->notes->comment, e->notes->count);
}

struct run_ctx {
    struct engine *e;
    int linktype;
};

/* Frames between calls of the configuration's tick (a counter's cost). */
#define ENGINE_TICK_FRAMES 8192

static void on_frame(void *vctx, const struct capture_frame *f)
{
    struct run_ctx *c = vctx;
    engine_frame(c->e, c->linktype, f);
    if (c->e->cfg.tick && ++c->e->tick_frames % ENGINE_TICK_FRAMES == 0)
        c->e->cfg.tick(c->e->cfg.tick_ctx);
}

static void on_idle(void *vctx, uint64_t now_us)
{
    struct run_ctx *c = vctx;
    flow_table_expire(c->e->flows, now_us);
    if (c->e->cfg.inventory)
        inventory_tick(c->e->cfg.inventory, (int64_t)time(NULL));
    fflush(c->e->cfg.out);
    if (c->e->pcapng)
        fflush(c->e->cfg.pcapng);
}

enum capture_status engine_run(struct engine *e, struct capture_source *src, volatile sig_atomic_t *stop,
                               char *err, size_t errlen)
{
    struct run_ctx c = { e, capture_linktype(src) };
    e->linktype = c.linktype;
    if (!decode_link_supported(c.linktype)) {
        snprintf(err, errlen, "link type %d is not supported", c.linktype);
        return CAPTURE_ERROR;
    }
    if (e->pcapng) {
        e->pcapng_interface = pcapng_interface(e->pcapng, c.linktype, capture_snaplen(src));
        if (e->pcapng_interface < 0) {
            snprintf(err, errlen, "more than %d different link types and snapshot lengths for one pcapng output",
                     PCAPNG_MAX_INTERFACES);
            return CAPTURE_ERROR;
        }
    }
    return capture_run(src, on_frame, &c, on_idle, stop, err, errlen);
}

/* Live sources differ in link type (-i any gives Linux cooked frames) and
 * in their pcapng interface, so both are kept per source. */
struct live_run_ctx {
    struct run_ctx run;
    const struct engine_live_hooks *h;
    int linktype[CAPTURE_MAX_LIVE];
    int pcapng_interface[CAPTURE_MAX_LIVE];
};

static void on_live_frame(void *vctx, int index, const struct capture_frame *f)
{
    struct live_run_ctx *c = vctx;
    c->run.e->pcapng_interface = c->pcapng_interface[index];
    engine_frame(c->run.e, c->linktype[index], f);
}

static void on_live_idle(void *vctx, uint64_t now_us)
{
    struct live_run_ctx *c = vctx;
    on_idle(&c->run, now_us);
    if (c->h && c->h->tick)
        c->h->tick(c->h->ctx, now_us);
}

static void on_live_link(void *vctx, int index, bool up)
{
    struct live_run_ctx *c = vctx;
    if (c->h && c->h->link)
        c->h->link(c->h->ctx, index, up);
}

static void on_live_drops(void *vctx, int index, const struct capture_counters *cc)
{
    struct live_run_ctx *c = vctx;
    if (c->h && c->h->drops)
        c->h->drops(c->h->ctx, index, cc);
}

enum capture_status engine_run_live(struct engine *e, struct capture_source *const *srcs, int n,
                                    const struct engine_live_hooks *h, volatile sig_atomic_t *stop, int *failed,
                                    char *err, size_t errlen)
{
    struct live_run_ctx c = { .run = { e, 0 }, .h = h };
    *failed = -1;
    for (int i = 0; i < n && i < CAPTURE_MAX_LIVE; i++) {
        c.linktype[i] = capture_linktype(srcs[i]);
        if (!decode_link_supported(c.linktype[i])) {
            snprintf(err, errlen, "link type %d is not supported", c.linktype[i]);
            *failed = i;
            return CAPTURE_ERROR;
        }
        if (e->pcapng) {
            c.pcapng_interface[i] = pcapng_interface(e->pcapng, c.linktype[i], capture_snaplen(srcs[i]));
            if (c.pcapng_interface[i] < 0) {
                snprintf(err, errlen, "more than %d different link types and snapshot lengths for one pcapng "
                         "output", PCAPNG_MAX_INTERFACES);
                *failed = i;
                return CAPTURE_ERROR;
            }
        }
    }
    e->linktype = c.linktype[0];
    e->live = srcs;
    e->n_live = n;
    struct capture_live_hooks ch = { .ctx = &c, .frame = on_live_frame, .idle = on_live_idle,
                                     .link = on_live_link, .drops = on_live_drops };
    return capture_run_live(srcs, n, &ch, stop, failed, err, errlen);
}

uint64_t engine_capture_drops(const struct engine *e)
{
    uint64_t n = 0;
    for (int i = 0; i < e->n_live; i++) {
        const struct capture_counters *cc = capture_counters(e->live[i]);
        n += cc->dropped + cc->if_dropped;
    }
    return n;
}

void engine_finish(struct engine *e)
{
    flow_table_flush(e->flows, CONN_REASON_END_OF_INPUT);
    fflush(e->cfg.out);
    if (e->pcapng)
        fflush(e->cfg.pcapng);
}

bool engine_had_loss(const struct engine *e)
{
    const struct flow_stats *fs = flow_table_stats(e->flows);
    struct bufpool_stats bs;
    bufpool_get_stats(&e->pool, &bs);
    return fs->evicted || fs->sessions_evicted || bs.denied || fs->reasm.buffer_denied || e->writer->dropped;
}

/* The --stats record. Each group's counters are listed once, as
 * X(json_name, value expression), and written by one loop of json_u64: a
 * counter added to a struct is one line here, and no format string can drift
 * from its arguments. */
#define DECODE_STATS(X)                                                                                          \
    X("frames", d->frames) X("tcp", d->tcp) X("udp", d->udp) X("not_tcp", d->not_tcp) X("truncated", d->truncated) \
    X("payload_truncated", d->payload_truncated) X("bad_ip", d->bad_ip) X("bad_tcp", d->bad_tcp)                \
    X("ip_fragments", d->ip_fragments) X("unsupported_link", d->unsupported_link) X("bad_tunnel", d->bad_tunnel) \
    X("tunnel_too_deep", d->tunnel_too_deep) X("tunnels", d->tunnels)
#define FLOW_STATS(X)                                                                                            \
    X("created", fs->created) X("peak_active", fs->peak_active) X("evicted", fs->evicted)                       \
    X("sessions_evicted", fs->sessions_evicted) X("peak_sessions", fs->peak_sessions) X("expired", fs->expired) \
    X("closed", fs->closed) X("packets_after_decision", fs->packets_done) X("accepted", fs->accepted)           \
    X("rejected", fs->rejected) X("need_more", fs->need_more) X("reopened", fs->reopened)                       \
    X("max_flows", e->cfg.max_flows)                                                                          \
    X("max_sessions", e->cfg.max_sessions) X("table_bytes", flow_table_budget_bytes(e->flows))
#define REASM_STATS(X)                                                                                           \
    X("in_order", fs->reasm.in_order) X("out_of_order", fs->reasm.out_of_order)                                 \
    X("retransmissions", fs->reasm.retransmissions) X("partial_overlaps", fs->reasm.partial_overlaps)           \
    X("overlap_conflicts", fs->reasm.overlap_conflicts) X("gaps", fs->reasm.gaps)                               \
    X("gap_bytes", fs->reasm.gap_bytes) X("buffer_denied", fs->reasm.buffer_denied)
#define IP_REASM_STATS(X)                                                                                        \
    X("fragments", rs->fragments) X("reassembled", rs->reassembled) X("duplicates", rs->duplicates)             \
    X("overlaps", rs->overlaps) X("rfc5722_dropped", rs->rfc5722_dropped) X("late", rs->late)                   \
    X("timeouts", rs->timeouts) X("evicted", rs->evicted) X("too_big", rs->too_big) X("malformed", rs->malformed) \
    X("peak_datagrams", rs->peak_datagrams)
#define BUFFER_STATS(X) X("budget", bs.budget) X("peak", bs.peak) X("denied", bs.denied)
#define TLS_STATS(X)                                                                                             \
    X("sessions", t->sessions) X("not_tls", t->not_tls) X("lines", t->lines)                                    \
    X("malformed_hellos", t->malformed_hellos) X("malformed_messages", t->malformed_messages)                   \
    X("unexpected_messages", t->unexpected_messages) X("malformed_records", t->malformed_records)               \
    X("truncated_messages", t->truncated_messages) X("classify_skipped", t->classify_skipped)                   \
    X("proxy_headers", t->proxy_headers) X("proxy_malformed", t->proxy_malformed)                               \
    X("starttls_upgrades", t->starttls_upgrades) X("starttls_refused", t->starttls_refused)                     \
    X("plaintext_servers", t->plaintext_servers) X("proxy_health_checks", t->proxy_health_checks)
#define OUTPUT_STATS(X)                                                                                          \
    X("lines", e->writer->lines) X("dropped", e->writer->dropped) X("write_errors", e->writer->write_errors)
#define MEMO_STATS(X) X("hits", ms.hits) X("misses", ms.misses) X("replaced", ms.replaced) X("not_stored", ms.not_stored)
#define QUIC_STATS(X)                                                                                            \
    X("datagrams", q->datagrams) X("initials", q->initials) X("decrypted", q->decrypted)                        \
    X("undecryptable", q->undecryptable) X("malformed", q->malformed) X("crypto_dropped", q->crypto_dropped)    \
    X("retries", q->retries) X("version_negotiations", q->version_negotiations)                                 \
    X("connection_closes", q->connection_closes) X("given_up", q->given_up)                                     \
    X("reopen_checks", q->reopen_checks)
#define DTLS_STATS(X)                                                                                            \
    X("datagrams", ds->datagrams) X("records", ds->records) X("encrypted_records", ds->encrypted_records)       \
    X("malformed", ds->malformed) X("fragments", ds->fragments) X("retransmissions", ds->retransmissions)       \
    X("dropped", ds->dropped) X("cookie_exchanges", ds->cookie_exchanges) X("other", ds->other)                 \
    X("given_up", ds->given_up)
#define CERT_CACHE_STATS(X)                                                                                      \
    X("hits", cc->hits) X("misses", cc->misses) X("evictions", cc->evictions) X("not_stored", cc->not_stored)   \
    X("entries", cc->entries) X("bytes", cc->bytes) X("budget_bytes", cc->budget_bytes)
#define CHAIN_VERIFY_STATS(X) X("verified", vs->verified) X("cached", vs->cached)
#define CLASSIFY_STATS(X)                                                                                        \
    X("flows", cs->flows) X("decided", cs->decided) X("gave_up", cs->gave_up) X("packets", cs->packets)         \
    X("states_allocated", cs->states_allocated) X("by_server_name", cs->by_server_name)
#define PCAPNG_STATS(X)                                                                                          \
    X("packets", e->pcapng->packets) X("comments", e->pcapng->comments) X("comments_dropped", e->notes->dropped) \
    X("write_errors", e->pcapng->write_errors)
#define INVENTORY_STATS(X)                                                                                       \
    X("connections", is->connections) X("rows_written", is->rows_written) X("flushes", is->flushes)             \
    X("flush_errors", is->flush_errors) X("lost", is->lost) X("not_lines", is->not_lines)
#define CAPTURE_STATS(X)                                                                                         \
    X("received", cc->received) X("dropped", cc->dropped) X("if_dropped", cc->if_dropped)                       \
    X("link_down_events", ls->down_events) X("link_down_us", ls->down_us + (ls->down_since_us ? now - ls->down_since_us : 0))

#define STATS_U64(name, value) json_u64(w, JSON_KEY(name), (uint64_t)(value));

/* Every group of counters, as members of the object being written. */
static void stats_members(const struct engine *e, struct json_writer *w)
{
    const struct flow_stats *fs = flow_table_stats(e->flows);
    const struct decode_stats *d = &e->decode;
    const struct conn_stats *t = &e->dissector.st;
    struct bufpool_stats bs;
    bufpool_get_stats(&e->pool, &bs);
    struct memo_stats ms = memo_stats(e->writer->memo);

#define GROUP(name, list)                                                                                        \
    do {                                                                                                         \
        json_object_begin(w, JSON_KEY(name));                                                                   \
        list(STATS_U64)                                                                                          \
        json_object_end(w);                                                                                     \
    } while (0)
    GROUP("decode", DECODE_STATS);
    const struct ip_reasm_stats *rs = ip_reasm_stats(e->reasm);
    GROUP("ip_reasm", IP_REASM_STATS);
    GROUP("flows", FLOW_STATS);
    GROUP("reassembly", REASM_STATS);
    GROUP("buffers", BUFFER_STATS);
    GROUP("tls", TLS_STATS);
    json_object_begin(w, JSON_KEY("output"));
    OUTPUT_STATS(STATS_U64)
    GROUP("memo", MEMO_STATS);
    json_object_end(w);
    const struct quic_stats *q = &e->quic.st;
    GROUP("quic", QUIC_STATS);
    const struct dtls_stats *ds = &e->dtls.st;
    GROUP("dtls", DTLS_STATS);
    if (e->dissector.certs) {
        const struct cert_cache_stats *cc = cert_cache_stats(e->dissector.certs);
        GROUP("cert_cache", CERT_CACHE_STATS);
    } else {
        json_raw(w, JSON_KEY("cert_cache"), "null", 4);
    }
    if (e->dissector.verifier) {
        const struct chain_verify_stats *vs = chain_verifier_stats(e->dissector.verifier);
        GROUP("chain_verify", CHAIN_VERIFY_STATS);
    }
    if (e->dissector.classifier) {
        const struct classify_stats *cs = classifier_stats(e->dissector.classifier);
        GROUP("classify", CLASSIFY_STATS);
    } else {
        json_raw(w, JSON_KEY("classify"), "null", 4);
    }
    if (e->pcapng)
        GROUP("pcapng", PCAPNG_STATS);
    if (e->cfg.inventory) {
        const struct inventory_stats *is = inventory_stats(e->cfg.inventory);
        GROUP("inventory", INVENTORY_STATS);
    }
    if (e->n_live) {
        uint64_t now = capture_wall_us();
        json_array_begin(w, JSON_KEY("capture"));
        for (int i = 0; i < e->n_live; i++) {
            const struct capture_counters *cc = capture_counters(e->live[i]);
            const struct capture_link_stats *ls = capture_link_stats(e->live[i]);
            json_object_begin(w, NULL);
            json_str(w, JSON_KEY("interface"), capture_name(e->live[i]));
            CAPTURE_STATS(STATS_U64)
            json_object_end(w);
        }
        json_array_end(w);
        /* Peak resident memory: what the sensor's host must provide. */
        struct rusage ru;
        json_object_begin(w, JSON_KEY("process"));
        json_u64(w, JSON_KEY("max_rss_kib"), getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss : 0);
        json_object_end(w);
    }
    if (e->cfg.stats_extra)
        e->cfg.stats_extra(e->cfg.stats_extra_ctx, w);
#undef GROUP
}

void engine_print_stats(const struct engine *e, FILE *f)
{
    char buf[16384];
    struct json_writer w;
    json_init(&w, buf, sizeof buf);
    json_object_begin(&w, NULL);
    stats_members(e, &w);
    json_object_end(&w);
    size_t n = json_finish(&w);
    fwrite(buf, 1, n, f);
}

void engine_print_stats_workers(const struct engine *const *es, int n, FILE *f)
{
    size_t cap = 16384 * (size_t)n;
    char *buf = malloc(cap);
    if (!buf)
        return;
    struct json_writer w;
    json_init(&w, buf, cap);
    json_object_begin(&w, NULL);
    json_array_begin(&w, JSON_KEY("workers"));
    for (int i = 0; i < n; i++) {
        json_object_begin(&w, NULL);
        stats_members(es[i], &w);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_object_end(&w);
    size_t len = json_finish(&w);
    fwrite(buf, 1, len, f);
    free(buf);
}

size_t engine_write_stats_record(const struct engine *e, FILE *f, uint64_t now_us, const char *reason,
                                 int worker)
{
    char buf[16384];
    struct json_writer w;
    json_init(&w, buf, sizeof buf);
    json_object_begin(&w, NULL);
    json_time_us(&w, JSON_KEY("@timestamp"), now_us);
    json_object_begin(&w, JSON_KEY("event"));
    json_str(&w, JSON_KEY("kind"), "metric");
    json_str(&w, JSON_KEY("dataset"), "tlsscope.stats");
    json_str(&w, JSON_KEY("reason"), reason);
    json_object_end(&w);
    if (worker >= 0)
        json_u64(&w, JSON_KEY("worker"), (uint64_t)worker);
    stats_members(e, &w);
    json_object_end(&w);
    size_t n = json_finish(&w);
    return n && fwrite(buf, 1, n, f) == n ? n : 0;
}



void engine_free(struct engine *e)
{
    flow_table_free(e->flows);
    e->flows = NULL;
    ip_reasm_free(e->reasm);
    e->reasm = NULL;
    classifier_free(e->dissector.classifier);
    e->dissector.classifier = NULL;
    cert_cache_free(e->dissector.certs);
    e->dissector.certs = NULL;
    if (e->writer)
        memo_free(e->writer->memo);
    chain_verifier_free(e->dissector.verifier);
    e->dissector.verifier = NULL;
    free(e->writer);
    e->writer = NULL;
    pcapng_free(e);
    bufpool_release_all(&e->pool);
}
