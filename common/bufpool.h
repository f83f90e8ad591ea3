/* bufpool.h - recycled byte buffers under one budget, owned by the caller.
 *
 * Bytes that must outlive a packet callback (a handshake message cut across
 * segments, an out-of-order TCP segment) are copied into buffers from here.
 * Buffers come in power-of-two size classes from BUFPOOL_MIN to BUFPOOL_MAX
 * and are recycled through per-class free lists, so a steady state of
 * connections allocates nothing: malloc is called only while the pool grows
 * towards its high-water mark. The total of all buffers handed out is capped
 * by the budget; a request over budget fails (and is counted), and the caller
 * degrades (marks the connection truncated) instead of growing.
 *
 * The caller owns the pool (as BearSSL's callers own every context): the
 * engine embeds one and hands its address to the flow table and the TLS
 * framing, so two engines in one process (or two tests) never share a
 * budget, and nothing needs resetting between them. Single-threaded, like
 * the pipeline.
 */
#ifndef TLSSCOPE_BUFPOOL_H
#define TLSSCOPE_BUFPOOL_H

#include <stddef.h>
#include <stdint.h>

#define BUFPOOL_MIN_SHIFT 9   /* 512 bytes */
#define BUFPOOL_MAX_SHIFT 24  /* 16 MiB: the largest handshake message (24-bit length) */
#define BUFPOOL_MIN ((size_t)1 << BUFPOOL_MIN_SHIFT)
#define BUFPOOL_MAX ((size_t)1 << BUFPOOL_MAX_SHIFT)
#define BUFPOOL_CLASSES (BUFPOOL_MAX_SHIFT - BUFPOOL_MIN_SHIFT + 1)
/* The budget engine_defaults() and the tests use. */
#define BUFPOOL_DEFAULT_BUDGET ((uint64_t)64 << 20)

struct bufpool_stats {
    uint64_t budget;         /* bytes allowed in use at once */
    uint64_t in_use;         /* bytes handed out now (by class size) */
    uint64_t peak;           /* high-water mark of in_use */
    uint64_t cached;         /* bytes held in free lists */
    uint64_t denied;         /* requests refused: over budget or too large */
};

struct bufpool_free;

/* Embed it where its users can reach it; fields are private to bufpool.c. */
struct bufpool {
    struct bufpool_free *free_lists[BUFPOOL_CLASSES];
    struct bufpool_stats stats;
};

/* An empty pool with a budget of `budget` bytes. */
void bufpool_init(struct bufpool *p, uint64_t budget);

/* Changes the budget; buffers already handed out stay valid. */
void bufpool_set_budget(struct bufpool *p, uint64_t bytes);

/* A buffer of at least `size` bytes (its real capacity in *cap), or NULL when
 * the budget or BUFPOOL_MAX would be exceeded. */
void *bufpool_get(struct bufpool *p, size_t size, size_t *cap);

/* Returns a buffer of capacity `cap` (as bufpool_get reported it). */
void bufpool_put(struct bufpool *p, void *buf, size_t cap);

/* Grows `*buf` (capacity *cap, `used` bytes live) to hold `need` bytes,
 * keeping its contents. Returns 0, or -1 (buffer unchanged) when refused. */
int bufpool_grow(struct bufpool *p, void **buf, size_t *cap, size_t used, size_t need);

/* Frees every cached buffer (at exit, so leak checkers see a clean heap).
 * Buffers still handed out stay valid and may be put back later. */
void bufpool_release_all(struct bufpool *p);

void bufpool_get_stats(const struct bufpool *p, struct bufpool_stats *out);

#endif
