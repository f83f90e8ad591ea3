/* fuzz_ip_reasm.c - capture/ip_reasm.c through decode_frame_reasm(), as
 * engine_frame() calls it.
 *
 * Input: a script of records, each decoded as one frame by the same small
 * reassembler (4 datagrams, 64 KiB, 2 s), made fresh for every input so a
 * run depends on its input alone:
 *   [op:1] with op % 4 ==
 *     0: an IPv4 fragment the harness builds: [id:1] [offset:2, 8-byte units]
 *        [length:2] [data: length]; op bit 2 is MF, bit 3 adds 4 bytes of
 *        IPv4 options, bit 4 picks protocol TCP instead of UDP;
 *     1: an IPv6 fragment: the same fields, bit 2 is M, bit 3 puts a
 *        hop-by-hop header before the Fragment header;
 *     2: a raw frame: [link:1] [length:2] [bytes: length], captured with
 *        op >> 4 bytes fewer than its wire length (the snaplen cut it);
 *     3: capture time advances by (op >> 2) * 250 ms.
 * Built fragments share addresses, so ids and offsets collide often enough
 * to reach overlaps, duplicates, RFC 5722 drops, eviction and timeouts.
 * Every frame is in its own exact-size heap buffer.
 * Checks: every frame counts in exactly one outcome counter; a TCP or UDP
 * result has its payload inside its l3 span; the reassembler stays within
 * its datagram and byte budget, and its counters add up (fragments never
 * fewer than those it reassembled, dropped or found duplicate).
 */
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "capture/ip_reasm.h"
#include "fuzz/fuzz_util.h"

#define FUZZ_DATAGRAMS 4u
#define FUZZ_BYTES 65536u

static const int link_types[4] = { DECODE_LINK_EN10MB, DECODE_LINK_RAW, DECODE_LINK_LINUX_SLL2, DECODE_LINK_IPV6 };

static volatile unsigned sink;

static uint64_t outcomes(const struct decode_stats *st)
{
    return st->tcp + st->udp + st->not_tcp + st->truncated + st->bad_ip + st->bad_tcp + st->ip_fragments +
           st->unsupported_link + st->bad_tunnel + st->tunnel_too_deep;
}

static void decode_checked(struct ip_reasm *r, int linktype, const uint8_t *frame, uint32_t caplen, uint32_t wire_len,
                           uint64_t now_us)
{
    struct decode_stats st;
    memset(&st, 0, sizeof st);
    struct pkt p;
    enum decode_result res = decode_frame_reasm(r, linktype, frame, caplen, wire_len, now_us, &p, &st);
    FUZZ_CHECK(st.frames == 1 && outcomes(&st) == 1, "outcome counters sum to %llu",
               (unsigned long long)outcomes(&st));
    FUZZ_CHECK(ip_reasm_in_progress(r) <= FUZZ_DATAGRAMS, "%u datagrams in progress", ip_reasm_in_progress(r));
    FUZZ_CHECK(ip_reasm_bytes_held(r) <= FUZZ_BYTES, "%llu bytes held", (unsigned long long)ip_reasm_bytes_held(r));
    const struct ip_reasm_stats *rs = ip_reasm_stats(r);
    FUZZ_CHECK(rs->reassembled + rs->duplicates + rs->late + rs->too_big + rs->malformed <= rs->fragments,
               "more outcomes than fragments");
    if (res != DECODE_TCP && res != DECODE_UDP)
        return;
    FUZZ_CHECK(!p.payload.bad && !p.l3.bad, "poisoned span returned");
    FUZZ_CHECK(p.payload.n <= p.payload_len, "payload %zu > payload_len %u", p.payload.n, p.payload_len);
    if (p.payload.n > 0)
        FUZZ_CHECK(p.payload.p >= p.l3.p && p.payload.p + p.payload.n <= p.l3.p + p.l3.n, "payload outside l3");
    /* Read what the flow table reads, so ASan sees the buffer's bounds. */
    for (size_t i = 0; i < p.l3.n; i++)
        sink += p.l3.p[i];
}

/* Builds an IPv4 or IPv6 fragment around `data` into an exact-size buffer. */
static uint8_t *build_fragment(uint8_t op, uint8_t id, uint16_t units, const uint8_t *data, size_t n, size_t *len)
{
    bool v6 = (op & 3) == 1, more = op & 0x04, extra = op & 0x08;
    uint8_t proto = (op & 0x10) ? 6 : 17;
    size_t hdr = v6 ? 40u + (extra ? 8u : 0u) + 8u : 20u + (extra ? 4u : 0u);
    *len = hdr + n;
    uint8_t *b = malloc(*len);
    FUZZ_CHECK(b != NULL, "out of memory");
    memset(b, 0, hdr);
    uint16_t off = (uint16_t)(units & 0x1fff);
    if (!v6) {
        b[0] = (uint8_t)(0x40 | (hdr / 4));
        b[2] = (uint8_t)(*len >> 8);
        b[3] = (uint8_t)*len;
        b[5] = id;
        uint16_t frag = (uint16_t)(off | (more ? 0x2000 : 0));
        b[6] = (uint8_t)(frag >> 8);
        b[7] = (uint8_t)frag;
        b[8] = 64;
        b[9] = proto;
        b[12] = 192, b[15] = 1;
        b[16] = 198, b[19] = 2;
        if (extra)
            b[20] = 1; /* NOP options */
    } else {
        b[0] = 0x60;
        b[4] = (uint8_t)((*len - 40) >> 8);
        b[5] = (uint8_t)(*len - 40);
        b[6] = extra ? 0 : 44;
        b[7] = 64;
        b[8] = 0x20, b[23] = 1;
        b[24] = 0x20, b[39] = 2;
        size_t at = 40;
        if (extra) {
            b[40] = 44;   /* hop-by-hop: next header Fragment, length 0, Pad6 */
            b[42] = 1, b[43] = 4;
            at = 48;
        }
        b[at] = proto;
        uint16_t fo = (uint16_t)(off << 3 | (more ? 1 : 0));
        b[at + 2] = (uint8_t)(fo >> 8);
        b[at + 3] = (uint8_t)fo;
        b[at + 7] = id;
    }
    if (n)
        memcpy(b + hdr, data, n);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0xffff)
        return 0;
    struct ip_reasm_config cfg = { FUZZ_DATAGRAMS, FUZZ_BYTES, 2000000u };
    struct ip_reasm *r = ip_reasm_new(&cfg);
    FUZZ_CHECK(r != NULL, "ip_reasm_new failed");
    struct fuzz_in in = { data, size };
    uint64_t now = 1700000000000000u;
    while (in.n > 0) {
        uint8_t op = fuzz_u8(&in);
        const uint8_t *bytes;
        size_t n, len;
        uint8_t *frame;
        switch (op & 3) {
        case 0:
        case 1: {
            uint8_t id = fuzz_u8(&in);
            uint16_t units = fuzz_u16(&in);
            n = fuzz_take(&in, fuzz_u16(&in), &bytes);
            frame = build_fragment(op, id, units, bytes, n, &len);
            decode_checked(r, (op & 3) == 0 ? DECODE_LINK_IPV4 : DECODE_LINK_IPV6, frame, (uint32_t)len,
                           (uint32_t)len, now);
            free(frame);
            break;
        }
        case 2: {
            int linktype = link_types[fuzz_u8(&in) % 4];
            n = fuzz_take(&in, fuzz_u16(&in), &bytes);
            size_t cut = (size_t)(op >> 4) < n ? (size_t)(op >> 4) : n;
            frame = fuzz_dup(bytes, n - cut);
            decode_checked(r, linktype, frame, (uint32_t)(n - cut), (uint32_t)n, now);
            free(frame);
            break;
        }
        default:
            now += (uint64_t)(op >> 2) * 250000u;
            ip_reasm_expire(r, now);
            break;
        }
    }
    ip_reasm_free(r);
    return 0;
}
