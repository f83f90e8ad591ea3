/* packet_notes.c - see packet_notes.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#endif

#include "output/packet_notes.h"

#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "dissect/names.h"
#include "dissect/starttls.h"
#include "dissect/tls_facts.h"
#include "output/findings.h"
#include "output/x509_text.h"

/* One comment is a strbuf over the end of the packet's text: appends are
 * all-or-nothing, so a comment never ends inside a character. */

/* A name from a table; NULL (a code the table lacks) is written "unknown". */
static void t_str(struct strbuf *t, const char *s)
{
    strbuf_puts(t, s ? s : "unknown");
}

/* A string from the wire, as a JSON string literal: quotes, backslashes,
 * control characters and invalid UTF-8 cannot reach the comment raw. */
static void t_wire(struct strbuf *t, const void *p, size_t n)
{
    struct strbuf q = strbuf_rest(t);
    strbuf_quoted(&q, p, n);
    if (q.overflow)
        t_str(t, "(too long to show)");
    else
        strbuf_keep(t, &q);
}

static void t_version(struct strbuf *t, uint16_t v)
{
    char b[TLS_VERSION_TOKEN_MAX];
    t_str(t, tls_version_token(v, b));
}

static void t_code(struct strbuf *t, const char *name, uint16_t code)
{
    char b[8];
    t_str(t, name ? name : tls_hex16(code, b));
}

static void t_date(struct strbuf *t, int64_t secs)
{
    time_t tt = (time_t)secs;
    struct tm tm;
    char b[32];
    if (gmtime_r(&tt, &tm) && strftime(b, sizeof b, "%Y-%m-%d", &tm) > 0)
        t_str(t, b);
    else
        t_str(t, "?");
}

static struct strbuf note_begin(struct packet_notes *n)
{
    size_t room = PACKET_NOTES_TEXT - n->used;
    struct strbuf t;
    strbuf_init(&t, n->text + n->used, room < PACKET_NOTE_MAX ? room : PACKET_NOTE_MAX);
    t_str(&t, "tlsscope: ");
    return t;
}

static void note_end(struct packet_notes *n, const struct strbuf *t)
{
    if (t->overflow || n->count == PACKET_NOTES_MAX) {
        n->dropped++;
        return;
    }
    n->comment[n->count].text = t->buf;
    n->comment[n->count].len = (uint16_t)t->len;
    n->count++;
    n->used += t->len;
}

void packet_notes_clear(struct packet_notes *n)
{
    n->used = 0;
    n->count = 0;
}

static void client_hello(struct strbuf *t, const struct tls_client_report *c)
{
    t_str(t, c->sslv2_hello ? "SSLv2-compatible ClientHello: " : "ClientHello: ");
    uint16_t offered[TLS_MAX_VERSIONS];
    size_t nv = tls_offered_versions(c, offered, TLS_MAX_VERSIONS);
    t_str(t, nv == 1 ? "version" : "versions");
    for (size_t i = 0; i < nv; i++) {
        t_str(t, " ");
        t_version(t, offered[i]);
    }
    size_t suites = 0;
    for (size_t i = 0; i < c->ciphers.n; i++)
        suites += !(c->ciphers.v[i] <= UINT16_MAX && tls_is_grease((uint16_t)c->ciphers.v[i]));
    t_str(t, "; ");
    if (c->ciphers.more)
        t_str(t, "more than ");
    strbuf_u64(t, suites);
    t_str(t, suites == 1 ? " cipher suite" : " cipher suites");
    if (c->sni_len > 0) {
        t_str(t, "; SNI ");
        t_wire(t, c->sni, c->sni_len);
    }
    size_t off = 0;
    for (uint8_t i = 0; i < c->alpn_count && off < c->alpn_len; i++) {
        uint8_t len = c->alpn[off];
        if (len > c->alpn_len - off - 1)
            break;
        t_str(t, i == 0 ? "; ALPN " : " ");
        t_wire(t, c->alpn + off + 1, len);
        off += 1u + len;
    }
    if (!c->parsed)
        t_str(t, "; did not parse to its end");
}

static void server_hello(struct strbuf *t, const struct tls_server_report *s)
{
    if (s->hello_retry_request) {
        t_str(t, "HelloRetryRequest: the server asks for key share ");
        t_code(t, tls_group_name(s->key_share_group), s->key_share_group);
        return;
    }
    t_str(t, "ServerHello: ");
    t_version(t, tls_negotiated_version(s));
    t_str(t, ", ");
    t_code(t, tls_cipher_name(s->cipher), s->cipher);
    if (s->key_share_group) {
        t_str(t, ", key share ");
        t_code(t, tls_group_name(s->key_share_group), s->key_share_group);
    }
    if (s->alpn_len > 0) {
        t_str(t, ", ALPN ");
        t_wire(t, s->alpn, s->alpn_len);
    }
    if (s->session_id_echoed || s->has_psk) /* what the hello says; tls_resumed() decides at the end */
        t_str(t, ", resumes a session");
    if (!s->parsed)
        t_str(t, "; did not parse to its end");
}

static void certificate(struct strbuf *t, const char *what, uint16_t chain_length, const struct x509_report *x)
{
    t_str(t, what);
    if (chain_length == 0) {
        t_str(t, "empty (no certificate to send)");
        return;
    }
    t_str(t, "chain of ");
    strbuf_u64(t, chain_length);
    if (!x->parsed) {
        t_str(t, "; the leaf did not decode");
        return;
    }
    struct x509_text xt;
    x509_text_render(x, &xt);
    t_str(t, "; leaf subject ");
    t_wire(t, xt.subject_dn, xt.subject_dn_len);
    t_str(t, ", issuer ");
    t_wire(t, xt.issuer_dn, xt.issuer_dn_len);
    t_str(t, ", valid ");
    t_date(t, x->not_before);
    t_str(t, " to ");
    t_date(t, x->not_after);
    if (xt.key_algorithm[0]) {
        t_str(t, ", ");
        t_str(t, xt.key_algorithm);
        if (x->key_bits) {
            t_str(t, " ");
            strbuf_u64(t, x->key_bits);
            t_str(t, " bits");
        }
    }
    if (xt.signature_algorithm[0]) {
        t_str(t, ", signed ");
        t_str(t, xt.signature_algorithm);
    }
}

static void key_exchange(struct strbuf *t, const struct tls_server_report *s)
{
    t_str(t, "ServerKeyExchange: ");
    t_str(t, tls_kx_name(tls_cipher_kx(s->cipher))); /* "unknown" for a suite the registry lacks */
    if (s->curve) {
        t_str(t, " ");
        t_code(t, tls_group_name(s->curve), s->curve);
    }
    if (s->dh_prime_bits) {
        t_str(t, " ");
        strbuf_u64(t, s->dh_prime_bits);
        t_str(t, "-bit group");
    }
    if (s->kx_sigalg) {
        t_str(t, ", signed ");
        t_code(t, tls_sigscheme_name(s->kx_sigalg), s->kx_sigalg);
    }
}

static void alert(struct strbuf *t, const struct tls_alert_report *a)
{
    t_str(t, a->sender == DIR_C2S ? "Alert from the client: " : "Alert from the server: ");
    t_str(t, a->level == 2 ? "fatal " : a->level == 1 ? "warning " : "level ");
    if (a->level != 1 && a->level != 2) {
        strbuf_u64(t, a->level);
        t_str(t, " ");
    }
    const char *name = tls_alert_name(a->description);
    t_str(t, name ? name : "unknown");
    t_str(t, " (");
    strbuf_u64(t, a->description);
    t_str(t, ")");
}

void packet_notes_message(struct packet_notes *n, enum tls_note what, const struct tls_report *r)
{
    struct strbuf t = note_begin(n);
    switch (what) {
    case TLS_NOTE_CLIENT_HELLO:
        client_hello(&t, &r->client);
        break;
    case TLS_NOTE_SERVER_HELLO:
        server_hello(&t, &r->server);
        break;
    case TLS_NOTE_CERTIFICATE:
        certificate(&t, "Certificate: ", r->server.certificate_chain_length, &r->server_cert);
        break;
    case TLS_NOTE_CERTIFICATE_REQUEST:
        t_str(&t, "CertificateRequest: the server asks for a client certificate");
        break;
    case TLS_NOTE_CLIENT_CERTIFICATE:
        certificate(&t, "Certificate from the client: ", r->client.certificate_chain_length, &r->client_cert);
        break;
    case TLS_NOTE_SERVER_KEY_EXCHANGE:
        key_exchange(&t, &r->server);
        break;
    case TLS_NOTE_ALERT:
        alert(&t, &r->alert);
        break;
    }
    note_end(n, &t);
}

static void finding_note(void *ctx, const char *id, const char *severity, const char *message)
{
    struct packet_notes *n = ctx;
    struct strbuf t = note_begin(n);
    t_str(&t, "finding ");
    t_str(&t, id);
    t_str(&t, " (");
    t_str(&t, severity);
    t_str(&t, "): ");
    t_str(&t, message);
    note_end(n, &t);
}

void packet_notes_decision(struct packet_notes *n, const struct conn_meta *m, const struct tls_report *r)
{
    struct strbuf t = note_begin(n);
    switch (r->outcome) {
    case TLS_OUTCOME_ESTABLISHED:
        t_str(&t, r->resumed ? "handshake established (resumed): " : "handshake established: ");
        t_version(&t, tls_negotiated_version(&r->server));
        if (!r->sslv2.server_hello) {
            t_str(&t, ", ");
            t_code(&t, tls_cipher_name(r->server.cipher), r->server.cipher);
        } else if (r->sslv2.master_key && sslv2_cipher_name(r->sslv2.cipher_kind)) { /* SSL 2.0: the client's kind */
            t_str(&t, ", ");
            t_str(&t, sslv2_cipher_name(r->sslv2.cipher_kind));
        }
        break;
    case TLS_OUTCOME_ALERT:
        t_str(&t, "handshake failed with an alert");
        break;
    case TLS_OUTCOME_RESET:
    case TLS_OUTCOME_CLOSED_DURING_HANDSHAKE:
        t_str(&t, r->outcome == TLS_OUTCOME_RESET ? "connection reset" : "connection closed");
        if (m->close_seen)
            t_str(&t, m->closed_by == DIR_C2S ? " by the client" : " by the server");
        t_str(&t, " during the handshake");
        break;
    case TLS_OUTCOME_STARTTLS_REFUSED:
        t_str(&t, starttls_protocol_name(r->context.starttls));
        t_str(&t, " upgrade to TLS refused");
        if (r->context.starttls_reply_len > 0) {
            t_str(&t, ": ");
            t_wire(&t, r->context.starttls_reply, r->context.starttls_reply_len);
        }
        break;
    case TLS_OUTCOME_INCOMPLETE:
        t_str(&t, "handshake incomplete");
        break;
    }
    note_end(n, &t);
    findings_each(m, r, finding_note, n);
}
