/* fingerprint.h - JA3, JA3S and JA4 client fingerprints.
 *
 * JA3/JA3S follow the Salesforce reference (github.com/salesforce/ja3):
 * decimal fields joined by ',' and values by '-', GREASE (RFC 8701) removed
 * from ciphers, extensions and groups, MD5 of the string. JA4 follows FoxIO's
 * specification of the TLS client fingerprint (BSD-3-Clause part of JA4+;
 * the other JA4+ methods are not implemented, see README).
 *
 * Fingerprints are pure functions of the lists the report holds, computed in
 * output/ once per line (the report stores nothing derived). They are not
 * computed for a hello whose lists were not read to the end of their framing
 * (`lists_complete` false: a hello cut or malformed before its extensions
 * block ended), nor when a list overflowed its fixed array, where they would
 * be wrong.
 */
#ifndef TLSSCOPE_FINGERPRINT_H
#define TLSSCOPE_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/report.h"

/* Largest JA3 string the lists' caps allow: 512 ciphers x 6 chars + ... */
#define FP_JA3_STRING_MAX 8192
/* Largest JA3S string: a version, a cipher and 64 extensions. */
#define FP_JA3S_STRING_MAX 1024
/* A JA4 client fingerprint and its NUL: "t13d1516h2_8daaf6152771_b186095e22b6". */
#define FP_JA4_SIZE 37

/* The JA3 / JA3S string (NUL-terminated) into buf[cap]; returns its length,
 * 0 when it cannot be computed or does not fit (never a cut string). */
size_t fp_ja3_client_string(const struct tls_client_report *c, char *buf, size_t cap);
size_t fp_ja3s_string(const struct tls_server_report *s, char *buf, size_t cap);

/* The JA3 / JA3S fingerprint (MD5 of the string); false when not computable. */
bool fp_ja3_client(const struct tls_client_report *c, uint8_t md5[16]);
bool fp_ja3s(const struct tls_server_report *s, uint8_t md5[16]);

/* The JA4 fingerprint into out; returns its length, 36, or 0 (out is then "")
 * when it cannot be computed. */
size_t fp_ja4_client(const struct tls_client_report *c, char out[FP_JA4_SIZE]);

/* The same, with the two SHA-256 parts remembered in memo (common/memo.h)
 * under FP_MEMO_TAG_JA4_HASH; memo may be NULL. The writer's memo is shared
 * with output/conn_json.c, whose tags stay below 0x80. */
struct memo;
#define FP_MEMO_TAG_JA4_HASH 0x80
size_t fp_ja4_client_memo(const struct tls_client_report *c, struct memo *memo, char out[FP_JA4_SIZE]);

#endif
