/* test_dh_groups.c - dissect/dh_groups.c: the table of well-known DH primes
 * against libcrypto's own copies (RFC 7919 ffdhe, RFC 3526 MODP and RFC 5114
 * groups through their OpenSSL names, RFC 2409 groups through
 * BN_get_rfc2409_prime_*), servers' built-in defaults (hex copied from each
 * project's source, checked prime here by libcrypto), a prime with leading
 * zero bytes, a prime one bit off, and the ids.
 */
#include "test_util.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "dissect/dh_groups.h"

/* The prime of a group libcrypto knows by name, big-endian; its length. */
static size_t openssl_prime(const char *name, uint8_t *out, size_t cap)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_paramgen_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_group_name(ctx, name), 1);
    EVP_PKEY *pkey = NULL;
    assert_int_equal(EVP_PKEY_paramgen(ctx, &pkey), 1);
    BIGNUM *p = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_FFC_P, &p), 1);
    size_t n = (size_t)BN_num_bytes(p);
    assert_true(n <= cap);
    BN_bn2bin(p, out);
    BN_free(p);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    return n;
}

static void expect_group(const uint8_t *p, size_t n, const char *name, uint16_t bits, uint16_t named_group)
{
    uint8_t *copy = test_exact_copy(p, n);
    uint8_t id = dh_group_find(span_make(copy, n));
    free(copy);
    const struct dh_group *g = dh_group_get(id);
    assert_non_null(g);
    assert_string_equal(g->name, name);
    assert_int_equal(g->bits, bits);
    assert_int_equal(g->named_group, named_group);
}

static void test_openssl_groups(void **state)
{
    (void)state;
    static const struct { const char *name; uint16_t bits, named_group; } known[] = {
        { "ffdhe2048", 2048, 0x0100 }, { "ffdhe3072", 3072, 0x0101 }, { "ffdhe4096", 4096, 0x0102 },
        { "ffdhe6144", 6144, 0x0103 }, { "ffdhe8192", 8192, 0x0104 }, { "modp_1536", 1536, 0 },
        { "modp_2048", 2048, 0 },      { "modp_3072", 3072, 0 },      { "modp_4096", 4096, 0 },
        { "modp_6144", 6144, 0 },      { "modp_8192", 8192, 0 },      { "dh_1024_160", 1024, 0 },
        { "dh_2048_224", 2048, 0 },    { "dh_2048_256", 2048, 0 },
    };
    static uint8_t p[1024];
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t n = openssl_prime(known[i].name, p, sizeof p);
        expect_group(p, n, known[i].name, known[i].bits, known[i].named_group);
    }
}

static void test_rfc2409_groups(void **state)
{
    (void)state;
    uint8_t p[128];
    BIGNUM *bn = BN_get_rfc2409_prime_768(NULL);
    assert_non_null(bn);
    size_t n = (size_t)BN_bn2bin(bn, p);
    BN_free(bn);
    expect_group(p, n, "modp_768", 768, 0);
    bn = BN_get_rfc2409_prime_1024(NULL);
    assert_non_null(bn);
    n = (size_t)BN_bn2bin(bn, p);
    BN_free(bn);
    expect_group(p, n, "modp_1024", 1024, 0);

    /* A leading zero byte (a sender that encodes p as a signed integer)
     * names the same group. */
    uint8_t padded[129] = { 0 };
    memcpy(padded + 1, p, n);
    expect_group(padded, n + 1, "modp_1024", 1024, 0);

    /* One bit off: not it. Nor nothing, nor zeros. */
    p[n - 1] ^= 0x02;
    assert_int_equal(dh_group_find(span_make(p, n)), 0);
    assert_int_equal(dh_group_find(span_make(p, 0)), 0);
    assert_int_equal(dh_group_find(span_make(padded, 1)), 0);
    assert_int_equal(dh_group_find(span_poisoned()), 0);
}

/* Built-in defaults of servers and libraries, p in hex as each project's
 * source carries it (tools/dh_groups.py names the file and version). */
static void test_builtin_defaults(void **state)
{
    (void)state;
    static const struct { const char *name, *hex; uint16_t bits; bool safe; } builtin[] = {
        /* Apache httpd 2.2 mod_ssl, ssl_engine_dh.c dh1024_p: the prime the
         * Logjam study found most shared among HTTPS servers. */
        { "apache_2.2_1024",
          "D67DE440CBBBDC1936D693D34AFD0AD50C84D239A45F520BB88174CB98BCE951849F912E639C72FB13B4B4D7177E16D5"
          "5AC179BA420B2A29FE324A467A635E81FF5901377BEDDCFD33168A461AAD3B72DAE8860078045B07A7DBCA7874087D15"
          "10EA9FCC9DDD330507DD62DB88AEAA747DE0F4D6E2BD68B0E7393E0F24218EB3", 1024, true },
        /* Postfix 2.2 - 3.0.13, tls_dh.c dh512_p (export ciphers). */
        { "postfix_2.2_512",
          "883F00AFFC0C8AB835CDE5C20F55DF063F1607BFCE1335E41C1E03F3AB17F6635063673E10D73EB4EB468C4050E691A5"
          "6E0145DEC9B11F6454FAD9AB4F70BA5B", 512, true },
        /* Java SunJCE, ParameterCache.java p768: a DSA prime, not a safe one. */
        { "java_768",
          "E9E642599D355F37C97FFD3567120B8E25C9CD43E927B3A9670FBEC5D890141922D2C3B3AD2480093799869D1E846AAB"
          "49FAB0AD26D2CE6A22219D470BCE7D777D4A21FBE9C270B57F607002F3CEF8393694CF45EE3688C11A8C56AB127A3DAF",
          768, false },
    };
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        BIGNUM *bn = NULL;
        assert_true(BN_hex2bn(&bn, builtin[i].hex) > 0);
        assert_int_equal(BN_check_prime(bn, NULL, NULL), 1);
        BIGNUM *q = BN_dup(bn);
        assert_non_null(q);
        assert_int_equal(BN_rshift1(q, q), 1);
        assert_int_equal(BN_check_prime(q, NULL, NULL), builtin[i].safe ? 1 : 0);
        BN_free(q);
        uint8_t p[128];
        size_t n = (size_t)BN_bn2bin(bn, p);
        BN_free(bn);
        assert_int_equal(n * 8, builtin[i].bits);
        expect_group(p, n, builtin[i].name, builtin[i].bits, 0);
    }
}

static void test_ids(void **state)
{
    (void)state;
    assert_null(dh_group_get(0));
    assert_null(dh_group_get(255));
    assert_non_null(dh_group_get(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openssl_groups),
        cmocka_unit_test(test_rfc2409_groups),
        cmocka_unit_test(test_builtin_defaults),
        cmocka_unit_test(test_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
