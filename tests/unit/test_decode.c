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
    assert_int_equal(got->not_tcp, want.not_tcp);
    assert_int_equal(got->truncated, want.truncated);
    assert_int_equal(got->payload_truncated, want.payload_truncated);
    assert_int_equal(got->bad_ip, want.bad_ip);
    assert_int_equal(got->bad_tcp, want.bad_tcp);
    assert_int_equal(got->ip_fragments, want.ip_fragments);
    assert_int_equal(got->unsupported_link, want.unsupported_link);
}

static uint64_t outcome_sum(const struct decode_stats *st)
{
    return st->tcp + st->not_tcp + st->truncated + st->bad_ip + st->bad_tcp + st->ip_fragments +
           st->unsupported_link;
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

    static const int known[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        assert_true(decode_link_supported(known[i]));
    static const int unknown[] = { -1, 2, 9, 105, 127, 147, 230, 275, 277 };
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        assert_false(decode_link_supported(unknown[i]));
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

static void test_udp_skipped(void **state)
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
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_udp));
    struct pkt pkt;
    struct decode_stats st;
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

static void test_tunnels_unsupported(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    buf[14 + 9] = 47; /* protocol GRE */
    struct pkt pkt;
    struct decode_stats st;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_UNSUPPORTED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    buf[14 + 9] = 4; /* protocol IP-in-IP */
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_UNSUPPORTED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
    buf[12] = 0x88; /* ethertype PPPoE session */
    buf[13] = 0x64;
    assert_int_equal(run(DECODE_LINK_EN10MB, buf, len, &pkt, &st), DECODE_UNSUPPORTED);
    expect_stats(&st, (struct decode_stats){ .frames = 1, .unsupported_link = 1 });
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

/* ---- truncation ---------------------------------------------------------- */

static void test_snaplen_truncated_payload(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = CAT(&len, PART(eth_ipv4), PART(ipv4_tcp), PART(tcp_hello));
    /* Captured 56 of the 59 bytes on the wire: 2 of 5 payload bytes. The
     * copy is exact-size so an over-read is caught. */
    uint8_t *cut = malloc(56);
    assert_non_null(cut);
    memcpy(cut, buf, 56);
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
};

static void check_prefixes(const struct prefix_case *c)
{
    struct pkt pkt;
    for (size_t k = 0; k < c->len; k++) {
        uint8_t *cut = malloc(k ? k : 1);
        assert_non_null(cut);
        memcpy(cut, c->buf, k);

        /* The snaplen cut the frame at k: the wire had all c->len bytes. */
        struct decode_stats st = { 0 };
        enum decode_result r = run_wire(c->linktype, cut, k, c->len, &pkt, &st);
        if (k < c->payload_off) {
            if (r != DECODE_TRUNCATED)
                fail_msg("%s: prefix %zu of %zu: result %d, want TRUNCATED", c->name, k, c->len, (int)r);
            expect_stats(&st, (struct decode_stats){ .frames = 1, .truncated = 1 });
        } else {
            if (r != DECODE_TCP)
                fail_msg("%s: prefix %zu of %zu: result %d, want TCP", c->name, k, c->len, (int)r);
            size_t got = (k < c->ip_end ? k : c->ip_end) - c->payload_off;
            assert_int_equal(pkt.payload_len, c->payload_len);
            assert_int_equal(pkt.payload.n, got);
            expect_in_buffer(&pkt, cut, k, c->payload_off);
            expect_stats(&st, (struct decode_stats){ .frames = 1, .tcp = 1,
                                                     .payload_truncated = got < c->payload_len });
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
    struct prefix_case cases[16];
    size_t n = 0;
    size_t len;
    uint8_t *b;

#define ADD(nm, lt, fixed, poff, iend, plen) \
    cases[n++] = (struct prefix_case){ (nm), (lt), b, len, (fixed), (poff), (iend), (plen) }

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
#undef ADD

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
        cmocka_unit_test(test_ipv6_ext_headers),
        cmocka_unit_test(test_ipv6_ah_esp),
        cmocka_unit_test(test_ipv6_fragment),
        cmocka_unit_test(test_ipv6_bad_lengths),
        cmocka_unit_test(test_ipv4_fragment),
        cmocka_unit_test(test_udp_skipped),
        cmocka_unit_test(test_tunnels_unsupported),
        cmocka_unit_test(test_ipv4_malformed),
        cmocka_unit_test(test_tcp_malformed),
        cmocka_unit_test(test_snaplen_truncated_payload),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_pkt_reset_between_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
