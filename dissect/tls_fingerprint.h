/* tls_fingerprint.h - JA3, JA3S and JA4 over a hello's lists, wherever they
 * are held.
 *
 * JA3/JA3S follow the Salesforce reference (github.com/salesforce/ja3):
 * decimal fields joined by ',' and values by '-', GREASE (RFC 8701) removed
 * from ciphers, extensions and groups, MD5 of the string. JA4 follows FoxIO's
 * specification of the TLS client fingerprint (BSD-3-Clause part of JA4+).
 *
 * The functions read a view of the lists (pointers and counts, wire order,
 * GREASE included), so the same code serves both callers: output/
 * fingerprint.c, over the report's fixed arrays, once per line; and the hello
 * parser (dissect/tls_hello.c), over the whole lists of a hello whose lists
 * are longer than those arrays, while the hello's bytes are still there.
 */
#ifndef TLSSCOPE_TLS_FINGERPRINT_H
#define TLSSCOPE_TLS_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A JA4 client fingerprint and its NUL: "t13d1516h2_8daaf6152771_b186095e22b6". */
#define TLS_FP_JA4_SIZE 37

/* What the client fingerprints read of a ClientHello. */
struct tls_fp_client {
    uint16_t legacy_version;
    char transport;                      /* JA4's first character: 't' TCP, 'q' QUIC, 'd' DTLS */
    const uint32_t *ciphers;             /* cipher suites (16-bit values) */
    size_t n_ciphers;
    const uint16_t *extensions;
    size_t n_extensions;
    const uint16_t *groups;              /* supported_groups */
    size_t n_groups;
    const uint8_t *point_formats;        /* ec_point_formats */
    size_t n_point_formats;
    const uint16_t *sigalgs;             /* signature_algorithms (extension 13 alone) */
    size_t n_sigalgs;
    const uint16_t *versions;            /* supported_versions */
    size_t n_versions;
    const uint8_t *alpn;                 /* the first ALPN protocol name, NULL when none */
    size_t alpn_len;
};

/* What JA3S reads of a ServerHello. */
struct tls_fp_server {
    uint16_t legacy_version;
    uint16_t cipher;
    const uint16_t *extensions;
    size_t n_extensions;
};

/* The JA3 / JA3S string (NUL-terminated) into buf[cap]; its length, 0 when
 * it does not fit (never a cut string). */
size_t tls_fp_ja3_string(const struct tls_fp_client *v, char *buf, size_t cap);
size_t tls_fp_ja3s_string(const struct tls_fp_server *v, char *buf, size_t cap);

/* Bytes a JA3 string of these lists can need, its NUL included. */
size_t tls_fp_ja3_string_bound(const struct tls_fp_client *v);

/* The JA4 fingerprint into out; its length (36), or 0 (out "") when a list
 * is longer than the stack scratch and no memory is left for it. The two
 * SHA-256 parts are remembered in memo (common/memo.h) under
 * TLS_FP_MEMO_TAG_JA4_HASH; memo may be NULL. */
struct memo;
#define TLS_FP_MEMO_TAG_JA4_HASH 0x80
size_t tls_fp_ja4(const struct tls_fp_client *v, struct memo *memo, char out[TLS_FP_JA4_SIZE]);

#endif
