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

/* Calls `fn` for each finding of a connection, in the order of the JSON array. */
void findings_each(const struct conn_meta *m, const struct tls_report *r, finding_fn fn, void *ctx);

#endif
