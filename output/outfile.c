/* outfile.c - see outfile.h.
 *
 * The stream handed to writers is a glibc cookie stream (fopencookie): stdio
 * buffers as usual, and its write function sends the bytes to whatever file
 * descriptor is current. Changing files is then: fflush (every complete line
 * reaches the old file), swap the descriptor, close the old one. Writers keep
 * their FILE * and never notice.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "output/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTFILE_MAX_CHILDREN 16
#define OUTFILE_PATH_MAX 4096
#define OUTFILE_STREAM_BUFFER (1u << 16)
/* How long closing waits for rotate commands still running (shipping the
 * last piece), before leaving them to finish on their own. */
#define OUTFILE_CHILD_WAIT_MS 5000

struct outfile {
    struct outfile_config cfg;
    FILE *stream;
    int fd;
    char current[OUTFILE_PATH_MAX]; /* the file being written */
    uint64_t opened_us;
    volatile sig_atomic_t reopen;
    pid_t children[OUTFILE_MAX_CHILDREN];
    struct outfile_stats st;
    char buf[OUTFILE_STREAM_BUFFER];
};

static bool rotating(const struct outfile *o)
{
    return o->cfg.rotate_bytes || o->cfg.rotate_seconds;
}

static ssize_t cookie_write(void *cookie, const char *p, size_t n)
{
    struct outfile *o = cookie;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(o->fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            /* Report the bytes as taken: a full disk must not stop the
             * sensor or wedge stdio's buffer. They are counted as lost. */
            o->st.write_errors++;
            return (ssize_t)n;
        }
        done += (size_t)w;
    }
    o->st.bytes += n;
    o->st.total_bytes += n;
    return (ssize_t)n;
}

static int cookie_close(void *cookie)
{
    (void)cookie;
    return 0;
}

int outfile_piece_name(const char *path, uint64_t now_us, char *out, size_t outlen)
{
    time_t t = (time_t)(now_us / 1000000u);
    struct tm tm;
    char stamp[32];
    if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm))
        return -1;
    int n = snprintf(out, outlen, "%s.%s", path, stamp);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    /* Two pieces in one second (small --rotate-bytes): number the later ones. */
    struct stat sb;
    for (unsigned i = 1; stat(out, &sb) == 0; i++) {
        n = snprintf(out, outlen, "%s.%s.%u", path, stamp, i);
        if (n < 0 || (size_t)n >= outlen || i > 100000)
            return -1;
    }
    return 0;
}

static int open_fd(const char *path, enum outfile_mode mode, char *err, size_t errlen)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
    /* Only a regular file holds lines worth keeping: /dev/null, a FIFO or
     * a terminal is written as it is. */
    struct stat sb;
    if (mode == OUTFILE_CREATE && stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        mode = OUTFILE_APPEND;
    switch (mode) {
    case OUTFILE_CREATE: flags |= O_EXCL; break;
    case OUTFILE_APPEND: flags |= O_APPEND; break;
    case OUTFILE_FORCE: flags |= O_TRUNC; break;
    }
    int fd = open(path, flags, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            snprintf(err, errlen, "%s: exists already (use --append to add to it, --force to overwrite it)", path);
        else
            snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    }
    return fd;
}

/* Opens the file the next lines go to: the path itself, or a new piece. */
static int open_next(struct outfile *o, enum outfile_mode mode, uint64_t now_us, char *err, size_t errlen)
{
    char next[OUTFILE_PATH_MAX];
    if (rotating(o)) {
        if (outfile_piece_name(o->cfg.path, now_us, next, sizeof next) != 0) {
            snprintf(err, errlen, "%s: piece name too long", o->cfg.path);
            return -1;
        }
        mode = OUTFILE_CREATE; /* a piece name is new by construction */
    } else {
        snprintf(next, sizeof next, "%s", o->cfg.path);
    }
    int fd = open_fd(next, mode, err, errlen);
    if (fd < 0)
        return -1;
    memcpy(o->current, next, sizeof next);
    o->fd = fd;
    o->opened_us = now_us;
    o->st.bytes = 0;
    return 0;
}

static void reap(struct outfile *o, bool block_briefly)
{
    for (int waited_ms = 0;; waited_ms += 10) {
        bool running = false;
        for (int i = 0; i < OUTFILE_MAX_CHILDREN; i++) {
            if (o->children[i] > 0 && waitpid(o->children[i], NULL, WNOHANG) != 0)
                o->children[i] = 0;
            running |= o->children[i] > 0;
        }
        if (!running || !block_briefly || waited_ms >= OUTFILE_CHILD_WAIT_MS)
            return;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

/* Runs `command PIECE` through the shell, without waiting for it. */
static void run_command(struct outfile *o, const char *piece)
{
    reap(o, false);
    int slot = -1;
    for (int i = 0; i < OUTFILE_MAX_CHILDREN && slot < 0; i++)
        if (o->children[i] == 0)
            slot = i;
    if (slot < 0) {
        o->st.command_failures++; /* too many still running: this piece is not handed over */
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        o->st.command_failures++;
        return;
    }
    if (pid == 0) {
        /* The piece is "$1" of a one-line script, so the command may carry
         * arguments of its own and the name needs no quoting. */
        char script[OUTFILE_PATH_MAX + 16];
        snprintf(script, sizeof script, "%s \"$1\"", o->cfg.rotate_command);
        execl("/bin/sh", "sh", "-c", script, "tlsscope-rotate", piece, (char *)NULL);
        _exit(127);
    }
    o->children[slot] = pid;
}

struct outfile *outfile_open(const struct outfile_config *cfg, uint64_t now_us, char *err, size_t errlen)
{
    struct outfile *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->cfg = *cfg;
    o->fd = -1;
    if (strlen(cfg->path) + 32 >= OUTFILE_PATH_MAX) {
        snprintf(err, errlen, "%s: path too long", cfg->path);
        free(o);
        return NULL;
    }
    if (open_next(o, cfg->mode, now_us, err, errlen) != 0) {
        free(o);
        return NULL;
    }
    cookie_io_functions_t io = { .read = NULL, .write = cookie_write, .seek = NULL, .close = cookie_close };
    o->stream = fopencookie(o, "w", io);
    if (!o->stream) {
        snprintf(err, errlen, "%s: cannot set up the stream", cfg->path);
        close(o->fd);
        free(o);
        return NULL;
    }
    setvbuf(o->stream, o->buf, _IOFBF, sizeof o->buf);
    return o;
}

FILE *outfile_stream(struct outfile *o)
{
    return o->stream;
}

void outfile_request_reopen(struct outfile *o)
{
    o->reopen = 1;
}

bool outfile_due(const struct outfile *o, uint64_t now_us)
{
    if (o->reopen)
        return true;
    if (o->cfg.rotate_seconds && now_us >= o->opened_us + (uint64_t)o->cfg.rotate_seconds * 1000000u)
        return true;
    /* Bytes still in stdio's buffer count too, so a piece ends near the size asked for. */
    return o->cfg.rotate_bytes && o->st.bytes + __fpending(o->stream) >= o->cfg.rotate_bytes;
}

int outfile_tick(struct outfile *o, uint64_t now_us, char *err, size_t errlen)
{
    if (!outfile_due(o, now_us))
        return 0;
    bool asked = o->reopen;
    o->reopen = 0;
    fflush(o->stream);
    if (rotating(o) && o->st.bytes == 0 && !asked) {
        o->opened_us = now_us; /* nothing written in this piece: keep it, start its time again */
        return 0;
    }
    int old_fd = o->fd;
    char old[OUTFILE_PATH_MAX];
    memcpy(old, o->current, sizeof old);
    /* Reopening the path: logrotate moved the old file away, so this
     * creates a new one; if it is still there, add to it. */
    if (open_next(o, OUTFILE_APPEND, now_us, err, errlen) != 0) {
        o->fd = old_fd;
        return -1;
    }
    if (close(old_fd) != 0)
        o->st.write_errors++;
    if (rotating(o)) {
        o->st.rotations++;
        if (o->cfg.rotate_command)
            run_command(o, old);
    }
    if (asked)
        o->st.reopens++;
    return 0;
}

const struct outfile_stats *outfile_stats(const struct outfile *o)
{
    return &o->st;
}

int outfile_close(struct outfile *o)
{
    if (!o)
        return 0;
    int rc = 0;
    if (fclose(o->stream) != 0)
        rc = -1;
    if (close(o->fd) != 0)
        rc = -1;
    if (o->st.write_errors)
        rc = -1;
    if (rotating(o) && o->st.bytes == 0 && o->st.rotations > 0)
        unlink(o->current); /* the run ended just after a rotation: no empty last piece */
    else if (rotating(o) && o->cfg.rotate_command)
        run_command(o, o->current);
    reap(o, true);
    free(o);
    return rc;
}
