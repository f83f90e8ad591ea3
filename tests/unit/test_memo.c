/* test_memo.c - common/memo.c: a value comes back under its exact (tag, key)
 * only; another tag, a longer or shorter key or one byte different is a miss;
 * a slot is taken over by a later key (counted as replaced); a key and value
 * too large for a slot are not kept (counted); a NULL memo is always a miss;
 * the counters add up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/memo.h"

static void expect_remembered(struct memo *m, uint8_t tag, const char *key, const char *want)
{
    const void *val = NULL;
    size_t n = 0;
    assert_true(memo_get(m, tag, key, strlen(key), &val, &n));
    assert_int_equal(n, strlen(want));
    assert_memory_equal(val, want, n);
}

static void expect_miss(struct memo *m, uint8_t tag, const void *key, size_t len)
{
    const void *val = NULL;
    size_t n = 0;
    assert_false(memo_get(m, tag, key, len, &val, &n));
}

static void test_exact_key_and_tag(void **state)
{
    (void)state;
    struct memo *m = memo_new(64, 256);
    assert_non_null(m);
    expect_miss(m, 1, "abc", 3);
    memo_put(m, 1, "abc", 3, "[\"x\"]", 5);
    expect_remembered(m, 1, "abc", "[\"x\"]");
    expect_miss(m, 2, "abc", 3);   /* another tag */
    expect_miss(m, 1, "abcd", 4);  /* longer */
    expect_miss(m, 1, "ab", 2);    /* shorter */
    expect_miss(m, 1, "abd", 3);   /* one byte different */
    /* The same key under another tag is a value of its own. */
    memo_put(m, 2, "abc", 3, "two", 3);
    expect_remembered(m, 2, "abc", "two");
    struct memo_stats st = memo_stats(m);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 5);
    assert_int_equal(st.not_stored, 0);
    memo_free(m);
}

/* Binary keys with NULs, an empty value, and a key of every length 0..40
 * (the hash reads eight bytes at a time, then the tail). */
static void test_lengths_and_binary(void **state)
{
    (void)state;
    struct memo *m = memo_new(1024, 128);
    assert_non_null(m);
    uint8_t key[40];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 37u);
    key[3] = 0;
    for (size_t len = 0; len <= sizeof key; len++) {
        char val[8];
        int n = snprintf(val, sizeof val, "%zu", len);
        memo_put(m, 7, key, len, val, (size_t)n);
    }
    size_t found = 0;
    for (size_t len = 0; len <= sizeof key; len++) {
        const void *val;
        size_t n;
        char want[8];
        int wn = snprintf(want, sizeof want, "%zu", len);
        /* Direct-mapped: a later key may have taken this one's slot; what
         * comes back is never another key's value. */
        if (memo_get(m, 7, key, len, &val, &n)) {
            assert_int_equal(n, (size_t)wn);
            assert_memory_equal(val, want, n);
            found++;
        }
    }
    assert_true(found >= 30); /* 41 keys in 1024 slots: collisions are rare */
    memo_put(m, 9, "k", 1, "", 0);
    const void *val;
    size_t n = 99;
    assert_true(memo_get(m, 9, "k", 1, &val, &n));
    assert_int_equal(n, 0);
    memo_free(m);
}

/* One set of two ways: two keys live side by side; a third takes the way
 * used less recently; putting a key again updates it in place. */
static void test_replacement(void **state)
{
    (void)state;
    struct memo *m = memo_new(1, 64); /* rounded up to one set of two */
    assert_non_null(m);
    memo_put(m, 1, "first", 5, "1", 1);
    memo_put(m, 1, "second", 6, "2", 1);
    expect_remembered(m, 1, "first", "1"); /* now the more recent */
    expect_remembered(m, 1, "second", "2"); /* now second is */
    expect_remembered(m, 1, "first", "1");  /* and first again */
    memo_put(m, 1, "third", 5, "3", 1);     /* takes second's way */
    expect_miss(m, 1, "second", 6);
    expect_remembered(m, 1, "first", "1");
    expect_remembered(m, 1, "third", "3");
    assert_int_equal(memo_stats(m).replaced, 1);
    memo_put(m, 1, "third", 5, "33", 2);    /* the same key: updated, nothing replaced */
    expect_remembered(m, 1, "third", "33");
    expect_remembered(m, 1, "first", "1");
    assert_int_equal(memo_stats(m).replaced, 1);
    memo_free(m);
}

/* Key and value share a slot's bytes: exactly full is kept, one more is not. */
static void test_too_large(void **state)
{
    (void)state;
    struct memo *m = memo_new(4, 16);
    assert_non_null(m);
    memo_put(m, 1, "0123456789", 10, "abcdef", 6); /* 16: fits */
    expect_remembered(m, 1, "0123456789", "abcdef");
    memo_put(m, 1, "0123456789", 10, "abcdefg", 7); /* 17: not kept, old value stays */
    expect_remembered(m, 1, "0123456789", "abcdef");
    memo_put(m, 1, "0123456789abcdefg", 17, "", 0); /* key alone too long */
    expect_miss(m, 1, "0123456789abcdefg", 17);
    assert_int_equal(memo_stats(m).not_stored, 2);
    memo_free(m);
}

static void test_null_and_bad_sizes(void **state)
{
    (void)state;
    expect_miss(NULL, 1, "a", 1);
    memo_put(NULL, 1, "a", 1, "b", 1); /* nothing happens */
    assert_int_equal(memo_stats(NULL).hits, 0);
    assert_null(memo_new(0, 16));
    assert_null(memo_new(16, 0));
    memo_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_key_and_tag),
        cmocka_unit_test(test_lengths_and_binary),
        cmocka_unit_test(test_replacement),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_null_and_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
