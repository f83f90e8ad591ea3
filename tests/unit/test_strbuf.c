/* test_strbuf.c - common/strbuf.{h,c} and common/utf8.h: all-or-nothing
 * appends with a sticky overflow, the decimal and hex formatters, the JSON
 * string quoting shared by the JSON writer and pcapng comments, builders over
 * the unused space, and the UTF-8 decoder step (RFC 3629, maximal subparts).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "common/strbuf.h"
#include "common/utf8.h"

static void expect(const struct strbuf *b, const char *want)
{
    assert_false(b->overflow);
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->buf, want, b->len);
}

static void test_put_all_or_nothing(void **state)
{
    (void)state;
    char *buf = malloc(8); /* exact size: ASan catches a write at buf[8] */
    assert_non_null(buf);
    struct strbuf b;
    strbuf_init(&b, buf, 8);
    strbuf_puts(&b, "abc");
    strbuf_putc(&b, '-');
    expect(&b, "abc-");
    strbuf_puts(&b, "12345"); /* 9 > 8: nothing of it is written */
    assert_true(b.overflow);
    assert_int_equal(b.len, 4);
    strbuf_putc(&b, 'x'); /* sticky: even what would fit is refused */
    strbuf_put(&b, "", 0);
    assert_int_equal(b.len, 4);

    strbuf_init(&b, buf, 8);
    strbuf_puts(&b, "12345678"); /* exactly full */
    expect(&b, "12345678");
    strbuf_put(&b, "", 0); /* an empty append to a full buffer is fine */
    assert_false(b.overflow);
    strbuf_putc(&b, 'x');
    assert_true(b.overflow);
    assert_int_equal(b.len, 8);
    free(buf);

    strbuf_init(&b, NULL, 100); /* no buffer: capacity 0 */
    strbuf_put(&b, "", 0);
    assert_false(b.overflow);
    strbuf_putc(&b, 'x');
    assert_true(b.overflow);
    assert_int_equal(b.len, 0);
}

static void test_numbers(void **state)
{
    (void)state;
    char buf[64];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf);
    strbuf_u64(&b, 0);
    strbuf_putc(&b, ' ');
    strbuf_u64(&b, 7);
    strbuf_putc(&b, ' ');
    strbuf_u64(&b, 1000);
    strbuf_putc(&b, ' ');
    strbuf_u64(&b, UINT64_MAX);
    expect(&b, "0 7 1000 18446744073709551615");

    /* A number is one append: it never ends cut. */
    strbuf_init(&b, buf, 3);
    strbuf_u64(&b, 1234);
    assert_true(b.overflow);
    assert_int_equal(b.len, 0);

    strbuf_init(&b, buf, sizeof buf);
    strbuf_hexn(&b, 0xc02f, 4);
    strbuf_putc(&b, ' ');
    strbuf_hexn(&b, 0x0a, 4);
    strbuf_putc(&b, ' ');
    strbuf_hexn(&b, 0x0700c0, 6);
    strbuf_putc(&b, ' ');
    strbuf_hexn(&b, 0xabcdef12, 8);
    expect(&b, "c02f 000a 0700c0 abcdef12");

    static const uint8_t bytes[] = { 0x00, 0x9f, 0xa0, 0xff };
    strbuf_init(&b, buf, sizeof buf);
    strbuf_hex(&b, bytes, sizeof bytes, false);
    strbuf_putc(&b, ' ');
    strbuf_hex(&b, bytes, sizeof bytes, true);
    expect(&b, "009fa0ff 009FA0FF");
    strbuf_init(&b, buf, 7);
    strbuf_hex(&b, bytes, sizeof bytes, false); /* needs 8 */
    assert_true(b.overflow);
    assert_int_equal(b.len, 0);
}

static void quote(const void *p, size_t n, const char *want)
{
    char buf[256];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf);
    strbuf_quoted(&b, p, n);
    expect(&b, want);
}

#define QUOTE(lit, want) quote(lit, sizeof lit - 1, want)

static void test_quoted(void **state)
{
    (void)state;
    QUOTE("", "\"\"");
    quote(NULL, 5, "\"\"");
    QUOTE("plain ascii, long enough for the 8-byte path", "\"plain ascii, long enough for the 8-byte path\"");
    QUOTE("a\"b\\c\t\n\r\b\f", "\"a\\\"b\\\\c\\t\\n\\r\\b\\f\"");
    QUOTE("\x00\x01\x1f\x7f", "\"\\u0000\\u0001\\u001f\\u007f\"");
    QUOTE("caf\xc3\xa9", "\"caf\xc3\xa9\"");                 /* valid UTF-8 verbatim */
    QUOTE("\xc3", "\"\xef\xbf\xbd\"");                       /* truncated: one U+FFFD */
    QUOTE("\xe0\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong: three */
    QUOTE("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
    QUOTE("\xf0\x9f\x98", "\"\xef\xbf\xbd\"");               /* cut 4-byte: one maximal subpart */
    QUOTE("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* > U+10FFFF */

    assert_true(strbuf_is_plain("tls.client", 10));
    assert_false(strbuf_is_plain("k\"", 2));
    assert_false(strbuf_is_plain("\xc3\xa9", 2));

    /* Too small: overflowed, and what was written ends between escapes. */
    char buf[6];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf);
    strbuf_quoted(&b, (const uint8_t *)"ab\ncd", 5); /* needs "ab\ncd" + quotes = 8 */
    assert_true(b.overflow);
    assert_int_equal(b.len, 5);
    assert_memory_equal(buf, "\"ab\\n", 5);
}

static void test_rest_and_keep(void **state)
{
    (void)state;
    char buf[16];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf);
    strbuf_puts(&b, "name ");

    struct strbuf q = strbuf_rest(&b);
    strbuf_quoted(&q, (const uint8_t *)"x", 1);
    strbuf_keep(&b, &q);
    expect(&b, "name \"x\"");

    /* A quoted string that does not fit is thrown away; b stays usable. */
    q = strbuf_rest(&b);
    strbuf_quoted(&q, (const uint8_t *)"far too long", 12);
    assert_true(q.overflow);
    strbuf_keep(&b, &q);
    expect(&b, "name \"x\"");
    strbuf_puts(&b, " ok");
    expect(&b, "name \"x\" ok");

    /* The rest of an overflowed builder is overflowed too. */
    strbuf_puts(&b, "0123456789");
    assert_true(b.overflow);
    q = strbuf_rest(&b);
    assert_true(q.overflow);
    assert_int_equal(q.cap, 0);
}

static void expect_utf8(const char *s, size_t n, size_t want_len, bool want_valid)
{
    bool valid = !want_valid;
    assert_int_equal(utf8_sequence((const uint8_t *)s, n, &valid), want_len);
    assert_int_equal(valid, want_valid);
}

static void test_utf8_sequence(void **state)
{
    (void)state;
    expect_utf8("a", 1, 1, true);
    expect_utf8("\xc3\xa9", 2, 2, true);
    expect_utf8("\xe2\x82\xac", 3, 3, true);     /* U+20AC */
    expect_utf8("\xf0\x9f\x98\x80", 4, 4, true); /* U+1F600 */
    expect_utf8("\xf4\x8f\xbf\xbf", 4, 4, true); /* U+10FFFF */
    expect_utf8("\x80", 1, 1, false);             /* lone continuation */
    expect_utf8("\xc0\xaf", 2, 1, false);         /* C0 never starts a sequence */
    expect_utf8("\xc1\xbf", 2, 1, false);
    expect_utf8("\xf5\x80", 2, 1, false);
    expect_utf8("\xe0\x9f\x80", 3, 1, false);     /* overlong 3-byte */
    expect_utf8("\xed\xa0\x80", 3, 1, false);     /* surrogate */
    expect_utf8("\xf0\x8f\x80\x80", 4, 1, false); /* overlong 4-byte */
    expect_utf8("\xf4\x90\x80\x80", 4, 1, false); /* above U+10FFFF */
    expect_utf8("\xe2\x82", 2, 2, false);         /* cut at the end: the subpart */
    expect_utf8("\xe2\x82x", 3, 2, false);        /* cut by an ASCII byte */
    expect_utf8("\xf0\x9f\x98", 3, 3, false);
}

static void expect_ip(int version, const uint8_t *addr, const char *want)
{
    char buf[STRBUF_IP_MAX];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf - 1);
    strbuf_ip(&b, version, addr);
    assert_false(b.overflow);
    buf[b.len] = '\0';
    assert_string_equal(buf, want);
}

/* Fixed cases from RFC 5952 section 4, then the C library's inet_ntop as the
 * reference over every pattern of zero and non-zero groups (2^8), with the
 * non-zero groups varied, and over the IPv4-in-IPv6 forms. */
static void test_ip(void **state)
{
    (void)state;
    expect_ip(4, (const uint8_t[]){ 192, 0, 2, 255 }, "192.0.2.255");
    expect_ip(4, (const uint8_t[]){ 0, 0, 0, 0 }, "0.0.0.0");
    uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1 };
    expect_ip(6, a, "2001:db8::1:0:0:1"); /* the first of two equal runs */
    uint8_t one[16] = { [15] = 1 };
    expect_ip(6, one, "::1");
    uint8_t zero[16] = { 0 };
    expect_ip(6, zero, "::");
    uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1 };
    expect_ip(6, mapped, "::ffff:192.0.2.1");

    char want[INET6_ADDRSTRLEN];
    for (unsigned pattern = 0; pattern < 256; pattern++) {
        for (unsigned variant = 0; variant < 4; variant++) {
            uint8_t v6[16];
            for (int i = 0; i < 8; i++) {
                unsigned g = 0;
                if (pattern >> i & 1) {
                    static const unsigned values[4] = { 0x1, 0xabcd, 0x0f00, 0xffff };
                    g = values[(variant + (unsigned)i) % 4];
                }
                v6[2 * i] = (uint8_t)(g >> 8);
                v6[2 * i + 1] = (uint8_t)g;
            }
            assert_non_null(inet_ntop(AF_INET6, v6, want, sizeof want));
            expect_ip(6, v6, want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_all_or_nothing),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_ip),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_rest_and_keep),
        cmocka_unit_test(test_utf8_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
