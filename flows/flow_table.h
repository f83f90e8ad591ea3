/* flow_table.h - the connection tracker: flow table, TCP reassembly driving,
 * idle timeouts and eviction, all within a memory budget fixed at start-up.
 *
 * Flows live in a pool of `max_flows` slots allocated once; a hash table of
 * slot indexes finds them by their 5-tuple in either direction. Every flow is
 * on an LRU list ordered by last packet time, so idle expiry looks only at the
 * oldest flows (a bounded number per packet, as Redis bounds each rehash
 * step), and when the pool is full the least recently seen flow is evicted
 * (its consumer still writes its line, with reason "evicted"). Freed slots
 * are reused most recently freed first, and before any slot never used, so
 * the memory touched follows the connections open at once (the pools are
 * calloc'd: untouched pages cost nothing).
 *
 * A consumer (the TLS dissector) attaches per-flow state of a fixed size, but
 * only to a flow it accepts: its `accept` is shown each direction's first
 * in-order bytes and answers at once (a flow that cannot be TLS is decided
 * then and there, and costs a lookup per packet from then on) or asks for
 * more, while the first bytes are held in the flow itself (at most
 * FLOW_ACCEPT_HOLD per direction) and reassembly goes on unattached. So
 * undecided flows hold no attachment and cannot push a TLS session out.
 * Attachments come from a second, smaller pool (`max_sessions`) with its own
 * LRU, because they are large. Once the consumer says a flow is decided, its
 * attachment is released and the flow's later packets cost a lookup and
 * counter updates.
 */
#ifndef TLSSCOPE_FLOW_TABLE_H
#define TLSSCOPE_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"
#include "common/span.h"
#include "flows/conn_meta.h"
#include "flows/tcp_reasm.h"

#define FLOW_NONE UINT32_MAX

struct flow_key {
    uint8_t addr[2][16];        /* canonical order: side 0 sorts first */
    uint16_t port[2];
    uint8_t ip_version;
    /* VXLAN/Geneve VNI: overlay tenants may reuse the same addresses. (Not
     * GTP-U TEIDs, which differ per direction, nor mirror session ids.) */
    uint32_t vni;
    uint8_t transport;          /* 0 for TCP, FLOW_TRANSPORT_UDP for UDP: the same ports are two flows */
};

enum flow_state {
    FLOW_FREE = 0,
    FLOW_ACTIVE,                /* being dissected */
    FLOW_DONE,                  /* decided: counted only, until it closes or idles out */
};

/* After a reset, how long and how many payload bytes the other side's
 * segments are still dissected: what it sent before the reset reached it
 * arrives within about one round trip, and at most a receive window. */
#define FLOW_RST_GRACE_US 1000000u
#define FLOW_RST_GRACE_BYTES (256u * 1024u)
/* Resets waiting out their grace at once; past it, a reset closes at once. */
#define FLOW_RST_PENDING_MAX 256

/* First bytes a flow holds per direction while the consumer has not yet
 * accepted it: enough for every opening dissect/accept.h recognises. */
#define FLOW_ACCEPT_HOLD 16

struct flow {
    struct flow_key key;
    uint32_t hash_next;         /* next slot in the hash chain */
    uint32_t lru_prev, lru_next;
    uint32_t attach;            /* consumer attachment slot, FLOW_NONE when none */
    uint8_t state;              /* enum flow_state */
    int8_t client_side;         /* which key side is the client: 0, 1, or -1 unknown */
    bool rst_seen;
    bool fin_seen[2];           /* per direction (DIR_C2S, DIR_S2C) */
    bool payload_seen;          /* a segment with payload came (client_hint was asked) */
    /* A reset came, but what the other side had already sent is still on
     * the wire: its line waits (FLOW_RST_GRACE_US, FLOW_RST_GRACE_BYTES)
     * for that side's in-flight segments. */
    bool rst_pending;
    uint8_t rst_dir;            /* the side that reset */
    uint32_t rst_grace_bytes;   /* payload the other side brought since */
    uint64_t rst_deadline_us;
    uint8_t udp_asks;           /* UDP: datagrams shown to accept so far (FLOW_UDP_ASKS at most) */
    uint8_t consumer_tag;       /* the consumer's own note on the flow, set by its accept (0 at first) */
    /* The consumer's note on the connection a decided UDP flow carried (kept
     * after its attachment is released): what tells a new connection on the
     * same 4-tuple from a late packet of the old one (flow_consumer.reopens). */
    uint32_t consumer_note;
    /* Before the consumer accepts the flow: the first in-order bytes of each
     * direction, whether they followed a gap, and which direction's came
     * first (they are delivered in that order once it accepts). */
    uint8_t held_first;
    uint8_t held_len[2];
    bool held_gap[2];
    uint8_t held[2][FLOW_ACCEPT_HOLD];
    struct tcp_dir tcp[2];      /* per direction (DIR_C2S, DIR_S2C) */
    struct conn_meta meta;
};

/* The consumer's answer to a flow's first bytes (flow_consumer.accept). */
enum flow_accept {
    FLOW_ACCEPT = 0,            /* attach, then deliver every byte from the first */
    FLOW_NEED_MORE,             /* ask again with more of this direction */
    FLOW_REJECT,                /* not for this consumer: the flow is decided now */
    FLOW_ACCEPT_PEER_IS_CLIENT, /* UDP: accept, and the sender of these bytes is the server */
};

/* Datagrams of a UDP flow shown to accept while it answers NEED_MORE (a
 * WebRTC flow opens with STUN, its DTLS comes a few datagrams later). */
#define FLOW_UDP_ASKS 16

/* What the tracker tells the consumer, and what the consumer answers. */
enum flow_verdict {
    FLOW_VERDICT_CONTINUE = 0,  /* keep delivering */
    FLOW_VERDICT_DONE,          /* decided (line written or not TLS): detach */
};

struct flow_consumer {
    void *ctx;
    size_t attach_size;
    /* First payload of a flow whose client is unknown (no SYN seen): +1 when
     * the sender looks like the client, -1 like the server, 0 no idea. */
    int (*client_hint)(void *ctx, struct span payload);
    /* Asked before a flow has an attachment, each time direction `dir`
     * brings in-order bytes: `first` is that direction's stream from its
     * first byte (the bytes held so far and then the new piece, cut at
     * FLOW_ACCEPT_HOLD; with nothing held, the whole piece). Either
     * direction may be asked first. After FLOW_NEED_MORE the bytes are held;
     * NEED_MORE on FLOW_ACCEPT_HOLD bytes, or a gap after held bytes, counts
     * as FLOW_ACCEPT (the consumer had all the table holds). FLOW_REJECT
     * decides the flow at once. NULL: every flow is accepted. */
    enum flow_accept (*accept)(void *ctx, struct flow *f, int dir, struct span first);
    /* A new attachment for flow f: `attach_size` bytes of recycled memory,
     * not zeroed; the consumer initialises what it reads. */
    void (*on_attach)(void *ctx, struct flow *f, void *attach);
    /* Every packet of an attached flow, before its payload is reassembled
     * (for the packet that gets a flow accepted: after on_attach, before its
     * bytes): the IP packet, for classifiers that want packets, not
     * streams. Packets of a flow not yet accepted are not shown. May be NULL. */
    void (*on_packet)(void *ctx, struct flow *f, void *attach, int dir, struct span ip_packet, struct span payload,
                      uint64_t ts_us);
    /* In-order stream bytes for direction `dir`; `gap`: bytes before are missing. */
    enum flow_verdict (*on_data)(void *ctx, struct flow *f, void *attach, int dir, struct span data, bool gap);
    /* The flow ends (or is evicted) while still attached: write what is known. */
    void (*on_close)(void *ctx, struct flow *f, void *attach, enum conn_reason reason);
    /* A datagram of a decided UDP flow (a tombstone until it idles out):
     * true when it opens a new connection on the same 4-tuple (a client
     * reusing its port), so the decided flow is forgotten and the datagram
     * opens a new flow, asked to `accept` like any first datagram. Must be
     * cheap for the late packets of the old connection: they cost only this
     * and a lookup. NULL: never. */
    bool (*reopens)(void *ctx, const struct flow *f, int dir, struct span payload);
    /* Frees what the attachment holds (buffers); called before the slot is
     * reused. `f` tells what kind of flow it was (f->meta.transport). */
    void (*on_detach)(void *ctx, const struct flow *f, void *attach);
};

struct flow_config {
    struct bufpool *pool;        /* out-of-order segments are copied here (the caller's) */
    uint32_t max_flows;          /* flow slots */
    uint32_t max_sessions;       /* attachment slots */
    uint64_t idle_timeout_us;    /* undecided flows idle this long are closed */
    uint64_t done_timeout_us;    /* decided flows are forgotten after this idle time */
};

struct flow_stats {
    uint64_t created;
    uint64_t evicted;            /* flows pushed out because the pool was full */
    uint64_t sessions_evicted;   /* attachments pushed out because their pool was full */
    uint64_t expired;            /* idle timeouts */
    uint64_t closed;             /* RST or FIN both ways */
    uint64_t active;             /* flows in the table now */
    uint64_t peak_active;
    uint64_t sessions_active;
    uint64_t peak_sessions;
    uint64_t packets_done;       /* packets of decided flows: lookup and counters only */
    uint64_t accepted;           /* flows the consumer accepted (given an attachment) */
    uint64_t rejected;           /* flows it turned away on their first bytes */
    uint64_t need_more;          /* flows it asked to see more of before answering */
    uint64_t reopened;           /* decided UDP flows a new connection on the same 4-tuple replaced */
    struct tcp_reasm_stats reasm;
};

struct flow_table;

/* Allocates the pools; NULL when memory is short. */
struct flow_table *flow_table_new(const struct flow_config *cfg, const struct flow_consumer *consumer);
void flow_table_free(struct flow_table *t);

/* Processes one decoded TCP segment or UDP datagram (p->udp).
 *
 * UDP flows share the table, the budget, the LRU and the timeouts of TCP
 * flows. A datagram is a message, not a piece of a stream: the sender of a
 * flow's first datagram is taken for the client, and the consumer's
 * `accept` is asked once, on that first datagram, whole (NEED_MORE counts as
 * REJECT: no byte is held). A rejected flow costs a lookup per datagram from
 * then on. An accepted flow's datagrams reach `on_data` one each, in capture
 * order (gap false), whatever their order on the wire; it ends by the
 * consumer's verdict, idle timeout, eviction or the end of input.
 * NEED_MORE asks to see the next datagram too, up to FLOW_UDP_ASKS of them,
 * then counts as REJECT; FLOW_ACCEPT_PEER_IS_CLIENT swaps the roles first. */
void flow_table_packet(struct flow_table *t, const struct pkt *p);

/* Closes every flow (end of input), delivering what is held. */
void flow_table_flush(struct flow_table *t, enum conn_reason reason);

/* Expires flows idle at time `now_us` (live capture with no traffic). */
void flow_table_expire(struct flow_table *t, uint64_t now_us);

const struct flow_stats *flow_table_stats(const struct flow_table *t);

/* Bytes the pools take at most (for the memory report). */
uint64_t flow_table_budget_bytes(const struct flow_table *t);

#endif
