/* test_report_lines.c - report/lines.c and the writers in report/format_*.c:
 * malformed lines skipped and counted with the first line number, blank lines
 * ignored, rows of another view set aside, gzip and plain files, lines
 * longer than the read buffer; the exact JSON row, CSV quoting and the text
 * table cut to a width.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "report/aggregate.h"
#include "report/format.h"
#include "report/lines.h"

#define LINE_OK "{\"client\":{\"ip\":\"192.0.2.1\"},\"tls\":{\"established\":true,\"negotiated_version\":\"TLSv1.2\"}}"

static bool read_str(struct rp_report *r, const char *s, uint64_t n)
{
    return rp_read_line(r, s, strlen(s), "in", n);
}

static void test_malformed(void **state)
{
    (void)state;
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_CLIENT);
    assert_true(read_str(&r, LINE_OK, 1));
    assert_true(read_str(&r, "", 2));    /* blank: neither a line nor malformed */
    assert_true(read_str(&r, " \r\n", 3));
    assert_false(read_str(&r, "{\"client\":{\"ip\":\"192.0.2.1\"}", 4)); /* cut short */
    assert_false(read_str(&r, "{}x", 5));                                /* trailing garbage */
    assert_false(read_str(&r, "[1,2]", 6));                              /* not an object */
    assert_false(read_str(&r, "{\"client\":{\"ip\":7}}", 7));            /* no client.ip string */
    assert_false(read_str(&r, "{'client':1}", 8));                       /* not RFC 8259 */
    assert_false(read_str(&r, "{\"report\":\"nonsense\",\"connections\":1}", 9));
    assert_false(read_str(&r, "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 10));
    /* Not UTF-8 (fuzz_report_lines found it passed on into the report). */
    assert_false(read_str(&r, "{\"client\":{\"ip\":\"\xff" "192.0.2.1\"}}", 11));
    assert_false(read_str(&r, "{\"client\":{\"ip\":\"\xc0\x9a\"}}", 11)); /* overlong: json-c lets it through */
    assert_false(read_str(&r, "{\"client\":{\"ip\":\"\xed\xa0\x80\"}}", 11)); /* a surrogate */
    assert_false(read_str(&r, "{\"client\":{\"ip\":\"\xf4\x90\x80\x80\"}}", 11)); /* above U+10FFFF */
    assert_true(read_str(&r, "{\"client\":{\"ip\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92\"}}", 11));
    assert_true(read_str(&r, LINE_OK, 12));
    assert_int_equal(r.lines, 14);
    assert_int_equal(r.malformed, 11);
    assert_int_equal(r.first_malformed_line, 4);
    assert_string_equal(r.first_malformed_input, "in");
    assert_int_equal(r.connections, 3);
    /* A row of another view is valid but set aside, and said so. */
    assert_true(read_str(&r, "{\"report\":\"server\",\"destination\":{\"ip\":\"10.0.0.1\",\"port\":443},\"connections\":3}", 13));
    assert_int_equal(r.rows_other_view, 1);
    assert_int_equal(r.rows.len, 2);
    rp_report_free(&r);
}

static char *temp_path(void)
{
    char *p = strdup("/tmp/test_report_linesXXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    return p;
}

static void test_gzip_and_long_lines(void **state)
{
    (void)state;
    char *path = temp_path();
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    gzputs(gz, LINE_OK "\n");
    gzputs(gz, "not json\n");
    /* A server name of 200000 bytes: three times the 64 KiB first buffer. */
    gzputs(gz, "{\"client\":{\"ip\":\"192.0.2.2\"},\"tls\":{\"client\":{\"server_name\":\"");
    for (int i = 0; i < 200000; i++)
        gzputc(gz, 'a');
    gzputs(gz, "\"}}}\n");
    gzputs(gz, LINE_OK); /* the last line has no newline */
    gzclose(gz);
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_CLIENT);
    char err[128];
    assert_int_equal(rp_read_file(&r, path, "day.jsonl.gz", err, sizeof err), 0);
    assert_int_equal(r.lines, 4);
    assert_int_equal(r.malformed, 1);
    assert_int_equal(r.first_malformed_line, 2);
    assert_int_equal(r.connections, 3);
    struct rp_client *c = rp_map_find(&r.rows, "192.0.2.2")->val;
    assert_int_equal(c->server_names.len, 1);
    struct rp_entry **names = rp_map_sorted(&c->server_names);
    assert_int_equal(strlen(names[0]->key), 200000);
    free(names);
    rp_report_free(&r);

    /* Plain text through the same call. */
    FILE *f = fopen(path, "w");
    fputs(LINE_OK "\n" LINE_OK "\n", f);
    fclose(f);
    rp_report_init(&r, RP_VIEW_CLIENT);
    assert_int_equal(rp_read_file(&r, path, "plain", err, sizeof err), 0);
    assert_int_equal(r.connections, 2);
    assert_int_equal(r.malformed, 0);
    rp_report_free(&r);

    /* A truncated gzip stream: what was read counts, and the error is said. */
    gz = gzopen(path, "wb");
    for (int i = 0; i < 2000; i++)
        gzputs(gz, LINE_OK "\n");
    gzclose(gz);
    assert_int_equal(truncate(path, 300), 0);
    rp_report_init(&r, RP_VIEW_CLIENT);
    assert_int_equal(rp_read_file(&r, path, "cut", err, sizeof err), -1);
    assert_true(r.connections > 0 && r.connections < 2000);
    rp_report_free(&r);
    unlink(path);
    free(path);
    assert_int_equal(rp_read_file(&r, "/nonexistent/x", "x", err, sizeof err), -1);
}

static char *render(const struct rp_report *r, int (*w)(const struct rp_report *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(w(r, f), 0);
    fclose(f);
    return buf;
}

static unsigned text_width;
static int write_text(const struct rp_report *r, FILE *f)
{
    return rp_write_text(r, f, text_width);
}

static void test_writers(void **state)
{
    (void)state;
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_CLIENT);
    assert_true(read_str(&r,
                         "{\"@timestamp\":\"2024-05-01T10:00:00.000000Z\",\"client\":{\"ip\":\"192.0.2.1\"},"
                         "\"destination\":{\"ip\":\"10.0.0.2\",\"port\":443},\"network\":{\"protocol\":\"https\"},"
                         "\"tls\":{\"established\":false,\"outcome\":\"alert\",\"client\":{\"max_version\":\"TLSv1.0\","
                         "\"server_name\":\"a,\\\"b\\\".example\"}}}",
                         1));
    char *json = render(&r, rp_write_json);
    assert_string_equal(json,
                        "{\"report\":\"client\",\"client\":{\"ip\":\"192.0.2.1\"},\"connections\":1,"
                        "\"first_seen\":\"2024-05-01T10:00:00.000000Z\",\"last_seen\":\"2024-05-01T10:00:00.000000Z\","
                        "\"best_offered_version\":\"TLSv1.0\",\"failures\":1,\"failures_by_outcome\":{\"alert\":1},"
                        "\"services\":[{\"destination\":{\"ip\":\"10.0.0.2\",\"port\":443},\"network\":{\"protocol\":"
                        "\"https\"},\"connections\":1}],\"server_names\":{\"a,\\\"b\\\".example\":1}}\n"
                        "{\"report\":\"summary\",\"view\":\"client\",\"connections\":1,\"legacy_clients_by_day\":"
                        "{\"2024-05-01\":{\"192.0.2.1\":1}},\"failures_by_cause\":{\"alert\":1}}\n");
    free(json);
    char *csv = render(&r, rp_write_csv);
    assert_string_equal(csv, "client,connections,first_seen,last_seen,best_offered,negotiated,failures,findings,"
                             "services,server_names,ja4\r\n"
                             "192.0.2.1,1,2024-05-01T10:00:00.000000Z,2024-05-01T10:00:00.000000Z,TLSv1.0,,1: alert (1),,"
                             "10.0.0.2:443/https (1),\"a,\"\"b\"\".example (1)\",\r\n");
    free(csv);
    text_width = 0;
    char *text = render(&r, write_text);
    /* Headers upper-cased (digits too: "JA4"), times to the second. */
    assert_true(strncmp(text, "CLIENT     CONNECTIONS  FIRST SEEN           LAST SEEN            BEST OFFERED  ", 80) == 0);
    assert_non_null(strstr(text, "  JA4\n192.0.2.1  1            2024-05-01 10:00:00  2024-05-01 10:00:00  TLSv1.0  "));
    assert_non_null(strstr(text, "a,\"b\".example (1)"));
    free(text);
    /* Cut to 200 columns: no line is wider, and the cut cell ends in "...". */
    text_width = 200;
    text = render(&r, write_text);
    for (char *ln = text; *ln;) {
        char *nl = strchr(ln, '\n');
        assert_non_null(nl);
        assert_true((size_t)(nl - ln) <= 200);
        ln = nl + 1;
    }
    free(text);
    char *html = render(&r, rp_write_html);
    assert_non_null(strstr(html, "<td>a,&quot;b&quot;.example (1)</td>"));
    assert_non_null(strstr(html, "<dd id=\"sum-legacy-clients\">1</dd>"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "href="));
    free(html);
    rp_report_free(&r);
}

/* fuzz_report_lines: a server row of a line without a destination wrote
 * "port":-1 and no address, and did not read back. */
static void test_server_row_without_destination(void **state)
{
    (void)state;
    struct rp_report r, again;
    rp_report_init(&r, RP_VIEW_SERVER);
    rp_report_init(&again, RP_VIEW_SERVER);
    assert_true(read_str(&r, "{\"client\":{\"ip\":\"192.0.2.1\"},\"tls\":{\"established\":false}}", 1));
    char *json = render(&r, rp_write_json);
    assert_string_equal(json, "{\"report\":\"server\",\"connections\":1,\"failures\":1,\"failures_by_outcome\":"
                              "{\"unknown\":1}}\n{\"report\":\"summary\",\"view\":\"server\",\"connections\":1,"
                              "\"failures_by_cause\":{\"unknown\":1}}\n");
    size_t first = strcspn(json, "\n");
    assert_true(rp_read_line(&again, json, first, "rows", 1));
    assert_true(read_str(&again, json + first + 1, 2));
    char *json2 = render(&again, rp_write_json);
    assert_string_equal(json2, json);
    free(json);
    free(json2);
    rp_report_free(&r);
    rp_report_free(&again);
}

/* fuzz_report_lines: counts read back from rows add up saturating (a sum
 * past INT64_MAX was written negative), and an empty client address or
 * finding id is no key (its row could not be read back). */
static void test_counts_saturate_and_empty_keys(void **state)
{
    (void)state;
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_CLIENT);
    const char *row = "{\"report\":\"client\",\"client\":{\"ip\":\"192.0.2.1\"},\"connections\":9223372036854775807,"
                      "\"findings\":{\"weak-dh\":9223372036854775807}}";
    assert_true(read_str(&r, row, 1));
    assert_true(read_str(&r, row, 2));
    struct rp_client *c = rp_map_find(&r.rows, "192.0.2.1")->val;
    assert_int_equal(c->connections, INT64_MAX);
    assert_int_equal(rp_map_find(&c->findings, "weak-dh")->n, INT64_MAX);
    assert_false(read_str(&r, "{\"client\":{\"ip\":\"\"}}", 3));
    assert_false(read_str(&r, "{\"report\":\"client\",\"client\":{\"ip\":\"\"},\"connections\":1}", 4));
    assert_true(read_str(&r, "{\"client\":{\"ip\":\"192.0.2.2\"},\"tls\":{\"findings\":[{\"id\":\"\"}]}}", 5));
    assert_int_equal(((struct rp_client *)rp_map_find(&r.rows, "192.0.2.2")->val)->findings.len, 0);
    assert_int_equal(r.malformed, 2);
    rp_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_gzip_and_long_lines),
        cmocka_unit_test(test_writers),
        cmocka_unit_test(test_server_row_without_destination),
        cmocka_unit_test(test_counts_saturate_and_empty_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
