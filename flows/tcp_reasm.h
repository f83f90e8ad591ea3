/* tcp_reasm.h - per-direction TCP stream reassembly.
 *
 * Delivers one direction of a TCP connection as an in-order byte stream.
 * The fast path (the segment the stream expects next) hands over the packet's
 * own memory: no copy. Only a segment that arrives ahead of a hole is copied,
 * into a buffer from the caller's pool (common/bufpool.h), and delivered
 * when the hole fills.
 *
 * Retransmissions and overlaps: the first copy of a byte wins (as Suricata's
 * "first" policy and most end hosts do); where a later copy of a still-buffered
 * byte disagrees, `overlap_conflicts` counts it. A hole that will not fill
 * (capture loss: the peer acknowledged bytes we never saw, the buffer limit
 * was reached, or the connection ended) is skipped: delivery resumes after it
 * with `gap` set, so the consumer can resynchronise. Sequence numbers are
 * compared modulo 2^32 (RFC 9293 3.4), so wrap-around is ordinary.
 */
#ifndef TLSSCOPE_TCP_REASM_H
#define TLSSCOPE_TCP_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/bufpool.h"
#include "common/span.h"

/* Out-of-order data one direction may hold; past it, the hole is skipped. */
#define TCP_REASM_MAX_SEGS 32
#define TCP_REASM_MAX_BYTES (256u * 1024u)

struct tcp_ooo_seg;

struct tcp_dir {
    uint32_t next_seq;         /* next byte the stream expects */
    bool seq_known;            /* next_seq is set (SYN or first data seen) */
    bool syn_seen;
    bool fin_seen;
    bool delivered_any;        /* bytes were handed to the consumer */
    /* Initial sequence numbers (RFC 9293 3.4): the peer acknowledged ours
     * (isn_acked), or, before it did, another SYN replaced an earlier one
     * whose ISN is kept in case the peer's ACK confirms that one instead. */
    bool isn_acked;
    bool alt_isn_set;
    uint32_t alt_isn;
    bool gap_pending;          /* the next delivery follows missing bytes */
    uint16_t ooo_count;
    uint32_t ooo_bytes;
    struct tcp_ooo_seg *ooo;   /* held segments, sorted by seq */
};

struct tcp_reasm_stats {
    uint64_t in_order;         /* segments delivered straight from packet memory */
    uint64_t out_of_order;     /* segments buffered ahead of a hole */
    uint64_t retransmissions;  /* segments entirely already delivered */
    uint64_t partial_overlaps; /* segments partly already delivered */
    uint64_t overlap_conflicts;/* buffered bytes contradicted by a later copy */
    uint64_t gaps;             /* holes skipped */
    uint64_t gap_bytes;        /* bytes of those holes (mod 2^32 per hole) */
    uint64_t buffer_denied;    /* segments dropped: budget exhausted */
};

/* What all the directions of one flow table share: the pool held segments
 * are copied into, and the counters. */
struct tcp_reasm {
    struct bufpool *pool;
    struct tcp_reasm_stats *st;
};

/* Receives stream bytes; `gap` is true when bytes before `data` are missing. */
typedef void (*tcp_deliver_fn)(void *ctx, struct span data, bool gap);

/* A SYN (or SYN-ACK) with sequence number `seq`. Its payload, if any (TCP
 * Fast Open, RFC 7413), begins at seq + 1: give tcp_reasm_data that. */
void tcp_reasm_syn(struct tcp_dir *d, uint32_t seq, const struct tcp_reasm *r);

/* The peer's acknowledgment number `ack` for this direction, before data
 * flowed: an ACK of the current ISN fixes it against later SYNs with another
 * ISN; an ACK of the one a later SYN replaced brings that one back. */
void tcp_reasm_isn_ack(struct tcp_dir *d, uint32_t ack, const struct tcp_reasm *r);

/* A segment with payload; delivers whatever became contiguous. `wire_len`
 * is the payload length the IP header gives: when the capture kept less
 * (snaplen), the missing tail is skipped as a gap. */
void tcp_reasm_data(struct tcp_dir *d, uint32_t seq, struct span payload, uint32_t wire_len, tcp_deliver_fn deliver,
                    void *ctx, const struct tcp_reasm *r);

/* The peer acknowledged up to `ack`: a hole below it will never be filled by
 * this capture, so skip it and deliver what is held beyond. */
void tcp_reasm_acked(struct tcp_dir *d, uint32_t ack, tcp_deliver_fn deliver, void *ctx,
                     const struct tcp_reasm *r);

/* Delivers everything still held, skipping holes (connection end). */
void tcp_reasm_flush(struct tcp_dir *d, tcp_deliver_fn deliver, void *ctx, const struct tcp_reasm *r);

/* Frees held segments without delivering them. */
void tcp_reasm_release(struct tcp_dir *d, const struct tcp_reasm *r);

#endif
