/* memo.c - see memo.h.
 *
 * The slots' headers (hash, tag, key and value lengths) sit together in one
 * small array, apart from the slots' bytes (key then value, slot_bytes each):
 * a lookup reads one header, and touches the bytes (a page of its own, for
 * large slots) only when the hash matches.
 */
#include "common/memo.h"

#include <stdlib.h>
#include <string.h>

struct memo_slot {
    uint64_t hash;
    uint32_t key_len;
    uint32_t val_len;
    uint8_t tag;
    uint8_t recent;      /* first slot of a set: the way used last (0, 1) */
    bool used;
};

struct memo {
    size_t mask;         /* slots - 1 */
    size_t slot_bytes;   /* key + value capacity of a slot */
    struct memo_slot *slots;
    uint8_t *data;       /* slot i's bytes at i * slot_bytes */
    struct memo_stats st;
};

static size_t round_pow2(size_t n)
{
    size_t p = 1;
    while (p < n && p < ((size_t)1 << 30))
        p <<= 1;
    return p;
}

struct memo *memo_new(size_t slots, size_t slot_bytes)
{
    if (slots == 0 || slot_bytes == 0 || slot_bytes > UINT32_MAX)
        return NULL;
    struct memo *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t n = round_pow2(slots < 2 ? 2 : slots); /* whole sets of two */
    m->mask = n - 1;
    m->slot_bytes = slot_bytes;
    m->slots = calloc(n, sizeof *m->slots);
    /* calloc: pages of slots never used are never touched. */
    m->data = calloc(n, slot_bytes);
    if (!m->slots || !m->data) {
        memo_free(m);
        return NULL;
    }
    return m;
}

void memo_free(struct memo *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m->data);
    free(m);
}

/* 64-bit hash of the key, eight bytes at a time (a multiply-xorshift mix in
 * the manner of MurmurHash's finaliser). Not keyed: a memo is a cache whose
 * worst case (every key in one slot) is only the cost of no memo at all. */
static uint64_t memo_hash(uint8_t tag, const uint8_t *p, size_t n)
{
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    uint64_t h = (n ^ (uint64_t)tag << 56) * k;
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = (h ^ x) * k;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t x = 0;
    memcpy(&x, p, n);
    h = (h ^ x) * k;
    h ^= h >> 32;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* Two ways per set: a key may sit in either slot of its set, and a new key
 * takes the one used less recently, so two lists that hash alike (a
 * client's cipher suites and its groups, say) do not keep pushing each other
 * out as they would in a direct-mapped table. */
static struct memo_slot *set_at(struct memo *m, uint64_t h)
{
    return &m->slots[(h & m->mask) & ~(size_t)1];
}

static uint8_t *slot_data(struct memo *m, const struct memo_slot *s)
{
    return m->data + (size_t)(s - m->slots) * m->slot_bytes;
}

static bool slot_holds(struct memo *m, const struct memo_slot *s, uint64_t h, uint8_t tag, const void *key,
                       size_t key_len)
{
    return s->used && s->hash == h && s->tag == tag && s->key_len == key_len &&
           memcmp(slot_data(m, s), key, key_len) == 0;
}

/* The set's first slot keeps, in `recent`, which way was used last. */
static void touch(struct memo_slot *set, const struct memo_slot *s)
{
    set->recent = (uint8_t)(s - set);
}

bool memo_get(struct memo *m, uint8_t tag, const void *key, size_t key_len, const void **val, size_t *val_len)
{
    if (!m)
        return false;
    uint64_t h = memo_hash(tag, key, key_len);
    struct memo_slot *set = set_at(m, h);
    for (int way = 0; way < 2; way++) {
        struct memo_slot *s = set + way;
        if (slot_holds(m, s, h, tag, key, key_len)) {
            m->st.hits++;
            touch(set, s);
            *val = slot_data(m, s) + key_len;
            *val_len = s->val_len;
            return true;
        }
    }
    m->st.misses++;
    return false;
}

void memo_put(struct memo *m, uint8_t tag, const void *key, size_t key_len, const void *val, size_t val_len)
{
    if (!m)
        return;
    if (key_len > m->slot_bytes || val_len > m->slot_bytes - key_len) {
        m->st.not_stored++;
        return;
    }
    uint64_t h = memo_hash(tag, key, key_len);
    struct memo_slot *set = set_at(m, h);
    struct memo_slot *s;
    if (slot_holds(m, set, h, tag, key, key_len) || !set[0].used)
        s = set;
    else if (slot_holds(m, set + 1, h, tag, key, key_len) || !set[1].used)
        s = set + 1;
    else
        s = set + (set->recent ^ 1); /* the way used less recently */
    if (s->used && !slot_holds(m, s, h, tag, key, key_len))
        m->st.replaced++;
    s->used = true;
    s->tag = tag;
    s->hash = h;
    s->key_len = (uint32_t)key_len;
    s->val_len = (uint32_t)val_len;
    memcpy(slot_data(m, s), key, key_len);
    memcpy(slot_data(m, s) + key_len, val, val_len);
    touch(set, s);
}

struct memo_stats memo_stats(const struct memo *m)
{
    struct memo_stats none = { 0 };
    return m ? m->st : none;
}
