/* aggregate.c - per-view aggregation, filters, merge and ordering.
 *
 * Worst first, because the report exists to retire legacy TLS: a client that
 * offers nothing above TLS 1.1 cannot be fixed by a server setting and comes
 * first; then clients that negotiated a legacy version (the server let them);
 * then clients with failed handshakes. Services: those still negotiating
 * legacy versions, then those with findings, then failures. Findings: by
 * severity, then how often.
 */
#include "report/aggregate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int rp_version_rank(const char *v)
{
    static const struct {
        const char *token;
        int rank;
    } ranks[] = {
        { "SSLv2", 1 },   { "SSLv3", 2 },    { "TLSv1.0", 3 },  { "TLSv1.1", 4 },  { "DTLSv1.0", 4 },
        { "TLSv1.2", 5 }, { "DTLSv1.2", 5 }, { "TLSv1.3", 7 },  { "DTLSv1.3", 7 },
    };
    if (!v)
        return 0;
    for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
        if (strcmp(v, ranks[i].token) == 0)
            return ranks[i].rank;
    if (strncmp(v, "TLSv1.3-draft", 13) == 0)
        return 6;
    return 0;
}

bool rp_version_legacy(const char *v)
{
    int r = rp_version_rank(v);
    return r >= 1 && r <= 4;
}

int rp_severity_rank(const char *s)
{
    if (!s)
        return 0;
    if (strcmp(s, "critical") == 0)
        return 4;
    if (strcmp(s, "high") == 0)
        return 3;
    if (strcmp(s, "medium") == 0)
        return 2;
    if (strcmp(s, "low") == 0)
        return 1;
    return 0;
}

const char *rp_finding_advice(const char *id)
{
    static const struct {
        const char *id, *advice;
    } advice[] = {
        { "legacy-client", "upgrade or replace the client's TLS stack (enable TLS 1.2 in its OS or runtime)" },
        { "fallback-retry", "the client retried at a lower version: look for the failure that preceded it" },
        { "sslv2-hello", "a very old TLS stack: update the client" },
        { "legacy-version", "disable SSL 3.0, TLS 1.0 and 1.1 on the server once its clients are upgraded" },
        { "weak-cipher", "remove NULL, export, RC4, DES, 3DES, anonymous and MD5 suites from the server" },
        { "weak-dh", "use a DH group of 2048 bits or more (ffdhe2048), or prefer ECDHE" },
        { "common-dh-prime", "a shared 1024-bit DH prime (Logjam): use a unique 2048-bit group or ECDHE" },
        { "weak-kx-signature", "let the server sign its key exchange with SHA-256 or better (RFC 9155)" },
        { "no-secure-renegotiation", "patch the server for RFC 5746 secure renegotiation (CVE-2009-3555)" },
        { "version-mismatch", "client and server share no version: upgrade the client or (temporarily) the server" },
        { "no-common-parameters", "client and server share no cipher suite or group: align their configurations" },
        { "fallback-rejected", "a downgrade retry was refused: find why the first attempt failed" },
        { "certificate-rejected", "the peer rejected a certificate: check its chain, expiry and trust store" },
        { "certificate-expired", "renew the server's certificate" },
        { "certificate-not-yet-valid", "check the server's clock and the certificate's validity start" },
        { "certificate-weak-signature", "reissue the certificate signed with SHA-256 or better" },
        { "certificate-short-key", "reissue the certificate with an RSA key of 2048 bits or more" },
        { "certificate-untrusted", "send the full chain from the server, or install the issuing CA on the clients" },
        { "certificate-name-mismatch", "install a certificate whose subjectAltName covers the name clients use" },
        { "certificate-self-signed", "use a certificate from a CA the clients trust" },
        { "server-closed-after-client-hello",
          "the server shares no version or suite with the client (Schannel closes silently): compare both" },
        { "client-closed-after-server-hello",
          "the client rejected the server's certificate or parameters: check chain, name and expiry" },
        { "client-certificate-missing", "install the client certificate the server asks for" },
        { "client-certificate-expired", "renew the client's certificate" },
        { "client-certificate-not-yet-valid", "check the client's clock and its certificate's validity" },
        { "plaintext-server",
          "the client speaks TLS to a plaintext port: use STARTTLS there, or the implicit-TLS port (465/993/995)" },
        { "proxy-header-invalid", "fix the load balancer's PROXY protocol settings: client.ip is the balancer" },
        { "certificate-signature-not-offered",
          "reissue the certificate with an algorithm the client offers (SHA-256), or update the client" },
        { "kx-signature-not-offered", "set the server's signature algorithms to one the client offers" },
        { "failed-after-key-exchange",
          "a peer claims TLS 1.2 but fails it: pin its version; with DHE, prefer ECDHE (old Schannel DHE bug)" },
    };
    for (size_t i = 0; id && i < sizeof advice / sizeof advice[0]; i++)
        if (strcmp(id, advice[i].id) == 0)
            return advice[i].advice;
    return NULL;
}

size_t rp_key_split(char *key, char **fields, size_t max)
{
    size_t n = 0;
    while (n < max) {
        fields[n++] = key;
        char *sep = n < max ? strchr(key, RP_SEP[0]) : NULL;
        if (!sep)
            break;
        *sep = '\0';
        key = sep + 1;
    }
    return n;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Proleptic Gregorian days since 1970-01-01 (H. Hinnant's algorithm):
     * timegm() would do, but it reads the TZ database on some libcs. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

int64_t rp_time_parse(const char *s)
{
    unsigned y, mo, d, h = 0, mi = 0, se = 0, us = 0;
    if (!s || strlen(s) < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return INT64_MIN;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi) || p[6] != ':' ||
            !digits(p + 7, 2, &se) || h > 23 || mi > 59 || se > 60)
            return INT64_MIN;
        p += 9;
        if (*p == '.') {
            unsigned scale = 100000;
            for (p++; isdigit((unsigned char)*p); p++) {
                us += (unsigned)(*p - '0') * scale;
                scale /= 10;
            }
        }
        if (*p == 'Z')
            p++;
    }
    if (*p)
        return INT64_MIN;
    int64_t days = days_from_civil(y, mo, d);
    return ((days * 86400 + h * 3600 + mi * 60 + se) * 1000000) + us;
}

void rp_time_format(int64_t t, char out[32])
{
    int64_t secs = t >= 0 ? t / 1000000 : (t - 999999) / 1000000;
    int64_t us = t - secs * 1000000;
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, 32, "?");
        return;
    }
    /* gmtime_r keeps every field in range; the wide buffer only quiets the
     * compiler, which cannot know that. */
    char buf[96];
    int n = snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
    size_t len = n > 0 && n < 32 ? (size_t)n : 0;
    memcpy(out, buf, len);
    out[len] = '\0';
}

int64_t rp_time_arg(const char *s, int64_t now)
{
    char *end;
    if (!s || !*s)
        return INT64_MIN;
    unsigned long long n = strtoull(s, &end, 10);
    if (end != s && end[0] && !end[1] && s[0] != '-') {
        static const struct {
            char unit;
            int64_t secs;
        } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 } };
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (end[0] == units[i].unit && n <= 100000ull * 86400)
                return now - (int64_t)n * units[i].secs * 1000000;
    }
    return rp_time_parse(s);
}

void rp_filter_init(struct rp_filter *f)
{
    memset(f, 0, sizeof *f);
    f->since = INT64_MIN;
    f->until = INT64_MAX;
}

int rp_filter_set_client(struct rp_filter *f, const char *cidr)
{
    char addr[64];
    const char *slash = strchr(cidr, '/');
    size_t alen = slash ? (size_t)(slash - cidr) : strlen(cidr);
    if (alen == 0 || alen >= sizeof addr)
        return -1;
    memcpy(addr, cidr, alen);
    addr[alen] = '\0';
    unsigned max;
    if (inet_pton(AF_INET, addr, f->client_addr) == 1) {
        f->client_family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, f->client_addr) == 1) {
        f->client_family = AF_INET6;
        max = 128;
    } else {
        return -1;
    }
    f->client_prefix = max;
    if (slash) {
        char *end;
        unsigned long p = strtoul(slash + 1, &end, 10);
        if (end == slash + 1 || *end || p > max)
            return -1;
        f->client_prefix = (unsigned)p;
    }
    f->has_client = true;
    return 0;
}

static bool client_matches(const struct rp_filter *f, const char *ip)
{
    uint8_t a[16];
    if (!ip || inet_pton(f->client_family, ip, a) != 1)
        return false;
    unsigned bytes = f->client_prefix / 8, bits = f->client_prefix % 8;
    if (memcmp(a, f->client_addr, bytes) != 0)
        return false;
    if (!bits)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - bits));
    return (a[bytes] & mask) == (f->client_addr[bytes] & mask);
}

static bool has_finding(const struct rp_conn *c, const char *id)
{
    for (size_t i = 0; i < c->n_findings; i++)
        if (strcmp(c->findings[i].id, id) == 0)
            return true;
    return false;
}

bool rp_filter_pass(const struct rp_filter *f, const struct rp_conn *c)
{
    if (f->legacy_only && !rp_version_legacy(c->max_version))
        return false;
    /* A line without a time cannot be placed in a window: it is left out of
     * any time-filtered report rather than guessed in. */
    if ((f->since != INT64_MIN || f->until != INT64_MAX) &&
        (c->ts == INT64_MIN || c->ts < f->since || c->ts > f->until))
        return false;
    if (f->protocol && (!c->protocol || strcmp(c->protocol, f->protocol) != 0))
        return false;
    if (f->finding && !has_finding(c, f->finding))
        return false;
    if (f->server && !((c->dst_ip && strcmp(c->dst_ip, f->server) == 0) ||
                       (c->server_name && strcasecmp(c->server_name, f->server) == 0)))
        return false;
    if (f->has_client && !client_matches(f, c->client_ip))
        return false;
    return true;
}

void rp_report_init(struct rp_report *r, enum rp_view view)
{
    memset(r, 0, sizeof *r);
    r->view = view;
    rp_filter_init(&r->filter);
    rp_map_init(&r->rows, RP_MAP_UNLIMITED);
    rp_map_init(&r->versions_by_protocol, RP_SET_LIMIT);
    rp_map_init(&r->legacy_clients_by_day, RP_MAP_UNLIMITED);
    rp_map_init(&r->failures_by_cause, RP_SET_LIMIT);
}

static void client_free(void *p)
{
    struct rp_client *c = p;
    rp_map_free(&c->negotiated, NULL);
    rp_map_free(&c->failures_by_outcome, NULL);
    rp_map_free(&c->findings, NULL);
    rp_map_free(&c->services, NULL);
    rp_map_free(&c->server_names, NULL);
    rp_map_free(&c->ja4, NULL);
    rp_map_free(&c->cleartext_names, NULL);
    free(c);
}

static void server_free(void *p)
{
    struct rp_server *s = p;
    rp_map_free(&s->negotiated, NULL);
    rp_map_free(&s->ciphers, NULL);
    rp_map_free(&s->groups, NULL);
    rp_map_free(&s->dh_prime_bits, NULL);
    rp_map_free(&s->certificates, NULL);
    rp_map_free(&s->findings, NULL);
    rp_map_free(&s->legacy_clients, NULL);
    rp_map_free(&s->failures_by_outcome, NULL);
    free(s);
}

static void finding_free(void *p)
{
    struct rp_finding *f = p;
    rp_map_free(&f->clients, NULL);
    rp_map_free(&f->servers, NULL);
    free(f);
}

void rp_report_free(struct rp_report *r)
{
    static void (*const free_row[])(void *) = { client_free, server_free, finding_free };
    rp_map_free(&r->rows, free_row[r->view]);
    rp_map_free(&r->versions_by_protocol, NULL);
    rp_map_free(&r->legacy_clients_by_day, NULL);
    rp_map_free(&r->failures_by_cause, NULL);
}

void *rp_row_new(enum rp_view view)
{
    if (view == RP_VIEW_CLIENT) {
        struct rp_client *c = calloc(1, sizeof *c);
        if (!c)
            return NULL;
        c->first_seen = INT64_MAX;
        c->last_seen = INT64_MIN;
        struct rp_map *maps[] = { &c->negotiated, &c->failures_by_outcome, &c->findings, &c->services,
                                  &c->server_names, &c->ja4, &c->cleartext_names };
        for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
            rp_map_init(maps[i], RP_SET_LIMIT);
        return c;
    }
    if (view == RP_VIEW_SERVER) {
        struct rp_server *s = calloc(1, sizeof *s);
        if (!s)
            return NULL;
        s->first_seen = INT64_MAX;
        s->last_seen = INT64_MIN;
        struct rp_map *maps[] = { &s->negotiated,    &s->ciphers,      &s->groups,         &s->dh_prime_bits,
                                  &s->certificates,  &s->findings,     &s->legacy_clients, &s->failures_by_outcome };
        for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
            rp_map_init(maps[i], RP_SET_LIMIT);
        return s;
    }
    struct rp_finding *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    rp_map_init(&f->clients, RP_SET_LIMIT);
    rp_map_init(&f->servers, RP_SET_LIMIT);
    return f;
}

/* The row for `key`, created on first use; NULL only when out of memory. */
static void *row_get(struct rp_report *r, const char *key)
{
    struct rp_entry *e = rp_map_get(&r->rows, key);
    if (!e)
        return NULL;
    if (!e->val && !(e->val = rp_row_new(r->view)))
        return NULL;
    return e->val;
}

static void copy_token(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Keeps the higher version; an unknown token never replaces a known one. */
static void keep_best(char best[32], const char *v)
{
    if (rp_version_rank(v) > rp_version_rank(best))
        copy_token(best, 32, v);
}

static void seen(int64_t *first, int64_t *last, int64_t ts, int64_t end)
{
    if (ts != INT64_MIN && ts < *first)
        *first = ts;
    int64_t l = end != INT64_MIN ? end : ts;
    if (l != INT64_MIN && l > *last)
        *last = l;
}

void rp_key_join(char *out, size_t cap, const char *const *fields, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && cap; i++) {
        if (i && o + 1 < cap)
            out[o++] = RP_SEP[0];
        /* A separator inside a value (a hostile server name decodes to one
         * from \u001f) would shift every field after it. Each value is cut
         * to RP_FIELD_MAX bytes at a UTF-8 boundary, so a key always fits its
         * buffer whole and reads back the same from a report row. */
        const char *p = fields[i] ? fields[i] : "";
        size_t len = strlen(p);
        if (len > RP_FIELD_MAX) {
            len = RP_FIELD_MAX;
            while (len && ((unsigned char)p[len] & 0xc0) == 0x80)
                len--;
        }
        for (size_t k = 0; k < len && o + 1 < cap; k++)
            out[o++] = p[k] == RP_SEP[0] ? '?' : p[k];
    }
    if (cap)
        out[o] = '\0';
}

void rp_service_key(char *out, size_t cap, const char *ip, int64_t port, const char *proto, const char *last)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRId64, port);
    const char *f[] = { ip, num, proto, last };
    rp_key_join(out, cap, f, 4);
}

void rp_cert_key(char *out, size_t cap, const char *sha256, const char *subject, const char *issuer,
                 const char *not_after, const char *signature_algorithm, const char *key_algorithm, int64_t key_size)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRId64, key_size);
    const char *f[] = { sha256, subject, issuer, not_after, signature_algorithm, key_algorithm, num };
    rp_key_join(out, cap, f, 7);
}

static void add_client(struct rp_report *r, const struct rp_conn *c, uint64_t n)
{
    struct rp_client *row = row_get(r, c->client_ip);
    if (!row)
        return;
    char key[RP_KEY_MAX];
    row->connections = rp_sat_add(row->connections, n);
    seen(&row->first_seen, &row->last_seen, c->ts, c->end);
    keep_best(row->best_offered, c->max_version);
    if (c->negotiated_version)
        rp_map_add(&row->negotiated, c->negotiated_version, n);
    if (!c->established) {
        row->failures = rp_sat_add(row->failures, n);
        rp_map_add(&row->failures_by_outcome, c->outcome ? c->outcome : "unknown", n);
    }
    for (size_t i = 0; i < c->n_findings; i++)
        rp_map_add(&row->findings, c->findings[i].id, n);
    rp_service_key(key, sizeof key, c->dst_ip, c->dst_port, c->protocol, c->starttls);
    rp_map_add(&row->services, key, n);
    if (c->server_name)
        rp_map_add(&row->server_names, c->server_name, n);
    if (c->ja4)
        rp_map_add(&row->ja4, c->ja4, n);
    char name[RP_KEY_MAX];
    if (c->smtp_helo) {
        snprintf(name, sizeof name, "EHLO %.*s", RP_FIELD_MAX, c->smtp_helo);
        rp_map_add(&row->cleartext_names, name, n);
    }
    if (c->imap_id_name || c->imap_id_version) {
        snprintf(name, sizeof name, "ID %.*s%s%.*s", RP_FIELD_MAX, c->imap_id_name ? c->imap_id_name : "",
                 c->imap_id_name && c->imap_id_version ? " " : "", RP_FIELD_MAX,
                 c->imap_id_version ? c->imap_id_version : "");
        rp_map_add(&row->cleartext_names, name, n);
    }
}

static void add_server(struct rp_report *r, const struct rp_conn *c, uint64_t n)
{
    char key[RP_KEY_MAX];
    rp_service_key(key, sizeof key, c->dst_ip, c->dst_port, c->protocol, c->server_name);
    struct rp_server *row = row_get(r, key);
    if (!row)
        return;
    row->connections = rp_sat_add(row->connections, n);
    seen(&row->first_seen, &row->last_seen, c->ts, c->end);
    /* One service, one STARTTLS verb in practice; the smallest name keeps
     * the choice independent of line order, so merges agree. */
    if (c->starttls && (!row->starttls[0] || strcmp(c->starttls, row->starttls) < 0))
        copy_token(row->starttls, sizeof row->starttls, c->starttls);
    if (c->negotiated_version)
        rp_map_add(&row->negotiated, c->negotiated_version, n);
    if (c->cipher)
        rp_map_add(&row->ciphers, c->cipher, n);
    if (c->curve)
        rp_map_add(&row->groups, c->curve, n);
    if (c->dh_prime_bits >= 0) {
        snprintf(key, sizeof key, "%" PRId64, c->dh_prime_bits);
        rp_map_add(&row->dh_prime_bits, key, n);
    }
    if (c->cert.sha256) {
        rp_cert_key(key, sizeof key, c->cert.sha256, c->cert.subject, c->cert.issuer, c->cert.not_after,
                    c->cert.signature_algorithm, c->cert.key_algorithm, c->cert.key_size);
        rp_map_add(&row->certificates, key, n);
    }
    for (size_t i = 0; i < c->n_findings; i++)
        rp_map_add(&row->findings, c->findings[i].id, n);
    if (rp_version_legacy(c->negotiated_version))
        rp_map_add(&row->legacy_clients, c->client_ip, n);
    if (!c->established) {
        row->failures = rp_sat_add(row->failures, n);
        rp_map_add(&row->failures_by_outcome, c->outcome ? c->outcome : "unknown", n);
    }
}

static void add_findings(struct rp_report *r, const struct rp_conn *c, uint64_t n)
{
    char key[RP_KEY_MAX];
    rp_service_key(key, sizeof key, c->dst_ip, c->dst_port, c->protocol, c->server_name);
    for (size_t i = 0; i < c->n_findings; i++) {
        /* A finding listed twice on one line counts once for it. */
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup |= strcmp(c->findings[j].id, c->findings[i].id) == 0;
        if (dup)
            continue;
        struct rp_finding *f = row_get(r, c->findings[i].id);
        if (!f)
            continue;
        f->connections = rp_sat_add(f->connections, n);
        if (rp_severity_rank(c->findings[i].severity) > rp_severity_rank(f->severity))
            copy_token(f->severity, sizeof f->severity, c->findings[i].severity);
        rp_map_add(&f->clients, c->client_ip, n);
        rp_map_add(&f->servers, key, n);
    }
}

bool rp_add_conn(struct rp_report *r, const struct rp_conn *c)
{
    return rp_add_conns(r, c, 1);
}

bool rp_add_conns(struct rp_report *r, const struct rp_conn *c, uint64_t n)
{
    if (!rp_filter_pass(&r->filter, c)) {
        r->filtered_out = rp_sat_add(r->filtered_out, n);
        return false;
    }
    r->connections = rp_sat_add(r->connections, n);
    if (r->view == RP_VIEW_CLIENT)
        add_client(r, c, n);
    else if (r->view == RP_VIEW_SERVER)
        add_server(r, c, n);
    else
        add_findings(r, c, n);

    char key[RP_KEY_MAX];
    if (c->negotiated_version) {
        const char *f[] = { c->protocol, c->negotiated_version };
        rp_key_join(key, sizeof key, f, 2);
        rp_map_add(&r->versions_by_protocol, key, n);
    }
    if (rp_version_legacy(c->max_version) && c->ts != INT64_MIN) {
        char day[32];
        rp_time_format(c->ts, day);
        day[10] = '\0';
        const char *f[] = { day, c->client_ip };
        rp_key_join(key, sizeof key, f, 2);
        rp_map_add(&r->legacy_clients_by_day, key, n);
    }
    if (!c->established) {
        /* The cause: the first finding that explains a failure, else the outcome. */
        static const char *const causes[] = { "version-mismatch", "no-common-parameters", "fallback-rejected",
                                              "certificate-rejected", "certificate-untrusted",
                                              "certificate-name-mismatch",
                                              "server-closed-after-client-hello",
                                              "client-closed-after-server-hello", "client-certificate-missing",
                                              "plaintext-server", "failed-after-key-exchange" };
        const char *cause = c->outcome ? c->outcome : "unknown";
        for (size_t i = 0; i < c->n_findings && cause == c->outcome; i++)
            for (size_t k = 0; k < sizeof causes / sizeof causes[0]; k++)
                if (strcmp(c->findings[i].id, causes[k]) == 0)
                    cause = causes[k];
        rp_map_add(&r->failures_by_cause, cause, n);
    }
    return true;
}

static void merge_client(struct rp_client *d, const struct rp_client *s)
{
    d->connections = rp_sat_add(d->connections, s->connections);
    d->failures = rp_sat_add(d->failures, s->failures);
    seen(&d->first_seen, &d->last_seen, s->first_seen == INT64_MAX ? INT64_MIN : s->first_seen, s->last_seen);
    keep_best(d->best_offered, s->best_offered);
    rp_map_merge(&d->negotiated, &s->negotiated);
    rp_map_merge(&d->failures_by_outcome, &s->failures_by_outcome);
    rp_map_merge(&d->findings, &s->findings);
    rp_map_merge(&d->services, &s->services);
    rp_map_merge(&d->server_names, &s->server_names);
    rp_map_merge(&d->ja4, &s->ja4);
    rp_map_merge(&d->cleartext_names, &s->cleartext_names);
}

static void merge_server(struct rp_server *d, const struct rp_server *s)
{
    d->connections = rp_sat_add(d->connections, s->connections);
    d->failures = rp_sat_add(d->failures, s->failures);
    seen(&d->first_seen, &d->last_seen, s->first_seen == INT64_MAX ? INT64_MIN : s->first_seen, s->last_seen);
    if (s->starttls[0] && (!d->starttls[0] || strcmp(s->starttls, d->starttls) < 0))
        copy_token(d->starttls, sizeof d->starttls, s->starttls);
    rp_map_merge(&d->negotiated, &s->negotiated);
    rp_map_merge(&d->ciphers, &s->ciphers);
    rp_map_merge(&d->groups, &s->groups);
    rp_map_merge(&d->dh_prime_bits, &s->dh_prime_bits);
    rp_map_merge(&d->certificates, &s->certificates);
    rp_map_merge(&d->findings, &s->findings);
    rp_map_merge(&d->legacy_clients, &s->legacy_clients);
    rp_map_merge(&d->failures_by_outcome, &s->failures_by_outcome);
}

static void merge_finding(struct rp_finding *d, const struct rp_finding *s)
{
    d->connections = rp_sat_add(d->connections, s->connections);
    if (rp_severity_rank(s->severity) > rp_severity_rank(d->severity))
        copy_token(d->severity, sizeof d->severity, s->severity);
    rp_map_merge(&d->clients, &s->clients);
    rp_map_merge(&d->servers, &s->servers);
}

void rp_report_merge(struct rp_report *dst, const struct rp_report *src)
{
    for (size_t i = 0; i < src->rows.cap; i++) {
        const struct rp_entry *e = &src->rows.slots[i];
        if (!e->key || !e->val)
            continue;
        void *d = row_get(dst, e->key);
        if (!d)
            continue;
        if (dst->view == RP_VIEW_CLIENT)
            merge_client(d, e->val);
        else if (dst->view == RP_VIEW_SERVER)
            merge_server(d, e->val);
        else
            merge_finding(d, e->val);
    }
    rp_map_merge(&dst->versions_by_protocol, &src->versions_by_protocol);
    rp_map_merge(&dst->legacy_clients_by_day, &src->legacy_clients_by_day);
    rp_map_merge(&dst->failures_by_cause, &src->failures_by_cause);
    dst->connections = rp_sat_add(dst->connections, src->connections);
}

static bool any_legacy(const struct rp_map *versions)
{
    for (size_t i = 0; i < versions->cap; i++)
        if (versions->slots[i].key && rp_version_legacy(versions->slots[i].key))
            return true;
    return false;
}

static int client_class(const struct rp_client *c)
{
    if (rp_version_legacy(c->best_offered))
        return 0;
    if (any_legacy(&c->negotiated))
        return 1;
    return c->failures ? 2 : 3;
}

static int server_class(const struct rp_server *s)
{
    if (any_legacy(&s->negotiated))
        return 0;
    if (s->findings.len)
        return 1;
    return s->failures ? 2 : 3;
}

static enum rp_view sort_view; /* qsort has no context argument in C11 */

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
    return a > b ? -1 : a < b;
}

static int cmp_rows(const void *pa, const void *pb)
{
    const struct rp_entry *a = *(struct rp_entry *const *)pa, *b = *(struct rp_entry *const *)pb;
    int c = 0;
    if (sort_view == RP_VIEW_CLIENT) {
        const struct rp_client *x = a->val, *y = b->val;
        c = client_class(x) - client_class(y);
        if (!c)
            c = cmp_u64_desc(x->connections, y->connections);
    } else if (sort_view == RP_VIEW_SERVER) {
        const struct rp_server *x = a->val, *y = b->val;
        c = server_class(x) - server_class(y);
        if (!c)
            c = cmp_u64_desc(x->connections, y->connections);
    } else {
        const struct rp_finding *x = a->val, *y = b->val;
        c = rp_severity_rank(y->severity) - rp_severity_rank(x->severity);
        if (!c)
            c = cmp_u64_desc(x->connections, y->connections);
    }
    return c ? c : strcmp(a->key, b->key);
}

struct rp_entry **rp_rows_ordered(const struct rp_report *r)
{
    struct rp_entry **v = rp_map_sorted(&r->rows);
    if (v) {
        sort_view = r->view;
        qsort(v, r->rows.len, sizeof *v, cmp_rows);
    }
    return v;
}
