/* dh_groups.c - see dh_groups.h. */
#include "dissect/dh_groups.h"

#include <string.h>

#include "common/digest.h"

static const struct dh_group groups[] = {
#define DH_GROUP(name, bits, named_group, ...) { name, bits, named_group, __VA_ARGS__ },
#include "dissect/dh_groups_table.h"
#undef DH_GROUP
};

_Static_assert(sizeof groups / sizeof groups[0] < 255, "ids fit in a uint8_t");

uint8_t dh_group_find(struct span p)
{
    uint8_t b;
    while (span_peek(&p, 0, &b) && b == 0)
        span_skip(&p, 1);
    if (!span_ok(&p) || p.n == 0)
        return 0;
    size_t bits = p.n * 8;
    for (uint8_t top = b; !(top & 0x80); top = (uint8_t)(top << 1))
        bits--;
    uint8_t digest[32];
    bool hashed = false;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        if (groups[i].bits != bits)
            continue; /* most DHE primes are none of these: no hash for them */
        if (!hashed) {
            digest_sha256(p.p, p.n, digest);
            hashed = true;
        }
        if (memcmp(digest, groups[i].sha256, sizeof digest) == 0)
            return (uint8_t)(i + 1);
    }
    return 0;
}

const struct dh_group *dh_group_get(uint8_t id)
{
    if (id == 0 || id > sizeof groups / sizeof groups[0])
        return NULL;
    return &groups[id - 1];
}
