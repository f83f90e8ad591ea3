/* test_json.c - output/json.c: nesting and commas, JSON escaping (RFC 8259
 * section 7), UTF-8 validation with U+FFFD per maximal subpart (RFC 3629,
 * Unicode section 3.9), numbers, hex, RFC 3339 times, and overflow at every
 * buffer size.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/json.h"

#define FFFD "\xef\xbf\xbd"

static char line[4096];

/* Finishes the line and compares it with `want` (which has no '\n'). */
static void expect_line(struct json_writer *w, const char *want)
{
    size_t n = json_finish(w);
    size_t wn = strlen(want);
    assert_false(w->out.overflow);
    assert_int_equal(n, wn + 1);
    assert_memory_equal(w->out.buf, want, wn);
    assert_int_equal(w->out.buf[wn], '\n');
}

/* Writes one wire string as the only element of a top-level array and
 * checks the JSON text between the quotes. */
static void expect_wire(const void *in, size_t n, const char *want_inner)
{
    struct json_writer w;
    char want[512];
    json_init(&w, line, sizeof line);
    json_array_begin(&w, NULL);
    json_wire_str(&w, NULL, in, n);
    json_array_end(&w);
    assert_true(strlen(want_inner) + 5 < sizeof want);
    strcpy(want, "[\"");
    strcat(want, want_inner);
    strcat(want, "\"]");
    expect_line(&w, want);
}

/* The escaper skips eight plain bytes at a time: a special byte at any
 * offset of a long string, including each lane of a word and the tail, must
 * still be seen. */
static void test_escapes_at_every_offset(void **state)
{
    (void)state;
    static const struct { const char *in; size_t n; const char *out; } specials[] = {
        { "\"", 1, "\\\"" }, { "\\", 1, "\\\\" }, { "\x01", 1, "\\u0001" }, { "\x1f", 1, "\\u001f" },
        { "\x7f", 1, "\\u007f" }, { "\0", 1, "\\u0000" }, { "\x80", 1, "\xef\xbf\xbd" },
        { "\xc3\xa9", 2, "\xc3\xa9" }, { "\xff", 1, "\xef\xbf\xbd" },
    };
    for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
        for (size_t pos = 0; pos < 24; pos++) {
            char in[40], out[64];
            memset(in, 'a', pos);
            memcpy(in + pos, specials[k].in, specials[k].n);
            memset(in + pos + specials[k].n, 'b', 24 - pos);
            size_t n = pos + specials[k].n + (24 - pos);
            memset(out, 'a', pos);
            size_t m = strlen(specials[k].out);
            memcpy(out + pos, specials[k].out, m);
            memset(out + pos + m, 'b', 24 - pos);
            out[pos + m + 24 - pos] = '\0';
            expect_wire(in, n, out);
        }
    }
}

static void test_nesting(void **state)
{
    (void)state;
    struct json_writer w;
    json_init(&w, line, sizeof line);
    json_object_begin(&w, NULL);
    json_object_begin(&w, JSON_KEY("a"));
    json_array_begin(&w, JSON_KEY("b"));
    json_u64(&w, NULL, 1);
    json_u64(&w, NULL, 2);
    json_object_begin(&w, NULL);
    json_bool(&w, JSON_KEY("c"), true);
    json_object_end(&w);
    json_array_begin(&w, NULL);
    json_array_end(&w);
    json_array_end(&w);
    json_array_begin(&w, JSON_KEY("d"));
    json_array_end(&w);
    json_object_end(&w);
    json_str(&w, JSON_KEY("e"), "x");
    json_i64(&w, JSON_KEY("f"), -5);
    json_object_begin(&w, JSON_KEY("g"));
    json_object_end(&w);
    json_bool(&w, JSON_KEY("h"), false);
    json_object_end(&w);
    expect_line(&w, "{\"a\":{\"b\":[1,2,{\"c\":true},[]],\"d\":[]},\"e\":\"x\",\"f\":-5,\"g\":{},\"h\":false}");
    assert_int_equal(w.depth, 0);
}

static void test_top_level_array_and_empty_object(void **state)
{
    (void)state;
    struct json_writer w;
    json_init(&w, line, sizeof line);
    json_object_begin(&w, NULL);
    json_object_end(&w);
    expect_line(&w, "{}");

    json_init(&w, line, sizeof line);
    json_array_begin(&w, NULL);
    json_str(&w, NULL, "TLSv1.2");
    json_str(&w, NULL, "TLSv1.3");
    json_array_end(&w);
    expect_line(&w, "[\"TLSv1.2\",\"TLSv1.3\"]");
}

static void test_escapes(void **state)
{
    (void)state;
    expect_wire("\"", 1, "\\\"");
    expect_wire("\\", 1, "\\\\");
    expect_wire("\b", 1, "\\b");
    expect_wire("\f", 1, "\\f");
    expect_wire("\n", 1, "\\n");
    expect_wire("\r", 1, "\\r");
    expect_wire("\t", 1, "\\t");
    expect_wire("\0", 1, "\\u0000");
    expect_wire("\x01", 1, "\\u0001");
    expect_wire("\x0b", 1, "\\u000b");
    expect_wire("\x1b", 1, "\\u001b");
    expect_wire("\x1f", 1, "\\u001f");
    expect_wire("\x7f", 1, "\\u007f");
    /* Not escaped: solidus, space, the rest of printable ASCII. */
    expect_wire("/ ~!#", 5, "/ ~!#");
    expect_wire("", 0, "");
    /* NUL in the middle does not end the string. */
    expect_wire("a\0b", 3, "a\\u0000b");
    expect_wire("x\"y\\z\n", 6, "x\\\"y\\\\z\\n");

    /* Every byte below 0x20: the two-letter forms where JSON has them. */
    static const char *const want[32] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
        "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    };
    for (unsigned c = 0; c < 32; c++) {
        uint8_t b = (uint8_t)c;
        expect_wire(&b, 1, want[c]);
    }
}

static void test_str_and_key_escaping(void **state)
{
    (void)state;
    struct json_writer w;
    json_init(&w, line, sizeof line);
    json_object_begin(&w, NULL);
    struct json_key k;
    char kbuf[16];
    json_str(&w, json_key_make(&k, kbuf, sizeof kbuf, "k\"\\"), "a\"b\\c\td");
    json_str(&w, JSON_KEY("absent"), NULL); /* writes nothing, not even the key */
    json_wire_str(&w, JSON_KEY("nullp"), NULL, 5);
    json_object_end(&w);
    expect_line(&w, "{\"k\\\"\\\\\":\"a\\\"b\\\\c\\td\",\"nullp\":\"\"}");
}

static void test_utf8_valid_kept(void **state)
{
    (void)state;
    expect_wire("\xc3\xa9", 2, "\xc3\xa9");                 /* U+00E9, 2 bytes */
    expect_wire("\xe2\x82\xac", 3, "\xe2\x82\xac");         /* U+20AC, 3 bytes */
    expect_wire("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"); /* U+1F600, 4 bytes */
    /* The edges of each range in Unicode Table 3-7. */
    expect_wire("\xc2\x80", 2, "\xc2\x80");                 /* U+0080 */
    expect_wire("\xdf\xbf", 2, "\xdf\xbf");                 /* U+07FF */
    expect_wire("\xe0\xa0\x80", 3, "\xe0\xa0\x80");         /* U+0800 */
    expect_wire("\xed\x9f\xbf", 3, "\xed\x9f\xbf");         /* U+D7FF */
    expect_wire("\xee\x80\x80", 3, "\xee\x80\x80");         /* U+E000 */
    expect_wire("\xef\xbf\xbf", 3, "\xef\xbf\xbf");         /* U+FFFF */
    expect_wire("\xf0\x90\x80\x80", 4, "\xf0\x90\x80\x80"); /* U+10000 */
    expect_wire("\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
    expect_wire("\xef\xbf\xbd", 3, FFFD);                   /* U+FFFD itself */
    /* Mixed with ASCII and escapes. */
    expect_wire("m\xc3\xbcnchen.de\n", 12, "m\xc3\xbcnchen.de\\n");
}

static void test_utf8_invalid_replaced(void **state)
{
    (void)state;
    expect_wire("\x80", 1, FFFD);                      /* lone continuation byte */
    expect_wire("\xbf", 1, FFFD);
    expect_wire("a\x80z", 3, "a" FFFD "z");
    expect_wire("\xc0\xaf", 2, FFFD FFFD);             /* overlong '/' */
    expect_wire("\xc1\xbf", 2, FFFD FFFD);             /* overlong */
    expect_wire("\xe0\x80\xaf", 3, FFFD FFFD FFFD);    /* overlong, 3 bytes */
    expect_wire("\xf0\x80\x80\xaf", 4, FFFD FFFD FFFD FFFD);
    expect_wire("\xed\xa0\x80", 3, FFFD FFFD FFFD);    /* surrogate U+D800 */
    expect_wire("\xed\xbf\xbf", 3, FFFD FFFD FFFD);    /* surrogate U+DFFF */
    expect_wire("\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD); /* U+110000 */
    expect_wire("\xf5\x80\x80\x80", 4, FFFD FFFD FFFD FFFD);
    expect_wire("\xfe\xff", 2, FFFD FFFD);
    /* Truncated sequences: the valid prefix is one maximal subpart. */
    expect_wire("\xe2\x82", 2, FFFD);                  /* at the end */
    expect_wire("\xe2\x82" "A", 3, FFFD "A");          /* before ASCII */
    expect_wire("\xc3", 1, FFFD);
    expect_wire("\xf0\x9f\x98", 3, FFFD);
    expect_wire("\xf0\x9f\x98" "\xc3\xa9", 5, FFFD "\xc3\xa9");
    expect_wire("\xe2\x82\"", 3, FFFD "\\\"");        /* before a character to escape */
    expect_wire("\xe2\x82\n", 3, FFFD "\\n");
    expect_wire("\x80\x00", 2, FFFD "\\u0000");
    /* Unicode 15 Table 3-8's example of U+FFFD substitution. */
    expect_wire("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64", 13,
                "a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d");
}

static void test_numbers_and_bools(void **state)
{
    (void)state;
    struct json_writer w;
    json_init(&w, line, sizeof line);
    json_array_begin(&w, NULL);
    json_u64(&w, NULL, 0);
    json_u64(&w, NULL, 443);
    json_u64(&w, NULL, UINT64_MAX);
    json_i64(&w, NULL, 0);
    json_i64(&w, NULL, -1);
    json_i64(&w, NULL, INT64_MAX);
    json_i64(&w, NULL, INT64_MIN);
    json_bool(&w, NULL, true);
    json_bool(&w, NULL, false);
    json_array_end(&w);
    expect_line(&w, "[0,443,18446744073709551615,0,-1,9223372036854775807,-9223372036854775808,true,false]");
}

static void test_hex(void **state)
{
    (void)state;
    static const uint8_t b[] = { 0x00, 0x0f, 0xa5, 0xff, 0x3c };
    struct json_writer w;
    json_init(&w, line, sizeof line);
    json_object_begin(&w, NULL);
    json_hex(&w, JSON_KEY("lower"), b, sizeof b, false);
    json_hex(&w, JSON_KEY("upper"), b, sizeof b, true);
    json_hex(&w, JSON_KEY("empty"), b, 0, false);
    json_hex(&w, JSON_KEY("null"), NULL, 3, false);
    json_object_end(&w);
    expect_line(&w, "{\"lower\":\"000fa5ff3c\",\"upper\":\"000FA5FF3C\",\"empty\":\"\",\"null\":\"\"}");
}

static void expect_time(uint64_t ts_us, const char *want)
{
    struct json_writer w;
    char want_line[64];
    json_init(&w, line, sizeof line);
    json_object_begin(&w, NULL);
    json_time_us(&w, JSON_KEY("t"), ts_us);
    json_object_end(&w);
    if (want) {
        strcpy(want_line, "{\"t\":\"");
        strcat(want_line, want);
        strcat(want_line, "\"}");
    } else {
        strcpy(want_line, "{}");
    }
    expect_line(&w, want_line);
}

static void test_time(void **state)
{
    (void)state;
    expect_time(UINT64_C(1519307590494123), "2018-02-22T13:53:10.494123Z");
    expect_time(0, "1970-01-01T00:00:00.000000Z");
    expect_time(1, "1970-01-01T00:00:00.000001Z");
    expect_time(999999, "1970-01-01T00:00:00.999999Z");
    expect_time(UINT64_C(1519307437681000), "2018-02-22T13:50:37.681000Z");
    expect_time(UINT64_C(1582934399000000), "2020-02-28T23:59:59.000000Z");
    expect_time(UINT64_C(1582934400000000), "2020-02-29T00:00:00.000000Z"); /* leap day */
    expect_time(UINT64_C(4102444800000000), "2100-01-01T00:00:00.000000Z");
    expect_time(UINT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z");
    /* Year 10000 has no RFC 3339 form: the field is left out. */
    expect_time(UINT64_C(253402300800000000), NULL);
    expect_time(UINT64_MAX, NULL);
}

/* The writer's own calendar arithmetic against the C library's gmtime_r and
 * strftime: every day's midnight and a second before it, 1970 to 9999, plus
 * the last second of every year. */
static void test_time_matches_gmtime(void **state)
{
    (void)state;
    char want[64];
    for (uint64_t day = 0; day <= UINT64_C(2932896); day += 1) { /* 9999-12-31 */
        uint64_t cases[2] = { day * 86400u, day * 86400u + 86399u };
        for (int i = 0; i < 2; i++) {
            time_t t = (time_t)cases[i];
            struct tm tm;
            assert_non_null(gmtime_r(&t, &tm));
            size_t n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
            assert_true(n > 0);
            expect_time(cases[i] * 1000000u, want);
        }
    }
}

/* ---- --fields ------------------------------------------------------------ */

/* A line shaped like a connection's: scalars, nested objects, an array of
 * scalars and an array of objects. */
static void write_fields_sample(struct json_writer *w)
{
    json_object_begin(w, NULL);
    json_str(w, JSON_KEY("@timestamp"), "t");
    json_object_begin(w, JSON_KEY("source"));
    json_str(w, JSON_KEY("ip"), "10.0.0.1");
    json_u64(w, JSON_KEY("port"), 5);
    json_object_end(w);
    json_object_begin(w, JSON_KEY("tls"));
    json_str(w, JSON_KEY("outcome"), "alert");
    json_object_begin(w, JSON_KEY("client"));
    json_array_begin(w, JSON_KEY("offered_versions"));
    json_str(w, NULL, "TLSv1.0");
    json_str(w, NULL, "TLSv1.1");
    json_array_end(w);
    json_str(w, JSON_KEY("ja4"), "t10");
    json_object_end(w);
    json_array_begin(w, JSON_KEY("findings"));
    json_object_begin(w, NULL);
    json_str(w, JSON_KEY("id"), "legacy-client");
    json_str(w, JSON_KEY("message"), "m1");
    json_object_end(w);
    json_object_begin(w, NULL);
    json_str(w, JSON_KEY("id"), "weak-cipher");
    json_str(w, JSON_KEY("message"), "m2");
    json_object_end(w);
    json_array_end(w);
    json_object_end(w);
    json_object_end(w);
}

/* A writer over `line` that keeps what `list` selects. */
static void init_filtered(struct json_writer *w, struct json_filter *f, const char *list)
{
    char err[128];
    assert_true(json_filter_parse(f, list, err, sizeof err));
    json_init(w, line, sizeof line);
    json_set_filter(w, f);
}

static void expect_fields(const char *list, const char *want)
{
    static struct json_filter f;
    struct json_writer w;
    init_filtered(&w, &f, list);
    write_fields_sample(&w);
    expect_line(&w, want);
}

static void test_fields(void **state)
{
    (void)state;
    expect_fields("@timestamp", "{\"@timestamp\":\"t\"}");
    /* A container selected whole; members in the order written, not listed. */
    expect_fields("source,@timestamp", "{\"@timestamp\":\"t\",\"source\":{\"ip\":\"10.0.0.1\",\"port\":5}}");
    expect_fields("source.port", "{\"source\":{\"port\":5}}");
    /* Deep paths open only the containers on their way. */
    expect_fields("tls.client.ja4", "{\"tls\":{\"client\":{\"ja4\":\"t10\"}}}");
    expect_fields("tls.client.offered_versions,tls.outcome",
                  "{\"tls\":{\"outcome\":\"alert\",\"client\":{\"offered_versions\":[\"TLSv1.0\",\"TLSv1.1\"]}}}");
    /* Array elements are passed through: a member of every finding. */
    expect_fields("tls.findings.id", "{\"tls\":{\"findings\":[{\"id\":\"legacy-client\"},{\"id\":\"weak-cipher\"}]}}");
    /* A prefix listed with a longer path: the prefix (the whole) wins. */
    expect_fields("tls.client,tls.client.ja4",
                  "{\"tls\":{\"client\":{\"offered_versions\":[\"TLSv1.0\",\"TLSv1.1\"],\"ja4\":\"t10\"}}}");
    /* Nothing selected is present: containers opened on the way are taken
     * back, commas included; the top-level object stays. */
    expect_fields("tls.server.x509", "{}");
    expect_fields("tls.client.nothing,@timestamp", "{\"@timestamp\":\"t\"}");
    expect_fields("source.ip.deeper", "{}"); /* a path below a scalar selects nothing */
    expect_fields("tls.findings.nothing,source.ip", "{\"source\":{\"ip\":\"10.0.0.1\"}}");
    /* Empty names between commas are ignored. */
    expect_fields(",source.port,,", "{\"source\":{\"port\":5}}");
}

static void test_fields_errors(void **state)
{
    (void)state;
    struct json_filter f;
    char err[128];
    assert_false(json_filter_parse(&f, "", err, sizeof err));
    assert_string_equal(err, "the field list is empty");
    assert_false(json_filter_parse(&f, ",,", err, sizeof err));
    assert_false(json_filter_parse(&f, "tls..client", err, sizeof err));
    assert_string_equal(err, "field \"tls..client\": an empty name between dots");
    assert_false(json_filter_parse(&f, "tls.", err, sizeof err));
    assert_string_equal(err, "field \"tls.\": ends with a dot");
    assert_false(json_filter_parse(&f, ".tls", err, sizeof err));
    char longname[80];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(json_filter_parse(&f, longname, err, sizeof err));
    /* More distinct names than the trie holds. */
    char many[JSON_FILTER_NODES * 6];
    size_t n = 0;
    for (int i = 0; i < JSON_FILTER_NODES; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "f%d,", i);
    assert_false(json_filter_parse(&f, many, err, sizeof err));
}

/* Members formatted before (json_raw_members) cannot be filtered: with a
 * filter that does not keep the object whole, the line is refused, never
 * written unfiltered. */
/* {"a":{<members formatted before>}} written under the filter `list`. */
static size_t write_raw_members(const char *list)
{
    static struct json_filter f;
    struct json_writer w;
    init_filtered(&w, &f, list);
    json_object_begin(&w, NULL);
    json_object_begin(&w, JSON_KEY("a"));
    json_raw_members(&w, "\"x\":1,\"y\":2", 11);
    json_object_end(&w);
    json_object_end(&w);
    return json_finish(&w);
}

static void test_fields_raw_members(void **state)
{
    (void)state;
    assert_int_equal(write_raw_members("a.x"), 0);
    const char *want = "{\"a\":{\"x\":1,\"y\":2}}\n";
    assert_int_equal(write_raw_members("a"), strlen(want));
    assert_memory_equal(line, want, strlen(want));
}

static void expect_misuse(struct json_writer *w)
{
    assert_true(w->out.overflow);
    assert_int_equal(json_finish(w), 0);
}

static void test_misuse_loses_line(void **state)
{
    (void)state;
    struct json_writer w;

    json_init(&w, line, sizeof line); /* left open */
    json_object_begin(&w, NULL);
    json_u64(&w, JSON_KEY("a"), 1);
    assert_int_equal(json_finish(&w), 0);

    json_init(&w, line, sizeof line); /* key inside an array */
    json_array_begin(&w, NULL);
    json_u64(&w, JSON_KEY("a"), 1);
    expect_misuse(&w);

    json_init(&w, line, sizeof line); /* no key inside an object */
    json_object_begin(&w, NULL);
    json_u64(&w, NULL, 1);
    expect_misuse(&w);

    json_init(&w, line, sizeof line); /* key at top level */
    json_object_begin(&w, JSON_KEY("a"));
    expect_misuse(&w);

    json_init(&w, line, sizeof line); /* end without begin */
    json_object_end(&w);
    expect_misuse(&w);

    json_init(&w, line, sizeof line); /* mismatched end */
    json_object_begin(&w, NULL);
    json_array_begin(&w, JSON_KEY("a"));
    json_object_end(&w);
    expect_misuse(&w);

    json_init(&w, line, sizeof line); /* two top-level values */
    json_object_begin(&w, NULL);
    json_object_end(&w);
    json_object_begin(&w, NULL);
    json_object_end(&w);
    expect_misuse(&w);

    /* JSON_MAX_DEPTH - 1 levels work, one more does not. */
    json_init(&w, line, sizeof line);
    for (int i = 0; i < JSON_MAX_DEPTH - 1; i++)
        json_array_begin(&w, NULL);
    assert_false(w.out.overflow);
    for (int i = 0; i < JSON_MAX_DEPTH - 1; i++)
        json_array_end(&w);
    assert_int_equal(json_finish(&w), 2 * (JSON_MAX_DEPTH - 1) + 1);

    json_init(&w, line, sizeof line);
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        json_array_begin(&w, NULL);
    expect_misuse(&w);
}

/* A line with every kind of value, multi-byte UTF-8, U+FFFD and escapes, so
 * that each buffer size cuts it somewhere different. */
static void write_sample(struct json_writer *w)
{
    static const uint8_t sni[] = "xn--m\xc3\xbc" "nchen\x80.\xf0\x9f\x98\x80\"\n\x01";
    static const uint8_t hash[] = { 0xde, 0xad, 0xbe, 0xef };

    json_object_begin(w, NULL);
    json_time_us(w, JSON_KEY("@timestamp"), UINT64_C(1519307590494123));
    json_object_begin(w, JSON_KEY("source"));
    json_str(w, JSON_KEY("ip"), "192.168.1.102");
    json_u64(w, JSON_KEY("port"), 63767);
    json_object_end(w);
    json_object_begin(w, JSON_KEY("tls"));
    json_bool(w, JSON_KEY("established"), true);
    json_i64(w, JSON_KEY("delta"), -42);
    json_wire_str(w, JSON_KEY("server_name"), sni, sizeof sni - 1);
    json_array_begin(w, JSON_KEY("supported_ciphers"));
    json_str(w, NULL, "TLS_AES_128_GCM_SHA256");
    json_str(w, NULL, "0xc0ff");
    json_array_end(w);
    json_hex(w, JSON_KEY("sha256"), hash, sizeof hash, true);
    json_wire_str(w, JSON_KEY("bad"), (const uint8_t *)"\xe2\x82" "A\xed\xa0\x80", 6);
    json_object_end(w);
    json_object_end(w);
}

static void test_overflow_every_size(void **state)
{
    (void)state;
    static const char want[] =
        "{\"@timestamp\":\"2018-02-22T13:53:10.494123Z\","
        "\"source\":{\"ip\":\"192.168.1.102\",\"port\":63767},"
        "\"tls\":{\"established\":true,\"delta\":-42,"
        "\"server_name\":\"xn--m\xc3\xbcnchen" FFFD ".\xf0\x9f\x98\x80\\\"\\n\\u0001\","
        "\"supported_ciphers\":[\"TLS_AES_128_GCM_SHA256\",\"0xc0ff\"],"
        "\"sha256\":\"DEADBEEF\",\"bad\":\"" FFFD "A" FFFD FFFD FFFD "\"}}\n";
    const size_t full = sizeof want - 1;
    struct json_writer w;

    json_init(&w, line, sizeof line);
    write_sample(&w);
    assert_int_equal(json_finish(&w), full);
    assert_memory_equal(line, want, full);

    for (size_t cap = 0; cap <= full; cap++) {
        /* Canary pass: one guard byte after the buffer. */
        char *buf = malloc(cap + 1);
        assert_non_null(buf);
        memset(buf, 0x5a, cap + 1);
        json_init(&w, buf, cap);
        write_sample(&w);
        size_t n = json_finish(&w);
        assert_int_equal((unsigned char)buf[cap], 0x5a);
        assert_true(w.out.len <= cap);
        if (cap < full) {
            assert_true(w.out.overflow);
            assert_int_equal(n, 0);
        } else {
            assert_false(w.out.overflow);
            assert_int_equal(n, full);
        }
        /* What was written is a prefix of the line, cut between characters:
         * never inside a UTF-8 sequence. */
        assert_memory_equal(buf, want, w.out.len);
        if (w.out.len < full)
            assert_false(((unsigned char)want[w.out.len] & 0xc0) == 0x80);
        free(buf);

        /* Exact-size heap buffer: AddressSanitizer catches any write past cap. */
        char *exact = cap ? malloc(cap) : NULL;
        json_init(&w, exact, cap);
        write_sample(&w);
        assert_int_equal(json_finish(&w), cap == full ? full : 0);
        free(exact);
    }
}

/* Once overflowed, later calls add nothing, even ones that would fit. */
static void test_overflow_is_sticky(void **state)
{
    (void)state;
    char buf[8];
    struct json_writer w;
    json_init(&w, buf, sizeof buf);
    json_array_begin(&w, NULL);
    json_str(&w, NULL, "longer than eight");
    assert_true(w.out.overflow);
    size_t len = w.out.len;
    json_u64(&w, NULL, 1);
    json_array_end(&w);
    assert_int_equal(w.out.len, len);
    assert_int_equal(json_finish(&w), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_top_level_array_and_empty_object),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_str_and_key_escaping),
        cmocka_unit_test(test_utf8_valid_kept),
        cmocka_unit_test(test_utf8_invalid_replaced),
        cmocka_unit_test(test_numbers_and_bools),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_time_matches_gmtime),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_fields_errors),
        cmocka_unit_test(test_fields_raw_members),
        cmocka_unit_test(test_misuse_loses_line),
        cmocka_unit_test(test_overflow_every_size),
        cmocka_unit_test(test_overflow_is_sticky),
        cmocka_unit_test(test_escapes_at_every_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
