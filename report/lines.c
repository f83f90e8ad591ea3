/* lines.c - JSON lines in, struct rp_conn (or report rows) out.
 *
 * json-c does the parsing (a maintained Debian library, twice as fast as
 * jansson on tlsscope's lines). Its strict mode is on and each line is
 * checked to be UTF-8 (RFC 3629) first, so what is accepted is RFC 8259 JSON
 * in UTF-8: tlsscope writes nothing else, and the report must not pass on
 * what it cannot print. (json-c's own UTF-8 check lets overlong forms such
 * as C0 9A through; fuzz_report_lines found it.) Its nesting depth is
 * bounded, so a
 * hostile line cannot exhaust the stack. zlib's gz* functions read gzip and
 * plain files alike ("transparent" mode), so a rotated `.jsonl.gz` needs no
 * option.
 */
#include "report/lines.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "report/format.h"
#include "report/scan.h"

/* Lines are about 2.5 KB; depth 16 is more than any line or row nests. */
#define RP_JSON_DEPTH 16

static struct json_object *get(struct json_object *o, const char *a, const char *b, const char *c)
{
    const char *keys[] = { a, b, c };
    for (size_t i = 0; i < 3 && keys[i]; i++)
        if (!o || !json_object_object_get_ex(o, keys[i], &o))
            return NULL;
    return o;
}

static const char *str(struct json_object *o, const char *a, const char *b, const char *c)
{
    o = get(o, a, b, c);
    return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

static int64_t num(struct json_object *o, const char *a, const char *b, const char *c)
{
    o = get(o, a, b, c);
    return o && json_object_is_type(o, json_type_int) && json_object_get_int64(o) >= 0 ? json_object_get_int64(o)
                                                                                      : -1;
}

static int64_t when(struct json_object *o, const char *a, const char *b)
{
    const char *s = str(o, a, b, NULL);
    return s ? rp_time_parse(s) : INT64_MIN;
}

bool rp_conn_from_json(struct json_object *o, struct rp_conn *c)
{
    memset(c, 0, sizeof *c);
    /* The schema never writes an empty string; a line that does has no
     * client to report on. */
    c->client_ip = str(o, "client", "ip", NULL);
    if (!c->client_ip || !*c->client_ip)
        return false;
    c->ts = when(o, "@timestamp", NULL);
    c->end = when(o, "event", "end");
    c->dst_ip = str(o, "destination", "ip", NULL);
    c->dst_port = num(o, "destination", "port", NULL);
    c->protocol = str(o, "network", "protocol", NULL);
    struct json_object *tls = get(o, "tls", NULL, NULL);
    c->starttls = str(tls, "starttls", NULL, NULL);
    c->server_name = str(tls, "client", "server_name", NULL);
    c->outcome = str(tls, "outcome", NULL, NULL);
    struct json_object *est = get(tls, "established", NULL, NULL);
    c->established = est && json_object_is_type(est, json_type_boolean) && json_object_get_boolean(est);
    c->negotiated_version = str(tls, "negotiated_version", NULL, NULL);
    c->max_version = str(tls, "client", "max_version", NULL);
    c->cipher = str(tls, "cipher", NULL, NULL);
    c->curve = str(tls, "curve", NULL, NULL);
    c->dh_prime_bits = num(tls, "server", "dh", "prime_bits");
    c->ja4 = str(tls, "client", "ja4", NULL);
    c->smtp_helo = str(o, "smtp", "helo", NULL);
    c->imap_id_name = str(o, "imap", "id", "name");
    c->imap_id_version = str(o, "imap", "id", "version");
    struct json_object *x509 = get(tls, "server", "x509", NULL);
    c->cert.sha256 = str(tls, "server", "hash", "sha256");
    c->cert.subject = str(x509, "subject", "common_name", NULL);
    c->cert.issuer = str(x509, "issuer", "common_name", NULL);
    c->cert.not_after = str(x509, "not_after", NULL, NULL);
    c->cert.signature_algorithm = str(x509, "signature_algorithm", NULL, NULL);
    c->cert.key_algorithm = str(x509, "public_key_algorithm", NULL, NULL);
    c->cert.key_size = num(x509, "public_key_size", NULL, NULL);
    struct json_object *fs = get(tls, "findings", NULL, NULL);
    if (fs && json_object_is_type(fs, json_type_array)) {
        size_t n = json_object_array_length(fs);
        for (size_t i = 0; i < n && c->n_findings < RP_MAX_FINDINGS; i++) {
            struct json_object *f = json_object_array_get_idx(fs, i);
            const char *id = str(f, "id", NULL, NULL);
            if (!id || !*id)
                continue;
            c->findings[c->n_findings].id = id;
            c->findings[c->n_findings].severity = str(f, "severity", NULL, NULL);
            c->findings[c->n_findings].message = str(f, "message", NULL, NULL);
            c->n_findings++;
        }
    }
    return true;
}

static void malformed(struct rp_report *r, const char *name, uint64_t lineno)
{
    if (!r->malformed++) {
        r->first_malformed_line = lineno;
        snprintf(r->first_malformed_input, sizeof r->first_malformed_input, "%s", name);
    }
}

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
bool rp_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* Lines are nearly all ASCII: skip it eight bytes at a time. */
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf)
            len = 2;
        else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else
            return false;
        if (n - i < len || p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t k = 2; k < len; k++)
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

/* A report row (a line of an earlier `--format json` report): parsed with
 * json-c, as rows are few and carry maps of any shape. */
static bool read_row(struct rp_report *r, struct json_tokener *tok, const char *line, size_t len)
{
    json_tokener_reset(tok);
    struct json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    /* The whole line must be one value: "{}x" or a value cut short is not. */
    bool ok = o && json_tokener_get_error(tok) == json_tokener_success &&
              json_tokener_get_parse_end(tok) == len && json_object_is_type(o, json_type_object) &&
              json_object_object_get_ex(o, "report", NULL) && rp_merge_json_row(r, o) >= 0;
    json_object_put(o);
    return ok;
}

/* arena: at least rp_scan_arena_size(len) bytes. */
static bool read_line(struct rp_report *r, struct json_tokener *tok, char *arena, const char *line, size_t len,
                      const char *name, uint64_t lineno)
{
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len == 0)
        return true;
    r->lines++;
    bool ok = false;
    if (len <= INT32_MAX && rp_utf8_valid((const uint8_t *)line, len)) {
        /* Connection lines, nearly all of the input, without a parse tree
         * (report/scan.h); rows through json-c. */
        struct rp_conn c;
        switch (rp_scan_line(line, len, arena, &c)) {
        case RP_SCAN_CONN:
            rp_add_conn(r, &c);
            ok = true;
            break;
        case RP_SCAN_ROW:
            ok = read_row(r, tok, line, len);
            break;
        case RP_SCAN_STATS:
            r->stats_records++;
            ok = true;
            break;
        case RP_SCAN_NOT_CONN:
        case RP_SCAN_BAD:
            break;
        }
    }
    if (!ok)
        malformed(r, name, lineno);
    return ok;
}

static struct json_tokener *tokener(void)
{
    struct json_tokener *tok = json_tokener_new_ex(RP_JSON_DEPTH);
    if (tok)
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    return tok;
}

bool rp_read_line(struct rp_report *r, const char *line, size_t len, const char *name, uint64_t lineno)
{
    struct json_tokener *tok = tokener();
    char *arena = malloc(rp_scan_arena_size(len));
    bool ok = tok && arena && read_line(r, tok, arena, line, len, name, lineno);
    free(arena);
    if (tok)
        json_tokener_free(tok);
    return ok;
}

int rp_read_file(struct rp_report *r, const char *path, const char *name, char *err, size_t errlen)
{
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    return rp_read_fd(r, fd, name, err, errlen);
}

int rp_read_fd(struct rp_report *r, int fd, const char *name, char *err, size_t errlen)
{
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    gzbuffer(gz, 1 << 18);
    size_t cap = 1 << 16, len = 0;
    struct json_tokener *tok = tokener();
    char *buf = tok ? malloc(cap) : NULL;
    char *arena = buf ? malloc(rp_scan_arena_size(cap)) : NULL;
    if (!arena) {
        free(buf);
        buf = NULL;
    }
    uint64_t lineno = 0;
    int rc = 0;
    while (buf) {
        /* gzgets stops at a newline or a full buffer; a longer line grows it. */
        if (!gzgets(gz, buf + len, (int)(cap - len))) {
            if (len)
                read_line(r, tok, arena, buf, len, name, ++lineno);
            break;
        }
        len += strlen(buf + len);
        if (len && buf[len - 1] != '\n' && len == cap - 1 && !gzeof(gz)) {
            /* The scanner's arena grows first: larger than needed is harmless. */
            char *na = cap < (1u << 30) ? realloc(arena, rp_scan_arena_size(cap * 2)) : NULL;
            if (na)
                arena = na;
            char *nb = na ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                /* A line over 1 GiB is not a tlsscope line: skip to its end. */
                free(buf);
                buf = NULL;
                snprintf(err, errlen, "line %llu is too long", (unsigned long long)lineno + 1);
                rc = -1;
                break;
            }
            buf = nb;
            cap *= 2;
            continue;
        }
        read_line(r, tok, arena, buf, len, name, ++lineno);
        len = 0;
    }
    int gzerr;
    const char *msg = gzerror(gz, &gzerr);
    if (rc == 0 && gzerr != Z_OK && gzerr != Z_BUF_ERROR) {
        snprintf(err, errlen, "%s", gzerr == Z_ERRNO ? strerror(errno) : msg);
        rc = -1;
    } else if (rc == 0 && gzerr == Z_BUF_ERROR) {
        snprintf(err, errlen, "compressed data ends early");
        rc = -1;
    }
    if (!tok || (!buf && rc == 0)) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    free(buf);
    free(arena);
    if (tok)
        json_tokener_free(tok);
    gzclose(gz);
    return rc;
}
