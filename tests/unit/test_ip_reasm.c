/* test_ip_reasm.c - unit tests for capture/ip_reasm.c, and for the decoder
 * handing fragments to it (decode_frame_reasm()).
 *
 * The first half drives ip_reasm_add() with fragments described field by
 * field; the second half decodes whole frames (Ethernet, IPv4/IPv6, a GRE
 * tunnel whose outer header was fragmented) and checks that the datagram
 * the last fragment completes decodes exactly as the unfragmented one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "capture/ip_reasm.h"

#define SEC 1000000u

/* IPv4 header of the first fragment: what the reassembled packet keeps. */
static const uint8_t v4_header[] = {
    0x45,                   /* version 4, IHL 5 */
    0x00,                   /* DSCP/ECN */
    0x00, 0x1c,             /* total length of this fragment (rewritten) */
    0xbe, 0xef,             /* identification */
    0x20, 0x00,             /* MF, offset 0 (cleared in the result) */
    0x40,                   /* TTL */
    0x11,                   /* protocol UDP */
    0x00, 0x00,             /* checksum */
    0xc0, 0x00, 0x02, 0x01, /* source 192.0.2.1 */
    0xc6, 0x33, 0x64, 0x02, /* destination 198.51.100.2 */
};

/* IPv6 header and a hop-by-hop options header: the unfragmentable part. */
static const uint8_t v6_unfrag[] = {
    0x60, 0x00, 0x00, 0x00, /* version 6 */
    0x00, 0x18,             /* payload length of this fragment (rewritten) */
    0x00,                   /* next header: hop-by-hop */
    0x40,                   /* hop limit */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* 2001:db8::1 */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, /* 2001:db8::2 */
    0x2c,                   /* hop-by-hop: next header Fragment (rewritten to UDP) */
    0x00,                   /* length 0: 8 bytes */
    0x01, 0x04, 0, 0, 0, 0, /* PadN option */
};
#define V6_NEXT_AT 40       /* the hop-by-hop header's Next Header byte */

static uint8_t pattern[65536];

static struct ip_reasm *new_reasm(uint32_t datagrams, uint64_t bytes)
{
    struct ip_reasm_config cfg;
    ip_reasm_defaults(&cfg);
    cfg.max_datagrams = datagrams;
    cfg.max_bytes = bytes;
    struct ip_reasm *r = ip_reasm_new(&cfg);
    assert_non_null(r);
    return r;
}

/* A fragment of datagram `id` carrying pattern[offset .. offset+len). */
static struct ip_reasm_frag frag(int version, uint32_t id, uint32_t offset, uint32_t len, bool more)
{
    struct ip_reasm_frag f;
    memset(&f, 0, sizeof(f));
    f.version = (uint8_t)version;
    f.proto = 17;
    f.id = id;
    f.src[0] = 1;
    f.dst[0] = 2;
    if (version == 4) {
        f.header = span_make(v4_header, sizeof(v4_header));
    } else {
        f.header = span_make(v6_unfrag, sizeof(v6_unfrag));
        f.next_header_at = V6_NEXT_AT;
    }
    f.offset = offset;
    f.more = more;
    f.data = span_make(pattern + offset, len);
    return f;
}

static enum ip_reasm_result add(struct ip_reasm *r, uint64_t t, struct ip_reasm_frag f, struct span *out)
{
    return ip_reasm_add(r, t, &f, out);
}

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 7 + i / 251);
    return 0;
}

/* The reassembled IPv4 packet: the first fragment's header with total
 * length set and MF/offset cleared, then `len` bytes of the pattern. */
static void expect_v4_datagram(struct span d, uint32_t len)
{
    assert_int_equal(d.n, 20 + len);
    uint8_t want[20];
    memcpy(want, v4_header, 20);
    want[2] = (uint8_t)((20 + len) >> 8);
    want[3] = (uint8_t)(20 + len);
    want[6] = 0x00;
    assert_memory_equal(d.p, want, 20);
    assert_memory_equal(d.p + 20, pattern, len);
}

static void test_in_order(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(4, 65536);
    struct span d = { 0 };
    assert_int_equal(add(r, 1, frag(4, 7, 0, 1480, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 2, frag(4, 7, 1480, 1480, true), &d), IP_REASM_HELD);
    assert_int_equal(ip_reasm_in_progress(r), 1);
    assert_int_equal(ip_reasm_bytes_held(r), 3 * 1024);
    assert_int_equal(add(r, 3, frag(4, 7, 2960, 45, false), &d), IP_REASM_DONE);
    expect_v4_datagram(d, 3005);
    const struct ip_reasm_stats *st = ip_reasm_stats(r);
    assert_int_equal(st->fragments, 3);
    assert_int_equal(st->reassembled, 1);
    assert_int_equal(st->overlaps + st->duplicates + st->evicted + st->timeouts + st->malformed, 0);
    assert_int_equal(ip_reasm_in_progress(r), 0);
    assert_int_equal(ip_reasm_bytes_held(r), 0);
    ip_reasm_free(r);
}

static void test_reverse_order(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(4, 65536);
    struct span d = { 0 };
    assert_int_equal(add(r, 1, frag(4, 7, 2960, 45, false), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 2, frag(4, 7, 1480, 1480, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 3, frag(4, 7, 0, 1480, true), &d), IP_REASM_DONE);
    expect_v4_datagram(d, 3005);
    ip_reasm_free(r);
}

/* IPv4: a later fragment overlapping held bytes with other bytes loses to
 * the first copy; only its new bytes are taken. */
static void test_v4_overlap_first_copy_wins(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(4, 65536);
    struct span d = { 0 };
    struct ip_reasm_frag a = frag(4, 9, 0, 16, true);
    assert_int_equal(ip_reasm_add(r, 1, &a, &d), IP_REASM_HELD);
    /* bytes 8..23 with different content in 8..15 */
    uint8_t other[16];
    memcpy(other, pattern + 8, 16);
    memset(other, 0xee, 8);
    struct ip_reasm_frag b = frag(4, 9, 8, 16, false);
    b.data = span_make(other, sizeof(other));
    assert_int_equal(ip_reasm_add(r, 2, &b, &d), IP_REASM_DONE);
    expect_v4_datagram(d, 24);
    assert_int_equal(ip_reasm_stats(r)->overlaps, 1);
    assert_int_equal(ip_reasm_stats(r)->duplicates, 0);
    ip_reasm_free(r);
}

/* The same fragment twice (a mirror port's duplicate) is no overlap, for
 * IPv4 and IPv6 alike. */
static void test_duplicate(void **state)
{
    (void)state;
    for (int v = 4; v <= 6; v += 2) {
        struct ip_reasm *r = new_reasm(4, 65536);
        struct span d = { 0 };
        assert_int_equal(add(r, 1, frag(v, 3, 0, 64, true), &d), IP_REASM_HELD);
        assert_int_equal(add(r, 2, frag(v, 3, 0, 64, true), &d), IP_REASM_HELD);
        assert_int_equal(add(r, 3, frag(v, 3, 64, 10, false), &d), IP_REASM_DONE);
        assert_int_equal(ip_reasm_stats(r)->duplicates, 1);
        assert_int_equal(ip_reasm_stats(r)->overlaps + ip_reasm_stats(r)->rfc5722_dropped, 0);
        ip_reasm_free(r);
    }
}

/* IPv6: the datagram rebuilt per RFC 8200 section 4.5. */
static void test_v6_rebuild(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(4, 65536);
    struct span d = { 0 };
    assert_int_equal(add(r, 1, frag(6, 0x01020304, 1232, 100, false), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 2, frag(6, 0x01020304, 0, 1232, true), &d), IP_REASM_DONE);
    assert_int_equal(d.n, sizeof(v6_unfrag) + 1332);
    uint8_t want[sizeof(v6_unfrag)];
    memcpy(want, v6_unfrag, sizeof(want));
    want[4] = (8 + 1332) >> 8; /* payload length: hop-by-hop and the data */
    want[5] = (uint8_t)(8 + 1332);
    want[V6_NEXT_AT] = 17;     /* the Fragment header's Next Header */
    assert_memory_equal(d.p, want, sizeof(want));
    assert_memory_equal(d.p + sizeof(v6_unfrag), pattern, 1332);
    ip_reasm_free(r);
}

/* RFC 5722: an overlap drops the whole IPv6 datagram, and the fragments
 * still to come, until the timeout frees the key. */
static void test_rfc5722(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(4, 65536);
    struct span d = { 0 };
    assert_int_equal(add(r, 0, frag(6, 5, 0, 24, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 1, frag(6, 5, 16, 24, true), &d), IP_REASM_DROPPED);
    assert_int_equal(ip_reasm_stats(r)->rfc5722_dropped, 1);
    assert_int_equal(ip_reasm_bytes_held(r), 0);
    assert_int_equal(add(r, 2, frag(6, 5, 40, 8, false), &d), IP_REASM_DROPPED);
    assert_int_equal(add(r, 3, frag(6, 5, 0, 24, true), &d), IP_REASM_DROPPED);
    assert_int_equal(ip_reasm_stats(r)->late, 2);
    /* After the timeout the key is free again; a dropped datagram is not
     * counted as timed out. */
    uint64_t later = IP_REASM_DEFAULT_TIMEOUT_US + 1;
    assert_int_equal(add(r, later, frag(6, 5, 0, 24, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, later, frag(6, 5, 24, 8, false), &d), IP_REASM_DONE);
    assert_int_equal(ip_reasm_stats(r)->timeouts, 0);
    assert_int_equal(ip_reasm_stats(r)->reassembled, 1);
    ip_reasm_free(r);
}

static void test_timeout(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(4, 65536);
    struct span d = { 0 };
    assert_int_equal(add(r, 10 * SEC, frag(4, 1, 0, 8, true), &d), IP_REASM_HELD);
    /* 29.999999 s later the datagram is still there. */
    assert_int_equal(add(r, 40 * SEC - 1, frag(4, 2, 0, 8, true), &d), IP_REASM_HELD);
    assert_int_equal(ip_reasm_stats(r)->timeouts, 0);
    /* At 30 s it is gone: its last fragment starts a datagram of its own. */
    assert_int_equal(add(r, 40 * SEC, frag(4, 1, 8, 8, false), &d), IP_REASM_HELD);
    assert_int_equal(ip_reasm_stats(r)->timeouts, 1);
    assert_int_equal(ip_reasm_in_progress(r), 2);
    /* Capture time going backwards expires nothing. */
    ip_reasm_expire(r, 5 * SEC);
    assert_int_equal(ip_reasm_in_progress(r), 2);
    ip_reasm_expire(r, 80 * SEC);
    assert_int_equal(ip_reasm_in_progress(r), 0);
    assert_int_equal(ip_reasm_stats(r)->timeouts, 3);
    ip_reasm_free(r);
}

/* Out of datagram slots: the oldest goes. */
static void test_evict_datagrams(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(2, 65536);
    struct span d = { 0 };
    assert_int_equal(add(r, 1, frag(4, 1, 0, 8, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 2, frag(4, 2, 0, 8, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 3, frag(4, 3, 0, 8, true), &d), IP_REASM_HELD);
    assert_int_equal(ip_reasm_stats(r)->evicted, 1);
    assert_int_equal(ip_reasm_stats(r)->peak_datagrams, 2);
    /* 2 and 3 complete; 1 was evicted, its end starts over. */
    assert_int_equal(add(r, 4, frag(4, 2, 8, 1, false), &d), IP_REASM_DONE);
    assert_int_equal(add(r, 5, frag(4, 3, 8, 1, false), &d), IP_REASM_DONE);
    assert_int_equal(add(r, 6, frag(4, 1, 8, 1, false), &d), IP_REASM_HELD);
    ip_reasm_free(r);
}

/* Out of bytes: older datagrams are evicted until the chunks are there. */
static void test_evict_bytes(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(8, 65536); /* 64 chunks of 1 KiB */
    struct span d = { 0 };
    assert_int_equal(add(r, 1, frag(4, 1, 0, 40 * 1024, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 2, frag(4, 2, 0, 16 * 1024, true), &d), IP_REASM_HELD);
    assert_int_equal(ip_reasm_bytes_held(r), 56 * 1024);
    assert_int_equal(add(r, 3, frag(4, 3, 0, 20 * 1024, true), &d), IP_REASM_HELD);
    assert_int_equal(ip_reasm_stats(r)->evicted, 1);
    assert_int_equal(ip_reasm_bytes_held(r), 36 * 1024);
    /* A datagram bigger than all others together evicts them all. */
    assert_int_equal(add(r, 4, frag(4, 3, 20 * 1024, 43 * 1024, true), &d), IP_REASM_HELD);
    assert_int_equal(ip_reasm_stats(r)->evicted, 2);
    assert_int_equal(ip_reasm_in_progress(r), 1);
    assert_int_equal(ip_reasm_bytes_held(r), 63 * 1024);
    ip_reasm_free(r);
}

static void test_too_big(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(4, 65536);
    struct span d = { 0 };
    /* Past 65535 on its own. */
    assert_int_equal(add(r, 1, frag(4, 1, 65528, 8, false), &d), IP_REASM_DROPPED);
    assert_int_equal(ip_reasm_stats(r)->too_big, 1);
    /* 65520 data bytes fit a fragment but not a packet with a 20-byte header:
     * known once the datagram is whole. */
    assert_int_equal(add(r, 2, frag(4, 2, 0, 32768, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 3, frag(4, 2, 32768, 32752, false), &d), IP_REASM_DROPPED);
    assert_int_equal(ip_reasm_stats(r)->too_big, 2);
    assert_int_equal(ip_reasm_in_progress(r), 0);
    /* 65515 is the most that fits. */
    assert_int_equal(add(r, 4, frag(4, 3, 0, 32768, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 5, frag(4, 3, 32768, 32747, false), &d), IP_REASM_DONE);
    expect_v4_datagram(d, 65515);
    ip_reasm_free(r);
}

static void test_malformed(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(4, 65536);
    struct span d = { 0 };
    /* A fragment with more to come must carry a multiple of 8. */
    assert_int_equal(add(r, 1, frag(4, 1, 0, 12, true), &d), IP_REASM_DROPPED);
    assert_int_equal(ip_reasm_stats(r)->malformed, 1);
    /* Two last fragments that disagree: the datagram goes. */
    assert_int_equal(add(r, 2, frag(4, 2, 0, 16, true), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 3, frag(4, 2, 24, 4, false), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 4, frag(4, 2, 24, 8, false), &d), IP_REASM_DROPPED);
    assert_int_equal(ip_reasm_stats(r)->malformed, 2);
    assert_int_equal(ip_reasm_in_progress(r), 0);
    /* A fragment past the known end. */
    assert_int_equal(add(r, 5, frag(4, 3, 8, 8, false), &d), IP_REASM_HELD);
    assert_int_equal(add(r, 6, frag(4, 3, 16, 8, true), &d), IP_REASM_DROPPED);
    assert_int_equal(ip_reasm_stats(r)->malformed, 3);
    /* Cut by the snaplen. */
    struct ip_reasm_frag f = frag(4, 4, 0, 8, true);
    f.cut = true;
    assert_int_equal(ip_reasm_add(r, 7, &f, &d), IP_REASM_DROPPED);
    assert_int_equal(ip_reasm_stats(r)->malformed, 4);
    ip_reasm_free(r);
}

/* Different keys never mix: protocol (IPv4 only), context, addresses. */
static void test_keys(void **state)
{
    (void)state;
    struct ip_reasm *r = new_reasm(8, 65536);
    struct span d = { 0 };
    assert_int_equal(add(r, 1, frag(4, 1, 0, 8, true), &d), IP_REASM_HELD);
    struct ip_reasm_frag f = frag(4, 1, 8, 8, false);
    f.proto = 6;
    assert_int_equal(ip_reasm_add(r, 2, &f, &d), IP_REASM_HELD);
    f = frag(4, 1, 8, 8, false);
    f.context = 1;
    assert_int_equal(ip_reasm_add(r, 3, &f, &d), IP_REASM_HELD);
    f = frag(4, 1, 8, 8, false);
    f.dst[15] = 1;
    assert_int_equal(ip_reasm_add(r, 4, &f, &d), IP_REASM_HELD);
    assert_int_equal(ip_reasm_in_progress(r), 4);
    assert_int_equal(add(r, 5, frag(4, 1, 8, 8, false), &d), IP_REASM_DONE);
    ip_reasm_free(r);
}

static void test_config(void **state)
{
    (void)state;
    struct ip_reasm_config cfg = { 0, 65536, SEC };
    assert_null(ip_reasm_new(&cfg));
    cfg.max_datagrams = 1;
    cfg.max_bytes = 65535; /* less than one datagram */
    assert_null(ip_reasm_new(&cfg));
}

/* ---- through the decoder ------------------------------------------------ */

static const uint8_t eth_v4[] = {
    0x02, 0, 0, 0, 0, 0x02, /* destination MAC */
    0x02, 0, 0, 0, 0, 0x01, /* source MAC */
    0x08, 0x00,             /* IPv4 */
};

/* A UDP datagram 192.0.2.1:5000 -> 198.51.100.2:443 with `n` payload bytes
 * of the pattern, as one unfragmented frame: Ethernet, IPv4, UDP. */
static size_t udp_frame(uint8_t *buf, uint16_t n)
{
    memcpy(buf, eth_v4, 14);
    uint8_t *ip = buf + 14;
    memcpy(ip, v4_header, 20);
    uint16_t total = (uint16_t)(20 + 8 + n);
    ip[2] = (uint8_t)(total >> 8);
    ip[3] = (uint8_t)total;
    ip[6] = 0;
    uint8_t udp[8] = {
        0x13, 0x88,                 /* source port 5000 */
        0x01, 0xbb,                 /* destination port 443 */
        (uint8_t)((8 + n) >> 8), (uint8_t)(8 + n), /* length */
        0x00, 0x00,                 /* checksum */
    };
    memcpy(ip + 20, udp, 8);
    memcpy(ip + 28, pattern, n);
    return 14 + (size_t)total;
}

/* The IPv4 packet in `whole` (after its Ethernet header) cut into fragments
 * of `mtu` bytes of IP packet, each a frame in its own exact-size buffer. */
static size_t fragment_v4(const uint8_t *whole, size_t len, size_t mtu, uint8_t **frames, size_t *lens, size_t max)
{
    const uint8_t *ip = whole + 14;
    size_t data_len = len - 14 - 20, step = (mtu - 20) / 8 * 8, k = 0;
    for (size_t off = 0; off < data_len && k < max; off += step, k++) {
        size_t n = data_len - off < step ? data_len - off : step;
        lens[k] = 14 + 20 + n;
        frames[k] = malloc(lens[k]);
        assert_non_null(frames[k]);
        memcpy(frames[k], eth_v4, 14);
        memcpy(frames[k] + 14, ip, 20);
        frames[k][16] = (uint8_t)((20 + n) >> 8);
        frames[k][17] = (uint8_t)(20 + n);
        uint16_t fo = (uint16_t)((off / 8) | (off + n < data_len ? 0x2000 : 0));
        frames[k][20] = (uint8_t)(fo >> 8);
        frames[k][21] = (uint8_t)fo;
        memcpy(frames[k] + 34, ip + 20 + off, n);
    }
    return k;
}

static void free_frames(uint8_t **frames, size_t k)
{
    for (size_t i = 0; i < k; i++)
        free(frames[i]);
}

static void test_decode_fragmented_udp(void **state)
{
    (void)state;
    static uint8_t whole[14 + 20 + 8 + 1300];
    size_t len = udp_frame(whole, 1300);
    struct decode_stats st;
    memset(&st, 0, sizeof(st));
    struct pkt ref;
    assert_int_equal(decode_frame(DECODE_LINK_EN10MB, whole, (uint32_t)len, (uint32_t)len, 1, &ref, &st),
                     DECODE_UDP);

    uint8_t *frames[8];
    size_t lens[8];
    size_t k = fragment_v4(whole, len, 576, frames, lens, 8);
    assert_int_equal(k, 3);
    struct ip_reasm *r = new_reasm(4, 65536);
    memset(&st, 0, sizeof(st));
    struct pkt p;
    /* Out of order: last, first, middle. */
    size_t order[3] = { 2, 0, 1 };
    for (size_t i = 0; i < 3; i++) {
        size_t j = order[i];
        enum decode_result res = decode_frame_reasm(r, DECODE_LINK_EN10MB, frames[j], (uint32_t)lens[j],
                                                    (uint32_t)lens[j], 1, &p, &st);
        assert_int_equal(res, i < 2 ? DECODE_SKIP : DECODE_UDP);
    }
    assert_int_equal(st.frames, 3);
    assert_int_equal(st.ip_fragments, 2);
    assert_int_equal(st.udp, 1);
    assert_int_equal(p.sport, 5000);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.payload_len, 1300);
    assert_int_equal(p.payload.n, 1300);
    assert_memory_equal(p.payload.p, ref.payload.p, 1300);
    assert_memory_equal(p.src, ref.src, 16);
    assert_memory_equal(p.dst, ref.dst, 16);
    assert_int_equal(p.l3.n, ref.l3.n);
    assert_memory_equal(p.l3.p, ref.l3.p, ref.l3.n);

    /* Without a reassembler every fragment is only counted. */
    memset(&st, 0, sizeof(st));
    for (size_t i = 0; i < k; i++)
        assert_int_equal(decode_frame(DECODE_LINK_EN10MB, frames[i], (uint32_t)lens[i], (uint32_t)lens[i], 1, &p, &st),
                         DECODE_SKIP);
    assert_int_equal(st.ip_fragments, 3);
    free_frames(frames, k);
    ip_reasm_free(r);
}

/* Every strict prefix of the completing fragment, captured with the whole
 * wire length (snaplen cut) in an exact-size buffer: never a datagram,
 * never a read past the end; the whole fragment then still completes. */
static void test_decode_every_prefix(void **state)
{
    (void)state;
    static uint8_t whole[14 + 20 + 8 + 200];
    size_t len = udp_frame(whole, 200);
    uint8_t *frames[4];
    size_t lens[4];
    size_t k = fragment_v4(whole, len, 148, frames, lens, 4);
    assert_int_equal(k, 2);
    struct ip_reasm *r = new_reasm(4, 65536);
    struct decode_stats st;
    memset(&st, 0, sizeof(st));
    struct pkt p;
    assert_int_equal(decode_frame_reasm(r, DECODE_LINK_EN10MB, frames[0], (uint32_t)lens[0], (uint32_t)lens[0], 1,
                                        &p, &st),
                     DECODE_SKIP);
    for (size_t cut = 0; cut < lens[1]; cut++) {
        uint8_t *b = malloc(cut ? cut : 1);
        assert_non_null(b);
        memcpy(b, frames[1], cut);
        enum decode_result res =
            decode_frame_reasm(r, DECODE_LINK_EN10MB, b, (uint32_t)cut, (uint32_t)lens[1], 2, &p, &st);
        assert_true(res == DECODE_SKIP || res == DECODE_TRUNCATED);
        free(b);
    }
    assert_int_equal(ip_reasm_stats(r)->reassembled, 0);
    assert_int_equal(decode_frame_reasm(r, DECODE_LINK_EN10MB, frames[1], (uint32_t)lens[1], (uint32_t)lens[1], 3,
                                        &p, &st),
                     DECODE_UDP);
    assert_int_equal(p.payload.n, 200);
    assert_memory_equal(p.payload.p, pattern, 200);
    free_frames(frames, k);
    ip_reasm_free(r);
}

/* IPv6: a hop-by-hop header before the Fragment header; the result is the
 * datagram with the Fragment header gone. The second half comes first; then
 * every strict prefix of the first half (snaplen cut) completes nothing. */
static uint8_t *v6_fragment(const uint8_t *udp, size_t udp_len, size_t off, size_t n, bool more, size_t *len)
{
    *len = sizeof(v6_unfrag) + 8 + n;
    uint8_t *b = malloc(*len);
    assert_non_null(b);
    memcpy(b, v6_unfrag, sizeof(v6_unfrag));
    b[4] = (uint8_t)((*len - 40) >> 8);
    b[5] = (uint8_t)(*len - 40);
    uint8_t fh[8] = {
        17,                     /* next header UDP */
        0,                      /* reserved */
        (uint8_t)(off >> 8), (uint8_t)(off | (more ? 1 : 0)), /* offset, M */
        0xca, 0xfe, 0xba, 0xbe, /* identification */
    };
    memcpy(b + sizeof(v6_unfrag), fh, 8);
    assert_true(off + n <= udp_len);
    memcpy(b + sizeof(v6_unfrag) + 8, udp + off, n);
    return b;
}

static void test_decode_v6(void **state)
{
    (void)state;
    enum { N = 300, HALF = 152 };
    uint8_t udp[8 + N];
    udp[0] = 0x13, udp[1] = 0x88;                      /* source port 5000 */
    udp[2] = 0x01, udp[3] = 0xbb;                      /* destination port 443 */
    udp[4] = (8 + N) >> 8, udp[5] = (uint8_t)(8 + N);  /* length */
    udp[6] = udp[7] = 0;                               /* checksum */
    memcpy(udp + 8, pattern, N);
    struct ip_reasm *r = new_reasm(4, 65536);
    struct decode_stats st;
    memset(&st, 0, sizeof(st));
    struct pkt p;
    size_t len;
    uint8_t *b = v6_fragment(udp, sizeof(udp), HALF, sizeof(udp) - HALF, false, &len);
    assert_int_equal(decode_frame_reasm(r, DECODE_LINK_IPV6, b, (uint32_t)len, (uint32_t)len, 1, &p, &st),
                     DECODE_SKIP);
    free(b);
    b = v6_fragment(udp, sizeof(udp), 0, HALF, true, &len);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        assert_non_null(c);
        memcpy(c, b, cut);
        enum decode_result res = decode_frame_reasm(r, DECODE_LINK_IPV6, c, (uint32_t)cut, (uint32_t)len, 2, &p, &st);
        assert_true(res == DECODE_SKIP || res == DECODE_TRUNCATED);
        free(c);
    }
    assert_int_equal(ip_reasm_stats(r)->reassembled, 0);
    assert_int_equal(decode_frame_reasm(r, DECODE_LINK_IPV6, b, (uint32_t)len, (uint32_t)len, 3, &p, &st),
                     DECODE_UDP);
    free(b);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.payload.n, N);
    assert_memory_equal(p.payload.p, pattern, N);
    assert_int_equal(p.l3.n, sizeof(v6_unfrag) + sizeof(udp));
    assert_int_equal(p.l3.p[V6_NEXT_AT], 17);
    ip_reasm_free(r);
}

/* A GRE tunnel whose outer IPv4 header was fragmented (the tunnel overhead
 * pushed a full-size inner packet past the path MTU): reassembled at the
 * outer layer, then decapsulated. */
static void test_decode_outer_fragmented_gre(void **state)
{
    (void)state;
    static uint8_t inner[20 + 8 + 1400];
    static uint8_t whole[14 + 20 + 4 + sizeof(inner)];
    size_t ilen = udp_frame(whole, 1400) - 14; /* borrow the builder for the inner packet */
    memcpy(inner, whole + 14, ilen);
    memcpy(whole, eth_v4, 14);
    uint8_t outer[20] = {
        0x45, 0x00,                 /* version 4, IHL 5 */
        (uint8_t)((20 + 4 + ilen) >> 8), (uint8_t)(20 + 4 + ilen), /* total length */
        0x00, 0x42,                 /* identification */
        0x00, 0x00,                 /* no flags */
        0x40, 0x2f,                 /* TTL, protocol GRE */
        0x00, 0x00,                 /* checksum */
        10, 0, 0, 1,                /* tunnel source 10.0.0.1 */
        10, 0, 0, 2,                /* tunnel destination 10.0.0.2 */
    };
    uint8_t gre[4] = { 0x00, 0x00, 0x08, 0x00 }; /* no flags, version 0, IPv4 */
    memcpy(whole + 14, outer, 20);
    memcpy(whole + 34, gre, 4);
    memcpy(whole + 38, inner, ilen);
    size_t len = 38 + ilen;

    uint8_t *frames[4];
    size_t lens[4];
    size_t k = fragment_v4(whole, len, 1000, frames, lens, 4);
    assert_int_equal(k, 2);
    struct ip_reasm *r = new_reasm(4, 65536);
    struct decode_stats st;
    memset(&st, 0, sizeof(st));
    struct pkt p;
    assert_int_equal(decode_frame_reasm(r, DECODE_LINK_EN10MB, frames[0], (uint32_t)lens[0], (uint32_t)lens[0], 1,
                                        &p, &st),
                     DECODE_SKIP);
    assert_int_equal(decode_frame_reasm(r, DECODE_LINK_EN10MB, frames[1], (uint32_t)lens[1], (uint32_t)lens[1], 1,
                                        &p, &st),
                     DECODE_UDP);
    assert_int_equal(p.tunnel_type, DECODE_TUNNEL_GRE);
    assert_int_equal(p.tunnel_src[3], 1);
    assert_int_equal(p.src[0], 0xc0);
    assert_int_equal(p.payload.n, 1400);
    assert_memory_equal(p.payload.p, pattern, 1400);
    assert_int_equal(st.tunnels, 1);
    free_frames(frames, k);
    ip_reasm_free(r);
}

/* The other way round: whole outer packets of a GRE tunnel, each carrying a
 * fragment of an inner packet (the tenant's own fragments). Reassembled at
 * the inner layer, keyed with the tunnel around it. */
static void test_decode_inner_fragments_in_gre(void **state)
{
    (void)state;
    static uint8_t whole[14 + 20 + 8 + 900];
    size_t len = udp_frame(whole, 900);
    uint8_t *frames[4];
    size_t lens[4];
    size_t k = fragment_v4(whole, len, 500, frames, lens, 4);
    assert_int_equal(k, 2);
    struct ip_reasm *r = new_reasm(4, 65536);
    struct decode_stats st;
    memset(&st, 0, sizeof(st));
    struct pkt p;
    enum decode_result res = DECODE_SKIP;
    for (size_t i = 0; i < k; i++) {
        size_t ilen = lens[i] - 14, olen = 14 + 20 + 4 + ilen;
        uint8_t *o = malloc(olen);
        assert_non_null(o);
        uint8_t outer[20] = {
            0x45, 0x00,                                 /* version 4, IHL 5 */
            (uint8_t)((olen - 14) >> 8), (uint8_t)(olen - 14), /* total length */
            0x00, (uint8_t)i,                           /* identification */
            0x40, 0x00,                                 /* DF: the outer packet is whole */
            0x40, 0x2f,                                 /* TTL, protocol GRE */
            0x00, 0x00,                                 /* checksum */
            10, 0, 0, 1,                                /* tunnel source 10.0.0.1 */
            10, 0, 0, 2,                                /* tunnel destination 10.0.0.2 */
        };
        uint8_t gre[4] = { 0x00, 0x00, 0x08, 0x00 };    /* no flags, version 0, IPv4 */
        memcpy(o, eth_v4, 14);
        memcpy(o + 14, outer, 20);
        memcpy(o + 34, gre, 4);
        memcpy(o + 38, frames[i] + 14, ilen);
        res = decode_frame_reasm(r, DECODE_LINK_EN10MB, o, (uint32_t)olen, (uint32_t)olen, 1, &p, &st);
        assert_int_equal(res, i + 1 < k ? DECODE_SKIP : DECODE_UDP);
        free(o);
    }
    assert_int_equal(p.tunnel_type, DECODE_TUNNEL_GRE);
    assert_int_equal(p.src[0], 0xc0);
    assert_int_equal(p.payload.n, 900);
    assert_memory_equal(p.payload.p, pattern, 900);
    assert_int_equal(st.tunnels, 2);
    assert_int_equal(st.ip_fragments, 1);

    /* The same inner fragments outside the tunnel do not complete it. */
    assert_int_equal(decode_frame_reasm(r, DECODE_LINK_EN10MB, frames[0], (uint32_t)lens[0], (uint32_t)lens[0], 2,
                                        &p, &st),
                     DECODE_SKIP);
    assert_int_equal(ip_reasm_in_progress(r), 1);
    free_frames(frames, k);
    ip_reasm_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_reverse_order),
        cmocka_unit_test(test_v4_overlap_first_copy_wins),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_v6_rebuild),
        cmocka_unit_test(test_rfc5722),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_evict_datagrams),
        cmocka_unit_test(test_evict_bytes),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_decode_fragmented_udp),
        cmocka_unit_test(test_decode_every_prefix),
        cmocka_unit_test(test_decode_v6),
        cmocka_unit_test(test_decode_outer_fragmented_gre),
        cmocka_unit_test(test_decode_inner_fragments_in_gre),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
