/* engine.c - see engine.h. */
#include "cli/engine.h"

#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/memo.h"
#include "dissect/accept.h"
#include "dissect/cert_cache.h"
#include "output/json.h"

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

/* The JSON line, and with --pcapng the decision's comments on the frame
 * that decided it (not on a frame that merely caused an idle connection to
 * expire or be evicted). */
static void emit_with_notes(void *ctx, const struct conn_meta *m, const struct tls_report *r)
{
    struct engine *e = ctx;
    e->lines.emit(e->lines.ctx, m, r);
    if (m->reason != CONN_REASON_IDLE_TIMEOUT && m->reason != CONN_REASON_EVICTED && is_current(e, m))
        packet_notes_decision(e->notes, m, r);
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
    enum accept_verdict a = accept_first_bytes(dir, first, f->meta.server_port);
    return a == ACCEPT_YES ? FLOW_ACCEPT : a == ACCEPT_NEED_MORE ? FLOW_NEED_MORE : FLOW_REJECT;
}

static void consumer_attach(void *ctx, struct flow *f, void *attach)
{
    (void)f;
    /* The slot is recycled memory (flow_consumer.on_attach). */
    memset(attach, 0, sizeof(struct conn));
    conn_begin(ctx, attach);
}

static void consumer_packet(void *ctx, struct flow *f, void *attach, int dir, struct span ip_packet,
                            struct span payload, uint64_t ts_us)
{
    conn_packet(ctx, attach, &f->meta, dir, ip_packet, payload, ts_us);
}

static enum flow_verdict consumer_data(void *ctx, struct flow *f, void *attach, int dir, struct span data, bool gap)
{
    return conn_data(ctx, attach, &f->meta, dir, data, gap) == CONN_DONE ? FLOW_VERDICT_DONE : FLOW_VERDICT_CONTINUE;
}

static void consumer_close(void *ctx, struct flow *f, void *attach, enum conn_reason reason)
{
    conn_close(ctx, attach, &f->meta, reason, f->rst_seen, f->fin_seen[0] || f->fin_seen[1]);
}

static void consumer_detach(void *ctx, void *attach)
{
    conn_end(ctx, attach);
}

static struct flow_consumer dissector_consumer(struct conn_dissector *d)
{
    struct flow_consumer c = {
        .ctx = d,
        .attach_size = sizeof(struct conn),
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

static int pcapng_init(struct engine *e)
{
    e->pcapng = calloc(1, sizeof *e->pcapng);
    e->notes = calloc(1, sizeof *e->notes);
    if (!e->pcapng || !e->notes)
        return -1;
    pcapng_begin(e->pcapng, e->cfg.pcapng, "tlsscope " TLSSCOPE_VERSION);
    e->dissector.sink.ctx = e;
    e->dissector.sink.emit = emit_with_notes;
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
    e->writer = calloc(1, sizeof *e->writer);
    if (!e->writer)
        goto fail;
    e->writer->out = cfg->out;
    e->writer->memo = conn_json_memo_new();
    if (!e->writer->memo)
        goto fail;
    e->lines = cfg->line_sink.emit ? cfg->line_sink : (struct conn_sink){ e->writer, conn_json_emit };
    e->dissector.sink = e->lines;
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
    e->flows = flow_table_new(&fc, &consumer);
    if (!e->flows)
        goto fail;
    return 0;
fail:
    engine_free(e); /* frees whatever was made; everything else is NULL */
    return -1;
}

void engine_frame(struct engine *e, int linktype, const struct capture_frame *f)
{
    struct pkt p;
    if (!e->pcapng) {
        if (decode_frame(linktype, f->data, f->caplen, f->wire_len, f->ts_us, &p, &e->decode) == DECODE_TCP)
            flow_table_packet(e->flows, &p);
        return;
    }
    packet_notes_clear(e->notes);
    if (decode_frame(linktype, f->data, f->caplen, f->wire_len, f->ts_us, &p, &e->decode) == DECODE_TCP) {
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

static void on_frame(void *vctx, const struct capture_frame *f)
{
    struct run_ctx *c = vctx;
    engine_frame(c->e, c->linktype, f);
}

static void on_idle(void *vctx, uint64_t now_us)
{
    struct run_ctx *c = vctx;
    flow_table_expire(c->e->flows, now_us);
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
    X("frames", d->frames) X("tcp", d->tcp) X("not_tcp", d->not_tcp) X("truncated", d->truncated)              \
    X("payload_truncated", d->payload_truncated) X("bad_ip", d->bad_ip) X("bad_tcp", d->bad_tcp)                \
    X("ip_fragments", d->ip_fragments) X("unsupported_link", d->unsupported_link) X("bad_tunnel", d->bad_tunnel) \
    X("tunnel_too_deep", d->tunnel_too_deep) X("tunnels", d->tunnels)
#define FLOW_STATS(X)                                                                                            \
    X("created", fs->created) X("peak_active", fs->peak_active) X("evicted", fs->evicted)                       \
    X("sessions_evicted", fs->sessions_evicted) X("peak_sessions", fs->peak_sessions) X("expired", fs->expired) \
    X("closed", fs->closed) X("packets_after_decision", fs->packets_done) X("accepted", fs->accepted)           \
    X("rejected", fs->rejected) X("need_more", fs->need_more) X("max_flows", e->cfg.max_flows)                  \
    X("max_sessions", e->cfg.max_sessions) X("table_bytes", flow_table_budget_bytes(e->flows))
#define REASM_STATS(X)                                                                                           \
    X("in_order", fs->reasm.in_order) X("out_of_order", fs->reasm.out_of_order)                                 \
    X("retransmissions", fs->reasm.retransmissions) X("partial_overlaps", fs->reasm.partial_overlaps)           \
    X("overlap_conflicts", fs->reasm.overlap_conflicts) X("gaps", fs->reasm.gaps)                               \
    X("gap_bytes", fs->reasm.gap_bytes) X("buffer_denied", fs->reasm.buffer_denied)
#define BUFFER_STATS(X) X("budget", bs.budget) X("peak", bs.peak) X("denied", bs.denied)
#define TLS_STATS(X)                                                                                             \
    X("sessions", t->sessions) X("not_tls", t->not_tls) X("lines", t->lines)                                    \
    X("malformed_hellos", t->malformed_hellos) X("malformed_messages", t->malformed_messages)                   \
    X("unexpected_messages", t->unexpected_messages) X("malformed_records", t->malformed_records)               \
    X("truncated_messages", t->truncated_messages) X("classify_skipped", t->classify_skipped)                   \
    X("proxy_headers", t->proxy_headers) X("proxy_malformed", t->proxy_malformed)                               \
    X("starttls_upgrades", t->starttls_upgrades) X("starttls_refused", t->starttls_refused)
#define OUTPUT_STATS(X)                                                                                          \
    X("lines", e->writer->lines) X("dropped", e->writer->dropped) X("write_errors", e->writer->write_errors)
#define MEMO_STATS(X) X("hits", ms.hits) X("misses", ms.misses) X("replaced", ms.replaced) X("not_stored", ms.not_stored)
#define CERT_CACHE_STATS(X)                                                                                      \
    X("hits", cc->hits) X("misses", cc->misses) X("evictions", cc->evictions) X("not_stored", cc->not_stored)   \
    X("entries", cc->entries) X("bytes", cc->bytes) X("budget_bytes", cc->budget_bytes)
#define CLASSIFY_STATS(X)                                                                                        \
    X("flows", cs->flows) X("decided", cs->decided) X("gave_up", cs->gave_up) X("packets", cs->packets)         \
    X("states_allocated", cs->states_allocated) X("by_server_name", cs->by_server_name)
#define PCAPNG_STATS(X)                                                                                          \
    X("packets", e->pcapng->packets) X("comments", e->pcapng->comments) X("comments_dropped", e->notes->dropped) \
    X("write_errors", e->pcapng->write_errors)

#define STATS_U64(name, value) json_u64(&w, JSON_KEY(name), (uint64_t)(value));

void engine_print_stats(const struct engine *e, FILE *f)
{
    const struct flow_stats *fs = flow_table_stats(e->flows);
    const struct decode_stats *d = &e->decode;
    const struct conn_stats *t = &e->dissector.st;
    struct bufpool_stats bs;
    bufpool_get_stats(&e->pool, &bs);
    struct memo_stats ms = memo_stats(e->writer->memo);

    char buf[8192];
    struct json_writer w;
    json_init(&w, buf, sizeof buf);
    json_object_begin(&w, NULL);
#define GROUP(name, list)                                                                                        \
    do {                                                                                                         \
        json_object_begin(&w, JSON_KEY(name));                                                                   \
        list(STATS_U64)                                                                                          \
        json_object_end(&w);                                                                                     \
    } while (0)
    GROUP("decode", DECODE_STATS);
    GROUP("flows", FLOW_STATS);
    GROUP("reassembly", REASM_STATS);
    GROUP("buffers", BUFFER_STATS);
    GROUP("tls", TLS_STATS);
    json_object_begin(&w, JSON_KEY("output"));
    OUTPUT_STATS(STATS_U64)
    GROUP("memo", MEMO_STATS);
    json_object_end(&w);
    if (e->dissector.certs) {
        const struct cert_cache_stats *cc = cert_cache_stats(e->dissector.certs);
        GROUP("cert_cache", CERT_CACHE_STATS);
    } else {
        json_raw(&w, JSON_KEY("cert_cache"), "null", 4);
    }
    if (e->dissector.classifier) {
        const struct classify_stats *cs = classifier_stats(e->dissector.classifier);
        GROUP("classify", CLASSIFY_STATS);
    } else {
        json_raw(&w, JSON_KEY("classify"), "null", 4);
    }
    if (e->pcapng)
        GROUP("pcapng", PCAPNG_STATS);
    if (e->cfg.stats_extra)
        e->cfg.stats_extra(e->cfg.stats_extra_ctx, &w);
#undef GROUP
    json_object_end(&w);
    size_t n = json_finish(&w);
    fwrite(buf, 1, n, f);
}

void engine_free(struct engine *e)
{
    flow_table_free(e->flows);
    e->flows = NULL;
    classifier_free(e->dissector.classifier);
    e->dissector.classifier = NULL;
    cert_cache_free(e->dissector.certs);
    e->dissector.certs = NULL;
    if (e->writer)
        memo_free(e->writer->memo);
    free(e->writer);
    e->writer = NULL;
    pcapng_free(e);
    bufpool_release_all(&e->pool);
}
