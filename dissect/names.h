/* names.h - names of TLS code points, from tables generated at build time out
 * of the IANA registry data in data/iana/ (tools/gen_iana_tables.cmake).
 *
 * Every lookup returns NULL for a code with no registry name; callers then
 * write the code as 4 lowercase hex digits (SCHEMA.md "Value formats").
 * Versions are named from the one version table in tls_facts.h, and the
 * facts' enums from their X-macro lists there.
 */
#ifndef TLSSCOPE_NAMES_H
#define TLSSCOPE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/iana_tables.h"
#include "dissect/tls_facts.h"

/* The registries, for writers that want a name with its length. */
enum tls_registry {
    TLS_REG_CIPHER_SUITE,
    TLS_REG_GROUP,
    TLS_REG_SIGNATURE_SCHEME,
    TLS_REG_EXTENSION,
    TLS_REG_ALERT,
    TLS_REG_HANDSHAKE_TYPE,
    TLS_REG_SSLV2_CIPHER_KIND,
};

/* The row of a code in a registry (name and its length), NULL when unnamed. */
const struct iana_entry *tls_registry_entry(enum tls_registry reg, uint32_t code);

const char *tls_cipher_name(uint16_t code);
const char *tls_group_name(uint16_t code);
const char *tls_sigscheme_name(uint16_t code);
const char *tls_extension_name(uint16_t code);
const char *tls_alert_name(uint8_t code);
const char *tls_handshake_type_name(uint8_t code);
const char *sslv2_cipher_name(uint32_t code); /* 3-byte SSLv2 cipher kind */

/* Writes a version token (SSLv2, SSLv3, TLSv1.0..TLSv1.3, TLSv1.3-draftNN,
 * else 0x7a7a) into buf (at least TLS_VERSION_TOKEN_MAX bytes); returns buf. */
#define TLS_VERSION_TOKEN_MAX 24
const char *tls_version_token(uint16_t version, char *buf);

/* ECS tls.version / tls.version_protocol: "1.2"/"tls", "3.0"/"ssl"; false for
 * versions ECS has no form for (drafts, unknown). */
bool tls_version_ecs(uint16_t version, const char **number, const char **protocol);

/* Writes a 16-bit code as "0x" + 4 lowercase hex digits into buf[7]. */
const char *tls_hex16(uint16_t code, char *buf);

/* Names of the facts' enums (tls_facts.h); NULL for UNKNOWN, TLS_WEAKNESS_NONE
 * and values out of range. */
const char *tls_kx_name(enum tls_kx kx);
const char *tls_auth_name(enum tls_auth auth);
const char *tls_enc_name(enum tls_enc enc);
const char *tls_mac_name(enum tls_mac mac);
const char *tls_weakness_name(enum tls_weakness w);

#endif
