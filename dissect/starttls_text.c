/* starttls_text.c - the line-based dialogues of the starttls module: SMTP,
 * FTP and NNTP (numeric replies), POP3, IMAP, ManageSieve, HTTP CONNECT, IRC,
 * and XMPP (cut at '>' rather than at line ends). One `struct starttls_ops` each;
 * the engine (starttls.c) cuts the units and calls the handlers here.
 *
 * Matching an answer to its command: SMTP, FTP, NNTP, POP3 and ManageSieve
 * answer every command line with exactly one final reply, in order, also when
 * commands are pipelined (RFC 2920, RFC 2449 "PIPELINING", RFC 3977 3.5). So
 * the upgrade command's answer is the final reply whose number equals the
 * command's number (struct starttls_counted). IMAP answers by tag (RFC 3501
 * 2.2.2).
 *
 * Wire references: see starttls.h.
 */
#include "dissect/starttls_proto.h"

#include <string.h>

/* ---- reading lines ---- */

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

static bool byte_at(struct span s, size_t off, uint8_t want)
{
    uint8_t c;
    return span_peek(&s, off, &c) && c == want;
}

/* A numeric greeting: three digits, then space, '-' or the line end. */
static enum starttls_match match_numeric(struct span s, int *code)
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

/* Keeps the first STARTTLS_CLIENT_ID_MAX bytes of a client's name for itself. */
static void keep_id(struct starttls_id_value *out, struct span v)
{
    size_t n = v.n < STARTTLS_CLIENT_ID_MAX ? v.n : STARTTLS_CLIENT_ID_MAX;
    out->cut = v.n > n;
    for (size_t i = 0; i < n; i++)
        out->v[i] = span_u8(&v);
    out->len = (uint8_t)n;
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

/* A literal announced at the end of a whole line: its bytes are passed over. */
static void skip_literal(struct starttls *st, const struct starttls_unit *u, struct span line)
{
    uint32_t lit;
    if (!u->cut && literal_at_end(line, &lit))
        st->dir[u->dir].skip = lit;
}

/* ---- matching an answer to its command by count ---- */

/* Counts a client command line; returns its 0-based index. */
static unsigned count_command(struct starttls *st)
{
    unsigned idx = st->counted.cmds;
    if (st->counted.cmds < UINT16_MAX)
        st->counted.cmds++;
    return idx;
}

/* The command just counted is the upgrade command (the first one only). */
static void upgrade_command(struct starttls *st)
{
    if (st->counted.upgrade_at)
        return;
    st->counted.upgrade_at = st->counted.cmds;
    starttls_client_sent_upgrade(st);
}

/* A line of the server's reply (any line of a multi-line one): kept for the
 * report when the reply is the one that answers the upgrade command. */
static void answer_line(struct starttls *st, struct span unit)
{
    const struct starttls_counted *c = &st->counted;
    if (st->greeted && c->upgrade_at && c->replies + 1 == c->upgrade_at)
        starttls_reply_add(st, unit);
}

/* A final reply after the greeting: the one with the upgrade command's
 * number settles the dialogue. */
static void answer_counted(const struct starttls_io *f, bool positive)
{
    struct starttls_counted *c = &f->st->counted;
    if (c->replies < UINT16_MAX)
        c->replies++;
    if (!c->upgrade_at || c->replies != c->upgrade_at)
        return;
    if (positive)
        starttls_upgrade(f);
    else
        starttls_refuse(f->st);
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

/* Inside a "."-terminated block (RFC 1939 3, RFC 3977 3.1.1) a line is
 * data, and one holding a single "." ends the block; data lines that begin
 * with "." are byte-stuffed to "..". True when `line` was such a line. */
static bool dot_block_line(bool *in_block, struct span line)
{
    if (!*in_block)
        return false;
    if (line.n == 1 && byte_at(line, 0, '.'))
        *in_block = false;
    return true;
}

static void numeric_server(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span line = line_body(u->bytes);
    if (dot_block_line(&st->u.numeric.dot_block, line))
        return;
    uint8_t sep = 0;
    int code = reply_code(line, &sep);
    bool final;
    if (st->u.numeric.ml_code) {
        /* RFC 959 4.2: a multi-line reply ends with a line that begins with
         * the same code followed by a space; lines between may hold anything. */
        final = code == st->u.numeric.ml_code && sep != '-';
    } else {
        if (code < 0 || (sep != ' ' && sep != '-' && sep != 0))
            return; /* not a reply line: tolerated, the unit limit bounds it */
        final = sep != '-';
        if (!final)
            st->u.numeric.ml_code = (uint16_t)code;
    }
    answer_line(st, u->bytes);
    if (!final)
        return;
    int rc = st->u.numeric.ml_code ? st->u.numeric.ml_code : code;
    st->u.numeric.ml_code = 0;
    if (!st->greeted) {
        if (rc / 100 == 1 && st->proto == STARTTLS_PROTO_FTP)
            return; /* RFC 959 5.4: "120 ready in nnn minutes", then 220 */
        bool ok = st->proto == STARTTLS_PROTO_NNTP ? rc == 200 || rc == 201 : rc == 220;
        if (ok)
            st->greeted = true;
        else
            starttls_give_up(f, DIR_S2C);
        return;
    }
    if (st->proto == STARTTLS_PROTO_FTP && rc / 100 == 1)
        return; /* a preliminary reply: the command's final reply follows */
    if (st->proto == STARTTLS_PROTO_NNTP && nntp_block_follows(rc))
        st->u.numeric.dot_block = true;
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
    answer_counted(f, positive);
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
    st->u.numeric.smtp_or_ftp = false;
}

static void numeric_client(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span line = line_body(u->bytes);
    struct span word = next_word(&line);
    struct span arg = next_word(&line);
    count_command(st);
    if (st->u.numeric.smtp_or_ftp)
        tell_smtp_from_ftp(st, word, arg);
    if (st->proto == STARTTLS_PROTO_SMTP && !st->client_id.helo_seen &&
        (equals_ci(word, "EHLO") || equals_ci(word, "HELO") || equals_ci(word, "LHLO"))) {
        st->client_id.helo_seen = true;
        keep_id(&st->client_id.helo, arg);
    }
    bool up;
    switch (st->proto) {
    case STARTTLS_PROTO_SMTP:
        /* A cleartext mail transaction: its content lines are not commands
         * and a session that sends mail in clear does not upgrade later. */
        if (equals_ci(word, "DATA") || equals_ci(word, "BDAT")) {
            starttls_give_up(f, DIR_C2S);
            return;
        }
        up = equals_ci(word, "STARTTLS");
        break;
    case STARTTLS_PROTO_FTP: {
        /* Transfers in clear: the client logged in without TLS. */
        static const char *const transfer[] = { "PASV", "EPSV", "PORT", "EPRT", "RETR", "STOR", "LIST", "NLST", "MLSD" };
        if (!st->counted.upgrade_at && word_in(word, transfer, sizeof transfer / sizeof transfer[0])) {
            starttls_give_up(f, DIR_C2S);
            return;
        }
        up = ftp_auth_tls(word, arg);
        break;
    }
    default:
        up = equals_ci(word, "STARTTLS");
        break;
    }
    if (up)
        upgrade_command(st);
}

/* A numeric greeting whose code is `a` or `b` (any three digits are a
 * prefix of one until the code is complete). */
static enum starttls_match numeric_opening(struct span s, int a, int b)
{
    int code;
    enum starttls_match m = match_numeric(s, &code);
    return m == MATCH_FULL && code != a && code != b ? MATCH_NO : m;
}

static enum starttls_match smtp_detect(struct span s)
{
    return numeric_opening(s, 220, 220);
}

/* A "220" greeting is SMTP or FTP until the client's first command says
 * which; till then the port decides. */
static void smtp_begin(struct starttls *st)
{
    st->u.numeric.smtp_or_ftp = true;
    if (st->server_port == 21 || st->server_port == 990)
        st->proto = STARTTLS_PROTO_FTP;
}

/* RFC 959 5.4: "120 ready in nnn minutes" comes before the 220. */
static enum starttls_match ftp_detect(struct span s)
{
    return numeric_opening(s, 120, 120);
}

/* RFC 3977 5.1.1: 200 posting allowed, 201 posting prohibited. */
static enum starttls_match nntp_detect(struct span s)
{
    return numeric_opening(s, 200, 201);
}

const struct starttls_ops starttls_smtp_ops = {
    .name = "smtp", .opener = DIR_S2C, .detect = smtp_detect, .begin = smtp_begin,
    .framing = STARTTLS_FRAMING_LINE, .client = numeric_client, .server = numeric_server,
};

const struct starttls_ops starttls_ftp_ops = {
    .name = "ftp", .opener = DIR_S2C, .detect = ftp_detect,
    .framing = STARTTLS_FRAMING_LINE, .client = numeric_client, .server = numeric_server,
};

const struct starttls_ops starttls_nntp_ops = {
    .name = "nntp", .opener = DIR_S2C, .detect = nntp_detect,
    .framing = STARTTLS_FRAMING_LINE, .client = numeric_client, .server = numeric_server,
};

/* ---- POP3 (RFC 2595 4, RFC 1939, RFC 2449, RFC 5034) ---- */

static void pop3_server(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span line = line_body(u->bytes);
    if (dot_block_line(&st->u.pop3.dot_block, line))
        return;
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
            starttls_give_up(f, DIR_S2C);
        return;
    }
    answer_line(st, u->bytes);
    if (ok && (st->u.pop3.multi >> (st->counted.replies % 64u) & 1u))
        st->u.pop3.dot_block = true;
    answer_counted(f, ok);
}

static void pop3_client(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span line = line_body(u->bytes);
    struct span word = next_word(&line);
    struct span arg = next_word(&line);
    unsigned idx = count_command(st) % 64u;
    /* Which answers carry a "."-terminated block after +OK (RFC 1939 5-7,
     * RFC 2449 5, RFC 5034 4: AUTH without a mechanism lists them). */
    bool multi = equals_ci(word, "CAPA") || equals_ci(word, "RETR") || equals_ci(word, "TOP") ||
                 ((equals_ci(word, "LIST") || equals_ci(word, "UIDL") || equals_ci(word, "AUTH")) && arg.n == 0);
    /* RFC 2595 4: STLS only in the AUTHORIZATION state; these commands
     * exist only in TRANSACTION, after a cleartext login (RFC 1939 5). */
    static const char *const transaction[] = { "STAT", "LIST", "RETR", "DELE", "UIDL", "TOP" };
    if (!st->counted.upgrade_at && word_in(word, transaction, sizeof transaction / sizeof transaction[0])) {
        starttls_give_up(f, DIR_C2S);
        return;
    }
    if (multi)
        st->u.pop3.multi |= (uint64_t)1 << idx;
    else
        st->u.pop3.multi &= ~((uint64_t)1 << idx);
    if (equals_ci(word, "STLS"))
        upgrade_command(st);
}

const struct starttls_ops starttls_pop3_ops = {
    .name = "pop3", .opener = DIR_S2C, STARTTLS_OPENING("+OK"), .opening_ci = true,
    .framing = STARTTLS_FRAMING_LINE, .client = pop3_client, .server = pop3_server,
};

/* ---- IMAP (RFC 3501 6.2.1, RFC 9051 6.2.1) ---- */

static void imap_server(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span unit = u->bytes;
    struct span line = line_body(unit);
    if (!st->greeted) {
        /* RFC 3501 7.1: the greeting is OK, PREAUTH or BYE (refused service). */
        if (starts_ci(line, "* OK") || starts_ci(line, "* PREAUTH"))
            st->greeted = true;
        else
            starttls_give_up(f, DIR_S2C);
        return;
    }
    if (st->u.imap.tag_len && starts_exact(line, st->u.imap.tag, st->u.imap.tag_len) && byte_at(line, st->u.imap.tag_len, ' ')) {
        struct span rest = line;
        span_skip(&rest, st->u.imap.tag_len);
        struct span status = next_word(&rest);
        if (equals_ci(status, "OK")) {
            starttls_reply_add(st, unit);
            starttls_upgrade(f);
            return;
        }
        if (equals_ci(status, "NO") || equals_ci(status, "BAD")) {
            starttls_reply_add(st, unit);
            starttls_refuse(st);
            return;
        }
    }
    skip_literal(st, u, line);
}

/* An IMAP quoted string (RFC 3501 4.3: "..." with \" and \\ escapes) at the
 * cursor, its content without the escapes copied into `out` (bounded);
 * false (cursor left) when none is there: NIL, a literal, the list's end. */
static bool imap_quoted(struct span *s, struct starttls_id_value *out)
{
    uint8_t c;
    while (span_peek(s, 0, &c) && c == ' ')
        span_skip(s, 1);
    if (!span_peek(s, 0, &c) || c != '"')
        return false;
    span_skip(s, 1);
    memset(out, 0, sizeof *out); /* it is copied whole into the state */
    while (span_peek(s, 0, &c) && c != '"') {
        span_skip(s, 1);
        if (c == '\\') { /* the escaped byte itself */
            if (!span_peek(s, 0, &c))
                return false;
            span_skip(s, 1);
        }
        if (out->len < STARTTLS_CLIENT_ID_MAX)
            out->v[out->len++] = c;
        else
            out->cut = true;
    }
    if (!span_peek(s, 0, &c))
        return false; /* unterminated: the line was cut */
    span_skip(s, 1);
    return true;
}

/* RFC 2971 3.1: "tag ID (" field value ... ")" or "tag ID NIL": the values
 * of "name" and "version" (field names are case-insensitive); pairs whose
 * value is NIL or a literal are passed over. */
static void imap_id(struct starttls *st, struct span args)
{
    uint8_t c;
    while (span_peek(&args, 0, &c) && c == ' ')
        span_skip(&args, 1);
    if (!span_peek(&args, 0, &c) || c != '(')
        return;
    span_skip(&args, 1);
    st->client_id.imap_id_seen = true;
    struct starttls_id_value field, value;
    for (int pairs = 0; pairs < 30 && imap_quoted(&args, &field); pairs++) {
        if (!imap_quoted(&args, &value)) {
            struct span nil = next_word(&args); /* NIL or a literal: nothing kept */
            if (nil.n == 0)
                return;
            continue;
        }
        struct span name = span_make(field.v, field.len);
        if (equals_ci(name, "name") && st->client_id.name.len == 0)
            st->client_id.name = value;
        else if (equals_ci(name, "version") && st->client_id.version.len == 0)
            st->client_id.version = value;
    }
}

static void imap_client(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span line = line_body(u->bytes);
    struct span rest = line;
    struct span tag = next_word(&rest);
    struct span cmd = next_word(&rest);
    /* RFC 3501 6.2.1: STARTTLS only in the not-authenticated state; these
     * commands exist only after a login (6.3, 6.4), here a cleartext one. */
    static const char *const authenticated[] = { "SELECT", "EXAMINE", "LIST",   "LSUB",   "STATUS", "APPEND",
                                                 "CREATE", "DELETE",  "RENAME", "FETCH",  "UID",    "SEARCH",
                                                 "STORE",  "COPY",    "MOVE",   "IDLE",   "EXPUNGE" };
    if (!st->upgrade_sent && word_in(cmd, authenticated, sizeof authenticated / sizeof authenticated[0])) {
        starttls_give_up(f, DIR_C2S);
        return;
    }
    if (!st->upgrade_sent && !st->client_id.imap_id_seen && equals_ci(cmd, "ID"))
        imap_id(st, rest);
    if (!st->upgrade_sent && equals_ci(cmd, "STARTTLS") && tag.n > 0 && tag.n <= sizeof st->u.imap.tag) {
        memcpy(st->u.imap.tag, tag.p, tag.n);
        st->u.imap.tag_len = (uint8_t)tag.n;
        starttls_client_sent_upgrade(st);
    }
    skip_literal(st, u, line);
}

/* RFC 3501 7.1: the greeting is OK or PREAUTH (BYE refuses service). */
static enum starttls_match imap_detect(struct span s)
{
    enum starttls_match ok = starttls_match_bytes(s, "* OK", 4, true);
    enum starttls_match preauth = starttls_match_bytes(s, "* PREAUTH", 9, true);
    return ok > preauth ? ok : preauth;
}

const struct starttls_ops starttls_imap_ops = {
    .name = "imap", .opener = DIR_S2C, .detect = imap_detect,
    .framing = STARTTLS_FRAMING_LINE, .client = imap_client, .server = imap_server,
};

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

static void sieve_server(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span line = line_body(u->bytes);
    int status = sieve_status(line);
    if (st->dir[DIR_S2C].units == 1 && status == SIEVE_DATA && !sieve_capability_line(line)) {
        starttls_give_up(f, DIR_S2C);
        return;
    }
    if (status == SIEVE_DATA) {
        skip_literal(st, u, line);
        return;
    }
    if (!st->greeted) {
        if (status == SIEVE_OK)
            st->greeted = true;
        else
            starttls_give_up(f, DIR_S2C);
        return;
    }
    answer_line(st, u->bytes);
    answer_counted(f, status == SIEVE_OK);
}

static void sieve_client(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span line = line_body(u->bytes);
    struct span rest = line;
    struct span word = next_word(&rest);
    count_command(st);
    if (equals_ci(word, "STARTTLS"))
        upgrade_command(st);
    skip_literal(st, u, line);
}

/* RFC 5804 1.7: the greeting's first line is a quoted capability name. */
const struct starttls_ops starttls_sieve_ops = {
    .name = "sieve", .opener = DIR_S2C, STARTTLS_OPENING("\""),
    .framing = STARTTLS_FRAMING_LINE, .client = sieve_client, .server = sieve_server,
};

/* ---- HTTP CONNECT (RFC 9110 9.3.6, RFC 9112 3-4) ---- */

enum { HTTP_START_LINE, HTTP_HEADERS, HTTP_DONE };

static void http_client(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span line = line_body(u->bytes);
    switch (st->step[DIR_C2S]) {
    case HTTP_START_LINE: {
        struct span method = next_word(&line);
        struct span target = next_word(&line);
        struct span version = next_word(&line);
        if (!equals_ci(method, "CONNECT") || target.n == 0 || !starts_ci(version, "HTTP/1.")) {
            starttls_give_up(f, DIR_C2S);
            return;
        }
        st->step[DIR_C2S] = HTTP_HEADERS;
        return;
    }
    case HTTP_HEADERS:
        /* The tunnel's bytes start after the empty line ending the headers. */
        if (line.n == 0) {
            st->step[DIR_C2S] = HTTP_DONE;
            starttls_client_sent_upgrade(st);
        }
        return;
    default:
        return;
    }
}

static void http_server(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span unit = u->bytes;
    struct span line = line_body(unit);
    switch (st->step[DIR_S2C]) {
    case HTTP_START_LINE: {
        struct span version = next_word(&line);
        struct span status = next_word(&line);
        uint8_t sep = 0;
        int code = status.n == 3 ? reply_code(status, &sep) : -1;
        if (!starts_ci(version, "HTTP/1.") || code < 100) {
            starttls_give_up(f, DIR_S2C);
            return;
        }
        st->u.http.status = (uint16_t)code;
        st->reply_len = 0; /* an interim 1xx response is not the answer */
        starttls_reply_add(st, unit);
        st->step[DIR_S2C] = HTTP_HEADERS;
        return;
    }
    case HTTP_HEADERS:
        starttls_reply_add(st, unit);
        if (line.n > 0)
            return;
        if (st->u.http.status / 100 == 1) {
            st->step[DIR_S2C] = HTTP_START_LINE; /* RFC 9110 15.2: the final response follows */
            return;
        }
        st->step[DIR_S2C] = HTTP_DONE;
        /* RFC 9110 9.3.6: any 2xx means the tunnel is open; a 407 and the
         * like are refusals (a client that retries with credentials usually
         * does so on a new connection). */
        if (st->u.http.status / 100 == 2)
            starttls_upgrade(f);
        else
            starttls_refuse(st);
        return;
    default:
        return;
    }
}

const struct starttls_ops starttls_http_ops = {
    .name = "http", .opener = DIR_C2S, STARTTLS_OPENING("CONNECT "), .opening_ci = true,
    .framing = STARTTLS_FRAMING_LINE, .client = http_client, .server = http_server,
};

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

/* Both directions: each opens its stream first. */
static void xmpp_unit(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    int dir = u->dir;
    struct xml_tag t;
    if (!xml_tag(u->bytes, &t))
        return;
    if (st->step[dir] == 0) {
        if (!xmpp_first_tag(&t)) {
            starttls_give_up(f, dir);
            return;
        }
        st->step[dir] = 1;
        return;
    }
    if (dir == DIR_C2S) {
        /* <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> (RFC 6120 5.4.2.1) */
        if (!t.closing && equals_ci(t.local, "starttls"))
            starttls_client_sent_upgrade(st);
        return;
    }
    if (st->u.xmpp.await_close) {
        if (t.closing && equals_ci(t.local, "proceed"))
            starttls_upgrade(f);
        return;
    }
    if (t.closing)
        return;
    if (equals_ci(t.local, "proceed")) {
        /* RFC 6120 5.4.2.3: TLS starts right after the proceed element, which
         * may also be written as <proceed ...></proceed>. */
        starttls_reply_add(st, t.text);
        if (t.self_closing) {
            starttls_upgrade(f);
        } else {
            st->u.xmpp.await_close = true;
            st->dir[DIR_S2C].sniff = true;
        }
        return;
    }
    /* <failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> (RFC 6120 5.4.2.2);
     * SASL has a <failure/> of its own, told apart by the namespace. */
    if (equals_ci(t.local, "failure") && (st->upgrade_sent || contains(t.text, "xmpp-tls")) &&
        !contains(t.text, "xmpp-sasl")) {
        starttls_reply_add(st, t.text);
        starttls_refuse(st);
    }
}

/* The client opens with an XML declaration or its stream header. */
const struct starttls_ops starttls_xmpp_ops = {
    .name = "xmpp", .opener = DIR_C2S, STARTTLS_OPENING("<"),
    .framing = STARTTLS_FRAMING_TAG, .client = xmpp_unit, .server = xmpp_unit,
};

/* ---- IRC (IRCv3 "tls" extension: the STARTTLS command, 670 / 691) ---- */

/* A message is "[:prefix ]command params" (RFC 1459 2.3.1); the command of
 * a server's reply is a word or a 3-digit numeric. */
static struct span irc_command(struct span *line)
{
    uint8_t c;
    if (span_peek(line, 0, &c) && c == ':')
        next_word(line); /* the prefix: who sent it */
    return next_word(line);
}

/* A client opens with its registration (RFC 2812 3.1: PASS, NICK, USER), a
 * capability negotiation (IRCv3 CAP LS) or STARTTLS itself, which IRCv3 has
 * it send before registering. USER is also FTP's and POP3's, but those
 * servers speak first, so their clients' words never open a connection. */
static enum starttls_match irc_client_detect(struct span s)
{
    static const char *const openings[] = { "STARTTLS\r\n", "STARTTLS\n", "CAP ", "NICK ", "PASS ", "USER " };
    enum starttls_match best = MATCH_NO;
    for (size_t i = 0; i < sizeof openings / sizeof openings[0]; i++) {
        enum starttls_match m = starttls_match_bytes(s, openings[i], strlen(openings[i]), true);
        if (m > best)
            best = m;
    }
    return best;
}

/* A server that speaks first sends notices before registration: with its
 * name as prefix (":irc.example.net NOTICE * :*** Looking up your
 * hostname") or, in older servers, "NOTICE AUTH :...". A prefix is a host
 * name (RFC 2812 2.3.1) ending in a space; twelve host-name characters after
 * the ':' are taken as one too, as the recogniser sees only the first 16
 * bytes (no other greeting here begins with ':'). */
static enum starttls_match irc_server_detect(struct span s)
{
    uint8_t c;
    if (!span_peek(&s, 0, &c))
        return MATCH_PART;
    if (c != ':')
        return starttls_match_bytes(s, "NOTICE ", 7, true);
    size_t k = 1;
    while (span_peek(&s, k, &c)) {
        bool host = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '-' ||
                    c == '_';
        if (c == ' ')
            return k > 1 ? MATCH_FULL : MATCH_NO;
        if (!host)
            return MATCH_NO;
        if (k++ == 12)
            return MATCH_FULL;
    }
    return MATCH_PART;
}

static void irc_client(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct span line = line_body(u->bytes);
    if (equals_ci(irc_command(&line), "STARTTLS"))
        starttls_client_sent_upgrade(f->st);
}

static void irc_server(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span line = line_body(u->bytes);
    if (line.n == 0)
        return;
    struct span cmd = irc_command(&line);
    next_word(&line); /* a numeric's first parameter: the client's nick, "*" before registration */
    struct span param = next_word(&line);
    /* RPL_STARTTLS (670): TLS from the next byte. ERR_STARTTLSFAIL (691),
     * and ERR_UNKNOWNCOMMAND (421) naming STARTTLS from a server without
     * the extension, are refusals. Every other line (notices, CAP replies,
     * PING) is part of the dialogue and passes. */
    if (equals_ci(cmd, "670")) {
        starttls_reply_add(st, u->bytes);
        starttls_upgrade(f);
    } else if (equals_ci(cmd, "691") || (equals_ci(cmd, "421") && equals_ci(param, "STARTTLS"))) {
        starttls_reply_add(st, u->bytes);
        starttls_refuse(st);
    }
}

/* Two tables, one name: either side may speak first (the client's STARTTLS
 * and the server's first notices cross on the wire). */
const struct starttls_ops starttls_irc_ops = {
    .name = "irc", .opener = DIR_C2S, .detect = irc_client_detect,
    .framing = STARTTLS_FRAMING_LINE, .client = irc_client, .server = irc_server,
};

const struct starttls_ops starttls_irc_server_ops = {
    .name = "irc", .opener = DIR_S2C, .detect = irc_server_detect,
    .framing = STARTTLS_FRAMING_LINE, .client = irc_client, .server = irc_server,
};
