/* format_json.c - report rows as JSON lines, and back.
 *
 * Each row is named the way the line schema names the same thing (a client
 * is {"client":{"ip":...}}, a service {"destination":{...},"network":
 * {"protocol":...},"tls":{"client":{"server_name":...}}}), so a user who
 * knows the lines can read the rows. "report" says which view a row belongs
 * to; a last "summary" row carries the totals and chart data. Sets are
 * written as {value: count} objects, sorted by key: counts add up, so a row
 * read back merges exactly (rp_merge_json_row), which is how sensors' daily
 * reports combine into one.
 */
#include "report/format.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static const char *const view_names[] = { "client", "server", "finding" };

/* ---- writing ---- */

static void put(struct json_object *o, const char *key, struct json_object *v)
{
    json_object_object_add(o, key, v);
}

static struct json_object *child(struct json_object *o, const char *key)
{
    struct json_object *c;
    if (json_object_object_get_ex(o, key, &c))
        return c;
    c = json_object_new_object();
    put(o, key, c);
    return c;
}

static void put_str(struct json_object *o, const char *key, const char *s)
{
    if (s && *s)
        put(o, key, json_object_new_string(s));
}

static void put_time(struct json_object *o, const char *key, int64_t t)
{
    if (t == INT64_MIN || t == INT64_MAX)
        return;
    char buf[32];
    rp_time_format(t, buf);
    put_str(o, key, buf);
}

static void put_counts(struct json_object *o, struct json_object *omitted, const char *key, const struct rp_map *m)
{
    if (m->omitted)
        put(omitted, key, json_object_new_int64((int64_t)m->omitted));
    if (!m->len)
        return;
    struct json_object *c = json_object_new_object();
    struct rp_entry **v = rp_map_sorted(m);
    for (size_t i = 0; v && i < m->len; i++)
        put(c, v[i]->key, json_object_new_int64((int64_t)v[i]->n));
    free(v);
    put(o, key, c);
}

/* A service key (ip, port, protocol, last) as the line schema nests it. */
static void put_service(struct json_object *o, const char *key, bool last_is_sni)
{
    char buf[RP_KEY_MAX], *f[4] = { 0 };
    snprintf(buf, sizeof buf, "%s", key);
    size_t n = rp_key_split(buf, f, 4);
    /* A line without a destination gives a key with no address and port -1:
     * the row then has no "destination" (or no port), and reads back alike. */
    if (f[0][0])
        put_str(child(o, "destination"), "ip", f[0]);
    if (n > 1 && f[1][0] && strcmp(f[1], "-1") != 0)
        put(child(o, "destination"), "port", json_object_new_int64(strtoll(f[1], NULL, 10)));
    if (n > 2 && f[2][0])
        put_str(child(o, "network"), "protocol", f[2]);
    if (n > 3 && f[3][0]) {
        if (last_is_sni)
            put_str(child(child(o, "tls"), "client"), "server_name", f[3]);
        else
            put_str(child(o, "tls"), "starttls", f[3]);
    }
}

static void put_services(struct json_object *o, struct json_object *omitted, const char *key,
                         const struct rp_map *m, bool last_is_sni)
{
    if (m->omitted)
        put(omitted, key, json_object_new_int64((int64_t)m->omitted));
    if (!m->len)
        return;
    struct json_object *a = json_object_new_array();
    struct rp_entry **v = rp_map_sorted(m);
    for (size_t i = 0; v && i < m->len; i++) {
        struct json_object *s = json_object_new_object();
        put_service(s, v[i]->key, last_is_sni);
        put(s, "connections", json_object_new_int64((int64_t)v[i]->n));
        json_object_array_add(a, s);
    }
    free(v);
    put(o, key, a);
}

static void put_certificates(struct json_object *o, struct json_object *omitted, const struct rp_map *m)
{
    if (m->omitted)
        put(omitted, "certificates", json_object_new_int64((int64_t)m->omitted));
    if (!m->len)
        return;
    struct json_object *a = json_object_new_array();
    struct rp_entry **v = rp_map_sorted(m);
    for (size_t i = 0; v && i < m->len; i++) {
        char buf[RP_KEY_MAX], *f[7] = { 0 };
        snprintf(buf, sizeof buf, "%s", v[i]->key);
        size_t n = rp_key_split(buf, f, 7);
        struct json_object *c = json_object_new_object(), *x = json_object_new_object();
        put_str(child(c, "hash"), "sha256", f[0]);
        if (n == 7) {
            if (f[1][0])
                put_str(child(x, "subject"), "common_name", f[1]);
            if (f[2][0])
                put_str(child(x, "issuer"), "common_name", f[2]);
            put_str(x, "not_after", f[3]);
            put_str(x, "signature_algorithm", f[4]);
            put_str(x, "public_key_algorithm", f[5]);
            int64_t bits = strtoll(f[6], NULL, 10);
            if (bits >= 0)
                put(x, "public_key_size", json_object_new_int64(bits));
        }
        put(c, "x509", x);
        put(c, "connections", json_object_new_int64((int64_t)v[i]->n));
        json_object_array_add(a, c);
    }
    free(v);
    put(o, "certificates", a);
}

static struct json_object *client_row(const char *key, const struct rp_client *c)
{
    struct json_object *o = json_object_new_object(), *om = json_object_new_object();
    put_str(o, "report", "client");
    put_str(child(o, "client"), "ip", key);
    put(o, "connections", json_object_new_int64((int64_t)c->connections));
    put_time(o, "first_seen", c->first_seen);
    put_time(o, "last_seen", c->last_seen);
    put_str(o, "best_offered_version", c->best_offered);
    put_counts(o, om, "negotiated_versions", &c->negotiated);
    put(o, "failures", json_object_new_int64((int64_t)c->failures));
    put_counts(o, om, "failures_by_outcome", &c->failures_by_outcome);
    put_counts(o, om, "findings", &c->findings);
    put_services(o, om, "services", &c->services, false);
    put_counts(o, om, "server_names", &c->server_names);
    put_counts(o, om, "ja4", &c->ja4);
    put_counts(o, om, "cleartext_names", &c->cleartext_names);
    if (json_object_object_length(om))
        put(o, "omitted", om);
    else
        json_object_put(om);
    return o;
}

static struct json_object *server_row(const char *key, const struct rp_server *s)
{
    struct json_object *o = json_object_new_object(), *om = json_object_new_object();
    put_str(o, "report", "server");
    put_service(o, key, true);
    if (s->starttls[0])
        put_str(child(o, "tls"), "starttls", s->starttls);
    put(o, "connections", json_object_new_int64((int64_t)s->connections));
    put_time(o, "first_seen", s->first_seen);
    put_time(o, "last_seen", s->last_seen);
    put_counts(o, om, "negotiated_versions", &s->negotiated);
    put_counts(o, om, "ciphers", &s->ciphers);
    put_counts(o, om, "groups", &s->groups);
    put_counts(o, om, "dh_prime_bits", &s->dh_prime_bits);
    put_certificates(o, om, &s->certificates);
    put_counts(o, om, "findings", &s->findings);
    put_counts(o, om, "legacy_clients", &s->legacy_clients);
    put(o, "failures", json_object_new_int64((int64_t)s->failures));
    put_counts(o, om, "failures_by_outcome", &s->failures_by_outcome);
    if (json_object_object_length(om))
        put(o, "omitted", om);
    else
        json_object_put(om);
    return o;
}

static struct json_object *finding_row(const char *key, const struct rp_finding *f)
{
    struct json_object *o = json_object_new_object(), *om = json_object_new_object();
    put_str(o, "report", "finding");
    struct json_object *fo = child(o, "finding");
    put_str(fo, "id", key);
    put_str(fo, "severity", f->severity);
    put(o, "connections", json_object_new_int64((int64_t)f->connections));
    put_counts(o, om, "clients", &f->clients);
    put_services(o, om, "servers", &f->servers, true);
    put_str(o, "advice", rp_finding_advice(key));
    if (json_object_object_length(om))
        put(o, "omitted", om);
    else
        json_object_put(om);
    return o;
}

/* A map of two-field keys ("https\x1fTLSv1.2") as nested objects
 * ({"https":{"TLSv1.2":n}}): readable, and the separator stays internal. */
static void put_nested(struct json_object *o, struct json_object *omitted, const char *key, const struct rp_map *m)
{
    if (m->omitted)
        put(omitted, key, json_object_new_int64((int64_t)m->omitted));
    if (!m->len)
        return;
    struct json_object *outer = json_object_new_object();
    struct rp_entry **v = rp_map_sorted(m);
    for (size_t i = 0; v && i < m->len; i++) {
        char buf[RP_KEY_MAX], *f[2] = { 0 };
        snprintf(buf, sizeof buf, "%s", v[i]->key);
        if (rp_key_split(buf, f, 2) != 2)
            continue;
        put(child(outer, f[0]), f[1], json_object_new_int64((int64_t)v[i]->n));
    }
    free(v);
    put(o, key, outer);
}

static struct json_object *summary_row(const struct rp_report *r)
{
    struct json_object *o = json_object_new_object(), *om = json_object_new_object();
    put_str(o, "report", "summary");
    put_str(o, "view", view_names[r->view]);
    put(o, "connections", json_object_new_int64((int64_t)r->connections));
    put_nested(o, om, "versions_by_protocol", &r->versions_by_protocol);
    put_nested(o, om, "legacy_clients_by_day", &r->legacy_clients_by_day);
    put_counts(o, om, "failures_by_cause", &r->failures_by_cause);
    if (json_object_object_length(om))
        put(o, "omitted", om);
    else
        json_object_put(om);
    return o;
}

static int emit(FILE *f, struct json_object *o)
{
    int rc = fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                      JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return rc < 0 ? -1 : 0;
}

int rp_write_json(const struct rp_report *r, FILE *f)
{
    struct rp_entry **rows = rp_rows_ordered(r);
    int rc = 0;
    for (size_t i = 0; rows && i < r->rows.len; i++) {
        struct json_object *o = r->view == RP_VIEW_CLIENT   ? client_row(rows[i]->key, rows[i]->val)
                                : r->view == RP_VIEW_SERVER ? server_row(rows[i]->key, rows[i]->val)
                                                            : finding_row(rows[i]->key, rows[i]->val);
        rc |= emit(f, o);
    }
    free(rows);
    rc |= emit(f, summary_row(r));
    return rc;
}

/* ---- reading back ---- */

static struct json_object *path(struct json_object *o, const char *a, const char *b, const char *c)
{
    const char *keys[] = { a, b, c };
    for (size_t i = 0; i < 3 && keys[i] && o; i++)
        if (!json_object_object_get_ex(o, keys[i], &o))
            return NULL;
    return o;
}

static const char *str_at(struct json_object *o, const char *a, const char *b, const char *c)
{
    struct json_object *v = path(o, a, b, c);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int64_t int_at(struct json_object *o, const char *a, int64_t dflt)
{
    struct json_object *v = path(o, a, NULL, NULL);
    return v && json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0 ? json_object_get_int64(v)
                                                                                      : dflt;
}

static int64_t time_at(struct json_object *o, const char *key)
{
    const char *s = str_at(o, key, NULL, NULL);
    return s ? rp_time_parse(s) : INT64_MIN;
}

static void read_omitted(struct json_object *o, const char *key, struct rp_map *m)
{
    struct json_object *om = path(o, "omitted", NULL, NULL);
    if (om)
        m->omitted = rp_sat_add(m->omitted, (uint64_t)int_at(om, key, 0));
}

static void read_counts(struct json_object *o, const char *key, struct rp_map *m)
{
    struct json_object *c = path(o, key, NULL, NULL);
    if (c && json_object_is_type(c, json_type_object)) {
        json_object_object_foreach(c, k, v)
        {
            if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0)
                rp_map_add(m, k, (uint64_t)json_object_get_int64(v));
        }
    }
    read_omitted(o, key, m);
}

static void read_nested(struct json_object *o, const char *key, struct rp_map *m)
{
    struct json_object *outer = path(o, key, NULL, NULL);
    if (outer && json_object_is_type(outer, json_type_object)) {
        json_object_object_foreach(outer, k1, inner)
        {
            if (!json_object_is_type(inner, json_type_object))
                continue;
            json_object_object_foreach(inner, k2, v)
            {
                if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0)
                    continue;
                const char *f[] = { k1, k2 };
                char k[RP_KEY_MAX];
                rp_key_join(k, sizeof k, f, 2);
                rp_map_add(m, k, (uint64_t)json_object_get_int64(v));
            }
        }
    }
    read_omitted(o, key, m);
}

static void service_of(struct json_object *s, bool last_is_sni, char *out, size_t cap)
{
    const char *ip = str_at(s, "destination", "ip", NULL);
    struct json_object *port = path(s, "destination", "port", NULL);
    const char *proto = str_at(s, "network", "protocol", NULL);
    const char *last = last_is_sni ? str_at(s, "tls", "client", "server_name") : str_at(s, "tls", "starttls", NULL);
    rp_service_key(out, cap, ip, port && json_object_is_type(port, json_type_int) ? json_object_get_int64(port) : -1,
                   proto, last);
}

static void read_services(struct json_object *o, const char *key, struct rp_map *m, bool last_is_sni)
{
    struct json_object *a = path(o, key, NULL, NULL);
    if (a && json_object_is_type(a, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            struct json_object *s = json_object_array_get_idx(a, i);
            int64_t n = int_at(s, "connections", 0);
            if (!json_object_is_type(s, json_type_object) || n <= 0)
                continue;
            char k[RP_KEY_MAX];
            service_of(s, last_is_sni, k, sizeof k);
            rp_map_add(m, k, (uint64_t)n);
        }
    }
    read_omitted(o, key, m);
}

static void read_certificates(struct json_object *o, struct rp_map *m)
{
    struct json_object *a = path(o, "certificates", NULL, NULL);
    if (a && json_object_is_type(a, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            struct json_object *c = json_object_array_get_idx(a, i), *x = path(c, "x509", NULL, NULL);
            const char *sha = str_at(c, "hash", "sha256", NULL);
            int64_t n = int_at(c, "connections", 0);
            if (!sha || n <= 0)
                continue;
            const char *subj = str_at(x, "subject", "common_name", NULL), *iss = str_at(x, "issuer", "common_name", NULL);
            const char *na = str_at(x, "not_after", NULL, NULL), *sig = str_at(x, "signature_algorithm", NULL, NULL);
            const char *alg = str_at(x, "public_key_algorithm", NULL, NULL);
            char k[RP_KEY_MAX];
            rp_cert_key(k, sizeof k, sha, subj, iss, na, sig, alg, x ? int_at(x, "public_key_size", -1) : -1);
            rp_map_add(m, k, (uint64_t)n);
        }
    }
    read_omitted(o, "certificates", m);
}

/* A partial report holding just this row, merged in with rp_report_merge so
 * that merging has a single definition. */
static int merge_row(struct rp_report *r, enum rp_view view, const char *key, struct json_object *o)
{
    struct rp_report one;
    rp_report_init(&one, view);
    struct rp_entry *e = rp_map_get(&one.rows, key);
    if (!e) {
        rp_report_free(&one);
        return -1;
    }
    if (view == RP_VIEW_CLIENT) {
        struct rp_client *c = e->val = rp_row_new(view);
        if (!c)
            goto fail;
        c->connections = (uint64_t)int_at(o, "connections", 0);
        c->failures = (uint64_t)int_at(o, "failures", 0);
        c->first_seen = time_at(o, "first_seen");
        if (c->first_seen == INT64_MIN)
            c->first_seen = INT64_MAX;
        c->last_seen = time_at(o, "last_seen");
        const char *best = str_at(o, "best_offered_version", NULL, NULL);
        snprintf(c->best_offered, sizeof c->best_offered, "%s", best ? best : "");
        read_counts(o, "negotiated_versions", &c->negotiated);
        read_counts(o, "failures_by_outcome", &c->failures_by_outcome);
        read_counts(o, "findings", &c->findings);
        read_services(o, "services", &c->services, false);
        read_counts(o, "server_names", &c->server_names);
        read_counts(o, "ja4", &c->ja4);
        read_counts(o, "cleartext_names", &c->cleartext_names);
    } else if (view == RP_VIEW_SERVER) {
        struct rp_server *s = e->val = rp_row_new(view);
        if (!s)
            goto fail;
        s->connections = (uint64_t)int_at(o, "connections", 0);
        s->failures = (uint64_t)int_at(o, "failures", 0);
        s->first_seen = time_at(o, "first_seen");
        if (s->first_seen == INT64_MIN)
            s->first_seen = INT64_MAX;
        s->last_seen = time_at(o, "last_seen");
        const char *st = str_at(o, "tls", "starttls", NULL);
        snprintf(s->starttls, sizeof s->starttls, "%s", st ? st : "");
        read_counts(o, "negotiated_versions", &s->negotiated);
        read_counts(o, "ciphers", &s->ciphers);
        read_counts(o, "groups", &s->groups);
        read_counts(o, "dh_prime_bits", &s->dh_prime_bits);
        read_certificates(o, &s->certificates);
        read_counts(o, "findings", &s->findings);
        read_counts(o, "legacy_clients", &s->legacy_clients);
        read_counts(o, "failures_by_outcome", &s->failures_by_outcome);
    } else {
        struct rp_finding *f = e->val = rp_row_new(view);
        if (!f)
            goto fail;
        f->connections = (uint64_t)int_at(o, "connections", 0);
        const char *sev = str_at(o, "finding", "severity", NULL);
        snprintf(f->severity, sizeof f->severity, "%s", sev ? sev : "");
        read_counts(o, "clients", &f->clients);
        read_services(o, "servers", &f->servers, true);
    }
    /* `one` has no connection total (the summary row carries it), so the
     * merge adds the row alone. */
    rp_report_merge(r, &one);
    rp_report_free(&one);
    r->rows_merged++;
    return 0;
fail:
    rp_report_free(&one);
    return -1;
}

int rp_merge_json_row(struct rp_report *r, struct json_object *o)
{
    const char *kind = str_at(o, "report", NULL, NULL);
    if (!kind)
        return -1;
    if (strcmp(kind, "summary") == 0) {
        const char *view = str_at(o, "view", NULL, NULL);
        if (!view || strcmp(view, view_names[r->view]) != 0) {
            r->rows_other_view++;
            return 1;
        }
        r->connections = rp_sat_add(r->connections, (uint64_t)int_at(o, "connections", 0));
        read_nested(o, "versions_by_protocol", &r->versions_by_protocol);
        read_nested(o, "legacy_clients_by_day", &r->legacy_clients_by_day);
        read_counts(o, "failures_by_cause", &r->failures_by_cause);
        r->rows_merged++;
        return 0;
    }
    enum rp_view view;
    char key[RP_KEY_MAX];
    const char *k;
    if (strcmp(kind, "client") == 0) {
        view = RP_VIEW_CLIENT;
        k = str_at(o, "client", "ip", NULL);
    } else if (strcmp(kind, "server") == 0) {
        view = RP_VIEW_SERVER;
        service_of(o, true, key, sizeof key);
        k = key;
    } else if (strcmp(kind, "finding") == 0) {
        view = RP_VIEW_FINDING;
        k = str_at(o, "finding", "id", NULL);
    } else {
        return -1;
    }
    if (!k || !*k || int_at(o, "connections", -1) < 0)
        return -1;
    if (view != r->view) {
        r->rows_other_view++;
        return 1;
    }
    return merge_row(r, view, k, o);
}
