/* scan.c - see scan.h.
 *
 * A recursive-descent reader over the line's bytes, carrying the position in
 * the table of fields below: a member whose name is a field under the current
 * field is read into the field (strings unescaped into the arena), every other
 * value is only validated and stepped over. Grammar: RFC 8259 (no leading
 * zeros, no trailing commas, escapes \" \\ \/ \b \f \n \r \t \uXXXX, no raw
 * control characters in strings); whitespace may surround the top-level
 * object, nothing else.
 */
#include "report/scan.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* As deep as the json-c reader allows: lines.c's RP_JSON_DEPTH (16) counts
 * one level more than there are nested containers. */
#define SCAN_MAX_DEPTH 15

enum field_type { FT_OBJ, FT_STR, FT_INT, FT_BOOL, FT_FINDINGS, FT_MARK };

enum field_id {
    F_ROOT, F_TS, F_EVENT, F_END, F_CLIENT, F_CLIENT_IP, F_DEST, F_DEST_IP, F_DEST_PORT, F_NETWORK, F_PROTOCOL,
    F_TLS, F_STARTTLS, F_OUTCOME, F_ESTABLISHED, F_NEGOTIATED, F_CIPHER, F_CURVE, F_TLS_CLIENT, F_SERVER_NAME,
    F_MAX_VERSION, F_JA4, F_TLS_SERVER, F_DH, F_PRIME_BITS, F_X509, F_SUBJECT, F_SUBJECT_CN, F_ISSUER, F_ISSUER_CN,
    F_NOT_AFTER, F_SIG_ALG, F_KEY_ALG, F_KEY_SIZE, F_HASH, F_SHA256, F_FINDINGS, F_FIND_ID, F_FIND_SEVERITY,
    F_FIND_MESSAGE, F_REPORT, F_KIND, F_SMTP, F_HELO, F_IMAP, F_IMAP_ID, F_IMAP_ID_NAME, F_IMAP_ID_VERSION, F_COUNT
};
#define F_NONE (-1)

struct field {
    int8_t parent;
    uint8_t type;
    uint8_t len;
    const char *name;
};
#define FIELD(parent, type, name) { parent, type, sizeof name - 1, name }

/* The fields lines.c's rp_conn_from_json reads, by their paths. The children
 * of F_FINDINGS are the members of each element of the findings array. */
static const struct field fields[F_COUNT] = {
    [F_ROOT] = FIELD(F_NONE, FT_OBJ, ""),
    [F_TS] = FIELD(F_ROOT, FT_STR, "@timestamp"),
    [F_EVENT] = FIELD(F_ROOT, FT_OBJ, "event"),
    [F_END] = FIELD(F_EVENT, FT_STR, "end"),
    [F_CLIENT] = FIELD(F_ROOT, FT_OBJ, "client"),
    [F_CLIENT_IP] = FIELD(F_CLIENT, FT_STR, "ip"),
    [F_DEST] = FIELD(F_ROOT, FT_OBJ, "destination"),
    [F_DEST_IP] = FIELD(F_DEST, FT_STR, "ip"),
    [F_DEST_PORT] = FIELD(F_DEST, FT_INT, "port"),
    [F_NETWORK] = FIELD(F_ROOT, FT_OBJ, "network"),
    [F_PROTOCOL] = FIELD(F_NETWORK, FT_STR, "protocol"),
    [F_TLS] = FIELD(F_ROOT, FT_OBJ, "tls"),
    [F_STARTTLS] = FIELD(F_TLS, FT_STR, "starttls"),
    [F_OUTCOME] = FIELD(F_TLS, FT_STR, "outcome"),
    [F_ESTABLISHED] = FIELD(F_TLS, FT_BOOL, "established"),
    [F_NEGOTIATED] = FIELD(F_TLS, FT_STR, "negotiated_version"),
    [F_CIPHER] = FIELD(F_TLS, FT_STR, "cipher"),
    [F_CURVE] = FIELD(F_TLS, FT_STR, "curve"),
    [F_TLS_CLIENT] = FIELD(F_TLS, FT_OBJ, "client"),
    [F_SERVER_NAME] = FIELD(F_TLS_CLIENT, FT_STR, "server_name"),
    [F_MAX_VERSION] = FIELD(F_TLS_CLIENT, FT_STR, "max_version"),
    [F_JA4] = FIELD(F_TLS_CLIENT, FT_STR, "ja4"),
    [F_TLS_SERVER] = FIELD(F_TLS, FT_OBJ, "server"),
    [F_DH] = FIELD(F_TLS_SERVER, FT_OBJ, "dh"),
    [F_PRIME_BITS] = FIELD(F_DH, FT_INT, "prime_bits"),
    [F_X509] = FIELD(F_TLS_SERVER, FT_OBJ, "x509"),
    [F_SUBJECT] = FIELD(F_X509, FT_OBJ, "subject"),
    [F_SUBJECT_CN] = FIELD(F_SUBJECT, FT_STR, "common_name"),
    [F_ISSUER] = FIELD(F_X509, FT_OBJ, "issuer"),
    [F_ISSUER_CN] = FIELD(F_ISSUER, FT_STR, "common_name"),
    [F_NOT_AFTER] = FIELD(F_X509, FT_STR, "not_after"),
    [F_SIG_ALG] = FIELD(F_X509, FT_STR, "signature_algorithm"),
    [F_KEY_ALG] = FIELD(F_X509, FT_STR, "public_key_algorithm"),
    [F_KEY_SIZE] = FIELD(F_X509, FT_INT, "public_key_size"),
    [F_HASH] = FIELD(F_TLS_SERVER, FT_OBJ, "hash"),
    [F_SHA256] = FIELD(F_HASH, FT_STR, "sha256"),
    [F_FINDINGS] = FIELD(F_TLS, FT_FINDINGS, "findings"),
    [F_FIND_ID] = FIELD(F_FINDINGS, FT_STR, "id"),
    [F_FIND_SEVERITY] = FIELD(F_FINDINGS, FT_STR, "severity"),
    [F_FIND_MESSAGE] = FIELD(F_FINDINGS, FT_STR, "message"),
    [F_REPORT] = FIELD(F_ROOT, FT_MARK, "report"),
    [F_KIND] = FIELD(F_EVENT, FT_STR, "kind"),
    [F_SMTP] = FIELD(F_ROOT, FT_OBJ, "smtp"),
    [F_HELO] = FIELD(F_SMTP, FT_STR, "helo"),
    [F_IMAP] = FIELD(F_ROOT, FT_OBJ, "imap"),
    [F_IMAP_ID] = FIELD(F_IMAP, FT_OBJ, "id"),
    [F_IMAP_ID_NAME] = FIELD(F_IMAP_ID, FT_STR, "name"),
    [F_IMAP_ID_VERSION] = FIELD(F_IMAP_ID, FT_STR, "version"),
};
/* The fields' bits must fit the 64-bit `seen`. */
_Static_assert(F_COUNT <= 64, "too many fields for the seen mask");

#define BIT(f) ((uint64_t)1 << (f))
#define FINDING_BITS (BIT(F_FIND_ID) | BIT(F_FIND_SEVERITY) | BIT(F_FIND_MESSAGE))

struct scan {
    const uint8_t *p, *end;
    char *arena;
    size_t used;
    int depth;
    uint64_t seen;               /* fields read once already */
    const char *str[F_COUNT];
    int64_t num[F_COUNT];        /* -1: absent, negative, or not an integer */
    bool truth[F_COUNT];
    struct rp_conn *c;           /* where findings go */
};

size_t rp_scan_arena_size(size_t len)
{
    /* Unescaping never lengthens a string (\uXXXX, 6 bytes, becomes at most 3;
     * a surrogate pair, 12, becomes 4), plus a NUL per string kept. */
    return len + F_COUNT + 3 * RP_MAX_FINDINGS + 1;
}

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool expect(struct scan *s, char ch)
{
    skip_ws(s);
    if (s->p >= s->end || *s->p != (uint8_t)ch)
        return false;
    s->p++;
    return true;
}

static int hex4(const uint8_t *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d;
        uint8_t c = p[i];
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A string at s->p (its opening quote). With out, its value unescaped into
 * out (NUL-terminated; *out_len its length before the NUL); without, only
 * checked. The bytes are UTF-8 already (the caller checked the line). */
static bool string(struct scan *s, char *out, size_t *out_len)
{
    s->p++; /* the quote */
    size_t n = 0;
    for (;;) {
        const uint8_t *run = s->p;
        /* Eight bytes at a time while none is a quote, a backslash or a
         * control character (SWAR zero-byte tests, Hacker's Delight 6-1). */
        while (s->end - s->p >= 8) {
            uint64_t x;
            memcpy(&x, s->p, 8);
            const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
            uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
            uint64_t stop = (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & highs;
            if (stop) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                /* The lowest flagged byte, the first in memory, is exact (a
                 * borrow only flags bytes above a real one); big-endian
                 * machines find it with the byte loop below. */
                s->p += (unsigned)__builtin_ctzll(stop) / 8;
#endif
                break;
            }
            s->p += 8;
        }
        while (s->p < s->end && *s->p != '"' && *s->p != '\\' && *s->p >= 0x20)
            s->p++;
        if (out) {
            memcpy(out + n, run, (size_t)(s->p - run));
            n += (size_t)(s->p - run);
        }
        if (s->p >= s->end || *s->p < 0x20)
            return false; /* unterminated, or a raw control character */
        if (*s->p == '"') {
            s->p++;
            break;
        }
        /* A backslash. */
        if (s->end - s->p < 2)
            return false;
        uint8_t e = s->p[1];
        s->p += 2;
        char simple = 0;
        switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: return false;
        }
        if (simple) {
            if (out)
                out[n++] = simple;
            continue;
        }
        if (s->end - s->p < 4)
            return false;
        int cp = hex4(s->p);
        if (cp < 0)
            return false;
        s->p += 4;
        uint32_t code = (uint32_t)cp;
        if (cp >= 0xd800 && cp <= 0xdbff && s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u') {
            int lo = hex4(s->p + 2);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                code = 0x10000 + (((uint32_t)cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
                s->p += 6;
            }
        }
        if (code >= 0xd800 && code <= 0xdfff)
            code = 0xfffd; /* a lone surrogate: U+FFFD, as json-c writes it */
        if (out)
            n += put_utf8(out + n, code);
    }
    if (out) {
        out[n] = '\0';
        *out_len = n;
    }
    return true;
}

/* A number (RFC 8259 6); *v its value when it is an integer (saturated at
 * INT64_MAX, negative ones as -1), else -1. */
static bool number(struct scan *s, int64_t *v)
{
    bool neg = false, integer = true;
    uint64_t mag = 0;
    bool big = false;
    if (*s->p == '-') {
        neg = true;
        s->p++;
    }
    if (s->p >= s->end || *s->p < '0' || *s->p > '9')
        return false;
    if (*s->p == '0') {
        s->p++;
    } else {
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
            unsigned d = (unsigned)(*s->p - '0');
            if (mag > (UINT64_MAX - d) / 10)
                big = true;
            else
                mag = mag * 10 + d;
            s->p++;
        }
    }
    if (s->p < s->end && *s->p == '.') {
        integer = false;
        s->p++;
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return false;
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        integer = false;
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return false;
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    if (!integer)
        *v = -1;
    else if (neg)
        *v = mag == 0 ? 0 : -1;
    else
        *v = big || mag > INT64_MAX ? INT64_MAX : (int64_t)mag;
    return true;
}

static bool literal(struct scan *s, const char *word, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return false;
    s->p += n;
    return true;
}

static bool value(struct scan *s, int f);

/* The field under `parent` named by the key just read, or F_NONE. */
static int child(int parent, const char *key, size_t n)
{
    if (parent == F_NONE)
        return F_NONE;
    for (int f = parent + 1; f < F_COUNT; f++)
        if (fields[f].len == n && fields[f].parent == parent && memcmp(fields[f].name, key, n) == 0)
            return f;
    return F_NONE;
}

/* An object at s->p; f is its field (its members are matched under it), or
 * F_NONE. Keys are read into the arena's free end, which the next string
 * kept overwrites. */
static bool object(struct scan *s, int f)
{
    s->p++; /* '{' */
    if (++s->depth > SCAN_MAX_DEPTH)
        return false;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        s->depth--;
        return true;
    }
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            return false;
        char *key = s->arena + s->used;
        size_t klen = 0;
        if (!string(s, f == F_NONE ? NULL : key, &klen))
            return false;
        if (!expect(s, ':'))
            return false;
        if (!value(s, child(f, key, klen)))
            return false;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            s->depth--;
            return true;
        }
        return false;
    }
}

/* One element of tls.findings: its id, severity and message, kept (as
 * rp_conn_from_json keeps them) when it is an object with a non-empty id. */
static bool finding(struct scan *s)
{
    if (*s->p != '{')
        return value(s, F_NONE);
    s->seen &= ~FINDING_BITS;
    s->str[F_FIND_ID] = s->str[F_FIND_SEVERITY] = s->str[F_FIND_MESSAGE] = NULL;
    if (!object(s, F_FINDINGS))
        return false;
    struct rp_conn *c = s->c;
    const char *id = s->str[F_FIND_ID];
    if (id && *id && c->n_findings < RP_MAX_FINDINGS) {
        c->findings[c->n_findings].id = id;
        c->findings[c->n_findings].severity = s->str[F_FIND_SEVERITY];
        c->findings[c->n_findings].message = s->str[F_FIND_MESSAGE];
        c->n_findings++;
    }
    return true;
}

static bool array(struct scan *s, bool findings)
{
    s->p++; /* '[' */
    if (++s->depth > SCAN_MAX_DEPTH)
        return false;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        s->depth--;
        return true;
    }
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end)
            return false;
        if (!(findings ? finding(s) : value(s, F_NONE)))
            return false;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            s->depth--;
            return true;
        }
        return false;
    }
}

/* A value at s->p (after whitespace), as field f (F_NONE: not one). */
static bool value(struct scan *s, int f)
{
    skip_ws(s);
    if (s->p >= s->end)
        return false;
    uint8_t type = f == F_NONE ? FT_MARK : fields[f].type;
    if (f != F_NONE) {
        if (s->seen & BIT(f))
            return false; /* a field given twice: see scan.h */
        s->seen |= BIT(f);
    }
    switch (*s->p) {
    case '{':
        return object(s, type == FT_OBJ ? f : F_NONE);
    case '[':
        return array(s, type == FT_FINDINGS);
    case '"':
        if (type == FT_STR) {
            char *out = s->arena + s->used;
            size_t n;
            if (!string(s, out, &n))
                return false;
            s->str[f] = out;
            s->used += n + 1;
            return true;
        }
        return string(s, NULL, NULL);
    case 't':
        if (type == FT_BOOL)
            s->truth[f] = true;
        return literal(s, "true", 4);
    case 'f':
        return literal(s, "false", 5);
    case 'n':
        return literal(s, "null", 4);
    default: {
        int64_t v;
        if (!number(s, &v))
            return false;
        if (type == FT_INT)
            s->num[f] = v;
        return true;
    }
    }
}

enum rp_scan_result rp_scan_line(const char *line, size_t len, char *arena, struct rp_conn *c)
{
    struct scan s;
    s.p = (const uint8_t *)line;
    s.end = s.p + len;
    s.arena = arena;
    s.used = 0;
    s.depth = 0;
    s.seen = 0;
    s.c = c;
    for (int f = 0; f < F_COUNT; f++) {
        s.str[f] = NULL;
        s.num[f] = -1;
        s.truth[f] = false;
    }
    memset(c, 0, sizeof *c);

    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return RP_SCAN_BAD;
    s.seen |= BIT(F_ROOT);
    if (!object(&s, F_ROOT))
        return RP_SCAN_BAD;
    skip_ws(&s);
    if (s.p != s.end)
        return RP_SCAN_BAD;
    if (s.seen & BIT(F_REPORT))
        return RP_SCAN_ROW;
    if (s.str[F_KIND] && strcmp(s.str[F_KIND], "metric") == 0)
        return RP_SCAN_STATS;

    c->client_ip = s.str[F_CLIENT_IP];
    if (!c->client_ip || !*c->client_ip)
        return RP_SCAN_NOT_CONN;
    c->ts = s.str[F_TS] ? rp_time_parse(s.str[F_TS]) : INT64_MIN;
    c->end = s.str[F_END] ? rp_time_parse(s.str[F_END]) : INT64_MIN;
    c->dst_ip = s.str[F_DEST_IP];
    c->dst_port = s.num[F_DEST_PORT];
    c->protocol = s.str[F_PROTOCOL];
    c->starttls = s.str[F_STARTTLS];
    c->server_name = s.str[F_SERVER_NAME];
    c->outcome = s.str[F_OUTCOME];
    c->established = s.truth[F_ESTABLISHED];
    c->negotiated_version = s.str[F_NEGOTIATED];
    c->max_version = s.str[F_MAX_VERSION];
    c->cipher = s.str[F_CIPHER];
    c->curve = s.str[F_CURVE];
    c->dh_prime_bits = s.num[F_PRIME_BITS];
    c->ja4 = s.str[F_JA4];
    c->smtp_helo = s.str[F_HELO];
    c->imap_id_name = s.str[F_IMAP_ID_NAME];
    c->imap_id_version = s.str[F_IMAP_ID_VERSION];
    c->cert.sha256 = s.str[F_SHA256];
    c->cert.subject = s.str[F_SUBJECT_CN];
    c->cert.issuer = s.str[F_ISSUER_CN];
    c->cert.not_after = s.str[F_NOT_AFTER];
    c->cert.signature_algorithm = s.str[F_SIG_ALG];
    c->cert.key_algorithm = s.str[F_KEY_ALG];
    c->cert.key_size = s.num[F_KEY_SIZE];
    return RP_SCAN_CONN;
}
