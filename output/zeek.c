/* zeek.c - see zeek.h. Zeek's conventions: base/protocols/ssl/main.zeek
 * (SSL::Info), base/files/x509/main.zeek (X509::Info), the ASCII writer's
 * header and escaping, and its JSON form (LogAscii::use_json).
 */
#include "output/zeek.h"

#include <errno.h>
#include <openssl/objects.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "common/digest.h"
#include "common/strbuf.h"
#include "dissect/names.h"
#include "dissect/tls_facts.h"
#include "output/fingerprint.h"
#include "output/json.h"
#include "output/x509_text.h"

/* X(name, Zeek type): each log's columns, in Zeek's order. The header is
 * written from these lists and each formatter walks the same order, checked
 * by its field count. */
#define ZEEK_SSL_FIELDS(X)                                                                                     \
    X("ts", "time") X("uid", "string") X("id.orig_h", "addr") X("id.orig_p", "port") X("id.resp_h", "addr")   \
    X("id.resp_p", "port") X("version", "string") X("cipher", "string") X("curve", "string")                 \
    X("server_name", "string") X("resumed", "bool") X("last_alert", "string") X("next_protocol", "string")   \
    X("established", "bool") X("ssl_history", "string") X("cert_chain_fps", "vector[string]")               \
    X("client_cert_chain_fps", "vector[string]") X("sni_matches_cert", "bool") X("ja3", "string")            \
    X("ja3s", "string") X("ja4", "string")
#define ZEEK_X509_FIELDS(X)                                                                                    \
    X("ts", "time") X("fingerprint", "string") X("certificate.version", "count")                              \
    X("certificate.serial", "string") X("certificate.subject", "string") X("certificate.issuer", "string")    \
    X("certificate.not_valid_before", "time") X("certificate.not_valid_after", "time")                        \
    X("certificate.key_alg", "string") X("certificate.sig_alg", "string") X("certificate.key_type", "string") \
    X("certificate.key_length", "count") X("certificate.exponent", "string") X("certificate.curve", "string")  \
    X("san.dns", "vector[string]") X("san.uri", "vector[string]") X("san.email", "vector[string]")            \
    X("san.ip", "vector[addr]") X("basic_constraints.ca", "bool") X("basic_constraints.path_len", "count")    \
    X("host_cert", "bool") X("client_cert", "bool")

#define ZEEK_NAME(name, type) name,
#define ZEEK_TYPE(name, type) type,
static const char *const ssl_names[] = { ZEEK_SSL_FIELDS(ZEEK_NAME) };
static const char *const ssl_types[] = { ZEEK_SSL_FIELDS(ZEEK_TYPE) };
static const char *const x509_names[] = { ZEEK_X509_FIELDS(ZEEK_NAME) };
static const char *const x509_types[] = { ZEEK_X509_FIELDS(ZEEK_TYPE) };

const struct zeek_log_desc zeek_ssl_log = { "ssl", sizeof ssl_names / sizeof ssl_names[0], ssl_names, ssl_types };
const struct zeek_log_desc zeek_x509_log = { "x509", sizeof x509_names / sizeof x509_names[0], x509_names,
                                             x509_types };

/* ---- one line, in either form ---- */

struct zline {
    struct strbuf b;
    enum zeek_form form;
    const struct zeek_log_desc *d;
    size_t field;                /* the next column */
    bool any;                    /* JSON: a member written already */
    size_t items;                /* in the open vector */
};

/* The separator and, in JSON, the key of the next column. */
static void zl_next(struct zline *z)
{
    if (z->form == ZEEK_TSV) {
        if (z->field > 0)
            strbuf_putc(&z->b, '\t');
    } else {
        if (z->any)
            strbuf_putc(&z->b, ',');
        strbuf_putc(&z->b, '"');
        strbuf_puts(&z->b, z->field < z->d->n_fields ? z->d->names[z->field] : "?");
        strbuf_put(&z->b, "\":", 2);
        z->any = true;
    }
    z->field++;
}

static void zl_unset(struct zline *z)
{
    if (z->form == ZEEK_TSV) {
        zl_next(z);
        strbuf_putc(&z->b, '-');
    } else {
        z->field++;              /* Zeek's JSON leaves unset fields out */
    }
}

/* A string value as the ASCII writer escapes it: control bytes, DEL and
 * non-ASCII bytes, the backslash, and (inside a vector) the set separator
 * as \xNN; a value that reads as the unset or empty marker gets its first
 * byte escaped so a reader cannot mistake it. */
static void zl_tsv_bytes(struct strbuf *b, const uint8_t *p, size_t n, bool in_vector)
{
    bool marker = (n == 1 && p[0] == '-') || (n == 7 && memcmp(p, "(empty)", 7) == 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c < 0x20 || c >= 0x7f || c == '\\' || (in_vector && c == ',') || (marker && i == 0)) {
            char esc[4] = { '\\', 'x', strbuf_hex_lower[c >> 4], strbuf_hex_lower[c & 0xf] };
            strbuf_put(b, esc, sizeof esc);
        } else {
            strbuf_putc(b, (char)c);
        }
    }
}

/* A string, on its own or as a vector's item. */
static void zl_value(struct zline *z, const uint8_t *p, size_t n, bool in_vector)
{
    if (z->form == ZEEK_JSON)
        strbuf_quoted(&z->b, p, n);
    else if (n == 0)
        strbuf_puts(&z->b, "(empty)");
    else
        zl_tsv_bytes(&z->b, p, n, in_vector);
}

static void zl_bytes(struct zline *z, const uint8_t *p, size_t n)
{
    zl_next(z);
    zl_value(z, p, n, false);
}

static void zl_str(struct zline *z, const char *s)
{
    zl_bytes(z, (const uint8_t *)s, strlen(s));
}

static void zl_bool(struct zline *z, bool v)
{
    zl_next(z);
    if (z->form == ZEEK_JSON)
        strbuf_puts(&z->b, v ? "true" : "false");
    else
        strbuf_putc(&z->b, v ? 'T' : 'F');
}

static void zl_count(struct zline *z, uint64_t v)
{
    zl_next(z);
    strbuf_u64(&z->b, v);
}

/* Zeek's time: seconds since the epoch with six decimals, in both forms. */
static void zl_time(struct zline *z, int64_t sec, uint32_t usec)
{
    zl_next(z);
    if (sec < 0) {
        strbuf_putc(&z->b, '-');
        sec = -sec;
    }
    strbuf_u64(&z->b, (uint64_t)sec);
    strbuf_putc(&z->b, '.');
    char frac[6];
    for (int i = 5; i >= 0; i--) {
        frac[i] = (char)('0' + usec % 10);
        usec /= 10;
    }
    strbuf_put(&z->b, frac, sizeof frac);
}

static void zl_time_us(struct zline *z, uint64_t us)
{
    zl_time(z, (int64_t)(us / 1000000u), (uint32_t)(us % 1000000u));
}

static void zl_addr(struct zline *z, int version, const uint8_t *addr)
{
    char buf[STRBUF_IP_MAX];
    struct strbuf a;
    strbuf_init(&a, buf, sizeof buf);
    strbuf_ip(&a, version, addr);
    zl_bytes(z, (const uint8_t *)buf, a.len);
}

static void zl_vec_begin(struct zline *z)
{
    zl_next(z);
    z->items = 0;
    if (z->form == ZEEK_JSON)
        strbuf_putc(&z->b, '[');
}

static void zl_vec_item(struct zline *z, const uint8_t *p, size_t n)
{
    if (z->items++ > 0)
        strbuf_putc(&z->b, ',');
    zl_value(z, p, n, true);
}

static void zl_vec_end(struct zline *z)
{
    if (z->form == ZEEK_JSON)
        strbuf_putc(&z->b, ']');
    else if (z->items == 0)
        strbuf_puts(&z->b, "(empty)");
}

static void zl_begin(struct zline *z, const struct zeek_log_desc *d, enum zeek_form form, char *buf, size_t cap)
{
    memset(z, 0, sizeof *z);
    strbuf_init(&z->b, buf, cap);
    z->form = form;
    z->d = d;
    if (form == ZEEK_JSON)
        strbuf_putc(&z->b, '{');
}

/* The line's length, or 0 when it did not fit or a formatter wrote another
 * number of columns than its log declares (a bug the unit tests catch). */
static size_t zl_finish(struct zline *z)
{
    if (z->form == ZEEK_JSON)
        strbuf_putc(&z->b, '}');
    strbuf_putc(&z->b, '\n');
    if (z->b.overflow || z->field != z->d->n_fields)
        return 0;
    return z->b.len;
}

/* ---- Zeek's names for TLS values ---- */

/* SSL::version_strings: SSLv2, SSLv3, TLSv10..TLSv13, DTLSv10/12/13, the
 * TLS 1.3 drafts as TLSv13-draftNN, else "unknown-N" in decimal. */
static const char *zeek_version(uint16_t v, char buf[TLS_VERSION_TOKEN_MAX])
{
    switch (v) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv10";
    case 0x0302: return "TLSv11";
    case 0x0303: return "TLSv12";
    case 0x0304: return "TLSv13";
    case 0xfeff: return "DTLSv10";
    case 0xfefd: return "DTLSv12";
    case 0xfefc: return "DTLSv13";
    default: break;
    }
    struct strbuf b;
    strbuf_init(&b, buf, TLS_VERSION_TOKEN_MAX - 1);
    if ((v >> 8) == 0x7f) {
        strbuf_puts(&b, "TLSv13-draft");
        strbuf_u64(&b, v & 0xffu);
    } else {
        strbuf_puts(&b, "unknown-");
        strbuf_u64(&b, v);
    }
    buf[b.len] = '\0';
    return buf;
}

/* A registry name (IANA's, which Zeek's tables use for suites, groups and
 * alerts), else Zeek's "unknown-N". */
/* An SSL 2.0 cipher kind as Zeek names it: SSL2_RC4_128_WITH_MD5 is its
 * SSLv20_CK_RC4_128_WITH_MD5; another kind as "unknown-" and its number. */
static void zl_sslv2_cipher(struct zline *z, uint32_t kind)
{
    const struct iana_entry *e = tls_registry_entry(TLS_REG_SSLV2_CIPHER_KIND, kind);
    char buf[64];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf - 1);
    if (e && e->len > 5 && memcmp(e->name, "SSL2_", 5) == 0) {
        strbuf_puts(&b, "SSLv20_CK_");
        strbuf_put(&b, e->name + 5, e->len - 5);
    } else if (e) {
        strbuf_put(&b, e->name, e->len);
    } else {
        strbuf_puts(&b, "unknown-");
        strbuf_u64(&b, kind);
    }
    buf[b.len] = '\0';
    zl_str(z, buf);
}

static void zl_code(struct zline *z, enum tls_registry reg, uint16_t code)
{
    const struct iana_entry *e = tls_registry_entry(reg, code);
    if (e) {
        zl_bytes(z, (const uint8_t *)e->name, e->len);
        return;
    }
    char buf[32];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf - 1);
    strbuf_puts(&b, "unknown-");
    strbuf_u64(&b, code);
    buf[b.len] = '\0';
    zl_str(z, buf);
}

static void zl_hex(struct zline *z, const uint8_t *p, size_t n)
{
    char buf[2 * 32];
    struct strbuf b;
    strbuf_init(&b, buf, sizeof buf);
    strbuf_hex(&b, p, n, false);
    zl_bytes(z, (const uint8_t *)buf, b.len);
}

/* ---- the uid ---- */

static size_t base62(char *out, uint64_t v)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char tmp[12];
    size_t n = 0;
    do {
        tmp[n++] = digits[v % 62];
        v /= 62;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

void zeek_uid(const struct conn_meta *m, char out[ZEEK_UID_SIZE])
{
    /* Zeek draws 96 random bits per connection and writes them in base62
     * behind a "C"; here the 96 bits are the SHA-1 of the 5-tuple and the
     * first packet's time, so a re-run gives the same uid. */
    uint8_t key[1 + 16 + 16 + 2 + 2 + 8];
    size_t n = 0;
    key[n++] = m->ip_version;
    memcpy(key + n, m->client_ip, 16);
    n += 16;
    memcpy(key + n, m->server_ip, 16);
    n += 16;
    key[n++] = (uint8_t)(m->client_port >> 8);
    key[n++] = (uint8_t)m->client_port;
    key[n++] = (uint8_t)(m->server_port >> 8);
    key[n++] = (uint8_t)m->server_port;
    for (int i = 0; i < 8; i++)
        key[n++] = (uint8_t)(m->first_ts_us >> (56 - 8 * i));
    uint8_t h[20];
    digest_sha1(key, n, h);
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++)
        hi = hi << 8 | h[i];
    for (int i = 8; i < 12; i++)
        lo = lo << 8 | h[i];
    size_t k = 0;
    out[k++] = 'C';
    k += base62(out + k, hi);
    k += base62(out + k, lo);
    out[k] = '\0';
}

/* ---- ssl.log ---- */

/* Does a DNS name match a certificate's name, RFC 6125 6.4: equal ignoring
 * case, or a "*." wildcard standing for exactly one leftmost label. */
static bool host_matches(const uint8_t *host, size_t hn, const uint8_t *pat, size_t pn)
{
    if (pn == hn && strncasecmp((const char *)host, (const char *)pat, hn) == 0)
        return true;
    if (pn < 3 || pat[0] != '*' || pat[1] != '.')
        return false;
    const uint8_t *dot = memchr(host, '.', hn);
    if (!dot || dot == host)
        return false;
    size_t rest = hn - (size_t)(dot - host);
    return rest == pn - 1 && strncasecmp((const char *)dot, (const char *)pat + 1, rest) == 0;
}

/* Zeek's sni_matches_cert: the server name against the leaf's DNS
 * subjectAltNames and its commonName. */
static bool sni_matches(const struct tls_client_report *c, const struct x509_report *x)
{
    size_t off = 0;
    for (uint8_t i = 0; i < x->san_count && off < x->san_len; i++) {
        uint8_t n = x->san[off];
        if (host_matches(c->sni, c->sni_len, x->san + off + 1, n))
            return true;
        off += 1u + n;
    }
    return host_matches(c->sni, c->sni_len, x->subject_cn, x->subject_cn_len);
}

size_t zeek_ssl_format(const struct conn_meta *m, const struct tls_report *r, enum zeek_form form, char *buf,
                       size_t cap)
{
    struct zline z;
    zl_begin(&z, &zeek_ssl_log, form, buf, cap);
    char tmp[64];
    zl_time_us(&z, m->first_ts_us);
    zeek_uid(m, tmp);
    zl_str(&z, tmp);
    zl_addr(&z, m->ip_version, m->client_ip);
    zl_count(&z, m->client_port);
    zl_addr(&z, m->ip_version, m->server_ip);
    zl_count(&z, m->server_port);

    if (r->server.seen) {
        zl_str(&z, zeek_version(tls_negotiated_version(&r->server), tmp));
        if (!r->sslv2.server_hello)
            zl_code(&z, TLS_REG_CIPHER_SUITE, r->server.cipher);
        else if (r->sslv2.master_key)
            zl_sslv2_cipher(&z, r->sslv2.cipher_kind);
        else
            zl_unset(&z);
    } else {
        zl_unset(&z);
        zl_unset(&z);
    }
    uint16_t curve = r->server.curve ? r->server.curve : r->server.key_share_group;
    if (curve)
        zl_code(&z, TLS_REG_GROUP, curve);
    else
        zl_unset(&z);
    if (r->client.sni_len)
        zl_bytes(&z, r->client.sni, r->client.sni_len);
    else
        zl_unset(&z);
    zl_bool(&z, r->resumed);
    if (r->alert.seen)
        zl_code(&z, TLS_REG_ALERT, r->alert.description);
    else
        zl_unset(&z);
    if (r->server.alpn_len)
        zl_bytes(&z, r->server.alpn, r->server.alpn_len);
    else
        zl_unset(&z);
    zl_bool(&z, tls_report_established(r));
    zl_unset(&z); /* ssl_history: the record keeps facts, not the message order */

    /* Zeek creates both chains when the first certificate of either side
     * arrives, so a connection with a server certificate and no client one
     * logs an empty client chain, and one without any certificate (TLS 1.3)
     * logs neither. */
    const struct x509_report *leaf[2] = { &r->server_cert, &r->client_cert };
    bool chains = leaf[0]->parsed || leaf[1]->parsed;
    for (int side = 0; side < 2; side++) {
        if (!chains) {
            zl_unset(&z);
            continue;
        }
        char fp[64];
        struct strbuf f;
        strbuf_init(&f, fp, sizeof fp);
        zl_vec_begin(&z);
        if (leaf[side]->parsed) {
            strbuf_hex(&f, leaf[side]->sha256, sizeof leaf[side]->sha256, false);
            zl_vec_item(&z, (const uint8_t *)fp, f.len);
        }
        zl_vec_end(&z);
    }
    if (r->client.sni_len && r->server_cert.parsed)
        zl_bool(&z, sni_matches(&r->client, &r->server_cert));
    else
        zl_unset(&z);

    uint8_t md5[16];
    if (fp_ja3_client(&r->client, md5))
        zl_hex(&z, md5, sizeof md5);
    else
        zl_unset(&z);
    if (r->server.seen && !r->sslv2.server_hello && fp_ja3s(&r->server, md5)) /* JA3S is the TLS ServerHello's */
        zl_hex(&z, md5, sizeof md5);
    else
        zl_unset(&z);
    char ja4[FP_JA4_SIZE];
    if (fp_ja4_client(&r->client, ja4))
        zl_str(&z, ja4);
    else
        zl_unset(&z);
    return zl_finish(&z);
}

/* ---- x509.log ---- */

static void zl_nid(struct zline *z, int nid, bool long_name)
{
    const char *s = nid > 0 ? (long_name ? OBJ_nid2ln(nid) : OBJ_nid2sn(nid)) : NULL;
    if (s)
        zl_str(z, s);
    else
        zl_unset(z);
}

size_t zeek_x509_format(const struct x509_report *x, uint64_t ts_us, bool client, enum zeek_form form, char *buf,
                        size_t cap)
{
    if (!x->parsed)
        return 0;
    struct x509_text t;
    x509_text_render(x, &t);
    struct zline z;
    zl_begin(&z, &zeek_x509_log, form, buf, cap);
    zl_time_us(&z, ts_us);
    zl_hex(&z, x->sha256, sizeof x->sha256);
    zl_unset(&z); /* certificate.version: not kept by dissect/x509 */
    if (t.serial[0])
        zl_str(&z, t.serial);
    else
        zl_unset(&z);
    zl_bytes(&z, (const uint8_t *)t.subject_dn, t.subject_dn_len);
    zl_bytes(&z, (const uint8_t *)t.issuer_dn, t.issuer_dn_len);
    zl_time(&z, x->not_before, 0);
    zl_time(&z, x->not_after, 0);
    /* OpenSSL's names, as Zeek takes them from libcrypto: the key's long
     * name ("rsaEncryption"), the signature's ("sha256WithRSAEncryption"),
     * the curve's short name ("prime256v1"). */
    zl_nid(&z, x->key_nid, true);
    zl_nid(&z, x->signature_nid, true);
    switch (x->key_type) {
    case X509_KEY_RSA: zl_str(&z, "rsa"); break;
    case X509_KEY_DSA: zl_str(&z, "dsa"); break;
    case X509_KEY_ECDSA: zl_str(&z, "ecdsa"); break;
    default: zl_unset(&z); break;
    }
    if (x->key_bits)
        zl_count(&z, x->key_bits);
    else
        zl_unset(&z);
    zl_unset(&z); /* certificate.exponent: not kept */
    zl_nid(&z, x->key_curve_nid, false);
    if (x->san_count) {
        zl_vec_begin(&z);
        size_t off = 0;
        for (uint8_t i = 0; i < x->san_count && off < x->san_len; i++) {
            uint8_t n = x->san[off];
            zl_vec_item(&z, x->san + off + 1, n);
            off += 1u + n;
        }
        zl_vec_end(&z);
    } else {
        zl_unset(&z);
    }
    zl_unset(&z); /* san.uri, san.email, san.ip: only DNS names are kept */
    zl_unset(&z);
    zl_unset(&z);
    zl_unset(&z); /* basic_constraints.ca, .path_len: not kept */
    zl_unset(&z);
    zl_bool(&z, true);   /* host_cert: Zeek's mark of an endpoint (leaf) certificate, which every line here is */
    zl_bool(&z, client);
    return zl_finish(&z);
}

/* ---- headers and the sink ---- */

size_t zeek_header_format(const struct zeek_log_desc *d, uint64_t open_us, char *buf, size_t cap)
{
    struct strbuf b;
    strbuf_init(&b, buf, cap);
    strbuf_puts(&b, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t");
    strbuf_puts(&b, d->path);
    strbuf_puts(&b, "\n#open\t");
    char when[32];
    time_t sec = (time_t)(open_us / 1000000u);
    struct tm tm;
    gmtime_r(&sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%d-%H-%M-%S", &tm);
    strbuf_puts(&b, when);
    strbuf_puts(&b, "\n#fields");
    for (size_t i = 0; i < d->n_fields; i++) {
        strbuf_putc(&b, '\t');
        strbuf_puts(&b, d->names[i]);
    }
    strbuf_puts(&b, "\n#types");
    for (size_t i = 0; i < d->n_fields; i++) {
        strbuf_putc(&b, '\t');
        strbuf_puts(&b, d->types[i]);
    }
    strbuf_putc(&b, '\n');
    return b.overflow ? 0 : b.len;
}

static void write_all(struct zeek_writer *w, FILE *f, const char *p, size_t n)
{
    if (fwrite(p, 1, n, f) != n)
        w->write_errors++;
}

void zeek_writer_init(struct zeek_writer *w, FILE *ssl, FILE *x509, enum zeek_form form, uint64_t open_us)
{
    memset(w, 0, sizeof *w);
    w->ssl = ssl;
    w->x509 = x509;
    w->form = form;
    if (form != ZEEK_TSV)
        return;
    size_t n = zeek_header_format(&zeek_ssl_log, open_us, w->buf, sizeof w->buf);
    write_all(w, ssl, w->buf, n);
    if (x509) {
        n = zeek_header_format(&zeek_x509_log, open_us, w->buf, sizeof w->buf);
        write_all(w, x509, w->buf, n);
    }
}

void zeek_emit(void *writer, const struct conn_meta *m, const struct tls_report *r)
{
    struct zeek_writer *w = writer;
    size_t n = zeek_ssl_format(m, r, w->form, w->buf, sizeof w->buf);
    if (n == 0) {
        w->dropped++;
        return;
    }
    write_all(w, w->ssl, w->buf, n);
    w->lines++;
    if (!w->x509)
        return;
    /* Zeek logs the server's chain first, then the client's. */
    const struct x509_report *leaf[2] = { &r->server_cert, &r->client_cert };
    for (int side = 0; side < 2; side++) {
        if (!leaf[side]->parsed)
            continue;
        n = zeek_x509_format(leaf[side], m->first_ts_us, side == 1, w->form, w->buf, sizeof w->buf);
        if (n == 0) {
            w->dropped++;
            continue;
        }
        write_all(w, w->x509, w->buf, n);
        w->x509_lines++;
    }
}

void zeek_writer_close(struct zeek_writer *w, uint64_t close_us)
{
    if (w->form != ZEEK_TSV)
        return;
    char line[48];
    time_t sec = (time_t)(close_us / 1000000u);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(line, sizeof line, "#close\t%Y-%m-%d-%H-%M-%S\n", &tm);
    write_all(w, w->ssl, line, n);
    if (w->x509)
        write_all(w, w->x509, line, n);
}

int zeek_form_parse(const char *s)
{
    if (strcmp(s, "zeek") == 0)
        return ZEEK_TSV;
    if (strcmp(s, "zeek-json") == 0)
        return ZEEK_JSON;
    return -1;
}

static FILE *open_log(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s.log", dir, name);
    FILE *f = n > 0 && (size_t)n < sizeof path ? fopen(path, "wb") : NULL;
    if (!f)
        snprintf(err, errlen, "%s/%s.log: cannot write: %s", dir, name, strerror(errno));
    return f;
}

int zeek_writer_open(struct zeek_writer *w, const char *dir, enum zeek_form form, uint64_t open_us, char *err,
                     size_t errlen)
{
    if (!dir || strcmp(dir, "-") == 0) {
        zeek_writer_init(w, stdout, NULL, form, open_us);
        return 0;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create the log directory: %s", dir, strerror(errno));
        return -1;
    }
    FILE *ssl = open_log(dir, zeek_ssl_log.path, err, errlen);
    FILE *x509 = ssl ? open_log(dir, zeek_x509_log.path, err, errlen) : NULL;
    if (!x509) {
        if (ssl)
            fclose(ssl);
        return -1;
    }
    zeek_writer_init(w, ssl, x509, form, open_us);
    return 0;
}

int zeek_writer_finish(struct zeek_writer *w, uint64_t close_us)
{
    zeek_writer_close(w, close_us);
    int rc = w->write_errors ? -1 : 0;
    FILE *files[2] = { w->ssl, w->x509 };
    for (int i = 0; i < 2; i++) {
        if (!files[i])
            continue;
        if (ferror(files[i]) || fflush(files[i]) != 0)
            rc = -1;
        if (files[i] != stdout && fclose(files[i]) != 0)
            rc = -1;
    }
    w->ssl = w->x509 = NULL;
    return rc;
}

void zeek_stats_json(void *writer, struct json_writer *w)
{
    const struct zeek_writer *z = writer;
    json_object_begin(w, JSON_KEY("zeek"));
    json_u64(w, JSON_KEY("ssl_lines"), z->lines);
    json_u64(w, JSON_KEY("x509_lines"), z->x509_lines);
    json_u64(w, JSON_KEY("dropped"), z->dropped);
    json_u64(w, JSON_KEY("write_errors"), z->write_errors);
    json_object_end(w);
}
