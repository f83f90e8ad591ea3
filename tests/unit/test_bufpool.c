/* test_bufpool.c - common/bufpool.c: power-of-two size classes, recycling
 * through free lists (the same memory comes back), the budget (a refusal is
 * counted in `denied`), requests above BUFPOOL_MAX, bufpool_grow keeping the
 * live bytes, the in_use/peak/cached statistics, and bufpool_release_all.
 *
 * The pool belongs to its caller: every test starts from a fresh one
 * (bufpool_init), returns every buffer it took, and checks in_use is back to
 * zero (the teardown frees the free lists). Two pools in one process keep
 * separate budgets, lists and counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/bufpool.h"

static struct bufpool pool;

static struct bufpool_stats stats(void)
{
    struct bufpool_stats s;
    bufpool_get_stats(&pool, &s);
    return s;
}

static int setup(void **state)
{
    (void)state;
    bufpool_init(&pool, BUFPOOL_DEFAULT_BUDGET);
    struct bufpool_stats s = stats();
    return s.in_use == 0 && s.cached == 0 && s.peak == 0 && s.denied == 0 && s.budget == 64u << 20 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    struct bufpool_stats s = stats();
    bufpool_release_all(&pool);
    return s.in_use == 0 ? 0 : -1;
}

static void test_size_classes(void **state)
{
    (void)state;
    static const struct { size_t want, cap; } cases[] = {
        { 0, 512 },
        { 1, 512 },
        { 511, 512 },
        { 512, 512 },
        { 513, 1024 },
        { 1024, 1024 },
        { 1025, 2048 },
        { 4096, 4096 },
        { 70000, 131072 },
        { BUFPOOL_MAX - 1, BUFPOOL_MAX },
        { BUFPOOL_MAX, BUFPOOL_MAX },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t cap = 0;
        uint8_t *b = bufpool_get(&pool, cases[i].want, &cap);
        assert_non_null(b);
        assert_int_equal(cap, cases[i].cap);
        assert_int_equal(stats().in_use, cap);
        /* The whole capacity is usable (ASan checks the last byte). */
        memset(b, 0xa5, cap);
        bufpool_put(&pool, b, cap);
        assert_int_equal(stats().in_use, 0);
    }
    assert_int_equal(BUFPOOL_MIN, 512);
    assert_int_equal(BUFPOOL_MAX, 16u << 20); /* a 24-bit handshake length fits */
    assert_int_equal(BUFPOOL_CLASSES, 16);
}

static void test_reuse_same_pointer(void **state)
{
    (void)state;
    size_t cap1, cap2, cap3;
    void *a = bufpool_get(&pool, 100, &cap1);
    assert_non_null(a);
    bufpool_put(&pool, a, cap1);
    assert_int_equal(stats().cached, 512);
    /* Any size in the same class gets the cached buffer back. */
    void *b = bufpool_get(&pool, 400, &cap2);
    assert_ptr_equal(b, a);
    assert_int_equal(cap2, 512);
    assert_int_equal(stats().cached, 0);

    /* Another class does not take it. */
    bufpool_put(&pool, b, cap2);
    void *c = bufpool_get(&pool, 600, &cap3);
    assert_non_null(c);
    assert_ptr_not_equal(c, a);
    assert_int_equal(cap3, 1024);
    assert_int_equal(stats().cached, 512);

    /* Free lists are LIFO: the last returned comes out first. */
    size_t capx, capy;
    void *x = bufpool_get(&pool, 10, &capx); /* the cached `a` */
    assert_ptr_equal(x, a);
    void *y = bufpool_get(&pool, 10, &capy); /* a fresh one */
    assert_ptr_not_equal(y, x);
    bufpool_put(&pool, x, capx);
    bufpool_put(&pool, y, capy);
    size_t cap;
    assert_ptr_equal(bufpool_get(&pool, 10, &cap), y);
    assert_ptr_equal(bufpool_get(&pool, 10, &cap), x);
    bufpool_put(&pool, x, capx);
    bufpool_put(&pool, y, capy);
    bufpool_put(&pool, c, cap3);
    assert_int_equal(stats().in_use, 0);
    assert_int_equal(stats().cached, 512 + 512 + 1024);

    bufpool_put(&pool, NULL, 512); /* harmless */
    assert_int_equal(stats().cached, 512 + 512 + 1024);
}

static void test_budget_refusal(void **state)
{
    (void)state;
    bufpool_set_budget(&pool, 1024);
    uint64_t denied0 = stats().denied;
    size_t c1, c2, c3;
    void *a = bufpool_get(&pool, 1, &c1);
    void *b = bufpool_get(&pool, 512, &c2);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(stats().in_use, 1024);
    c3 = 12345;
    assert_null(bufpool_get(&pool, 1, &c3));
    assert_int_equal(c3, 12345); /* not written on refusal */
    assert_int_equal(stats().denied, denied0 + 1);
    assert_int_equal(stats().in_use, 1024);

    /* Budget counts class sizes: 513 bytes need 1024 even with 512 free. */
    bufpool_put(&pool, b, c2);
    assert_null(bufpool_get(&pool, 513, &c3));
    assert_int_equal(stats().denied, denied0 + 2);
    /* A cached buffer is still refused over budget (cache is not in_use,
     * but handing it out would be). */
    void *d = bufpool_get(&pool, 512, &c3);
    assert_ptr_equal(d, b);
    assert_null(bufpool_get(&pool, 512, &c3));
    assert_int_equal(stats().denied, denied0 + 3);
    bufpool_put(&pool, d, 512);
    bufpool_put(&pool, a, c1);

    /* Raising the budget lets the same request through. */
    bufpool_set_budget(&pool, 2048);
    void *e = bufpool_get(&pool, 2048, &c3);
    assert_non_null(e);
    assert_int_equal(c3, 2048);
    bufpool_put(&pool, e, c3);

    /* A zero budget refuses everything. */
    bufpool_set_budget(&pool, 0);
    assert_null(bufpool_get(&pool, 0, &c3));
    assert_int_equal(stats().denied, denied0 + 4);
}

static void test_too_large(void **state)
{
    (void)state;
    uint64_t denied0 = stats().denied;
    size_t cap = 7;
    assert_null(bufpool_get(&pool, BUFPOOL_MAX + 1, &cap));
    assert_null(bufpool_get(&pool, SIZE_MAX, &cap));
    assert_int_equal(cap, 7);
    assert_int_equal(stats().denied, denied0 + 2);
    assert_int_equal(stats().in_use, 0);

    /* grow beyond BUFPOOL_MAX is refused and leaves the buffer alone. */
    void *buf = bufpool_get(&pool, 10, &cap);
    assert_non_null(buf);
    memcpy(buf, "keep", 4);
    void *old = buf;
    size_t oldcap = cap;
    assert_int_equal(bufpool_grow(&pool, &buf, &cap, 4, BUFPOOL_MAX + 1), -1);
    assert_ptr_equal(buf, old);
    assert_int_equal(cap, oldcap);
    assert_memory_equal(buf, "keep", 4);
    assert_int_equal(stats().denied, denied0 + 3);
    bufpool_put(&pool, buf, cap);
}

static void test_grow(void **state)
{
    (void)state;
    /* From nothing. */
    void *buf = NULL;
    size_t cap = 0;
    assert_int_equal(bufpool_grow(&pool, &buf, &cap, 0, 100), 0);
    assert_non_null(buf);
    assert_int_equal(cap, 512);

    /* Within capacity: nothing moves. */
    void *same = buf;
    assert_int_equal(bufpool_grow(&pool, &buf, &cap, 0, 512), 0);
    assert_ptr_equal(buf, same);
    assert_int_equal(cap, 512);

    /* Past capacity: a bigger class, live bytes kept, old buffer returned. */
    uint8_t pattern[512];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 7 + 1);
    const size_t used = 300;
    memcpy(buf, pattern, used);
    assert_int_equal(bufpool_grow(&pool, &buf, &cap, used, 2000), 0);
    assert_int_equal(cap, 2048);
    assert_memory_equal(buf, pattern, used);
    assert_int_equal(stats().in_use, 2048);
    assert_int_equal(stats().cached, 512);

    /* Again up to the largest class. */
    assert_int_equal(bufpool_grow(&pool, &buf, &cap, used, BUFPOOL_MAX), 0);
    assert_int_equal(cap, BUFPOOL_MAX);
    assert_memory_equal(buf, pattern, used);
    assert_int_equal(stats().in_use, BUFPOOL_MAX);

    /* Refused by the budget: -1 and the buffer unchanged. */
    bufpool_put(&pool, buf, cap);
    bufpool_set_budget(&pool, 1024);
    buf = bufpool_get(&pool, 1, &cap);
    memcpy(buf, pattern, 512);
    void *before = buf;
    uint64_t denied0 = stats().denied;
    assert_int_equal(bufpool_grow(&pool, &buf, &cap, 512, 600), -1);
    assert_ptr_equal(buf, before);
    assert_int_equal(cap, 512);
    assert_memory_equal(buf, pattern, 512);
    assert_int_equal(stats().denied, denied0 + 1);
    assert_int_equal(stats().in_use, 512);
    bufpool_put(&pool, buf, cap);
    assert_int_equal(stats().in_use, 0);
}

static void test_stats_in_use_peak(void **state)
{
    (void)state;
    struct bufpool_stats s0 = stats();
    assert_int_equal(s0.in_use, 0);
    bufpool_set_budget(&pool, s0.peak + 4 * BUFPOOL_MAX);
    /* Take enough to pass the previous high-water mark. */
    size_t k = (size_t)(s0.peak / BUFPOOL_MAX) + 2;
    void **bufs = calloc(k, sizeof *bufs);
    assert_non_null(bufs);
    size_t cap = 0;
    for (size_t i = 0; i < k; i++) {
        bufs[i] = bufpool_get(&pool, BUFPOOL_MAX, &cap);
        assert_non_null(bufs[i]);
        assert_int_equal(stats().in_use, (i + 1) * BUFPOOL_MAX);
    }
    uint64_t high = (uint64_t)k * BUFPOOL_MAX;
    assert_true(high > s0.peak);
    assert_int_equal(stats().peak, high);
    for (size_t i = 0; i < k; i++)
        bufpool_put(&pool, bufs[i], cap);
    struct bufpool_stats s1 = stats();
    assert_int_equal(s1.in_use, 0);
    assert_int_equal(s1.peak, high); /* the mark stays */
    assert_int_equal(s1.cached, high);
    assert_int_equal(s1.budget, s0.peak + 4 * BUFPOOL_MAX);
    /* Reusing cached buffers up to the mark does not move it. */
    bufs[0] = bufpool_get(&pool, 1, &cap);
    assert_int_equal(stats().peak, high);
    bufpool_put(&pool, bufs[0], cap);
    free(bufs);
}

static void test_release_all(void **state)
{
    (void)state;
    size_t c1, c2;
    void *a = bufpool_get(&pool, 100, &c1);
    void *b = bufpool_get(&pool, 5000, &c2);
    assert_non_null(a);
    assert_non_null(b);
    bufpool_put(&pool, a, c1);
    bufpool_put(&pool, b, c2);
    assert_int_equal(stats().cached, 512 + 8192);
    bufpool_release_all(&pool);
    assert_int_equal(stats().cached, 0);
    assert_int_equal(stats().in_use, 0);
    /* The pool works after a release (fresh memory from malloc). */
    void *c = bufpool_get(&pool, 100, &c1);
    assert_non_null(c);
    memset(c, 0, c1);
    /* Buffers in use are not touched by release_all. */
    bufpool_release_all(&pool);
    assert_int_equal(stats().in_use, 512);
    memset(c, 1, c1);
    bufpool_put(&pool, c, c1);
    assert_int_equal(stats().cached, 512);
}

/* Two pools in one process: each has its own budget, free lists and
 * counters (the engine owns one; a second engine or a test owns another). */
static void test_pools_are_separate(void **state)
{
    (void)state;
    struct bufpool other;
    bufpool_init(&other, 1024);
    bufpool_set_budget(&pool, 512);
    size_t ca, cb, cc;
    void *a = bufpool_get(&pool, 1, &ca);
    void *b = bufpool_get(&other, 1, &cb);
    assert_non_null(a);
    assert_non_null(b);
    /* `pool` is at its budget; `other` still has 512 bytes of its own. */
    assert_null(bufpool_get(&pool, 1, &cc));
    void *c = bufpool_get(&other, 1, &cc);
    assert_non_null(c);
    assert_null(bufpool_get(&other, 1, &cc));
    struct bufpool_stats so;
    bufpool_get_stats(&other, &so);
    assert_int_equal(stats().in_use, 512);
    assert_int_equal(stats().denied, 1);
    assert_int_equal(so.in_use, 1024);
    assert_int_equal(so.peak, 1024);
    assert_int_equal(so.denied, 1);
    assert_int_equal(so.budget, 1024);
    /* A buffer put back goes to its own pool's free list only. */
    bufpool_put(&other, b, cb);
    bufpool_get_stats(&other, &so);
    assert_int_equal(so.cached, 512);
    assert_int_equal(stats().cached, 0);
    bufpool_put(&pool, a, ca);
    void *again = bufpool_get(&pool, 1, &ca);
    assert_ptr_equal(again, a);
    bufpool_put(&pool, again, ca);
    bufpool_put(&other, c, cc);
    bufpool_release_all(&other);
    bufpool_get_stats(&other, &so);
    assert_int_equal(so.in_use, 0);
    assert_int_equal(so.cached, 0);
    assert_int_equal(stats().cached, 512); /* releasing `other` left `pool` alone */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_size_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_same_pointer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_refusal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_in_use_peak, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pools_are_separate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
