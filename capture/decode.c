/* decode.c - link layer, VLAN/MPLS, IPv4/IPv6 and TCP decoding; see decode.h.
 *
 * References: tcpdump.org LINKTYPE_* list (Ethernet, SLL, SLL2, NULL, LOOP,
 * RAW), IEEE 802.1Q/802.1ad (VLAN tags, QinQ), RFC 3032 section 2.1 (MPLS
 * label stack entry), RFC 791 section 3.1 (IPv4 header), RFC 8200 sections
 * 3-4 (IPv6 header, extension headers), RFC 4302 section 2.2 (AH length),
 * RFC 6946 (atomic fragments), RFC 9293 section 3.1 (TCP header).
 *
 * Every byte is read through the span cursor. Each layer is a `struct
 * decode_layer`: the captured bytes plus how many more the frame had on the
 * wire, so a length field can be judged against both (see decode_need()).
 * The decoders return an internal outcome and decode_frame() alone turns it
 * into a result and one counter, which is how "exactly one outcome counter
 * per frame" holds by construction.
 */
#include "capture/decode.h"

#include <string.h>

/* Real networks stack two or three VLAN tags and a handful of MPLS labels;
 * the bounds keep a crafted frame of thousands of tags or extension headers
 * to a fixed amount of work. Frames beyond them are counted as unsupported,
 * not malformed: nothing in them is inconsistent, we just do not go deeper. */
#define DECODE_TAG_LIMIT 8
#define DECODE_MPLS_LIMIT 8
#define DECODE_IPV6_EXT_LIMIT 8

#define DECODE_IPV4_HDR_LEN 20
#define DECODE_TCP_HDR_LEN 20

enum {
    DECODE_ETHERTYPE_IPV4 = 0x0800,
    DECODE_ETHERTYPE_IPV6 = 0x86dd,
    DECODE_ETHERTYPE_VLAN = 0x8100,      /* 802.1Q C-tag */
    DECODE_ETHERTYPE_QINQ = 0x88a8,      /* 802.1ad S-tag */
    DECODE_ETHERTYPE_QINQ_OLD = 0x9100,  /* pre-802.1ad S-tag, still in use */
    DECODE_ETHERTYPE_MPLS = 0x8847,
    DECODE_ETHERTYPE_MPLS_MC = 0x8848,
    DECODE_ETHERTYPE_PPPOE = 0x8864,     /* PPPoE session: IP inside PPP */
    DECODE_ETHERTYPE_PBB = 0x88e7,       /* 802.1ah: a whole Ethernet frame inside */
};

/* IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol
 * Numbers"). */
enum {
    DECODE_PROTO_HOPOPTS = 0,
    DECODE_PROTO_IPIP = 4,
    DECODE_PROTO_TCP = 6,
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
    DECODE_OUTCOME_NOT_TCP,
    DECODE_OUTCOME_FRAGMENT,
    DECODE_OUTCOME_TRUNCATED,
    DECODE_OUTCOME_BAD_IP,
    DECODE_OUTCOME_BAD_TCP,
    DECODE_OUTCOME_UNSUPPORTED,
};

/* One protocol layer: `s` is what was captured of it, `missing` how many of
 * its bytes the frame still had on the wire past the capture's end. A length
 * field that fits in s.n + missing but not in s.n was cut by the snaplen; one
 * that does not fit even then is a lie. */
struct decode_layer {
    struct span s;
    size_t missing;
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

/* The IP payload dispatcher, by protocol number. Tunnel decoders will hook in
 * here and recurse into decode_ip() with the inner layer. */
static enum decode_outcome decode_ip_payload(uint8_t proto, struct decode_layer *l, struct pkt *out)
{
    switch (proto) {
    case DECODE_PROTO_TCP:
        return decode_tcp(l, out);
    case DECODE_PROTO_IPIP:
    case DECODE_PROTO_IPV6:
    case DECODE_PROTO_GRE:
        /* TLS may be inside; say so rather than call it "not TCP". */
        return DECODE_OUTCOME_UNSUPPORTED;
    default:
        /* UDP (VXLAN and Geneve included, for now), ICMP, ESP, ... */
        return DECODE_OUTCOME_NOT_TCP;
    }
}

static enum decode_outcome decode_ipv4(struct decode_layer *l, struct pkt *out)
{
    /* Read the fixed header from a copy: the datagram's bounds are set from
     * its first byte once total length is known. */
    struct span h = l->s;
    uint8_t ver_ihl = span_u8(&h);
    span_skip(&h, 1); /* DSCP/ECN */
    uint16_t total_len = span_u16(&h);
    span_skip(&h, 2); /* identification */
    uint16_t frag = span_u16(&h);
    span_skip(&h, 1); /* TTL */
    uint8_t proto = span_u8(&h);
    span_skip(&h, 2); /* checksum: not verified, checksum offload leaves it
                       * unset on packets captured on the sending host */
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

    /* MF set or a fragment offset: we do not reassemble, and even a first
     * fragment's TCP payload would reach the flow table incomplete. */
    if (frag & 0x3fff)
        return DECODE_OUTCOME_FRAGMENT;

    o = decode_need(l, hdr_len, DECODE_OUTCOME_BAD_IP);
    if (o != DECODE_OUTCOME_NONE)
        return o;
    span_skip(&l->s, hdr_len); /* fixed header and options */
    return decode_ip_payload(proto, l, out);
}

static enum decode_outcome decode_ipv6(struct decode_layer *l, struct pkt *out)
{
    struct span *s = &l->s;
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
        next = span_u8(s);
        uint8_t len_field = span_u8(s);

        if (this_hdr == DECODE_PROTO_FRAGMENT) {
            /* Fixed 8 bytes; the length byte is reserved. */
            o = decode_need(l, 6, DECODE_OUTCOME_BAD_IP);
            if (o != DECODE_OUTCOME_NONE)
                return o;
            uint16_t off_m = span_u16(s);
            span_skip(s, 4); /* identification */
            /* Offset 0 without M is an atomic fragment (RFC 6946): the whole
             * packet, to be processed as if it had no fragment header. */
            if (off_m & 0xfff9)
                return DECODE_OUTCOME_FRAGMENT;
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

    default:
        return DECODE_OUTCOME_UNSUPPORTED;
    }
}

enum decode_result decode_frame(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
                                uint64_t ts_us, struct pkt *out, struct decode_stats *st)
{
    memset(out, 0, sizeof(*out));
    out->ts_us = ts_us;
    st->frames++;

    struct decode_layer l = { span_make(data, caplen), wire_len > caplen ? wire_len - caplen : 0 };
    switch (decode_link(linktype, &l, out)) {
    case DECODE_OUTCOME_TCP:
        st->tcp++;
        if (out->payload.n < out->payload_len)
            st->payload_truncated++;
        return DECODE_TCP;
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
        return true;
    default:
        return false;
    }
}
