/* conn_json.c - see conn_json.h. Field names and formats: ../shared/SCHEMA.md. */
#include "output/conn_json.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <string.h>

#include "common/digest.h"
#include "dissect/fingerprint.h"
#include "dissect/names.h"
#include "dissect/tls_handshake.h"
#include "dissect/starttls.h"
#include "output/findings.h"
#include "output/json.h"

static const char *reason_name(enum conn_reason r)
{
    switch (r) {
    case CONN_REASON_HANDSHAKE_DONE: return "handshake_done";
    case CONN_REASON_ALERT: return "alert";
    case CONN_REASON_RESET: return "reset";
    case CONN_REASON_FIN: return "fin";
    case CONN_REASON_IDLE_TIMEOUT: return "idle_timeout";
    case CONN_REASON_EVICTED: return "evicted";
    case CONN_REASON_END_OF_INPUT: return "end_of_input";
    case CONN_REASON_STARTTLS_REFUSED: return "starttls_refused";
    }
    return "end_of_input";
}

static const char *outcome_name(enum tls_outcome o)
{
    switch (o) {
    case TLS_OUTCOME_ESTABLISHED: return "established";
    case TLS_OUTCOME_ALERT: return "alert";
    case TLS_OUTCOME_RESET: return "reset";
    case TLS_OUTCOME_CLOSED_DURING_HANDSHAKE: return "closed_during_handshake";
    case TLS_OUTCOME_INCOMPLETE: return "incomplete";
    case TLS_OUTCOME_STARTTLS_REFUSED: return "starttls_refused";
    }
    return "incomplete";
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
    case 3389: return "rdp";
    case 1433: return "tds";
    case 5432: return "postgresql";
    case 3306: return "mysql";
    default: return NULL;
    }
}

static void put_ip(struct json_writer *w, const char *key, int version, const uint8_t *addr)
{
    char buf[INET6_ADDRSTRLEN];
    if (version != 6) {
        /* Dotted quad by hand: inet_ntop's sprintf was a visible share of
         * the per-line cost. */
        char *p = buf;
        for (int i = 0; i < 4; i++) {
            unsigned v = addr[i];
            if (v >= 100)
                *p++ = (char)('0' + v / 100);
            if (v >= 10)
                *p++ = (char)('0' + v / 10 % 10);
            *p++ = (char)('0' + v % 10);
            *p++ = i < 3 ? '.' : '\0';
        }
        json_str(w, key, buf);
        return;
    }
    if (inet_ntop(AF_INET6, addr, buf, sizeof buf))
        json_str(w, key, buf);
}

static void put_version(struct json_writer *w, const char *key, uint16_t v)
{
    char buf[TLS_VERSION_TOKEN_MAX];
    json_str(w, key, tls_version_token(v, buf));
}

/* A named 16-bit code, or its 0x hex form. */
static void put_code(struct json_writer *w, const char *key, const char *name, uint16_t code)
{
    char hex[8];
    json_str(w, key, name ? name : tls_hex16(code, hex));
}

typedef const char *(*name_fn)(uint16_t);

/* How a list of 16-bit codes is written: IANA names (hex when unnamed),
 * version tokens, or plain numbers. */
enum list_form { LIST_NAMES, LIST_VERSIONS, LIST_NUMBERS };

/* A list without its GREASE values; left out when nothing remains. */
static void put_list(struct json_writer *w, const char *key, const uint16_t *v, size_t n, enum list_form form,
                     name_fn name)
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
            put_code(w, NULL, name(v[i]), v[i]);
        else if (form == LIST_VERSIONS)
            put_version(w, NULL, v[i]);
        else
            json_u64(w, NULL, v[i]);
    }
    json_array_end(w);
}

static void put_named_list(struct json_writer *w, const char *key, const uint16_t *v, size_t n, name_fn name)
{
    put_list(w, key, v, n, LIST_NAMES, name);
}

static void put_version_list(struct json_writer *w, const char *key, const uint16_t *v, size_t n)
{
    put_list(w, key, v, n, LIST_VERSIONS, NULL);
}

static void put_number_list(struct json_writer *w, const char *key, const uint16_t *v, size_t n)
{
    put_list(w, key, v, n, LIST_NUMBERS, NULL);
}

static void put_ciphers(struct json_writer *w, const struct tls_client_report *c)
{
    size_t shown = 0;
    for (size_t i = 0; i < c->ciphers.n; i++)
        shown += c->sslv2_hello || !tls_is_grease((uint16_t)c->ciphers.v[i]);
    if (shown == 0)
        return;
    json_array_begin(w, "supported_ciphers");
    for (size_t i = 0; i < c->ciphers.n; i++) {
        uint32_t cs = c->ciphers.v[i];
        if (c->sslv2_hello) {
            const char *name = sslv2_cipher_name(cs);
            char hex[12];
            if (!name) {
                static const char digits[] = "0123456789abcdef";
                hex[0] = '0';
                hex[1] = 'x';
                for (int k = 0; k < 6; k++)
                    hex[2 + k] = digits[(cs >> (20 - 4 * k)) & 0xf];
                hex[8] = '\0';
                name = hex;
            }
            json_str(w, NULL, name);
        } else if (!tls_is_grease((uint16_t)cs)) {
            put_code(w, NULL, tls_cipher_name((uint16_t)cs), (uint16_t)cs);
        }
    }
    json_array_end(w);
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
    json_array_begin(w, "alpn");
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

static int version_rank(uint16_t v)
{
    /* Orders versions for "highest": SSLv2 < SSLv3 < TLS 1.0 < ... < 1.3, with
     * TLS 1.3 drafts just below 1.3; unknown values rank lowest. */
    if (v == 0x0002 || v == 0x0200)
        return 1;
    if (v >= 0x0300 && v <= 0x0304)
        return 2 + (v - 0x0300) * 2;
    if ((v >> 8) == 0x7f)
        return 9;
    return 0;
}

/* Every version the client is willing to use, highest first: its
 * supported_versions list when it sent one, else its legacy_version and the
 * TLS versions below it down to TLS 1.0 (SSLv3 only if that is all it asks). */
size_t conn_offered_versions(const struct tls_client_report *c, uint16_t *out, size_t cap)
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
        /* insertion sort by rank, highest first (lists are tiny) */
        for (size_t i = 1; i < n; i++) {
            uint16_t x = out[i];
            size_t k = i;
            while (k > 0 && version_rank(out[k - 1]) < version_rank(x)) {
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
    if (cap > 0 && v)
        out[n++] = v;
    return n;
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
    buf[n++] = 6; /* TCP */
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

static void put_certificate(struct json_writer *w, const struct x509_report *x);

static void put_client(struct json_writer *w, const struct tls_client_report *c, const struct x509_report *cert)
{
    if (!c->seen)
        return;
    json_object_begin(w, "client");
    if (c->record_version)
        put_version(w, "record_version", c->record_version);
    if (c->legacy_version)
        put_version(w, "legacy_version", c->legacy_version);
    if (c->has_supported_versions)
        put_version_list(w, "supported_versions", c->supported_versions.v, c->supported_versions.n);
    uint16_t offered[TLS_MAX_VERSIONS];
    size_t no = conn_offered_versions(c, offered, TLS_MAX_VERSIONS);
    if (no > 0) {
        put_version_list(w, "offered_versions", offered, no);
        put_version(w, "max_version", offered[0]);
    }
    if (c->sslv2_hello)
        json_bool(w, "sslv2_hello", true);
    if (c->sni_len > 0)
        json_wire_str(w, "server_name", c->sni, c->sni_len);
    put_ciphers(w, c);
    put_named_list(w, "supported_groups", c->supported_groups.v, c->supported_groups.n, tls_group_name);
    if (c->ec_point_formats.n > 0) {
        json_array_begin(w, "ec_point_formats");
        for (size_t i = 0; i < c->ec_point_formats.n; i++)
            json_u64(w, NULL, c->ec_point_formats.v[i]);
        json_array_end(w);
    }
    put_named_list(w, "signature_algorithms", c->signature_schemes.v, c->signature_schemes.n, tls_sigscheme_name);
    put_named_list(w, "key_share_groups", c->key_share_groups.v, c->key_share_groups.n, tls_group_name);
    put_alpn_list(w, c);
    put_number_list(w, "extensions", c->extensions.v, c->extensions.n);
    if (c->has_ja3) {
        json_hex(w, "ja3", c->ja3, 16, false);
        char s[FP_JA3_STRING_MAX];
        if (fp_ja3_client_string(c, s, sizeof s) > 0)
            json_str(w, "ja3_string", s);
    }
    if (c->ja4[0])
        json_str(w, "ja4", c->ja4);
    if (c->certificate_seen)
        json_u64(w, "certificate_chain_length", c->certificate_chain_length);
    if (cert->parsed)
        put_certificate(w, cert);
    json_object_end(w);
}

static void put_server(struct json_writer *w, const struct tls_server_report *s, uint16_t version,
                       const struct x509_report *cert)
{
    if (!s->seen && !s->ske_seen && !cert->parsed)
        return;
    json_object_begin(w, "server");
    if (s->seen) {
        put_version(w, "version", version);
        if (s->record_version)
            put_version(w, "record_version", s->record_version);
        if (s->hello_retry_request)
            json_bool(w, "hello_retry_request", true);
        put_number_list(w, "extensions", s->extensions.v, s->extensions.n);
        if (s->has_ja3s) {
            json_hex(w, "ja3s", s->ja3s, 16, false);
            char str[1024];
            if (fp_ja3s_string(s, str, sizeof str) > 0)
                json_str(w, "ja3s_string", str);
        }
        const char *kx = tls_kx_name(tls_cipher_kx(s->cipher));
        if (kx && strcmp(kx, "TLS13") != 0)
            json_str(w, "key_exchange", kx);
    }
    if (s->dh_prime_bits) {
        json_object_begin(w, "dh");
        json_u64(w, "prime_bits", s->dh_prime_bits);
        if (s->dh_generator_known)
            json_u64(w, "generator", s->dh_generator);
        if (s->dh_public_bits)
            json_u64(w, "public_bits", s->dh_public_bits);
        json_object_end(w);
    }
    if (s->kx_sigalg)
        put_code(w, "kx_signature_algorithm", tls_sigscheme_name(s->kx_sigalg), s->kx_sigalg);
    if (s->certificate_seen)
        json_u64(w, "certificate_chain_length", s->certificate_chain_length);
    if (s->certificate_request)
        json_bool(w, "certificate_requested", true);
    if (cert->parsed)
        put_certificate(w, cert);
    json_object_end(w);
}

/* tls.server.x509.* and tls.server.hash.* (tls.client.* for the client's),
 * ECS's x509 field set. */
static void put_certificate(struct json_writer *w, const struct x509_report *x)
{
    json_object_begin(w, "x509");
    if (x->subject_cn_len || x->subject_dn_len) {
        json_object_begin(w, "subject");
        if (x->subject_cn_len)
            json_wire_str(w, "common_name", x->subject_cn, x->subject_cn_len);
        if (x->subject_dn_len)
            json_wire_str(w, "distinguished_name", (const uint8_t *)x->subject_dn, x->subject_dn_len);
        json_object_end(w);
    }
    if (x->issuer_cn_len || x->issuer_dn_len) {
        json_object_begin(w, "issuer");
        if (x->issuer_cn_len)
            json_wire_str(w, "common_name", x->issuer_cn, x->issuer_cn_len);
        if (x->issuer_dn_len)
            json_wire_str(w, "distinguished_name", (const uint8_t *)x->issuer_dn, x->issuer_dn_len);
        json_object_end(w);
    }
    if (x->san_count) {
        json_array_begin(w, "alternative_names");
        size_t off = 0;
        for (uint8_t i = 0; i < x->san_count; i++) {
            json_wire_str(w, NULL, x->san + off + 1, x->san[off]);
            off += 1u + x->san[off];
        }
        json_array_end(w);
    }
    if (x->not_before > 0)
        json_time_us(w, "not_before", (uint64_t)x->not_before * 1000000u);
    if (x->not_after > 0)
        json_time_us(w, "not_after", (uint64_t)x->not_after * 1000000u);
    if (x->serial[0])
        json_str(w, "serial_number", x->serial);
    if (x->key_algorithm[0])
        json_str(w, "public_key_algorithm", x->key_algorithm);
    if (x->key_bits)
        json_u64(w, "public_key_size", x->key_bits);
    if (x->key_curve[0])
        json_str(w, "public_key_curve", x->key_curve);
    if (x->signature_algorithm[0])
        json_str(w, "signature_algorithm", x->signature_algorithm);
    json_object_end(w);
    json_object_begin(w, "hash");
    json_hex(w, "sha256", x->sha256, sizeof x->sha256, true);
    json_hex(w, "sha1", x->sha1, sizeof x->sha1, true);
    json_object_end(w);
}

size_t conn_json_format(const struct conn_meta *m, const struct tls_report *r, char *buf, size_t cap)
{
    struct json_writer w;
    json_init(&w, buf, cap);
    json_object_begin(&w, NULL);
    json_time_us(&w, "@timestamp", m->first_ts_us);

    json_object_begin(&w, "event");
    json_time_us(&w, "end", m->last_ts_us);
    json_str(&w, "reason", reason_name(m->reason));
    json_object_end(&w);

    json_object_begin(&w, "source");
    put_ip(&w, "ip", m->ip_version, m->client_ip);
    json_u64(&w, "port", m->client_port);
    json_u64(&w, "bytes", m->bytes[DIR_C2S]);
    json_u64(&w, "packets", m->packets[DIR_C2S]);
    json_object_end(&w);
    json_object_begin(&w, "destination");
    put_ip(&w, "ip", m->ip_version, m->server_ip);
    json_u64(&w, "port", m->server_port);
    json_u64(&w, "bytes", m->bytes[DIR_S2C]);
    json_u64(&w, "packets", m->packets[DIR_S2C]);
    json_object_end(&w);
    const struct conn_context_report *ctx = &r->context;
    json_object_begin(&w, "client");
    if (ctx->proxy_has_client) {
        /* The true client, as the load balancer's PROXY header names it. */
        put_ip(&w, "ip", ctx->proxy_ip_version, ctx->proxy_client_ip);
        json_u64(&w, "port", ctx->proxy_client_port);
        json_str(&w, "address_source", ctx->proxy_version == 1 ? "proxy_v1" : "proxy_v2");
    } else {
        put_ip(&w, "ip", m->ip_version, m->client_ip);
        json_u64(&w, "port", m->client_port);
    }
    json_object_end(&w);

    json_object_begin(&w, "network");
    json_str(&w, "transport", "tcp");
    json_str(&w, "type", m->ip_version == 6 ? "ipv6" : "ipv4");
    const char *proto = ctx->starttls ? starttls_protocol_name(ctx->starttls) : ctx->protocol;
    const char *by_port = port_protocol(m->server_port);
    if (!proto || (strcmp(proto, "tls") == 0 && by_port))
        proto = by_port;
    if (proto)
        json_str(&w, "protocol", proto);
    if (ctx->application[0])
        json_str(&w, "application", ctx->application);
    char cid[32];
    conn_community_id(m, cid);
    json_str(&w, "community_id", cid);
    if (m->vlan_count > 0) {
        char id[8];
        snprintf(id, sizeof id, "%u", m->vlan[0]);
        json_object_begin(&w, "vlan");
        json_str(&w, "id", id);
        json_object_end(&w);
        if (m->vlan_count > 1) {
            snprintf(id, sizeof id, "%u", m->vlan[1]);
            json_object_begin(&w, "inner");
            json_object_begin(&w, "vlan");
            json_str(&w, "id", id);
            json_object_end(&w);
            json_object_end(&w);
        }
    }
    if (m->tunnel_type) {
        json_object_begin(&w, "tunnel");
        json_str(&w, "type", m->tunnel_type);
        put_ip(&w, "source_ip", m->tunnel_ip_version, m->tunnel_src);
        put_ip(&w, "destination_ip", m->tunnel_ip_version, m->tunnel_dst);
        if (m->tunnel_has_id)
            json_u64(&w, "id", m->tunnel_id);
        json_object_end(&w);
    }
    json_object_end(&w);

    json_object_begin(&w, "tls");
    json_bool(&w, "established", r->established);
    json_str(&w, "outcome", outcome_name(r->outcome));
    if ((r->outcome == TLS_OUTCOME_RESET || r->outcome == TLS_OUTCOME_CLOSED_DURING_HANDSHAKE) && m->close_seen)
        json_str(&w, "closed_by", m->closed_by == DIR_C2S ? "client" : "server");
    if (ctx->starttls) {
        json_str(&w, "starttls", starttls_protocol_name(ctx->starttls));
        if (ctx->starttls_reply_len)
            json_wire_str(&w, "starttls_reply", ctx->starttls_reply, ctx->starttls_reply_len);
    }
    uint16_t version = r->server.selected_version ? r->server.selected_version : r->server.legacy_version;
    if (r->server.seen) {
        const char *num, *family;
        if (tls_version_ecs(version, &num, &family)) {
            json_str(&w, "version", num);
            json_str(&w, "version_protocol", family);
        }
        put_version(&w, "negotiated_version", version);
        put_code(&w, "cipher", tls_cipher_name(r->server.cipher), r->server.cipher);
    }
    uint16_t curve = r->server.curve ? r->server.curve : r->server.key_share_group;
    if (curve)
        put_code(&w, "curve", tls_group_name(curve), curve);
    if (r->server.seen)
        json_bool(&w, "resumed", r->resumed);
    if (r->server.alpn_len > 0)
        json_wire_str(&w, "next_protocol", r->server.alpn, r->server.alpn_len);
    if (r->alert.seen) {
        json_object_begin(&w, "alert");
        json_str(&w, "level", r->alert.level == 2 ? "fatal" : r->alert.level == 1 ? "warning" : "unknown");
        const char *d = tls_alert_name(r->alert.description);
        char num[8];
        if (!d) {
            snprintf(num, sizeof num, "%u", r->alert.description);
            d = num;
        }
        json_str(&w, "description", d);
        json_u64(&w, "code", r->alert.description);
        json_str(&w, "sender", r->alert.sender == DIR_C2S ? "client" : "server");
        json_object_end(&w);
    }
    put_client(&w, &r->client, &r->client_cert);
    put_server(&w, &r->server, version, &r->server_cert);
    findings_write(&w, m, r);
    if (r->malformed) {
        json_bool(&w, "malformed", true);
        char why[TLS_HS_MALFORMED_TEXT_MAX];
        if (tls_hs_malformed_text(r, why, sizeof why))
            json_str(&w, "malformed_message", why);
    }
    if (r->truncated)
        json_bool(&w, "truncated", true);
    json_object_end(&w);
    json_object_end(&w);
    return json_finish(&w);
}

void conn_json_emit(void *writer, const struct conn_meta *m, const struct tls_report *r)
{
    struct conn_json_writer *cw = writer;
    size_t n = conn_json_format(m, r, cw->buf, sizeof cw->buf);
    if (n == 0) {
        cw->dropped++;
        return;
    }
    if (fwrite(cw->buf, 1, n, cw->out) != n)
        cw->write_errors++;
    cw->lines++;
}
