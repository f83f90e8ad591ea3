/* fingerprint.h - JA3, JA3S and JA4 client fingerprints.
 *
 * JA3/JA3S follow the Salesforce reference (github.com/salesforce/ja3):
 * decimal fields joined by ',' and values by '-', GREASE (RFC 8701) removed
 * from ciphers, extensions and groups, MD5 of the string. JA4 follows FoxIO's
 * specification of the TLS client fingerprint (BSD-3-Clause part of JA4+;
 * the other JA4+ methods are not implemented, see README).
 *
 * Fingerprints are computed once per hello, from the lists the parser stored.
 * When a list overflowed its fixed array the fingerprint would be wrong, so it
 * is not computed (has_ja3 stays false, ja4 stays empty).
 */
#ifndef TLSSCOPE_FINGERPRINT_H
#define TLSSCOPE_FINGERPRINT_H

#include <stddef.h>

#include "common/span.h"
#include "dissect/report.h"

/* Largest JA3 string the lists' caps allow: 512 ciphers x 6 chars + ... */
#define FP_JA3_STRING_MAX 8192

/* The JA3 string of a ClientHello; returns its length (0 when not computable). */
size_t fp_ja3_client_string(const struct tls_client_report *c, char *buf, size_t cap);
size_t fp_ja3s_string(const struct tls_server_report *s, char *buf, size_t cap);

/* Fill c->ja3 / s->ja3s (MD5 of the strings above) and c->ja4. */
void fp_ja3_client(struct tls_client_report *c);
void fp_ja3s(struct tls_server_report *s);
void fp_ja4_client(struct tls_client_report *c);

#endif
