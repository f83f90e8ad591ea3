/* findings.h - what an administrator should act on, derived from a report
 * (tls.findings): legacy protocol versions, weak suites and DH groups, and
 * the usual causes behind "Could not create SSL/TLS secure channel".
 *
 * Findings are decided from the report and the facts of dissect/tls_facts.h
 * alone; each writer (the JSON line, pcapng comments) consumes them through
 * the callback. */
#ifndef TLSSCOPE_FINDINGS_H
#define TLSSCOPE_FINDINGS_H

#include "dissect/report.h"

/* Called once per finding: a stable id, a severity ("critical", "high",
 * "medium"), and a message saying what to do. */
typedef void (*finding_fn)(void *ctx, const char *id, const char *severity, const char *message);

/* Does the server's leaf certificate name the server the client asked for
 * (its SNI)? RFC 6125 6.4: the DNS subjectAltNames, or the subject's
 * commonName only when the certificate has none; ASCII case-insensitive; a
 * "*" as the whole left-most label matches one label (not "*.com"-like
 * two-label patterns). UNKNOWN without an SNI or a parsed certificate, or
 * when SANs beyond those kept might hold it. */
enum findings_name_match {
    FINDINGS_NAME_UNKNOWN = 0,
    FINDINGS_NAME_MATCHES,
    FINDINGS_NAME_MISMATCH,
};
enum findings_name_match findings_certificate_name_match(const struct tls_report *r);

/* Calls `fn` for each finding of a connection, in the order of the JSON array. */
void findings_each(const struct conn_meta *m, const struct tls_report *r, finding_fn fn, void *ctx);

#endif
