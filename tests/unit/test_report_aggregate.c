/* test_report_aggregate.c - report/aggregate.c through its real entry point
 * (rp_read_line, as `tlsscope report` feeds it): every view's aggregates,
 * the worst-first order, every filter, version ranks (no string-compare
 * traps, a missing version is not "lower"), times and durations, the inner
 * set limit, and the merge of partial reports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/aggregate.h"
#include "report/format.h"
#include "report/lines.h"

/* Hand-written lines in the schema's shape; only the fields the report reads. */
#define L_A1                                                                                                       \
    "{\"@timestamp\":\"2024-05-01T10:00:00.000000Z\",\"event\":{\"end\":\"2024-05-01T10:00:01.500000Z\"},"      \
    "\"destination\":{\"ip\":\"10.0.0.2\",\"port\":443},\"client\":{\"ip\":\"192.0.2.7\",\"port\":5000},"       \
    "\"network\":{\"protocol\":\"https\"},\"tls\":{\"established\":true,\"outcome\":\"established\","            \
    "\"negotiated_version\":\"TLSv1.0\",\"cipher\":\"TLS_RSA_WITH_RC4_128_SHA\",\"client\":{\"max_version\":"    \
    "\"TLSv1.0\",\"server_name\":\"a.example\",\"ja4\":\"t10d1\"},\"server\":{\"hash\":{\"sha256\":\"AB\"},"     \
    "\"x509\":{\"subject\":{\"common_name\":\"a.example\"},\"issuer\":{\"common_name\":\"CA\"},\"not_after\":"   \
    "\"2030-01-01T00:00:00Z\",\"signature_algorithm\":\"SHA1-RSA\",\"public_key_algorithm\":\"RSA\","             \
    "\"public_key_size\":1024}},\"findings\":[{\"id\":\"legacy-client\",\"severity\":\"high\",\"message\":\"m\"},"\
    "{\"id\":\"weak-cipher\",\"severity\":\"high\",\"message\":\"m\"}]}}"
#define L_A2                                                                                                       \
    "{\"@timestamp\":\"2024-05-03T08:00:00.000000Z\",\"destination\":{\"ip\":\"10.0.0.3\",\"port\":25},"         \
    "\"client\":{\"ip\":\"192.0.2.7\"},\"network\":{\"protocol\":\"smtp\"},\"smtp\":{\"helo\":\"printer-3\"},"      \
    "\"tls\":{\"established\":false,"                                                                             \
    "\"outcome\":\"alert\",\"starttls\":\"smtp\",\"client\":{\"max_version\":\"TLSv1.0\"},\"findings\":"          \
    "[{\"id\":\"legacy-client\",\"severity\":\"high\"},{\"id\":\"version-mismatch\",\"severity\":\"high\"}]}}"
#define L_B1                                                                                                       \
    "{\"@timestamp\":\"2024-05-02T09:00:00.000000Z\",\"destination\":{\"ip\":\"10.0.0.2\",\"port\":443},"        \
    "\"client\":{\"ip\":\"2001:db8::5\"},\"network\":{\"protocol\":\"https\"},\"tls\":{\"established\":true,"   \
    "\"outcome\":\"established\",\"negotiated_version\":\"TLSv1.2\",\"cipher\":\"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256\"," \
    "\"server\":{\"dh\":{\"prime_bits\":1024}},\"client\":{\"max_version\":\"TLSv1.2\",\"server_name\":"           \
    "\"a.example\"},\"findings\":[{\"id\":\"weak-dh\",\"severity\":\"critical\"}]}}"
/* Negotiated TLS 1.0 with a server that chose it although the client offers 1.2. */
#define L_C1                                                                                                       \
    "{\"@timestamp\":\"2024-05-02T11:00:00.000000Z\",\"destination\":{\"ip\":\"10.0.0.2\",\"port\":443},"        \
    "\"client\":{\"ip\":\"198.51.100.1\"},\"network\":{\"protocol\":\"https\"},\"tls\":{\"established\":true,"  \
    "\"outcome\":\"established\",\"negotiated_version\":\"TLSv1.0\",\"client\":{\"max_version\":\"TLSv1.2\","     \
    "\"server_name\":\"a.example\"},\"findings\":[{\"id\":\"legacy-version\",\"severity\":\"high\"}]}}"
/* No ClientHello seen: no max_version at all. */
#define L_D1                                                                                                       \
    "{\"@timestamp\":\"2024-05-02T12:00:00.000000Z\",\"destination\":{\"ip\":\"10.0.0.9\",\"port\":993},"        \
    "\"client\":{\"ip\":\"198.51.100.2\"},\"network\":{\"protocol\":\"imap\"},"                             \
    "\"imap\":{\"id\":{\"name\":\"Outlook\",\"version\":\"16.0\"}},\"tls\":{\"established\":false,"           \
    "\"outcome\":\"reset\"}}"

static void feed(struct rp_report *r, const char *const *lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_true(rp_read_line(r, lines[i], strlen(lines[i]), "test", i + 1));
}

static const char *const all_lines[] = { L_A1, L_A2, L_B1, L_C1, L_D1 };

static void *row(const struct rp_report *r, const char *key)
{
    struct rp_entry *e = rp_map_find(&r->rows, key);
    assert_non_null(e);
    return e->val;
}

static uint64_t count(const struct rp_map *m, const char *key)
{
    struct rp_entry *e = rp_map_find(m, key);
    return e ? e->n : 0;
}

static void test_client_view(void **state)
{
    (void)state;
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_CLIENT);
    feed(&r, all_lines, 5);
    assert_int_equal(r.lines, 5);
    assert_int_equal(r.connections, 5);
    assert_int_equal(r.rows.len, 4);
    struct rp_client *a = row(&r, "192.0.2.7");
    assert_int_equal(a->connections, 2);
    char t[32];
    rp_time_format(a->first_seen, t);
    assert_string_equal(t, "2024-05-01T10:00:00.000000Z");
    rp_time_format(a->last_seen, t); /* the second line has no event.end: its @timestamp counts */
    assert_string_equal(t, "2024-05-03T08:00:00.000000Z");
    assert_string_equal(a->best_offered, "TLSv1.0");
    assert_int_equal(a->negotiated.len, 1);
    assert_int_equal(count(&a->negotiated, "TLSv1.0"), 1);
    assert_int_equal(a->failures, 1);
    assert_int_equal(count(&a->failures_by_outcome, "alert"), 1);
    assert_int_equal(count(&a->findings, "legacy-client"), 2);
    assert_int_equal(count(&a->findings, "weak-cipher"), 1);
    assert_int_equal(count(&a->findings, "version-mismatch"), 1);
    assert_int_equal(count(&a->services, "10.0.0.2" RP_SEP "443" RP_SEP "https" RP_SEP ""), 1);
    assert_int_equal(count(&a->services, "10.0.0.3" RP_SEP "25" RP_SEP "smtp" RP_SEP "smtp"), 1);
    assert_int_equal(count(&a->server_names, "a.example"), 1);
    assert_int_equal(a->server_names.len, 1);
    assert_int_equal(count(&a->ja4, "t10d1"), 1);
    /* Who the client said it was before STARTTLS. */
    assert_int_equal(a->cleartext_names.len, 1);
    assert_int_equal(count(&a->cleartext_names, "EHLO printer-3"), 1);
    struct rp_client *d = row(&r, "198.51.100.2");
    assert_int_equal(count(&d->cleartext_names, "ID Outlook 16.0"), 1);
    assert_string_equal(d->best_offered, ""); /* unknown, not "lower" */
    assert_int_equal(count(&d->failures_by_outcome, "reset"), 1);

    /* Worst first: offers nothing above 1.1, negotiated legacy, failures, the rest. */
    struct rp_entry **o = rp_rows_ordered(&r);
    assert_string_equal(o[0]->key, "192.0.2.7");
    assert_string_equal(o[1]->key, "198.51.100.1");
    assert_string_equal(o[2]->key, "198.51.100.2");
    assert_string_equal(o[3]->key, "2001:db8::5");
    free(o);

    /* Charts: versions per protocol, legacy clients per day, failures by cause. */
    assert_int_equal(count(&r.versions_by_protocol, "https" RP_SEP "TLSv1.0"), 2);
    assert_int_equal(count(&r.versions_by_protocol, "https" RP_SEP "TLSv1.2"), 1);
    assert_int_equal(r.legacy_clients_by_day.len, 2);
    assert_int_equal(count(&r.legacy_clients_by_day, "2024-05-03" RP_SEP "192.0.2.7"), 1);
    assert_int_equal(count(&r.failures_by_cause, "version-mismatch"), 1);
    assert_int_equal(count(&r.failures_by_cause, "reset"), 1);
    rp_report_free(&r);
}

static void test_server_view(void **state)
{
    (void)state;
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_SERVER);
    feed(&r, all_lines, 5);
    /* a.example:443 (A1, B1, C1), 10.0.0.3:25, 10.0.0.9:993 */
    assert_int_equal(r.rows.len, 3);
    struct rp_server *s = row(&r, "10.0.0.2" RP_SEP "443" RP_SEP "https" RP_SEP "a.example");
    assert_int_equal(s->connections, 3);
    assert_int_equal(count(&s->negotiated, "TLSv1.0"), 2);
    assert_int_equal(count(&s->negotiated, "TLSv1.2"), 1);
    assert_int_equal(count(&s->ciphers, "TLS_RSA_WITH_RC4_128_SHA"), 1);
    assert_int_equal(count(&s->dh_prime_bits, "1024"), 1);
    assert_int_equal(s->certificates.len, 1);
    assert_int_equal(count(&s->certificates, "AB" RP_SEP "a.example" RP_SEP "CA" RP_SEP "2030-01-01T00:00:00Z" RP_SEP
                                             "SHA1-RSA" RP_SEP "RSA" RP_SEP "1024"),
                     1);
    assert_int_equal(count(&s->legacy_clients, "192.0.2.7"), 1);
    assert_int_equal(count(&s->legacy_clients, "198.51.100.1"), 1);
    assert_int_equal(s->legacy_clients.len, 2);
    assert_int_equal(count(&s->findings, "weak-dh"), 1);
    assert_int_equal(s->failures, 0);
    struct rp_server *smtp = row(&r, "10.0.0.3" RP_SEP "25" RP_SEP "smtp" RP_SEP "");
    assert_string_equal(smtp->starttls, "smtp");
    assert_int_equal(smtp->failures, 1);
    struct rp_entry **o = rp_rows_ordered(&r);
    assert_ptr_equal(o[0]->val, s); /* negotiates legacy versions */
    assert_ptr_equal(o[1]->val, smtp); /* findings */
    free(o);
    rp_report_free(&r);
}

static void test_finding_view(void **state)
{
    (void)state;
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_FINDING);
    feed(&r, all_lines, 5);
    /* A line listing one finding twice counts it once. */
    const char *dup = "{\"client\":{\"ip\":\"192.0.2.9\"},\"tls\":{\"findings\":[{\"id\":\"weak-dh\",\"severity\":\"high\"},"
                      "{\"id\":\"weak-dh\",\"severity\":\"high\"}]}}";
    assert_true(rp_read_line(&r, dup, strlen(dup), "test", 6));
    assert_int_equal(r.rows.len, 5); /* legacy-client, weak-cipher, version-mismatch, weak-dh, legacy-version */
    struct rp_finding *lc = row(&r, "legacy-client");
    assert_int_equal(lc->connections, 2);
    assert_string_equal(lc->severity, "high");
    assert_int_equal(count(&lc->clients, "192.0.2.7"), 2);
    assert_int_equal(lc->servers.len, 2);
    struct rp_finding *dh = row(&r, "weak-dh");
    assert_int_equal(dh->connections, 2);
    assert_string_equal(dh->severity, "critical"); /* the highest seen */
    assert_int_equal(count(&dh->clients, "192.0.2.9"), 1);
    struct rp_entry **o = rp_rows_ordered(&r);
    assert_string_equal(o[0]->key, "weak-dh");
    assert_string_equal(o[1]->key, "legacy-client"); /* high, 2 connections, before the 1-connection highs */
    free(o);
    assert_non_null(rp_finding_advice("weak-dh"));
    assert_null(rp_finding_advice("no-such-finding"));
    rp_report_free(&r);
}

static uint64_t connections_with(const struct rp_filter *f)
{
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_CLIENT);
    r.filter = *f;
    feed(&r, all_lines, 5);
    uint64_t n = r.connections;
    assert_int_equal(r.connections + r.filtered_out, 5);
    rp_report_free(&r);
    return n;
}

static void test_filters(void **state)
{
    (void)state;
    struct rp_filter f;
    rp_filter_init(&f);
    assert_int_equal(connections_with(&f), 5);
    f.legacy_only = true; /* A1, A2: C1 negotiated 1.0 but offers 1.2; D1 offers nothing known */
    assert_int_equal(connections_with(&f), 2);
    rp_filter_init(&f);
    f.since = rp_time_parse("2024-05-02");
    assert_int_equal(connections_with(&f), 4);
    f.until = rp_time_parse("2024-05-02T11:00:00Z"); /* inclusive */
    assert_int_equal(connections_with(&f), 2);
    rp_filter_init(&f);
    f.protocol = "smtp";
    assert_int_equal(connections_with(&f), 1);
    rp_filter_init(&f);
    f.finding = "legacy-client";
    assert_int_equal(connections_with(&f), 2);
    rp_filter_init(&f);
    f.server = "A.EXAMPLE"; /* server names compare without case */
    assert_int_equal(connections_with(&f), 3);
    f.server = "10.0.0.9";
    assert_int_equal(connections_with(&f), 1);
    rp_filter_init(&f);
    assert_int_equal(rp_filter_set_client(&f, "198.51.100.0/24"), 0);
    assert_int_equal(connections_with(&f), 2);
    assert_int_equal(rp_filter_set_client(&f, "198.51.100.0/30"), 0);
    assert_int_equal(connections_with(&f), 2);
    assert_int_equal(rp_filter_set_client(&f, "198.51.100.2/31"), 0); /* .2 and .3: a prefix inside a byte */
    assert_int_equal(connections_with(&f), 1);
    assert_int_equal(rp_filter_set_client(&f, "198.51.100.2/32"), 0);
    assert_int_equal(connections_with(&f), 1);
    assert_int_equal(rp_filter_set_client(&f, "2001:db8::/32"), 0);
    assert_int_equal(connections_with(&f), 1);
    assert_int_equal(rp_filter_set_client(&f, "192.0.2.7"), 0);
    assert_int_equal(connections_with(&f), 2);
    assert_int_equal(rp_filter_set_client(&f, "10.0.0.0/33"), -1);
    assert_int_equal(rp_filter_set_client(&f, "example.com"), -1);
    assert_int_equal(rp_filter_set_client(&f, "/8"), -1);
}

static void test_versions_and_times(void **state)
{
    (void)state;
    /* String order would put "TLSv1.10" above "TLSv1.2" and "" below all. */
    assert_true(rp_version_rank("TLSv1.2") > rp_version_rank("TLSv1.1"));
    assert_true(rp_version_rank("TLSv1.3") > rp_version_rank("TLSv1.3-draft28"));
    assert_true(rp_version_rank("TLSv1.3-draft28") > rp_version_rank("TLSv1.2"));
    assert_true(rp_version_rank("SSLv3") > rp_version_rank("SSLv2"));
    assert_int_equal(rp_version_rank("TLSv1.10"), 0);
    assert_int_equal(rp_version_rank("0x7a7a"), 0);
    assert_int_equal(rp_version_rank(NULL), 0);
    assert_true(rp_version_legacy("DTLSv1.0"));
    assert_false(rp_version_legacy("DTLSv1.2"));
    assert_false(rp_version_legacy("0x0100"));
    assert_false(rp_version_legacy(NULL));

    assert_int_equal(rp_time_parse("1970-01-01T00:00:01.5Z"), 1500000);
    assert_int_equal(rp_time_parse("2024-05-01"), (int64_t)1714521600 * 1000000);
    assert_int_equal(rp_time_parse("2018-02-22T13:53:10.494123Z"), (int64_t)1519307590 * 1000000 + 494123);
    assert_true(rp_time_parse("2024-13-01") == INT64_MIN);
    assert_true(rp_time_parse("2024-05-01T10:00") == INT64_MIN);
    assert_true(rp_time_parse("yesterday") == INT64_MIN);
    char t[32];
    rp_time_format((int64_t)1519307590 * 1000000 + 494123, t);
    assert_string_equal(t, "2018-02-22T13:53:10.494123Z");
    int64_t now = (int64_t)1714521600 * 1000000;
    assert_int_equal(rp_time_arg("30d", now), now - (int64_t)30 * 86400 * 1000000);
    assert_int_equal(rp_time_arg("12h", now), now - (int64_t)12 * 3600 * 1000000);
    assert_int_equal(rp_time_arg("2w", now), now - (int64_t)14 * 86400 * 1000000);
    assert_int_equal(rp_time_arg("90s", now), now - (int64_t)90 * 1000000);
    assert_int_equal(rp_time_arg("2024-05-01", now), now);
    assert_true(rp_time_arg("30x", now) == INT64_MIN);
    assert_true(rp_time_arg("-3d", now) == INT64_MIN);
    assert_true(rp_time_arg("", now) == INT64_MIN);
}

/* A client's server names stop at RP_SET_LIMIT; the rest is counted. */
static void test_set_limit(void **state)
{
    (void)state;
    struct rp_report r;
    rp_report_init(&r, RP_VIEW_CLIENT);
    char line[256];
    for (int i = 0; i < RP_SET_LIMIT + 5; i++) {
        int n = snprintf(line, sizeof line,
                         "{\"client\":{\"ip\":\"192.0.2.1\"},\"tls\":{\"client\":{\"server_name\":\"h%d.example\"}}}", i);
        assert_true(rp_read_line(&r, line, (size_t)n, "test", (uint64_t)i + 1));
    }
    struct rp_client *c = row(&r, "192.0.2.1");
    assert_int_equal(c->connections, RP_SET_LIMIT + 5);
    assert_int_equal(c->server_names.len, RP_SET_LIMIT);
    assert_int_equal(c->server_names.omitted, 5);
    rp_report_free(&r);
}

static char *json_of(const struct rp_report *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(rp_write_json(r, f), 0);
    fclose(f);
    return buf;
}

/* Merging partial reports, in memory and through their JSON rows, gives the
 * report over all lines, in every view. */
static void test_merge(void **state)
{
    (void)state;
    for (int v = RP_VIEW_CLIENT; v <= RP_VIEW_FINDING; v++) {
        struct rp_report all, a, b, merged, reread;
        rp_report_init(&all, (enum rp_view)v);
        rp_report_init(&a, (enum rp_view)v);
        rp_report_init(&b, (enum rp_view)v);
        rp_report_init(&merged, (enum rp_view)v);
        rp_report_init(&reread, (enum rp_view)v);
        feed(&all, all_lines, 5);
        const char *const first[] = { L_A2, L_D1 }, *const second[] = { L_B1, L_A1, L_C1 };
        feed(&a, first, 2);
        feed(&b, second, 3);
        rp_report_merge(&merged, &a);
        rp_report_merge(&merged, &b);
        char *want = json_of(&all), *got = json_of(&merged);
        assert_string_equal(got, want);
        free(got);
        /* Through JSON: each part's rows read back into one report. */
        char *ja = json_of(&a), *jb = json_of(&b);
        for (char *text = ja; text; text = text == ja ? jb : NULL) {
            char *save = NULL;
            uint64_t n = 0;
            for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save))
                assert_true(rp_read_line(&reread, ln, strlen(ln), "rows", ++n));
        }
        got = json_of(&reread);
        assert_string_equal(got, want);
        assert_int_equal(reread.rows_merged, a.rows.len + b.rows.len + 2); /* and the two summaries */
        free(got);
        free(ja);
        free(jb);
        free(want);
        rp_report_free(&all);
        rp_report_free(&a);
        rp_report_free(&b);
        rp_report_free(&merged);
        rp_report_free(&reread);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_view),   cmocka_unit_test(test_server_view),
        cmocka_unit_test(test_finding_view),  cmocka_unit_test(test_filters),
        cmocka_unit_test(test_versions_and_times), cmocka_unit_test(test_set_limit),
        cmocka_unit_test(test_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
