/* tls_hello.c - ClientHello, ServerHello, ServerKeyExchange and the
 * SSLv2-compatible CLIENT-HELLO, parsed in place. See tls_hello.h. */
#include "dissect/tls_hello.h"

#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "dissect/names.h"
#include "dissect/tls_facts.h"
#include "dissect/tls_fingerprint.h"
#include "dissect/tls_stream.h"

const uint8_t tls_hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* Appends a 16-bit code to a fixed list, counting what does not fit (and every
 * item that is not GREASE in `offered`). `value` is evaluated exactly once,
 * full list or not: READ_U16_LIST passes a read, and a full list that
 * skipped it would never empty its vector (found by fuzz_tls_hello: 17
 * supported_versions hung the parser). */
#define LIST_PUSH(list, value)                                                    \
    do {                                                                          \
        uint16_t list_push_value_ = (value);                                      \
        if (!tls_is_grease(list_push_value_))                                     \
            (list).offered++;                                                     \
        if ((list).n < sizeof((list).v) / sizeof((list).v[0]))                    \
            (list).v[(list).n++] = list_push_value_;                              \
        else                                                                      \
            (list).more = true;                                                   \
    } while (0)

/* Reads a vector of 16-bit codes that must fill `vec` exactly. */
#define READ_U16_LIST(vec, list)                                                  \
    do {                                                                          \
        while ((vec).n >= 2)                                                      \
            LIST_PUSH(list, span_u16(&(vec)));                                    \
    } while (0)

static bool parse_server_name(struct span ext, struct tls_client_report *c)
{
    struct span list = span_vec16(&ext);
    bool got = false;
    while (list.n > 0) {
        uint8_t type = span_u8(&list);
        struct span name = span_vec16(&list);
        if (!span_ok(&list))
            break;
        if (type == 0 && !got) { /* host_name; RFC 6066 allows one per type */
            size_t n = name.n < TLS_SNI_BYTES ? name.n : TLS_SNI_BYTES;
            memcpy(c->sni, name.p, n);
            c->sni_len = (uint16_t)n;
            c->sni_truncated = name.n > TLS_SNI_BYTES;
            got = true;
        }
    }
    return span_done(&list) && span_done(&ext);
}

/* ALPN protocol names are stored as <len><bytes> so that hostile names keep
 * their exact bytes until the writer escapes them. */
static void alpn_push(uint8_t *store, uint16_t *len, uint8_t *count, bool *more, struct span name)
{
    if ((size_t)*len + 1 + name.n > TLS_ALPN_BYTES || *count == UINT8_MAX) {
        *more = true;
        return;
    }
    store[(*len)++] = (uint8_t)name.n;
    memcpy(store + *len, name.p, name.n);
    *len = (uint16_t)(*len + name.n);
    (*count)++;
}

static bool parse_alpn_client(struct span ext, struct tls_client_report *c)
{
    struct span list = span_vec16(&ext);
    while (list.n > 0) {
        struct span name = span_vec8(&list);
        if (!span_ok(&list))
            break;
        if (name.n == 0)
            return false; /* RFC 7301 3.1: empty names are not allowed */
        if (c->alpn_count >= TLS_MAX_ALPN)
            c->alpn_more = true;
        else
            alpn_push(c->alpn, &c->alpn_len, &c->alpn_count, &c->alpn_more, name);
    }
    return span_done(&list) && span_done(&ext);
}

static bool parse_key_share_client(struct span ext, struct tls_client_report *c)
{
    struct span list = span_vec16(&ext);
    while (list.n > 0) {
        uint16_t group = span_u16(&list);
        span_vec16(&list); /* key_exchange */
        if (!span_ok(&list))
            break;
        LIST_PUSH(c->key_share_groups, group);
    }
    return span_done(&list) && span_done(&ext);
}

static bool parse_client_extension(uint16_t type, struct span ext, struct tls_client_report *c)
{
    switch (type) {
    case TLS_EXT_SERVER_NAME:
        return parse_server_name(ext, c);
    case TLS_EXT_SUPPORTED_GROUPS: {
        struct span v = span_vec16(&ext);
        READ_U16_LIST(v, c->supported_groups);
        return span_done(&v) && span_done(&ext);
    }
    case TLS_EXT_EC_POINT_FORMATS: {
        struct span v = span_vec8(&ext);
        c->has_ec_point_formats = true;
        while (v.n > 0) {
            uint8_t f = span_u8(&v);
            c->ec_point_formats.offered++;
            if (c->ec_point_formats.n < TLS_MAX_POINT_FORMATS)
                c->ec_point_formats.v[c->ec_point_formats.n++] = f;
            else
                c->ec_point_formats.more = true;
        }
        return span_done(&v) && span_done(&ext);
    }
    case TLS_EXT_SIGNATURE_ALGORITHMS: {
        struct span v = span_vec16(&ext);
        struct span again = v;
        READ_U16_LIST(v, c->signature_algorithms);
        READ_U16_LIST(again, c->signature_schemes);
        return span_done(&v) && span_done(&ext);
    }
    case TLS_EXT_SIGNATURE_ALGORITHMS_CERT:
    case TLS_EXT_DELEGATED_CREDENTIALS: {
        struct span v = span_vec16(&ext);
        READ_U16_LIST(v, c->signature_schemes);
        return span_done(&v) && span_done(&ext);
    }
    case TLS_EXT_ALPN:
        return parse_alpn_client(ext, c);
    case TLS_EXT_SESSION_TICKET:
        c->has_session_ticket = ext.n > 0;
        return true;
    case TLS_EXT_PRE_SHARED_KEY:
        c->has_psk = true;
        return true;
    case TLS_EXT_SUPPORTED_VERSIONS: {
        struct span v = span_vec8(&ext);
        c->has_supported_versions = true;
        READ_U16_LIST(v, c->supported_versions);
        return span_done(&v) && span_done(&ext);
    }
    case TLS_EXT_KEY_SHARE:
        return parse_key_share_client(ext, c);
    case TLS_EXT_KEY_SHARE_DRAFT:
        /* Read after the walk, and only when 51 gave nothing: a client
         * offering drafts on both sides of 23 sends both. */
        return true;
    case TLS_EXT_ENCRYPTED_CLIENT_HELLO:
        c->has_ech = true;
        return true;
    default:
        return true;
    }
}

/* ---- lists longer than their arrays ----
 *
 * Such a hello is rare (a scanner, a fuzzer, a test) but not malformed, and
 * its fingerprints must be those of the whole lists, as Wireshark and the
 * reference implementations compute them. The report keeps the first items
 * only, so the lists are read a second time from the hello's bytes, into
 * scratch memory sized by the hello and freed before returning, and the
 * fingerprints are kept in the report. A hello within the arrays (every
 * real client) never comes here. */

static bool client_lists_cut(const struct tls_client_report *c)
{
    return c->ciphers.more || c->extensions.more || c->supported_groups.more || c->ec_point_formats.more ||
           c->signature_algorithms.more || c->supported_versions.more;
}

/* Appends a vector of 16-bit codes to v[*n] (room for all of them was made). */
static void append_u16s(struct span vec, uint16_t *v, size_t *n)
{
    while (vec.n >= 2)
        v[(*n)++] = span_u16(&vec);
}

/* `hello`: the ClientHello body, already parsed once (so its framing up to
 * the extensions block is known good). Reads the lists as
 * tls_parse_client_hello() did (each occurrence of an extension appends,
 * and the walk stops where the extensions' framing breaks). */
static void whole_client_fingerprints(struct span hello, struct tls_client_report *c)
{
    span_skip(&hello, 2 + 32);
    span_vec8(&hello);
    struct span suites = span_vec16(&hello);
    span_vec8(&hello);
    struct span exts = hello.n > 0 ? span_vec16(&hello) : span_make(NULL, 0);
    if (!span_ok(&hello))
        return;
    /* Every list fits in what its bytes allow: a 16-bit code per 2 bytes of
     * the extensions block, a point format per byte. */
    size_t n16 = exts.n / 2;
    uint8_t *mem = malloc(suites.n / 2 * sizeof(uint32_t) + 4 * n16 * sizeof(uint16_t) + exts.n + 1);
    if (!mem)
        return;
    struct tls_fp_client v = { .legacy_version = c->legacy_version, .transport = 't' };
    uint32_t *ciphers = (uint32_t *)(void *)mem;
    uint16_t *ext_types = (uint16_t *)(void *)(ciphers + suites.n / 2);
    uint16_t *groups = ext_types + n16, *sigalgs = groups + n16, *versions = sigalgs + n16;
    uint8_t *formats = (uint8_t *)(versions + n16);
    while (suites.n >= 2)
        ciphers[v.n_ciphers++] = span_u16(&suites);
    while (exts.n > 0) {
        uint16_t type = span_u16(&exts);
        struct span data = span_vec16(&exts);
        if (!span_ok(&exts))
            break;
        ext_types[v.n_extensions++] = type;
        if (type == TLS_EXT_SUPPORTED_GROUPS) {
            append_u16s(span_vec16(&data), groups, &v.n_groups);
        } else if (type == TLS_EXT_SIGNATURE_ALGORITHMS) {
            append_u16s(span_vec16(&data), sigalgs, &v.n_sigalgs);
        } else if (type == TLS_EXT_SUPPORTED_VERSIONS) {
            append_u16s(span_vec8(&data), versions, &v.n_versions);
        } else if (type == TLS_EXT_EC_POINT_FORMATS) {
            struct span f = span_vec8(&data);
            while (f.n > 0)
                formats[v.n_point_formats++] = span_u8(&f);
        }
    }
    v.ciphers = ciphers;
    v.extensions = ext_types;
    v.groups = groups;
    v.sigalgs = sigalgs;
    v.versions = versions;
    v.point_formats = formats;
    if (c->alpn_count > 0) { /* the first name is always kept whole */
        v.alpn = c->alpn + 1;
        v.alpn_len = c->alpn[0];
    }
    size_t cap = tls_fp_ja3_string_bound(&v);
    char *ja3 = malloc(cap);
    size_t n = ja3 ? tls_fp_ja3_string(&v, ja3, cap) : 0;
    if (n > 0 && tls_fp_ja4(&v, NULL, c->whole_ja4) > 0) {
        digest_md5(ja3, n, c->whole_ja3);
        c->whole_fp = true;
    }
    free(ja3);
    free(mem);
}

static void whole_server_fingerprints(struct span exts, struct tls_server_report *s)
{
    uint16_t *types = malloc(exts.n / 4 * sizeof(uint16_t) + 1);
    if (!types)
        return;
    struct tls_fp_server v = { .legacy_version = s->legacy_version, .cipher = s->cipher, .extensions = types };
    while (exts.n > 0) {
        uint16_t type = span_u16(&exts);
        span_vec16(&exts);
        if (!span_ok(&exts))
            break;
        types[v.n_extensions++] = type;
    }
    /* "771,49199," and "65535-" per extension */
    size_t cap = 16 + v.n_extensions * 6;
    char *ja3s = malloc(cap);
    size_t n = ja3s ? tls_fp_ja3s_string(&v, ja3s, cap) : 0;
    if (n > 0) {
        digest_md5(ja3s, n, s->whole_ja3s);
        s->whole_fp = true;
    }
    free(ja3s);
    free(types);
}

enum tls_parse_result tls_parse_client_hello(struct span body, struct tls_client_report *c,
                                             uint8_t session_id[32])
{
    const struct span hello = body;
    c->seen = true;
    c->legacy_version = span_u16(&body);
    span_skip(&body, 32); /* random */
    struct span sid = span_vec8(&body);
    if (!span_ok(&body) || sid.n > 32)
        return TLS_PARSE_MALFORMED;
    c->session_id_len = (uint8_t)sid.n;
    memcpy(session_id, sid.p, sid.n);

    struct span suites = span_vec16(&body);
    if (!span_ok(&body) || suites.n % 2 != 0)
        return TLS_PARSE_MALFORMED;
    while (suites.n >= 2)
        LIST_PUSH(c->ciphers, span_u16(&suites));
    struct span compression = span_vec8(&body);
    if (!span_ok(&body) || compression.n == 0)
        return TLS_PARSE_MALFORMED;

    bool ok = true;
    /* Extensions are optional before TLS 1.3 (RFC 5246 7.4.1.2): a hello may
     * end right after the compression methods. */
    if (body.n > 0) {
        struct span exts = span_vec16(&body);
        if (!span_ok(&body))
            return TLS_PARSE_MALFORMED;
        struct span draft_key_share = span_make(NULL, 0);
        bool has_key_share = false, has_draft_key_share = false;
        while (exts.n > 0) {
            uint16_t type = span_u16(&exts);
            struct span data = span_vec16(&exts);
            if (!span_ok(&exts)) {
                ok = false;
                break;
            }
            LIST_PUSH(c->extensions, type);
            has_key_share |= type == TLS_EXT_KEY_SHARE;
            if (type == TLS_EXT_KEY_SHARE_DRAFT && !has_draft_key_share) {
                draft_key_share = data;
                has_draft_key_share = true;
            }
            /* A malformed extension body is reported but does not stop the
             * walk: the framing around it is intact. */
            if (!parse_client_extension(type, data, c))
                ok = false;
        }
        if (has_draft_key_share && !has_key_share && !parse_key_share_client(draft_key_share, c))
            ok = false;
        if (body.n != 0)
            ok = false; /* bytes after the extensions block */
    }
    c->parsed = ok;
    /* Fingerprints (output/) are computed even from a hello whose extensions
     * did not all parse: their framing was intact, which is all JA3/JA4 read. */
    c->lists_complete = true;
    if (client_lists_cut(c))
        whole_client_fingerprints(hello, c);
    return ok ? TLS_PARSE_OK : TLS_PARSE_MALFORMED;
}

bool tls_looks_like_sslv2_hello(struct span head)
{
    uint8_t b0, b2, b3;
    if (!span_peek(&head, 0, &b0) || !span_peek(&head, 2, &b2) || !span_peek(&head, 3, &b3))
        return false;
    /* Long (2-byte) header, CLIENT-HELLO, major version 0 (SSLv2) or 3. */
    return (b0 & 0x80) && b2 == 1 && (b3 == 0 || b3 == 3);
}

enum tls_parse_result tls_parse_sslv2_client_hello(struct span record, struct tls_client_report *c)
{
    c->seen = true;
    c->sslv2_hello = true;
    c->record_version = 0x0002;
    uint16_t len = span_u16(&record) & 0x7fff;
    struct span msg = span_take(&record, len);
    if (!span_ok(&record))
        return TLS_PARSE_MALFORMED;
    if (span_u8(&msg) != 1)
        return TLS_PARSE_MALFORMED;
    c->legacy_version = span_u16(&msg);
    uint16_t specs_len = span_u16(&msg);
    uint16_t sid_len = span_u16(&msg);
    uint16_t challenge_len = span_u16(&msg);
    struct span specs = span_take(&msg, specs_len);
    span_skip(&msg, sid_len);
    span_skip(&msg, challenge_len);
    if (!span_ok(&msg) || specs_len % 3 != 0)
        return TLS_PARSE_MALFORMED;
    c->session_id_len = sid_len <= 32 ? (uint8_t)sid_len : 32;
    while (specs.n >= 3) {
        uint32_t kind = span_u24(&specs);
        c->ciphers.offered++;
        if (c->ciphers.n < TLS_MAX_CIPHERS)
            c->ciphers.v[c->ciphers.n++] = kind;
        else
            c->ciphers.more = true;
    }
    c->parsed = msg.n == 0;
    return c->parsed ? TLS_PARSE_OK : TLS_PARSE_MALFORMED;
}

static bool parse_server_extension(uint16_t type, struct span ext, struct tls_server_report *s)
{
    switch (type) {
    case TLS_EXT_SUPPORTED_VERSIONS:
        s->selected_version = span_u16(&ext);
        return span_done(&ext);
    case TLS_EXT_KEY_SHARE:
        /* ServerHello: KeyShareEntry; HelloRetryRequest: the selected group only. */
        s->key_share_group = span_u16(&ext);
        if (!s->hello_retry_request)
            span_vec16(&ext);
        return span_done(&ext);
    case TLS_EXT_ALPN: {
        struct span list = span_vec16(&ext);
        struct span name = span_vec8(&list);
        if (!span_done(&list) || !span_done(&ext) || name.n == 0)
            return false; /* exactly one protocol name (RFC 7301 3.1) */
        size_t n = name.n < TLS_ALPN_BYTES ? name.n : TLS_ALPN_BYTES;
        memcpy(s->alpn, name.p, n);
        s->alpn_len = (uint16_t)n;
        return true;
    }
    case TLS_EXT_PRE_SHARED_KEY:
        s->has_psk = true;
        span_u16(&ext); /* selected_identity */
        return span_done(&ext);
    case TLS_EXT_SESSION_TICKET:
        s->has_session_ticket_ext = true;
        return true;
    default:
        return true;
    }
}

unsigned tls_version_draft(uint16_t version)
{
    if ((version >> 8) == 0x7f)
        return version & 0xffu;
    if (version == 0x7e01 || version == 0x7e02)
        return 18;
    return 0;
}

/* A ServerHello whose first field is one of these has the layout of the
 * drafts before 22: no session id echo, no compression method. */
static bool server_hello_draft_layout(uint16_t version)
{
    unsigned draft = tls_version_draft(version);
    return version == 0x0304 || (draft > 0 && draft < 22);
}

/* Extension 40 is key_share for these negotiated versions. */
static bool key_share_is_40(uint16_t version)
{
    unsigned draft = tls_version_draft(version);
    return draft > 0 && draft < 23;
}

enum tls_parse_result tls_parse_server_hello(struct span body, struct tls_server_report *s,
                                             const uint8_t *client_session_id, uint8_t client_session_id_len)
{
    s->seen = true;
    s->legacy_version = span_u16(&body);
    struct span random = span_take(&body, 32);
    if (!span_ok(&body))
        return TLS_PARSE_MALFORMED;
    s->hello_retry_request = memcmp(random.p, tls_hrr_random, 32) == 0;
    bool draft_layout = server_hello_draft_layout(s->legacy_version);
    struct span sid = draft_layout ? span_make(NULL, 0) : span_vec8(&body);
    s->cipher = span_u16(&body);
    s->compression = draft_layout ? 0 : span_u8(&body);
    if (!span_ok(&body) || sid.n > 32)
        return TLS_PARSE_MALFORMED;
    s->session_id_len = (uint8_t)sid.n;
    s->session_id_echoed = sid.n > 0 && sid.n == client_session_id_len &&
                           memcmp(sid.p, client_session_id, sid.n) == 0;
    bool ok = true;
    if (body.n > 0) {
        struct span exts = span_vec16(&body);
        if (!span_ok(&body))
            return TLS_PARSE_MALFORMED;
        const struct span all_exts = exts;
        struct span draft_key_share = span_make(NULL, 0);
        bool has_draft_key_share = false;
        while (exts.n > 0) {
            uint16_t type = span_u16(&exts);
            struct span data = span_vec16(&exts);
            if (!span_ok(&exts)) {
                ok = false;
                break;
            }
            LIST_PUSH(s->extensions, type);
            if (type == TLS_EXT_KEY_SHARE_DRAFT && !has_draft_key_share) {
                draft_key_share = data;
                has_draft_key_share = true;
            }
            if (!parse_server_extension(type, data, s))
                ok = false;
        }
        /* Extension 40 means key_share only once the version is known,
         * which supported_versions may give after it. */
        uint16_t version = s->selected_version ? s->selected_version : s->legacy_version;
        if (has_draft_key_share && key_share_is_40(version) &&
            !parse_server_extension(TLS_EXT_KEY_SHARE, draft_key_share, s))
            ok = false;
        if (body.n != 0)
            ok = false;
        if (s->extensions.more)
            whole_server_fingerprints(all_exts, s);
    }
    s->parsed = ok;
    s->lists_complete = true;
    return ok ? TLS_PARSE_OK : TLS_PARSE_MALFORMED;
}

/* The signature that ends a non-anonymous ServerKeyExchange: TLS 1.2 prefixes
 * it with the SignatureAndHashAlgorithm (RFC 5246 7.4.1.4.1). */
static bool parse_ske_signature(struct span *body, uint16_t version, struct tls_server_report *s)
{
    /* TLS 1.2 added the SignatureScheme (RFC 5246 7.4.3); DTLS 1.0
     * (0xfeff, numerically above it) is TLS 1.1's datagram form and has none. */
    if (version >= 0x0303 && version != 0xfeff)
        s->kx_sigalg = span_u16(body);
    span_vec16(body);
    return span_done(body);
}

enum tls_parse_result tls_parse_server_key_exchange(struct span body, uint16_t version, uint16_t cipher,
                                                    struct tls_server_report *s)
{
    enum tls_kx kx = tls_cipher_kx(cipher);
    s->ske_seen = true;
    if (kx == TLS_KX_PSK || kx == TLS_KX_DHE_PSK || kx == TLS_KX_ECDHE_PSK || kx == TLS_KX_RSA_PSK)
        span_vec16(&body); /* psk_identity_hint (RFC 4279 2) */
    bool anon = tls_cipher_is_anon(cipher) || kx == TLS_KX_DHE_PSK || kx == TLS_KX_ECDHE_PSK ||
                kx == TLS_KX_PSK || kx == TLS_KX_RSA_PSK;
    switch (kx) {
    case TLS_KX_DHE:
    case TLS_KX_DHE_PSK: {
        struct span p = span_vec16(&body);
        struct span g = span_vec16(&body);
        struct span ys = span_vec16(&body);
        if (!span_ok(&body))
            return TLS_PARSE_MALFORMED;
        s->dh_prime_bits = tls_bignum_bits(p);
        s->dh_public_bits = tls_bignum_bits(ys);
        if (tls_bignum_bits(g) <= 64) {
            uint64_t gv = 0;
            for (size_t i = 0; i < g.n; i++)
                gv = gv << 8 | g.p[i];
            s->dh_generator = gv;
            s->dh_generator_known = true;
        }
        break;
    }
    case TLS_KX_ECDHE:
    case TLS_KX_ECDHE_PSK:
        s->curve_type = span_u8(&body);
        if (s->curve_type != 3) /* only named_curve is allowed (RFC 8422 5.4) */
            return TLS_PARSE_MALFORMED;
        s->curve = span_u16(&body);
        span_vec8(&body); /* public point */
        if (!span_ok(&body))
            return TLS_PARSE_MALFORMED;
        break;
    case TLS_KX_RSA:
        /* RSA_EXPORT: a temporary RSA key (RFC 2246 7.4.3). */
        span_vec16(&body);
        span_vec16(&body);
        break;
    case TLS_KX_PSK:
    case TLS_KX_RSA_PSK:
        break;
    default:
        return TLS_PARSE_MALFORMED;
    }
    if (anon)
        return span_done(&body) ? TLS_PARSE_OK : TLS_PARSE_MALFORMED;
    return parse_ske_signature(&body, version, s) ? TLS_PARSE_OK : TLS_PARSE_MALFORMED;
}

/* The smallest hello body: a version, the random, an empty session id, one
 * suite (ClientHello) or a suite and a compression method (ServerHello). */
#define HELLO_BODY_MIN 38

static bool hello_record_at(struct span s, uint8_t hs_type)
{
    if (!tls_record_header_plausible(s))
        return false;
    uint8_t type = span_u8(&s);
    span_skip(&s, 2);
    uint16_t record_len = span_u16(&s);
    uint8_t msg_type = span_u8(&s);
    uint32_t hello_len = span_u24(&s);
    uint8_t version_major = span_u8(&s);
    /* A ClientHello is alone in its flight: it fills its record or
     * continues in the next. A ServerHello shares its record with the
     * messages after it, but is short itself. */
    bool fits = hs_type == TLS_HS_CLIENT_HELLO ? hello_len + 4 >= record_len : hello_len <= UINT16_MAX;
    return span_ok(&s) && type == TLS_CT_HANDSHAKE && msg_type == hs_type && hello_len >= HELLO_BODY_MIN && fits &&
           version_major == 3;
}

size_t tls_find_hello(struct span data, uint8_t hs_type)
{
    size_t limit = data.n < TLS_PREFIX_SCAN_MAX ? data.n : TLS_PREFIX_SCAN_MAX;
    struct span at = data;
    for (size_t off = 0; off < limit; off++, span_skip(&at, 1)) {
        uint8_t b;
        if (off > 0 && span_peek(&at, 0, &b) && b == TLS_CT_HANDSHAKE && hello_record_at(at, hs_type))
            return off;
    }
    return 0;
}
