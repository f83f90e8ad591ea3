/* test_flow_table.c - flows/flow_table.c with a fake consumer that records
 * every callback, fed hand-made `struct pkt` values (capture/decode.h).
 *
 * Covers: client/server roles from SYN and SYN-ACK (RFC 9293 3.5), both
 * directions mapping to one flow, the port heuristic and client_hint for a
 * connection picked up mid-stream, FLOW_VERDICT_DONE detaching the consumer,
 * RST and FIN closes, idle expiry, eviction when the flow pool or the
 * session pool is full, flush at end of input, stray packets creating no
 * flow, the per-direction counters, and a SYN flood staying within the pool;
 * UDP flows (one accept question, a datagram per delivery, rejection,
 * expiry, eviction, apart from TCP flows of the same ports).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dissect/accept.h"
#include "flows/flow_table.h"
#include "test_util.h"

/* ---- the fake consumer ---- */

struct sess {
    uint32_t id;
    uint32_t deliveries;
};

#define MAX_EVENTS 256

struct data_ev {
    uint32_t id;                 /* session id */
    const struct flow *f;
    const void *attach;          /* the attachment slot */
    int dir;
    const uint8_t *p;
    size_t n;
    bool gap;
    uint8_t bytes[64];
};

struct close_ev {
    uint32_t id;
    enum conn_reason reason;
    struct conn_meta meta;
};

struct fake {
    int hint;                    /* what client_hint answers */
    int hint_calls;
    /* accept (gated tables only): dissect/accept.h's answer, unless
     * accept_fixed is set; each call's direction and bytes are kept. */
    enum flow_accept accept_fixed;
    bool accept_fixed_set;
    int accept_calls;
    int accept_dir[16];
    size_t accept_len[16];
    uint32_t done_after;         /* answer DONE at this delivery of a session (0: never) */
    uint32_t next_id;
    uint64_t attaches, detaches, closes, deliveries;
    size_t ndata;
    struct data_ev data[MAX_EVENTS];
    size_t nclose;
    struct close_ev close[MAX_EVENTS];
    /* reopens: true for a datagram from the client starting with this
     * (NULL: never); each call's direction is kept. */
    const char *reopen_prefix;
    int reopen_calls;
    int reopen_dir[16];
};

static struct fake *fk;

static int fake_hint(void *ctx, struct span payload)
{
    struct fake *k = ctx;
    assert_true(span_ok(&payload));
    k->hint_calls++;
    return k->hint;
}

static enum flow_accept fake_accept(void *ctx, struct flow *f, int dir, struct span first)
{
    struct fake *k = ctx;
    assert_true(span_ok(&first));
    assert_true(first.n > 0);
    if (k->accept_calls < 16) {
        k->accept_dir[k->accept_calls] = dir;
        k->accept_len[k->accept_calls] = first.n;
    }
    k->accept_calls++;
    if (k->accept_fixed_set)
        return k->accept_fixed;
    enum accept_verdict a = accept_first_bytes(dir, first, f->meta.server_port);
    return a == ACCEPT_YES ? FLOW_ACCEPT : a == ACCEPT_NEED_MORE ? FLOW_NEED_MORE : FLOW_REJECT;
}

static void fake_attach(void *ctx, struct flow *f, void *attach)
{
    struct fake *k = ctx;
    struct sess *s = attach;
    (void)f;
    /* The attachment is recycled memory: the consumer initialises it. */
    memset(s, 0, sizeof *s);
    s->id = ++k->next_id;
    k->attaches++;
}

static enum flow_verdict fake_data(void *ctx, struct flow *f, void *attach, int dir, struct span data, bool gap)
{
    struct fake *k = ctx;
    struct sess *s = attach;
    assert_int_equal(f->state, FLOW_ACTIVE);
    assert_true(data.n > 0);
    k->deliveries++;
    s->deliveries++;
    if (k->ndata < MAX_EVENTS) {
        struct data_ev *e = &k->data[k->ndata++];
        e->id = s->id;
        e->f = f;
        e->attach = attach;
        e->dir = dir;
        e->p = data.p;
        e->n = data.n;
        e->gap = gap;
        memcpy(e->bytes, data.p, data.n < sizeof e->bytes ? data.n : sizeof e->bytes);
    }
    return k->done_after && s->deliveries >= k->done_after ? FLOW_VERDICT_DONE : FLOW_VERDICT_CONTINUE;
}

static void fake_close(void *ctx, struct flow *f, void *attach, enum conn_reason reason)
{
    struct fake *k = ctx;
    struct sess *s = attach;
    k->closes++;
    if (k->nclose < MAX_EVENTS) {
        struct close_ev *e = &k->close[k->nclose++];
        e->id = s->id;
        e->reason = reason;
        e->meta = f->meta;
    }
}

static void fake_detach(void *ctx, const struct flow *f, void *attach)
{
    (void)f;
    struct fake *k = ctx;
    struct sess *s = attach;
    assert_true(s->id != 0);
    k->detaches++;
}

static bool fake_reopens(void *ctx, const struct flow *f, int dir, struct span payload)
{
    struct fake *k = ctx;
    assert_int_equal(f->state, FLOW_DONE);
    if (k->reopen_calls < 16)
        k->reopen_dir[k->reopen_calls] = dir;
    k->reopen_calls++;
    size_t n = k->reopen_prefix ? strlen(k->reopen_prefix) : 0;
    return n > 0 && dir == DIR_C2S && payload.n >= n && memcmp(payload.p, k->reopen_prefix, n) == 0;
}

static struct flow_consumer consumer(void)
{
    struct flow_consumer c = {
        .ctx = fk,
        .attach_size = sizeof(struct sess),
        .client_hint = fake_hint,
        .on_attach = fake_attach,
        .on_data = fake_data,
        .on_close = fake_close,
        .reopens = fake_reopens,
        .on_detach = fake_detach,
    };
    return c;
}

static struct flow_table *table_with(uint32_t max_flows, uint32_t max_sessions, bool gated)
{
    struct flow_config cfg = {
        .pool = &test_pool,
        .max_flows = max_flows,
        .max_sessions = max_sessions,
        .idle_timeout_us = 60u * 1000000u,
        .done_timeout_us = 120u * 1000000u,
    };
    struct flow_consumer c = consumer();
    if (gated)
        c.accept = fake_accept;
    struct flow_table *t = flow_table_new(&cfg, &c);
    assert_non_null(t);
    return t;
}

/* Without `accept`: every flow with payload is attached. */
static struct flow_table *table(uint32_t max_flows, uint32_t max_sessions)
{
    return table_with(max_flows, max_sessions, false);
}

/* With the accept gate. */
static struct flow_table *gated(uint32_t max_flows, uint32_t max_sessions)
{
    return table_with(max_flows, max_sessions, true);
}

static int setup(void **state)
{
    (void)state;
    test_pool_begin();
    fk = calloc(1, sizeof *fk);
    return fk ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    /* Every session attached was detached, every held buffer returned. */
    bool detached = fk->attaches == fk->detaches;
    free(fk);
    fk = NULL;
    return test_pool_end() && detached ? 0 : -1;
}

/* ---- packets ---- */

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void put_ip4(uint8_t out[16], uint32_t ip)
{
    memset(out, 0, 16);
    out[0] = (uint8_t)(ip >> 24);
    out[1] = (uint8_t)(ip >> 16);
    out[2] = (uint8_t)(ip >> 8);
    out[3] = (uint8_t)ip;
}

static struct pkt mk(uint64_t ts, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags,
                     uint32_t seq, uint32_t ack, const void *payload, size_t n)
{
    struct pkt p;
    memset(&p, 0, sizeof p);
    p.ts_us = ts;
    p.ip_version = 4;
    put_ip4(p.src, src);
    put_ip4(p.dst, dst);
    p.sport = sport;
    p.dport = dport;
    p.seq = seq;
    p.ack = ack;
    p.tcp_flags = flags;
    p.payload = span_make(payload, n);
    p.payload_len = (uint32_t)n;
    return p;
}

static void inject(struct flow_table *t, uint64_t ts, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                 uint8_t flags, uint32_t seq, uint32_t ack, const char *payload)
{
    size_t n = payload ? strlen(payload) : 0;
    struct pkt p = mk(ts, src, sport, dst, dport, flags, seq, ack, payload, n);
    flow_table_packet(t, &p);
}

static void assert_ip4(const uint8_t ip[16], uint32_t want)
{
    uint8_t w[16];
    put_ip4(w, want);
    assert_memory_equal(ip, w, 16);
}

static const uint32_t CLI = IP4(192, 168, 1, 20);
static const uint32_t SRV = IP4(10, 0, 0, 5);   /* sorts before CLI: key side 0 */
static const uint32_t SRV_HI = IP4(203, 0, 113, 9); /* sorts after CLI */

/* A full three-way handshake, then one payload each way. */
static void handshake(struct flow_table *t, uint64_t ts, uint32_t c, uint16_t cport, uint32_t s, uint16_t sport)
{
    inject(t, ts, c, cport, s, sport, TCP_SYN, 1000, 0, NULL);
    inject(t, ts + 1, s, sport, c, cport, TCP_SYN | TCP_ACK, 5000, 1001, NULL);
    inject(t, ts + 2, c, cport, s, sport, TCP_ACK, 1001, 5001, NULL);
}

/* Most tests watch one connection, CLI:40000 to SRV:443: a packet from
 * either end of it. */
static void from_client(struct flow_table *t, uint64_t ts, uint8_t flags, uint32_t seq, uint32_t ack,
                        const char *payload)
{
    inject(t, ts, CLI, 40000, SRV, 443, flags, seq, ack, payload);
}

static void from_server(struct flow_table *t, uint64_t ts, uint8_t flags, uint32_t seq, uint32_t ack,
                        const char *payload)
{
    inject(t, ts, SRV, 443, CLI, 40000, flags, seq, ack, payload);
}

/* A table of 16 flows and 16 sessions holding that connection, its
 * handshake begun at `ts` (sequence numbers 1001 and 5001 come next). */
static struct flow_table *table_after_handshake(uint64_t ts)
{
    struct flow_table *t = table(16, 16);
    handshake(t, ts, CLI, 40000, SRV, 443);
    return t;
}

/* ---- tests ---- */

static void check_syn_roles(uint32_t server)
{
    struct flow_table *t = table(16, 16);
    handshake(t, 100, CLI, 40000, server, 443);
    inject(t, 103, CLI, 40000, server, 443, TCP_ACK | TCP_PSH, 1001, 5001, "hello");
    inject(t, 104, server, 443, CLI, 40000, TCP_ACK | TCP_PSH, 5001, 1006, "world!");
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[0].dir, DIR_C2S);
    assert_memory_equal(fk->data[0].bytes, "hello", 5);
    assert_int_equal(fk->data[1].dir, DIR_S2C);
    assert_memory_equal(fk->data[1].bytes, "world!", 6);
    /* Both directions reach the same flow and session. */
    assert_ptr_equal(fk->data[0].f, fk->data[1].f);
    assert_int_equal(fk->data[0].id, fk->data[1].id);
    const struct flow *f = fk->data[0].f;
    assert_ip4(f->meta.client_ip, CLI);
    assert_ip4(f->meta.server_ip, server);
    assert_int_equal(f->meta.client_port, 40000);
    assert_int_equal(f->meta.server_port, 443);
    assert_false(f->meta.client_inferred);
    assert_int_equal(f->meta.ip_version, 4);
    assert_int_equal(fk->hint_calls, 0); /* roles known: no hint asked */
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->created, 1);
    assert_int_equal(st->active, 1);
    assert_int_equal(st->sessions_active, 1);
    flow_table_free(t);
}

static void test_syn_sets_client(void **state)
{
    (void)state;
    check_syn_roles(SRV);     /* client is key side 1 */
    memset(fk, 0, sizeof *fk);
    check_syn_roles(SRV_HI);  /* client is key side 0 */
}

/* The SYN was missed: a SYN-ACK says its receiver is the client. */
static void test_synack_first(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    from_server(t, 1, TCP_SYN | TCP_ACK, 5000, 1001, NULL);
    from_client(t, 2, TCP_ACK, 1001, 5001, "hi");
    assert_int_equal(fk->ndata, 1);
    assert_int_equal(fk->data[0].dir, DIR_C2S);
    const struct flow *f = fk->data[0].f;
    assert_ip4(f->meta.client_ip, CLI);
    assert_int_equal(f->meta.client_port, 40000);
    assert_false(f->meta.client_inferred);
    flow_table_free(t);
}

/* In-order payload reaches the consumer as the packet's own memory. */
static void test_zero_copy(void **state)
{
    (void)state;
    struct flow_table *t = table_after_handshake(1);
    static const uint8_t payload[] = { 0x16, 0x03, 0x01, 0x00, 0x05 };
    struct pkt p = mk(10, CLI, 40000, SRV, 443, TCP_ACK, 1001, 5001, payload, sizeof payload);
    flow_table_packet(t, &p);
    assert_int_equal(fk->ndata, 1);
    assert_ptr_equal(fk->data[0].p, payload);
    assert_int_equal(fk->data[0].n, sizeof payload);
    assert_false(fk->data[0].gap);
    flow_table_free(t);
}

/* No SYN: the higher port is taken for the client. */
static void test_infer_client_by_port(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    fk->hint = 0;
    /* The server speaks first, from the low port. */
    inject(t, 1, SRV, 443, CLI, 50000, TCP_ACK, 7000, 3000, "srv");
    assert_int_equal(fk->hint_calls, 1);
    assert_int_equal(fk->ndata, 1);
    assert_int_equal(fk->data[0].dir, DIR_S2C);
    const struct flow *f = fk->data[0].f;
    assert_true(f->meta.client_inferred);
    assert_ip4(f->meta.client_ip, CLI);
    assert_int_equal(f->meta.client_port, 50000);
    assert_int_equal(f->meta.server_port, 443);
    inject(t, 2, CLI, 50000, SRV, 443, TCP_ACK, 3000, 7003, "cli");
    assert_int_equal(fk->data[1].dir, DIR_C2S);
    assert_int_equal(fk->hint_calls, 1); /* asked once, on the first payload */
    flow_table_free(t);
}

/* The hint overrides the port guess: the low-port sender is the client. */
static void test_hint_swaps_roles(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    fk->hint = +1;
    /* e.g. an outgoing connection from port 443 to a high port */
    inject(t, 1, SRV, 443, CLI, 50000, TCP_ACK, 7000, 3000, "client hello");
    assert_int_equal(fk->hint_calls, 1);
    assert_int_equal(fk->ndata, 1);
    assert_int_equal(fk->data[0].dir, DIR_C2S);
    const struct flow *f = fk->data[0].f;
    assert_ip4(f->meta.client_ip, SRV);
    assert_int_equal(f->meta.client_port, 443);
    assert_ip4(f->meta.server_ip, CLI);
    assert_int_equal(f->meta.server_port, 50000);
    /* Counters moved with the roles. */
    assert_int_equal(f->meta.packets[DIR_C2S], 1);
    assert_int_equal(f->meta.packets[DIR_S2C], 0);
    assert_int_equal(f->meta.bytes[DIR_C2S], 12);
    assert_int_equal(f->meta.bytes[DIR_S2C], 0);
    /* The other side is now the server, and its stream continues. */
    fk->hint = -1;
    inject(t, 2, CLI, 50000, SRV, 443, TCP_ACK, 3000, 7012, "server hello");
    inject(t, 3, SRV, 443, CLI, 50000, TCP_ACK, 7012, 3012, "more");
    assert_int_equal(fk->ndata, 3);
    assert_int_equal(fk->data[1].dir, DIR_S2C);
    assert_int_equal(fk->data[2].dir, DIR_C2S);
    assert_memory_equal(fk->data[2].bytes, "more", 4);
    assert_int_equal(fk->hint_calls, 1);
    assert_int_equal(f->meta.packets[DIR_C2S], 2);
    assert_int_equal(f->meta.packets[DIR_S2C], 1);
    flow_table_free(t);

    /* A FIN with the first payload, from the side the port rule takes for
     * the server but the hint names the client: who closed moves with the
     * roles. */
    memset(fk, 0, sizeof *fk);
    t = table(16, 16);
    fk->hint = +1;
    inject(t, 1, SRV, 443, CLI, 50000, TCP_ACK | TCP_FIN, 7000, 3000, "client hello");
    f = fk->data[0].f;
    assert_ip4(f->meta.client_ip, SRV);
    assert_true(f->meta.close_seen);
    assert_int_equal(f->meta.closed_by, DIR_C2S);
    fk->hint = -1;
    inject(t, 2, CLI, 50000, SRV, 443, TCP_ACK | TCP_FIN, 3000, 7013, NULL);
    assert_int_equal(fk->nclose, 1); /* FIN both ways */
    assert_int_equal(fk->close[0].meta.closed_by, DIR_C2S); /* the first close counts */
    flow_table_free(t);

    /* hint -1 on the first payload from the high port: that sender is the server. */
    memset(fk, 0, sizeof *fk);
    t = table(16, 16);
    fk->hint = -1;
    inject(t, 1, CLI, 50000, SRV, 443, TCP_ACK, 3000, 7000, "server hello");
    assert_int_equal(fk->data[0].dir, DIR_S2C);
    f = fk->data[0].f;
    assert_ip4(f->meta.client_ip, SRV);
    assert_int_equal(f->meta.client_port, 443);
    assert_int_equal(f->meta.packets[DIR_S2C], 1);
    flow_table_free(t);
}

/* DONE detaches: later packets are only counted. */
static void test_verdict_done(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    fk->done_after = 1;
    handshake(t, 1, CLI, 40000, SRV, 443);
    from_client(t, 10, TCP_ACK, 1001, 5001, "first");
    assert_int_equal(fk->ndata, 1);
    assert_int_equal(fk->detaches, 1);
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->sessions_active, 0);
    assert_int_equal(st->packets_done, 0);
    from_server(t, 11, TCP_ACK, 5001, 1006, "reply");
    from_client(t, 12, TCP_ACK, 1006, 5006, "again");
    from_client(t, 13, TCP_ACK, 1011, 5006, NULL);
    assert_int_equal(fk->ndata, 1);
    assert_int_equal(fk->attaches, 1);
    assert_int_equal(st->packets_done, 3);
    assert_int_equal(st->active, 1);
    /* FIN both ways forgets it without a line (the consumer already decided). */
    from_client(t, 14, TCP_ACK | TCP_FIN, 1011, 5006, NULL);
    from_server(t, 15, TCP_ACK | TCP_FIN, 5006, 1012, NULL);
    assert_int_equal(st->packets_done, 5);
    assert_int_equal(st->active, 0);
    assert_int_equal(st->closed, 1);
    assert_int_equal(fk->closes, 0);
    flow_table_free(t);
}

/* A DONE verdict while held data is being released stops the rest. */
static void test_verdict_done_during_drain(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    fk->done_after = 1;
    handshake(t, 1, CLI, 40000, SRV, 443);
    from_client(t, 10, TCP_ACK, 1004, 5001, "def"); /* ahead: held */
    from_client(t, 11, TCP_ACK, 1007, 5001, "ghi"); /* ahead: held */
    assert_int_equal(fk->ndata, 0);
    assert_true(test_pool_held() > 0);
    from_client(t, 12, TCP_ACK, 1001, 5001, "abc");
    assert_int_equal(fk->ndata, 1);
    assert_int_equal(test_pool_held(), 0); /* held segments freed with the session */
    assert_int_equal(flow_table_stats(t)->active, 1);
    flow_table_free(t);
}

static void test_rst_closes(void **state)
{
    (void)state;
    struct flow_table *t = table_after_handshake(100);
    from_client(t, 103, TCP_ACK, 1001, 5001, "hello");
    from_server(t, 104, TCP_RST | TCP_ACK, 5001, 1006, NULL);
    /* The line waits for what the client had in flight; nothing comes. */
    assert_int_equal(fk->nclose, 0);
    flow_table_expire(t, 104 + FLOW_RST_GRACE_US);
    assert_int_equal(fk->nclose, 0);
    flow_table_expire(t, 105 + FLOW_RST_GRACE_US);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_RESET);
    const struct conn_meta *m = &fk->close[0].meta;
    assert_int_equal(m->reason, CONN_REASON_RESET);
    assert_true(m->close_seen);
    assert_int_equal(m->closed_by, DIR_S2C); /* the server reset it */
    assert_int_equal(m->first_ts_us, 100);
    assert_int_equal(m->last_ts_us, 104);
    assert_int_equal(m->packets[DIR_C2S], 3);
    assert_int_equal(m->packets[DIR_S2C], 2);
    assert_int_equal(m->bytes[DIR_C2S], 5);
    assert_int_equal(m->bytes[DIR_S2C], 0);
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->closed, 1);
    assert_int_equal(st->active, 0);
    assert_int_equal(st->sessions_active, 0);
    assert_int_equal(fk->detaches, 1);
    /* Packets after the close start nothing (no SYN, no payload). */
    from_client(t, 105, TCP_RST, 1006, 0, NULL);
    assert_int_equal(st->created, 1);
    flow_table_free(t);
}

static void test_fin_closes(void **state)
{
    (void)state;
    struct flow_table *t = table_after_handshake(100);
    from_client(t, 103, TCP_ACK, 1001, 5001, "hello");
    from_server(t, 104, TCP_ACK, 5001, 1006, "hi");
    from_client(t, 105, TCP_ACK | TCP_FIN, 1006, 5003, NULL);
    assert_int_equal(fk->nclose, 0); /* half-closed: the server may still talk */
    from_server(t, 106, TCP_ACK | TCP_FIN, 5003, 1007, NULL);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_FIN);
    assert_true(fk->close[0].meta.close_seen);
    assert_int_equal(fk->close[0].meta.closed_by, DIR_C2S); /* the client's FIN came first */
    assert_int_equal(fk->close[0].meta.packets[DIR_C2S], 4);
    assert_int_equal(fk->close[0].meta.packets[DIR_S2C], 3);
    assert_int_equal(fk->close[0].meta.bytes[DIR_C2S], 5);
    assert_int_equal(fk->close[0].meta.bytes[DIR_S2C], 2);
    assert_int_equal(flow_table_stats(t)->closed, 1);
    assert_int_equal(flow_table_stats(t)->active, 0);
    flow_table_free(t);
}

/* TCP Fast Open (RFC 7413): the ClientHello rides on the SYN and its first
 * byte is ISN+1. The client's resend (the server did not take the SYN's
 * data) is an exact retransmission, not an overlap. */
static void test_fast_open_syn_data(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    from_client(t, 100, TCP_SYN, 1000, 0, "hello");
    from_server(t, 101, TCP_SYN | TCP_ACK, 5000, 1001, NULL); /* acks the SYN only */
    from_client(t, 102, TCP_ACK, 1001, 5001, "hello");        /* the resend */
    from_client(t, 103, TCP_ACK, 1006, 5001, "world");
    from_server(t, 104, TCP_ACK, 5001, 1011, "reply");
    assert_int_equal(fk->ndata, 3);
    assert_int_equal(fk->data[0].dir, DIR_C2S);
    assert_int_equal(fk->data[0].n, 5);
    assert_memory_equal(fk->data[0].bytes, "hello", 5);
    assert_memory_equal(fk->data[1].bytes, "world", 5);
    assert_memory_equal(fk->data[2].bytes, "reply", 5);
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->reasm.retransmissions, 1);
    assert_int_equal(st->reasm.partial_overlaps, 0);
    assert_int_equal(st->reasm.gaps, 0);
    flow_table_free(t);
}

/* Two SYN-ACKs with different ISNs; the client acknowledges the first: the
 * server's flight follows the first, whichever order the ACK comes in. */
static void check_second_synack(bool ack_before_second)
{
    struct flow_table *t = table(16, 16);
    from_client(t, 100, TCP_SYN, 1000, 0, NULL);
    from_server(t, 101, TCP_SYN | TCP_ACK, 5000, 1001, NULL);
    if (ack_before_second)
        from_client(t, 102, TCP_ACK, 1001, 5001, NULL);
    from_server(t, 103, TCP_SYN | TCP_ACK, 90000, 1001, NULL); /* another ISN */
    if (!ack_before_second)
        from_client(t, 104, TCP_ACK, 1001, 5001, NULL);
    from_client(t, 105, TCP_ACK, 1001, 5001, "hello");
    from_server(t, 106, TCP_ACK, 5001, 1006, "flight");
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[1].dir, DIR_S2C);
    assert_int_equal(fk->data[1].n, 6);
    assert_memory_equal(fk->data[1].bytes, "flight", 6);
    assert_false(fk->data[1].gap);
    flow_table_free(t);
}

static void test_second_synack_acked_first(void **state)
{
    (void)state;
    check_second_synack(true);
    fk->ndata = 0;
    check_second_synack(false);
}

/* Unacknowledged, a second SYN-ACK with another ISN still replaces the
 * first (the client's ACK of it confirms it). */
static void test_second_synack_acked_second(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    from_client(t, 100, TCP_SYN, 1000, 0, NULL);
    from_server(t, 101, TCP_SYN | TCP_ACK, 5000, 1001, NULL);
    from_server(t, 102, TCP_SYN | TCP_ACK, 90000, 1001, NULL);
    from_client(t, 103, TCP_ACK, 1001, 90001, NULL);
    from_client(t, 104, TCP_ACK, 1001, 90001, "hello");
    from_server(t, 105, TCP_ACK, 90001, 1006, "flight");
    assert_int_equal(fk->ndata, 2);
    assert_memory_equal(fk->data[1].bytes, "flight", 6);
    assert_false(fk->data[1].gap);
    flow_table_free(t);
}

/* The client resets right after the server's first segment; the server's
 * next segments were already on the wire: they are still delivered, and the
 * line is written when the client's stack answers them with another reset. */
static void test_reset_keeps_in_flight(void **state)
{
    (void)state;
    struct flow_table *t = table_after_handshake(100);
    from_client(t, 103, TCP_ACK, 1001, 5001, "hello");
    from_server(t, 104, TCP_ACK, 5001, 1006, "hello-");
    from_client(t, 105, TCP_RST | TCP_ACK, 1006, 5007, NULL);
    from_server(t, 106, TCP_ACK, 5007, 1006, "cert");
    from_server(t, 107, TCP_ACK, 5011, 1006, "ske");
    assert_int_equal(fk->nclose, 0);
    assert_int_equal(fk->ndata, 4);
    assert_memory_equal(fk->data[2].bytes, "cert", 4);
    assert_memory_equal(fk->data[3].bytes, "ske", 3);
    from_client(t, 108, TCP_RST, 1006, 0, NULL);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_RESET);
    assert_int_equal(fk->close[0].meta.closed_by, DIR_C2S);
    assert_int_equal(fk->close[0].meta.bytes[DIR_S2C], 13);
    assert_int_equal(fk->close[0].meta.last_ts_us, 108);
    assert_int_equal(flow_table_stats(t)->closed, 1);
    assert_int_equal(flow_table_stats(t)->active, 0);
    flow_table_free(t);
}

/* The wait is bounded: a later segment past the grace is not dissected
 * (another flow's packet ends the wait), nor is one past the byte bound. */
static void test_reset_wait_bounded(void **state)
{
    (void)state;
    struct flow_table *t = table_after_handshake(100);
    from_client(t, 103, TCP_ACK, 1001, 5001, "hello");
    from_client(t, 104, TCP_RST | TCP_ACK, 1006, 5001, NULL);
    inject(t, 105 + FLOW_RST_GRACE_US, CLI, 40111, SRV, 443, TCP_SYN, 1, 0, NULL);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_RESET);
    assert_int_equal(fk->close[0].meta.last_ts_us, 104);

    /* Bytes: the segment that reaches the bound is the last dissected. */
    static uint8_t big[FLOW_RST_GRACE_BYTES];
    memset(big, 'b', sizeof big);
    handshake(t, 200, CLI, 40200, SRV, 443);
    inject(t, 203, CLI, 40200, SRV, 443, TCP_ACK, 1001, 5001, "hello");
    inject(t, 204, CLI, 40200, SRV, 443, TCP_RST | TCP_ACK, 1006, 5001, NULL);
    struct pkt p = mk(205, SRV, 443, CLI, 40200, TCP_ACK, 5001, 1006, big, sizeof big);
    flow_table_packet(t, &p);
    assert_int_equal(fk->nclose, 2);
    assert_int_equal(fk->close[1].meta.bytes[DIR_S2C], FLOW_RST_GRACE_BYTES);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    flow_table_free(t);
}

/* At the end of the input a flow still waiting after a reset says reset. */
static void test_reset_wait_flushed(void **state)
{
    (void)state;
    struct flow_table *t = table_after_handshake(100);
    from_client(t, 103, TCP_ACK, 1001, 5001, "hello");
    from_server(t, 104, TCP_RST, 5001, 0, NULL);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_RESET);
    assert_int_equal(fk->close[0].meta.closed_by, DIR_S2C);
    flow_table_free(t);
}

/* FIN on a connection with data still held: the data is delivered (after a
 * gap) before the line is written. */
static void test_close_flushes_held(void **state)
{
    (void)state;
    struct flow_table *t = table_after_handshake(100);
    from_client(t, 103, TCP_ACK, 1001, 5001, "abc");
    from_client(t, 104, TCP_ACK, 1010, 5001, "xyz"); /* hole [1004,1010) */
    assert_int_equal(fk->ndata, 1);
    from_client(t, 105, TCP_RST, 1013, 0, NULL);
    from_client(t, 106, TCP_RST, 1013, 0, NULL); /* the resetter again: nothing more in flight */
    assert_int_equal(fk->ndata, 2);
    assert_true(fk->data[1].gap);
    assert_memory_equal(fk->data[1].bytes, "xyz", 3);
    assert_int_equal(fk->nclose, 1);
    assert_true(fk->close[0].meta.gap);
    assert_int_equal(flow_table_stats(t)->reasm.gaps, 1);
    flow_table_free(t);
}

/* The client acknowledged server bytes we never saw: the hole is skipped. */
static void test_ack_skips_hole(void **state)
{
    (void)state;
    struct flow_table *t = table_after_handshake(100);
    from_server(t, 103, TCP_ACK, 5001, 1001, "aaaa");
    from_server(t, 104, TCP_ACK, 5009, 1001, "cccc"); /* [5005,5009) lost */
    assert_int_equal(fk->ndata, 1);
    from_client(t, 105, TCP_ACK, 1001, 5013, NULL);
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[1].dir, DIR_S2C);
    assert_true(fk->data[1].gap);
    assert_memory_equal(fk->data[1].bytes, "cccc", 4);
    flow_table_free(t);
}

static void test_idle_timeout(void **state)
{
    (void)state;
    struct flow_config cfg = { .pool = &test_pool, .max_flows = 16, .max_sessions = 16, .idle_timeout_us = 1000000,
                               .done_timeout_us = 5000000 };
    struct flow_consumer c = consumer();
    struct flow_table *t = flow_table_new(&cfg, &c);
    assert_non_null(t);
    from_client(t, 1000000, TCP_ACK, 1, 1, "data");
    flow_table_expire(t, 1500000);
    flow_table_expire(t, 2000000); /* exactly the timeout: still alive */
    assert_int_equal(fk->nclose, 0);
    assert_int_equal(flow_table_stats(t)->active, 1);
    flow_table_expire(t, 2000001);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_IDLE_TIMEOUT);
    assert_int_equal(fk->close[0].meta.reason, CONN_REASON_IDLE_TIMEOUT);
    assert_int_equal(flow_table_stats(t)->expired, 1);
    assert_int_equal(flow_table_stats(t)->active, 0);

    /* A decided flow is forgotten after done_timeout, without a line. */
    fk->done_after = 1;
    inject(t, 3000000, CLI, 40001, SRV, 443, TCP_ACK, 1, 1, "data");
    assert_int_equal(fk->detaches, 2);
    flow_table_expire(t, 4100000);
    assert_int_equal(flow_table_stats(t)->active, 1); /* idle 1.1 s < 5 s */
    flow_table_expire(t, 8000001);
    assert_int_equal(flow_table_stats(t)->active, 0);
    assert_int_equal(flow_table_stats(t)->expired, 2);
    assert_int_equal(fk->nclose, 1);

    /* Expiry also runs as packets arrive: another flow's packet, later, closes it. */
    fk->done_after = 0;
    inject(t, 9000000, CLI, 40002, SRV, 443, TCP_ACK, 1, 1, "old");
    inject(t, 11000000, CLI, 40003, SRV, 443, TCP_ACK, 1, 1, "new");
    assert_int_equal(fk->nclose, 2);
    assert_int_equal(fk->close[1].reason, CONN_REASON_IDLE_TIMEOUT);
    assert_int_equal(fk->close[1].meta.client_port, 40002);
    assert_int_equal(flow_table_stats(t)->active, 1);
    /* Time never goes backwards for expiry. */
    flow_table_expire(t, 0);
    assert_int_equal(flow_table_stats(t)->active, 1);
    flow_table_free(t);
}

/* Flow pool full: the least recently seen flow is evicted, with its line. */
static void test_evict_oldest_flow(void **state)
{
    (void)state;
    struct flow_table *t = table(2, 8);
    inject(t, 1, CLI, 40001, SRV, 443, TCP_ACK, 1, 1, "A");
    inject(t, 2, CLI, 40002, SRV, 443, TCP_ACK, 1, 1, "B");
    inject(t, 3, CLI, 40001, SRV, 443, TCP_ACK, 2, 1, "A"); /* A is now the most recent */
    inject(t, 4, CLI, 40003, SRV, 443, TCP_ACK, 1, 1, "C");
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_EVICTED);
    assert_int_equal(fk->close[0].meta.client_port, 40002);
    assert_int_equal(st->evicted, 1);
    assert_int_equal(st->active, 2);
    assert_int_equal(st->created, 3);
    assert_int_equal(st->peak_active, 2);
    /* A and C are still there: their packets continue their sessions. */
    inject(t, 5, CLI, 40001, SRV, 443, TCP_ACK, 3, 1, "A");
    inject(t, 6, CLI, 40003, SRV, 443, TCP_ACK, 2, 1, "C");
    assert_int_equal(st->created, 3);
    assert_int_equal(fk->attaches, 3);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 3);
    flow_table_free(t);
}

/* A decided flow gives way before an undecided one, without a line. */
static void test_evict_prefers_done(void **state)
{
    (void)state;
    struct flow_table *t = table(2, 8);
    fk->done_after = 1;
    inject(t, 1, CLI, 40001, SRV, 443, TCP_ACK, 1, 1, "A");  /* decided at once */
    fk->done_after = 0;
    inject(t, 2, CLI, 40002, SRV, 443, TCP_ACK, 1, 1, "B");
    inject(t, 3, CLI, 40001, SRV, 443, TCP_ACK, 2, 1, "A");  /* most recent, but decided */
    inject(t, 4, CLI, 40003, SRV, 443, TCP_ACK, 1, 1, "C");
    assert_int_equal(flow_table_stats(t)->evicted, 1);
    assert_int_equal(fk->nclose, 0);
    /* B kept its session. */
    inject(t, 5, CLI, 40002, SRV, 443, TCP_ACK, 2, 1, "B");
    assert_int_equal(fk->attaches, 3);
    assert_int_equal(flow_table_stats(t)->created, 3);
    flow_table_free(t);
}

/* Session pool full: the least recently active session is evicted. */
static void test_evict_lru_session(void **state)
{
    (void)state;
    struct flow_table *t = table(8, 2);
    inject(t, 1, CLI, 40001, SRV, 443, TCP_ACK, 1, 1, "A");
    inject(t, 2, CLI, 40002, SRV, 443, TCP_ACK, 1, 1, "B");
    inject(t, 3, CLI, 40001, SRV, 443, TCP_ACK, 2, 1, "A");
    inject(t, 4, CLI, 40003, SRV, 443, TCP_ACK, 1, 1, "C");
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_EVICTED);
    assert_int_equal(fk->close[0].meta.client_port, 40002);
    assert_int_equal(st->sessions_evicted, 1);
    assert_int_equal(st->sessions_active, 2);
    assert_int_equal(st->peak_sessions, 2);
    assert_int_equal(st->evicted, 0);
    assert_int_equal(st->active, 3);    /* B's flow stays, decided */
    /* B's later packets are counted only. */
    uint64_t deliveries = fk->deliveries;
    inject(t, 5, CLI, 40002, SRV, 443, TCP_ACK, 2, 1, "B");
    assert_int_equal(fk->deliveries, deliveries);
    assert_int_equal(st->packets_done, 1);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 3);    /* A and C get theirs, B not twice */
    flow_table_free(t);
}

static void test_flush(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    handshake(t, 1, CLI, 40001, SRV, 443);                     /* no payload: no session */
    inject(t, 10, CLI, 40002, SRV, 443, TCP_ACK, 1, 1, "A");
    inject(t, 11, CLI, 40003, SRV, 443, TCP_ACK, 1, 1, "C");
    inject(t, 12, CLI, 40003, SRV, 443, TCP_ACK, 5, 1, "held"); /* after a hole */
    assert_int_equal(flow_table_stats(t)->active, 3);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 2);
    for (size_t i = 0; i < fk->nclose; i++) {
        assert_int_equal(fk->close[i].reason, CONN_REASON_END_OF_INPUT);
        assert_int_equal(fk->close[i].meta.reason, CONN_REASON_END_OF_INPUT);
    }
    /* The held bytes reached the consumer, after a gap, before its line. */
    assert_int_equal(fk->ndata, 3);
    assert_memory_equal(fk->data[2].bytes, "held", 4);
    assert_true(fk->data[2].gap);
    assert_int_equal(flow_table_stats(t)->active, 0);
    assert_int_equal(flow_table_stats(t)->sessions_active, 0);
    assert_int_equal(test_pool_held(), 0);
    /* The table is usable afterwards. */
    inject(t, 20, CLI, 40004, SRV, 443, TCP_SYN, 1, 0, NULL);
    assert_int_equal(flow_table_stats(t)->active, 1);
    flow_table_flush(t, CONN_REASON_EVICTED);
    assert_int_equal(flow_table_stats(t)->active, 0);
    flow_table_free(t);
}

/* Only a SYN or payload opens a flow. */
static void test_stray_packets(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    from_client(t, 1, TCP_ACK, 1, 1, NULL);
    from_client(t, 2, TCP_RST, 1, 0, NULL);
    from_client(t, 3, TCP_FIN | TCP_ACK, 1, 1, NULL);
    from_server(t, 4, TCP_ACK, 1, 1, NULL);
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->created, 0);
    assert_int_equal(st->active, 0);
    assert_int_equal(fk->attaches, 0);
    /* A segment whose payload the snaplen cut entirely still counts as payload. */
    struct pkt p = mk(5, CLI, 40000, SRV, 443, TCP_ACK, 1, 1, NULL, 0);
    p.payload_len = 100;
    flow_table_packet(t, &p);
    assert_int_equal(st->created, 1);
    flow_table_free(t);
}

/* bytes count the TCP payload as the IP header gives it; packets count all. */
static void test_meta_counters(void **state)
{
    (void)state;
    struct flow_table *t = table_after_handshake(50);
    from_client(t, 60, TCP_ACK, 1001, 5001, "0123456789");
    from_server(t, 61, TCP_ACK, 5001, 1011, "abc");
    from_server(t, 62, TCP_ACK, 5004, 1011, "defg");
    /* snaplen cut: 2 bytes captured of 20 */
    struct pkt p = mk(63, SRV, 443, CLI, 40000, TCP_ACK, 5008, 1011, "hi", 2);
    p.payload_len = 20;
    flow_table_packet(t, &p);
    from_client(t, 64, TCP_ACK, 1011, 5028, NULL);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 1);
    const struct conn_meta *m = &fk->close[0].meta;
    assert_int_equal(m->packets[DIR_C2S], 4);   /* SYN, ACK, data, ACK */
    assert_int_equal(m->packets[DIR_S2C], 4);   /* SYN-ACK, 3 data */
    assert_int_equal(m->bytes[DIR_C2S], 10);
    assert_int_equal(m->bytes[DIR_S2C], 3 + 4 + 20);
    assert_int_equal(m->first_ts_us, 50);
    assert_int_equal(m->last_ts_us, 64);
    assert_false(m->gap);
    flow_table_free(t);
}

static void test_vlan_and_ipv6(void **state)
{
    (void)state;
    struct flow_table *t = table(16, 16);
    struct pkt p = mk(1, 0, 40000, 0, 443, TCP_SYN, 1000, 0, NULL, 0);
    p.ip_version = 6;
    memset(p.src, 0, 16);
    memset(p.dst, 0, 16);
    p.src[0] = 0x20;
    p.src[1] = 0x01;
    p.src[15] = 0x02;   /* 2001::2, client */
    p.dst[0] = 0x20;
    p.dst[1] = 0x01;
    p.dst[15] = 0x01;   /* 2001::1, server: sorts first */
    p.vlan_count = 2;
    p.vlan[0] = 100;
    p.vlan[1] = 200;
    flow_table_packet(t, &p);
    struct pkt q = p;
    memcpy(q.src, p.dst, 16);
    memcpy(q.dst, p.src, 16);
    q.sport = 443;
    q.dport = 40000;
    q.tcp_flags = TCP_SYN | TCP_ACK;
    q.seq = 9000;
    q.ack = 1001;
    flow_table_packet(t, &q);
    p.tcp_flags = TCP_ACK;
    p.seq = 1001;
    p.payload = span_make("x", 1);
    p.payload_len = 1;
    flow_table_packet(t, &p);
    assert_int_equal(fk->ndata, 1);
    const struct flow *f = fk->data[0].f;
    assert_int_equal(fk->data[0].dir, DIR_C2S);
    assert_int_equal(f->meta.ip_version, 6);
    assert_memory_equal(f->meta.client_ip, p.src, 16);
    assert_memory_equal(f->meta.server_ip, p.dst, 16);
    assert_int_equal(f->meta.vlan_count, 2);
    assert_int_equal(f->meta.vlan[0], 100);
    assert_int_equal(f->meta.vlan[1], 200);
    assert_int_equal(flow_table_stats(t)->created, 1);
    flow_table_free(t);
}

/* 100000 distinct SYNs into 1024 slots. */
static void test_syn_flood_bounded(void **state)
{
    (void)state;
    struct flow_table *t = table(1024, 64);
    const struct flow_stats *st = flow_table_stats(t);
    for (uint32_t i = 0; i < 100000; i++) {
        uint32_t src = IP4(100, 64, 0, 0) + (i >> 8);
        inject(t, 1000 + i, src, (uint16_t)(1024 + (i & 0xff)), SRV, 443, TCP_SYN, i, 0, NULL);
        assert_true(st->active <= 1024);
    }
    assert_int_equal(st->created, 100000);
    assert_int_equal(st->active, 1024);
    assert_int_equal(st->peak_active, 1024);
    assert_int_equal(st->evicted, 100000 - 1024);
    assert_int_equal(fk->attaches, 0);
    /* The most recent SYNs are the ones kept: a reply finds its flow. */
    inject(t, 200000, SRV, 443, IP4(100, 64, 0, 0) + (99999 >> 8), (uint16_t)(1024 + (99999 & 0xff)),
         TCP_SYN | TCP_ACK, 7, 100000, NULL);
    assert_int_equal(st->created, 100000);
    flow_table_free(t);
}

/* Payload flood into small pools: every flow gets exactly one line. */
static void test_payload_flood_one_line_each(void **state)
{
    (void)state;
    struct flow_table *t = table(256, 16);
    const struct flow_stats *st = flow_table_stats(t);
    const uint32_t n = 5000;
    for (uint32_t i = 0; i < n; i++) {
        inject(t, 1000 + i, CLI, (uint16_t)(10000 + i), SRV, 443, TCP_ACK, 1, 1, "x");
        if (i % 3 == 0) /* some flows get a second packet, reordering the LRUs */
            inject(t, 1000 + i, CLI, (uint16_t)(10000 + i / 2), SRV, 443, TCP_ACK, 2, 1, "y");
        assert_true(st->active <= 256);
        assert_true(st->sessions_active <= 16);
    }
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->attaches, st->created);
    assert_int_equal(fk->closes, st->created);
    assert_int_equal(fk->detaches, st->created);
    assert_int_equal(st->active, 0);
    assert_int_equal(st->sessions_active, 0);
    flow_table_free(t);
}

/* Freed flow and attachment slots are reused most recently freed first,
 * and before any slot never used: the memory touched follows the
 * connections open at once, not all the connections seen. */
static void test_slots_reused_lifo(void **state)
{
    (void)state;
    struct flow_table *t = table(8, 8);
    for (uint16_t i = 0; i < 3; i++)
        inject(t, 1 + i, CLI, (uint16_t)(40001 + i), SRV, 443, TCP_ACK, 1, 1, "x");
    assert_int_equal(fk->ndata, 3);
    const struct flow *fa = fk->data[0].f, *fc = fk->data[2].f;
    const void *aa = fk->data[0].attach, *ac = fk->data[2].attach;
    assert_ptr_not_equal(fa, fc);
    assert_ptr_not_equal(aa, ac);
    /* A ends, then C: C's slots are the most recently freed. */
    /* Each resets twice: the second ends the wait for in-flight bytes. */
    inject(t, 10, CLI, 40001, SRV, 443, TCP_RST, 2, 0, NULL);
    inject(t, 10, CLI, 40001, SRV, 443, TCP_RST, 2, 0, NULL);
    inject(t, 11, CLI, 40003, SRV, 443, TCP_RST, 2, 0, NULL);
    inject(t, 11, CLI, 40003, SRV, 443, TCP_RST, 2, 0, NULL);
    assert_int_equal(fk->nclose, 2);
    inject(t, 12, CLI, 40004, SRV, 443, TCP_ACK, 1, 1, "d");
    inject(t, 13, CLI, 40005, SRV, 443, TCP_ACK, 1, 1, "e");
    inject(t, 14, CLI, 40006, SRV, 443, TCP_ACK, 1, 1, "f");
    assert_int_equal(fk->ndata, 6);
    assert_ptr_equal(fk->data[3].f, fc);
    assert_ptr_equal(fk->data[3].attach, ac);
    assert_ptr_equal(fk->data[4].f, fa);
    assert_ptr_equal(fk->data[4].attach, aa);
    /* Only with both free lists empty is a fresh slot taken: the fourth. */
    assert_ptr_equal(fk->data[5].f, fa + 3);
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->created, 6);
    assert_int_equal(st->peak_active, 4);
    assert_int_equal(st->peak_sessions, 4);

    /* A decided flow gives its attachment back at once, and the next
     * attachment is that one, although its flow slot stays (a tombstone). */
    fk->done_after = 1;
    inject(t, 20, CLI, 40007, SRV, 443, TCP_ACK, 1, 1, "g");
    const void *ag = fk->data[6].attach;
    fk->done_after = 0;
    inject(t, 21, CLI, 40008, SRV, 443, TCP_ACK, 1, 1, "h");
    assert_ptr_equal(fk->data[7].attach, ag);
    assert_ptr_not_equal(fk->data[7].f, fk->data[6].f);
    flow_table_free(t);
}

/* ---- the accept gate ---- */

/* A handshake record header (260 bytes) and a ClientHello's type byte: no
 * NUL, as inject() takes a C string. */
static const char CLIENT_HELLO_START[] = "\x16\x03\x01\x01\x04\x01";

/* A flow whose first bytes cannot be TLS gets no attachment and is decided
 * at once: its later packets are only counted, its close writes nothing. */
static void test_gate_rejects_non_tls(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    handshake(t, 1, CLI, 40000, SRV, 443);
    from_client(t, 10, TCP_ACK, 1001, 5001, "GET / HTTP/1.1\r\n");
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(fk->accept_calls, 1);
    assert_int_equal(fk->accept_dir[0], DIR_C2S);
    assert_int_equal(fk->accept_len[0], 16);
    assert_int_equal(st->rejected, 1);
    assert_int_equal(st->accepted, 0);
    assert_int_equal(fk->attaches, 0);
    assert_int_equal(st->sessions_active, 0);
    assert_int_equal(st->peak_sessions, 0);
    assert_int_equal(st->packets_done, 0);
    from_server(t, 11, TCP_ACK, 5001, 1017, "HTTP/1.1 200 OK\r\n");
    from_client(t, 12, TCP_ACK, 1017, 5018, NULL);
    assert_int_equal(st->packets_done, 2);
    assert_int_equal(fk->accept_calls, 1); /* decided: never asked again */
    assert_int_equal(fk->ndata, 0);
    from_client(t, 13, TCP_ACK | TCP_FIN, 1017, 5018, NULL);
    from_server(t, 14, TCP_ACK | TCP_FIN, 5018, 1018, NULL);
    assert_int_equal(st->packets_done, 4);
    assert_int_equal(st->closed, 1);
    assert_int_equal(st->active, 0);
    assert_int_equal(fk->closes, 0);
    flow_table_free(t);
}

/* With the session pool full, a plain HTTP flow takes nothing from the TLS
 * session holding the one slot. */
static void test_gate_http_never_evicts_tls(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 1);
    inject(t, 1, CLI, 40001, SRV, 443, TCP_ACK, 1, 1, CLIENT_HELLO_START);
    inject(t, 2, CLI, 40002, SRV, 80, TCP_ACK, 1, 1, "GET / HTTP/1.1\r\n");
    inject(t, 3, CLI, 40003, SRV, 80, TCP_ACK, 1, 1, "POST /x HTTP/1.1\r\n");
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->accepted, 1);
    assert_int_equal(st->rejected, 2);
    assert_int_equal(st->sessions_evicted, 0);
    assert_int_equal(st->sessions_active, 1);
    assert_int_equal(fk->nclose, 0);
    /* The TLS flow's session goes on. */
    inject(t, 4, CLI, 40001, SRV, 443, TCP_ACK, 7, 1, "more");
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[1].id, fk->data[0].id);
    assert_memory_equal(fk->data[1].bytes, "more", 4);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].meta.client_port, 40001);
    assert_int_equal(fk->close[0].reason, CONN_REASON_END_OF_INPUT);
    flow_table_free(t);
}

/* A 1-byte first segment cannot be judged: it is held, judged again with
 * the next bytes, and once accepted every byte reaches the consumer in
 * order, the held one first. */
static void test_gate_need_more_then_accept(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    handshake(t, 1, CLI, 40000, SRV, 443);
    from_client(t, 10, TCP_ACK, 1001, 5001, "\x16");
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(fk->accept_calls, 1);
    assert_int_equal(st->need_more, 1);
    assert_int_equal(fk->attaches, 0);
    assert_int_equal(fk->ndata, 0);
    static const uint8_t rest[] = { 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00 };
    struct pkt p = mk(11, CLI, 40000, SRV, 443, TCP_ACK, 1002, 5001, rest, sizeof rest);
    flow_table_packet(t, &p);
    assert_int_equal(fk->accept_calls, 2);
    assert_int_equal(fk->accept_len[1], 9); /* the held byte and the new ones */
    assert_int_equal(st->accepted, 1);
    assert_int_equal(st->need_more, 1);
    assert_int_equal(fk->attaches, 1);
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[0].n, 1);
    assert_int_equal(fk->data[0].bytes[0], 0x16);
    assert_false(fk->data[0].gap);
    assert_ptr_equal(fk->data[1].p, rest); /* the new bytes are the packet's own */
    assert_int_equal(fk->data[1].n, sizeof rest);
    assert_int_equal(fk->data[0].id, fk->data[1].id);

    /* The same with the segments out of order: the second is held by
     * reassembly (nothing to judge yet), the first releases both. */
    flow_table_free(t);
    memset(fk, 0, sizeof *fk);
    t = gated(16, 16);
    handshake(t, 1, CLI, 40000, SRV, 443);
    p = mk(10, CLI, 40000, SRV, 443, TCP_ACK, 1002, 5001, rest, sizeof rest);
    flow_table_packet(t, &p);
    assert_int_equal(fk->accept_calls, 0);
    from_client(t, 11, TCP_ACK, 1001, 5001, "\x16");
    assert_int_equal(fk->accept_calls, 2);
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[0].bytes[0], 0x16);
    assert_memory_equal(fk->data[1].bytes, rest, sizeof rest);
    assert_int_equal(flow_table_stats(t)->need_more, 1);
    assert_int_equal(flow_table_stats(t)->accepted, 1);
    flow_table_free(t);
}

/* SMTP: the server speaks first, and its greeting earns the session. */
static void test_gate_server_first_starttls(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    inject(t, 1, CLI, 40000, SRV, 25, TCP_SYN, 1000, 0, NULL);
    inject(t, 2, SRV, 25, CLI, 40000, TCP_SYN | TCP_ACK, 5000, 1001, NULL);
    inject(t, 3, SRV, 25, CLI, 40000, TCP_ACK, 5001, 1001, "220 mx.example.com ESMTP\r\n");
    assert_int_equal(fk->accept_calls, 1);
    assert_int_equal(fk->accept_dir[0], DIR_S2C);
    assert_int_equal(flow_table_stats(t)->accepted, 1);
    assert_int_equal(fk->ndata, 1);
    assert_int_equal(fk->data[0].dir, DIR_S2C);
    inject(t, 4, CLI, 40000, SRV, 25, TCP_ACK, 1001, 5027, "EHLO client.example\r\n");
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[1].dir, DIR_C2S);
    assert_int_equal(fk->data[1].id, fk->data[0].id);
    assert_int_equal(fk->accept_calls, 1);
    flow_table_free(t);
}

/* Both directions held while undecided: once one is accepted, the bytes go
 * out in the order their directions first spoke. */
static void test_gate_held_both_directions(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    handshake(t, 1, CLI, 40000, SRV, 25);
    inject(t, 10, CLI, 40000, SRV, 25, TCP_ACK, 1001, 5001, "PRO");   /* a PROXY header? */
    inject(t, 11, SRV, 25, CLI, 40000, TCP_ACK, 5001, 1004, "22");    /* a greeting? */
    assert_int_equal(flow_table_stats(t)->need_more, 1);
    assert_int_equal(fk->ndata, 0);
    inject(t, 12, SRV, 25, CLI, 40000, TCP_ACK, 5003, 1004, "0 ready\r\n");
    assert_int_equal(flow_table_stats(t)->accepted, 1);
    assert_int_equal(fk->ndata, 3);
    assert_int_equal(fk->data[0].dir, DIR_C2S);
    assert_memory_equal(fk->data[0].bytes, "PRO", 3);
    assert_int_equal(fk->data[1].dir, DIR_S2C);
    assert_memory_equal(fk->data[1].bytes, "22", 2);
    assert_int_equal(fk->data[2].dir, DIR_S2C);
    assert_memory_equal(fk->data[2].bytes, "0 ready\r\n", 9);
    flow_table_free(t);
}

/* The hold is bounded: a consumer still undecided on FLOW_ACCEPT_HOLD bytes
 * gets the flow, and nothing past the held bytes is lost. */
static void test_gate_hold_bound(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    fk->accept_fixed_set = true;
    fk->accept_fixed = FLOW_NEED_MORE;
    handshake(t, 1, CLI, 40000, SRV, 443);
    from_client(t, 10, TCP_ACK, 1001, 5001, "0123456789");
    assert_int_equal(fk->attaches, 0);
    from_client(t, 11, TCP_ACK, 1011, 5001, "abcdefghij");
    assert_int_equal(fk->accept_calls, 2);
    assert_int_equal(fk->accept_len[1], FLOW_ACCEPT_HOLD);
    assert_int_equal(fk->attaches, 1);
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[0].n, 10);
    assert_memory_equal(fk->data[0].bytes, "0123456789", 10);
    assert_int_equal(fk->data[1].n, 10);
    assert_memory_equal(fk->data[1].bytes, "abcdefghij", 10);
    flow_table_free(t);
}

/* Held bytes, then a hole: the two cannot be judged as one stream, so the
 * flow is followed (at the close that flushes the hole here), the held
 * bytes first. A flow still undecided when it ends writes nothing. */
static void test_gate_gap_and_close(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    fk->accept_fixed_set = true;
    fk->accept_fixed = FLOW_NEED_MORE;
    handshake(t, 1, CLI, 40000, SRV, 443);
    from_client(t, 10, TCP_ACK, 1001, 5001, "abc");
    from_client(t, 11, TCP_ACK, 1010, 5001, "xyz"); /* hole [1004,1010) */
    assert_int_equal(fk->attaches, 0);
    from_client(t, 12, TCP_RST, 1013, 0, NULL);
    assert_int_equal(fk->attaches, 1);
    assert_int_equal(fk->ndata, 2);
    assert_memory_equal(fk->data[0].bytes, "abc", 3);
    assert_false(fk->data[0].gap);
    assert_memory_equal(fk->data[1].bytes, "xyz", 3);
    assert_true(fk->data[1].gap);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_RESET);
    assert_true(fk->close[0].meta.gap);

    /* Undecided to the end: no attachment, no line. */
    inject(t, 20, CLI, 40001, SRV, 443, TCP_ACK, 1, 1, "\x16");
    fk->accept_fixed_set = false;
    inject(t, 21, CLI, 40001, SRV, 443, TCP_RST, 2, 0, NULL);
    assert_int_equal(fk->attaches, 1);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(flow_table_stats(t)->active, 0);
    assert_int_equal(test_pool_held(), 0);
    flow_table_free(t);
}

static void test_new_rejects_bad_config(void **state)
{
    (void)state;
    struct flow_consumer c = consumer();
    struct flow_config cfg = { .pool = &test_pool, .max_flows = 0, .max_sessions = 1 };
    assert_null(flow_table_new(&cfg, &c));
    cfg.max_flows = 1;
    cfg.max_sessions = 0;
    assert_null(flow_table_new(&cfg, &c));
    cfg.max_flows = UINT32_MAX;
    cfg.max_sessions = 1;
    assert_null(flow_table_new(&cfg, &c));
    cfg.max_flows = 1;
    cfg.pool = NULL; /* reassembly needs the caller's pool */
    assert_null(flow_table_new(&cfg, &c));
    cfg.pool = &test_pool;
    struct flow_table *t = flow_table_new(&cfg, &c);
    assert_non_null(t);
    assert_true(flow_table_budget_bytes(t) >= sizeof(struct flow) + c.attach_size);
    /* A single slot still works: every new flow evicts the last. */
    inject(t, 1, CLI, 40001, SRV, 443, TCP_ACK, 1, 1, "A");
    inject(t, 2, CLI, 40002, SRV, 443, TCP_ACK, 1, 1, "B");
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(flow_table_stats(t)->active, 1);
    flow_table_free(t);
    flow_table_free(NULL);
}

/* ---- UDP ---- */

static void udp(struct flow_table *t, uint64_t ts, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                const char *payload)
{
    size_t n = strlen(payload);
    struct pkt p = mk(ts, src, sport, dst, dport, 0, 0, 0, payload, n);
    p.udp = true;
    flow_table_packet(t, &p);
}

/* The first datagram's sender is the client whatever the ports; accept is
 * asked once, on that datagram whole; each datagram is delivered alone, in
 * capture order; the flow shares the table with a TCP flow of the same
 * endpoints and ports without meeting it; it ends by idle timeout. */
static void test_udp_flow(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    fk->accept_fixed = FLOW_ACCEPT;
    fk->accept_fixed_set = true;
    udp(t, 1000, SRV_HI, 443, CLI, 50000, "first");
    udp(t, 2000, CLI, 50000, SRV_HI, 443, "second!");
    udp(t, 3000, SRV_HI, 443, CLI, 50000, "third");
    assert_int_equal(fk->accept_calls, 1);
    assert_int_equal(fk->accept_len[0], 5);
    assert_int_equal(fk->accept_dir[0], DIR_C2S);
    assert_int_equal(fk->ndata, 3);
    assert_int_equal(fk->data[0].dir, DIR_C2S);
    assert_int_equal(fk->data[0].n, 5);
    assert_int_equal(fk->data[1].dir, DIR_S2C);
    assert_int_equal(fk->data[1].n, 7);
    assert_memory_equal(fk->data[1].bytes, "second!", 7);
    assert_int_equal(fk->data[2].dir, DIR_C2S);
    assert_false(fk->data[2].gap);

    /* The same endpoints over TCP are another flow. */
    handshake(t, 4000, CLI, 50000, SRV_HI, 443);
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->created, 2);
    assert_int_equal(st->active, 2);

    flow_table_expire(t, 3000 + 61u * 1000000u);
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_IDLE_TIMEOUT);
    assert_int_equal(fk->close[0].meta.transport, FLOW_TRANSPORT_UDP);
    assert_ip4(fk->close[0].meta.client_ip, SRV_HI);
    assert_int_equal(fk->close[0].meta.client_port, 443);
    assert_int_equal(fk->close[0].meta.packets[DIR_C2S], 2);
    assert_int_equal(fk->close[0].meta.packets[DIR_S2C], 1);
    assert_int_equal(fk->close[0].meta.bytes[DIR_S2C], 7);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    flow_table_free(t);
}

/* A rejected UDP flow is decided on its first datagram: later ones cost a
 * lookup (packets_done) and are never shown to accept again. NEED_MORE
 * shows the next datagrams, FLOW_UDP_ASKS in all, then counts as REJECT. */
static void test_udp_rejected(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    fk->accept_fixed = FLOW_REJECT;
    fk->accept_fixed_set = true;
    udp(t, 1000, CLI, 5353, SRV, 53, "dns?");
    udp(t, 2000, SRV, 53, CLI, 5353, "dns!");
    udp(t, 3000, CLI, 5353, SRV, 53, "dns?");
    assert_int_equal(fk->accept_calls, 1);
    assert_int_equal(fk->attaches, 0);
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->rejected, 1);
    assert_int_equal(st->packets_done, 2);

    fk->accept_fixed = FLOW_NEED_MORE;
    for (int i = 0; i < FLOW_UDP_ASKS + 4; i++)
        udp(t, 4000 + (uint64_t)i, CLI, 3479, SRV, 3478, "stun");
    assert_int_equal(fk->accept_calls, 1 + FLOW_UDP_ASKS);
    assert_int_equal(st->need_more, 1);
    assert_int_equal(st->rejected, 2);
    assert_int_equal(st->packets_done, 2 + 4);
    assert_int_equal(fk->attaches, 0);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 0);
    flow_table_free(t);
}

/* FLOW_ACCEPT_PEER_IS_CLIENT: the first datagram came from the server (a
 * capture that missed the client's first): roles swap before delivery. */
static void test_udp_peer_is_client(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    fk->accept_fixed = FLOW_ACCEPT_PEER_IS_CLIENT;
    fk->accept_fixed_set = true;
    udp(t, 1000, SRV, 4433, CLI, 40000, "server hello");
    udp(t, 2000, CLI, 40000, SRV, 4433, "client");
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[0].dir, DIR_S2C);
    assert_int_equal(fk->data[1].dir, DIR_C2S);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 1);
    assert_ip4(fk->close[0].meta.client_ip, CLI);
    assert_int_equal(fk->close[0].meta.client_port, 40000);
    assert_int_equal(fk->close[0].meta.packets[DIR_S2C], 1);
    assert_int_equal(fk->close[0].meta.bytes[DIR_S2C], 12);
    flow_table_free(t);
}

/* A full table evicts an undecided UDP flow like a TCP one, with its line. */
static void test_udp_eviction(void **state)
{
    (void)state;
    struct flow_table *t = gated(2, 2);
    fk->accept_fixed = FLOW_ACCEPT;
    fk->accept_fixed_set = true;
    udp(t, 1000, CLI, 40001, SRV, 443, "a");
    udp(t, 2000, CLI, 40002, SRV, 443, "b");
    udp(t, 3000, CLI, 40003, SRV, 443, "c");
    assert_int_equal(fk->nclose, 1);
    assert_int_equal(fk->close[0].reason, CONN_REASON_EVICTED);
    assert_int_equal(fk->close[0].meta.client_port, 40001);
    assert_int_equal(flow_table_stats(t)->evicted, 1);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 3);
    flow_table_free(t);
}

/* A decided UDP flow stays as a tombstone: its late datagrams are shown to
 * reopens only, from either side, and cost a lookup. A datagram reopens
 * says is a new connection replaces it: a fresh flow, asked to accept,
 * attached, with its own counters and first timestamp. */
static void test_udp_tombstone_reopened(void **state)
{
    (void)state;
    struct flow_table *t = gated(16, 16);
    fk->accept_fixed = FLOW_ACCEPT;
    fk->accept_fixed_set = true;
    fk->done_after = 1;
    fk->reopen_prefix = "NEW";
    udp(t, 1000, CLI, 50000, SRV, 443, "first hello");
    udp(t, 2000, SRV, 443, CLI, 50000, "NEW from the server");
    udp(t, 3000, CLI, 50000, SRV, 443, "late");
    const struct flow_stats *st = flow_table_stats(t);
    assert_int_equal(st->packets_done, 2);
    assert_int_equal(st->reopened, 0);
    assert_int_equal(fk->reopen_calls, 2);
    assert_int_equal(fk->reopen_dir[0], DIR_S2C);
    assert_int_equal(fk->reopen_dir[1], DIR_C2S);

    udp(t, 4000, CLI, 50000, SRV, 443, "NEW hello");
    assert_int_equal(st->reopened, 1);
    assert_int_equal(st->created, 2);
    assert_int_equal(st->active, 1);
    assert_int_equal(fk->accept_calls, 2);
    assert_int_equal(fk->attaches, 2);
    assert_int_equal(fk->ndata, 2);
    assert_int_equal(fk->data[1].id, 2);
    assert_int_equal(fk->data[1].dir, DIR_C2S);
    assert_memory_equal(fk->data[1].bytes, "NEW hello", 9);
    /* The new flow's counters start from its own first datagram. */
    assert_int_equal(fk->data[1].f->meta.packets[DIR_C2S], 1);
    assert_int_equal(fk->data[1].f->meta.packets[DIR_S2C], 0);
    assert_int_equal(fk->data[1].f->meta.first_ts_us, 4000);

    /* The new connection, decided too, is a tombstone in its turn. */
    udp(t, 5000, CLI, 50000, SRV, 443, "late again");
    assert_int_equal(st->packets_done, 3);
    assert_int_equal(st->reopened, 1);
    flow_table_flush(t, CONN_REASON_END_OF_INPUT);
    assert_int_equal(fk->nclose, 0);
    assert_int_equal(fk->detaches, 2);
    flow_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_syn_sets_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synack_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_open_syn_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_synack_acked_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_synack_acked_second, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_keeps_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_wait_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_wait_flushed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_infer_client_by_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hint_swaps_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verdict_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verdict_done_during_drain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fin_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_flushes_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_skips_hole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_oldest_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_prefers_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_lru_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stray_packets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vlan_and_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syn_flood_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_flood_one_line_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slots_reused_lifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_rejects_non_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_http_never_evicts_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_need_more_then_accept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_server_first_starttls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_held_both_directions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_hold_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate_gap_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_rejects_bad_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_peer_is_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_eviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_tombstone_reopened, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
