/* fuzz_decode.c - capture/decode.c: decode_frame() as engine_frame() calls it.
 *
 * Input: [selector:1] [frame...]. selector % 10 picks the link type among
 * those decode_link_supported() accepts; the frame is decoded three times:
 *   1. caplen = wire_len = frame size (a whole frame);
 *   2. the same bytes with wire_len larger (the snaplen cut the frame: a
 *      length field reaching past the capture is truncation, not a lie);
 *   3. a prefix as caplen (selector / 10 picks where it is cut), wire_len the
 *      whole frame, in its own exact-size buffer.
 * Checks: every frame counts in exactly one outcome counter; a DECODE_TCP
 * result's spans lie inside the captured bytes (payload inside l3) and its
 * counts stay within their arrays; with caplen == wire_len and no tunnel
 * nothing may be reported as cut by the snaplen (ERSPAN's T bit says the
 * mirroring switch cut the frame, so there it may).
 */
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "fuzz/fuzz_util.h"

static const int link_types[10] = {
    DECODE_LINK_EN10MB, DECODE_LINK_NULL,      DECODE_LINK_RAW,       DECODE_LINK_LOOP,       DECODE_LINK_LINUX_SLL,
    DECODE_LINK_IPV4,   DECODE_LINK_IPV6,      DECODE_LINK_LINUX_SLL2, DECODE_LINK_RAW_ALT1, DECODE_LINK_RAW_ALT2,
};

static volatile unsigned sink;

static uint64_t outcomes(const struct decode_stats *st)
{
    return st->tcp + st->udp + st->not_tcp + st->truncated + st->bad_ip + st->bad_tcp + st->ip_fragments +
           st->unsupported_link + st->bad_tunnel + st->tunnel_too_deep;
}

static bool inside(struct span s, const uint8_t *base, size_t n)
{
    if (s.n == 0)
        return true;
    return s.p >= base && s.p <= base + n && s.n <= (size_t)(base + n - s.p);
}

static void decode_one(int linktype, const uint8_t *frame, uint32_t caplen, uint32_t wire_len)
{
    struct decode_stats st;
    memset(&st, 0, sizeof st);
    struct pkt p;
    enum decode_result r = decode_frame(linktype, frame, caplen, wire_len, 1700000000000000u, &p, &st);

    FUZZ_CHECK(st.frames == 1, "frames %llu", (unsigned long long)st.frames);
    FUZZ_CHECK(outcomes(&st) == 1, "outcome counters sum to %llu", (unsigned long long)outcomes(&st));
    FUZZ_CHECK((r == DECODE_TCP) == (st.tcp == 1), "result %d, tcp %llu", (int)r, (unsigned long long)st.tcp);
    FUZZ_CHECK((r == DECODE_UDP) == (st.udp == 1), "result %d, udp %llu", (int)r, (unsigned long long)st.udp);
    if (r == DECODE_TCP || r == DECODE_UDP)
        FUZZ_CHECK(p.udp == (r == DECODE_UDP), "result %d, pkt.udp %d", (int)r, (int)p.udp);
    FUZZ_CHECK(st.tunnels <= 1, "tunnels %llu", (unsigned long long)st.tunnels);
    if (r != DECODE_TCP && r != DECODE_UDP)
        return;

    FUZZ_CHECK(p.ip_version == 4 || p.ip_version == 6, "ip_version %u", p.ip_version);
    FUZZ_CHECK(p.vlan_count <= DECODE_MAX_VLANS, "vlan_count %u", p.vlan_count);
    FUZZ_CHECK(p.tunnel_depth <= DECODE_MAX_TUNNELS, "tunnel_depth %u", p.tunnel_depth);
    FUZZ_CHECK((p.tunnel_depth > 0) == (st.tunnels == 1), "tunnel_depth %u, tunnels %llu", p.tunnel_depth,
               (unsigned long long)st.tunnels);
    if (p.tunnel_depth > 0) {
        FUZZ_CHECK(decode_tunnel_name(p.tunnel_type) != NULL, "tunnel_type %u has no name", p.tunnel_type);
        FUZZ_CHECK(p.tunnel_ip_version == 4 || p.tunnel_ip_version == 6, "tunnel_ip_version %u",
                   p.tunnel_ip_version);
    } else {
        FUZZ_CHECK(p.tunnel_type == DECODE_TUNNEL_NONE, "tunnel_type %u without a tunnel", p.tunnel_type);
    }
    FUZZ_CHECK(!p.payload.bad && !p.l3.bad, "poisoned span returned");
    FUZZ_CHECK(inside(p.l3, frame, caplen), "l3 outside the frame");
    FUZZ_CHECK(inside(p.payload, frame, caplen), "payload outside the frame");
    FUZZ_CHECK(p.l3.n > 0 && inside(p.payload, p.l3.p, p.l3.n), "payload outside l3");
    FUZZ_CHECK(p.payload.n <= p.payload_len, "payload %zu > payload_len %u", p.payload.n, p.payload_len);
    FUZZ_CHECK((p.payload.n < p.payload_len) == (st.payload_truncated == 1), "payload_truncated miscounted");
    /* Only a tunnel may say its content was cut (ERSPAN's T bit). */
    if (caplen == wire_len && p.tunnel_depth == 0)
        FUZZ_CHECK(p.payload.n == p.payload_len, "whole frame but payload cut: %zu of %u", p.payload.n,
                   p.payload_len);
    /* What the flow table reads of the payload, byte by byte. */
    for (size_t i = 0; i < p.payload.n; i++)
        sink += p.payload.p[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 0xffff)
        return 0;
    uint8_t sel = data[0];
    int linktype = link_types[sel % 10];
    const uint8_t *frame = data + 1;
    uint32_t n = (uint32_t)(size - 1);

    decode_one(linktype, frame, n, n);
    decode_one(linktype, frame, n, n + 1u + (uint32_t)sel * 61u);

    /* A prefix, in its own exact-size buffer: the snaplen cut the frame. */
    uint32_t cut = n ? (uint32_t)((uint64_t)n * (sel / 10u) / 26u) : 0;
    uint8_t *copy = fuzz_dup(frame, cut);
    decode_one(linktype, copy, cut, n);
    free(copy);
    return 0;
}
