/* x509.h - facts about the server's leaf certificate, for the report.
 *
 * The DER certificate (the first entry of the Certificate message, RFC 5246
 * 7.4.2) is decoded with libcrypto; what ECS's x509 field set needs is copied
 * into fixed-size fields, so nothing allocated outlives the call. Only TLS
 * 1.2 and earlier send the certificate in the clear.
 */
#ifndef TLSSCOPE_X509_H
#define TLSSCOPE_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

#define X509_CN_MAX 64          /* ub-common-name (RFC 5280) */
#define X509_DN_MAX 256
#define X509_SAN_BYTES 320      /* DNS names, each stored <len><bytes> */
#define X509_SAN_MAX 16
#define X509_SERIAL_MAX 41      /* 20 octets (RFC 5280 4.1.2.2) as hex + NUL */
#define X509_NAME_TOKEN_MAX 24  /* algorithm and curve names */

struct x509_report {
    bool parsed;                 /* the DER decoded */
    bool self_signed;            /* subject equals issuer */
    uint8_t subject_cn_len, issuer_cn_len;
    uint8_t subject_cn[X509_CN_MAX];
    uint8_t issuer_cn[X509_CN_MAX];
    uint16_t subject_dn_len, issuer_dn_len;
    char subject_dn[X509_DN_MAX]; /* RFC 2253 form, UTF-8 as libcrypto prints it */
    char issuer_dn[X509_DN_MAX];
    uint8_t san_count;
    bool san_more;
    uint16_t san_len;
    uint8_t san[X509_SAN_BYTES];
    int64_t not_before;          /* seconds since the epoch */
    int64_t not_after;
    char serial[X509_SERIAL_MAX]; /* uppercase hex */
    char key_algorithm[X509_NAME_TOKEN_MAX];  /* "RSA", "ECDSA", "Ed25519", ... */
    uint32_t key_bits;
    char key_curve[X509_NAME_TOKEN_MAX];      /* "prime256v1" ... */
    char signature_algorithm[X509_NAME_TOKEN_MAX]; /* "SHA256-RSA", "ECDSA-SHA256", ... */
    bool signature_sha1_or_md5;  /* a collision-broken hash signs it */
    uint8_t sha256[32];          /* of the DER */
    uint8_t sha1[20];
};

/* Decodes one DER certificate; false (and r->parsed false) when it does not
 * decode. */
bool x509_parse_leaf(struct span der, struct x509_report *r);

#endif
