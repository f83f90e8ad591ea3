/* x509_text.h - the text of a certificate's facts, made once per output line
 * from the numeric report dissect/x509.h fills: distinguished names in RFC
 * 4514 form (RFC 2253's, as Zeek and OpenSSL write them), the serial in hex,
 * and the ECS names of the key and signature algorithms.
 *
 * Every field is cut to a fixed size, the same cut the report once applied
 * when it held these strings, so the JSON lines did not change with the
 * move.
 */
#ifndef TLSSCOPE_X509_TEXT_H
#define TLSSCOPE_X509_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/x509.h"

#define X509_TEXT_DN_MAX 256
#define X509_TEXT_SERIAL_MAX (2 * X509_SERIAL_MAX + 1)
#define X509_TEXT_TOKEN_MAX 48  /* algorithm and curve names or dotted OIDs, with their NUL */
#define X509_TEXT_TIME_MAX 28   /* "1969-07-20T20:17:40.000000Z" and its NUL */

struct x509_text {
    uint16_t subject_dn_len, issuer_dn_len;
    bool subject_dn_cut, issuer_dn_cut; /* RDNs were left out (the most specific are kept) */
    char subject_dn[X509_TEXT_DN_MAX];  /* not NUL-terminated; UTF-8 as the certificate has it */
    char issuer_dn[X509_TEXT_DN_MAX];
    char serial[X509_TEXT_SERIAL_MAX];             /* uppercase hex; "" when none */
    char key_algorithm[X509_TEXT_TOKEN_MAX];       /* "RSA", "ECDSA", "Ed25519", ...; "" when none */
    char key_curve[X509_TEXT_TOKEN_MAX];           /* "prime256v1", ...; "" when none */
    char signature_algorithm[X509_TEXT_TOKEN_MAX]; /* "SHA256-RSA", "ECDSA-SHA256", ...; "" when none */
};

/* All of the above for `x` (all empty when it did not parse). */
void x509_text_render(const struct x509_report *x, struct x509_text *t);

/* One name in RFC 4514 form into out[0..cap); returns its length. A name
 * that does not fit ends after its last whole RDN that does. */
size_t x509_text_name(const struct x509_name *n, char *out, size_t cap);

/* The same, and *cut: RDNs were left out (here, or when the certificate
 * was read). */
size_t x509_text_name_cut(const struct x509_name *n, char *out, size_t cap, bool *cut);

/* Seconds since the epoch (negative before 1970) as "YYYY-MM-DDThh:mm:ss.000000Z",
 * NUL-terminated; returns its length, 0 for a year outside 0..9999. */
size_t x509_text_time(int64_t secs, char out[X509_TEXT_TIME_MAX]);

/* The signature algorithm's name alone (for a finding's message). */
void x509_text_signature_algorithm(const struct x509_report *x, char out[X509_TEXT_TOKEN_MAX]);

#endif
