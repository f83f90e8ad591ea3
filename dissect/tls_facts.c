/* tls_facts.c - see tls_facts.h. */
#include "dissect/tls_facts.h"

#include "dissect/iana_tables.h"
#include "dissect/names.h"
#include "dissect/report.h"

const struct tls_cipher_attrs *tls_cipher_attrs(uint16_t code)
{
    static const struct tls_cipher_attrs unknown = { TLS_KX_UNKNOWN, TLS_AUTH_UNKNOWN, TLS_ENC_UNKNOWN,
                                                     TLS_MAC_UNKNOWN, 0, 0 };
    size_t i = iana_index(iana_cipher_suites, iana_cipher_suites_count, code);
    return i < iana_cipher_suites_count ? &iana_cipher_suite_attrs[i] : &unknown;
}

enum tls_kx tls_cipher_kx(uint16_t code)
{
    enum tls_kx kx = (enum tls_kx)tls_cipher_attrs(code)->kx;
    switch (kx) {
    case TLS_KX_RSA:
    case TLS_KX_DHE:
    case TLS_KX_ECDHE:
    case TLS_KX_PSK:
    case TLS_KX_DHE_PSK:
    case TLS_KX_ECDHE_PSK:
    case TLS_KX_RSA_PSK:
    case TLS_KX_TLS13:
        return kx;
    default:
        return TLS_KX_UNKNOWN;
    }
}

bool tls_cipher_is_anon(uint16_t code)
{
    return tls_cipher_attrs(code)->auth == TLS_AUTH_ANON;
}

enum tls_weakness tls_cipher_weakness(uint16_t code)
{
    const struct tls_cipher_attrs *a = tls_cipher_attrs(code);
    if (a->enc == TLS_ENC_NONE)
        return TLS_WEAKNESS_NULL_ENCRYPTION;
    if (a->flags & TLS_CS_EXPORT)
        return TLS_WEAKNESS_EXPORT;
    if (a->enc == TLS_ENC_RC4)
        return TLS_WEAKNESS_RC4;
    if (a->enc == TLS_ENC_DES)
        return TLS_WEAKNESS_DES;
    if (a->enc == TLS_ENC_3DES)
        return TLS_WEAKNESS_3DES;
    if (a->auth == TLS_AUTH_ANON)
        return TLS_WEAKNESS_ANON;
    if (a->mac == TLS_MAC_MD5)
        return TLS_WEAKNESS_MD5;
    return TLS_WEAKNESS_NONE;
}

#define TLS_VERSION_ROW(code, rank, token, ecs_number, ecs_protocol, ja4) \
    { code, rank, token, ecs_number, ecs_protocol, ja4 },
static const struct tls_version_info tls_versions[] = { TLS_VERSION_LIST(TLS_VERSION_ROW) };

const struct tls_version_info *tls_version_info(uint16_t version)
{
    for (size_t i = 0; i < sizeof tls_versions / sizeof tls_versions[0]; i++)
        if (tls_versions[i].code == version)
            return &tls_versions[i];
    return NULL;
}

static bool tls_version_is_draft(uint16_t version)
{
    return (version >> 8) == 0x7f; /* draft-ietf-tls-tls13-NN: 0x7f00 + NN */
}

unsigned tls_version_rank(uint16_t version)
{
    if (tls_version_is_draft(version))
        return TLS_VERSION_RANK_DRAFT;
    const struct tls_version_info *v = tls_version_info(version);
    return v ? v->rank : 0;
}

bool tls_version_is_tls13(uint16_t version)
{
    /* Google's 2017 experiment versions 0x7e01 and 0x7e02: Chrome and
     * Google's servers deployed TLS 1.3 drafts under these codes, with TLS
     * 1.3's flow (all after the ServerHello encrypted), as Wireshark and Zeek
     * treat them. */
    return version == 0x0304 || tls_version_is_draft(version) || version == 0x7e01 || version == 0x7e02;
}

bool tls_version_below_tls12(uint16_t version)
{
    unsigned rank = tls_version_rank(version);
    return rank > 0 && rank < tls_version_rank(0x0303);
}

uint16_t tls_negotiated_version(const struct tls_server_report *s)
{
    return s->selected_version ? s->selected_version : s->legacy_version;
}

size_t tls_offered_versions(const struct tls_client_report *c, uint16_t *out, size_t cap)
{
    size_t n = 0;
    if (c->has_supported_versions && c->supported_versions.n > 0) {
        for (size_t i = 0; i < c->supported_versions.n && n < cap; i++) {
            uint16_t v = c->supported_versions.v[i];
            if (tls_is_grease(v))
                continue;
            bool dup = false;
            for (size_t k = 0; k < n; k++)
                dup = dup || out[k] == v;
            if (!dup)
                out[n++] = v;
        }
        /* insertion sort by rank, highest first (lists are tiny); stable, so
         * versions of equal rank keep their wire order */
        for (size_t i = 1; i < n; i++) {
            uint16_t x = out[i];
            size_t k = i;
            while (k > 0 && tls_version_rank(out[k - 1]) < tls_version_rank(x)) {
                out[k] = out[k - 1];
                k--;
            }
            out[k] = x;
        }
        return n;
    }
    uint16_t v = c->legacy_version;
    if (v == 0x0002 || v == 0x0300) {
        if (cap > 0)
            out[n++] = v;
        return n;
    }
    if (v >= 0x0301 && v <= 0x0304) {
        for (uint16_t x = v; x >= 0x0301 && n < cap; x--)
            out[n++] = x;
        return n;
    }
    if (v == 0xfefd && cap >= 2) {
        /* DTLS 1.2 and the DTLS 1.0 below it (there was no DTLS 1.1). */
        out[n++] = 0xfefd;
        out[n++] = 0xfeff;
        return n;
    }
    if (cap > 0 && v)
        out[n++] = v;
    return n;
}

uint32_t tls_bignum_bits(struct span v)
{
    uint8_t top = 0;
    while (v.n > 0 && (top = span_u8(&v)) == 0)
        ;
    if (top == 0)
        return 0;
    uint32_t bits = (uint32_t)v.n * 8; /* the bytes after the top one */
    for (; top; top >>= 1)
        bits++;
    return bits;
}

int tls_legacy(const struct tls_report *r)
{
    if (r->server.seen) {
        uint16_t v = tls_negotiated_version(&r->server);
        if (tls_version_rank(v) > 0)
            return tls_version_below_tls12(v);
    }
    if (!r->client.seen)
        return -1;
    uint16_t offered[TLS_MAX_VERSIONS];
    size_t n = tls_offered_versions(&r->client, offered, TLS_MAX_VERSIONS);
    if (n == 0 || tls_version_rank(offered[0]) == 0)
        return -1;
    return tls_version_below_tls12(offered[0]);
}

bool tls_resumed(const struct tls_report *r, bool server_flight_after_hello)
{
    if (!r->server.seen)
        return false;
    if (tls_version_is_tls13(tls_negotiated_version(&r->server)))
        return r->server.has_psk;
    return r->server.session_id_echoed || (r->ccs_seen[DIR_S2C] && !server_flight_after_hello);
}
