/* conn_json.c - see conn_json.h. Field names and formats: ../shared/SCHEMA.md. */
#include "output/conn_json.h"

#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>

#include "common/digest.h"
#include "common/memo.h"
#include "common/strbuf.h"
#include "dissect/dh_groups.h"
#include "dissect/names.h"
#include "dissect/sslv2.h"
#include "dissect/tls_handshake.h"
#include "dissect/starttls.h"
#include "dissect/tls_facts.h"
#include "output/findings.h"
#include "output/fingerprint.h"
#include "output/json.h"
#include "output/x509_text.h"

/* event.reason and tls.outcome, indexed by their enums (conn_meta.h, report.h). */
static const char *const reason_names[] = {
    [CONN_REASON_HANDSHAKE_DONE] = "handshake_done",
    [CONN_REASON_ALERT] = "alert",
    [CONN_REASON_RESET] = "reset",
    [CONN_REASON_FIN] = "fin",
    [CONN_REASON_IDLE_TIMEOUT] = "idle_timeout",
    [CONN_REASON_EVICTED] = "evicted",
    [CONN_REASON_END_OF_INPUT] = "end_of_input",
    [CONN_REASON_STARTTLS_REFUSED] = "starttls_refused",
};

static const char *const outcome_names[] = {
    [TLS_OUTCOME_INCOMPLETE] = "incomplete",
    [TLS_OUTCOME_ESTABLISHED] = "established",
    [TLS_OUTCOME_ALERT] = "alert",
    [TLS_OUTCOME_RESET] = "reset",
    [TLS_OUTCOME_CLOSED_DURING_HANDSHAKE] = "closed_during_handshake",
    [TLS_OUTCOME_STARTTLS_REFUSED] = "starttls_refused",
};

/* A value outside the table (which a well-formed report never holds) is
 * written as the table's fallback rather than left out: both fields are
 * required by SCHEMA.md. */
static const char *enum_name(const char *const *names, size_t n, unsigned v, const char *fallback)
{
    return v < n && names[v] ? names[v] : fallback;
}
#define NAME_OF(table, v, fallback) enum_name(table, sizeof table / sizeof table[0], (unsigned)(v), fallback)

/* v in decimal as a C string, in buf. */
#define U64_DIGITS_MAX 21
static const char *decimal(char buf[U64_DIGITS_MAX], uint64_t v)
{
    struct strbuf b;
    strbuf_init(&b, buf, U64_DIGITS_MAX - 1);
    strbuf_u64(&b, v);
    buf[b.len] = '\0';
    return buf;
}

/* The application protocol a server port stands for, when nothing better
 * (the STARTTLS dialogue, nDPI) names it: IANA's implicit-TLS ports first. */
static const char *port_protocol(uint16_t port)
{
    switch (port) {
    case 443: case 8443: case 4443: return "https";
    case 993: case 143: return "imap";
    case 995: case 110: return "pop3";
    case 465: case 587: case 25: return "smtp";
    case 636: case 389: case 3269: return "ldap";
    case 989: case 990: case 21: return "ftp";
    case 853: return "dns";
    case 5061: return "sip";
    case 5222: case 5223: case 5269: return "xmpp";
    case 563: case 119: return "nntp";
    case 4190: return "sieve";
    case 6697: case 994: case 6667: return "irc";
    case 3389: return "rdp";
    case 1433: return "tds";
    case 5432: return "postgresql";
    case 3306: return "mysql";
    default: return NULL;
    }
}

static void put_ip(struct json_writer *w, const struct json_key *key, int version, const uint8_t *addr)
{
    /* By hand (strbuf_ip): inet_ntop's sprintf was a visible share of the
     * per-line cost. */
    char buf[STRBUF_IP_MAX];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf);
    strbuf_ip(&b, version, addr);
    json_strn(w, key, buf, b.len);
}

static void put_version(struct json_writer *w, const struct json_key *key, uint16_t v)
{
    char buf[TLS_VERSION_TOKEN_MAX];
    json_str(w, key, tls_version_token(v, buf));
}

/* A 16-bit code by its registry name, or in its 0x hex form. */
static void put_code(struct json_writer *w, const struct json_key *key, enum tls_registry reg, uint16_t code)
{
    const struct iana_entry *e = tls_registry_entry(reg, code);
    char hex[8];
    if (e)
        json_strn(w, key, e->name, e->len);
    else
        json_strn(w, key, tls_hex16(code, hex), 6);
}

/* How a list of 16-bit codes is written: IANA names (hex when unnamed),
 * version tokens, or plain numbers. */
enum list_form { LIST_NAMES, LIST_VERSIONS, LIST_NUMBERS };

/* A list without its GREASE values; left out when nothing remains. */
static void put_list(struct json_writer *w, const struct json_key *key, const uint16_t *v, size_t n,
                     enum list_form form, enum tls_registry reg)
{
    size_t shown = 0;
    for (size_t i = 0; i < n; i++)
        shown += !tls_is_grease(v[i]);
    if (shown == 0)
        return;
    json_array_begin(w, key);
    for (size_t i = 0; i < n; i++) {
        if (tls_is_grease(v[i]))
            continue;
        if (form == LIST_NAMES)
            put_code(w, NULL, reg, v[i]);
        else if (form == LIST_VERSIONS)
            put_version(w, NULL, v[i]);
        else
            json_u64(w, NULL, v[i]);
    }
    json_array_end(w);
}

/* Lists through the memo (common/memo.h): a list is formatted once, as a
 * JSON value on its own, and remembered under its kind and its codes (GREASE
 * values, which every list form leaves out, all as 0x0a0a, so a client's
 * random GREASE picks share one entry). Later lines with the same list copy
 * the value. What is written is byte for byte what put_list writes. */
#define LIST_MEMO_CODES 512     /* longer lists are formatted every time */
#define LIST_MEMO_VALUE_MAX 16384

/* Tags of the writer's memo: the list kinds, the certificate fragment
 * (MEMO_CERTIFICATE) and, from 0x80, output/fingerprint.c's. */
enum list_kind {
    LK_SUPPORTED_VERSIONS = 1, LK_OFFERED_VERSIONS, LK_CIPHERS, LK_GROUPS, LK_SIGALGS, LK_KEY_SHARES,
    LK_CLIENT_EXTENSIONS, LK_SERVER_EXTENSIONS, MEMO_CERTIFICATE,
};

struct list_args {
    const uint16_t *v16;       /* or */
    const uint32_t *v32;       /* cipher suites */
    size_t n;
    enum list_form form;
    enum tls_registry reg;
};

static void put_ciphers_value(struct json_writer *w, const struct json_key *key, const uint32_t *v, size_t n);

static void format_list(struct json_writer *w, const struct json_key *key, const struct list_args *a)
{
    if (a->v32)
        put_ciphers_value(w, key, a->v32, a->n);
    else
        put_list(w, key, a->v16, a->n, a->form, a->reg);
}

/* The memo key (under the list's kind as the tag): each code as two bytes,
 * at most LIST_MEMO_CODES of them. */
static size_t list_memo_key(uint8_t *k, const struct list_args *a)
{
    size_t len = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint16_t c = a->v32 ? (uint16_t)a->v32[i] : a->v16[i];
        if (tls_is_grease(c))
            c = 0x0a0a;
        k[len++] = (uint8_t)(c >> 8);
        k[len++] = (uint8_t)c;
    }
    return len;
}

static void put_memo_list(struct json_writer *w, struct memo *memo, const struct json_key *key, enum list_kind kind,
                          const struct list_args *a)
{
    uint8_t k[2 * LIST_MEMO_CODES];
    if (a->n == 0)
        return; /* every form writes nothing for an empty list */
    if (!memo || a->n > LIST_MEMO_CODES) {
        format_list(w, key, a);
        return;
    }
    size_t klen = list_memo_key(k, a);
    const void *val;
    size_t vlen;
    if (memo_get(memo, (uint8_t)kind, k, klen, &val, &vlen)) {
        if (vlen > 0)
            json_raw(w, key, val, vlen);
        return;
    }
    char frag[LIST_MEMO_VALUE_MAX];
    struct json_writer t;
    json_init(&t, frag, sizeof frag);
    format_list(&t, NULL, a);
    if (t.out.overflow || t.depth != 0) {
        format_list(w, key, a);
        return;
    }
    memo_put(memo, (uint8_t)kind, k, klen, frag, t.out.len);
    if (t.out.len > 0)
        json_raw(w, key, frag, t.out.len);
}

static void put_named_list(struct json_writer *w, struct memo *memo, const struct json_key *key, enum list_kind kind,
                           const uint16_t *v, size_t n, enum tls_registry reg)
{
    struct list_args a = { .v16 = v, .n = n, .form = LIST_NAMES, .reg = reg };
    put_memo_list(w, memo, key, kind, &a);
}

static void put_version_list(struct json_writer *w, struct memo *memo, const struct json_key *key,
                             enum list_kind kind, const uint16_t *v, size_t n)
{
    struct list_args a = { .v16 = v, .n = n, .form = LIST_VERSIONS };
    put_memo_list(w, memo, key, kind, &a);
}

static void put_number_list(struct json_writer *w, struct memo *memo, const struct json_key *key,
                            enum list_kind kind, const uint16_t *v, size_t n)
{
    struct list_args a = { .v16 = v, .n = n, .form = LIST_NUMBERS };
    put_memo_list(w, memo, key, kind, &a);
}

/* An SSLv2 cipher kind: three bytes, their own registry (SSL2_* names, and
 * the TLS suites an SSLv2 hello carries as 0x00XXXX), else "0x" and 6 hex
 * digits. */
static void put_sslv2_cipher(struct json_writer *w, const struct json_key *key, uint32_t kind)
{
    const struct iana_entry *e = tls_registry_entry(TLS_REG_SSLV2_CIPHER_KIND, kind);
    if (e) {
        json_strn(w, key, e->name, e->len);
        return;
    }
    char hex[10];
    struct strbuf b;
    strbuf_init(&b, hex, sizeof hex);
    strbuf_put(&b, "0x", 2);
    strbuf_hexn(&b, kind, 6);
    json_strn(w, key, hex, b.len);
}

/* A list of SSLv2 cipher kinds; never memoized (rare). */
static void put_sslv2_ciphers(struct json_writer *w, const struct json_key *key, const uint32_t *v, size_t n)
{
    if (n == 0)
        return;
    json_array_begin(w, key);
    for (size_t i = 0; i < n; i++)
        put_sslv2_cipher(w, NULL, v[i]);
    json_array_end(w);
}

/* TLS cipher suites (16-bit, held in 32-bit slots) by name, GREASE left out. */
static void put_ciphers_value(struct json_writer *w, const struct json_key *key, const uint32_t *v, size_t n)
{
    size_t shown = 0;
    for (size_t i = 0; i < n; i++)
        shown += !tls_is_grease((uint16_t)v[i]);
    if (shown == 0)
        return;
    json_array_begin(w, key);
    for (size_t i = 0; i < n; i++)
        if (!tls_is_grease((uint16_t)v[i]))
            put_code(w, NULL, TLS_REG_CIPHER_SUITE, (uint16_t)v[i]);
    json_array_end(w);
}

static void put_ciphers(struct json_writer *w, struct memo *memo, const struct tls_client_report *c)
{
    if (c->sslv2_hello) {
        put_sslv2_ciphers(w, JSON_KEY("supported_ciphers"), c->ciphers.v, c->ciphers.n);
        return;
    }
    struct list_args a = { .v32 = c->ciphers.v, .n = c->ciphers.n };
    put_memo_list(w, memo, JSON_KEY("supported_ciphers"), LK_CIPHERS, &a);
}

static void put_alpn_list(struct json_writer *w, const struct tls_client_report *c)
{
    /* GREASE ALPN values (RFC 8701 3: "\x0a\x0a"-style two-byte names) are dropped too. */
    size_t off = 0, shown = 0;
    for (uint8_t i = 0; i < c->alpn_count; i++) {
        uint8_t n = c->alpn[off];
        bool grease = n == 2 && tls_is_grease((uint16_t)(c->alpn[off + 1] << 8 | c->alpn[off + 2]));
        shown += !grease;
        off += 1u + n;
    }
    if (shown == 0)
        return;
    json_array_begin(w, JSON_KEY("alpn"));
    off = 0;
    for (uint8_t i = 0; i < c->alpn_count; i++) {
        uint8_t n = c->alpn[off];
        bool grease = n == 2 && tls_is_grease((uint16_t)(c->alpn[off + 1] << 8 | c->alpn[off + 2]));
        if (!grease)
            json_wire_str(w, NULL, c->alpn + off + 1, n);
        off += 1u + n;
    }
    json_array_end(w);
}

void conn_community_id(const struct conn_meta *m, char out[32])
{
    /* Community ID v1 (github.com/corelight/community-id-spec): SHA-1 over
     * seed, the ordered endpoint pair, protocol and a pad byte; base64. */
    uint8_t buf[2 + 16 + 16 + 2 + 2 + 2];
    size_t alen = m->ip_version == 6 ? 16 : 4;
    const uint8_t *a = m->client_ip, *b = m->server_ip;
    uint16_t pa = m->client_port, pb = m->server_port;
    int c = memcmp(a, b, alen);
    if (c > 0 || (c == 0 && pa > pb)) {
        const uint8_t *t = a;
        a = b;
        b = t;
        uint16_t tp = pa;
        pa = pb;
        pb = tp;
    }
    size_t n = 0;
    buf[n++] = 0;
    buf[n++] = 0; /* seed 0 */
    memcpy(buf + n, a, alen);
    n += alen;
    memcpy(buf + n, b, alen);
    n += alen;
    buf[n++] = m->transport == FLOW_TRANSPORT_UDP ? 17 : 6; /* IP protocol: UDP or TCP */
    buf[n++] = 0;
    buf[n++] = (uint8_t)(pa >> 8);
    buf[n++] = (uint8_t)pa;
    buf[n++] = (uint8_t)(pb >> 8);
    buf[n++] = (uint8_t)pb;
    uint8_t md[20];
    digest_sha1(buf, n, md);
    out[0] = '1';
    out[1] = ':';
    EVP_EncodeBlock((unsigned char *)out + 2, md, 20);
}

static void put_certificate(struct json_writer *w, struct memo *memo, const struct x509_report *x);

/* A JA3 or JA3S fingerprint (the MD5 of its string) and the string, which is
 * formatted once, here; nothing when it could not be computed (n == 0). */
static void put_ja3(struct json_writer *w, const struct json_key *hash_key, const struct json_key *string_key,
                    const char *s, size_t n)
{
    if (n == 0)
        return;
    uint8_t md5[16];
    digest_md5(s, n, md5);
    json_hex(w, hash_key, md5, sizeof md5, false);
    json_str(w, string_key, s);
}

/* A QUIC version: `1`, `2`, `draft-NN`, else 8 hex digits (SCHEMA.md
 * "QUIC versions"), under `key` (NULL in a list). */
static void put_quic_version_as(struct json_writer *w, const struct json_key *key, uint32_t v)
{
    char buf[16];
    if (v == 1 || v == 0x6b3343cfu)
        json_str(w, key, v == 1 ? "1" : "2");
    else if ((v & 0xffffff00u) == 0xff000000u)
        json_strn(w, key, buf, (size_t)snprintf(buf, sizeof buf, "draft-%u", v & 0xffu));
    else
        json_strn(w, key, buf, (size_t)snprintf(buf, sizeof buf, "0x%08x", v));
}

/* tls.client.quic_version. */
static void put_quic_version(struct json_writer *w, uint32_t v)
{
    put_quic_version_as(w, JSON_KEY("quic_version"), v);
}

/* tls.client.quic_versions, tls.server.quic_versions: around a QUIC
 * Version Negotiation, the versions each side used or offered. */
static void put_quic_versions(struct json_writer *w, const uint32_t *v, size_t n)
{
    if (n == 0)
        return;
    json_array_begin(w, JSON_KEY("quic_versions"));
    for (size_t i = 0; i < n; i++)
        put_quic_version_as(w, NULL, v[i]);
    json_array_end(w);
}

/* One list of a hello as the line names it, and whether it was cut. */
struct list_cut {
    const char *name;
    const struct json_key *key;
    bool more;                   /* the hello had more items than the report keeps */
    uint16_t offered;            /* its items, GREASE excluded; 0: not counted */
};

/* tls.client/server.truncated_lists: the line's lists that hold only the
 * hello's first items; list_lengths: how many items each had. */
static void put_list_cuts(struct json_writer *w, const struct list_cut *l, size_t n)
{
    size_t cut = 0, counted = 0;
    for (size_t i = 0; i < n; i++) {
        cut += l[i].more;
        counted += l[i].more && l[i].offered > 0;
    }
    if (cut == 0)
        return;
    json_array_begin(w, JSON_KEY("truncated_lists"));
    for (size_t i = 0; i < n; i++)
        if (l[i].more)
            json_str(w, NULL, l[i].name);
    json_array_end(w);
    if (counted == 0)
        return;
    json_object_begin(w, JSON_KEY("list_lengths"));
    for (size_t i = 0; i < n; i++)
        if (l[i].more && l[i].offered > 0)
            json_u64(w, l[i].key, l[i].offered);
    json_object_end(w);
}

static void put_client_list_cuts(struct json_writer *w, const struct tls_client_report *c)
{
    const struct list_cut lists[] = {
        { "supported_ciphers", JSON_KEY("supported_ciphers"), c->ciphers.more, c->ciphers.offered },
        { "supported_groups", JSON_KEY("supported_groups"), c->supported_groups.more, c->supported_groups.offered },
        { "ec_point_formats", JSON_KEY("ec_point_formats"), c->ec_point_formats.more, c->ec_point_formats.offered },
        { "signature_algorithms", JSON_KEY("signature_algorithms"), c->signature_schemes.more,
          c->signature_schemes.offered },
        { "key_share_groups", JSON_KEY("key_share_groups"), c->key_share_groups.more, c->key_share_groups.offered },
        { "supported_versions", JSON_KEY("supported_versions"), c->supported_versions.more,
          c->supported_versions.offered },
        { "alpn", JSON_KEY("alpn"), c->alpn_more, 0 },
        { "extensions", JSON_KEY("extensions"), c->extensions.more, c->extensions.offered },
    };
    put_list_cuts(w, lists, sizeof lists / sizeof lists[0]);
}

/* tls.client/server.truncated_messages: the handshake messages not kept
 * whole (report.h messages_not_kept), by IANA name. */
static void put_truncated_messages(struct json_writer *w, uint32_t not_kept)
{
    if (not_kept == 0)
        return;
    char buf[U64_DIGITS_MAX];
    json_array_begin(w, JSON_KEY("truncated_messages"));
    for (unsigned t = 0; t < 32; t++) {
        if (!(not_kept >> t & 1u))
            continue;
        const char *n = tls_handshake_type_name((uint8_t)t);
        if (n)
            json_str(w, NULL, n);
        else
            json_str(w, NULL, decimal(buf, t));
    }
    json_array_end(w);
}

static void put_client(struct json_writer *w, struct memo *memo, const struct tls_client_report *c,
                       const struct x509_report *cert, uint32_t not_kept, uint16_t skipped)
{
    if (!c->seen && !not_kept && c->quic_versions_n == 0)
        return;
    json_object_begin(w, JSON_KEY("client"));
    if (skipped)
        json_u64(w, JSON_KEY("skipped_bytes"), skipped);
    if (!c->seen) {
        /* What surrounds a hello never read: a QUIC client refused by
         * Version Negotiation in a version whose Initials cannot be read
         * (its versions), a ClientHello too large to keep (its name). */
        put_quic_versions(w, c->quic_versions, c->quic_versions_n);
        put_truncated_messages(w, not_kept);
        json_object_end(w);
        return;
    }
    if (c->record_version)
        put_version(w, JSON_KEY("record_version"), c->record_version);
    if (c->quic_version)
        put_quic_version(w, c->quic_version);
    put_quic_versions(w, c->quic_versions, c->quic_versions_n);
    if (c->legacy_version)
        put_version(w, JSON_KEY("legacy_version"), c->legacy_version);
    if (c->has_supported_versions)
        put_version_list(w, memo, JSON_KEY("supported_versions"), LK_SUPPORTED_VERSIONS, c->supported_versions.v,
                         c->supported_versions.n);
    uint16_t offered[TLS_MAX_VERSIONS];
    size_t no = tls_offered_versions(c, offered, TLS_MAX_VERSIONS);
    if (no > 0) {
        put_version_list(w, memo, JSON_KEY("offered_versions"), LK_OFFERED_VERSIONS, offered, no);
        put_version(w, JSON_KEY("max_version"), offered[0]);
    }
    if (c->sslv2_hello)
        json_bool(w, JSON_KEY("sslv2_hello"), true);
    if (c->sni_len > 0)
        json_wire_str(w, JSON_KEY("server_name"), c->sni, c->sni_len);
    put_ciphers(w, memo, c);
    put_named_list(w, memo, JSON_KEY("supported_groups"), LK_GROUPS, c->supported_groups.v, c->supported_groups.n,
                   TLS_REG_GROUP);
    if (c->ec_point_formats.n > 0) {
        json_array_begin(w, JSON_KEY("ec_point_formats"));
        for (size_t i = 0; i < c->ec_point_formats.n; i++)
            json_u64(w, NULL, c->ec_point_formats.v[i]);
        json_array_end(w);
    }
    put_named_list(w, memo, JSON_KEY("signature_algorithms"), LK_SIGALGS, c->signature_schemes.v, c->signature_schemes.n,
                   TLS_REG_SIGNATURE_SCHEME);
    put_named_list(w, memo, JSON_KEY("key_share_groups"), LK_KEY_SHARES, c->key_share_groups.v, c->key_share_groups.n,
                   TLS_REG_GROUP);
    put_alpn_list(w, c);
    put_number_list(w, memo, JSON_KEY("extensions"), LK_CLIENT_EXTENSIONS, c->extensions.v, c->extensions.n);
    put_client_list_cuts(w, c);
    char s[FP_JA3_STRING_MAX];
    size_t ja3_len = fp_ja3_client_string(c, s, sizeof s);
    put_ja3(w, JSON_KEY("ja3"), JSON_KEY("ja3_string"), s, ja3_len);
    uint8_t md5[16];
    if (ja3_len == 0 && fp_ja3_client(c, md5)) /* over lists longer than the line's: no string kept */
        json_hex(w, JSON_KEY("ja3"), md5, sizeof md5, false);
    char ja4[FP_JA4_SIZE];
    if (fp_ja4_client_memo(c, memo, ja4) > 0)
        json_str(w, JSON_KEY("ja4"), ja4);
    if (c->certificate_seen)
        json_u64(w, JSON_KEY("certificate_chain_length"), c->certificate_chain_length);
    if (cert->parsed)
        put_certificate(w, memo, cert);
    put_truncated_messages(w, not_kept);
    json_object_end(w);
}

/* tls.server.* from an SSLv2 SERVER-HELLO: no extensions, no JA3S (it is
 * defined over the TLS ServerHello), RSA key exchange (SSL 2.0's only one),
 * the cipher kinds the server offers and its connection id's length. */
static void put_sslv2_server(struct json_writer *w, const struct tls_sslv2_report *v2)
{
    json_str(w, JSON_KEY("key_exchange"), tls_kx_name(TLS_KX_RSA));
    put_sslv2_ciphers(w, JSON_KEY("supported_ciphers"), v2->ciphers, v2->cipher_count);
    json_u64(w, JSON_KEY("connection_id_length"), v2->connection_id_len);
}

static void put_server(struct json_writer *w, struct memo *memo, const struct tls_server_report *s, uint16_t version,
                       const struct x509_report *cert, enum findings_name_match name_match,
                       const struct tls_sslv2_report *v2, uint32_t not_kept, uint16_t skipped)
{
    if (!s->seen && !s->ske_seen && !cert->parsed && !not_kept && s->quic_versions_n == 0)
        return;
    json_object_begin(w, JSON_KEY("server"));
    if (skipped)
        json_u64(w, JSON_KEY("skipped_bytes"), skipped);
    if (s->seen && v2->server_hello) {
        put_version(w, JSON_KEY("version"), version);
        put_version(w, JSON_KEY("record_version"), s->record_version);
        put_sslv2_server(w, v2);
    } else if (s->seen) {
        put_version(w, JSON_KEY("version"), version);
        if (s->record_version)
            put_version(w, JSON_KEY("record_version"), s->record_version);
        if (s->hello_retry_request)
            json_bool(w, JSON_KEY("hello_retry_request"), true);
        if (s->hello_verify_request)
            json_bool(w, JSON_KEY("hello_verify_request"), true);
        put_number_list(w, memo, JSON_KEY("extensions"), LK_SERVER_EXTENSIONS, s->extensions.v, s->extensions.n);
        const struct list_cut cut = { "extensions", JSON_KEY("extensions"), s->extensions.more,
                                      s->extensions.offered };
        put_list_cuts(w, &cut, 1);
        char str[FP_JA3S_STRING_MAX];
        size_t ja3s_len = fp_ja3s_string(s, str, sizeof str);
        put_ja3(w, JSON_KEY("ja3s"), JSON_KEY("ja3s_string"), str, ja3s_len);
        uint8_t md5[16];
        if (ja3s_len == 0 && fp_ja3s(s, md5))
            json_hex(w, JSON_KEY("ja3s"), md5, sizeof md5, false);
        enum tls_kx kx = tls_cipher_kx(s->cipher);
        if (kx != TLS_KX_TLS13)
            json_str(w, JSON_KEY("key_exchange"), tls_kx_name(kx)); /* nothing for an unknown one */
    }
    put_quic_versions(w, s->quic_versions, s->quic_versions_n);
    if (s->dh_prime_bits) {
        json_object_begin(w, JSON_KEY("dh"));
        json_u64(w, JSON_KEY("prime_bits"), s->dh_prime_bits);
        if (s->dh_generator_known)
            json_u64(w, JSON_KEY("generator"), s->dh_generator);
        if (s->dh_public_bits)
            json_u64(w, JSON_KEY("public_bits"), s->dh_public_bits);
        const struct dh_group *g = dh_group_get(s->dh_group);
        if (g)
            json_str(w, JSON_KEY("group"), g->name);
        json_object_end(w);
    }
    if (s->kx_sigalg)
        put_code(w, JSON_KEY("kx_signature_algorithm"), TLS_REG_SIGNATURE_SCHEME, s->kx_sigalg);
    if (s->certificate_seen)
        json_u64(w, JSON_KEY("certificate_chain_length"), s->certificate_chain_length);
    if (s->certificate_request)
        json_bool(w, JSON_KEY("certificate_requested"), true);
    if (name_match != FINDINGS_NAME_UNKNOWN)
        json_bool(w, JSON_KEY("certificate_name_matches"), name_match == FINDINGS_NAME_MATCHES);
    if (s->validated) /* --ca-file: libcrypto's verdict on the chain, in its words */
        json_str(w, JSON_KEY("validation_status"),
                 s->validation == X509_V_OK ? "ok"
                 : s->validation < 0        ? "no certificate of the chain decodes"
                                            : X509_verify_cert_error_string(s->validation));
    if (cert->parsed)
        put_certificate(w, memo, cert);
    put_truncated_messages(w, not_kept);
    json_object_end(w);
}

/* A validity time: before 1970 too, and the epoch itself. */
static void put_cert_time(struct json_writer *w, const struct json_key *key, int64_t secs)
{
    if (secs >= 0) {
        json_time_us(w, key, (uint64_t)secs * 1000000u);
        return;
    }
    char text[X509_TEXT_TIME_MAX];
    if (x509_text_time(secs, text) > 0)
        json_str(w, key, text);
}

/* x509.truncated: the members that hold less than the certificate has. */
static void put_cert_cut(struct json_writer *w, const struct x509_report *x, const struct x509_text *t)
{
    const struct { bool cut; const char *member; } cuts[] = {
        { x->subject_cn_cut, "subject.common_name" },
        { t->subject_dn_cut, "subject.distinguished_name" },
        { x->issuer_cn_cut, "issuer.common_name" },
        { t->issuer_dn_cut, "issuer.distinguished_name" },
        { x->san_more, "alternative_names" },
        { x->serial_cut, "serial_number" },
    };
    bool any = false;
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        if (!cuts[i].cut)
            continue;
        if (!any)
            json_array_begin(w, JSON_KEY("truncated"));
        any = true;
        json_str(w, NULL, cuts[i].member);
    }
    if (any)
        json_array_end(w);
}

/* tls.server.x509.* and tls.server.hash.* (tls.client.* for the client's),
 * ECS's x509 field set. */
static void put_certificate_members(struct json_writer *w, const struct x509_report *x)
{
    struct x509_text t;
    x509_text_render(x, &t);
    json_object_begin(w, JSON_KEY("x509"));
    if (x->subject_cn_len || t.subject_dn_len) {
        json_object_begin(w, JSON_KEY("subject"));
        if (x->subject_cn_len)
            json_wire_str(w, JSON_KEY("common_name"), x->subject_cn, x->subject_cn_len);
        if (t.subject_dn_len)
            json_wire_str(w, JSON_KEY("distinguished_name"), (const uint8_t *)t.subject_dn, t.subject_dn_len);
        json_object_end(w);
    }
    if (x->issuer_cn_len || t.issuer_dn_len) {
        json_object_begin(w, JSON_KEY("issuer"));
        if (x->issuer_cn_len)
            json_wire_str(w, JSON_KEY("common_name"), x->issuer_cn, x->issuer_cn_len);
        if (t.issuer_dn_len)
            json_wire_str(w, JSON_KEY("distinguished_name"), (const uint8_t *)t.issuer_dn, t.issuer_dn_len);
        json_object_end(w);
    }
    if (x->san_count) {
        json_array_begin(w, JSON_KEY("alternative_names"));
        size_t off = 0;
        for (uint8_t i = 0; i < x->san_count; i++) {
            json_wire_str(w, NULL, x->san + off + 1, x->san[off]);
            off += 1u + x->san[off];
        }
        json_array_end(w);
    }
    if (x->san_ip_count) { /* iPAddress subjectAltNames, beside the DNS ones */
        json_array_begin(w, JSON_KEY("alternative_ip_addresses"));
        for (uint8_t i = 0; i < x->san_ip_count; i++)
            put_ip(w, NULL, x->san_ip_len[i] == 4 ? 4 : 6, x->san_ip[i]);
        json_array_end(w);
    }
    if (x->not_before_read)
        put_cert_time(w, JSON_KEY("not_before"), x->not_before);
    if (x->not_after_read)
        put_cert_time(w, JSON_KEY("not_after"), x->not_after);
    if (t.serial[0])
        json_str(w, JSON_KEY("serial_number"), t.serial);
    if (t.key_algorithm[0])
        json_str(w, JSON_KEY("public_key_algorithm"), t.key_algorithm);
    if (x->key_bits)
        json_u64(w, JSON_KEY("public_key_size"), x->key_bits);
    if (t.key_curve[0])
        json_str(w, JSON_KEY("public_key_curve"), t.key_curve);
    if (t.signature_algorithm[0])
        json_str(w, JSON_KEY("signature_algorithm"), t.signature_algorithm);
    put_cert_cut(w, x, &t);
    json_object_end(w);
    json_object_begin(w, JSON_KEY("hash"));
    json_hex(w, JSON_KEY("sha256"), x->sha256, sizeof x->sha256, true);
    json_hex(w, JSON_KEY("sha1"), x->sha1, sizeof x->sha1, true);
    json_object_end(w);
}

/* A certificate's members are a function of its DER, which its SHA-256
 * names: a server's certificate is rendered once and copied into every later
 * line that carries it. */
#define CERT_MEMO_VALUE_MAX 16384

static void put_certificate(struct json_writer *w, struct memo *memo, const struct x509_report *x)
{
    const void *val;
    size_t vlen;
    if (!memo || w->filter) {
        /* Members formatted before cannot be filtered (--fields). */
        put_certificate_members(w, x);
        return;
    }
    if (memo_get(memo, MEMO_CERTIFICATE, x->sha256, sizeof x->sha256, &val, &vlen)) {
        json_raw_members(w, val, vlen);
        return;
    }
    char frag[CERT_MEMO_VALUE_MAX];
    struct json_writer t;
    json_init(&t, frag, sizeof frag);
    json_object_begin(&t, NULL);
    put_certificate_members(&t, x);
    json_object_end(&t);
    if (t.out.overflow || t.out.len < 2) {
        put_certificate_members(w, x);
        return;
    }
    /* Without the object's braces: the members alone. */
    memo_put(memo, MEMO_CERTIFICATE, x->sha256, sizeof x->sha256, frag + 1, t.out.len - 2);
    json_raw_members(w, frag + 1, t.out.len - 2);
}

/* smtp.helo, imap.id.name, imap.id.version: who the client said it was in
 * cleartext before STARTTLS. */
static void put_cleartext_identity(struct json_writer *w, const struct conn_context_report *ctx)
{
    if (ctx->smtp_helo.len) {
        json_object_begin(w, JSON_KEY("smtp"));
        json_wire_str(w, JSON_KEY("helo"), ctx->smtp_helo.v, ctx->smtp_helo.len);
        json_object_end(w);
    }
    if (ctx->imap_id_name.len || ctx->imap_id_version.len) {
        json_object_begin(w, JSON_KEY("imap"));
        json_object_begin(w, JSON_KEY("id"));
        if (ctx->imap_id_name.len)
            json_wire_str(w, JSON_KEY("name"), ctx->imap_id_name.v, ctx->imap_id_name.len);
        if (ctx->imap_id_version.len)
            json_wire_str(w, JSON_KEY("version"), ctx->imap_id_version.v, ctx->imap_id_version.len);
        json_object_end(w);
        json_object_end(w);
    }
}

/* tls.alert: the alert the report keeps. An encrypted one (after its
 * sender's ChangeCipherSpec) has no level or description on the wire. */
static void put_alert(struct json_writer *w, const struct tls_alert_report *a)
{
    if (!a->seen)
        return;
    json_object_begin(w, JSON_KEY("alert"));
    if (!a->encrypted) {
        json_str(w, JSON_KEY("level"), a->level == 2 ? "fatal" : a->level == 1 ? "warning" : "unknown");
        const struct iana_entry *d = tls_registry_entry(TLS_REG_ALERT, a->description);
        char num[U64_DIGITS_MAX];
        if (d)
            json_strn(w, JSON_KEY("description"), d->name, d->len);
        else
            json_str(w, JSON_KEY("description"), decimal(num, a->description));
        json_u64(w, JSON_KEY("code"), a->description);
    }
    json_str(w, JSON_KEY("sender"), a->sender == DIR_C2S ? "client" : "server");
    if (a->encrypted)
        json_bool(w, JSON_KEY("encrypted"), true);
    if (a->after_peer_close)
        json_bool(w, JSON_KEY("after_peer_close"), true);
    json_object_end(w);
}

/* tls.alert for SSL 2.0, which has no alerts: its cleartext ERROR message,
 * fatal, with the specification's code (1 no_cipher, 2 no_certificate, 4
 * bad_certificate, 6 unsupported_certificate_type; no TLS alert has these
 * numbers). */
static void put_sslv2_error(struct json_writer *w, const struct tls_sslv2_report *v2)
{
    json_object_begin(w, JSON_KEY("alert"));
    json_str(w, JSON_KEY("level"), "fatal");
    const char *name = sslv2_error_name(v2->error_code);
    char num[U64_DIGITS_MAX];
    json_str(w, JSON_KEY("description"), name ? name : decimal(num, v2->error_code));
    json_u64(w, JSON_KEY("code"), v2->error_code);
    json_str(w, JSON_KEY("sender"), v2->error_sender == DIR_C2S ? "client" : "server");
    if (v2->error_after_peer_close)
        json_bool(w, JSON_KEY("after_peer_close"), true);
    json_object_end(w);
}

/* What else a PROXY header said (client.proxy_*): the balancer's VIP and
 * port the client connected to, its UNIQUE_ID; or that the header failed
 * its checks, so client.* is the balancer's own address. */
static void put_proxy_context(struct json_writer *w, const struct conn_context_report *ctx)
{
    if (ctx->proxy_has_destination) {
        put_ip(w, JSON_KEY("proxy_destination_ip"), ctx->proxy_ip_version, ctx->proxy_destination_ip);
        json_u64(w, JSON_KEY("proxy_destination_port"), ctx->proxy_destination_port);
    }
    if (ctx->proxy_unique_id_len > 0)
        json_wire_str(w, JSON_KEY("proxy_unique_id"), ctx->proxy_unique_id, ctx->proxy_unique_id_len);
    if (ctx->proxy_invalid)
        json_bool(w, JSON_KEY("proxy_header_invalid"), true);
}

/* tls.server_plaintext: what a server that speaks plaintext said to a TLS client. */
static void put_server_plaintext(struct json_writer *w, const struct conn_context_report *ctx)
{
    if (ctx->plaintext_server && ctx->server_plaintext_len > 0)
        json_wire_str(w, JSON_KEY("server_plaintext"), ctx->server_plaintext, ctx->server_plaintext_len);
}

/* tls.findings: the array, left out when there are none. */
struct json_findings {
    struct json_writer *w;
    bool open;
};

static void json_finding(void *vctx, const char *id, const char *severity, const char *message)
{
    struct json_findings *j = vctx;
    if (!j->open) {
        json_array_begin(j->w, JSON_KEY("findings"));
        j->open = true;
    }
    json_object_begin(j->w, NULL);
    json_str(j->w, JSON_KEY("id"), id);
    json_str(j->w, JSON_KEY("severity"), severity);
    json_str(j->w, JSON_KEY("message"), message);
    json_object_end(j->w);
}

static void put_findings(struct json_writer *w, const struct conn_meta *m, const struct tls_report *r)
{
    struct json_findings j = { w, false };
    findings_each(m, r, json_finding, &j);
    if (j.open)
        json_array_end(w);
}

size_t conn_json_format(const struct conn_meta *m, const struct tls_report *r, struct memo *memo, char *buf,
                        size_t cap)
{
    return conn_json_format_fields(m, r, memo, NULL, buf, cap);
}

size_t conn_json_format_fields(const struct conn_meta *m, const struct tls_report *r, struct memo *memo,
                               const struct json_filter *fields, char *buf, size_t cap)
{
    struct json_writer w;
    json_init(&w, buf, cap);
    json_set_filter(&w, fields);
    json_object_begin(&w, NULL);
    json_time_us(&w, JSON_KEY("@timestamp"), m->first_ts_us);

    json_object_begin(&w, JSON_KEY("event"));
    json_time_us(&w, JSON_KEY("end"), m->last_ts_us);
    /* ECS: nanoseconds from @timestamp to event.end. */
    json_u64(&w, JSON_KEY("duration"), (m->last_ts_us - m->first_ts_us) * 1000u);
    json_str(&w, JSON_KEY("reason"), NAME_OF(reason_names, m->reason, "end_of_input"));
    json_object_end(&w);

    /* ECS's source.bytes and friends count the whole connection: they are
     * written only when the line comes at its end. A line written when the
     * handshake was decided gives what it counted by then, under names that
     * say so (the connection goes on; its later packets are only counted). */
    json_object_begin(&w, JSON_KEY("source"));
    put_ip(&w, JSON_KEY("ip"), m->ip_version, m->client_ip);
    json_u64(&w, JSON_KEY("port"), m->client_port);
    if (m->ended) {
        json_u64(&w, JSON_KEY("bytes"), m->bytes[DIR_C2S]);
        json_u64(&w, JSON_KEY("packets"), m->packets[DIR_C2S]);
    }
    json_u64(&w, JSON_KEY("counted_bytes"), m->bytes[DIR_C2S]);
    json_u64(&w, JSON_KEY("counted_packets"), m->packets[DIR_C2S]);
    json_object_end(&w);
    json_object_begin(&w, JSON_KEY("destination"));
    put_ip(&w, JSON_KEY("ip"), m->ip_version, m->server_ip);
    json_u64(&w, JSON_KEY("port"), m->server_port);
    if (m->ended) {
        json_u64(&w, JSON_KEY("bytes"), m->bytes[DIR_S2C]);
        json_u64(&w, JSON_KEY("packets"), m->packets[DIR_S2C]);
    }
    json_u64(&w, JSON_KEY("counted_bytes"), m->bytes[DIR_S2C]);
    json_u64(&w, JSON_KEY("counted_packets"), m->packets[DIR_S2C]);
    json_object_end(&w);
    const struct conn_context_report *ctx = &r->context;
    json_object_begin(&w, JSON_KEY("client"));
    if (ctx->proxy_has_client) {
        /* The true client, as the load balancer's PROXY header names it. */
        put_ip(&w, JSON_KEY("ip"), ctx->proxy_ip_version, ctx->proxy_client_ip);
        json_u64(&w, JSON_KEY("port"), ctx->proxy_client_port);
        json_str(&w, JSON_KEY("address_source"), ctx->proxy_version == 1 ? "proxy_v1" : "proxy_v2");
    } else {
        put_ip(&w, JSON_KEY("ip"), m->ip_version, m->client_ip);
        json_u64(&w, JSON_KEY("port"), m->client_port);
    }
    put_proxy_context(&w, ctx);
    json_object_end(&w);

    json_object_begin(&w, JSON_KEY("network"));
    json_str(&w, JSON_KEY("transport"), m->transport == FLOW_TRANSPORT_UDP ? "udp" : "tcp");
    json_str(&w, JSON_KEY("type"), m->ip_version == 6 ? "ipv6" : "ipv4");
    const char *proto = ctx->starttls ? starttls_protocol_name(ctx->starttls) : ctx->protocol;
    const char *by_port = port_protocol(m->server_port);
    if (!proto || (strcmp(proto, "tls") == 0 && by_port))
        proto = by_port;
    if (proto)
        json_str(&w, JSON_KEY("protocol"), proto);
    if (m->ended) {
        json_u64(&w, JSON_KEY("bytes"), m->bytes[DIR_C2S] + m->bytes[DIR_S2C]);
        json_u64(&w, JSON_KEY("packets"), m->packets[DIR_C2S] + m->packets[DIR_S2C]);
    }
    if (ctx->application[0])
        json_str(&w, JSON_KEY("application"), ctx->application);
    char cid[32];
    conn_community_id(m, cid);
    json_str(&w, JSON_KEY("community_id"), cid);
    if (m->vlan_count > 0) {
        char id[U64_DIGITS_MAX];
        json_object_begin(&w, JSON_KEY("vlan"));
        json_str(&w, JSON_KEY("id"), decimal(id, m->vlan[0])); /* ECS: a string */
        json_object_end(&w);
        if (m->vlan_count > 1) {
            json_object_begin(&w, JSON_KEY("inner"));
            json_object_begin(&w, JSON_KEY("vlan"));
            json_str(&w, JSON_KEY("id"), decimal(id, m->vlan[1]));
            json_object_end(&w);
            json_object_end(&w);
        }
    }
    if (m->tunnel_type) {
        json_object_begin(&w, JSON_KEY("tunnel"));
        json_str(&w, JSON_KEY("type"), m->tunnel_type);
        put_ip(&w, JSON_KEY("source_ip"), m->tunnel_ip_version, m->tunnel_src);
        put_ip(&w, JSON_KEY("destination_ip"), m->tunnel_ip_version, m->tunnel_dst);
        if (m->tunnel_has_id)
            json_u64(&w, JSON_KEY("id"), m->tunnel_id);
        json_object_end(&w);
    }
    json_object_end(&w);

    put_cleartext_identity(&w, ctx);
    json_object_begin(&w, JSON_KEY("tls"));
    json_bool(&w, JSON_KEY("established"), r->established);
    json_str(&w, JSON_KEY("outcome"), NAME_OF(outcome_names, r->outcome, "incomplete"));
    if ((r->outcome == TLS_OUTCOME_RESET || r->outcome == TLS_OUTCOME_CLOSED_DURING_HANDSHAKE) && m->close_seen)
        json_str(&w, JSON_KEY("closed_by"), m->closed_by == DIR_C2S ? "client" : "server");
    if (ctx->starttls) {
        json_str(&w, JSON_KEY("starttls"), starttls_protocol_name(ctx->starttls));
        if (ctx->starttls_reply_len)
            json_wire_str(&w, JSON_KEY("starttls_reply"), ctx->starttls_reply, ctx->starttls_reply_len);
    }
    put_server_plaintext(&w, ctx);
    int legacy = tls_legacy(r);
    if (legacy >= 0)
        json_bool(&w, JSON_KEY("legacy"), legacy > 0);
    uint16_t version = tls_negotiated_version(&r->server);
    if (r->server.seen) {
        const char *num, *family;
        if (tls_version_ecs(version, &num, &family)) {
            json_str(&w, JSON_KEY("version"), num);
            json_str(&w, JSON_KEY("version_protocol"), family);
        }
        put_version(&w, JSON_KEY("negotiated_version"), version);
        if (!r->sslv2.server_hello)
            put_code(&w, JSON_KEY("cipher"), TLS_REG_CIPHER_SUITE, r->server.cipher);
        else if (r->sslv2.master_key) /* the kind the client chose */
            put_sslv2_cipher(&w, JSON_KEY("cipher"), r->sslv2.cipher_kind);
    }
    uint16_t curve = r->server.curve ? r->server.curve : r->server.key_share_group;
    if (curve)
        put_code(&w, JSON_KEY("curve"), TLS_REG_GROUP, curve);
    if (r->server.seen)
        json_bool(&w, JSON_KEY("resumed"), r->resumed);
    if (r->server.alpn_len > 0)
        json_wire_str(&w, JSON_KEY("next_protocol"), r->server.alpn, r->server.alpn_len);
    if (r->sslv2.error_seen)
        put_sslv2_error(&w, &r->sslv2);
    else
        put_alert(&w, &r->alert);
    put_client(&w, memo, &r->client, &r->client_cert, r->messages_not_kept[DIR_C2S],
               ctx->skipped_bytes[DIR_C2S]);
    put_server(&w, memo, &r->server, version, &r->server_cert, findings_certificate_name_match(r), &r->sslv2,
               r->messages_not_kept[DIR_S2C], ctx->skipped_bytes[DIR_S2C]);
    put_findings(&w, m, r);
    if (r->malformed) {
        json_bool(&w, JSON_KEY("malformed"), true);
        char why[TLS_HS_MALFORMED_TEXT_MAX];
        if (tls_hs_malformed_text(r, why, sizeof why))
            json_str(&w, JSON_KEY("malformed_message"), why);
    }
    if (r->truncated)
        json_bool(&w, JSON_KEY("truncated"), true);
    json_object_end(&w);
    json_object_end(&w);
    return json_finish(&w);
}

void conn_json_emit(void *writer, const struct conn_meta *m, const struct tls_report *r)
{
    struct conn_json_writer *cw = writer;
    size_t n = conn_json_format_fields(m, r, cw->memo, cw->fields, cw->buf, sizeof cw->buf);
    cw->last_len = n;
    if (n == 0) {
        cw->dropped++;
        return;
    }
    if (fwrite(cw->buf, 1, n, cw->out) != n)
        cw->write_errors++;
    cw->lines++;
}

struct memo *conn_json_memo_new(void)
{
    return memo_new(CONN_JSON_MEMO_SLOTS, CONN_JSON_MEMO_SLOT_BYTES);
}
