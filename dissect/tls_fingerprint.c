/* tls_fingerprint.c - JA3, JA3S, JA4 over list views. See tls_fingerprint.h. */
#include "dissect/tls_fingerprint.h"

#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/memo.h"
#include "common/strbuf.h"
#include "common/utf8.h"
#include "dissect/names.h"
#include "dissect/report.h"

/* Appends the non-GREASE values of a list in decimal, joined by '-'. */
#define PUT_DEC_LIST(b, v, n)                                                                      \
    do {                                                                                           \
        bool first_ = true;                                                                        \
        for (size_t i_ = 0; i_ < (n); i_++) {                                                      \
            uint16_t x_ = (uint16_t)(v)[i_];                                                       \
            if (tls_is_grease(x_))                                                                 \
                continue;                                                                          \
            if (!first_)                                                                           \
                strbuf_putc((b), '-');                                                             \
            strbuf_u64((b), x_);                                                                   \
            first_ = false;                                                                        \
        }                                                                                          \
    } while (0)

/* A builder for a NUL-terminated string in buf[cap]: room is kept for the NUL. */
static bool cstr_begin(struct strbuf *b, char *buf, size_t cap)
{
    if (cap == 0)
        return false;
    strbuf_init(b, buf, cap - 1);
    buf[0] = '\0';
    return true;
}

static size_t cstr_end(struct strbuf *b)
{
    if (b->overflow)
        return 0;
    b->buf[b->len] = '\0';
    return b->len;
}

/* "65535-" per 16-bit value, "255-" per point format, and the separators. */
size_t tls_fp_ja3_string_bound(const struct tls_fp_client *v)
{
    return 6 + 1 + (v->n_ciphers + v->n_extensions + v->n_groups) * 6 + v->n_point_formats * 4 + 4 + 1;
}

size_t tls_fp_ja3_string(const struct tls_fp_client *v, char *buf, size_t cap)
{
    struct strbuf b;
    if (!cstr_begin(&b, buf, cap))
        return 0;
    strbuf_u64(&b, v->legacy_version);
    strbuf_putc(&b, ',');
    PUT_DEC_LIST(&b, v->ciphers, v->n_ciphers);
    strbuf_putc(&b, ',');
    PUT_DEC_LIST(&b, v->extensions, v->n_extensions);
    strbuf_putc(&b, ',');
    PUT_DEC_LIST(&b, v->groups, v->n_groups);
    strbuf_putc(&b, ',');
    for (size_t i = 0; i < v->n_point_formats; i++) {
        if (i)
            strbuf_putc(&b, '-');
        strbuf_u64(&b, v->point_formats[i]);
    }
    return cstr_end(&b);
}

size_t tls_fp_ja3s_string(const struct tls_fp_server *v, char *buf, size_t cap)
{
    struct strbuf b;
    if (!cstr_begin(&b, buf, cap))
        return 0;
    strbuf_u64(&b, v->legacy_version);
    strbuf_putc(&b, ',');
    strbuf_u64(&b, v->cipher);
    strbuf_putc(&b, ',');
    PUT_DEC_LIST(&b, v->extensions, v->n_extensions);
    return cstr_end(&b);
}

/* JA4's two-character version code ("00" for a version it has none for). */
static const char *ja4_version(uint16_t v)
{
    const struct tls_version_info *info = tls_version_info(v);
    return info ? info->ja4 : "00";
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* Insertion sort for the usual short, mostly ordered lists; qsort for the
 * long ones a hostile hello can carry (tens of thousands of values). */
static void sort_u16(uint16_t *v, size_t n)
{
    if (n > TLS_MAX_EXTENSIONS) {
        qsort(v, n, sizeof v[0], cmp_u16);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t k = i;
        while (k > 0 && v[k - 1] > x) {
            v[k] = v[k - 1];
            k--;
        }
        v[k] = x;
    }
}

/* First 12 hex digits of SHA-256 of the string, or twelve zeros for "".
 * Through the memo when there is one: JA4 sorts its lists, so a client
 * stack's strings repeat even when it shuffles its extensions. */
static void sha256_12(struct memo *memo, const char *s, size_t n, char out[13])
{
    if (n == 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    const void *val;
    size_t vlen;
    if (memo_get(memo, TLS_FP_MEMO_TAG_JA4_HASH, s, n, &val, &vlen) && vlen == 12) {
        memcpy(out, val, 12);
        out[12] = '\0';
        return;
    }
    uint8_t md[32];
    digest_sha256(s, n, md);
    struct strbuf b;
    strbuf_init(&b, out, 12);
    strbuf_hex(&b, md, 6, false);
    out[12] = '\0';
    memo_put(memo, TLS_FP_MEMO_TAG_JA4_HASH, s, n, out, 12);
}

/* One end of JA4's ALPN part: printable ASCII as it is, anything else '9'. */
static char ja4_alpn_char(uint8_t b)
{
    return b >= 0x20 && b < 0x7f ? (char)b : '9';
}

/* Scratch for JA4: the sorted lists and the strings hashed. On the stack
 * for lists within the report's arrays (every line's case); on the heap,
 * once, for the longer lists the hello parser fingerprints. */
struct ja4_scratch {
    uint16_t *ciphers, *exts;
    char *list;
    size_t list_cap;
    void *heap;
};

static bool ja4_scratch_get(struct ja4_scratch *s, const struct tls_fp_client *v, uint16_t *stack_c,
                            uint16_t *stack_e, char *stack_list, size_t stack_list_cap)
{
    size_t list_cap = (v->n_ciphers > v->n_extensions + v->n_sigalgs ? v->n_ciphers
                                                                      : v->n_extensions + v->n_sigalgs) * 5 + 8;
    if (v->n_ciphers <= TLS_MAX_CIPHERS && v->n_extensions <= TLS_MAX_EXTENSIONS && list_cap <= stack_list_cap) {
        *s = (struct ja4_scratch){ stack_c, stack_e, stack_list, stack_list_cap, NULL };
        return true;
    }
    s->heap = malloc((v->n_ciphers + v->n_extensions) * sizeof(uint16_t) + list_cap);
    if (!s->heap)
        return false;
    s->ciphers = s->heap;
    s->exts = s->ciphers + v->n_ciphers;
    s->list = (char *)(s->exts + v->n_extensions);
    s->list_cap = list_cap;
    return true;
}

size_t tls_fp_ja4(const struct tls_fp_client *v, struct memo *memo, char out[TLS_FP_JA4_SIZE])
{
    out[0] = '\0';
    uint16_t stack_c[TLS_MAX_CIPHERS], stack_e[TLS_MAX_EXTENSIONS];
    char stack_list[TLS_MAX_CIPHERS * 5 + 8];
    struct ja4_scratch s;
    if (!ja4_scratch_get(&s, v, stack_c, stack_e, stack_list, sizeof stack_list))
        return 0;

    uint16_t version = v->legacy_version;
    bool have_sv = false;
    for (size_t i = 0; i < v->n_versions; i++) {
        uint16_t x = v->versions[i];
        if (tls_is_grease(x))
            continue;
        if (!have_sv || x > version)
            version = x;
        have_sv = true;
    }

    size_t nc = 0;
    for (size_t i = 0; i < v->n_ciphers; i++)
        if (!tls_is_grease((uint16_t)v->ciphers[i]))
            s.ciphers[nc++] = (uint16_t)v->ciphers[i];
    size_t ne_all = 0, ne = 0;
    bool sni = false;
    for (size_t i = 0; i < v->n_extensions; i++) {
        uint16_t e = v->extensions[i];
        if (tls_is_grease(e))
            continue;
        ne_all++;
        if (e == 0x0000)
            sni = true;
        if (e == 0x0000 || e == 0x0010)
            continue; /* SNI and ALPN are counted but not hashed */
        s.exts[ne++] = e;
    }
    sort_u16(s.ciphers, nc);
    sort_u16(s.exts, ne);

    /* ALPN: the first and last characters of the first value, as FoxIO's
     * reference implementation takes them from Wireshark's string: the value
     * is read as UTF-8 (an invalid byte counts as one U+FFFD character), a
     * non-ASCII character becomes '9', and a one-character value gives its
     * character then '0'. A control character (NUL included) also becomes
     * '9': the fingerprint is text, and a NUL would end it early. (The prose specification's later revision uses hex
     * digits instead; the reference output is what fingerprints are compared
     * against, so we follow it.) */
    char alpn[3] = "00";
    if (v->alpn && v->alpn_len > 0) {
        alpn[0] = ja4_alpn_char(v->alpn[0]);
        bool valid;
        if (utf8_sequence(v->alpn, v->alpn_len, &valid) < v->alpn_len)
            alpn[1] = ja4_alpn_char(v->alpn[v->alpn_len - 1]);
    }

    struct strbuf b;
    strbuf_init(&b, s.list, s.list_cap);
    for (size_t i = 0; i < nc; i++) {
        if (i)
            strbuf_putc(&b, ',');
        strbuf_hexn(&b, s.ciphers[i], 4);
    }
    char hash_b[13];
    sha256_12(memo, s.list, b.len, hash_b);

    strbuf_init(&b, s.list, s.list_cap);
    for (size_t i = 0; i < ne; i++) {
        if (i)
            strbuf_putc(&b, ',');
        strbuf_hexn(&b, s.exts[i], 4);
    }
    bool first_sig = true;
    for (size_t i = 0; i < v->n_sigalgs; i++) {
        uint16_t sa = v->sigalgs[i];
        if (tls_is_grease(sa))
            continue;
        strbuf_putc(&b, first_sig ? '_' : ',');
        strbuf_hexn(&b, sa, 4);
        first_sig = false;
    }
    char hash_c[13];
    sha256_12(memo, s.list, b.len, hash_c);
    free(s.heap);

    size_t shown_c = nc > 99 ? 99 : nc, shown_e = ne_all > 99 ? 99 : ne_all;
    struct strbuf o;
    cstr_begin(&o, out, TLS_FP_JA4_SIZE);
    strbuf_putc(&o, v->transport);
    strbuf_put(&o, ja4_version(version), 2);
    strbuf_putc(&o, sni ? 'd' : 'i');
    strbuf_putc(&o, (char)('0' + shown_c / 10));
    strbuf_putc(&o, (char)('0' + shown_c % 10));
    strbuf_putc(&o, (char)('0' + shown_e / 10));
    strbuf_putc(&o, (char)('0' + shown_e % 10));
    strbuf_put(&o, alpn, 2);
    strbuf_putc(&o, '_');
    strbuf_put(&o, hash_b, 12);
    strbuf_putc(&o, '_');
    strbuf_put(&o, hash_c, 12);
    return cstr_end(&o);
}
