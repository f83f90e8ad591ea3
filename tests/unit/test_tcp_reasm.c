/* test_tcp_reasm.c - flows/tcp_reasm.c: one direction of a TCP stream.
 *
 * Covers the zero-copy fast path (the delivered span points into the
 * caller's payload), out-of-order holding and in-order release, dropped
 * retransmissions, partial overlaps, the "first copy wins" policy for held
 * bytes (RFC 9293 leaves overlapping data to the receiver; we keep the first
 * copy, like Suricata's "first" policy), sequence wrap-around (RFC 9293 3.4),
 * skipping a hole the peer acknowledged, flushing, the bounds on held data,
 * snaplen-truncated segments, a second SYN, and that every held buffer goes
 * back to the pool.
 *
 * Payloads passed in are exact-size heap copies freed right after the call,
 * so AddressSanitizer catches both over-reads and a held segment that was
 * not copied.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/bufpool.h"
#include "flows/tcp_reasm.h"
#include "test_util.h"

#define MAX_CHUNKS 4096

/* What the consumer was handed. */
struct rec {
    size_t count;
    const uint8_t *ptr[MAX_CHUNKS];   /* where each delivery pointed */
    size_t len[MAX_CHUNKS];
    bool gap[MAX_CHUNKS];
    uint8_t stream[1 << 20];          /* all delivered bytes, in order */
    size_t stream_len;
};

static struct rec *rec;

static void on_deliver(void *ctx, struct span data, bool gap)
{
    struct rec *r = ctx;
    assert_true(span_ok(&data));
    assert_true(data.n > 0);
    assert_true(r->count < MAX_CHUNKS);
    assert_true(r->stream_len + data.n <= sizeof r->stream);
    r->ptr[r->count] = data.p;
    r->len[r->count] = data.n;
    r->gap[r->count] = gap;
    r->count++;
    memcpy(r->stream + r->stream_len, data.p, data.n);
    r->stream_len += data.n;
}

static int setup(void **state)
{
    (void)state;
    test_pool_begin();
    rec = calloc(1, sizeof *rec);
    return rec ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(rec);
    rec = NULL;
    return test_pool_end() ? 0 : -1;
}

/* Feeds `len` bytes of `bytes` as a segment at `seq`, from an exact-size heap
 * copy that is freed when the call returns. */
static void feed_wire(struct tcp_dir *d, const struct tcp_reasm *r, uint32_t seq, const void *bytes, size_t len,
                      uint32_t wire_len)
{
    uint8_t *b = test_exact_copy(bytes, len);
    tcp_reasm_data(d, seq, span_make(b, len), wire_len, on_deliver, rec, r);
    free(b);
}

static void feed(struct tcp_dir *d, const struct tcp_reasm *r, uint32_t seq, const char *s)
{
    feed_wire(d, r, seq, s, strlen(s), (uint32_t)strlen(s));
}

static void assert_stream(const char *want)
{
    assert_int_equal(rec->stream_len, strlen(want));
    assert_memory_equal(rec->stream, want, rec->stream_len);
}

static void test_in_order_zero_copy(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 1000, &r);
    assert_true(d.syn_seen);
    assert_true(d.seq_known);
    assert_int_equal(d.next_seq, 1001);

    static const uint8_t p1[] = { 'h', 'e', 'l', 'l', 'o' };
    static const uint8_t p2[] = { ' ', 'w', 'o', 'r', 'l', 'd' };
    tcp_reasm_data(&d, 1001, span_make(p1, sizeof p1), sizeof p1, on_deliver, rec, &r);
    tcp_reasm_data(&d, 1006, span_make(p2, sizeof p2), sizeof p2, on_deliver, rec, &r);
    assert_int_equal(rec->count, 2);
    /* zero-copy: the spans are the caller's own memory */
    assert_ptr_equal(rec->ptr[0], p1);
    assert_int_equal(rec->len[0], 5);
    assert_ptr_equal(rec->ptr[1], p2);
    assert_int_equal(rec->len[1], 6);
    assert_false(rec->gap[0]);
    assert_false(rec->gap[1]);
    assert_stream("hello world");
    assert_int_equal(st.in_order, 2);
    assert_int_equal(st.out_of_order, 0);
    assert_int_equal(d.next_seq, 1012);
    assert_true(d.delivered_any);
    assert_int_equal(test_pool_held(), 0);

    /* An empty segment (pure ACK) changes nothing. */
    tcp_reasm_data(&d, 1012, span_make(p1, 0), 0, on_deliver, rec, &r);
    assert_int_equal(rec->count, 2);
    assert_int_equal(st.in_order, 2);
}

/* No SYN seen: the stream starts at the first byte we see. */
static void test_mid_stream_pickup(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    feed(&d, &r, 0x12345678, "abc");
    feed(&d, &r, 0x1234567b, "def");
    assert_stream("abcdef");
    assert_false(d.syn_seen);
    assert_false(rec->gap[0]);
    assert_int_equal(st.in_order, 2);
}

static void test_out_of_order(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    /* Three segments arrive last-first: [1,4) "abc" [4,7) "def" [7,10) "ghi". */
    feed(&d, &r, 7, "ghi");
    feed(&d, &r, 4, "def");
    assert_int_equal(rec->count, 0);
    assert_int_equal(d.ooo_count, 2);
    assert_int_equal(d.ooo_bytes, 6);
    assert_int_equal(st.out_of_order, 2);
    assert_true(test_pool_held() > 0);

    static const uint8_t first[] = { 'a', 'b', 'c' };
    tcp_reasm_data(&d, 1, span_make(first, 3), 3, on_deliver, rec, &r);
    assert_int_equal(rec->count, 3);
    assert_ptr_equal(rec->ptr[0], first); /* the hole-filler itself is not copied */
    for (size_t i = 0; i < 3; i++)
        assert_false(rec->gap[i]);
    assert_stream("abcdefghi");
    assert_int_equal(d.next_seq, 10);
    assert_int_equal(d.ooo_count, 0);
    assert_int_equal(d.ooo_bytes, 0);
    assert_null(d.ooo);
    assert_int_equal(st.in_order, 1);
    assert_int_equal(test_pool_held(), 0);
}

/* A segment that fills only part of the hole: what follows stays held. */
static void test_out_of_order_two_holes(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 100, &r);
    feed(&d, &r, 107, "gh");  /* hole [101,104) and [104,107) */
    feed(&d, &r, 104, "def");  /* still after the first hole */
    feed(&d, &r, 110, "XY");  /* a further hole at 109 */
    feed(&d, &r, 101, "abc");
    assert_stream("abcdefgh");
    assert_int_equal(d.ooo_count, 1);
    assert_int_equal(d.next_seq, 109);
    feed(&d, &r, 109, "i");
    assert_stream("abcdefghiXY");
    assert_int_equal(d.ooo_count, 0);
    for (size_t i = 0; i < rec->count; i++)
        assert_false(rec->gap[i]);
    assert_int_equal(test_pool_held(), 0);
}

static void test_retransmission(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    feed(&d, &r, 1, "hello");
    feed(&d, &r, 1, "hello");  /* exact copy */
    feed(&d, &r, 2, "ell");    /* inside what was delivered */
    feed(&d, &r, 1, "HELLO");  /* different bytes, but already delivered: dropped */
    assert_int_equal(rec->count, 1);
    assert_stream("hello");
    assert_int_equal(st.retransmissions, 3);
    assert_int_equal(st.partial_overlaps, 0);
    assert_int_equal(d.next_seq, 6);

    /* A retransmission of a held segment is dropped too. */
    feed(&d, &r, 10, "xyz");
    feed(&d, &r, 10, "xyz");
    assert_int_equal(d.ooo_count, 1);
    assert_int_equal(st.retransmissions, 4);
    assert_int_equal(st.overlap_conflicts, 0);
    tcp_reasm_release(&d, &r);
}

static void test_partial_overlap(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    feed(&d, &r, 1, "hello");
    /* [3,12): "llo" was delivered, " world" is new. */
    static const uint8_t p[] = { 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd' };
    tcp_reasm_data(&d, 3, span_make(p, sizeof p), sizeof p, on_deliver, rec, &r);
    assert_int_equal(rec->count, 2);
    assert_ptr_equal(rec->ptr[1], p + 3); /* only the new tail, still zero-copy */
    assert_int_equal(rec->len[1], 6);
    assert_false(rec->gap[1]);
    assert_stream("hello world");
    assert_int_equal(st.partial_overlaps, 1);
    assert_int_equal(st.retransmissions, 0);
    assert_int_equal(d.next_seq, 12);

    /* A later copy that disagrees over delivered bytes changes nothing
     * already delivered: only the new tail is taken. */
    feed(&d, &r, 7, "WORLD!");
    assert_stream("hello world!");
    assert_int_equal(st.partial_overlaps, 2);
}

/* A later copy of held bytes that disagrees: the first copy is delivered
 * and the conflict counted. Exact duplicate and contained cases. */
static void test_conflict_exact_duplicate(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    feed(&d, &r, 11, "ABCDE");  /* held [11,16) */
    feed(&d, &r, 11, "XBCDE");  /* same range, other bytes */
    feed(&d, &r, 12, "BC");     /* contained, agrees */
    feed(&d, &r, 13, "zz");     /* contained, disagrees */
    assert_int_equal(d.ooo_count, 1);
    assert_int_equal(st.overlap_conflicts, 2);
    assert_int_equal(st.retransmissions, 3);
    feed(&d, &r, 1, "0123456789");
    assert_stream("0123456789ABCDE");
    assert_int_equal(test_pool_held(), 0);
}

/* Overlaps that are not contained in one held segment: whichever segment
 * ends up delivered first, the bytes are those of the first copy. */
static void test_conflict_partial_overlap_held(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    /* The later copy starts before the held one: [13,18) then [11,16). */
    feed(&d, &r, 13, "CDEFG");
    feed(&d, &r, 11, "ABxyz");
    /* The later copy starts at the same byte and is longer: [20,23) then [20,25). */
    feed(&d, &r, 20, "HIJ");
    feed(&d, &r, 20, "hiJKL");
    /* The later copy starts inside and runs past: [26,29) then [27,31). */
    feed(&d, &r, 26, "NOP");
    feed(&d, &r, 27, "oPQR");
    /* A later copy spanning a held segment with holes either side:
     * [33,35) held, then [32,37). */
    feed(&d, &r, 33, "TU");
    feed(&d, &r, 32, "StuVW");
    assert_int_equal(st.overlap_conflicts, 4);
    feed(&d, &r, 1, "0123456789");
    feed(&d, &r, 18, "_");
    feed(&d, &r, 19, "_");
    feed(&d, &r, 25, "M");
    feed(&d, &r, 31, "_");
    assert_stream("0123456789ABCDEFG__HIJKLMNOPQR_STUVW");
    assert_int_equal(d.ooo_count, 0);
    for (size_t i = 0; i < rec->count; i++)
        assert_false(rec->gap[i]);
    /* Agreeing overlaps are not conflicts. */
    uint64_t conflicts = st.overlap_conflicts;
    feed(&d, &r, 40, "abcdef");
    feed(&d, &r, 38, "__abc");
    feed(&d, &r, 44, "efgh");
    assert_int_equal(st.overlap_conflicts, conflicts);
    feed(&d, &r, 37, "_");
    assert_stream("0123456789ABCDEFG__HIJKLMNOPQR_STUVW___abcdefgh");
    assert_int_equal(test_pool_held(), 0);
}

/* ISN just below 2^32: the stream crosses zero. */
static void test_wraparound(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0xfffffffdu, &r);
    assert_int_equal(d.next_seq, 0xfffffffeu);
    feed(&d, &r, 0xfffffffeu, "abcd");  /* bytes at ...fe, ...ff, 0, 1 */
    assert_int_equal(d.next_seq, 2);
    /* Out of order across zero too. */
    feed(&d, &r, 6, "ijkl");
    assert_int_equal(rec->count, 1);
    feed(&d, &r, 2, "efgh");
    assert_stream("abcdefghijkl");
    /* A retransmission from before the wrap is old data, not new. */
    feed(&d, &r, 0xfffffffeu, "abcd");
    assert_int_equal(st.retransmissions, 1);
    assert_stream("abcdefghijkl");

    /* Held segment after zero while next_seq is before it. */
    struct tcp_dir d2 = { 0 };
    memset(rec, 0, sizeof *rec);
    tcp_reasm_syn(&d2, 0xfffffff0u, &r);
    feed(&d2, &r, 0x00000001u, "YZ");   /* hole [...f1, 1) */
    assert_int_equal(d2.ooo_count, 1);
    /* 16 bytes from 0xfffffff1 up to 1 */
    feed(&d2, &r, 0xfffffff1u, "0123456789abcdef");
    assert_stream("0123456789abcdefYZ");
    assert_int_equal(d2.next_seq, 3);

    /* A hole skipped across zero counts its size mod 2^32. */
    struct tcp_dir d3 = { 0 };
    struct tcp_reasm_stats st3 = { 0 };
    const struct tcp_reasm r3 = { &test_pool, &st3 };
    memset(rec, 0, sizeof *rec);
    tcp_reasm_syn(&d3, 0xfffffffeu, &r3);
    feed(&d3, &r3, 3, "xy");           /* hole [0xffffffff, 3): 4 bytes */
    tcp_reasm_acked(&d3, 5, on_deliver, rec, &r3);
    assert_stream("xy");
    assert_true(rec->gap[0]);
    assert_int_equal(st3.gaps, 1);
    assert_int_equal(st3.gap_bytes, 4);
    assert_int_equal(test_pool_held(), 0);
}

static void test_acked_skips_hole(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    feed(&d, &r, 1, "aaaa");       /* [1,5) */
    feed(&d, &r, 9, "cccc");       /* [9,13), hole [5,9) */
    feed(&d, &r, 17, "eeee");      /* [17,21), hole [13,17) */

    /* Acks that do not reach past the hole, or reach into it but not to
     * held data, keep waiting: the hole may still fill. */
    tcp_reasm_acked(&d, 5, on_deliver, rec, &r);
    tcp_reasm_acked(&d, 3, on_deliver, rec, &r);
    tcp_reasm_acked(&d, 8, on_deliver, rec, &r);
    assert_int_equal(rec->count, 1);
    assert_int_equal(st.gaps, 0);

    /* Acked up to 13: [5,9) is lost to this capture. The second hole is
     * not acked yet and stays. */
    tcp_reasm_acked(&d, 13, on_deliver, rec, &r);
    assert_int_equal(rec->count, 2);
    assert_true(rec->gap[1]);
    assert_stream("aaaacccc");
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.gap_bytes, 4);
    assert_int_equal(d.next_seq, 13);
    assert_int_equal(d.ooo_count, 1);

    /* The next in-order segment after a gap is not a gap. */
    feed(&d, &r, 13, "dddd");
    assert_false(rec->gap[2]);
    assert_false(rec->gap[3]);
    assert_stream("aaaaccccddddeeee");
    assert_int_equal(st.gaps, 1);

    /* Acked far beyond several held segments: each hole skipped once. */
    feed(&d, &r, 30, "x");
    feed(&d, &r, 40, "y");
    tcp_reasm_acked(&d, 100, on_deliver, rec, &r);
    assert_stream("aaaaccccddddeeeexy");
    assert_int_equal(st.gaps, 3);
    assert_int_equal(st.gap_bytes, 4 + 9 + 9);
    assert_int_equal(d.ooo_count, 0);
    assert_int_equal(test_pool_held(), 0);

    /* Nothing held: an ack beyond next_seq does nothing. */
    size_t n = rec->count;
    tcp_reasm_acked(&d, 1000, on_deliver, rec, &r);
    assert_int_equal(rec->count, n);
    assert_int_equal(d.next_seq, 41);
}

static void test_flush(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    feed(&d, &r, 1, "ab");
    feed(&d, &r, 5, "ef");     /* hole [3,5) */
    feed(&d, &r, 7, "gh");     /* contiguous with the previous */
    feed(&d, &r, 10, "j");     /* hole [9,10) */
    tcp_reasm_flush(&d, on_deliver, rec, &r);
    assert_stream("abefghj");
    assert_int_equal(rec->count, 4);
    assert_false(rec->gap[0]);
    assert_true(rec->gap[1]);   /* "ef" after a hole */
    assert_false(rec->gap[2]);  /* "gh" follows it directly */
    assert_true(rec->gap[3]);
    assert_int_equal(st.gaps, 2);
    assert_int_equal(st.gap_bytes, 3);
    assert_int_equal(d.ooo_count, 0);
    assert_null(d.ooo);
    assert_int_equal(test_pool_held(), 0);

    /* Flushing an empty direction is a no-op. */
    tcp_reasm_flush(&d, on_deliver, rec, &r);
    assert_int_equal(rec->count, 4);
}

/* More held segments than TCP_REASM_MAX_SEGS: the oldest hole is given up
 * (delivered as a gap), and what is held never exceeds the bound. */
static void test_too_many_segments(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    /* next_seq 1 stays missing; 1-byte segments at 10, 12, 14, ... each
     * behind its own 1-byte hole. */
    for (uint32_t i = 0; i < TCP_REASM_MAX_SEGS; i++) {
        uint8_t c = (uint8_t)('A' + i % 26);
        feed_wire(&d, &r, 10 + 2 * i, &c, 1, 1);
    }
    assert_int_equal(d.ooo_count, TCP_REASM_MAX_SEGS);
    assert_int_equal(rec->count, 0);

    /* One more: the first hole is skipped. */
    uint8_t c = 'z';
    feed_wire(&d, &r, 10 + 2 * TCP_REASM_MAX_SEGS, &c, 1, 1);
    assert_int_equal(rec->count, 1);
    assert_true(rec->gap[0]);
    assert_int_equal(rec->stream[0], 'A');
    assert_int_equal(st.gaps, 1);
    assert_true(d.ooo_count <= TCP_REASM_MAX_SEGS);

    /* Keep flooding: always bounded, memory included. */
    for (uint32_t i = TCP_REASM_MAX_SEGS + 1; i < 2000; i++) {
        uint8_t b = (uint8_t)i;
        feed_wire(&d, &r, 10 + 2 * i, &b, 1, 1);
        assert_true(d.ooo_count <= TCP_REASM_MAX_SEGS);
        assert_true(test_pool_held() <= (uint64_t)TCP_REASM_MAX_SEGS * BUFPOOL_MIN);
    }
    assert_int_equal(st.gaps, 2000 - TCP_REASM_MAX_SEGS);
    for (size_t i = 0; i < rec->count; i++)
        assert_true(rec->gap[i]);
    tcp_reasm_release(&d, &r);
    assert_int_equal(test_pool_held(), 0);
}

/* The byte bound: large segments hit TCP_REASM_MAX_BYTES before the count. */
static void test_too_many_bytes(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    const size_t seg = 40000; /* 6 fit under TCP_REASM_MAX_BYTES, the 7th does not */
    uint8_t *big = calloc(1, seg);
    assert_non_null(big);
    tcp_reasm_syn(&d, 0, &r);
    for (uint32_t i = 0; i < 20; i++) {
        memset(big, 'a' + (int)i, seg);
        feed_wire(&d, &r, 1000 + i * (uint32_t)(seg + 1), big, seg, (uint32_t)seg);
        assert_true(d.ooo_bytes <= TCP_REASM_MAX_BYTES);
        assert_true(d.ooo_count <= TCP_REASM_MAX_SEGS);
    }
    assert_true(st.gaps > 0);
    assert_true(rec->count > 0);
    assert_true(rec->gap[0]);
    assert_int_equal(rec->stream[0], 'a');
    free(big);
    tcp_reasm_flush(&d, on_deliver, rec, &r);
    assert_int_equal(rec->stream_len, 20 * seg);
    assert_int_equal(test_pool_held(), 0);
}

/* The pool refuses: the segment is dropped and counted, nothing breaks. */
static void test_buffer_denied(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    bufpool_set_budget(&test_pool, 0);
    tcp_reasm_syn(&d, 0, &r);
    feed(&d, &r, 5, "late");
    assert_int_equal(st.buffer_denied, 1);
    assert_int_equal(d.ooo_count, 0);
    feed(&d, &r, 1, "abcd");
    assert_stream("abcd");
    bufpool_set_budget(&test_pool, 64u << 20);
}

/* The capture kept 4 of 10 payload bytes: the next delivery follows a gap. */
static void test_snaplen_truncated(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    feed_wire(&d, &r, 1, "abcd", 4, 10);
    assert_int_equal(rec->count, 1);
    assert_false(rec->gap[0]);
    assert_int_equal(d.next_seq, 11);   /* past the bytes that were cut */
    feed(&d, &r, 11, "klm");
    assert_int_equal(rec->count, 2);
    assert_true(rec->gap[1]);
    feed(&d, &r, 14, "n");
    assert_false(rec->gap[2]);
    assert_stream("abcdklmn");

    /* A held segment beyond the truncated one is released after it, as a gap. */
    struct tcp_dir d2 = { 0 };
    memset(rec, 0, sizeof *rec);
    tcp_reasm_syn(&d2, 0, &r);
    feed(&d2, &r, 11, "KLM");
    feed_wire(&d2, &r, 1, "abcd", 4, 10);
    assert_stream("abcdKLM");
    assert_false(rec->gap[0]);
    assert_true(rec->gap[1]);
    assert_int_equal(d2.ooo_count, 0);
    assert_int_equal(test_pool_held(), 0);
}

/* A second SYN (another ISN) before any data replaces the start; after
 * data has flowed, SYNs change nothing. */
/* A segment exactly 2^31 behind the stream: as far back as sequence
 * arithmetic reaches (RFC 9293 3.4), a retransmission. Negating that signed
 * distance overflowed once (fuzz_tcp_reasm, UBSan). */
static void test_half_space_behind(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    feed(&d, &r, 1, "hello");
    feed(&d, &r, 6u + 0x80000000u, "late");
    assert_int_equal(st.retransmissions, 1);
    assert_int_equal(rec->count, 1);
    assert_stream("hello");
    assert_int_equal(d.next_seq, 6);
}

static void test_second_syn(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 1000, &r);
    feed(&d, &r, 1100, "held");        /* ahead of the first ISN */
    assert_int_equal(d.ooo_count, 1);
    tcp_reasm_syn(&d, 5000, &r);
    assert_int_equal(d.next_seq, 5001);
    assert_int_equal(d.ooo_count, 0);   /* held data from the old start dropped */
    assert_int_equal(test_pool_held(), 0);
    feed(&d, &r, 5001, "data");
    assert_int_equal(rec->count, 1);
    assert_false(rec->gap[0]);
    assert_int_equal(st.in_order, 1);

    tcp_reasm_syn(&d, 9000, &r);
    assert_int_equal(d.next_seq, 5005);
    feed(&d, &r, 5005, "more");
    assert_stream("datamore");
    assert_int_equal(rec->count, 2);
}

static void test_release(void **state)
{
    (void)state;
    struct tcp_dir d = { 0 };
    struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
    tcp_reasm_syn(&d, 0, &r);
    uint8_t *big = calloc(1, 5000);
    assert_non_null(big);
    feed(&d, &r, 10, "x");
    feed_wire(&d, &r, 100, big, 5000, 5000);
    feed(&d, &r, 20000, "y");
    free(big);
    assert_int_equal(d.ooo_count, 3);
    assert_int_equal(d.ooo_bytes, 5002);
    assert_true(test_pool_held() >= 512 + 8192 + 512);
    tcp_reasm_release(&d, &r);
    assert_null(d.ooo);
    assert_int_equal(d.ooo_count, 0);
    assert_int_equal(d.ooo_bytes, 0);
    assert_int_equal(test_pool_held(), 0);
    assert_int_equal(rec->count, 0);     /* nothing delivered */
    tcp_reasm_release(&d, &r);               /* twice is harmless */
    assert_int_equal(test_pool_held(), 0);
}

/* The same stream cut into every combination of order gives the same bytes. */
static void test_permutations(void **state)
{
    (void)state;
    static const char text[] = "The quick brown fox jumps over the lazy dog";
    const size_t len = sizeof text - 1;
    /* Cut points: 5 pieces. */
    static const size_t cut[] = { 0, 4, 10, 20, 31, sizeof text - 1 };
    static const int orders[][5] = {
        { 0, 1, 2, 3, 4 }, { 4, 3, 2, 1, 0 }, { 1, 3, 0, 4, 2 }, { 2, 0, 4, 1, 3 }, { 3, 4, 1, 2, 0 },
        { 0, 2, 4, 3, 1 },
    };
    for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
        struct tcp_dir d = { 0 };
        struct tcp_reasm_stats st = { 0 };
    const struct tcp_reasm r = { &test_pool, &st };
        memset(rec, 0, sizeof *rec);
        tcp_reasm_syn(&d, 0x7ffffff0u, &r);
        for (int i = 0; i < 5; i++) {
            int k = orders[o][i];
            feed_wire(&d, &r, 0x7ffffff1u + (uint32_t)cut[k], text + cut[k], cut[k + 1] - cut[k],
                      (uint32_t)(cut[k + 1] - cut[k]));
            /* and a retransmission of each piece */
            feed_wire(&d, &r, 0x7ffffff1u + (uint32_t)cut[k], text + cut[k], cut[k + 1] - cut[k],
                      (uint32_t)(cut[k + 1] - cut[k]));
        }
        assert_int_equal(rec->stream_len, len);
        assert_memory_equal(rec->stream, text, len);
        assert_int_equal(st.overlap_conflicts, 0);
        assert_int_equal(st.gaps, 0);
        assert_int_equal(d.ooo_count, 0);
    }
    assert_int_equal(test_pool_held(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_order_zero_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mid_stream_pickup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order_two_holes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retransmission, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_exact_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_partial_overlap_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wraparound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acked_skips_hole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snaplen_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_syn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_space_behind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permutations, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
