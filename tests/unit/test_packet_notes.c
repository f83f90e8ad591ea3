/* test_packet_notes.c - the comments put on packets in the pcapng output:
 * exact texts for each handshake message and decision, and for hostile wire
 * strings valid UTF-8 without control characters at any length. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dissect/starttls.h"
#include <openssl/obj_mac.h>

#include "output/packet_notes.h"

/* A DER length (X.690 8.1.3), short or long form, up to 0xffff. */
static uint8_t *der_len(uint8_t *p, size_t n)
{
    if (n >= 0x100)
        *p++ = 0x82, *p++ = (uint8_t)(n >> 8);
    else if (n >= 0x80)
        *p++ = 0x81;
    *p++ = (uint8_t)n;
    return p;
}

static size_t der_len_size(size_t n) { return n < 0x80 ? 1 : n < 0x100 ? 2 : 3; }

/* The name "CN=<value>" as the certificate report keeps it: one RDN, one
 * commonName (2.5.4.3) UTF8String. */
static void set_cn_name(struct x509_name *name, const void *value, size_t len)
{
    size_t atv = 5 + 1 + der_len_size(len) + len;
    uint8_t *p = name->der;
    *p++ = 0x31;
    p = der_len(p, 1 + der_len_size(atv) + atv);
    *p++ = 0x30;
    p = der_len(p, atv);
    memcpy(p, "\x06\x03\x55\x04\x03\x0c", 6);
    p = der_len(p + 6, len);
    memcpy(p, value, len);
    name->len = (uint16_t)(p + len - name->der);
}

/* Strict UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF)
 * and no C0 control character, DEL or NUL. */
static bool clean_utf8(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            k = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

static void assert_comment(const struct packet_notes *n, size_t i, const char *want)
{
    assert_true(i < n->count);
    char got[PACKET_NOTE_MAX + 1];
    memcpy(got, n->comment[i].text, n->comment[i].len);
    got[n->comment[i].len] = '\0';
    assert_string_equal(got, want);
}

static void assert_all_clean(const struct packet_notes *n)
{
    for (size_t i = 0; i < n->count; i++) {
        assert_true(n->comment[i].len > 0 && n->comment[i].len <= PACKET_NOTE_MAX);
        assert_true(clean_utf8(n->comment[i].text, n->comment[i].len));
    }
}

/* Each test gets empty notes and an empty report (both too large for the stack). */
struct fixture {
    struct packet_notes *n;
    struct tls_report *r;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || !(f->n = calloc(1, sizeof *f->n)) || !(f->r = calloc(1, sizeof *f->r)))
        return -1;
    packet_notes_clear(f->n);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f->n);
    free(f->r);
    free(f);
    return 0;
}

static void add_alpn(struct tls_client_report *c, const void *name, uint8_t len)
{
    c->alpn[c->alpn_len] = len;
    memcpy(c->alpn + c->alpn_len + 1, name, len);
    c->alpn_len = (uint16_t)(c->alpn_len + 1 + len);
    c->alpn_count++;
}

static void test_client_hello(void **state)
{
    struct packet_notes *n = ((struct fixture *)*state)->n;
    struct tls_report *r = ((struct fixture *)*state)->r;
    struct tls_client_report *c = &r->client;
    c->seen = c->parsed = true;
    c->legacy_version = 0x0303;
    c->has_supported_versions = true;
    static const uint16_t versions[] = { 0x3a3a, 0x0304, 0x0303 }; /* GREASE first */
    memcpy(c->supported_versions.v, versions, sizeof versions);
    c->supported_versions.n = 3;
    static const uint32_t suites[] = { 0x2a2a, 0x1301, 0x1302, 0xc02b };
    memcpy(c->ciphers.v, suites, sizeof suites);
    c->ciphers.n = 4;
    memcpy(c->sni, "example.com", 11);
    c->sni_len = 11;
    add_alpn(c, "h2", 2);
    add_alpn(c, "http/1.1", 8);
    packet_notes_message(n, TLS_NOTE_CLIENT_HELLO, r);
    assert_int_equal(n->count, 1);
    assert_comment(n, 0,
                   "tlsscope: ClientHello: versions TLSv1.3 TLSv1.2; 3 cipher suites; SNI \"example.com\"; "
                   "ALPN \"h2\" \"http/1.1\"");
}

/* Quotes, backslashes, NUL, control characters, DEL and invalid UTF-8 from
 * the wire: shown escaped, never raw. */
static void test_hostile_strings(void **state)
{
    struct packet_notes *n = ((struct fixture *)*state)->n;
    struct tls_report *r = ((struct fixture *)*state)->r;
    struct tls_client_report *c = &r->client;
    c->seen = c->parsed = true;
    c->legacy_version = 0x0301;
    static const uint8_t sni[] = { 'a', '"', 'b', '\\', 0x00, 0x01, '\n', 0x7f, 0xff, 0xc3, 'z' };
    memcpy(c->sni, sni, sizeof sni);
    c->sni_len = sizeof sni;
    packet_notes_message(n, TLS_NOTE_CLIENT_HELLO, r);
    assert_comment(n, 0,
                   "tlsscope: ClientHello: version TLSv1.0; 0 cipher suites; SNI "
                   "\"a\\\"b\\\\\\u0000\\u0001\\n\\u007f\xef\xbf\xbd\xef\xbf\xbdz\"");
    assert_all_clean(n);
}

/* The longest strings the report keeps, every byte needing an escape: the
 * comment is whole, not dropped and not cut. */
static void test_maximum_lengths(void **state)
{
    struct packet_notes *n = ((struct fixture *)*state)->n;
    struct tls_report *r = ((struct fixture *)*state)->r;
    struct tls_client_report *c = &r->client;
    c->seen = c->parsed = true;
    c->legacy_version = 0x0303;
    memset(c->sni, 0x01, 255);
    c->sni_len = 255;
    uint8_t name[255];
    memset(name, 0x1f, sizeof name);
    add_alpn(c, name, 255); /* 256 bytes stored: the whole ALPN budget */
    packet_notes_message(n, TLS_NOTE_CLIENT_HELLO, r);
    assert_int_equal(n->count, 1);
    assert_int_equal(n->dropped, 0);
    assert_true(n->comment[0].len > 255 * 6 * 2);
    assert_all_clean(n);

    struct x509_report *x = &r->server_cert;
    x->parsed = true;
    uint8_t value[253]; /* "CN=" and this fill the 256 bytes a name is written in */
    memset(value, 0x02, sizeof value);
    set_cn_name(&x->subject, value, sizeof value);
    memset(value, 0xfe, sizeof value);
    set_cn_name(&x->issuer, value, sizeof value);
    r->server.certificate_chain_length = 2;
    packet_notes_message(n, TLS_NOTE_CERTIFICATE, r);
    assert_int_equal(n->count, 2);
    assert_int_equal(n->dropped, 0);
    assert_all_clean(n);
}

static void test_server_messages(void **state)
{
    struct packet_notes *n = ((struct fixture *)*state)->n;
    struct tls_report *r = ((struct fixture *)*state)->r;
    struct tls_server_report *s = &r->server;
    s->seen = s->parsed = true;
    s->legacy_version = 0x0303;
    s->cipher = 0xc02f;
    s->session_id_echoed = true;
    packet_notes_message(n, TLS_NOTE_SERVER_HELLO, r);
    s->ske_seen = true;
    s->curve = 23;
    s->kx_sigalg = 0x0401;
    packet_notes_message(n, TLS_NOTE_SERVER_KEY_EXCHANGE, r);
    r->server_cert.parsed = true;
    set_cn_name(&r->server_cert.subject, "mail.example.com", 16);
    set_cn_name(&r->server_cert.issuer, "Example CA", 10);
    r->server_cert.not_before = 1672531200; /* 2023-01-01 */
    r->server_cert.not_after = 1704067199;  /* 2023-12-31 */
    r->server_cert.key_type = X509_KEY_RSA;
    r->server_cert.key_bits = 2048;
    r->server_cert.signature_nid = NID_sha256WithRSAEncryption;
    s->certificate_chain_length = 2;
    packet_notes_message(n, TLS_NOTE_CERTIFICATE, r);
    r->alert = (struct tls_alert_report){ .seen = true, .level = 2, .description = 40, .sender = DIR_S2C };
    packet_notes_message(n, TLS_NOTE_ALERT, r);
    assert_int_equal(n->count, 4);
    assert_comment(n, 0, "tlsscope: ServerHello: TLSv1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, resumes a session");
    assert_comment(n, 1, "tlsscope: ServerKeyExchange: ECDHE secp256r1, signed rsa_pkcs1_sha256");
    assert_comment(n, 2,
                   "tlsscope: Certificate: chain of 2; leaf subject \"CN=mail.example.com\", issuer \"CN=Example "
                   "CA\", valid 2023-01-01 to 2023-12-31, RSA 2048 bits, signed SHA256-RSA");
    assert_comment(n, 3, "tlsscope: Alert from the server: fatal handshake_failure (40)");

    packet_notes_clear(n);
    memset(s, 0, sizeof *s);
    s->seen = s->parsed = s->hello_retry_request = true;
    s->legacy_version = 0x0303;
    s->selected_version = 0x0304;
    s->key_share_group = 0x001d;
    packet_notes_message(n, TLS_NOTE_SERVER_HELLO, r);
    assert_int_equal(n->count, 1);
    assert_comment(n, 0, "tlsscope: HelloRetryRequest: the server asks for key share x25519");
}

/* A ServerKeyExchange for a cipher suite with no known key exchange (found
 * by fuzz_pipeline: the name lookup gave NULL and the note dereferenced it). */
static void test_unknown_key_exchange(void **state)
{
    struct packet_notes *n = ((struct fixture *)*state)->n;
    struct tls_report *r = ((struct fixture *)*state)->r;
    r->server.seen = r->server.ske_seen = true;
    r->server.cipher = 0x1234; /* unassigned */
    packet_notes_message(n, TLS_NOTE_SERVER_KEY_EXCHANGE, r);
    r->context.starttls = 0; /* and a refusal without a known protocol */
    r->outcome = TLS_OUTCOME_STARTTLS_REFUSED;
    struct conn_meta m = { .ip_version = 4 };
    packet_notes_decision(n, &m, r);
    assert_int_equal(n->count, 2);
    assert_comment(n, 0, "tlsscope: ServerKeyExchange: unknown");
    assert_comment(n, 1, "tlsscope: unknown upgrade to TLS refused");
}

/* Mutual TLS: the request, and the client's answer (empty, or a chain). */
static void test_client_certificate(void **state)
{
    struct packet_notes *n = ((struct fixture *)*state)->n;
    struct tls_report *r = ((struct fixture *)*state)->r;
    r->server.certificate_request = true;
    packet_notes_message(n, TLS_NOTE_CERTIFICATE_REQUEST, r);
    r->client.certificate_seen = true;
    packet_notes_message(n, TLS_NOTE_CLIENT_CERTIFICATE, r);
    r->client.certificate_chain_length = 1;
    r->client_cert.parsed = true;
    set_cn_name(&r->client_cert.subject, "svc-backup", 10);
    set_cn_name(&r->client_cert.issuer, "Corp CA", 7);
    r->client_cert.not_before = 1672531200;
    r->client_cert.not_after = 1704067199;
    packet_notes_message(n, TLS_NOTE_CLIENT_CERTIFICATE, r);
    assert_int_equal(n->count, 3);
    assert_comment(n, 0, "tlsscope: CertificateRequest: the server asks for a client certificate");
    assert_comment(n, 1, "tlsscope: Certificate from the client: empty (no certificate to send)");
    assert_comment(n, 2,
                   "tlsscope: Certificate from the client: chain of 1; leaf subject \"CN=svc-backup\", issuer "
                   "\"CN=Corp CA\", valid 2023-01-01 to 2023-12-31");
}

/* The decision: the outcome, then one comment per finding. */
static void test_decision(void **state)
{
    struct packet_notes *n = ((struct fixture *)*state)->n;
    struct tls_report *r = ((struct fixture *)*state)->r;
    struct conn_meta m = { .ip_version = 4, .client_port = 50000, .server_port = 443 };
    r->client.seen = r->client.parsed = true;
    r->client.legacy_version = 0x0301;
    r->server.seen = r->server.parsed = true;
    r->server.legacy_version = 0x0301;
    r->server.cipher = 0x0005; /* TLS_RSA_WITH_RC4_128_SHA */
    r->outcome = TLS_OUTCOME_ESTABLISHED;
    r->established = true;
    packet_notes_decision(n, &m, r);
    assert_int_equal(n->count, 4);
    assert_comment(n, 0, "tlsscope: handshake established: TLSv1.0, TLS_RSA_WITH_RC4_128_SHA");
    assert_true(strncmp(n->comment[1].text, "tlsscope: finding legacy-client (high): ", 40) == 0);
    assert_true(strncmp(n->comment[2].text, "tlsscope: finding legacy-version (high): ", 41) == 0);
    assert_true(strncmp(n->comment[3].text, "tlsscope: finding weak-cipher (high): ", 38) == 0);

    /* A server that hangs up on a ClientHello (Schannel without a shared
     * version): who closed, and the finding that says what it means. */
    packet_notes_clear(n);
    memset(r, 0, sizeof *r);
    r->client.seen = r->client.parsed = true;
    r->client.legacy_version = 0x0303;
    r->outcome = TLS_OUTCOME_RESET;
    m.close_seen = true;
    m.closed_by = DIR_S2C;
    packet_notes_decision(n, &m, r);
    assert_int_equal(n->count, 2);
    assert_comment(n, 0, "tlsscope: connection reset by the server during the handshake");
    assert_true(strncmp(n->comment[1].text, "tlsscope: finding server-closed-after-client-hello (high): ", 59) == 0);
    m.close_seen = false;

    packet_notes_clear(n);
    memset(r, 0, sizeof *r);
    r->outcome = TLS_OUTCOME_STARTTLS_REFUSED;
    r->context.starttls = STARTTLS_PROTO_SMTP;
    memcpy(r->context.starttls_reply, "454 4.7.0 TLS not available\r\n", 29);
    r->context.starttls_reply_len = 29;
    packet_notes_decision(n, &m, r);
    assert_int_equal(n->count, 1);
    assert_comment(n, 0, "tlsscope: smtp upgrade to TLS refused: \"454 4.7.0 TLS not available\\r\\n\"");
}

/* More comments than a packet holds: the extra ones are counted. */
static void test_bounded(void **state)
{
    struct packet_notes *n = ((struct fixture *)*state)->n;
    struct tls_report *r = ((struct fixture *)*state)->r;
    r->alert = (struct tls_alert_report){ .seen = true, .level = 1, .description = 0, .sender = DIR_C2S };
    for (int i = 0; i < PACKET_NOTES_MAX + 3; i++)
        packet_notes_message(n, TLS_NOTE_ALERT, r);
    assert_int_equal(n->count, PACKET_NOTES_MAX);
    assert_int_equal(n->dropped, 3);
    assert_comment(n, PACKET_NOTES_MAX - 1, "tlsscope: Alert from the client: warning close_notify (0)");
    packet_notes_clear(n);
    assert_int_equal(n->count, 0);
    assert_int_equal(n->used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_client_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maximum_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decision, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
