/* fuzz_json.c - output/json.c: json_wire_str() and json_str() (the escaper
 * every wire string goes through), with the numbers, times and hex strings
 * conn_json writes around them, into buffers of every size.
 *
 * Input: [mode:1] [bytes...]. The bytes are written as a wire string, as a
 * trusted string (up to their first NUL), as a wire string in an array (the
 * first half) and as hex (at most 64); their first 8 bytes as u64, i64 and a
 * time.
 *
 * Checks, with a buffer large enough:
 * - the line is one valid JSON object (strict RFC 8259, UTF-8) and '\n';
 * - each string decodes back to the input with every ill-formed UTF-8
 *   subsequence replaced by one U+FFFD (Unicode "maximal subpart" practice,
 *   computed here independently of json.c);
 * the overflow contract, with exact-size heap buffers:
 * - a buffer of exactly the line's length gives the same line;
 * - a smaller one (mode picks how much smaller) gives json_finish() == 0 and
 *   `overflow`, never writes past its capacity (ASan), and holds a prefix of
 *   the line that ends between appends: valid UTF-8, no cut escape.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "output/json.h"

/* At p[0] >= 0x80: whether a well-formed sequence starts there (*ok) and its
 * length, or else the length of its maximal subpart (Unicode 3.9, Table 3-7:
 * the lead byte and the continuation bytes that could still belong to a
 * well-formed sequence). */
static size_t sequence(const uint8_t *p, size_t n, bool *ok)
{
    static const struct {
        uint8_t lead_lo, lead_hi, len, second_lo, second_hi;
    } table[] = {
        { 0xc2, 0xdf, 2, 0x80, 0xbf }, { 0xe0, 0xe0, 3, 0xa0, 0xbf }, { 0xe1, 0xec, 3, 0x80, 0xbf },
        { 0xed, 0xed, 3, 0x80, 0x9f }, { 0xee, 0xef, 3, 0x80, 0xbf }, { 0xf0, 0xf0, 4, 0x90, 0xbf },
        { 0xf1, 0xf3, 4, 0x80, 0xbf }, { 0xf4, 0xf4, 4, 0x80, 0x8f },
    };
    for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
        if (p[0] < table[t].lead_lo || p[0] > table[t].lead_hi)
            continue;
        size_t i = 1;
        while (i < table[t].len && i < n) {
            uint8_t lo = i == 1 ? table[t].second_lo : 0x80, hi = i == 1 ? table[t].second_hi : 0xbf;
            if (p[i] < lo || p[i] > hi)
                break;
            i++;
        }
        *ok = i == table[t].len;
        return i;
    }
    *ok = false; /* C0, C1, F5..FF or a stray continuation byte */
    return 1;
}

/* What the string should decode to; returns its length. */
static size_t expected(const uint8_t *p, size_t n, uint8_t *out)
{
    size_t o = 0, i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            out[o++] = p[i++];
            continue;
        }
        bool ok;
        size_t k = sequence(p + i, n - i, &ok);
        if (ok) {
            memcpy(out + o, p + i, k);
            o += k;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
        }
        i += k;
    }
    return o;
}

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes the JSON string starting at s[0] == '"' (already validated);
 * returns the bytes consumed, quotes included. Only \u00XX escapes occur in
 * the writer's output. */
static size_t decode_string(const char *s, size_t n, uint8_t *out, size_t *outlen)
{
    size_t i = 1, o = 0;
    while (i < n && s[i] != '"') {
        if (s[i] != '\\') {
            out[o++] = (uint8_t)s[i++];
            continue;
        }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            FUZZ_CHECK(s[i] == '0' && s[i + 1] == '0', "\\u escape above U+00FF: %.6s", s + i - 2);
            int hi = hexv(s[i + 2]), lo = hexv(s[i + 3]);
            out[o++] = (uint8_t)(hi << 4 | lo);
            i += 4;
            break;
        }
        default: out[o++] = (uint8_t)e; break;
        }
    }
    *outlen = o;
    return i + 1;
}

static void check_decodes_to(const char *line, size_t len, const char *key, const uint8_t *p, size_t n)
{
    char pat[32];
    size_t kl = strlen(key);
    memcpy(pat, "\"", 1);
    memcpy(pat + 1, key, kl);
    memcpy(pat + 1 + kl, "\":\"", 4);
    const char *at = memmem(line, len, pat, kl + 4);
    FUZZ_CHECK(at != NULL, "key %s missing", key);
    at += kl + 3; /* the value's opening quote */
    uint8_t *got = malloc(n * 3 + 1), *want = malloc(n * 3 + 1);
    if (!got || !want)
        abort();
    size_t gl, wl = expected(p, n, want);
    decode_string(at, (size_t)(line + len - at), got, &gl);
    FUZZ_CHECK(gl == wl && memcmp(got, want, gl) == 0, "\"%s\" decodes to %zu bytes, expected %zu", key, gl, wl);
    free(got);
    free(want);
}

/* The writer's calls for one line. */
static size_t write_line(struct json_writer *w, char *buf, size_t cap, const uint8_t *p, size_t n, const char *cstr,
                         bool upper)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8 && i < n; i++)
        v = v << 8 | p[i];
    json_init(w, buf, cap);
    json_object_begin(w, NULL);
    json_wire_str(w, JSON_KEY("wire"), p, n);
    json_str(w, JSON_KEY("str"), cstr);
    json_u64(w, JSON_KEY("u"), v);
    json_i64(w, JSON_KEY("i"), (int64_t)v);
    json_time_us(w, JSON_KEY("t"), v);
    json_array_begin(w, JSON_KEY("a"));
    json_wire_str(w, NULL, p, n / 2);
    json_bool(w, NULL, n & 1);
    json_array_end(w);
    json_hex(w, JSON_KEY("hex"), p, n < 64 ? n : 64, upper);
    json_object_end(w);
    return json_finish(w);
}

/* The prefix a short buffer holds ends between two appends. */
static void check_prefix(const char *s, size_t n)
{
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)s, n), "prefix of %zu bytes ends inside a UTF-8 sequence", n);
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        if (!in_str) {
            in_str = s[i] == '"';
            continue;
        }
        if (s[i] == '"') {
            in_str = false;
        } else if (s[i] == '\\') {
            FUZZ_CHECK(i + 1 < n, "prefix ends after a backslash");
            if (s[i + 1] == 'u')
                FUZZ_CHECK(i + 6 <= n, "prefix ends inside a \\u escape");
            i += s[i + 1] == 'u' ? 5 : 1;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    char *cstr = malloc(n + 1);
    if (!cstr)
        abort();
    memcpy(cstr, p, n);
    cstr[n] = '\0';
    size_t cn = strlen(cstr);

    struct json_writer w;
    size_t big = 16 * n + 512; /* \u00XX is 6 bytes per input byte, three strings and hex */
    char *full = malloc(big);
    if (!full)
        abort();
    size_t len = write_line(&w, full, big, p, n, cstr, mode & 1);
    FUZZ_CHECK(len > 0 && !w.out.overflow && w.out.len == len, "line did not fit %zu bytes", big);
    fuzz_check_json_line(full, len);
    check_decodes_to(full, len, "wire", p, n);
    check_decodes_to(full, len, "str", (const uint8_t *)cstr, cn);

    /* Exactly the line's size. */
    char *exact = malloc(len);
    if (!exact)
        abort();
    size_t len2 = write_line(&w, exact, len, p, n, cstr, mode & 1);
    FUZZ_CHECK(len2 == len && memcmp(exact, full, len) == 0, "exact-size buffer: %zu bytes, not %zu", len2, len);
    free(exact);

    /* Smaller: nothing finished, nothing past cap, a clean prefix. */
    size_t cap = (size_t)((uint64_t)(len - 1) * (mode >> 1) / 127u);
    char *small = cap ? malloc(cap) : NULL;
    if (cap && !small)
        abort();
    FUZZ_CHECK(write_line(&w, small, cap, p, n, cstr, mode & 1) == 0, "%zu-byte line finished in %zu bytes", len,
               cap);
    FUZZ_CHECK(w.out.overflow && w.out.len <= cap, "overflow %d, len %zu, cap %zu", w.out.overflow, w.out.len, cap);
    FUZZ_CHECK(w.out.len == 0 || memcmp(small, full, w.out.len) == 0, "short buffer holds something else than a prefix");
    check_prefix(small, w.out.len);
    free(small);
    free(full);
    free(cstr);
    return 0;
}
