/* lines.h - reads JSON lines into a report: tlsscope connection lines (see
 * SCHEMA.md) and the rows of an earlier `--format json` report, plain or
 * gzip-compressed, from a file or standard input.
 *
 * A line that is not one JSON object, or is neither a connection nor a
 * report row, is skipped and counted (with the first such line's number and
 * input), never fatal: a day's log cut by a crash must still be reported.
 */
#ifndef TLSSCOPE_REPORT_LINES_H
#define TLSSCOPE_REPORT_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/aggregate.h"

struct json_object;

/* Fills `c` from a parsed connection line (strings point into `o`); false
 * when it is not one (no client.ip). */
bool rp_conn_from_json(struct json_object *o, struct rp_conn *c);

/* Is p[n] UTF-8 as RFC 3629 has it (no overlong forms, surrogates or code
 * points above U+10FFFF)? Every line is checked before it is read. */
bool rp_utf8_valid(const uint8_t *p, size_t n);

/* One line of text (no newline needed): parsed, then added or merged. `name`
 * and `lineno` say where, for the malformed-line count. Returns false when the
 * line was malformed. Blank lines are neither. */
bool rp_read_line(struct rp_report *r, const char *line, size_t len, const char *name, uint64_t lineno);

/* Reads every line of `path` ("-": standard input), gzip or plain. Returns 0,
 * or -1 with `err` when the input cannot be read (what was read is kept). */
int rp_read_file(struct rp_report *r, const char *path, const char *name, char *err, size_t errlen);

/* The same over an open descriptor, which it takes over (closes). */
int rp_read_fd(struct rp_report *r, int fd, const char *name, char *err, size_t errlen);

#endif
