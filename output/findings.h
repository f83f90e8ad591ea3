/* findings.h - what an administrator should act on, derived from a report
 * (tls.findings): legacy protocol versions, weak suites and DH groups, and
 * the usual causes behind "Could not create SSL/TLS secure channel". */
#ifndef TLSSCOPE_FINDINGS_H
#define TLSSCOPE_FINDINGS_H

#include "dissect/report.h"
#include "output/json.h"

/* Writes the "findings" array (nothing when there are none). */
void findings_write(struct json_writer *w, const struct conn_meta *m, const struct tls_report *r);

#endif
