/* names.h - names of TLS code points, from tables generated at build time out
 * of the IANA registry data in data/iana/ (tools/gen_iana_tables.cmake).
 *
 * Every lookup returns NULL for a code with no registry name; callers then
 * write the code as 4 lowercase hex digits (SCHEMA.md "Value formats").
 */
#ifndef TLSSCOPE_NAMES_H
#define TLSSCOPE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

const char *tls_cipher_name(uint16_t code);
const char *tls_group_name(uint16_t code);
const char *tls_sigscheme_name(uint16_t code);
const char *tls_extension_name(uint16_t code);
const char *tls_alert_name(uint8_t code);
const char *tls_handshake_type_name(uint8_t code);
const char *sslv2_cipher_name(uint32_t code); /* 3-byte SSLv2 cipher kind */

/* RFC 8701: GREASE values are 0x?a?a with both bytes equal. */
static inline bool tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Writes a version token (SSLv2, SSLv3, TLSv1.0..TLSv1.3, TLSv1.3-draftNN,
 * else 0x7a7a) into buf (at least TLS_VERSION_TOKEN_MAX bytes); returns buf. */
#define TLS_VERSION_TOKEN_MAX 24
const char *tls_version_token(uint16_t version, char *buf);

/* ECS tls.version / tls.version_protocol: "1.2"/"tls", "3.0"/"ssl"; false for
 * versions ECS has no form for (drafts, unknown). */
bool tls_version_ecs(uint16_t version, const char **number, const char **protocol);

/* Writes a 16-bit code as "0x" + 4 lowercase hex digits into buf[7]. */
const char *tls_hex16(uint16_t code, char *buf);

/* The key exchange a cipher suite uses, which decides the ServerKeyExchange layout. */
enum tls_kx {
    TLS_KX_UNKNOWN = 0,
    TLS_KX_RSA,          /* no SKE, or RSA_EXPORT's temporary RSA key */
    TLS_KX_DHE,          /* DHE_RSA, DHE_DSS, DH_anon */
    TLS_KX_ECDHE,        /* ECDHE_RSA, ECDHE_ECDSA, ECDH_anon */
    TLS_KX_PSK,
    TLS_KX_DHE_PSK,
    TLS_KX_ECDHE_PSK,
    TLS_KX_RSA_PSK,
    TLS_KX_TLS13,        /* TLS 1.3 suites: key_share, no SKE */
};
enum tls_kx tls_cipher_kx(uint16_t cipher);
const char *tls_kx_name(enum tls_kx kx);
/* True for anonymous suites (DH_anon, ECDH_anon): their SKE has no signature. */
bool tls_cipher_is_anon(uint16_t cipher);

#endif
