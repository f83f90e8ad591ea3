/* names.c - names of TLS code points and version tokens (SCHEMA.md "Value
 * formats").
 *
 * The registry names come from the generated tables in iana_tables.h (IANA
 * "Transport Layer Security (TLS) Parameters" and "TLS ExtensionType Values");
 * versions are named from the one version table of tls_facts.h. This runs
 * once per output line, never per packet.
 */
#include "dissect/names.h"

#include "common/strbuf.h"
#include "dissect/iana_tables.h"

/* The tables are sorted and duplicate-free (the generator guarantees it). */
size_t iana_index(const struct iana_entry *t, size_t n, uint32_t code)
{
    size_t lo = 0, hi = n; /* search [lo, hi) */

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].code == code)
            return mid;
        if (t[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return n;
}

const struct iana_entry *tls_registry_entry(enum tls_registry reg, uint32_t code)
{
    static const struct {
        const struct iana_entry *t;
        const size_t *n;
    } registries[] = {
        [TLS_REG_CIPHER_SUITE] = { iana_cipher_suites, &iana_cipher_suites_count },
        [TLS_REG_GROUP] = { iana_groups, &iana_groups_count },
        [TLS_REG_SIGNATURE_SCHEME] = { iana_signature_schemes, &iana_signature_schemes_count },
        [TLS_REG_EXTENSION] = { iana_extensions, &iana_extensions_count },
        [TLS_REG_ALERT] = { iana_alerts, &iana_alerts_count },
        [TLS_REG_HANDSHAKE_TYPE] = { iana_handshake_types, &iana_handshake_types_count },
        [TLS_REG_SSLV2_CIPHER_KIND] = { iana_sslv2_cipher_kinds, &iana_sslv2_cipher_kinds_count },
    };
    if ((size_t)reg >= sizeof registries / sizeof registries[0])
        return NULL;
    size_t n = *registries[reg].n;
    size_t i = iana_index(registries[reg].t, n, code);
    return i < n ? &registries[reg].t[i] : NULL;
}

static const char *registry_name(enum tls_registry reg, uint32_t code)
{
    const struct iana_entry *e = tls_registry_entry(reg, code);
    return e ? e->name : NULL;
}

const char *tls_cipher_name(uint16_t code)
{
    return registry_name(TLS_REG_CIPHER_SUITE, code);
}

const char *tls_group_name(uint16_t code)
{
    return registry_name(TLS_REG_GROUP, code);
}

const char *tls_sigscheme_name(uint16_t code)
{
    return registry_name(TLS_REG_SIGNATURE_SCHEME, code);
}

const char *tls_extension_name(uint16_t code)
{
    return registry_name(TLS_REG_EXTENSION, code);
}

const char *tls_alert_name(uint8_t code)
{
    return registry_name(TLS_REG_ALERT, code);
}

const char *tls_handshake_type_name(uint8_t code)
{
    return registry_name(TLS_REG_HANDSHAKE_TYPE, code);
}

const char *sslv2_cipher_name(uint32_t code)
{
    return registry_name(TLS_REG_SSLV2_CIPHER_KIND, code);
}

const char *tls_hex16(uint16_t code, char *buf)
{
    struct strbuf b;
    strbuf_init(&b, buf, 6);
    strbuf_put(&b, "0x", 2);
    strbuf_hexn(&b, code, 4);
    buf[6] = '\0';
    return buf;
}

const char *tls_version_token(uint16_t version, char *buf)
{
    const struct tls_version_info *v = tls_version_info(version);
    struct strbuf b;
    strbuf_init(&b, buf, TLS_VERSION_TOKEN_MAX - 1);
    if (v && v->token) {
        strbuf_puts(&b, v->token);
    } else if ((version >> 8) == 0x7f) {
        /* draft-ietf-tls-tls13-NN announced itself as 0x7f00 + NN. */
        strbuf_puts(&b, "TLSv1.3-draft");
        strbuf_u64(&b, version & 0xffu);
    } else {
        strbuf_put(&b, "0x", 2);
        strbuf_hexn(&b, version, 4);
    }
    buf[b.len] = '\0';
    return buf;
}

bool tls_version_ecs(uint16_t version, const char **number, const char **protocol)
{
    const struct tls_version_info *v = tls_version_info(version);
    if (!v || !v->ecs_number)
        return false;
    *number = v->ecs_number;
    *protocol = v->ecs_protocol;
    return true;
}

/* The names of each enum, from the same X-macro list as the enum itself. */
#define NAME_ROW(suffix, name) name,
#define ENUM_NAME(list, value)                                                                                        \
    do {                                                                                                              \
        static const char *const names[] = { list(NAME_ROW) };                                                        \
        return (size_t)(value) < sizeof names / sizeof names[0] ? names[value] : NULL;                                \
    } while (0)

const char *tls_kx_name(enum tls_kx kx)
{
    ENUM_NAME(TLS_KX_LIST, kx);
}

const char *tls_auth_name(enum tls_auth auth)
{
    ENUM_NAME(TLS_AUTH_LIST, auth);
}

const char *tls_enc_name(enum tls_enc enc)
{
    ENUM_NAME(TLS_ENC_LIST, enc);
}

const char *tls_mac_name(enum tls_mac mac)
{
    ENUM_NAME(TLS_MAC_LIST, mac);
}

const char *tls_weakness_name(enum tls_weakness w)
{
    ENUM_NAME(TLS_WEAKNESS_LIST, w);
}
