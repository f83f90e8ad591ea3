/* strbuf.h - the one bounded text builder: a caller's buffer, a length and an
 * overflow flag, with all-or-nothing appends.
 *
 * An append that does not fit writes nothing and sets `overflow`, which is
 * sticky: every later append is a no-op, and the caller drops what it was
 * building (a JSON line, a pcapng comment, a fingerprint string) rather than
 * using a cut one. The buffer therefore never ends inside a character, an
 * escape or a number, and nothing is written at or beyond `cap`.
 *
 * The JSON writer (output/json.c) wraps it; pcapng comments and fingerprint
 * strings use it directly. It also owns the one hex digit table and the one
 * decimal formatter.
 */
#ifndef TLSSCOPE_STRBUF_H
#define TLSSCOPE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct strbuf {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

extern const char strbuf_hex_lower[16];
extern const char strbuf_hex_upper[16];

static inline void strbuf_init(struct strbuf *b, char *buf, size_t cap)
{
    b->buf = buf;
    b->cap = buf ? cap : 0;
    b->len = 0;
    b->overflow = false;
}

/* A builder over the unused space of b: what it writes can be kept with
 * strbuf_keep(), or thrown away without touching b. */
static inline struct strbuf strbuf_rest(const struct strbuf *b)
{
    struct strbuf r = { b->overflow ? NULL : b->buf + b->len, b->overflow ? 0 : b->cap - b->len, 0, b->overflow };
    return r;
}

static inline void strbuf_keep(struct strbuf *b, const struct strbuf *rest)
{
    if (!rest->overflow && !b->overflow)
        b->len += rest->len;
}

/* True if k more bytes fit; otherwise marks the buffer as overflowed. */
static inline bool strbuf_reserve(struct strbuf *b, size_t k)
{
    if (b->overflow)
        return false;
    if (k > b->cap - b->len) {
        b->overflow = true;
        return false;
    }
    return true;
}

static inline void strbuf_put(struct strbuf *b, const void *p, size_t k)
{
    /* k == 0 returns before forming buf + len, which may be NULL + 0. */
    if (k == 0 || !strbuf_reserve(b, k))
        return;
    memcpy(b->buf + b->len, p, k);
    b->len += k;
}

static inline void strbuf_putc(struct strbuf *b, char c)
{
    if (strbuf_reserve(b, 1))
        b->buf[b->len++] = c;
}

static inline void strbuf_puts(struct strbuf *b, const char *s)
{
    strbuf_put(b, s, strlen(s));
}

/* v in decimal. */
static inline void strbuf_u64(struct strbuf *b, uint64_t v)
{
    char tmp[20]; /* 18446744073709551615 */
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    strbuf_put(b, tmp + i, sizeof tmp - i);
}

/* The low `digits` nibbles of v as hex, most significant first (lowercase). */
static inline void strbuf_hexn(struct strbuf *b, uint32_t v, unsigned digits)
{
    char tmp[8];
    if (digits > sizeof tmp)
        digits = sizeof tmp;
    for (unsigned i = 0; i < digits; i++)
        tmp[i] = strbuf_hex_lower[(v >> (4 * (digits - 1 - i))) & 0xf];
    strbuf_put(b, tmp, digits);
}

/* Bytes as hex digits, two per byte. */
void strbuf_hex(struct strbuf *b, const uint8_t *p, size_t n, bool upper);

/* An address in its text form, as inet_ntop writes it: IPv4 dotted quad;
 * IPv6 per RFC 5952 (lowercase, no leading zeros, the longest run of two or
 * more zero groups, the first of equal runs, as "::"), with a trailing
 * dotted quad for ::a.b.c.d and ::ffff:a.b.c.d as glibc writes them.
 * version is 4 or 6; addr holds 4 or 16 bytes. */
#define STRBUF_IP_MAX 46
void strbuf_ip(struct strbuf *b, int version, const uint8_t *addr);

/* Wire bytes as one JSON string literal (RFC 8259), quotes included: valid
 * UTF-8 and ordinary ASCII verbatim; \" \\ \b \f \n \r \t; other control
 * characters and DEL as \u00XX (lowercase hex); each maximal invalid UTF-8
 * subpart as U+FFFD (common/utf8.h). The result is printable UTF-8 without
 * control characters, which is also how text outside JSON (pcapng comments)
 * shows a string from the wire. When it does not fit, b keeps the complete
 * characters and escapes that did and is overflowed. */
void strbuf_quoted(struct strbuf *b, const uint8_t *p, size_t n);

/* True when s needs no escaping inside a JSON string. */
bool strbuf_is_plain(const char *s, size_t n);

#endif
