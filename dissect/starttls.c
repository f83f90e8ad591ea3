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
 * Matching an answer to its command: SMTP, FTP, NNTP, POP3 and ManageSieve
 * answer every command line with exactly one final reply, in order, also when
 * commands are pipelined (RFC 2920, RFC 2449 "PIPELINING", RFC 3977 3.5). So
 * the upgrade command's answer is the final reply whose number equals the
 * command's number. IMAP answers by tag (RFC 3501 2.2.2), LDAP by messageID
 * (RFC 4511 4.1.1.1); the other dialogues have one request and one answer.
 */
#include "dissect/starttls.h"

#include <string.h>

enum { C2S = 0, S2C = 1 };

/* Enough first bytes to recognise every dialogue ("* PREAUTH ", an SSLRequest). */
#define DETECT_MAX 16
/* detect() result for a "220" greeting: SMTP or FTP, the client will tell. */
#define DETECT_SMTP_OR_FTP 0x100
#define DETECT_NEED (-1)

enum frame_result { FRAME_NEED, FRAME_BAD, FRAME_OK };

struct feed {
    struct starttls *st;
    starttls_tls_fn tls;
    void *ctx;
};

static void feed_dir(const struct feed *f, int dir, struct span data);

/* ---- small helpers ---- */

static void hand_over(const struct feed *f, int dir, struct span bytes)
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

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Does `s` begin with `lit`, ignoring ASCII case? (Commands and status words
 * of every text protocol here are case-insensitive: RFC 5321 2.4, RFC 3501 9,
 * RFC 1939 3, RFC 959 5.3, RFC 3977 3.1, RFC 5804 4.) */
static bool starts_ci(struct span s, const char *lit)
{
    size_t n = strlen(lit);
    if (!span_has(&s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(span_u8(&s)) != lower((uint8_t)lit[i]))
            return false;
    return true;
}

static bool equals_ci(struct span s, const char *lit)
{
    return s.n == strlen(lit) && starts_ci(s, lit);
}

/* Does `s` begin with the bytes `lit`? */
static bool starts_exact(struct span s, const void *lit, size_t n)
{
    struct span head = span_take(&s, n);
    return span_ok(&head) && (n == 0 || memcmp(head.p, lit, n) == 0);
}

static bool equals_exact(struct span s, const void *lit, size_t n)
{
    return s.n == n && starts_exact(s, lit, n);
}

static bool byte_at(struct span s, size_t off, uint8_t want)
{
    uint8_t c;
    return span_peek(&s, off, &c) && c == want;
}

/* The line without its LF or CRLF. */
static struct span line_body(struct span unit)
{
    uint8_t c;
    if (unit.n > 0 && span_peek(&unit, unit.n - 1, &c) && c == '\n')
        unit = span_take(&unit, unit.n - 1);
    if (unit.n > 0 && span_peek(&unit, unit.n - 1, &c) && c == '\r')
        unit = span_take(&unit, unit.n - 1);
    return unit;
}

/* The next space-separated word; the cursor moves past it. */
static struct span next_word(struct span *s)
{
    uint8_t c;
    while (span_peek(s, 0, &c) && c == ' ')
        span_skip(s, 1);
    size_t k = 0;
    while (span_peek(s, k, &c) && c != ' ')
        k++;
    return span_take(s, k);
}

/* A 3-digit reply code at the start of `line` (RFC 5321 4.2, RFC 959 4.2,
 * RFC 3977 3.2), and the byte after it (0 at the end of the line); -1 when the
 * line does not start with one. */
static int reply_code(struct span line, uint8_t *sep)
{
    uint8_t a = span_u8(&line), b = span_u8(&line), c = span_u8(&line);
    if (!span_ok(&line) || !is_digit(a) || !is_digit(b) || !is_digit(c))
        return -1;
    if (!span_peek(&line, 0, sep))
        *sep = 0;
    return (a - '0') * 100 + (b - '0') * 10 + (c - '0');
}

/* An IMAP or ManageSieve literal announced at the end of a line: "{123}" or
 * the non-synchronising "{123+}" (RFC 3501 4.3, RFC 7888, RFC 5804 4). Its
 * bytes follow the line and are not lines themselves. */
static bool literal_at_end(struct span line, uint32_t *len)
{
    uint8_t c;
    if (line.n < 3 || !span_peek(&line, line.n - 1, &c) || c != '}')
        return false;
    size_t end = line.n - 1;
    if (span_peek(&line, end - 1, &c) && c == '+')
        end--;
    size_t start = end;
    while (start > 0 && span_peek(&line, start - 1, &c) && is_digit(c))
        start--;
    if (start == end || start == 0 || !span_peek(&line, start - 1, &c) || c != '{')
        return false;
    struct span digits = line;
    span_skip(&digits, start);
    digits = span_take(&digits, end - start);
    uint64_t v = 0;
    while (digits.n > 0 && v <= UINT32_MAX)
        v = v * 10 + (uint64_t)(span_u8(&digits) - '0');
    /* A huge literal is skipped by counting until the byte limit stops it. */
    *len = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    return true;
}

/* ---- the server's answer, kept for the report ---- */

static void reply_add(struct starttls *st, struct span bytes)
{
    size_t k = min_size(bytes.n, (size_t)(STARTTLS_REPLY_MAX - st->reply_len));
    if (k > 0 && !bytes.bad) {
        memcpy(st->reply + st->reply_len, bytes.p, k);
        st->reply_len = (uint8_t)(st->reply_len + k);
    }
}

static void reply_str(struct starttls *st, const char *s)
{
    reply_add(st, span_make(s, strlen(s)));
}

static void reply_hex(struct starttls *st, uint32_t v, unsigned digits)
{
    static const char hex[] = "0123456789abcdef";
    char b[10] = { '0', 'x' };
    for (unsigned i = 0; i < digits && i < 8; i++)
        b[2 + i] = hex[(v >> (4 * (digits - 1 - i))) & 0xf];
    reply_add(st, span_make(b, 2 + (digits < 8 ? digits : 8)));
}

static void reply_dec(struct starttls *st, uint32_t v)
{
    char b[10];
    size_t n = 0;
    do {
        b[sizeof b - 1 - n] = (char)('0' + v % 10);
        v /= 10;
        n++;
    } while (v > 0 && n < sizeof b);
    reply_add(st, span_make(b + sizeof b - n, n));
}

/* A protocol's name for a numeric answer, from a table of the codes a
 * refusal comes with. */
struct code_name {
    uint32_t code;
    const char *name;
};

/* Appends " <name>" when `code` is in the table; unknown codes stay numbers. */
static void reply_name(struct starttls *st, const struct code_name *table, size_t n, uint32_t code)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].code == code) {
            reply_str(st, " ");
            reply_str(st, table[i].name);
            return;
        }
    }
}

#define REPLY_NAME(st, table, code) reply_name((st), (table), sizeof(table) / sizeof((table)[0]), (code))

/* A frame whose length is a big-endian field of `width` bytes at `off`:
 * `extra` + the field's value bytes long, bad when the value is outside
 * [min, max]. */
static enum frame_result be_length_frame(struct span s, size_t off, unsigned width, uint32_t min,
                                         uint32_t max, uint32_t extra, uint32_t *total)
{
    span_skip(&s, off);
    uint32_t len = width == 2 ? span_u16(&s) : span_u32(&s);
    if (!span_ok(&s))
        return FRAME_NEED;
    if (len < min || len > max)
        return FRAME_BAD;
    *total = extra + len;
    return FRAME_OK;
}

/* ---- verdicts and switching a direction to TLS ---- */

static void give_up(const struct feed *f, int dir)
{
    struct starttls *st = f->st;
    if (st->verdict == STARTTLS_PENDING)
        st->verdict = STARTTLS_NOT_STARTTLS;
    else
        st->dir[dir].dead = true; /* one side already went TLS: stop following the other */
}

static void refuse(struct starttls *st)
{
    st->verdict = STARTTLS_REFUSED;
}

/* The direction carries TLS from its next byte. Bytes held back while
 * deciding whether they began a record are the start of its TLS stream. */
static void start_tls(const struct feed *f, int dir)
{
    struct starttls_dir *d = &f->st->dir[dir];
    if (d->tls || d->tds || d->dead)
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
        hand_over(f, dir, span_make(held, k));
}

/* The server accepted: its next byte is TLS, and so is the client's first
 * byte after its command (a client waits for the answer, RFC 3207 4.2). */
static void upgrade(const struct feed *f)
{
    if (f->st->verdict == STARTTLS_PENDING)
        f->st->verdict = STARTTLS_UPGRADED;
    start_tls(f, S2C);
    start_tls(f, C2S);
}

/* After its upgrade command the client's next bytes may be its ClientHello,
 * seen before the server's answer when capture order differs from send
 * order: watch for a record header at each unit boundary. */
static void client_sent_upgrade(struct starttls *st)
{
    st->upgrade_sent = true;
    st->dir[C2S].sniff = true;
}

static void start_tds(struct starttls *st, int dir)
{
    struct starttls_dir *d = &st->dir[dir];
    d->tds = true;
    d->have = 0;
    d->holdback = false;
    d->sniff = false;
    d->tds_hdr_len = 0;
    d->tds_left = 0;
}

/* ---- SMTP (RFC 3207, RFC 5321), FTP (RFC 4217, RFC 959), NNTP (RFC 4642, RFC 3977) ---- */

/* RFC 3977 3.1.1: responses with these codes are followed by a block that
 * ends with a line holding a single ".". */
static bool nntp_block_follows(int code)
{
    switch (code) {
    case 100: case 101: case 215: case 220: case 221: case 222: case 224: case 225: case 230: case 231:
        return true;
    default:
        return false;
    }
}

static bool is_dot_line(struct span line)
{
    return line.n == 1 && byte_at(line, 0, '.');
}

static void numeric_server(const struct feed *f, struct span unit)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    if (st->dot_block) {
        if (is_dot_line(line))
            st->dot_block = false;
        return;
    }
    uint8_t sep = 0;
    int code = reply_code(line, &sep);
    bool final;
    if (st->ml_code) {
        /* RFC 959 4.2: a multi-line reply ends with a line that begins with
         * the same code followed by a space; lines between may hold anything. */
        final = code == st->ml_code && sep != '-';
    } else {
        if (code < 0 || (sep != ' ' && sep != '-' && sep != 0))
            return; /* not a reply line: tolerated, the unit limit bounds it */
        final = sep != '-';
        if (!final)
            st->ml_code = (uint16_t)code;
    }
    bool answer = st->greeted && st->upgrade_at && st->replies + 1 == st->upgrade_at;
    if (answer)
        reply_add(st, unit);
    if (!final)
        return;
    int rc = st->ml_code ? st->ml_code : code;
    st->ml_code = 0;
    if (!st->greeted) {
        if (rc / 100 == 1 && st->proto == STARTTLS_PROTO_FTP)
            return; /* RFC 959 5.4: "120 ready in nnn minutes", then 220 */
        bool ok = st->proto == STARTTLS_PROTO_NNTP ? rc == 200 || rc == 201 : rc == 220;
        if (ok)
            st->greeted = true;
        else
            give_up(f, S2C);
        return;
    }
    if (st->proto == STARTTLS_PROTO_FTP && rc / 100 == 1)
        return; /* a preliminary reply: the command's final reply follows */
    if (st->proto == STARTTLS_PROTO_NNTP && nntp_block_follows(rc))
        st->dot_block = true;
    if (st->replies < UINT16_MAX)
        st->replies++;
    if (!st->upgrade_at || st->replies != st->upgrade_at)
        return;
    bool positive;
    switch (st->proto) {
    case STARTTLS_PROTO_SMTP:
        positive = rc == 220; /* RFC 3207 4: 220 Ready to start TLS; 454, 501 refuse */
        break;
    case STARTTLS_PROTO_FTP:
        /* RFC 4217 4: 234; some servers answer AUTH SSL with 334 (RFC 2228's
         * "security data required") and then start TLS all the same. */
        positive = rc == 234 || rc == 334;
        break;
    default:
        positive = rc == 382; /* RFC 4642 2.2.2: 382 Continue with TLS negotiation */
        break;
    }
    if (positive)
        upgrade(f);
    else
        refuse(st);
}

static bool word_in(struct span w, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (equals_ci(w, list[i]))
            return true;
    return false;
}

static bool ftp_auth_tls(struct span word, struct span arg)
{
    /* RFC 4217 4: "TLS", and the older "SSL", "TLS-C", "TLS-P" of its drafts. */
    static const char *const mechs[] = { "TLS", "SSL", "TLS-C", "TLS-P" };
    return equals_ci(word, "AUTH") && word_in(arg, mechs, sizeof mechs / sizeof mechs[0]);
}

/* A "220" greeting is SMTP or FTP: the client's first telling command says
 * which (the port only decided until then). */
static void tell_smtp_from_ftp(struct starttls *st, struct span word, struct span arg)
{
    static const char *const smtp[] = { "EHLO", "HELO", "LHLO", "STARTTLS", "MAIL", "RCPT", "DATA", "BDAT",
                                        "RSET", "VRFY", "EXPN" };
    static const char *const ftp[] = { "USER", "PASS", "ACCT", "FEAT", "SYST", "PBSZ", "PROT", "OPTS", "CLNT",
                                       "HOST", "SITE", "PASV", "EPSV", "PORT", "EPRT", "PWD",  "CWD",  "TYPE",
                                       "LIST", "NLST", "RETR", "STOR", "MLSD", "SIZE", "MDTM", "STAT" };
    if (word_in(word, smtp, sizeof smtp / sizeof smtp[0]))
        st->proto = STARTTLS_PROTO_SMTP;
    else if (word_in(word, ftp, sizeof ftp / sizeof ftp[0]) || ftp_auth_tls(word, arg))
        st->proto = STARTTLS_PROTO_FTP;
    else if (equals_ci(word, "AUTH"))
        st->proto = STARTTLS_PROTO_SMTP; /* AUTH PLAIN / LOGIN: SASL over SMTP (RFC 4954) */
    else
        return; /* NOOP, HELP, QUIT: both have them */
    st->smtp_or_ftp = false;
}

static void numeric_client(const struct feed *f, struct span unit)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    struct span word = next_word(&line);
    struct span arg = next_word(&line);
    if (st->cmds < UINT16_MAX)
        st->cmds++;
    if (st->smtp_or_ftp)
        tell_smtp_from_ftp(st, word, arg);
    bool up;
    switch (st->proto) {
    case STARTTLS_PROTO_SMTP:
        /* A cleartext mail transaction: its content lines are not commands
         * and a session that sends mail in clear does not upgrade later. */
        if (equals_ci(word, "DATA") || equals_ci(word, "BDAT")) {
            give_up(f, C2S);
            return;
        }
        up = equals_ci(word, "STARTTLS");
        break;
    case STARTTLS_PROTO_FTP: {
        /* Transfers in clear: the client logged in without TLS. */
        static const char *const transfer[] = { "PASV", "EPSV", "PORT", "EPRT", "RETR", "STOR", "LIST", "NLST", "MLSD" };
        if (!st->upgrade_at && word_in(word, transfer, sizeof transfer / sizeof transfer[0])) {
            give_up(f, C2S);
            return;
        }
        up = ftp_auth_tls(word, arg);
        break;
    }
    default:
        up = equals_ci(word, "STARTTLS");
        break;
    }
    if (up && !st->upgrade_at) {
        st->upgrade_at = st->cmds;
        client_sent_upgrade(st);
    }
}

/* ---- POP3 (RFC 2595 4, RFC 1939, RFC 2449, RFC 5034) ---- */

static void pop3_server(const struct feed *f, struct span unit)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    if (st->dot_block) {
        /* RFC 1939 3: a multi-line response ends with "."; data lines that
         * begin with "." are byte-stuffed to "..". */
        if (is_dot_line(line))
            st->dot_block = false;
        return;
    }
    bool ok = starts_ci(line, "+OK");
    bool err = starts_ci(line, "-ERR");
    /* "+ challenge": a SASL continuation answers the AUTH line (RFC 5034 4). */
    bool cont = !ok && byte_at(line, 0, '+') && (line.n == 1 || byte_at(line, 1, ' '));
    if (!ok && !err && !cont)
        return;
    if (!st->greeted) {
        if (ok)
            st->greeted = true;
        else
            give_up(f, S2C);
        return;
    }
    if (st->upgrade_at && st->replies + 1 == st->upgrade_at)
        reply_add(st, unit);
    unsigned idx = st->replies % 64u;
    if (st->replies < UINT16_MAX)
        st->replies++;
    if (ok && (st->pop3_multi >> idx & 1u))
        st->dot_block = true;
    if (!st->upgrade_at || st->replies != st->upgrade_at)
        return;
    if (ok)
        upgrade(f);
    else
        refuse(st);
}

static void pop3_client(const struct feed *f, struct span unit)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    struct span word = next_word(&line);
    struct span arg = next_word(&line);
    unsigned idx = st->cmds % 64u;
    if (st->cmds < UINT16_MAX)
        st->cmds++;
    /* Which answers carry a "."-terminated block after +OK (RFC 1939 5-7,
     * RFC 2449 5, RFC 5034 4: AUTH without a mechanism lists them). */
    bool multi = equals_ci(word, "CAPA") || equals_ci(word, "RETR") || equals_ci(word, "TOP") ||
                 ((equals_ci(word, "LIST") || equals_ci(word, "UIDL") || equals_ci(word, "AUTH")) && arg.n == 0);
    /* RFC 2595 4: STLS only in the AUTHORIZATION state; these commands
     * exist only in TRANSACTION, after a cleartext login (RFC 1939 5). */
    static const char *const transaction[] = { "STAT", "LIST", "RETR", "DELE", "UIDL", "TOP" };
    if (!st->upgrade_at && word_in(word, transaction, sizeof transaction / sizeof transaction[0])) {
        give_up(f, C2S);
        return;
    }
    if (multi)
        st->pop3_multi |= (uint64_t)1 << idx;
    else
        st->pop3_multi &= ~((uint64_t)1 << idx);
    if (equals_ci(word, "STLS") && !st->upgrade_at) {
        st->upgrade_at = st->cmds;
        client_sent_upgrade(st);
    }
}

/* ---- IMAP (RFC 3501 6.2.1, RFC 9051 6.2.1) ---- */

static void imap_server(const struct feed *f, struct span unit, bool cut)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    if (!st->greeted) {
        /* RFC 3501 7.1: the greeting is OK, PREAUTH or BYE (refused service). */
        if (starts_ci(line, "* OK") || starts_ci(line, "* PREAUTH"))
            st->greeted = true;
        else
            give_up(f, S2C);
        return;
    }
    if (st->tag_len && starts_exact(line, st->tag, st->tag_len) && byte_at(line, st->tag_len, ' ')) {
        struct span rest = line;
        span_skip(&rest, st->tag_len);
        struct span status = next_word(&rest);
        if (equals_ci(status, "OK")) {
            reply_add(st, unit);
            upgrade(f);
            return;
        }
        if (equals_ci(status, "NO") || equals_ci(status, "BAD")) {
            reply_add(st, unit);
            refuse(st);
            return;
        }
    }
    uint32_t lit;
    if (!cut && literal_at_end(line, &lit))
        st->dir[S2C].skip = lit;
}

static void imap_client(const struct feed *f, struct span unit, bool cut)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    struct span rest = line;
    struct span tag = next_word(&rest);
    struct span cmd = next_word(&rest);
    /* RFC 3501 6.2.1: STARTTLS only in the not-authenticated state; these
     * commands exist only after a login (6.3, 6.4), here a cleartext one. */
    static const char *const authenticated[] = { "SELECT", "EXAMINE", "LIST",   "LSUB",   "STATUS", "APPEND",
                                                 "CREATE", "DELETE",  "RENAME", "FETCH",  "UID",    "SEARCH",
                                                 "STORE",  "COPY",    "MOVE",   "IDLE",   "EXPUNGE" };
    if (!st->upgrade_sent && word_in(cmd, authenticated, sizeof authenticated / sizeof authenticated[0])) {
        give_up(f, C2S);
        return;
    }
    if (!st->upgrade_sent && equals_ci(cmd, "STARTTLS") && tag.n > 0 && tag.n <= sizeof st->tag) {
        memcpy(st->tag, tag.p, tag.n);
        st->tag_len = (uint8_t)tag.n;
        client_sent_upgrade(st);
    }
    uint32_t lit;
    if (!cut && literal_at_end(line, &lit))
        st->dir[C2S].skip = lit;
}

/* ---- ManageSieve (RFC 5804 1.7, 2.2) ---- */

enum { SIEVE_DATA, SIEVE_OK, SIEVE_NO, SIEVE_BYE };

static int sieve_status(struct span line)
{
    struct span w = next_word(&line);
    if (equals_ci(w, "OK"))
        return SIEVE_OK;
    if (equals_ci(w, "NO"))
        return SIEVE_NO;
    if (equals_ci(w, "BYE"))
        return SIEVE_BYE;
    return SIEVE_DATA;
}

/* RFC 5804 1.7: the greeting is a capability response, one quoted name a line. */
static bool sieve_capability_line(struct span line)
{
    static const char *const caps[] = { "\"IMPLEMENTATION\"", "\"SASL\"",    "\"SIEVE\"",    "\"STARTTLS\"",
                                        "\"NOTIFY\"",         "\"MAXREDIRECTS\"", "\"LANGUAGE\"", "\"OWNER\"",
                                        "\"VERSION\"" };
    struct span w = next_word(&line);
    return word_in(w, caps, sizeof caps / sizeof caps[0]);
}

static void sieve_server(const struct feed *f, struct span unit, bool cut)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    int status = sieve_status(line);
    if (st->dir[S2C].units == 1 && status == SIEVE_DATA && !sieve_capability_line(line)) {
        give_up(f, S2C);
        return;
    }
    if (status == SIEVE_DATA) {
        uint32_t lit;
        if (!cut && literal_at_end(line, &lit))
            st->dir[S2C].skip = lit;
        return;
    }
    if (!st->greeted) {
        if (status == SIEVE_OK)
            st->greeted = true;
        else
            give_up(f, S2C);
        return;
    }
    if (st->upgrade_at && st->replies + 1 == st->upgrade_at)
        reply_add(st, unit);
    if (st->replies < UINT16_MAX)
        st->replies++;
    if (!st->upgrade_at || st->replies != st->upgrade_at)
        return;
    if (status == SIEVE_OK)
        upgrade(f);
    else
        refuse(st);
}

static void sieve_client(const struct feed *f, struct span unit, bool cut)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    struct span rest = line;
    struct span word = next_word(&rest);
    if (st->cmds < UINT16_MAX)
        st->cmds++;
    if (equals_ci(word, "STARTTLS") && !st->upgrade_at) {
        st->upgrade_at = st->cmds;
        client_sent_upgrade(st);
    }
    uint32_t lit;
    if (!cut && literal_at_end(line, &lit))
        st->dir[C2S].skip = lit;
}

/* ---- HTTP CONNECT (RFC 9110 9.3.6, RFC 9112 3-4) ---- */

enum { HTTP_START_LINE, HTTP_HEADERS, HTTP_DONE };

static void http_client(const struct feed *f, struct span unit)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    switch (st->step[C2S]) {
    case HTTP_START_LINE: {
        struct span method = next_word(&line);
        struct span target = next_word(&line);
        struct span version = next_word(&line);
        if (!equals_ci(method, "CONNECT") || target.n == 0 || !starts_ci(version, "HTTP/1.")) {
            give_up(f, C2S);
            return;
        }
        st->step[C2S] = HTTP_HEADERS;
        return;
    }
    case HTTP_HEADERS:
        /* The tunnel's bytes start after the empty line ending the headers. */
        if (line.n == 0) {
            st->step[C2S] = HTTP_DONE;
            client_sent_upgrade(st);
        }
        return;
    default:
        return;
    }
}

static void http_server(const struct feed *f, struct span unit)
{
    struct starttls *st = f->st;
    struct span line = line_body(unit);
    switch (st->step[S2C]) {
    case HTTP_START_LINE: {
        struct span version = next_word(&line);
        struct span status = next_word(&line);
        uint8_t sep = 0;
        int code = status.n == 3 ? reply_code(status, &sep) : -1;
        if (!starts_ci(version, "HTTP/1.") || code < 100) {
            give_up(f, S2C);
            return;
        }
        st->http_status = (uint16_t)code;
        st->reply_len = 0; /* an interim 1xx response is not the answer */
        reply_add(st, unit);
        st->step[S2C] = HTTP_HEADERS;
        return;
    }
    case HTTP_HEADERS:
        reply_add(st, unit);
        if (line.n > 0)
            return;
        if (st->http_status / 100 == 1) {
            st->step[S2C] = HTTP_START_LINE; /* RFC 9110 15.2: the final response follows */
            return;
        }
        st->step[S2C] = HTTP_DONE;
        /* RFC 9110 9.3.6: any 2xx means the tunnel is open; a 407 and the
         * like are refusals (a client that retries with credentials usually
         * does so on a new connection). */
        if (st->http_status / 100 == 2)
            upgrade(f);
        else
            refuse(st);
        return;
    default:
        return;
    }
}

/* ---- XMPP (RFC 6120 5.4) ---- */

struct xml_tag {
    struct span text;      /* from '<' to the end of the unit */
    struct span local;     /* element name without its namespace prefix */
    bool closing;          /* "</name>" */
    bool self_closing;     /* "<name .../>" */
};

/* A unit is whatever text precedes a tag plus the tag itself, up to its '>';
 * only the tag matters. Tags are matched textually: the stanzas involved are
 * fixed and short, and a full XML parser is not worth it here. */
static bool xml_tag(struct span unit, struct xml_tag *t)
{
    uint8_t c;
    size_t i = unit.n;
    for (;;) {
        if (i == 0)
            return false;
        i--;
        if (span_peek(&unit, i, &c) && c == '<')
            break;
    }
    struct span s = unit;
    span_skip(&s, i);
    t->text = s;
    span_skip(&s, 1);
    t->closing = span_peek(&s, 0, &c) && c == '/';
    if (t->closing)
        span_skip(&s, 1);
    size_t k = 0;
    while (span_peek(&s, k, &c) && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '/' && c != '>')
        k++;
    struct span name = span_take(&s, k);
    size_t colon = 0;
    for (size_t j = 0; j < name.n; j++)
        if (span_peek(&name, j, &c) && c == ':')
            colon = j + 1;
    span_skip(&name, colon);
    t->local = name;
    uint8_t last = 0, before = 0;
    span_peek(&unit, unit.n - 1, &last);
    if (unit.n >= 2)
        span_peek(&unit, unit.n - 2, &before);
    t->self_closing = last == '>' && before == '/';
    return true;
}

/* Both streams open with an XML declaration or the stream header (RFC 6120 4.2). */
static bool xmpp_first_tag(const struct xml_tag *t)
{
    return !t->closing && (equals_ci(t->local, "?xml") || equals_ci(t->local, "stream"));
}

static bool contains(struct span hay, const char *needle)
{
    size_t n = strlen(needle);
    while (hay.n >= n) {
        if (starts_exact(hay, needle, n))
            return true;
        span_skip(&hay, 1);
    }
    return false;
}

static void xmpp_unit(const struct feed *f, int dir, struct span unit)
{
    struct starttls *st = f->st;
    struct xml_tag t;
    if (!xml_tag(unit, &t))
        return;
    if (st->step[dir] == 0) {
        if (!xmpp_first_tag(&t)) {
            give_up(f, dir);
            return;
        }
        st->step[dir] = 1;
        return;
    }
    if (dir == C2S) {
        /* <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> (RFC 6120 5.4.2.1) */
        if (!t.closing && equals_ci(t.local, "starttls"))
            client_sent_upgrade(st);
        return;
    }
    if (st->await_close) {
        if (t.closing && equals_ci(t.local, "proceed"))
            upgrade(f);
        return;
    }
    if (t.closing)
        return;
    if (equals_ci(t.local, "proceed")) {
        /* RFC 6120 5.4.2.3: TLS starts right after the proceed element, which
         * may also be written as <proceed ...></proceed>. */
        reply_add(st, t.text);
        if (t.self_closing) {
            upgrade(f);
        } else {
            st->await_close = true;
            st->dir[S2C].sniff = true;
        }
        return;
    }
    /* <failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> (RFC 6120 5.4.2.2);
     * SASL has a <failure/> of its own, told apart by the namespace. */
    if (equals_ci(t.local, "failure") && (st->upgrade_sent || contains(t.text, "xmpp-tls")) &&
        !contains(t.text, "xmpp-sasl")) {
        reply_add(st, t.text);
        refuse(st);
    }
}

/* ---- LDAP (RFC 4511 4.1.1, 4.12, 4.14, 5.1; RFC 4513 3) ---- */

static const char LDAP_STARTTLS_OID[] = "1.3.6.1.4.1.1466.20037";

/* BER identifier and definite length (RFC 4511 5.1 forbids the indefinite
 * form; four length octets are more than any LDAP message needs). */
static bool ber_head(struct span *s, uint8_t *tag, uint32_t *len)
{
    *tag = span_u8(s);
    uint8_t l = span_u8(s);
    if (!span_ok(s))
        return false;
    if (l < 0x80) {
        *len = l;
        return true;
    }
    uint8_t k = l & 0x7f;
    if (k == 0 || k > 4) {
        span_poison(s);
        return false;
    }
    uint32_t v = 0;
    for (uint8_t i = 0; i < k; i++)
        v = v << 8 | span_u8(s);
    *len = v;
    return span_ok(s);
}

/* The contents of an element. A message longer than the unit buffer is cut:
 * then the contents may run past what was kept, and what was kept is used. */
static struct span ber_contents(struct span *s, uint32_t len, bool cut)
{
    if (cut && s->n < len && !s->bad)
        return span_take(s, s->n);
    return span_take(s, len);
}

static bool ber_small_int(struct span *s, uint8_t want, uint32_t *v)
{
    uint8_t tag;
    uint32_t len;
    if (!ber_head(s, &tag, &len) || tag != want || len < 1 || len > 4)
        return false;
    struct span body = span_take(s, len);
    uint32_t x = 0;
    while (body.n > 0)
        x = x << 8 | span_u8(&body);
    *v = x;
    return span_ok(s);
}

static enum frame_result ber_frame(struct span s, uint32_t *total)
{
    uint8_t tag, l;
    if (!span_peek(&s, 0, &tag))
        return FRAME_NEED;
    if (tag != 0x30) /* LDAPMessage ::= SEQUENCE */
        return FRAME_BAD;
    if (!span_peek(&s, 1, &l))
        return FRAME_NEED;
    if (l < 0x80) {
        *total = 2u + l;
        return FRAME_OK;
    }
    uint8_t k = l & 0x7f;
    if (k == 0 || k > 4)
        return FRAME_BAD;
    uint32_t v = 0;
    for (uint8_t i = 0; i < k; i++) {
        uint8_t b;
        if (!span_peek(&s, 2u + i, &b))
            return FRAME_NEED;
        v = v << 8 | b;
    }
    if (v > (1u << 24))
        return FRAME_BAD;
    *total = 2u + k + v;
    return FRAME_OK;
}

/* The resultCodes a refused StartTLS comes with (RFC 4511 4.14.2, appendix A). */
static const struct code_name ldap_results[] = {
    { 1, "operationsError" }, { 2, "protocolError" }, { 12, "unavailableCriticalExtension" },
    { 51, "busy" }, { 52, "unavailable" }, { 53, "unwillingToPerform" }, { 80, "other" },
};

static void ldap_message(const struct feed *f, int dir, struct span msg, bool cut)
{
    struct starttls *st = f->st;
    uint8_t tag, op;
    uint32_t len, oplen, msgid;
    if (!ber_head(&msg, &tag, &len) || tag != 0x30) {
        give_up(f, dir);
        return;
    }
    struct span body = ber_contents(&msg, len, cut);
    /* protocolOp is a CHOICE of APPLICATION-class tags (RFC 4511 4.2-4.14):
     * checking it on every message keeps other BER protocols out. */
    if (!ber_small_int(&body, 0x02, &msgid) || !ber_head(&body, &op, &oplen) || (op & 0xc0) != 0x40) {
        give_up(f, dir);
        return;
    }
    struct span opbody = ber_contents(&body, oplen, cut);
    if (dir == C2S) {
        /* ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID, ... } */
        uint8_t t;
        uint32_t l;
        if (op != 0x77 || st->upgrade_sent || !ber_head(&opbody, &t, &l) || t != 0x80)
            return;
        struct span oid = ber_contents(&opbody, l, cut);
        if (equals_exact(oid, LDAP_STARTTLS_OID, sizeof LDAP_STARTTLS_OID - 1)) {
            st->ldap_msgid = msgid;
            client_sent_upgrade(st);
        }
        return;
    }
    /* ExtendedResponse ::= [APPLICATION 24] SEQUENCE { COMPONENTS OF LDAPResult, ... }.
     * messageID 0 is an unsolicited notification (RFC 4511 4.4), e.g. the
     * server disconnecting instead of answering. */
    if (op != 0x78 || !st->upgrade_sent || (msgid != st->ldap_msgid && msgid != 0))
        return;
    uint32_t code;
    if (!ber_small_int(&opbody, 0x0a, &code))
        return;
    if (code == 0) {
        if (msgid == st->ldap_msgid)
            upgrade(f);
        return;
    }
    reply_str(st, "LDAP resultCode ");
    reply_dec(st, code);
    REPLY_NAME(st, ldap_results, code);
    uint8_t t;
    uint32_t l;
    if (ber_head(&opbody, &t, &l) && t == 0x04) { /* matchedDN */
        ber_contents(&opbody, l, cut);
        if (ber_head(&opbody, &t, &l) && t == 0x04) { /* diagnosticMessage */
            struct span diag = ber_contents(&opbody, l, cut);
            if (span_ok(&diag) && diag.n > 0) {
                reply_str(st, ": ");
                reply_add(st, diag);
            }
        }
    }
    refuse(st);
}

/* ---- PostgreSQL (protocol docs: "SSL Session Encryption", "GSSAPI Session Encryption") ---- */

#define PG_SSL_REQUEST 80877103u    /* 0x04d2162f */
#define PG_GSSENC_REQUEST 80877104u /* 0x04d21630 */

enum { PG_NONE, PG_SSL, PG_GSS };

static enum frame_result pg_frame(int dir, struct span s, uint32_t *total)
{
    if (dir == C2S) {
        /* Untyped startup-phase messages: Int32 length (itself included). */
        return be_length_frame(s, 0, 4, 8, 10000, 0, total);
    }
    uint8_t b;
    if (!span_peek(&s, 0, &b))
        return FRAME_NEED;
    if (b == 'S' || b == 'N' || b == 'G') {
        *total = 1;
        return FRAME_OK;
    }
    if (b != 'E') /* ErrorResponse: a server too old to know the request */
        return FRAME_BAD;
    return be_length_frame(s, 1, 4, 4, 4096, 1, total);
}

static void pg_message(const struct feed *f, int dir, struct span msg)
{
    struct starttls *st = f->st;
    if (dir == C2S) {
        span_skip(&msg, 4);
        uint32_t code = span_u32(&msg);
        if (code == PG_SSL_REQUEST && span_ok(&msg)) {
            st->pg_request = PG_SSL;
            client_sent_upgrade(st);
        } else if (code == PG_GSSENC_REQUEST && span_ok(&msg)) {
            st->pg_request = PG_GSS;
        } else {
            give_up(f, C2S); /* StartupMessage or CancelRequest: no encryption asked */
        }
        return;
    }
    uint8_t b = span_u8(&msg);
    switch (b) {
    case 'S':
        if (st->pg_request == PG_SSL)
            upgrade(f);
        else
            give_up(f, S2C);
        return;
    case 'N':
        if (st->pg_request == PG_SSL) {
            reply_str(st, "N");
            refuse(st);
        } else if (st->pg_request == PG_GSS) {
            st->pg_request = PG_NONE; /* libpq then tries an SSLRequest, or goes on in clear */
        } else {
            give_up(f, S2C);
        }
        return;
    case 'E':
        if (st->pg_request == PG_SSL) {
            span_skip(&msg, 4);
            reply_add(st, msg); /* the fields: 'S' severity, 'M' message, ... NUL-separated */
            refuse(st);
        } else {
            give_up(f, S2C);
        }
        return;
    default: /* 'G': GSSAPI encryption, not TLS */
        give_up(f, S2C);
        return;
    }
}

/* ---- MySQL (client/server protocol: Initial Handshake v10, SSLRequest) ---- */

#define MYSQL_CLIENT_PROTOCOL_41 0x00000200u
#define MYSQL_CLIENT_SSL 0x00000800u

static enum frame_result mysql_frame(struct span s, uint32_t *total)
{
    /* Packet: int<3> payload_length (little-endian), int<1> sequence_id. */
    uint8_t a = span_u8(&s), b = span_u8(&s), c = span_u8(&s);
    span_u8(&s);
    if (!span_ok(&s))
        return FRAME_NEED;
    *total = 4u + ((uint32_t)c << 16 | (uint32_t)b << 8 | a);
    return FRAME_OK;
}

static uint16_t rd_u16le(struct span *s)
{
    uint8_t a = span_u8(s), b = span_u8(s);
    return (uint16_t)(a | (unsigned)b << 8);
}

static void mysql_message(const struct feed *f, int dir, struct span msg, uint32_t total)
{
    struct starttls *st = f->st;
    span_skip(&msg, 3);
    uint8_t seq = span_u8(&msg);
    if (dir == S2C) {
        if (st->greeted)
            return;
        /* Initial Handshake: protocol version 10, then the NUL-terminated server version. */
        uint8_t version = span_u8(&msg);
        uint8_t z;
        bool nul = false;
        for (size_t i = 0; i < msg.n && !nul; i++)
            nul = span_peek(&msg, i, &z) && z == 0;
        if (seq == 0 && version == 10 && nul && span_ok(&msg))
            st->greeted = true;
        else
            give_up(f, S2C);
        return;
    }
    /* SSLRequest: a HandshakeResponse41 cut after its 32 fixed bytes
     * (capability flags, max packet size, character set, 23 zero bytes) with
     * CLIENT_SSL set; the ClientHello follows it at once. A longer first
     * packet is a cleartext login. */
    uint32_t caps = span_u32le(&msg);
    if (st->greeted && seq == 1 && total == 4 + 32 && span_ok(&msg) && (caps & MYSQL_CLIENT_SSL) &&
        (caps & MYSQL_CLIENT_PROTOCOL_41)) {
        client_sent_upgrade(st);
        upgrade(f);
    } else {
        give_up(f, C2S);
    }
}

/* ---- TDS (MS-TDS 2.2.3.1 packet header, 2.2.6.5 PRELOGIN, 3.2.5.1-3.3.5.1) ---- */

#define TDS_TABULAR_RESULT 0x04
#define TDS_PRELOGIN 0x12
#define TDS_STATUS_EOM 0x01
#define TDS_PL_ENCRYPTION 0x01
#define TDS_PL_TERMINATOR 0xff

enum { TDS_ENCRYPT_OFF = 0, TDS_ENCRYPT_ON = 1, TDS_ENCRYPT_NOT_SUP = 2, TDS_ENCRYPT_REQ = 3 };

static enum frame_result tds_frame(struct span s, uint32_t *total)
{
    /* Header: Type, Status, Length (big-endian, header included), SPID, PacketID, Window. */
    return be_length_frame(s, 2, 2, 8, UINT16_MAX, 0, total);
}

/* The ENCRYPTION option of a PRELOGIN payload: a list of (token, offset,
 * length) entries, offsets from the payload's start, ended by 0xFF. */
static bool prelogin_encryption(struct span payload, uint8_t *enc)
{
    struct span opts = payload;
    for (int i = 0; i < 32; i++) {
        uint8_t token = span_u8(&opts);
        if (!span_ok(&opts) || token == TDS_PL_TERMINATOR)
            return false;
        uint16_t off = span_u16(&opts);
        uint16_t len = span_u16(&opts);
        if (!span_ok(&opts))
            return false;
        if (token != TDS_PL_ENCRYPTION)
            continue;
        struct span v = payload;
        span_skip(&v, off);
        uint8_t e = span_u8(&v);
        if (len < 1 || !span_ok(&v))
            return false;
        /* ENCRYPT_CLIENT_CERT (0x80) may be or-ed in (TDS 7.4). */
        *enc = e & 0x0f;
        return true;
    }
    return false;
}

static void tds_message(const struct feed *f, int dir, struct span msg)
{
    struct starttls *st = f->st;
    uint8_t type = span_u8(&msg);
    uint8_t status = span_u8(&msg);
    span_skip(&msg, 6);
    uint8_t enc = TDS_ENCRYPT_NOT_SUP;
    bool has_enc = span_ok(&msg) && prelogin_encryption(msg, &enc);
    if (dir == C2S) {
        /* The client opens with PRELOGIN; anything else (a capture that
         * starts mid-connection, a pre-7.1 login) is not followed. */
        if (type != TDS_PRELOGIN || !(status & TDS_STATUS_EOM) || !has_enc) {
            give_up(f, C2S);
            return;
        }
        st->tds_client_enc = enc;
        st->upgrade_sent = true;
        start_tds(st, C2S); /* its TLS handshake comes wrapped in PRELOGIN packets */
        return;
    }
    if (type != TDS_TABULAR_RESULT || !st->upgrade_sent || !has_enc) {
        give_up(f, S2C);
        return;
    }
    /* MS-TDS 2.2.6.5 table: no TLS when either side says NOT_SUP; else at
     * least the login is encrypted, so a TLS handshake follows. */
    uint8_t c = st->tds_client_enc;
    if (enc == TDS_ENCRYPT_NOT_SUP || c == TDS_ENCRYPT_NOT_SUP) {
        if (enc == TDS_ENCRYPT_NOT_SUP && (c == TDS_ENCRYPT_ON || c == TDS_ENCRYPT_REQ)) {
            reply_str(st, "TDS PRELOGIN ENCRYPTION ENCRYPT_NOT_SUP");
            refuse(st);
        } else {
            give_up(f, S2C);
        }
        return;
    }
    if (st->verdict == STARTTLS_PENDING)
        st->verdict = STARTTLS_UPGRADED;
    start_tds(st, S2C);
}

/* Hands over the payload of PRELOGIN packets: the TLS handshake records
 * wrapped in TDS (MS-TDS 3.2.5.1; a record may span packets and a packet may
 * span feeds). Once the handshake is done TDS 7.x sends raw TLS records: a
 * record's first byte (20-23) where a packet header is expected can never be
 * a TDS packet type, so from there the direction is plain TLS. */
static void tds_unwrap(const struct feed *f, int dir, struct span *data)
{
    struct starttls_dir *d = &f->st->dir[dir];
    if (d->tds_left > 0) {
        size_t k = min_size(d->tds_left, data->n);
        struct span part = span_take(data, k);
        d->tds_left = (uint16_t)(d->tds_left - k);
        if (d->tds_type == TDS_PRELOGIN)
            hand_over(f, dir, part);
        return;
    }
    uint8_t b;
    if (d->tds_hdr_len == 0 && span_peek(data, 0, &b) && b >= 0x14 && b <= 0x17) {
        d->tds = false;
        d->tls = true;
        return;
    }
    size_t k = min_size(sizeof d->tds_hdr - d->tds_hdr_len, data->n);
    memcpy(d->tds_hdr + d->tds_hdr_len, data->p, k);
    d->tds_hdr_len = (uint8_t)(d->tds_hdr_len + k);
    span_skip(data, k);
    if (d->tds_hdr_len < sizeof d->tds_hdr)
        return;
    d->tds_hdr_len = 0;
    struct span h = span_make(d->tds_hdr, sizeof d->tds_hdr);
    uint8_t type = span_u8(&h);
    span_u8(&h);
    uint16_t len = span_u16(&h);
    if (len < 8) {
        d->dead = true; /* framing lost: nothing after it can be placed */
        return;
    }
    d->tds_type = type;
    d->tds_left = (uint16_t)(len - 8);
}

/* ---- RDP (MS-RDPBCGR 2.2.1.1, 2.2.1.2; TPKT RFC 1006, X.224 ISO 8073) ---- */

#define X224_CONNECTION_REQUEST 0xe0
#define X224_CONNECTION_CONFIRM 0xd0
#define RDP_NEG_REQ 0x01
#define RDP_NEG_RSP 0x02
#define RDP_NEG_FAILURE 0x03

static enum frame_result rdp_frame(struct span s, uint32_t *total)
{
    /* TPKT: version 3, reserved 0, length (header included); at least the
     * 7-byte X.224 CR/CC header follows. */
    uint8_t version, reserved;
    if (span_peek(&s, 0, &version) && version != 3)
        return FRAME_BAD;
    if (span_peek(&s, 1, &reserved) && reserved != 0)
        return FRAME_BAD;
    return be_length_frame(s, 2, 2, 11, UINT16_MAX, 0, total);
}

/* RDP_NEG_FAILURE failureCode (MS-RDPBCGR 2.2.1.2.2). */
static const struct code_name rdp_failures[] = {
    { 1, "SSL_REQUIRED_BY_SERVER" }, { 2, "SSL_NOT_ALLOWED_BY_SERVER" },
    { 3, "SSL_CERT_NOT_ON_SERVER" }, { 4, "INCONSISTENT_FLAGS" },
    { 5, "HYBRID_REQUIRED_BY_SERVER" }, { 6, "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER" },
};

/* The variable part of an X.224 CR/CC: after the fixed header, as long as
 * the length indicator says (it counts the bytes after itself). */
static struct span x224_variable(struct span *tpdu, uint8_t *code)
{
    span_skip(tpdu, 4); /* TPKT */
    uint8_t li = span_u8(tpdu);
    *code = span_u8(tpdu) & 0xf0;
    span_skip(tpdu, 5); /* DST-REF, SRC-REF, class option */
    if (!span_ok(tpdu) || li < 6)
        return span_poisoned();
    return span_take(tpdu, min_size((size_t)li - 6, tpdu->n));
}

static void rdp_message(const struct feed *f, int dir, struct span msg)
{
    struct starttls *st = f->st;
    uint8_t code;
    struct span var = x224_variable(&msg, &code);
    if (dir == C2S) {
        if (!span_ok(&var) || code != X224_CONNECTION_REQUEST) {
            give_up(f, C2S);
            return;
        }
        /* An optional routingToken or "Cookie: mstshash=..." line ending in
         * CRLF comes before the RDP_NEG_REQ (2.2.1.1). */
        uint8_t c;
        if (span_peek(&var, 0, &c) && c != RDP_NEG_REQ) {
            size_t i = 0;
            uint8_t next;
            while (span_peek(&var, i, &c) && !(c == '\r' && span_peek(&var, i + 1, &next) && next == '\n'))
                i++;
            span_skip(&var, i + 2);
        }
        uint8_t type = span_u8(&var);
        span_u8(&var); /* flags */
        uint16_t len = rd_u16le(&var);
        uint32_t requested = span_u32le(&var);
        /* requestedProtocols: PROTOCOL_SSL 1, HYBRID 2, RDSTLS 4, HYBRID_EX 8, ...
         * all run over TLS. None (standard RDP security) means no TLS. */
        if (!span_ok(&var) || type != RDP_NEG_REQ || len != 8 || requested == 0) {
            give_up(f, C2S);
            return;
        }
        client_sent_upgrade(st);
        return;
    }
    if (!span_ok(&var) || code != X224_CONNECTION_CONFIRM || !st->upgrade_sent) {
        give_up(f, S2C);
        return;
    }
    uint8_t type = span_u8(&var);
    span_u8(&var);
    uint16_t len = rd_u16le(&var);
    uint32_t value = span_u32le(&var);
    if (!span_ok(&var) || len != 8) {
        /* No negotiation response: a server that only knows standard RDP security. */
        reply_str(st, "RDP no RDP_NEG_RSP: standard RDP security");
        refuse(st);
        return;
    }
    if (type == RDP_NEG_RSP && value != 0) {
        upgrade(f);
        return;
    }
    if (type == RDP_NEG_RSP) {
        reply_str(st, "RDP_NEG_RSP PROTOCOL_RDP");
    } else if (type == RDP_NEG_FAILURE) {
        reply_str(st, "RDP_NEG_FAILURE ");
        reply_hex(st, value, 8);
        REPLY_NAME(st, rdp_failures, value);
    } else {
        give_up(f, S2C);
        return;
    }
    refuse(st);
}

/* ---- SOCKS4/4a (NEC "SOCKS: A protocol for TCP proxy across firewalls", "SOCKS 4A"),
 *      SOCKS5 (RFC 1928), username/password (RFC 1929) ---- */

enum { SOCKS5_SERVER_METHOD, SOCKS5_SERVER_AUTH, SOCKS5_SERVER_REPLY };

/* Finds the NUL ending a string that starts at `from`; its offset, or 0 when
 * it is not there yet. Bounded by the unit buffer: longer ids are refused. */
static size_t nul_after(struct span s, size_t from, bool *bad)
{
    uint8_t c;
    for (size_t i = from; i < STARTTLS_UNIT_MAX; i++) {
        if (!span_peek(&s, i, &c))
            return 0;
        if (c == 0)
            return i;
    }
    *bad = true;
    return 0;
}

static enum frame_result socks4_frame(int dir, struct span s, uint32_t *total)
{
    if (dir == S2C) {
        *total = 8; /* VN, CD, DSTPORT, DSTIP */
        return FRAME_OK;
    }
    /* VN 4, CD, DSTPORT, DSTIP, USERID, NUL; SOCKS4a: DSTIP 0.0.0.x (x != 0)
     * and the host name, NUL-terminated, after the user id. */
    uint8_t ip[4];
    if (!span_peek(&s, 4, &ip[0]) || !span_peek(&s, 5, &ip[1]) || !span_peek(&s, 6, &ip[2]) ||
        !span_peek(&s, 7, &ip[3]))
        return FRAME_NEED;
    bool bad = false;
    size_t end = nul_after(s, 8, &bad);
    if (end && ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0)
        end = nul_after(s, end + 1, &bad);
    if (bad)
        return FRAME_BAD;
    if (!end)
        return FRAME_NEED;
    *total = (uint32_t)end + 1;
    return FRAME_OK;
}

/* Length of a SOCKS5 request or reply: VER, CMD/REP, RSV, ATYP, address, port. */
static enum frame_result socks5_address_frame(struct span s, uint32_t *total)
{
    uint8_t atyp, n;
    if (!span_peek(&s, 3, &atyp))
        return FRAME_NEED;
    switch (atyp) {
    case 1:
        *total = 4 + 4 + 2;
        return FRAME_OK;
    case 4:
        *total = 4 + 16 + 2;
        return FRAME_OK;
    case 3:
        if (!span_peek(&s, 4, &n))
            return FRAME_NEED;
        *total = 4 + 1 + (uint32_t)n + 2;
        return FRAME_OK;
    default:
        return FRAME_BAD;
    }
}

static enum frame_result socks5_frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    uint8_t b0, b1, ulen, plen;
    if (!span_peek(&s, 0, &b0) || !span_peek(&s, 1, &b1))
        return FRAME_NEED;
    if (dir == S2C) {
        if (st->step[S2C] != SOCKS5_SERVER_REPLY) {
            *total = 2; /* method selection, or the RFC 1929 status */
            return FRAME_OK;
        }
        return socks5_address_frame(s, total);
    }
    if (st->step[C2S] == 0) { /* greeting: VER, NMETHODS, METHODS */
        *total = 2u + b1;
        return FRAME_OK;
    }
    if (b0 == 1) { /* RFC 1929: VER 1, ULEN, UNAME, PLEN, PASSWD */
        if (!span_peek(&s, 2u + b1, &plen))
            return FRAME_NEED;
        ulen = b1;
        *total = 3u + ulen + plen;
        return FRAME_OK;
    }
    if (b0 == 5)
        return socks5_address_frame(s, total);
    return FRAME_BAD;
}

/* SOCKS5 REP (RFC 1928 6). */
static const struct code_name socks5_replies[] = {
    { 1, "general SOCKS server failure" }, { 2, "connection not allowed by ruleset" },
    { 3, "network unreachable" }, { 4, "host unreachable" }, { 5, "connection refused" },
    { 6, "TTL expired" }, { 7, "command not supported" }, { 8, "address type not supported" },
};

static void socks_message(const struct feed *f, int dir, struct span msg)
{
    struct starttls *st = f->st;
    uint8_t ver = span_u8(&msg);
    uint8_t b1 = span_u8(&msg);
    if (!span_ok(&msg)) {
        give_up(f, dir);
        return;
    }
    if (st->proto == STARTTLS_PROTO_SOCKS4) {
        if (dir == C2S) {
            if (b1 != 1) { /* BIND: not a tunnel to a server */
                give_up(f, C2S);
                return;
            }
            client_sent_upgrade(st);
            return;
        }
        /* Reply: VN 0 (some servers echo 4), CD 90 granted, 91-93 rejected. */
        if ((ver != 0 && ver != 4) || b1 < 0x5a || b1 > 0x5d) {
            give_up(f, S2C);
            return;
        }
        if (b1 == 0x5a) {
            upgrade(f);
            return;
        }
        reply_str(st, "SOCKS4 request rejected ");
        reply_hex(st, b1, 2);
        refuse(st);
        return;
    }
    if (dir == C2S) {
        if (st->step[C2S] == 0) {
            if (ver != 5 || b1 == 0) {
                give_up(f, C2S);
                return;
            }
            st->step[C2S] = 1;
            return;
        }
        if (ver == 5) {
            if (b1 != 1) { /* BIND, UDP ASSOCIATE */
                give_up(f, C2S);
                return;
            }
            client_sent_upgrade(st);
        }
        return;
    }
    switch (st->step[S2C]) {
    case SOCKS5_SERVER_METHOD:
        if (ver != 5) {
            give_up(f, S2C);
        } else if (b1 == 0x00) {
            st->step[S2C] = SOCKS5_SERVER_REPLY;
        } else if (b1 == 0x02) {
            st->step[S2C] = SOCKS5_SERVER_AUTH;
        } else if (b1 == 0xff) {
            reply_str(st, "SOCKS5 no acceptable authentication method");
            refuse(st);
        } else {
            give_up(f, S2C); /* GSSAPI and others encapsulate what follows */
        }
        return;
    case SOCKS5_SERVER_AUTH:
        if (b1 == 0) {
            st->step[S2C] = SOCKS5_SERVER_REPLY;
            return;
        }
        reply_str(st, "SOCKS5 username/password authentication failed ");
        reply_hex(st, b1, 2);
        refuse(st);
        return;
    default:
        if (ver != 5) {
            give_up(f, S2C);
            return;
        }
        if (b1 == 0) {
            upgrade(f);
            return;
        }
        reply_str(st, "SOCKS5 reply ");
        reply_hex(st, b1, 2);
        REPLY_NAME(st, socks5_replies, b1);
        refuse(st);
        return;
    }
}

/* ---- recognising the dialogue from its first bytes ---- */

enum { MATCH_NO, MATCH_PART, MATCH_FULL };

static int match_bytes(struct span s, const void *lit, size_t n, bool ci)
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

/* A numeric greeting: three digits, then space, '-' or the line end. */
static int match_numeric(struct span s, int *code)
{
    uint8_t c;
    *code = 0;
    for (size_t i = 0; i < 3; i++) {
        if (!span_peek(&s, i, &c))
            return MATCH_PART;
        if (!is_digit(c))
            return MATCH_NO;
        *code = *code * 10 + (c - '0');
    }
    if (!span_peek(&s, 3, &c))
        return MATCH_PART;
    return c == ' ' || c == '-' || c == '\r' || c == '\n' ? MATCH_FULL : MATCH_NO;
}

/* MySQL Initial Handshake: sequence id 0 and protocol version 10 after a
 * plausible 3-byte length. */
static int match_mysql(struct span s)
{
    uint8_t b[5];
    size_t n = 0;
    while (n < 5 && span_peek(&s, n, &b[n]))
        n++;
    if (n >= 3 && (b[2] != 0 || ((unsigned)b[1] << 8 | b[0]) < 16 || ((unsigned)b[1] << 8 | b[0]) > 1024))
        return MATCH_NO;
    if (n >= 4 && b[3] != 0)
        return MATCH_NO;
    if (n >= 5 && b[4] != 10)
        return MATCH_NO;
    return n == 5 ? MATCH_FULL : MATCH_PART;
}

static int detect(struct span s, int dir)
{
    static const uint8_t pg_ssl[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
    static const uint8_t pg_gss[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30 };
    struct cand {
        int m;
        int proto;
    } c[10];
    size_t n = 0;
    if (dir == S2C) {
        int code;
        int m = match_numeric(s, &code);
        int p = STARTTLS_PROTO_NONE;
        if (m == MATCH_FULL) {
            if (code == 220)
                p = DETECT_SMTP_OR_FTP;
            else if (code == 120)
                p = STARTTLS_PROTO_FTP;
            else if (code == 200 || code == 201)
                p = STARTTLS_PROTO_NNTP;
            else
                m = MATCH_NO;
        }
        c[n++] = (struct cand){ m, p };
        c[n++] = (struct cand){ match_bytes(s, "* OK", 4, true), STARTTLS_PROTO_IMAP };
        c[n++] = (struct cand){ match_bytes(s, "* PREAUTH", 9, true), STARTTLS_PROTO_IMAP };
        c[n++] = (struct cand){ match_bytes(s, "+OK", 3, true), STARTTLS_PROTO_POP3 };
        c[n++] = (struct cand){ match_bytes(s, "\"", 1, false), STARTTLS_PROTO_MANAGESIEVE };
        c[n++] = (struct cand){ match_mysql(s), STARTTLS_PROTO_MYSQL };
    } else {
        uint8_t b1;
        int socks5 = match_bytes(s, "\x05", 1, false);
        if (socks5 == MATCH_FULL)
            socks5 = !span_peek(&s, 1, &b1) ? MATCH_PART : (b1 >= 1 && b1 <= 32 ? MATCH_FULL : MATCH_NO);
        c[n++] = (struct cand){ match_bytes(s, "CONNECT ", 8, true), STARTTLS_PROTO_HTTP_CONNECT };
        c[n++] = (struct cand){ match_bytes(s, "<", 1, false), STARTTLS_PROTO_XMPP };
        c[n++] = (struct cand){ match_bytes(s, "\x30", 1, false), STARTTLS_PROTO_LDAP };
        c[n++] = (struct cand){ match_bytes(s, pg_ssl, 8, false), STARTTLS_PROTO_POSTGRESQL };
        c[n++] = (struct cand){ match_bytes(s, pg_gss, 8, false), STARTTLS_PROTO_POSTGRESQL };
        c[n++] = (struct cand){ match_bytes(s, "\x12", 1, false), STARTTLS_PROTO_TDS };
        c[n++] = (struct cand){ match_bytes(s, "\x03\x00", 2, false), STARTTLS_PROTO_RDP };
        c[n++] = (struct cand){ match_bytes(s, "\x04\x01", 2, false), STARTTLS_PROTO_SOCKS4 };
        c[n++] = (struct cand){ socks5, STARTTLS_PROTO_SOCKS5 };
    }
    bool partial = false;
    for (size_t i = 0; i < n; i++) {
        if (c[i].m == MATCH_FULL)
            return c[i].proto;
        partial = partial || c[i].m == MATCH_PART;
    }
    return partial ? DETECT_NEED : STARTTLS_PROTO_NONE;
}

/* Recognises the dialogue from a direction's first bytes, held in the unit
 * buffer while fewer than needed have come. Then those bytes are fed again,
 * now as the start of the first unit. */
static void recognise(const struct feed *f, int dir, struct span *data)
{
    struct starttls *st = f->st;
    struct starttls_dir *d = &st->dir[dir];
    if (st->dir[1 - dir].have > 0) {
        /* Both directions started undecided: no dialogue here does that. */
        give_up(f, dir);
        return;
    }
    uint8_t head[DETECT_MAX];
    size_t old = d->have;
    memcpy(head, d->buf, old);
    size_t add = min_size(data->n, DETECT_MAX - old);
    memcpy(head + old, data->p, add);
    int p = detect(span_make(head, old + add), dir);
    if (p == DETECT_NEED && old + add < DETECT_MAX) {
        memcpy(d->buf + old, data->p, add); /* add == data->n here */
        d->have = (uint16_t)(old + add);
        span_skip(data, add);
        return;
    }
    if (p == DETECT_NEED || p == STARTTLS_PROTO_NONE) {
        give_up(f, dir);
        return;
    }
    if (p == DETECT_SMTP_OR_FTP) {
        st->smtp_or_ftp = true;
        p = st->server_port == 21 || st->server_port == 990 ? STARTTLS_PROTO_FTP : STARTTLS_PROTO_SMTP;
    }
    st->proto = (uint8_t)p;
    if (old > 0) {
        uint8_t again[DETECT_MAX];
        memcpy(again, d->buf, old);
        d->have = 0;
        feed_dir(f, dir, span_make(again, old));
    }
}

/* ---- units ---- */

static bool is_text(uint8_t proto)
{
    switch (proto) {
    case STARTTLS_PROTO_SMTP:
    case STARTTLS_PROTO_IMAP:
    case STARTTLS_PROTO_POP3:
    case STARTTLS_PROTO_FTP:
    case STARTTLS_PROTO_NNTP:
    case STARTTLS_PROTO_MANAGESIEVE:
    case STARTTLS_PROTO_HTTP_CONNECT:
    case STARTTLS_PROTO_XMPP:
        return true;
    default:
        return false;
    }
}

static enum frame_result frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    switch (st->proto) {
    case STARTTLS_PROTO_LDAP:
        return ber_frame(s, total);
    case STARTTLS_PROTO_POSTGRESQL:
        return pg_frame(dir, s, total);
    case STARTTLS_PROTO_MYSQL:
        return mysql_frame(s, total);
    case STARTTLS_PROTO_TDS:
        return tds_frame(s, total);
    case STARTTLS_PROTO_RDP:
        return rdp_frame(s, total);
    case STARTTLS_PROTO_SOCKS4:
        return socks4_frame(dir, s, total);
    case STARTTLS_PROTO_SOCKS5:
        return socks5_frame(st, dir, s, total);
    default:
        return FRAME_BAD;
    }
}

/* One whole unit: `unit` holds all of it, or its first bytes when `cut`
 * (then `total` is its full length for framed messages). */
static void handle(const struct feed *f, int dir, struct span unit, uint32_t total, bool cut)
{
    struct starttls *st = f->st;
    struct starttls_dir *d = &st->dir[dir];
    if (d->units < UINT16_MAX)
        d->units++;
    switch (st->proto) {
    case STARTTLS_PROTO_SMTP:
    case STARTTLS_PROTO_FTP:
    case STARTTLS_PROTO_NNTP:
        if (dir == C2S)
            numeric_client(f, unit);
        else
            numeric_server(f, unit);
        return;
    case STARTTLS_PROTO_POP3:
        if (dir == C2S)
            pop3_client(f, unit);
        else
            pop3_server(f, unit);
        return;
    case STARTTLS_PROTO_IMAP:
        if (dir == C2S)
            imap_client(f, unit, cut);
        else
            imap_server(f, unit, cut);
        return;
    case STARTTLS_PROTO_MANAGESIEVE:
        if (dir == C2S)
            sieve_client(f, unit, cut);
        else
            sieve_server(f, unit, cut);
        return;
    case STARTTLS_PROTO_HTTP_CONNECT:
        if (dir == C2S)
            http_client(f, unit);
        else
            http_server(f, unit);
        return;
    case STARTTLS_PROTO_XMPP:
        xmpp_unit(f, dir, unit);
        return;
    case STARTTLS_PROTO_LDAP:
        ldap_message(f, dir, unit, cut);
        return;
    case STARTTLS_PROTO_POSTGRESQL:
        pg_message(f, dir, unit);
        return;
    case STARTTLS_PROTO_MYSQL:
        mysql_message(f, dir, unit, total);
        return;
    case STARTTLS_PROTO_TDS:
        tds_message(f, dir, unit);
        return;
    case STARTTLS_PROTO_RDP:
        rdp_message(f, dir, unit);
        return;
    case STARTTLS_PROTO_SOCKS4:
    case STARTTLS_PROTO_SOCKS5:
        socks_message(f, dir, unit);
        return;
    default:
        give_up(f, dir);
        return;
    }
}

/* Lines (or XMPP tags): in place when whole in this feed, else gathered. */
static void next_line(const struct feed *f, int dir, struct span *data)
{
    struct starttls_dir *d = &f->st->dir[dir];
    int delim = f->st->proto == STARTTLS_PROTO_XMPP ? '>' : '\n';
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
static void next_message(const struct feed *f, int dir, struct span *data)
{
    struct starttls *st = f->st;
    struct starttls_dir *d = &st->dir[dir];
    uint32_t total = 0;
    enum frame_result r;
    if (d->have == 0) {
        r = frame(st, dir, *data, &total);
        if (r == FRAME_BAD) {
            give_up(f, dir);
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
        give_up(f, dir);
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

static void skip_bytes(const struct feed *f, int dir, struct span *data)
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
static bool sniff_tls(const struct feed *f, int dir, struct span *data)
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
    if (dir == S2C) {
        upgrade(f); /* XMPP: TLS came without the </proceed> */
        return true;
    }
    if (f->st->verdict == STARTTLS_PENDING)
        f->st->verdict = STARTTLS_UPGRADED;
    start_tls(f, dir);
    return true;
}

static void feed_dir(const struct feed *f, int dir, struct span data)
{
    struct starttls *st = f->st;
    struct starttls_dir *d = &st->dir[dir];
    while (data.n > 0) {
        if (st->verdict == STARTTLS_REFUSED || st->verdict == STARTTLS_NOT_STARTTLS || d->dead)
            return;
        if (d->tls) {
            hand_over(f, dir, data);
            return;
        }
        if (d->tds) {
            tds_unwrap(f, dir, &data);
            continue;
        }
        if (d->bytes > STARTTLS_BYTE_LIMIT || d->units >= STARTTLS_UNIT_LIMIT) {
            give_up(f, dir);
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
        if (is_text(st->proto))
            next_line(f, dir, &data);
        else
            next_message(f, dir, &data);
    }
}

/* ---- API ---- */

void starttls_init(struct starttls *st, uint16_t server_port)
{
    memset(st, 0, sizeof *st);
    st->server_port = server_port;
}

void starttls_feed(struct starttls *st, int dir, struct span data, starttls_tls_fn tls, void *ctx)
{
    if ((dir != C2S && dir != S2C) || !span_ok(&data) || data.n == 0)
        return;
    struct feed f = { st, tls, ctx };
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
    switch (p) {
    case STARTTLS_PROTO_SMTP: return "smtp";
    case STARTTLS_PROTO_IMAP: return "imap";
    case STARTTLS_PROTO_POP3: return "pop3";
    case STARTTLS_PROTO_LDAP: return "ldap";
    case STARTTLS_PROTO_FTP: return "ftp";
    case STARTTLS_PROTO_XMPP: return "xmpp";
    case STARTTLS_PROTO_NNTP: return "nntp";
    case STARTTLS_PROTO_MANAGESIEVE: return "sieve";
    case STARTTLS_PROTO_POSTGRESQL: return "postgresql";
    case STARTTLS_PROTO_MYSQL: return "mysql";
    case STARTTLS_PROTO_TDS: return "tds";
    case STARTTLS_PROTO_RDP: return "rdp";
    case STARTTLS_PROTO_HTTP_CONNECT: return "http";
    case STARTTLS_PROTO_SOCKS4:
    case STARTTLS_PROTO_SOCKS5: return "socks";
    default: return NULL;
    }
}

const uint8_t *starttls_reply(const struct starttls *st, size_t *len)
{
    *len = st->reply_len;
    return st->reply;
}

bool starttls_dir_is_tls(const struct starttls *st, int dir)
{
    return (dir == C2S || dir == S2C) && st->dir[dir].tls;
}

/* ---- TEMPORARY (flows branch): starttls_sniff over detect(), so that the
 * accept gate builds before the starttls branch is merged. The integrator
 * replaces this section with that branch's starttls_sniff. ---- */

enum starttls_sniff_result starttls_sniff(int dir, struct span first, uint16_t server_port)
{
    (void)server_port;
    if ((dir != C2S && dir != S2C) || !span_ok(&first))
        return STARTTLS_SNIFF_NO;
    /* recognise() judges at most DETECT_MAX bytes and gives up on a prefix
     * still undecided there: the same here. */
    struct span head = span_take(&first, min_size(first.n, DETECT_MAX));
    int p = detect(head, dir);
    if (p == DETECT_NEED)
        return head.n < DETECT_MAX ? STARTTLS_SNIFF_NEED_MORE : STARTTLS_SNIFF_NO;
    return p == STARTTLS_PROTO_NONE ? STARTTLS_SNIFF_NO : STARTTLS_SNIFF_YES;
}
