/* memo.h - a bounded memo: byte strings remembered under byte-string keys.
 *
 * The per-connection line repeats the same few client stacks over and over:
 * a cipher-suite list, a group list or a signature-algorithm list that one
 * connection formats into names is, on a busy link, the list the last
 * thousand connections formatted. A memo remembers the formatted form under
 * the raw list, so the second time costs a hash, a compare and a copy.
 *
 * Fixed memory chosen at creation (slots x slot bytes, allocated once);
 * two-way set-associative: a new key takes the less recently used of the two
 * slots its hash selects. A key and
 * value that do not fit one slot are not kept (counted). Every hit compares
 * the whole key, so a hash collision can never return another key's value.
 * Not shared between threads: one memo per writer.
 */
#ifndef TLSSCOPE_MEMO_H
#define TLSSCOPE_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct memo_stats {
    uint64_t hits;
    uint64_t misses;
    uint64_t replaced;   /* a slot taken from another key */
    uint64_t not_stored; /* key + value larger than a slot */
};

struct memo;

/* slots is rounded up to a power of two (at least 2); slot_bytes holds key
 * and value together. NULL when out of memory. */
struct memo *memo_new(size_t slots, size_t slot_bytes);
void memo_free(struct memo *m);

/* The value remembered under (tag, key): *val and *val_len, valid until the
 * next memo_put(); false (a miss) when there is none. Users of one memo keep
 * apart by tag: keys under different tags never match. m may be NULL (always
 * a miss, nothing counted). */
bool memo_get(struct memo *m, uint8_t tag, const void *key, size_t key_len, const void **val, size_t *val_len);

/* Remembers val under (tag, key), replacing what the slot held. */
void memo_put(struct memo *m, uint8_t tag, const void *key, size_t key_len, const void *val, size_t val_len);

struct memo_stats memo_stats(const struct memo *m);

#endif
