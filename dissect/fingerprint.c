/* fingerprint.c - JA3, JA3S, JA4. See fingerprint.h. */
#include "dissect/fingerprint.h"

#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "dissect/names.h"

/* A bounded string builder: appends stop (and `over` is set) at capacity. */
struct sbuf {
    char *p;
    size_t len, cap;
    bool over;
};

static void sb_putc(struct sbuf *b, char ch)
{
    if (b->len + 1 >= b->cap) {
        b->over = true;
        return;
    }
    b->p[b->len++] = ch;
    b->p[b->len] = '\0';
}

static void sb_dec(struct sbuf *b, uint32_t v)
{
    char tmp[12];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i)
        sb_putc(b, tmp[--i]);
}

static const char hex_digits[] = "0123456789abcdef";

static void sb_hex16(struct sbuf *b, uint16_t v)
{
    for (int shift = 12; shift >= 0; shift -= 4)
        sb_putc(b, hex_digits[(v >> shift) & 0xf]);
}

/* Appends the non-GREASE values of a 16-bit list, joined by '-'. */
static void sb_dec_list(struct sbuf *b, const uint16_t *v, size_t n)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (tls_is_grease(v[i]))
            continue;
        if (!first)
            sb_putc(b, '-');
        sb_dec(b, v[i]);
        first = false;
    }
}


size_t fp_ja3_client_string(const struct tls_client_report *c, char *buf, size_t cap)
{
    if (!c->seen || c->sslv2_hello || c->ciphers.more || c->extensions.more || c->supported_groups.more ||
        c->ec_point_formats.more || cap == 0)
        return 0;
    struct sbuf b = { buf, 0, cap, false };
    buf[0] = '\0';
    sb_dec(&b, c->legacy_version);
    sb_putc(&b, ',');
    bool first = true;
    for (size_t i = 0; i < c->ciphers.n; i++) {
        uint16_t cs = (uint16_t)c->ciphers.v[i];
        if (tls_is_grease(cs))
            continue;
        if (!first)
            sb_putc(&b, '-');
        sb_dec(&b, cs);
        first = false;
    }
    sb_putc(&b, ',');
    sb_dec_list(&b, c->extensions.v, c->extensions.n);
    sb_putc(&b, ',');
    sb_dec_list(&b, c->supported_groups.v, c->supported_groups.n);
    sb_putc(&b, ',');
    for (size_t i = 0; i < c->ec_point_formats.n; i++) {
        if (i)
            sb_putc(&b, '-');
        sb_dec(&b, c->ec_point_formats.v[i]);
    }
    return b.over ? 0 : b.len;
}

size_t fp_ja3s_string(const struct tls_server_report *s, char *buf, size_t cap)
{
    if (!s->seen || s->extensions.more || cap == 0)
        return 0;
    struct sbuf b = { buf, 0, cap, false };
    buf[0] = '\0';
    sb_dec(&b, s->legacy_version);
    sb_putc(&b, ',');
    sb_dec(&b, s->cipher);
    sb_putc(&b, ',');
    sb_dec_list(&b, s->extensions.v, s->extensions.n);
    return b.over ? 0 : b.len;
}

void fp_ja3_client(struct tls_client_report *c)
{
    char buf[FP_JA3_STRING_MAX];
    size_t n = fp_ja3_client_string(c, buf, sizeof buf);
    c->has_ja3 = n > 0;
    if (n)
        digest_md5(buf, n, c->ja3);
}

void fp_ja3s(struct tls_server_report *s)
{
    char buf[1024];
    size_t n = fp_ja3s_string(s, buf, sizeof buf);
    s->has_ja3s = n > 0;
    if (n)
        digest_md5(buf, n, s->ja3s);
}

/* JA4's two-character version code. */
static const char *ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
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

/* Bytes taken by the first character of p[0..n): a valid UTF-8 sequence
 * (RFC 3629), or for invalid input the maximal subpart that one U+FFFD
 * replaces (Unicode 15, 3.9). */
static size_t utf8_char_len(const uint8_t *p, size_t n)
{
    uint8_t b = p[0];
    if (b < 0x80)
        return 1;
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
        need = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
        need = 3;
        if (b == 0xe0)
            lo = 0xa0;
        else if (b == 0xed)
            hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 4;
        if (b == 0xf0)
            lo = 0x90;
        else if (b == 0xf4)
            hi = 0x8f;
    } else {
        return 1;
    }
    size_t i = 1;
    for (; i < need && i < n; i++) {
        uint8_t cb = p[i];
        if (cb < lo || cb > hi)
            return i;
        lo = 0x80;
        hi = 0xbf;
    }
    return i;
}

/* First 12 hex digits of SHA-256 of the string, or twelve zeros for "". */
static void sha256_12(const char *s, size_t n, char out[13])
{
    if (n == 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    uint8_t md[32];
    digest_sha256(s, n, md);
    for (int i = 0; i < 6; i++) {
        out[2 * i] = hex_digits[md[i] >> 4];
        out[2 * i + 1] = hex_digits[md[i] & 0xf];
    }
    out[12] = '\0';
}

void fp_ja4_client(struct tls_client_report *c)
{
    c->ja4[0] = '\0';
    if (!c->seen || c->sslv2_hello || c->ciphers.more || c->extensions.more || c->signature_algorithms.more)
        return;

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
     * character then '0'. (The prose specification's later revision uses hex
     * digits instead; the reference output is what fingerprints are compared
     * against, so we follow it.) */
    char alpn[3] = "00";
    if (c->alpn_count > 0 && c->alpn[0] > 0) {
        const uint8_t *v = c->alpn + 1;
        size_t n = c->alpn[0];
        alpn[0] = v[0] < 0x80 ? (char)v[0] : '9';
        if (utf8_char_len(v, n) < n)
            alpn[1] = v[n - 1] < 0x80 ? (char)v[n - 1] : '9';
    }

    char list[TLS_MAX_CIPHERS * 5 + 8];
    struct sbuf b = { list, 0, sizeof list, false };
    list[0] = '\0';
    for (size_t i = 0; i < nc; i++) {
        if (i)
            sb_putc(&b, ',');
        sb_hex16(&b, ciphers[i]);
    }
    char hash_b[13];
    sha256_12(list, b.len, hash_b);

    b.len = 0;
    list[0] = '\0';
    for (size_t i = 0; i < ne; i++) {
        if (i)
            sb_putc(&b, ',');
        sb_hex16(&b, exts[i]);
    }
    bool first_sig = true;
    for (size_t i = 0; i < c->signature_algorithms.n; i++) {
        uint16_t sa = c->signature_algorithms.v[i];
        if (tls_is_grease(sa))
            continue;
        sb_putc(&b, first_sig ? '_' : ',');
        sb_hex16(&b, sa);
        first_sig = false;
    }
    char hash_c[13];
    sha256_12(list, b.len, hash_c);

    size_t shown_c = nc > 99 ? 99 : nc, shown_e = ne_all > 99 ? 99 : ne_all;
    struct sbuf o = { c->ja4, 0, sizeof c->ja4, false };
    sb_putc(&o, 't');
    sb_putc(&o, ja4_version(version)[0]);
    sb_putc(&o, ja4_version(version)[1]);
    sb_putc(&o, sni ? 'd' : 'i');
    sb_putc(&o, (char)('0' + shown_c / 10));
    sb_putc(&o, (char)('0' + shown_c % 10));
    sb_putc(&o, (char)('0' + shown_e / 10));
    sb_putc(&o, (char)('0' + shown_e % 10));
    sb_putc(&o, alpn[0]);
    sb_putc(&o, alpn[1]);
    sb_putc(&o, '_');
    for (int i = 0; i < 12; i++)
        sb_putc(&o, hash_b[i]);
    sb_putc(&o, '_');
    for (int i = 0; i < 12; i++)
        sb_putc(&o, hash_c[i]);
}
