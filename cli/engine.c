/* engine.c - see engine.h. */
#include "cli/engine.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "dissect/accept.h"
#include "dissect/cert_cache.h"

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
    conn_json_emit(e->writer, m, r);
    if (m->reason != CONN_REASON_IDLE_TIMEOUT && m->reason != CONN_REASON_EVICTED && is_current(e, m))
        packet_notes_decision(e->notes, m, r);
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
    return v == CONN_DONE ? FLOW_VERDICT_DONE : FLOW_VERDICT_CONTINUE;
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
    e->quic.d = &e->dissector;
    e->dtls.d = &e->dissector;
    e->writer = calloc(1, sizeof *e->writer);
    if (!e->writer)
        return -1;
    e->writer->out = cfg->out;
    e->dissector.sink.ctx = e->writer;
    e->dissector.sink.emit = conn_json_emit;
    if (cfg->pcapng && pcapng_init(e) != 0) {
        pcapng_free(e);
        free(e->writer);
        e->writer = NULL;
        return -1;
    }
    if (!cfg->no_classify) {
        e->dissector.classifier = classifier_new();
        if (!e->dissector.classifier) {
            pcapng_free(e);
            free(e->writer);
            e->writer = NULL;
            return -1;
        }
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
    e->dissector.certs = cc.max_entries ? cert_cache_new(&cc) : NULL;
    e->flows = flow_table_new(&fc, &consumer);
    if (!e->flows || (cc.max_entries && !e->dissector.certs)) {
        flow_table_free(e->flows);
        e->flows = NULL;
        cert_cache_free(e->dissector.certs);
        e->dissector.certs = NULL;
        classifier_free(e->dissector.classifier);
        e->dissector.classifier = NULL;
        pcapng_free(e);
        free(e->writer);
        e->writer = NULL;
        return -1;
    }
    return 0;
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
        if (is_flow_packet(decode_frame(linktype, f->data, f->caplen, f->wire_len, f->ts_us, &p, &e->decode)))
            flow_table_packet(e->flows, &p);
        return;
    }
    packet_notes_clear(e->notes);
    if (is_flow_packet(decode_frame(linktype, f->data, f->caplen, f->wire_len, f->ts_us, &p, &e->decode))) {
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

void engine_print_stats(const struct engine *e, FILE *f)
{
    const struct flow_stats *fs = flow_table_stats(e->flows);
    const struct decode_stats *d = &e->decode;
    const struct conn_stats *t = &e->dissector.st;
    struct bufpool_stats bs;
    bufpool_get_stats(&e->pool, &bs);
    fprintf(f,
            "{\"decode\":{\"frames\":%llu,\"tcp\":%llu,\"udp\":%llu,\"not_tcp\":%llu,\"truncated\":%llu,"
            "\"payload_truncated\":%llu,\"bad_ip\":%llu,\"bad_tcp\":%llu,\"ip_fragments\":%llu,"
            "\"unsupported_link\":%llu,\"bad_tunnel\":%llu,\"tunnel_too_deep\":%llu,\"tunnels\":%llu},",
            (unsigned long long)d->frames, (unsigned long long)d->tcp, (unsigned long long)d->udp,
            (unsigned long long)d->not_tcp,
            (unsigned long long)d->truncated, (unsigned long long)d->payload_truncated,
            (unsigned long long)d->bad_ip, (unsigned long long)d->bad_tcp, (unsigned long long)d->ip_fragments,
            (unsigned long long)d->unsupported_link, (unsigned long long)d->bad_tunnel,
            (unsigned long long)d->tunnel_too_deep, (unsigned long long)d->tunnels);
    fprintf(f,
            "\"flows\":{\"created\":%llu,\"peak_active\":%llu,\"evicted\":%llu,\"sessions_evicted\":%llu,"
            "\"peak_sessions\":%llu,\"expired\":%llu,\"closed\":%llu,\"packets_after_decision\":%llu,"
            "\"accepted\":%llu,\"rejected\":%llu,\"need_more\":%llu,"
            "\"max_flows\":%u,\"max_sessions\":%u,\"table_bytes\":%llu},",
            (unsigned long long)fs->created, (unsigned long long)fs->peak_active, (unsigned long long)fs->evicted,
            (unsigned long long)fs->sessions_evicted, (unsigned long long)fs->peak_sessions,
            (unsigned long long)fs->expired, (unsigned long long)fs->closed, (unsigned long long)fs->packets_done,
            (unsigned long long)fs->accepted, (unsigned long long)fs->rejected, (unsigned long long)fs->need_more,
            e->cfg.max_flows, e->cfg.max_sessions, (unsigned long long)flow_table_budget_bytes(e->flows));
    fprintf(f,
            "\"reassembly\":{\"in_order\":%llu,\"out_of_order\":%llu,\"retransmissions\":%llu,"
            "\"partial_overlaps\":%llu,\"overlap_conflicts\":%llu,\"gaps\":%llu,\"gap_bytes\":%llu,"
            "\"buffer_denied\":%llu},",
            (unsigned long long)fs->reasm.in_order, (unsigned long long)fs->reasm.out_of_order,
            (unsigned long long)fs->reasm.retransmissions, (unsigned long long)fs->reasm.partial_overlaps,
            (unsigned long long)fs->reasm.overlap_conflicts, (unsigned long long)fs->reasm.gaps,
            (unsigned long long)fs->reasm.gap_bytes, (unsigned long long)fs->reasm.buffer_denied);
    fprintf(f,
            "\"buffers\":{\"budget\":%llu,\"peak\":%llu,\"denied\":%llu},"
            "\"tls\":{\"sessions\":%llu,\"not_tls\":%llu,\"lines\":%llu,\"malformed_hellos\":%llu,"
            "\"malformed_messages\":%llu,\"unexpected_messages\":%llu,\"malformed_records\":%llu,"
            "\"truncated_messages\":%llu,\"classify_skipped\":%llu,"
            "\"proxy_headers\":%llu,\"proxy_malformed\":%llu,\"starttls_upgrades\":%llu,\"starttls_refused\":%llu},"
            "\"output\":{\"lines\":%llu,\"dropped\":%llu,\"write_errors\":%llu},",
            (unsigned long long)bs.budget, (unsigned long long)bs.peak, (unsigned long long)bs.denied,
            (unsigned long long)t->sessions, (unsigned long long)t->not_tls, (unsigned long long)t->lines,
            (unsigned long long)t->malformed_hellos, (unsigned long long)t->malformed_messages,
            (unsigned long long)t->unexpected_messages, (unsigned long long)t->malformed_records,
            (unsigned long long)t->truncated_messages, (unsigned long long)t->classify_skipped,
            (unsigned long long)t->proxy_headers,
            (unsigned long long)t->proxy_malformed, (unsigned long long)t->starttls_upgrades,
            (unsigned long long)t->starttls_refused, (unsigned long long)e->writer->lines,
            (unsigned long long)e->writer->dropped, (unsigned long long)e->writer->write_errors);
    const struct quic_stats *q = &e->quic.st;
    fprintf(f,
            "\"quic\":{\"datagrams\":%llu,\"initials\":%llu,\"decrypted\":%llu,\"undecryptable\":%llu,"
            "\"malformed\":%llu,\"crypto_dropped\":%llu,\"retries\":%llu,\"version_negotiations\":%llu,"
            "\"connection_closes\":%llu,\"given_up\":%llu},",
            (unsigned long long)q->datagrams, (unsigned long long)q->initials, (unsigned long long)q->decrypted,
            (unsigned long long)q->undecryptable, (unsigned long long)q->malformed,
            (unsigned long long)q->crypto_dropped, (unsigned long long)q->retries,
            (unsigned long long)q->version_negotiations, (unsigned long long)q->connection_closes,
            (unsigned long long)q->given_up);
    const struct dtls_stats *ds = &e->dtls.st;
    fprintf(f,
            "\"dtls\":{\"datagrams\":%llu,\"records\":%llu,\"encrypted_records\":%llu,\"malformed\":%llu,"
            "\"fragments\":%llu,\"retransmissions\":%llu,\"dropped\":%llu,\"cookie_exchanges\":%llu,"
            "\"other\":%llu,\"given_up\":%llu},",
            (unsigned long long)ds->datagrams, (unsigned long long)ds->records,
            (unsigned long long)ds->encrypted_records, (unsigned long long)ds->malformed,
            (unsigned long long)ds->fragments, (unsigned long long)ds->retransmissions,
            (unsigned long long)ds->dropped, (unsigned long long)ds->cookie_exchanges,
            (unsigned long long)ds->other, (unsigned long long)ds->given_up);
    if (e->dissector.certs) {
        const struct cert_cache_stats *cc = cert_cache_stats(e->dissector.certs);
        fprintf(f,
                "\"cert_cache\":{\"hits\":%llu,\"misses\":%llu,\"evictions\":%llu,\"not_stored\":%llu,"
                "\"entries\":%llu,\"bytes\":%llu,\"budget_bytes\":%llu},",
                (unsigned long long)cc->hits, (unsigned long long)cc->misses, (unsigned long long)cc->evictions,
                (unsigned long long)cc->not_stored, (unsigned long long)cc->entries, (unsigned long long)cc->bytes,
                (unsigned long long)cc->budget_bytes);
    } else {
        fprintf(f, "\"cert_cache\":null,");
    }
    if (e->dissector.classifier) {
        const struct classify_stats *cs = classifier_stats(e->dissector.classifier);
        fprintf(f,
                "\"classify\":{\"flows\":%llu,\"decided\":%llu,\"gave_up\":%llu,\"packets\":%llu,"
                "\"states_allocated\":%llu,\"by_server_name\":%llu}",
                (unsigned long long)cs->flows, (unsigned long long)cs->decided, (unsigned long long)cs->gave_up,
                (unsigned long long)cs->packets, (unsigned long long)cs->states_allocated,
                (unsigned long long)cs->by_server_name);
    } else {
        fprintf(f, "\"classify\":null");
    }
    if (e->pcapng)
        fprintf(f, ",\"pcapng\":{\"packets\":%llu,\"comments\":%llu,\"comments_dropped\":%llu,\"write_errors\":%llu}",
                (unsigned long long)e->pcapng->packets, (unsigned long long)e->pcapng->comments,
                (unsigned long long)e->notes->dropped, (unsigned long long)e->pcapng->write_errors);
    fprintf(f, "}\n");
}

void engine_free(struct engine *e)
{
    flow_table_free(e->flows);
    e->flows = NULL;
    classifier_free(e->dissector.classifier);
    e->dissector.classifier = NULL;
    cert_cache_free(e->dissector.certs);
    e->dissector.certs = NULL;
    free(e->writer);
    e->writer = NULL;
    pcapng_free(e);
    bufpool_release_all(&e->pool);
}
