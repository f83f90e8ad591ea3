/* bufpool.c - see bufpool.h. */
#include "common/bufpool.h"

#include <stdlib.h>
#include <string.h>

/* A free buffer stores the link to the next one in its own first bytes. */
struct bufpool_free {
    struct bufpool_free *next;
};

void bufpool_init(struct bufpool *p, uint64_t budget)
{
    memset(p, 0, sizeof *p);
    p->stats.budget = budget;
}

void bufpool_set_budget(struct bufpool *p, uint64_t bytes)
{
    p->stats.budget = bytes;
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

void *bufpool_get(struct bufpool *p, size_t size, size_t *cap)
{
    struct bufpool_stats *st = &p->stats;
    if (size > BUFPOOL_MAX) {
        st->denied++;
        return NULL;
    }
    int c = class_of(size);
    size_t csize = BUFPOOL_MIN << c;
    if (st->in_use + csize > st->budget) {
        st->denied++;
        return NULL;
    }
    void *buf;
    if (p->free_lists[c]) {
        struct bufpool_free *f = p->free_lists[c];
        p->free_lists[c] = f->next;
        st->cached -= csize;
        buf = f;
    } else {
        buf = malloc(csize);
        if (!buf) {
            st->denied++;
            return NULL;
        }
    }
    st->in_use += csize;
    if (st->in_use > st->peak)
        st->peak = st->in_use;
    *cap = csize;
    return buf;
}

void bufpool_put(struct bufpool *p, void *buf, size_t cap)
{
    if (!buf)
        return;
    int c = class_of(cap);
    struct bufpool_free *f = buf;
    f->next = p->free_lists[c];
    p->free_lists[c] = f;
    p->stats.in_use -= cap;
    p->stats.cached += cap;
}

int bufpool_grow(struct bufpool *p, void **buf, size_t *cap, size_t used, size_t need)
{
    if (*buf && need <= *cap)
        return 0;
    size_t ncap;
    void *nbuf = bufpool_get(p, need, &ncap);
    if (!nbuf)
        return -1;
    if (*buf) {
        memcpy(nbuf, *buf, used);
        bufpool_put(p, *buf, *cap);
    }
    *buf = nbuf;
    *cap = ncap;
    return 0;
}

void bufpool_release_all(struct bufpool *p)
{
    for (int c = 0; c < BUFPOOL_CLASSES; c++) {
        while (p->free_lists[c]) {
            struct bufpool_free *f = p->free_lists[c];
            p->free_lists[c] = f->next;
            free(f);
        }
    }
    p->stats.cached = 0;
}

void bufpool_get_stats(const struct bufpool *p, struct bufpool_stats *out)
{
    *out = p->stats;
}
