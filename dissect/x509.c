/* x509.c - see x509.h. RFC 5280 for the fields, X.690 for DER, RFC 5280
 * 4.1.2.5 for the two time forms; ECS "x509" field set for what is kept. */
#include "dissect/x509.h"

#include <openssl/objects.h>
#include <string.h>

#include "common/digest.h"
#include "dissect/tls_facts.h"

/* One DER TLV; `whole`, when asked for, spans the TLV itself. Lengths over
 * 4 octets (4 GiB) cannot occur inside a 16 MiB handshake message. */
static bool der_tlv(struct span *s, uint8_t *tag, struct span *value, struct span *whole)
{
    struct span start = *s;
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
        *whole = span_take(&start, start.n - s->n);
    return true;
}

bool x509_der_tlv(struct span *s, uint8_t *tag, struct span *value)
{
    return der_tlv(s, tag, value, NULL);
}

static bool der_expect(struct span *s, uint8_t want, struct span *value, struct span *whole)
{
    uint8_t tag;
    return der_tlv(s, &tag, value, whole) && tag == want;
}

/* The OIDs certificates really carry, by their DER content octets, so that
 * the common case needs no libcrypto object (d2i_ASN1_OBJECT allocates). */
static const struct {
    uint8_t len;
    uint8_t oid[9];
    int nid;
} known_oids[] = {
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 }, NID_rsaEncryption },
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04 }, NID_md5WithRSAEncryption },
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05 }, NID_sha1WithRSAEncryption },
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a }, NID_rsassaPss },
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b }, NID_sha256WithRSAEncryption },
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c }, NID_sha384WithRSAEncryption },
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d }, NID_sha512WithRSAEncryption },
    { 7, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 }, NID_X9_62_id_ecPublicKey },
    { 7, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01 }, NID_ecdsa_with_SHA1 },
    { 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 }, NID_ecdsa_with_SHA256 },
    { 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 }, NID_ecdsa_with_SHA384 },
    { 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 }, NID_ecdsa_with_SHA512 },
    { 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 }, NID_X9_62_prime256v1 },
    { 5, { 0x2b, 0x81, 0x04, 0x00, 0x21 }, NID_secp224r1 },
    { 5, { 0x2b, 0x81, 0x04, 0x00, 0x22 }, NID_secp384r1 },
    { 5, { 0x2b, 0x81, 0x04, 0x00, 0x23 }, NID_secp521r1 },
    { 7, { 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01 }, NID_dsa },
    { 7, { 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03 }, NID_dsaWithSHA1 },
    { 3, { 0x2b, 0x65, 0x70 }, NID_ED25519 },
    { 3, { 0x2b, 0x65, 0x71 }, NID_ED448 },
};

/* The NID of an OBJECT IDENTIFIER TLV: from the table, else (a rare OID)
 * from libcrypto, which knows them all. */
static int der_oid_nid(struct span oid, struct span oid_tlv)
{
    for (size_t i = 0; i < sizeof known_oids / sizeof known_oids[0]; i++)
        if (oid.n == known_oids[i].len && memcmp(oid.p, known_oids[i].oid, oid.n) == 0)
            return known_oids[i].nid;
    const unsigned char *p = oid_tlv.p;
    ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &p, (long)oid_tlv.n);
    int nid = o ? OBJ_obj2nid(o) : NID_undef;
    ASN1_OBJECT_free(o);
    return nid == NID_undef ? X509_NID_UNKNOWN : nid;
}

size_t x509_directory_string(uint8_t tag, struct span v, uint8_t *out, size_t cap)
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

/* The UTF-8 length of a whole DirectoryString value (see x509_directory_string). */
static size_t directory_string_len(uint8_t tag, struct span v)
{
    if (tag != 0x1e)
        return v.n;
    size_t n = 0;
    while (v.n >= 2) {
        uint16_t u = span_u16(&v);
        n += u < 0x80 ? 1u : u < 0x800 ? 2u : 3u;
    }
    return n;
}

/* Name (RFC 5280 4.1.2.4): SEQUENCE OF RelativeDistinguishedName, each a
 * SET OF AttributeTypeAndValue, least specific first. Every RDN is checked,
 * however many there are; the common name is the most specific one (the
 * last commonName in DER order, the first RFC 4514 writes), and the RDN
 * bytes kept for output/x509_text.c are the most specific ones that fit.
 * A malformed RDN keeps no name (but a commonName read before it). */
static void read_name(struct span name_tlv, struct x509_name *out, uint8_t *cn, uint8_t *cn_len, bool *cn_cut)
{
    static const uint8_t cn_oid[] = { 0x55, 0x04, 0x03 }; /* 2.5.4.3 */
    struct span name, last[X509_NAME_RDN_MAX]; /* the last RDNs read, a ring */
    size_t nrdn = 0;
    if (!der_expect(&name_tlv, 0x30, &name, NULL))
        return;
    while (name.n > 0) {
        struct span rdn, whole;
        if (!der_expect(&name, 0x31, &rdn, &whole))
            return;
        bool cn_here = false;
        while (rdn.n > 0) {
            struct span atv, oid, value;
            uint8_t tag;
            if (!der_expect(&rdn, 0x30, &atv, NULL) || !der_expect(&atv, 0x06, &oid, NULL) ||
                !der_tlv(&atv, &tag, &value, NULL))
                return;
            if (!cn_here && oid.n == sizeof cn_oid && memcmp(oid.p, cn_oid, sizeof cn_oid) == 0) {
                cn_here = true;
                *cn_len = (uint8_t)x509_directory_string(tag, value, cn, X509_CN_MAX);
                *cn_cut = directory_string_len(tag, value) > *cn_len;
            }
        }
        last[nrdn % X509_NAME_RDN_MAX] = whole;
        nrdn++;
    }
    size_t kept = 0, len = 0;
    while (kept < nrdn && kept < X509_NAME_RDN_MAX &&
           len + last[(nrdn - 1 - kept) % X509_NAME_RDN_MAX].n <= X509_NAME_DER_MAX)
        len += last[(nrdn - 1 - kept++) % X509_NAME_RDN_MAX].n;
    out->cut = kept < nrdn;
    for (size_t i = nrdn - kept; i < nrdn; i++) {
        const struct span *w = &last[i % X509_NAME_RDN_MAX];
        memcpy(out->der + out->len, w->p, w->n);
        out->len = (uint16_t)(out->len + w->n);
    }
}

/* Two decimal digits of a time string; -1 when they are not digits or not
 * in [lo, hi]. */
static int time_pair(struct span *t, int lo, int hi)
{
    uint8_t a = span_u8(t), b = span_u8(t);
    if (!span_ok(t) || a < '0' || a > '9' || b < '0' || b > '9')
        return -1;
    int v = (a - '0') * 10 + (b - '0');
    return v >= lo && v <= hi ? v : -1;
}

/* Days from 1970-01-01 to year-month-day in the proleptic Gregorian
 * calendar (the count timegm() makes), with March as the first month so
 * that the leap day falls at the end of a year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Time (RFC 5280 4.1.2.5): UTCTime (tag 23, YYMMDDHHMM[SS], years 50-99 are
 * 19xx) or GeneralizedTime (tag 24, YYYYMMDDHHMM[SS[.f+]]), then Z or an
 * offset +hhmm/-hhmm. RFC 5280 wants seconds and Z; certificates in the
 * wild sometimes differ, and these are the forms libcrypto's reading
 * (ASN1_TIME_to_tm) accepted here before, so a certificate reads the same
 * as it always did. Seconds since the epoch (before 1970 negative); false
 * when it does not read. */
static bool read_time(uint8_t tag, struct span t, int64_t *out)
{
    bool utc = tag == 0x17;
    if ((!utc && tag != 0x18) || t.n < (utc ? 11u : 13u)) /* the shortest forms, ...HHMMZ */
        return false;
    int64_t year;
    if (utc) {
        int yy = time_pair(&t, 0, 99);
        if (yy < 0)
            return false;
        year = yy < 50 ? 2000 + yy : 1900 + yy;
    } else {
        int cc = time_pair(&t, 0, 99), yy = time_pair(&t, 0, 99);
        if (cc < 0 || yy < 0)
            return false;
        year = cc * 100 + yy;
    }
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int month = time_pair(&t, 1, 12);
    if (month < 0)
        return false;
    int day = time_pair(&t, 1, mdays[month - 1] + (month == 2 && leap_year(year)));
    int hour = time_pair(&t, 0, 23), minute = time_pair(&t, 0, 59), second = 0;
    if (day < 0 || hour < 0 || minute < 0)
        return false;
    uint8_t c = 0;
    (void)span_peek(&t, 0, &c); /* 0 when nothing follows: not a zone, not digits */
    if (c != 'Z' && c != '+' && c != '-' && (second = time_pair(&t, 0, 59)) < 0)
        return false;
    if (!utc && span_peek(&t, 0, &c) && c == '.') { /* fractional seconds, dropped */
        span_skip(&t, 1);
        size_t digits = 0;
        while (span_peek(&t, 0, &c) && c >= '0' && c <= '9') {
            span_skip(&t, 1);
            digits++;
        }
        if (digits == 0)
            return false;
    }
    int64_t secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    uint8_t zone = span_u8(&t);
    if (zone == 'Z' && span_done(&t)) {
        *out = secs;
        return true;
    }
    if ((zone != '+' && zone != '-') || t.n != 4)
        return false;
    int oh = time_pair(&t, 0, 12), om = time_pair(&t, 0, 59);
    if (oh < 0 || om < 0)
        return false;
    int64_t offset = (int64_t)oh * 3600 + om * 60;
    if (offset == 0) {
        *out = secs;
        return true;
    }
    secs += zone == '+' ? -offset : offset;
    /* Shifted by an offset, the date must stay within years 1900 to 9999
     * (libcrypto's OPENSSL_gmtime_adj refused others, giving 0). */
    if (secs < days_from_civil(1900, 1, 1) * 86400 || secs >= days_from_civil(10000, 1, 1) * 86400)
        return false;
    *out = secs;
    return true;
}

/* An OBJECT IDENTIFIER libcrypto does not know, kept for its dotted form
 * (and the names output/x509_text.c knows beyond libcrypto's); one too long
 * to keep is not kept. */
static void keep_oid(struct span oid, uint8_t *out, uint8_t *out_len)
{
    if (oid.n > X509_OID_MAX)
        return;
    memcpy(out, oid.p, oid.n);
    *out_len = (uint8_t)oid.n;
}

/* SubjectPublicKeyInfo (RFC 5280 4.1.2.7): the algorithm, and the key size
 * read from the key itself (RSA modulus) or the named curve. */
static void read_spki(struct span spki, struct x509_report *r)
{
    struct span alg, key, oid, oid_tlv;
    if (!der_expect(&spki, 0x30, &alg, NULL) || !der_expect(&spki, 0x03, &key, NULL))
        return;
    if (!der_expect(&alg, 0x06, &oid, &oid_tlv))
        return;
    int nid = der_oid_nid(oid, oid_tlv);
    r->key_nid = nid;
    if (nid == X509_NID_UNKNOWN)
        keep_oid(oid, r->key_oid, &r->key_oid_len);
    switch (nid) {
    case NID_rsaEncryption:
    case NID_rsassaPss: {
        r->key_type = X509_KEY_RSA;
        struct span rsa, modulus;
        span_skip(&key, 1); /* unused bits */
        if (der_expect(&key, 0x30, &rsa, NULL) && der_expect(&rsa, 0x02, &modulus, NULL))
            r->key_bits = tls_bignum_bits(modulus);
        break;
    }
    case NID_X9_62_id_ecPublicKey: {
        r->key_type = X509_KEY_ECDSA;
        struct span curve, curve_tlv;
        if (der_expect(&alg, 0x06, &curve, &curve_tlv)) {
            int c = der_oid_nid(curve, curve_tlv);
            r->key_curve_nid = c;
            r->key_bits = c == NID_X9_62_prime256v1 ? 256 : c == NID_secp384r1 ? 384
                        : c == NID_secp521r1 ? 521 : c == NID_secp224r1 ? 224 : 0;
        }
        break;
    }
    case NID_ED25519: r->key_type = X509_KEY_ED25519; r->key_bits = 256; break;
    case NID_ED448: r->key_type = X509_KEY_ED448; r->key_bits = 456; break;
    case NID_dsa: r->key_type = X509_KEY_DSA; break;
    default: r->key_type = X509_KEY_OTHER; break;
    }
}

/* subjectAltName (RFC 5280 4.2.1.6): GeneralNames, dNSName is [2]
 * IA5String, iPAddress [7] an OCTET STRING of 4 or 16 bytes. */
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
        if (tag == 0x87) { /* iPAddress [7]: an IPv4 or IPv6 address, network order */
            if (v.n != 4 && v.n != 16)
                continue;
            if (r->san_ip_count >= X509_SAN_IP_MAX) {
                r->san_ip_more = true;
                continue;
            }
            r->san_ip_len[r->san_ip_count] = (uint8_t)v.n;
            memcpy(r->san_ip[r->san_ip_count++], v.p, v.n);
            continue;
        }
        if (tag != 0x82)
            continue;
        /* Once one name is left out none after it is kept: a list with a
         * hole would read as complete up to its end. */
        if (r->san_more || r->san_count >= X509_SAN_MAX || v.n > 255 || r->san_len + 1 + v.n > X509_SAN_BYTES) {
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

/* CertificateSerialNumber (RFC 5280 4.1.2.2): the INTEGER's octets without
 * their leading zeros (one is kept for zero), as openssl x509 -serial shows
 * whole octets; at most 20 are kept. */
static void read_serial(struct span serial, struct x509_report *r)
{
    uint8_t lead;
    while (serial.n > 1 && span_peek(&serial, 0, &lead) && lead == 0)
        span_skip(&serial, 1);
    r->serial_cut = serial.n > X509_SERIAL_MAX;
    r->serial_len = (uint8_t)(r->serial_cut ? X509_SERIAL_MAX : serial.n);
    memcpy(r->serial, serial.p, r->serial_len);
}

/* The signature algorithms whose hash has published collisions (MD5,
 * SHA-1): clients refuse certificates signed with them. */
static bool weak_signature(int nid)
{
    return nid == NID_md5WithRSAEncryption || nid == NID_sha1WithRSAEncryption || nid == NID_ecdsa_with_SHA1 ||
           nid == NID_dsaWithSHA1;
}

/* The certificate is walked with the span cursor: OpenSSL 3's d2i_X509()
 * also decodes the public key through its provider decoders, about a
 * million instructions a certificate (measured), which would have made
 * certificates the whole cost of a TLS 1.2 connection. */
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

    uint8_t tag, before_tag, after_tag;
    struct span v, version_or_serial;
    if (!der_tlv(&tbs, &tag, &version_or_serial, NULL))
        return false;
    if (tag == 0xa0 && !der_expect(&tbs, 0x02, &version_or_serial, NULL)) /* [0] version, then serial */
        return false;
    else if (tag != 0xa0 && tag != 0x02)
        return false;
    struct span serial = version_or_serial, issuer_tlv, validity, subject_tlv, spki, before, after;
    if (!der_expect(&tbs, 0x30, &v, NULL) ||                     /* signature AlgorithmIdentifier */
        !der_expect(&tbs, 0x30, &v, &issuer_tlv) || !der_expect(&tbs, 0x30, &validity, NULL) ||
        !der_expect(&tbs, 0x30, &v, &subject_tlv) || !der_expect(&tbs, 0x30, &spki, NULL))
        return false;
    if (!der_tlv(&validity, &before_tag, &before, NULL) || !der_tlv(&validity, &after_tag, &after, NULL))
        return false;
    r->parsed = true;

    read_name(subject_tlv, &r->subject, r->subject_cn, &r->subject_cn_len, &r->subject_cn_cut);
    read_name(issuer_tlv, &r->issuer, r->issuer_cn, &r->issuer_cn_len, &r->issuer_cn_cut);
    r->self_signed = subject_tlv.n == issuer_tlv.n && memcmp(subject_tlv.p, issuer_tlv.p, subject_tlv.n) == 0;
    r->not_before_read = read_time(before_tag, before, &r->not_before);
    r->not_after_read = read_time(after_tag, after, &r->not_after);
    read_serial(serial, r);
    r->signature_nid = der_oid_nid(sigalg_oid, sigalg_oid_tlv);
    if (r->signature_nid == X509_NID_UNKNOWN)
        keep_oid(sigalg_oid, r->signature_oid, &r->signature_oid_len);
    r->signature_sha1_or_md5 = weak_signature(r->signature_nid);
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
