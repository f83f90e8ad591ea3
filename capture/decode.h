/* decode.h - link layer, VLAN/MPLS, IPv4/IPv6 and TCP decoding.
 *
 * The decoder turns one captured frame into a `struct pkt`: the TCP segment's
 * endpoints, sequence numbers, flags and a span over its payload, which still
 * points into the capture buffer (zero-copy: valid only for the duration of
 * the packet callback). It never allocates and never prints; every frame it
 * cannot use increments exactly one named counter in `struct decode_stats`.
 *
 * Tunnels are taken apart, nested up to DECODE_MAX_TUNNELS deep, so that
 * `struct pkt` describes the innermost TCP connection; the outermost
 * encapsulation is kept in the pkt's tunnel_* fields.
 *
 * References: IEEE 802.1Q/802.1ad (VLAN, QinQ), RFC 3032 (MPLS label stack),
 * RFC 791 (IPv4, options), RFC 8200 (IPv6, extension headers), RFC 9293 (TCP),
 * tcpdump.org LINKTYPE_* list (DLT values, SLL, SLL2, NULL/LOOP); tunnels:
 * RFC 2784 and RFC 2890 (GRE, key and sequence number), draft-foschiano-erspan
 * (ERSPAN types I, II, III), RFC 7348 (VXLAN), draft-ietf-nvo3-vxlan-gpe,
 * RFC 8926 (Geneve), 3GPP TS 29.281 (GTP-U), RFC 2003, RFC 2473 and RFC 4213
 * (IPv4/IPv6 in IPv4/IPv6), RFC 2516 (PPPoE), RFC 5415 and RFC 5416 (CAPWAP
 * data channel, IEEE 802.11 binding). IP fragments: capture/ip_reasm.h.
 */
#ifndef TLSSCOPE_DECODE_H
#define TLSSCOPE_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/span.h"

/* libpcap DLT_* link types the decoder understands. */
enum {
    DECODE_LINK_NULL = 0,       /* BSD loopback, host-order AF_ value */
    DECODE_LINK_EN10MB = 1,     /* Ethernet */
    DECODE_LINK_PPP = 9,        /* PPP (RFC 1661), with or without HDLC address/control (RFC 1662) */
    DECODE_LINK_RAW = 101,      /* LINKTYPE_RAW: raw IPv4/IPv6 */
    DECODE_LINK_LOOP = 108,     /* OpenBSD loopback, network-order AF_ value */
    DECODE_LINK_LINUX_SLL = 113,
    DECODE_LINK_IPV4 = 228,
    DECODE_LINK_IPV6 = 229,
    DECODE_LINK_LINUX_SLL2 = 276,
    /* DLT_RAW as some platforms number it (12 or 14) is mapped by the caller
     * through pcap_datalink(); we accept both values. OpenBSD numbers DLT_LOOP
     * 12, so a 12 frame whose first byte is 0 (never the start of an IP
     * header) is decoded as LOOP. */
    DECODE_LINK_RAW_ALT1 = 12,
    DECODE_LINK_RAW_ALT2 = 14,
};

enum decode_result {
    DECODE_TCP = 0,        /* a TCP segment: pkt is filled */
    DECODE_SKIP,           /* not TCP or UDP (ARP, ICMP, ...) or an IP fragment */
    DECODE_TRUNCATED,      /* captured bytes end before a header we need */
    DECODE_MALFORMED,      /* a header is inconsistent with itself */
    DECODE_UNSUPPORTED,    /* link type, ethertype or tunnel we do not decode */
    DECODE_UDP,            /* a UDP datagram (not to a tunnel port): pkt is filled, no seq/ack/flags */
};
/* pkt's fields are meaningful only when decode_frame() returned DECODE_TCP
 * or DECODE_UDP. */

#define DECODE_MAX_VLANS 2

/* Encapsulations removed from one frame at most; a frame nested deeper is
 * counted as tunnel_too_deep. Real deployments stack two or three (ERSPAN
 * carrying VXLAN carrying a tenant's frame). */
#define DECODE_MAX_TUNNELS 4

/* pkt.tunnel_type: the outermost encapsulation. GRE carrying ERSPAN is
 * `ERSPAN`; VXLAN-GPE (UDP 4790) is `VXLAN`; IPv4 or IPv6 directly inside
 * IPv4 or IPv6 (protocol 4 or 41) is `IPIP`. PPPoE is a link layer, not a
 * tunnel (it has no outer IP header). */
enum decode_tunnel {
    DECODE_TUNNEL_NONE = 0,
    DECODE_TUNNEL_GRE,
    DECODE_TUNNEL_ERSPAN,
    DECODE_TUNNEL_VXLAN,
    DECODE_TUNNEL_GENEVE,
    DECODE_TUNNEL_IPIP,
    DECODE_TUNNEL_GTPU,
    DECODE_TUNNEL_CAPWAP,
};

struct pkt {
    uint64_t ts_us;             /* capture time, microseconds since the epoch */
    uint8_t ip_version;         /* 4 or 6 */
    /* Addresses in network order; an IPv4 address is the first 4 bytes, the
     * rest zero. */
    uint8_t src[16];
    uint8_t dst[16];
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t tcp_flags;          /* TCP_FIN.. below */
    bool udp;                   /* a UDP datagram (DECODE_UDP): payload is the whole datagram */
    /* 802.1Q/802.1ad VLAN ids (12-bit VID), outermost first. vlan_count is
     * how many are kept in vlan[] (never more than DECODE_MAX_VLANS);
     * vlan_more says the frame carried further tags that were not kept. */
    uint8_t vlan_count;
    bool vlan_more;
    uint16_t vlan[DECODE_MAX_VLANS];
    /* VLAN tags are kept as they are met, across tunnels: the tags of the
     * outer frame first, then those inside a tunnel's Ethernet payload. */

    /* The outermost tunnel, when at least one was removed (tunnel_depth >
     * 0): its type (enum decode_tunnel), the outer IP header's version and
     * addresses (same layout as src/dst), and its identifier when it has one:
     * the GRE key, ERSPAN session id (10 bits), VXLAN or Geneve VNI (24
     * bits), GTP-U TEID. ip_version/src/dst/ports above are the inner
     * connection's. */
    uint8_t tunnel_type;
    uint8_t tunnel_depth;       /* encapsulations removed, 0..DECODE_MAX_TUNNELS */
    uint8_t tunnel_ip_version;
    uint8_t tunnel_src[16];
    uint8_t tunnel_dst[16];
    bool tunnel_has_id;
    uint32_t tunnel_id;
    /* TCP payload (UDP: datagram payload) as captured. When the capture's
     * snaplen cut the frame, payload.n is less than payload_len (the length
     * the IP header, or UDP's own length, gives). */
    struct span payload;
    uint32_t payload_len;
    /* The innermost IP packet (header to end of datagram, as captured). */
    struct span l3;
};

enum {
    TCP_FIN = 0x01,
    TCP_SYN = 0x02,
    TCP_RST = 0x04,
    TCP_PSH = 0x08,
    TCP_ACK = 0x10,
};

/* Why frames were not turned into TCP segments; reported by the CLI at exit.
 * Every frame counts in `frames` and in exactly one outcome counter (tcp,
 * udp, not_tcp, truncated, bad_ip, bad_tcp, ip_fragments, unsupported_link,
 * bad_tunnel, tunnel_too_deep), so those sum to `frames`. payload_truncated
 * and tunnels are not outcomes: the first further counts the `tcp` frames
 * whose payload the snaplen cut, the second the frames (of any outcome) from
 * which at least one encapsulation was removed. */
struct decode_stats {
    uint64_t frames;
    uint64_t tcp;
    uint64_t udp;               /* UDP datagrams handed on (DECODE_UDP) */
    uint64_t not_tcp;           /* ARP, ICMP, other ethertypes... */
    uint64_t truncated;         /* snaplen or file cut a header short */
    uint64_t payload_truncated; /* headers fine, payload cut by snaplen */
    uint64_t bad_ip;            /* IPv4/IPv6 header inconsistent */
    uint64_t bad_tcp;           /* TCP header inconsistent */
    /* IPv4/IPv6 fragments that did not complete a datagram: held for
     * reassembly, or dropped (the reassembler's counters say why), or every
     * fragment without a reassembler (decode_frame()). The fragment that
     * completes one counts in the whole datagram's outcome instead. */
    uint64_t ip_fragments;
    /* Link type or encapsulation we do not decode: unknown DLT, PBB, a PPPoE
     * version after 1, CAPWAP fragments and A-MSDUs,
     * MPLS pseudowires, PPTP (GRE version 1) and RFC 1701 source-routed GRE,
     * a tunnel payload that is neither Ethernet nor IP, an unknown Geneve
     * version, or more stacked VLAN tags, MPLS labels, IPv6 extension
     * headers or GTP-U extension headers than the decoder walks. */
    uint64_t unsupported_link;
    /* A tunnel header inconsistent with itself or with the length around it
     * (GRE version, ERSPAN version, VXLAN without its I flag, GTP-U version,
     * a PPPoE session frame with a discovery code,
     * a UDP, GTP-U or option length that lies, an inner Ethernet header that
     * does not fit). */
    uint64_t bad_tunnel;
    uint64_t tunnel_too_deep;   /* more than DECODE_MAX_TUNNELS nested */
    uint64_t tunnels;           /* not an outcome: frames decapsulated */
};

/* Decode one frame of link type `linktype` (a DLT_ value). `wire_len` is the
 * frame's original length, `data`/`caplen` what was captured. wire_len is what
 * tells the two kinds of short apart: an IP or TCP length beyond the captured
 * bytes but within wire_len was cut by the snaplen (TRUNCATED, or for payload
 * bytes only payload_truncated); one beyond wire_len is a header that lies
 * (MALFORMED). `out` and `st` must not be NULL. */
enum decode_result decode_frame(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                                uint64_t ts_us, struct pkt *out, struct decode_stats *st);

/* decode_frame() with IP fragments reassembled by `reasm` (NULL: they are
 * only counted, as decode_frame() does). A fragment that completes its
 * datagram gives the result of the whole datagram, and then pkt's l3 and
 * payload point into the reassembler's buffer instead of `data`: valid until
 * the next call with the same `reasm` (the same lifetime as the frame's own
 * bytes in the engine: one packet callback). A fragment that does not
 * complete one is DECODE_SKIP, counted in ip_fragments; the reassembler
 * counts what became of it. */
struct ip_reasm;
enum decode_result decode_frame_reasm(struct ip_reasm *reasm, int linktype, const uint8_t *data, uint32_t caplen,
                                      uint32_t wire_len, uint64_t ts_us, struct pkt *out, struct decode_stats *st);

/* True when the decoder knows `linktype`. */
bool decode_link_supported(int linktype);

/* The tunnel type's name as network.tunnel.type writes it ("gre", "erspan",
 * "vxlan", "geneve", "ipip", "gtpu"); NULL for DECODE_TUNNEL_NONE or an
 * unknown value. */
const char *decode_tunnel_name(int tunnel_type);

#endif
