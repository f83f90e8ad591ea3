/* map.h - the one table the report stage is built on: string keys to a
 * count and an optional value, open addressing, grown by doubling.
 *
 * Memory must grow with distinct clients and services, never with lines, so
 * every inner set (a client's server names, a service's suites ...) has a
 * limit: past it new keys are not stored, only counted in `omitted`, and the
 * report says so. Top-level tables (clients, services, findings) have no
 * limit: they are what the user asked to see.
 */
#ifndef TLSSCOPE_REPORT_MAP_H
#define TLSSCOPE_REPORT_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RP_MAP_UNLIMITED ((size_t)-1)

struct rp_entry {
    char *key;
    uint64_t n;
    void *val;
};

struct rp_map {
    struct rp_entry *slots;
    size_t cap, len, limit;
    uint64_t omitted; /* additions refused because the map was at its limit */
};

/* Counts add up saturating at INT64_MAX: a report row read back (JSON
 * integers are signed) may carry any count, and two huge ones must not wrap. */
static inline uint64_t rp_sat_add(uint64_t a, uint64_t b)
{
    return a > (uint64_t)INT64_MAX - b || b > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : a + b;
}

void rp_map_init(struct rp_map *m, size_t limit);

/* The entry for `key`, created (n = 0, val = NULL) when absent. NULL when the
 * map is at its limit (the caller counts that in `omitted`) or out of memory. */
struct rp_entry *rp_map_get(struct rp_map *m, const char *key);

/* The entry for `key` or NULL; never creates. */
struct rp_entry *rp_map_find(const struct rp_map *m, const char *key);

/* Adds `n` to key's count; a refused key adds `n` to `omitted`. */
void rp_map_add(struct rp_map *m, const char *key, uint64_t n);

/* Adds every count of `src` into `dst` (and src's omitted). */
void rp_map_merge(struct rp_map *dst, const struct rp_map *src);

/* The entries in key order (strcmp): a malloc'ed array of `len` pointers
 * into the map, valid until it changes; NULL when empty. */
struct rp_entry **rp_map_sorted(const struct rp_map *m);

void rp_map_free(struct rp_map *m, void (*free_val)(void *));

#endif
