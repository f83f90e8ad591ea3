/* test_pcapng.c - the pcapng writer: blocks written to a memory stream are
 * read back field by field (draft-ietf-opsawg-pcapng 4.1-4.3, 3.5). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/pcapng.h"

/* ---- reading back ---- */

struct reader {
    const uint8_t *p;
    size_t n;
    size_t off;
};

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* The next block: its type, body (after type and length, before the
 * trailing length) and body length; checks the framing every block shares. */
static const uint8_t *next_block(struct reader *r, uint32_t *type, size_t *body_len)
{
    assert_true(r->n - r->off >= 12);
    const uint8_t *b = r->p + r->off;
    *type = rd32(b);
    uint32_t total = rd32(b + 4);
    assert_int_equal(total % 4, 0);
    assert_true(total >= 12 && total <= r->n - r->off);
    assert_int_equal(rd32(b + total - 4), total); /* trailing length */
    r->off += total;
    *body_len = total - 12;
    return b + 8;
}

struct option {
    uint16_t code;
    uint16_t len;
    const uint8_t *value;
};

/* Options from `p` to the end of the body: each padded to 32 bits, the
 * last one opt_endofopt. Returns how many (endofopt not counted). */
static size_t read_options(const uint8_t *p, size_t n, struct option *out, size_t cap)
{
    size_t count = 0, off = 0;
    bool ended = false;
    while (off < n) {
        assert_false(ended);
        assert_true(n - off >= 4);
        uint16_t code = rd16(p + off), len = rd16(p + off + 2);
        size_t padded = (len + 3u) & ~3u;
        assert_true(n - off - 4 >= padded);
        for (size_t i = len; i < padded; i++)
            assert_int_equal(p[off + 4 + i], 0); /* padding is zero */
        if (code == 0) {
            assert_int_equal(len, 0);
            ended = true;
        } else {
            assert_true(count < cap);
            out[count++] = (struct option){ code, len, p + off + 4 };
        }
        off += 4 + padded;
    }
    assert_true(ended || count == 0);
    return count;
}

struct out {
    FILE *f;
    char *buf;
    size_t len;
};

static void out_open(struct out *o)
{
    o->buf = NULL;
    o->len = 0;
    o->f = open_memstream(&o->buf, &o->len);
    assert_non_null(o->f);
}

static struct reader out_close(struct out *o)
{
    assert_int_equal(fclose(o->f), 0);
    return (struct reader){ (const uint8_t *)o->buf, o->len, 0 };
}

static void check_section_header(struct reader *r)
{
    uint32_t type;
    size_t n;
    const uint8_t *b = next_block(r, &type, &n);
    assert_int_equal(type, 0x0a0d0d0a);
    assert_true(n >= 16);
    assert_int_equal(rd32(b), 0x1a2b3c4d);
    assert_int_equal(rd16(b + 4), 1); /* major */
    assert_int_equal(rd16(b + 6), 0); /* minor */
    uint64_t section_len;
    memcpy(&section_len, b + 8, 8);
    assert_true(section_len == UINT64_MAX);
    struct option opt[4];
    assert_int_equal(read_options(b + 16, n - 16, opt, 4), 1);
    assert_int_equal(opt[0].code, 4); /* shb_userappl */
    assert_int_equal(opt[0].len, strlen("tlsscope test"));
    assert_memory_equal(opt[0].value, "tlsscope test", opt[0].len);
}

/* ---- tests ---- */

/* A frame whose length is not a multiple of 4, with two comments of odd
 * lengths: every field, the padding and both comments read back. */
static void test_packet_with_comments(void **state)
{
    (void)state;
    struct out o;
    out_open(&o);
    struct pcapng_writer w;
    pcapng_begin(&w, o.f, "tlsscope test");
    assert_int_equal(pcapng_interface(&w, DLT_EN10MB, 65535), 0);
    static const uint8_t frame[5] = { 1, 2, 3, 4, 5 };
    const struct pcapng_comment c[2] = { { "tlsscope: a", 11 }, { "tlsscope: \xc3\xa9t\xc3\xa9", 14 } };
    uint64_t ts = 1700000000123456u;
    pcapng_packet(&w, 0, ts, frame, sizeof frame, 60, c, 2);
    pcapng_packet(&w, 0, ts + 1, frame, 4, 4, NULL, 0);
    assert_int_equal(w.packets, 2);
    assert_int_equal(w.comments, 2);
    assert_int_equal(w.write_errors, 0);
    struct reader r = out_close(&o);

    check_section_header(&r);
    uint32_t type;
    size_t n;
    const uint8_t *b = next_block(&r, &type, &n);
    assert_int_equal(type, 1); /* IDB */
    assert_int_equal(n, 8);
    assert_int_equal(rd16(b), 1); /* LINKTYPE_ETHERNET */
    assert_int_equal(rd16(b + 2), 0);
    assert_int_equal(rd32(b + 4), 65535);

    b = next_block(&r, &type, &n);
    assert_int_equal(type, 6); /* EPB */
    assert_int_equal(rd32(b), 0); /* interface */
    assert_int_equal(((uint64_t)rd32(b + 4) << 32) | rd32(b + 8), ts);
    assert_int_equal(rd32(b + 12), 5);  /* captured */
    assert_int_equal(rd32(b + 16), 60); /* original */
    assert_memory_equal(b + 20, frame, 5);
    assert_int_equal(b[25] | b[26] | b[27], 0); /* padding */
    struct option opt[4];
    assert_int_equal(read_options(b + 28, n - 28, opt, 4), 2);
    assert_int_equal(opt[0].code, 1);
    assert_int_equal(opt[0].len, 11);
    assert_memory_equal(opt[0].value, "tlsscope: a", 11);
    assert_int_equal(opt[1].code, 1);
    assert_int_equal(opt[1].len, 14);
    assert_memory_equal(opt[1].value, c[1].text, 14);

    b = next_block(&r, &type, &n);
    assert_int_equal(type, 6);
    assert_int_equal(rd32(b + 12), 4);
    assert_int_equal(n, 20 + 4); /* no options, not even opt_endofopt */
    assert_int_equal(r.off, r.n);
    free(o.buf);
}

/* One IDB per (link type, snaplen); raw IP is written as LINKTYPE_RAW; the
 * table is bounded. */
static void test_interfaces(void **state)
{
    (void)state;
    struct out o;
    out_open(&o);
    struct pcapng_writer w;
    pcapng_begin(&w, o.f, "tlsscope test");
    assert_int_equal(pcapng_interface(&w, DLT_EN10MB, 65535), 0);
    assert_int_equal(pcapng_interface(&w, DLT_RAW, 65535), 1);
    assert_int_equal(pcapng_interface(&w, DLT_EN10MB, 65535), 0);
    assert_int_equal(pcapng_interface(&w, DLT_EN10MB, 262144), 2);
    assert_int_equal(pcapng_interface(&w, DLT_LINUX_SLL, 65535), 3);
    for (uint32_t i = 4; i < PCAPNG_MAX_INTERFACES; i++)
        assert_int_equal(pcapng_interface(&w, DLT_EN10MB, 1000 + i), (int)i);
    assert_int_equal(pcapng_interface(&w, DLT_EN10MB, 99), -1);
    assert_int_equal(pcapng_interface(&w, DLT_RAW, 65535), 1); /* known ones still found */
    struct reader r = out_close(&o);

    check_section_header(&r);
    static const uint16_t linktypes[4] = { 1, 101, 1, 113 };
    for (size_t i = 0; i < PCAPNG_MAX_INTERFACES; i++) {
        uint32_t type;
        size_t n;
        const uint8_t *b = next_block(&r, &type, &n);
        assert_int_equal(type, 1);
        if (i < 4)
            assert_int_equal(rd16(b), linktypes[i]);
    }
    assert_int_equal(r.off, r.n);
    free(o.buf);
}

/* A failing stream is counted, not ignored. */
static void test_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    setvbuf(f, NULL, _IONBF, 0);
    struct pcapng_writer w;
    pcapng_begin(&w, f, "tlsscope test");
    assert_true(w.write_errors > 0);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packet_with_comments),
        cmocka_unit_test(test_interfaces),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
