/* test_tls_facts.c - dissect/tls_facts.c: the derived facts every consumer
 * shares. Negotiated version (supported_versions, HelloRetryRequest, SSLv2,
 * SSL 3.0), offered versions with and without supported_versions, version
 * order, resumption, and cipher-suite attributes generated at build time from
 * the registry names (export, anonymous, NULL, RC4, DES, 3DES, CBC against
 * AEAD, TLS 1.3, GOST, vendor spellings, signalling values, unassigned codes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dissect/iana_tables.h"
#include "dissect/names.h"
#include "dissect/report.h"
#include "dissect/tls_facts.h"

static struct tls_report *new_report(void)
{
    struct tls_report *r = calloc(1, sizeof *r);
    assert_non_null(r);
    return r;
}

/* ---- negotiated version ------------------------------------------------- */

static void test_negotiated_version(void **state)
{
    (void)state;
    struct tls_report *r = new_report();
    struct tls_server_report *s = &r->server;

    /* TLS 1.3 (RFC 8446 4.1.3): legacy_version 0x0303, the real one in
     * supported_versions. */
    s->seen = true;
    s->legacy_version = 0x0303;
    s->selected_version = 0x0304;
    assert_int_equal(tls_negotiated_version(s), 0x0304);

    /* A HelloRetryRequest is a ServerHello with the same fields: the version
     * it selected is the connection's (the second ServerHello repeats it). */
    s->hello_retry_request = true;
    assert_int_equal(tls_negotiated_version(s), 0x0304);

    /* A draft server. */
    s->selected_version = 0x7f1c;
    assert_int_equal(tls_negotiated_version(s), 0x7f1c);

    /* TLS 1.2 without supported_versions. */
    s->hello_retry_request = false;
    s->selected_version = 0;
    assert_int_equal(tls_negotiated_version(s), 0x0303);

    /* SSL 3.0, and an SSLv2 version (0x0002) however it got there. */
    s->legacy_version = 0x0300;
    assert_int_equal(tls_negotiated_version(s), 0x0300);
    s->legacy_version = 0x0002;
    assert_int_equal(tls_negotiated_version(s), 0x0002);
    free(r);
}

/* ---- offered versions --------------------------------------------------- */

static void expect_offered(const struct tls_client_report *c, const uint16_t *want, size_t nwant)
{
    uint16_t out[TLS_MAX_VERSIONS];
    assert_int_equal(tls_offered_versions(c, out, TLS_MAX_VERSIONS), nwant);
    for (size_t i = 0; i < nwant; i++)
        assert_int_equal(out[i], want[i]);
}

static void test_offered_versions(void **state)
{
    (void)state;
    struct tls_report *r = new_report();
    struct tls_client_report *c = &r->client;

    /* Without supported_versions: legacy_version and below, down to TLS 1.0. */
    c->legacy_version = 0x0303;
    expect_offered(c, (const uint16_t[]){ 0x0303, 0x0302, 0x0301 }, 3);
    c->legacy_version = 0x0301;
    expect_offered(c, (const uint16_t[]){ 0x0301 }, 1);
    c->legacy_version = 0x0300; /* SSL 3.0 only if that is all it asks */
    expect_offered(c, (const uint16_t[]){ 0x0300 }, 1);
    c->legacy_version = 0x0002; /* SSLv2 CLIENT-HELLO */
    expect_offered(c, (const uint16_t[]){ 0x0002 }, 1);
    c->legacy_version = 0x7f1c; /* nonsense in legacy_version: itself */
    expect_offered(c, (const uint16_t[]){ 0x7f1c }, 1);
    c->legacy_version = 0;
    expect_offered(c, NULL, 0);

    /* With supported_versions: that list, GREASE and duplicates dropped,
     * highest first by rank (drafts just below 1.3, unknown codes last). */
    c->legacy_version = 0x0303;
    c->has_supported_versions = true;
    static const uint16_t sv[] = { 0x0a0a, 0x0301, 0x7f17, 0x0304, 0x0303, 0x0304, 0x1234, 0x0300 };
    memcpy(c->supported_versions.v, sv, sizeof sv);
    c->supported_versions.n = sizeof sv / sizeof sv[0];
    expect_offered(c, (const uint16_t[]){ 0x0304, 0x7f17, 0x0303, 0x0301, 0x0300, 0x1234 }, 6);

    /* Room for two: the first two of the list as seen, then ranked. */
    uint16_t out[2];
    assert_int_equal(tls_offered_versions(c, out, 2), 2);
    assert_int_equal(out[0], 0x7f17);
    assert_int_equal(out[1], 0x0301);

    /* An empty supported_versions falls back to legacy_version. */
    c->supported_versions.n = 0;
    expect_offered(c, (const uint16_t[]){ 0x0303, 0x0302, 0x0301 }, 3);
    free(r);
}

static void test_version_order(void **state)
{
    (void)state;
    static const uint16_t ascending[] = { 0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x7f12, 0x0304 };
    for (size_t i = 1; i < sizeof ascending / sizeof ascending[0]; i++)
        assert_true(tls_version_rank(ascending[i - 1]) < tls_version_rank(ascending[i]));
    assert_int_equal(tls_version_rank(0x0200), tls_version_rank(0x0002));
    assert_int_equal(tls_version_rank(0x7f1c), TLS_VERSION_RANK_DRAFT);
    assert_int_equal(tls_version_rank(0x0305), 0);
    /* DTLS versions rank as the TLS versions they derive from. */
    assert_true(tls_version_rank(0xfeff) < tls_version_rank(0xfefd));
    assert_true(tls_version_rank(0xfefd) < tls_version_rank(0xfefc));
    assert_int_equal(tls_version_rank(0xfefd), tls_version_rank(0x0303));
    assert_int_equal(tls_version_rank(0xfefe), 0); /* there was no DTLS 1.1 */
    assert_int_equal(tls_version_rank(0x0a0a), 0);

    assert_true(tls_version_is_tls13(0x0304));
    assert_true(tls_version_is_tls13(0x7f1c));
    assert_false(tls_version_is_tls13(0x0303));
    assert_false(tls_version_is_tls13(0xfb1a));
    assert_true(tls_version_is_tls13(0x7e01));
    assert_true(tls_version_is_tls13(0x7e02));
    assert_false(tls_version_is_tls13(0x7e03));

    /* DTLS 1.0 is TLS 1.1's datagram form, deprecated with it (RFC 8996). */
    static const uint16_t below[] = { 0x0002, 0x0200, 0x0300, 0x0301, 0x0302, 0xfeff };
    for (size_t i = 0; i < sizeof below / sizeof below[0]; i++)
        assert_true(tls_version_below_tls12(below[i]));
    static const uint16_t not_below[] = { 0x0303, 0x0304, 0x7f1c, 0x0000, 0x0305, 0xfefd, 0xfefc, 0x02ff };
    for (size_t i = 0; i < sizeof not_below / sizeof not_below[0]; i++)
        assert_false(tls_version_below_tls12(not_below[i]));

    const struct tls_version_info *v = tls_version_info(0x0303);
    assert_non_null(v);
    assert_string_equal(v->token, "TLSv1.2");
    assert_string_equal(v->ecs_number, "1.2");
    assert_string_equal(v->ecs_protocol, "tls");
    assert_string_equal(v->ja4, "12");
    assert_string_equal(tls_version_info(0xfefd)->ja4, "d2");
    assert_string_equal(tls_version_info(0xfefd)->token, "DTLSv1.2"); /* SCHEMA.md's DTLS tokens */
    assert_string_equal(tls_version_info(0xfeff)->token, "DTLSv1.0");
    assert_string_equal(tls_version_info(0xfefc)->token, "DTLSv1.3");
    assert_string_equal(tls_version_info(0xfefd)->ecs_protocol, "dtls");
    assert_null(tls_version_info(0x7f1c));
}

/* ---- resumption --------------------------------------------------------- */

/* tls.legacy: the negotiated version decides; else the client's highest. */
static void test_legacy(void **state)
{
    (void)state;
    struct tls_report *r = new_report();
    assert_int_equal(tls_legacy(r), -1); /* neither hello */

    r->client.seen = true;
    r->client.legacy_version = 0x0301; /* no supported_versions: TLS 1.0 at most */
    assert_int_equal(tls_legacy(r), 1);
    r->client.legacy_version = 0x0303;
    assert_int_equal(tls_legacy(r), 0);

    /* The server chose TLS 1.0 although the client offers 1.2: legacy. */
    r->server.seen = true;
    r->server.legacy_version = 0x0301;
    assert_int_equal(tls_legacy(r), 1);
    /* supported_versions in the ServerHello rules over legacy_version. */
    r->server.legacy_version = 0x0303;
    r->server.selected_version = 0x0304;
    assert_int_equal(tls_legacy(r), 0);
    /* A version we cannot rank: the client's offer decides. */
    r->server.selected_version = 0x7a7a;
    assert_int_equal(tls_legacy(r), 0);

    /* DTLS: 1.0 is legacy, 1.2 is not (as strings "DTLSv1.2" < "TLSv1.0"). */
    r->server.selected_version = 0;
    r->server.legacy_version = 0xfeff;
    assert_int_equal(tls_legacy(r), 1);
    r->server.legacy_version = 0xfefd;
    assert_int_equal(tls_legacy(r), 0);

    /* SSLv3 negotiated; SSLv2 offered only. */
    r->server.legacy_version = 0x0300;
    assert_int_equal(tls_legacy(r), 1);
    r->server.seen = false;
    r->client.legacy_version = 0x0002;
    assert_int_equal(tls_legacy(r), 1);
    free(r);
}

static void test_resumed(void **state)
{
    (void)state;
    struct tls_report *r = new_report();
    assert_false(tls_resumed(r, false)); /* no ServerHello */

    /* TLS 1.3: only an accepted pre_shared_key resumes; an echoed session ID
     * is the middlebox-compatibility echo (RFC 8446 D.4), not resumption. */
    r->server.seen = true;
    r->server.legacy_version = 0x0303;
    r->server.selected_version = 0x0304;
    r->server.session_id_echoed = true;
    assert_false(tls_resumed(r, false));
    r->server.has_psk = true;
    assert_true(tls_resumed(r, true));

    /* TLS 1.2: the session ID echoed... */
    r->server.selected_version = 0;
    r->server.has_psk = false;
    assert_true(tls_resumed(r, true));
    /* ...or a ticket: ChangeCipherSpec right after the ServerHello. */
    r->server.session_id_echoed = false;
    r->ccs_seen[DIR_S2C] = true;
    assert_true(tls_resumed(r, false));
    /* A full handshake sends Certificate etc. before its ChangeCipherSpec. */
    assert_false(tls_resumed(r, true));
    r->ccs_seen[DIR_S2C] = false;
    assert_false(tls_resumed(r, false));
    free(r);
}

/* ---- key sizes ---------------------------------------------------------- */

static uint32_t bits_of(const uint8_t *p, size_t n)
{
    uint8_t *copy = n ? malloc(n) : NULL; /* exact size: ASan catches an over-read */
    if (n)
        memcpy(copy, p, n);
    uint32_t bits = tls_bignum_bits(span_make(copy, n));
    free(copy);
    return bits;
}

static void test_bignum_bits(void **state)
{
    (void)state;
    assert_int_equal(bits_of(NULL, 0), 0);
    assert_int_equal(bits_of((const uint8_t[]){ 0x00 }, 1), 0);
    assert_int_equal(bits_of((const uint8_t[]){ 0x00, 0x00, 0x00 }, 3), 0);
    assert_int_equal(bits_of((const uint8_t[]){ 0x01 }, 1), 1);
    assert_int_equal(bits_of((const uint8_t[]){ 0x02 }, 1), 2); /* generator 2 */
    assert_int_equal(bits_of((const uint8_t[]){ 0xff }, 1), 8);
    assert_int_equal(bits_of((const uint8_t[]){ 0x00, 0x80, 0x00 }, 3), 16); /* DER sign byte skipped */
    assert_int_equal(bits_of((const uint8_t[]){ 0x00, 0x00, 0x01, 0x00 }, 4), 9);
    /* A 2048-bit prime: top bit set in the first of 256 bytes. */
    uint8_t p[257] = { 0x00, 0x80 };
    assert_int_equal(bits_of(p, sizeof p), 2048);
    assert_int_equal(bits_of(p + 1, 256), 2048);
    p[1] = 0x7f;
    assert_int_equal(bits_of(p, sizeof p), 2047);
}

/* ---- cipher suites ------------------------------------------------------ */

struct suite_case {
    uint16_t code;
    enum tls_kx kx;
    enum tls_auth auth;
    enum tls_enc enc;
    enum tls_mac mac;
    uint16_t bits;
    uint16_t flags;
    enum tls_weakness weakness;
};

static const struct suite_case suites[] = {
    /* TLS_NULL_WITH_NULL_NULL */
    { 0x0000, TLS_KX_NONE, TLS_AUTH_NONE, TLS_ENC_NONE, TLS_MAC_NONE, 0, 0, TLS_WEAKNESS_NULL_ENCRYPTION },
    /* TLS_RSA_WITH_NULL_MD5: NULL comes before MD5 */
    { 0x0001, TLS_KX_RSA, TLS_AUTH_RSA, TLS_ENC_NONE, TLS_MAC_MD5, 0, 0, TLS_WEAKNESS_NULL_ENCRYPTION },
    /* TLS_RSA_EXPORT_WITH_RC4_40_MD5: export before RC4 */
    { 0x0003, TLS_KX_RSA, TLS_AUTH_RSA, TLS_ENC_RC4, TLS_MAC_MD5, 40, TLS_CS_EXPORT | TLS_CS_STREAM,
      TLS_WEAKNESS_EXPORT },
    /* TLS_RSA_WITH_RC4_128_SHA */
    { 0x0005, TLS_KX_RSA, TLS_AUTH_RSA, TLS_ENC_RC4, TLS_MAC_SHA1, 128, TLS_CS_STREAM, TLS_WEAKNESS_RC4 },
    /* TLS_RSA_WITH_DES_CBC_SHA */
    { 0x0009, TLS_KX_RSA, TLS_AUTH_RSA, TLS_ENC_DES, TLS_MAC_SHA1, 56, TLS_CS_CBC, TLS_WEAKNESS_DES },
    /* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
    { 0x000a, TLS_KX_RSA, TLS_AUTH_RSA, TLS_ENC_3DES, TLS_MAC_SHA1, 168, TLS_CS_CBC, TLS_WEAKNESS_3DES },
    /* TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA: static DH */
    { 0x0010, TLS_KX_DH, TLS_AUTH_RSA, TLS_ENC_3DES, TLS_MAC_SHA1, 168, TLS_CS_CBC, TLS_WEAKNESS_3DES },
    /* TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA */
    { 0x0011, TLS_KX_DHE, TLS_AUTH_DSS, TLS_ENC_DES, TLS_MAC_SHA1, 40, TLS_CS_EXPORT | TLS_CS_CBC,
      TLS_WEAKNESS_EXPORT },
    /* TLS_DH_anon_WITH_RC4_128_MD5: RC4 before anonymous before MD5 */
    { 0x0018, TLS_KX_DHE, TLS_AUTH_ANON, TLS_ENC_RC4, TLS_MAC_MD5, 128, TLS_CS_STREAM, TLS_WEAKNESS_RC4 },
    /* TLS_KRB5_WITH_IDEA_CBC_MD5: only the MAC is weak */
    { 0x0025, TLS_KX_KRB5, TLS_AUTH_KRB5, TLS_ENC_IDEA, TLS_MAC_MD5, 128, TLS_CS_CBC, TLS_WEAKNESS_MD5 },
    /* TLS_RSA_WITH_AES_128_CBC_SHA */
    { 0x002f, TLS_KX_RSA, TLS_AUTH_RSA, TLS_ENC_AES, TLS_MAC_SHA1, 128, TLS_CS_CBC, TLS_WEAKNESS_NONE },
    /* TLS_DH_anon_WITH_AES_128_CBC_SHA */
    { 0x0034, TLS_KX_DHE, TLS_AUTH_ANON, TLS_ENC_AES, TLS_MAC_SHA1, 128, TLS_CS_CBC, TLS_WEAKNESS_ANON },
    /* TLS_RSA_EXPORT1024_WITH_RC4_56_MD5 */
    { 0x0060, TLS_KX_RSA, TLS_AUTH_RSA, TLS_ENC_RC4, TLS_MAC_MD5, 56, TLS_CS_EXPORT | TLS_CS_STREAM,
      TLS_WEAKNESS_EXPORT },
    /* TLS_GOSTR341001_WITH_28147_CNT_IMIT */
    { 0x0081, TLS_KX_GOST, TLS_AUTH_GOST, TLS_ENC_GOST28147, TLS_MAC_GOST, 256, TLS_CS_STREAM, TLS_WEAKNESS_NONE },
    /* TLS_GOSTR341094_WITH_NULL_GOSTR3411 */
    { 0x0082, TLS_KX_GOST, TLS_AUTH_GOST, TLS_ENC_NONE, TLS_MAC_GOST, 0, 0, TLS_WEAKNESS_NULL_ENCRYPTION },
    /* TLS_PSK_WITH_AES_128_CBC_SHA */
    { 0x008c, TLS_KX_PSK, TLS_AUTH_PSK, TLS_ENC_AES, TLS_MAC_SHA1, 128, TLS_CS_CBC, TLS_WEAKNESS_NONE },
    /* TLS_RSA_PSK_WITH_AES_128_CBC_SHA: the server also shows an RSA certificate */
    { 0x0094, TLS_KX_RSA_PSK, TLS_AUTH_RSA, TLS_ENC_AES, TLS_MAC_SHA1, 128, TLS_CS_CBC, TLS_WEAKNESS_NONE },
    /* TLS_RSA_WITH_SEED_CBC_SHA */
    { 0x0096, TLS_KX_RSA, TLS_AUTH_RSA, TLS_ENC_SEED, TLS_MAC_SHA1, 128, TLS_CS_CBC, TLS_WEAKNESS_NONE },
    /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: the SHA384 is the PRF's, not a MAC */
    { 0x009f, TLS_KX_DHE, TLS_AUTH_RSA, TLS_ENC_AES, TLS_MAC_AEAD, 256, TLS_CS_AEAD, TLS_WEAKNESS_NONE },
    /* TLS_SM4_GCM_SM3 (RFC 8998, TLS 1.3) */
    { 0x00c6, TLS_KX_TLS13, TLS_AUTH_TLS13, TLS_ENC_SM4, TLS_MAC_AEAD, 128, TLS_CS_TLS13 | TLS_CS_AEAD,
      TLS_WEAKNESS_NONE },
    /* TLS_AES_128_GCM_SHA256 */
    { 0x1301, TLS_KX_TLS13, TLS_AUTH_TLS13, TLS_ENC_AES, TLS_MAC_AEAD, 128, TLS_CS_TLS13 | TLS_CS_AEAD,
      TLS_WEAKNESS_NONE },
    /* TLS_CHACHA20_POLY1305_SHA256 */
    { 0x1303, TLS_KX_TLS13, TLS_AUTH_TLS13, TLS_ENC_CHACHA20, TLS_MAC_AEAD, 256, TLS_CS_TLS13 | TLS_CS_AEAD,
      TLS_WEAKNESS_NONE },
    /* TLS_AES_128_CCM_8_SHA256 */
    { 0x1305, TLS_KX_TLS13, TLS_AUTH_TLS13, TLS_ENC_AES, TLS_MAC_AEAD, 128, TLS_CS_TLS13 | TLS_CS_AEAD,
      TLS_WEAKNESS_NONE },
    /* TLS_ECDH_ECDSA_WITH_NULL_SHA: static ECDH */
    { 0xc001, TLS_KX_ECDH, TLS_AUTH_ECDSA, TLS_ENC_NONE, TLS_MAC_SHA1, 0, 0, TLS_WEAKNESS_NULL_ENCRYPTION },
    /* TLS_ECDH_anon_WITH_AES_128_CBC_SHA */
    { 0xc018, TLS_KX_ECDHE, TLS_AUTH_ANON, TLS_ENC_AES, TLS_MAC_SHA1, 128, TLS_CS_CBC, TLS_WEAKNESS_ANON },
    /* TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA */
    { 0xc022, TLS_KX_SRP, TLS_AUTH_DSS, TLS_ENC_AES, TLS_MAC_SHA1, 256, TLS_CS_CBC, TLS_WEAKNESS_NONE },
    /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
    { 0xc027, TLS_KX_ECDHE, TLS_AUTH_RSA, TLS_ENC_AES, TLS_MAC_SHA256, 128, TLS_CS_CBC, TLS_WEAKNESS_NONE },
    /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    { 0xc02f, TLS_KX_ECDHE, TLS_AUTH_RSA, TLS_ENC_AES, TLS_MAC_AEAD, 128, TLS_CS_AEAD, TLS_WEAKNESS_NONE },
    /* TLS_ECDHE_PSK_WITH_NULL_SHA384 */
    { 0xc03b, TLS_KX_ECDHE_PSK, TLS_AUTH_PSK, TLS_ENC_NONE, TLS_MAC_SHA384, 0, 0, TLS_WEAKNESS_NULL_ENCRYPTION },
    /* TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 */
    { 0xc07d, TLS_KX_DHE, TLS_AUTH_RSA, TLS_ENC_CAMELLIA, TLS_MAC_AEAD, 256, TLS_CS_AEAD, TLS_WEAKNESS_NONE },
    /* TLS_PSK_DHE_WITH_AES_128_CCM_8 (RFC 6655 spelled it the other way round) */
    { 0xc0aa, TLS_KX_DHE_PSK, TLS_AUTH_PSK, TLS_ENC_AES, TLS_MAC_AEAD, 128, TLS_CS_AEAD, TLS_WEAKNESS_NONE },
    /* TLS_SHA256_SHA256 (RFC 9150): integrity only */
    { 0xc0b4, TLS_KX_TLS13, TLS_AUTH_TLS13, TLS_ENC_NONE, TLS_MAC_SHA256, 0, TLS_CS_TLS13,
      TLS_WEAKNESS_NULL_ENCRYPTION },
    /* TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC (RFC 9189, TLS 1.2) */
    { 0xc100, TLS_KX_GOST, TLS_AUTH_GOST, TLS_ENC_KUZNYECHIK, TLS_MAC_GOST, 256, TLS_CS_STREAM, TLS_WEAKNESS_NONE },
    /* TLS_GOSTR341112_256_WITH_MAGMA_MGM_L (RFC 9367, TLS 1.3) */
    { 0xc104, TLS_KX_TLS13, TLS_AUTH_TLS13, TLS_ENC_MAGMA, TLS_MAC_AEAD, 256, TLS_CS_AEAD | TLS_CS_TLS13,
      TLS_WEAKNESS_NONE },
    /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
    { 0xcca9, TLS_KX_ECDHE, TLS_AUTH_ECDSA, TLS_ENC_CHACHA20, TLS_MAC_AEAD, 256, TLS_CS_AEAD, TLS_WEAKNESS_NONE },
    /* ECDHE_SM4_CBC_SM3 (GM/T vendor spelling: key exchange left unknown) */
    { 0xe011, TLS_KX_UNKNOWN, TLS_AUTH_UNKNOWN, TLS_ENC_SM4, TLS_MAC_SM3, 128, TLS_CS_CBC, TLS_WEAKNESS_NONE },
    /* SSL_RSA_FIPS_WITH_DES_CBC_SHA (Netscape spelling) */
    { 0xfefe, TLS_KX_UNKNOWN, TLS_AUTH_UNKNOWN, TLS_ENC_DES, TLS_MAC_SHA1, 56, TLS_CS_CBC, TLS_WEAKNESS_DES },
    /* signalling values and GREASE */
    { 0x00ff, TLS_KX_UNKNOWN, TLS_AUTH_UNKNOWN, TLS_ENC_UNKNOWN, TLS_MAC_UNKNOWN, 0, TLS_CS_SCSV, TLS_WEAKNESS_NONE },
    { 0x5600, TLS_KX_UNKNOWN, TLS_AUTH_UNKNOWN, TLS_ENC_UNKNOWN, TLS_MAC_UNKNOWN, 0, TLS_CS_SCSV, TLS_WEAKNESS_NONE },
    { 0x3a3a, TLS_KX_UNKNOWN, TLS_AUTH_UNKNOWN, TLS_ENC_UNKNOWN, TLS_MAC_UNKNOWN, 0, TLS_CS_GREASE, TLS_WEAKNESS_NONE },
    /* unassigned */
    { 0x1306, TLS_KX_UNKNOWN, TLS_AUTH_UNKNOWN, TLS_ENC_UNKNOWN, TLS_MAC_UNKNOWN, 0, 0, TLS_WEAKNESS_NONE },
    { 0xfffe, TLS_KX_UNKNOWN, TLS_AUTH_UNKNOWN, TLS_ENC_UNKNOWN, TLS_MAC_UNKNOWN, 0, 0, TLS_WEAKNESS_NONE },
};

static void test_cipher_attributes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        const struct suite_case *t = &suites[i];
        const struct tls_cipher_attrs *a = tls_cipher_attrs(t->code);
        print_message("suite 0x%04x\n", t->code);
        assert_non_null(a);
        assert_int_equal(a->kx, t->kx);
        assert_int_equal(a->auth, t->auth);
        assert_int_equal(a->enc, t->enc);
        assert_int_equal(a->mac, t->mac);
        assert_int_equal(a->enc_bits, t->bits);
        assert_int_equal(a->flags, t->flags);
        assert_int_equal(tls_cipher_weakness(t->code), t->weakness);
        assert_int_equal(tls_cipher_is_anon(t->code), t->auth == TLS_AUTH_ANON);
    }
}

/* tls_cipher_kx() narrows the key exchange to the ServerKeyExchange layouts
 * tlsscope parses. */
static void test_cipher_kx_layouts(void **state)
{
    (void)state;
    assert_int_equal(tls_cipher_kx(0x0010), TLS_KX_UNKNOWN); /* static DH_RSA */
    assert_int_equal(tls_cipher_kx(0xc001), TLS_KX_UNKNOWN); /* static ECDH_ECDSA */
    assert_int_equal(tls_cipher_kx(0x0025), TLS_KX_UNKNOWN); /* KRB5 */
    assert_int_equal(tls_cipher_kx(0xc022), TLS_KX_UNKNOWN); /* SRP */
    assert_int_equal(tls_cipher_kx(0x0081), TLS_KX_UNKNOWN); /* GOST */
    assert_int_equal(tls_cipher_kx(0x0000), TLS_KX_UNKNOWN); /* NULL */
    assert_int_equal(tls_cipher_kx(0x0034), TLS_KX_DHE);     /* DH_anon */
    assert_int_equal(tls_cipher_kx(0x0003), TLS_KX_RSA);     /* RSA_EXPORT's temporary key */
    assert_int_equal(tls_cipher_kx(0xc0b4), TLS_KX_TLS13);
    assert_int_equal(tls_cipher_kx(0xc104), TLS_KX_TLS13);
}

/* Every row of the generated table is classified consistently: AEAD and CBC
 * exclude each other, AEAD suites have no separate MAC, TLS 1.3 suites carry
 * TLS13 key exchange, and only signalling/GREASE rows are left unknown in
 * their cipher. */
static void test_cipher_table_consistent(void **state)
{
    (void)state;
    size_t aead = 0, cbc = 0, tls13 = 0;
    for (size_t i = 0; i < iana_cipher_suites_count; i++) {
        const struct tls_cipher_attrs *a = &iana_cipher_suite_attrs[i];
        assert_ptr_equal(tls_cipher_attrs((uint16_t)iana_cipher_suites[i].code), a);
        assert_false((a->flags & TLS_CS_AEAD) && (a->flags & TLS_CS_CBC));
        assert_int_equal((a->flags & TLS_CS_AEAD) != 0, a->mac == TLS_MAC_AEAD);
        assert_int_equal((a->flags & TLS_CS_TLS13) != 0, a->kx == TLS_KX_TLS13);
        assert_int_equal(a->enc == TLS_ENC_UNKNOWN, (a->flags & (TLS_CS_SCSV | TLS_CS_GREASE)) != 0);
        assert_true(a->kx < TLS_KX_COUNT && a->auth < TLS_AUTH_COUNT && a->enc < TLS_ENC_COUNT &&
                    a->mac < TLS_MAC_COUNT);
        if (a->flags & TLS_CS_GREASE)
            assert_true(tls_is_grease((uint16_t)iana_cipher_suites[i].code));
        aead += (a->flags & TLS_CS_AEAD) != 0;
        cbc += (a->flags & TLS_CS_CBC) != 0;
        tls13 += (a->flags & TLS_CS_TLS13) != 0;
    }
    /* Counted in data/iana/cipher_suites.csv. */
    assert_int_equal(tls13, 13);
    assert_true(aead > 100 && cbc > 150);
}

static void test_enum_names(void **state)
{
    (void)state;
    assert_string_equal(tls_kx_name(TLS_KX_ECDHE_PSK), "ECDHE_PSK");
    assert_string_equal(tls_kx_name(TLS_KX_NONE), "NULL");
    assert_string_equal(tls_kx_name(TLS_KX_GOST), "GOST");
    assert_null(tls_kx_name(TLS_KX_UNKNOWN));
    assert_null(tls_kx_name(TLS_KX_COUNT));
    assert_string_equal(tls_auth_name(TLS_AUTH_ANON), "anon");
    assert_string_equal(tls_enc_name(TLS_ENC_3DES), "3DES");
    assert_string_equal(tls_enc_name(TLS_ENC_MAGMA), "MAGMA");
    assert_null(tls_enc_name(TLS_ENC_COUNT));
    assert_string_equal(tls_mac_name(TLS_MAC_AEAD), "AEAD");
    assert_string_equal(tls_weakness_name(TLS_WEAKNESS_ANON), "anonymous (unauthenticated)");
    assert_string_equal(tls_weakness_name(TLS_WEAKNESS_MD5), "MD5 MAC");
    assert_null(tls_weakness_name(TLS_WEAKNESS_NONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiated_version),
        cmocka_unit_test(test_offered_versions),
        cmocka_unit_test(test_version_order),
        cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_resumed),
        cmocka_unit_test(test_bignum_bits),
        cmocka_unit_test(test_cipher_attributes),
        cmocka_unit_test(test_cipher_kx_layouts),
        cmocka_unit_test(test_cipher_table_consistent),
        cmocka_unit_test(test_enum_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
