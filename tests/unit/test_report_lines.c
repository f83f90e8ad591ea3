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
#include "report/scan.h"

#include <json-c/json.h>

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
                             "services,server_names,ja4,cleartext_names\r\n"
                             "192.0.2.1,1,2024-05-01T10:00:00.000000Z,2024-05-01T10:00:00.000000Z,TLSv1.0,,1: alert (1),,"
                             "10.0.0.2:443/https (1),\"a,\"\"b\"\".example (1)\",,\r\n");
    free(csv);
    text_width = 0;
    char *text = render(&r, write_text);
    /* Headers upper-cased (digits too: "JA4"), times to the second. */
    assert_true(strncmp(text, "CLIENT     CONNECTIONS  FIRST SEEN           LAST SEEN            BEST OFFERED  ", 80) == 0);
    assert_non_null(strstr(text, "  JA4  CLEARTEXT NAMES\n192.0.2.1  1            2024-05-01 10:00:00  2024-05-01 10:00:00  TLSv1.0  "));
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

/* A sensor's --stats-interval record in the lines is skipped and counted,
 * neither a connection nor malformed. */
static void test_stats_records_skipped(void **state)
{
    (void)state;
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_CLIENT);
    assert_true(read_str(&r, "{\"@timestamp\":\"2024-05-01T10:00:00.000000Z\",\"event\":{\"kind\":\"metric\","
                             "\"dataset\":\"tlsscope.stats\",\"reason\":\"interval\"},\"decode\":{\"frames\":5}}", 1));
    assert_true(read_str(&r, LINE_OK, 2));
    assert_int_equal(r.lines, 2);
    assert_int_equal(r.stats_records, 1);
    assert_int_equal(r.malformed, 0);
    assert_int_equal(r.connections, 1);
    rp_report_free(&r);
}

/* ---- the one-pass reader against json-c ---------------------------------- */

/* What json-c makes of the line, as lines.c read every line before the
 * one-pass reader: RP_SCAN_* of the same meaning. */
static enum rp_scan_result reference(const char *line, struct json_object **obj, struct rp_conn *c)
{
    struct json_tokener *tok = json_tokener_new_ex(16);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    size_t len = strlen(line);
    struct json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    bool ok = o && json_tokener_get_error(tok) == json_tokener_success && json_tokener_get_parse_end(tok) == len &&
              json_object_is_type(o, json_type_object);
    json_tokener_free(tok);
    *obj = o;
    if (!ok)
        return RP_SCAN_BAD;
    if (json_object_object_get_ex(o, "report", NULL))
        return RP_SCAN_ROW;
    struct json_object *ev, *kind;
    if (json_object_object_get_ex(o, "event", &ev) && json_object_object_get_ex(ev, "kind", &kind) &&
        json_object_is_type(kind, json_type_string) && strcmp(json_object_get_string(kind), "metric") == 0)
        return RP_SCAN_STATS;
    return rp_conn_from_json(o, c) ? RP_SCAN_CONN : RP_SCAN_NOT_CONN;
}

static void same_str(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void same_conn(const struct rp_conn *a, const struct rp_conn *b)
{
    assert_int_equal(a->ts, b->ts);
    assert_int_equal(a->end, b->end);
    same_str(a->client_ip, b->client_ip);
    same_str(a->dst_ip, b->dst_ip);
    assert_int_equal(a->dst_port, b->dst_port);
    same_str(a->protocol, b->protocol);
    same_str(a->starttls, b->starttls);
    same_str(a->server_name, b->server_name);
    same_str(a->outcome, b->outcome);
    assert_int_equal(a->established, b->established);
    same_str(a->negotiated_version, b->negotiated_version);
    same_str(a->max_version, b->max_version);
    same_str(a->cipher, b->cipher);
    same_str(a->curve, b->curve);
    assert_int_equal(a->dh_prime_bits, b->dh_prime_bits);
    same_str(a->ja4, b->ja4);
    assert_int_equal(a->n_findings, b->n_findings);
    for (size_t i = 0; i < a->n_findings; i++) {
        same_str(a->findings[i].id, b->findings[i].id);
        same_str(a->findings[i].severity, b->findings[i].severity);
        same_str(a->findings[i].message, b->findings[i].message);
    }
    same_str(a->cert.sha256, b->cert.sha256);
    same_str(a->cert.subject, b->cert.subject);
    same_str(a->cert.issuer, b->cert.issuer);
    same_str(a->cert.not_after, b->cert.not_after);
    same_str(a->cert.signature_algorithm, b->cert.signature_algorithm);
    same_str(a->cert.key_algorithm, b->cert.key_algorithm);
    assert_int_equal(a->cert.key_size, b->cert.key_size);
}

/* The line read both ways: the same verdict, and for a connection the same
 * fields. */
static void agree(const char *line)
{
    struct json_object *o;
    struct rp_conn want, got;
    enum rp_scan_result ref = reference(line, &o, &want);
    size_t len = strlen(line);
    char *copy = malloc(len ? len : 1); /* exact size: ASan sees an over-read */
    char *arena = malloc(rp_scan_arena_size(len));
    assert_non_null(copy);
    assert_non_null(arena);
    memcpy(copy, line, len);
    enum rp_scan_result res = rp_scan_line(copy, len, arena, &got);
    if (res != ref)
        fail_msg("%s: one-pass reader %d, json-c %d", line, (int)res, (int)ref);
    if (res == RP_SCAN_CONN)
        same_conn(&got, &want);
    json_object_put(o);
    free(arena);
    free(copy);
}

static void test_scan_agrees_with_json_c(void **state)
{
    (void)state;
    static const char *const lines[] = {
        LINE_OK,
        "{\"@timestamp\":\"2021-08-06T14:12:56.203392Z\",\"event\":{\"end\":\"2021-08-06T14:12:57.000001Z\","
        "\"reason\":\"alert\"},\"source\":{\"ip\":\"192.168.1.192\",\"port\":50506},\"destination\":{\"ip\":"
        "\"192.168.1.20\",\"port\":443,\"bytes\":12},\"client\":{\"ip\":\"192.168.1.192\",\"port\":1},"
        "\"network\":{\"transport\":\"tcp\",\"protocol\":\"https\"},\"tls\":{\"established\":false,\"outcome\":"
        "\"alert\",\"starttls\":\"smtp\",\"negotiated_version\":\"TLSv1.0\",\"cipher\":\"TLS_RSA_WITH_RC4_128_SHA\","
        "\"curve\":\"x25519\",\"client\":{\"max_version\":\"TLSv1.0\",\"server_name\":\"a.example\",\"ja4\":\"t10\","
        "\"supported_ciphers\":[\"A\",\"B\"],\"extensions\":[0,10,11]},\"server\":{\"dh\":{\"prime_bits\":1024},"
        "\"x509\":{\"subject\":{\"common_name\":\"cn\"},\"issuer\":{\"common_name\":\"ca\"},\"not_after\":"
        "\"2030-01-01T00:00:00.000000Z\",\"signature_algorithm\":\"sha1WithRSAEncryption\","
        "\"public_key_algorithm\":\"rsaEncryption\",\"public_key_size\":2048},\"hash\":{\"sha256\":\"AB\"}},"
        "\"findings\":[{\"id\":\"legacy-client\",\"severity\":\"high\",\"message\":\"m\"},{\"id\":\"\"},7,"
        "{\"severity\":\"low\"},{\"id\":\"weak-dh\",\"message\":\"x\\\"y\"}]}}",
        /* Escapes, surrogate pairs, a lone surrogate, slashes, control escapes. */
        "{\"client\":{\"ip\":\"a\\u00e9\\ud83d\\udd12\\ud800x\\/\\b\\f\\n\\r\\t\\\\\"}}",
        "{\"client\":{\"ip\":\"\\u0041\\u004A\"},\"tls\":{\"client\":{\"server_name\":\"\\u0000hidden\"}}}",
        /* Numbers: integers, floats, exponents, negatives, -0, huge. */
        "{\"client\":{\"ip\":\"x\"},\"destination\":{\"port\":443.0}}",
        "{\"client\":{\"ip\":\"x\"},\"destination\":{\"port\":4e2}}",
        "{\"client\":{\"ip\":\"x\"},\"destination\":{\"port\":-1}}",
        "{\"client\":{\"ip\":\"x\"},\"destination\":{\"port\":-0}}",
        "{\"client\":{\"ip\":\"x\"},\"destination\":{\"port\":0}}",
        "{\"client\":{\"ip\":\"x\"},\"destination\":{\"port\":9223372036854775807}}",
        "{\"client\":{\"ip\":\"x\"},\"destination\":{\"port\":9223372036854775808}}",
        "{\"client\":{\"ip\":\"x\"},\"destination\":{\"port\":18446744073709551615}}",
        "{\"client\":{\"ip\":\"x\"},\"tls\":{\"server\":{\"x509\":{\"public_key_size\":1.5e3}}}}",
        /* Types other than the report wants: left out, not malformed. */
        "{\"client\":{\"ip\":\"x\"},\"tls\":\"none\",\"destination\":[1,2]}",
        "{\"client\":{\"ip\":\"x\"},\"tls\":{\"established\":\"true\",\"outcome\":5,\"findings\":{\"id\":\"a\"}}}",
        "{\"client\":{\"ip\":\"x\"},\"tls\":{\"established\":null,\"client\":[]}}",
        /* Whitespace between tokens and before the line. */
        " \t{ \"client\" : { \"ip\" : \"x\" } , \"tls\" : { \"established\" : true } }",
        /* Not connections, rows, and malformed lines. */
        "{}",
        /* A stats record (--stats-interval), with a client.ip or not. */
        "{\"@timestamp\":\"2024-05-01T10:00:00.000000Z\",\"event\":{\"kind\":\"metric\",\"dataset\":"
        "\"tlsscope.stats\"},\"decode\":{\"frames\":5}}",
        "{\"event\":{\"kind\":\"metric\"},\"client\":{\"ip\":\"x\"}}",
        "{\"event\":{\"kind\":\"event\"},\"client\":{\"ip\":\"x\"}}",
        "{\"client\":{\"ip\":\"\"}}",
        "{\"client\":{}}",
        "{\"report\":\"client\"}",
        "{\"client\":{\"ip\":\"x\"}}   x",
        "{\"client\":{\"ip\":\"x\"}}\t",
        "{\"client\":{\"ip\":\"x\"},}",
        "{\"client\":{\"ip\":\"x\"}",
        "{\"client\":{\"ip\":\"x\"},\"a\":[1,]}",
        "{\"client\":{\"ip\":\"x\"},\"a\":01}",
        "{\"client\":{\"ip\":\"x\"},\"a\":.5}",
        "{\"client\":{\"ip\":\"x\"},\"a\":+1}",
        "{\"client\":{\"ip\":\"x\"},\"a\":\"\\x\"}",
        "{\"client\":{\"ip\":\"x\"},\"a\":\"\\u12\"}",
        "{\"client\":{\"ip\":\"x\"},\"a\":tru}",
        "{\"client\":{\"ip\":\"x\"},\"a\":nul}",
        "{\"client\":{\"ip\":\"x\"} \"b\":1}",
        "[{\"client\":{\"ip\":\"x\"}}]",
        "\"x\"",
        "",
        "{\"a\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]],\"client\":{\"ip\":\"x\"}}",
        "{\"a\":[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]],\"client\":{\"ip\":\"x\"}}",
        "{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]],\"client\":{\"ip\":\"x\"}}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        agree(lines[i]);
}

/* What json-c's strict mode still lets through and RFC 8259 does not: a
 * fraction with no digits, a raw control character in a string. tlsscope
 * writes neither; the one-pass reader refuses both. */
static void test_scan_stricter_than_json_c(void **state)
{
    (void)state;
    static const char *const lax[] = {
        "{\"client\":{\"ip\":\"x\"},\"a\":1.}",
        "{\"client\":{\"ip\":\"x\"},\"a\":\"tab\there\"}",
        "{\"client\":{\"ip\":\"x\x01\"}}",
    };
    for (size_t i = 0; i < sizeof lax / sizeof lax[0]; i++) {
        struct json_object *o;
        struct rp_conn c;
        char arena[512];
        assert_int_equal(reference(lax[i], &o, &c), RP_SCAN_CONN);
        json_object_put(o);
        assert_int_equal(rp_scan_line(lax[i], strlen(lax[i]), arena, &c), RP_SCAN_BAD);
    }
}

/* The one deliberate difference: a field the report reads, or an object on
 * its path, given twice is a malformed line (json-c keeps the last). Names the
 * report does not read may repeat. */
static void test_scan_repeated_fields(void **state)
{
    (void)state;
    static const char *const repeated[] = {
        "{\"client\":{\"ip\":\"a\",\"ip\":\"b\"}}",
        "{\"client\":{\"ip\":\"a\"},\"client\":{\"ip\":\"b\"}}",
        "{\"client\":{\"ip\":\"a\"},\"tls\":{},\"tls\":{}}",
        "{\"client\":{\"ip\":\"a\"},\"tls\":{\"findings\":[{\"id\":\"x\",\"id\":\"y\"}]}}",
    };
    struct rp_conn c;
    char arena[512];
    for (size_t i = 0; i < sizeof repeated / sizeof repeated[0]; i++)
        assert_int_equal(rp_scan_line(repeated[i], strlen(repeated[i]), arena, &c), RP_SCAN_BAD);
    const char *ok = "{\"client\":{\"ip\":\"a\",\"port\":1,\"port\":2},\"x\":1,\"x\":2,"
                     "\"tls\":{\"findings\":[{\"id\":\"x\"},{\"id\":\"y\"}]}}";
    assert_int_equal(rp_scan_line(ok, strlen(ok), arena, &c), RP_SCAN_CONN);
    assert_int_equal(c.n_findings, 2);
    assert_string_equal(c.findings[1].id, "y");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_stats_records_skipped),
        cmocka_unit_test(test_scan_agrees_with_json_c),
        cmocka_unit_test(test_scan_repeated_fields),
        cmocka_unit_test(test_scan_stricter_than_json_c),
        cmocka_unit_test(test_gzip_and_long_lines),
        cmocka_unit_test(test_writers),
        cmocka_unit_test(test_server_row_without_destination),
        cmocka_unit_test(test_counts_saturate_and_empty_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
