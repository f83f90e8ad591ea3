/* x509.c - see x509.h. RFC 5280 for the fields; ECS "x509" field set for the
 * names they are reported under. */
#include "dissect/x509.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
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

static uint8_t name_cn(const X509_NAME *name, uint8_t *out)
{
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i < 0)
        return 0;
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n <= 0)
        return 0;
    size_t k = (size_t)n < X509_CN_MAX ? (size_t)n : X509_CN_MAX;
    memcpy(out, utf8, k);
    OPENSSL_free(utf8);
    return (uint8_t)k;
}

static uint16_t name_dn(const X509_NAME *name, char *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return 0;
    /* RFC 2253 order and escaping, multi-byte characters kept as UTF-8. */
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    size_t k = n > 0 ? ((size_t)n < X509_DN_MAX ? (size_t)n : X509_DN_MAX) : 0;
    memcpy(out, data, k);
    BIO_free(b);
    return (uint16_t)k;
}

static int64_t asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

static void subject_alt_names(X509 *x, struct x509_report *r)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (!names)
        return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_DNS)
            continue;
        const ASN1_IA5STRING *s = g->d.dNSName;
        size_t n = (size_t)ASN1_STRING_length(s);
        if (r->san_count >= X509_SAN_MAX || n > 255 || r->san_len + 1 + n > X509_SAN_BYTES) {
            r->san_more = true;
            continue;
        }
        r->san[r->san_len++] = (uint8_t)n;
        memcpy(r->san + r->san_len, ASN1_STRING_get0_data(s), n);
        r->san_len = (uint16_t)(r->san_len + n);
        r->san_count++;
    }
    GENERAL_NAMES_free(names);
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

static void public_key(X509 *x, struct x509_report *r)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    if (!k)
        return;
    r->key_bits = (uint32_t)EVP_PKEY_get_bits(k);
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA: case EVP_PKEY_RSA_PSS: copy_token(r->key_algorithm, sizeof r->key_algorithm, "RSA"); break;
    case EVP_PKEY_EC: copy_token(r->key_algorithm, sizeof r->key_algorithm, "ECDSA"); break;
    case EVP_PKEY_DSA: copy_token(r->key_algorithm, sizeof r->key_algorithm, "DSA"); break;
    case EVP_PKEY_ED25519: copy_token(r->key_algorithm, sizeof r->key_algorithm, "Ed25519"); break;
    case EVP_PKEY_ED448: copy_token(r->key_algorithm, sizeof r->key_algorithm, "Ed448"); break;
    default: copy_token(r->key_algorithm, sizeof r->key_algorithm, OBJ_nid2sn(EVP_PKEY_get_base_id(k))); break;
    }
    char curve[X509_NAME_TOKEN_MAX];
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, &len) == 1)
        copy_token(r->key_curve, sizeof r->key_curve, curve);
}

bool x509_parse_leaf(struct span der, struct x509_report *r)
{
    memset(r, 0, sizeof *r);
    if (der.n == 0 || der.n > INT32_MAX)
        return false;
    const unsigned char *p = der.p;
    X509 *x = d2i_X509(NULL, &p, (long)der.n);
    if (!x)
        return false;
    /* The certificate must fill its entry exactly (DER is self-delimiting). */
    if ((size_t)(p - der.p) != der.n) {
        X509_free(x);
        return false;
    }
    r->parsed = true;
    const X509_NAME *subject = X509_get_subject_name(x), *issuer = X509_get_issuer_name(x);
    r->subject_cn_len = name_cn(subject, r->subject_cn);
    r->issuer_cn_len = name_cn(issuer, r->issuer_cn);
    r->subject_dn_len = name_dn(subject, r->subject_dn);
    r->issuer_dn_len = name_dn(issuer, r->issuer_dn);
    r->self_signed = X509_NAME_cmp(subject, issuer) == 0;
    subject_alt_names(x, r);
    r->not_before = asn1_time(X509_get0_notBefore(x));
    r->not_after = asn1_time(X509_get0_notAfter(x));
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    if (bn) {
        char *hex = BN_bn2hex(bn);
        if (hex)
            copy_token(r->serial, sizeof r->serial, hex);
        OPENSSL_free(hex);
        BN_free(bn);
    }
    signature_name(X509_get_signature_nid(x), r);
    public_key(x, r);
    digest_sha256(der.p, der.n, r->sha256);
    digest_sha1(der.p, der.n, r->sha1);
    X509_free(x);
    return true;
}
