/* cert_cache.c - see cert_cache.h.
 *
 * Layout: `entries` is a fixed array, used from the front (`unused`) so
 * that the pages of a cache that never fills are never touched. A used entry
 * is on a bucket chain (`hash_next`) and on the LRU list (`lru_prev`/
 * `lru_next`, most recent at the head); an evicted one goes on the free list
 * (through `hash_next`). The DER copy of an entry is a chain of fixed-size chunks of the
 * arena (`chunk_next`), so entries of any size share one bounded arena with
 * no fragmentation, and freeing one gives its chunks straight back.
 */
#include "dissect/cert_cache.h"

#include <stdlib.h>
#include <string.h>

/* Small enough that a 1 KiB certificate wastes little, large enough that a
 * comparison walks few links. */
#define CHUNK_BYTES 512u
#define NONE UINT32_MAX

struct entry {
    uint64_t hash;
    uint32_t der_len;
    uint32_t first_chunk;
    uint32_t hash_next;  /* bucket chain, or the free list */
    uint32_t lru_prev, lru_next;
    struct x509_report report;
};

struct cert_cache {
    struct entry *entries;
    uint32_t max_entries;
    uint32_t free_entry;   /* head of the free list */
    uint32_t unused;       /* entries from here on were never used: pages untouched until needed */
    uint32_t lru_head, lru_tail;
    uint32_t *buckets;
    uint32_t bucket_mask;
    uint8_t *arena;
    uint32_t *chunk_next;  /* next chunk of the same DER, or of the free list */
    uint32_t chunks, free_chunk, free_chunks;
    size_t max_der;        /* a larger DER is parsed but not kept */
    struct cert_cache_stats st;
};

/* Word-at-a-time multiply-xorshift mixing over the whole DER. It only picks
 * a bucket (equality is decided by memcmp), so it need not be cryptographic;
 * it must just spread certificates that share long common prefixes (same
 * issuer, same extensions), which mixing every word does. The bytes are those
 * of a span already bounded by the Certificate message. */
/* A certificate is hashed on every lookup, hit or miss: four independent
 * multiply chains over 32-byte blocks, so the multiplies overlap instead of
 * waiting on each other, then the tail eight bytes at a time. */
static uint64_t der_hash(struct span der)
{
    const uint64_t mul = 0x9fb21c651e98df25u;
    uint64_t lane[4] = { 0x2545f4914f6cdd1du ^ (uint64_t)der.n, 0x9e3779b97f4a7c15u, 0xc2b2ae3d27d4eb4fu,
                         0x165667b19e3779f9u };
    while (der.n >= 32) {
        for (int i = 0; i < 4; i++) {
            uint64_t w;
            memcpy(&w, der.p + 8 * i, 8);
            lane[i] = (lane[i] ^ w) * mul;
            lane[i] ^= lane[i] >> 29;
        }
        span_skip(&der, 32);
    }
    uint64_t h = lane[0] ^ (lane[1] * 3) ^ (lane[2] * 5) ^ (lane[3] * 7);
    while (der.n > 0) {
        uint64_t w = 0;
        size_t k = der.n < 8 ? der.n : 8;
        memcpy(&w, der.p, k);
        span_skip(&der, k);
        h = (h ^ w) * mul;
        h ^= h >> 29;
    }
    h *= mul;
    return h ^ (h >> 32);
}

static void lru_unlink(struct cert_cache *c, uint32_t i)
{
    struct entry *e = &c->entries[i];
    if (e->lru_prev != NONE)
        c->entries[e->lru_prev].lru_next = e->lru_next;
    else
        c->lru_head = e->lru_next;
    if (e->lru_next != NONE)
        c->entries[e->lru_next].lru_prev = e->lru_prev;
    else
        c->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NONE;
}

static void lru_push_head(struct cert_cache *c, uint32_t i)
{
    struct entry *e = &c->entries[i];
    e->lru_prev = NONE;
    e->lru_next = c->lru_head;
    if (c->lru_head != NONE)
        c->entries[c->lru_head].lru_prev = i;
    c->lru_head = i;
    if (c->lru_tail == NONE)
        c->lru_tail = i;
}

static bool der_equal(const struct cert_cache *c, const struct entry *e, struct span der)
{
    if (e->der_len != der.n)
        return false;
    for (uint32_t k = e->first_chunk; der.n > 0; k = c->chunk_next[k]) {
        size_t m = der.n < CHUNK_BYTES ? der.n : CHUNK_BYTES;
        if (memcmp(c->arena + (size_t)k * CHUNK_BYTES, der.p, m) != 0)
            return false;
        span_skip(&der, m);
    }
    return true;
}

/* Drops the least recently used entry: off its bucket chain and the LRU,
 * its chunks and itself back to the free lists. */
static void evict_oldest(struct cert_cache *c)
{
    uint32_t i = c->lru_tail;
    struct entry *e = &c->entries[i];
    uint32_t *link = &c->buckets[e->hash & c->bucket_mask];
    while (*link != i)
        link = &c->entries[*link].hash_next;
    *link = e->hash_next;
    lru_unlink(c, i);
    uint32_t k = e->first_chunk;
    for (uint32_t left = (e->der_len + CHUNK_BYTES - 1) / CHUNK_BYTES; left > 0; left--) {
        uint32_t next = c->chunk_next[k];
        c->chunk_next[k] = c->free_chunk;
        c->free_chunk = k;
        c->free_chunks++;
        k = next;
    }
    c->st.bytes -= e->der_len;
    c->st.entries--;
    c->st.evictions++;
    e->hash_next = c->free_entry;
    c->free_entry = i;
}

static void insert(struct cert_cache *c, uint64_t hash, struct span der, const struct x509_report *r)
{
    uint32_t need = (uint32_t)((der.n + CHUNK_BYTES - 1) / CHUNK_BYTES);
    while ((c->free_entry == NONE && c->unused == c->max_entries) || c->free_chunks < need)
        evict_oldest(c);
    uint32_t i = c->free_entry != NONE ? c->free_entry : c->unused++;
    struct entry *e = &c->entries[i];
    if (i == c->free_entry)
        c->free_entry = e->hash_next;
    e->hash = hash;
    e->der_len = (uint32_t)der.n;
    e->report = *r;
    /* Take `need` chunks off the free list, in order, copying as we go. */
    e->first_chunk = c->free_chunk;
    uint32_t k = c->free_chunk, last = NONE;
    for (struct span rest = der; rest.n > 0;) {
        size_t m = rest.n < CHUNK_BYTES ? rest.n : CHUNK_BYTES;
        memcpy(c->arena + (size_t)k * CHUNK_BYTES, rest.p, m);
        span_skip(&rest, m);
        last = k;
        k = c->chunk_next[k];
    }
    c->free_chunk = k;
    c->free_chunks -= need;
    c->chunk_next[last] = NONE;
    uint32_t *bucket = &c->buckets[hash & c->bucket_mask];
    e->hash_next = *bucket;
    *bucket = i;
    lru_push_head(c, i);
    c->st.entries++;
    c->st.bytes += der.n;
}

bool cert_cache_parse_leaf(struct cert_cache *c, struct span der, struct x509_report *r)
{
    if (!c)
        return x509_parse_leaf(der, r);
    uint64_t hash = der_hash(der);
    for (uint32_t i = c->buckets[hash & c->bucket_mask]; i != NONE; i = c->entries[i].hash_next) {
        struct entry *e = &c->entries[i];
        if (e->hash == hash && der_equal(c, e, der)) {
            c->st.hits++;
            lru_unlink(c, i);
            lru_push_head(c, i);
            *r = e->report;
            return true;
        }
    }
    c->st.misses++;
    /* Only decoded certificates are kept: an undecodable one gives an
     * all-zero report quickly, and keeping junk would push out the
     * certificates servers really present. */
    bool ok = x509_parse_leaf(der, r);
    if (!ok || der.n > c->max_der) {
        c->st.not_stored++;
        return ok;
    }
    insert(c, hash, der, r);
    return true;
}

struct cert_cache *cert_cache_new(const struct cert_cache_config *cfg)
{
    if (cfg->max_entries == 0)
        return NULL;
    struct cert_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    uint64_t chunks = cfg->max_bytes / CHUNK_BYTES;
    if (chunks == 0)
        chunks = 1;
    if (chunks > UINT32_MAX - 1)
        chunks = UINT32_MAX - 1;
    uint32_t buckets = 1;
    while (buckets < cfg->max_entries && buckets < (1u << 31))
        buckets <<= 1;
    c->max_entries = cfg->max_entries;
    c->chunks = (uint32_t)chunks;
    c->bucket_mask = buckets - 1;
    c->entries = calloc(c->max_entries, sizeof *c->entries);
    c->buckets = malloc(buckets * sizeof *c->buckets);
    c->chunk_next = malloc(c->chunks * sizeof *c->chunk_next);
    c->arena = malloc((size_t)c->chunks * CHUNK_BYTES);
    if (!c->entries || !c->buckets || !c->chunk_next || !c->arena) {
        cert_cache_free(c);
        return NULL;
    }
    for (uint32_t b = 0; b < buckets; b++)
        c->buckets[b] = NONE;
    for (uint32_t k = 0; k < c->chunks; k++)
        c->chunk_next[k] = k + 1 < c->chunks ? k + 1 : NONE;
    c->free_entry = NONE;
    c->free_chunk = 0;
    c->free_chunks = c->chunks;
    c->lru_head = c->lru_tail = NONE;
    /* One certificate may take at most a quarter of the arena, so a single
     * oversized one cannot flush everything else. */
    c->max_der = (size_t)c->chunks * CHUNK_BYTES / 4;
    if (c->max_der < CHUNK_BYTES)
        c->max_der = (size_t)c->chunks * CHUNK_BYTES;
    c->st.budget_bytes = sizeof *c + (uint64_t)c->max_entries * sizeof *c->entries + buckets * sizeof *c->buckets +
                         (uint64_t)c->chunks * (sizeof *c->chunk_next + CHUNK_BYTES);
    return c;
}

void cert_cache_free(struct cert_cache *c)
{
    if (!c)
        return;
    free(c->entries);
    free(c->buckets);
    free(c->chunk_next);
    free(c->arena);
    free(c);
}

const struct cert_cache_stats *cert_cache_stats(const struct cert_cache *c)
{
    return &c->st;
}
