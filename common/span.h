/* span.h - the one bounds-checked cursor every parser in tlsscope reads through.
 *
 * A span is a borrowed (pointer, length) view of bytes from the wire. Readers
 * never index past `n`: a read that does not fit "poisons" the span (sets
 * `bad`, empties it) and returns 0, the way tcpdump's GET_U_1 and BearSSL's
 * decoders do. A parser can therefore read a whole fixed structure and check
 * `span_ok()` once, and a sub-span taken from a poisoned span is poisoned too,
 * so a failure can never be silently skipped over.
 *
 * We keep a length rather than an end pointer so that no pointer beyond the
 * buffer is ever formed, even transiently.
 */
#ifndef TLSSCOPE_SPAN_H
#define TLSSCOPE_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct span {
    const uint8_t *p;
    size_t n;
    bool bad;
};

static inline struct span span_make(const void *p, size_t n)
{
    struct span s = { (const uint8_t *)p, p ? n : 0, false };
    return s;
}

static inline struct span span_poisoned(void)
{
    struct span s = { NULL, 0, true };
    return s;
}

static inline bool span_ok(const struct span *s) { return !s->bad; }

/* True when the span was read exactly to its end without a failure: the test
 * for "this length-prefixed vector was consumed exactly". */
static inline bool span_done(const struct span *s) { return !s->bad && s->n == 0; }

static inline void span_poison(struct span *s)
{
    s->bad = true;
    s->n = 0;
}

static inline bool span_has(const struct span *s, size_t need)
{
    return !s->bad && s->n >= need;
}

static inline void span_skip(struct span *s, size_t k)
{
    if (!span_has(s, k)) {
        span_poison(s);
        return;
    }
    s->p += k;
    s->n -= k;
}

static inline uint8_t span_u8(struct span *s)
{
    if (!span_has(s, 1)) {
        span_poison(s);
        return 0;
    }
    uint8_t v = s->p[0];
    s->p += 1;
    s->n -= 1;
    return v;
}

static inline uint16_t span_u16(struct span *s)
{
    if (!span_has(s, 2)) {
        span_poison(s);
        return 0;
    }
    uint16_t v = (uint16_t)((unsigned)s->p[0] << 8 | s->p[1]);
    s->p += 2;
    s->n -= 2;
    return v;
}

static inline uint32_t span_u24(struct span *s)
{
    if (!span_has(s, 3)) {
        span_poison(s);
        return 0;
    }
    uint32_t v = (uint32_t)s->p[0] << 16 | (uint32_t)s->p[1] << 8 | s->p[2];
    s->p += 3;
    s->n -= 3;
    return v;
}

static inline uint32_t span_u32(struct span *s)
{
    if (!span_has(s, 4)) {
        span_poison(s);
        return 0;
    }
    uint32_t v = (uint32_t)s->p[0] << 24 | (uint32_t)s->p[1] << 16 | (uint32_t)s->p[2] << 8 | s->p[3];
    s->p += 4;
    s->n -= 4;
    return v;
}

/* Little-endian 16/32-bit reads, for link headers that use host order
 * (BSD loopback family, some pseudo-headers). */
static inline uint32_t span_u32le(struct span *s)
{
    if (!span_has(s, 4)) {
        span_poison(s);
        return 0;
    }
    uint32_t v = (uint32_t)s->p[3] << 24 | (uint32_t)s->p[2] << 16 | (uint32_t)s->p[1] << 8 | s->p[0];
    s->p += 4;
    s->n -= 4;
    return v;
}

/* Take the next k bytes as their own sub-span. */
static inline struct span span_take(struct span *s, size_t k)
{
    if (!span_has(s, k)) {
        span_poison(s);
        return span_poisoned();
    }
    struct span sub = { s->p, k, false };
    s->p += k;
    s->n -= k;
    return sub;
}

/* Length-prefixed vectors (RFC 8446 section 3.4): the length is read, checked
 * against what is left, and the body returned as a sub-span. */
static inline struct span span_vec8(struct span *s)
{
    uint8_t k = span_u8(s);
    return s->bad ? span_poisoned() : span_take(s, k);
}

static inline struct span span_vec16(struct span *s)
{
    uint16_t k = span_u16(s);
    return s->bad ? span_poisoned() : span_take(s, k);
}

static inline struct span span_vec24(struct span *s)
{
    uint32_t k = span_u24(s);
    return s->bad ? span_poisoned() : span_take(s, k);
}

/* Look at byte `off` without consuming; false when it is not there. */
static inline bool span_peek(const struct span *s, size_t off, uint8_t *out)
{
    if (s->bad || off >= s->n)
        return false;
    *out = s->p[off];
    return true;
}

#endif
