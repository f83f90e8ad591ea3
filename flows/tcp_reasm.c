/* tcp_reasm.c - see tcp_reasm.h. */
#include "flows/tcp_reasm.h"

#include <string.h>

struct tcp_ooo_seg {
    struct tcp_ooo_seg *next;
    size_t cap;                /* bufpool capacity of this allocation */
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
};

/* Signed distance from b to a in sequence space. */
static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

void tcp_reasm_syn(struct tcp_dir *d, uint32_t seq, const struct tcp_reasm *r)
{
    /* A second SYN-ACK with another ISN (some stacks and middleboxes send
     * one) sets the stream start only while data has not flowed and the
     * peer has not acknowledged the first: the peer's ACK says which ISN the
     * connection really uses, and the other one's flight would be lost. */
    if (d->delivered_any || (d->syn_seen && d->next_seq == seq + 1))
        return;
    if (d->syn_seen) {
        if (d->isn_acked)
            return;
        d->alt_isn = d->next_seq - 1;
        d->alt_isn_set = true;
    }
    tcp_reasm_release(d, r);
    d->syn_seen = true;
    d->seq_known = true;
    d->next_seq = seq + 1;
}

void tcp_reasm_isn_ack(struct tcp_dir *d, uint32_t ack, const struct tcp_reasm *r)
{
    if (!d->syn_seen || d->isn_acked || d->delivered_any)
        return;
    if (ack == d->next_seq) {
        d->isn_acked = true;
    } else if (d->alt_isn_set && ack == d->alt_isn + 1) {
        /* Segments held so far were placed against the ISN now dropped. */
        tcp_reasm_release(d, r);
        d->next_seq = ack;
        d->isn_acked = true;
    }
}

static void free_seg(struct tcp_dir *d, struct tcp_ooo_seg *s, const struct tcp_reasm *r)
{
    d->ooo_count--;
    d->ooo_bytes -= s->len;
    bufpool_put(r->pool, s, s->cap);
}

static void emit(struct tcp_dir *d, struct span data, bool gap, tcp_deliver_fn deliver, void *ctx)
{
    gap = gap || d->gap_pending;
    d->gap_pending = false;
    d->delivered_any = true;
    deliver(ctx, data, gap);
}

/* Delivers held segments that are now contiguous with next_seq, trimming
 * what was already delivered. */
static void drain(struct tcp_dir *d, tcp_deliver_fn deliver, void *ctx, const struct tcp_reasm *r)
{
    while (d->ooo) {
        struct tcp_ooo_seg *s = d->ooo;
        int32_t off = seq_diff(s->seq, d->next_seq);
        if (off > 0)
            return;
        d->ooo = s->next;
        uint32_t skip = 0u - (uint32_t)off; /* -off overflows for INT32_MIN (2^31 behind) */
        if (skip < s->len) {
            struct span rest = span_make(s->data + skip, s->len - skip);
            d->next_seq += s->len - skip;
            emit(d, rest, false, deliver, ctx);
        }
        free_seg(d, s, r);
    }
}

/* Skips the hole before the first held segment and delivers from there. */
static void skip_hole(struct tcp_dir *d, tcp_deliver_fn deliver, void *ctx, const struct tcp_reasm *r)
{
    struct tcp_reasm_stats *st = r->st;
    struct tcp_ooo_seg *s = d->ooo;
    if (!s)
        return;
    st->gaps++;
    st->gap_bytes += (uint32_t)seq_diff(s->seq, d->next_seq);
    d->ooo = s->next;
    d->next_seq = s->seq + s->len;
    emit(d, span_make(s->data, s->len), true, deliver, ctx);
    free_seg(d, s, r);
    drain(d, deliver, ctx, r);
}

/* Holds a segment that lies ahead of next_seq. The list stays sorted; bytes
 * already held win over a later copy (and a disagreement is counted). */
static void hold(struct tcp_dir *d, uint32_t seq, struct span payload, tcp_deliver_fn deliver, void *ctx,
                 const struct tcp_reasm *r)
{
    struct tcp_reasm_stats *st = r->st;
    struct tcp_ooo_seg **pp = &d->ooo;
    while (*pp && seq_diff((*pp)->seq, seq) < 0)
        pp = &(*pp)->next;
    /* An exact or contained duplicate of a held segment: compare and drop. */
    struct tcp_ooo_seg *prev = NULL;
    for (struct tcp_ooo_seg *s = d->ooo; s && s != *pp; s = s->next)
        prev = s;
    struct tcp_ooo_seg *cand[2] = { prev, *pp };
    for (int i = 0; i < 2; i++) {
        struct tcp_ooo_seg *s = cand[i];
        if (!s)
            continue;
        int32_t start = seq_diff(seq, s->seq);
        if (start >= 0 && (uint32_t)start + payload.n <= s->len) {
            if (memcmp(s->data + start, payload.p, payload.n) != 0)
                st->overlap_conflicts++;
            st->retransmissions++;
            return;
        }
    }
    if (d->ooo_count >= TCP_REASM_MAX_SEGS || d->ooo_bytes + payload.n > TCP_REASM_MAX_BYTES) {
        /* The hole has been open too long to be a reordering: treat it as
         * capture loss, deliver what we hold, then take this segment. */
        skip_hole(d, deliver, ctx, r);
        int32_t off = seq_diff(seq, d->next_seq);
        if (off > 0 && (d->ooo_count >= TCP_REASM_MAX_SEGS || d->ooo_bytes + payload.n > TCP_REASM_MAX_BYTES)) {
            st->buffer_denied++;
            return;
        }
        if (off <= 0) {
            tcp_reasm_data(d, seq, payload, (uint32_t)payload.n, deliver, ctx, r);
            return;
        }
        pp = &d->ooo;
        while (*pp && seq_diff((*pp)->seq, seq) < 0)
            pp = &(*pp)->next;
    }
    size_t cap;
    struct tcp_ooo_seg *s = bufpool_get(r->pool, sizeof *s + payload.n, &cap);
    if (!s) {
        st->buffer_denied++;
        return;
    }
    s->cap = cap;
    s->seq = seq;
    s->len = (uint32_t)payload.n;
    memcpy(s->data, payload.p, payload.n);
    /* Where the new copy overlaps bytes already held, the held bytes win
     * (and a disagreement is counted): drain() delivers by sequence order,
     * not arrival order, so the new segment must carry the first copy's
     * bytes or it would override them whenever it starts earlier. */
    for (struct tcp_ooo_seg *t = d->ooo; t; t = t->next) {
        int64_t lo = seq_diff(t->seq, seq); /* t's start, relative to the new segment */
        if (lo >= (int64_t)payload.n)
            break; /* sorted: no later segment overlaps either */
        int64_t a = lo > 0 ? lo : 0, b = lo + (int64_t)t->len;
        if (b > (int64_t)payload.n)
            b = (int64_t)payload.n;
        if (a >= b)
            continue;
        const uint8_t *held = t->data + (a - lo);
        if (memcmp(s->data + a, held, (size_t)(b - a)) != 0) {
            st->overlap_conflicts++;
            memcpy(s->data + a, held, (size_t)(b - a));
        }
    }
    s->next = *pp;
    *pp = s;
    d->ooo_count++;
    d->ooo_bytes += s->len;
    st->out_of_order++;
}

void tcp_reasm_data(struct tcp_dir *d, uint32_t seq, struct span payload, uint32_t wire_len, tcp_deliver_fn deliver,
                    void *ctx, const struct tcp_reasm *r)
{
    struct tcp_reasm_stats *st = r->st;
    if (payload.n == 0)
        return;
    if (!d->seq_known) {
        /* Mid-stream pickup: the stream starts at the first byte we see. */
        d->seq_known = true;
        d->next_seq = seq;
    }
    int32_t off = seq_diff(seq, d->next_seq);
    if (off > 0) {
        hold(d, seq, payload, deliver, ctx, r);
        return;
    }
    if (off < 0) {
        uint32_t already = 0u - (uint32_t)off; /* as in drain(): no signed negation */
        if (already >= payload.n) {
            st->retransmissions++;
            return;
        }
        st->partial_overlaps++;
        span_skip(&payload, already);
    } else {
        st->in_order++;
    }
    d->next_seq += (uint32_t)payload.n;
    emit(d, payload, false, deliver, ctx);
    if (off == 0 && wire_len > payload.n) {
        /* Snaplen cut this segment: what follows it starts after a hole. */
        d->next_seq = seq + wire_len;
        d->gap_pending = true;
        st->gaps++;
        st->gap_bytes += wire_len - payload.n;
    }
    if (d->ooo)
        drain(d, deliver, ctx, r);
}

void tcp_reasm_acked(struct tcp_dir *d, uint32_t ack, tcp_deliver_fn deliver, void *ctx,
                     const struct tcp_reasm *r)
{
    /* Only act when something is held: a hole with nothing after it costs
     * nothing to keep waiting on. */
    while (d->ooo && d->seq_known && seq_diff(ack, d->next_seq) > 0 && seq_diff(d->ooo->seq, d->next_seq) > 0 &&
           seq_diff(ack, d->ooo->seq) >= 0)
        skip_hole(d, deliver, ctx, r);
}

void tcp_reasm_flush(struct tcp_dir *d, tcp_deliver_fn deliver, void *ctx, const struct tcp_reasm *r)
{
    while (d->ooo)
        skip_hole(d, deliver, ctx, r);
}

void tcp_reasm_release(struct tcp_dir *d, const struct tcp_reasm *r)
{
    while (d->ooo) {
        struct tcp_ooo_seg *s = d->ooo;
        d->ooo = s->next;
        free_seg(d, s, r);
    }
}
