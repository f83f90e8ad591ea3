/* fuzz_tcp_reasm.c - flows/tcp_reasm.c driven by a script of segments, the
 * calls flow_table_packet() makes: tcp_reasm_syn, tcp_reasm_data (with a
 * wire length beyond the captured payload, as a snaplen leaves it),
 * tcp_reasm_acked, tcp_reasm_flush, tcp_reasm_release.
 *
 * Input: [mode:1] [isn:4] then operations, each [op:1] and its operands:
 *   op & 3 == 0  data:  [seq] [len:2] ([extra:2] when op & 0x10)
 *   op & 3 == 1  SYN:   [seq]
 *   op & 3 == 2  ACK:   [ack] (the peer acknowledged this direction up to it)
 *   op & 3 == 3  flush
 *   op & 4: direction; op & 8: the data's bytes are the "other copy" (see below)
 * [seq] / [ack] is a 2-byte offset from isn, or in wild mode (mode & 1) a raw
 * 4-byte sequence number. len is taken modulo 16 KiB; extra adds to the wire
 * length. mode & 2 gives the buffer pool a small budget (refusals); mode & 4
 * flushes both directions before releasing them.
 *
 * Payload bytes are not taken from the input: the byte at stream position p
 * (p = seq - isn) is pattern(p), or ~pattern(p) for an "other copy", so the
 * deliver callback can check each byte it is given. Checks:
 * - never more bytes delivered than were given;
 * - (offsets mode) each delivered byte sits at a position some segment
 *   covered and carries one of the two copies' values; positions only move
 *   forward, a delivery without `gap` starts where the previous one ended,
 *   and no byte is delivered twice;
 * - held bytes stay within TCP_REASM_MAX_SEGS / TCP_REASM_MAX_BYTES, the
 *   pool's bytes in use within what that allows;
 * - after release nothing is held and the pool's in_use is back to 0.
 * Each payload is an exact-size heap copy freed right after the call, and
 * the pool's free lists are emptied after every operation, so a held pointer
 * into a packet or a freed segment is a use-after-free AddressSanitizer sees.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bufpool.h"
#include "flows/tcp_reasm.h"
#include "fuzz/fuzz_util.h"

#define MAX_SEG_LEN 16384u
/* Positions a segment can cover in offsets mode: offset 0..65535 plus its length. */
#define COVER_MAX (65536u + MAX_SEG_LEN)

struct dir_state {
    struct tcp_dir tcp;
    uint32_t isn;
    bool strict;
    uint64_t given;
    uint64_t delivered;
    bool any;
    uint32_t prev_end;            /* relative position after the last delivery */
    uint8_t cover[COVER_MAX / 8]; /* positions some segment covered */
};

static uint8_t pattern(uint32_t pos)
{
    return (uint8_t)((pos * 2654435761u) >> 24 ^ pos);
}

static void cover(struct dir_state *ds, uint32_t rel, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t p = rel + (uint32_t)i;
        if (p < COVER_MAX)
            ds->cover[p / 8] |= (uint8_t)(1u << (p % 8));
    }
}

static bool covered(const struct dir_state *ds, uint32_t p)
{
    return p < COVER_MAX && (ds->cover[p / 8] >> (p % 8) & 1);
}

static void deliver(void *ctx, struct span data, bool gap)
{
    struct dir_state *ds = ctx;
    FUZZ_CHECK(!data.bad, "poisoned span delivered");
    FUZZ_CHECK(data.n == 0 || data.p != NULL, "NULL data");
    ds->delivered += data.n;
    FUZZ_CHECK(ds->delivered <= ds->given, "delivered %llu bytes, given %llu", (unsigned long long)ds->delivered,
               (unsigned long long)ds->given);
    if (!ds->strict)
        return;
    /* next_seq already counts the bytes being delivered. */
    uint32_t end = ds->tcp.next_seq - ds->isn;
    uint32_t start = end - (uint32_t)data.n;
    FUZZ_CHECK(start < COVER_MAX && end <= COVER_MAX, "delivery at %u..%u, outside anything given", start, end);
    if (ds->any) {
        FUZZ_CHECK(start >= ds->prev_end, "delivery at %u goes back before %u (bytes twice)", start, ds->prev_end);
        FUZZ_CHECK(gap || start == ds->prev_end, "delivery at %u without gap, previous ended at %u", start,
                   ds->prev_end);
    }
    for (size_t i = 0; i < data.n; i++) {
        uint32_t p = start + (uint32_t)i;
        uint8_t want = pattern(p), other = (uint8_t)~want;
        FUZZ_CHECK(covered(ds, p), "byte at %u delivered, never given", p);
        FUZZ_CHECK(data.p[i] == want || data.p[i] == other, "byte at %u is %02x, given %02x or %02x", p, data.p[i],
                   want, other);
    }
    ds->any = true;
    ds->prev_end = end;
}

static void check_bounds(const struct dir_state ds[2], const struct bufpool *pool)
{
    for (int i = 0; i < 2; i++) {
        FUZZ_CHECK(ds[i].tcp.ooo_count <= TCP_REASM_MAX_SEGS, "dir %d holds %u segments", i, ds[i].tcp.ooo_count);
        FUZZ_CHECK(ds[i].tcp.ooo_bytes <= TCP_REASM_MAX_BYTES, "dir %d holds %u bytes", i, ds[i].tcp.ooo_bytes);
        FUZZ_CHECK((ds[i].tcp.ooo == NULL) == (ds[i].tcp.ooo_count == 0), "dir %d: list and count disagree", i);
    }
    struct bufpool_stats bs;
    bufpool_get_stats(pool, &bs);
    /* A segment of len bytes takes a power-of-two buffer below 2 * (header + len). */
    uint64_t bound = 2 * (2 * (uint64_t)TCP_REASM_MAX_BYTES + TCP_REASM_MAX_SEGS * 2 * BUFPOOL_MIN);
    FUZZ_CHECK(bs.in_use <= bound, "pool in_use %llu above %llu", (unsigned long long)bs.in_use,
               (unsigned long long)bound);
    FUZZ_CHECK(bs.in_use <= bs.budget, "pool in_use %llu above its budget", (unsigned long long)bs.in_use);
}

static uint32_t read_seq(struct fuzz_in *in, bool wild, uint32_t isn)
{
    if (wild)
        return fuzz_u32(in);
    return isn + fuzz_u16(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint8_t mode = fuzz_u8(&in);
    bool wild = mode & 1;
    uint32_t isn = fuzz_u32(&in);
    struct bufpool pool;
    bufpool_init(&pool, mode & 2 ? 6000 : BUFPOOL_DEFAULT_BUDGET);

    struct dir_state *ds = calloc(2, sizeof *ds);
    if (!ds)
        abort();
    struct tcp_reasm_stats st;
    memset(&st, 0, sizeof st);
    const struct tcp_reasm r = { &pool, &st };
    for (int i = 0; i < 2; i++) {
        ds[i].isn = isn;
        ds[i].strict = !wild;
    }

    while (in.n > 0) {
        uint8_t op = fuzz_u8(&in);
        struct dir_state *d = &ds[op >> 2 & 1];
        switch (op & 3) {
        case 0: {
            uint32_t seq = read_seq(&in, wild, isn);
            uint32_t len = fuzz_u16(&in) % MAX_SEG_LEN;
            uint32_t extra = op & 0x10 ? fuzz_u16(&in) : 0;
            uint8_t *p = malloc(len ? len : 1);
            if (!p)
                abort();
            for (uint32_t i = 0; i < len; i++) {
                uint8_t b = pattern(seq - isn + i);
                p[i] = op & 8 ? (uint8_t)~b : b;
            }
            d->given += len;
            if (!wild)
                cover(d, seq - isn, len);
            tcp_reasm_data(&d->tcp, seq, span_make(p, len), len + extra, deliver, d, &r);
            free(p);
            break;
        }
        case 1:
            tcp_reasm_syn(&d->tcp, read_seq(&in, wild, isn), &r);
            break;
        case 2:
            tcp_reasm_acked(&d->tcp, read_seq(&in, wild, isn), deliver, d, &r);
            break;
        default:
            tcp_reasm_flush(&d->tcp, deliver, d, &r);
            break;
        }
        check_bounds(ds, &pool);
        bufpool_release_all(&pool); /* freed segments really freed: ASan sees reuse */
    }

    if (mode & 4) {
        tcp_reasm_flush(&ds[0].tcp, deliver, &ds[0], &r);
        tcp_reasm_flush(&ds[1].tcp, deliver, &ds[1], &r);
        for (int i = 0; i < 2; i++)
            FUZZ_CHECK(ds[i].tcp.ooo == NULL && ds[i].tcp.ooo_count == 0 && ds[i].tcp.ooo_bytes == 0,
                       "dir %d holds data after flush", i);
    }
    tcp_reasm_release(&ds[0].tcp, &r);
    tcp_reasm_release(&ds[1].tcp, &r);
    for (int i = 0; i < 2; i++)
        FUZZ_CHECK(ds[i].tcp.ooo == NULL && ds[i].tcp.ooo_count == 0 && ds[i].tcp.ooo_bytes == 0,
                   "dir %d holds data after release", i);
    struct bufpool_stats bs;
    bufpool_get_stats(&pool, &bs);
    FUZZ_CHECK(bs.in_use == 0, "pool in_use %llu after release", (unsigned long long)bs.in_use);
    bufpool_release_all(&pool);
    free(ds);
    return 0;
}
