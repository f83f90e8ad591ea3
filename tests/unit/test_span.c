/* test_span.c - common/span.h: every reader at its exact length and on every
 * strict prefix, poisoning (a failed read empties the span, and sub-spans of a
 * poisoned span are poisoned), span_done, length-prefixed vectors whose
 * length lies, span_peek, and that the cursor never moves past its end.
 *
 * Inputs are copied into exact-size heap buffers so AddressSanitizer catches
 * any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "common/span.h"
#include "test_util.h"

/* The span is poisoned: bad, empty, and its pointer still inside [base, base + len]. */
static void assert_poisoned(const struct span *s, const uint8_t *base, size_t len)
{
    assert_true(s->bad);
    assert_false(span_ok(s));
    assert_false(span_done(s));
    assert_int_equal(s->n, 0);
    if (s->p) {
        assert_true(s->p >= base);
        assert_true(s->p <= base + len);
    }
}

static const uint8_t bytes8[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

static void test_make(void **state)
{
    (void)state;
    struct span s = span_make(bytes8, sizeof bytes8);
    assert_ptr_equal(s.p, bytes8);
    assert_int_equal(s.n, 8);
    assert_true(span_ok(&s));
    assert_false(span_done(&s));

    /* A NULL pointer never carries a length. */
    s = span_make(NULL, 5);
    assert_null(s.p);
    assert_int_equal(s.n, 0);
    assert_true(span_ok(&s));
    assert_true(span_done(&s));
    assert_int_equal(span_u8(&s), 0);
    assert_true(s.bad);

    s = span_poisoned();
    assert_true(s.bad);
    assert_int_equal(s.n, 0);
    assert_false(span_done(&s));
    assert_false(span_has(&s, 0));
}

/* The fixed-size readers, by number, for check_reader. */
enum reader { READ_U8, READ_U16, READ_U24, READ_U32, READ_U32LE };

static uint32_t read_with(enum reader r, struct span *s)
{
    switch (r) {
    case READ_U8: return span_u8(s);
    case READ_U16: return span_u16(s);
    case READ_U24: return span_u24(s);
    case READ_U32: return span_u32(s);
    default: return span_u32le(s);
    }
}

/* One fixed-size reader: at its exact length it reads `want` and ends done,
 * just past the input; on every strict prefix (one byte short included) it
 * poisons and returns 0 without moving. Each input is its own exact-size
 * heap copy. */
static void check_reader(enum reader r, const char *in, size_t len, uint32_t want)
{
    uint8_t *b = test_exact_copy(in, len);
    struct span s = span_make(b, len);
    assert_int_equal(read_with(r, &s), want);
    assert_true(span_done(&s));
    assert_ptr_equal(s.p, b + len);
    free(b);

    for (size_t k = 0; k < len; k++) {
        b = test_exact_copy(in, k);
        s = span_make(b, k);
        assert_int_equal(read_with(r, &s), 0);
        assert_poisoned(&s, b, k);
        assert_ptr_equal(s.p, b); /* a failed read does not advance */
        free(b);
    }
}

static void test_u8(void **state)
{
    (void)state;
    check_reader(READ_U8, "\xab", 1, 0xab);
    /* Reading a span that was read to its end poisons it. */
    uint8_t *b = test_exact_copy("\xab", 1);
    struct span s = span_make(b, 1);
    (void)span_u8(&s);
    assert_int_equal(span_u8(&s), 0);
    assert_poisoned(&s, b, 1);
    free(b);
}

static void test_u16(void **state)
{
    (void)state;
    check_reader(READ_U16, "\xab\xcd", 2, 0xabcd);
}

static void test_u24(void **state)
{
    (void)state;
    check_reader(READ_U24, "\xab\xcd\xef", 3, 0xabcdef);
}

static void test_u32(void **state)
{
    (void)state;
    check_reader(READ_U32, "\xfe\xdc\xba\x98", 4, 0xfedcba98u);
}

static void test_u32le(void **state)
{
    (void)state;
    check_reader(READ_U32LE, "\x98\xba\xdc\xfe", 4, 0xfedcba98u);
}

static void test_skip(void **state)
{
    (void)state;
    uint8_t *b = test_exact_copy(bytes8, 8);
    struct span s = span_make(b, 8);
    span_skip(&s, 0);
    assert_int_equal(s.n, 8);
    span_skip(&s, 3);
    assert_ptr_equal(s.p, b + 3);
    assert_int_equal(s.n, 5);
    span_skip(&s, 5);
    assert_true(span_done(&s));
    assert_ptr_equal(s.p, b + 8);

    s = span_make(b, 8);
    span_skip(&s, 9);
    assert_poisoned(&s, b, 8);
    assert_ptr_equal(s.p, b);

    /* A huge skip must not wrap the pointer. */
    s = span_make(b, 8);
    span_skip(&s, SIZE_MAX);
    assert_poisoned(&s, b, 8);
    free(b);
}

static void test_take(void **state)
{
    (void)state;
    uint8_t *b = test_exact_copy(bytes8, 8);
    struct span s = span_make(b, 8);
    struct span sub = span_take(&s, 3);
    assert_true(span_ok(&sub));
    assert_ptr_equal(sub.p, b); /* zero-copy: points into the input */
    assert_int_equal(sub.n, 3);
    assert_ptr_equal(s.p, b + 3);
    assert_int_equal(s.n, 5);

    sub = span_take(&s, 5);
    assert_ptr_equal(sub.p, b + 3);
    assert_int_equal(sub.n, 5);
    assert_true(span_done(&s));

    /* An empty take at the end is fine and done. */
    sub = span_take(&s, 0);
    assert_true(span_done(&sub));
    assert_true(span_done(&s));

    /* One short: both the parent and the sub-span are poisoned. */
    s = span_make(b, 8);
    sub = span_take(&s, 9);
    assert_poisoned(&s, b, 8);
    assert_poisoned(&sub, b, 8);
    free(b);
}

/* Once poisoned, every later read fails, including ones that would have
 * fitted in the original span; sub-spans taken from it are poisoned. */
static void test_poison_propagates(void **state)
{
    (void)state;
    uint8_t *b = test_exact_copy(bytes8, 8);
    struct span s = span_make(b, 8);
    span_skip(&s, 7);
    assert_int_equal(span_u16(&s), 0); /* one short */
    assert_poisoned(&s, b, 8);
    assert_int_equal(span_u8(&s), 0);
    assert_int_equal(span_u16(&s), 0);
    assert_int_equal(span_u24(&s), 0);
    assert_int_equal(span_u32(&s), 0);
    assert_int_equal(span_u32le(&s), 0);
    span_skip(&s, 0);
    assert_poisoned(&s, b, 8);

    struct span sub = span_take(&s, 0);
    assert_poisoned(&sub, b, 8);
    sub = span_vec8(&s);
    assert_poisoned(&sub, b, 8);
    sub = span_vec16(&s);
    assert_poisoned(&sub, b, 8);
    sub = span_vec24(&s);
    assert_poisoned(&sub, b, 8);
    uint8_t out = 0x5a;
    assert_false(span_peek(&s, 0, &out));
    assert_int_equal(out, 0x5a);

    /* Poisoning a sub-span leaves its parent as it was; poisoning the parent
     * leaves an already taken sub-span valid (it is a separate view). */
    s = span_make(b, 8);
    sub = span_take(&s, 2);
    (void)span_u24(&sub);
    assert_poisoned(&sub, b, 8);
    assert_true(span_ok(&s));
    assert_int_equal(s.n, 6);
    struct span sub2 = span_take(&s, 2);
    span_skip(&s, 100);
    assert_poisoned(&s, b, 8);
    assert_true(span_ok(&sub2));
    assert_int_equal(span_u16(&sub2), 0x0304);
    assert_true(span_done(&sub2));
    free(b);
}

static void test_done(void **state)
{
    (void)state;
    uint8_t *b = test_exact_copy(bytes8, 3);
    struct span s = span_make(b, 3);
    assert_false(span_done(&s));
    (void)span_u16(&s);
    assert_false(span_done(&s)); /* a byte left over */
    (void)span_u8(&s);
    assert_true(span_done(&s));
    (void)span_u8(&s);
    assert_false(span_done(&s)); /* a failed read is never "done" */
    free(b);
}

static void test_has(void **state)
{
    (void)state;
    struct span s = span_make(bytes8, 4);
    assert_true(span_has(&s, 0));
    assert_true(span_has(&s, 4));
    assert_false(span_has(&s, 5));
    assert_false(span_has(&s, SIZE_MAX));
    span_poison(&s);
    assert_false(span_has(&s, 0));
}

/* A vector that cannot be taken, its length running past the input or
 * itself cut short: the vector and the span it was read from are both
 * poisoned. `vec` is span_vec8, span_vec16 or span_vec24. */
static void check_vec_fails(struct span (*vec)(struct span *), const void *in, size_t len)
{
    uint8_t *b = test_exact_copy(in, len);
    struct span s = span_make(b, len);
    struct span v = vec(&s);
    assert_poisoned(&v, b, len);
    assert_poisoned(&s, b, len);
    free(b);
}

/* vec8: exact, empty, a length that lies by one, the length byte missing. */
static void test_vec8(void **state)
{
    (void)state;
    static const uint8_t in[] = {
        0x03,             /* length 3 */
        0xaa, 0xbb, 0xcc, /* body */
        0x00,             /* an empty vector */
    };
    uint8_t *b = test_exact_copy(in, sizeof in);
    struct span s = span_make(b, sizeof in);
    struct span v = span_vec8(&s);
    assert_true(span_ok(&v));
    assert_ptr_equal(v.p, b + 1);
    assert_int_equal(v.n, 3);
    assert_int_equal(span_u24(&v), 0xaabbcc);
    assert_true(span_done(&v));
    v = span_vec8(&s);
    assert_true(span_done(&v));
    assert_true(span_done(&s));
    free(b);

    /* The length says 4 but 3 bytes follow. */
    static const uint8_t lie[] = { 0x04, 0xaa, 0xbb, 0xcc };
    check_vec_fails(span_vec8, lie, sizeof lie);

    /* The length byte itself is missing. */
    check_vec_fails(span_vec8, "", 0);

    /* The maximum 8-bit length with too little behind it. */
    static const uint8_t big[] = { 0xff, 0x01 };
    check_vec_fails(span_vec8, big, sizeof big);
}

static void test_vec16(void **state)
{
    (void)state;
    static const uint8_t in[] = {
        0x00, 0x02, /* length 2 */
        0x12, 0x34, /* body */
        0x99,       /* trailing byte outside the vector */
    };
    uint8_t *b = test_exact_copy(in, sizeof in);
    struct span s = span_make(b, sizeof in);
    struct span v = span_vec16(&s);
    assert_ptr_equal(v.p, b + 2);
    assert_int_equal(v.n, 2);
    assert_int_equal(span_u16(&v), 0x1234);
    assert_true(span_done(&v));
    assert_int_equal(s.n, 1);
    assert_false(span_done(&s));
    free(b);

    /* Length one more than what is there. */
    static const uint8_t lie[] = { 0x00, 0x03, 0x12, 0x34 };
    check_vec_fails(span_vec16, lie, sizeof lie);

    /* A 0xffff length on a short buffer. */
    static const uint8_t huge[] = { 0xff, 0xff, 0x00 };
    check_vec_fails(span_vec16, huge, sizeof huge);

    /* Only one of the two length bytes. */
    check_vec_fails(span_vec16, "\x00", 1);
}

static void test_vec24(void **state)
{
    (void)state;
    static const uint8_t in[] = {
        0x00, 0x00, 0x03, /* length 3 */
        0x01, 0x02, 0x03, /* body */
    };
    uint8_t *b = test_exact_copy(in, sizeof in);
    struct span s = span_make(b, sizeof in);
    struct span v = span_vec24(&s);
    assert_ptr_equal(v.p, b + 3);
    assert_int_equal(v.n, 3);
    assert_true(span_done(&s));
    free(b);

    static const uint8_t lie[] = { 0x00, 0x00, 0x04, 0x01, 0x02, 0x03 };
    check_vec_fails(span_vec24, lie, sizeof lie);

    /* The largest 24-bit length. */
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0x00 };
    check_vec_fails(span_vec24, huge, sizeof huge);

    check_vec_fails(span_vec24, "\x00\x00", 2);
}

/* Nested vectors: an inner length that lies poisons the inner span only,
 * and the outer one is not "done" until consumed exactly. */
static void test_nested_vectors(void **state)
{
    (void)state;
    static const uint8_t in[] = {
        0x00, 0x05,       /* outer length 5 */
        0x03,             /* inner length 3, but only 2 bytes remain in the outer */
        0xaa, 0xbb,
        0x01, 0x02,       /* bytes after the outer vector */
    };
    uint8_t *b = test_exact_copy(in, 5);
    struct span s = span_make(b, 5);
    /* Outer says 5 but only 3 bytes follow in this buffer: poisoned. */
    struct span outer = span_vec16(&s);
    assert_poisoned(&outer, b, 5);
    free(b);

    b = test_exact_copy(in, sizeof in);
    s = span_make(b, sizeof in);
    outer = span_vec16(&s);
    assert_true(span_ok(&outer));
    assert_int_equal(outer.n, 5);
    struct span inner = span_vec8(&outer);
    assert_true(span_ok(&inner));
    assert_int_equal(inner.n, 3);
    assert_int_equal(outer.n, 1);
    assert_false(span_done(&outer)); /* leftover byte: malformed for the caller */
    free(b);

    static const uint8_t lie[] = {
        0x00, 0x03, /* outer length 3 */
        0x04,       /* inner length 4: more than the outer holds */
        0xaa, 0xbb,
        0xcc, 0xdd, /* outside the outer vector: must not be reached */
    };
    b = test_exact_copy(lie, sizeof lie);
    s = span_make(b, sizeof lie);
    outer = span_vec16(&s);
    inner = span_vec8(&outer);
    assert_poisoned(&inner, b, sizeof lie);
    assert_poisoned(&outer, b, sizeof lie);
    assert_true(span_ok(&s)); /* the parent of the outer vector is unaffected */
    assert_int_equal(s.n, 2);
    free(b);
}

static void test_peek(void **state)
{
    (void)state;
    uint8_t *b = test_exact_copy("\x10\x20\x30", 3);
    struct span s = span_make(b, 3);
    uint8_t v = 0;
    assert_true(span_peek(&s, 0, &v));
    assert_int_equal(v, 0x10);
    assert_true(span_peek(&s, 2, &v));
    assert_int_equal(v, 0x30);
    v = 0x77;
    assert_false(span_peek(&s, 3, &v));
    assert_int_equal(v, 0x77); /* untouched on failure */
    assert_false(span_peek(&s, SIZE_MAX, &v));
    /* Peeking consumes nothing and does not poison. */
    assert_int_equal(s.n, 3);
    assert_true(span_ok(&s));
    (void)span_u8(&s);
    assert_true(span_peek(&s, 0, &v));
    assert_int_equal(v, 0x20);
    free(b);

    s = span_make(NULL, 0);
    assert_false(span_peek(&s, 0, &v));
}

/* Walk a buffer with every reader until it fails: the cursor never points
 * past the end and n always matches what is left. */
static void test_never_past_end(void **state)
{
    (void)state;
    for (size_t len = 0; len <= 8; len++) {
        for (int reader = 0; reader < 7; reader++) {
            uint8_t *b = test_exact_copy(bytes8, len);
            struct span s = span_make(b, len);
            for (int step = 0; step < 10; step++) {
                switch (reader) {
                case 0: (void)span_u8(&s); break;
                case 1: (void)span_u16(&s); break;
                case 2: (void)span_u24(&s); break;
                case 3: (void)span_u32(&s); break;
                case 4: (void)span_u32le(&s); break;
                case 5: span_skip(&s, 3); break;
                default: (void)span_take(&s, 3); break;
                }
                assert_true(s.p >= b && s.p <= b + len);
                if (span_ok(&s))
                    assert_int_equal((size_t)(s.p - b) + s.n, len);
                else
                    assert_int_equal(s.n, 0);
            }
            assert_false(span_ok(&s)); /* 10 steps always run out */
            free(b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make),
        cmocka_unit_test(test_u8),
        cmocka_unit_test(test_u16),
        cmocka_unit_test(test_u24),
        cmocka_unit_test(test_u32),
        cmocka_unit_test(test_u32le),
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_take),
        cmocka_unit_test(test_poison_propagates),
        cmocka_unit_test(test_done),
        cmocka_unit_test(test_has),
        cmocka_unit_test(test_vec8),
        cmocka_unit_test(test_vec16),
        cmocka_unit_test(test_vec24),
        cmocka_unit_test(test_nested_vectors),
        cmocka_unit_test(test_peek),
        cmocka_unit_test(test_never_past_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
