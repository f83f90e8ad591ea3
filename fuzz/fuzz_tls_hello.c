/* fuzz_tls_hello.c - dissect/tls_hello.c's parsers on a message body, as
 * tls_handshake.c calls them once a handshake message is whole:
 * tls_parse_client_hello (and the JA3/JA4 fingerprints it computes),
 * tls_parse_server_hello (JA3S), tls_parse_server_key_exchange and
 * tls_parse_sslv2_client_hello / tls_looks_like_sslv2_hello.
 *
 * Input: [selector:1] then, by selector % 4:
 *   0  ClientHello body
 *   1  [client_session_id_len:1 (mod 33)] [client session id] ServerHello body
 *   2  [version:2] [cipher:2] ServerKeyExchange body
 *   3  SSLv2 CLIENT-HELLO record (2-byte header included)
 * The body is an exact-size heap copy, freed before the report is used.
 * Checks: every list count within its array, stored strings within their
 * buffers (the ALPN list walks to exactly its length and count), JA4 a
 * terminated string; then the report is written as a connection line, which
 * must be valid JSON (fuzz_check_conn_line).
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/tls_hello.h"
#include "output/fingerprint.h"
#include "fuzz/fuzz_util.h"

static void check_alpn_list(const uint8_t *store, uint16_t len, uint8_t count)
{
    FUZZ_CHECK(len <= TLS_ALPN_BYTES, "alpn_len %u", len);
    size_t i = 0;
    unsigned items = 0;
    while (i < len) {
        i += 1u + store[i];
        items++;
    }
    FUZZ_CHECK(i == len, "ALPN entries run to %zu, alpn_len %u", i, len);
    FUZZ_CHECK(items == count, "ALPN entries %u, alpn_count %u", items, count);
}

static void check_client(const struct tls_client_report *c)
{
    FUZZ_CHECK(c->ciphers.n <= TLS_MAX_CIPHERS, "ciphers %u", c->ciphers.n);
    FUZZ_CHECK(c->extensions.n <= TLS_MAX_EXTENSIONS, "extensions %u", c->extensions.n);
    FUZZ_CHECK(c->supported_versions.n <= TLS_MAX_VERSIONS, "supported_versions %u", c->supported_versions.n);
    FUZZ_CHECK(c->supported_groups.n <= TLS_MAX_GROUPS, "supported_groups %u", c->supported_groups.n);
    FUZZ_CHECK(c->signature_algorithms.n <= TLS_MAX_SIGALGS, "signature_algorithms %u", c->signature_algorithms.n);
    FUZZ_CHECK(c->signature_schemes.n <= TLS_MAX_SIGALGS * 2, "signature_schemes %u", c->signature_schemes.n);
    FUZZ_CHECK(c->key_share_groups.n <= TLS_MAX_KEY_SHARES, "key_share_groups %u", c->key_share_groups.n);
    FUZZ_CHECK(c->ec_point_formats.n <= TLS_MAX_POINT_FORMATS, "ec_point_formats %u", c->ec_point_formats.n);
    FUZZ_CHECK(c->sni_len <= TLS_SNI_BYTES, "sni_len %u", c->sni_len);
    FUZZ_CHECK(c->session_id_len <= 32, "session_id_len %u", c->session_id_len);
    char ja4[FP_JA4_SIZE];
    size_t ja4_len = fp_ja4_client(c, ja4);
    FUZZ_CHECK((ja4_len == 0 || ja4_len == 36) && strlen(ja4) == ja4_len, "ja4 of %zu bytes", ja4_len);
    check_alpn_list(c->alpn, c->alpn_len, c->alpn_count);
}

static void check_server(const struct tls_server_report *s)
{
    FUZZ_CHECK(s->extensions.n <= TLS_MAX_EXTENSIONS, "extensions %u", s->extensions.n);
    FUZZ_CHECK(s->alpn_len <= TLS_ALPN_BYTES, "alpn_len %u", s->alpn_len);
    FUZZ_CHECK(s->session_id_len <= 32, "session_id_len %u", s->session_id_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint8_t sel = fuzz_u8(&in);
    struct tls_report *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    uint8_t csid[32];
    memset(csid, 0, sizeof csid);
    const uint8_t *p;
    uint8_t *body;
    size_t n;

    switch (sel % 4) {
    case 0:
        body = fuzz_dup(in.p, in.n);
        r->client.record_version = 0x0301;
        if (tls_parse_client_hello(span_make(body, in.n), &r->client, csid) != TLS_PARSE_OK)
            r->malformed = true;
        break;
    case 1: {
        uint8_t k = (uint8_t)(fuzz_u8(&in) % 33);
        n = fuzz_take(&in, k, &p);
        memcpy(csid, p, n);
        r->client.session_id_len = (uint8_t)n;
        body = fuzz_dup(in.p, in.n);
        r->server.record_version = 0x0303;
        if (tls_parse_server_hello(span_make(body, in.n), &r->server, csid, (uint8_t)n) != TLS_PARSE_OK)
            r->malformed = true;
        break;
    }
    case 2: {
        uint16_t version = fuzz_u16(&in);
        uint16_t cipher = fuzz_u16(&in);
        body = fuzz_dup(in.p, in.n);
        r->server.seen = true;
        r->server.legacy_version = version;
        r->server.cipher = cipher;
        if (tls_parse_server_key_exchange(span_make(body, in.n), version, cipher, &r->server) != TLS_PARSE_OK)
            r->malformed = true;
        break;
    }
    default:
        body = fuzz_dup(in.p, in.n);
        (void)tls_looks_like_sslv2_hello(span_make(body, in.n));
        if (tls_parse_sslv2_client_hello(span_make(body, in.n), &r->client) != TLS_PARSE_OK)
            r->malformed = true;
        break;
    }
    free(body);
    check_client(&r->client);
    check_server(&r->server);

    struct conn_meta m;
    memset(&m, 0, sizeof m);
    m.ip_version = 4;
    memcpy(m.client_ip, "\x0a\x00\x00\x01", 4);
    memcpy(m.server_ip, "\x0a\x00\x00\x02", 4);
    m.client_port = 40000;
    m.server_port = 443;
    m.first_ts_us = m.last_ts_us = 1700000000000000u;
    m.reason = CONN_REASON_END_OF_INPUT;
    fuzz_check_conn_line(&m, r);
    free(r);
    return 0;
}
