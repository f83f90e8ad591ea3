/* test_x509.c - the leaf-certificate reader over a real DER certificate
 * (x509_vector.h says how it was made); the expected values are
 * openssl x509 -text / -fingerprint's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/x509.h"
#include "output/x509_text.h"
#include "test_util.h"
#include "x509_vector.h"

static void expect_hex(const uint8_t *p, size_t n, const char *want)
{
    char got[2 * 32 + 1];
    for (size_t i = 0; i < n; i++)
        sprintf(got + 2 * i, "%02X", p[i]);
    assert_string_equal(got, want);
}

static void test_leaf_fields(void **state)
{
    (void)state;
    struct x509_report r;
    struct x509_text t;
    assert_true(x509_parse_leaf(span_make(cert_der, sizeof cert_der), &r));
    x509_text_render(&r, &t);
    assert_true(r.parsed);
    assert_int_equal(r.subject_cn_len, 17);
    assert_memory_equal(r.subject_cn, "mail.example.test", 17);
    assert_int_equal(r.issuer_cn_len, 17);
    assert_true(r.self_signed);
    assert_int_equal(t.subject_dn_len, strlen("O=Example,CN=mail.example.test"));
    assert_memory_equal(t.subject_dn, "O=Example,CN=mail.example.test", t.subject_dn_len);
    assert_int_equal(r.san_count, 2);
    assert_memory_equal(r.san, "\x11mail.example.test\x11imap.example.test", 36);
    assert_int_equal(r.not_before, 1795399411); /* 2026-11-23T02:03:31Z */
    assert_int_equal(r.not_after, 1797991411);  /* 2026-12-23T02:03:31Z */
    assert_string_equal(t.serial, "1234ABCD");
    assert_string_equal(t.key_algorithm, "ECDSA");
    assert_int_equal(r.key_bits, 256);
    assert_string_equal(t.key_curve, "prime256v1");
    assert_string_equal(t.signature_algorithm, "ECDSA-SHA256");
    assert_false(r.signature_sha1_or_md5);
    expect_hex(r.sha256, 32, "5C2A9C4305A5CA93F9AFF0F33468D62F258C06D096D46AF5C85CC9CC19D46D32");
    expect_hex(r.sha1, 20, "87E2B51C4EA76D2DBC549A226AE2C7AC7C7410C3");
}

/* Every strict prefix, and the certificate with a trailing byte, is refused,
 * each from an exact-size heap copy so an over-read would be caught. */
static void test_prefixes_and_trailing_byte(void **state)
{
    (void)state;
    struct x509_report r;
    for (size_t n = 0; n < sizeof cert_der; n++) {
        uint8_t *copy = test_exact_copy(cert_der, n);
        assert_false(x509_parse_leaf(span_make(copy, n), &r));
        assert_false(r.parsed);
        free(copy);
    }
    uint8_t *longer = test_exact_copy_plus(cert_der, sizeof cert_der, 0);
    assert_false(x509_parse_leaf(span_make(longer, sizeof cert_der + 1), &r));
    free(longer);
}

/* A flipped byte inside the certificate either fails to decode or decodes
 * to something else; it never crashes. */
static void test_corrupted_bytes(void **state)
{
    (void)state;
    struct x509_report r;
    uint8_t copy[sizeof cert_der];
    for (size_t i = 0; i < sizeof cert_der; i++) {
        memcpy(copy, cert_der, sizeof cert_der);
        copy[i] ^= 0xff;
        (void)x509_parse_leaf(span_make(copy, sizeof copy), &r);
    }
}

/* Certificates built from the vector with one part replaced: the parts are
 * the vector's own TLVs (split with x509_der_tlv), and the lengths of the
 * TBSCertificate and the Certificate are recomputed. */
enum part { P_VERSION, P_SERIAL, P_SIGALG, P_ISSUER, P_VALIDITY, P_SUBJECT, P_SPKI, P_EXTENSIONS, P_COUNT };

struct der {
    uint8_t b[4096];
    size_t n;
};

static void der_put(struct der *d, const void *p, size_t n)
{
    assert_true(d->n + n <= sizeof d->b);
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

static void der_tlv(struct der *d, uint8_t tag, const void *v, size_t n)
{
    uint8_t h[4] = { tag };
    size_t k = 1;
    if (n >= 0x100)
        h[k++] = 0x82, h[k++] = (uint8_t)(n >> 8);
    else if (n >= 0x80)
        h[k++] = 0x81;
    h[k++] = (uint8_t)n;
    der_put(d, h, k);
    der_put(d, v, n);
}

/* The vector's TBSCertificate parts, the outer AlgorithmIdentifier and the
 * signature, as whole TLVs. */
static struct span vector_part(int which)
{
    struct span all = span_make(cert_der, sizeof cert_der), cert, tbs, v;
    uint8_t tag;
    assert_true(x509_der_tlv(&all, &tag, &cert));
    struct span outer = cert;
    assert_true(x509_der_tlv(&cert, &tag, &tbs));
    struct span rest = which < P_COUNT ? tbs : outer;
    int skip = which < P_COUNT ? which : which - P_COUNT;
    for (int i = 0; i < skip; i++)
        assert_true(x509_der_tlv(&rest, &tag, &v));
    struct span start = rest;
    assert_true(x509_der_tlv(&rest, &tag, &v));
    return span_make(start.p, start.n - rest.n);
}

/* The vector with part `which` (a TBSCertificate part, or P_SIGALG for the
 * algorithm in both places) replaced by the TLV `with`. */
static void build_cert(struct der *out, int which, const struct der *with)
{
    struct der tbs = { .n = 0 }, body = { .n = 0 };
    for (int i = 0; i < P_COUNT; i++) {
        struct span part = vector_part(i);
        if (i == which)
            der_put(&tbs, with->b, with->n);
        else
            der_put(&tbs, part.p, part.n);
    }
    der_tlv(&body, 0x30, tbs.b, tbs.n);
    struct span sigalg = vector_part(P_COUNT + 1), sig = vector_part(P_COUNT + 2);
    if (which == P_SIGALG)
        der_put(&body, with->b, with->n);
    else
        der_put(&body, sigalg.p, sigalg.n);
    der_put(&body, sig.p, sig.n);
    out->n = 0;
    der_tlv(out, 0x30, body.b, body.n);
}

static void parse_built(int which, const struct der *with, struct x509_report *r, struct x509_text *t)
{
    struct der cert;
    build_cert(&cert, which, with);
    uint8_t *copy = test_exact_copy(cert.b, cert.n);
    assert_true(x509_parse_leaf(span_make(copy, cert.n), r));
    free(copy);
    x509_text_render(r, t);
}

/* notBefore as `tag` `text`, notAfter as in the vector. */
static int64_t not_before_of(uint8_t tag, const char *text)
{
    struct der times = { .n = 0 }, validity = { .n = 0 };
    der_tlv(&times, tag, text, strlen(text));
    der_tlv(&times, 0x17, "261223020331Z", 13);
    der_tlv(&validity, 0x30, times.b, times.n);
    struct x509_report r;
    struct x509_text t;
    parse_built(P_VALIDITY, &validity, &r, &t);
    assert_int_equal(r.not_after, 1797991411);
    return r.not_before;
}

/* RFC 5280 4.1.2.5's forms and the looser ones certificates in the wild
 * carry (no seconds, offsets, fractions), read as libcrypto read them. */
static void test_times(void **state)
{
    (void)state;
    assert_int_equal(not_before_of(0x17, "261123020331Z"), 1795399411);
    assert_int_equal(not_before_of(0x17, "2611230203Z"), 1795399380);          /* no seconds */
    assert_int_equal(not_before_of(0x17, "261123020331+0100"), 1795399411 - 3600);
    assert_int_equal(not_before_of(0x17, "261123020331-0130"), 1795399411 + 5400);
    assert_int_equal(not_before_of(0x18, "20261123020331Z"), 1795399411);
    assert_int_equal(not_before_of(0x18, "20261123020331.25Z"), 1795399411);   /* fraction dropped */
    assert_int_equal(not_before_of(0x18, "202611230203Z"), 1795399380);
    assert_int_equal(not_before_of(0x17, "491231235959Z"), 2524607999);        /* YY < 50: 20YY */
    assert_int_equal(not_before_of(0x17, "500101000000Z"), -631152000);        /* YY >= 50: 19YY */
    assert_int_equal(not_before_of(0x17, "240229000000Z"), 1709164800);        /* a leap day */
    assert_int_equal(not_before_of(0x18, "99991231235959Z"), 253402300799);
    assert_int_equal(not_before_of(0x17, "230229000000Z"), 0);                 /* not a leap year */
    assert_int_equal(not_before_of(0x17, "261123240000Z"), 0);                 /* hour 24 */
    assert_int_equal(not_before_of(0x17, "261123020360Z"), 0);                 /* second 60 */
    assert_int_equal(not_before_of(0x17, "261123020331"), 0);                  /* no zone */
    assert_int_equal(not_before_of(0x17, "261123020331Z0"), 0);                /* a byte after Z */
    assert_int_equal(not_before_of(0x17, "261123020331.5Z"), 0);               /* UTCTime has no fraction */
    assert_int_equal(not_before_of(0x18, "20261123020331.Z"), 0);              /* a point without digits */
    assert_int_equal(not_before_of(0x17, "261123020331+1300"), 0);             /* offset over 12 hours */
    assert_int_equal(not_before_of(0x17, "261123020331+010"), 0);
    assert_int_equal(not_before_of(0x18, "99991231235959-0100"), 0);           /* shifted past 9999 */
    assert_int_equal(not_before_of(0x18, "99991231235959+0000"), 253402300799); /* no shift, no limit */
    assert_int_equal(not_before_of(0x17, "2611230203"), 0);                    /* too short */
    assert_int_equal(not_before_of(0x13, "261123020331Z"), 0);                 /* not a time type */
}

/* An AttributeTypeAndValue (RFC 5280 4.1.2.4) appended to `rdn`. */
static void atv(struct der *rdn, const void *oid, size_t oid_len, uint8_t tag, const void *value, size_t len)
{
    struct der a = { .n = 0 };
    der_tlv(&a, 0x06, oid, oid_len);
    der_tlv(&a, tag, value, len);
    der_tlv(rdn, 0x30, a.b, a.n);
}

static void subject_text(const struct der *name_content, struct x509_report *r, struct x509_text *t)
{
    struct der name = { .n = 0 };
    der_tlv(&name, 0x30, name_content->b, name_content->n);
    parse_built(P_SUBJECT, &name, r, t);
}

#define OID_CN "\x55\x04\x03", 3
#define OID_O "\x55\x04\x0a", 3
#define OID_SERIAL_NUMBER "\x55\x04\x05", 3                               /* 2.5.4.5, named by libcrypto */
#define OID_EMAIL "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", 9                /* 1.2.840.113549.1.9.1 */

/* RFC 4514: the last RDN first, '+' inside a multi-valued RDN, escapes,
 * BMPString converted, OpenSSL's short names (serialNumber, emailAddress),
 * dotted OIDs for types without one (arcs of any size), nothing for an OID
 * libcrypto refuses. */
static void test_name_text(void **state)
{
    (void)state;
    struct der content = { .n = 0 }, rdn = { .n = 0 };
    atv(&rdn, OID_O, 0x13, "A,B+C", 5);
    der_tlv(&content, 0x31, rdn.b, rdn.n);
    rdn.n = 0;
    atv(&rdn, OID_SERIAL_NUMBER, 0x13, "42", 2);
    atv(&rdn, OID_EMAIL, 0x16, " a@b ", 5);
    der_tlv(&content, 0x31, rdn.b, rdn.n);
    rdn.n = 0;
    atv(&rdn, OID_CN, 0x1e, "\x00\x68\x00\xe9\x20\xac", 6); /* BMPString "hé€" */
    der_tlv(&content, 0x31, rdn.b, rdn.n);
    rdn.n = 0;
    /* 2.999.(2^70) and 1.2.(leading 0x80: refused) */
    atv(&rdn, "\x88\x37\x81\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 13, 0x0c, "x", 1);
    atv(&rdn, "\x2a\x80\x01", 3, 0x0c, "#y", 2);
    der_tlv(&content, 0x31, rdn.b, rdn.n);
    struct x509_report r;
    struct x509_text t;
    subject_text(&content, &r, &t);
    const char *want = "2.999.1180591620717411303424=x+=\\#y,CN=h\xc3\xa9\xe2\x82\xac,"
                       "serialNumber=42+emailAddress=\\ a@b\\ ,O=A\\,B\\+C";
    assert_int_equal(t.subject_dn_len, strlen(want));
    assert_memory_equal(t.subject_dn, want, t.subject_dn_len);
    assert_int_equal(r.subject_cn_len, 6);
    assert_memory_equal(r.subject_cn, "h\xc3\xa9\xe2\x82\xac", 6);
    assert_false(r.subject.cut);
    assert_false(r.self_signed);
}

/* Every RDN is read; a name longer than the report holds keeps the RDNs
 * written first (the most specific) and says it was cut; its text ends
 * after the last whole RDN that fits, marked cut too; a malformed
 * attribute keeps no name but the commonName met before it. */
static void test_name_bounds(void **state)
{
    (void)state;
    struct der content = { .n = 0 }, rdn = { .n = 0 };
    struct x509_report r;
    struct x509_text t;
    for (int i = 0; i < 33; i++) {
        char c = (char)('a' + i);
        rdn.n = 0;
        atv(&rdn, OID_O, 0x0c, &c, 1);
        der_tlv(&content, 0x31, rdn.b, rdn.n);
    }
    subject_text(&content, &r, &t);
    assert_true(r.subject.cut);
    assert_true(t.subject_dn_cut);
    assert_int_equal(t.subject_dn_len, 32 * 4 - 1); /* "O=\x81,O=\x80,...,O=b": the least specific left out */
    assert_memory_equal(t.subject_dn, "O=\x81,O=\x80,", 8);
    assert_int_equal(t.subject_dn[t.subject_dn_len - 1], 'b');

    content.n = 0;
    uint8_t big[200];
    memset(big, 'z', sizeof big);
    for (int i = 0; i < 3; i++) { /* 3 RDNs of 214 bytes: two fit in 512 */
        rdn.n = 0;
        big[0] = (uint8_t)('A' + i);
        atv(&rdn, OID_O, 0x0c, big, sizeof big);
        der_tlv(&content, 0x31, rdn.b, rdn.n);
    }
    subject_text(&content, &r, &t);
    assert_true(r.subject.cut);
    assert_int_equal(r.subject.len, 2 * 214);
    assert_int_equal(t.subject_dn_len, 202); /* "O=C" and 199 'z': "O=B..." would pass 256 */
    assert_memory_equal(t.subject_dn, "O=Czz", 5);
    assert_true(t.subject_dn_cut);

    content.n = 0;
    rdn.n = 0;
    atv(&rdn, OID_O, 0x0c, "first", 5);
    der_tlv(&content, 0x31, rdn.b, rdn.n);
    rdn.n = 0;
    atv(&rdn, OID_CN, 0x0c, "last", 4);
    der_tlv(&content, 0x31, rdn.b, rdn.n);
    der_tlv(&content, 0x31, "\x30\x03\x06\x01\x55", 5); /* an attribute without a value */
    subject_text(&content, &r, &t);
    assert_int_equal(r.subject.len, 0);
    assert_int_equal(t.subject_dn_len, 0);
    assert_int_equal(r.subject_cn_len, 4);
    assert_memory_equal(r.subject_cn, "last", 4);
}

static void signature_of(const void *oid, size_t oid_len, struct x509_report *r, struct x509_text *t)
{
    struct der alg = { .n = 0 }, inner = { .n = 0 };
    der_tlv(&inner, 0x06, oid, oid_len);
    der_tlv(&alg, 0x30, inner.b, inner.n);
    parse_built(P_SIGALG, &alg, r, t);
}

/* ECS names from the NID; a NID libcrypto knows but the names do not, by
 * libcrypto's short name; an unknown OID as libcrypto's UNDEF. */
static void test_signature_algorithms(void **state)
{
    (void)state;
    struct x509_report r;
    struct x509_text t;
    signature_of("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05", 9, &r, &t);
    assert_string_equal(t.signature_algorithm, "SHA1-RSA");
    assert_true(r.signature_sha1_or_md5);
    signature_of("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b", 9, &r, &t);
    assert_string_equal(t.signature_algorithm, "SHA256-RSA");
    assert_false(r.signature_sha1_or_md5);
    signature_of("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0e", 9, &r, &t); /* sha224WithRSAEncryption */
    assert_string_equal(t.signature_algorithm, "RSA-SHA224");
    signature_of("\x2b\x65\x70", 3, &r, &t);
    assert_string_equal(t.signature_algorithm, "Ed25519");
    signature_of("\x2a\x03\x04", 3, &r, &t); /* 1.2.3.4 */
    assert_string_equal(t.signature_algorithm, "1.2.3.4");
    assert_int_equal(r.signature_nid, X509_NID_UNKNOWN);
    char alone[X509_TEXT_TOKEN_MAX];
    x509_text_signature_algorithm(&r, alone);
    assert_string_equal(alone, "1.2.3.4");
    signature_of("\x60\x86\x48\x01\x65\x03\x04\x03\x12", 9, &r, &t); /* 2.16.840.1.101.3.4.3.18 */
    assert_string_equal(t.signature_algorithm, "ML-DSA-65");
    /* An OID longer than the report keeps: no name rather than a wrong one. */
    static const uint8_t long_oid[40] = { 0x2a, [1 ... 39] = 0x01 };
    signature_of(long_oid, sizeof long_oid, &r, &t);
    assert_string_equal(t.signature_algorithm, "");
}

/* SubjectPublicKeyInfo with the algorithm `oid` (and curve `curve`, when
 * given) and the BIT STRING `key`. */
static void key_of(const void *oid, size_t oid_len, const void *curve, size_t curve_len, const void *key,
                   size_t key_len, struct x509_report *r, struct x509_text *t)
{
    struct der alg_content = { .n = 0 }, spki_content = { .n = 0 }, spki = { .n = 0 };
    der_tlv(&alg_content, 0x06, oid, oid_len);
    if (curve)
        der_tlv(&alg_content, 0x06, curve, curve_len);
    der_tlv(&spki_content, 0x30, alg_content.b, alg_content.n);
    der_tlv(&spki_content, 0x03, key, key_len);
    der_tlv(&spki, 0x30, spki_content.b, spki_content.n);
    parse_built(P_SPKI, &spki, r, t);
}

static void test_public_keys(void **state)
{
    (void)state;
    struct x509_report r;
    struct x509_text t;
    /* RSA: 00 (unused bits), RSAPublicKey { modulus 00 c0 .. (1023 bits), exponent 65537 } */
    uint8_t rsa[1 + 3 + 3 + 129 + 5];
    size_t n = 0;
    rsa[n++] = 0x00;
    rsa[n++] = 0x30, rsa[n++] = 0x81, rsa[n++] = 3 + 129 + 5;
    rsa[n++] = 0x02, rsa[n++] = 0x81, rsa[n++] = 129, rsa[n++] = 0x00, rsa[n++] = 0x40;
    memset(rsa + n, 0xab, 127);
    n += 127;
    memcpy(rsa + n, "\x02\x03\x01\x00\x01", 5);
    n += 5;
    key_of("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9, NULL, 0, rsa, n, &r, &t);
    assert_int_equal(r.key_type, X509_KEY_RSA);
    assert_int_equal(r.key_bits, 1023);
    assert_string_equal(t.key_algorithm, "RSA");
    assert_string_equal(t.key_curve, "");

    key_of("\x2a\x86\x48\xce\x3d\x02\x01", 7, "\x2b\x81\x04\x00\x22", 5, "\x00\x04", 2, &r, &t);
    assert_string_equal(t.key_algorithm, "ECDSA");
    assert_string_equal(t.key_curve, "secp384r1");
    assert_int_equal(r.key_bits, 384);
    /* brainpoolP256r1 (1.3.36.3.3.2.8.1.1.7): named by libcrypto, size unknown */
    key_of("\x2a\x86\x48\xce\x3d\x02\x01", 7, "\x2b\x24\x03\x03\x02\x08\x01\x01\x07", 9, "\x00\x04", 2, &r, &t);
    assert_string_equal(t.key_curve, "brainpoolP256r1");
    assert_int_equal(r.key_bits, 0);

    key_of("\x2b\x65\x71", 3, NULL, 0, "\x00", 1, &r, &t);
    assert_string_equal(t.key_algorithm, "Ed448");
    assert_int_equal(r.key_bits, 456);
    key_of("\x2a\x86\x48\x86\xf7\x0d\x01\x03\x01", 9, NULL, 0, "\x00", 1, &r, &t); /* dhKeyAgreement */
    assert_int_equal(r.key_type, X509_KEY_OTHER);
    assert_string_equal(t.key_algorithm, "dhKeyAgreement");
    key_of("\x2a\x03\x04", 3, NULL, 0, "\x00", 1, &r, &t);
    assert_string_equal(t.key_algorithm, "1.2.3.4");
    key_of("\x60\x86\x48\x01\x65\x03\x04\x04\x02", 9, NULL, 0, "\x00", 1, &r, &t); /* ML-KEM-768 */
    assert_string_equal(t.key_algorithm, "ML-KEM-768");
    key_of("\x60\x86\x48\x01\x65\x03\x04\x03\x11", 9, NULL, 0, "\x00", 1, &r, &t);
    assert_string_equal(t.key_algorithm, "ML-DSA-44");
}

/* The most specific commonName, however many RDNs the name has (here the
 * 40th of 40, past the 32 the report keeps bytes of); a long one is cut
 * and says so. */
static void test_most_specific_cn(void **state)
{
    (void)state;
    struct der content = { .n = 0 }, rdn = { .n = 0 };
    struct x509_report r;
    struct x509_text t;
    for (int i = 0; i < 40; i++) {
        char v[8];
        int n = snprintf(v, sizeof v, "cn%d", i);
        rdn.n = 0;
        if (i % 2)
            atv(&rdn, OID_O, 0x0c, v, (size_t)n);
        else
            atv(&rdn, OID_CN, 0x0c, v, (size_t)n);
        der_tlv(&content, 0x31, rdn.b, rdn.n);
    }
    subject_text(&content, &r, &t);
    assert_int_equal(r.subject_cn_len, 4);
    assert_memory_equal(r.subject_cn, "cn38", 4); /* 39 is an O */
    assert_false(r.subject_cn_cut);
    assert_true(r.subject.cut);

    content.n = 0;
    rdn.n = 0;
    uint8_t big[X509_CN_MAX + 1];
    memset(big, 'c', sizeof big);
    atv(&rdn, OID_CN, 0x0c, big, sizeof big);
    der_tlv(&content, 0x31, rdn.b, rdn.n);
    subject_text(&content, &r, &t);
    assert_int_equal(r.subject_cn_len, X509_CN_MAX);
    assert_true(r.subject_cn_cut);
    content.n = 0;
    rdn.n = 0;
    atv(&rdn, OID_CN, 0x0c, big, X509_CN_MAX);
    der_tlv(&content, 0x31, rdn.b, rdn.n);
    subject_text(&content, &r, &t);
    assert_false(r.subject_cn_cut);
}

/* Times before 1970 and at the epoch itself are read (and written). */
static void test_times_before_epoch(void **state)
{
    (void)state;
    struct der times = { .n = 0 }, validity = { .n = 0 };
    der_tlv(&times, 0x17, "700101000000Z", 13);
    der_tlv(&times, 0x18, "19690720201740Z", 15);
    der_tlv(&validity, 0x30, times.b, times.n);
    struct x509_report r;
    struct x509_text t;
    parse_built(P_VALIDITY, &validity, &r, &t);
    assert_true(r.not_before_read);
    assert_int_equal(r.not_before, 0);
    assert_true(r.not_after_read);
    assert_int_equal(r.not_after, -14182940);
    char text[X509_TEXT_TIME_MAX];
    assert_int_equal(x509_text_time(r.not_after, text), 27);
    assert_string_equal(text, "1969-07-20T20:17:40.000000Z");
    assert_int_equal(x509_text_time(0, text), 27);
    assert_string_equal(text, "1970-01-01T00:00:00.000000Z");
    assert_int_equal(x509_text_time(-1, text), 27);
    assert_string_equal(text, "1969-12-31T23:59:59.000000Z");
    assert_int_equal(x509_text_time(-2208988800, text), 27);
    assert_string_equal(text, "1900-01-01T00:00:00.000000Z");
    assert_int_equal(x509_text_time(-62167219201, text), 0); /* year -1 */

    times.n = 0;
    validity.n = 0;
    der_tlv(&times, 0x17, "230229000000Z", 13); /* not a leap year */
    der_tlv(&times, 0x17, "261223020331Z", 13);
    der_tlv(&validity, 0x30, times.b, times.n);
    parse_built(P_VALIDITY, &validity, &r, &t);
    assert_false(r.not_before_read);
    assert_true(r.not_after_read);
}

/* subjectAltName with dNSNames `names` (NULL-terminated) as the only extension. */
static void san_of(const char *const *names, struct x509_report *r, struct x509_text *t)
{
    struct der gn = { .n = 0 }, seq = { .n = 0 }, ext = { .n = 0 }, exts = { .n = 0 }, seq_exts = { .n = 0 },
               tagged = { .n = 0 };
    for (size_t i = 0; names[i]; i++)
        der_tlv(&gn, 0x82, names[i], strlen(names[i]));
    der_tlv(&seq, 0x30, gn.b, gn.n);
    der_tlv(&ext, 0x06, "\x55\x1d\x11", 3);
    der_tlv(&ext, 0x04, seq.b, seq.n);
    der_tlv(&exts, 0x30, ext.b, ext.n);
    der_tlv(&seq_exts, 0x30, exts.b, exts.n);
    der_tlv(&tagged, 0xa3, seq_exts.b, seq_exts.n);
    parse_built(P_EXTENSIONS, &tagged, r, t);
}

/* A name that does not fit ends the list: no later short name is kept
 * after it (a list with a hole would read as complete). */
static void test_san_without_holes(void **state)
{
    (void)state;
    static char longname[300];
    memset(longname, 'l', sizeof longname - 1);
    const char *const names[] = { "a.test", longname, "b.test", NULL };
    struct x509_report r;
    struct x509_text t;
    san_of(names, &r, &t);
    assert_int_equal(r.san_count, 1);
    assert_true(r.san_more);
    assert_int_equal(r.san[0], 6);
    assert_memory_equal(r.san + 1, "a.test", 6);
    const char *const fit[] = { "a.test", "b.test", NULL };
    san_of(fit, &r, &t);
    assert_int_equal(r.san_count, 2);
    assert_false(r.san_more);
}

static void serial_of(const void *v, size_t n, struct x509_report *r, struct x509_text *t)
{
    struct der serial = { .n = 0 };
    der_tlv(&serial, 0x02, v, n);
    parse_built(P_SERIAL, &serial, r, t);
}

/* Whole octets without leading zeros, one kept for zero; at most 20. */
static void test_serials(void **state)
{
    (void)state;
    struct x509_report r;
    struct x509_text t;
    serial_of("\x00\x00\x8f\x01", 4, &r, &t);
    assert_string_equal(t.serial, "8F01");
    serial_of("\x00\x00", 2, &r, &t);
    assert_string_equal(t.serial, "00");
    serial_of("", 0, &r, &t);
    assert_string_equal(t.serial, "");
    uint8_t long_serial[21];
    for (uint8_t i = 0; i < sizeof long_serial; i++)
        long_serial[i] = (uint8_t)(i + 1);
    serial_of(long_serial, sizeof long_serial, &r, &t);
    assert_true(r.serial_cut);
    assert_int_equal(r.serial_len, 20);
    assert_string_equal(t.serial, "0102030405060708090A0B0C0D0E0F1011121314");
}

/* A report that was never filled (no certificate) writes nothing. */
static void test_empty_report_text(void **state)
{
    (void)state;
    struct x509_report r;
    struct x509_text t;
    memset(&r, 0, sizeof r);
    x509_text_render(&r, &t);
    assert_int_equal(t.subject_dn_len + t.issuer_dn_len, 0);
    assert_string_equal(t.serial, "");
    assert_string_equal(t.key_algorithm, "");
    assert_string_equal(t.key_curve, "");
    assert_string_equal(t.signature_algorithm, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_fields),
        cmocka_unit_test(test_prefixes_and_trailing_byte),
        cmocka_unit_test(test_corrupted_bytes),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_name_text),
        cmocka_unit_test(test_name_bounds),
        cmocka_unit_test(test_most_specific_cn),
        cmocka_unit_test(test_times_before_epoch),
        cmocka_unit_test(test_san_without_holes),
        cmocka_unit_test(test_signature_algorithms),
        cmocka_unit_test(test_public_keys),
        cmocka_unit_test(test_serials),
        cmocka_unit_test(test_empty_report_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
