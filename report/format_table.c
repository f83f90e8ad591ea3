/* format_table.c - a report as a table of display strings, shared by the
 * text, CSV and HTML writers so the three always show the same columns.
 * Counted sets are written "value:count" in key order, a service
 * "address:port/protocol" (with "+starttls" when upgraded).
 */
#include "report/format.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const client_cols[] = { "client",     "connections", "first_seen", "last_seen",
                                           "best_offered", "negotiated",  "failures",   "findings",
                                           "services",   "server_names", "ja4", "cleartext_names" };
static const char *const server_cols[] = { "service",  "protocol", "server_name", "connections",  "negotiated",
                                           "ciphers",  "groups",   "dh_bits",     "certificates", "findings",
                                           "legacy_clients", "failures" };
static const char *const finding_cols[] = { "finding", "severity", "connections", "clients", "servers", "advice" };

/* A growable string; on allocation failure it stays as it was. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->len + (size_t)n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return;
        b->p = p;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static char *sb_take(struct sbuf *b)
{
    return b->p ? b->p : strdup("");
}

static char *cell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *cell(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s ? s : strdup("");
}

static char *time_cell(int64_t t, bool compact)
{
    if (t == INT64_MIN || t == INT64_MAX)
        return strdup("");
    char buf[32];
    rp_time_format(t, buf);
    if (compact) {
        buf[10] = ' ';
        buf[19] = '\0';
    }
    return strdup(buf);
}

/* How a service key reads: 10.0.0.1:993/imap (IPv6 in brackets). The last
 * field is STARTTLS (a client's services) or the server name. */
static void service_text(struct sbuf *b, const char *key, bool with_last, const char *last_prefix)
{
    char buf[RP_KEY_MAX], *f[4] = { 0 };
    snprintf(buf, sizeof buf, "%s", key);
    size_t n = rp_key_split(buf, f, 4);
    bool v6 = strchr(f[0], ':') != NULL;
    sb_printf(b, v6 ? "[%s]" : "%s", f[0]);
    if (n > 1 && strcmp(f[1], "-1") != 0)
        sb_printf(b, ":%s", f[1]);
    if (n > 2 && f[2][0])
        sb_printf(b, "/%s", f[2]);
    if (with_last && n > 3 && f[3][0])
        sb_printf(b, "%s%s", last_prefix, f[3]);
}

static char *counts_cell(const struct rp_map *m, bool services, bool with_last, const char *last_prefix)
{
    struct sbuf b = { 0 };
    struct rp_entry **v = rp_map_sorted(m);
    for (size_t i = 0; v && i < m->len; i++) {
        if (i)
            sb_printf(&b, ", ");
        if (services)
            service_text(&b, v[i]->key, with_last, last_prefix);
        else
            sb_printf(&b, "%s", v[i]->key);
        sb_printf(&b, " (%" PRIu64 ")", v[i]->n);
    }
    free(v);
    if (m->omitted)
        sb_printf(&b, "%s+%" PRIu64 " more", b.len ? ", " : "", m->omitted);
    return sb_take(&b);
}

static char *failures_cell(uint64_t failures, const struct rp_map *by_outcome)
{
    if (!failures)
        return strdup("0");
    char *detail = counts_cell(by_outcome, false, false, "");
    char *s = cell("%" PRIu64 ": %s", failures, detail);
    free(detail);
    return s;
}

static char *certs_cell(const struct rp_map *m)
{
    struct sbuf b = { 0 };
    struct rp_entry **v = rp_map_sorted(m);
    for (size_t i = 0; v && i < m->len; i++) {
        char buf[RP_KEY_MAX], *f[7] = { 0 };
        snprintf(buf, sizeof buf, "%s", v[i]->key);
        if (rp_key_split(buf, f, 7) != 7)
            continue;
        sb_printf(&b, "%s%s (issuer %s, until %.10s, %s, %s %s)", i ? "; " : "", f[1][0] ? f[1] : "?",
                  f[2][0] ? f[2] : "?", f[3], f[4], f[5], strcmp(f[6], "-1") ? f[6] : "");
    }
    free(v);
    return sb_take(&b);
}

static void client_cells(char **c, const char *key, const struct rp_client *r, bool compact)
{
    c[0] = strdup(key);
    c[1] = cell("%" PRIu64, r->connections);
    c[2] = time_cell(r->first_seen, compact);
    c[3] = time_cell(r->last_seen, compact);
    c[4] = strdup(r->best_offered);
    c[5] = counts_cell(&r->negotiated, false, false, "");
    c[6] = failures_cell(r->failures, &r->failures_by_outcome);
    c[7] = counts_cell(&r->findings, false, false, "");
    c[8] = counts_cell(&r->services, true, true, "+starttls ");
    c[9] = counts_cell(&r->server_names, false, false, "");
    c[10] = counts_cell(&r->ja4, false, false, "");
    c[11] = counts_cell(&r->cleartext_names, false, false, "");
}

static void server_cells(char **c, const char *key, const struct rp_server *r)
{
    char buf[RP_KEY_MAX], *f[4] = { 0 };
    snprintf(buf, sizeof buf, "%s", key);
    size_t n = rp_key_split(buf, f, 4);
    struct sbuf b = { 0 };
    service_text(&b, key, false, "");
    c[0] = sb_take(&b);
    c[1] = n > 2 ? (r->starttls[0] ? cell("%s (starttls)", f[2]) : strdup(f[2])) : strdup("");
    c[2] = strdup(n > 3 ? f[3] : "");
    c[3] = cell("%" PRIu64, r->connections);
    c[4] = counts_cell(&r->negotiated, false, false, "");
    c[5] = counts_cell(&r->ciphers, false, false, "");
    c[6] = counts_cell(&r->groups, false, false, "");
    c[7] = counts_cell(&r->dh_prime_bits, false, false, "");
    c[8] = certs_cell(&r->certificates);
    c[9] = counts_cell(&r->findings, false, false, "");
    c[10] = counts_cell(&r->legacy_clients, false, false, "");
    c[11] = failures_cell(r->failures, &r->failures_by_outcome);
}

static void finding_cells(char **c, const char *key, const struct rp_finding *r)
{
    const char *advice = rp_finding_advice(key);
    c[0] = strdup(key);
    c[1] = strdup(r->severity);
    c[2] = cell("%" PRIu64, r->connections);
    c[3] = counts_cell(&r->clients, false, false, "");
    c[4] = counts_cell(&r->servers, true, true, " ");
    c[5] = strdup(advice ? advice : "");
}

int rp_table_build(const struct rp_report *r, struct rp_table *t, bool compact)
{
    memset(t, 0, sizeof *t);
    if (r->view == RP_VIEW_CLIENT) {
        t->cols = client_cols;
        t->n_cols = sizeof client_cols / sizeof client_cols[0];
    } else if (r->view == RP_VIEW_SERVER) {
        t->cols = server_cols;
        t->n_cols = sizeof server_cols / sizeof server_cols[0];
    } else {
        t->cols = finding_cols;
        t->n_cols = sizeof finding_cols / sizeof finding_cols[0];
    }
    t->n_rows = r->rows.len;
    if (!t->n_rows)
        return 0;
    struct rp_entry **rows = rp_rows_ordered(r);
    t->cells = calloc(t->n_rows * t->n_cols, sizeof *t->cells);
    if (!rows || !t->cells) {
        free(rows);
        free(t->cells);
        t->cells = NULL;
        t->n_rows = 0;
        return -1;
    }
    for (size_t i = 0; i < t->n_rows; i++) {
        char **c = t->cells + i * t->n_cols;
        if (r->view == RP_VIEW_CLIENT)
            client_cells(c, rows[i]->key, rows[i]->val, compact);
        else if (r->view == RP_VIEW_SERVER)
            server_cells(c, rows[i]->key, rows[i]->val);
        else
            finding_cells(c, rows[i]->key, rows[i]->val);
    }
    free(rows);
    return 0;
}

void rp_table_free(struct rp_table *t)
{
    for (size_t i = 0; t->cells && i < t->n_rows * t->n_cols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}
