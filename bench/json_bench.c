/* json_bench.c - the JSON line writer on its own: how many connection lines
 * per second conn_json_format() produces for a typical TLS 1.3 browser
 * connection (the handshake-heavy benchmark's most common line).
 *
 * usage: json_bench [LINES]   (default 2,000,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/memo.h"
#include "output/conn_json.h"

static const uint16_t ciphers[] = { 0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                                    0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
static const uint16_t exts[] = { 0x2a2a, 0, 23, 65281, 10, 11, 35, 16, 5, 13, 18, 51, 45, 43, 27, 17513, 21 };
static const uint16_t groups[] = { 0x3a3a, 0x001d, 0x0017, 0x0018 };
static const uint16_t sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };

int main(int argc, char **argv)
{
    long lines = argc > 1 ? atol(argv[1]) : 2000000;
    static struct tls_report r;
    struct conn_meta m;
    memset(&m, 0, sizeof m);
    m.ip_version = 4;
    memcpy(m.client_ip, "\xc0\xa8\x01\x66", 4);
    memcpy(m.server_ip, "\x8e\xfa\x4a\x24", 4);
    m.client_port = 52144;
    m.server_port = 443;
    m.first_ts_us = 1700000000123456ULL;
    m.last_ts_us = 1700000000234567ULL;
    m.bytes[0] = 1834;
    m.bytes[1] = 5211;
    m.packets[0] = 9;
    m.packets[1] = 8;

    struct tls_client_report *c = &r.client;
    c->seen = c->parsed = true;
    c->record_version = 0x0301;
    c->legacy_version = 0x0303;
    for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++)
        c->ciphers.v[c->ciphers.n++] = ciphers[i];
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        c->extensions.v[c->extensions.n++] = exts[i];
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        c->supported_groups.v[c->supported_groups.n++] = groups[i];
    for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++) {
        c->signature_algorithms.v[c->signature_algorithms.n++] = sigalgs[i];
        c->signature_schemes.v[c->signature_schemes.n++] = sigalgs[i];
    }
    c->supported_versions.v[c->supported_versions.n++] = 0x4a4a;
    c->supported_versions.v[c->supported_versions.n++] = 0x0304;
    c->supported_versions.v[c->supported_versions.n++] = 0x0303;
    c->has_supported_versions = true;
    c->key_share_groups.v[c->key_share_groups.n++] = 0x001d;
    c->ec_point_formats.v[c->ec_point_formats.n++] = 0;
    memcpy(c->sni, "www.example-cdn.com", 19);
    c->sni_len = 19;
    memcpy(c->alpn, "\x02h2\x08http/1.1", 12);
    c->alpn_len = 12;
    c->alpn_count = 2;
    c->lists_complete = true; /* fingerprints are computed by the writer */

    struct tls_server_report *s = &r.server;
    s->seen = s->parsed = true;
    s->legacy_version = 0x0303;
    s->selected_version = 0x0304;
    s->cipher = 0x1301;
    s->key_share_group = 0x001d;
    s->extensions.v[s->extensions.n++] = 51;
    s->extensions.v[s->extensions.n++] = 43;
    s->lists_complete = true;
    r.outcome = TLS_OUTCOME_ESTABLISHED;
    r.established = true;

    /* As the engine writes: with the writer's memo, so the browser's lists
     * are formatted once and copied after that. */
    struct memo *memo = conn_json_memo_new();
    if (!memo)
        return 1;
    static char buf[CONN_JSON_LINE_MAX];
    size_t total = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < lines; i++) {
        m.client_port = (uint16_t)(i & 0xffff);
        total += conn_json_format(&m, &r, memo, buf, sizeof buf);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("{\"lines\":%ld,\"seconds\":%.3f,\"lines_per_second\":%.0f,\"bytes_per_line\":%.0f,\"mb_per_second\":%.1f}\n",
           lines, secs, (double)lines / secs, (double)total / (double)lines, (double)total / secs / 1e6);
    memo_free(memo);
    return total > 0 ? 0 : 1;
}
