/* fuzz_util.c - see fuzz_util.h. */
#include "fuzz/fuzz_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/memo.h"
#include "output/conn_json.h"

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "\n%s:%d: fuzz check failed: %s\n  ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

/* ---- byte scripts ---- */

uint8_t fuzz_u8(struct fuzz_in *in)
{
    if (in->n == 0)
        return 0;
    uint8_t v = in->p[0];
    in->p++;
    in->n--;
    return v;
}

uint16_t fuzz_u16(struct fuzz_in *in)
{
    uint16_t hi = fuzz_u8(in);
    return (uint16_t)(hi << 8 | fuzz_u8(in));
}

uint32_t fuzz_u32(struct fuzz_in *in)
{
    uint32_t hi = fuzz_u16(in);
    return hi << 16 | fuzz_u16(in);
}

size_t fuzz_take(struct fuzz_in *in, size_t want, const uint8_t **out)
{
    size_t k = want < in->n ? want : in->n;
    *out = in->p;
    in->p += k;
    in->n -= k;
    return k;
}

bool fuzz_next_chunk(struct fuzz_in *in, struct fuzz_chunk *c)
{
    if (in->n == 0)
        return false;
    c->flags = fuzz_u8(in);
    c->dir = c->flags & FUZZ_CHUNK_DIR ? 1 : 0;
    size_t len = fuzz_u16(in);
    c->n = fuzz_take(in, len, &c->p);
    return true;
}

uint8_t *fuzz_dup(const void *p, size_t n)
{
    uint8_t *q = malloc(n ? n : 1);
    if (!q)
        abort();
    if (n)
        memcpy(q, p, n);
    return q;
}

/* ---- UTF-8 ---- */

/* Length of the well-formed sequence at p[0..n), or 0 (RFC 3629 section 4). */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return need;
}

bool fuzz_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_len(p + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* ---- JSON ---- */

#define JSON_MAX_NEST 64
#define JSON_MAX_KEYS 512

struct jp {
    const uint8_t *s;
    size_t n;
    size_t i;
    int depth;
    const char *why;
};

static bool jp_fail(struct jp *j, const char *why)
{
    if (!j->why)
        j->why = why;
    return false;
}

static void jp_ws(struct jp *j)
{
    while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r'))
        j->i++;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool jp_hex4(struct jp *j, unsigned *out)
{
    if (j->n - j->i < 4)
        return jp_fail(j, "short \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(j->s[j->i + (size_t)k]);
        if (h < 0)
            return jp_fail(j, "bad hex digit in \\u escape");
        v = v << 4 | (unsigned)h;
    }
    j->i += 4;
    *out = v;
    return true;
}

/* A string starting at the opening quote; its raw extent (quotes excluded)
 * in *start / *len for the duplicate-key check. */
static bool jp_string(struct jp *j, size_t *start, size_t *len)
{
    j->i++; /* opening quote */
    *start = j->i;
    for (;;) {
        if (j->i >= j->n)
            return jp_fail(j, "unterminated string");
        uint8_t c = j->s[j->i];
        if (c == '"') {
            *len = j->i - *start;
            j->i++;
            return true;
        }
        if (c < 0x20)
            return jp_fail(j, "raw control character in string");
        if (c == '\\') {
            j->i++;
            if (j->i >= j->n)
                return jp_fail(j, "unterminated escape");
            c = j->s[j->i++];
            if (c == 'u') {
                unsigned u;
                if (!jp_hex4(j, &u))
                    return false;
                if (u >= 0xdc00 && u <= 0xdfff)
                    return jp_fail(j, "lone low surrogate escape");
                if (u >= 0xd800 && u <= 0xdbff) {
                    unsigned lo;
                    if (j->n - j->i < 2 || j->s[j->i] != '\\' || j->s[j->i + 1] != 'u')
                        return jp_fail(j, "high surrogate escape without its pair");
                    j->i += 2;
                    if (!jp_hex4(j, &lo))
                        return false;
                    if (lo < 0xdc00 || lo > 0xdfff)
                        return jp_fail(j, "high surrogate escape without its pair");
                }
            } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
                return jp_fail(j, "unknown escape");
            }
            continue;
        }
        if (c >= 0x80) {
            size_t k = utf8_len(j->s + j->i, j->n - j->i);
            if (k == 0)
                return jp_fail(j, "invalid UTF-8 in string");
            j->i += k;
            continue;
        }
        j->i++;
    }
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool jp_number(struct jp *j)
{
    if (j->i < j->n && j->s[j->i] == '-')
        j->i++;
    if (j->i >= j->n || !is_digit(j->s[j->i]))
        return jp_fail(j, "bad number");
    if (j->s[j->i] == '0') {
        j->i++;
    } else {
        while (j->i < j->n && is_digit(j->s[j->i]))
            j->i++;
    }
    if (j->i < j->n && j->s[j->i] == '.') {
        j->i++;
        if (j->i >= j->n || !is_digit(j->s[j->i]))
            return jp_fail(j, "bad fraction");
        while (j->i < j->n && is_digit(j->s[j->i]))
            j->i++;
    }
    if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
        j->i++;
        if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
            j->i++;
        if (j->i >= j->n || !is_digit(j->s[j->i]))
            return jp_fail(j, "bad exponent");
        while (j->i < j->n && is_digit(j->s[j->i]))
            j->i++;
    }
    return true;
}

static bool jp_literal(struct jp *j, const char *lit)
{
    size_t k = strlen(lit);
    if (j->n - j->i < k || memcmp(j->s + j->i, lit, k) != 0)
        return jp_fail(j, "unexpected character");
    j->i += k;
    return true;
}

static bool jp_value(struct jp *j);

struct key_ref {
    size_t start, len;
};

static bool jp_object(struct jp *j)
{
    /* Keys of this object, to catch one written twice (the writers build
     * lines field by field; a duplicate is a bug even where parsers accept
     * it, as most keep only the last). */
    struct key_ref *keys = NULL;
    size_t nkeys = 0;
    bool ok = false;
    j->i++; /* { */
    jp_ws(j);
    if (j->i < j->n && j->s[j->i] == '}') {
        j->i++;
        return true;
    }
    for (;;) {
        jp_ws(j);
        if (j->i >= j->n || j->s[j->i] != '"') {
            jp_fail(j, "expected a key");
            goto out;
        }
        size_t ks, kl;
        if (!jp_string(j, &ks, &kl))
            goto out;
        for (size_t k = 0; k < nkeys; k++) {
            if (keys[k].len == kl && memcmp(j->s + keys[k].start, j->s + ks, kl) == 0) {
                jp_fail(j, "duplicate key in object");
                goto out;
            }
        }
        if (nkeys < JSON_MAX_KEYS) {
            if (!keys) {
                keys = malloc(JSON_MAX_KEYS * sizeof *keys);
                if (!keys)
                    abort();
            }
            keys[nkeys].start = ks;
            keys[nkeys].len = kl;
            nkeys++;
        }
        jp_ws(j);
        if (j->i >= j->n || j->s[j->i] != ':') {
            jp_fail(j, "expected ':'");
            goto out;
        }
        j->i++;
        if (!jp_value(j))
            goto out;
        jp_ws(j);
        if (j->i < j->n && j->s[j->i] == ',') {
            j->i++;
            continue;
        }
        if (j->i < j->n && j->s[j->i] == '}') {
            j->i++;
            ok = true;
            goto out;
        }
        jp_fail(j, "expected ',' or '}'");
        goto out;
    }
out:
    free(keys);
    return ok;
}

static bool jp_array(struct jp *j)
{
    j->i++; /* [ */
    jp_ws(j);
    if (j->i < j->n && j->s[j->i] == ']') {
        j->i++;
        return true;
    }
    for (;;) {
        if (!jp_value(j))
            return false;
        jp_ws(j);
        if (j->i < j->n && j->s[j->i] == ',') {
            j->i++;
            continue;
        }
        if (j->i < j->n && j->s[j->i] == ']') {
            j->i++;
            return true;
        }
        return jp_fail(j, "expected ',' or ']'");
    }
}

static bool jp_value(struct jp *j)
{
    jp_ws(j);
    if (j->i >= j->n)
        return jp_fail(j, "expected a value");
    uint8_t c = j->s[j->i];
    bool ok;
    switch (c) {
    case '{':
    case '[':
        if (++j->depth > JSON_MAX_NEST)
            return jp_fail(j, "nested too deep");
        ok = c == '{' ? jp_object(j) : jp_array(j);
        j->depth--;
        return ok;
    case '"': {
        size_t s, l;
        return jp_string(j, &s, &l);
    }
    case 't':
        return jp_literal(j, "true");
    case 'f':
        return jp_literal(j, "false");
    case 'n':
        return jp_literal(j, "null");
    default:
        if (c == '-' || is_digit(c))
            return jp_number(j);
        return jp_fail(j, "unexpected character");
    }
}

bool fuzz_json_valid(const char *s, size_t n, const char **why, size_t *at)
{
    struct jp j = { (const uint8_t *)s, n, 0, 0, NULL };
    bool ok = jp_value(&j);
    if (ok) {
        jp_ws(&j);
        if (j.i != n)
            ok = jp_fail(&j, "bytes after the value");
    }
    if (why)
        *why = ok ? NULL : j.why;
    if (at)
        *at = j.i;
    return ok;
}

void fuzz_check_json_line(const char *s, size_t n)
{
    const char *why = NULL;
    size_t at = 0;
    if (n < 3 || s[0] != '{' || s[n - 1] != '\n' || s[n - 2] != '}')
        why = "not one object ended by '\\n'";
    else if (memchr(s, '\n', n - 1))
        why = "newline inside the line";
    else
        fuzz_json_valid(s, n - 1, &why, &at);
    if (why) {
        fprintf(stderr, "invalid JSON line (%s at byte %zu of %zu):\n", why, at, n);
        fwrite(s, 1, n, stderr);
        fputc('\n', stderr);
        fuzz_fail(__FILE__, __LINE__, "valid JSON line", "%s", why);
    }
}

/* ---- connection lines ---- */

static char line[CONN_JSON_LINE_MAX];
static char memo_line[CONN_JSON_LINE_MAX];

void fuzz_check_conn_line(const struct conn_meta *m, const struct tls_report *r)
{
    size_t n = conn_json_format(m, r, NULL, line, sizeof line);
    FUZZ_CHECK(n > 0, "line did not fit in CONN_JSON_LINE_MAX");
    FUZZ_CHECK(n <= sizeof line, "length %zu", n);
    fuzz_check_json_line(line, n);

    /* Exact size: the same line; one byte less: nothing (never a partial line). */
    char *exact = malloc(n);
    if (!exact)
        abort();
    size_t n2 = conn_json_format(m, r, NULL, exact, n);
    FUZZ_CHECK(n2 == n && memcmp(exact, line, n) == 0, "exact-size buffer gave %zu bytes, not %zu", n2, n);
    free(exact);
    char *small = malloc(n - 1);
    if (!small)
        abort();
    FUZZ_CHECK(conn_json_format(m, r, NULL, small, n - 1) == 0, "a line one byte too long for its buffer was written");
    free(small);

    /* Through the writer's memo of formatted lists (tiny, so slots are
     * replaced often): the same line on a miss and on the hit after it. */
    static struct memo *memo;
    if (!memo && !(memo = memo_new(4, 1024)))
        abort();
    for (int pass = 0; pass < 2; pass++) {
        size_t nm = conn_json_format(m, r, memo, memo_line, sizeof memo_line);
        FUZZ_CHECK(nm == n && memcmp(memo_line, line, n) == 0, "line through the memo (pass %d) differs", pass);
    }
}

void fuzz_udp_meta(struct conn_meta *m, uint16_t server_port)
{
    memset(m, 0, sizeof *m);
    m->ip_version = 4;
    m->transport = FLOW_TRANSPORT_UDP;
    memcpy(m->client_ip, "\xc0\x00\x02\x01", 4);
    memcpy(m->server_ip, "\xc6\x33\x64\x07", 4);
    m->client_port = 50123;
    m->server_port = server_port;
}
