/* fuzz_tls_session.c - the connection pipeline (dissect/conn.c) as the flow
 * table drives it: conn_data() for each direction's reassembled bytes (PROXY
 * header, implicit TLS or a STARTTLS dialogue, TLS record and handshake
 * framing, the handshake state machine, SSLv2 hello, hello and
 * ServerKeyExchange parsers, fingerprints), then conn_close() and
 * conn_release(); the sink formats the line
 * with conn_json_format() as the JSON writer does.
 *
 * Input: [server_port:2] [flags:1] then chunks (fuzz_util.h: [flags:1]
 * [length:2] [bytes], direction, gap, fed whole / byte by byte / in halves).
 * Header flags: bits 0-2 the close reason (enum conn_reason), bit 3 RST seen,
 * bit 4 FIN seen, bit 5 IPv6 endpoints, bit 6 client inferred, bit 7 a small
 * buffer budget (split messages refused).
 *
 * Checks: each piece is an exact-size heap copy freed right after the call
 * (a span kept past the callback is a use-after-free); once a call returns
 * CONN_DONE no more is fed (the flow detaches), and at most one line
 * is emitted per connection; every line fits CONN_JSON_LINE_MAX, is one valid
 * JSON object (strict RFC 8259, UTF-8, no duplicate keys) ending in '\n',
 * a malformed line names its cause (and only a malformed one has one), the
 * established flag and the truncation causes agree with what they copy,
 * formats identically into an exact-size buffer and not at all into one byte
 * less; after release the buffer pool has nothing in use.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bufpool.h"
#include "dissect/conn.h"
#include "fuzz/fuzz_util.h"

struct sink_ctx {
    unsigned emitted;
};

static void emit(void *vctx, const struct conn_meta *m, const struct tls_report *r)
{
    struct sink_ctx *c = vctx;
    c->emitted++;
    FUZZ_CHECK(c->emitted == 1, "%u lines for one connection", c->emitted);
    /* Every malformed line says why, and only those do. */
    char why[TLS_HS_MALFORMED_TEXT_MAX];
    FUZZ_CHECK(r->malformed == (r->malformed_why.kind != TLS_MALFORMED_NONE), "malformed %d, cause %u",
               (int)r->malformed, r->malformed_why.kind);
    FUZZ_CHECK(!r->malformed || tls_hs_malformed_text(r, why, sizeof why), "malformed without a text");
    FUZZ_CHECK(r->established == (r->outcome == TLS_OUTCOME_ESTABLISHED), "established %d, outcome %d",
               (int)r->established, (int)r->outcome);
    FUZZ_CHECK(r->truncated == (r->truncated_why != 0), "truncated %d, causes %u", (int)r->truncated,
               r->truncated_why);
    fuzz_check_conn_line(m, r);
}

static void init_meta(struct conn_meta *m, uint16_t server_port, uint8_t flags)
{
    memset(m, 0, sizeof *m);
    m->ip_version = flags & 0x20 ? 6 : 4;
    if (m->ip_version == 4) {
        memcpy(m->client_ip, "\xc0\x00\x02\x01", 4);
        memcpy(m->server_ip, "\xc6\x33\x64\x07", 4);
    } else {
        memcpy(m->client_ip, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
        memcpy(m->server_ip, "\x20\x01\x0d\xb8\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02", 16);
    }
    m->client_port = 50123;
    m->server_port = server_port;
    m->first_ts_us = 1700000000123456u;
    m->last_ts_us = 1700000001654321u;
    m->client_inferred = flags & 0x40;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint16_t port = fuzz_u16(&in);
    uint8_t flags = fuzz_u8(&in);
    struct bufpool pool;
    bufpool_init(&pool, flags & 0x80 ? 4096 : BUFPOOL_DEFAULT_BUDGET);

    struct sink_ctx sc = { 0 };
    struct conn_dissector d;
    memset(&d, 0, sizeof d);
    d.pool = &pool;
    d.sink.ctx = &sc;
    d.sink.emit = emit;
    struct conn_meta meta;
    init_meta(&meta, port, flags);
    /* The flow table hands out zeroed attachments. */
    struct conn *s = calloc(1, sizeof *s);
    if (!s)
        abort();

    bool done = false;
    struct fuzz_chunk c;
    while (!done && fuzz_next_chunk(&in, &c)) {
        size_t piece = c.n;
        if (c.flags & FUZZ_CHUNK_BYTEWISE)
            piece = 1;
        else if (c.flags & FUZZ_CHUNK_HALVES)
            piece = c.n / 2 ? c.n / 2 : 1;
        bool gap = c.flags & FUZZ_CHUNK_GAP;
        size_t off = 0;
        do {
            size_t k = c.n - off < piece ? c.n - off : piece;
            uint8_t *copy = fuzz_dup(c.p + off, k);
            meta.packets[c.dir]++;
            meta.bytes[c.dir] += k;
            if (gap)
                meta.gap = true;
            enum conn_verdict v = conn_data(&d, s, &meta, c.dir, span_make(copy, k), gap);
            free(copy);
            bufpool_release_all(&pool); /* recycled buffers really freed: ASan sees reuse */
            gap = false;
            off += k;
            if (v == CONN_DONE) {
                done = true;
                FUZZ_CHECK(sc.emitted <= 1, "%u lines", sc.emitted);
            }
        } while (!done && off < c.n);
    }
    if (!done)
        conn_close(&d, s, &meta, (enum conn_reason)(flags & 7), flags & 8, flags & 0x10);
    conn_release(s);
    free(s);

    FUZZ_CHECK(d.st.lines == sc.emitted, "lines %llu, emitted %u", (unsigned long long)d.st.lines, sc.emitted);
    struct bufpool_stats bs;
    bufpool_get_stats(&pool, &bs);
    FUZZ_CHECK(bs.in_use == 0, "pool in_use %llu after release", (unsigned long long)bs.in_use);
    bufpool_release_all(&pool);
    return 0;
}
