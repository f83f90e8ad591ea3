/* cert_cache.h - decoded leaf certificates, remembered by their DER bytes.
 *
 * A server presents the same certificate on every connection, so a busy one
 * is seen millions of times; decoding it (and hashing it with SHA-256 and
 * SHA-1) once is enough. The cache maps the exact DER bytes to the
 * x509_report that x509_parse_leaf() made of them. A report is a function of
 * the DER alone, so a hit gives byte for byte what a fresh parse would: the
 * output is the same with the cache as without it.
 *
 * A lookup hashes the DER (a fast non-cryptographic hash picks the bucket),
 * then compares length and bytes with the stored copy, so two certificates
 * are never confused, whatever the hash does. Memory is fixed at creation:
 * a table of `max_entries` reports and an arena of `max_bytes` for the DER
 * copies, cut into fixed chunks. Nothing is allocated per lookup; when
 * either bound is reached the least recently used entries make room.
 * Single-threaded, like the pipeline; owned by whoever owns the dissector.
 */
#ifndef TLSSCOPE_CERT_CACHE_H
#define TLSSCOPE_CERT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/span.h"
#include "dissect/x509.h"

#define CERT_CACHE_DEFAULT_ENTRIES 1024u
/* A typical leaf is 1 to 2 KiB; 4 KiB an entry leaves room for long chains
 * of SANs. */
#define CERT_CACHE_BYTES_PER_ENTRY 4096u

struct cert_cache_config {
    uint32_t max_entries;  /* at least 1 */
    uint64_t max_bytes;    /* for the DER copies (rounded down to whole chunks, at least one) */
};

struct cert_cache_stats {
    uint64_t hits;         /* the DER was there: no parse, no hashing */
    uint64_t misses;       /* parsed */
    uint64_t evictions;    /* entries dropped to make room */
    uint64_t not_stored;   /* misses not kept: undecodable, or over a quarter of the arena */
    uint64_t entries;      /* held now */
    uint64_t bytes;        /* DER bytes held now */
    uint64_t budget_bytes; /* everything the cache allocated at creation */
};

/* NULL when out of memory. */
struct cert_cache *cert_cache_new(const struct cert_cache_config *cfg);
void cert_cache_free(struct cert_cache *c);

/* x509_parse_leaf(der, r), answered from the cache when the same DER was
 * decoded before. `c` may be NULL (no cache): then it is x509_parse_leaf. */
bool cert_cache_parse_leaf(struct cert_cache *c, struct span der, struct x509_report *r);

const struct cert_cache_stats *cert_cache_stats(const struct cert_cache *c);

#endif
