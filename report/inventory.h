/* inventory.h - per-day aggregates of the connections in an SQLite database
 * (--inventory FILE), kept by a sensor for months while its JSON lines rotate
 * away, and read back by `tlsscope report --inventory FILE`.
 *
 * A row is one combination, on one UTC day, of everything the report
 * aggregates (report/aggregate.h's struct rp_conn: client, service, versions,
 * cipher, outcome, findings, the server's certificate ...) with its count and
 * its first and last times; so a report over the inventory is the report over
 * the lines it was fed, except that --since/--until select whole rows (a row's
 * time is its first connection's). Rows are fed the connection lines as they
 * are written and read through report/scan.h, the reader `tlsscope report`
 * uses on lines.
 *
 * Writes are batched: rows are summed in memory (a bounded table) and written
 * in one transaction every INVENTORY_FLUSH_SECONDS, when the table is full,
 * and at the end; never per packet. The database is in WAL mode, so readers
 * (the report, the sqlite3 shell) run while the sensor writes, and a kill
 * loses at most the rows not yet written. A file that cannot be opened is an
 * error at start; one that becomes locked or fails later is retried at the
 * next flush (rows are kept while the table has room, then counted lost),
 * never stopping the capture. The schema is in README "Inventory".
 */
#ifndef TLSSCOPE_REPORT_INVENTORY_H
#define TLSSCOPE_REPORT_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/aggregate.h"

#define INVENTORY_FLUSH_SECONDS 5
#define INVENTORY_PENDING_MAX 4096   /* distinct rows summed between flushes */

struct inventory;

struct inventory_stats {
    uint64_t connections;  /* fed */
    uint64_t rows_written; /* upserts committed */
    uint64_t flushes;
    uint64_t flush_errors; /* failed transactions (rows kept for the next) */
    uint64_t lost;         /* connections dropped: the pending table was full and writes failed */
    uint64_t not_lines;    /* fed lines that were not connection lines (never, from tlsscope) */
};

/* Opens (creating the file and its table when new) for writing. NULL, with
 * a message in err, when it cannot be opened or is not an inventory. */
struct inventory *inventory_open(const char *path, char *err, size_t errlen);

/* One connection line as written (JSON, one object); now_s: the wall clock,
 * for the flush period. */
void inventory_add_line(struct inventory *inv, const char *line, size_t len, int64_t now_s);

/* A quiet moment (the capture is idle): writes what is pending once it has
 * waited INVENTORY_FLUSH_SECONDS, so a sensor on a quiet link does not keep
 * rows in memory until the next connection. */
void inventory_tick(struct inventory *inv, int64_t now_s);

/* Writes what is pending (returns false when the transaction failed; the rows
 * stay pending). */
bool inventory_flush(struct inventory *inv, char *err, size_t errlen);

/* Flushes and closes; false (with err) when the last flush failed. */
bool inventory_close(struct inventory *inv, char *err, size_t errlen);

const struct inventory_stats *inventory_stats(const struct inventory *inv);

/* Adds every row of the inventory at path to r (opened read-only). 0, or -1
 * with err. */
int inventory_read(struct rp_report *r, const char *path, char *err, size_t errlen);

#endif
