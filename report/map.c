/* map.c - open-addressing hash table with FNV-1a and linear probing. Keys
 * are copied; deletion is never needed (a report only accumulates), which is
 * why plain linear probing without tombstones is enough. */
#include "report/map.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void rp_map_init(struct rp_map *m, size_t limit)
{
    memset(m, 0, sizeof *m);
    m->limit = limit;
}

static struct rp_entry *probe(struct rp_entry *slots, size_t cap, const char *key)
{
    size_t i = (size_t)hash_key(key) & (cap - 1);
    while (slots[i].key && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static bool grow(struct rp_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 8;
    struct rp_entry *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *probe(slots, cap, m->slots[i].key) = m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return true;
}

struct rp_entry *rp_map_find(const struct rp_map *m, const char *key)
{
    if (!m->cap)
        return NULL;
    struct rp_entry *e = probe(m->slots, m->cap, key);
    return e->key ? e : NULL;
}

struct rp_entry *rp_map_get(struct rp_map *m, const char *key)
{
    struct rp_entry *e = rp_map_find(m, key);
    if (e)
        return e;
    if (m->len >= m->limit)
        return NULL;
    /* Load factor at most 1/2: probes stay short on the per-line path. */
    if ((m->len + 1) * 2 > m->cap && !grow(m))
        return NULL;
    e = probe(m->slots, m->cap, key);
    if (!(e->key = strdup(key)))
        return NULL;
    e->n = 0;
    e->val = NULL;
    m->len++;
    return e;
}

void rp_map_add(struct rp_map *m, const char *key, uint64_t n)
{
    struct rp_entry *e = rp_map_get(m, key);
    if (e)
        e->n = rp_sat_add(e->n, n);
    else
        m->omitted = rp_sat_add(m->omitted, n);
}

void rp_map_merge(struct rp_map *dst, const struct rp_map *src)
{
    for (size_t i = 0; i < src->cap; i++)
        if (src->slots[i].key)
            rp_map_add(dst, src->slots[i].key, src->slots[i].n);
    dst->omitted = rp_sat_add(dst->omitted, src->omitted);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp((*(struct rp_entry *const *)a)->key, (*(struct rp_entry *const *)b)->key);
}

struct rp_entry **rp_map_sorted(const struct rp_map *m)
{
    if (!m->len)
        return NULL;
    struct rp_entry **v = malloc(m->len * sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            v[k++] = &m->slots[i];
    qsort(v, k, sizeof *v, cmp_entry);
    return v;
}

void rp_map_free(struct rp_map *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        free(m->slots[i].key);
        if (free_val && m->slots[i].val)
            free_val(m->slots[i].val);
    }
    free(m->slots);
    memset(m, 0, sizeof *m);
}
