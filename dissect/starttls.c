/* starttls.c - see starttls.h.
 *
 * How it works: each direction is cut into units, the protocol's own
 * framing: lines for the text protocols (SMTP, IMAP, POP3, FTP, NNTP,
 * ManageSieve, HTTP), tags ending in '>' for XMPP, length-framed messages for
 * the binary ones (LDAP BER, PostgreSQL, MySQL, TDS, TPKT, SOCKS). A unit is
 * handled in place when it lies in one feed, else its first
 * STARTTLS_UNIT_MAX bytes are gathered in the direction's buffer. Each
 * protocol's handler reads the unit through span.h and moves the dialogue on:
 * the client's upgrade command, then the server's answer.
 *
 * Each dialogue is one `struct starttls_ops` (its opening, framing, client
 * and server handlers, name), listed once in STARTTLS_PROTOCOLS
 * (starttls.h); the engine dispatches through that table only (as Redis's
 * dict does through a dictType), and what one dialogue keeps is its own
 * member of the union `st->u`.
 *
 * The engine here: recognising the dialogue from a direction's first bytes
 * (also for starttls_sniff), cutting units, holding back bytes that may begin
 * a TLS record, the byte and unit limits, and the verdicts. The dialogues are
 * in starttls_text.c and starttls_binary.c; starttls_proto.h is what they and
 * the engine share.
 */
#include "dissect/starttls_proto.h"

#include <string.h>

#include "common/strbuf.h"

/* Enough first bytes to recognise every dialogue ("* PREAUTH ", an SSLRequest). */
#define DETECT_MAX 16
#define DETECT_NEED (-1)

static void feed_dir(const struct starttls_io *f, int dir, struct span data);
static const struct starttls_ops *proto_ops(unsigned proto);

/* ---- services for the dialogues (starttls_proto.h) ---- */

void starttls_hand_over(const struct starttls_io *f, int dir, struct span bytes)
{
    if (f->tls && bytes.n > 0)
        f->tls(f->ctx, dir, bytes);
}

static void account(struct starttls_dir *d, size_t k)
{
    /* Saturates: the limit check only needs "more than the limit". */
    uint64_t sum = (uint64_t)d->bytes + k;
    d->bytes = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

/* How far `s` matches the opening `lit` (ASCII case ignored when `ci`). */
enum starttls_match starttls_match_bytes(struct span s, const void *lit, size_t n, bool ci)
{
    const uint8_t *l = lit;
    for (size_t i = 0; i < n; i++) {
        uint8_t c;
        if (!span_peek(&s, i, &c))
            return MATCH_PART;
        if (ci ? lower(c) != lower(l[i]) : c != l[i])
            return MATCH_NO;
    }
    return MATCH_FULL;
}

/* ---- the server's answer, kept for the report ---- */

void starttls_reply_add(struct starttls *st, struct span bytes)
{
    size_t k = min_size(bytes.n, (size_t)(STARTTLS_REPLY_MAX - st->reply_len));
    if (k > 0 && !bytes.bad) {
        memcpy(st->reply + st->reply_len, bytes.p, k);
        st->reply_len = (uint8_t)(st->reply_len + k);
    }
}

void starttls_reply_str(struct starttls *st, const char *s)
{
    starttls_reply_add(st, span_make(s, strlen(s)));
}

void starttls_reply_hex(struct starttls *st, uint32_t v, unsigned digits)
{
    char buf[10];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf);
    strbuf_put(&b, "0x", 2);
    strbuf_hexn(&b, v, digits); /* at most 8 digits */
    starttls_reply_add(st, span_make(buf, b.len));
}

void starttls_reply_dec(struct starttls *st, uint32_t v)
{
    char buf[10];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf);
    strbuf_u64(&b, v);
    starttls_reply_add(st, span_make(buf, b.len));
}

/* Appends " <name>" when `code` is in the table; unknown codes stay numbers. */
void starttls_reply_name(struct starttls *st, const struct starttls_code_name *table, size_t n, uint32_t code)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].code == code) {
            starttls_reply_str(st, " ");
            starttls_reply_str(st, table[i].name);
            return;
        }
    }
}

/* ---- verdicts and switching a direction to TLS ---- */

void starttls_give_up(const struct starttls_io *f, int dir)
{
    struct starttls *st = f->st;
    if (st->verdict == STARTTLS_PENDING)
        st->verdict = STARTTLS_NOT_STARTTLS;
    else
        st->dir[dir].dead = true; /* one side already went TLS: stop following the other */
}

void starttls_refuse(struct starttls *st)
{
    st->verdict = STARTTLS_REFUSED;
}

/* The direction carries TLS from its next byte. Bytes held back while
 * deciding whether they began a record are the start of its TLS stream. */
static void start_tls(const struct starttls_io *f, int dir)
{
    struct starttls_dir *d = &f->st->dir[dir];
    if (d->tls || d->wrapped || d->dead)
        return;
    uint8_t held[2];
    size_t k = 0;
    if (d->holdback && d->have <= sizeof held) {
        k = d->have;
        memcpy(held, d->buf, k);
    }
    d->tls = true;
    d->have = 0;
    d->holdback = false;
    d->cut = false;
    d->skip = 0;
    d->skip_unit = false;
    if (k > 0)
        starttls_hand_over(f, dir, span_make(held, k));
}

/* The server accepted: its next byte is TLS, and so is the client's first
 * byte after its command (a client waits for the answer, RFC 3207 4.2). */
void starttls_upgrade(const struct starttls_io *f)
{
    if (f->st->verdict == STARTTLS_PENDING)
        f->st->verdict = STARTTLS_UPGRADED;
    start_tls(f, DIR_S2C);
    start_tls(f, DIR_C2S);
}

/* After its upgrade command the client's next bytes may be its ClientHello,
 * seen before the server's answer when capture order differs from send
 * order: watch for a record header at each unit boundary. */
void starttls_client_sent_upgrade(struct starttls *st)
{
    st->upgrade_sent = true;
    st->dir[DIR_C2S].sniff = true;
}

/* From here the direction's TLS comes wrapped in the dialogue's packets:
 * its bytes go to ops->unwrap. */
void starttls_start_wrapped(struct starttls *st, int dir)
{
    struct starttls_dir *d = &st->dir[dir];
    d->wrapped = true;
    d->have = 0;
    d->holdback = false;
    d->sniff = false;
}

/* ---- recognising the dialogue from its first bytes ---- */

/* The dialogue whose opening `s` matches in full, or DETECT_NEED while one
 * could still match with more bytes. No two openings match the same bytes
 * in full, so the order of the table does not matter. */
static int detect(struct span s, int dir)
{
    bool partial = false;
    for (int p = STARTTLS_PROTO_NONE + 1; p < STARTTLS_PROTO_COUNT; p++) {
        const struct starttls_ops *ops = proto_ops((unsigned)p);
        if (ops->opener != dir)
            continue;
        enum starttls_match m =
            ops->detect ? ops->detect(s) : starttls_match_bytes(s, ops->opening, ops->opening_len, ops->opening_ci);
        if (m == MATCH_FULL)
            return p;
        partial = partial || m == MATCH_PART;
    }
    return partial ? DETECT_NEED : STARTTLS_PROTO_NONE;
}

/* detect() on at most DETECT_MAX first bytes, with the bound applied: a
 * direction still undecided after DETECT_MAX bytes is no dialogue. The feed
 * and starttls_sniff() both decide here, so they cannot disagree. */
static int detect_head(struct span head, int dir)
{
    int p = detect(head, dir);
    return p == DETECT_NEED && head.n >= DETECT_MAX ? STARTTLS_PROTO_NONE : p;
}

/* Recognises the dialogue from a direction's first bytes, held in the unit
 * buffer while fewer than needed have come. Then those bytes are fed again,
 * now as the start of the first unit. */
static void recognise(const struct starttls_io *f, int dir, struct span *data)
{
    struct starttls *st = f->st;
    struct starttls_dir *d = &st->dir[dir];
    if (st->dir[1 - dir].have > 0) {
        /* Both directions started undecided: no dialogue here does that. */
        starttls_give_up(f, dir);
        return;
    }
    uint8_t head[DETECT_MAX];
    size_t old = d->have;
    memcpy(head, d->buf, old);
    size_t add = min_size(data->n, DETECT_MAX - old);
    memcpy(head + old, data->p, add);
    int p = detect_head(span_make(head, old + add), dir);
    if (p == DETECT_NEED) {
        memcpy(d->buf + old, data->p, add); /* add == data->n: fewer than DETECT_MAX in all */
        d->have = (uint16_t)(old + add);
        span_skip(data, add);
        return;
    }
    if (p == STARTTLS_PROTO_NONE) {
        starttls_give_up(f, dir);
        return;
    }
    st->proto = (uint8_t)p;
    if (proto_ops(st->proto)->begin)
        proto_ops(st->proto)->begin(st);
    if (old > 0) {
        uint8_t again[DETECT_MAX];
        memcpy(again, d->buf, old);
        d->have = 0;
        feed_dir(f, dir, span_make(again, old));
    }
}

/* ---- units ---- */

/* One whole unit: `unit` holds all of it, or its first bytes when `cut`
 * (then `total` is its full length for framed messages). */
static void handle(const struct starttls_io *f, int dir, struct span unit, uint32_t total, bool cut)
{
    struct starttls *st = f->st;
    struct starttls_dir *d = &st->dir[dir];
    if (d->units < UINT16_MAX)
        d->units++;
    const struct starttls_ops *ops = proto_ops(st->proto);
    if (!ops) {
        starttls_give_up(f, dir);
        return;
    }
    const struct starttls_unit u = { dir, unit, total, cut };
    if (dir == DIR_C2S)
        ops->client(f, &u);
    else
        ops->server(f, &u);
}

/* The length of the framed message `s` begins with, as the dialogue frames it. */
static enum frame_result frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    return proto_ops(st->proto)->frame(st, dir, s, total);
}

/* Lines (or XMPP tags): in place when whole in this feed, else gathered. */
static void next_line(const struct starttls_io *f, int dir, struct span *data)
{
    struct starttls_dir *d = &f->st->dir[dir];
    int delim = proto_ops(f->st->proto)->framing == STARTTLS_FRAMING_TAG ? '>' : '\n';
    const uint8_t *q = memchr(data->p, delim, data->n);
    size_t end = q ? (size_t)(q - data->p) + 1 : data->n;
    if (q && d->have == 0 && !d->cut) {
        /* A line longer than the buffer is seen as its first bytes either
         * way, so what is decided does not depend on segmentation. */
        struct span unit = span_take(data, end);
        account(d, end);
        bool cut = unit.n > STARTTLS_UNIT_MAX;
        if (cut)
            unit = span_take(&unit, STARTTLS_UNIT_MAX);
        handle(f, dir, unit, (uint32_t)unit.n, cut);
        return;
    }
    size_t k = min_size(end, (size_t)(STARTTLS_UNIT_MAX - d->have));
    memcpy(d->buf + d->have, data->p, k);
    d->have = (uint16_t)(d->have + k);
    if (end > k)
        d->cut = true; /* longer than the buffer: its tail is passed over */
    span_skip(data, end);
    account(d, end);
    if (!q)
        return;
    struct span unit = span_make(d->buf, d->have);
    bool cut = d->cut;
    d->have = 0;
    d->cut = false;
    handle(f, dir, unit, (uint32_t)unit.n, cut);
}

/* Framed messages: in place when whole in this feed, else gathered; one
 * longer than the buffer keeps its first bytes and has the rest skipped. */
static void next_message(const struct starttls_io *f, int dir, struct span *data)
{
    struct starttls *st = f->st;
    struct starttls_dir *d = &st->dir[dir];
    uint32_t total = 0;
    enum frame_result r;
    if (d->have == 0) {
        r = frame(st, dir, *data, &total);
        if (r == FRAME_BAD) {
            starttls_give_up(f, dir);
            return;
        }
        if (r == FRAME_OK && total <= data->n) {
            struct span unit = span_take(data, total);
            account(d, total);
            bool cut = unit.n > STARTTLS_UNIT_MAX;
            if (cut)
                unit = span_take(&unit, STARTTLS_UNIT_MAX);
            handle(f, dir, unit, total, cut);
            return;
        }
    }
    /* Gather: copy what fits, then keep only what belongs to this message
     * (frame() gives the same length for any prefix long enough to tell). */
    size_t old = d->have;
    size_t k = min_size(data->n, (size_t)(STARTTLS_UNIT_MAX - old));
    memcpy(d->buf + old, data->p, k);
    d->have = (uint16_t)(old + k);
    r = frame(st, dir, span_make(d->buf, d->have), &total);
    if (r == FRAME_BAD || (r == FRAME_NEED && d->have == STARTTLS_UNIT_MAX) || (r == FRAME_OK && total < old)) {
        d->have = 0;
        starttls_give_up(f, dir);
        return;
    }
    if (r == FRAME_NEED) {
        span_skip(data, k);
        account(d, k);
        return;
    }
    if (total <= d->have) {
        size_t used = total - old;
        span_skip(data, used);
        account(d, used);
        d->have = 0;
        handle(f, dir, span_make(d->buf, total), total, false);
        return;
    }
    span_skip(data, k);
    account(d, k);
    if (d->have == STARTTLS_UNIT_MAX) {
        d->skip = total - STARTTLS_UNIT_MAX;
        d->skip_unit = true;
        d->unit_total = total;
    }
}

static void skip_bytes(const struct starttls_io *f, int dir, struct span *data)
{
    struct starttls_dir *d = &f->st->dir[dir];
    size_t k = min_size(d->skip, data->n);
    span_skip(data, k);
    account(d, k);
    d->skip -= (uint32_t)k;
    if (d->skip == 0 && d->skip_unit) {
        d->skip_unit = false;
        size_t n = d->have;
        d->have = 0;
        handle(f, dir, span_make(d->buf, n), d->unit_total, true);
    }
}

/* At a unit boundary after the upgrade command: do the next bytes begin a
 * TLS record (content type 22, version 3.x)? Up to two bytes are held back
 * until a third tells. Returns false when they do not (they stay in the
 * buffer as the start of an ordinary unit). */
static bool sniff_tls(const struct starttls_io *f, int dir, struct span *data)
{
    struct starttls_dir *d = &f->st->dir[dir];
    uint8_t head[3];
    size_t n = d->have;
    memcpy(head, d->buf, n);
    for (size_t i = 0; n < 3 && span_peek(data, i, &head[n]); i++)
        n++;
    bool match = head[0] == 0x16 && (n < 2 || head[1] == 0x03) && (n < 3 || head[2] <= 0x04);
    if (!match) {
        d->holdback = false;
        return false;
    }
    if (n < 3) {
        memcpy(d->buf + d->have, data->p, data->n);
        d->have = (uint16_t)(d->have + data->n);
        d->holdback = true;
        span_skip(data, data->n);
        return true;
    }
    if (dir == DIR_S2C) {
        starttls_upgrade(f); /* XMPP: TLS came without the </proceed> */
        return true;
    }
    if (f->st->verdict == STARTTLS_PENDING)
        f->st->verdict = STARTTLS_UPGRADED;
    start_tls(f, dir);
    return true;
}

static void feed_dir(const struct starttls_io *f, int dir, struct span data)
{
    struct starttls *st = f->st;
    struct starttls_dir *d = &st->dir[dir];
    while (data.n > 0) {
        if (st->verdict == STARTTLS_REFUSED || st->verdict == STARTTLS_NOT_STARTTLS || d->dead)
            return;
        if (d->tls) {
            starttls_hand_over(f, dir, data);
            return;
        }
        if (d->wrapped) {
            proto_ops(st->proto)->unwrap(f, dir, &data);
            continue;
        }
        if (d->bytes > STARTTLS_BYTE_LIMIT || d->units >= STARTTLS_UNIT_LIMIT) {
            starttls_give_up(f, dir);
            continue;
        }
        if (st->proto == STARTTLS_PROTO_NONE) {
            recognise(f, dir, &data);
            continue;
        }
        if (d->skip > 0) {
            skip_bytes(f, dir, &data);
            continue;
        }
        if (d->sniff && (d->have == 0 || d->holdback) && sniff_tls(f, dir, &data))
            continue;
        if (proto_ops(st->proto)->framing != STARTTLS_FRAMING_FRAMED)
            next_line(f, dir, &data);
        else
            next_message(f, dir, &data);
    }
}

/* ---- the table of dialogues ---- */

static const struct starttls_ops *const all_ops[STARTTLS_PROTO_COUNT] = {
#define STARTTLS_OPS_ENTRY(id, ops) [STARTTLS_PROTO_##id] = &starttls_##ops##_ops,
    STARTTLS_PROTOCOLS(STARTTLS_OPS_ENTRY)
#undef STARTTLS_OPS_ENTRY
};

/* NULL for NONE and for values outside the enum. */
static const struct starttls_ops *proto_ops(unsigned proto)
{
    return proto < STARTTLS_PROTO_COUNT ? all_ops[proto] : NULL;
}

/* ---- API ---- */

void starttls_init(struct starttls *st, uint16_t server_port)
{
    memset(st, 0, sizeof *st);
    st->server_port = server_port;
}

void starttls_feed(struct starttls *st, int dir, struct span data, starttls_tls_fn tls, void *ctx)
{
    if ((dir != DIR_C2S && dir != DIR_S2C) || !span_ok(&data) || data.n == 0)
        return;
    struct starttls_io f = { st, tls, ctx };
    feed_dir(&f, dir, data);
}

enum starttls_verdict starttls_verdict(const struct starttls *st)
{
    return (enum starttls_verdict)st->verdict;
}

enum starttls_proto starttls_protocol(const struct starttls *st)
{
    return (enum starttls_proto)st->proto;
}

const char *starttls_protocol_name(enum starttls_proto p)
{
    const struct starttls_ops *ops = proto_ops((unsigned)p);
    return ops ? ops->name : NULL;
}

enum starttls_sniff_result starttls_sniff(int dir, struct span first, uint16_t server_port)
{
    (void)server_port; /* a "220" greeting is a dialogue whichever of SMTP and FTP it opens */
    if ((dir != DIR_C2S && dir != DIR_S2C) || !span_ok(&first))
        return STARTTLS_SNIFF_NO;
    int p = detect_head(span_take(&first, min_size(first.n, DETECT_MAX)), dir);
    if (p == DETECT_NEED)
        return STARTTLS_SNIFF_NEED_MORE;
    return p == STARTTLS_PROTO_NONE ? STARTTLS_SNIFF_NO : STARTTLS_SNIFF_YES;
}

const uint8_t *starttls_reply(const struct starttls *st, size_t *len)
{
    *len = st->reply_len;
    return st->reply;
}

const struct starttls_client_id *starttls_client_id(const struct starttls *st)
{
    return &st->client_id;
}

bool starttls_dir_is_tls(const struct starttls *st, int dir)
{
    return (dir == DIR_C2S || dir == DIR_S2C) && st->dir[dir].tls;
}
