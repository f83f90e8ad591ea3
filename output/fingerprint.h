/* fingerprint.h - JA3, JA3S and JA4 of a report, for the writers.
 *
 * The fingerprints themselves are dissect/tls_fingerprint.h's, over the
 * lists the report holds, computed here once per line (the report stores
 * nothing derived for an ordinary hello). They are not computed for a hello
 * whose lists were not read to the end of their framing (`lists_complete`
 * false: a hello cut or malformed before its extensions block ended). For a
 * hello with a list longer than its fixed array, the report's arrays hold
 * only the first items: the fingerprints are then the ones the parser
 * computed over the whole lists (report.h whole_fp), and no JA3/JA3S string
 * is given (it is not kept).
 */
#ifndef TLSSCOPE_FINGERPRINT_H
#define TLSSCOPE_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/report.h"
#include "dissect/tls_fingerprint.h"

/* Largest JA3 string the lists' caps allow: 512 ciphers x 6 chars + ... */
#define FP_JA3_STRING_MAX 8192
/* Largest JA3S string: a version, a cipher and 64 extensions. */
#define FP_JA3S_STRING_MAX 1024
/* A JA4 client fingerprint and its NUL: "t13d1516h2_8daaf6152771_b186095e22b6". */
#define FP_JA4_SIZE TLS_FP_JA4_SIZE

/* The JA3 / JA3S string (NUL-terminated) into buf[cap]; returns its length,
 * 0 when it cannot be computed, does not fit (never a cut string) or is not
 * kept (a list longer than its array). */
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
#define FP_MEMO_TAG_JA4_HASH TLS_FP_MEMO_TAG_JA4_HASH
size_t fp_ja4_client_memo(const struct tls_client_report *c, struct memo *memo, char out[FP_JA4_SIZE]);

#endif
