/* fingerprint.c - JA3, JA3S, JA4 of a report. See fingerprint.h. */
#include "output/fingerprint.h"

#include <string.h>

#include "common/digest.h"

/* A list longer than its array: the parser's whole-list fingerprints apply. */
static bool client_lists_cut(const struct tls_client_report *c)
{
    return c->ciphers.more || c->extensions.more || c->supported_groups.more || c->ec_point_formats.more ||
           c->signature_algorithms.more || c->supported_versions.more;
}

static bool client_computable(const struct tls_client_report *c)
{
    return c->seen && c->lists_complete && !c->sslv2_hello;
}

static char client_transport(const struct tls_client_report *c)
{
    return c->quic_version ? 'q' : c->dtls ? 'd' : 't'; /* JA4's transport: QUIC, DTLS or TCP */
}

static void client_view(const struct tls_client_report *c, struct tls_fp_client *v)
{
    *v = (struct tls_fp_client){
        .legacy_version = c->legacy_version,
        .transport = client_transport(c),
        .ciphers = c->ciphers.v,
        .n_ciphers = c->ciphers.n,
        .extensions = c->extensions.v,
        .n_extensions = c->extensions.n,
        .groups = c->supported_groups.v,
        .n_groups = c->supported_groups.n,
        .point_formats = c->ec_point_formats.v,
        .n_point_formats = c->ec_point_formats.n,
        .sigalgs = c->signature_algorithms.v,
        .n_sigalgs = c->signature_algorithms.n,
        .versions = c->supported_versions.v,
        .n_versions = c->supported_versions.n,
    };
    if (c->alpn_count > 0) {
        v->alpn = c->alpn + 1;
        v->alpn_len = c->alpn[0];
    }
}

size_t fp_ja3_client_string(const struct tls_client_report *c, char *buf, size_t cap)
{
    if (!client_computable(c) || client_lists_cut(c))
        return 0;
    struct tls_fp_client v;
    client_view(c, &v);
    return tls_fp_ja3_string(&v, buf, cap);
}

size_t fp_ja3s_string(const struct tls_server_report *s, char *buf, size_t cap)
{
    if (!s->seen || !s->lists_complete || s->extensions.more)
        return 0;
    const struct tls_fp_server v = { s->legacy_version, s->cipher, s->extensions.v, s->extensions.n };
    return tls_fp_ja3s_string(&v, buf, cap);
}

bool fp_ja3_client(const struct tls_client_report *c, uint8_t md5[16])
{
    if (client_computable(c) && client_lists_cut(c)) {
        if (c->whole_fp)
            memcpy(md5, c->whole_ja3, 16);
        return c->whole_fp;
    }
    char buf[FP_JA3_STRING_MAX];
    size_t n = fp_ja3_client_string(c, buf, sizeof buf);
    if (n)
        digest_md5(buf, n, md5);
    return n > 0;
}

bool fp_ja3s(const struct tls_server_report *s, uint8_t md5[16])
{
    if (s->seen && s->lists_complete && s->extensions.more) {
        if (s->whole_fp)
            memcpy(md5, s->whole_ja3s, 16);
        return s->whole_fp;
    }
    char buf[FP_JA3S_STRING_MAX];
    size_t n = fp_ja3s_string(s, buf, sizeof buf);
    if (n)
        digest_md5(buf, n, md5);
    return n > 0;
}

size_t fp_ja4_client(const struct tls_client_report *c, char out[FP_JA4_SIZE])
{
    return fp_ja4_client_memo(c, NULL, out);
}

size_t fp_ja4_client_memo(const struct tls_client_report *c, struct memo *memo, char out[FP_JA4_SIZE])
{
    out[0] = '\0';
    if (!client_computable(c))
        return 0;
    if (client_lists_cut(c)) {
        if (!c->whole_fp)
            return 0;
        memcpy(out, c->whole_ja4, FP_JA4_SIZE);
        out[0] = client_transport(c);
        return strlen(out);
    }
    struct tls_fp_client v;
    client_view(c, &v);
    return tls_fp_ja4(&v, memo, out);
}
