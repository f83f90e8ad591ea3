/* test_util.h - the few helpers that several unit tests share.
 *
 * - test_exact_copy, test_exact_copy_plus: a parser's input on the heap at
 *   its exact size (STYLE.md, "Tests and fuzzing"), so that AddressSanitizer
 *   reports a read even one byte past the end, which a static or stack array
 *   with neighbours would hide.
 * - test_pool, test_pool_begin, test_pool_held, test_pool_end: the pool
 *   handed to modules that borrow buffers (common/bufpool.h), and checks
 *   that every buffer a test took went back.
 *
 * Each unit test is one file and one binary, so everything here is static
 * (inline): nothing to link, nothing left over where it is unused.
 */
#ifndef TLSSCOPE_TEST_UTIL_H
#define TLSSCOPE_TEST_UTIL_H

/* cmocka 1.1.5 needs these before <cmocka.h>. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/bufpool.h"

/* A heap copy of the `n` bytes at `p`, exactly `n` bytes long; free() it.
 * For n == 0 one byte is allocated (malloc(0) may return NULL) but nothing
 * is copied, and a span over it says 0, so it is never read. */
static inline uint8_t *test_exact_copy(const void *p, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    if (n)
        memcpy(b, p, n);
    return b;
}

/* The same with the byte `extra` appended: n + 1 bytes, for the "one
 * trailing byte" case. */
static inline uint8_t *test_exact_copy_plus(const void *p, size_t n, uint8_t extra)
{
    uint8_t *b = malloc(n + 1);
    assert_non_null(b);
    if (n)
        memcpy(b, p, n);
    b[n] = extra;
    return b;
}

/* The pool the module under test borrows from: each test binary owns one,
 * as the engine does (common/bufpool.h), with the default budget. */
static struct bufpool test_pool = { .stats = { .budget = BUFPOOL_DEFAULT_BUDGET } };

/* Bytes test_pool has handed out and not taken back. */
static inline uint64_t test_pool_in_use(void)
{
    struct bufpool_stats s;
    bufpool_get_stats(&test_pool, &s);
    return s.in_use;
}

/* What was in use when the current test began. Not simply zero: a failed
 * test leaks the buffers it held, and the tests after it should not fail
 * because of that. */
static uint64_t test_pool_mark;

/* For a setup function: marks what is in use now and gives the pool the
 * default budget (64 MiB), whatever an earlier test set. */
static inline void test_pool_begin(void)
{
    test_pool_mark = test_pool_in_use();
    bufpool_set_budget(&test_pool, BUFPOOL_DEFAULT_BUDGET);
}

/* Pool bytes taken since test_pool_begin and not yet returned. */
static inline uint64_t test_pool_held(void)
{
    return test_pool_in_use() - test_pool_mark;
}

/* For a teardown function: true when every buffer taken since
 * test_pool_begin went back. Either way the free lists are emptied (so a
 * leak checker sees a clean heap at exit) and the budget is restored. */
static inline bool test_pool_end(void)
{
    bool ok = test_pool_held() == 0;
    bufpool_release_all(&test_pool);
    bufpool_set_budget(&test_pool, BUFPOOL_DEFAULT_BUDGET);
    return ok;
}

#endif
