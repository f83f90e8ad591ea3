/* utf8.h - the one UTF-8 decoder step: how long the character at p is, and
 * whether it is well-formed (RFC 3629 section 4, Unicode 15 Table 3-7).
 *
 * For invalid input the length is the "maximal subpart" (Unicode 15 section
 * 3.9, U+FFFD substitution; the WHATWG Encoding Standard's decoder does the
 * same): the lead byte plus the continuation bytes that could still have
 * belonged to a valid sequence, all of which one U+FFFD replaces. Restricting
 * the second byte's range per lead byte is what rejects overlongs (E0, F0),
 * surrogates (ED) and code points above U+10FFFF (F4); C0, C1 and F5..FF can
 * never start a sequence. The JSON escaper and JA4's ALPN rule use it.
 */
#ifndef TLSSCOPE_UTF8_H
#define TLSSCOPE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the character at p (n >= 1), with *valid saying whether it is
 * well-formed; an ASCII byte is one valid byte. */
static inline size_t utf8_sequence(const uint8_t *p, size_t n, bool *valid)
{
    uint8_t c = p[0];
    uint8_t lo = 0x80, hi = 0xbf;
    size_t need;

    if (c < 0x80) {
        *valid = true;
        return 1;
    }
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

#endif
