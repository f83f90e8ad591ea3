/* test_decode.c - unit tests for capture/decode.c.
 *
 * Frames are built from hex arrays with a comment per field, joined into one
 * exact-size heap buffer so AddressSanitizer reports any read past its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "test_util.h"

/* ---- building blocks ---------------------------------------------------- */

/* TCP segment: 20-byte header and a 5-byte payload. */
static const uint8_t tcp_hello[] = {
    0xc0, 0x01,             /* source port 49153 */
    0x01, 0xbb,             /* destination port 443 */
    0x11, 0x22, 0x33, 0x44, /* sequence number */
    0x55, 0x66, 0x77, 0x88, /* acknowledgment number */
    0x50, 0x18,             /* data offset 5 (20 bytes), flags PSH|ACK */
    0xfa, 0xf0,             /* window */
    0x00, 0x00,             /* checksum (not verified) */
    0x00, 0x00,             /* urgent pointer */
    'h', 'e', 'l', 'l', 'o', /* payload */
};
#define TCP_HELLO_PAYLOAD_OFF 20

/* IPv4 header carrying tcp_hello. */
static const uint8_t ipv4_tcp[] = {
    0x45,                   /* version 4, IHL 5 (20 bytes) */
    0x00,                   /* DSCP/ECN */
    0x00, 0x2d,             /* total length 45 = 20 + 20 + 5 */
    0x12, 0x34,             /* identification */
    0x40, 0x00,             /* flags DF, fragment offset 0 */
    0x40,                   /* TTL 64 */
    0x06,                   /* protocol TCP */
    0x00, 0x00,             /* header checksum (not verified) */
    0xc0, 0x00, 0x02, 0x01, /* source 192.0.2.1 */
    0xc6, 0x33, 0x64, 0x02, /* destination 198.51.100.2 */
};

/* IPv6 header carrying tcp_hello. */
static const uint8_t ipv6_tcp[] = {
    0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
    0x00, 0x19,             /* payload length 25 = 20 + 5 */
    0x06,                   /* next header TCP */
    0x40,                   /* hop limit 64 */
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* source 2001:db8::1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* destination 2001:db8::2 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
};

static const uint8_t eth_ipv4[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
    0x08, 0x00,                         /* ethertype IPv4 */
};

static const uint8_t eth_ipv6[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
    0x86, 0xdd,                         /* ethertype IPv6 */
};

static const uint8_t src4[16] = { 0xc0, 0x00, 0x02, 0x01 };
static const uint8_t dst4[16] = { 0xc6, 0x33, 0x64, 0x02 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };

/* ---- helpers ------------------------------------------------------------ */

struct part {
    const uint8_t *p;
    size_t n;
};
#define PART(a) { (a), sizeof(a) }
#define CAT(lenp, ...) \
    cat((lenp), (const struct part[]){ __VA_ARGS__ }, sizeof((const struct part[]){ __VA_ARGS__ }) / sizeof(struct part))

/* Join parts into one malloc'd buffer of exactly the total size. */
static uint8_t *cat(size_t *len, const struct part *parts, size_t count)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n += parts[i].n;
    uint8_t *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    size_t off = 0;
    for (size_t i = 0; i < count; i++) {
        memcpy(buf + off, parts[i].p, parts[i].n);
        off += parts[i].n;
    }
    *len = n;
    return buf;
}

static enum decode_result run_wire(int linktype, const uint8_t *buf, size_t caplen, size_t wire_len, struct pkt *pkt,
                                   struct decode_stats *st)
{
    return decode_frame(linktype, buf, (uint32_t)caplen, (uint32_t)wire_len, 1234567, pkt, st);
}

/* One frame, captured whole, into fresh stats. */
static enum decode_result run(int linktype, const uint8_t *buf, size_t len, struct pkt *pkt, struct decode_stats *st)
{
    memset(st, 0, sizeof(*st));
    return run_wire(linktype, buf, len, len, pkt, st);
}

static void expect_stats(const struct decode_stats *got, struct decode_stats want)
{
    assert_int_equal(got->frames, want.frames);
    assert_int_equal(got->tcp, want.tcp);
    assert_int_equal(got->udp, want.udp);
    assert_int_equal(got->not_tcp, want.not_tcp);
    assert_int_equal(got->truncated, want.truncated);
    assert_int_equal(got->payload_truncated, want.payload_truncated);
    assert_int_equal(got->bad_ip, want.bad_ip);
    assert_int_equal(got->bad_tcp, want.bad_tcp);
    assert_int_equal(got->ip_fragments, want.ip_fragments);
    assert_int_equal(got->unsupported_link, want.unsupported_link);
    assert_int_equal(got->bad_tunnel, want.bad_tunnel);
    assert_int_equal(got->tunnel_too_deep, want.tunnel_too_deep);
    assert_int_equal(got->tunnels, want.tunnels);
}

static uint64_t outcome_sum(const struct decode_stats *st)
{
    return st->tcp + st->udp + st->not_tcp + st->truncated + st->bad_ip + st->bad_tcp + st->ip_fragments +
           st->unsupported_link + st->bad_tunnel + st->tunnel_too_deep;
}

/* The payload span must point into the input buffer, not at a copy. */
static void expect_in_buffer(const struct pkt *pkt, const uint8_t *buf, size_t len, size_t payload_off)
{
    assert_ptr_equal(pkt->payload.p, buf + payload_off);
    assert_true(pkt->payload.n <= len - payload_off);
    assert_false(pkt->payload.bad);
}

/* tcp_hello's fields, its payload whole and at buf + payload_off. */
static void expect_hello(const struct pkt *pkt, const uint8_t *buf, size_t len, size_t payload_off)
{
    assert_int_equal(pkt->ts_us, 1234567);
    assert_int_equal(pkt->sport, 49153);
    assert_int_equal(pkt->dport, 443);
    assert_int_equal(pkt->seq, 0x11223344);
    assert_int_equal(pkt->ack, 0x55667788);
    assert_int_equal(pkt->tcp_flags, TCP_PSH | TCP_ACK);
    assert_int_equal(pkt->payload_len, 5);
    assert_int_equal(pkt->payload.n, 5);
    assert_memory_equal(pkt->payload.p, "hello", 5);
    expect_in_buffer(pkt, buf, len, payload_off);
}

static void expect_v4(const struct pkt *pkt)
{
    assert_int_equal(pkt->ip_version, 4);
    assert_memory_equal(pkt->src, src4, 16);
    assert_memory_equal(pkt->dst, dst4, 16);
}

static void expect_v6(const struct pkt *pkt)
{
    assert_int_equal(pkt->ip_version, 6);
    assert_memory_equal(pkt->src, src6, 16);
    assert_memory_equal(pkt->dst, dst6, 16);
}

/* Decode and expect one TCP frame carrying tcp_hello. */
static void expect_tcp_hello(int linktype, const uint8_t *buf, size_t len, size_t payload_off, int ip_version)
{
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(linktype, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, payload_off);
    if (ip_version == 4)
        expect_v4(&pkt);
    else
        expect_v6(&pkt);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1 });
}

/* ---- Ethernet, IPv4 ----------------------------------------------------- */

static void test_eth_ipv4_tcp(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    assert_int_equal(len, 59);

    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, 54);
    expect_v4(&pkt);
    assert_int_equal(pkt.vlan_count, 0);
    assert_false(pkt.vlan_more);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1 });
    free(buf);
}

static void test_eth_ipv6_tcp(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    assert_int_equal(len, 79);
    expect_tcp_hello(DECODE_LINK_EN10MB, buf, len, 74, 6);
    free(buf);
}

static void test_eth_padding_trimmed(void **state)
{
    (void)state;
    /* 59 bytes padded to the 60-byte Ethernet minimum, plus a 4-byte FCS
     * some captures keep: none of it is TCP payload. */
    static const uint8_t trailer[] = {
        0x00,                   /* padding */
        0xde, 0xad, 0xbe, 0xef, /* FCS */
    };
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello), PART(trailer));
    assert_int_equal(len, 64);
    expect_tcp_hello(DECODE_LINK_EN10MB, buf, len, 54, 4);
    free(buf);

    /* A bare ACK: 54 bytes padded with 6 to 60; the payload is empty. */
    static const uint8_t ack_frame[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
        0x08, 0x00,                         /* ethertype IPv4 */
        0x45, 0x00,                         /* version 4, IHL 5, DSCP/ECN */
        0x00, 0x28,                         /* total length 40 */
        0x00, 0x01, 0x40, 0x00,             /* identification, DF */
        0x40, 0x06, 0x00, 0x00,             /* TTL 64, TCP, checksum */
        0xc0, 0x00, 0x02, 0x01,             /* source 192.0.2.1 */
        0xc6, 0x33, 0x64, 0x02,             /* destination 198.51.100.2 */
        0x01, 0xbb, 0xc0, 0x01,             /* ports 443 -> 49153 */
        0x00, 0x00, 0x00, 0x01,             /* sequence number 1 */
        0x00, 0x00, 0x00, 0x02,             /* acknowledgment number 2 */
        0x50, 0x10,                         /* data offset 5, ACK */
        0xff, 0xff, 0x00, 0x00, 0x00, 0x00, /* window, checksum, urgent */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* Ethernet padding */
    };
    buf = CAT(&len, PART(ack_frame));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    assert_int_equal(pkt.sport, 443);
    assert_int_equal(pkt.dport, 49153);
    assert_int_equal(pkt.seq, 1);
    assert_int_equal(pkt.ack, 2);
    assert_int_equal(pkt.tcp_flags, TCP_ACK);
    assert_int_equal(pkt.payload_len, 0);
    assert_int_equal(pkt.payload.n, 0);
    expect_in_buffer(&pkt, buf, len, 54);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1 });
    free(buf);
}

/* IPv4 with a Router Alert option, TCP SYN with an MSS option. */
static const uint8_t ipv4_opts_syn[] = {
    0x46,                   /* version 4, IHL 6 (24 bytes) */
    0x00,                   /* DSCP/ECN */
    0x00, 0x30,             /* total length 48 = 24 + 24 */
    0x00, 0x01,             /* identification */
    0x00, 0x00,             /* no flags, fragment offset 0 */
    0x40, 0x06,             /* TTL 64, protocol TCP */
    0x00, 0x00,             /* header checksum */
    0xc0, 0x00, 0x02, 0x01, /* source 192.0.2.1 */
    0xc6, 0x33, 0x64, 0x02, /* destination 198.51.100.2 */
    0x94, 0x04, 0x00, 0x00, /* option: Router Alert, length 4, value 0 */
    0xc0, 0x01, 0x01, 0xbb, /* TCP: ports 49153 -> 443 */
    0x00, 0x00, 0x00, 0x64, /* sequence number 100 */
    0x00, 0x00, 0x00, 0x00, /* acknowledgment number */
    0x60, 0x02,             /* data offset 6 (24 bytes), SYN */
    0xfa, 0xf0,             /* window */
    0x00, 0x00, 0x00, 0x00, /* checksum, urgent pointer */
    0x02, 0x04, 0x05, 0xb4, /* option: MSS 1460 */
};

static void test_ipv4_options(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_opts_syn));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_v4(&pkt);
    assert_int_equal(pkt.sport, 49153);
    assert_int_equal(pkt.dport, 443);
    assert_int_equal(pkt.seq, 100);
    assert_int_equal(pkt.tcp_flags, TCP_SYN);
    assert_int_equal(pkt.payload_len, 0);
    assert_int_equal(pkt.payload.n, 0);
    expect_in_buffer(&pkt, buf, len, 14 + 24 + 24);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1 });
    free(buf);
}

/* ---- VLAN, MPLS --------------------------------------------------------- */

static const uint8_t eth_qinq[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
    0x88, 0xa8,                         /* 802.1ad S-tag */
    0x00, 0x64,                         /* PCP 0, DEI 0, VID 100 */
    0x81, 0x00,                         /* 802.1Q C-tag */
    0xb0, 0xc8,                         /* PCP 5, DEI 1, VID 200 */
    0x08, 0x00,                         /* ethertype IPv4 */
};

static void test_qinq(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_qinq), PART(ipv4_tcp), PART(tcp_hello));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, 22 + 40);
    expect_v4(&pkt);
    assert_int_equal(pkt.vlan_count, 2);
    assert_int_equal(pkt.vlan[0], 100);
    assert_int_equal(pkt.vlan[1], 200);
    assert_false(pkt.vlan_more);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1 });
    free(buf);
}

static void test_three_tags_keeps_two(void **state)
{
    (void)state;
    static const uint8_t eth_3tags[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
        0x91, 0x00,                         /* old-style S-tag */
        0x00, 0x0a,                         /* VID 10 */
        0x88, 0xa8,                         /* 802.1ad S-tag */
        0x0f, 0xff,                         /* VID 4095 */
        0x81, 0x00,                         /* 802.1Q C-tag */
        0x00, 0x1e,                         /* VID 30: not kept */
        0x86, 0xdd,                         /* ethertype IPv6 */
    };
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_3tags), PART(ipv6_tcp), PART(tcp_hello));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, 26 + 60);
    expect_v6(&pkt);
    assert_int_equal(pkt.vlan_count, 2);
    assert_int_equal(pkt.vlan[0], 10);
    assert_int_equal(pkt.vlan[1], 4095);
    assert_true(pkt.vlan_more);
    free(buf);
}

/* Build Ethernet with `tags` 802.1Q tags then IPv4/TCP; the tag run is made
 * in a loop because it is the count that matters. */
static uint8_t *eth_tags(size_t tags, size_t *len)
{
    uint8_t tag_bytes[4 * 16];
    assert_true(tags <= 16);
    for (size_t i = 0; i < tags; i++) {
        tag_bytes[4 * i + 0] = 0x00;                /* VID i + 1 */
        tag_bytes[4 * i + 1] = (uint8_t)(i + 1);
        tag_bytes[4 * i + 2] = i + 1 < tags ? 0x81 : 0x08; /* next: tag or IPv4 */
        tag_bytes[4 * i + 3] = 0x00;
    }
    static const uint8_t eth_vlan[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
        0x81, 0x00,                         /* 802.1Q */
    };
    return CAT(len, PART(eth_vlan), { tag_bytes, 4 * tags }, PART(ipv4_tcp), PART(tcp_hello));
}

static void test_tag_limit(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = eth_tags(8, &len);
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, 14 + 32 + 40);
    assert_int_equal(pkt.vlan_count, 2);
    assert_int_equal(pkt.vlan[0], 1);
    assert_int_equal(pkt.vlan[1], 2);
    assert_true(pkt.vlan_more);
    free(buf);

    buf = eth_tags(9, &len);
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_UNSUPPORTED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    free(buf);
}

static const uint8_t eth_mpls2[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
    0x88, 0x47,                         /* ethertype MPLS unicast */
    0x00, 0x01, 0x00, 0x40,             /* label 16, TC 0, S 0, TTL 64 */
    0x00, 0x01, 0x11, 0x40,             /* label 17, TC 0, S 1, TTL 64 */
};

static void test_mpls(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_mpls2), PART(ipv4_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_EN10MB, buf, len, 22 + 40, 4);
    free(buf);

    buf = CAT(&len, PART(eth_mpls2), PART(ipv6_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_EN10MB, buf, len, 22 + 60, 6);
    free(buf);

    /* A pseudowire control word (first nibble 0): Ethernet inside, which
     * this decoder does not follow. */
    static const uint8_t pw_cw[] = { 0x00, 0x00, 0x00, 0x00 }; /* control word */
    buf = CAT(&len, PART(eth_mpls2), PART(pw_cw), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_UNSUPPORTED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    free(buf);

    /* Nine labels, none bottom-of-stack: beyond what we walk. */
    static const uint8_t eth_mpls_deep[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
        0x88, 0x48,                         /* ethertype MPLS multicast */
        0x00, 0x01, 0x00, 0x40,             /* label 16, S 0 */
        0x00, 0x01, 0x00, 0x40,             /* label 16, S 0 */
        0x00, 0x01, 0x00, 0x40,             /* label 16, S 0 */
        0x00, 0x01, 0x00, 0x40,             /* label 16, S 0 */
        0x00, 0x01, 0x00, 0x40,             /* label 16, S 0 */
        0x00, 0x01, 0x00, 0x40,             /* label 16, S 0 */
        0x00, 0x01, 0x00, 0x40,             /* label 16, S 0 */
        0x00, 0x01, 0x00, 0x40,             /* label 16, S 0 */
        0x00, 0x01, 0x01, 0x40,             /* label 16, S 1 (ninth) */
    };
    buf = CAT(&len, PART(eth_mpls_deep), PART(ipv4_tcp), PART(tcp_hello));
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_UNSUPPORTED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    free(buf);
}

/* ---- other link types --------------------------------------------------- */

static const uint8_t sll_ipv4[] = {
    0x00, 0x00,                         /* packet type: to us */
    0x00, 0x01,                         /* ARPHRD_ETHER */
    0x00, 0x06,                         /* link-layer address length 6 */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* link-layer address */
    0x00, 0x00,                         /* address padding to 8 */
    0x08, 0x00,                         /* protocol IPv4 */
};

static const uint8_t sll2_ipv6[] = {
    0x86, 0xdd,                         /* protocol IPv6 */
    0x00, 0x00,                         /* reserved */
    0x00, 0x00, 0x00, 0x02,             /* interface index 2 */
    0x00, 0x01,                         /* ARPHRD_ETHER */
    0x04,                               /* packet type: outgoing */
    0x06,                               /* link-layer address length 6 */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* link-layer address */
    0x00, 0x00,                         /* address padding to 8 */
};

static void test_sll(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(sll_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_LINUX_SLL, buf, len, 16 + 40, 4);
    free(buf);
}

static void test_sll2(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(sll2_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_LINUX_SLL2, buf, len, 20 + 60, 6);
    free(buf);
}

/* NULL headers: the AF value in the writer's byte order. */
static const uint8_t null_inet_le[] = { 0x02, 0x00, 0x00, 0x00 };    /* AF_INET, little-endian */
static const uint8_t null_inet_be[] = { 0x00, 0x00, 0x00, 0x02 };    /* AF_INET, big-endian */
static const uint8_t null_inet6_24_le[] = { 0x18, 0x00, 0x00, 0x00 }; /* AF_INET6 NetBSD/OpenBSD, LE */
static const uint8_t null_inet6_24_be[] = { 0x00, 0x00, 0x00, 0x18 }; /* AF_INET6 NetBSD/OpenBSD, BE */
static const uint8_t null_inet6_28_le[] = { 0x1c, 0x00, 0x00, 0x00 }; /* AF_INET6 FreeBSD, LE */
static const uint8_t null_inet6_28_be[] = { 0x00, 0x00, 0x00, 0x1c }; /* AF_INET6 FreeBSD, BE */
static const uint8_t null_inet6_30_le[] = { 0x1e, 0x00, 0x00, 0x00 }; /* AF_INET6 macOS, LE */
static const uint8_t null_inet6_30_be[] = { 0x00, 0x00, 0x00, 0x1e }; /* AF_INET6 macOS, BE */
static const uint8_t null_inet6_10_le[] = { 0x0a, 0x00, 0x00, 0x00 }; /* AF_INET6 Linux, LE */
static const uint8_t null_inet6_10_be[] = { 0x00, 0x00, 0x00, 0x0a }; /* AF_INET6 Linux, BE */

static void test_null_loopback(void **state)
{
    (void)state;
    static const struct part v6_heads[] = {
        PART(null_inet6_24_le), PART(null_inet6_24_be), PART(null_inet6_28_le), PART(null_inet6_28_be),
        PART(null_inet6_30_le), PART(null_inet6_30_be), PART(null_inet6_10_le), PART(null_inet6_10_be),
    };
    size_t len;
    uint8_t *buf;
    for (size_t i = 0; i < sizeof(v6_heads) / sizeof(v6_heads[0]); i++) {
        buf = CAT(&len, v6_heads[i], PART(ipv6_tcp), PART(tcp_hello));
        expect_tcp_hello(DECODE_LINK_NULL, buf, len, 4 + 60, 6);
        free(buf);
    }
    buf = CAT(&len, PART(null_inet_le), PART(ipv4_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_NULL, buf, len, 4 + 40, 4);
    free(buf);
    buf = CAT(&len, PART(null_inet_be), PART(ipv4_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_NULL, buf, len, 4 + 40, 4);
    free(buf);

    /* AF_ISO (7): not IP. */
    static const uint8_t null_iso[] = { 0x07, 0x00, 0x00, 0x00 }; /* AF 7, LE */
    buf = CAT(&len, PART(null_iso), PART(ipv4_tcp), PART(tcp_hello));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_NULL, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    free(buf);
}

static void test_loop(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(null_inet_be), PART(ipv4_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_LOOP, buf, len, 4 + 40, 4);
    /* OpenBSD's DLT_LOOP is 12, which elsewhere is DLT_RAW. */
    expect_tcp_hello(DECODE_LINK_RAW_ALT1, buf, len, 4 + 40, 4);
    free(buf);

    buf = CAT(&len, PART(null_inet6_24_be), PART(ipv6_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_LOOP, buf, len, 4 + 60, 6);
    free(buf);
}

static void test_raw_ip(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(ipv4_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_RAW, buf, len, 40, 4);
    expect_tcp_hello(DECODE_LINK_RAW_ALT1, buf, len, 40, 4);
    expect_tcp_hello(DECODE_LINK_RAW_ALT2, buf, len, 40, 4);
    expect_tcp_hello(DECODE_LINK_IPV4, buf, len, 40, 4);
    struct pkt pkt;
    struct decode_stats st;
    /* LINKTYPE_IPV6 promises IPv6: an IPv4 header there is bad. */
    assert_int_equal(run(DECODE_LINK_IPV6, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });
    free(buf);

    buf = CAT(&len, PART(ipv6_tcp), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_RAW, buf, len, 60, 6);
    expect_tcp_hello(DECODE_LINK_IPV6, buf, len, 60, 6);
    free(buf);

    /* Version nibble 5 is neither. */
    static const uint8_t ipv5[] = { 0x55, 0x00, 0x00, 0x14 }; /* version 5, ... */
    buf = CAT(&len, PART(ipv5));
    assert_int_equal(run(DECODE_LINK_RAW, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });
    free(buf);
}

static void test_trailing_byte(void **state)
{
    (void)state;
    /* One byte past the datagram the IP header describes is not payload. */
    static const uint8_t extra[] = { 0x21 }; /* trailing byte */
    size_t len;
    uint8_t *buf = CAT(&len, PART(ipv4_tcp), PART(tcp_hello), PART(extra));
    expect_tcp_hello(DECODE_LINK_RAW, buf, len, 40, 4);
    free(buf);
    buf = CAT(&len, PART(ipv6_tcp), PART(tcp_hello), PART(extra));
    expect_tcp_hello(DECODE_LINK_RAW, buf, len, 60, 6);
    free(buf);
}

static void test_unknown_link(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(105 /* IEEE 802.11 */, buf, len, &pkt, &st), DECODE_UNSUPPORTED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    assert_int_equal(run(-1, buf, len, &pkt, &st), DECODE_UNSUPPORTED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    free(buf);

    static const int known[] = { 0, 1, 9, 12, 14, 101, 108, 113, 228, 229, 276 };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        assert_true(decode_link_supported(known[i]));
    static const int unknown[] = { -1, 2, 10, 105, 127, 147, 230, 275, 277 };
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        assert_false(decode_link_supported(unknown[i]));
}

/* DLT_PPP: HDLC address and control, or none, then the protocol. */
static void test_ppp(void **state)
{
    (void)state;
    static const uint8_t ppp_hdlc_ipv4[] = { 0xff, 0x03, 0x00, 0x21 }; /* address, control, IPv4 */
    static const uint8_t ppp_ipv4[] = { 0x00, 0x21 };                  /* protocol field compression */
    static const uint8_t ppp_lcp[] = { 0xff, 0x03, 0xc0, 0x21 };      /* LCP */
    size_t len;
    struct pkt pkt;
    struct decode_stats st;
    uint8_t *buf = CAT(&len, PART(ppp_hdlc_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    assert_int_equal(run(DECODE_LINK_PPP, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, 4 + 40);
    free(buf);
    buf = CAT(&len, PART(ppp_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    assert_int_equal(run(DECODE_LINK_PPP, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, 2 + 40);
    free(buf);
    buf = CAT(&len, PART(ppp_lcp), PART(ipv4_tcp));
    assert_int_equal(run(DECODE_LINK_PPP, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    free(buf);
    /* Cut inside the header. */
    assert_int_equal(run(DECODE_LINK_PPP, ppp_hdlc_ipv4, 3, &pkt, &st), DECODE_TRUNCATED);
}

/* ---- IPv6 extension headers --------------------------------------------- */

static const uint8_t ipv6_hbh_dst[] = {
    0x60, 0x00, 0x00, 0x00, /* version 6 */
    0x00, 0x31,             /* payload length 49 = 8 + 16 + 25 */
    0x00,                   /* next header: hop-by-hop options */
    0x40,                   /* hop limit */
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* source 2001:db8::1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* destination 2001:db8::2 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    /* hop-by-hop options (8 bytes) */
    0x3c,                               /* next header: destination options */
    0x00,                               /* length 0: 8 bytes */
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00, /* PadN, 4 bytes */
    /* destination options (16 bytes) */
    0x06,                               /* next header TCP */
    0x01,                               /* length 1: 16 bytes */
    0x01, 0x0c,                         /* PadN, 12 bytes */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void test_ipv6_ext_headers(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(ipv6_hbh_dst), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_RAW, buf, len, 64 + 20, 6);
    free(buf);
}

static const uint8_t ipv6_ah[] = {
    0x60, 0x00, 0x00, 0x00, /* version 6 */
    0x00, 0x31,             /* payload length 49 = 24 + 25 */
    0x33,                   /* next header AH */
    0x40,                   /* hop limit */
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* source 2001:db8::1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* destination 2001:db8::2 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    /* AH (24 bytes) */
    0x06,                   /* next header TCP */
    0x04,                   /* payload length 4: (4 + 2) * 4 = 24 bytes */
    0x00, 0x00,             /* reserved */
    0x00, 0x00, 0x10, 0x00, /* SPI */
    0x00, 0x00, 0x00, 0x01, /* sequence number */
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, /* ICV (96 bits) */
};

static void test_ipv6_ah_esp(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(ipv6_ah), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_RAW, buf, len, 64 + 20, 6);
    free(buf);

    static const uint8_t ipv6_esp[] = {
        0x60, 0x00, 0x00, 0x00, /* version 6 */
        0x00, 0x0c,             /* payload length 12 */
        0x32,                   /* next header ESP */
        0x40,                   /* hop limit */
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* source 2001:db8::1 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* destination 2001:db8::2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x10, 0x00, /* SPI */
        0x00, 0x00, 0x00, 0x01, /* sequence number */
        0x12, 0x34, 0x56, 0x78, /* ciphertext */
    };
    buf = CAT(&len, PART(ipv6_esp));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_RAW, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    free(buf);
}

/* IPv6 header announcing a fragment header, then the fragment header's
 * first two bytes; the offset/M field and identification follow. */
static const uint8_t ipv6_frag_head[] = {
    0x60, 0x00, 0x00, 0x00, /* version 6 */
    0x00, 0x21,             /* payload length 33 = 8 + 25 */
    0x2c,                   /* next header: fragment */
    0x40,                   /* hop limit */
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* source 2001:db8::1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* destination 2001:db8::2 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x06,                   /* fragment header: next header TCP */
    0x00,                   /* reserved */
};
static const uint8_t frag_first[] = {
    0x00, 0x01,             /* offset 0, M 1 */
    0xde, 0xad, 0xbe, 0xef, /* identification */
};
static const uint8_t frag_later[] = {
    0x00, 0xb8,             /* offset 23 (184 bytes), M 0 */
    0xde, 0xad, 0xbe, 0xef, /* identification */
};
static const uint8_t frag_atomic[] = {
    0x00, 0x00,             /* offset 0, M 0: an atomic fragment */
    0xde, 0xad, 0xbe, 0xef, /* identification */
};

static void test_ipv6_fragment(void **state)
{
    (void)state;
    struct pkt pkt;
    struct decode_stats st;
    size_t len;
    uint8_t *buf = CAT(&len, PART(ipv6_frag_head), PART(frag_first), PART(tcp_hello));
    assert_int_equal(run(DECODE_LINK_RAW, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .ip_fragments = 1 });
    free(buf);

    buf = CAT(&len, PART(ipv6_frag_head), PART(frag_later), PART(tcp_hello));
    assert_int_equal(run(DECODE_LINK_RAW, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .ip_fragments = 1 });
    free(buf);

    /* RFC 6946: processed as if there were no fragment header. */
    buf = CAT(&len, PART(ipv6_frag_head), PART(frag_atomic), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_RAW, buf, len, 48 + 20, 6);
    free(buf);

    /* The two reserved bits beside M do not make it a fragment. */
    static const uint8_t frag_atomic_res[] = {
        0x00, 0x06,             /* offset 0, reserved bits set, M 0 */
        0xde, 0xad, 0xbe, 0xef, /* identification */
    };
    buf = CAT(&len, PART(ipv6_frag_head), PART(frag_atomic_res), PART(tcp_hello));
    expect_tcp_hello(DECODE_LINK_RAW, buf, len, 48 + 20, 6);
    free(buf);
}

static void test_ipv6_bad_lengths(void **state)
{
    (void)state;
    struct pkt pkt;
    struct decode_stats st;
    size_t len;

    /* Payload length 0: a jumbogram or a GSO super-packet. */
    uint8_t *buf = CAT(&len, PART(ipv6_tcp), PART(tcp_hello));
    buf[4] = 0x00; /* payload length 0 */
    buf[5] = 0x00;
    assert_int_equal(run(DECODE_LINK_RAW, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });
    free(buf);

    /* Hop-by-hop length 10 (88 bytes) inside a 49-byte payload: the inner
     * length lies. */
    buf = CAT(&len, PART(ipv6_hbh_dst), PART(tcp_hello));
    buf[41] = 0x0a; /* hop-by-hop length 10 */
    assert_int_equal(run(DECODE_LINK_RAW, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });
    /* Even when the snaplen cut the frame: the payload length bounds it. */
    memset(&st, 0, sizeof(st));
    assert_int_equal(run_wire(DECODE_LINK_RAW, buf, 50, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });
    free(buf);

    /* Payload length 200 in a 105-byte frame that was not cut. */
    buf = CAT(&len, PART(ipv6_tcp), PART(tcp_hello));
    buf[5] = 0xc8; /* payload length 200 */
    assert_int_equal(run(DECODE_LINK_RAW, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });
    free(buf);
}

/* ---- IPv4 fragments, not-TCP, malformed --------------------------------- */

static void test_ipv4_fragment(void **state)
{
    (void)state;
    struct pkt pkt;
    struct decode_stats st;
    size_t len;
    /* First fragment, TCP header and all: still skipped. */
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    buf[14 + 6] = 0x20; /* flags MF, offset 0 */
    buf[14 + 7] = 0x00;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .ip_fragments = 1 });

    buf[14 + 6] = 0x00; /* flags none, offset 185 (1480 bytes) */
    buf[14 + 7] = 0xb9;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .ip_fragments = 1 });
    free(buf);
}

/* A datagram to no tunnel port is handed on as UDP: ports, payload bounded
 * by the UDP length (not the Ethernet padding), zero-copy. */
static void test_udp_datagram(void **state)
{
    (void)state;
    static const uint8_t ipv4_udp[] = {
        0x45, 0x00,             /* version 4, IHL 5, DSCP/ECN */
        0x00, 0x20,             /* total length 32 = 20 + 8 + 4 */
        0x00, 0x01, 0x00, 0x00, /* identification, no flags */
        0x40, 0x11,             /* TTL 64, protocol UDP */
        0x00, 0x00,             /* header checksum */
        0xc0, 0x00, 0x02, 0x01, /* source 192.0.2.1 */
        0xc6, 0x33, 0x64, 0x02, /* destination 198.51.100.2 */
        0x00, 0x35, 0x00, 0x35, /* UDP ports 53 -> 53 */
        0x00, 0x0c, 0x00, 0x00, /* UDP length 12, checksum */
        0xde, 0xad, 0xbe, 0xef, /* data */
    };
    size_t len;
    static const uint8_t padding[] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }; /* Ethernet padding */
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_udp), PART(padding));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_UDP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .udp = 1 });
    assert_true(pkt.udp);
    assert_int_equal(pkt.sport, 53);
    assert_int_equal(pkt.dport, 53);
    assert_int_equal(pkt.payload_len, 4);
    assert_int_equal(pkt.payload.n, 4);
    expect_in_buffer(&pkt, buf, len, 14 + 28);
    assert_memory_equal(pkt.payload.p, "\xde\xad\xbe\xef", 4);

    /* The snaplen cut the datagram: the payload is what was captured. */
    memset(&st, 0, sizeof st);
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, buf, 14 + 30, len, &pkt, &st), DECODE_UDP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .udp = 1, .payload_truncated = 1 });
    assert_int_equal(pkt.payload_len, 4);
    assert_int_equal(pkt.payload.n, 2);

    /* A UDP length beyond the IP datagram, or below the header's 8 bytes,
     * lies: nothing of the datagram is used. */
    buf[14 + 25] = 0x0d;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    buf[14 + 25] = 0x07;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    free(buf);

    static const uint8_t eth_arp[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* destination MAC: broadcast */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
        0x08, 0x06,                         /* ethertype ARP */
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, /* Ethernet/IPv4, sizes 6 and 4 */
        0x00, 0x01,                         /* request */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* sender MAC */
        0xc0, 0x00, 0x02, 0x01,             /* sender IP */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* target MAC */
        0xc0, 0x00, 0x02, 0x02,             /* target IP */
    };
    buf = CAT(&len, PART(eth_arp));
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_SKIP);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    free(buf);
}

static void test_ipv4_malformed(void **state)
{
    (void)state;
    struct pkt pkt;
    struct decode_stats st;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));

    buf[14] = 0x44; /* version 4, IHL 4: shorter than the fixed header */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });

    buf[14] = 0x65; /* version 6 behind ethertype IPv4 */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });

    buf[14] = 0x4f; /* IHL 15 (60 bytes) > total length 45 */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });

    buf[14] = 0x45;
    buf[14 + 3] = 0x10; /* total length 16 < IHL 20 */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });

    /* Total length 256 in a 59-byte frame: the frame was not cut (wire_len
     * equals caplen), so the length lies. */
    buf[14 + 2] = 0x01;
    buf[14 + 3] = 0x00;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1 });

    /* The same header in a frame whose snaplen cut it at 59 of 270 bytes. */
    memset(&st, 0, sizeof(st));
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, buf, len, 14 + 256, &pkt, &st), DECODE_TCP);
    assert_int_equal(pkt.payload_len, 256 - 40);
    assert_int_equal(pkt.payload.n, 5);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1, .payload_truncated = 1 });
    free(buf);
}

static void test_tcp_malformed(void **state)
{
    (void)state;
    struct pkt pkt;
    struct decode_stats st;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));

    buf[34 + 12] = 0x40; /* data offset 4 (16 bytes) < 20 */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_tcp = 1 });

    buf[34 + 12] = 0x70; /* data offset 7 (28 bytes) > 25-byte segment */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_tcp = 1 });

    buf[34 + 12] = 0xf0; /* data offset 15 (60 bytes) */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_tcp = 1 });
    /* ... even when the snaplen cut the frame: the IP length bounds TCP. */
    memset(&st, 0, sizeof(st));
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, buf, 54, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_tcp = 1 });

    buf[34 + 12] = 0x50;
    buf[14 + 3] = 0x24; /* IP total length 36: a 16-byte "TCP header" */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_tcp = 1 });
    free(buf);
}

/* ---- tunnels ------------------------------------------------------------ */

/* Outer (tunnel endpoint) addresses: 203.0.113.1 -> 203.0.113.2 and
 * 2001:db8:ffff::1 -> 2001:db8:ffff::2. The inner connection keeps src4/dst4
 * or src6/dst6. */
static const uint8_t osrc4[16] = { 0xcb, 0x00, 0x71, 0x01 };
static const uint8_t odst4[16] = { 0xcb, 0x00, 0x71, 0x02 };
static const uint8_t osrc6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 0x01 };
static const uint8_t odst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 0x02 };

/* Fill an outer IP header of version `v` for protocol `proto` carrying
 * `payload` bytes; returns its length. The lengths are computed so that each
 * test's vector only spells out the tunnel header it is about. */
static size_t outer_ip(uint8_t *h, int v, uint8_t proto, size_t payload)
{
    static const uint8_t ip4[20] = {
        0x45,                   /* version 4, IHL 5 */
        0x00,                   /* DSCP/ECN */
        0x00, 0x00,             /* total length: set below */
        0x00, 0x07,             /* identification */
        0x40, 0x00,             /* DF, fragment offset 0 */
        0x40,                   /* TTL 64 */
        0x00,                   /* protocol: set below */
        0x00, 0x00,             /* header checksum */
        0xcb, 0x00, 0x71, 0x01, /* source 203.0.113.1 */
        0xcb, 0x00, 0x71, 0x02, /* destination 203.0.113.2 */
    };
    static const uint8_t ip6[40] = {
        0x60, 0x00, 0x00, 0x00, /* version 6 */
        0x00, 0x00,             /* payload length: set below */
        0x00,                   /* next header: set below */
        0x40,                   /* hop limit */
        0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00, /* source 2001:db8:ffff::1 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0x00, 0x00, /* destination 2001:db8:ffff::2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    };
    if (v == 4) {
        memcpy(h, ip4, sizeof(ip4));
        h[2] = (uint8_t)((20 + payload) >> 8);
        h[3] = (uint8_t)(20 + payload);
        h[9] = proto;
        return sizeof(ip4);
    }
    memcpy(h, ip6, sizeof(ip6));
    h[4] = (uint8_t)(payload >> 8);
    h[5] = (uint8_t)payload;
    h[6] = proto;
    return sizeof(ip6);
}

static size_t parts_len(const struct part *parts, size_t count)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n += parts[i].n;
    return n;
}

/* Ethernet + outer IP (version v, protocol proto) + the parts. */
static uint8_t *wrap(size_t *len, int v, uint8_t proto, const struct part *parts, size_t count)
{
    uint8_t ip[40];
    struct part all[16];
    assert_true(count + 2 <= 16);
    all[0] = v == 4 ? (struct part)PART(eth_ipv4) : (struct part)PART(eth_ipv6);
    all[1] = (struct part){ ip, outer_ip(ip, v, proto, parts_len(parts, count)) };
    memcpy(all + 2, parts, count * sizeof(*parts));
    return cat(len, all, count + 2);
}

/* Ethernet + outer IP + UDP to `dport` + the parts. */
static uint8_t *wrap_udp(size_t *len, int v, uint16_t dport, const struct part *parts, size_t count)
{
    size_t udp_len = 8 + parts_len(parts, count);
    const uint8_t udp[8] = {
        0xd4, 0x31,                                         /* source port 54321 (entropy) */
        (uint8_t)(dport >> 8), (uint8_t)dport,              /* destination port */
        (uint8_t)(udp_len >> 8), (uint8_t)udp_len,          /* length */
        0x00, 0x00,                                         /* checksum: none */
    };
    struct part all[16];
    assert_true(count + 1 <= 16);
    all[0] = (struct part)PART(udp);
    memcpy(all + 1, parts, count * sizeof(*parts));
    return wrap(len, v, 17, all, count + 1);
}

#define PARTS(...) (const struct part[]){ __VA_ARGS__ }, sizeof((const struct part[]){ __VA_ARGS__ }) / sizeof(struct part)
#define WRAP(lenp, v, proto, ...) wrap((lenp), (v), (proto), PARTS(__VA_ARGS__))
#define WRAP_UDP(lenp, v, dport, ...) wrap_udp((lenp), (v), (dport), PARTS(__VA_ARGS__))

/* Offsets in a WRAP()ed IPv4 frame: the tunnel header after Ethernet and
 * IPv4, a UDP tunnel's header after UDP too. */
#define T4 (14 + 20)
#define U4 (14 + 20 + 8)

static void expect_tunnel(const struct pkt *pkt, uint8_t type, uint8_t depth, int outer_v, bool has_id, uint32_t id)
{
    assert_int_equal(pkt->tunnel_type, type);
    assert_int_equal(pkt->tunnel_depth, depth);
    assert_int_equal(pkt->tunnel_ip_version, outer_v);
    assert_memory_equal(pkt->tunnel_src, outer_v == 4 ? osrc4 : osrc6, 16);
    assert_memory_equal(pkt->tunnel_dst, outer_v == 4 ? odst4 : odst6, 16);
    assert_int_equal(pkt->tunnel_has_id, has_id);
    assert_int_equal(pkt->tunnel_id, id);
}

/* Decode a tunnelled frame that carries tcp_hello as its last bytes. */
static void expect_tunnelled_hello(const uint8_t *buf, size_t len, int inner_v, uint8_t type, int outer_v,
                                   bool has_id, uint32_t id)
{
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, len - 5);
    if (inner_v == 4)
        expect_v4(&pkt);
    else
        expect_v6(&pkt);
    expect_tunnel(&pkt, type, 1, outer_v, has_id, id);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1, .tunnels = 1 });
}

/* Decode and expect one outcome, with `tunnels` as given. */
static void expect_outcome(const uint8_t *buf, size_t len, enum decode_result want, struct decode_stats want_st)
{
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), want);
    expect_stats(&st, want_st);
}

/* GRE, RFC 2784: no optional words, IPv4 inside. */
static const uint8_t gre_ipv4[] = {
    0x00, 0x00,             /* C 0, R 0, K 0, S 0, version 0 */
    0x08, 0x00,             /* protocol type IPv4 */
};

/* GRE with checksum, key and sequence number (RFC 2890), IPv6 inside. */
static const uint8_t gre_cks_ipv6[] = {
    0xb0, 0x00,             /* C 1, R 0, K 1, S 1, version 0 */
    0x86, 0xdd,             /* protocol type IPv6 */
    0x12, 0x34, 0x00, 0x00, /* checksum (not verified), reserved1 */
    0x01, 0x02, 0x03, 0x04, /* key 0x01020304 */
    0x00, 0x00, 0x00, 0x2a, /* sequence number 42 */
};

static void test_gre(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = WRAP(&len, 4, 47, PART(gre_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_GRE, 4, false, 0);
    free(buf);

    buf = WRAP(&len, 4, 47, PART(gre_cks_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_GRE, 4, true, 0x01020304);
    free(buf);

    /* Key only. */
    static const uint8_t gre_key[] = {
        0x20, 0x00,             /* K 1, version 0 */
        0x08, 0x00,             /* protocol type IPv4 */
        0xff, 0xff, 0xff, 0xfe, /* key 0xfffffffe */
    };
    buf = WRAP(&len, 4, 47, PART(gre_key), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_GRE, 4, true, 0xfffffffe);
    free(buf);

    /* Over IPv6: the inner IPv4 addresses' last 12 bytes are zero again
     * although the outer IPv6 header filled them. */
    buf = WRAP(&len, 6, 47, PART(gre_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_GRE, 6, false, 0);
    free(buf);

    /* Bits 6-12 (reserved0) are ignored on receipt (RFC 2784 section 2.3). */
    buf = WRAP(&len, 4, 47, PART(gre_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    buf[T4 + 1] = 0xf8; /* reserved0 bits set */
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_GRE, 4, false, 0);
    free(buf);
}

/* Transparent Ethernet bridging (NVGRE-style key), with VLAN tags outside
 * and inside: kept outermost first. */
static void test_gre_ethernet_vlans(void **state)
{
    (void)state;
    static const uint8_t eth_vlan100[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
        0x81, 0x00,                         /* 802.1Q */
        0x00, 0x64,                         /* VID 100 */
        0x08, 0x00,                         /* ethertype IPv4 */
    };
    static const uint8_t gre_teb[] = {
        0x20, 0x00,             /* K 1, version 0 */
        0x65, 0x58,             /* protocol type: transparent Ethernet bridging */
        0x00, 0xab, 0xcd, 0x01, /* key: VSID 0xabcd, flow id 1 */
    };
    static const uint8_t inner_eth_vlan300[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x04, /* destination MAC */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x03, /* source MAC */
        0x81, 0x00,                         /* 802.1Q */
        0x01, 0x2c,                         /* VID 300 */
        0x08, 0x00,                         /* ethertype IPv4 */
    };
    uint8_t ip[20];
    outer_ip(ip, 4, 47, sizeof(gre_teb) + sizeof(inner_eth_vlan300) + sizeof(ipv4_tcp) + sizeof(tcp_hello));
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_vlan100), PART(ip), PART(gre_teb), PART(inner_eth_vlan300), PART(ipv4_tcp),
                       PART(tcp_hello));
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, len - 5);
    expect_v4(&pkt);
    expect_tunnel(&pkt, DECODE_TUNNEL_GRE, 1, 4, true, 0x00abcd01);
    assert_int_equal(pkt.vlan_count, 2);
    assert_int_equal(pkt.vlan[0], 100);
    assert_int_equal(pkt.vlan[1], 300);
    assert_false(pkt.vlan_more);
    free(buf);

    /* No outer tag: the inner one is recorded. */
    buf = WRAP(&len, 4, 47, PART(gre_teb), PART(inner_eth_vlan300), PART(ipv4_tcp), PART(tcp_hello));
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    assert_int_equal(pkt.vlan_count, 1);
    assert_int_equal(pkt.vlan[0], 300);
    free(buf);
}

static void test_gre_bad(void **state)
{
    (void)state;
    size_t len;
    /* PPTP (RFC 2637): version 1, PPP inside. */
    static const uint8_t gre_pptp[] = {
        0x30, 0x81,             /* K 1, S 1, A 1, version 1 */
        0x88, 0x0b,             /* protocol type PPP */
        0x00, 0x19,             /* payload length 25 */
        0x98, 0x50,             /* call id */
        0x00, 0x00, 0x00, 0x6a, /* sequence number */
        0x00, 0x00, 0x00, 0x8c, /* acknowledgment number */
        0xff, 0x03, 0x00, 0x21, /* PPP: address, control, protocol IPv4 */
    };
    uint8_t *buf = WRAP(&len, 4, 47, PART(gre_pptp), PART(ipv4_tcp), PART(tcp_hello));
    expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    buf[T4 + 1] = 0x82; /* version 2: not defined */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    free(buf);

    /* RFC 1701 routing (R), strict source route (s), recursion control:
     * not decoded. */
    static const uint8_t flags_1701[] = { 0x40, 0x08, 0x01 }; /* R; s; recursion 1 (first byte) */
    for (size_t i = 0; i < sizeof(flags_1701); i++) {
        buf = WRAP(&len, 4, 47, PART(gre_ipv4), PART(ipv4_tcp), PART(tcp_hello));
        buf[T4] = flags_1701[i];
        expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
        free(buf);
    }

    /* The IP datagram ends inside the GRE header or its optional words: the
     * GRE header lies about what follows. */
    static const uint8_t gre_short[] = { 0x00, 0x00 }; /* flags and version, then nothing */
    buf = WRAP(&len, 4, 47, PART(gre_short));
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    free(buf);
    static const uint8_t gre_k_short[] = {
        0x20, 0x00,             /* K 1 */
        0x08, 0x00,             /* protocol type IPv4 */
        0x00, 0x00,             /* half a key */
    };
    buf = WRAP(&len, 4, 47, PART(gre_k_short));
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    free(buf);

    /* An unknown protocol type inside is not TCP, as an unknown ethertype. */
    buf = WRAP(&len, 4, 47, PART(gre_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    buf[T4 + 2] = 0x88; /* protocol type 0x880b: PPP */
    buf[T4 + 3] = 0x0b;
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1, .tunnels = 1 });
    free(buf);
}

/* ERSPAN type I: GRE without sequence number, the mirrored frame right
 * after it. */
static const uint8_t gre_erspan1[] = {
    0x00, 0x00,             /* no flags, version 0 */
    0x88, 0xbe,             /* protocol type ERSPAN */
};

/* ERSPAN type II: GRE with a sequence number, then the ERSPAN header. */
static const uint8_t gre_erspan2[] = {
    0x10, 0x00,             /* S 1, version 0 */
    0x88, 0xbe,             /* protocol type ERSPAN */
    0x00, 0x00, 0x00, 0x07, /* sequence number 7 */
    0x10, 0x64,             /* ERSPAN version 1 (type II), VLAN 100 */
    0x03, 0xff,             /* COS 0, En 0, T 0, session id 1023 */
    0x00, 0x00, 0x00, 0x05, /* reserved, index 5 */
};

/* ERSPAN type III with the platform-specific subheader. */
static const uint8_t gre_erspan3_o[] = {
    0x10, 0x00,             /* S 1, version 0 */
    0x22, 0xeb,             /* protocol type ERSPAN type III */
    0x00, 0x00, 0x00, 0x01, /* sequence number 1 */
    0x20, 0x0a,             /* ERSPAN version 2 (type III), VLAN 10 */
    0x00, 0x2a,             /* COS 0, BSO 0, T 0, session id 42 */
    0x11, 0x22, 0x33, 0x44, /* timestamp */
    0x00, 0x00,             /* security group tag */
    0x00, 0x05,             /* P 0, FT 0 (Ethernet), hardware id 0, D 0, Gra 2, O 1 */
    0x0c, 0x00, 0x00, 0x00, /* platform id 3, platform-specific information */
    0x00, 0x00, 0x00, 0x00, /* platform-specific information */
};

static void test_erspan(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = WRAP(&len, 4, 47, PART(gre_erspan1), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_ERSPAN, 4, false, 0);
    free(buf);

    buf = WRAP(&len, 4, 47, PART(gre_erspan2), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_ERSPAN, 4, true, 1023);
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    assert_int_equal(pkt.vlan_count, 0); /* the ERSPAN header's VLAN field is not a tag */
    buf[T4 + 8] = 0x20; /* ERSPAN version 2 under protocol type 0x88be */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    free(buf);

    buf = WRAP(&len, 6, 47, PART(gre_erspan3_o), PART(eth_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_ERSPAN, 6, true, 42);
    free(buf);

    /* Type III without the subheader, carrying IP directly (frame type 2). */
    static const uint8_t gre_erspan3_ip[] = {
        0x10, 0x00,             /* S 1, version 0 */
        0x22, 0xeb,             /* protocol type ERSPAN type III */
        0x00, 0x00, 0x00, 0x02, /* sequence number 2 */
        0x20, 0x00,             /* ERSPAN version 2, VLAN 0 */
        0x00, 0x01,             /* session id 1 */
        0x00, 0x00, 0x00, 0x00, /* timestamp */
        0x00, 0x00,             /* security group tag */
        0x08, 0x00,             /* P 0, FT 2 (IP), hardware id 0, D 0, Gra 0, O 0 */
    };
    buf = WRAP(&len, 4, 47, PART(gre_erspan3_ip), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_ERSPAN, 4, true, 1);
    buf[T4 + 8 + 10] = 0x04; /* FT 1: reserved */
    expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    buf[T4 + 8 + 10] = 0x08;
    buf[T4 + 8] = 0x10; /* ERSPAN version 1 under protocol type 0x22eb */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    free(buf);

    /* O set but the datagram ends inside the subheader. */
    buf = WRAP(&len, 4, 47, { gre_erspan3_o, sizeof(gre_erspan3_o) - 4 });
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    free(buf);
}

/* ERSPAN's T bit: the switch cut the mirrored frame, so the inner IP length
 * exceeds what follows without lying. */
static void test_erspan_truncated_bit(void **state)
{
    (void)state;
    size_t len;
    /* 42 of the inner datagram's 45 bytes: 2 of 5 payload bytes. */
    uint8_t *buf = WRAP(&len, 4, 47, PART(gre_erspan2), PART(eth_ipv4), PART(ipv4_tcp), { tcp_hello, 22 });
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1, .tunnels = 1 });

    buf[T4 + 10] = 0x07; /* T 1, session id 1023 */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    assert_int_equal(pkt.payload_len, 5);
    assert_int_equal(pkt.payload.n, 2);
    expect_in_buffer(&pkt, buf, len, len - 2);
    expect_tunnel(&pkt, DECODE_TUNNEL_ERSPAN, 1, 4, true, 1023);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1, .payload_truncated = 1, .tunnels = 1 });
    free(buf);
}

/* VXLAN, RFC 7348. */
static const uint8_t vxlan_hdr[] = {
    0x08,                   /* flags: I */
    0x00, 0x00, 0x00,       /* reserved */
    0xab, 0xcd, 0xef,       /* VNI 0xabcdef */
    0x00,                   /* reserved */
};

static void test_vxlan(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = WRAP_UDP(&len, 4, 4789, PART(vxlan_hdr), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_VXLAN, 4, true, 0xabcdef);
    free(buf);

    /* Linux's historical port, over IPv6. */
    buf = WRAP_UDP(&len, 6, 8472, PART(vxlan_hdr), PART(eth_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_VXLAN, 6, true, 0xabcdef);
    free(buf);

    /* Reserved bits are ignored on receipt (VXLAN-GBP sets some). */
    buf = WRAP_UDP(&len, 4, 4789, PART(vxlan_hdr), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    buf[U4] = 0x88;     /* flags: G (GBP), I */
    buf[U4 + 2] = 0x12; /* group policy id */
    buf[U4 + 7] = 0xff; /* reserved */
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_VXLAN, 4, true, 0xabcdef);

    buf[U4] = 0x00; /* no I flag: the VNI is not valid */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[U4] = 0x08;

    /* The UDP length lies: beyond the datagram, or shorter than a UDP
     * header. */
    buf[T4 + 4] = 0x01; /* UDP length 256 + ... */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[T4 + 4] = 0x00;
    buf[T4 + 5] = 0x07; /* UDP length 7 */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    /* UDP length 12: the VXLAN header does not fit in it. */
    buf[T4 + 5] = 0x0c;
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    /* UDP length 20: VXLAN fits, the inner Ethernet header does not. */
    buf[T4 + 5] = 0x14;
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1, .tunnels = 1 });
    free(buf);

    /* The source port is an entropy hash: 4789 there alone is not VXLAN,
     * the datagram is plain UDP. */
    buf = WRAP_UDP(&len, 4, 53, PART(vxlan_hdr), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    buf[T4] = 0x12; /* source port 4789 */
    buf[T4 + 1] = 0xb5;
    expect_outcome(buf, len, DECODE_UDP, (struct decode_stats){ .frames = 1, .udp = 1 });
    free(buf);
}

/* VXLAN-GPE (UDP 4790): the next protocol field may name IP directly. */
static void test_vxlan_gpe(void **state)
{
    (void)state;
    static const uint8_t gpe_ipv4[] = {
        0x0c,                   /* flags: version 0, I, P */
        0x00, 0x00,             /* reserved */
        0x01,                   /* next protocol: IPv4 */
        0x00, 0x00, 0x07,       /* VNI 7 */
        0x00,                   /* reserved */
    };
    size_t len;
    uint8_t *buf = WRAP_UDP(&len, 4, 4790, PART(gpe_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_VXLAN, 4, true, 7);
    buf[U4] = 0x0d; /* O: an OAM packet */
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    buf[U4] = 0x1c; /* version 1 */
    expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    buf[U4] = 0x0c;
    buf[U4 + 3] = 0x04; /* next protocol NSH */
    expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    free(buf);

    /* Next protocol 3 (Ethernet), as in the ERSPAN/VXLAN sample capture;
     * and without P, Ethernet as in plain VXLAN. */
    buf = WRAP_UDP(&len, 4, 4790, PART(gpe_ipv4), PART(eth_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    buf[U4 + 3] = 0x03; /* next protocol: Ethernet */
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_VXLAN, 4, true, 7);
    buf[U4] = 0x08;     /* I only */
    buf[U4 + 3] = 0x01; /* ignored without P */
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_VXLAN, 4, true, 7);
    free(buf);
}

/* Geneve, RFC 8926, with two options (20 bytes). */
static const uint8_t geneve_opts[] = {
    0x05,                   /* version 0, Opt Len 5 (20 bytes) */
    0x40,                   /* O 0, C 1 (a critical option is present) */
    0x65, 0x58,             /* protocol type: Ethernet */
    0x00, 0x00, 0x0a,       /* VNI 10 */
    0x00,                   /* reserved */
    0x01, 0x02,             /* option 1: class 0x0102 */
    0x80,                   /* type 0x80 (critical) */
    0x01,                   /* reserved 0, length 1 (4 bytes) */
    0x00, 0x00, 0x00, 0x0c, /* data */
    0xff, 0xff,             /* option 2: class 0xffff (experimental) */
    0x01,                   /* type 1 */
    0x02,                   /* reserved 0, length 2 (8 bytes) */
    0xde, 0xad, 0xbe, 0xef, /* data */
    0xca, 0xfe, 0xba, 0xbe,
};

static void test_geneve(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = WRAP_UDP(&len, 4, 6081, PART(geneve_opts), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_GENEVE, 4, true, 10);

    buf[U4 + 8 + 8 + 3] = 0x03; /* option 2 claims 12 bytes, 8 are left */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[U4 + 8 + 8 + 3] = 0x01; /* option 2 claims 4 bytes: 4 bytes left over */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[U4 + 8 + 8 + 3] = 0xe2; /* the reserved bits beside the length are not length */
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_GENEVE, 4, true, 10);

    buf[U4] = 0x3f; /* Opt Len 63: 252 bytes, beyond the datagram */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[U4] = 0x45; /* version 1 */
    expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    buf[U4] = 0x05;
    buf[U4 + 2] = 0x88; /* protocol type 0x8847 MPLS: not decoded here */
    buf[U4 + 3] = 0x47;
    expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    free(buf);

    /* No options, IPv6 directly inside, over IPv6. */
    static const uint8_t geneve_ipv6[] = {
        0x00,                   /* version 0, Opt Len 0 */
        0x00,                   /* O 0, C 0 */
        0x86, 0xdd,             /* protocol type IPv6 */
        0xff, 0xff, 0xff,       /* VNI 0xffffff */
        0x00,                   /* reserved */
    };
    buf = WRAP_UDP(&len, 6, 6081, PART(geneve_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_GENEVE, 6, true, 0xffffff);
    free(buf);
}

/* GTP-U, 3GPP TS 29.281: the minimal G-PDU header. */
static const uint8_t gtpu_ipv4[] = {
    0x30,                   /* version 1, PT 1 (GTP), E 0, S 0, PN 0 */
    0xff,                   /* message type: G-PDU */
    0x00, 0x2d,             /* length 45: the inner datagram */
    0x07, 0xec, 0xe4, 0x96, /* TEID */
};

/* With an extension header chain: one PDU session container. */
static const uint8_t gtpu_ext_ipv6[] = {
    0x34,                   /* version 1, PT 1, E 1 */
    0xff,                   /* message type: G-PDU */
    0x00, 0x49,             /* length 73 = 4 + 4 + 65 */
    0x00, 0x00, 0x00, 0x01, /* TEID 1 */
    0x00, 0x00,             /* sequence number (not meaningful without S) */
    0x00,                   /* N-PDU number */
    0x85,                   /* next extension header: PDU session container */
    0x01,                   /* extension length 1 (4 bytes) */
    0x10, 0x09,             /* PDU type 1 (UL), QFI 9 */
    0x00,                   /* next extension header: none */
};

static void test_gtpu(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = WRAP_UDP(&len, 4, 2152, PART(gtpu_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_GTPU, 4, true, 0x07ece496);
    buf[U4 + 1] = 0x01; /* echo request */
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    buf[U4 + 1] = 0xff;
    buf[U4] = 0x20; /* PT 0: GTP' */
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    buf[U4] = 0x50; /* version 2 */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[U4] = 0x30;
    buf[U4 + 3] = 0x2e; /* length 46: one byte beyond the UDP datagram */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[U4 + 3] = 0x00; /* length 0: an empty G-PDU (its header was whole) */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1, .tunnels = 1 });
    free(buf);

    buf = WRAP_UDP(&len, 4, 2152, PART(gtpu_ext_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_GTPU, 4, true, 1);
    buf[U4 + 12] = 0x00; /* extension length 0: it would never end */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[U4 + 12] = 0x20; /* extension length 32 (128 bytes): beyond the GTP length */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    free(buf);

    /* S only: the next-extension field is there but not meaningful. */
    static const uint8_t gtpu_seq[] = {
        0x32,                   /* version 1, PT 1, S 1 */
        0xff,                   /* G-PDU */
        0x00, 0x31,             /* length 49 = 4 + 45 */
        0x00, 0x00, 0x00, 0x02, /* TEID 2 */
        0x12, 0x34,             /* sequence number */
        0x00,                   /* N-PDU number */
        0xc0,                   /* next extension header: ignored, E is 0 */
    };
    buf = WRAP_UDP(&len, 4, 2152, PART(gtpu_seq), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_GTPU, 4, true, 2);
    free(buf);

    /* Nine extension headers: more than the decoder walks. */
    static const uint8_t gtpu_ext9[] = {
        0x34, 0xff,             /* version 1, PT 1, E 1; G-PDU */
        0x00, 0x51,             /* length 81 = 4 + 9 * 4 + 41 */
        0x00, 0x00, 0x00, 0x03, /* TEID 3 */
        0x00, 0x00, 0x00, 0x85, /* sequence, N-PDU, next: PDU session container */
        0x01, 0x00, 0x00, 0x85, /* extension 1: length 1, content, next */
        0x01, 0x00, 0x00, 0x85, /* extension 2 */
        0x01, 0x00, 0x00, 0x85, /* extension 3 */
        0x01, 0x00, 0x00, 0x85, /* extension 4 */
        0x01, 0x00, 0x00, 0x85, /* extension 5 */
        0x01, 0x00, 0x00, 0x85, /* extension 6 */
        0x01, 0x00, 0x00, 0x85, /* extension 7 */
        0x01, 0x00, 0x00, 0x85, /* extension 8 */
        0x01, 0x00, 0x00, 0x00, /* extension 9: next none */
    };
    buf = WRAP_UDP(&len, 4, 2152, PART(gtpu_ext9), PART(ipv4_tcp), { tcp_hello, 21 });
    expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    free(buf);

    /* An Ethernet PDU session: not IP inside. */
    buf = WRAP_UDP(&len, 4, 2152, PART(gtpu_ipv4), PART(eth_ipv4), PART(ipv4_tcp), { tcp_hello, 11 }); /* 45 bytes */
    expect_outcome(buf, len, DECODE_UNSUPPORTED,
                   (struct decode_stats){ .frames = 1, .unsupported_link = 1, .tunnels = 1 });
    free(buf);
}

static void test_ip_in_ip(void **state)
{
    (void)state;
    size_t len;
    /* RFC 2003 IPv4 in IPv4. */
    uint8_t *buf = WRAP(&len, 4, 4, PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_IPIP, 4, false, 0);
    free(buf);
    /* RFC 4213 6in4. */
    buf = WRAP(&len, 4, 41, PART(ipv6_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_IPIP, 4, false, 0);
    free(buf);
    /* RFC 2473 IPv4 and IPv6 in IPv6. */
    buf = WRAP(&len, 6, 4, PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_IPIP, 6, false, 0);
    free(buf);
    buf = WRAP(&len, 6, 41, PART(ipv6_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_IPIP, 6, false, 0);
    free(buf);

    /* Protocol 4 with an IPv6 packet inside: the inner header is bad. */
    buf = WRAP(&len, 4, 4, PART(ipv6_tcp), PART(tcp_hello));
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_ip = 1, .tunnels = 1 });
    free(buf);
    /* The inner datagram claims more than the outer one holds. */
    buf = WRAP(&len, 4, 4, PART(ipv4_tcp), PART(tcp_hello));
    buf[T4 + 3] = 0x2e; /* inner total length 46 */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_ip = 1, .tunnels = 1 });
    free(buf);
}

/* The ERSPAN/VXLAN sample capture's layout: GRE/ERSPAN II around a frame
 * that is itself VXLAN. Only the outermost tunnel is recorded. */
static uint8_t *nested_erspan_vxlan(size_t *len)
{
    static const uint8_t mid_ipv4_udp[] = {
        0x45, 0x00,             /* version 4, IHL 5, DSCP/ECN */
        0x00, 0x5f,             /* total length 95 = 20 + 8 + 8 + 59 */
        0x00, 0x01, 0x00, 0x00, /* identification, no flags */
        0x40, 0x11,             /* TTL 64, protocol UDP */
        0x00, 0x00,             /* header checksum */
        0x0a, 0x00, 0x00, 0x01, /* source 10.0.0.1 (VTEP) */
        0x0a, 0x00, 0x00, 0x02, /* destination 10.0.0.2 (VTEP) */
        0x12, 0xb5, 0x12, 0xb5, /* UDP ports 4789 -> 4789 */
        0x00, 0x4b, 0x00, 0x00, /* UDP length 75, checksum none */
    };
    return WRAP(len, 4, 47, PART(gre_erspan2), PART(eth_ipv4), PART(mid_ipv4_udp), PART(vxlan_hdr), PART(eth_ipv4),
                PART(ipv4_tcp), PART(tcp_hello));
}

/* `n` IPv4-in-IPv4 headers around ipv4_tcp + tcp_hello. */
static uint8_t *ipip_nest(size_t n, size_t *len)
{
    uint8_t hdrs[8][20];
    struct part parts[12];
    assert_true(n <= 8);
    parts[0] = (struct part)PART(eth_ipv4);
    for (size_t i = 0; i < n; i++) {
        outer_ip(hdrs[i], 4, 4 /* IP-in-IP */, 20 * (n - 1 - i) + sizeof(ipv4_tcp) + sizeof(tcp_hello));
        parts[1 + i] = (struct part){ hdrs[i], 20 };
    }
    parts[1 + n] = (struct part)PART(ipv4_tcp);
    parts[2 + n] = (struct part)PART(tcp_hello);
    return cat(len, parts, n + 3);
}

static void test_tunnel_nesting(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = nested_erspan_vxlan(&len);
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, len - 5);
    expect_v4(&pkt);
    expect_tunnel(&pkt, DECODE_TUNNEL_ERSPAN, 2, 4, true, 1023);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1, .tunnels = 1 });
    free(buf);

    /* DECODE_MAX_TUNNELS deep is decoded; one more is not. */
    buf = ipip_nest(DECODE_MAX_TUNNELS, &len);
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, len - 5);
    expect_v4(&pkt);
    expect_tunnel(&pkt, DECODE_TUNNEL_IPIP, DECODE_MAX_TUNNELS, 4, false, 0);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1, .tunnels = 1 });
    free(buf);

    buf = ipip_nest(DECODE_MAX_TUNNELS + 1, &len);
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_UNSUPPORTED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tunnel_too_deep = 1, .tunnels = 1 });
    free(buf);

    /* Eight deep, mixing kinds: still stopped at the bound. */
    buf = ipip_nest(8, &len);
    buf[T4 + 9] = 41; /* outermost says 6in4 over an IPv4 header: bad inner IP */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_MALFORMED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .bad_ip = 1, .tunnels = 1 });
    free(buf);
}

/* PPPoE session stage (RFC 2516 section 4) behind an 802.1ad S-tag and an
 * 802.1Q C-tag, as broadband access networks deliver it. */
static const uint8_t eth_qinq_pppoe[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* destination MAC */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source MAC */
    0x88, 0xa8,                         /* S-tag */
    0x00, 0x64,                         /* VID 100 */
    0x81, 0x00,                         /* C-tag */
    0x00, 0xc8,                         /* VID 200 */
    0x88, 0x64,                         /* PPPoE session */
    0x11,                               /* version 1, type 1 */
    0x00,                               /* code 0: session data */
    0x12, 0x34,                         /* session id */
    0x00, 0x2f,                         /* length 47: PPP protocol 2 + IPv4 45 */
    0x00, 0x21,                         /* PPP protocol IPv4 */
};
#define PPPOE_AT 22 /* the PPPoE header in eth_qinq_pppoe */

static void test_pppoe(void **state)
{
    (void)state;
    size_t len;
    struct pkt pkt;
    struct decode_stats st;
    static const uint8_t pad[4] = { 0 }; /* Ethernet padding after the PPP frame */
    uint8_t *buf = CAT(&len, PART(eth_qinq_pppoe), PART(ipv4_tcp), PART(tcp_hello), PART(pad));
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, sizeof(eth_qinq_pppoe) + 40);
    expect_v4(&pkt);
    assert_int_equal(pkt.vlan_count, 2);
    assert_int_equal(pkt.vlan[0], 100);
    assert_int_equal(pkt.vlan[1], 200);
    assert_int_equal(pkt.tunnel_depth, 0);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1 });

    /* Protocol field compressed to one byte: 0x21 alone. */
    uint8_t *one = CAT(&len, PART(eth_qinq_pppoe), PART(ipv4_tcp), PART(tcp_hello));
    memmove(one + PPPOE_AT + 6, one + PPPOE_AT + 7, len - PPPOE_AT - 7);
    one[PPPOE_AT + 5] = 0x2e; /* length 46 */
    assert_int_equal(run(DECODE_LINK_EN10MB, one, len - 1, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, one, len - 1, sizeof(eth_qinq_pppoe) - 1 + 40);
    free(one);

    buf[PPPOE_AT + 5] = 0x40; /* a length past the frame */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[PPPOE_AT + 5] = 0x2f;
    buf[PPPOE_AT + 1] = 0x09; /* code PADI on a session frame */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_tunnel = 1 });
    buf[PPPOE_AT + 1] = 0x00;
    buf[PPPOE_AT] = 0x21;     /* version 2 */
    expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    buf[PPPOE_AT] = 0x11;
    buf[PPPOE_AT + 6] = 0xc0; /* LCP */
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    buf[PPPOE_AT + 6] = 0x00;
    buf[PPPOE_AT + 7] = 0x57; /* IPv6 announced, IPv4 inside */
    expect_outcome(buf, len, DECODE_MALFORMED, (struct decode_stats){ .frames = 1, .bad_ip = 1 });
    buf[PPPOE_AT + 7] = 0x21;
    buf[PPPOE_AT - 1] = 0x63; /* discovery stage: no IP */
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    buf[PPPOE_AT - 1] = 0x64;
    /* Cut inside the PPPoE header. */
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, buf, PPPOE_AT + 5, len, &pkt, &st), DECODE_TRUNCATED);
    free(buf);

    /* IPv6 over PPPoE over SLL2 needs no tags. */
    static const uint8_t pppoe_v6[] = {
        0x11, 0x00, 0x00, 0x01, /* version, type, code, session */
        0x00, 0x43,             /* length 67 = 2 + 40 + 25 */
        0x00, 0x57,             /* PPP protocol IPv6 */
    };
    uint8_t sll2[20] = { 0x88, 0x64 }; /* protocol PPPoE session, the rest zero */
    buf = CAT(&len, PART(sll2), PART(pppoe_v6), PART(ipv6_tcp), PART(tcp_hello));
    assert_int_equal(run(DECODE_LINK_LINUX_SLL2, buf, len, &pkt, &st), DECODE_TCP);
    expect_hello(&pkt, buf, len, 20 + 8 + 40 + 20);
    expect_v6(&pkt);
    free(buf);
}

/* CAPWAP data channel (RFC 5415 section 4.3): the smallest header, an
 * IEEE 802.3 frame inside (T 0). */
static const uint8_t capwap_8023[] = {
    0x00,                   /* preamble: version 0, type 0 */
    0x10, 0x02, 0x00,       /* HLEN 2 (8 bytes), RID 0, WBID 1, T F L W M K 0, flags 0 */
    0x00, 0x00,             /* fragment id */
    0x00, 0x00,             /* fragment offset 0, reserved */
};

/* The same with the Radio MAC Address (M) and T: an 802.11 frame inside. */
static const uint8_t capwap_80211[] = {
    0x00,                   /* preamble */
    0x20, 0x03, 0x10,       /* HLEN 4 (16 bytes), RID 0, WBID 1, T 1, M 1 */
    0x00, 0x00,             /* fragment id */
    0x00, 0x00,             /* fragment offset */
    0x06,                   /* radio MAC length 6 */
    0x02, 0x11, 0x22, 0x33, 0x44, 0x55, /* radio MAC */
    0x00,                   /* padding to 4 bytes */
};

/* An 802.11 QoS data frame to the distribution system, LLC/SNAP, IPv4. */
static const uint8_t wlan_qos_ipv4[] = {
    0x88,                   /* frame control: QoS data (subtype 8, type 2, version 0) */
    0x01,                   /* flags: To DS */
    0x00, 0x00,             /* duration */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, /* address 1: BSSID */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, /* address 2: station */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0c, /* address 3: destination */
    0x10, 0x00,             /* sequence control */
    0x00, 0x00,             /* QoS control */
    0xaa, 0xaa, 0x03,       /* LLC: SNAP */
    0x00, 0x00, 0x00,       /* OUI: RFC 1042 */
    0x08, 0x00,             /* ethertype IPv4 */
};
#define WLAN_FLAGS (U4 + sizeof(capwap_80211) + 1)

static void test_capwap(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = WRAP_UDP(&len, 4, 5247, PART(capwap_8023), PART(eth_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_CAPWAP, 4, false, 0);
    /* Controller to access point: 5247 is the source port. */
    buf[T4] = 0x14, buf[T4 + 1] = 0x7f;     /* source 5247 */
    buf[T4 + 2] = 0xd4, buf[T4 + 3] = 0x31; /* destination 54321 */
    expect_tunnelled_hello(buf, len, 6, DECODE_TUNNEL_CAPWAP, 4, false, 0);

    /* Fields that do not hold leave the datagram plain UDP. */
    static const struct {
        size_t at;
        uint8_t value;
    } not_capwap[] = {
        { U4, 0x01 },     /* preamble type 1: DTLS */
        { U4, 0x10 },     /* version 1 */
        { U4 + 1, 0x08 }, /* HLEN 1 */
        { U4 + 1, 0xf8 }, /* HLEN 31: past the datagram */
        { U4 + 3, 0x01 }, /* reserved flags */
        { U4 + 3, 0x40 }, /* L without F */
        { U4 + 7, 0x08 }, /* a fragment offset without F */
        { U4 + 3, 0x10 }, /* M with no room for a radio MAC in HLEN 2 */
    };
    for (size_t i = 0; i < sizeof(not_capwap) / sizeof(not_capwap[0]); i++) {
        uint8_t keep = buf[not_capwap[i].at];
        buf[not_capwap[i].at] = not_capwap[i].value;
        expect_outcome(buf, len, DECODE_UDP, (struct decode_stats){ .frames = 1, .udp = 1 });
        buf[not_capwap[i].at] = keep;
    }
    buf[U4 + 3] = 0x08; /* K: a keep-alive */
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1 });
    buf[U4 + 3] = 0x80; /* F: a CAPWAP fragment */
    expect_outcome(buf, len, DECODE_UNSUPPORTED, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    free(buf);

    /* T with the 802.11 binding; over IPv6. */
    buf = WRAP_UDP(&len, 6, 5247, PART(capwap_80211), PART(wlan_qos_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_CAPWAP, 6, false, 0);
    free(buf);
    buf = WRAP_UDP(&len, 4, 5247, PART(capwap_80211), PART(wlan_qos_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    expect_tunnelled_hello(buf, len, 4, DECODE_TUNNEL_CAPWAP, 4, false, 0);
    buf[U4 + 2] = 0x05; /* WBID 2 with T: no native format we know */
    expect_outcome(buf, len, DECODE_UDP, (struct decode_stats){ .frames = 1, .udp = 1 });
    buf[U4 + 2] = 0x03;
    buf[WLAN_FLAGS] = 0x41; /* Protected */
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1, .tunnels = 1 });
    buf[WLAN_FLAGS] = 0x01;
    buf[WLAN_FLAGS - 1] = 0x80; /* a management frame */
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1, .tunnels = 1 });
    buf[WLAN_FLAGS - 1] = 0x88;
    buf[WLAN_FLAGS + 23] = 0x80; /* QoS control: an A-MSDU */
    expect_outcome(buf, len, DECODE_UNSUPPORTED,
                   (struct decode_stats){ .frames = 1, .unsupported_link = 1, .tunnels = 1 });
    buf[WLAN_FLAGS + 23] = 0x00;
    buf[WLAN_FLAGS + 25] = 0xab; /* not SNAP */
    expect_outcome(buf, len, DECODE_SKIP, (struct decode_stats){ .frames = 1, .not_tcp = 1, .tunnels = 1 });
    free(buf);
}

static void test_tunnel_names(void **state)
{
    (void)state;
    assert_null(decode_tunnel_name(DECODE_TUNNEL_NONE));
    assert_string_equal(decode_tunnel_name(DECODE_TUNNEL_GRE), "gre");
    assert_string_equal(decode_tunnel_name(DECODE_TUNNEL_ERSPAN), "erspan");
    assert_string_equal(decode_tunnel_name(DECODE_TUNNEL_VXLAN), "vxlan");
    assert_string_equal(decode_tunnel_name(DECODE_TUNNEL_GENEVE), "geneve");
    assert_string_equal(decode_tunnel_name(DECODE_TUNNEL_IPIP), "ipip");
    assert_string_equal(decode_tunnel_name(DECODE_TUNNEL_GTPU), "gtpu");
    assert_string_equal(decode_tunnel_name(DECODE_TUNNEL_CAPWAP), "capwap");
    assert_null(decode_tunnel_name(99));
}

/* ---- truncation ---------------------------------------------------------- */

static void test_snaplen_truncated_payload(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    /* Captured 56 of the 59 bytes on the wire: 2 of 5 payload bytes. The
     * copy is exact-size so an over-read is caught. */
    uint8_t *cut = test_exact_copy(buf, 56);
    struct pkt pkt;
    struct decode_stats st = { 0 };
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, cut, 56, len, &pkt, &st), DECODE_TCP);
    assert_int_equal(pkt.payload_len, 5);
    assert_int_equal(pkt.payload.n, 2);
    assert_memory_equal(pkt.payload.p, "he", 2);
    expect_in_buffer(&pkt, cut, 56, 54);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1, .payload_truncated = 1 });

    /* Cut inside the TCP header: the header is needed, so TRUNCATED. */
    memset(&st, 0, sizeof(st));
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, cut, 40, len, &pkt, &st), DECODE_TRUNCATED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .truncated = 1 });

    /* Nothing captured at all. */
    memset(&st, 0, sizeof(st));
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, NULL, 0, len, &pkt, &st), DECODE_TRUNCATED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .truncated = 1 });
    free(cut);
    free(buf);
}

/* A valid frame and where its layers lie, for the prefix test. */
struct prefix_case {
    const char *name;
    int linktype;
    uint8_t *buf;
    size_t len;
    size_t ip_fixed_end;  /* end of the fixed IPv4/IPv6 header */
    size_t payload_off;   /* first TCP payload byte */
    size_t ip_end;        /* end of the IP datagram (padding follows) */
    uint32_t payload_len;
    /* Tunnels: the first byte past the outermost tunnel's header(s), where
     * the frame starts counting in `tunnels`; 0 when there is no tunnel.
     * ip_fixed_end and ip_end are the outer IP header's. */
    size_t tunnel_off;
};

static void check_prefixes(const struct prefix_case *c)
{
    struct pkt pkt;
    for (size_t k = 0; k < c->len; k++) {
        uint8_t *cut = test_exact_copy(c->buf, k);

        /* The snaplen cut the frame at k: the wire had all c->len bytes. */
        struct decode_stats st = { 0 };
        enum decode_result r = run_wire(c->linktype, cut, k, c->len, &pkt, &st);
        if (k < c->payload_off) {
            if (r != DECODE_TRUNCATED)
                fail_msg("%s: prefix %zu of %zu: result %d, want TRUNCATED", c->name, k, c->len, (int)r);
            expect_stats(&st, (struct decode_stats){ .frames = 1, .truncated = 1,
                                                     .tunnels = c->tunnel_off && k >= c->tunnel_off });
        } else {
            if (r != DECODE_TCP)
                fail_msg("%s: prefix %zu of %zu: result %d, want TCP", c->name, k, c->len, (int)r);
            size_t got = (k < c->ip_end ? k : c->ip_end) - c->payload_off;
            assert_int_equal(pkt.payload_len, c->payload_len);
            assert_int_equal(pkt.payload.n, got);
            expect_in_buffer(&pkt, cut, k, c->payload_off);
            expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1,
                                                     .payload_truncated = got < c->payload_len,
                                                     .tunnels = c->tunnel_off != 0 });
        }

        /* The frame was only k bytes on the wire too: the IP length lies. */
        memset(&st, 0, sizeof(st));
        r = run_wire(c->linktype, cut, k, k, &pkt, &st);
        if (k < c->ip_fixed_end) {
            if (r != DECODE_TRUNCATED)
                fail_msg("%s: runt %zu of %zu: result %d, want TRUNCATED", c->name, k, c->len, (int)r);
        } else if (k < c->ip_end) {
            if (r != DECODE_MALFORMED || st.bad_ip != 1)
                fail_msg("%s: runt %zu of %zu: result %d, want MALFORMED (bad_ip)", c->name, k, c->len, (int)r);
        } else {
            /* Only padding was cut. */
            if (r != DECODE_TCP)
                fail_msg("%s: runt %zu of %zu: result %d, want TCP", c->name, k, c->len, (int)r);
            assert_int_equal(pkt.payload.n, c->payload_len);
        }
        assert_int_equal(st.frames, 1);
        assert_int_equal(outcome_sum(&st), 1);
        free(cut);
    }
}

static void test_every_prefix(void **state)
{
    (void)state;
    static const uint8_t pad[] = { 0x00, 0x00, 0x00 }; /* Ethernet padding */
    struct prefix_case cases[32];
    size_t n = 0;
    size_t len;
    uint8_t *b;

#define ADD(nm, lt, fixed, poff, iend, plen) \
    cases[n++] = (struct prefix_case){ (nm), (lt), b, len, (fixed), (poff), (iend), (plen), 0 }

    b = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    ADD("eth ipv4", DECODE_LINK_EN10MB, 34, 54, 59, 5);
    b = CAT(&len, PART(eth_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    ADD("eth ipv6", DECODE_LINK_EN10MB, 54, 74, 79, 5);
    b = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello), PART(pad));
    ADD("eth ipv4 padded", DECODE_LINK_EN10MB, 34, 54, 59, 5);
    b = CAT(&len, PART(eth_ipv4), PART(ipv4_opts_syn));
    ADD("eth ipv4 options", DECODE_LINK_EN10MB, 34, 62, 62, 0);
    b = CAT(&len, PART(eth_qinq), PART(ipv4_tcp), PART(tcp_hello));
    ADD("qinq", DECODE_LINK_EN10MB, 42, 62, 67, 5);
    b = CAT(&len, PART(eth_mpls2), PART(ipv6_tcp), PART(tcp_hello));
    ADD("mpls ipv6", DECODE_LINK_EN10MB, 62, 82, 87, 5);
    b = CAT(&len, PART(sll_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    ADD("sll", DECODE_LINK_LINUX_SLL, 36, 56, 61, 5);
    b = CAT(&len, PART(sll2_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    ADD("sll2", DECODE_LINK_LINUX_SLL2, 60, 80, 85, 5);
    b = CAT(&len, PART(null_inet6_30_be), PART(ipv6_tcp), PART(tcp_hello));
    ADD("null", DECODE_LINK_NULL, 44, 64, 69, 5);
    b = CAT(&len, PART(null_inet_be), PART(ipv4_tcp), PART(tcp_hello));
    ADD("loop as dlt 12", DECODE_LINK_RAW_ALT1, 24, 44, 49, 5);
    b = CAT(&len, PART(ipv6_hbh_dst), PART(tcp_hello));
    ADD("raw ipv6 ext", DECODE_LINK_RAW, 40, 84, 89, 5);
    b = CAT(&len, PART(ipv6_ah), PART(tcp_hello));
    ADD("raw ipv6 ah", DECODE_LINK_IPV6, 40, 84, 89, 5);
    b = CAT(&len, PART(ipv6_frag_head), PART(frag_atomic), PART(tcp_hello));
    ADD("raw ipv6 atomic fragment", DECODE_LINK_RAW, 40, 68, 73, 5);

    /* Tunnels: the outer IP header bounds everything, so a runt below its
     * end is a lying outer length; a snaplen cut anywhere before the inner
     * payload is TRUNCATED, at every depth. */
#define ADDT(nm, fixed, toff) \
    cases[n++] = (struct prefix_case){ (nm), DECODE_LINK_EN10MB, b, len, (fixed), len - 5, len, 5, (toff) }
    b = WRAP(&len, 4, 47, PART(gre_cks_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    ADDT("gre keyed", 34, T4 + sizeof(gre_cks_ipv6));
    b = WRAP(&len, 4, 47, PART(gre_erspan1), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    ADDT("erspan i", 34, T4 + sizeof(gre_erspan1));
    b = WRAP(&len, 4, 47, PART(gre_erspan2), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    ADDT("erspan ii", 34, T4 + sizeof(gre_erspan2));
    b = WRAP(&len, 6, 47, PART(gre_erspan3_o), PART(eth_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    ADDT("erspan iii subheader", 54, 54 + sizeof(gre_erspan3_o));
    b = WRAP_UDP(&len, 4, 4789, PART(vxlan_hdr), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    ADDT("vxlan", 34, U4 + sizeof(vxlan_hdr));
    b = WRAP_UDP(&len, 4, 6081, PART(geneve_opts), PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    ADDT("geneve options", 34, U4 + sizeof(geneve_opts));
    b = WRAP_UDP(&len, 4, 2152, PART(gtpu_ext_ipv6), PART(ipv6_tcp), PART(tcp_hello));
    ADDT("gtpu extension", 34, U4 + sizeof(gtpu_ext_ipv6));
    b = WRAP_UDP(&len, 4, 2152, PART(gtpu_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    ADDT("gtpu", 34, U4 + sizeof(gtpu_ipv4));
    b = WRAP(&len, 4, 4, PART(ipv4_tcp), PART(tcp_hello));
    ADDT("ipip", 34, T4);
    b = WRAP(&len, 4, 41, PART(ipv6_tcp), PART(tcp_hello));
    ADDT("6in4", 34, T4);
    b = WRAP(&len, 6, 4, PART(ipv4_tcp), PART(tcp_hello));
    ADDT("ipv4 in ipv6", 54, 54);
    b = nested_erspan_vxlan(&len);
    ADDT("erspan around vxlan", 34, T4 + sizeof(gre_erspan2));
    b = ipip_nest(DECODE_MAX_TUNNELS, &len);
    ADDT("ipip at the depth bound", 34, T4);
#undef ADDT
#undef ADD
    assert_true(n <= sizeof(cases) / sizeof(cases[0]));

    for (size_t i = 0; i < n; i++) {
        /* The whole frame decodes; then each strict prefix. */
        struct pkt pkt;
        struct decode_stats st;
        assert_int_equal(run(cases[i].linktype, cases[i].buf, cases[i].len, &pkt, &st), DECODE_TCP);
        check_prefixes(&cases[i]);
        free(cases[i].buf);
    }
}

/* ---- state between frames ----------------------------------------------- */

static void test_pkt_reset_between_frames(void **state)
{
    (void)state;
    size_t len4, len6;
    uint8_t *tagged4 = CAT(&len4, PART(eth_qinq), PART(ipv4_tcp), PART(tcp_hello));
    uint8_t *raw6 = CAT(&len6, PART(ipv6_tcp), PART(tcp_hello));
    struct pkt pkt;
    struct decode_stats st = { 0 };
    /* IPv6, then VLAN-tagged IPv4, then IPv6 again into the same pkt: no
     * stale address bytes or tags carried over; stats accumulate. */
    assert_int_equal(run_wire(DECODE_LINK_RAW, raw6, len6, len6, &pkt, &st), DECODE_TCP);
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, tagged4, len4, len4, &pkt, &st), DECODE_TCP);
    expect_v4(&pkt); /* bytes 4..15 of the addresses are zero again */
    assert_int_equal(pkt.vlan_count, 2);
    assert_int_equal(run_wire(DECODE_LINK_RAW, raw6, len6, len6, &pkt, &st), DECODE_TCP);
    expect_v6(&pkt);
    assert_int_equal(pkt.vlan_count, 0);
    assert_int_equal(run_wire(DECODE_LINK_RAW, raw6, 10, len6, &pkt, &st), DECODE_TRUNCATED);
    expect_stats(&st, (struct decode_stats){ .frames = 4, .tcp = 3, .truncated = 1 });

    /* A tunnelled frame over IPv6, then a plain one: no tunnel fields left. */
    size_t lent;
    uint8_t *tun = WRAP(&lent, 6, 4, PART(ipv4_tcp), PART(tcp_hello));
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, tun, lent, lent, &pkt, &st), DECODE_TCP);
    assert_int_equal(pkt.tunnel_type, DECODE_TUNNEL_IPIP);
    expect_v4(&pkt);
    assert_int_equal(run_wire(DECODE_LINK_EN10MB, tagged4, len4, len4, &pkt, &st), DECODE_TCP);
    assert_int_equal(pkt.tunnel_type, DECODE_TUNNEL_NONE);
    assert_int_equal(pkt.tunnel_depth, 0);
    assert_int_equal(pkt.tunnel_ip_version, 0);
    static const uint8_t zero16[16] = { 0 };
    assert_memory_equal(pkt.tunnel_src, zero16, 16);
    assert_false(pkt.tunnel_has_id);
    expect_stats(&st, (struct decode_stats){ .frames = 6, .tcp = 5, .truncated = 1, .tunnels = 1 });
    free(tun);
    free(tagged4);
    free(raw6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eth_ipv4_tcp),
        cmocka_unit_test(test_eth_ipv6_tcp),
        cmocka_unit_test(test_eth_padding_trimmed),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_qinq),
        cmocka_unit_test(test_three_tags_keeps_two),
        cmocka_unit_test(test_tag_limit),
        cmocka_unit_test(test_mpls),
        cmocka_unit_test(test_sll),
        cmocka_unit_test(test_sll2),
        cmocka_unit_test(test_null_loopback),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_raw_ip),
        cmocka_unit_test(test_trailing_byte),
        cmocka_unit_test(test_unknown_link),
        cmocka_unit_test(test_ppp),
        cmocka_unit_test(test_ipv6_ext_headers),
        cmocka_unit_test(test_ipv6_ah_esp),
        cmocka_unit_test(test_ipv6_fragment),
        cmocka_unit_test(test_ipv6_bad_lengths),
        cmocka_unit_test(test_ipv4_fragment),
        cmocka_unit_test(test_udp_datagram),
        cmocka_unit_test(test_pppoe),
        cmocka_unit_test(test_capwap),
        cmocka_unit_test(test_gre),
        cmocka_unit_test(test_gre_ethernet_vlans),
        cmocka_unit_test(test_gre_bad),
        cmocka_unit_test(test_erspan),
        cmocka_unit_test(test_erspan_truncated_bit),
        cmocka_unit_test(test_vxlan),
        cmocka_unit_test(test_vxlan_gpe),
        cmocka_unit_test(test_geneve),
        cmocka_unit_test(test_gtpu),
        cmocka_unit_test(test_ip_in_ip),
        cmocka_unit_test(test_tunnel_nesting),
        cmocka_unit_test(test_tunnel_names),
        cmocka_unit_test(test_ipv4_malformed),
        cmocka_unit_test(test_tcp_malformed),
        cmocka_unit_test(test_snaplen_truncated_payload),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_pkt_reset_between_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
