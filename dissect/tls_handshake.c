/* tls_handshake.c - see tls_handshake.h. */
#include "dissect/tls_handshake.h"

#include "dissect/cert_cache.h"
#include "dissect/chain_verify.h"
#include "dissect/dh_groups.h"

#include <string.h>

#include "dissect/names.h"
#include "dissect/sslv2.h"
#include "dissect/tls_facts.h"
#include "dissect/tls_hello.h"
#include "dissect/tls_stream.h"

uint16_t tls_hs_negotiated_version(const struct tls_report *r)
{
    return r->server.selected_version ? r->server.selected_version : r->server.legacy_version;
}

static const struct tls_hs_step step_ok = { TLS_HS_OK, false, TLS_NOTE_CLIENT_HELLO };

static struct tls_hs_step noted(bool parsed, enum tls_note what)
{
    struct tls_hs_step s = { parsed ? TLS_HS_OK : TLS_HS_MALFORMED, true, what };
    return s;
}

/* The report keeps the first cause: later ones are often its consequence. */
static void malformed(struct tls_report *r, enum tls_malformed_kind kind, int dir, uint8_t hs_type, uint8_t prev)
{
    r->malformed = true;
    if (r->malformed_why.kind != TLS_MALFORMED_NONE)
        return;
    r->malformed_why.kind = (uint8_t)kind;
    r->malformed_why.sender = (uint8_t)dir;
    r->malformed_why.hs_type = hs_type;
    r->malformed_why.prev = prev;
}

static bool parsed_or_marked(struct tls_report *r, bool ok, int dir, uint8_t hs_type)
{
    if (!ok)
        malformed(r, TLS_MALFORMED_UNPARSED, dir, hs_type, 0);
    return ok;
}

bool tls_hs_wants(int dir, uint8_t hs_type)
{
    if (dir == DIR_C2S)
        return hs_type == TLS_HS_CLIENT_HELLO || hs_type == TLS_HS_CERTIFICATE;
    switch (hs_type) {
    case TLS_HS_SERVER_HELLO:
    case TLS_HS_CERTIFICATE:
    case TLS_HS_SERVER_KEY_EXCHANGE:
    case TLS_HS_SERVER_HELLO_DONE:
    case TLS_HS_CERTIFICATE_REQUEST:
    case TLS_HS_NEW_SESSION_TICKET:
        return true;
    default:
        return false;
    }
}

void tls_hs_message_begin(struct tls_handshake *h, struct tls_report *r, int dir, uint8_t hs_type,
                          uint16_t record_version)
{
    (void)h;
    if (dir == DIR_C2S && hs_type == TLS_HS_CLIENT_HELLO && !r->client.seen) {
        r->client.seen = true;
        r->client.record_version = record_version;
    }
}

void tls_hs_gap(struct tls_handshake *h, int dir)
{
    h->gap[dir] = true;
}

/* Counts the certificates of a Certificate message (RFC 5246 7.4.2; TLS 1.3
 * adds a request context and per-entry extensions, RFC 8446 4.4.2) and reads
 * the leaf, the sender's own certificate (it comes first). False when the
 * leaf is there but does not parse. */
static bool read_certificates(struct cert_cache *cache, struct span body, bool tls13, uint16_t *chain_length, struct x509_report *leaf_out)
{
    if (tls13)
        span_vec8(&body);
    struct span list = span_vec24(&body);
    uint16_t n = 0;
    struct span leaf = span_poisoned();
    while (list.n > 0) {
        struct span cert = span_vec24(&list);
        if (tls13)
            span_vec16(&list);
        if (!span_ok(&list))
            break;
        if (n == 0)
            leaf = cert;
        if (n < UINT16_MAX)
            n++;
    }
    *chain_length = n;
    return !span_ok(&leaf) || cert_cache_parse_leaf(cache, leaf, leaf_out);
}

/* The server's certificates after its leaf, for the check of their
 * signature algorithms (output/findings.c): only when the client offered
 * signature algorithms, so a hello without them costs nothing here. Decoded
 * through the cache, as intermediates repeat across servers. */
static void read_server_chain(struct cert_cache *cache, const struct tls_report *r, struct span body,
                              struct tls_chain_report *out)
{
    if (r->client.signature_schemes.n == 0)
        return;
    struct span list = span_vec24(&body);
    span_vec24(&list); /* the leaf: server_cert */
    struct x509_report x;
    while (span_ok(&list) && list.n > 0) {
        struct span der = span_vec24(&list);
        if (!span_ok(&list))
            break;
        if (out->n == TLS_CHAIN_CERTS_MAX) {
            out->more = true;
            break;
        }
        struct tls_chain_cert *c = &out->v[out->n++];
        c->parsed = cert_cache_parse_leaf(cache, der, &x);
        if (!c->parsed)
            continue;
        c->self_signed = x.self_signed;
        c->signature_nid = x.signature_nid;
        c->subject_cn_len = x.subject_cn_len;
        memcpy(c->subject_cn, x.subject_cn, x.subject_cn_len);
    }
}

/* The first Certificate from `dir` is read wherever it comes: its layout
 * depends only on whether TLS 1.3 was negotiated (RFC 8446 4.4.2), and a
 * cleartext one is TLS <= 1.2 in practice, as a zeroed report says. (The
 * client's is cleartext only up to TLS 1.2.) */
static struct tls_hs_step certificate(const struct tls_handshake *h, struct tls_report *r, int dir, struct span body)
{
    if (dir == DIR_C2S) {
        if (r->client.certificate_seen)
            return step_ok;
        r->client.certificate_seen = true;
        return noted(parsed_or_marked(r, read_certificates(h->certs, body, false, &r->client.certificate_chain_length,
                                                           &r->client_cert),
                                      dir, TLS_HS_CERTIFICATE),
                     TLS_NOTE_CLIENT_CERTIFICATE);
    }
    if (r->server.certificate_seen)
        return step_ok;
    r->server.certificate_seen = true;
    bool tls13 = tls_version_is_tls13(tls_hs_negotiated_version(r));
    if (h->verifier && !tls13) {
        struct span b = body;
        struct span list = span_vec24(&b);
        if (span_ok(&b)) {
            r->server.validated = true;
            r->server.validation = chain_verify(h->verifier, list, h->when);
        }
    }
    if (!tls13)
        read_server_chain(h->certs, r, body, &r->server_chain);
    return noted(parsed_or_marked(r, read_certificates(h->certs, body, tls13, &r->server.certificate_chain_length,
                                                       &r->server_cert),
                                  dir, TLS_HS_CERTIFICATE),
                 TLS_NOTE_CERTIFICATE);
}

static struct tls_hs_step certificate_request(struct tls_report *r)
{
    if (r->server.certificate_request)
        return step_ok;
    r->server.certificate_request = true;
    return noted(true, TLS_NOTE_CERTIFICATE_REQUEST);
}

/* A message that cannot come where it came. It marks the report malformed
 * and says which, unless bytes of its direction were lost (then the capture,
 * not the peer, may have broken the order). What it says is kept only when
 * that needs nothing it came too early for: a Certificate is read (the
 * first), a CertificateRequest noted; a ServerKeyExchange, whose layout
 * depends on the suite the ServerHello chose, and a second hello, which
 * would overwrite the first, are not parsed. */
static struct tls_hs_step out_of_order(struct tls_handshake *h, struct tls_report *r, int dir, uint8_t type,
                                       struct span body, enum tls_malformed_kind kind, uint8_t prev)
{
    if (!h->gap[dir])
        malformed(r, kind, dir, type, prev);
    struct tls_hs_step s = step_ok;
    if (dir == DIR_S2C && type >= TLS_HS_CERTIFICATE && type <= TLS_HS_SERVER_HELLO_DONE)
        h->full_handshake = true; /* a resumed handshake sends none of these */
    if (type == TLS_HS_CERTIFICATE)
        s = certificate(h, r, dir, body);
    else if (dir == DIR_S2C && type == TLS_HS_CERTIFICATE_REQUEST)
        s = certificate_request(r);
    if (s.status == TLS_HS_OK)
        s.status = TLS_HS_UNEXPECTED;
    return s;
}

static struct tls_hs_step client_message(struct tls_handshake *h, struct tls_report *r, uint8_t type,
                                         struct span body, uint16_t record_version)
{
    switch ((enum tls_hs_client_state)h->client) {
    case TLS_HS_EXPECT_CLIENT_HELLO:
        if (type != TLS_HS_CLIENT_HELLO)
            return out_of_order(h, r, DIR_C2S, type, body, TLS_MALFORMED_BEFORE_HELLO, 0);
        h->client = TLS_HS_EXPECT_CLIENT_FLIGHT;
        h->client_hello_done = true;
        r->client.record_version = record_version;
        return noted(parsed_or_marked(r, tls_parse_client_hello(body, &r->client, h->client_session_id) ==
                                             TLS_PARSE_OK, DIR_C2S, type),
                     TLS_NOTE_CLIENT_HELLO);
    case TLS_HS_EXPECT_CLIENT_FLIGHT:
        if (type == TLS_HS_CLIENT_HELLO) {
            /* The answer to a HelloRetryRequest: the report describes the
             * first hello, which is the client's own choice. (Not judged by
             * the server's state: a server in middlebox compatibility mode
             * has already sent its ChangeCipherSpec, RFC 8446 D.4.) */
            if (r->server.hello_retry_request && !h->second_client_hello) {
                h->second_client_hello = true;
                return step_ok;
            }
            return out_of_order(h, r, DIR_C2S, type, body, TLS_MALFORMED_REPEATED, 0);
        }
        h->client = TLS_HS_EXPECT_CLIENT_KEY_EXCHANGE;
        /* RFC 5246 7.4.6: only a client asked by a CertificateRequest sends
         * one. AnyDesk clients send theirs unasked, right after the hello. */
        if (!r->server.certificate_request)
            return out_of_order(h, r, DIR_C2S, type, body, TLS_MALFORMED_UNREQUESTED, 0);
        return certificate(h, r, DIR_C2S, body);
    case TLS_HS_EXPECT_CLIENT_KEY_EXCHANGE:
        if (type == TLS_HS_CERTIFICATE)
            return out_of_order(h, r, DIR_C2S, type, body, TLS_MALFORMED_REPEATED, 0);
        return out_of_order(h, r, DIR_C2S, type, body, TLS_MALFORMED_AFTER, TLS_HS_CERTIFICATE);
    case TLS_HS_CLIENT_ENCRYPTED:
        break;
    }
    return out_of_order(h, r, DIR_C2S, type, body, TLS_MALFORMED_AFTER_CCS, 0);
}

/* Where the server stands after a ServerHello (or the one after an HRR). */
static enum tls_hs_server_state after_server_hello(const struct tls_report *r)
{
    return tls_version_is_tls13(tls_hs_negotiated_version(r)) ? TLS_HS_SERVER_TLS13 : TLS_HS_EXPECT_SERVER_FLIGHT;
}

static struct tls_hs_step server_hello(struct tls_handshake *h, struct tls_report *r, struct span body,
                                       uint16_t record_version)
{
    if (h->server == TLS_HS_EXPECT_SERVER_HELLO_AFTER_HRR) {
        /* The ServerHello after a HelloRetryRequest: it holds the group
         * really used, any PSK acceptance and the extensions of the hello
         * that completed the handshake (JA3S is computed from them, as
         * Wireshark does); the rest stays the HRR's. */
        struct tls_server_report second;
        memset(&second, 0, sizeof second);
        bool ok = tls_parse_server_hello(body, &second, h->client_session_id, r->client.session_id_len) ==
                  TLS_PARSE_OK;
        if (ok) {
            if (second.key_share_group)
                r->server.key_share_group = second.key_share_group;
            r->server.has_psk = second.has_psk;
            memcpy(&r->server.extensions, &second.extensions, sizeof r->server.extensions);
            r->server.lists_complete = second.lists_complete;
        }
        h->server = (uint8_t)after_server_hello(r);
        struct tls_hs_step s = { parsed_or_marked(r, ok, DIR_S2C, TLS_HS_SERVER_HELLO) ? TLS_HS_OK : TLS_HS_MALFORMED,
                                 false, TLS_NOTE_SERVER_HELLO };
        return s;
    }
    r->server.record_version = record_version;
    bool ok = tls_parse_server_hello(body, &r->server, h->client_session_id, r->client.session_id_len) ==
              TLS_PARSE_OK;
    h->server = (uint8_t)(r->server.hello_retry_request ? TLS_HS_EXPECT_SERVER_HELLO_AFTER_HRR
                                                        : after_server_hello(r));
    return noted(parsed_or_marked(r, ok, DIR_S2C, TLS_HS_SERVER_HELLO), TLS_NOTE_SERVER_HELLO);
}

/* A DHE ServerKeyExchange that parsed: is its prime a well-known group's?
 * An RFC 7919 one is the negotiated named group (RFC 7919 3), as a curve is
 * for ECDHE. */
static void dh_group(struct tls_report *r, struct span body)
{
    enum tls_kx kx = tls_cipher_kx(r->server.cipher);
    if (kx == TLS_KX_DHE_PSK)
        span_vec16(&body); /* psk_identity_hint (RFC 4279 2) */
    struct span p = span_vec16(&body);
    if (!span_ok(&body))
        return;
    r->server.dh_group = dh_group_find(p);
    const struct dh_group *g = dh_group_get(r->server.dh_group);
    if (g && g->named_group)
        r->server.curve = g->named_group;
}

/* One message of the server's TLS <= 1.2 flight, in order. */
static struct tls_hs_step server_flight(struct tls_handshake *h, struct tls_report *r, uint8_t type,
                                        struct span body)
{
    h->server_flight_last = type;
    h->full_handshake = true;
    switch (type) {
    case TLS_HS_CERTIFICATE:
        return certificate(h, r, DIR_S2C, body);
    case TLS_HS_SERVER_KEY_EXCHANGE: {
        bool ok = tls_parse_server_key_exchange(body, tls_hs_negotiated_version(r), r->server.cipher, &r->server) ==
                  TLS_PARSE_OK;
        if (ok && r->server.dh_prime_bits)
            dh_group(r, body);
        return noted(parsed_or_marked(r, ok, DIR_S2C, type), TLS_NOTE_SERVER_KEY_EXCHANGE);
    }
    case TLS_HS_CERTIFICATE_REQUEST:
        return certificate_request(r);
    default: /* ServerHelloDone */
        h->server = TLS_HS_EXPECT_SERVER_CCS;
        return step_ok;
    }
}

static struct tls_hs_step server_message(struct tls_handshake *h, struct tls_report *r, uint8_t type,
                                         struct span body, uint16_t record_version)
{
    uint8_t last = h->server_flight_last;
    switch ((enum tls_hs_server_state)h->server) {
    case TLS_HS_EXPECT_SERVER_HELLO:
    case TLS_HS_EXPECT_SERVER_HELLO_AFTER_HRR:
        if (type == TLS_HS_SERVER_HELLO)
            return server_hello(h, r, body, record_version);
        return out_of_order(h, r, DIR_S2C, type, body, TLS_MALFORMED_BEFORE_HELLO, 0);
    case TLS_HS_EXPECT_SERVER_FLIGHT:
        if (type == TLS_HS_NEW_SESSION_TICKET) {
            /* An abbreviated handshake: ServerHello, NewSessionTicket, CCS
             * (RFC 5077 3.1). In a full one it comes after ServerHelloDone. */
            if (last != 0)
                return out_of_order(h, r, DIR_S2C, type, body, TLS_MALFORMED_AFTER, last);
            h->server_flight_last = type;
            h->server = TLS_HS_EXPECT_SERVER_CCS;
            return step_ok;
        }
        if (type == TLS_HS_SERVER_HELLO || type == last)
            return out_of_order(h, r, DIR_S2C, type, body, TLS_MALFORMED_REPEATED, 0);
        /* Certificate (11), ServerKeyExchange (12), CertificateRequest (13)
         * and ServerHelloDone (14) may each be left out, but never reordered. */
        if (type < last)
            return out_of_order(h, r, DIR_S2C, type, body, TLS_MALFORMED_AFTER, last);
        return server_flight(h, r, type, body);
    case TLS_HS_EXPECT_SERVER_CCS:
        if (type == TLS_HS_NEW_SESSION_TICKET && last == TLS_HS_SERVER_HELLO_DONE) {
            h->server_flight_last = type;
            return step_ok;
        }
        if (type == TLS_HS_SERVER_HELLO || type == last)
            return out_of_order(h, r, DIR_S2C, type, body, TLS_MALFORMED_REPEATED, 0);
        return out_of_order(h, r, DIR_S2C, type, body, TLS_MALFORMED_AFTER, last);
    case TLS_HS_SERVER_TLS13:
        if (type == TLS_HS_SERVER_HELLO)
            return out_of_order(h, r, DIR_S2C, type, body, TLS_MALFORMED_REPEATED, 0);
        return out_of_order(h, r, DIR_S2C, type, body, TLS_MALFORMED_AFTER_TLS13, 0);
    case TLS_HS_SERVER_ENCRYPTED:
        break;
    }
    return out_of_order(h, r, DIR_S2C, type, body, TLS_MALFORMED_AFTER_CCS, 0);
}

struct tls_hs_step tls_hs_message(struct tls_handshake *h, struct tls_report *r, int dir, uint8_t hs_type,
                                  struct span body, uint16_t record_version)
{
    if (!tls_hs_wants(dir, hs_type))
        return step_ok;
    if (dir == DIR_C2S)
        return client_message(h, r, hs_type, body, record_version);
    return server_message(h, r, hs_type, body, record_version);
}

struct tls_hs_step tls_hs_sslv2_hello(struct tls_handshake *h, struct tls_report *r, struct span record)
{
    if (h->client != TLS_HS_EXPECT_CLIENT_HELLO || r->client.seen)
        return out_of_order(h, r, DIR_C2S, TLS_HS_CLIENT_HELLO, record, TLS_MALFORMED_REPEATED, 0);
    h->client = TLS_HS_EXPECT_CLIENT_FLIGHT;
    bool ok = tls_parse_sslv2_client_hello(record, &r->client) == TLS_PARSE_OK;
    return noted(parsed_or_marked(r, ok, DIR_C2S, TLS_HS_CLIENT_HELLO), TLS_NOTE_CLIENT_HELLO);
}

/* ---- SSL 2.0 after the CLIENT-HELLO ------------------------------------- */

/* SSLv2 messages get no packet note of their own (output/packet_notes.h
 * describes TLS messages, whose fields an SSLv2 SERVER-HELLO does not
 * fill); its certificate gets the Certificate's. */
static const struct tls_hs_step sslv2_malformed = { TLS_HS_MALFORMED, false, TLS_NOTE_CLIENT_HELLO };

/* The first cleartext ERROR of either side (each is fatal: the sender
 * closes). */
static struct tls_hs_step sslv2_error(const struct tls_handshake *h, struct tls_report *r, int dir, struct span record)
{
    uint16_t code;
    bool ok = sslv2_parse_error(record, &code) == TLS_PARSE_OK;
    if (!ok) {
        malformed(r, TLS_MALFORMED_SSLV2, dir, SSLV2_MT_ERROR, 0);
        return sslv2_malformed;
    }
    if (r->sslv2.error_seen)
        return step_ok;
    r->sslv2.error_seen = true;
    r->sslv2.error_code = code;
    r->sslv2.error_sender = (uint8_t)dir;
    r->sslv2.error_after_peer_close = h->peer_close_seen && h->first_closer != dir;
    return step_ok;
}

/* The server's SERVER-HELLO: the session is SSLv2. Its certificate is the
 * server's leaf (there is no chain in SSL 2.0). */
static struct tls_hs_step sslv2_server_hello(struct tls_handshake *h, struct tls_report *r, struct span record)
{
    struct sslv2_server_hello sh;
    h->server = TLS_HS_SERVER_ENCRYPTED; /* what follows is SERVER-VERIFY, encrypted */
    if (sslv2_parse_server_hello(record, &sh) != TLS_PARSE_OK) {
        malformed(r, TLS_MALFORMED_SSLV2, DIR_S2C, SSLV2_MT_SERVER_HELLO, 0);
        return sslv2_malformed;
    }
    r->server.seen = r->server.parsed = true;
    r->server.record_version = 0x0002;
    r->server.legacy_version = sh.version;
    struct tls_sslv2_report *v2 = &r->sslv2;
    v2->server_hello = true;
    v2->session_id_hit = sh.session_id_hit;
    v2->connection_id_len = sh.connection_id_len;
    _Static_assert(TLS_SSLV2_MAX_CIPHERS == SSLV2_MAX_CIPHERS, "the report holds what the parser keeps");
    v2->cipher_count = sh.cipher_count;
    v2->ciphers_more = sh.ciphers_more;
    memcpy(v2->ciphers, sh.ciphers, sizeof v2->ciphers);
    if (sh.certificate.n == 0)
        return step_ok;
    r->server.certificate_seen = true;
    r->server.certificate_chain_length = 1;
    /* Only X.509 certificates were ever defined; another type is not read.
     * The packet that completed the SERVER-HELLO is noted as a
     * Certificate's would be: what it says of the certificate is the same. */
    if (sh.certificate_type != SSLV2_CERT_X509)
        return step_ok;
    return noted(parsed_or_marked(r, cert_cache_parse_leaf(h->certs, sh.certificate, &r->server_cert), DIR_S2C,
                                  TLS_HS_CERTIFICATE),
                 TLS_NOTE_CERTIFICATE);
}

static struct tls_hs_step sslv2_client_master_key(struct tls_handshake *h, struct tls_report *r, struct span record)
{
    struct sslv2_client_master_key cmk;
    h->client = TLS_HS_CLIENT_ENCRYPTED;
    h->sslv2_client_keyed = true;
    if (sslv2_parse_client_master_key(record, &cmk) != TLS_PARSE_OK) {
        malformed(r, TLS_MALFORMED_SSLV2, DIR_C2S, SSLV2_MT_CLIENT_MASTER_KEY, 0);
        return sslv2_malformed;
    }
    r->sslv2.master_key = true;
    r->sslv2.cipher_kind = cmk.cipher_kind;
    return step_ok;
}

struct tls_hs_step tls_hs_sslv2_record(struct tls_handshake *h, struct tls_report *r, int dir, struct span record,
                                       bool encrypted)
{
    uint8_t type = 0xff;
    struct span body;
    size_t len;
    if (!encrypted && (sslv2_record(record, &body, &len) != SSLV2_RECORD_OK || !span_peek(&body, 0, &type)))
        return step_ok; /* the framing layer hands over whole records only */
    if (!encrypted && type == SSLV2_MT_ERROR)
        return sslv2_error(h, r, dir, record);
    if (dir == DIR_C2S) {
        /* After a session-id hit the client sends no CLIENT-MASTER-KEY:
         * its first record is CLIENT-FINISHED, already encrypted. */
        if (encrypted || (r->sslv2.server_hello && r->sslv2.session_id_hit)) {
            if (r->sslv2.server_hello)
                h->sslv2_client_keyed = true;
            return step_ok;
        }
        if (type == SSLV2_MT_CLIENT_MASTER_KEY)
            return sslv2_client_master_key(h, r, record);
    } else {
        if (encrypted) {
            if (h->sslv2_client_keyed)
                h->sslv2_server_answered = true;
            return step_ok;
        }
        if (type == SSLV2_MT_SERVER_HELLO && !r->server.seen)
            return sslv2_server_hello(h, r, record);
    }
    if (!h->gap[dir])
        malformed(r, TLS_MALFORMED_SSLV2_UNEXPECTED, dir, type, 0);
    struct tls_hs_step st = { TLS_HS_UNEXPECTED, false, TLS_NOTE_CLIENT_HELLO };
    return st;
}

/* An alert record after its sender's ChangeCipherSpec in TLS <= 1.2: its
 * level and description are encrypted. Before the handshake is established
 * it is a failure (bad_record_mac or decrypt_error from a peer that
 * could not use the keys): it replaces a warning, never a cleartext fatal
 * alert. (TLS 1.3 hides every content type, alerts included.) */
static bool established(const struct tls_handshake *h, const struct tls_report *r);

static void encrypted_alert(const struct tls_handshake *h, struct tls_report *r, int dir)
{
    /* After the handshake (both Finished, in the same segment as this), or
     * once its sender has sent application data (it finished, whatever the
     * capture shows of its peer), it is the session's close_notify or the
     * like: not a failure. Without a ServerHello nothing was negotiated. */
    if (!r->server.seen || tls_version_is_tls13(tls_hs_negotiated_version(r)) || established(h, r) ||
        r->app_records[dir] > 0 || (r->alert.seen && r->alert.level == 2))
        return;
    if (r->alert.seen && r->alert.encrypted)
        return;
    memset(&r->alert, 0, sizeof r->alert);
    r->alert.seen = true;
    r->alert.encrypted = true;
    r->alert.sender = (uint8_t)dir;
    r->alert.after_peer_close = h->peer_close_seen && h->first_closer != dir;
}

void tls_hs_record(struct tls_handshake *h, struct tls_report *r, int dir, uint8_t content_type, bool encrypted)
{
    switch (content_type) {
    case TLS_CT_CHANGE_CIPHER_SPEC:
        r->ccs_seen[dir] = true;
        if (dir == DIR_C2S)
            h->client = TLS_HS_CLIENT_ENCRYPTED;
        else
            h->server = TLS_HS_SERVER_ENCRYPTED;
        break;
    case TLS_CT_HANDSHAKE:
        if (encrypted)
            r->finished_seen[dir] = true;
        break;
    case TLS_CT_ALERT:
        if (encrypted)
            encrypted_alert(h, r, dir);
        break;
    case TLS_CT_APPLICATION_DATA:
        if (r->app_records[dir] < UINT32_MAX)
            r->app_records[dir]++;
        if (dir == DIR_C2S && r->server.seen)
            h->client_data_after_server_flight = true;
        else if (dir == DIR_S2C && h->client_data_after_server_flight)
            h->server_answered_client = true;
        break;
    default:
        break;
    }
}

void tls_hs_close_seen(struct tls_handshake *h, int closer)
{
    if (h->peer_close_seen)
        return;
    h->peer_close_seen = true;
    h->first_closer = (uint8_t)closer;
}

struct tls_hs_step tls_hs_alert(struct tls_handshake *h, struct tls_report *r, int dir, uint8_t level,
                                uint8_t description)
{
    if (dir == DIR_C2S && description == 41) /* no_certificate, SSL 3.0 */
        r->client.no_certificate_alert = true;
    /* The first alert, unless a fatal one follows a warning: that one says
     * why the handshake failed. */
    if (r->alert.seen && !(r->alert.level == 1 && level == 2))
        return step_ok;
    r->alert.seen = true;
    r->alert.level = level;
    r->alert.description = description;
    r->alert.sender = (uint8_t)dir;
    r->alert.after_peer_close = h->peer_close_seen && h->first_closer != dir;
    return noted(true, TLS_NOTE_ALERT);
}

void tls_hs_records_malformed(struct tls_report *r, int dir)
{
    malformed(r, TLS_MALFORMED_RECORDS, dir, 0, 0);
}

static bool established(const struct tls_handshake *h, const struct tls_report *r)
{
    if (!r->server.seen)
        return false;
    if (r->sslv2.server_hello)
        return h->sslv2_server_answered;
    if (tls_version_is_tls13(tls_hs_negotiated_version(r)))
        return r->app_records[DIR_C2S] >= 2 || h->server_answered_client;
    if (r->ccs_seen[0] && r->ccs_seen[1] && r->finished_seen[0] && r->finished_seen[1])
        return true;
    return r->app_records[0] > 0 && r->app_records[1] > 0;
}

/* A fatal alert that ended the handshake (an encrypted one before the
 * handshake was established is one): not one that answered the peer's
 * close. */
static bool fatal_alert(const struct tls_report *r)
{
    if (r->sslv2.error_seen && !r->sslv2.error_after_peer_close)
        return true;
    return r->alert.seen && (r->alert.level == 2 || r->alert.encrypted) && !r->alert.after_peer_close;
}

bool tls_hs_decide(const struct tls_handshake *h, struct tls_report *r, bool streams_dead)
{
    if (fatal_alert(r))
        r->outcome = TLS_OUTCOME_ALERT;
    else if (established(h, r))
        r->outcome = TLS_OUTCOME_ESTABLISHED;
    else if (streams_dead)
        r->outcome = TLS_OUTCOME_INCOMPLETE;
    else
        return false;
    return true;
}

void tls_hs_closed(struct tls_report *r, bool rst_seen, bool fin_seen)
{
    /* A fatal alert explains the close that follows it, whoever closed. */
    if (fatal_alert(r))
        r->outcome = TLS_OUTCOME_ALERT;
    else if (rst_seen)
        r->outcome = TLS_OUTCOME_RESET;
    else if (fin_seen)
        r->outcome = TLS_OUTCOME_CLOSED_DURING_HANDSHAKE;
    else
        r->outcome = TLS_OUTCOME_INCOMPLETE;
}

void tls_hs_finish(const struct tls_handshake *h, struct tls_report *r)
{
    if (r->server.seen) {
        if (r->sslv2.server_hello)
            r->resumed = r->sslv2.session_id_hit;
        else if (tls_version_is_tls13(tls_hs_negotiated_version(r)))
            r->resumed = r->server.has_psk;
        else
            r->resumed = r->server.session_id_echoed || (r->ccs_seen[DIR_S2C] && !h->full_handshake);
    }
    r->established = tls_report_established(r);
    if (r->client.seen && !h->client_hello_done && !r->client.sslv2_hello)
        r->truncated_why |= TLS_TRUNCATED_CLIENT_HELLO;
    if (r->client.sni_truncated)
        r->truncated_why |= TLS_TRUNCATED_SNI;
    if (r->client.alpn_more)
        r->truncated_why |= TLS_TRUNCATED_ALPN;
    if (r->truncated_why)
        r->truncated = true;
}

/* Appends `s` at *off, keeping buf NUL-terminated; false when it does not fit. */
static bool put(char *buf, size_t len, size_t *off, const char *s)
{
    size_t n = strlen(s);
    if (*off + n >= len)
        return false;
    memcpy(buf + *off, s, n + 1);
    *off += n;
    return true;
}

static const char *type_name(uint8_t hs_type)
{
    const char *n = tls_handshake_type_name(hs_type);
    return n ? n : "handshake message";
}

const char *tls_hs_malformed_text(const struct tls_report *r, char *buf, size_t len)
{
    const struct tls_malformed_report *m = &r->malformed_why;
    const char *side = m->sender == DIR_C2S ? "client" : "server";
    size_t off = 0;
    bool ok = len > 0;
    if (ok)
        buf[0] = '\0';
    /* Certificate is the one message both sides send: say whose. */
    const char *from = m->hs_type == TLS_HS_CERTIFICATE ? (m->sender == DIR_C2S ? " from client" : " from server")
                                                        : "";
    switch ((enum tls_malformed_kind)m->kind) {
    case TLS_MALFORMED_NONE:
        return NULL;
    case TLS_MALFORMED_UNPARSED:
        ok = ok && put(buf, len, &off, m->hs_type == TLS_HS_CLIENT_HELLO && r->client.sslv2_hello ? "sslv2 " : "") &&
             put(buf, len, &off, type_name(m->hs_type)) && put(buf, len, &off, from) &&
             put(buf, len, &off, " did not parse");
        break;
    case TLS_MALFORMED_BEFORE_HELLO:
        ok = ok && put(buf, len, &off, type_name(m->hs_type)) && put(buf, len, &off, from) &&
             put(buf, len, &off, m->sender == DIR_C2S ? " before client_hello" : " before server_hello");
        break;
    case TLS_MALFORMED_REPEATED:
        if (m->hs_type == TLS_HS_CLIENT_HELLO)
            ok = ok && put(buf, len, &off, "second client_hello without hello_retry_request");
        else
            ok = ok && put(buf, len, &off, type_name(m->hs_type)) && put(buf, len, &off, from) &&
                 put(buf, len, &off, " twice");
        break;
    case TLS_MALFORMED_AFTER:
        ok = ok && put(buf, len, &off, type_name(m->hs_type)) && put(buf, len, &off, from) &&
             put(buf, len, &off, " after ") && put(buf, len, &off, type_name(m->prev));
        break;
    case TLS_MALFORMED_UNREQUESTED:
        ok = ok && put(buf, len, &off, "unexpected certificate from client");
        break;
    case TLS_MALFORMED_AFTER_TLS13:
        ok = ok && put(buf, len, &off, type_name(m->hs_type)) && put(buf, len, &off, from) &&
             put(buf, len, &off, " in cleartext after a TLS 1.3 server_hello");
        break;
    case TLS_MALFORMED_AFTER_CCS:
        ok = ok && put(buf, len, &off, type_name(m->hs_type)) && put(buf, len, &off, from) &&
             put(buf, len, &off, " in cleartext after change_cipher_spec");
        break;
    case TLS_MALFORMED_RECORDS:
        ok = ok && put(buf, len, &off, "record framing from ") && put(buf, len, &off, side) &&
             put(buf, len, &off, " lost");
        break;
    case TLS_MALFORMED_SSLV2:
    case TLS_MALFORMED_SSLV2_UNEXPECTED: {
        const char *name = sslv2_message_name(m->hs_type);
        ok = ok && put(buf, len, &off, m->kind == TLS_MALFORMED_SSLV2 ? "sslv2 " : "unexpected sslv2 ") &&
             put(buf, len, &off, name ? name : "message") &&
             put(buf, len, &off, m->kind == TLS_MALFORMED_SSLV2 ? " did not parse" : " from ") &&
             (m->kind == TLS_MALFORMED_SSLV2 || put(buf, len, &off, side));
        break;
    }
    }
    return ok ? buf : NULL;
}
