/* scan.h - a connection line's report fields, read in one pass without a
 * parse tree.
 *
 * `tlsscope report` reads millions of lines of about 2.5 KB and needs some
 * thirty of their fields. Building each line's tree (json-c) cost about
 * 200,000 instructions a line, nearly all of the report's time; this reader
 * walks the text once, validating it as strict RFC 8259 JSON (the line is
 * checked to be UTF-8 first, by the caller), and keeps only the fields the
 * report uses, unescaped into a caller's arena.
 *
 * It agrees with lines.c's json-c reader (rp_conn_from_json), which stays the
 * reference: the unit tests and fuzz_report_lines compare the two on every
 * line. One deliberate difference: a field the report uses, or an object on
 * its path, given twice in one object is a malformed line here (json-c keeps
 * the last one); tlsscope never writes a name twice.
 */
#ifndef TLSSCOPE_REPORT_SCAN_H
#define TLSSCOPE_REPORT_SCAN_H

#include <stddef.h>

#include "report/aggregate.h"

enum rp_scan_result {
    RP_SCAN_CONN,     /* a connection line: *c filled */
    RP_SCAN_NOT_CONN, /* one JSON object, but no client.ip: not a connection */
    RP_SCAN_ROW,      /* one JSON object with a top-level "report": a report row */
    RP_SCAN_STATS,    /* a stats record of the sensor (event.kind "metric"): not a connection */
    RP_SCAN_BAD,      /* not one JSON object (syntax, depth, a repeated field) */
};

/* The arena the strings of one line need at most, for a line of len bytes. */
size_t rp_scan_arena_size(size_t len);

/* Reads line[len] (UTF-8, checked by the caller). c's strings point into
 * arena (at least rp_scan_arena_size(len) bytes), valid until it is reused. */
enum rp_scan_result rp_scan_line(const char *line, size_t len, char *arena, struct rp_conn *c);

#endif
