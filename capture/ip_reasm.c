/* ip_reasm.c - IPv4 and IPv6 fragment reassembly in a fixed budget; see
 * ip_reasm.h for the rules and references.
 *
 * Layout: a datagram in progress is a slot (key, first fragment's header, a
 * table of chunk indices, a bitmap of the 8-byte units it holds); fragment
 * data lives in 1 KiB chunks from one arena shared by all slots, so a
 * datagram holds only the bytes it received. Slots are found through a hash
 * table and kept on a list in the order they were started, which is both the
 * eviction order and, since one timeout serves all, the expiry order: the
 * work per fragment is bounded by what it expires or evicts.
 *
 * Fragment offsets are multiples of 8 and only the last fragment may end
 * elsewhere, so "which bytes are held" is exactly "which 8-byte units are
 * held" (RFC 815 keeps a hole list for the same purpose; a bitmap is the
 * simpler bounded form). First copy wins falls out of writing only units not
 * yet held.
 */
#include "capture/ip_reasm.h"

#include <stdlib.h>
#include <string.h>

#define IP_REASM_CHUNK 1024u
#define IP_REASM_MAX_DATA 65536u                               /* offsets are 13 bits of 8 bytes */
#define IP_REASM_CHUNKS_PER_DG (IP_REASM_MAX_DATA / IP_REASM_CHUNK)
#define IP_REASM_UNITS (IP_REASM_MAX_DATA / 8u)
#define IP_REASM_IP_MAX 65535u
#define IP_REASM_NONE UINT32_MAX
#define IP_REASM_IPV4_HDR 20u
#define IP_REASM_IPV6_HDR 40u

/* Compared with memcmp: built zeroed, so padding never differs. */
struct ip_reasm_key {
    uint8_t src[16];
    uint8_t dst[16];
    uint32_t id;
    uint32_t context;
    uint8_t version;
    uint8_t proto;            /* IPv4 only; 0 for IPv6 */
};

struct ip_reasm_dg {
    struct ip_reasm_key key;
    uint64_t first_us;        /* capture time of the first fragment seen */
    uint32_t older, newer;    /* the age list */
    uint32_t hash_next;
    bool dead;                /* RFC 5722: dropped, later fragments dropped too */
    bool have_first;          /* the offset 0 fragment: header kept */
    bool have_last;           /* the M=0 fragment: total known */
    uint8_t first_next;       /* IPv6: the first fragment's Next Header */
    uint32_t total;           /* data bytes, once have_last */
    uint32_t max_end;         /* furthest end of any fragment */
    uint32_t units_held;
    uint32_t chunks_held;
    uint16_t header_len;
    uint16_t next_header_at;
    uint8_t header[IP_REASM_HEADER_MAX];
    uint32_t chunk[IP_REASM_CHUNKS_PER_DG]; /* arena index + 1; 0: not yet */
    uint64_t held[IP_REASM_UNITS / 64];
};

struct ip_reasm {
    struct ip_reasm_config cfg;
    struct ip_reasm_stats st;
    struct ip_reasm_dg *dgs;
    uint32_t *buckets;        /* slot index, IP_REASM_NONE: empty */
    uint32_t bucket_mask;
    uint32_t *free_dgs;       /* stack of unused slots */
    uint32_t n_free_dgs;
    uint32_t oldest, newest;
    uint8_t *arena;
    uint32_t *free_chunks;    /* stack of unused chunks */
    uint32_t n_chunks, n_free_chunks;
    uint8_t *out;             /* the reassembled packet */
};

void ip_reasm_defaults(struct ip_reasm_config *cfg)
{
    cfg->max_datagrams = IP_REASM_DEFAULT_DATAGRAMS;
    cfg->max_bytes = IP_REASM_DEFAULT_BYTES;
    cfg->timeout_us = IP_REASM_DEFAULT_TIMEOUT_US;
}

struct ip_reasm *ip_reasm_new(const struct ip_reasm_config *cfg)
{
    /* At least one whole datagram must fit, or eviction could never make
     * room; the upper bounds keep the index types in range. */
    if (cfg->max_datagrams == 0 || cfg->max_datagrams > (1u << 20) || cfg->max_bytes < IP_REASM_MAX_DATA ||
        cfg->max_bytes > ((uint64_t)1 << 32))
        return NULL;
    struct ip_reasm *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->cfg = *cfg;
    uint32_t nb = 1;
    while (nb < cfg->max_datagrams * 2u)
        nb <<= 1;
    r->bucket_mask = nb - 1;
    r->n_chunks = (uint32_t)(cfg->max_bytes / IP_REASM_CHUNK);
    r->dgs = calloc(cfg->max_datagrams, sizeof(*r->dgs));
    r->buckets = malloc(nb * sizeof(*r->buckets));
    r->free_dgs = malloc(cfg->max_datagrams * sizeof(*r->free_dgs));
    r->arena = malloc((size_t)r->n_chunks * IP_REASM_CHUNK);
    r->free_chunks = malloc(r->n_chunks * sizeof(*r->free_chunks));
    r->out = malloc(IP_REASM_HEADER_MAX + IP_REASM_MAX_DATA);
    if (!r->dgs || !r->buckets || !r->free_dgs || !r->arena || !r->free_chunks || !r->out) {
        ip_reasm_free(r);
        return NULL;
    }
    for (uint32_t i = 0; i < nb; i++)
        r->buckets[i] = IP_REASM_NONE;
    /* Stacks filled so that slot and chunk 0 are taken first. */
    for (uint32_t i = 0; i < cfg->max_datagrams; i++)
        r->free_dgs[i] = cfg->max_datagrams - 1 - i;
    r->n_free_dgs = cfg->max_datagrams;
    for (uint32_t i = 0; i < r->n_chunks; i++)
        r->free_chunks[i] = r->n_chunks - 1 - i;
    r->n_free_chunks = r->n_chunks;
    r->oldest = r->newest = IP_REASM_NONE;
    return r;
}

void ip_reasm_free(struct ip_reasm *r)
{
    if (!r)
        return;
    free(r->dgs);
    free(r->buckets);
    free(r->free_dgs);
    free(r->arena);
    free(r->free_chunks);
    free(r->out);
    free(r);
}

const struct ip_reasm_stats *ip_reasm_stats(const struct ip_reasm *r)
{
    return &r->st;
}

uint32_t ip_reasm_in_progress(const struct ip_reasm *r)
{
    return r->cfg.max_datagrams - r->n_free_dgs;
}

uint64_t ip_reasm_bytes_held(const struct ip_reasm *r)
{
    return (uint64_t)(r->n_chunks - r->n_free_chunks) * IP_REASM_CHUNK;
}

/* FNV-1a: only fragments pay for it, and the key is 42 bytes. */
static uint32_t ip_reasm_hash(const struct ip_reasm_key *k)
{
    const uint8_t *b = (const uint8_t *)k;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < sizeof(*k); i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static void ip_reasm_release_chunks(struct ip_reasm *r, struct ip_reasm_dg *d)
{
    for (uint32_t i = 0; i < IP_REASM_CHUNKS_PER_DG && d->chunks_held > 0; i++) {
        if (d->chunk[i]) {
            r->free_chunks[r->n_free_chunks++] = d->chunk[i] - 1;
            d->chunk[i] = 0;
            d->chunks_held--;
        }
    }
}

static void ip_reasm_release(struct ip_reasm *r, uint32_t idx)
{
    struct ip_reasm_dg *d = &r->dgs[idx];
    ip_reasm_release_chunks(r, d);

    uint32_t *link = &r->buckets[ip_reasm_hash(&d->key) & r->bucket_mask];
    while (*link != idx)
        link = &r->dgs[*link].hash_next;
    *link = d->hash_next;

    if (d->older != IP_REASM_NONE)
        r->dgs[d->older].newer = d->newer;
    else
        r->oldest = d->newer;
    if (d->newer != IP_REASM_NONE)
        r->dgs[d->newer].older = d->older;
    else
        r->newest = d->older;
    r->free_dgs[r->n_free_dgs++] = idx;
}

void ip_reasm_expire(struct ip_reasm *r, uint64_t now_us)
{
    while (r->oldest != IP_REASM_NONE) {
        struct ip_reasm_dg *d = &r->dgs[r->oldest];
        /* Capture time that goes backwards (merged files) expires nothing. */
        if (now_us < d->first_us || now_us - d->first_us < r->cfg.timeout_us)
            return;
        if (!d->dead)
            r->st.timeouts++;
        ip_reasm_release(r, r->oldest);
    }
}

/* Drops the oldest datagram other than `keep` to make room; false when
 * there is none. */
static bool ip_reasm_evict(struct ip_reasm *r, uint32_t keep)
{
    uint32_t victim = r->oldest;
    if (victim == keep && victim != IP_REASM_NONE)
        victim = r->dgs[victim].newer;
    if (victim == IP_REASM_NONE)
        return false;
    if (!r->dgs[victim].dead)
        r->st.evicted++;
    ip_reasm_release(r, victim);
    return true;
}

static uint32_t ip_reasm_find(const struct ip_reasm *r, const struct ip_reasm_key *k, uint32_t bucket)
{
    for (uint32_t i = r->buckets[bucket]; i != IP_REASM_NONE; i = r->dgs[i].hash_next)
        if (memcmp(&r->dgs[i].key, k, sizeof(*k)) == 0)
            return i;
    return IP_REASM_NONE;
}

static uint32_t ip_reasm_start(struct ip_reasm *r, const struct ip_reasm_key *k, uint32_t bucket, uint64_t now_us)
{
    if (r->n_free_dgs == 0)
        (void)ip_reasm_evict(r, IP_REASM_NONE);
    uint32_t idx = r->free_dgs[--r->n_free_dgs];
    struct ip_reasm_dg *d = &r->dgs[idx];
    memset(d, 0, sizeof(*d));
    d->key = *k;
    d->first_us = now_us;
    d->hash_next = r->buckets[bucket];
    r->buckets[bucket] = idx;
    d->older = r->newest;
    d->newer = IP_REASM_NONE;
    if (r->newest != IP_REASM_NONE)
        r->dgs[r->newest].newer = idx;
    else
        r->oldest = idx;
    r->newest = idx;
    uint32_t in_progress = ip_reasm_in_progress(r);
    if (in_progress > r->st.peak_datagrams)
        r->st.peak_datagrams = in_progress;
    return idx;
}

static bool ip_reasm_unit_held(const struct ip_reasm_dg *d, uint32_t u)
{
    return d->held[u / 64] >> (u % 64) & 1u;
}

/* Byte `pos` of the datagram's data, in its chunk (which must exist). */
static uint8_t *ip_reasm_at(struct ip_reasm *r, const struct ip_reasm_dg *d, uint32_t pos)
{
    return r->arena + (size_t)(d->chunk[pos / IP_REASM_CHUNK] - 1) * IP_REASM_CHUNK + pos % IP_REASM_CHUNK;
}

/* Gives every chunk that [from, to) touches a home, evicting older
 * datagrams while the arena is empty. */
static bool ip_reasm_reserve(struct ip_reasm *r, uint32_t idx, uint32_t from, uint32_t to)
{
    struct ip_reasm_dg *d = &r->dgs[idx];
    for (uint32_t c = from / IP_REASM_CHUNK; c < (to + IP_REASM_CHUNK - 1) / IP_REASM_CHUNK; c++) {
        if (d->chunk[c])
            continue;
        while (r->n_free_chunks == 0)
            if (!ip_reasm_evict(r, idx))
                return false;
        d->chunk[c] = r->free_chunks[--r->n_free_chunks] + 1;
        d->chunks_held++;
    }
    return true;
}

/* Units [u0, u1) of a fragment covering [offset, end): how many are held
 * already, and whether those held equal the fragment's bytes. */
static uint32_t ip_reasm_held_in(struct ip_reasm *r, const struct ip_reasm_dg *d, uint32_t offset, uint32_t end,
                                 const uint8_t *data, bool *equal)
{
    uint32_t held = 0;
    *equal = true;
    for (uint32_t u = offset / 8; u < (end + 7) / 8; u++) {
        if (!ip_reasm_unit_held(d, u))
            continue;
        held++;
        uint32_t a = u * 8, b = a + 8 < end ? a + 8 : end;
        for (uint32_t pos = a; pos < b && *equal; pos++)
            *equal = *ip_reasm_at(r, d, pos) == data[pos - offset];
    }
    return held;
}

/* Builds the whole packet in r->out from the first fragment's header and
 * the held data. */
static struct span ip_reasm_build(struct ip_reasm *r, const struct ip_reasm_dg *d)
{
    uint8_t *o = r->out;
    memcpy(o, d->header, d->header_len);
    if (d->key.version == 4) {
        uint32_t total_len = d->header_len + d->total;
        o[2] = (uint8_t)(total_len >> 8);
        o[3] = (uint8_t)total_len;
        o[6] &= 0xc0; /* keep reserved and DF, clear MF and the offset */
        o[7] = 0;
        /* The header checksum is left stale: nothing downstream verifies it
         * (captures on the sending host carry unset ones anyway). */
    } else {
        uint32_t payload_len = d->header_len - IP_REASM_IPV6_HDR + d->total;
        o[4] = (uint8_t)(payload_len >> 8);
        o[5] = (uint8_t)payload_len;
        o[d->next_header_at] = d->first_next;
    }
    for (uint32_t pos = 0; pos < d->total;) {
        uint32_t n = IP_REASM_CHUNK - pos % IP_REASM_CHUNK;
        if (n > d->total - pos)
            n = d->total - pos;
        memcpy(o + d->header_len + pos, ip_reasm_at(r, d, pos), n);
        pos += n;
    }
    return span_make(o, (size_t)d->header_len + d->total);
}

/* Whether the fragment can be taken at all, before any datagram is looked
 * up: the counters say why not. */
static bool ip_reasm_acceptable(struct ip_reasm *r, const struct ip_reasm_frag *f)
{
    size_t len = f->data.n;
    size_t min_header = f->version == 4 ? IP_REASM_IPV4_HDR : IP_REASM_IPV6_HDR;
    if (f->cut || f->data.bad || f->header.bad || (f->version != 4 && f->version != 6) ||
        (f->more && (len == 0 || len % 8 != 0)) || f->offset % 8 != 0 || f->header.n < min_header ||
        (f->version == 6 && (f->next_header_at < 6 || f->next_header_at >= f->header.n))) {
        r->st.malformed++;
        return false;
    }
    if ((uint64_t)f->offset + len > IP_REASM_IP_MAX || (f->offset == 0 && f->header.n > IP_REASM_HEADER_MAX)) {
        r->st.too_big++;
        return false;
    }
    return true;
}

enum ip_reasm_result ip_reasm_add(struct ip_reasm *r, uint64_t now_us, const struct ip_reasm_frag *f,
                                  struct span *datagram)
{
    r->st.fragments++;
    ip_reasm_expire(r, now_us);
    if (!ip_reasm_acceptable(r, f))
        return IP_REASM_DROPPED;

    struct ip_reasm_key k;
    memset(&k, 0, sizeof(k));
    memcpy(k.src, f->src, sizeof(k.src));
    memcpy(k.dst, f->dst, sizeof(k.dst));
    k.id = f->id;
    k.context = f->context;
    k.version = f->version;
    k.proto = f->version == 4 ? f->proto : 0;
    uint32_t bucket = ip_reasm_hash(&k) & r->bucket_mask;
    uint32_t idx = ip_reasm_find(r, &k, bucket);
    if (idx == IP_REASM_NONE)
        idx = ip_reasm_start(r, &k, bucket, now_us);
    struct ip_reasm_dg *d = &r->dgs[idx];
    if (d->dead) {
        r->st.late++;
        return IP_REASM_DROPPED;
    }

    uint32_t offset = f->offset, end = f->offset + (uint32_t)f->data.n;
    /* The last fragment fixes the length; every other must stay inside it,
     * and a second last fragment must agree. Disagreeing ends leave no
     * length to trust: the datagram goes. */
    if ((!f->more && ((d->have_last && d->total != end) || end < d->max_end)) ||
        (f->more && d->have_last && end > d->total)) {
        r->st.malformed++;
        ip_reasm_release(r, idx);
        return IP_REASM_DROPPED;
    }

    bool equal;
    uint32_t held = ip_reasm_held_in(r, d, offset, end, f->data.p, &equal);
    uint32_t units = (end + 7) / 8 - offset / 8;
    if (held > 0 && held == units && equal) {
        r->st.duplicates++;
        return IP_REASM_HELD;
    }
    if (held > 0) {
        if (f->version == 6) {
            /* RFC 5722: the datagram and all its fragments, also those
             * still to come, are discarded. The slot stays as a marker
             * until the timeout, holding no data. */
            r->st.rfc5722_dropped++;
            ip_reasm_release_chunks(r, d);
            d->dead = true;
            return IP_REASM_DROPPED;
        }
        r->st.overlaps++;
    }

    if (!ip_reasm_reserve(r, idx, offset, end)) {
        r->st.evicted++;
        ip_reasm_release(r, idx);
        return IP_REASM_DROPPED;
    }
    for (uint32_t u = offset / 8; u < (end + 7) / 8; u++) {
        if (ip_reasm_unit_held(d, u))
            continue; /* first copy wins */
        uint32_t a = u * 8, b = a + 8 < end ? a + 8 : end;
        for (uint32_t pos = a; pos < b; pos++)
            *ip_reasm_at(r, d, pos) = f->data.p[pos - offset];
        d->held[u / 64] |= (uint64_t)1 << (u % 64);
        d->units_held++;
    }
    if (offset == 0 && !d->have_first) {
        memcpy(d->header, f->header.p, f->header.n);
        d->header_len = (uint16_t)f->header.n;
        d->next_header_at = (uint16_t)f->next_header_at;
        d->first_next = f->proto;
        d->have_first = true;
    }
    if (!f->more) {
        d->have_last = true;
        d->total = end;
    }
    if (end > d->max_end)
        d->max_end = end;

    if (!d->have_first || !d->have_last || d->units_held != (d->total + 7) / 8)
        return IP_REASM_HELD;
    /* IPv4's total length and IPv6's payload length are 16 bits. */
    uint32_t length_field = d->key.version == 4 ? d->header_len + d->total
                                                : d->header_len - IP_REASM_IPV6_HDR + d->total;
    if (length_field > IP_REASM_IP_MAX) {
        r->st.too_big++;
        ip_reasm_release(r, idx);
        return IP_REASM_DROPPED;
    }
    *datagram = ip_reasm_build(r, d);
    r->st.reassembled++;
    ip_reasm_release(r, idx);
    return IP_REASM_DONE;
}
