/* fingerprint.c - JA3, JA3S, JA4. See fingerprint.h. */
#include "output/fingerprint.h"

#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/memo.h"
#include "common/strbuf.h"
#include "common/utf8.h"
#include "dissect/names.h"

/* Appends the non-GREASE values of a 16-bit list in decimal, joined by '-'. */
static void put_dec_list(struct strbuf *b, const uint16_t *v, size_t n)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (tls_is_grease(v[i]))
            continue;
        if (!first)
            strbuf_putc(b, '-');
        strbuf_u64(b, v[i]);
        first = false;
    }
}

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

size_t fp_ja3_client_string(const struct tls_client_report *c, char *buf, size_t cap)
{
    if (!c->seen || !c->lists_complete || c->sslv2_hello || c->ciphers.more || c->extensions.more ||
        c->supported_groups.more || c->ec_point_formats.more)
        return 0;
    struct strbuf b;
    if (!cstr_begin(&b, buf, cap))
        return 0;
    strbuf_u64(&b, c->legacy_version);
    strbuf_putc(&b, ',');
    bool first = true;
    for (size_t i = 0; i < c->ciphers.n; i++) {
        uint16_t cs = (uint16_t)c->ciphers.v[i];
        if (tls_is_grease(cs))
            continue;
        if (!first)
            strbuf_putc(&b, '-');
        strbuf_u64(&b, cs);
        first = false;
    }
    strbuf_putc(&b, ',');
    put_dec_list(&b, c->extensions.v, c->extensions.n);
    strbuf_putc(&b, ',');
    put_dec_list(&b, c->supported_groups.v, c->supported_groups.n);
    strbuf_putc(&b, ',');
    for (size_t i = 0; i < c->ec_point_formats.n; i++) {
        if (i)
            strbuf_putc(&b, '-');
        strbuf_u64(&b, c->ec_point_formats.v[i]);
    }
    return cstr_end(&b);
}

size_t fp_ja3s_string(const struct tls_server_report *s, char *buf, size_t cap)
{
    if (!s->seen || !s->lists_complete || s->extensions.more)
        return 0;
    struct strbuf b;
    if (!cstr_begin(&b, buf, cap))
        return 0;
    strbuf_u64(&b, s->legacy_version);
    strbuf_putc(&b, ',');
    strbuf_u64(&b, s->cipher);
    strbuf_putc(&b, ',');
    put_dec_list(&b, s->extensions.v, s->extensions.n);
    return cstr_end(&b);
}

bool fp_ja3_client(const struct tls_client_report *c, uint8_t md5[16])
{
    char buf[FP_JA3_STRING_MAX];
    size_t n = fp_ja3_client_string(c, buf, sizeof buf);
    if (n)
        digest_md5(buf, n, md5);
    return n > 0;
}

bool fp_ja3s(const struct tls_server_report *s, uint8_t md5[16])
{
    char buf[FP_JA3S_STRING_MAX];
    size_t n = fp_ja3s_string(s, buf, sizeof buf);
    if (n)
        digest_md5(buf, n, md5);
    return n > 0;
}

/* JA4's two-character version code ("00" for a version it has none for). */
static const char *ja4_version(uint16_t v)
{
    const struct tls_version_info *info = tls_version_info(v);
    return info ? info->ja4 : "00";
}

/* Insertion sort: the lists are short (tens of items) and mostly in order. */
static void sort_u16(uint16_t *v, size_t n)
{
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
    if (memo_get(memo, FP_MEMO_TAG_JA4_HASH, s, n, &val, &vlen) && vlen == 12) {
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
    memo_put(memo, FP_MEMO_TAG_JA4_HASH, s, n, out, 12);
}

/* One end of JA4's ALPN part: printable ASCII as it is, anything else '9'. */
static char ja4_alpn_char(uint8_t b)
{
    return b >= 0x20 && b < 0x7f ? (char)b : '9';
}

size_t fp_ja4_client(const struct tls_client_report *c, char out[FP_JA4_SIZE])
{
    return fp_ja4_client_memo(c, NULL, out);
}

size_t fp_ja4_client_memo(const struct tls_client_report *c, struct memo *memo, char out[FP_JA4_SIZE])
{
    out[0] = '\0';
    if (!c->seen || !c->lists_complete || c->sslv2_hello || c->ciphers.more || c->extensions.more ||
        c->signature_algorithms.more)
        return 0;

    uint16_t version = c->legacy_version;
    bool have_sv = false;
    for (size_t i = 0; i < c->supported_versions.n; i++) {
        uint16_t v = c->supported_versions.v[i];
        if (tls_is_grease(v))
            continue;
        if (!have_sv || v > version)
            version = v;
        have_sv = true;
    }

    uint16_t ciphers[TLS_MAX_CIPHERS];
    size_t nc = 0;
    for (size_t i = 0; i < c->ciphers.n; i++)
        if (!tls_is_grease((uint16_t)c->ciphers.v[i]))
            ciphers[nc++] = (uint16_t)c->ciphers.v[i];
    uint16_t exts[TLS_MAX_EXTENSIONS];
    size_t ne_all = 0, ne = 0;
    bool sni = false;
    for (size_t i = 0; i < c->extensions.n; i++) {
        uint16_t e = c->extensions.v[i];
        if (tls_is_grease(e))
            continue;
        ne_all++;
        if (e == 0x0000)
            sni = true;
        if (e == 0x0000 || e == 0x0010)
            continue; /* SNI and ALPN are counted but not hashed */
        exts[ne++] = e;
    }
    sort_u16(ciphers, nc);
    sort_u16(exts, ne);

    /* ALPN: the first and last characters of the first value, as FoxIO's
     * reference implementation takes them from Wireshark's string: the value
     * is read as UTF-8 (an invalid byte counts as one U+FFFD character), a
     * non-ASCII character becomes '9', and a one-character value gives its
     * character then '0'. A control character (NUL included) also becomes
     * '9': the fingerprint is text, and a NUL would end it early. (The prose specification's later revision uses hex
     * digits instead; the reference output is what fingerprints are compared
     * against, so we follow it.) */
    char alpn[3] = "00";
    if (c->alpn_count > 0 && c->alpn[0] > 0) {
        const uint8_t *v = c->alpn + 1;
        size_t n = c->alpn[0];
        alpn[0] = ja4_alpn_char(v[0]);
        bool valid;
        if (utf8_sequence(v, n, &valid) < n)
            alpn[1] = ja4_alpn_char(v[n - 1]);
    }

    char list[TLS_MAX_CIPHERS * 5 + 8];
    struct strbuf b;
    strbuf_init(&b, list, sizeof list);
    for (size_t i = 0; i < nc; i++) {
        if (i)
            strbuf_putc(&b, ',');
        strbuf_hexn(&b, ciphers[i], 4);
    }
    char hash_b[13];
    sha256_12(memo, list, b.len, hash_b);

    strbuf_init(&b, list, sizeof list);
    for (size_t i = 0; i < ne; i++) {
        if (i)
            strbuf_putc(&b, ',');
        strbuf_hexn(&b, exts[i], 4);
    }
    bool first_sig = true;
    for (size_t i = 0; i < c->signature_algorithms.n; i++) {
        uint16_t sa = c->signature_algorithms.v[i];
        if (tls_is_grease(sa))
            continue;
        strbuf_putc(&b, first_sig ? '_' : ',');
        strbuf_hexn(&b, sa, 4);
        first_sig = false;
    }
    char hash_c[13];
    sha256_12(memo, list, b.len, hash_c);

    size_t shown_c = nc > 99 ? 99 : nc, shown_e = ne_all > 99 ? 99 : ne_all;
    struct strbuf o;
    cstr_begin(&o, out, FP_JA4_SIZE);
    strbuf_putc(&o, c->quic_version ? 'q' : c->dtls ? 'd' : 't'); /* JA4's transport: QUIC, DTLS or TCP */
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
