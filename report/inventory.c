/* inventory.c - see inventory.h. SQLite (libsqlite3) keeps the file: a
 * maintained, crash-safe store that operators can query with the sqlite3
 * shell, which a home-made file format would not give them.
 */
#include "report/inventory.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/scan.h"

/* The key columns, in the order of the row key and of the statements:
 * X(column, SQL type). Every one is NOT NULL: an absent text is '', an
 * absent number -1, so equal rows meet on the primary key. */
#define INVENTORY_KEY_COLUMNS(X) INVENTORY_KEY_HEAD(X) X(cert_key_size, "INTEGER")
#define INVENTORY_KEY_HEAD(X)                                                                                   \
    X(day, "TEXT") X(client_ip, "TEXT") X(server_ip, "TEXT") X(server_port, "INTEGER") X(protocol, "TEXT")      \
    X(starttls, "TEXT") X(server_name, "TEXT") X(max_offered, "TEXT") X(negotiated, "TEXT") X(cipher, "TEXT")    \
    X(curve, "TEXT") X(dh_prime_bits, "INTEGER") X(outcome, "TEXT") X(established, "INTEGER") X(ja4, "TEXT")     \
    X(smtp_helo, "TEXT") X(imap_id_name, "TEXT") X(imap_id_version, "TEXT") X(findings, "TEXT")                 \
    X(cert_sha256, "TEXT") X(cert_subject, "TEXT") X(cert_issuer, "TEXT")                                        \
    X(cert_not_after, "TEXT") X(cert_signature_algorithm, "TEXT") X(cert_key_algorithm, "TEXT")

enum {
#define COL_ENUM(name, type) COL_##name,
    INVENTORY_KEY_COLUMNS(COL_ENUM)
#undef COL_ENUM
    COL_KEYS
};

static const bool col_integer[COL_KEYS] = {
#define COL_INT(name, type) [COL_##name] = type[0] == 'I',
    INVENTORY_KEY_COLUMNS(COL_INT)
#undef COL_INT
};

#define COL_NAME(name, type) #name ","
#define COL_DEF(name, type) #name " " type " NOT NULL,"
#define COL_PARAM(name, type) "?,"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS tls_daily (" INVENTORY_KEY_COLUMNS(COL_DEF)
    " connections INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " PRIMARY KEY (" INVENTORY_KEY_HEAD(COL_NAME) " cert_key_size)) WITHOUT ROWID";

static const char upsert_sql[] =
    "INSERT INTO tls_daily (" INVENTORY_KEY_COLUMNS(COL_NAME) " connections, first_seen, last_seen) VALUES ("
    INVENTORY_KEY_COLUMNS(COL_PARAM) " ?, ?, ?) ON CONFLICT DO UPDATE SET"
    " connections = connections + excluded.connections,"
    " first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)";

static const char select_sql[] =
    "SELECT " INVENTORY_KEY_COLUMNS(COL_NAME) " connections, first_seen, last_seen FROM tls_daily";

struct pending {
    int64_t first, last;
};

struct inventory {
    sqlite3 *db;
    sqlite3_stmt *upsert;
    struct rp_map rows;    /* key (the columns joined by RP_SEP) -> count, struct pending */
    int64_t last_flush_s;
    char *arena;           /* report/scan.h strings of the current line */
    size_t arena_cap;
    bool warned;
    struct inventory_stats st;
};

static void set_err(char *err, size_t errlen, const char *what, sqlite3 *db)
{
    snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

struct inventory *inventory_open(const char *path, char *err, size_t errlen)
{
    struct inventory *inv = calloc(1, sizeof *inv);
    if (!inv) {
        set_err(err, errlen, path, NULL);
        return NULL;
    }
    rp_map_init(&inv->rows, INVENTORY_PENDING_MAX);
    if (sqlite3_open_v2(path, &inv->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        set_err(err, errlen, path, inv->db);
        goto fail;
    }
    /* A reader or another writer holds the lock only for its transaction;
     * waiting longer would stall the capture. */
    sqlite3_busy_timeout(inv->db, 200);
    char *msg = NULL;
    if (sqlite3_exec(inv->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, &msg) !=
            SQLITE_OK ||
        sqlite3_exec(inv->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(inv->db));
        sqlite3_free(msg);
        goto fail;
    }
    if (sqlite3_prepare_v2(inv->db, upsert_sql, -1, &inv->upsert, NULL) != SQLITE_OK) {
        set_err(err, errlen, path, inv->db); /* a table of another shape: not an inventory */
        goto fail;
    }
    return inv;
fail:
    sqlite3_close(inv->db);
    rp_map_free(&inv->rows, NULL);
    free(inv);
    return NULL;
}

/* "id:severity" of each finding, joined by ','. */
static void findings_text(const struct rp_conn *c, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->n_findings && o < cap; i++) {
        int k = snprintf(out + o, cap - o, "%s%s:%s", i ? "," : "", c->findings[i].id,
                         c->findings[i].severity ? c->findings[i].severity : "");
        if (k < 0 || (size_t)k >= cap - o) {
            out[o] = '\0'; /* the findings that fit, whole */
            break;
        }
        o += (size_t)k;
    }
}

/* Room for every column at its longest (RP_FIELD_MAX) and its separator. */
#define ROW_KEY_MAX (COL_KEYS * (RP_FIELD_MAX + 1) + 1)

static void row_key(const struct rp_conn *c, char *key, size_t cap)
{
    char day[32] = "", port[24], dh[24], est[2] = { c->established ? '1' : '0', 0 }, ksize[24], fs[1024];
    if (c->ts != INT64_MIN) {
        rp_time_format(c->ts, day);
        day[10] = '\0';
    }
    snprintf(port, sizeof port, "%" PRId64, c->dst_port);
    snprintf(dh, sizeof dh, "%" PRId64, c->dh_prime_bits);
    snprintf(ksize, sizeof ksize, "%" PRId64, c->cert.key_size);
    findings_text(c, fs, sizeof fs);
    const char *f[COL_KEYS] = {
        [COL_day] = day, [COL_client_ip] = c->client_ip, [COL_server_ip] = c->dst_ip, [COL_server_port] = port,
        [COL_protocol] = c->protocol, [COL_starttls] = c->starttls, [COL_server_name] = c->server_name,
        [COL_max_offered] = c->max_version, [COL_negotiated] = c->negotiated_version, [COL_cipher] = c->cipher,
        [COL_curve] = c->curve, [COL_dh_prime_bits] = dh, [COL_outcome] = c->outcome, [COL_established] = est,
        [COL_ja4] = c->ja4, [COL_smtp_helo] = c->smtp_helo, [COL_imap_id_name] = c->imap_id_name,
        [COL_imap_id_version] = c->imap_id_version, [COL_findings] = fs, [COL_cert_sha256] = c->cert.sha256,
        [COL_cert_subject] = c->cert.subject, [COL_cert_issuer] = c->cert.issuer,
        [COL_cert_not_after] = c->cert.not_after, [COL_cert_signature_algorithm] = c->cert.signature_algorithm,
        [COL_cert_key_algorithm] = c->cert.key_algorithm, [COL_cert_key_size] = ksize,
    };
    rp_key_join(key, cap, f, COL_KEYS);
}

void inventory_add_line(struct inventory *inv, const char *line, size_t len, int64_t now_s)
{
    size_t need = rp_scan_arena_size(len);
    if (need > inv->arena_cap) {
        char *a = realloc(inv->arena, need);
        if (!a) {
            inv->st.lost++;
            return;
        }
        inv->arena = a;
        inv->arena_cap = need;
    }
    struct rp_conn c;
    if (rp_scan_line(line, len, inv->arena, &c) != RP_SCAN_CONN) {
        inv->st.not_lines++;
        return;
    }
    inv->st.connections++;
    char key[ROW_KEY_MAX];
    row_key(&c, key, sizeof key);
    struct rp_entry *e = rp_map_get(&inv->rows, key);
    if (!e) {
        /* The table is full: write it now, then try again. */
        char err[256];
        if (inventory_flush(inv, err, sizeof err))
            e = rp_map_get(&inv->rows, key);
        if (!e) {
            inv->st.lost++;
            return;
        }
    }
    struct pending *p = e->val;
    if (!p) {
        p = e->val = malloc(sizeof *p);
        if (!p) {
            inv->st.lost++;
            return;
        }
        p->first = INT64_MAX;
        p->last = INT64_MIN;
    }
    e->n++;
    int64_t last = c.end != INT64_MIN ? c.end : c.ts;
    if (c.ts != INT64_MIN && c.ts < p->first)
        p->first = c.ts;
    if (last > p->last)
        p->last = last;
    if (inv->last_flush_s == 0)
        inv->last_flush_s = now_s;
    if (now_s - inv->last_flush_s >= INVENTORY_FLUSH_SECONDS) {
        char err[256];
        inventory_flush(inv, err, sizeof err);
    }
}

void inventory_tick(struct inventory *inv, int64_t now_s)
{
    if (inv->rows.len > 0 && inv->last_flush_s != 0 && now_s - inv->last_flush_s >= INVENTORY_FLUSH_SECONDS) {
        char err[256];
        inventory_flush(inv, err, sizeof err);
    }
}

static bool bind_row(struct inventory *inv, const struct rp_entry *e)
{
    sqlite3_stmt *st = inv->upsert;
    char key[ROW_KEY_MAX];
    snprintf(key, sizeof key, "%s", e->key);
    char *fields[COL_KEYS];
    size_t n = rp_key_split(key, fields, COL_KEYS);
    if (n != COL_KEYS)
        return false;
    sqlite3_reset(st);
    for (int i = 0; i < COL_KEYS; i++) {
        if (col_integer[i])
            sqlite3_bind_int64(st, i + 1, strtoll(fields[i], NULL, 10));
        else
            sqlite3_bind_text(st, i + 1, fields[i], -1, SQLITE_TRANSIENT);
    }
    const struct pending *p = e->val;
    sqlite3_bind_int64(st, COL_KEYS + 1, (int64_t)e->n);
    sqlite3_bind_int64(st, COL_KEYS + 2, p->first == INT64_MAX ? 0 : p->first);
    sqlite3_bind_int64(st, COL_KEYS + 3, p->last == INT64_MIN ? 0 : p->last);
    return sqlite3_step(st) == SQLITE_DONE;
}

bool inventory_flush(struct inventory *inv, char *err, size_t errlen)
{
    inv->last_flush_s = 0;
    if (inv->rows.len == 0)
        return true;
    inv->st.flushes++;
    bool ok = sqlite3_exec(inv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    uint64_t written = 0;
    for (size_t i = 0; ok && i < inv->rows.cap; i++) {
        const struct rp_entry *e = &inv->rows.slots[i];
        if (e->key && e->val) {
            ok = bind_row(inv, e);
            written++;
        }
    }
    if (ok)
        ok = sqlite3_exec(inv->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (!ok) {
        set_err(err, errlen, "inventory", inv->db);
        sqlite3_exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_reset(inv->upsert);
        inv->st.flush_errors++;
        if (!inv->warned) {
            fprintf(stderr, "tlsscope: %s; rows kept for the next try\n", err);
            inv->warned = true;
        }
        return false;
    }
    sqlite3_reset(inv->upsert);
    inv->st.rows_written += written;
    rp_map_free(&inv->rows, free);
    rp_map_init(&inv->rows, INVENTORY_PENDING_MAX);
    return true;
}

bool inventory_close(struct inventory *inv, char *err, size_t errlen)
{
    if (!inv)
        return true;
    bool ok = inventory_flush(inv, err, errlen);
    sqlite3_finalize(inv->upsert);
    sqlite3_close(inv->db);
    rp_map_free(&inv->rows, free);
    free(inv->arena);
    free(inv);
    return ok;
}

const struct inventory_stats *inventory_stats(const struct inventory *inv)
{
    return &inv->st;
}

static const char *text_or_null(sqlite3_stmt *st, int col)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    return s && *s ? s : NULL;
}

/* Splits the findings column ("id:severity,...") into c, in place. */
static void parse_findings(char *s, struct rp_conn *c)
{
    c->n_findings = 0;
    for (char *tok = s; tok && *tok && c->n_findings < RP_MAX_FINDINGS;) {
        char *next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        char *sev = strrchr(tok, ':');
        if (sev)
            *sev++ = '\0';
        if (*tok) {
            c->findings[c->n_findings].id = tok;
            c->findings[c->n_findings].severity = sev && *sev ? sev : NULL;
            c->findings[c->n_findings].message = NULL;
            c->n_findings++;
        }
        tok = next;
    }
}

int inventory_read(struct rp_report *r, const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, select_sql, -1, &st, NULL) != SQLITE_OK) {
        set_err(err, errlen, path, db);
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rp_conn c;
        memset(&c, 0, sizeof c);
        c.client_ip = text_or_null(st, COL_client_ip);
        if (!c.client_ip)
            continue;
        c.dst_ip = text_or_null(st, COL_server_ip);
        c.dst_port = sqlite3_column_int64(st, COL_server_port);
        c.protocol = text_or_null(st, COL_protocol);
        c.starttls = text_or_null(st, COL_starttls);
        c.server_name = text_or_null(st, COL_server_name);
        c.max_version = text_or_null(st, COL_max_offered);
        c.negotiated_version = text_or_null(st, COL_negotiated);
        c.cipher = text_or_null(st, COL_cipher);
        c.curve = text_or_null(st, COL_curve);
        c.dh_prime_bits = sqlite3_column_int64(st, COL_dh_prime_bits);
        c.outcome = text_or_null(st, COL_outcome);
        c.established = sqlite3_column_int64(st, COL_established) != 0;
        c.ja4 = text_or_null(st, COL_ja4);
        c.smtp_helo = text_or_null(st, COL_smtp_helo);
        c.imap_id_name = text_or_null(st, COL_imap_id_name);
        c.imap_id_version = text_or_null(st, COL_imap_id_version);
        char fs[1024];
        snprintf(fs, sizeof fs, "%s", (const char *)sqlite3_column_text(st, COL_findings));
        parse_findings(fs, &c);
        c.cert.sha256 = text_or_null(st, COL_cert_sha256);
        c.cert.subject = text_or_null(st, COL_cert_subject);
        c.cert.issuer = text_or_null(st, COL_cert_issuer);
        c.cert.not_after = text_or_null(st, COL_cert_not_after);
        c.cert.signature_algorithm = text_or_null(st, COL_cert_signature_algorithm);
        c.cert.key_algorithm = text_or_null(st, COL_cert_key_algorithm);
        c.cert.key_size = sqlite3_column_int64(st, COL_cert_key_size);
        int64_t n = sqlite3_column_int64(st, COL_KEYS);
        c.ts = sqlite3_column_int64(st, COL_KEYS + 1);
        c.end = sqlite3_column_int64(st, COL_KEYS + 2);
        if (n > 0)
            rp_add_conns(r, &c, (uint64_t)n);
    }
    if (rc != SQLITE_DONE)
        set_err(err, errlen, path, db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc == SQLITE_DONE ? 0 : -1;
}
