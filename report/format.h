/* format.h - the report's writers (text table, CSV, JSON rows, HTML) and the
 * reader of JSON rows, which makes `--format json` output mergeable input.
 */
#ifndef TLSSCOPE_REPORT_FORMAT_H
#define TLSSCOPE_REPORT_FORMAT_H

#include <stdbool.h>
#include <stdio.h>

#include "report/aggregate.h"

struct json_object;

/* One object per row and line, keys named and nested as in the line schema
 * (report.md), then one "summary" object with the totals and chart data. */
int rp_write_json(const struct rp_report *r, FILE *f);

/* Merges one row written by rp_write_json into `r`: 0 merged, 1 a row of
 * another view (counted in rows_other_view), -1 not a valid row. */
int rp_merge_json_row(struct rp_report *r, struct json_object *row);

/* An aligned table at most `width` columns wide (0: no limit); long cells
 * are cut with "...". */
int rp_write_text(const struct rp_report *r, FILE *f, unsigned width);

/* RFC 4180: a header line, then one line per row, CRLF line ends. */
int rp_write_csv(const struct rp_report *r, FILE *f);

/* One self-contained HTML page: summary, inline SVG charts, the table. */
int rp_write_html(const struct rp_report *r, FILE *f);

/* The table every tabular writer shares: column names and, per row, cells as
 * display strings. */
struct rp_table {
    size_t n_cols, n_rows;
    const char *const *cols;
    char **cells; /* n_rows * n_cols, each malloc'ed */
};
/* `compact`: times to the second, "2024-05-01 10:00:00" (the text table);
 * else as in the JSON rows. */
int rp_table_build(const struct rp_report *r, struct rp_table *t, bool compact);
void rp_table_free(struct rp_table *t);

#endif
