/* json.c - the streaming JSON writer behind every output line (RFC 8259):
 * nesting, commas and keys over common/strbuf.h, whose all-or-nothing appends
 * and string escaper (UTF-8 repaired per RFC 3629 and Unicode's "maximal
 * subpart" practice) it wraps. No snprintf anywhere.
 */
#include "output/json.h"

#include <stdio.h>
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
static bool json_member_write(struct json_writer *w, const struct json_key *key)
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

/* What the filter keeps of the value about to be written at the current
 * depth under key (NULL: an array element, which inherits its array's node),
 * and the trie node its own members are matched against. */
static enum json_filter_mode filter_step(const struct json_writer *w, const struct json_key *key, uint16_t *node)
{
    int d = w->depth;
    *node = w->fnode[d];
    if (w->mode[d] != JSON_PARTIAL || key == NULL)
        return (enum json_filter_mode)w->mode[d];
    const char *name = key->text + 1; /* "\"name\":" */
    size_t len = key->len - 3;
    const struct json_filter *f = w->filter;
    for (uint16_t c = f->node[*node].child; c != 0; c = f->node[c].next) {
        if (f->node[c].len == len && memcmp(f->node[c].name, name, len) == 0) {
            *node = c;
            return f->node[c].whole ? JSON_ALL : JSON_PARTIAL;
        }
    }
    return JSON_SKIP;
}

/* A scalar value's start: written only when the filter keeps it whole. */
static bool json_member(struct json_writer *w, const struct json_key *key)
{
    if (w->filter) {
        uint16_t node;
        if (w->out.overflow || filter_step(w, key, &node) != JSON_ALL)
            return false;
    }
    return json_member_write(w, key);
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
    /* Only what every line needs: the filter's arrays are set per depth as
     * containers open. */
    w->depth = 0;
    w->first[0] = true;
    w->in_array[0] = false;
    w->filter = NULL;
    w->mode[0] = JSON_ALL;
    w->fnode[0] = 0;
    strbuf_init(&w->out, buf, cap);
}

void json_set_filter(struct json_writer *w, const struct json_filter *f)
{
    w->filter = f;
    w->mode[0] = f ? JSON_PARTIAL : JSON_ALL;
    w->fnode[0] = 0;
}

/* The child of `parent` named name[len], made when missing; 0 when full. */
static uint16_t filter_child(struct json_filter *f, uint16_t parent, const char *name, size_t len)
{
    uint16_t *link = &f->node[parent].child;
    for (; *link != 0; link = &f->node[*link].next) {
        struct json_filter_node *c = &f->node[*link];
        if (c->len == len && memcmp(c->name, name, len) == 0)
            return *link;
    }
    if (f->n >= JSON_FILTER_NODES)
        return 0;
    uint16_t i = (uint16_t)f->n++;
    memset(&f->node[i], 0, sizeof f->node[i]);
    memcpy(f->node[i].name, name, len);
    f->node[i].len = (uint8_t)len;
    *link = i;
    return i;
}

bool json_filter_parse(struct json_filter *f, const char *list, char *err, size_t errlen)
{
    memset(&f->node[0], 0, sizeof f->node[0]);
    f->n = 1;
    size_t paths = 0;
    for (const char *p = list;;) {
        const char *end = strchr(p, ',');
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        if (plen > 0) {
            uint16_t node = 0;
            for (size_t i = 0; i < plen;) {
                size_t j = i;
                while (j < plen && p[j] != '.')
                    j++;
                if (j == i || j - i >= JSON_FILTER_NAME_MAX) {
                    snprintf(err, errlen, "field \"%.*s\": %s", (int)plen, p,
                             j == i ? "an empty name between dots" : "a name too long");
                    return false;
                }
                node = filter_child(f, node, p + i, j - i);
                if (node == 0) {
                    snprintf(err, errlen, "more than %d names in the field list", JSON_FILTER_NODES - 1);
                    return false;
                }
                i = j + 1;
                if (j + 1 == plen) {
                    snprintf(err, errlen, "field \"%.*s\": ends with a dot", (int)plen, p);
                    return false;
                }
            }
            f->node[node].whole = true;
            paths++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (paths == 0) {
        snprintf(err, errlen, "the field list is empty");
        return false;
    }
    return true;
}

static void json_container_begin(struct json_writer *w, const struct json_key *key, bool array)
{
    if (w->out.overflow)
        return;
    if (w->depth + 1 >= JSON_MAX_DEPTH) {
        w->out.overflow = true;
        return;
    }
    enum json_filter_mode m = JSON_ALL;
    uint16_t node = 0;
    if (w->filter) {
        m = filter_step(w, key, &node);
        w->undo_len[w->depth + 1] = w->out.len;
        w->undo_first[w->depth + 1] = w->first[w->depth];
    }
    if (m != JSON_SKIP) {
        if (!json_member_write(w, key))
            return;
        json_putc(w, array ? '[' : '{');
        if (w->out.overflow)
            return;
    }
    w->depth++;
    w->first[w->depth] = true;
    w->in_array[w->depth] = array;
    w->mode[w->depth] = (uint8_t)m;
    w->fnode[w->depth] = node;
}

static void json_container_end(struct json_writer *w, bool array)
{
    if (w->out.overflow)
        return;
    int d = w->depth;
    if (d == 0 || w->in_array[d] != array) {
        w->out.overflow = true;
        return;
    }
    if (w->mode[d] == JSON_SKIP) {
        w->depth--; /* nothing of it was written */
        return;
    }
    if (w->mode[d] == JSON_PARTIAL && w->first[d] && d > 1) {
        /* Opened for a selected member that never came: taken back. */
        w->out.len = w->undo_len[d];
        w->first[d - 1] = w->undo_first[d];
        w->depth--;
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
    if (w->filter && w->mode[d] != JSON_ALL) {
        w->out.overflow = true; /* members formatted before cannot be filtered */
        return;
    }
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
