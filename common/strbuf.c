/* strbuf.c - see strbuf.h: the hex digits and the JSON string escaper.
 *
 * The escaper runs once per string of an output line, so it copies runs of
 * bytes that need nothing with one memcpy and decides per byte with a table
 * lookup; no snprintf anywhere.
 */
#include "common/strbuf.h"

#include "common/utf8.h"

const char strbuf_hex_lower[16] = "0123456789abcdef";
const char strbuf_hex_upper[16] = "0123456789ABCDEF";

void strbuf_hex(struct strbuf *b, const uint8_t *p, size_t n, bool upper)
{
    const char *digits = upper ? strbuf_hex_upper : strbuf_hex_lower;
    if (n > SIZE_MAX / 2) {
        b->overflow = true;
        return;
    }
    if (n == 0 || !strbuf_reserve(b, 2 * n))
        return;
    char *out = b->buf + b->len;
    for (size_t i = 0; i < n; i++) {
        *out++ = digits[p[i] >> 4];
        *out++ = digits[p[i] & 0xf];
    }
    b->len += 2 * n;
}

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

bool strbuf_is_plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (json_escape[(uint8_t)s[i]] != 0)
            return false;
    return true;
}

/* Writes bytes as the inside of a JSON string. */
static void put_escaped(struct strbuf *b, const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n && !b->overflow) {
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
        strbuf_put(b, p + start, i - start);
        if (i == n)
            break;

        uint8_t c = p[i];
        char e = json_escape[c];
        if (e == 'M') {
            strbuf_put(b, utf8_replacement, sizeof utf8_replacement);
            i += bad;
        } else if (e == 'u') {
            char u[6] = { '\\', 'u', '0', '0', strbuf_hex_lower[c >> 4], strbuf_hex_lower[c & 0xf] };
            strbuf_put(b, u, sizeof u);
            i++;
        } else {
            char s[2] = { '\\', e };
            strbuf_put(b, s, sizeof s);
            i++;
        }
    }
}

void strbuf_quoted(struct strbuf *b, const uint8_t *p, size_t n)
{
    if (p == NULL)
        n = 0;
    strbuf_putc(b, '"');
    put_escaped(b, p, n);
    strbuf_putc(b, '"');
}

static void put_dotted_quad(struct strbuf *b, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i > 0)
            strbuf_putc(b, '.');
        strbuf_u64(b, a[i]);
    }
}

/* One 16-bit group in hex without leading zeros. */
static void put_group(struct strbuf *b, unsigned g)
{
    char tmp[4];
    size_t n = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned d = g >> shift & 0xf;
        if (n > 0 || d != 0 || shift == 0)
            tmp[n++] = strbuf_hex_lower[d];
    }
    strbuf_put(b, tmp, n);
}

void strbuf_ip(struct strbuf *b, int version, const uint8_t *addr)
{
    if (version != 6) {
        put_dotted_quad(b, addr);
        return;
    }
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)addr[2 * i] << 8 | addr[2 * i + 1];
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2)
        best = -1;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            strbuf_put(b, "::", 2);
            i += best_len - 1;
            continue;
        }
        /* ::a.b.c.d and ::ffff:a.b.c.d end in the IPv4 address. */
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && g[5] == 0xffff))) {
            if (i != best + best_len)
                strbuf_putc(b, ':');
            put_dotted_quad(b, addr + 12);
            break;
        }
        if (i > 0 && i != best + best_len)
            strbuf_putc(b, ':');
        put_group(b, g[i]);
    }
}
