/* fuzz_starttls.c - dissect/starttls.c: starttls_init() for a server port,
 * then starttls_feed() over both directions' bytes, as conn.c's
 * route() does: once starttls_dir_is_tls() says a direction carries raw TLS,
 * its bytes go to the TLS side directly (or, with header bit 0, keep going
 * through starttls_feed, which the header allows too).
 *
 * Input: [server_port:2] [mode:1] then chunks (fuzz_util.h).
 *
 * Checks: the TLS callback gets a direction 0 or 1 and at least one byte,
 * each span inside the piece being fed (zero-copy) or at most two bytes
 * long (the held-back copy); never more TLS bytes than
 * were fed; nothing handed over once the verdict is final; the verdict
 * changes only as starttls.h says (PENDING to any, UPGRADED to REFUSED, the
 * rest final); the reply within STARTTLS_REPLY_MAX, the client's EHLO and
 * IMAP ID names within STARTTLS_CLIENT_ID_MAX; a protocol name for every
 * recognised protocol. Each piece is an exact-size heap copy freed after the
 * call: the state must hold no pointer into it.
 *
 * starttls_sniff() agrees with the feed: a protocol recognised means the
 * sniff of the first direction's first bytes said YES (so NO or NEED_MORE
 * there means no protocol); and for each direction alone, feeding its first
 * bytes to a fresh state names a protocol exactly when the sniff says YES,
 * holds them exactly when it says NEED_MORE, and gives up when it says NO.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/starttls.h"
#include "fuzz/fuzz_util.h"

/* First bytes kept per direction: more than starttls_sniff looks at (16). */
#define HEAD_MAX 64

struct run {
    struct starttls st;
    const uint8_t *piece; /* the piece being fed */
    size_t piece_n;
    uint64_t fed[2];      /* bytes fed (to starttls_feed or straight to TLS) */
    uint64_t tls[2];      /* bytes that reached the TLS side */
    bool final;           /* the verdict was REFUSED or NOT_STARTTLS before this feed */
    uint8_t head[2][HEAD_MAX]; /* each direction's first bytes, for starttls_sniff */
    size_t head_n[2];
    int first_dir;        /* the direction of the first non-empty piece, -1 before */
};

static void on_tls(void *ctx, int dir, struct span b)
{
    struct run *r = ctx;
    FUZZ_CHECK(dir == 0 || dir == 1, "dir %d", dir);
    FUZZ_CHECK(b.n > 0 && b.p != NULL && !b.bad, "empty or bad span (%zu bytes)", b.n);
    FUZZ_CHECK(!r->final, "TLS bytes handed over after a final verdict");
    bool in_piece = r->piece && b.p >= r->piece && b.p <= r->piece + r->piece_n &&
                    b.n <= (size_t)(r->piece + r->piece_n - b.p);
    FUZZ_CHECK(in_piece || b.n <= 2, "span of %zu bytes neither in the piece nor a held-back copy", b.n);
    /* Read every byte (ASan checks the span is live memory: the held-back
     * copy lives on starttls.c's stack for the call). */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < b.n; i++)
        sink ^= b.p[i];
    (void)sink;
    r->tls[dir] += b.n;
    FUZZ_CHECK(r->tls[dir] <= r->fed[dir], "dir %d: %llu TLS bytes out of %llu fed", dir,
               (unsigned long long)r->tls[dir], (unsigned long long)r->fed[dir]);
}

static bool verdict_final(enum starttls_verdict v)
{
    return v == STARTTLS_REFUSED || v == STARTTLS_NOT_STARTTLS;
}

static void check_state(const struct run *r, enum starttls_verdict before)
{
    enum starttls_verdict v = starttls_verdict(&r->st);
    FUZZ_CHECK(v <= STARTTLS_NOT_STARTTLS, "verdict %d", (int)v);
    if (before != STARTTLS_PENDING && v != before)
        FUZZ_CHECK(before == STARTTLS_UPGRADED && v == STARTTLS_REFUSED, "verdict went from %d to %d", (int)before,
                   (int)v);
    enum starttls_proto p = starttls_protocol(&r->st);
    FUZZ_CHECK(p < STARTTLS_PROTO_COUNT, "protocol %d", (int)p);
    FUZZ_CHECK((p == STARTTLS_PROTO_NONE) == (starttls_protocol_name(p) == NULL), "protocol %d name", (int)p);
    size_t len = 0;
    const uint8_t *reply = starttls_reply(&r->st, &len);
    FUZZ_CHECK(len <= STARTTLS_REPLY_MAX, "reply of %zu bytes", len);
    FUZZ_CHECK(len == 0 || reply != NULL, "reply NULL with length %zu", len);
    const struct starttls_client_id *id = starttls_client_id(&r->st);
    FUZZ_CHECK(id->helo.len <= STARTTLS_CLIENT_ID_MAX && id->name.len <= STARTTLS_CLIENT_ID_MAX &&
                   id->version.len <= STARTTLS_CLIENT_ID_MAX,
               "client id lengths %u %u %u", id->helo.len, id->name.len, id->version.len);
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= reply[i];
    (void)sink;
}

static void feed(struct run *r, int dir, const uint8_t *p, size_t n, bool through_starttls)
{
    uint8_t *copy = fuzz_dup(p, n);
    enum starttls_verdict before = starttls_verdict(&r->st);
    size_t k = n < HEAD_MAX - r->head_n[dir] ? n : HEAD_MAX - r->head_n[dir];
    memcpy(r->head[dir] + r->head_n[dir], p, k);
    r->head_n[dir] += k;
    if (r->first_dir < 0 && n > 0)
        r->first_dir = dir;
    r->fed[dir] += n;
    r->piece = copy;
    r->piece_n = n;
    r->final = false;
    if (!through_starttls && starttls_dir_is_tls(&r->st, dir)) {
        if (n > 0)
            on_tls(r, dir, span_make(copy, n)); /* route(): straight to the TLS parser */
    } else {
        r->final = verdict_final(before);
        starttls_feed(&r->st, dir, span_make(copy, n), on_tls, r);
    }
    r->piece = NULL;
    r->piece_n = 0;
    free(copy);
    check_state(r, before);
}

/* Each direction's first bytes alone, in one piece, to a fresh state. */
static void check_sniff_alone(const struct run *r, int dir, uint16_t port)
{
    uint8_t *copy = fuzz_dup(r->head[dir], r->head_n[dir]);
    struct span first = span_make(copy, r->head_n[dir]);
    enum starttls_sniff_result s = starttls_sniff(dir, first, port);
    struct starttls st;
    starttls_init(&st, port);
    starttls_feed(&st, dir, first, NULL, NULL);
    enum starttls_proto p = starttls_protocol(&st);
    enum starttls_verdict v = starttls_verdict(&st);
    switch (s) {
    case STARTTLS_SNIFF_YES:
        FUZZ_CHECK(p != STARTTLS_PROTO_NONE, "dir %d: sniff YES, feed named no protocol", dir);
        break;
    case STARTTLS_SNIFF_NEED_MORE:
        FUZZ_CHECK(p == STARTTLS_PROTO_NONE && v == STARTTLS_PENDING, "dir %d: sniff NEED_MORE, feed %d/%d", dir,
                   (int)p, (int)v);
        FUZZ_CHECK(r->head_n[dir] < 16, "dir %d: NEED_MORE after %zu bytes", dir, r->head_n[dir]);
        break;
    case STARTTLS_SNIFF_NO:
        FUZZ_CHECK(p == STARTTLS_PROTO_NONE && (v == STARTTLS_NOT_STARTTLS || r->head_n[dir] == 0),
                   "dir %d: sniff NO, feed %d/%d", dir, (int)p, (int)v);
        break;
    default:
        FUZZ_CHECK(false, "sniff %d", (int)s);
    }
    free(copy);
}

static void check_sniff(const struct run *r, uint16_t port)
{
    /* Only the first direction to send can name the dialogue (both starting
     * undecided is given up), from its first bytes. */
    if (starttls_protocol(&r->st) != STARTTLS_PROTO_NONE) {
        FUZZ_CHECK(r->first_dir >= 0, "a protocol with no bytes fed");
        int d = r->first_dir;
        FUZZ_CHECK(starttls_sniff(d, span_make(r->head[d], r->head_n[d]), port) == STARTTLS_SNIFF_YES,
                   "dir %d named protocol %d, sniff disagrees", d, (int)starttls_protocol(&r->st));
    }
    check_sniff_alone(r, 0, port);
    check_sniff_alone(r, 1, port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint16_t port = fuzz_u16(&in);
    uint8_t mode = fuzz_u8(&in);
    struct run *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    starttls_init(&r->st, port);
    r->first_dir = -1;
    check_state(r, STARTTLS_PENDING);

    struct fuzz_chunk c;
    while (fuzz_next_chunk(&in, &c)) {
        size_t piece = c.n;
        if (c.flags & FUZZ_CHUNK_BYTEWISE)
            piece = 1;
        else if (c.flags & FUZZ_CHUNK_HALVES)
            piece = c.n / 2 ? c.n / 2 : 1;
        size_t off = 0;
        do {
            size_t k = c.n - off < piece ? c.n - off : piece;
            feed(r, c.dir, c.p + off, k, mode & 1);
            off += k;
        } while (off < c.n);
    }
    check_sniff(r, port);
    free(r);
    return 0;
}
