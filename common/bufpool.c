/* bufpool.c - see bufpool.h. Single-threaded by design, like the pipeline. */
#include "common/bufpool.h"

#include <stdlib.h>
#include <string.h>

/* A free buffer stores the link to the next one in its own first bytes. */
struct free_buf {
    struct free_buf *next;
};

static struct free_buf *free_lists[BUFPOOL_CLASSES];
static struct bufpool_stats stats = { .budget = 64u << 20 };

void bufpool_set_budget(uint64_t bytes)
{
    stats.budget = bytes;
}

static int class_of(size_t size)
{
    int c = 0;
    size_t cap = BUFPOOL_MIN;
    while (cap < size) {
        cap <<= 1;
        c++;
    }
    return c;
}

void *bufpool_get(size_t size, size_t *cap)
{
    if (size > BUFPOOL_MAX) {
        stats.denied++;
        return NULL;
    }
    int c = class_of(size);
    size_t csize = BUFPOOL_MIN << c;
    if (stats.in_use + csize > stats.budget) {
        stats.denied++;
        return NULL;
    }
    void *buf;
    if (free_lists[c]) {
        struct free_buf *f = free_lists[c];
        free_lists[c] = f->next;
        stats.cached -= csize;
        buf = f;
    } else {
        buf = malloc(csize);
        if (!buf) {
            stats.denied++;
            return NULL;
        }
    }
    stats.in_use += csize;
    if (stats.in_use > stats.peak)
        stats.peak = stats.in_use;
    *cap = csize;
    return buf;
}

void bufpool_put(void *buf, size_t cap)
{
    if (!buf)
        return;
    int c = class_of(cap);
    struct free_buf *f = buf;
    f->next = free_lists[c];
    free_lists[c] = f;
    stats.in_use -= cap;
    stats.cached += cap;
}

int bufpool_grow(void **buf, size_t *cap, size_t used, size_t need)
{
    if (*buf && need <= *cap)
        return 0;
    size_t ncap;
    void *nbuf = bufpool_get(need, &ncap);
    if (!nbuf)
        return -1;
    if (*buf) {
        memcpy(nbuf, *buf, used);
        bufpool_put(*buf, *cap);
    }
    *buf = nbuf;
    *cap = ncap;
    return 0;
}

void bufpool_release_all(void)
{
    for (int c = 0; c < BUFPOOL_CLASSES; c++) {
        while (free_lists[c]) {
            struct free_buf *f = free_lists[c];
            free_lists[c] = f->next;
            free(f);
        }
    }
    stats.cached = 0;
}

void bufpool_get_stats(struct bufpool_stats *out)
{
    *out = stats;
}
