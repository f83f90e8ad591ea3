/* x509.c - see x509.h. RFC 5280 for the fields; ECS "x509" field set for the
 * names they are reported under. */
#include "dissect/x509.h"

#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <time.h>

#include "common/digest.h"

static void copy_token(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}



static int64_t asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

/* ECS-style names for the usual signature algorithms ("SHA256-RSA"), else
 * OpenSSL's short name. */
static void signature_name(int nid, struct x509_report *r)
{
    static const struct { int nid; const char *name; bool weak; } known[] = {
        { NID_md5WithRSAEncryption, "MD5-RSA", true },         { NID_sha1WithRSAEncryption, "SHA1-RSA", true },
        { NID_sha256WithRSAEncryption, "SHA256-RSA", false },  { NID_sha384WithRSAEncryption, "SHA384-RSA", false },
        { NID_sha512WithRSAEncryption, "SHA512-RSA", false },  { NID_ecdsa_with_SHA1, "ECDSA-SHA1", true },
        { NID_ecdsa_with_SHA256, "ECDSA-SHA256", false },      { NID_ecdsa_with_SHA384, "ECDSA-SHA384", false },
        { NID_ecdsa_with_SHA512, "ECDSA-SHA512", false },      { NID_rsassaPss, "SHA256-RSAPSS", false },
        { NID_dsaWithSHA1, "DSA-SHA1", true },                 { NID_ED25519, "Ed25519", false },
        { NID_ED448, "Ed448", false },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (known[i].nid == nid) {
            copy_token(r->signature_algorithm, sizeof r->signature_algorithm, known[i].name);
            r->signature_sha1_or_md5 = known[i].weak;
            return;
        }
    }
    copy_token(r->signature_algorithm, sizeof r->signature_algorithm, OBJ_nid2sn(nid));
}

/* One DER TLV (X.690 8.1): tag, definite length (short or long form, at
 * most 4 length octets), and the value as a sub-span. `whole` spans the
 * TLV itself, for libcrypto's d2i functions. */
static bool der_tlv(struct span *s, uint8_t *tag, struct span *value, struct span *whole)
{
    const uint8_t *start = s->p;
    size_t before = s->n;
    *tag = span_u8(s);
    uint8_t l = span_u8(s);
    size_t len = l;
    if (l & 0x80) {
        uint8_t k = l & 0x7f;
        if (k == 0 || k > 4) {
            span_poison(s);
            return false;
        }
        len = 0;
        for (uint8_t i = 0; i < k; i++)
            len = len << 8 | span_u8(s);
    }
    *value = span_take(s, len);
    if (!span_ok(s))
        return false;
    if (whole)
        *whole = span_make(start, before - s->n);
    return true;
}

static bool der_expect(struct span *s, uint8_t want, struct span *value, struct span *whole)
{
    uint8_t tag;
    return der_tlv(s, &tag, value, whole) && tag == want;
}

static int der_oid_nid(struct span oid_tlv)
{
    const unsigned char *p = oid_tlv.p;
    ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &p, (long)oid_tlv.n);
    int nid = o ? OBJ_obj2nid(o) : NID_undef;
    ASN1_OBJECT_free(o);
    return nid;
}

/* Attribute types a distinguished name is written with (RFC 4514 3), by
 * their DER-encoded OID. Others are written as the dotted OID. */
static const struct {
    uint8_t len;
    uint8_t oid[10];
    const char *name;
} dn_attrs[] = {
    { 3, { 0x55, 0x04, 0x03 }, "CN" },  { 3, { 0x55, 0x04, 0x06 }, "C" },   { 3, { 0x55, 0x04, 0x07 }, "L" },
    { 3, { 0x55, 0x04, 0x08 }, "ST" },  { 3, { 0x55, 0x04, 0x0a }, "O" },   { 3, { 0x55, 0x04, 0x0b }, "OU" },
    { 3, { 0x55, 0x04, 0x09 }, "STREET" },
    { 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19 }, "DC" },
    { 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01 }, "UID" },
};

struct dn_out {
    char *p;
    uint16_t len, cap;
};

static void dn_putc(struct dn_out *o, char ch)
{
    if (o->len < o->cap)
        o->p[o->len++] = ch;
}

static void dn_puts(struct dn_out *o, const char *str)
{
    while (*str)
        dn_putc(o, *str++);
}

/* A directory string's value as UTF-8 into out (at most cap bytes):
 * UTF8String, PrintableString, IA5String and TeletexString as they are (the
 * JSON writer repairs invalid UTF-8), BMPString (UCS-2) converted. */
static size_t directory_string(uint8_t tag, struct span v, uint8_t *out, size_t cap)
{
    size_t n = 0;
    if (tag != 0x1e) {
        n = v.n < cap ? v.n : cap;
        memcpy(out, v.p, n);
        return n;
    }
    while (v.n >= 2 && n + 3 <= cap) {
        uint16_t u = span_u16(&v);
        if (u < 0x80) {
            out[n++] = (uint8_t)u;
        } else if (u < 0x800) {
            out[n++] = (uint8_t)(0xc0 | u >> 6);
            out[n++] = (uint8_t)(0x80 | (u & 0x3f));
        } else {
            out[n++] = (uint8_t)(0xe0 | u >> 12);
            out[n++] = (uint8_t)(0x80 | ((u >> 6) & 0x3f));
            out[n++] = (uint8_t)(0x80 | (u & 0x3f));
        }
    }
    return n;
}

/* The value in a distinguished name, with RFC 4514 2.4's escapes. */
static void dn_value(struct dn_out *o, uint8_t tag, struct span v)
{
    uint8_t buf[X509_DN_MAX];
    size_t n = directory_string(tag, v, buf, sizeof buf);
    for (size_t i = 0; i < n; i++) {
        char ch = (char)buf[i];
        bool special = ch == ',' || ch == '+' || ch == '"' || ch == '\\' || ch == '<' || ch == '>' || ch == ';' ||
                       (i == 0 && (ch == '#' || ch == ' ')) || (i == n - 1 && ch == ' ');
        if (special)
            dn_putc(o, '\\');
        dn_putc(o, ch);
    }
}

/* Name (RFC 5280 4.1.2.4): SEQUENCE OF RelativeDistinguishedName, each a
 * SET OF AttributeTypeAndValue. Written in RFC 2253/4514 order (last RDN
 * first, as Zeek and OpenSSL's RFC 2253 form do); the first commonName is
 * also kept on its own. */
static void read_name(struct span name_tlv, uint8_t *cn, uint8_t *cn_len, char *dn, uint16_t *dn_len)
{
    struct span name, rdns[32];
    size_t nrdn = 0;
    if (!der_expect(&name_tlv, 0x30, &name, NULL))
        return;
    while (name.n > 0 && nrdn < 32) {
        if (!der_expect(&name, 0x31, &rdns[nrdn], NULL))
            return;
        nrdn++;
    }
    struct dn_out o = { dn, 0, X509_DN_MAX };
    for (size_t i = nrdn; i-- > 0;) {
        struct span rdn = rdns[i];
        bool first_in_rdn = true;
        while (rdn.n > 0) {
            struct span atv, oid, value;
            uint8_t tag;
            if (!der_expect(&rdn, 0x30, &atv, NULL) || !der_expect(&atv, 0x06, &oid, NULL) ||
                !der_tlv(&atv, &tag, &value, NULL))
                return;
            if (o.len > 0)
                dn_putc(&o, first_in_rdn ? ',' : '+');
            first_in_rdn = false;
            const char *short_name = NULL;
            for (size_t k = 0; k < sizeof dn_attrs / sizeof dn_attrs[0]; k++)
                if (oid.n == dn_attrs[k].len && memcmp(oid.p, dn_attrs[k].oid, oid.n) == 0)
                    short_name = dn_attrs[k].name;
            if (short_name) {
                dn_puts(&o, short_name);
            } else {
                char dotted[80];
                ASN1_OBJECT *obj = NULL;
                uint8_t der_oid[2 + 64];
                if (oid.n <= 64) {
                    der_oid[0] = 0x06;
                    der_oid[1] = (uint8_t)oid.n;
                    memcpy(der_oid + 2, oid.p, oid.n);
                    const unsigned char *q = der_oid;
                    obj = d2i_ASN1_OBJECT(NULL, &q, (long)(oid.n + 2));
                }
                if (obj && OBJ_obj2txt(dotted, sizeof dotted, obj, 1) > 0)
                    dn_puts(&o, dotted);
                ASN1_OBJECT_free(obj);
            }
            dn_putc(&o, '=');
            dn_value(&o, tag, value);
            if (short_name && strcmp(short_name, "CN") == 0 && *cn_len == 0)
                *cn_len = (uint8_t)directory_string(tag, value, cn, X509_CN_MAX);
        }
    }
    *dn_len = o.len;
}

static int64_t read_time(struct span time_tlv)
{
    const unsigned char *p = time_tlv.p;
    ASN1_TIME *t = d2i_ASN1_TIME(NULL, &p, (long)time_tlv.n);
    int64_t v = asn1_time(t);
    ASN1_TIME_free(t);
    return v;
}

/* Bit length of a DER INTEGER's magnitude. */
static uint32_t integer_bits(struct span v)
{
    while (v.n > 0 && v.p[0] == 0)
        span_skip(&v, 1);
    if (v.n == 0)
        return 0;
    uint32_t bits = (uint32_t)(v.n - 1) * 8;
    for (uint8_t top = v.p[0]; top; top >>= 1)
        bits++;
    return bits;
}

/* SubjectPublicKeyInfo (RFC 5280 4.1.2.7): the algorithm, and the key size
 * read from the key itself (RSA modulus) or the named curve. */
static void read_spki(struct span spki, struct x509_report *r)
{
    struct span alg, key, oid_v, oid_tlv;
    if (!der_expect(&spki, 0x30, &alg, NULL) || !der_expect(&spki, 0x03, &key, NULL))
        return;
    if (!der_expect(&alg, 0x06, &oid_v, &oid_tlv))
        return;
    int nid = der_oid_nid(oid_tlv);
    switch (nid) {
    case NID_rsaEncryption:
    case NID_rsassaPss: {
        copy_token(r->key_algorithm, sizeof r->key_algorithm, "RSA");
        struct span rsa, modulus;
        span_skip(&key, 1); /* unused bits */
        if (der_expect(&key, 0x30, &rsa, NULL) && der_expect(&rsa, 0x02, &modulus, NULL))
            r->key_bits = integer_bits(modulus);
        break;
    }
    case NID_X9_62_id_ecPublicKey: {
        copy_token(r->key_algorithm, sizeof r->key_algorithm, "ECDSA");
        struct span curve_v, curve_tlv;
        if (der_expect(&alg, 0x06, &curve_v, &curve_tlv)) {
            int curve = der_oid_nid(curve_tlv);
            copy_token(r->key_curve, sizeof r->key_curve, OBJ_nid2sn(curve));
            r->key_bits = curve == NID_X9_62_prime256v1 ? 256 : curve == NID_secp384r1 ? 384
                        : curve == NID_secp521r1 ? 521 : curve == NID_secp224r1 ? 224 : 0;
        }
        break;
    }
    case NID_ED25519: copy_token(r->key_algorithm, sizeof r->key_algorithm, "Ed25519"); r->key_bits = 256; break;
    case NID_ED448: copy_token(r->key_algorithm, sizeof r->key_algorithm, "Ed448"); r->key_bits = 456; break;
    case NID_dsa: copy_token(r->key_algorithm, sizeof r->key_algorithm, "DSA"); break;
    default: copy_token(r->key_algorithm, sizeof r->key_algorithm, OBJ_nid2sn(nid)); break;
    }
}

/* subjectAltName (RFC 5280 4.2.1.6): GeneralNames, dNSName is [2] IA5String. */
static void read_san(struct span ext_value, struct x509_report *r)
{
    struct span names;
    if (!der_expect(&ext_value, 0x30, &names, NULL))
        return;
    while (names.n > 0) {
        uint8_t tag;
        struct span v;
        if (!der_tlv(&names, &tag, &v, NULL))
            return;
        if (tag != 0x82)
            continue;
        if (r->san_count >= X509_SAN_MAX || v.n > 255 || r->san_len + 1 + v.n > X509_SAN_BYTES) {
            r->san_more = true;
            continue;
        }
        r->san[r->san_len++] = (uint8_t)v.n;
        memcpy(r->san + r->san_len, v.p, v.n);
        r->san_len = (uint16_t)(r->san_len + v.n);
        r->san_count++;
    }
}

static void read_extensions(struct span exts_explicit, struct x509_report *r)
{
    static const uint8_t san_oid[] = { 0x55, 0x1d, 0x11 }; /* 2.5.29.17 */
    struct span exts;
    if (!der_expect(&exts_explicit, 0x30, &exts, NULL))
        return;
    while (exts.n > 0) {
        struct span ext, oid, value;
        if (!der_expect(&exts, 0x30, &ext, NULL) || !der_expect(&ext, 0x06, &oid, NULL))
            return;
        uint8_t tag;
        if (!der_tlv(&ext, &tag, &value, NULL))
            return;
        if (tag == 0x01 && !der_tlv(&ext, &tag, &value, NULL)) /* critical BOOLEAN */
            return;
        if (tag == 0x04 && oid.n == sizeof san_oid && memcmp(oid.p, san_oid, sizeof san_oid) == 0)
            read_san(value, r);
    }
}

/* The certificate is walked with the span cursor and only its parts are
 * handed to libcrypto: OpenSSL 3's d2i_X509() also decodes the public key
 * through its provider decoders, about a million instructions a certificate
 * (measured), which would have made certificates the whole cost of a TLS 1.2
 * connection. */
bool x509_parse_leaf(struct span der, struct x509_report *r)
{
    memset(r, 0, sizeof *r);
    struct span all = der, cert, tbs, sigalg, sigalg_oid, sigalg_oid_tlv, sigval;
    if (!der_expect(&all, 0x30, &cert, NULL) || all.n != 0)
        return false;
    if (!der_expect(&cert, 0x30, &tbs, NULL) || !der_expect(&cert, 0x30, &sigalg, NULL) ||
        !der_expect(&cert, 0x03, &sigval, NULL) || cert.n != 0)
        return false;
    if (!der_expect(&sigalg, 0x06, &sigalg_oid, &sigalg_oid_tlv))
        return false;

    uint8_t tag;
    struct span v, version_or_serial;
    if (!der_tlv(&tbs, &tag, &version_or_serial, NULL))
        return false;
    if (tag == 0xa0 && !der_expect(&tbs, 0x02, &version_or_serial, NULL)) /* [0] version, then serial */
        return false;
    else if (tag != 0xa0 && tag != 0x02)
        return false;
    struct span serial = version_or_serial, issuer, issuer_tlv, validity, subject, subject_tlv, spki;
    struct span before_tlv, after_tlv;
    if (!der_expect(&tbs, 0x30, &v, NULL) ||                     /* signature AlgorithmIdentifier */
        !der_expect(&tbs, 0x30, &issuer, &issuer_tlv) || !der_expect(&tbs, 0x30, &validity, NULL) ||
        !der_expect(&tbs, 0x30, &subject, &subject_tlv) || !der_expect(&tbs, 0x30, &spki, NULL))
        return false;
    if (!der_tlv(&validity, &tag, &v, &before_tlv) || !der_tlv(&validity, &tag, &v, &after_tlv))
        return false;
    r->parsed = true;

    read_name(subject_tlv, r->subject_cn, &r->subject_cn_len, r->subject_dn, &r->subject_dn_len);
    read_name(issuer_tlv, r->issuer_cn, &r->issuer_cn_len, r->issuer_dn, &r->issuer_dn_len);
    r->self_signed = subject_tlv.n == issuer_tlv.n && memcmp(subject_tlv.p, issuer_tlv.p, subject_tlv.n) == 0;
    r->not_before = read_time(before_tlv);
    r->not_after = read_time(after_tlv);
    static const char hex[] = "0123456789ABCDEF";
    while (serial.n > 1 && serial.p[0] == 0)
        span_skip(&serial, 1);
    size_t k = 0;
    for (size_t i = 0; i < serial.n && k + 2 < sizeof r->serial; i++) {
        r->serial[k++] = hex[serial.p[i] >> 4]; /* whole octets, as openssl x509 -serial */
        r->serial[k++] = hex[serial.p[i] & 0xf];
    }
    r->serial[k] = '\0';
    signature_name(der_oid_nid(sigalg_oid_tlv), r);
    read_spki(spki, r);
    while (tbs.n > 0) { /* issuerUniqueID [1], subjectUniqueID [2], extensions [3] */
        if (!der_tlv(&tbs, &tag, &v, NULL))
            break;
        if (tag == 0xa3)
            read_extensions(v, r);
    }
    digest_sha256(der.p, der.n, r->sha256);
    digest_sha1(der.p, der.n, r->sha1);
    return true;
}
