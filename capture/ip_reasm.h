/* ip_reasm.h - IPv4 and IPv6 fragment reassembly in a fixed budget.
 *
 * The decoder hands every fragment it meets, at whatever IP layer (outer
 * header of a tunnel or the innermost one), to ip_reasm_add(). Fragments are
 * kept per datagram until the datagram is whole; then the whole IP packet is
 * rebuilt in one buffer and the decoder continues on it as if it had been
 * captured that way.
 *
 * Memory is taken once, by ip_reasm_new(): a fixed number of datagrams in
 * progress and a fixed byte budget cut into chunks. Nothing is allocated per
 * packet. When either runs out, the datagram in progress the longest is
 * evicted (counted). Datagrams not completed within the timeout, measured in
 * capture time, are dropped (counted).
 *
 * Rules (the receiver's, since we want what the receiving host saw):
 * - Key: source, destination, identification, and for IPv4 the protocol
 *   (RFC 791 section 3.2); IPv6 has no protocol in the key (RFC 8200 section
 *   4.5). The caller adds a context word (VLAN, tunnel) so that two tenants'
 *   equal addresses behind different tunnels never mix.
 * - Every fragment but the last carries a multiple of 8 bytes; a datagram may
 *   not exceed 65535 bytes (IPv4 total length, IPv6 payload length). A
 *   fragment breaking either is dropped and counted.
 * - IPv4 overlaps: the first copy of each byte wins, the way Linux and the
 *   BSDs keep what they already hold; overlaps are counted.
 * - IPv6 overlaps (RFC 5722): the whole datagram is dropped, and its later
 *   fragments too, until the timeout. An exact duplicate (every byte already
 *   held, and equal) is not an overlap (RFC 8200 section 4.5 allows this, and
 *   mirror ports duplicate frames).
 * - The reassembled packet's header is the first fragment's (offset 0): for
 *   IPv4 its header with the fragment fields cleared and the total length
 *   set; for IPv6 its unfragmentable part, with the Next Header byte that
 *   named the Fragment header set to the Fragment header's Next Header and
 *   the payload length set (RFC 8200 section 4.5).
 *
 * References: RFC 791 section 3.2 (IPv4 fragmentation), RFC 815 (hole
 * tracking; here a bitmap of 8-byte units), RFC 8200 section 4.5 (IPv6
 * fragments), RFC 5722 (overlapping IPv6 fragments), RFC 6946 (atomic
 * fragments, which the decoder never passes here).
 */
#ifndef TLSSCOPE_IP_REASM_H
#define TLSSCOPE_IP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

/* Defaults: 256 datagrams, 4 MiB, 30 s (Linux's ipfrag_time; RFC 8200
 * allows at most 60 s for IPv6, so one value serves both). */
#define IP_REASM_DEFAULT_DATAGRAMS 256u
#define IP_REASM_DEFAULT_BYTES (4u * 1024u * 1024u)
#define IP_REASM_DEFAULT_TIMEOUT_US (30u * 1000000u)

/* Bytes of the first fragment's header kept: an IPv4 header with options
 * (60), or an IPv6 header with the extension headers before the Fragment
 * header. A longer unfragmentable part is counted as too_big. */
#define IP_REASM_HEADER_MAX 256u

struct ip_reasm_config {
    uint32_t max_datagrams;   /* datagrams in progress at once (at least 1) */
    uint64_t max_bytes;       /* fragment data held at once (at least 64 KiB) */
    uint64_t timeout_us;      /* capture time from the first fragment */
};

/* Counters, reported by --stats under "ip_reasm". */
struct ip_reasm_stats {
    uint64_t fragments;       /* fragments handed in */
    uint64_t reassembled;     /* datagrams completed */
    uint64_t duplicates;      /* fragments whose every byte was already held, equal */
    uint64_t overlaps;        /* IPv4 fragments overlapping held bytes: first copy kept */
    uint64_t rfc5722_dropped; /* IPv6 datagrams dropped for an overlap */
    uint64_t late;            /* fragments of a datagram already dropped (RFC 5722) */
    uint64_t timeouts;        /* datagrams dropped incomplete after the timeout */
    uint64_t evicted;         /* datagrams dropped to make room */
    uint64_t too_big;         /* fragments past 65535 bytes, or a header longer than IP_REASM_HEADER_MAX */
    uint64_t malformed;       /* a non-last fragment not a multiple of 8, ends that disagree, or cut by the snaplen */
    uint64_t peak_datagrams;  /* most datagrams in progress at once */
};

/* One fragment, as the decoder found it. All spans are only read during the
 * call; they may point into the buffer a previous ip_reasm_add() returned. */
struct ip_reasm_frag {
    uint8_t version;          /* 4 or 6 */
    uint8_t proto;            /* IPv4: protocol; IPv6: the Fragment header's Next Header */
    uint32_t id;              /* IPv4: 16-bit identification; IPv6: 32-bit */
    uint32_t context;         /* the caller's layer (VLAN, tunnel): part of the key */
    uint8_t src[16], dst[16]; /* IPv4: first 4 bytes, rest zero */
    /* IPv4: the header with options; IPv6: the fixed header and extension
     * headers before the Fragment header. Used when offset is 0. */
    struct span header;
    /* IPv6: where, in `header`, the Next Header byte that named the Fragment
     * header is (6 for the fixed header). */
    size_t next_header_at;
    uint32_t offset;          /* in bytes */
    bool more;                /* M / MF flag */
    bool cut;                 /* the snaplen cut this fragment: unusable */
    struct span data;         /* the fragment's data */
};

enum ip_reasm_result {
    IP_REASM_HELD = 0,        /* kept (or a duplicate); the datagram is not whole yet */
    IP_REASM_DONE,            /* the datagram is whole: see `datagram` */
    IP_REASM_DROPPED,         /* not kept (counted by its reason) */
};

struct ip_reasm;

/* NULL when the configuration is out of range or memory is short. */
struct ip_reasm *ip_reasm_new(const struct ip_reasm_config *cfg);
void ip_reasm_free(struct ip_reasm *r);
void ip_reasm_defaults(struct ip_reasm_config *cfg);

/* Adds one fragment seen at capture time `now_us` (datagrams older than the
 * timeout are dropped first). On IP_REASM_DONE, *datagram is the whole IP
 * packet, header first, in a buffer of the reassembler's own: it stays valid
 * until the next ip_reasm_add() or ip_reasm_free(), which is until the next
 * frame is decoded (a fragment nested inside it may be passed back in: its
 * bytes are copied before the buffer is written). */
enum ip_reasm_result ip_reasm_add(struct ip_reasm *r, uint64_t now_us, const struct ip_reasm_frag *f,
                                  struct span *datagram);

/* Drops datagrams older than the timeout at `now_us`. ip_reasm_add() does
 * this itself; idle live captures call it too. */
void ip_reasm_expire(struct ip_reasm *r, uint64_t now_us);

const struct ip_reasm_stats *ip_reasm_stats(const struct ip_reasm *r);
uint32_t ip_reasm_in_progress(const struct ip_reasm *r);
uint64_t ip_reasm_bytes_held(const struct ip_reasm *r);

#endif
