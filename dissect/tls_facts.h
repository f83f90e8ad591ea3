/* tls_facts.h - the one vocabulary of derived TLS facts: what a report's code
 * points mean, computed in one place for the dissector, findings and every
 * writer.
 *
 * - Versions: one table orders and names them (SSLv2 < SSLv3 < TLS 1.0 <
 *   1.1 < 1.2 < TLS 1.3 drafts < TLS 1.3; RFC 8446 4.2.1 and the drafts'
 *   0x7f00 + draft number), the version a connection negotiated and the
 *   versions a client offers.
 * - Cipher suites: key exchange, authentication, bulk cipher, MAC and flags,
 *   generated at build time from the registry names in data/iana/ beside
 *   the names themselves (tools/gen_iana_tables.cmake), so no policy ever
 *   matches substrings of names.
 * - Key sizes: the bit length of a big-endian integer.
 * - Resumption.
 *
 * Everything here is numbers; names for the enums are in names.h, and all
 * text is made in output/.
 */
#ifndef TLSSCOPE_TLS_FACTS_H
#define TLSSCOPE_TLS_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

struct tls_client_report;
struct tls_server_report;
struct tls_report;

/* RFC 8701: GREASE values are 0x?a?a with both bytes equal. */
static inline bool tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* ---- cipher suites ------------------------------------------------------ */

/* X(enum suffix, name): the key exchange a suite uses. DH_anon and ECDH_anon
 * are ephemeral (DHE, ECDHE) with TLS_AUTH_ANON; TLS 1.3 suites leave it to
 * key_share (TLS13). The first nine keep the values tls_cipher_kx() returns. */
#define TLS_KX_LIST(X)                                                                                                \
    X(UNKNOWN, NULL)                                                                                                  \
    X(RSA, "RSA")                                                                                                     \
    X(DHE, "DHE")                                                                                                     \
    X(ECDHE, "ECDHE")                                                                                                 \
    X(PSK, "PSK")                                                                                                     \
    X(DHE_PSK, "DHE_PSK")                                                                                             \
    X(ECDHE_PSK, "ECDHE_PSK")                                                                                         \
    X(RSA_PSK, "RSA_PSK")                                                                                             \
    X(TLS13, "TLS13")                                                                                                 \
    X(NONE, "NULL")                                                                                                   \
    X(DH, "DH")                                                                                                       \
    X(ECDH, "ECDH")                                                                                                   \
    X(KRB5, "KRB5")                                                                                                   \
    X(SRP, "SRP")                                                                                                     \
    X(ECCPWD, "ECCPWD")                                                                                               \
    X(ECJPAKE, "ECJPAKE")                                                                                             \
    X(GOST, "GOST")

/* Who proves its identity, and how. */
#define TLS_AUTH_LIST(X)                                                                                              \
    X(UNKNOWN, NULL)                                                                                                  \
    X(NONE, "NULL")                                                                                                   \
    X(ANON, "anon")                                                                                                   \
    X(RSA, "RSA")                                                                                                     \
    X(DSS, "DSS")                                                                                                     \
    X(ECDSA, "ECDSA")                                                                                                 \
    X(PSK, "PSK")                                                                                                     \
    X(KRB5, "KRB5")                                                                                                   \
    X(SRP, "SRP")                                                                                                     \
    X(ECCPWD, "ECCPWD")                                                                                               \
    X(ECJPAKE, "ECJPAKE")                                                                                             \
    X(GOST, "GOST")                                                                                                   \
    X(TLS13, "TLS13") /* by signature_algorithms, not by the suite */

/* The bulk cipher (its key size is tls_cipher_attrs.enc_bits). */
#define TLS_ENC_LIST(X)                                                                                               \
    X(UNKNOWN, NULL)                                                                                                  \
    X(NONE, "NULL")                                                                                                   \
    X(RC4, "RC4")                                                                                                     \
    X(RC2, "RC2")                                                                                                     \
    X(DES, "DES")                                                                                                     \
    X(3DES, "3DES")                                                                                                   \
    X(IDEA, "IDEA")                                                                                                   \
    X(SEED, "SEED")                                                                                                   \
    X(FORTEZZA, "FORTEZZA")                                                                                           \
    X(AES, "AES")                                                                                                     \
    X(ARIA, "ARIA")                                                                                                   \
    X(CAMELLIA, "CAMELLIA")                                                                                           \
    X(CHACHA20, "CHACHA20")                                                                                           \
    X(SALSA20, "SALSA20")                                                                                             \
    X(SM1, "SM1")                                                                                                     \
    X(SM4, "SM4")                                                                                                     \
    X(GOST28147, "GOST28147")                                                                                         \
    X(KUZNYECHIK, "KUZNYECHIK")                                                                                       \
    X(MAGMA, "MAGMA")

/* The record MAC; AEAD when the cipher itself protects integrity. */
#define TLS_MAC_LIST(X)                                                                                               \
    X(UNKNOWN, NULL)                                                                                                  \
    X(NONE, "NULL")                                                                                                   \
    X(MD5, "MD5")                                                                                                     \
    X(SHA1, "SHA1")                                                                                                   \
    X(SHA256, "SHA256")                                                                                               \
    X(SHA384, "SHA384")                                                                                               \
    X(SM3, "SM3")                                                                                                     \
    X(GOST, "GOST")                                                                                                   \
    X(AEAD, "AEAD")

#define TLS_FACTS_ENUM(prefix, suffix, name) prefix##suffix,
#define TLS_KX_ENUM(s, n) TLS_FACTS_ENUM(TLS_KX_, s, n)
#define TLS_AUTH_ENUM(s, n) TLS_FACTS_ENUM(TLS_AUTH_, s, n)
#define TLS_ENC_ENUM(s, n) TLS_FACTS_ENUM(TLS_ENC_, s, n)
#define TLS_MAC_ENUM(s, n) TLS_FACTS_ENUM(TLS_MAC_, s, n)
enum tls_kx { TLS_KX_LIST(TLS_KX_ENUM) TLS_KX_COUNT };
enum tls_auth { TLS_AUTH_LIST(TLS_AUTH_ENUM) TLS_AUTH_COUNT };
enum tls_enc { TLS_ENC_LIST(TLS_ENC_ENUM) TLS_ENC_COUNT };
enum tls_mac { TLS_MAC_LIST(TLS_MAC_ENUM) TLS_MAC_COUNT };

/* Flags of a suite. */
enum {
    TLS_CS_EXPORT = 1u << 0, /* export-grade (RSA_EXPORT, DHE_DSS_EXPORT1024, ...) */
    TLS_CS_AEAD = 1u << 1,   /* GCM, CCM, ChaCha20-Poly1305, MGM */
    TLS_CS_CBC = 1u << 2,    /* a block cipher in CBC mode, MAC-then-encrypt */
    TLS_CS_STREAM = 1u << 3, /* RC4, Salsa20, GOST counter modes */
    TLS_CS_TLS13 = 1u << 4,  /* a TLS 1.3 suite (no key exchange in the suite) */
    TLS_CS_SCSV = 1u << 5,   /* a signalling value, not a suite (RFC 5746, RFC 7507) */
    TLS_CS_GREASE = 1u << 6, /* RFC 8701 reserved value */
};

/* One row of the generated table (index for index beside the names). Enums
 * are stored in bytes to keep the table small. */
struct tls_cipher_attrs {
    uint8_t kx;       /* enum tls_kx */
    uint8_t auth;     /* enum tls_auth */
    uint8_t enc;      /* enum tls_enc */
    uint8_t mac;      /* enum tls_mac */
    uint16_t enc_bits; /* key size of the bulk cipher; 0 for NULL or unknown */
    uint16_t flags;   /* TLS_CS_* */
};

/* The attributes of a suite; a code the registry lacks gets an all-unknown
 * row (never NULL). */
const struct tls_cipher_attrs *tls_cipher_attrs(uint16_t code);

/* The key exchange whose ServerKeyExchange layout tlsscope reads (RSA_EXPORT's
 * temporary key, DHE, ECDHE, the PSK family) or TLS13; TLS_KX_UNKNOWN for every
 * other suite (static DH/ECDH, KRB5, SRP, GOST, unassigned): none of them
 * sends a ServerKeyExchange tlsscope can parse. */
enum tls_kx tls_cipher_kx(uint16_t code);

/* True for anonymous suites (DH_anon, ECDH_anon): their SKE has no signature. */
bool tls_cipher_is_anon(uint16_t code);

/* Why a suite is no longer acceptable (RFC 7465 RC4, RFC 8996 context, NIST
 * SP 800-52r2), the most serious reason first when several apply. */
#define TLS_WEAKNESS_LIST(X)                                                                                          \
    X(NONE, NULL)                                                                                                     \
    X(NULL_ENCRYPTION, "NULL encryption")                                                                             \
    X(EXPORT, "export-grade")                                                                                         \
    X(RC4, "RC4")                                                                                                     \
    X(DES, "single DES")                                                                                              \
    X(3DES, "triple DES")                                                                                             \
    X(ANON, "anonymous (unauthenticated)")                                                                            \
    X(MD5, "MD5 MAC")
#define TLS_WEAKNESS_ENUM(s, n) TLS_FACTS_ENUM(TLS_WEAKNESS_, s, n)
enum tls_weakness { TLS_WEAKNESS_LIST(TLS_WEAKNESS_ENUM) TLS_WEAKNESS_COUNT };

enum tls_weakness tls_cipher_weakness(uint16_t code);

/* ---- versions ----------------------------------------------------------- */

/* X(code, rank, token, ECS number, ECS protocol, JA4 code): every version
 * tlsscope names. Rank orders versions for "highest" (0: unknown or DTLS,
 * which rank below everything). An SSLv2 ClientHello carries 0x0002; some
 * stacks write SSLv2 as 0x0200 in the same field: both are SSLv2, but JA4's
 * reference knows only 0x0002. TLS 1.3 drafts (0x7f00 + draft) rank 9 and
 * are named by tls_version_token(). */
#define TLS_VERSION_LIST(X)                                                                                           \
    X(0x0002, 1, "SSLv2", "2.0", "ssl", "s2")                                                                         \
    X(0x0200, 1, "SSLv2", "2.0", "ssl", "00")                                                                         \
    X(0x0300, 2, "SSLv3", "3.0", "ssl", "s3")                                                                         \
    X(0x0301, 4, "TLSv1.0", "1.0", "tls", "10")                                                                       \
    X(0x0302, 6, "TLSv1.1", "1.1", "tls", "11")                                                                       \
    X(0x0303, 8, "TLSv1.2", "1.2", "tls", "12")                                                                       \
    X(0x0304, 10, "TLSv1.3", "1.3", "tls", "13")                                                                      \
    X(0xfeff, 6, "DTLSv1.0", "1.0", "dtls", "d1")                                                                     \
    X(0xfefd, 8, "DTLSv1.2", "1.2", "dtls", "d2")                                                                     \
    X(0xfefc, 10, "DTLSv1.3", "1.3", "dtls", "d3")

struct tls_version_info {
    uint16_t code;
    uint8_t rank;
    const char *token;        /* SCHEMA.md version token; NULL: none */
    const char *ecs_number;   /* ECS tls.version; NULL: none */
    const char *ecs_protocol; /* ECS tls.version_protocol */
    const char *ja4;          /* JA4's two-character version code */
};

/* The row of a version, NULL for one the table lacks (drafts included). */
const struct tls_version_info *tls_version_info(uint16_t version);

#define TLS_VERSION_RANK_DRAFT 9
/* The order of versions for "highest", 0 for unknown ones. */
unsigned tls_version_rank(uint16_t version);
/* TLS 1.3, one of its drafts, or Google's experiment versions 0x7e01/0x7e02. */
bool tls_version_is_tls13(uint16_t version);
/* SSLv2, SSLv3, TLS 1.0 or 1.1. */
bool tls_version_below_tls12(uint16_t version);

/* The version the server chose: supported_versions (RFC 8446 4.2.1) when it
 * sent one, else ServerHello.legacy_version. */
uint16_t tls_negotiated_version(const struct tls_server_report *s);

/* Every version the client is willing to use, highest first, into out[cap];
 * returns the count. Its supported_versions list when it sent one (GREASE and
 * duplicates dropped), else its legacy_version and the TLS versions below it
 * down to TLS 1.0 (SSLv3 or SSLv2 only if that is all it asks). */
size_t tls_offered_versions(const struct tls_client_report *c, uint16_t *out, size_t cap);

/* tls.legacy: 1 when the connection negotiated a version below TLS 1.2 (DTLS
 * 1.2), or negotiated none and the client offers nothing at TLS 1.2 or
 * above; 0 when it negotiated, or the client offers, TLS 1.2 or later; -1
 * when neither hello was read. One boolean that is safe to filter on, where
 * comparing version strings is not (a missing field sorts below every
 * string in jq; "DTLSv1.2" sorts below "TLSv1.0"). */
int tls_legacy(const struct tls_report *r);

/* ---- key sizes ---------------------------------------------------------- */

/* Bit length of a big-endian unsigned integer (a DH prime, generator or
 * public value; an RSA modulus), leading zero bytes ignored; 0 for zero. */
uint32_t tls_bignum_bits(struct span v);

/* ---- resumption --------------------------------------------------------- */

/* Whether the connection resumed a session: in TLS 1.3 the server accepted a
 * pre_shared_key; before it, the server echoed the client's session ID or
 * went from its hello straight to ChangeCipherSpec (a session ticket) without
 * a Certificate or key exchange (`server_flight_after_hello`). */
bool tls_resumed(const struct tls_report *r, bool server_flight_after_hello);

#endif
