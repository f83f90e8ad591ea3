/* decode.c - link layer, VLAN/MPLS, IPv4/IPv6 and TCP decoding; see decode.h.
 *
 * References: tcpdump.org LINKTYPE_* list (Ethernet, SLL, SLL2, NULL, LOOP,
 * RAW), IEEE 802.1Q/802.1ad (VLAN tags, QinQ), RFC 3032 section 2.1 (MPLS
 * label stack entry), RFC 791 section 3.1 (IPv4 header), RFC 8200 sections
 * 3-4 (IPv6 header, extension headers), RFC 4302 section 2.2 (AH length),
 * RFC 6946 (atomic fragments), RFC 9293 section 3.1 (TCP header), RFC 768
 * (UDP). Tunnels: RFC 2784 section 2 and RFC 2890 section 2 (GRE header, key,
 * sequence number; RFC 1701's routing is not decoded), draft-foschiano-erspan
 * sections 4.1-4.3 (ERSPAN type I, II and III headers and the type III
 * platform-specific subheader), RFC 7348 section 5 (VXLAN),
 * draft-ietf-nvo3-vxlan-gpe section 3 (VXLAN-GPE next protocol), RFC 8926
 * section 3.4 (Geneve header and options), 3GPP TS 29.281 section 5 (GTP-U
 * header and extension headers), RFC 2003 / RFC 2473 / RFC 4213 (IP in IP),
 * RFC 2516 section 4 (PPPoE session stage), RFC 1661 section 2 (PPP
 * protocol field), RFC 5415 section 4.3 (CAPWAP header), RFC 5416 section 3
 * and IEEE 802.11-2020 section 9.3.2.1 (802.11 data frames in CAPWAP),
 * RFC 1042 (LLC/SNAP). Fragments go to capture/ip_reasm.c.
 *
 * A tunnel decoder reads its header, then calls decode_tunnel_enter(), then
 * decodes its payload with the same functions as the outer frame, through the
 * same `struct decode_layer`: the outer IP and UDP lengths keep bounding what
 * the inner headers may claim, and the snaplen's cut is still told apart
 * from a lie at every depth.
 *
 * Every byte is read through the span cursor. Each layer is a `struct
 * decode_layer`: the captured bytes plus how many more the frame had on the
 * wire, so a length field can be judged against both (see decode_need()).
 * The decoders return an internal outcome and decode_frame() alone turns it
 * into a result and one counter, which is how "exactly one outcome counter
 * per frame" holds by construction.
 */
#include "capture/decode.h"

#include "capture/ip_reasm.h"

#include <string.h>

/* Real networks stack two or three VLAN tags and a handful of MPLS labels;
 * the bounds keep a crafted frame of thousands of tags or extension headers
 * to a fixed amount of work. Frames beyond them are counted as unsupported,
 * not malformed: nothing in them is inconsistent, we just do not go deeper. */
#define DECODE_TAG_LIMIT 8
#define DECODE_MPLS_LIMIT 8
#define DECODE_IPV6_EXT_LIMIT 8

/* GTP-U extension headers are one or two in practice (PDU session
 * container, UDP port); the bound keeps a crafted chain short. */
#define DECODE_GTPU_EXT_LIMIT 8

#define DECODE_IPV4_HDR_LEN 20
#define DECODE_IPV6_HDR_LEN 40
#define DECODE_TCP_HDR_LEN 20
#define DECODE_UDP_HDR_LEN 8
#define DECODE_ETH_HDR_LEN 14
#define DECODE_IP_MAX_LEN 65535

enum {
    DECODE_ETHERTYPE_IPV4 = 0x0800,
    DECODE_ETHERTYPE_IPV6 = 0x86dd,
    DECODE_ETHERTYPE_VLAN = 0x8100,      /* 802.1Q C-tag */
    DECODE_ETHERTYPE_QINQ = 0x88a8,      /* 802.1ad S-tag */
    DECODE_ETHERTYPE_QINQ_OLD = 0x9100,  /* pre-802.1ad S-tag, still in use */
    DECODE_ETHERTYPE_MPLS = 0x8847,
    DECODE_ETHERTYPE_MPLS_MC = 0x8848,
    DECODE_ETHERTYPE_PPPOE_DISCOVERY = 0x8863,
    DECODE_ETHERTYPE_PPPOE = 0x8864,     /* PPPoE session: IP inside PPP */
    DECODE_ETHERTYPE_PBB = 0x88e7,       /* 802.1ah: a whole Ethernet frame inside */
    /* GRE protocol types are ethertypes; these three appear only there. */
    DECODE_ETHERTYPE_TEB = 0x6558,       /* transparent Ethernet bridging (also Geneve) */
    DECODE_ETHERTYPE_ERSPAN = 0x88be,    /* ERSPAN type II, or type I without S */
    DECODE_ETHERTYPE_ERSPAN3 = 0x22eb,   /* ERSPAN type III */
};

/* UDP destination ports of the tunnels we take apart (IANA service names
 * registry; 8472 is the Linux kernel's VXLAN default, older than 4789). Only
 * the destination port is looked at: the source port of VXLAN, Geneve and
 * GTP-U is a hash of the inner flow chosen for ECMP (RFC 7348 section 5,
 * RFC 8926 section 3.3), so it may be anything. */
enum {
    DECODE_PORT_GTPU = 2152,
    DECODE_PORT_VXLAN = 4789,
    DECODE_PORT_VXLAN_GPE = 4790,
    DECODE_PORT_GENEVE = 6081,
    DECODE_PORT_CAPWAP_DATA = 5247,
    DECODE_PORT_VXLAN_LINUX = 8472,
};

/* IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol
 * Numbers"). */
enum {
    DECODE_PROTO_HOPOPTS = 0,
    DECODE_PROTO_IPIP = 4,
    DECODE_PROTO_TCP = 6,
    DECODE_PROTO_UDP = 17,
    DECODE_PROTO_IPV6 = 41,
    DECODE_PROTO_ROUTING = 43,
    DECODE_PROTO_FRAGMENT = 44,
    DECODE_PROTO_GRE = 47,
    DECODE_PROTO_ESP = 50,
    DECODE_PROTO_AH = 51,
    DECODE_PROTO_NONE = 59,
    DECODE_PROTO_DSTOPTS = 60,
    DECODE_PROTO_MOBILITY = 135,
    DECODE_PROTO_HIP = 139,
    DECODE_PROTO_SHIM6 = 140,
};

/* Address family values in a NULL/LOOP header: AF_INET is 2 everywhere,
 * AF_INET6 differs per OS, and a capture file may come from any of them. */
enum {
    DECODE_AF_INET = 2,
    DECODE_AF_INET6_LINUX = 10,
    DECODE_AF_INET6_BSD = 24,     /* NetBSD, OpenBSD, BSD/OS */
    DECODE_AF_INET6_FREEBSD = 28,
    DECODE_AF_INET6_DARWIN = 30,
};

/* What a decoder concluded. NONE means "no verdict yet, keep going" and never
 * leaves this file; each other value maps to one result and one counter. */
enum decode_outcome {
    DECODE_OUTCOME_NONE = 0,
    DECODE_OUTCOME_TCP,
    DECODE_OUTCOME_UDP,
    DECODE_OUTCOME_NOT_TCP,
    DECODE_OUTCOME_FRAGMENT,
    DECODE_OUTCOME_TRUNCATED,
    DECODE_OUTCOME_BAD_IP,
    DECODE_OUTCOME_BAD_TCP,
    DECODE_OUTCOME_UNSUPPORTED,
    DECODE_OUTCOME_BAD_TUNNEL,
    DECODE_OUTCOME_TOO_DEEP,
};

/* One protocol layer: `s` is what was captured of it, `missing` how many of
 * its bytes the frame still had on the wire past the capture's end. A length
 * field that fits in s.n + missing but not in s.n was cut by the snaplen; one
 * that does not fit even then is a lie. */
struct decode_layer {
    struct span s;
    size_t missing;
    struct ip_reasm *reasm;     /* NULL: fragments are counted, not reassembled */
};

/* Need `k` more bytes of this layer. */
static enum decode_outcome decode_need(const struct decode_layer *l, size_t k, enum decode_outcome bad)
{
    if (k > l->s.n + l->missing)
        return bad;
    if (!span_has(&l->s, k))
        return DECODE_OUTCOME_TRUNCATED;
    return DECODE_OUTCOME_NONE;
}

/* Restrict the layer to the `declared` bytes its header gives it. This is
 * what drops Ethernet padding (and a trailing FCS) from the TCP payload: the
 * IP length, not the captured length, says where the datagram ends. */
static enum decode_outcome decode_bound(struct decode_layer *l, size_t declared, enum decode_outcome bad)
{
    if (declared > l->s.n + l->missing)
        return bad;
    if (declared <= l->s.n) {
        l->s = span_take(&l->s, declared);
        l->missing = 0;
    } else {
        l->missing = declared - l->s.n;
    }
    return DECODE_OUTCOME_NONE;
}

static void decode_copy(struct span *s, uint8_t *dst, size_t k)
{
    for (size_t i = 0; i < k; i++)
        dst[i] = span_u8(s);
}

static enum decode_outcome decode_tcp(struct decode_layer *l, struct pkt *out)
{
    /* The segment's length comes from the IP header, so a TCP header that
     * cannot fit in it is a bad TCP header whatever was captured. */
    size_t seg_len = l->s.n + l->missing;
    if (seg_len < DECODE_TCP_HDR_LEN)
        return DECODE_OUTCOME_BAD_TCP;

    struct span *s = &l->s;
    out->sport = span_u16(s);
    out->dport = span_u16(s);
    out->seq = span_u32(s);
    out->ack = span_u32(s);
    uint16_t off_flags = span_u16(s);
    span_skip(s, 6); /* window, checksum, urgent pointer */
    if (!span_ok(s))
        return DECODE_OUTCOME_TRUNCATED;

    size_t hdr_len = (size_t)(off_flags >> 12) * 4;
    /* CWR..FIN; the old NS bit (RFC 3540, historic) is dropped. */
    out->tcp_flags = (uint8_t)(off_flags & 0xff);
    if (hdr_len < DECODE_TCP_HDR_LEN)
        return DECODE_OUTCOME_BAD_TCP;
    enum decode_outcome o = decode_need(l, hdr_len - DECODE_TCP_HDR_LEN, DECODE_OUTCOME_BAD_TCP);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    span_skip(s, hdr_len - DECODE_TCP_HDR_LEN); /* options */

    out->payload = *s;
    out->payload_len = (uint32_t)(seg_len - hdr_len);
    return DECODE_OUTCOME_TCP;
}

/* The decoders below call one another through tunnels: an IP header leads
 * to GRE, which leads to Ethernet, which leads to IP again. The recursion is
 * bounded by DECODE_MAX_TUNNELS (decode_tunnel_enter()). */
static enum decode_outcome decode_ipv4(struct decode_layer *l, struct pkt *out);
static enum decode_outcome decode_ipv6(struct decode_layer *l, struct pkt *out);
static enum decode_outcome decode_ip(struct decode_layer *l, struct pkt *out);
static enum decode_outcome decode_ethertype(uint16_t ethertype, struct decode_layer *l, struct pkt *out);

/* Called once a tunnel header has been read whole, before its payload is
 * decoded. The first call records the outermost tunnel: the IP header just
 * decoded is the outer one, and the inner header is about to overwrite
 * ip_version/src/dst. The depth bound is what keeps a frame of tunnels
 * inside tunnels to a fixed amount of work and stack. */
static enum decode_outcome decode_tunnel_enter(struct pkt *out, uint8_t type, bool has_id, uint32_t id)
{
    if (out->tunnel_depth >= DECODE_MAX_TUNNELS)
        return DECODE_OUTCOME_TOO_DEEP;
    if (out->tunnel_depth == 0) {
        out->tunnel_type = type;
        out->tunnel_ip_version = out->ip_version;
        memcpy(out->tunnel_src, out->src, sizeof(out->tunnel_src));
        memcpy(out->tunnel_dst, out->dst, sizeof(out->tunnel_dst));
        out->tunnel_has_id = has_id;
        out->tunnel_id = id;
    }
    out->tunnel_depth++;
    return DECODE_OUTCOME_NONE;
}

/* An Ethernet frame carried by a tunnel (GRE 0x6558, ERSPAN, VXLAN, Geneve).
 * Its header must fit in what the outer lengths left: if not, the tunnel
 * lies. VLAN tags inside are recorded after the outer frame's. */
static enum decode_outcome decode_inner_ether(struct decode_layer *l, struct pkt *out)
{
    enum decode_outcome o = decode_need(l, DECODE_ETH_HDR_LEN, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    span_skip(&l->s, 12); /* destination, source MAC */
    uint16_t ethertype = span_u16(&l->s);
    return decode_ethertype(ethertype, l, out);
}

/* IP carried by a tunnel that does not say which version (GTP-U, ERSPAN III
 * with frame type IP): the first nibble does. Anything else (an Ethernet or
 * PPP PDU session in GTP-U) is not decoded. */
static enum decode_outcome decode_inner_ip(struct decode_layer *l, struct pkt *out)
{
    enum decode_outcome o = decode_need(l, 1, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    uint8_t b = 0;
    (void)span_peek(&l->s, 0, &b);
    if (b >> 4 != 4 && b >> 4 != 6)
        return DECODE_OUTCOME_UNSUPPORTED;
    return decode_ip(l, out);
}

/* ERSPAN (draft-foschiano-erspan). The T bit says the mirroring switch cut
 * the copied frame to fit the tunnel's MTU: the inner IP length then
 * legitimately exceeds what follows, as if a snaplen had cut it, so the
 * missing bytes are made room for instead of calling the length a lie. */
static void decode_erspan_truncated(struct decode_layer *l)
{
    if (l->missing < DECODE_IP_MAX_LEN)
        l->missing = DECODE_IP_MAX_LEN;
}

/* ERSPAN type II, after a GRE header with the S bit: 8 bytes, then the
 * mirrored Ethernet frame. */
static enum decode_outcome decode_erspan2(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    enum decode_outcome o = decode_need(l, 8, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    uint16_t ver_vlan = span_u16(s);   /* version 4 bits, original VLAN 12 */
    uint16_t cos_sess = span_u16(s);   /* COS 3, encapsulation 2, T 1, session id 10 */
    span_skip(s, 4);                   /* reserved 12, index 20 */
    if (ver_vlan >> 12 != 1)
        return DECODE_OUTCOME_BAD_TUNNEL;
    if (cos_sess & 0x0400)
        decode_erspan_truncated(l);
    o = decode_tunnel_enter(out, DECODE_TUNNEL_ERSPAN, true, cos_sess & 0x03ffu);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    return decode_inner_ether(l, out);
}

/* ERSPAN type III (GRE protocol 0x22eb): 12 bytes, 8 more of platform
 * specific subheader when O is set, then an Ethernet frame or an IP packet
 * as the frame type says. */
static enum decode_outcome decode_erspan3(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    enum decode_outcome o = decode_need(l, 12, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    uint16_t ver_vlan = span_u16(s);   /* version 4 bits, VLAN 12 */
    uint16_t cos_sess = span_u16(s);   /* COS 3, BSO 2, T 1, session id 10 */
    span_skip(s, 4);                   /* timestamp */
    span_skip(s, 2);                   /* security group tag */
    uint16_t bits = span_u16(s);       /* P 1, FT 5, hardware id 6, D 1, Gra 2, O 1 */
    if (ver_vlan >> 12 != 2)
        return DECODE_OUTCOME_BAD_TUNNEL;
    if (bits & 0x0001) {
        o = decode_need(l, 8, DECODE_OUTCOME_BAD_TUNNEL);
        if (o != DECODE_OUTCOME_NONE)
            return o;
        span_skip(s, 8); /* platform id 6 bits, platform-specific information */
    }
    unsigned frame_type = (bits >> 10) & 0x1f;
    if (frame_type != 0 && frame_type != 2)
        return DECODE_OUTCOME_UNSUPPORTED; /* reserved frame types */
    if (cos_sess & 0x0400)
        decode_erspan_truncated(l);
    o = decode_tunnel_enter(out, DECODE_TUNNEL_ERSPAN, true, cos_sess & 0x03ffu);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    return frame_type == 0 ? decode_inner_ether(l, out) : decode_inner_ip(l, out);
}

/* GRE (IP protocol 47): RFC 2784's 4-byte header, then checksum (C), key (K)
 * and sequence number (S) words as the flags say (RFC 2890). The protocol
 * type is an ethertype, so IP, VLAN and MPLS inside go through
 * decode_ethertype(). */
static enum decode_outcome decode_gre(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    enum decode_outcome o = decode_need(l, 4, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    uint16_t flags_ver = span_u16(s);
    uint16_t proto = span_u16(s);

    switch (flags_ver & 0x0007) {
    case 0:
        break;
    case 1:
        /* PPTP's enhanced GRE (RFC 2637): PPP inside, usually MPPE
         * encrypted; not decoded. */
        return DECODE_OUTCOME_UNSUPPORTED;
    default:
        return DECODE_OUTCOME_BAD_TUNNEL;
    }
    /* R (routing present), s (strict source route) and the recursion count
     * are RFC 1701's, which RFC 2784 dropped; a receiver that does not
     * implement RFC 1701 discards such packets. Bits 6-12 are ignored. */
    if (flags_ver & 0x4f00)
        return DECODE_OUTCOME_UNSUPPORTED;

    bool has_c = flags_ver & 0x8000, has_k = flags_ver & 0x2000, has_s = flags_ver & 0x1000;
    o = decode_need(l, (has_c ? 4u : 0u) + (has_k ? 4u : 0u) + (has_s ? 4u : 0u), DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    if (has_c)
        span_skip(s, 4); /* checksum (not verified), reserved1 */
    uint32_t key = has_k ? span_u32(s) : 0;
    if (has_s)
        span_skip(s, 4); /* sequence number */

    switch (proto) {
    case DECODE_ETHERTYPE_ERSPAN:
        /* Type II has a sequence number and its own header; type I has
         * neither, the mirrored frame follows GRE directly. */
        if (has_s)
            return decode_erspan2(l, out);
        o = decode_tunnel_enter(out, DECODE_TUNNEL_ERSPAN, has_k, key);
        if (o != DECODE_OUTCOME_NONE)
            return o;
        return decode_inner_ether(l, out);
    case DECODE_ETHERTYPE_ERSPAN3:
        return decode_erspan3(l, out);
    case DECODE_ETHERTYPE_TEB:
        /* NVGRE (RFC 7637) is this with the key holding VSID and FlowID. */
        o = decode_tunnel_enter(out, DECODE_TUNNEL_GRE, has_k, key);
        if (o != DECODE_OUTCOME_NONE)
            return o;
        return decode_inner_ether(l, out);
    default:
        o = decode_tunnel_enter(out, DECODE_TUNNEL_GRE, has_k, key);
        if (o != DECODE_OUTCOME_NONE)
            return o;
        return decode_ethertype(proto, l, out);
    }
}

/* VXLAN (RFC 7348) and VXLAN-GPE: 8 bytes with the I flag saying the VNI is
 * valid. Plain VXLAN always carries Ethernet; GPE (UDP 4790) names its
 * payload in the last byte of the first word when its P flag is set. */
static enum decode_outcome decode_vxlan(struct decode_layer *l, struct pkt *out, bool gpe)
{
    struct span *s = &l->s;
    enum decode_outcome o = decode_need(l, 8, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    uint8_t flags = span_u8(s);
    span_skip(s, 2);               /* reserved (VXLAN-GBP: group policy id) */
    uint8_t next = span_u8(s);     /* reserved; GPE: next protocol */
    uint32_t vni = span_u24(s);
    span_skip(s, 1);               /* reserved */
    if (!(flags & 0x08))
        return DECODE_OUTCOME_BAD_TUNNEL; /* no I flag: no VNI, receivers drop it */

    enum { GPE_IPV4 = 1, GPE_IPV6 = 2, GPE_ETHERNET = 3 };
    if (!gpe || !(flags & 0x04))
        next = GPE_ETHERNET;
    else if (flags & 0x30)
        return DECODE_OUTCOME_UNSUPPORTED; /* a GPE version after 0 */
    else if (flags & 0x01)
        return DECODE_OUTCOME_NOT_TCP; /* OAM packet */
    if (next != GPE_IPV4 && next != GPE_IPV6 && next != GPE_ETHERNET)
        return DECODE_OUTCOME_UNSUPPORTED; /* NSH, MPLS, ... */

    o = decode_tunnel_enter(out, DECODE_TUNNEL_VXLAN, true, vni);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    if (next == GPE_IPV4)
        return decode_ipv4(l, out);
    if (next == GPE_IPV6)
        return decode_ipv6(l, out);
    return decode_inner_ether(l, out);
}

/* Geneve (RFC 8926 section 3.4): 8 bytes, then Opt Len 4-byte words of
 * options, each a 4-byte header and Length 4-byte words of data. The options
 * must fill their area exactly, as any length-prefixed vector. */
static enum decode_outcome decode_geneve(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    enum decode_outcome o = decode_need(l, 8, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    uint8_t ver_optlen = span_u8(s);   /* version 2 bits, Opt Len 6 */
    span_skip(s, 1);                   /* O (control), C (critical options), reserved */
    uint16_t proto = span_u16(s);
    uint32_t vni = span_u24(s);
    span_skip(s, 1);                   /* reserved */
    if (ver_optlen >> 6 != 0)
        return DECODE_OUTCOME_UNSUPPORTED; /* "MUST be dropped": we cannot read it */

    size_t opt_len = (size_t)(ver_optlen & 0x3f) * 4;
    o = decode_need(l, opt_len, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    struct span opts = span_take(s, opt_len);
    /* Each option takes at least 4 bytes, so 63 steps cover 252 bytes. */
    for (int i = 0; i < 63 && opts.n > 0; i++) {
        span_skip(&opts, 3);           /* option class, type (C bit included) */
        uint8_t len = span_u8(&opts);  /* 3 reserved bits, length in 4-byte words */
        span_skip(&opts, (size_t)(len & 0x1f) * 4);
    }
    if (!span_done(&opts))
        return DECODE_OUTCOME_BAD_TUNNEL;

    if (proto != DECODE_ETHERTYPE_TEB && proto != DECODE_ETHERTYPE_IPV4 && proto != DECODE_ETHERTYPE_IPV6)
        return DECODE_OUTCOME_UNSUPPORTED;
    o = decode_tunnel_enter(out, DECODE_TUNNEL_GENEVE, true, vni);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    if (proto == DECODE_ETHERTYPE_TEB)
        return decode_inner_ether(l, out);
    return decode_ethertype(proto, l, out);
}

/* GTP-U (3GPP TS 29.281 section 5): an 8-byte header whose length counts
 * what follows it, 4 more bytes when any of E, S, PN is set, then (with E)
 * a chain of extension headers, each a length in 4-byte words, content, and
 * the next type in its last byte. Only G-PDUs carry user traffic. */
static enum decode_outcome decode_gtpu(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    enum decode_outcome o = decode_need(l, 8, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    uint8_t flags = span_u8(s);    /* version 3 bits, PT, spare, E, S, PN */
    uint8_t msg_type = span_u8(s);
    uint16_t len = span_u16(s);
    uint32_t teid = span_u32(s);
    if (flags >> 5 != 1)
        return DECODE_OUTCOME_BAD_TUNNEL; /* only version 1 runs on UDP 2152 */
    if (!(flags & 0x10) || msg_type != 0xff)
        return DECODE_OUTCOME_NOT_TCP; /* GTP' (charging), echo, error indication, end marker */
    o = decode_bound(l, len, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;

    if (flags & 0x07) {
        o = decode_need(l, 4, DECODE_OUTCOME_BAD_TUNNEL);
        if (o != DECODE_OUTCOME_NONE)
            return o;
        span_skip(s, 3);               /* sequence number, N-PDU number */
        uint8_t next = span_u8(s);     /* meaningful only with E */
        if (!(flags & 0x04))
            next = 0;
        for (int i = 0; next != 0; i++) {
            if (i == DECODE_GTPU_EXT_LIMIT)
                return DECODE_OUTCOME_UNSUPPORTED;
            o = decode_need(l, 1, DECODE_OUTCOME_BAD_TUNNEL);
            if (o != DECODE_OUTCOME_NONE)
                return o;
            size_t ext_len = (size_t)span_u8(s) * 4;
            if (ext_len == 0)
                return DECODE_OUTCOME_BAD_TUNNEL; /* would never advance */
            o = decode_need(l, ext_len - 1, DECODE_OUTCOME_BAD_TUNNEL);
            if (o != DECODE_OUTCOME_NONE)
                return o;
            span_skip(s, ext_len - 2); /* content */
            next = span_u8(s);
        }
    }
    o = decode_tunnel_enter(out, DECODE_TUNNEL_GTPU, true, teid);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    return decode_inner_ip(l, out);
}

/* A datagram that is no tunnel is handed on as UDP (QUIC and DTLS are told
 * from its first bytes later, on any port). Its own length bounds the
 * payload, as the IP length bounds TCP's; one that lies, or one shorter than
 * the header, makes the datagram unusable (not_tcp: nothing of it is read). */
static enum decode_outcome decode_udp_datagram(struct decode_layer *l, struct pkt *out, uint16_t sport,
                                               uint16_t dport, uint16_t udp_len)
{
    if (udp_len < DECODE_UDP_HDR_LEN || decode_bound(l, udp_len - DECODE_UDP_HDR_LEN, DECODE_OUTCOME_NOT_TCP) !=
                                            DECODE_OUTCOME_NONE)
        return DECODE_OUTCOME_NOT_TCP;
    out->udp = true;
    out->sport = sport;
    out->dport = dport;
    out->payload = l->s;
    out->payload_len = (uint32_t)(udp_len - DECODE_UDP_HDR_LEN);
    return DECODE_OUTCOME_UDP;
}

/* An IEEE 802.11 data frame (IEEE 802.11-2020 section 9.3.2.1) as a
 * CAPWAP WTP forwards it (RFC 5416 section 3): a 24-byte MAC header, a
 * fourth address when both To DS and From DS are set, QoS control in QoS
 * subtypes, HT control with +HTC/Order in those, then the RFC 1042 LLC/SNAP
 * header (or 802.1H's) giving the ethertype. */
static enum decode_outcome decode_ieee80211(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    enum decode_outcome o = decode_need(l, 24, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    uint8_t fc0 = span_u8(s);          /* subtype 4 bits, type 2, protocol version 2 */
    uint8_t fc1 = span_u8(s);          /* flags: To DS, From DS, ..., Protected, +HTC/Order */
    span_skip(s, 22);                  /* duration, addresses 1-3, sequence control */
    if ((fc0 & 0x03) != 0)
        return DECODE_OUTCOME_UNSUPPORTED; /* a protocol version after 0 */
    if (((fc0 >> 2) & 0x03) != 2 || (fc0 & 0x40))
        return DECODE_OUTCOME_NOT_TCP; /* management, control, or a data subtype with no data */
    if (fc1 & 0x40)
        return DECODE_OUTCOME_NOT_TCP; /* protected: encrypted before it reached the tunnel */
    bool qos = fc0 & 0x80;
    size_t more = ((fc1 & 0x03) == 0x03 ? 6u : 0u) + (qos ? 2u : 0u) + (qos && (fc1 & 0x80) ? 4u : 0u);
    o = decode_need(l, more + 8, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    if ((fc1 & 0x03) == 0x03)
        span_skip(s, 6);               /* address 4 */
    if (qos) {
        uint8_t qos0 = span_u8(s);
        span_skip(s, 1);
        if (qos0 & 0x80)
            return DECODE_OUTCOME_UNSUPPORTED; /* an A-MSDU: several frames, not decoded */
        if (fc1 & 0x80)
            span_skip(s, 4);           /* HT control */
    }
    uint32_t llc = span_u24(s);        /* DSAP, SSAP, control: SNAP, UI */
    uint32_t oui = span_u24(s);        /* 0 (RFC 1042) or 00-00-f8 (802.1H) */
    uint16_t ethertype = span_u16(s);
    if (llc != 0xaaaa03 || (oui != 0 && oui != 0x0000f8))
        return DECODE_OUTCOME_NOT_TCP; /* not an encapsulated Ethernet protocol */
    return decode_ethertype(ethertype, l, out);
}

/* CAPWAP data channel (RFC 5415 section 4.3 header, RFC 5416 for IEEE
 * 802.11): UDP port 5247 at the access controller, so the source port on
 * the way back. Port alone is weak evidence (5247 may be any client's
 * ephemeral port), so, like Wireshark's dissector but stricter, the header
 * is decapsulated only when its fields hold: preamble version 0 and type 0
 * (type 1 is a DTLS-protected channel), HLEN at least 2 words and inside the
 * datagram, reserved flags zero, L only with F, a zero fragment offset
 * without F, the optional Radio MAC and Wireless Specific Information inside
 * HLEN, and a native frame (T) only with the IEEE 802.11 binding. Otherwise
 * the datagram stays plain UDP (NONE). CAPWAP's own fragments (F) are not
 * reassembled; keep-alives (K) carry no frame. */
static enum decode_outcome decode_capwap(struct decode_layer *l, struct pkt *out, uint16_t udp_len)
{
    enum { CAPWAP_WBID_IEEE80211 = 1 };
    struct decode_layer c = *l;
    if (udp_len < DECODE_UDP_HDR_LEN ||
        decode_bound(&c, udp_len - DECODE_UDP_HDR_LEN, DECODE_OUTCOME_BAD_TUNNEL) != DECODE_OUTCOME_NONE)
        return DECODE_OUTCOME_NONE;
    struct span h = c.s;
    uint8_t preamble = span_u8(&h);
    uint32_t bits = span_u24(&h);       /* HLEN 5, RID 5, WBID 5, T F L W M K, flags 3 */
    span_skip(&h, 2);                   /* fragment id */
    uint16_t frag_off = span_u16(&h);   /* offset 13 bits, reserved 3 */
    if (!span_ok(&h))
        return DECODE_OUTCOME_NONE;
    size_t hlen = (size_t)(bits >> 19) * 4;
    uint8_t wbid = (uint8_t)((bits >> 9) & 0x1f);
    bool t = bits & 0x100, f = bits & 0x80, last = bits & 0x40, w = bits & 0x20, m = bits & 0x10, k = bits & 0x08;
    if (preamble != 0 || hlen < 8 || hlen > c.s.n + c.missing || (bits & 0x07) || (frag_off & 0x07) ||
        (last && !f) || (!f && frag_off != 0) || (t && wbid != CAPWAP_WBID_IEEE80211))
        return DECODE_OUTCOME_NONE;
    /* Radio MAC (length 6 or 8) and Wireless Specific Information, each a
     * length byte and data padded to 4 bytes, all inside HLEN. */
    size_t used = 8;
    for (int opt = 0; opt < 2; opt++) {
        if (!(opt == 0 ? m : w))
            continue;
        uint8_t len;
        if (!span_peek(&c.s, used, &len) || (opt == 0 && len != 6 && len != 8))
            return DECODE_OUTCOME_NONE;
        used += ((size_t)len + 1 + 3) / 4 * 4;
    }
    if (used > hlen)
        return DECODE_OUTCOME_NONE;

    /* The header holds: from here on this is CAPWAP. */
    *l = c;
    if (f)
        return DECODE_OUTCOME_UNSUPPORTED;
    if (k)
        return DECODE_OUTCOME_NOT_TCP;
    enum decode_outcome o = decode_need(l, hlen, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    span_skip(&l->s, hlen);
    o = decode_tunnel_enter(out, DECODE_TUNNEL_CAPWAP, false, 0);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    return t ? decode_ieee80211(l, out) : decode_inner_ether(l, out);
}

/* UDP: a datagram to a tunnel port is looked into; once it is a tunnel, the
 * UDP length bounds it as the IP length bounds TCP (a length that lies makes
 * the tunnel bad). */
static enum decode_outcome decode_udp(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    enum decode_outcome o = decode_need(l, DECODE_UDP_HDR_LEN, DECODE_OUTCOME_NOT_TCP);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    uint16_t sport = span_u16(s); /* for tunnels an entropy hash */
    uint16_t dport = span_u16(s);
    uint16_t udp_len = span_u16(s);
    span_skip(s, 2); /* checksum */

    if (dport == DECODE_PORT_CAPWAP_DATA || sport == DECODE_PORT_CAPWAP_DATA) {
        o = decode_capwap(l, out, udp_len);
        if (o != DECODE_OUTCOME_NONE)
            return o;
    }
    switch (dport) {
    case DECODE_PORT_VXLAN:
    case DECODE_PORT_VXLAN_LINUX:
    case DECODE_PORT_VXLAN_GPE:
    case DECODE_PORT_GENEVE:
    case DECODE_PORT_GTPU:
        break;
    default:
        return decode_udp_datagram(l, out, sport, dport, udp_len); /* DNS, QUIC, DTLS, ... */
    }
    if (udp_len < DECODE_UDP_HDR_LEN)
        return DECODE_OUTCOME_BAD_TUNNEL;
    o = decode_bound(l, udp_len - DECODE_UDP_HDR_LEN, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;

    switch (dport) {
    case DECODE_PORT_VXLAN:
    case DECODE_PORT_VXLAN_LINUX:
        return decode_vxlan(l, out, false);
    case DECODE_PORT_VXLAN_GPE:
        return decode_vxlan(l, out, true);
    case DECODE_PORT_GENEVE:
        return decode_geneve(l, out);
    default:
        return decode_gtpu(l, out);
    }
}

/* The IP payload dispatcher, by protocol number (IPv6: the next header after
 * the extension headers). */
static enum decode_outcome decode_ip_payload(uint8_t proto, struct decode_layer *l, struct pkt *out)
{
    enum decode_outcome o;
    switch (proto) {
    case DECODE_PROTO_TCP:
        return decode_tcp(l, out);
    case DECODE_PROTO_UDP:
        return decode_udp(l, out);
    case DECODE_PROTO_GRE:
        return decode_gre(l, out);
    case DECODE_PROTO_IPIP:
        /* RFC 2003 (in IPv4), RFC 2473 (in IPv6): no header of its own. */
        o = decode_tunnel_enter(out, DECODE_TUNNEL_IPIP, false, 0);
        return o != DECODE_OUTCOME_NONE ? o : decode_ipv4(l, out);
    case DECODE_PROTO_IPV6:
        /* 6in4 (RFC 4213), or IPv6 in IPv6 (RFC 2473). */
        o = decode_tunnel_enter(out, DECODE_TUNNEL_IPIP, false, 0);
        return o != DECODE_OUTCOME_NONE ? o : decode_ipv6(l, out);
    default:
        /* ICMP, ESP, SCTP, ... */
        return DECODE_OUTCOME_NOT_TCP;
    }
}

/* The layer a fragment was met at, as part of its reassembly key: the
 * VLAN tags and the tunnel around it keep two tenants' equal addresses (and
 * the same packet mirrored through two sessions) apart. */
static uint32_t decode_fragment_context(const struct pkt *out)
{
    uint32_t vlans = (uint32_t)out->vlan_count << 28 ^ (uint32_t)out->vlan[0] << 12 ^ out->vlan[1];
    return vlans ^ (uint32_t)out->tunnel_depth << 24 ^ out->tunnel_id * 2654435761u;
}

/* A fragment goes to the reassembler; when it completes its datagram, the
 * whole packet is decoded in its place, from its IP header on, through the
 * same functions (so a fragmented outer header of a tunnel leads on to the
 * tunnel, and an inner fragment inside it is reassembled at its own
 * layer). The reassembled packet has no fragment fields left, so this
 * recursion happens once per IP layer. Snaplen-cut fragments cannot be
 * used (the reassembler counts them). */
static enum decode_outcome decode_fragment(struct decode_layer *l, struct pkt *out, struct ip_reasm_frag *f)
{
    if (!l->reasm)
        return DECODE_OUTCOME_FRAGMENT;
    f->context = decode_fragment_context(out);
    f->cut = l->missing > 0 || f->header.bad;
    memcpy(f->src, out->src, sizeof(f->src));
    memcpy(f->dst, out->dst, sizeof(f->dst));
    struct span whole;
    if (ip_reasm_add(l->reasm, out->ts_us, f, &whole) != IP_REASM_DONE)
        return DECODE_OUTCOME_FRAGMENT;
    struct decode_layer inner = { whole, 0, l->reasm };
    return f->version == 4 ? decode_ipv4(&inner, out) : decode_ipv6(&inner, out);
}

static enum decode_outcome decode_ipv4(struct decode_layer *l, struct pkt *out)
{
    /* Read the fixed header from a copy: the datagram's bounds are set from
     * its first byte once total length is known. */
    struct span h = l->s;
    uint8_t ver_ihl = span_u8(&h);
    span_skip(&h, 1); /* DSCP/ECN */
    uint16_t total_len = span_u16(&h);
    span_skip(&h, 2); /* identification: read below, for fragments only */
    uint16_t frag = span_u16(&h);
    span_skip(&h, 1); /* TTL */
    uint8_t proto = span_u8(&h);
    span_skip(&h, 2); /* checksum: not verified, checksum offload leaves it
                       * unset on packets captured on the sending host */
    /* An IPv4 address fills 4 of the 16 bytes; the rest must be zero even
     * when an outer IPv6 header of a tunnel filled them before. */
    memset(out->src, 0, sizeof(out->src));
    memset(out->dst, 0, sizeof(out->dst));
    decode_copy(&h, out->src, 4);
    decode_copy(&h, out->dst, 4);
    if (!span_ok(&h))
        return DECODE_OUTCOME_TRUNCATED;

    size_t hdr_len = (size_t)(ver_ihl & 0x0f) * 4;
    if (ver_ihl >> 4 != 4 || hdr_len < DECODE_IPV4_HDR_LEN || total_len < hdr_len)
        return DECODE_OUTCOME_BAD_IP;
    out->ip_version = 4;
    enum decode_outcome o = decode_bound(l, total_len, DECODE_OUTCOME_BAD_IP);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    /* The (innermost) IP packet as captured, for the application classifier. */
    out->l3 = l->s;

    /* MF set or a fragment offset: the one test an unfragmented packet
     * pays. A fragment's payload is never decoded on its own (even a first
     * fragment's TCP payload would reach the flow table incomplete). */
    if (frag & 0x3fff) {
        struct span id = l->s;
        span_skip(&id, 4);
        struct ip_reasm_frag f = { .version = 4, .proto = proto, .id = span_u16(&id),
                                   .offset = (uint32_t)(frag & 0x1fff) * 8, .more = frag & 0x2000 };
        struct span rest = l->s;
        f.header = span_take(&rest, hdr_len);
        f.data = rest;
        return decode_fragment(l, out, &f);
    }

    o = decode_need(l, hdr_len, DECODE_OUTCOME_BAD_IP);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    span_skip(&l->s, hdr_len); /* fixed header and options */
    return decode_ip_payload(proto, l, out);
}

static enum decode_outcome decode_ipv6(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    const uint8_t *start = s->p;
    uint32_t ver_tc_flow = span_u32(s);
    uint16_t payload_len = span_u16(s);
    uint8_t next = span_u8(s);
    span_skip(s, 1); /* hop limit */
    decode_copy(s, out->src, 16);
    decode_copy(s, out->dst, 16);
    if (!span_ok(s))
        return DECODE_OUTCOME_TRUNCATED;

    /* Payload length 0 means a jumbogram (RFC 2675), which never crosses a
     * link we capture from; GSO super-packets seen on the sending host also
     * carry 0. Neither says where the TCP payload ends. */
    if (ver_tc_flow >> 28 != 6 || payload_len == 0)
        return DECODE_OUTCOME_BAD_IP;
    out->ip_version = 6;
    enum decode_outcome o = decode_bound(l, payload_len, DECODE_OUTCOME_BAD_IP);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    out->l3 = span_make(start, DECODE_IPV6_HDR_LEN + s->n);

    /* Where the Next Header byte naming the current header is: a
     * reassembled packet's unfragmentable part has that byte rewritten. */
    size_t next_at = 6;
    for (int i = 0; i < DECODE_IPV6_EXT_LIMIT; i++) {
        size_t ext_len;
        switch (next) {
        case DECODE_PROTO_HOPOPTS:
        case DECODE_PROTO_ROUTING:
        case DECODE_PROTO_DSTOPTS:
        case DECODE_PROTO_MOBILITY:
        case DECODE_PROTO_HIP:
        case DECODE_PROTO_SHIM6:
        case DECODE_PROTO_AH:
        case DECODE_PROTO_FRAGMENT:
            break;
        case DECODE_PROTO_ESP:  /* encrypted: whatever follows is opaque */
        case DECODE_PROTO_NONE:
            return DECODE_OUTCOME_NOT_TCP;
        default:
            return decode_ip_payload(next, l, out);
        }

        /* Every extension header starts with next header and a length byte
         * (RFC 8200 section 4, and RFC 7045's uniform format). */
        o = decode_need(l, 2, DECODE_OUTCOME_BAD_IP);
        if (o != DECODE_OUTCOME_NONE)
            return o;
        uint8_t this_hdr = next;
        size_t this_at = (size_t)(s->p - start);
        next = span_u8(s);
        uint8_t len_field = span_u8(s);

        if (this_hdr == DECODE_PROTO_FRAGMENT) {
            /* Fixed 8 bytes; the length byte is reserved. */
            o = decode_need(l, 6, DECODE_OUTCOME_BAD_IP);
            if (o != DECODE_OUTCOME_NONE)
                return o;
            uint16_t off_m = span_u16(s);
            uint32_t id = span_u32(s);
            /* Offset 0 without M is an atomic fragment (RFC 6946): the whole
             * packet, to be processed as if it had no fragment header. */
            if (off_m & 0xfff9) {
                /* Unfragmentable part: everything before this header. */
                struct ip_reasm_frag f = { .version = 6, .proto = next, .id = id, .next_header_at = next_at,
                                           .header = span_make(start, this_at), .offset = off_m & 0xfff8u,
                                           .more = off_m & 1, .data = *s };
                return decode_fragment(l, out, &f);
            }
            next_at = this_at;
            continue;
        }
        if (this_hdr == DECODE_PROTO_AH)
            ext_len = ((size_t)len_field + 2) * 4; /* 4-octet units, minus 2 */
        else
            ext_len = ((size_t)len_field + 1) * 8; /* 8-octet units, not counting the first */
        o = decode_need(l, ext_len - 2, DECODE_OUTCOME_BAD_IP);
        if (o != DECODE_OUTCOME_NONE)
            return o;
        span_skip(s, ext_len - 2);
        next_at = this_at;
    }
    return DECODE_OUTCOME_UNSUPPORTED;
}

/* Dispatch on the version nibble: raw IP link types and MPLS have no other
 * way to tell IPv4 from IPv6. */
static enum decode_outcome decode_ip(struct decode_layer *l, struct pkt *out)
{
    uint8_t b;
    if (!span_peek(&l->s, 0, &b))
        return DECODE_OUTCOME_TRUNCATED;
    switch (b >> 4) {
    case 4:
        return decode_ipv4(l, out);
    case 6:
        return decode_ipv6(l, out);
    default:
        return DECODE_OUTCOME_BAD_IP;
    }
}

/* RFC 3032: a stack of 4-byte entries, the last with the bottom-of-stack bit.
 * Nothing says what follows it; like tcpdump and Wireshark we guess from the
 * first nibble. An Ethernet pseudowire (control word starting with nibble 0,
 * or a bare MAC address) is not decoded. */
static enum decode_outcome decode_mpls(struct decode_layer *l, struct pkt *out)
{
    for (int i = 0; i < DECODE_MPLS_LIMIT; i++) {
        uint32_t entry = span_u32(&l->s);
        if (!span_ok(&l->s))
            return DECODE_OUTCOME_TRUNCATED;
        if (entry & 0x100) {
            uint8_t b;
            if (!span_peek(&l->s, 0, &b))
                return DECODE_OUTCOME_TRUNCATED;
            if (b >> 4 == 4 || b >> 4 == 6)
                return decode_ip(l, out);
            return DECODE_OUTCOME_UNSUPPORTED;
        }
    }
    return DECODE_OUTCOME_UNSUPPORTED;
}

/* PPP protocol numbers (IANA "PPP DLL Protocol Numbers"). */
enum {
    DECODE_PPP_IPV4 = 0x0021,
    DECODE_PPP_IPV6 = 0x0057,
};

/* The PPP protocol field (RFC 1661 section 2) and what follows it. A link
 * that negotiated Protocol-Field-Compression sends one byte: protocol
 * numbers have an odd last byte and an even first, so an odd first byte is a
 * compressed field. Only IP is decoded. */
static enum decode_outcome decode_ppp_payload(struct decode_layer *l, struct pkt *out)
{
    uint8_t b = 0;
    uint16_t proto;
    if (span_peek(&l->s, 0, &b) && (b & 1))
        proto = span_u8(&l->s);
    else
        proto = span_u16(&l->s);
    if (!span_ok(&l->s))
        return DECODE_OUTCOME_TRUNCATED;
    switch (proto) {
    case DECODE_PPP_IPV4:
        return decode_ipv4(l, out);
    case DECODE_PPP_IPV6:
        return decode_ipv6(l, out);
    default:
        return DECODE_OUTCOME_NOT_TCP; /* LCP, IPCP, ... */
    }
}

/* DLT_PPP: an optional HDLC-like address and control (0xff 0x03, RFC 1662
 * 3.1; links that negotiated their compression leave it out), then the
 * protocol field. */
static enum decode_outcome decode_ppp(struct decode_layer *l, struct pkt *out)
{
    uint8_t b = 0;
    if (span_peek(&l->s, 0, &b) && b == 0xff)
        span_skip(&l->s, 2);
    return decode_ppp_payload(l, out);
}

/* PPPoE session stage (RFC 2516 section 4): version 1, type 1, code 0, a
 * session id and the length of the PPP frame that follows, which starts
 * with the protocol field (PPPoE carries no HDLC address and control bytes).
 * The length bounds the PPP frame as the IP length bounds a datagram, which
 * drops Ethernet padding. */
static enum decode_outcome decode_pppoe(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    uint8_t ver_type = span_u8(s);
    uint8_t code = span_u8(s);
    span_skip(s, 2); /* session id */
    uint16_t len = span_u16(s);
    if (!span_ok(s))
        return DECODE_OUTCOME_TRUNCATED;
    if (ver_type != 0x11)
        return DECODE_OUTCOME_UNSUPPORTED; /* a later version we cannot read */
    if (code != 0)
        return DECODE_OUTCOME_BAD_TUNNEL; /* discovery codes belong to 0x8863 */
    enum decode_outcome o = decode_bound(l, len, DECODE_OUTCOME_BAD_TUNNEL);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    return decode_ppp_payload(l, out);
}

/* From an ethertype on: VLAN tags, MPLS, IP. Shared by Ethernet and both SLL
 * versions (SLL keeps a VLAN tag in the frame when the NIC did not strip it). */
static enum decode_outcome decode_ethertype(uint16_t ethertype, struct decode_layer *l, struct pkt *out)
{
    for (int tags = 0;; tags++) {
        switch (ethertype) {
        case DECODE_ETHERTYPE_VLAN:
        case DECODE_ETHERTYPE_QINQ:
        case DECODE_ETHERTYPE_QINQ_OLD: {
            if (tags == DECODE_TAG_LIMIT)
                return DECODE_OUTCOME_UNSUPPORTED;
            uint16_t tci = span_u16(&l->s);
            ethertype = span_u16(&l->s);
            if (!span_ok(&l->s))
                return DECODE_OUTCOME_TRUNCATED;
            if (out->vlan_count < DECODE_MAX_VLANS)
                out->vlan[out->vlan_count++] = tci & 0x0fff; /* drop PCP and DEI */
            else
                out->vlan_more = true;
            continue;
        }
        case DECODE_ETHERTYPE_MPLS:
        case DECODE_ETHERTYPE_MPLS_MC:
            return decode_mpls(l, out);
        case DECODE_ETHERTYPE_IPV4:
            return decode_ipv4(l, out);
        case DECODE_ETHERTYPE_IPV6:
            return decode_ipv6(l, out);
        case DECODE_ETHERTYPE_PPPOE:
            return decode_pppoe(l, out);
        case DECODE_ETHERTYPE_PPPOE_DISCOVERY:
            return DECODE_OUTCOME_NOT_TCP; /* PADI, PADO, ...: no IP inside */
        case DECODE_ETHERTYPE_PBB:
            return DECODE_OUTCOME_UNSUPPORTED;
        default:
            /* ARP, LLDP, an 802.3 length field (<= 1500), ... */
            return DECODE_OUTCOME_NOT_TCP;
        }
    }
}

static enum decode_outcome decode_af(uint32_t af, struct decode_layer *l, struct pkt *out)
{
    switch (af) {
    case DECODE_AF_INET:
        return decode_ipv4(l, out);
    case DECODE_AF_INET6_LINUX:
    case DECODE_AF_INET6_BSD:
    case DECODE_AF_INET6_FREEBSD:
    case DECODE_AF_INET6_DARWIN:
        return decode_ipv6(l, out);
    default:
        return DECODE_OUTCOME_NOT_TCP;
    }
}

static enum decode_outcome decode_link(int linktype, struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
    uint16_t ethertype;
    uint32_t af;

    switch (linktype) {
    case DECODE_LINK_EN10MB:
        span_skip(s, 12); /* destination, source MAC */
        ethertype = span_u16(s);
        if (!span_ok(s))
            return DECODE_OUTCOME_TRUNCATED;
        return decode_ethertype(ethertype, l, out);

    case DECODE_LINK_LINUX_SLL:
        /* packet type, ARPHRD type, address length, 8-byte address */
        span_skip(s, 14);
        ethertype = span_u16(s);
        if (!span_ok(s))
            return DECODE_OUTCOME_TRUNCATED;
        return decode_ethertype(ethertype, l, out);

    case DECODE_LINK_LINUX_SLL2:
        ethertype = span_u16(s);
        /* reserved, interface index, ARPHRD type, packet type, address
         * length, 8-byte address */
        span_skip(s, 18);
        if (!span_ok(s))
            return DECODE_OUTCOME_TRUNCATED;
        return decode_ethertype(ethertype, l, out);

    case DECODE_LINK_NULL:
        /* The writer's host order, which need not be ours: a value with
         * high bits set was written by a host of the other byte order. */
        af = span_u32le(s);
        if (!span_ok(s))
            return DECODE_OUTCOME_TRUNCATED;
        if (af & 0xffff0000u)
            af = (af >> 24) | ((af >> 8) & 0xff00u) | ((af << 8) & 0xff0000u) | (af << 24);
        return decode_af(af, l, out);

    case DECODE_LINK_LOOP:
        af = span_u32(s);
        if (!span_ok(s))
            return DECODE_OUTCOME_TRUNCATED;
        return decode_af(af, l, out);

    case DECODE_LINK_RAW_ALT1: {
        uint8_t b;
        if (span_peek(s, 0, &b) && b == 0)
            return decode_link(DECODE_LINK_LOOP, l, out);
        return decode_ip(l, out);
    }
    case DECODE_LINK_RAW:
    case DECODE_LINK_RAW_ALT2:
        return decode_ip(l, out);

    case DECODE_LINK_IPV4:
        return decode_ipv4(l, out);
    case DECODE_LINK_IPV6:
        return decode_ipv6(l, out);
    case DECODE_LINK_PPP:
        return decode_ppp(l, out);

    default:
        return DECODE_OUTCOME_UNSUPPORTED;
    }
}

enum decode_result decode_frame(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                                uint64_t ts_us, struct pkt *out, struct decode_stats *st)
{
    return decode_frame_reasm(NULL, linktype, data, caplen, wire_len, ts_us, out, st);
}

enum decode_result decode_frame_reasm(struct ip_reasm *reasm, int linktype, const uint8_t *data, uint32_t caplen,
                                      uint32_t wire_len, uint64_t ts_us, struct pkt *out, struct decode_stats *st)
{
    memset(out, 0, sizeof(*out));
    out->ts_us = ts_us;
    st->frames++;

    struct decode_layer l = { span_make(data, caplen), wire_len > caplen ? wire_len - caplen : 0, reasm };
    enum decode_outcome o = decode_link(linktype, &l, out);
    if (out->tunnel_depth > 0)
        st->tunnels++;
    switch (o) {
    case DECODE_OUTCOME_TCP:
        st->tcp++;
        if (out->payload.n < out->payload_len)
            st->payload_truncated++;
        return DECODE_TCP;
    case DECODE_OUTCOME_UDP:
        st->udp++;
        if (out->payload.n < out->payload_len)
            st->payload_truncated++;
        return DECODE_UDP;
    case DECODE_OUTCOME_NOT_TCP:
        st->not_tcp++;
        return DECODE_SKIP;
    case DECODE_OUTCOME_FRAGMENT:
        st->ip_fragments++;
        return DECODE_SKIP;
    case DECODE_OUTCOME_TRUNCATED:
        st->truncated++;
        return DECODE_TRUNCATED;
    case DECODE_OUTCOME_BAD_IP:
        st->bad_ip++;
        return DECODE_MALFORMED;
    case DECODE_OUTCOME_BAD_TCP:
        st->bad_tcp++;
        return DECODE_MALFORMED;
    case DECODE_OUTCOME_BAD_TUNNEL:
        st->bad_tunnel++;
        return DECODE_MALFORMED;
    case DECODE_OUTCOME_TOO_DEEP:
        st->tunnel_too_deep++;
        return DECODE_UNSUPPORTED;
    case DECODE_OUTCOME_NONE:
    case DECODE_OUTCOME_UNSUPPORTED:
    default:
        /* NONE cannot get here; counting it somewhere keeps the sum. */
        st->unsupported_link++;
        return DECODE_UNSUPPORTED;
    }
}

bool decode_link_supported(int linktype)
{
    switch (linktype) {
    case DECODE_LINK_NULL:
    case DECODE_LINK_EN10MB:
    case DECODE_LINK_RAW:
    case DECODE_LINK_RAW_ALT1:
    case DECODE_LINK_RAW_ALT2:
    case DECODE_LINK_LOOP:
    case DECODE_LINK_LINUX_SLL:
    case DECODE_LINK_IPV4:
    case DECODE_LINK_IPV6:
    case DECODE_LINK_LINUX_SLL2:
    case DECODE_LINK_PPP:
        return true;
    default:
        return false;
    }
}

const char *decode_tunnel_name(int tunnel_type)
{
    switch (tunnel_type) {
    case DECODE_TUNNEL_GRE:
        return "gre";
    case DECODE_TUNNEL_ERSPAN:
        return "erspan";
    case DECODE_TUNNEL_VXLAN:
        return "vxlan";
    case DECODE_TUNNEL_GENEVE:
        return "geneve";
    case DECODE_TUNNEL_IPIP:
        return "ipip";
    case DECODE_TUNNEL_GTPU:
        return "gtpu";
    case DECODE_TUNNEL_CAPWAP:
        return "capwap";
    default:
        return NULL;
    }
}
