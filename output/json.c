/* json.c - the streaming JSON writer behind every output line (RFC 8259),
 * with UTF-8 validation of wire strings per RFC 3629 and the Unicode
 * "maximal subpart" replacement practice (Unicode 15 section 3.9, U+FFFD
 * substitution; the WHATWG Encoding Standard's UTF-8 decoder does the same).
 *
 * This runs once per output line, so the string escaper copies runs of bytes
 * that need nothing with one memcpy and decides per byte with a table lookup;
 * no snprintf anywhere.
 *
 * Every append is all-or-nothing: when the bytes do not fit, nothing of them
 * is written and `overflow` is set, so the buffer never holds a partial UTF-8
 * sequence or escape and nothing is ever written at or beyond `cap`.
 */
/* gmtime_r is POSIX, not ISO C; the build defines _GNU_SOURCE, but the file
 * should not depend on that. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "output/json.h"

#include <string.h>
#include <time.h>

static const char hex_lower[16] = "0123456789abcdef";
static const char hex_upper[16] = "0123456789ABCDEF";

/* What a byte needs inside a JSON string:
 *   0         copied as is
 *   'u'       \u00XX (control characters, DEL; lowercase hex)
 *   'M'       >= 0x80: start of a UTF-8 sequence, validated
 *   otherwise the letter of a two-character escape (\" \\ \b \f \n \r \t)
 * DEL is not required to be escaped by RFC 8259, but a raw DEL in a log line
 * confuses terminals and some log shippers. */
#define M8 'M', 'M', 'M', 'M', 'M', 'M', 'M', 'M'
#define M64 M8, M8, M8, M8, M8, M8, M8, M8
static const char json_escape[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u', /* 0x00 */
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', /* 0x10 */
    0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                               /* 0x20 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                 /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                 /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,                              /* 0x50 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                 /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'u',                               /* 0x70 */
    M64, M64,                                                                       /* 0x80 */
};

/* EF BF BD: U+FFFD REPLACEMENT CHARACTER. */
static const char utf8_replacement[3] = { '\xef', '\xbf', '\xbd' };

/* Returns true if `k` more bytes fit; otherwise marks the line as lost. */
static inline bool json_reserve(struct json_writer *w, size_t k)
{
    if (w->overflow)
        return false;
    if (k > w->cap - w->len) {
        w->overflow = true;
        return false;
    }
    return true;
}

static inline void json_put(struct json_writer *w, const void *p, size_t k)
{
    /* k == 0 returns before forming buf + len, which may be NULL + 0. */
    if (k == 0 || !json_reserve(w, k))
        return;
    memcpy(w->buf + w->len, p, k);
    w->len += k;
}

static inline void json_putc(struct json_writer *w, char c)
{
    if (json_reserve(w, 1))
        w->buf[w->len++] = c;
}

/* Length of the UTF-8 sequence at p (n >= 1, p[0] >= 0x80), with *valid
 * saying whether it is well-formed (RFC 3629 section 4 / Unicode Table 3-7).
 * When it is not, the length is the maximal subpart: the lead byte plus the
 * continuation bytes that could still have belonged to a valid sequence, all
 * of which become one U+FFFD. Restricting the second byte's range per lead
 * byte is what rejects overlongs (E0, F0), surrogates (ED) and code points
 * above U+10FFFF (F4); C0, C1 and F5..FF can never start a sequence. */
static size_t utf8_sequence(const uint8_t *p, size_t n, bool *valid)
{
    uint8_t c = p[0];
    uint8_t lo = 0x80, hi = 0xbf;
    size_t need;

    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        *valid = false; /* continuation byte or impossible lead */
        return 1;
    }

    size_t i = 1;
    while (i < need && i < n && p[i] >= lo && p[i] <= hi) {
        lo = 0x80;
        hi = 0xbf;
        i++;
    }
    *valid = i == need;
    return i;
}

/* Writes bytes as the inside of a JSON string: valid UTF-8 and ordinary
 * ASCII verbatim, JSON escapes for the rest, U+FFFD for invalid UTF-8. */
static void json_put_escaped(struct json_writer *w, const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n && !w->overflow) {
        size_t start = i;
        size_t bad = 0; /* maximal subpart length when stopped at invalid UTF-8 */

        /* Eight bytes at a time while none needs a look: no control
         * character, quote, backslash, DEL or non-ASCII byte (SWAR, as in
         * Hacker's Delight 6-1; strings here are mostly plain ASCII). */
        while (n - i >= 8) {
            uint64_t x;
            memcpy(&x, p + i, 8);
            const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
            uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\'), del = x ^ (ones * 0x7f);
            uint64_t special = ((x - ones * 0x20) | (quote - ones) | (backslash - ones) | (del - ones) | x) & highs;
            if (special)
                break;
            i += 8;
        }
        while (i < n) {
            char e = json_escape[p[i]];
            if (e == 0) {
                i++;
                continue;
            }
            if (e == 'M') {
                bool valid;
                size_t k = utf8_sequence(p + i, n - i, &valid);
                if (valid) {
                    i += k;
                    continue;
                }
                bad = k;
            }
            break;
        }
        json_put(w, p + start, i - start);
        if (i == n)
            break;

        uint8_t c = p[i];
        char e = json_escape[c];
        if (e == 'M') {
            json_put(w, utf8_replacement, sizeof utf8_replacement);
            i += bad;
        } else if (e == 'u') {
            char u[6] = { '\\', 'u', '0', '0', hex_lower[c >> 4], hex_lower[c & 0xf] };
            json_put(w, u, sizeof u);
            i++;
        } else {
            char s[2] = { '\\', e };
            json_put(w, s, sizeof s);
            i++;
        }
    }
}

static void json_put_quoted(struct json_writer *w, const uint8_t *p, size_t n)
{
    json_putc(w, '"');
    json_put_escaped(w, p, n);
    json_putc(w, '"');
}

/* Starts a value: the comma before every member but the first, and the key
 * inside objects. A key where none belongs (array, top level) or a missing
 * key inside an object would make the line invalid JSON, so it loses the line
 * the same way an overflow does. */
static bool json_member(struct json_writer *w, const char *key)
{
    if (w->overflow)
        return false;

    int d = w->depth;
    bool want_key = d > 0 && !w->in_array[d];
    if ((key != NULL) != want_key || (d == 0 && !w->first[0])) {
        w->overflow = true;
        return false;
    }
    if (!w->first[d])
        json_putc(w, ',');
    w->first[d] = false;
    if (key) {
        /* Keys are short literals of ours, almost always plain: one pass
         * that checks and measures, then a single copy. */
        size_t k = 0;
        bool plain = true;
        for (; key[k]; k++)
            plain = plain && json_escape[(uint8_t)key[k]] == 0;
        if (!plain) {
            json_put_quoted(w, (const uint8_t *)key, k);
            json_putc(w, ':');
        } else if (json_reserve(w, k + 3)) {
            w->buf[w->len++] = '"';
            memcpy(w->buf + w->len, key, k);
            w->len += k;
            w->buf[w->len++] = '"';
            w->buf[w->len++] = ':';
        }
    }
    return !w->overflow;
}

void json_init(struct json_writer *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->first[0] = true;
}

static void json_container_begin(struct json_writer *w, const char *key, bool array)
{
    if (w->overflow)
        return;
    if (w->depth + 1 >= JSON_MAX_DEPTH) {
        w->overflow = true;
        return;
    }
    if (!json_member(w, key))
        return;
    json_putc(w, array ? '[' : '{');
    if (w->overflow)
        return;
    w->depth++;
    w->first[w->depth] = true;
    w->in_array[w->depth] = array;
}

static void json_container_end(struct json_writer *w, bool array)
{
    if (w->overflow)
        return;
    if (w->depth == 0 || w->in_array[w->depth] != array) {
        w->overflow = true;
        return;
    }
    json_putc(w, array ? ']' : '}');
    w->depth--;
}

void json_object_begin(struct json_writer *w, const char *key)
{
    json_container_begin(w, key, false);
}

void json_object_end(struct json_writer *w)
{
    json_container_end(w, false);
}

void json_array_begin(struct json_writer *w, const char *key)
{
    json_container_begin(w, key, true);
}

void json_array_end(struct json_writer *w)
{
    json_container_end(w, true);
}

void json_str(struct json_writer *w, const char *key, const char *s)
{
    if (s == NULL)
        return; /* unknown values are left out (SCHEMA.md) */
    if (json_member(w, key))
        json_put_quoted(w, (const uint8_t *)s, strlen(s));
}

void json_wire_str(struct json_writer *w, const char *key, const uint8_t *p, size_t n)
{
    if (p == NULL)
        n = 0;
    if (json_member(w, key))
        json_put_quoted(w, p, n);
}

size_t json_quote(char *buf, size_t cap, const uint8_t *p, size_t n)
{
    struct json_writer w;
    json_init(&w, buf, cap);
    json_put_quoted(&w, p, p ? n : 0);
    return w.overflow ? 0 : w.len;
}

/* Writes v's decimal digits ending just before `end`; returns the first. */
static char *json_fmt_u64(char *end, uint64_t v)
{
    char *p = end;
    do {
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    return p;
}

void json_u64(struct json_writer *w, const char *key, uint64_t v)
{
    char tmp[20]; /* 18446744073709551615 */
    if (!json_member(w, key))
        return;
    char *p = json_fmt_u64(tmp + sizeof tmp, v);
    json_put(w, p, (size_t)(tmp + sizeof tmp - p));
}

void json_i64(struct json_writer *w, const char *key, int64_t v)
{
    char tmp[21]; /* -9223372036854775808 */
    if (!json_member(w, key))
        return;
    /* Negate in unsigned arithmetic: -INT64_MIN does not fit an int64_t. */
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = json_fmt_u64(tmp + sizeof tmp, mag);
    if (v < 0)
        *--p = '-';
    json_put(w, p, (size_t)(tmp + sizeof tmp - p));
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
    if (!json_member(w, key))
        return;
    if (v)
        json_put(w, "true", 4);
    else
        json_put(w, "false", 5);
}

/* 9999-12-31T23:59:59Z: RFC 3339 has four-digit years only. */
#define JSON_TIME_MAX_SECONDS UINT64_C(253402300799)

static char *json_fmt_digits(char *p, int v, int ndigits)
{
    for (int i = ndigits - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + ndigits;
}

void json_time_us(struct json_writer *w, const char *key, uint64_t ts_us)
{
    uint64_t secs = ts_us / 1000000u;
    int frac = (int)(ts_us % 1000000u);
    struct tm tm;

    if (w->overflow)
        return;
    if (secs > JSON_TIME_MAX_SECONDS)
        return; /* not representable: left out like any unknown value */
    time_t t = (time_t)secs;
    if (gmtime_r(&t, &tm) == NULL)
        return;

    /* "2018-02-22T13:53:10.494123Z" */
    char s[29];
    char *p = s;
    *p++ = '"';
    p = json_fmt_digits(p, tm.tm_year + 1900, 4);
    *p++ = '-';
    p = json_fmt_digits(p, tm.tm_mon + 1, 2);
    *p++ = '-';
    p = json_fmt_digits(p, tm.tm_mday, 2);
    *p++ = 'T';
    p = json_fmt_digits(p, tm.tm_hour, 2);
    *p++ = ':';
    p = json_fmt_digits(p, tm.tm_min, 2);
    *p++ = ':';
    p = json_fmt_digits(p, tm.tm_sec, 2);
    *p++ = '.';
    p = json_fmt_digits(p, frac, 6);
    *p++ = 'Z';
    *p++ = '"';

    if (json_member(w, key))
        json_put(w, s, (size_t)(p - s));
}

void json_hex(struct json_writer *w, const char *key, const uint8_t *p, size_t n, bool upper)
{
    const char *digits = upper ? hex_upper : hex_lower;

    if (p == NULL)
        n = 0;
    if (!json_member(w, key))
        return;
    if (n > (SIZE_MAX - 2) / 2) {
        w->overflow = true;
        return;
    }
    if (!json_reserve(w, 2 * n + 2))
        return;
    char *out = w->buf + w->len;
    *out++ = '"';
    for (size_t i = 0; i < n; i++) {
        *out++ = digits[p[i] >> 4];
        *out++ = digits[p[i] & 0xf];
    }
    *out = '"';
    w->len += 2 * n + 2;
}

size_t json_finish(struct json_writer *w)
{
    if (w->overflow || w->depth != 0)
        return 0;
    json_putc(w, '\n');
    if (w->overflow)
        return 0;
    return w->len;
}
