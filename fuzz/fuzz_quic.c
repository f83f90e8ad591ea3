/* fuzz_quic.c - the QUIC dissector (dissect/quic.c) as the flow table
 * drives it: quic_datagram() for each datagram of either direction, then
 * quic_close() and quic_end(); the sink formats the line with
 * conn_json_format() as the JSON writer does.
 *
 * Random bytes never pass an AEAD tag, so the harness seals what the input
 * asks it to: with the keys of a fixed client Destination Connection ID, a
 * chunk's bytes become the payload of a protected Initial (its frames, and
 * through CRYPTO frames the TLS messages, are then what the fuzzer
 * controls), or are sent raw (header parsing, coalescing, lengths that lie).
 *
 * Input: [version:1] (index into the versions below) then chunks
 * (fuzz_util.h: [flags:1] [length:2] [bytes]), direction in bit 0. Bit 4:
 * seal the bytes as an Initial's payload; bit 5: append to the datagram
 * being built (coalesced packets) instead of sending it; bit 6: the packet
 * sealed is a Handshake packet's header (only its presence counts). Each
 * client datagram is also shown to quic_reopens, as a decided flow's
 * tombstone would show it, with the connection's note.
 *
 * Checks: each datagram is an exact-size heap copy freed right after the
 * call; once a call returns CONN_DONE no more is fed, at most one line is
 * written and it is a valid line (fuzz_check_conn_line); after quic_end the
 * buffer pool has nothing in use.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bufpool.h"
#include "dissect/quic.h"
#include "fuzz/fuzz_util.h"

static const uint32_t versions[] = { 1, 0x6b3343cf, 0xff00001d, 0xff000017, 0x54303531, 0xfaceb002 };

static const uint8_t dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

enum {
    CHUNK_SEAL = 0x10,
    CHUNK_COALESCE = 0x20,
    CHUNK_HANDSHAKE = 0x40,
    DGRAM_MAX = 4 * 1500,
};

struct sink_ctx {
    unsigned emitted;
};

static void emit(void *vctx, const struct conn_meta *m, const struct tls_report *r)
{
    struct sink_ctx *c = vctx;
    c->emitted++;
    FUZZ_CHECK(c->emitted == 1, "%u lines for one connection", c->emitted);
    FUZZ_CHECK(r->established == (r->outcome == TLS_OUTCOME_ESTABLISHED), "established %d, outcome %d",
               (int)r->established, (int)r->outcome);
    fuzz_check_conn_line(m, r);
}

/* Appends a sealed packet of `version` carrying `payload` to dgram. */
static size_t seal(uint8_t *dgram, size_t at, uint32_t version, const struct quic_keys *k, bool handshake,
                   uint32_t pn, const uint8_t *payload, size_t plen)
{
    uint8_t header[32];
    size_t n = 0;
    bool v2 = quic_version_is_v2(version);
    unsigned type = handshake ? (v2 ? 3 : 2) : (v2 ? 1 : 0);
    header[n++] = (uint8_t)(0xc0 | type << 4 | 0x01); /* 2-byte packet number */
    for (int i = 3; i >= 0; i--)
        header[n++] = (uint8_t)(version >> (8 * i));
    header[n++] = sizeof dcid;
    memcpy(header + n, dcid, sizeof dcid);
    n += sizeof dcid;
    header[n++] = 0; /* SCID */
    if (!handshake)
        header[n++] = 0; /* token */
    size_t length = 2 + plen + QUIC_TAG_LEN;
    header[n++] = (uint8_t)(0x40 | length >> 8);
    header[n++] = (uint8_t)length;
    header[n++] = (uint8_t)(pn >> 8);
    header[n++] = (uint8_t)pn;
    if (at + n + plen + QUIC_TAG_LEN > DGRAM_MAX)
        return at;
    size_t got = quic_protect(k, pn, header, n, payload, plen, dgram + at);
    return at + got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint32_t version = versions[fuzz_u8(&in) % (sizeof versions / sizeof versions[0])];
    struct bufpool pool;
    bufpool_init(&pool, BUFPOOL_DEFAULT_BUDGET);
    struct sink_ctx sc = { 0 };
    struct conn_dissector d;
    memset(&d, 0, sizeof d);
    d.pool = &pool;
    d.sink.ctx = &sc;
    d.sink.emit = emit;
    struct quic_dissector q = { .d = &d };
    struct conn_meta meta;
    fuzz_udp_meta(&meta, 443);
    struct quic_conn *c = malloc(sizeof *c);
    static uint8_t dgram[DGRAM_MAX];
    if (!c)
        abort();
    quic_begin(&q, c);
    struct quic_keys keys[2];
    bool have_keys = quic_initial_keys(version, span_make(dcid, sizeof dcid), &keys[0], &keys[1]);

    bool done = false;
    size_t len = 0;
    uint32_t pn[2] = { 0, 0 };
    struct fuzz_chunk ch;
    while (!done && fuzz_next_chunk(&in, &ch)) {
        if ((ch.flags & CHUNK_SEAL) && have_keys)
            len = seal(dgram, len, version, &keys[ch.dir], ch.flags & CHUNK_HANDSHAKE, pn[ch.dir]++, ch.p, ch.n);
        else if (len + ch.n <= DGRAM_MAX) {
            memcpy(dgram + len, ch.p, ch.n);
            len += ch.n;
        }
        if (ch.flags & CHUNK_COALESCE)
            continue;
        uint8_t *copy = fuzz_dup(dgram, len);
        meta.packets[ch.dir]++;
        meta.bytes[ch.dir] += len;
        if (ch.dir == DIR_C2S && quic_reopens(&q, span_make(copy, len), c->dcid_note))
            FUZZ_CHECK(len >= 1200, "a new connection in a datagram of %zu bytes", len);
        enum conn_verdict v = quic_datagram(&q, c, &meta, ch.dir, span_make(copy, len));
        free(copy);
        len = 0;
        if (v == CONN_DONE)
            done = true;
    }
    if (!done)
        quic_close(&q, c, &meta, CONN_REASON_END_OF_INPUT);
    quic_end(&q, c);
    free(c);
    FUZZ_CHECK(d.st.lines == sc.emitted, "lines %llu, emitted %u", (unsigned long long)d.st.lines, sc.emitted);
    struct bufpool_stats bs;
    bufpool_get_stats(&pool, &bs);
    FUZZ_CHECK(bs.in_use == 0, "pool in_use %llu after quic_end", (unsigned long long)bs.in_use);
    bufpool_release_all(&pool);
    return 0;
}
