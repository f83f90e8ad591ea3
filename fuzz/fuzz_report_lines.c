/* fuzz_report_lines.c - report/lines.c: rp_read_line() on each line of the
 * input, as `tlsscope report` reads a file (connection lines and report rows
 * alike), then every writer over the result.
 *
 * Input: [view:1] then text, split at '\n' into lines, each handed over as an
 * exact-size heap copy.
 * Checks:
 * - every non-blank line is counted once, as a line, and malformed ones are a
 *   subset of them, the first one's number among them;
 * - without merged rows, the client view's rows add up to the connections;
 * - each line of the JSON report is valid JSON (strict RFC 8259, UTF-8);
 * - that report read back and written again is the same bytes (a report is
 *   a fixed point of merging, which the sensors' daily merges rely on);
 * - the text, CSV and HTML writers run to the end;
 * - the one-pass reader (report/scan.h) agrees with json-c on each UTF-8
 *   line it accepts: json-c accepts it too, as the same kind of line, with
 *   the same fields (it may refuse more: see scan.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "report/format.h"
#include "report/lines.h"
#include "report/scan.h"

#include <json-c/json.h>

static char *write_json(const struct rp_report *r, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    rp_write_json(r, f);
    fclose(f);
    return buf;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The one-pass reader against json-c, the reader it replaced. */
static void scan_agrees(const char *line, size_t len)
{
    if (!rp_utf8_valid((const uint8_t *)line, len))
        return;
    char *arena = malloc(rp_scan_arena_size(len));
    FUZZ_CHECK(arena != NULL, "malloc");
    struct rp_conn got;
    enum rp_scan_result res = rp_scan_line(line, len, arena, &got);
    if (res != RP_SCAN_BAD) {
        struct json_tokener *tok = json_tokener_new_ex(16);
        FUZZ_CHECK(tok != NULL, "json_tokener_new_ex");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        struct json_object *o = json_tokener_parse_ex(tok, line, (int)len);
        FUZZ_CHECK(o && json_tokener_get_error(tok) == json_tokener_success &&
                       json_tokener_get_parse_end(tok) == len && json_object_is_type(o, json_type_object),
                   "one-pass reader accepted a line json-c refuses: %.*s", (int)len, line);
        json_tokener_free(tok);
        struct rp_conn want;
        struct json_object *ev, *kind;
        bool metric = json_object_object_get_ex(o, "event", &ev) && json_object_object_get_ex(ev, "kind", &kind) &&
                      json_object_is_type(kind, json_type_string) &&
                      strcmp(json_object_get_string(kind), "metric") == 0;
        enum rp_scan_result ref = json_object_object_get_ex(o, "report", NULL) ? RP_SCAN_ROW
                                  : metric                                     ? RP_SCAN_STATS
                                  : rp_conn_from_json(o, &want)                ? RP_SCAN_CONN
                                                                               : RP_SCAN_NOT_CONN;
        FUZZ_CHECK(res == ref, "one-pass reader says %d, json-c %d: %.*s", (int)res, (int)ref, (int)len, line);
        if (res == RP_SCAN_CONN) {
            bool eq = got.ts == want.ts && got.end == want.end && same(got.client_ip, want.client_ip) &&
                      same(got.dst_ip, want.dst_ip) && got.dst_port == want.dst_port &&
                      same(got.protocol, want.protocol) && same(got.starttls, want.starttls) &&
                      same(got.server_name, want.server_name) && same(got.outcome, want.outcome) &&
                      got.established == want.established &&
                      same(got.negotiated_version, want.negotiated_version) &&
                      same(got.max_version, want.max_version) && same(got.cipher, want.cipher) &&
                      same(got.curve, want.curve) && got.dh_prime_bits == want.dh_prime_bits &&
                      same(got.ja4, want.ja4) && same(got.cert.sha256, want.cert.sha256) &&
                      same(got.cert.subject, want.cert.subject) && same(got.cert.issuer, want.cert.issuer) &&
                      same(got.cert.not_after, want.cert.not_after) &&
                      same(got.cert.signature_algorithm, want.cert.signature_algorithm) &&
                      same(got.cert.key_algorithm, want.cert.key_algorithm) &&
                      got.cert.key_size == want.cert.key_size && got.n_findings == want.n_findings;
            for (size_t i = 0; eq && i < got.n_findings; i++)
                eq = same(got.findings[i].id, want.findings[i].id) &&
                     same(got.findings[i].severity, want.findings[i].severity) &&
                     same(got.findings[i].message, want.findings[i].message);
            FUZZ_CHECK(eq, "one-pass reader and json-c read different fields: %.*s", (int)len, line);
        }
        json_object_put(o);
    }
    free(arena);
}

static void read_text(struct rp_report *r, const char *p, size_t n, uint64_t *nonblank)
{
    uint64_t lineno = 0;
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        char *copy = (char *)fuzz_dup((const uint8_t *)p, len);
        bool blank = true;
        for (size_t i = 0; i < len; i++)
            blank &= p[i] == ' ' || p[i] == '\r';
        *nonblank += !blank;
        rp_read_line(r, copy, len, "fuzz", ++lineno);
        scan_agrees(copy, len);
        free(copy);
        p += len + (nl != NULL);
        n -= len + (nl != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum rp_view view = (enum rp_view)(data[0] % 3);
    struct rp_report r;
    rp_report_init(&r, view);
    uint64_t nonblank = 0;
    read_text(&r, (const char *)data + 1, size - 1, &nonblank);
    FUZZ_CHECK(r.lines == nonblank, "%llu lines counted, %llu given", (unsigned long long)r.lines,
               (unsigned long long)nonblank);
    FUZZ_CHECK(r.malformed <= r.lines, "malformed %llu", (unsigned long long)r.malformed);
    if (r.malformed)
        FUZZ_CHECK(r.first_malformed_line >= 1, "first malformed line %llu", (unsigned long long)r.first_malformed_line);
    if (view == RP_VIEW_CLIENT && !r.rows_merged) {
        uint64_t sum = 0;
        for (size_t i = 0; i < r.rows.cap; i++)
            if (r.rows.slots[i].key)
                sum += ((struct rp_client *)r.rows.slots[i].val)->connections;
        FUZZ_CHECK(sum == r.connections, "rows add up to %llu of %llu", (unsigned long long)sum,
                   (unsigned long long)r.connections);
    }

    size_t len;
    char *json = write_json(&r, &len);
    const char *why;
    size_t at;
    for (char *ln = json, *end = json + len; ln < end;) {
        char *nl = memchr(ln, '\n', (size_t)(end - ln));
        FUZZ_CHECK(nl != NULL, "the report's last line has no newline");
        FUZZ_CHECK(fuzz_json_valid(ln, (size_t)(nl - ln), &why, &at), "report row invalid: %s at %zu: %.*s", why, at,
                   (int)(nl - ln), ln);
        ln = nl + 1;
    }
    struct rp_report again;
    rp_report_init(&again, view);
    uint64_t n2 = 0;
    read_text(&again, json, len, &n2);
    FUZZ_CHECK(again.malformed == 0, "a row of our own report is malformed (line %llu)",
               (unsigned long long)again.first_malformed_line);
    size_t len2;
    char *json2 = write_json(&again, &len2);
    FUZZ_CHECK(len == len2 && memcmp(json, json2, len) == 0, "report changed when read back:\n%s---\n%s", json, json2);
    free(json2);
    free(json);
    rp_report_free(&again);

    FILE *null = fopen("/dev/null", "w");
    FUZZ_CHECK(null != NULL, "/dev/null");
    rp_write_text(&r, null, (unsigned)(data[0] / 3) * 4);
    rp_write_csv(&r, null);
    rp_write_html(&r, null);
    fclose(null);
    rp_report_free(&r);
    return 0;
}
