/* json.c - the streaming JSON writer behind every output line (RFC 8259):
 * nesting, commas and keys over common/strbuf.h, whose all-or-nothing appends
 * and string escaper (UTF-8 repaired per RFC 3629 and Unicode's "maximal
 * subpart" practice) it wraps. No snprintf anywhere.
 */
#include "output/json.h"

#include <string.h>

static inline bool json_reserve(struct json_writer *w, size_t k)
{
    return strbuf_reserve(&w->out, k);
}

static inline void json_put(struct json_writer *w, const void *p, size_t k)
{
    strbuf_put(&w->out, p, k);
}

static inline void json_putc(struct json_writer *w, char c)
{
    strbuf_putc(&w->out, c);
}

/* Starts a value: the comma before every member but the first, and the key
 * inside objects. A key where none belongs (array, top level) or a missing
 * key inside an object would make the line invalid JSON, so it loses the line
 * the same way an overflow does. */
static bool json_member(struct json_writer *w, const struct json_key *key)
{
    if (w->out.overflow)
        return false;

    int d = w->depth;
    bool want_key = d > 0 && !w->in_array[d];
    if ((key != NULL) != want_key || (d == 0 && !w->first[0])) {
        w->out.overflow = true;
        return false;
    }
    if (!w->first[d])
        json_putc(w, ',');
    w->first[d] = false;
    if (key)
        json_put(w, key->text, key->len); /* quoted at compile time (JSON_KEY) */
    return !w->out.overflow;
}

const struct json_key *json_key_make(struct json_key *k, char *buf, size_t cap, const char *name)
{
    struct strbuf b;
    strbuf_init(&b, buf, cap);
    strbuf_quoted(&b, (const uint8_t *)name, strlen(name));
    strbuf_putc(&b, ':');
    if (b.overflow)
        return NULL;
    k->text = buf;
    k->len = b.len;
    return k;
}

void json_init(struct json_writer *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    strbuf_init(&w->out, buf, cap);
    w->first[0] = true;
}

static void json_container_begin(struct json_writer *w, const struct json_key *key, bool array)
{
    if (w->out.overflow)
        return;
    if (w->depth + 1 >= JSON_MAX_DEPTH) {
        w->out.overflow = true;
        return;
    }
    if (!json_member(w, key))
        return;
    json_putc(w, array ? '[' : '{');
    if (w->out.overflow)
        return;
    w->depth++;
    w->first[w->depth] = true;
    w->in_array[w->depth] = array;
}

static void json_container_end(struct json_writer *w, bool array)
{
    if (w->out.overflow)
        return;
    if (w->depth == 0 || w->in_array[w->depth] != array) {
        w->out.overflow = true;
        return;
    }
    json_putc(w, array ? ']' : '}');
    w->depth--;
}

void json_object_begin(struct json_writer *w, const struct json_key *key)
{
    json_container_begin(w, key, false);
}

void json_object_end(struct json_writer *w)
{
    json_container_end(w, false);
}

void json_array_begin(struct json_writer *w, const struct json_key *key)
{
    json_container_begin(w, key, true);
}

void json_array_end(struct json_writer *w)
{
    json_container_end(w, true);
}

void json_strn(struct json_writer *w, const struct json_key *key, const char *s, size_t n)
{
    if (s == NULL)
        return; /* unknown values are left out (SCHEMA.md) */
    if (json_member(w, key))
        strbuf_quoted(&w->out, (const uint8_t *)s, n);
}

void json_str(struct json_writer *w, const struct json_key *key, const char *s)
{
    json_strn(w, key, s, s ? strlen(s) : 0);
}

void json_wire_str(struct json_writer *w, const struct json_key *key, const uint8_t *p, size_t n)
{
    if (json_member(w, key))
        strbuf_quoted(&w->out, p, n);
}

size_t json_quote(char *buf, size_t cap, const uint8_t *p, size_t n)
{
    struct strbuf b;
    strbuf_init(&b, buf, cap);
    strbuf_quoted(&b, p, n);
    return b.overflow ? 0 : b.len;
}

void json_raw(struct json_writer *w, const struct json_key *key, const void *value, size_t n)
{
    if (json_member(w, key))
        strbuf_put(&w->out, value, n);
}

void json_raw_members(struct json_writer *w, const void *members, size_t n)
{
    if (w->out.overflow || n == 0)
        return;
    int d = w->depth;
    if (d == 0 || w->in_array[d]) {
        w->out.overflow = true; /* members belong in an object */
        return;
    }
    if (!w->first[d])
        json_putc(w, ',');
    w->first[d] = false;
    strbuf_put(&w->out, members, n);
}

void json_u64(struct json_writer *w, const struct json_key *key, uint64_t v)
{
    if (json_member(w, key))
        strbuf_u64(&w->out, v);
}

void json_i64(struct json_writer *w, const struct json_key *key, int64_t v)
{
    if (!json_member(w, key))
        return;
    /* Negate in unsigned arithmetic: -INT64_MIN does not fit an int64_t. The
     * sign and digits are one append, so a line never ends in a bare '-'. */
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char tmp[21];
    struct strbuf t;
    strbuf_init(&t, tmp, sizeof tmp);
    if (v < 0)
        strbuf_putc(&t, '-');
    strbuf_u64(&t, mag);
    json_put(w, tmp, t.len);
}

void json_bool(struct json_writer *w, const struct json_key *key, bool v)
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

/* UTC calendar fields of a Unix time (0 .. JSON_TIME_MAX_SECONDS): gmtime_r
 * was a visible share of a line's cost. Days to a date by the proleptic
 * Gregorian calendar's 400-year eras, counted from 0000-03-01 so that the
 * leap day falls at the end of each year. */
struct civil_time {
    int tm_year, tm_mon, tm_mday, tm_hour, tm_min, tm_sec; /* struct tm's meanings */
};

static void civil_from_unix(uint64_t secs, struct civil_time *t)
{
    uint64_t days = secs / 86400u, rem = secs % 86400u;
    t->tm_hour = (int)(rem / 3600u);
    t->tm_min = (int)(rem / 60u % 60u);
    t->tm_sec = (int)(rem % 60u);
    uint64_t z = days + 719468u;                /* days since 0000-03-01 */
    uint64_t era = z / 146097u;                 /* 400-year eras */
    uint64_t doe = z - era * 146097u;           /* day of era, 0..146096 */
    uint64_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u; /* 0..399 */
    uint64_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);                /* 0..365, from March 1 */
    uint64_t mp = (5u * doy + 2u) / 153u;       /* 0 = March .. 11 = February */
    uint64_t year = yoe + era * 400u + (mp >= 10u);
    t->tm_mday = (int)(doy - (153u * mp + 2u) / 5u + 1u);
    t->tm_mon = (int)(mp < 10u ? mp + 2u : mp - 10u); /* 0 = January */
    t->tm_year = (int)year - 1900;
}

static char *json_fmt_digits(char *p, int v, int ndigits)
{
    for (int i = ndigits - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + ndigits;
}

void json_time_us(struct json_writer *w, const struct json_key *key, uint64_t ts_us)
{
    uint64_t secs = ts_us / 1000000u;
    int frac = (int)(ts_us % 1000000u);

    if (w->out.overflow)
        return;
    if (secs > JSON_TIME_MAX_SECONDS)
        return; /* not representable: left out like any unknown value */
    struct civil_time tm;
    civil_from_unix(secs, &tm);

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

void json_hex(struct json_writer *w, const struct json_key *key, const uint8_t *p, size_t n, bool upper)
{
    if (p == NULL)
        n = 0;
    if (!json_member(w, key))
        return;
    /* One reservation for the quotes and digits: all or nothing. */
    if (n > (SIZE_MAX - 2) / 2) {
        w->out.overflow = true;
        return;
    }
    if (!json_reserve(w, 2 * n + 2))
        return;
    json_putc(w, '"');
    strbuf_hex(&w->out, p, n, upper);
    json_putc(w, '"');
}

size_t json_finish(struct json_writer *w)
{
    if (w->out.overflow || w->depth != 0)
        return 0;
    json_putc(w, '\n');
    if (w->out.overflow)
        return 0;
    return w->out.len;
}
