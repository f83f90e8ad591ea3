/* findings.h - what an administrator should act on, derived from a report
 * (tls.findings): legacy protocol versions, weak suites and DH groups, and
 * the usual causes behind "Could not create SSL/TLS secure channel". */
#ifndef TLSSCOPE_FINDINGS_H
#define TLSSCOPE_FINDINGS_H

#include "dissect/report.h"
#include "output/json.h"

/* Called once per finding: a stable id, a severity ("critical", "high",
 * "medium"), and a message saying what to do. */
typedef void (*finding_fn)(void *ctx, const char *id, const char *severity, const char *message);

/* Calls `fn` for each finding of a connection, in the order of the JSON array. */
void findings_each(const struct conn_meta *m, const struct tls_report *r, finding_fn fn, void *ctx);

/* Writes the "findings" array (nothing when there are none). */
void findings_write(struct json_writer *w, const struct conn_meta *m, const struct tls_report *r);

#endif
