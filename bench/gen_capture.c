/* gen_capture.c - a deterministic synthetic capture of TLS traffic for the
 * benchmark, and a manifest of what tlsscope must report for it.
 *
 * Writes a classic pcap (LINKTYPE_ETHERNET, microsecond timestamps) of TCP
 * connections carrying TLS, as a SPAN port in front of a server farm sees
 * them: 3-way handshake, ClientHello, the server's flight, the client's
 * flight, application data, FIN (or RST). Client kinds:
 *   - TLS 1.3 clients shaped like Chrome (GREASE, shuffled extensions, ALPN,
 *     key_share with X25519MLKEM768 for some, so the hello spans segments),
 *     Firefox (no GREASE, x25519 + secp256r1 shares, padding) and OpenSSL 3
 *     (curl, Python, API clients: its long default cipher list, x25519);
 *   - TLS 1.2 clients offering ECDHE suites, and others offering only DHE
 *     and RSA suites (the server's prime is RFC 3526 group 14, 2048 bits, or
 *     RFC 2409 group 2, 1024 bits);
 *   - legacy TLS 1.0-only clients, which servers that require TLS 1.2 turn
 *     away with a fatal protocol_version alert.
 * So ClientHellos come in a handful of shapes (JA4), as on a real network,
 * though Chrome's shuffle makes its JA3 differ on every connection.
 *
 * TLS 1.2/1.0 handshakes carry a Certificate message spanning several
 * segments, a ServerKeyExchange, ServerHelloDone, the client's
 * ClientKeyExchange, CCS and Finished, the server's ticket, CCS and
 * Finished. TLS 1.3 handshakes carry ServerHello, CCS and the encrypted
 * flight, the client's CCS, Finished and first request.
 *
 * Certificates are shaped as a public CA issues them (names, key usage,
 * extended key usage, key identifiers, AIA, policies, SCTs; RSA 2048 to
 * 4096; leaf about 1.2 to 2 KB) and reused as servers reuse them: two
 * roots, five intermediates, 40 sites whose chain (leaf, intermediate,
 * sometimes the root) each of 96 server addresses presents on every
 * connection, and a few percent of connections to one-off tenants of shared
 * hosts whose leaf is seen once.
 *
 * Application records per connection are lognormal: bulk mean 36 (median
 * 12, a few connections thousands), handshake mean 2; their sizes mix small
 * frames, medium bodies and full 16 KiB records (app_record_size).
 *
 * Connections are state machines that build one flight at a time, so memory
 * follows the number of open connections, never the file size: the file is
 * streamed. Many connections are open at once (the number wanders between
 * an eighth of --concurrency and --concurrency), and a seeded fraction of
 * data segments is swapped with the next one (out of order) or sent twice
 * (retransmission), in handshakes and data alike.
 *
 * The manifest has one JSON object per connection, with the 4-tuple and the
 * fields of ../shared/SCHEMA.md tlsscope must write for it (dotted names;
 * null means "must be absent"). bench/check_manifest.py compares.
 *
 * Everything derives from --seed through one xorshift64* stream seeded by
 * splitmix64, so the same arguments give the same bytes (on machines of the
 * same endianness and word size, where the pcap header is native too).
 *
 * usage: gen_capture --out FILE --manifest FILE [--bytes N[k|M|G]] [--seed N]
 *                    [--profile handshake|bulk] [--concurrency N]
 *                    [--reorder-rate F] [--retrans-rate F]
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum { DIR_C2S = 0, DIR_S2C = 1 };

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

#define TLS_CT_CCS 20
#define TLS_CT_ALERT 21
#define TLS_CT_HANDSHAKE 22
#define TLS_CT_APPDATA 23

#define NSERVERS 96
#define NSITES 40
#define NINTERMEDIATES 5
#define NROOTS 2
#define NHOSTS 16384
#define MAX_EXTS 32

static void die(const char *msg)
{
    fprintf(stderr, "gen_capture: %s\n", msg);
    exit(1);
}

/* ---- deterministic randomness ---- */

static uint64_t rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* xorshift64* (Vigna): fast, and plenty for traffic shapes. */
static uint64_t rnd64(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd_below(uint32_t n)
{
    return (uint32_t)(((rnd64() >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rnd_range(uint32_t lo, uint32_t hi)
{
    return lo + rnd_below(hi - lo + 1u);
}

static bool chance(uint32_t per_mille)
{
    return rnd_below(1000) < per_mille;
}

static bool chance_ppm(uint32_t ppm)
{
    return ppm > 0 && rnd_below(1000000) < ppm;
}

/* Byte by byte so the stream does not depend on the machine's endianness. */
static void rnd_fill(uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t v = rnd64();
        for (int i = 0; i < 8; i++)
            p[i] = (uint8_t)(v >> (8 * i));
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = rnd64();
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* A standard normal deviate (Box-Muller), for lognormal counts. */
static double rnd_normal(void)
{
    double u1 = ((double)(rnd64() >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
    double u2 = (double)(rnd64() >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

/* Roughly log-uniform in [lo, hi]: many small, some large. */
static uint64_t rnd_size(uint64_t lo, uint64_t hi)
{
    unsigned steps = 0;
    while ((lo << (steps + 1)) <= hi)
        steps++;
    uint64_t v = lo << rnd_below(steps + 1);
    v += (uint64_t)(((rnd64() >> 32) * v) >> 32);
    return v > hi ? hi : v;
}

/* ---- byte buffers ---- */

struct buf {
    uint8_t *p;
    size_t n, cap;
};

static uint8_t *b_grow(struct buf *b, size_t k)
{
    if (b->n + k > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + k)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            die("out of memory");
        b->p = p;
        b->cap = cap;
    }
    uint8_t *r = b->p + b->n;
    b->n += k;
    return r;
}

static void b_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

static void b_u8(struct buf *b, uint32_t v)
{
    b_grow(b, 1)[0] = (uint8_t)v;
}

static void b_u16(struct buf *b, uint32_t v)
{
    uint8_t *q = b_grow(b, 2);
    q[0] = (uint8_t)(v >> 8);
    q[1] = (uint8_t)v;
}

static void b_u32(struct buf *b, uint32_t v)
{
    uint8_t *q = b_grow(b, 4);
    for (int i = 0; i < 4; i++)
        q[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void b_mem(struct buf *b, const void *src, size_t n)
{
    if (n)
        memcpy(b_grow(b, n), src, n);
}

static void b_str(struct buf *b, const char *s)
{
    b_mem(b, s, strlen(s));
}

static void b_rand(struct buf *b, size_t n)
{
    rnd_fill(b_grow(b, n), n);
}

/* Length-prefixed vectors: b_open reserves the length field, b_close fills it. */
static size_t b_open(struct buf *b, size_t width)
{
    size_t at = b->n;
    b_grow(b, width);
    return at;
}

static void b_close(struct buf *b, size_t at, size_t width)
{
    size_t len = b->n - at - width;
    for (size_t i = 0; i < width; i++)
        b->p[at + i] = (uint8_t)(len >> (8 * (width - 1 - i)));
}

static void b_vec8_rand(struct buf *b, size_t n)
{
    b_u8(b, (uint32_t)n);
    b_rand(b, n);
}

static void b_vec16_rand(struct buf *b, size_t n)
{
    b_u16(b, (uint32_t)n);
    b_rand(b, n);
}

/* ---- DER, enough for certificates that parse (X.509, RFC 5280) ---- */

static const uint8_t OID_SHA256_RSA[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b };
static const uint8_t OID_RSA[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
static const uint8_t OID_CN[] = { 0x55, 0x04, 0x03 };
static const uint8_t OID_O[] = { 0x55, 0x04, 0x0a };
static const uint8_t OID_C[] = { 0x55, 0x04, 0x06 };
static const uint8_t OID_SKI[] = { 0x55, 0x1d, 0x0e };
static const uint8_t OID_KEY_USAGE[] = { 0x55, 0x1d, 0x0f };
static const uint8_t OID_SAN[] = { 0x55, 0x1d, 0x11 };
static const uint8_t OID_BASIC_CONSTRAINTS[] = { 0x55, 0x1d, 0x13 };
static const uint8_t OID_CRL_DP[] = { 0x55, 0x1d, 0x1f };
static const uint8_t OID_POLICIES[] = { 0x55, 0x1d, 0x20 };
static const uint8_t OID_AKI[] = { 0x55, 0x1d, 0x23 };
static const uint8_t OID_EKU[] = { 0x55, 0x1d, 0x25 };
static const uint8_t OID_AIA[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01 };
static const uint8_t OID_SCT_LIST[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02 };
static const uint8_t OID_SERVER_AUTH[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01 };
static const uint8_t OID_CLIENT_AUTH[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02 };
static const uint8_t OID_OCSP[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01 };
static const uint8_t OID_CA_ISSUERS[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02 };
static const uint8_t OID_DV_POLICY[] = { 0x67, 0x81, 0x0c, 0x01, 0x02, 0x01 }; /* 2.23.140.1.2.1 */

static void der_len(struct buf *b, size_t n)
{
    if (n < 0x80) {
        b_u8(b, (uint32_t)n);
    } else if (n < 0x100) {
        b_u8(b, 0x81);
        b_u8(b, (uint32_t)n);
    } else {
        b_u8(b, 0x82);
        b_u16(b, (uint32_t)n);
    }
}

static void der_raw(struct buf *b, uint8_t tag, const void *p, size_t n)
{
    b_u8(b, tag);
    der_len(b, n);
    b_mem(b, p, n);
}

/* Appends tag + content, and frees the content. */
static void der_wrap(struct buf *b, uint8_t tag, struct buf *content)
{
    der_raw(b, tag, content->p, content->n);
    b_free(content);
}

static void der_alg(struct buf *b, const uint8_t *oid, size_t oid_len)
{
    struct buf seq = { 0 };
    der_raw(&seq, 0x06, oid, oid_len);
    b_mem(&seq, "\x05\x00", 2);
    der_wrap(b, 0x30, &seq);
}

/* Name ::= RDNSequence: C, O, CN, one attribute per RDN, as CAs issue them. */
static void der_name(struct buf *b, const char *country, const char *org, const char *cn)
{
    struct buf name = { 0 };
    const uint8_t *oids[3] = { OID_C, OID_O, OID_CN };
    const char *vals[3] = { country, org, cn };
    for (int i = 0; i < 3; i++) {
        if (!vals[i])
            continue;
        struct buf atv = { 0 }, set = { 0 };
        der_raw(&atv, 0x06, oids[i], 3);
        der_raw(&atv, i == 0 ? 0x13 : 0x0c, vals[i], strlen(vals[i])); /* PrintableString, UTF8String */
        der_wrap(&set, 0x30, &atv);
        der_wrap(&name, 0x31, &set);
    }
    der_wrap(b, 0x30, &name);
}

static void der_extension(struct buf *exts, const uint8_t *oid, size_t oid_len, bool critical, struct buf *value)
{
    struct buf ext = { 0 };
    der_raw(&ext, 0x06, oid, oid_len);
    if (critical)
        b_mem(&ext, "\x01\x01\xff", 3);
    der_wrap(&ext, 0x04, value);
    der_wrap(exts, 0x30, &ext);
}

static void der_uri_entry(struct buf *seq, const uint8_t *oid, size_t oid_len, const char *uri)
{
    struct buf ad = { 0 };
    der_raw(&ad, 0x06, oid, oid_len);
    der_raw(&ad, 0x86, uri, strlen(uri)); /* uniformResourceIdentifier [6] */
    der_wrap(seq, 0x30, &ad);
}

/* The signedCertificateTimestampList of RFC 6962 3.3: an OCTET STRING holding
 * the TLS-encoded list, each SCT with an ECDSA signature of a usual size. */
static void der_sct_list(struct buf *value, unsigned nsct)
{
    struct buf tls = { 0 }, inner = { 0 };
    size_t list = b_open(&tls, 2);
    for (unsigned i = 0; i < nsct; i++) {
        size_t sct = b_open(&tls, 2);
        b_u8(&tls, 0);          /* v1 */
        b_rand(&tls, 32);       /* log id */
        b_u32(&tls, 0x0000018d);
        b_u32(&tls, (uint32_t)rnd64()); /* timestamp, ms */
        b_u16(&tls, 0);         /* no extensions */
        b_u16(&tls, 0x0403);    /* ecdsa_secp256r1_sha256 */
        b_vec16_rand(&tls, rnd_range(70, 72));
        b_close(&tls, sct, 2);
    }
    b_close(&tls, list, 2);
    der_wrap(&inner, 0x04, &tls);
    b_mem(value, inner.p, inner.n);
    b_free(&inner);
}

/* A certification authority of the farm's PKI: its name and key identifier,
 * so the certificates it issues name it and point at its key. */
struct ca {
    char cn[64];
    const char *org;
    size_t key_bytes;
    uint8_t ski[20];
    struct buf der;
};

/* A certificate whose structure parses: random key, serial and signature,
 * with the extensions a public CA puts in (RFC 5280 4.2, CA/B Forum BRs).
 * domain != NULL makes a server certificate for it (nsan subjectAltNames),
 * else a CA certificate for `self`. */
static void make_certificate(struct buf *out, const char *subject_cn, struct ca *self, const struct ca *issuer,
                             const char *domain, unsigned nsan, size_t key_bytes, bool sct)
{
    static const char *const prefixes[] = { "", "www.", "api.", "cdn.", "mail.", "login.", "static.", "m.",
                                            "img.", "auth.", "shop.", "blog." };
    struct buf tbs = { 0 };
    b_mem(&tbs, "\xa0\x03\x02\x01\x02", 5); /* version: v3 */
    size_t serial_len = domain ? 18 : 16;
    b_u8(&tbs, 0x02);
    b_u8(&tbs, (uint32_t)serial_len);
    size_t at = tbs.n;
    b_rand(&tbs, serial_len);
    tbs.p[at] = (uint8_t)((tbs.p[at] & 0x3f) | 0x10);
    der_alg(&tbs, OID_SHA256_RSA, sizeof OID_SHA256_RSA);
    der_name(&tbs, "US", issuer->org, issuer->cn);
    if (domain) {
        /* 90-day certificates issued over a year, as ACME renews them */
        char validity[40];
        unsigned day = rnd_below(336), month = 1 + day / 28, mday = 1 + day % 28;
        unsigned hour = rnd_below(24); /* one call per statement: argument order is unspecified */
        unsigned minute = rnd_below(60);
        unsigned end_month = month + 3 > 12 ? month - 9 : month + 3;
        snprintf(validity, sizeof validity, "\x17\x0d" "24%02u%02u%02u%02u00Z" "\x17\x0d" "%02u%02u%02u%02u%02u00Z",
                 month, mday, hour, minute, month + 3 > 12 ? 25u : 24u, end_month, mday, hour, minute);
        b_mem(&tbs, "\x30\x1e", 2);
        b_mem(&tbs, validity, 30);
        der_name(&tbs, NULL, NULL, subject_cn);
    } else {
        b_mem(&tbs, "\x30\x1e\x17\x0d" "200904000000Z" "\x17\x0d" "350915160000Z", 32);
        der_name(&tbs, "US", self->org, subject_cn);
    }

    /* subjectPublicKeyInfo: rsaEncryption, RSAPublicKey { n, e = 65537 } */
    struct buf modulus = { 0 }, rsa = { 0 }, rsa_seq = { 0 }, bits = { 0 }, spki = { 0 };
    b_u8(&modulus, 0);
    b_rand(&modulus, key_bytes);
    modulus.p[1] |= 0x80;
    modulus.p[key_bytes] |= 1;
    der_wrap(&rsa, 0x02, &modulus);
    b_mem(&rsa, "\x02\x03\x01\x00\x01", 5);
    der_wrap(&rsa_seq, 0x30, &rsa);
    b_u8(&bits, 0); /* unused bits */
    b_mem(&bits, rsa_seq.p, rsa_seq.n);
    b_free(&rsa_seq);
    der_alg(&spki, OID_RSA, sizeof OID_RSA);
    der_wrap(&spki, 0x03, &bits);
    der_wrap(&tbs, 0x30, &spki);

    struct buf exts = { 0 }, value = { 0 }, seq = { 0 };
    uint8_t ski[20];
    rnd_fill(ski, sizeof ski);
    if (self)
        memcpy(self->ski, ski, sizeof ski);
    if (domain) {
        b_mem(&value, "\x03\x02\x05\xa0", 4); /* keyUsage: digitalSignature, keyEncipherment */
        der_extension(&exts, OID_KEY_USAGE, sizeof OID_KEY_USAGE, true, &value);
        der_raw(&seq, 0x06, OID_SERVER_AUTH, sizeof OID_SERVER_AUTH);
        der_raw(&seq, 0x06, OID_CLIENT_AUTH, sizeof OID_CLIENT_AUTH);
        der_wrap(&value, 0x30, &seq);
        der_extension(&exts, OID_EKU, sizeof OID_EKU, false, &value);
        b_mem(&value, "\x30\x00", 2); /* basicConstraints: not a CA */
        der_extension(&exts, OID_BASIC_CONSTRAINTS, sizeof OID_BASIC_CONSTRAINTS, true, &value);
    } else {
        b_mem(&value, "\x03\x02\x01\x86", 4); /* keyUsage: digitalSignature, keyCertSign, cRLSign */
        der_extension(&exts, OID_KEY_USAGE, sizeof OID_KEY_USAGE, true, &value);
        b_mem(&value, "\x30\x06\x01\x01\xff\x02\x01\x00", 8); /* basicConstraints: CA, pathLen 0 */
        der_extension(&exts, OID_BASIC_CONSTRAINTS, sizeof OID_BASIC_CONSTRAINTS, true, &value);
    }
    der_raw(&value, 0x04, ski, sizeof ski);
    der_extension(&exts, OID_SKI, sizeof OID_SKI, false, &value);
    if (issuer != self) {
        b_mem(&value, "\x30\x16\x80\x14", 4);
        b_mem(&value, issuer->ski, sizeof issuer->ski);
        der_extension(&exts, OID_AKI, sizeof OID_AKI, false, &value);
    }
    char slug[64], uri[160];
    snprintf(slug, sizeof slug, "%s", issuer->cn);
    for (char *p = slug; *p; p++)
        if (*p == ' ')
            *p = '-';
    snprintf(uri, sizeof uri, "http://ocsp.bench-trust.example/%s", slug);
    der_uri_entry(&seq, OID_OCSP, sizeof OID_OCSP, uri);
    snprintf(uri, sizeof uri, "http://certs.bench-trust.example/%s.der", slug);
    der_uri_entry(&seq, OID_CA_ISSUERS, sizeof OID_CA_ISSUERS, uri);
    der_wrap(&value, 0x30, &seq);
    der_extension(&exts, OID_AIA, sizeof OID_AIA, false, &value);
    if (domain) {
        struct buf names = { 0 };
        for (unsigned i = 0; i < nsan; i++) {
            char dns[96];
            snprintf(dns, sizeof dns, "%s%s", prefixes[i % (sizeof prefixes / sizeof prefixes[0])], domain);
            der_raw(&names, 0x82, dns, strlen(dns)); /* dNSName [2] */
        }
        der_wrap(&value, 0x30, &names);
        der_extension(&exts, OID_SAN, sizeof OID_SAN, false, &value);
        struct buf pol = { 0 };
        der_raw(&pol, 0x06, OID_DV_POLICY, sizeof OID_DV_POLICY);
        der_wrap(&seq, 0x30, &pol);
        der_wrap(&value, 0x30, &seq);
        der_extension(&exts, OID_POLICIES, sizeof OID_POLICIES, false, &value);
        if (sct) {
            der_sct_list(&value, 2 + rnd_below(2));
            der_extension(&exts, OID_SCT_LIST, sizeof OID_SCT_LIST, false, &value);
        }
    } else {
        /* cRLDistributionPoints: { { distributionPoint [0] { fullName [0] { URI [6] } } } } */
        snprintf(uri, sizeof uri, "http://crl.bench-trust.example/%s.crl", slug);
        struct buf full = { 0 }, dpn = { 0 }, dp = { 0 }, dps = { 0 };
        der_raw(&full, 0x86, uri, strlen(uri));
        der_wrap(&dpn, 0xa0, &full);
        der_wrap(&dp, 0xa0, &dpn);
        der_wrap(&dps, 0x30, &dp);
        der_wrap(&value, 0x30, &dps);
        der_extension(&exts, OID_CRL_DP, sizeof OID_CRL_DP, false, &value);
    }
    struct buf ext_seq = { 0 };
    der_wrap(&ext_seq, 0x30, &exts);
    der_wrap(&tbs, 0xa3, &ext_seq);

    struct buf cert = { 0 }, sig = { 0 };
    der_wrap(&cert, 0x30, &tbs);
    der_alg(&cert, OID_SHA256_RSA, sizeof OID_SHA256_RSA);
    b_u8(&sig, 0);
    b_rand(&sig, issuer->key_bytes);
    der_wrap(&cert, 0x03, &sig);
    der_wrap(out, 0x30, &cert);
}

/* ---- the server farm ---- */

/* RFC 3526 group 14 (2048 bits) and RFC 2409 group 2 (1024 bits). */
static const char MODP_2048[] =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AACAA68FFFFFFFFFFFFFFFF";
static const char MODP_1024[] =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

static uint8_t prime_2048[256], prime_1024[128];

static void hex_decode(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char ch = hex[2 * i + (size_t)k];
            v = v * 16u + (unsigned)(ch <= '9' ? ch - '0' : ch - 'A' + 10);
        }
        out[i] = (uint8_t)v;
    }
}

struct server {
    bool v6;
    uint8_t ip[16];          /* IPv4 in the first 4 bytes */
    uint8_t mac[6];
    uint16_t port;
    bool tls13;              /* negotiates TLS 1.3 with clients that offer it */
    bool pq;                 /* picks X25519MLKEM768 when the client shares it */
    bool accept10;           /* accepts TLS 1.0-only clients, else protocol_version alert */
    bool tickets;            /* sends a session ticket (TLS 1.2) */
    bool bundle;             /* several handshake messages per record */
    bool compat_ccs;         /* TLS 1.3 middlebox-compatibility CCS */
    uint16_t group13;        /* preferred TLS 1.3 group when the client shares it */
    uint16_t cipher13, cipher12_ecdhe, cipher12_dhe, cipher10;
    uint16_t curve12;
    uint16_t sigalg;         /* ServerKeyExchange signature scheme (TLS 1.2) */
    uint16_t dh_bits;
    const struct site *site; /* what it serves: the domain and certificate chain */
};

/* A site: a domain and the certificate chain every server of it presents,
 * the same bytes on every connection, as real server farms do. */
struct site {
    char domain[64];
    uint8_t ncerts;
    struct buf chain;        /* certificate_list entries (u24 length + DER each) */
};

static struct server servers[NSERVERS];
static struct site sites[NSITES];
static struct ca roots[NROOTS], intermediates[NINTERMEDIATES];
static const uint8_t ROUTER_MAC[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x01 };

static uint16_t pick16(const uint16_t *v, const uint32_t *per_mille, size_t n)
{
    uint32_t r = rnd_below(1000), acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += per_mille[i];
        if (r < acc)
            return v[i];
    }
    return v[n - 1];
}

static void chain_add(struct site *st, const struct buf *der)
{
    size_t at = b_open(&st->chain, 3);
    b_mem(&st->chain, der->p, der->n);
    b_close(&st->chain, at, 3);
}

/* A site's chain: its own leaf (RSA 2048 mostly, some 3072 and 4096; a
 * wildcard or the bare name; 1 to 12 subjectAltNames; SCTs on most), the
 * intermediate that issued it, sometimes the root too. */
static void make_site(struct site *st, const char *domain, uint32_t inter)
{
    snprintf(st->domain, sizeof st->domain, "%s", domain);
    char cn[80];
    snprintf(cn, sizeof cn, "%s%s", chance(500) ? "*." : "", domain);
    size_t key_bytes = chance(850) ? 256 : chance(500) ? 384 : 512;
    unsigned nsan = chance(600) ? rnd_range(1, 3) : rnd_range(4, 12);
    bool sct = chance(800);
    struct buf der = { 0 };
    make_certificate(&der, cn, NULL, &intermediates[inter], domain, nsan, key_bytes, sct);
    st->chain.n = 0;
    chain_add(st, &der);
    b_free(&der);
    chain_add(st, &intermediates[inter].der);
    st->ncerts = 2;
    if (chance(150)) {
        chain_add(st, &roots[inter % NROOTS].der);
        st->ncerts = 3;
    }
}

static void setup_pki(void)
{
    static const char *const root_cn[NROOTS] = { "Bench Root X1", "Bench Global Root G2" };
    static const char *const org[NROOTS] = { "Bench Trust Services", "Bench Global Trust" };
    for (uint32_t i = 0; i < NROOTS; i++) {
        struct ca *r = &roots[i];
        snprintf(r->cn, sizeof r->cn, "%s", root_cn[i]);
        r->org = org[i];
        r->key_bytes = 512;
        make_certificate(&r->der, r->cn, r, r, NULL, 0, r->key_bytes, false);
    }
    for (uint32_t i = 0; i < NINTERMEDIATES; i++) {
        struct ca *m = &intermediates[i];
        const struct ca *root = &roots[i % NROOTS];
        snprintf(m->cn, sizeof m->cn, "Bench %s CA R%u", i % NROOTS ? "Global TLS" : "DV", (unsigned)(10 + i));
        m->org = root->org;
        m->key_bytes = 256;
        make_certificate(&m->der, m->cn, m, root, NULL, 0, m->key_bytes, false);
    }
}

static void setup_servers(void)
{
    static const char *const words[] = { "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne",
                                         "tyrell", "cyberdyne", "wonka", "soylent", "oscorp", "vandelay",
                                         "duff", "monarch", "aperture" };
    static const char *const tlds[] = { "example", "example.com", "example.net", "example.org" };
    static const uint16_t ports[] = { 443, 8443, 993, 465, 636, 995 };
    static const uint32_t port_pm[] = { 800, 50, 50, 40, 30, 30 };
    setup_pki();
    for (uint32_t i = 0; i < NSITES; i++) {
        char domain[64];
        const char *word = words[rnd_below(16)]; /* one call per statement: argument order is unspecified */
        snprintf(domain, sizeof domain, "%s%u.%s", word, (unsigned)i, tlds[rnd_below(4)]);
        make_site(&sites[i], domain, rnd_below(NINTERMEDIATES));
    }
    for (uint32_t i = 0; i < NSERVERS; i++) {
        struct server *s = &servers[i];
        /* Sites behind load balancers: a site's chain is served from several addresses. */
        s->site = &sites[i % NSITES];
        s->v6 = chance(150);
        if (s->v6) {
            static const uint8_t prefix[] = { 0x20, 0x01, 0x0d, 0xb8, 0x04, 0x43 }; /* 2001:db8:443::/48 */
            memcpy(s->ip, prefix, sizeof prefix);
            s->ip[14] = (uint8_t)((i + 1) >> 8);
            s->ip[15] = (uint8_t)(i + 1);
        } else {
            s->ip[0] = 198;
            s->ip[1] = 51;
            s->ip[2] = 100;
            s->ip[3] = (uint8_t)(i + 1);
        }
        s->mac[0] = 0x02;
        s->mac[5] = (uint8_t)(i + 1);
        s->port = pick16(ports, port_pm, 6);
        s->tls13 = chance(650);
        s->pq = s->tls13 && chance(300);
        s->accept10 = chance(s->tls13 ? 150 : 650);
        s->tickets = chance(700);
        s->bundle = chance(400);
        s->compat_ccs = chance(900);
        s->group13 = chance(800) ? 0x001d : 0x0017;
        static const uint16_t c13[] = { 0x1301, 0x1302, 0x1303 };
        static const uint32_t c13_pm[] = { 700, 200, 100 };
        s->cipher13 = pick16(c13, c13_pm, 3);
        static const uint16_t c12[] = { 0xc02f, 0xc030, 0xcca8 };
        static const uint32_t c12_pm[] = { 500, 350, 150 };
        s->cipher12_ecdhe = pick16(c12, c12_pm, 3);
        static const uint16_t cdhe[] = { 0x009e, 0x009f, 0x0039 };
        static const uint32_t cdhe_pm[] = { 500, 250, 250 };
        s->cipher12_dhe = pick16(cdhe, cdhe_pm, 3);
        static const uint16_t c10[] = { 0xc013, 0x002f, 0x0039, 0x0035 };
        static const uint32_t c10_pm[] = { 400, 300, 150, 150 };
        s->cipher10 = pick16(c10, c10_pm, 4);
        static const uint16_t curves[] = { 0x001d, 0x0017, 0x0018 };
        static const uint32_t curve_pm[] = { 600, 300, 100 };
        s->curve12 = pick16(curves, curve_pm, 3);
        s->sigalg = chance(600) ? 0x0804 : 0x0401;
        s->dh_bits = chance(700) ? 2048 : 1024;
    }
}

/* ---- names, for the manifest (IANA, as ../shared/iana) ---- */

static const char *cipher_name(uint16_t cs)
{
    switch (cs) {
    case 0x1301: return "TLS_AES_128_GCM_SHA256";
    case 0x1302: return "TLS_AES_256_GCM_SHA384";
    case 0x1303: return "TLS_CHACHA20_POLY1305_SHA256";
    case 0xc02f: return "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    case 0xc030: return "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
    case 0xcca8: return "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
    case 0xc013: return "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
    case 0x009e: return "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256";
    case 0x009f: return "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384";
    case 0x0039: return "TLS_DHE_RSA_WITH_AES_256_CBC_SHA";
    case 0x002f: return "TLS_RSA_WITH_AES_128_CBC_SHA";
    case 0x0035: return "TLS_RSA_WITH_AES_256_CBC_SHA";
    default: return NULL;
    }
}

static const char *group_name(uint16_t g)
{
    switch (g) {
    case 0x0017: return "secp256r1";
    case 0x0018: return "secp384r1";
    case 0x001d: return "x25519";
    case 0x11ec: return "X25519MLKEM768";
    default: return NULL;
    }
}

static const char *version_name(uint16_t v)
{
    switch (v) {
    case 0x0301: return "TLSv1.0";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    default: return NULL;
    }
}

/* Bytes of a key-exchange value for a group: x25519, uncompressed points,
 * and the ML-KEM-768 hybrids (draft-ietf-tls-ecdhe-mlkem). */
static size_t share_len(uint16_t group, bool server)
{
    switch (group) {
    case 0x001d: return 32;
    case 0x0017: return 65;
    case 0x0018: return 97;
    case 0x11ec: return server ? 1088 + 32 : 1184 + 32;
    default: return 32;
    }
}

/* ---- connections ---- */

enum client_kind { CK_CHROME13, CK_FIREFOX13, CK_OPENSSL13, CK_TLS12_ECDHE, CK_TLS12_DHE, CK_LEGACY10, CK_COUNT };
static const char *const kind_names[CK_COUNT] = { "tls13-chrome", "tls13-firefox", "tls13-openssl", "tls12-ecdhe",
                                                  "tls12-dhe",
                                                  "tls10-legacy" };

enum kx { KX_RSA, KX_ECDHE, KX_DHE, KX_TLS13 };

enum phase {
    PH_SYN,
    PH_CLIENT_HELLO,
    PH_SERVER_FLIGHT,
    PH_CLIENT_FINISH,
    PH_SERVER_FINISH,
    PH_APP,
    PH_CLOSE,
    PH_DONE
};

struct pkt {
    uint32_t off, len;       /* payload: a slice of the connection's out[dir] */
    uint32_t seq, ack;
    uint8_t dir, flags;
};

struct conn {
    const struct server *srv;
    const struct site *site; /* the server's, or own_site */
    struct site own_site;    /* a one-off site: a tenant of a shared host */
    enum client_kind kind;
    bool v6;
    uint8_t cip[16];
    uint16_t cport;
    uint8_t client_ttl;
    uint16_t ipid[2];
    uint32_t flow_label;
    uint32_t nxt[2];         /* next sequence number per direction */

    /* what the ClientHello offers */
    bool pq, with_ext, sni, alpn, ems, ticket_ext;
    char server_name[80];
    uint8_t session_id[32];
    uint8_t session_id_len;

    /* what the handshake negotiates (version 0: refused with an alert) */
    uint16_t version, cipher, group, dh_bits;
    enum kx kx;

    enum phase phase;
    uint32_t recs_total;     /* application records of the connection, both directions */
    uint32_t recs_left;
    uint32_t burst_left;     /* records left in the current burst of burst_dir */
    int burst_dir;
    bool tickets13_pending;

    struct pkt *q;           /* packets of the current flight */
    size_t qn, qpos, qcap;
    struct buf out[2];       /* payload bytes of the current flight, per direction */
    uint64_t est_left;       /* bytes still expected in the file, for --bytes */
};

enum profile { PROFILE_HANDSHAKE, PROFILE_BULK };

struct gen {
    enum profile profile;
    FILE *pcap, *manifest;
    uint64_t target_bytes;
    uint32_t concurrency, conc_target;
    uint32_t reorder_ppm, retrans_ppm;
    uint64_t now_us;
    uint32_t mean_gap_us;
    uint64_t written, outstanding;
    uint64_t packets, connections, reordered, retransmitted;
    uint64_t per_kind[CK_COUNT], alerts;
    uint64_t app_records, max_records, tail_sites;
    uint16_t host_port[NHOSTS];
};

static struct pkt *q_push(struct conn *c)
{
    if (c->qn == c->qcap) {
        size_t cap = c->qcap ? c->qcap * 2 : 64;
        struct pkt *q = realloc(c->q, cap * sizeof *q);
        if (!q)
            die("out of memory");
        c->q = q;
        c->qcap = cap;
    }
    struct pkt *k = &c->q[c->qn++];
    memset(k, 0, sizeof *k);
    return k;
}

static void push_ctl(struct conn *c, int dir, uint8_t flags)
{
    struct pkt *k = q_push(c);
    k->dir = (uint8_t)dir;
    k->flags = flags;
    k->seq = c->nxt[dir];
    k->ack = (flags & TH_ACK) ? c->nxt[!dir] : 0;
    if (flags & (TH_SYN | TH_FIN))
        c->nxt[dir]++;
}

/* Cuts out[dir][from..] into segments; the receiver ACKs every second one. */
static void send_stream(struct conn *c, int dir, size_t from)
{
    size_t mss = c->v6 ? 1440 : 1460;
    size_t end = c->out[dir].n, off = from;
    unsigned nseg = 0;
    while (off < end) {
        size_t k = end - off < mss ? end - off : mss;
        struct pkt *p = q_push(c);
        p->dir = (uint8_t)dir;
        p->flags = (uint8_t)(TH_ACK | (off + k == end ? TH_PSH : 0));
        p->seq = c->nxt[dir];
        p->ack = c->nxt[!dir];
        p->off = (uint32_t)off;
        p->len = (uint32_t)k;
        c->nxt[dir] += (uint32_t)k;
        off += k;
        if (++nseg % 2 == 0 && off < end)
            push_ctl(c, !dir, TH_ACK);
    }
}

/* Out-of-order delivery (a data segment swapped with the next one of the same
 * direction) and retransmissions (a data segment sent again two packets
 * later), over the packets queued from index `first`. No ACK ever covers a
 * hole: the receiver's ACKs come after both swapped segments. */
static void disorder(struct gen *g, struct conn *c, size_t first)
{
    for (size_t i = first; i + 1 < c->qn; i++) {
        struct pkt *a = &c->q[i], *b = &c->q[i + 1];
        if (a->len && b->len && a->dir == b->dir && chance_ppm(g->reorder_ppm)) {
            struct pkt t = *a;
            *a = *b;
            *b = t;
            g->reordered++;
            i++;
        }
    }
    for (size_t i = first; i < c->qn; i++) {
        if (!c->q[i].len || !chance_ppm(g->retrans_ppm))
            continue;
        struct pkt dup = c->q[i];
        size_t at = i + 2 < c->qn ? i + 2 : c->qn;
        q_push(c);
        memmove(&c->q[at + 1], &c->q[at], (c->qn - 1 - at) * sizeof *c->q);
        c->q[at] = dup;
        g->retransmitted++;
        i = at;
    }
}

/* ---- TLS messages ---- */

/* Handshake messages go one per record, or several per record (bundle). */
struct hs_writer {
    struct buf *b;
    uint16_t version;
    bool bundle;
    size_t rec, msg;
    bool rec_open;
};

static void rec_begin(struct hs_writer *w)
{
    b_u8(w->b, TLS_CT_HANDSHAKE);
    b_u16(w->b, w->version);
    w->rec = b_open(w->b, 2);
    w->rec_open = true;
}

static void rec_end(struct hs_writer *w)
{
    if (w->rec_open)
        b_close(w->b, w->rec, 2);
    w->rec_open = false;
}

static void msg_begin(struct hs_writer *w, uint8_t type)
{
    if (!w->rec_open)
        rec_begin(w);
    b_u8(w->b, type);
    w->msg = b_open(w->b, 3);
}

static void msg_end(struct hs_writer *w)
{
    b_close(w->b, w->msg, 3);
    if (!w->bundle)
        rec_end(w);
}

static void record_random(struct buf *b, uint8_t type, uint16_t version, size_t n)
{
    b_u8(b, type);
    b_u16(b, version);
    b_vec16_rand(b, n);
}

static void record_ccs(struct buf *b, uint16_t version)
{
    b_u8(b, TLS_CT_CCS);
    b_u16(b, version);
    b_u16(b, 1);
    b_u8(b, 1);
}

static uint16_t grease(void)
{
    uint32_t k = rnd_below(16);
    return (uint16_t)(0x0a0a | k << 12 | k << 4);
}

static bool is_cbc(uint16_t cs)
{
    return cs == 0xc013 || cs == 0x0039 || cs == 0x002f || cs == 0x0035;
}

/* Ciphertext length of a record carrying n plaintext bytes. */
static size_t sealed_len(const struct conn *c, size_t n)
{
    if (c->version == 0x0304)
        return n + 1 + 16;
    if (c->cipher == 0xcca8)
        return n + 16;
    if (is_cbc(c->cipher)) {
        size_t body = (n + 20 + 1 + 15) / 16 * 16; /* HMAC-SHA1, padding */
        return c->version >= 0x0302 ? body + 16 : body; /* explicit IV from TLS 1.1 */
    }
    return n + 8 + 16; /* GCM: explicit nonce, tag */
}

/* One application data record of n plaintext bytes (at most 16 KiB). */
static void app_record(const struct conn *c, struct buf *b, size_t n)
{
    uint16_t rv = c->version == 0x0304 ? 0x0303 : c->version;
    record_random(b, TLS_CT_APPDATA, rv, sealed_len(c, n));
}

/* Extensions are built one by one into a blob, then emitted in an order
 * (Chrome shuffles all but its GREASE extensions). */
struct ext_list {
    struct buf blob;
    size_t start[MAX_EXTS + 1];
    size_t n;
    size_t cur;
};

static void ext_begin(struct ext_list *e, uint16_t type)
{
    e->start[e->n] = e->blob.n;
    b_u16(&e->blob, type);
    e->cur = b_open(&e->blob, 2);
}

static void ext_end(struct ext_list *e)
{
    b_close(&e->blob, e->cur, 2);
    e->n++;
    e->start[e->n] = e->blob.n;
}

static void ext_empty(struct ext_list *e, uint16_t type)
{
    ext_begin(e, type);
    ext_end(e);
}

static void ext_raw(struct ext_list *e, uint16_t type, const void *p, size_t n)
{
    ext_begin(e, type);
    b_mem(&e->blob, p, n);
    ext_end(e);
}

static void ext_u16_list(struct ext_list *e, uint16_t type, const uint16_t *v, size_t n, size_t len_width)
{
    ext_begin(e, type);
    size_t at = b_open(&e->blob, len_width);
    for (size_t i = 0; i < n; i++)
        b_u16(&e->blob, v[i]);
    b_close(&e->blob, at, len_width);
    ext_end(e);
}

static void ext_sni(struct ext_list *e, const char *name)
{
    ext_begin(e, 0x0000);
    size_t list = b_open(&e->blob, 2);
    b_u8(&e->blob, 0); /* host_name */
    b_u16(&e->blob, (uint32_t)strlen(name));
    b_str(&e->blob, name);
    b_close(&e->blob, list, 2);
    ext_end(e);
}

static void ext_alpn(struct ext_list *e, const char *const *protos, size_t n)
{
    ext_begin(e, 0x0010);
    size_t list = b_open(&e->blob, 2);
    for (size_t i = 0; i < n; i++) {
        b_u8(&e->blob, (uint32_t)strlen(protos[i]));
        b_str(&e->blob, protos[i]);
    }
    b_close(&e->blob, list, 2);
    ext_end(e);
}

static void ext_key_share(struct ext_list *e, const uint16_t *groups, size_t n)
{
    ext_begin(e, 0x0033);
    size_t list = b_open(&e->blob, 2);
    for (size_t i = 0; i < n; i++) {
        b_u16(&e->blob, groups[i]);
        bool is_grease = (groups[i] & 0x0f0f) == 0x0a0a;
        b_vec16_rand(&e->blob, is_grease ? 1 : share_len(groups[i], false));
    }
    b_close(&e->blob, list, 2);
    ext_end(e);
}

static void ext_emit(struct buf *b, const struct ext_list *e, const size_t *order)
{
    for (size_t i = 0; i < e->n; i++) {
        size_t k = order ? order[i] : i;
        b_mem(b, e->blob.p + e->start[k], e->start[k + 1] - e->start[k]);
    }
}

static void build_client_hello(struct conn *c, struct buf *b)
{
    static const uint16_t chrome_ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                               0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
    static const uint16_t firefox_ciphers[] = { 0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8,
                                                0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013, 0xc014, 0x009c,
                                                0x009d, 0x002f, 0x0035 };
    /* OpenSSL 3's default list, as curl, Python and most API clients send it */
    static const uint16_t openssl_ciphers[] = { 0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8,
                                                0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b, 0xc023,
                                                0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033,
                                                0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff };
    static const uint16_t ecdhe_ciphers[] = { 0xc02c, 0xc02b, 0xc030, 0xc02f, 0xcca9, 0xcca8, 0xc024,
                                              0xc023, 0xc028, 0xc027, 0xc00a, 0xc009, 0xc014, 0xc013,
                                              0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff };
    static const uint16_t dhe_ciphers[] = { 0x009f, 0x009e, 0x006b, 0x0067, 0x0039, 0x0033, 0x009d,
                                            0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x000a, 0x00ff };
    static const uint16_t legacy_ciphers[] = { 0xc014, 0xc013, 0x0039, 0x0033, 0x0035, 0x002f,
                                               0x0005, 0x0004, 0x000a };
    static const uint16_t chrome_sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
    static const uint16_t firefox_sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806,
                                                0x0401, 0x0501, 0x0601, 0x0203, 0x0201 };
    static const uint16_t java_sigalgs[] = { 0x0603, 0x0601, 0x0503, 0x0501, 0x0403, 0x0401,
                                             0x0303, 0x0301, 0x0203, 0x0201 };
    static const char *const alpn_h2[] = { "h2", "http/1.1" };
    static const char *const alpn_h1[] = { "http/1.1" };

    uint16_t legacy_version = c->kind == CK_LEGACY10 ? 0x0301 : 0x0303;
    b_u8(b, TLS_CT_HANDSHAKE);
    b_u16(b, 0x0301);
    size_t rec = b_open(b, 2);
    b_u8(b, 1); /* client_hello */
    size_t msg = b_open(b, 3);
    b_u16(b, legacy_version);
    b_rand(b, 32);
    b_u8(b, c->session_id_len);
    b_mem(b, c->session_id, c->session_id_len);

    size_t cs = b_open(b, 2);
    const uint16_t *list;
    size_t n;
    switch (c->kind) {
    case CK_CHROME13: list = chrome_ciphers; n = sizeof chrome_ciphers / 2; b_u16(b, grease()); break;
    case CK_FIREFOX13: list = firefox_ciphers; n = sizeof firefox_ciphers / 2; break;
    case CK_OPENSSL13: list = openssl_ciphers; n = sizeof openssl_ciphers / 2; break;
    case CK_TLS12_ECDHE: list = ecdhe_ciphers; n = sizeof ecdhe_ciphers / 2; break;
    case CK_TLS12_DHE: list = dhe_ciphers; n = sizeof dhe_ciphers / 2; break;
    default: list = legacy_ciphers; n = sizeof legacy_ciphers / 2; break;
    }
    for (size_t i = 0; i < n; i++)
        b_u16(b, list[i]);
    b_close(b, cs, 2);
    b_mem(b, "\x01\x00", 2); /* compression: null */

    if (!c->with_ext) {
        b_close(b, msg, 3);
        b_close(b, rec, 2);
        return;
    }
    struct ext_list e;
    memset(&e, 0, sizeof e);
    size_t order[MAX_EXTS];
    bool shuffle = false;
    if (c->kind == CK_CHROME13) {
        uint16_t g1 = grease(), g2;
        do
            g2 = grease();
        while (g2 == g1);
        uint16_t gg = grease();
        ext_empty(&e, g1);
        if (c->sni)
            ext_sni(&e, c->server_name);
        ext_empty(&e, 0x0017); /* extended_master_secret */
        ext_raw(&e, 0xff01, "\x00", 1);
        uint16_t groups[5];
        size_t ng = 0;
        groups[ng++] = gg;
        if (c->pq)
            groups[ng++] = 0x11ec;
        groups[ng++] = 0x001d;
        groups[ng++] = 0x0017;
        groups[ng++] = 0x0018;
        ext_u16_list(&e, 0x000a, groups, ng, 2);
        ext_raw(&e, 0x000b, "\x01\x00", 2);
        ext_empty(&e, 0x0023);
        ext_alpn(&e, alpn_h2, 2);
        ext_raw(&e, 0x0005, "\x01\x00\x00\x00\x00", 5);
        ext_u16_list(&e, 0x000d, chrome_sigalgs, sizeof chrome_sigalgs / 2, 2);
        ext_empty(&e, 0x0012);
        uint16_t shares[3];
        size_t ns = 0;
        shares[ns++] = gg;
        if (c->pq)
            shares[ns++] = 0x11ec;
        shares[ns++] = 0x001d;
        ext_key_share(&e, shares, ns);
        ext_raw(&e, 0x002d, "\x01\x01", 2);
        uint16_t versions[3] = { grease(), 0x0304, 0x0303 };
        ext_u16_list(&e, 0x002b, versions, 3, 1);
        ext_raw(&e, 0x001b, "\x02\x00\x02", 3);
        ext_raw(&e, 0x4469, "\x00\x03\x02\x68\x32", 5); /* application_settings: h2 */
        ext_raw(&e, g2, "\x00", 1);
        /* Chrome (110+) permutes every extension but its GREASE ones. */
        for (size_t i = 0; i < e.n; i++)
            order[i] = i;
        for (size_t i = e.n - 2; i > 1; i--) {
            size_t j = 1 + rnd_below((uint32_t)i);
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        shuffle = true;
    } else if (c->kind == CK_FIREFOX13) {
        static const uint16_t groups[] = { 0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101 };
        static const uint16_t shares[] = { 0x001d, 0x0017 };
        static const uint16_t versions[] = { 0x0304, 0x0303 };
        if (c->sni)
            ext_sni(&e, c->server_name);
        ext_empty(&e, 0x0017);
        ext_raw(&e, 0xff01, "\x00", 1);
        ext_u16_list(&e, 0x000a, groups, 6, 2);
        ext_raw(&e, 0x000b, "\x01\x00", 2);
        ext_empty(&e, 0x0023);
        ext_alpn(&e, alpn_h2, 2);
        ext_raw(&e, 0x0005, "\x01\x00\x00\x00\x00", 5);
        ext_raw(&e, 0x0022, "\x00\x08\x04\x03\x05\x03\x06\x03\x02\x03", 10); /* delegated_credentials */
        ext_key_share(&e, shares, 2);
        ext_u16_list(&e, 0x002b, versions, 2, 1);
        ext_u16_list(&e, 0x000d, firefox_sigalgs, sizeof firefox_sigalgs / 2, 2);
        ext_raw(&e, 0x002d, "\x01\x01", 2);
        ext_raw(&e, 0x001c, "\x40\x01", 2); /* record_size_limit */
        /* RFC 7685: pad a hello of 256..511 bytes to 512 (an F5 bug). */
        size_t hello = (b->n - msg - 3) + 2 + e.blob.n + 4;
        if (hello > 0xff && hello < 0x200) {
            size_t pad = 0x200 - hello;
            pad = pad >= 5 ? pad - 4 : 1;
            ext_begin(&e, 0x0015);
            b_grow(&e.blob, pad);
            memset(e.blob.p + e.blob.n - pad, 0, pad);
            ext_end(&e);
        }
    } else if (c->kind == CK_OPENSSL13) {
        static const uint16_t groups[] = { 0x001d, 0x0017, 0x001e, 0x0019, 0x0018,
                                           0x0100, 0x0101, 0x0102, 0x0103, 0x0104 };
        static const uint16_t sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x081a, 0x081b, 0x081c,
                                            0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
                                            0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602 };
        static const uint16_t shares[] = { 0x001d };
        static const uint16_t versions[] = { 0x0304, 0x0303 };
        if (c->sni)
            ext_sni(&e, c->server_name);
        ext_raw(&e, 0x000b, "\x03\x00\x01\x02", 4);
        ext_u16_list(&e, 0x000a, groups, sizeof groups / 2, 2);
        ext_empty(&e, 0x0023);
        ext_alpn(&e, alpn_h2, 2);
        ext_empty(&e, 0x0016); /* encrypt_then_mac */
        ext_empty(&e, 0x0017);
        ext_u16_list(&e, 0x000d, sigalgs, sizeof sigalgs / 2, 2);
        ext_u16_list(&e, 0x002b, versions, 2, 1);
        ext_raw(&e, 0x002d, "\x01\x01", 2);
        ext_key_share(&e, shares, 1);
    } else if (c->kind == CK_TLS12_ECDHE) {
        static const uint16_t groups[] = { 0x001d, 0x0017, 0x0018, 0x0019 };
        if (c->sni)
            ext_sni(&e, c->server_name);
        ext_u16_list(&e, 0x000a, groups, 4, 2);
        ext_raw(&e, 0x000b, "\x01\x00", 2);
        ext_u16_list(&e, 0x000d, java_sigalgs, sizeof java_sigalgs / 2, 2);
        ext_empty(&e, 0x0023);
        ext_empty(&e, 0x0017);
        if (c->alpn)
            ext_alpn(&e, alpn_h1, 1);
        ext_raw(&e, 0x0005, "\x01\x00\x00\x00\x00", 5);
    } else if (c->kind == CK_TLS12_DHE) {
        if (c->sni)
            ext_sni(&e, c->server_name);
        ext_u16_list(&e, 0x000d, java_sigalgs, sizeof java_sigalgs / 2, 2);
        ext_empty(&e, 0x0023);
        ext_raw(&e, 0x000f, "\x01", 1); /* heartbeat */
    } else {
        static const uint16_t groups[] = { 0x0017, 0x0018, 0x0019 };
        if (c->sni)
            ext_sni(&e, c->server_name);
        ext_raw(&e, 0xff01, "\x00", 1);
        ext_u16_list(&e, 0x000a, groups, 3, 2);
        ext_raw(&e, 0x000b, "\x01\x00", 2);
        ext_empty(&e, 0x0023);
    }
    size_t exts = b_open(b, 2);
    ext_emit(b, &e, shuffle ? order : NULL);
    b_close(b, exts, 2);
    b_free(&e.blob);
    b_close(b, msg, 3);
    b_close(b, rec, 2);
}

static void server_hello_extensions12(struct conn *c, struct buf *b)
{
    if (!c->with_ext)
        return;
    size_t exts = b_open(b, 2);
    b_mem(b, "\xff\x01\x00\x01\x00", 5); /* renegotiation_info */
    if (c->kx == KX_ECDHE)
        b_mem(b, "\x00\x0b\x00\x02\x01\x00", 6);
    if (c->ems)
        b_mem(b, "\x00\x17\x00\x00", 4);
    if (c->ticket_ext && c->srv->tickets)
        b_mem(b, "\x00\x23\x00\x00", 4);
    if (c->alpn && (c->srv->port == 443 || c->srv->port == 8443)) {
        const char *p = (c->kind == CK_CHROME13 || c->kind == CK_FIREFOX13 || c->kind == CK_OPENSSL13) ? "h2"
                                                                                                     : "http/1.1";
        b_u16(b, 0x0010);
        size_t ext = b_open(b, 2);
        size_t list = b_open(b, 2);
        b_u8(b, (uint32_t)strlen(p));
        b_str(b, p);
        b_close(b, list, 2);
        b_close(b, ext, 2);
    }
    b_close(b, exts, 2);
}

static void signature(struct conn *c, struct buf *b)
{
    if (c->version >= 0x0303)
        b_u16(b, c->srv->sigalg);
    b_vec16_rand(b, 256);
}

static void build_server_flight12(struct conn *c, struct buf *b)
{
    const struct server *s = c->srv;
    struct hs_writer w = { .b = b, .version = c->version, .bundle = s->bundle };
    msg_begin(&w, 2); /* server_hello */
    b_u16(b, c->version);
    b_rand(b, 32);
    b_vec8_rand(b, 32); /* a new session id */
    b_u16(b, c->cipher);
    b_u8(b, 0);
    server_hello_extensions12(c, b);
    msg_end(&w);

    msg_begin(&w, 11); /* certificate */
    size_t list = b_open(b, 3);
    b_mem(b, c->site->chain.p, c->site->chain.n);
    b_close(b, list, 3);
    msg_end(&w);

    if (c->kx == KX_ECDHE) {
        msg_begin(&w, 12); /* server_key_exchange, RFC 8422 5.4 */
        b_u8(b, 3);        /* named_curve */
        b_u16(b, c->group);
        b_vec8_rand(b, share_len(c->group, true));
        signature(c, b);
        msg_end(&w);
    } else if (c->kx == KX_DHE) {
        msg_begin(&w, 12); /* server_key_exchange, RFC 5246 7.4.3 */
        size_t plen = c->dh_bits / 8;
        b_u16(b, (uint32_t)plen);
        b_mem(b, c->dh_bits == 2048 ? prime_2048 : prime_1024, plen);
        b_mem(b, "\x00\x01\x02", 3); /* g = 2 */
        b_u16(b, (uint32_t)plen);
        size_t at = b->n;
        b_rand(b, plen);
        b->p[at] = (uint8_t)((b->p[at] & 0x7f) | 0x01); /* Ys < p, full size */
        signature(c, b);
        msg_end(&w);
    }
    msg_begin(&w, 14); /* server_hello_done */
    msg_end(&w);
    rec_end(&w);
}

static void build_server_flight13(struct conn *c, struct buf *b)
{
    const struct server *s = c->srv;
    b_u8(b, TLS_CT_HANDSHAKE);
    b_u16(b, 0x0303);
    size_t rec = b_open(b, 2);
    b_u8(b, 2);
    size_t msg = b_open(b, 3);
    b_u16(b, 0x0303);
    b_rand(b, 32);
    b_u8(b, c->session_id_len); /* echoed (RFC 8446 4.1.3) */
    b_mem(b, c->session_id, c->session_id_len);
    b_u16(b, c->cipher);
    b_u8(b, 0);
    size_t exts = b_open(b, 2);
    b_mem(b, "\x00\x2b\x00\x02\x03\x04", 6); /* supported_versions: TLS 1.3 */
    b_u16(b, 0x0033);
    size_t ks = b_open(b, 2);
    b_u16(b, c->group);
    b_vec16_rand(b, share_len(c->group, true));
    b_close(b, ks, 2);
    b_close(b, exts, 2);
    b_close(b, msg, 3);
    b_close(b, rec, 2);
    if (s->compat_ccs && c->session_id_len)
        record_ccs(b, 0x0303);

    /* Encrypted: EncryptedExtensions, Certificate, CertificateVerify, Finished. */
    size_t hash = c->cipher == 0x1302 ? 48 : 32;
    size_t ee = 4 + 2 + (c->alpn ? 9u : 0u) + rnd_below(8);
    size_t cert = 4 + 1 + 3 + c->site->chain.n + 2u * c->site->ncerts;
    size_t cv = 4 + 4 + 256;
    size_t fin = 4 + hash;
    if (s->bundle) {
        record_random(b, TLS_CT_APPDATA, 0x0303, ee + cert + cv + fin + 17);
    } else {
        record_random(b, TLS_CT_APPDATA, 0x0303, ee + 17);
        record_random(b, TLS_CT_APPDATA, 0x0303, cert + 17);
        record_random(b, TLS_CT_APPDATA, 0x0303, cv + 17);
        record_random(b, TLS_CT_APPDATA, 0x0303, fin + 17);
    }
}

static void build_alert(struct buf *b, uint16_t version, uint8_t level, uint8_t description)
{
    b_u8(b, TLS_CT_ALERT);
    b_u16(b, version);
    b_u16(b, 2);
    b_u8(b, level);
    b_u8(b, description);
}

static size_t finished_len(const struct conn *c)
{
    return sealed_len(c, 4 + 12);
}

static void build_client_finish12(struct conn *c, struct buf *b)
{
    struct hs_writer w = { .b = b, .version = c->version, .bundle = false };
    msg_begin(&w, 16); /* client_key_exchange */
    if (c->kx == KX_ECDHE)
        b_vec8_rand(b, share_len(c->group, false));
    else if (c->kx == KX_DHE)
        b_vec16_rand(b, c->dh_bits / 8);
    else
        b_vec16_rand(b, 256); /* RSA-encrypted premaster secret */
    msg_end(&w);
    record_ccs(b, c->version);
    record_random(b, TLS_CT_HANDSHAKE, c->version, finished_len(c));
}

static void build_server_finish12(struct conn *c, struct buf *b)
{
    if (c->ticket_ext && c->srv->tickets) {
        struct hs_writer w = { .b = b, .version = c->version, .bundle = false };
        msg_begin(&w, 4); /* new_session_ticket, RFC 5077 3.3 */
        b_u32(b, chance(500) ? 7200 : 300);
        b_vec16_rand(b, rnd_range(160, 224));
        msg_end(&w);
    }
    record_ccs(b, c->version);
    record_random(b, TLS_CT_HANDSHAKE, c->version, finished_len(c));
}

/* ---- the connection's life, a flight at a time ---- */

static void negotiate(struct conn *c)
{
    const struct server *s = c->srv;
    switch (c->kind) {
    case CK_CHROME13:
    case CK_FIREFOX13:
    case CK_OPENSSL13:
        if (s->tls13) {
            c->version = 0x0304;
            c->kx = KX_TLS13;
            c->cipher = s->cipher13;
            if (c->kind == CK_CHROME13)
                c->group = (c->pq && s->pq) ? 0x11ec : 0x001d;
            else if (c->kind == CK_OPENSSL13)
                c->group = 0x001d; /* its only key share */
            else
                c->group = s->group13;
        } else {
            c->version = 0x0303;
            c->kx = KX_ECDHE;
            c->cipher = s->cipher12_ecdhe;
            c->group = s->curve12;
        }
        break;
    case CK_TLS12_ECDHE:
        c->version = 0x0303;
        c->kx = KX_ECDHE;
        c->cipher = s->cipher12_ecdhe;
        c->group = s->curve12;
        break;
    case CK_TLS12_DHE:
        c->version = 0x0303;
        c->kx = KX_DHE;
        c->cipher = s->cipher12_dhe;
        c->dh_bits = s->dh_bits;
        break;
    default:
        if (!s->accept10) {
            c->version = 0; /* protocol_version alert */
            break;
        }
        c->version = 0x0301;
        c->cipher = s->cipher10;
        if (c->cipher == 0xc013 && !c->with_ext)
            c->cipher = 0x002f; /* no supported_groups: RSA key exchange */
        if (c->cipher == 0xc013) {
            c->kx = KX_ECDHE;
            c->group = s->curve12 == 0x001d ? 0x0017 : s->curve12; /* no x25519 in old stacks */
        } else if (c->cipher == 0x0039) {
            c->kx = KX_DHE;
            c->dh_bits = s->dh_bits;
        } else {
            c->kx = KX_RSA;
        }
        break;
    }
}

static void json_ip(FILE *f, const char *key, bool v6, const uint8_t *ip)
{
    char txt[INET6_ADDRSTRLEN];
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, ip, txt, sizeof txt))
        die("inet_ntop failed");
    fprintf(f, "\"%s\":\"%s\",", key, txt);
}

static void write_manifest(struct gen *g, const struct conn *c)
{
    FILE *f = g->manifest;
    const struct server *s = c->srv;
    fputc('{', f);
    json_ip(f, "source.ip", c->v6, c->cip);
    fprintf(f, "\"source.port\":%u,", (unsigned)c->cport);
    json_ip(f, "destination.ip", c->v6, s->ip);
    fprintf(f, "\"destination.port\":%u,", (unsigned)s->port);
    if (c->version) {
        fprintf(f, "\"tls.negotiated_version\":\"%s\",\"tls.cipher\":\"%s\",\"tls.outcome\":\"established\",",
                version_name(c->version), cipher_name(c->cipher));
    } else {
        fprintf(f, "\"tls.negotiated_version\":null,\"tls.cipher\":null,\"tls.outcome\":\"alert\","
                   "\"tls.alert.description\":\"protocol_version\",");
    }
    if (c->sni)
        fprintf(f, "\"tls.client.server_name\":\"%s\",", c->server_name);
    else
        fputs("\"tls.client.server_name\":null,", f);
    if (c->kx == KX_DHE && c->version)
        fprintf(f, "\"tls.server.dh.prime_bits\":%u,", (unsigned)c->dh_bits);
    else
        fputs("\"tls.server.dh.prime_bits\":null,", f);
    if (c->version && c->version < 0x0304)
        fprintf(f, "\"tls.server.certificate_chain_length\":%u,", (unsigned)c->site->ncerts);
    if ((c->kx == KX_ECDHE || c->kx == KX_TLS13) && c->version)
        fprintf(f, "\"tls.curve\":\"%s\"}\n", group_name(c->group));
    else
        fputs("\"tls.curve\":null}\n", f);
}

static struct conn *conn_new(struct gen *g)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        die("out of memory");
    /* Popular servers get most connections. */
    const struct server *s = &servers[rnd_below(rnd_below(NSERVERS) + 1)];
    c->srv = s;
    uint32_t r = rnd_below(1000);
    static const uint32_t mix_handshake[CK_COUNT] = { 300, 120, 130, 200, 100, 150 };
    static const uint32_t mix_bulk[CK_COUNT] = { 450, 180, 120, 170, 40, 40 };
    const uint32_t *mix = g->profile == PROFILE_BULK ? mix_bulk : mix_handshake;
    uint32_t acc = 0;
    c->kind = CK_LEGACY10;
    for (int k = 0; k < CK_COUNT; k++) {
        acc += mix[k];
        if (r < acc) {
            c->kind = (enum client_kind)k;
            break;
        }
    }
    g->per_kind[c->kind]++;

    c->v6 = s->v6;
    uint32_t h = rnd_below(NHOSTS);
    if (c->v6) {
        static const uint8_t prefix[] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x20 }; /* 2001:db8:20::/48 */
        memcpy(c->cip, prefix, sizeof prefix);
        c->cip[14] = (uint8_t)((h + 1) >> 8);
        c->cip[15] = (uint8_t)(h + 1);
    } else {
        uint32_t a = (10u << 24 | 20u << 16) + h + 1; /* 10.20.0.0/16 */
        for (int i = 0; i < 4; i++)
            c->cip[i] = (uint8_t)(a >> (24 - 8 * i));
    }
    /* Ephemeral ports count up per host (as Windows does), so a 4-tuple is
     * never reused within a capture. */
    if (g->host_port[h] == 0)
        g->host_port[h] = (uint16_t)rnd_range(32768, 60999);
    c->cport = g->host_port[h];
    g->host_port[h] = (uint16_t)(g->host_port[h] >= 60999 ? 32768 : g->host_port[h] + 1);
    c->client_ttl = c->kind == CK_LEGACY10 || chance(300) ? 128 : 64;
    c->ipid[0] = (uint16_t)rnd64();
    c->ipid[1] = (uint16_t)rnd64();
    c->flow_label = rnd_below(1u << 20);
    c->nxt[0] = (uint32_t)rnd64();
    c->nxt[1] = (uint32_t)rnd64();

    c->with_ext = c->kind != CK_LEGACY10 || chance(700);
    c->pq = c->kind == CK_CHROME13 && chance(400);
    switch (c->kind) {
    case CK_CHROME13:
    case CK_FIREFOX13:
    case CK_OPENSSL13: c->sni = true; break;
    case CK_TLS12_ECDHE: c->sni = chance(950); break;
    case CK_TLS12_DHE: c->sni = chance(900); break;
    default: c->sni = c->with_ext && chance(700); break;
    }
    static const char *const hosts[] = { "", "www.", "api.", "cdn.", "mail.", "login." };
    if (chance(g->profile == PROFILE_BULK ? 30 : 50)) {
        /* A tenant of a shared host: its own certificate, seen once. */
        char domain[64];
        snprintf(domain, sizeof domain, "tenant%llu.hosting.example", (unsigned long long)g->tail_sites++);
        make_site(&c->own_site, domain, rnd_below(NINTERMEDIATES));
        c->site = &c->own_site;
    } else {
        c->site = s->site;
    }
    snprintf(c->server_name, sizeof c->server_name, "%s%s", hosts[rnd_below(6)], c->site->domain);
    bool tls13 = c->kind == CK_CHROME13 || c->kind == CK_FIREFOX13 || c->kind == CK_OPENSSL13;
    c->alpn = tls13 || (c->kind == CK_TLS12_ECDHE && chance(500));
    c->ems = tls13 || c->kind == CK_TLS12_ECDHE;
    c->ticket_ext = c->with_ext;
    if (tls13 || chance(400)) {
        c->session_id_len = 32;
        rnd_fill(c->session_id, 32);
    }
    negotiate(c);
    if (!c->version)
        g->alerts++;

    uint64_t app = 0;
    if (c->version) {
        /* Records per connection: lognormal, most connections few, a few
         * very many (bulk: mean 36, median 12; handshake: mean 2). */
        double mu = g->profile == PROFILE_BULK ? log(36.0) - 1.5 * 1.5 / 2 : log(2.0) - 0.7 * 0.7 / 2;
        double sigma = g->profile == PROFILE_BULK ? 1.5 : 0.7;
        double n = floor(exp(mu + sigma * rnd_normal()) + 0.5);
        uint64_t recs = n < 1 ? 1 : n > 100000 ? 100000 : (uint64_t)n;
        double mean = g->profile == PROFILE_BULK ? 2400 : 600;
        if (g->profile == PROFILE_BULK) {
            /* Transfers fit what is left of --bytes, so the file ends near it. */
            uint64_t committed = g->written + g->outstanding;
            uint64_t left = g->target_bytes > committed ? g->target_bytes - committed : 0;
            uint64_t fit = (uint64_t)((double)left * 0.9 / (mean + 80));
            if (recs > fit)
                recs = fit > 1 ? fit : 1;
        }
        c->recs_total = c->recs_left = (uint32_t)recs;
        if (recs > g->max_records)
            g->max_records = recs;
        app = (uint64_t)((double)recs * (mean + 29));
    }
    c->est_left = 3000 + c->site->chain.n + app + app / 1460 * 110 + 40 * 70;
    g->outstanding += c->est_left;
    c->phase = PH_SYN;
    g->connections++;
    write_manifest(g, c);
    return c;
}

static void conn_free(struct gen *g, struct conn *c)
{
    g->outstanding -= c->est_left;
    b_free(&c->own_site.chain);
    b_free(&c->out[0]);
    b_free(&c->out[1]);
    free(c->q);
    free(c);
}

/* Application records per refill: a long burst goes out in several flights,
 * so memory stays bounded. */
#define APP_BURST 16u

/* Plaintext bytes of one application record. Requests are small (headers,
 * API calls; the odd upload in bulk traffic). Responses mix small frames,
 * medium bodies and the full 16 KiB records of large transfers. Means:
 * bulk about 610 (requests) and 2,450 (responses), handshake 370 and 680. */
static size_t app_record_size(const struct gen *g, int dir)
{
    bool bulk = g->profile == PROFILE_BULK;
    if (dir == DIR_C2S)
        return bulk && chance(15) ? 16384 : (size_t)rnd_size(40, 700);
    uint32_t r = rnd_below(1000);
    if (bulk)
        return r < 620 ? (size_t)rnd_size(30, 600) : r < 920 ? (size_t)rnd_size(600, 8192) : 16384;
    return r < 800 ? (size_t)rnd_size(30, 900) : (size_t)rnd_size(900, 4000);
}

/* Requests go one at a time, now and then two or three; a response is a
 * burst whose mean length grows with the connection, so a long connection
 * is a few long transfers rather than many short exchanges. */
static uint32_t burst_length(const struct conn *c, int dir)
{
    if (dir == DIR_C2S)
        return chance(850) ? 1 : rnd_range(2, 3);
    uint32_t mean = 2 + c->recs_total / 8;
    return rnd_range(1, 2 * mean - 1);
}

static void close_connection(struct conn *c)
{
    /* An encrypted close_notify first, half the time. */
    if (chance(500)) {
        int dir = chance(500) ? DIR_C2S : DIR_S2C;
        size_t from = c->out[dir].n;
        if (c->version == 0x0304)
            record_random(&c->out[dir], TLS_CT_APPDATA, 0x0303, 2 + 17);
        else
            record_random(&c->out[dir], TLS_CT_ALERT, c->version, sealed_len(c, 2));
        send_stream(c, dir, from);
    }
    uint32_t r = rnd_below(100);
    if (r < 8) {
        push_ctl(c, DIR_C2S, TH_RST | TH_ACK); /* browsers often reset */
    } else {
        int first = r < 65 ? DIR_C2S : DIR_S2C;
        push_ctl(c, first, TH_FIN | TH_ACK);
        push_ctl(c, !first, TH_FIN | TH_ACK);
        push_ctl(c, first, TH_ACK);
    }
}

/* Queues the next flight; false when the connection is over. */
static bool refill(struct gen *g, struct conn *c)
{
    c->qn = c->qpos = 0;
    c->out[0].n = c->out[1].n = 0;
    while (c->qn == 0) {
        switch (c->phase) {
        case PH_SYN:
            push_ctl(c, DIR_C2S, TH_SYN);
            push_ctl(c, DIR_S2C, TH_SYN | TH_ACK);
            push_ctl(c, DIR_C2S, TH_ACK);
            c->phase = PH_CLIENT_HELLO;
            break;
        case PH_CLIENT_HELLO:
            build_client_hello(c, &c->out[DIR_C2S]);
            send_stream(c, DIR_C2S, 0);
            if (chance(300))
                push_ctl(c, DIR_S2C, TH_ACK);
            c->phase = PH_SERVER_FLIGHT;
            break;
        case PH_SERVER_FLIGHT:
            if (!c->version) {
                /* A server that requires TLS 1.2 turns a TLS 1.0-only client away. */
                build_alert(&c->out[DIR_S2C], 0x0301, 2, 70);
                send_stream(c, DIR_S2C, 0);
                push_ctl(c, DIR_S2C, TH_FIN | TH_ACK);
                push_ctl(c, DIR_C2S, TH_ACK);
                push_ctl(c, DIR_C2S, TH_FIN | TH_ACK);
                push_ctl(c, DIR_S2C, TH_ACK);
                c->phase = PH_DONE;
                break;
            }
            if (c->version == 0x0304)
                build_server_flight13(c, &c->out[DIR_S2C]);
            else
                build_server_flight12(c, &c->out[DIR_S2C]);
            send_stream(c, DIR_S2C, 0);
            c->phase = PH_CLIENT_FINISH;
            break;
        case PH_CLIENT_FINISH:
            if (c->version == 0x0304) {
                struct buf *b = &c->out[DIR_C2S];
                if (c->session_id_len)
                    record_ccs(b, 0x0303);
                record_random(b, TLS_CT_APPDATA, 0x0303, 4 + (c->cipher == 0x1302 ? 48 : 32) + 17);
                /* The first request leaves with the Finished. */
                app_record(c, b, (size_t)rnd_size(40, 700));
                c->recs_left--;
                g->app_records++;
                c->burst_dir = DIR_C2S;
                c->burst_left = 0;
                c->tickets13_pending = true;
                send_stream(c, DIR_C2S, 0);
                c->phase = PH_APP;
            } else {
                build_client_finish12(c, &c->out[DIR_C2S]);
                send_stream(c, DIR_C2S, 0);
                c->phase = PH_SERVER_FINISH;
            }
            break;
        case PH_SERVER_FINISH:
            build_server_finish12(c, &c->out[DIR_S2C]);
            send_stream(c, DIR_S2C, 0);
            c->burst_dir = DIR_S2C;
            c->burst_left = 0;
            c->phase = PH_APP;
            break;
        case PH_APP: {
            if (c->recs_left == 0) {
                c->phase = PH_CLOSE;
                break;
            }
            if (c->burst_left == 0) {
                c->burst_dir = !c->burst_dir;
                c->burst_left = burst_length(c, c->burst_dir);
            }
            int dir = c->burst_dir;
            uint32_t k = c->burst_left < c->recs_left ? c->burst_left : c->recs_left;
            if (k > APP_BURST)
                k = APP_BURST;
            if (dir == DIR_S2C && c->tickets13_pending) {
                /* Two NewSessionTickets, encrypted, before the first response. */
                c->tickets13_pending = false;
                record_random(&c->out[DIR_S2C], TLS_CT_APPDATA, 0x0303, rnd_range(200, 260));
                record_random(&c->out[DIR_S2C], TLS_CT_APPDATA, 0x0303, rnd_range(200, 260));
            }
            for (uint32_t i = 0; i < k; i++)
                app_record(c, &c->out[dir], app_record_size(g, dir));
            c->burst_left -= k;
            c->recs_left -= k;
            g->app_records += k;
            send_stream(c, dir, 0);
            break;
        }
        case PH_CLOSE:
            close_connection(c);
            c->phase = PH_DONE;
            break;
        case PH_DONE:
            return false;
        }
    }
    disorder(g, c, 0);
    return true;
}

/* ---- pcap output ---- */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < n)
        sum += (uint32_t)p[i] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void write_packet(struct gen *g, struct conn *c, const struct pkt *k)
{
    uint8_t f[14 + 40 + 32 + 1500];
    const struct server *s = c->srv;
    bool c2s = k->dir == DIR_C2S;
    memcpy(f, c2s ? s->mac : ROUTER_MAC, 6);
    memcpy(f + 6, c2s ? ROUTER_MAC : s->mac, 6);
    put16(f + 12, c->v6 ? 0x86dd : 0x0800);
    const uint8_t *src = c2s ? c->cip : s->ip, *dst = c2s ? s->ip : c->cip;
    size_t opt = (k->flags & TH_SYN) ? 12 : 0;
    size_t tcp_len = 20 + opt + k->len;
    size_t ip_len = c->v6 ? 40 : 20;
    uint8_t *ip = f + 14, *tcp = f + 14 + ip_len;
    uint32_t sum;
    if (c->v6) {
        put32(ip, 6u << 28 | c->flow_label);
        put16(ip + 4, (uint32_t)tcp_len);
        ip[6] = 6;
        ip[7] = c2s ? c->client_ttl : 64;
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        sum = csum_add(0, ip + 8, 32);
    } else {
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, (uint32_t)(20 + tcp_len));
        put16(ip + 4, c->ipid[k->dir]++);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = c2s ? c->client_ttl : 64;
        ip[9] = 6;
        put16(ip + 10, 0);
        memcpy(ip + 12, src, 4);
        memcpy(ip + 16, dst, 4);
        put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
        sum = csum_add(0, ip + 12, 8);
    }
    sum += 6u + (uint32_t)tcp_len;
    put16(tcp, c2s ? c->cport : s->port);
    put16(tcp + 2, c2s ? s->port : c->cport);
    put32(tcp + 4, k->seq);
    put32(tcp + 8, k->ack);
    tcp[12] = (uint8_t)((20 + opt) / 4 << 4);
    tcp[13] = k->flags;
    put16(tcp + 14, c2s ? 64240 : 65160);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    if (opt) /* MSS, NOP, NOP, SACK permitted, NOP, window scale 7 */
        memcpy(tcp + 20, c->v6 ? "\x02\x04\x05\xa0\x01\x01\x04\x02\x01\x03\x03\x07"
                               : "\x02\x04\x05\xb4\x01\x01\x04\x02\x01\x03\x03\x07", 12);
    if (k->len)
        memcpy(tcp + 20 + opt, c->out[k->dir].p + k->off, k->len);
    put16(tcp + 16, csum_fold(csum_add(sum, tcp, tcp_len)));

    size_t frame = 14 + ip_len + tcp_len;
    uint32_t rec[4] = { (uint32_t)(g->now_us / 1000000u), (uint32_t)(g->now_us % 1000000u), (uint32_t)frame,
                        (uint32_t)frame };
    if (fwrite(rec, sizeof rec, 1, g->pcap) != 1 || fwrite(f, frame, 1, g->pcap) != 1)
        die("write failed");
    uint64_t bytes = sizeof rec + frame;
    g->written += bytes;
    g->packets++;
    uint64_t dec = bytes < c->est_left ? bytes : c->est_left;
    c->est_left -= dec;
    g->outstanding -= dec;
}

/* Writes the connection's next packet; false when it has no more. */
static bool conn_step(struct gen *g, struct conn *c)
{
    if (c->qpos == c->qn && !refill(g, c))
        return false;
    g->now_us += 1 + rnd_below(2 * g->mean_gap_us);
    write_packet(g, c, &c->q[c->qpos++]);
    return true;
}

/* ---- command line ---- */

static uint64_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        die("--bytes: not a number");
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    default: break;
    }
    if (*end)
        die("--bytes: trailing characters");
    return v;
}

static uint32_t parse_rate_ppm(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < 0 || v > 0.5)
        die("rates are fractions from 0 to 0.5");
    return (uint32_t)(v * 1e6 + 0.5);
}

static void usage(void)
{
    fputs("usage: gen_capture --out FILE --manifest FILE [--bytes N[k|M|G]] [--seed N]\n"
          "                   [--profile handshake|bulk] [--concurrency N]\n"
          "                   [--reorder-rate F] [--retrans-rate F]\n"
          "Writes a deterministic classic pcap of TLS connections (about N bytes, default 1G)\n"
          "and a JSON-lines manifest of what tlsscope must report for each connection.\n",
          stderr);
}

int main(int argc, char **argv)
{
    static struct gen g;
    const char *out = NULL, *manifest = NULL;
    uint64_t seed = 1;
    bool conc_set = false;
    g.target_bytes = 1ull << 30;
    g.profile = PROFILE_HANDSHAKE;
    g.reorder_ppm = 10000;
    g.retrans_ppm = 10000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage();
            return 0;
        }
        if (!v) {
            usage();
            return 2;
        }
        i++;
        if (strcmp(a, "--out") == 0) {
            out = v;
        } else if (strcmp(a, "--manifest") == 0) {
            manifest = v;
        } else if (strcmp(a, "--bytes") == 0) {
            g.target_bytes = parse_size(v);
        } else if (strcmp(a, "--seed") == 0) {
            seed = strtoull(v, NULL, 0);
        } else if (strcmp(a, "--profile") == 0) {
            if (strcmp(v, "handshake") == 0)
                g.profile = PROFILE_HANDSHAKE;
            else if (strcmp(v, "bulk") == 0)
                g.profile = PROFILE_BULK;
            else
                die("--profile: handshake or bulk");
        } else if (strcmp(a, "--concurrency") == 0) {
            g.concurrency = (uint32_t)strtoul(v, NULL, 10);
            if (g.concurrency == 0 || g.concurrency > 1000000)
                die("--concurrency: 1 to 1000000");
            conc_set = true;
        } else if (strcmp(a, "--reorder-rate") == 0) {
            g.reorder_ppm = parse_rate_ppm(v);
        } else if (strcmp(a, "--retrans-rate") == 0) {
            g.retrans_ppm = parse_rate_ppm(v);
        } else {
            usage();
            return 2;
        }
    }
    if (!out || !manifest) {
        usage();
        return 2;
    }
    if (!conc_set)
        g.concurrency = g.profile == PROFILE_BULK ? 64 : 1024;
    g.mean_gap_us = g.profile == PROFILE_BULK ? 8 : 20;
    uint64_t sm = seed;
    rng = splitmix64(&sm);
    if (rng == 0)
        rng = 1;
    hex_decode(MODP_2048, prime_2048, sizeof prime_2048);
    hex_decode(MODP_1024, prime_1024, sizeof prime_1024);
    setup_servers();

    g.pcap = fopen(out, "wb");
    g.manifest = fopen(manifest, "w");
    if (!g.pcap || !g.manifest)
        die("cannot open the output files");
    static char pcap_buf[1 << 22], manifest_buf[1 << 20];
    setvbuf(g.pcap, pcap_buf, _IOFBF, sizeof pcap_buf);
    setvbuf(g.manifest, manifest_buf, _IOFBF, sizeof manifest_buf);
    /* pcap file header: native byte order, microseconds, LINKTYPE_ETHERNET */
    struct {
        uint32_t magic;
        uint16_t major, minor;
        int32_t thiszone;
        uint32_t sigfigs, snaplen, linktype;
    } hdr = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1 };
    if (fwrite(&hdr, sizeof hdr, 1, g.pcap) != 1)
        die("write failed");
    g.written = sizeof hdr;
    g.now_us = 1709251200ull * 1000000u; /* 2024-03-01T00:00:00Z */

    uint32_t conc_min = g.concurrency / 16 ? g.concurrency / 16 : 1;
    if (g.profile == PROFILE_HANDSHAKE && g.concurrency >= 1024)
        conc_min = 64;
    struct conn **slots = calloc(g.concurrency, sizeof *slots);
    if (!slots)
        die("out of memory");
    uint32_t active = 0;
    g.conc_target = g.concurrency;
    uint64_t peak = 0, redraw_at = 0;
    for (;;) {
        /* The number of open connections wanders, as load does. */
        if (g.packets >= redraw_at) {
            g.conc_target = rnd_range(conc_min, g.concurrency);
            redraw_at = g.packets + 50000;
        }
        while (active < g.conc_target && g.written + g.outstanding < g.target_bytes)
            slots[active++] = conn_new(&g);
        if (active == 0)
            break;
        if (active > peak)
            peak = active;
        uint32_t i = rnd_below(active);
        if (!conn_step(&g, slots[i])) {
            conn_free(&g, slots[i]);
            slots[i] = slots[--active];
        }
    }
    free(slots);
    if (fclose(g.pcap) != 0 || fclose(g.manifest) != 0)
        die("write failed");
    fprintf(stderr,
            "gen_capture: %s: %llu bytes, %llu packets, %llu connections (peak %llu open), "
            "%llu reordered, %llu retransmitted, %llu protocol_version alerts;",
            out, (unsigned long long)g.written, (unsigned long long)g.packets,
            (unsigned long long)g.connections, (unsigned long long)peak, (unsigned long long)g.reordered,
            (unsigned long long)g.retransmitted, (unsigned long long)g.alerts);
    for (int k = 0; k < CK_COUNT; k++)
        fprintf(stderr, " %s %llu", kind_names[k], (unsigned long long)g.per_kind[k]);
    uint64_t established = g.connections - g.alerts;
    fprintf(stderr,
            "; %llu application records (mean %.1f, max %llu per established connection); "
            "%u shared certificate chains, %llu one-off\n",
            (unsigned long long)g.app_records, established ? (double)g.app_records / (double)established : 0.0,
            (unsigned long long)g.max_records, (unsigned)NSITES, (unsigned long long)g.tail_sites);
    for (uint32_t i = 0; i < NSITES; i++)
        b_free(&sites[i].chain);
    for (uint32_t i = 0; i < NINTERMEDIATES; i++)
        b_free(&intermediates[i].der);
    for (uint32_t i = 0; i < NROOTS; i++)
        b_free(&roots[i].der);
    return 0;
}
