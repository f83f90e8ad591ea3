/* progress.h - a long offline run's progress on standard error, when that is
 * a terminal: bytes read of the total, rate, connections so far and the time
 * left, rewritten in place about once a second, and erased at the end. Silent
 * when standard error is not a terminal (a log, a pipe, a test).
 */
#ifndef TLSSCOPE_CLI_PROGRESS_H
#define TLSSCOPE_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "capture/source.h"

struct progress {
    FILE *out;
    bool on;                     /* out is a terminal */
    bool shown;                  /* a line is on the screen */
    uint64_t total;              /* bytes of every input (0: unknown, e.g. stdin) */
    uint64_t done;               /* bytes of the inputs already read */
    const struct capture_source *src; /* the input being read */
    const uint64_t *connections; /* lines written so far */
    struct timespec start, last;
};

/* paths: the inputs ("-": standard input, size unknown). */
void progress_init(struct progress *p, FILE *out, const char *const *paths, int n, const uint64_t *connections);

/* The input now read (NULL between inputs); the previous one's size counts
 * as read. */
void progress_source(struct progress *p, const struct capture_source *src);

/* The engine's tick: redraws when a second has passed. */
void progress_tick(void *ctx);

/* Erases the line. */
void progress_end(struct progress *p);

/* The text of one progress line for these figures (exposed for the tests). */
void progress_format(char *buf, size_t cap, uint64_t read, uint64_t total, double seconds, uint64_t connections);

#endif
