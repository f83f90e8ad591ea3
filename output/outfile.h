/* outfile.h - an output file a sensor can keep writing for months: it never
 * overwrites a file by accident, reopens on request (logrotate's postrotate
 * sends SIGHUP after moving the file away), and rotates by time or size into
 * pieces named FILE.YYYYmmddTHHMMSS, optionally handing each closed piece to a
 * command (shipping, compression).
 *
 * Writers see one FILE * for the whole run (a stdio cookie stream, so the
 * file beneath it can change). Lines are written whole into that stream;
 * reopening and rotating happen only in outfile_tick(), which the caller runs
 * between packets, after the stream was flushed: so a line never straddles
 * two files and no line is lost or doubled across a rotation.
 */
#ifndef TLSSCOPE_OUTFILE_H
#define TLSSCOPE_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum outfile_mode {
    OUTFILE_CREATE = 0,         /* refuse a regular file that exists already (a device or FIFO is written) */
    OUTFILE_APPEND,             /* --append: add to it */
    OUTFILE_FORCE,              /* --force: truncate it */
};

struct outfile_config {
    const char *path;
    enum outfile_mode mode;
    uint64_t rotate_bytes;      /* 0: no rotation by size */
    uint32_t rotate_seconds;    /* 0: no rotation by time */
    const char *rotate_command; /* run as `command PIECE` for each closed piece; NULL: none */
};

struct outfile_stats {
    uint64_t bytes;             /* written to the current file since it was opened */
    uint64_t total_bytes;       /* over the whole run */
    uint64_t reopens;           /* on request (SIGHUP) */
    uint64_t rotations;         /* pieces closed by --rotate-* */
    uint64_t write_errors;      /* failed writes (bytes lost) */
    uint64_t command_failures;  /* the rotate command could not be started */
};

struct outfile;

/* Opens the file as the mode says. NULL and a message in `err` when it
 * exists (OUTFILE_CREATE) or cannot be opened. */
struct outfile *outfile_open(const struct outfile_config *cfg, uint64_t now_us, char *err, size_t errlen);

/* The stream writers write to; valid until outfile_close(). */
FILE *outfile_stream(struct outfile *o);

/* Asks for a reopen at the next outfile_tick() (async-signal-safe: sets a flag). */
void outfile_request_reopen(struct outfile *o);

/* Is there work for outfile_tick()? Cheap: a few compares, for every packet. */
bool outfile_due(const struct outfile *o, uint64_t now_us);

/* At a line boundary: flushes, then reopens or rotates when asked or due.
 * 0, or -1 with a message when the new file could not be opened (writing
 * continues to the old one, which stays open; the next tick tries again). */
int outfile_tick(struct outfile *o, uint64_t now_us, char *err, size_t errlen);

const struct outfile_stats *outfile_stats(const struct outfile *o);

/* Flushes and closes; rotates the last piece's name only when rotation is
 * on (so every piece carries a time). Reaps finished rotate commands. 0, or
 * -1 when a write or the close failed. */
int outfile_close(struct outfile *o);

/* The piece name for a file rotated at `now_us`: "PATH.YYYYmmddTHHMMSS" (UTC),
 * with ".N" added when that name exists. For tests. */
int outfile_piece_name(const char *path, uint64_t now_us, char *out, size_t outlen);

#endif
