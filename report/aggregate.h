/* aggregate.h - the report stage's core: connection lines in, one table of
 * aggregates per view out (per true client, per service, per finding), and
 * the merge of partial reports.
 *
 * A view's aggregates are built only from counts, minima, maxima and counted
 * sets, so two partial reports merge into exactly the report over both sets
 * of lines (as long as no inner set reached its limit: see report/map.h).
 * That is what makes `--format json` output valid input again.
 */
#ifndef TLSSCOPE_REPORT_AGGREGATE_H
#define TLSSCOPE_REPORT_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/map.h"

/* Distinct values kept per inner set (server names of one client, clients of
 * one finding, ...). */
#define RP_SET_LIMIT 1024
#define RP_MAX_FINDINGS 32

enum rp_view { RP_VIEW_CLIENT, RP_VIEW_SERVER, RP_VIEW_FINDING };

/* One connection line, as far as the report needs it. Strings point into the
 * parsed line and live for one rp_add_conn() call; NULL when the line lacks
 * the field. Times are microseconds since the epoch, INT64_MIN when absent. */
struct rp_conn {
    int64_t ts, end;
    const char *client_ip;
    const char *dst_ip;
    int64_t dst_port; /* -1 when absent */
    const char *protocol, *starttls, *server_name;
    const char *outcome;
    bool established;
    const char *negotiated_version, *max_version;
    const char *cipher, *curve;
    int64_t dh_prime_bits; /* -1 when absent */
    const char *ja4;
    /* What the client said it was in cleartext before STARTTLS (smtp.helo,
     * imap.id.name and .version). */
    const char *smtp_helo, *imap_id_name, *imap_id_version;
    size_t n_findings;
    struct {
        const char *id, *severity, *message;
    } findings[RP_MAX_FINDINGS];
    struct {
        const char *sha256, *subject, *issuer, *not_after, *signature_algorithm, *key_algorithm;
        int64_t key_size; /* -1 when absent */
    } cert;
};

/* Filters (all optional; a connection must pass every one given). */
struct rp_filter {
    bool legacy_only;
    int64_t since, until; /* INT64_MIN / INT64_MAX when not given */
    const char *protocol, *finding, *server;
    bool has_client;
    int client_family; /* AF_INET or AF_INET6 */
    uint8_t client_addr[16];
    unsigned client_prefix;
};

struct rp_client {
    uint64_t connections, failures;
    int64_t first_seen, last_seen;
    char best_offered[32]; /* highest max_version seen ("" when none known) */
    struct rp_map negotiated, failures_by_outcome, findings, services, server_names, ja4;
    struct rp_map cleartext_names; /* "EHLO name", "ID name version" */
};

struct rp_server {
    uint64_t connections, failures;
    int64_t first_seen, last_seen;
    char starttls[32];
    struct rp_map negotiated, ciphers, groups, dh_prime_bits, certificates, findings, legacy_clients,
        failures_by_outcome;
};

struct rp_finding {
    uint64_t connections;
    char severity[16];
    struct rp_map clients, servers;
};

struct rp_report {
    enum rp_view view;
    struct rp_filter filter;
    struct rp_map rows; /* key -> struct rp_client / rp_server / rp_finding */
    /* For the summary and charts: connections by "protocol\x1fversion",
     * "day\x1fclient" for each legacy client seen that day, failures by cause. */
    struct rp_map versions_by_protocol, legacy_clients_by_day, failures_by_cause;
    uint64_t lines, connections, filtered_out;
    uint64_t rows_merged, rows_other_view; /* report rows (summaries too) merged; of another view, set aside */
    uint64_t stats_records;  /* the sensor's --stats-interval records (event.kind "metric"), skipped */
    uint64_t malformed, first_malformed_line;
    char first_malformed_input[256];
};

void rp_filter_init(struct rp_filter *f);
void rp_report_init(struct rp_report *r, enum rp_view view);
void rp_report_free(struct rp_report *r);

/* An empty row of the view (times unset, inner sets at RP_SET_LIMIT). */
void *rp_row_new(enum rp_view view);

/* Applies the filter; true when the connection was counted. */
bool rp_add_conn(struct rp_report *r, const struct rp_conn *c);
/* The same for n connections alike (an inventory row); as n calls of
 * rp_add_conn(). */
bool rp_add_conns(struct rp_report *r, const struct rp_conn *c, uint64_t n);
bool rp_filter_pass(const struct rp_filter *f, const struct rp_conn *c);

/* Merges a partial report of the same view into `dst` (rows and charts). */
void rp_report_merge(struct rp_report *dst, const struct rp_report *src);

/* The rows worst first (the view's order, see aggregate.c): a malloc'ed
 * array of r->rows.len pointers, NULL when empty. */
struct rp_entry **rp_rows_ordered(const struct rp_report *r);

/* Protocol version order: SSLv2 1, SSLv3 2, TLSv1.0 3, TLSv1.1 4 (DTLSv1.0
 * too), TLSv1.2 5 (DTLSv1.2), TLS 1.3 drafts 6, TLSv1.3 7 (DTLSv1.3); 0 for
 * anything else, which is unknown, not lower. */
int rp_version_rank(const char *token);
/* SSLv2 .. TLSv1.1 (and DTLSv1.0): what the report calls legacy. */
bool rp_version_legacy(const char *token);
int rp_severity_rank(const char *severity);
/* What to do about a finding, by id (NULL when unknown). */
const char *rp_finding_advice(const char *id);

/* Service keys: "ip\x1fport\x1fprotocol\x1fserver_name" (server view and
 * findings) and "ip\x1fport\x1fprotocol\x1fstarttls" (a client's services). */
#define RP_SEP "\x1f"
/* A value in a composite key is cut to this many bytes (tlsscope's own
 * fields are shorter: server names stop at 256), so a key of up to 7 values
 * fits RP_KEY_MAX. */
#define RP_FIELD_MAX 255
#define RP_KEY_MAX 2048
/* Splits a key at RP_SEP into up to `max` fields (in place; the last keeps
 * any further separators); returns the count. */
size_t rp_key_split(char *key, char **fields, size_t max);
/* Joins fields with RP_SEP (NULL as ""), a separator inside a field written
 * '?', cut to `cap`. */
void rp_key_join(char *out, size_t cap, const char *const *fields, size_t n);
void rp_service_key(char *out, size_t cap, const char *ip, int64_t port, const char *proto, const char *last);
void rp_cert_key(char *out, size_t cap, const char *sha256, const char *subject, const char *issuer,
                 const char *not_after, const char *signature_algorithm, const char *key_algorithm, int64_t key_size);

/* RFC 3339 UTC with microseconds (or a date, or without fraction) to
 * microseconds since the epoch; INT64_MIN when it does not parse. */
int64_t rp_time_parse(const char *s);
/* Writes `t` as 2018-02-22T13:53:10.494123Z (28 bytes with the NUL). */
void rp_time_format(int64_t t, char out[32]);

/* Parses a CIDR ("10.0.0.0/8", "2001:db8::/32") or an address into the
 * filter; -1 when it does not parse. */
int rp_filter_set_client(struct rp_filter *f, const char *cidr);
/* --since/--until: a time as rp_time_parse takes it, or a duration back from
 * `now` ("30d", "12h", "15m", "90s", "2w"). INT64_MIN when it does not parse. */
int64_t rp_time_arg(const char *s, int64_t now);

#endif
