/* x509_text.c - see x509_text.h. RFC 4514 for names, X.690 8.19 for object
 * identifiers. */
#include "output/x509_text.h"

#include <openssl/objects.h>
#include <string.h>

/* Attribute types a distinguished name is written with (RFC 4514 3), by
 * their DER-encoded OID, as OpenSSL's short names (which Zeek and `openssl
 * x509 -nameopt RFC2253` write): the usual ones from this table, the others
 * from libcrypto, and the dotted OID for one that has no name. */
static const struct {
    uint8_t len;
    uint8_t oid[10];
    const char *name;
} dn_attrs[] = {
    { 3, { 0x55, 0x04, 0x03 }, "CN" },  { 3, { 0x55, 0x04, 0x06 }, "C" },   { 3, { 0x55, 0x04, 0x07 }, "L" },
    { 3, { 0x55, 0x04, 0x08 }, "ST" },  { 3, { 0x55, 0x04, 0x0a }, "O" },   { 3, { 0x55, 0x04, 0x0b }, "OU" },
    { 3, { 0x55, 0x04, 0x09 }, "street" },
    { 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19 }, "DC" },
    { 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01 }, "UID" },
};

/* A bounded text that silently stops at its capacity (a name is cut, not
 * dropped). */
struct out {
    char *p;
    size_t len, cap;
    bool full;                 /* something did not fit */
};

static void out_putc(struct out *o, char ch)
{
    if (o->len < o->cap)
        o->p[o->len++] = ch;
    else
        o->full = true;
}

static void out_puts(struct out *o, const char *str)
{
    while (*str)
        out_putc(o, *str++);
}

/* A number of any size, as base-10^9 limbs, least significant first: an
 * OID arc is not bounded by the standard, and 64 octets of arc make up to
 * 448 bits. */
struct bignum {
    uint32_t limb[16];
    size_t n;
};

static void big_mul_add(struct bignum *b, uint32_t mul, uint32_t add)
{
    uint64_t carry = add;
    for (size_t i = 0; i < b->n; i++) {
        uint64_t x = (uint64_t)b->limb[i] * mul + carry;
        b->limb[i] = (uint32_t)(x % 1000000000u);
        carry = x / 1000000000u;
    }
    if (carry && b->n < sizeof b->limb / sizeof b->limb[0])
        b->limb[b->n++] = (uint32_t)carry;
}

/* b -= k, for b >= k and k < 10^9. */
static void big_sub_small(struct bignum *b, uint32_t k)
{
    for (size_t i = 0; i < b->n && k; i++) {
        if (b->limb[i] >= k) {
            b->limb[i] -= k;
            k = 0;
        } else {
            b->limb[i] = b->limb[i] + 1000000000u - k;
            k = 1;
        }
    }
    while (b->n > 0 && b->limb[b->n - 1] == 0)
        b->n--;
}

static void big_put(struct out *o, const struct bignum *b)
{
    char digits[16 * 9 + 1];
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t v = b->limb[i];
        for (int d = 0; d < 9 && (v || i + 1 < b->n); d++) {
            digits[k++] = (char)('0' + v % 10);
            v /= 10;
        }
    }
    if (k == 0)
        digits[k++] = '0';
    while (k > 0)
        out_putc(o, digits[--k]);
}

/* The dotted form of an OBJECT IDENTIFIER's content octets (X.690 8.19),
 * cut at 79 characters; nothing for an encoding libcrypto refuses (empty,
 * unfinished last arc, an arc with a leading 0x80 octet) or one over 64
 * octets. The first octets hold the first two arcs as 40 * x + y. */
static void oid_dotted(struct out *dn, struct span oid)
{
    uint8_t prev = 0, b;
    if (oid.n == 0 || oid.n > 64 || !span_peek(&oid, oid.n - 1, &b) || (b & 0x80))
        return;
    for (size_t i = 0; span_peek(&oid, i, &b); prev = b, i++)
        if (b == 0x80 && !(prev & 0x80))
            return;
    char text[80];
    struct out o = { text, 0, sizeof text - 1, false };
    bool first = true;
    while (oid.n > 0) {
        struct bignum arc = { { 0 }, 0 };
        do {
            b = span_u8(&oid);
            big_mul_add(&arc, 128, b & 0x7f);
        } while ((b & 0x80) && oid.n > 0);
        if (first) {
            first = false;
            uint32_t low = arc.n ? arc.limb[0] : 0;
            if (arc.n > 1 || low >= 80) {
                out_puts(&o, "2");
                big_sub_small(&arc, 80);
            } else {
                out_putc(&o, (char)('0' + low / 40));
                arc.limb[0] = low % 40;
                arc.n = arc.limb[0] != 0;
            }
        }
        out_putc(&o, '.');
        big_put(&o, &arc);
    }
    text[o.len] = '\0';
    out_puts(dn, text);
}

/* The value in a distinguished name, with RFC 4514 2.4's escapes. */
static void dn_value(struct out *o, uint8_t tag, struct span v)
{
    uint8_t buf[X509_TEXT_DN_MAX];
    size_t n = x509_directory_string(tag, v, buf, sizeof buf);
    for (size_t i = 0; i < n; i++) {
        char ch = (char)buf[i];
        bool special = ch == ',' || ch == '+' || ch == '"' || ch == '\\' || ch == '<' || ch == '>' || ch == ';' ||
                       (i == 0 && (ch == '#' || ch == ' ')) || (i == n - 1 && ch == ' ');
        if (special)
            out_putc(o, '\\');
        out_putc(o, ch);
    }
}

/* OpenSSL's short name of an attribute type libcrypto knows; NULL else. */
static const char *attr_libcrypto_name(struct span oid)
{
    uint8_t tlv[2 + 126];
    if (oid.n > sizeof tlv - 2)
        return NULL;
    tlv[0] = 0x06;
    tlv[1] = (uint8_t)oid.n;
    memcpy(tlv + 2, oid.p, oid.n);
    const unsigned char *p = tlv;
    ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &p, (long)(oid.n + 2));
    int nid = o ? OBJ_obj2nid(o) : NID_undef;
    ASN1_OBJECT_free(o);
    return nid == NID_undef ? NULL : OBJ_nid2sn(nid);
}

/* RFC 4514 writes the last RDN first, the attributes of one RDN joined by
 * '+'. The RDNs were checked when the certificate was read; a malformed one
 * (impossible unless the report was not made by x509_parse_leaf) ends the
 * name with nothing written. A name longer than `cap` ends after the last
 * whole RDN that fits, and *cut says so. */
size_t x509_text_name_cut(const struct x509_name *n, char *out, size_t cap, bool *cut)
{
    *cut = n->cut;
    struct span name = span_make(n->der, n->len), rdns[X509_NAME_RDN_MAX];
    size_t nrdn = 0;
    uint8_t tag;
    while (name.n > 0 && nrdn < X509_NAME_RDN_MAX)
        if (!x509_der_tlv(&name, &tag, &rdns[nrdn++]))
            return 0;
    struct out o = { out, 0, cap, false };
    for (size_t i = nrdn; i-- > 0;) {
        struct span rdn = rdns[i];
        bool first_in_rdn = true;
        size_t rdn_start = o.len;
        while (rdn.n > 0) {
            struct span atv, oid, value;
            if (!x509_der_tlv(&rdn, &tag, &atv) || !x509_der_tlv(&atv, &tag, &oid) ||
                !x509_der_tlv(&atv, &tag, &value))
                return 0;
            if (o.len > 0)
                out_putc(&o, first_in_rdn ? ',' : '+');
            first_in_rdn = false;
            const char *short_name = NULL;
            for (size_t k = 0; k < sizeof dn_attrs / sizeof dn_attrs[0]; k++)
                if (oid.n == dn_attrs[k].len && memcmp(oid.p, dn_attrs[k].oid, oid.n) == 0)
                    short_name = dn_attrs[k].name;
            if (!short_name)
                short_name = attr_libcrypto_name(oid);
            if (short_name)
                out_puts(&o, short_name);
            else
                oid_dotted(&o, oid);
            out_putc(&o, '=');
            dn_value(&o, tag, value);
        }
        if (o.full) {
            o.len = rdn_start > 0 ? rdn_start : 0;
            *cut = true;
            break;
        }
    }
    return o.len;
}

size_t x509_text_name(const struct x509_name *n, char *out, size_t cap)
{
    bool cut;
    return x509_text_name_cut(n, out, cap, &cut);
}

static void copy_token(char out[X509_TEXT_TOKEN_MAX], const char *src)
{
    struct out o = { out, 0, X509_TEXT_TOKEN_MAX - 1, false };
    if (src)
        out_puts(&o, src);
    out[o.len] = '\0';
}

/* Algorithms registered after the libcrypto we build with knew them
 * (NIST's CSOR arcs: FIPS 204 ML-DSA, FIPS 203 ML-KEM), by OID content. */
static const struct {
    uint8_t len;
    uint8_t oid[9];
    const char *name;
} newer_algs[] = {
    { 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11 }, "ML-DSA-44" },
    { 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12 }, "ML-DSA-65" },
    { 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x13 }, "ML-DSA-87" },
    { 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x01 }, "ML-KEM-512" },
    { 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x02 }, "ML-KEM-768" },
    { 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x03 }, "ML-KEM-1024" },
};

/* The name of an algorithm the report holds: libcrypto's short name for
 * its NID; for an OID libcrypto does not know, a newer name from the table
 * above, else the dotted OID (never libcrypto's "UNDEF", which would make
 * every unknown algorithm look the same). "" when absent. */
static void alg_name(int32_t nid, const uint8_t *oid, uint8_t oid_len, char out[X509_TEXT_TOKEN_MAX])
{
    struct out o = { out, 0, X509_TEXT_TOKEN_MAX - 1, false };
    if (nid == X509_NID_UNKNOWN) {
        const char *name = NULL;
        for (size_t i = 0; i < sizeof newer_algs / sizeof newer_algs[0]; i++)
            if (oid_len == newer_algs[i].len && memcmp(oid, newer_algs[i].oid, oid_len) == 0)
                name = newer_algs[i].name;
        if (name)
            out_puts(&o, name);
        else if (oid_len > 0)
            oid_dotted(&o, span_make(oid, oid_len));
    } else if (nid) {
        out_puts(&o, OBJ_nid2sn(nid));
    }
    out[o.len] = '\0';
}

/* ECS-style names for the usual signature algorithms ("SHA256-RSA"), else
 * OpenSSL's short name. */
void x509_text_signature_algorithm(const struct x509_report *x, char out[X509_TEXT_TOKEN_MAX])
{
    static const struct { int nid; const char *name; } known[] = {
        { NID_md5WithRSAEncryption, "MD5-RSA" },        { NID_sha1WithRSAEncryption, "SHA1-RSA" },
        { NID_sha256WithRSAEncryption, "SHA256-RSA" },  { NID_sha384WithRSAEncryption, "SHA384-RSA" },
        { NID_sha512WithRSAEncryption, "SHA512-RSA" },  { NID_ecdsa_with_SHA1, "ECDSA-SHA1" },
        { NID_ecdsa_with_SHA256, "ECDSA-SHA256" },      { NID_ecdsa_with_SHA384, "ECDSA-SHA384" },
        { NID_ecdsa_with_SHA512, "ECDSA-SHA512" },      { NID_rsassaPss, "SHA256-RSAPSS" },
        { NID_dsaWithSHA1, "DSA-SHA1" },                { NID_ED25519, "Ed25519" },
        { NID_ED448, "Ed448" },
    };
    out[0] = '\0';
    if (!x->parsed)
        return;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (known[i].nid == x->signature_nid) {
            copy_token(out, known[i].name);
            return;
        }
    }
    alg_name(x->signature_nid, x->signature_oid, x->signature_oid_len, out);
}

static void key_name(const struct x509_report *x, char out[X509_TEXT_TOKEN_MAX])
{
    switch (x->key_type) {
    case X509_KEY_RSA: copy_token(out, "RSA"); break;
    case X509_KEY_ECDSA: copy_token(out, "ECDSA"); break;
    case X509_KEY_ED25519: copy_token(out, "Ed25519"); break;
    case X509_KEY_ED448: copy_token(out, "Ed448"); break;
    case X509_KEY_DSA: copy_token(out, "DSA"); break;
    case X509_KEY_OTHER: alg_name(x->key_nid, x->key_oid, x->key_oid_len, out); break;
    default: copy_token(out, NULL); break;
    }
}

void x509_text_render(const struct x509_report *x, struct x509_text *t)
{
    static const char hex[] = "0123456789ABCDEF";
    memset(t, 0, sizeof *t);
    if (!x->parsed)
        return;
    t->subject_dn_len =
        (uint16_t)x509_text_name_cut(&x->subject, t->subject_dn, sizeof t->subject_dn, &t->subject_dn_cut);
    t->issuer_dn_len = (uint16_t)x509_text_name_cut(&x->issuer, t->issuer_dn, sizeof t->issuer_dn, &t->issuer_dn_cut);
    size_t k = 0;
    for (size_t i = 0; i < x->serial_len && i < X509_SERIAL_MAX; i++) {
        t->serial[k++] = hex[x->serial[i] >> 4];
        t->serial[k++] = hex[x->serial[i] & 0xf];
    }
    t->serial[k] = '\0';
    key_name(x, t->key_algorithm);
    alg_name(x->key_curve_nid, NULL, 0, t->key_curve);
    x509_text_signature_algorithm(x, t->signature_algorithm);
}

size_t x509_text_time(int64_t secs, char out[X509_TEXT_TIME_MAX])
{
    /* Days to a civil date (proleptic Gregorian), March-based years. */
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    if (year < 0 || year > 9999)
        return 0;
    const int64_t field[6] = { year, month, day, rem / 3600, rem / 60 % 60, rem % 60 };
    static const char sep[6] = { '-', '-', 'T', ':', ':', '.' };
    size_t k = 0;
    for (int i = 0; i < 6; i++) {
        int width = i == 0 ? 4 : 2;
        for (int d = width - 1; d >= 0; d--) {
            int64_t v = field[i];
            for (int e = 0; e < d; e++)
                v /= 10;
            out[k++] = (char)('0' + v % 10);
        }
        out[k++] = sep[i];
    }
    memcpy(out + k, "000000Z", 8);
    return k + 7;
}
