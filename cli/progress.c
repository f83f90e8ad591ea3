/* progress.c - see progress.h. */
#include "cli/progress.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static double elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void progress_init(struct progress *p, FILE *out, const char *const *paths, int n, const uint64_t *connections)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->on = isatty(fileno(out));
    p->connections = connections;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            p->total = 0; /* one input of unknown size: no total, no time left */
            break;
        }
        p->total += (uint64_t)st.st_size;
    }
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
}

void progress_source(struct progress *p, const struct capture_source *src)
{
    if (p->src) {
        int64_t end = capture_position(p->src);
        if (end > 0)
            p->done += (uint64_t)end;
    }
    p->src = src;
}

/* 1234567890 -> "1.2 GB". */
static void human(char *buf, size_t cap, double v, const char *unit)
{
    static const char *const prefix[] = { "", "k", "M", "G", "T" };
    int i = 0;
    while (v >= 1000 && i < 4) {
        v /= 1000;
        i++;
    }
    snprintf(buf, cap, i == 0 ? "%.0f %s%s" : "%.1f %s%s", v, prefix[i], unit);
}

void progress_format(char *buf, size_t cap, uint64_t read, uint64_t total, double seconds, uint64_t connections)
{
    char done[32], all[32], rate[32];
    human(done, sizeof done, (double)read, "B");
    human(rate, sizeof rate, seconds > 0 ? (double)read / seconds : 0, "B/s");
    if (total > 0) {
        human(all, sizeof all, (double)total, "B");
        double frac = read < total ? (double)read / (double)total : 1.0;
        double left = read > 0 && seconds > 0 ? seconds * (double)(total - (read < total ? read : total)) / (double)read
                                              : 0;
        snprintf(buf, cap, "%s of %s (%.0f%%), %s, %llu connections, about %.0f s left", done, all, frac * 100,
                 rate, (unsigned long long)connections, left);
    } else {
        snprintf(buf, cap, "%s, %s, %llu connections", done, rate, (unsigned long long)connections);
    }
}

void progress_tick(void *ctx)
{
    struct progress *p = ctx;
    if (!p->on || !p->src)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (elapsed(&p->last, &now) < 1.0)
        return;
    p->last = now;
    int64_t pos = capture_position(p->src);
    uint64_t read = p->done + (pos > 0 ? (uint64_t)pos : 0);
    char line[160];
    progress_format(line, sizeof line, read, p->total, elapsed(&p->start, &now), *p->connections);
    /* Back to the start of the line, the text, the rest of the line erased. */
    fprintf(p->out, "\rtlsscope: %s\033[K", line);
    fflush(p->out);
    p->shown = true;
}

void progress_end(struct progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
        p->shown = false;
    }
}
