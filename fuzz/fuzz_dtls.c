/* fuzz_dtls.c - the DTLS dissector (dissect/dtls.c) as the flow table
 * drives it: dtls_datagram() for each datagram of either direction (record
 * framing, epochs, handshake fragment reassembly, HelloVerifyRequest, the
 * cookie taken out of ClientHellos, the hello and key exchange parsers, the
 * handshake state machine), then dtls_close() and dtls_end(); the sink
 * formats the line with conn_json_format() as the JSON writer does.
 *
 * Input: [flags:1] (bit 0: a small buffer budget, fragments refused) then
 * chunks (fuzz_util.h: [flags:1] [length:2] [bytes]), each one datagram,
 * direction in bit 0. Each datagram is also shown to dtls_reopens, as a
 * decided flow's tombstone would show it, with the association's note.
 *
 * Checks: each datagram is an exact-size heap copy freed right after the
 * call; once a call returns CONN_DONE no more is fed, at most one line is
 * written and it is a valid line (fuzz_check_conn_line); after dtls_end the
 * buffer pool has nothing in use.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bufpool.h"
#include "dissect/dtls.h"
#include "fuzz/fuzz_util.h"

static unsigned emitted;

static void emit(void *vctx, const struct conn_meta *m, const struct tls_report *r)
{
    (void)vctx;
    emitted++;
    FUZZ_CHECK(emitted == 1, "%u lines for one association", emitted);
    FUZZ_CHECK(r->client.dtls, "a DTLS line without the DTLS flag");
    fuzz_check_conn_line(m, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint8_t flags = fuzz_u8(&in);
    struct bufpool pool;
    bufpool_init(&pool, flags & 1 ? 512 : BUFPOOL_DEFAULT_BUDGET);
    emitted = 0;
    struct conn_dissector d;
    memset(&d, 0, sizeof d);
    d.pool = &pool;
    d.sink.emit = emit;
    struct dtls_dissector x = { .d = &d };
    struct conn_meta meta;
    fuzz_udp_meta(&meta, 4433);
    struct dtls_conn *c = malloc(sizeof *c);
    if (!c)
        abort();
    dtls_begin(&x, c);
    bool done = false;
    struct fuzz_chunk ch;
    while (!done && fuzz_next_chunk(&in, &ch)) {
        uint8_t *copy = fuzz_dup(ch.p, ch.n);
        meta.packets[ch.dir]++;
        meta.bytes[ch.dir] += ch.n;
        (void)dtls_reopens(span_make(copy, ch.n), c->random_note);
        done = dtls_datagram(&x, c, &meta, ch.dir, span_make(copy, ch.n)) == CONN_DONE;
        free(copy);
    }
    if (!done)
        dtls_close(&x, c, &meta, CONN_REASON_END_OF_INPUT);
    dtls_end(&x, c);
    free(c);
    FUZZ_CHECK(d.st.lines == emitted, "lines %llu, emitted %u", (unsigned long long)d.st.lines, emitted);
    struct bufpool_stats bs;
    bufpool_get_stats(&pool, &bs);
    FUZZ_CHECK(bs.in_use == 0, "pool in_use %llu after dtls_end", (unsigned long long)bs.in_use);
    bufpool_release_all(&pool);
    return 0;
}
