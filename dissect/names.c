/* names.c - names of TLS code points and version tokens (SCHEMA.md "Value
 * formats").
 *
 * The registry names come from the generated tables in iana_tables.h (IANA
 * "Transport Layer Security (TLS) Parameters" and "TLS ExtensionType Values");
 * versions follow RFC 8446 section 4.2.1 (0x0304) and the TLS 1.3 drafts'
 * 0x7f00 + draft number. This runs once per output line, never per packet.
 */
#include "dissect/names.h"

#include <string.h>

#include "dissect/iana_tables.h"

static const char hex_lower[16] = "0123456789abcdef";

/* The tables are sorted and duplicate-free (the generator guarantees it). */
static const char *iana_lookup(const struct iana_entry *t, size_t n, uint32_t code)
{
    size_t lo = 0, hi = n; /* search [lo, hi) */

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].code == code)
            return t[mid].name;
        if (t[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *tls_cipher_name(uint16_t code)
{
    return iana_lookup(iana_cipher_suites, iana_cipher_suites_count, code);
}

const char *tls_group_name(uint16_t code)
{
    return iana_lookup(iana_groups, iana_groups_count, code);
}

const char *tls_sigscheme_name(uint16_t code)
{
    return iana_lookup(iana_signature_schemes, iana_signature_schemes_count, code);
}

const char *tls_extension_name(uint16_t code)
{
    return iana_lookup(iana_extensions, iana_extensions_count, code);
}

const char *tls_alert_name(uint8_t code)
{
    return iana_lookup(iana_alerts, iana_alerts_count, code);
}

const char *tls_handshake_type_name(uint8_t code)
{
    return iana_lookup(iana_handshake_types, iana_handshake_types_count, code);
}

const char *sslv2_cipher_name(uint32_t code)
{
    return iana_lookup(iana_sslv2_cipher_kinds, iana_sslv2_cipher_kinds_count, code);
}

const char *tls_hex16(uint16_t code, char *buf)
{
    buf[0] = '0';
    buf[1] = 'x';
    buf[2] = hex_lower[(code >> 12) & 0xf];
    buf[3] = hex_lower[(code >> 8) & 0xf];
    buf[4] = hex_lower[(code >> 4) & 0xf];
    buf[5] = hex_lower[code & 0xf];
    buf[6] = '\0';
    return buf;
}

static char *put_str(char *dst, const char *s)
{
    while (*s)
        *dst++ = *s++;
    return dst;
}

const char *tls_version_token(uint16_t version, char *buf)
{
    const char *fixed = NULL;

    switch (version) {
    /* An SSLv2 ClientHello carries 0x0002; some stacks write SSLv2 as 0x0200
     * in the same field, and both mean the same protocol. */
    case 0x0002:
    case 0x0200: fixed = "SSLv2"; break;
    case 0x0300: fixed = "SSLv3"; break;
    case 0x0301: fixed = "TLSv1.0"; break;
    case 0x0302: fixed = "TLSv1.1"; break;
    case 0x0303: fixed = "TLSv1.2"; break;
    case 0x0304: fixed = "TLSv1.3"; break;
    default: break;
    }
    if (fixed) {
        *put_str(buf, fixed) = '\0';
        return buf;
    }
    if ((version >> 8) == 0x7f) {
        /* draft-ietf-tls-tls13-NN announced itself as 0x7f00 + NN. */
        unsigned draft = version & 0xffu;
        char *p = put_str(buf, "TLSv1.3-draft");
        if (draft >= 100)
            *p++ = (char)('0' + draft / 100);
        if (draft >= 10)
            *p++ = (char)('0' + draft / 10 % 10);
        *p++ = (char)('0' + draft % 10);
        *p = '\0';
        return buf;
    }
    return tls_hex16(version, buf);
}

bool tls_version_ecs(uint16_t version, const char **number, const char **protocol)
{
    switch (version) {
    case 0x0002:
    case 0x0200: *number = "2.0"; *protocol = "ssl"; return true;
    case 0x0300: *number = "3.0"; *protocol = "ssl"; return true;
    case 0x0301: *number = "1.0"; *protocol = "tls"; return true;
    case 0x0302: *number = "1.1"; *protocol = "tls"; return true;
    case 0x0303: *number = "1.2"; *protocol = "tls"; return true;
    case 0x0304: *number = "1.3"; *protocol = "tls"; return true;
    default: return false;
    }
}

enum tls_kx tls_cipher_kx(uint16_t cipher)
{
    if (cipher >= 0x1301 && cipher <= 0x1307)
        return TLS_KX_TLS13;
    const char *name = tls_cipher_name(cipher);
    if (!name)
        return TLS_KX_UNKNOWN;
    /* The registry names spell the key exchange between "TLS_" and "_WITH_". */
    if (strncmp(name, "TLS_ECDHE_PSK_", 14) == 0)
        return TLS_KX_ECDHE_PSK;
    /* RFC 6655 spelled two DHE_PSK suites the other way round:
     * TLS_PSK_DHE_WITH_AES_{128,256}_CCM_8 (0xc0aa, 0xc0ab). */
    if (strncmp(name, "TLS_DHE_PSK_", 12) == 0 || strncmp(name, "TLS_PSK_DHE_", 12) == 0)
        return TLS_KX_DHE_PSK;
    if (strncmp(name, "TLS_RSA_PSK_", 12) == 0)
        return TLS_KX_RSA_PSK;
    if (strncmp(name, "TLS_PSK_", 8) == 0)
        return TLS_KX_PSK;
    if (strncmp(name, "TLS_ECDHE_", 10) == 0 || strncmp(name, "TLS_ECDH_anon_", 14) == 0)
        return TLS_KX_ECDHE;
    if (strncmp(name, "TLS_DHE_", 8) == 0 || strncmp(name, "TLS_DH_anon_", 12) == 0)
        return TLS_KX_DHE;
    if (strncmp(name, "TLS_RSA_", 8) == 0)
        return TLS_KX_RSA;
    return TLS_KX_UNKNOWN;
}

bool tls_cipher_is_anon(uint16_t cipher)
{
    const char *name = tls_cipher_name(cipher);
    return name && strstr(name, "_anon_") != NULL;
}

const char *tls_kx_name(enum tls_kx kx)
{
    switch (kx) {
    case TLS_KX_RSA: return "RSA";
    case TLS_KX_DHE: return "DHE";
    case TLS_KX_ECDHE: return "ECDHE";
    case TLS_KX_PSK: return "PSK";
    case TLS_KX_DHE_PSK: return "DHE_PSK";
    case TLS_KX_ECDHE_PSK: return "ECDHE_PSK";
    case TLS_KX_RSA_PSK: return "RSA_PSK";
    case TLS_KX_TLS13: return "TLS13";
    default: return NULL;
    }
}

