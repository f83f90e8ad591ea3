/* flow_table.c - see flow_table.h. */
#include "flows/flow_table.h"

#include <stdlib.h>
#include <string.h>

/* Flows idle-expired per packet at most: bounds the work one packet can
 * trigger, while still outpacing flow creation (at most one per packet). */
#define EXPIRE_PER_PACKET 4

enum { LIST_ACTIVE = 0, LIST_DONE = 1 };

struct lru_list {
    uint32_t head, tail;         /* head: most recent */
};

/* An attachment slot: bookkeeping, then the consumer's state. */
struct attach_hdr {
    uint32_t flow;
    uint32_t prev, next;         /* attachment LRU (or free list via next) */
    uint32_t pad;
};

/* A reset flow waiting out its grace (FLOW_RST_GRACE_US): the flow slot and
 * its deadline, which tells a stale entry (the slot closed and reused since)
 * from a live one. */
struct rst_wait {
    uint32_t flow;
    uint64_t deadline_us;
};

struct flow_table {
    struct flow_config cfg;
    struct flow_consumer consumer;
    struct flow *flows;
    uint32_t *buckets;
    uint32_t bucket_mask;
    uint32_t flow_free;          /* free list through hash_next */
    uint32_t flow_unused;        /* slots never used yet: [flow_unused, max) */
    struct lru_list lru[2];
    uint8_t *attach;
    size_t attach_stride;
    uint32_t attach_free;
    uint32_t attach_unused;
    struct lru_list attach_lru;
    struct tcp_reasm reasm;      /* the engine's pool, and st.reasm */
    uint64_t now;
    struct flow_stats st;
    /* Reset flows in the order their grace ends (packet time only moves
     * forward, give or take), so the due ones are at the head. */
    struct rst_wait rst_wait[FLOW_RST_PENDING_MAX];
    uint32_t rst_head, rst_count;
};

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint32_t key_hash(const struct flow_key *k)
{
    uint64_t w[4];
    memcpy(w, k->addr[0], 16);
    memcpy(w + 2, k->addr[1], 16);
    uint64_t h = w[0] * 0x9e3779b97f4a7c15ULL;
    h = (h ^ w[1]) * 0x9e3779b97f4a7c15ULL;
    h = (h ^ w[2]) * 0x9e3779b97f4a7c15ULL;
    h = (h ^ w[3]) * 0x9e3779b97f4a7c15ULL;
    h ^= (uint64_t)k->port[0] << 16 | k->port[1] | (uint64_t)k->ip_version << 32 | (uint64_t)k->vni << 40;
    h ^= (uint64_t)k->transport << 56;
    return (uint32_t)mix64(h);
}

static bool key_equal(const struct flow_key *a, const struct flow_key *b)
{
    return a->port[0] == b->port[0] && a->port[1] == b->port[1] && a->ip_version == b->ip_version &&
           a->vni == b->vni && a->transport == b->transport && memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

/* Canonical key for a packet; returns the key side of the packet's sender. */
static int make_key(const struct pkt *p, struct flow_key *k)
{
    int c = memcmp(p->src, p->dst, 16);
    int sender = (c < 0 || (c == 0 && p->sport <= p->dport)) ? 0 : 1;
    memcpy(k->addr[sender], p->src, 16);
    memcpy(k->addr[!sender], p->dst, 16);
    k->port[sender] = p->sport;
    k->port[!sender] = p->dport;
    k->ip_version = p->ip_version;
    k->vni = (p->tunnel_type == DECODE_TUNNEL_VXLAN || p->tunnel_type == DECODE_TUNNEL_GENEVE) && p->tunnel_has_id
                 ? p->tunnel_id
                 : 0;
    k->transport = p->udp ? FLOW_TRANSPORT_UDP : 0;
    return sender;
}

/* ---- LRU lists (indexes into a slot array through prev/next accessors) ---- */

#define LRU_UNLINK(list, idx, PREV, NEXT)                                        \
    do {                                                                         \
        uint32_t p_ = PREV(idx), n_ = NEXT(idx);                                 \
        if (p_ != FLOW_NONE) NEXT(p_) = n_; else (list)->head = n_;              \
        if (n_ != FLOW_NONE) PREV(n_) = p_; else (list)->tail = p_;              \
    } while (0)

#define LRU_PUSH_HEAD(list, idx, PREV, NEXT)                                     \
    do {                                                                         \
        PREV(idx) = FLOW_NONE;                                                   \
        NEXT(idx) = (list)->head;                                                \
        if ((list)->head != FLOW_NONE) PREV((list)->head) = (idx);               \
        (list)->head = (idx);                                                    \
        if ((list)->tail == FLOW_NONE) (list)->tail = (idx);                     \
    } while (0)

#define FPREV(i) (t->flows[i].lru_prev)
#define FNEXT(i) (t->flows[i].lru_next)

static inline struct attach_hdr *attach_at(struct flow_table *t, uint32_t i)
{
    return (struct attach_hdr *)(t->attach + (size_t)i * t->attach_stride);
}

#define APREV(i) (attach_at(t, i)->prev)
#define ANEXT(i) (attach_at(t, i)->next)

static inline void *attach_data(struct flow_table *t, uint32_t i)
{
    return attach_at(t, i) + 1;
}

static inline int flow_list(const struct flow *f)
{
    return f->state == FLOW_DONE ? LIST_DONE : LIST_ACTIVE;
}

struct flow_table *flow_table_new(const struct flow_config *cfg, const struct flow_consumer *consumer)
{
    if (cfg->max_flows == 0 || cfg->max_flows > (1u << 30) || cfg->max_sessions == 0 || !cfg->pool)
        return NULL;
    struct flow_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    t->consumer = *consumer;
    t->reasm.pool = cfg->pool;
    t->reasm.st = &t->st.reasm;
    uint32_t nb = 1;
    while (nb < cfg->max_flows * 2u)
        nb <<= 1;
    t->bucket_mask = nb - 1;
    /* calloc'd pools: pages the kernel has not handed out yet cost no RSS,
     * so memory grows with concurrent flows, not with the configured size. */
    t->flows = calloc(cfg->max_flows, sizeof *t->flows);
    t->buckets = malloc((size_t)nb * sizeof *t->buckets);
    t->attach_stride = (sizeof(struct attach_hdr) + consumer->attach_size + 15) & ~(size_t)15;
    t->attach = calloc(cfg->max_sessions, t->attach_stride);
    if (!t->flows || !t->buckets || !t->attach) {
        flow_table_free(t);
        return NULL;
    }
    memset(t->buckets, 0xff, (size_t)nb * sizeof *t->buckets);
    t->flow_free = FLOW_NONE;
    t->attach_free = FLOW_NONE;
    for (int i = 0; i < 2; i++)
        t->lru[i].head = t->lru[i].tail = FLOW_NONE;
    t->attach_lru.head = t->attach_lru.tail = FLOW_NONE;
    return t;
}

void flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    if (t->flows) {
        for (uint32_t i = 0; i < t->flow_unused; i++) {
            struct flow *f = &t->flows[i];
            if (f->state == FLOW_FREE)
                continue;
            tcp_reasm_release(&f->tcp[0], &t->reasm);
            tcp_reasm_release(&f->tcp[1], &t->reasm);
            if (f->attach != FLOW_NONE && t->consumer.on_detach)
                t->consumer.on_detach(t->consumer.ctx, f, attach_data(t, f->attach));
        }
    }
    free(t->flows);
    free(t->buckets);
    free(t->attach);
    free(t);
}

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
    return &t->st;
}

uint64_t flow_table_budget_bytes(const struct flow_table *t)
{
    return (uint64_t)t->cfg.max_flows * sizeof(struct flow) + ((uint64_t)t->bucket_mask + 1) * sizeof(uint32_t) +
           (uint64_t)t->cfg.max_sessions * t->attach_stride;
}

/* ---- attachments ---- */

static void detach(struct flow_table *t, struct flow *f)
{
    if (f->attach == FLOW_NONE)
        return;
    uint32_t a = f->attach;
    if (t->consumer.on_detach)
        t->consumer.on_detach(t->consumer.ctx, f, attach_data(t, a));
    LRU_UNLINK(&t->attach_lru, a, APREV, ANEXT);
    attach_at(t, a)->next = t->attach_free;
    t->attach_free = a;
    f->attach = FLOW_NONE;
    t->st.sessions_active--;
}

static void mark_done(struct flow_table *t, struct flow *f)
{
    uint32_t idx = (uint32_t)(f - t->flows);
    detach(t, f);
    tcp_reasm_release(&f->tcp[0], &t->reasm);
    tcp_reasm_release(&f->tcp[1], &t->reasm);
    if (f->state == FLOW_ACTIVE) {
        LRU_UNLINK(&t->lru[LIST_ACTIVE], idx, FPREV, FNEXT);
        f->state = FLOW_DONE;
        LRU_PUSH_HEAD(&t->lru[LIST_DONE], idx, FPREV, FNEXT);
    }
}

static bool attach_new(struct flow_table *t, struct flow *f)
{
    uint32_t a;
    if (t->attach_free != FLOW_NONE) {
        a = t->attach_free;
        t->attach_free = attach_at(t, a)->next;
    } else if (t->attach_unused < t->cfg.max_sessions) {
        a = t->attach_unused++;
    } else {
        /* Full: the least recently active session gives way; its line is
         * written now with what it has. */
        uint32_t victim = t->attach_lru.tail;
        if (victim == FLOW_NONE)
            return false;
        struct flow *vf = &t->flows[attach_at(t, victim)->flow];
        t->consumer.on_close(t->consumer.ctx, vf, attach_data(t, victim), CONN_REASON_EVICTED);
        mark_done(t, vf);
        t->st.sessions_evicted++;
        a = t->attach_free;
        t->attach_free = attach_at(t, a)->next;
    }
    /* Only the table's own header is set: the consumer's part is
     * initialised by on_attach, which knows what it reads (zeroing the whole
     * stride cost 8 KB of stores per TLS flow). */
    struct attach_hdr *h = attach_at(t, a);
    h->flow = (uint32_t)(f - t->flows);
    LRU_PUSH_HEAD(&t->attach_lru, a, APREV, ANEXT);
    f->attach = a;
    t->st.sessions_active++;
    if (t->st.sessions_active > t->st.peak_sessions)
        t->st.peak_sessions = t->st.sessions_active;
    if (t->consumer.on_attach)
        t->consumer.on_attach(t->consumer.ctx, f, attach_data(t, a));
    return true;
}

/* ---- flow lifecycle ---- */

static void unhash(struct flow_table *t, uint32_t idx)
{
    struct flow *f = &t->flows[idx];
    uint32_t *pp = &t->buckets[key_hash(&f->key) & t->bucket_mask];
    while (*pp != idx)
        pp = &t->flows[*pp].hash_next;
    *pp = f->hash_next;
}

/* Ends a flow: delivers held bytes, lets the consumer write its line, frees the slot. */
static void flow_close(struct flow_table *t, struct flow *f, enum conn_reason reason);

static void flow_release(struct flow_table *t, struct flow *f)
{
    uint32_t idx = (uint32_t)(f - t->flows);
    detach(t, f);
    tcp_reasm_release(&f->tcp[0], &t->reasm);
    tcp_reasm_release(&f->tcp[1], &t->reasm);
    unhash(t, idx);
    LRU_UNLINK(&t->lru[flow_list(f)], idx, FPREV, FNEXT);
    f->state = FLOW_FREE;
    f->hash_next = t->flow_free;
    t->flow_free = idx;
    t->st.active--;
}

static struct flow *flow_alloc(struct flow_table *t)
{
    uint32_t idx;
    if (t->flow_free != FLOW_NONE) {
        idx = t->flow_free;
        t->flow_free = t->flows[idx].hash_next;
    } else if (t->flow_unused < t->cfg.max_flows) {
        idx = t->flow_unused++;
    } else {
        /* Full: forget the oldest decided flow, else evict the oldest
         * undecided one (it still gets its line). */
        uint32_t victim = t->lru[LIST_DONE].tail;
        if (victim != FLOW_NONE) {
            flow_release(t, &t->flows[victim]);
        } else {
            victim = t->lru[LIST_ACTIVE].tail;
            flow_close(t, &t->flows[victim], CONN_REASON_EVICTED);
        }
        t->st.evicted++;
        idx = t->flow_free;
        t->flow_free = t->flows[idx].hash_next;
    }
    return &t->flows[idx];
}

struct deliver_ctx {
    struct flow_table *t;
    struct flow *f;
    int dir;
    const struct pkt *p;         /* the segment being reassembled (NULL: flush, ACK) */
};

/* Hands in-order bytes to the attached consumer. */
static void consume(struct flow_table *t, struct flow *f, int dir, struct span data, bool gap)
{
    enum flow_verdict v = t->consumer.on_data(t->consumer.ctx, f, attach_data(t, f->attach), dir, data, gap);
    if (v == FLOW_VERDICT_DONE)
        mark_done(t, f);
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* The consumer's answer to direction `dir`'s first bytes: held ones, then
 * `data`. */
static enum flow_accept ask_accept(struct flow_table *t, struct flow *f, int dir, struct span data, bool gap)
{
    size_t held = f->held_len[dir];
    /* After a gap the held bytes and these are not one stream: nothing
     * better to show the consumer, so follow the flow. */
    if (!t->consumer.accept || (gap && held > 0))
        return FLOW_ACCEPT;
    struct span first = data;
    uint8_t joined[FLOW_ACCEPT_HOLD];
    if (held > 0) {
        size_t k = min_size(data.n, FLOW_ACCEPT_HOLD - held);
        memcpy(joined, f->held[dir], held);
        memcpy(joined + held, data.p, k);
        first = span_make(joined, held + k);
    }
    enum flow_accept a = t->consumer.accept(t->consumer.ctx, f, dir, first);
    /* Undecided on all that may be held: follow it rather than lose it. */
    return a == FLOW_NEED_MORE && first.n >= FLOW_ACCEPT_HOLD ? FLOW_ACCEPT : a;
}

/* Delivers what direction `dir` held while the flow was undecided. */
static void deliver_held(struct flow_table *t, struct flow *f, int dir)
{
    size_t n = f->held_len[dir];
    f->held_len[dir] = 0;
    if (n > 0 && f->state == FLOW_ACTIVE && f->attach != FLOW_NONE)
        consume(t, f, dir, span_make(f->held[dir], n), f->held_gap[dir]);
}

/* A flow without an attachment brought in-order bytes: ask the consumer.
 * True when it accepted and the flow still wants `data` (delivered next,
 * after the held bytes). */
static bool gate(const struct deliver_ctx *c, struct span data, bool gap)
{
    struct flow_table *t = c->t;
    struct flow *f = c->f;
    int dir = c->dir;
    switch (ask_accept(t, f, dir, data, gap)) {
    case FLOW_NEED_MORE:
        /* ask_accept accepts once FLOW_ACCEPT_HOLD bytes are seen, so these fit. */
        if (f->held_len[0] == 0 && f->held_len[1] == 0) {
            t->st.need_more++;
            f->held_first = (uint8_t)dir;
        }
        if (f->held_len[dir] == 0)
            f->held_gap[dir] = gap;
        memcpy(f->held[dir] + f->held_len[dir], data.p, data.n);
        f->held_len[dir] = (uint8_t)(f->held_len[dir] + data.n);
        return false;
    case FLOW_REJECT:
        t->st.rejected++;
        mark_done(t, f);
        return false;
    case FLOW_ACCEPT:
    case FLOW_ACCEPT_PEER_IS_CLIENT: /* UDP only: a stream's roles come from its SYN or client_hint */
        break;
    }
    t->st.accepted++;
    if (!attach_new(t, f)) {
        mark_done(t, f);
        return false;
    }
    if (c->p && t->consumer.on_packet)
        t->consumer.on_packet(t->consumer.ctx, f, attach_data(t, f->attach), dir, c->p->l3, c->p->payload,
                              c->p->ts_us);
    deliver_held(t, f, f->held_first);
    deliver_held(t, f, !f->held_first);
    return f->state == FLOW_ACTIVE && f->attach != FLOW_NONE;
}

static void deliver(void *vctx, struct span data, bool gap)
{
    struct deliver_ctx *c = vctx;
    struct flow *f = c->f;
    if (f->state != FLOW_ACTIVE)
        return;
    if (gap)
        f->meta.gap = true;
    if (f->attach == FLOW_NONE && !gate(c, data, gap))
        return;
    consume(c->t, f, c->dir, data, gap);
}

static void flow_close(struct flow_table *t, struct flow *f, enum conn_reason reason)
{
    /* Whatever ends the wait after a reset, the connection was reset. */
    if (f->rst_pending)
        reason = CONN_REASON_RESET;
    if (f->state == FLOW_ACTIVE) {
        /* Held segments go through the gate like any bytes: a flow still
         * undecided may be accepted by them. */
        for (int dir = 0; dir < 2; dir++) {
            struct deliver_ctx c = { t, f, dir, NULL };
            tcp_reasm_flush(&f->tcp[dir], deliver, &c, &t->reasm);
        }
        if (f->state == FLOW_ACTIVE && f->attach != FLOW_NONE) {
            f->meta.reason = reason;
            f->meta.ended = reason != CONN_REASON_EVICTED;
            t->consumer.on_close(t->consumer.ctx, f, attach_data(t, f->attach), reason);
        }
    }
    flow_release(t, f);
}

/* Swaps the client and server roles (a ClientHello came from the side we
 * had taken for the server). */
static void swap_roles(struct flow *f)
{
    struct conn_meta *m = &f->meta;
    uint8_t ip[16];
    memcpy(ip, m->client_ip, 16);
    memcpy(m->client_ip, m->server_ip, 16);
    memcpy(m->server_ip, ip, 16);
    uint16_t port = m->client_port;
    m->client_port = m->server_port;
    m->server_port = port;
    uint64_t x = m->bytes[0];
    m->bytes[0] = m->bytes[1];
    m->bytes[1] = x;
    x = m->packets[0];
    m->packets[0] = m->packets[1];
    m->packets[1] = x;
    struct tcp_dir d = f->tcp[0];
    f->tcp[0] = f->tcp[1];
    f->tcp[1] = d;
    bool fin = f->fin_seen[0];
    f->fin_seen[0] = f->fin_seen[1];
    f->fin_seen[1] = fin;
    if (m->close_seen)
        m->closed_by = (uint8_t)!m->closed_by;
    f->client_side = (int8_t)!f->client_side;
}

static void set_roles(struct flow *f, int client_side)
{
    f->client_side = (int8_t)client_side;
    memcpy(f->meta.client_ip, f->key.addr[client_side], 16);
    memcpy(f->meta.server_ip, f->key.addr[!client_side], 16);
    f->meta.client_port = f->key.port[client_side];
    f->meta.server_port = f->key.port[!client_side];
}

static void expire_some(struct flow_table *t, int budget)
{
    for (int list = 0; list < 2; list++) {
        uint64_t timeout = list == LIST_DONE ? t->cfg.done_timeout_us : t->cfg.idle_timeout_us;
        while (budget > 0 && t->lru[list].tail != FLOW_NONE) {
            struct flow *f = &t->flows[t->lru[list].tail];
            /* Time is the packets' own; it may step back (files given out
                 * of order, merged captures): only a flow older than now by
                 * the timeout is idle. */
            if (t->now <= f->meta.last_ts_us || t->now - f->meta.last_ts_us <= timeout)
                break;
            budget--;
            t->st.expired++;
            flow_close(t, f, CONN_REASON_IDLE_TIMEOUT);
        }
    }
}

/* ---- the wait after a reset ---- */

/* A reset from `dir`: true when the flow waits for what the other side had
 * in flight instead of closing now. Only a flow still being dissected waits,
 * and only while the other side may still send (it has not closed). */
static bool rst_wait_begin(struct flow_table *t, struct flow *f, int dir, uint64_t ts_us)
{
    if (f->attach == FLOW_NONE || f->state != FLOW_ACTIVE || f->fin_seen[!dir] ||
        t->rst_count >= FLOW_RST_PENDING_MAX)
        return false;
    f->rst_pending = true;
    f->rst_dir = (uint8_t)dir;
    f->rst_grace_bytes = 0;
    f->rst_deadline_us = ts_us + FLOW_RST_GRACE_US;
    struct rst_wait *w = &t->rst_wait[(t->rst_head + t->rst_count) % FLOW_RST_PENDING_MAX];
    w->flow = (uint32_t)(f - t->flows);
    w->deadline_us = f->rst_deadline_us;
    t->rst_count++;
    return true;
}

/* Closes reset flows whose grace is over at t->now, at most `budget`. */
static void rst_wait_expire(struct flow_table *t, int budget)
{
    while (budget-- > 0 && t->rst_count > 0) {
        const struct rst_wait *w = &t->rst_wait[t->rst_head];
        struct flow *f = &t->flows[w->flow];
        bool live = f->state == FLOW_ACTIVE && f->rst_pending && f->rst_deadline_us == w->deadline_us;
        if (live && t->now <= w->deadline_us)
            return;
        t->rst_head = (t->rst_head + 1) % FLOW_RST_PENDING_MAX;
        t->rst_count--;
        if (live) {
            t->st.closed++;
            flow_close(t, f, CONN_REASON_RESET);
        }
    }
}

/* A packet of a flow waiting after a reset, before its payload: true when
 * the wait is over. The resetting side speaking again (its stack answers
 * each late segment with another reset) says nothing more is in flight. */
static bool rst_wait_over_before(const struct flow *f, int dir, uint64_t ts_us)
{
    return dir == f->rst_dir || ts_us > f->rst_deadline_us;
}

/* The same packet after its payload: the other side closing too, or the
 * byte bound, ends the wait. */
static bool rst_wait_over_after(struct flow *f, const struct pkt *p)
{
    f->rst_grace_bytes += p->payload_len;
    return (p->tcp_flags & (TCP_RST | TCP_FIN)) || f->rst_grace_bytes >= FLOW_RST_GRACE_BYTES ||
           f->state != FLOW_ACTIVE;
}

void flow_table_expire(struct flow_table *t, uint64_t now_us)
{
    t->now = now_us;
    expire_some(t, INT32_MAX);
    rst_wait_expire(t, INT32_MAX);
}

/* A new flow for packet `p` (key `key`, hash bucket `h`): in the table, on
 * the active LRU, with what its first packet says about the path. */
static struct flow *flow_new(struct flow_table *t, const struct pkt *p, const struct flow_key *key, uint32_t h)
{
    struct flow *f = flow_alloc(t);
    uint32_t idx = (uint32_t)(f - t->flows);
    memset(f, 0, sizeof *f);
    f->key = *key;
    f->attach = FLOW_NONE;
    f->state = FLOW_ACTIVE;
    f->hash_next = t->buckets[h];
    t->buckets[h] = idx;
    LRU_PUSH_HEAD(&t->lru[LIST_ACTIVE], idx, FPREV, FNEXT);
    f->meta.ip_version = p->ip_version;
    f->meta.first_ts_us = p->ts_us;
    f->meta.vlan_count = p->vlan_count;
    memcpy(f->meta.vlan, p->vlan, sizeof f->meta.vlan);
    if (p->tunnel_depth > 0) {
        f->meta.tunnel_type = decode_tunnel_name(p->tunnel_type);
        f->meta.tunnel_ip_version = p->tunnel_ip_version;
        f->meta.tunnel_has_id = p->tunnel_has_id;
        f->meta.tunnel_id = p->tunnel_id;
        memcpy(f->meta.tunnel_src, p->tunnel_src, 16);
        memcpy(f->meta.tunnel_dst, p->tunnel_dst, 16);
    }
    f->meta.transport = key->transport;
    t->st.created++;
    t->st.active++;
    if (t->st.active > t->st.peak_active)
        t->st.peak_active = t->st.active;
    return f;
}

/* The packet's direction, counted in the flow's meta. */
static int count_packet(struct flow *f, int sender, const struct pkt *p)
{
    int dir = sender == f->client_side ? DIR_C2S : DIR_S2C;
    f->meta.last_ts_us = p->ts_us;
    f->meta.packets[dir]++;
    f->meta.bytes[dir] += p->payload_len;
    return dir;
}

/* The flow had a packet: most recent on its LRU list. */
static void flow_touch(struct flow_table *t, struct flow *f)
{
    uint32_t idx = (uint32_t)(f - t->flows);
    int list = flow_list(f);
    if (t->lru[list].head != idx) {
        LRU_UNLINK(&t->lru[list], idx, FPREV, FNEXT);
        LRU_PUSH_HEAD(&t->lru[list], idx, FPREV, FNEXT);
    }
}

/* A UDP datagram (see flow_table_packet in flow_table.h): no reassembly, no
 * roles to infer beyond the first sender, one accept question per flow. */
static void udp_packet(struct flow_table *t, const struct pkt *p, const struct flow_key *key, int sender,
                       uint32_t h, uint32_t idx)
{
    struct flow *f = idx == FLOW_NONE ? NULL : &t->flows[idx];
    if (f && f->state == FLOW_DONE && t->consumer.reopens &&
        t->consumer.reopens(t->consumer.ctx, f, sender == f->client_side ? DIR_C2S : DIR_S2C, p->payload)) {
        /* Its line was written (or it was not TLS) when it was decided. */
        flow_release(t, f);
        t->st.reopened++;
        f = NULL;
    }
    if (!f) {
        f = flow_new(t, p, key, h);
        set_roles(f, sender);
    } else {
        flow_touch(t, f);
    }
    int dir = count_packet(f, sender, p);
    if (f->state == FLOW_DONE) {
        t->st.packets_done++;
        return;
    }
    if (f->attach == FLOW_NONE) {
        enum flow_accept a = t->consumer.accept ? t->consumer.accept(t->consumer.ctx, f, dir, p->payload)
                                                : FLOW_ACCEPT;
        if (a == FLOW_NEED_MORE && ++f->udp_asks < FLOW_UDP_ASKS) {
            if (f->udp_asks == 1)
                t->st.need_more++;
            return;
        }
        if (a != FLOW_ACCEPT && a != FLOW_ACCEPT_PEER_IS_CLIENT) {
            t->st.rejected++;
            mark_done(t, f);
            return;
        }
        if (a == FLOW_ACCEPT_PEER_IS_CLIENT) {
            swap_roles(f);
            dir = !dir;
        }
        t->st.accepted++;
        if (!attach_new(t, f)) {
            mark_done(t, f);
            return;
        }
    } else if (t->attach_lru.head != f->attach) {
        LRU_UNLINK(&t->attach_lru, f->attach, APREV, ANEXT);
        LRU_PUSH_HEAD(&t->attach_lru, f->attach, APREV, ANEXT);
    }
    if (t->consumer.on_packet)
        t->consumer.on_packet(t->consumer.ctx, f, attach_data(t, f->attach), dir, p->l3, p->payload, p->ts_us);
    if (f->state == FLOW_ACTIVE && f->attach != FLOW_NONE)
        consume(t, f, dir, p->payload, false);
}

void flow_table_packet(struct flow_table *t, const struct pkt *p)
{
    t->now = p->ts_us;
    expire_some(t, EXPIRE_PER_PACKET);
    rst_wait_expire(t, EXPIRE_PER_PACKET);

    struct flow_key key;
    int sender = make_key(p, &key);
    uint32_t h = key_hash(&key) & t->bucket_mask;
    uint32_t idx = t->buckets[h];
    while (idx != FLOW_NONE && !key_equal(&t->flows[idx].key, &key))
        idx = t->flows[idx].hash_next;
    if (p->udp) {
        udp_packet(t, p, &key, sender, h, idx);
        return;
    }

    struct flow *f;
    bool syn = p->tcp_flags & TCP_SYN, ack = p->tcp_flags & TCP_ACK;
    if (idx == FLOW_NONE) {
        /* Only a SYN or a segment with payload opens a flow: stray ACKs and
         * RSTs of connections we never saw would only fill the table. */
        if (!syn && p->payload_len == 0)
            return;
        f = flow_new(t, p, &key, h);
        idx = (uint32_t)(f - t->flows);
        if (syn) {
            /* SYN: the sender is the client; SYN-ACK: the receiver is. */
            set_roles(f, ack ? !sender : sender);
        } else {
            /* Picked up mid-connection: the higher (ephemeral) port is
             * probably the client, until a hello says otherwise. */
            set_roles(f, p->sport > p->dport ? sender : (p->sport < p->dport ? !sender : 0));
            f->meta.client_inferred = true;
        }
    } else {
        f = &t->flows[idx];
        flow_touch(t, f);
    }

    int dir = count_packet(f, sender, p);
    if (p->tcp_flags & TCP_RST)
        f->rst_seen = true;
    if (p->tcp_flags & TCP_FIN)
        f->fin_seen[dir] = true;
    if ((p->tcp_flags & (TCP_RST | TCP_FIN)) && !f->meta.close_seen) {
        f->meta.close_seen = true;
        f->meta.closed_by = (uint8_t)dir;
        f->meta.close_rst = (p->tcp_flags & TCP_RST) != 0;
    }

    if (f->state == FLOW_DONE) {
        t->st.packets_done++;
        if (f->rst_seen || (f->fin_seen[0] && f->fin_seen[1])) {
            t->st.closed++;
            flow_release(t, f);
        }
        return;
    }
    if (f->rst_pending && rst_wait_over_before(f, dir, p->ts_us)) {
        t->st.closed++;
        flow_close(t, f, CONN_REASON_RESET);
        return;
    }

    if (syn && !f->tcp[dir].delivered_any)
        tcp_reasm_syn(&f->tcp[dir], p->seq, &t->reasm);

    if (p->payload_len > 0) {
        if (!f->payload_seen) {
            /* The first payload, nothing held yet: the roles may still be
             * swapped. */
            f->payload_seen = true;
            if (f->meta.client_inferred && !f->tcp[0].delivered_any && !f->tcp[1].delivered_any &&
                t->consumer.client_hint) {
                int hint = t->consumer.client_hint(t->consumer.ctx, p->payload);
                if ((hint > 0 && dir == DIR_S2C) || (hint < 0 && dir == DIR_C2S)) {
                    swap_roles(f);
                    dir = !dir;
                }
            }
        }
        if (f->attach != FLOW_NONE) {
            if (t->attach_lru.head != f->attach) {
                LRU_UNLINK(&t->attach_lru, f->attach, APREV, ANEXT);
                LRU_PUSH_HEAD(&t->attach_lru, f->attach, APREV, ANEXT);
            }
            if (t->consumer.on_packet)
                t->consumer.on_packet(t->consumer.ctx, f, attach_data(t, f->attach), dir, p->l3, p->payload,
                                      p->ts_us);
        }
        /* Unattached, the bytes reach the gate (deliver), which may attach
         * the flow and then runs on_packet for this segment. */
        /* Data on a SYN (TCP Fast Open, RFC 7413) begins after the SYN's
         * own sequence number. */
        struct deliver_ctx c = { t, f, dir, p };
        tcp_reasm_data(&f->tcp[dir], syn ? p->seq + 1 : p->seq, p->payload, p->payload_len, deliver, &c,
                       &t->reasm);
    }
    if (ack && f->state == FLOW_ACTIVE) {
        struct tcp_dir *peer = &f->tcp[!dir];
        if (!peer->isn_acked)
            tcp_reasm_isn_ack(peer, p->ack, &t->reasm);
        if (peer->ooo) {
            struct deliver_ctx c = { t, f, !dir, NULL };
            tcp_reasm_acked(peer, p->ack, deliver, &c, &t->reasm);
        } else if (peer->seq_known && (int32_t)(p->ack - peer->next_seq) > (f->fin_seen[!dir] ? 1 : 0)) {
            /* The peer acknowledged bytes this capture never carried (a FIN
             * takes one sequence number): they are lost to us, so the line
             * says it may lack fields. The stream itself is left alone in
             * case a reordered capture still brings them. */
            f->meta.gap = true;
        }
    }

    if (f->rst_seen) {
        bool wait = f->rst_pending ? !rst_wait_over_after(f, p) : rst_wait_begin(t, f, dir, p->ts_us);
        if (!wait) {
            t->st.closed++;
            flow_close(t, f, CONN_REASON_RESET);
        }
    } else if (f->fin_seen[0] && f->fin_seen[1]) {
        t->st.closed++;
        flow_close(t, f, CONN_REASON_FIN);
    }
}

void flow_table_flush(struct flow_table *t, enum conn_reason reason)
{
    for (int list = 0; list < 2; list++)
        while (t->lru[list].tail != FLOW_NONE)
            flow_close(t, &t->flows[t->lru[list].tail], reason);
    t->rst_count = 0;
}
