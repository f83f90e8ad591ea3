/* test_bufpool.c - common/bufpool.c: power-of-two size classes, recycling
 * through free lists (the same memory comes back), the budget (a refusal is
 * counted in `denied`), requests above BUFPOOL_MAX, bufpool_grow keeping the
 * live bytes, the in_use/peak/cached statistics, and bufpool_release_all.
 *
 * The pool is global state: every test sets its own budget, returns every
 * buffer it took, and checks in_use is back to zero (the teardown frees the
 * free lists so tests do not see each other's cached buffers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/bufpool.h"

static struct bufpool_stats stats(void)
{
    struct bufpool_stats s;
    bufpool_get_stats(&s);
    return s;
}

static int setup(void **state)
{
    (void)state;
    bufpool_release_all();
    bufpool_set_budget(64u << 20);
    struct bufpool_stats s = stats();
    return s.in_use == 0 && s.cached == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    struct bufpool_stats s = stats();
    bufpool_release_all();
    bufpool_set_budget(64u << 20);
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
        uint8_t *b = bufpool_get(cases[i].want, &cap);
        assert_non_null(b);
        assert_int_equal(cap, cases[i].cap);
        assert_int_equal(stats().in_use, cap);
        /* The whole capacity is usable (ASan checks the last byte). */
        memset(b, 0xa5, cap);
        bufpool_put(b, cap);
        assert_int_equal(stats().in_use, 0);
    }
    assert_int_equal(BUFPOOL_MIN, 512);
    assert_int_equal(BUFPOOL_CLASSES, 10);
}

static void test_reuse_same_pointer(void **state)
{
    (void)state;
    size_t cap1, cap2, cap3;
    void *a = bufpool_get(100, &cap1);
    assert_non_null(a);
    bufpool_put(a, cap1);
    assert_int_equal(stats().cached, 512);
    /* Any size in the same class gets the cached buffer back. */
    void *b = bufpool_get(400, &cap2);
    assert_ptr_equal(b, a);
    assert_int_equal(cap2, 512);
    assert_int_equal(stats().cached, 0);

    /* Another class does not take it. */
    bufpool_put(b, cap2);
    void *c = bufpool_get(600, &cap3);
    assert_non_null(c);
    assert_ptr_not_equal(c, a);
    assert_int_equal(cap3, 1024);
    assert_int_equal(stats().cached, 512);

    /* Free lists are LIFO: the last returned comes out first. */
    size_t capx, capy;
    void *x = bufpool_get(10, &capx); /* the cached `a` */
    assert_ptr_equal(x, a);
    void *y = bufpool_get(10, &capy); /* a fresh one */
    assert_ptr_not_equal(y, x);
    bufpool_put(x, capx);
    bufpool_put(y, capy);
    size_t cap;
    assert_ptr_equal(bufpool_get(10, &cap), y);
    assert_ptr_equal(bufpool_get(10, &cap), x);
    bufpool_put(x, capx);
    bufpool_put(y, capy);
    bufpool_put(c, cap3);
    assert_int_equal(stats().in_use, 0);
    assert_int_equal(stats().cached, 512 + 512 + 1024);

    bufpool_put(NULL, 512); /* harmless */
    assert_int_equal(stats().cached, 512 + 512 + 1024);
}

static void test_budget_refusal(void **state)
{
    (void)state;
    bufpool_set_budget(1024);
    uint64_t denied0 = stats().denied;
    size_t c1, c2, c3;
    void *a = bufpool_get(1, &c1);
    void *b = bufpool_get(512, &c2);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(stats().in_use, 1024);
    c3 = 12345;
    assert_null(bufpool_get(1, &c3));
    assert_int_equal(c3, 12345); /* not written on refusal */
    assert_int_equal(stats().denied, denied0 + 1);
    assert_int_equal(stats().in_use, 1024);

    /* Budget counts class sizes: 513 bytes need 1024 even with 512 free. */
    bufpool_put(b, c2);
    assert_null(bufpool_get(513, &c3));
    assert_int_equal(stats().denied, denied0 + 2);
    /* A cached buffer is still refused over budget (cache is not in_use,
     * but handing it out would be). */
    void *d = bufpool_get(512, &c3);
    assert_ptr_equal(d, b);
    assert_null(bufpool_get(512, &c3));
    assert_int_equal(stats().denied, denied0 + 3);
    bufpool_put(d, 512);
    bufpool_put(a, c1);

    /* Raising the budget lets the same request through. */
    bufpool_set_budget(2048);
    void *e = bufpool_get(2048, &c3);
    assert_non_null(e);
    assert_int_equal(c3, 2048);
    bufpool_put(e, c3);

    /* A zero budget refuses everything. */
    bufpool_set_budget(0);
    assert_null(bufpool_get(0, &c3));
    assert_int_equal(stats().denied, denied0 + 4);
}

static void test_too_large(void **state)
{
    (void)state;
    uint64_t denied0 = stats().denied;
    size_t cap = 7;
    assert_null(bufpool_get(BUFPOOL_MAX + 1, &cap));
    assert_null(bufpool_get(SIZE_MAX, &cap));
    assert_int_equal(cap, 7);
    assert_int_equal(stats().denied, denied0 + 2);
    assert_int_equal(stats().in_use, 0);

    /* grow beyond BUFPOOL_MAX is refused and leaves the buffer alone. */
    void *buf = bufpool_get(10, &cap);
    assert_non_null(buf);
    memcpy(buf, "keep", 4);
    void *old = buf;
    size_t oldcap = cap;
    assert_int_equal(bufpool_grow(&buf, &cap, 4, BUFPOOL_MAX + 1), -1);
    assert_ptr_equal(buf, old);
    assert_int_equal(cap, oldcap);
    assert_memory_equal(buf, "keep", 4);
    assert_int_equal(stats().denied, denied0 + 3);
    bufpool_put(buf, cap);
}

static void test_grow(void **state)
{
    (void)state;
    /* From nothing. */
    void *buf = NULL;
    size_t cap = 0;
    assert_int_equal(bufpool_grow(&buf, &cap, 0, 100), 0);
    assert_non_null(buf);
    assert_int_equal(cap, 512);

    /* Within capacity: nothing moves. */
    void *same = buf;
    assert_int_equal(bufpool_grow(&buf, &cap, 0, 512), 0);
    assert_ptr_equal(buf, same);
    assert_int_equal(cap, 512);

    /* Past capacity: a bigger class, live bytes kept, old buffer returned. */
    uint8_t pattern[512];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 7 + 1);
    const size_t used = 300;
    memcpy(buf, pattern, used);
    assert_int_equal(bufpool_grow(&buf, &cap, used, 2000), 0);
    assert_int_equal(cap, 2048);
    assert_memory_equal(buf, pattern, used);
    assert_int_equal(stats().in_use, 2048);
    assert_int_equal(stats().cached, 512);

    /* Again up to the largest class. */
    assert_int_equal(bufpool_grow(&buf, &cap, used, BUFPOOL_MAX), 0);
    assert_int_equal(cap, BUFPOOL_MAX);
    assert_memory_equal(buf, pattern, used);
    assert_int_equal(stats().in_use, BUFPOOL_MAX);

    /* Refused by the budget: -1 and the buffer unchanged. */
    bufpool_put(buf, cap);
    bufpool_set_budget(1024);
    buf = bufpool_get(1, &cap);
    memcpy(buf, pattern, 512);
    void *before = buf;
    uint64_t denied0 = stats().denied;
    assert_int_equal(bufpool_grow(&buf, &cap, 512, 600), -1);
    assert_ptr_equal(buf, before);
    assert_int_equal(cap, 512);
    assert_memory_equal(buf, pattern, 512);
    assert_int_equal(stats().denied, denied0 + 1);
    assert_int_equal(stats().in_use, 512);
    bufpool_put(buf, cap);
    assert_int_equal(stats().in_use, 0);
}

static void test_stats_in_use_peak(void **state)
{
    (void)state;
    struct bufpool_stats s0 = stats();
    assert_int_equal(s0.in_use, 0);
    bufpool_set_budget(s0.peak + 4 * BUFPOOL_MAX);
    /* Take enough to pass the previous high-water mark. */
    size_t k = (size_t)(s0.peak / BUFPOOL_MAX) + 2;
    void **bufs = calloc(k, sizeof *bufs);
    assert_non_null(bufs);
    size_t cap = 0;
    for (size_t i = 0; i < k; i++) {
        bufs[i] = bufpool_get(BUFPOOL_MAX, &cap);
        assert_non_null(bufs[i]);
        assert_int_equal(stats().in_use, (i + 1) * BUFPOOL_MAX);
    }
    uint64_t high = (uint64_t)k * BUFPOOL_MAX;
    assert_true(high > s0.peak);
    assert_int_equal(stats().peak, high);
    for (size_t i = 0; i < k; i++)
        bufpool_put(bufs[i], cap);
    struct bufpool_stats s1 = stats();
    assert_int_equal(s1.in_use, 0);
    assert_int_equal(s1.peak, high); /* the mark stays */
    assert_int_equal(s1.cached, high);
    assert_int_equal(s1.budget, s0.peak + 4 * BUFPOOL_MAX);
    /* Reusing cached buffers up to the mark does not move it. */
    bufs[0] = bufpool_get(1, &cap);
    assert_int_equal(stats().peak, high);
    bufpool_put(bufs[0], cap);
    free(bufs);
}

static void test_release_all(void **state)
{
    (void)state;
    size_t c1, c2;
    void *a = bufpool_get(100, &c1);
    void *b = bufpool_get(5000, &c2);
    assert_non_null(a);
    assert_non_null(b);
    bufpool_put(a, c1);
    bufpool_put(b, c2);
    assert_int_equal(stats().cached, 512 + 8192);
    bufpool_release_all();
    assert_int_equal(stats().cached, 0);
    assert_int_equal(stats().in_use, 0);
    /* The pool works after a release (fresh memory from malloc). */
    void *c = bufpool_get(100, &c1);
    assert_non_null(c);
    memset(c, 0, c1);
    /* Buffers in use are not touched by release_all. */
    bufpool_release_all();
    assert_int_equal(stats().in_use, 512);
    memset(c, 1, c1);
    bufpool_put(c, c1);
    assert_int_equal(stats().cached, 512);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
