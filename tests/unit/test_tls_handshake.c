/* test_tls_handshake.c - dissect/tls_handshake.c, message by message: the
 * state of each direction after every input, what the report says, and the
 * decisions (outcome, resumed, established) for a TLS 1.2 full and
 * abbreviated handshake, TLS 1.3 with and without a HelloRetryRequest, an
 * SSLv2 hello, a client certificate; every out-of-order message (not parsed,
 * reported with tls.malformed_message); alerts and closes.
 *
 * Every message body is a hex array with a comment per field, passed as an
 * exact-size heap copy (test_util.h) so AddressSanitizer sees any over-read.
 *
 * RFC 5246 7.3-7.4, RFC 5077 3.1, RFC 8446 2 and 4.1.4, RFC 5246 E.2.
 */
#include "test_util.h"

#include <openssl/obj_mac.h>

#include "dissect/sslv2.h"
#include "dissect/tls_handshake.h"
#include "dissect/tls_stream.h"
#include "x509_vector.h"

/* ---- messages ----------------------------------------------------------- */

static const uint8_t client_hello[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, /* random */
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x04,                                           /* legacy_session_id length 4 */
    0xde, 0xad, 0xbe, 0xef,
    0x00, 0x04,                                     /* cipher_suites length 4 */
    0x13, 0x01,                                     /*   TLS_AES_128_GCM_SHA256 */
    0xc0, 0x2f,                                     /*   TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    0x01, 0x00,                                     /* compression methods: null */
    0x00, 0x00,                                     /* extensions length 0 */
};

/* A TLS 1.2 ServerHello; the session id is the client's (resumption) or a new one. */
#define SERVER_HELLO_12(sid0)                                                                                 \
    {                                                                                                         \
        0x03, 0x03,                                     /* legacy_version TLS 1.2 */                          \
        0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, /* random */                                          \
        0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,                                                       \
        0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,                                                       \
        0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,                                                       \
        0x04,                                           /* session_id length 4 */                             \
        sid0, 0xad, 0xbe, 0xef,                                                                               \
        0xc0, 0x2f,                                     /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */           \
        0x00,                                           /* compression null */                                \
        0x00, 0x05,                                     /* extensions length 5 */                             \
        0xff, 0x01, 0x00, 0x01, 0x00,                   /* renegotiation_info, empty */                       \
    }
static const uint8_t server_hello_12[] = SERVER_HELLO_12(0x01);
static const uint8_t server_hello_12_resumed[] = SERVER_HELLO_12(0xde); /* echoes de ad be ef */

static const uint8_t server_hello_13[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, /* random */
    0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
    0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x04,                                           /* legacy_session_id_echo length 4 */
    0xde, 0xad, 0xbe, 0xef,
    0x13, 0x01,                                     /* TLS_AES_128_GCM_SHA256 */
    0x00,                                           /* compression null */
    0x00, 0x0e,                                     /* extensions length 14 */
    0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,             /* supported_versions: TLS 1.3 */
    0x00, 0x33, 0x00, 0x04,                         /* key_share, length 4 */
    0x00, 0x1d,                                     /*   group x25519 */
    0x00, 0x00,                                     /*   key_exchange length 0 */
};

static const uint8_t hello_retry_request[] = {
    0x03, 0x03,                                     /* legacy_version TLS 1.2 */
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, /* random = SHA-256("HelloRetryRequest") */
    0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
    0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
    0x04,                                           /* legacy_session_id_echo length 4 */
    0xde, 0xad, 0xbe, 0xef,
    0x13, 0x01,                                     /* TLS_AES_128_GCM_SHA256 */
    0x00,                                           /* compression null */
    0x00, 0x0c,                                     /* extensions length 12 */
    0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,             /* supported_versions: TLS 1.3 */
    0x00, 0x33, 0x00, 0x02,                         /* key_share, length 2 */
    0x00, 0x17,                                     /*   selected_group secp256r1 */
};

/* A Certificate message with an empty certificate_list: a client with no
 * certificate sends this; it also stands in for a server's here (the leaf
 * parser has its own tests). */
static const uint8_t certificate_empty[] = {
    0x00, 0x00, 0x00,                               /* certificate_list length 0 */
};

/* A certificate_list whose one entry is not DER. */
static const uint8_t certificate_bad_leaf[] = {
    0x00, 0x00, 0x05,                               /* certificate_list length 5 */
    0x00, 0x00, 0x02,                               /*   cert_data length 2 */
    0x30, 0x7f,                                     /*   SEQUENCE claiming 127 bytes */
};

static const uint8_t ske_ecdhe[] = {
    0x03,                                           /* curve_type named_curve */
    0x00, 0x1d,                                     /* x25519 */
    0x02, 0xa0, 0xa1,                               /* public point, length 2 */
    0x08, 0x04,                                     /* rsa_pss_rsae_sha256 */
    0x00, 0x02, 0x5a, 0x5b,                         /* signature, length 2 */
};

static const uint8_t certificate_request[] = {
    0x01, 0x01,                                     /* certificate_types: rsa_sign */
    0x00, 0x02, 0x04, 0x01,                         /* supported_signature_algorithms: rsa_pkcs1_sha256 */
    0x00, 0x00,                                     /* certificate_authorities: none */
};

static const uint8_t empty_body[1] = { 0 };         /* ServerHelloDone: length 0 */

static const uint8_t new_session_ticket[] = {
    0x00, 0x00, 0x1c, 0x20,                         /* ticket_lifetime_hint 7200 */
    0x00, 0x02, 0x77, 0x78,                         /* ticket, length 2 */
};

static const uint8_t sslv2_hello[] = {
    0x80, 0x1f,             /* 2-byte header: high bit, length 31 */
    0x01,                   /* msg_type CLIENT-HELLO */
    0x03, 0x01,             /* version TLS 1.0 */
    0x00, 0x06,             /* cipher_spec_length 6 */
    0x00, 0x00,             /* session_id_length 0 */
    0x00, 0x10,             /* challenge_length 16 */
    0x01, 0x00, 0x80,       /* SSL2_RC4_128_WITH_MD5 */
    0x00, 0x00, 0x2f,       /* TLS_RSA_WITH_AES_128_CBC_SHA */
    0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, /* challenge */
    0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0,
};

/* ---- helpers ------------------------------------------------------------ */

struct conn {
    struct tls_handshake h;
    struct tls_report r;
};

static int setup(void **state)
{
    struct conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* One whole handshake message, as the framing layer hands it over. */
static struct tls_hs_step msg(struct conn *c, int dir, uint8_t type, const uint8_t *body, size_t n)
{
    tls_hs_message_begin(&c->h, &c->r, dir, type, 0x0301);
    uint8_t *copy = test_exact_copy(body, n);
    struct tls_hs_step s = tls_hs_message(&c->h, &c->r, dir, type, span_make(copy, n), 0x0301);
    free(copy);
    return s;
}
#define MSG(c, dir, type, arr) msg(c, dir, type, arr, sizeof arr)

static void assert_step(struct tls_hs_step s, enum tls_hs_status status, bool noted, enum tls_note note)
{
    assert_int_equal(s.status, status);
    assert_int_equal(s.noted, noted);
    if (noted)
        assert_int_equal(s.note, note);
}

static void assert_malformed_text(const struct conn *c, const char *want)
{
    char buf[TLS_HS_MALFORMED_TEXT_MAX];
    assert_true(c->r.malformed);
    const char *got = tls_hs_malformed_text(&c->r, buf, sizeof buf);
    assert_non_null(got);
    assert_string_equal(got, want);
}

static void ccs(struct conn *c, int dir)
{
    tls_hs_record(&c->h, &c->r, dir, TLS_CT_CHANGE_CIPHER_SPEC, false);
}

/* The first record after a ChangeCipherSpec: Finished, encrypted. */
static void finished(struct conn *c, int dir)
{
    tls_hs_record(&c->h, &c->r, dir, TLS_CT_HANDSHAKE, true);
}

static void app_data(struct conn *c, int dir)
{
    tls_hs_record(&c->h, &c->r, dir, TLS_CT_APPLICATION_DATA, true);
}

static void client_hello_in(struct conn *c)
{
    assert_step(MSG(c, DIR_C2S, TLS_HS_CLIENT_HELLO, client_hello), TLS_HS_OK, true, TLS_NOTE_CLIENT_HELLO);
    assert_int_equal(c->h.client, TLS_HS_EXPECT_CLIENT_FLIGHT);
}

/* ---- whole handshakes --------------------------------------------------- */

static void test_tls12_full(void **state)
{
    struct conn *c = *state;
    assert_int_equal(c->h.client, TLS_HS_EXPECT_CLIENT_HELLO);
    assert_int_equal(c->h.server, TLS_HS_EXPECT_SERVER_HELLO);
    client_hello_in(c);
    assert_true(c->r.client.seen);
    assert_int_equal(c->r.client.legacy_version, 0x0303);
    assert_int_equal(c->r.client.record_version, 0x0301);

    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12), TLS_HS_OK, true, TLS_NOTE_SERVER_HELLO);
    assert_int_equal(c->h.server, TLS_HS_EXPECT_SERVER_FLIGHT);
    assert_int_equal(c->r.server.cipher, 0xc02f);
    assert_step(MSG(c, DIR_S2C, TLS_HS_CERTIFICATE, certificate_empty), TLS_HS_OK, true, TLS_NOTE_CERTIFICATE);
    assert_true(c->r.server.certificate_seen);
    assert_int_equal(c->r.server.certificate_chain_length, 0);
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_KEY_EXCHANGE, ske_ecdhe), TLS_HS_OK, true,
                TLS_NOTE_SERVER_KEY_EXCHANGE);
    assert_int_equal(c->r.server.curve, 0x001d);
    assert_int_equal(c->r.server.kx_sigalg, 0x0804);
    assert_step(msg(c, DIR_S2C, TLS_HS_SERVER_HELLO_DONE, empty_body, 0), TLS_HS_OK, false, 0);
    assert_int_equal(c->h.server, TLS_HS_EXPECT_SERVER_CCS);
    assert_false(tls_hs_decide(&c->h, &c->r, false));

    ccs(c, DIR_C2S);
    assert_int_equal(c->h.client, TLS_HS_CLIENT_ENCRYPTED);
    finished(c, DIR_C2S);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    assert_step(MSG(c, DIR_S2C, TLS_HS_NEW_SESSION_TICKET, new_session_ticket), TLS_HS_OK, false, 0);
    ccs(c, DIR_S2C);
    assert_int_equal(c->h.server, TLS_HS_SERVER_ENCRYPTED);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    finished(c, DIR_S2C);
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ESTABLISHED);

    tls_hs_finish(&c->h, &c->r);
    assert_false(c->r.resumed);
    assert_true(c->r.established);
    assert_false(c->r.malformed);
    assert_false(c->r.truncated);
    assert_int_equal(c->r.truncated_why, 0);
}

/* Resumed by session id: the ServerHello echoes the client's. */
static void test_tls12_abbreviated_session_id(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12_resumed), TLS_HS_OK, true,
                TLS_NOTE_SERVER_HELLO);
    assert_true(c->r.server.session_id_echoed);
    ccs(c, DIR_S2C);
    finished(c, DIR_S2C);
    ccs(c, DIR_C2S);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    finished(c, DIR_C2S);
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ESTABLISHED);
    tls_hs_finish(&c->h, &c->r);
    assert_true(c->r.resumed);
}

/* Resumed by ticket (RFC 5077 3.1): a new session id, then NewSessionTicket
 * and ChangeCipherSpec with no Certificate in between. */
static void test_tls12_abbreviated_ticket(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    assert_false(c->r.server.session_id_echoed);
    assert_step(MSG(c, DIR_S2C, TLS_HS_NEW_SESSION_TICKET, new_session_ticket), TLS_HS_OK, false, 0);
    assert_int_equal(c->h.server, TLS_HS_EXPECT_SERVER_CCS);
    ccs(c, DIR_S2C);
    finished(c, DIR_S2C);
    /* Application data both ways decides even when a CCS went uncaptured. */
    app_data(c, DIR_C2S);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    app_data(c, DIR_S2C);
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    tls_hs_finish(&c->h, &c->r);
    assert_true(c->r.resumed);
    assert_false(c->r.malformed);
}

static void test_tls13(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_13), TLS_HS_OK, true, TLS_NOTE_SERVER_HELLO);
    assert_int_equal(c->h.server, TLS_HS_SERVER_TLS13);
    assert_int_equal(tls_hs_negotiated_version(&c->r), 0x0304);
    assert_int_equal(c->r.server.key_share_group, 0x001d);
    ccs(c, DIR_S2C);                      /* middlebox compatibility (RFC 8446 D.4) */
    app_data(c, DIR_S2C);                 /* EncryptedExtensions .. Finished */
    ccs(c, DIR_C2S);
    app_data(c, DIR_C2S);                 /* Finished, or an encrypted alert: not yet */
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    app_data(c, DIR_S2C);                 /* the server answered it */
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ESTABLISHED);
    tls_hs_finish(&c->h, &c->r);
    assert_false(c->r.resumed);
    assert_true(c->r.established);
}

/* Google's 2017 experiment versions (0x7e01, 0x7e02) in supported_versions
 * are TLS 1.3's flow: nothing after the ServerHello is cleartext, and the
 * handshake is decided as TLS 1.3's is. */
static void test_tls13_google_experiment(void **state)
{
    struct conn *c = *state;
    for (uint16_t v = 0x7e01; v <= 0x7e02; v++) {
        memset(c, 0, sizeof *c);
        client_hello_in(c);
        uint8_t sh[sizeof server_hello_13];
        memcpy(sh, server_hello_13, sizeof sh);
        sh[48] = (uint8_t)(v >> 8); /* supported_versions' selected_version */
        sh[49] = (uint8_t)v;
        assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, sh), TLS_HS_OK, true, TLS_NOTE_SERVER_HELLO);
        assert_int_equal(tls_hs_negotiated_version(&c->r), v);
        assert_int_equal(c->h.server, TLS_HS_SERVER_TLS13);
        app_data(c, DIR_S2C);
        app_data(c, DIR_C2S);
        assert_false(tls_hs_decide(&c->h, &c->r, false));
        app_data(c, DIR_S2C);
        assert_true(tls_hs_decide(&c->h, &c->r, false));
        assert_int_equal(c->r.outcome, TLS_OUTCOME_ESTABLISHED);
    }
    /* 0x7e03 is no version of the family: a TLS <= 1.2 flight is expected. */
    memset(c, 0, sizeof *c);
    client_hello_in(c);
    uint8_t sh[sizeof server_hello_13];
    memcpy(sh, server_hello_13, sizeof sh);
    sh[48] = 0x7e;
    sh[49] = 0x03;
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, sh);
    assert_int_equal(c->h.server, TLS_HS_EXPECT_SERVER_FLIGHT);
}

/* A client's second encrypted record also decides TLS 1.3. */
static void test_tls13_two_client_records(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_13);
    app_data(c, DIR_S2C);
    app_data(c, DIR_C2S);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    app_data(c, DIR_C2S);
    assert_true(tls_hs_decide(&c->h, &c->r, false));
}

/* A client that rejects the certificate sends one encrypted alert and
 * closes: incomplete, not established. */
static void test_tls13_client_alert_then_close(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_13);
    app_data(c, DIR_S2C);
    app_data(c, DIR_C2S);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    tls_hs_closed(&c->r, false, true);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_CLOSED_DURING_HANDSHAKE);
    tls_hs_finish(&c->h, &c->r);
    assert_false(c->r.established);
}

static void test_tls13_hello_retry(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, hello_retry_request), TLS_HS_OK, true,
                TLS_NOTE_SERVER_HELLO);
    assert_int_equal(c->h.server, TLS_HS_EXPECT_SERVER_HELLO_AFTER_HRR);
    assert_true(c->r.server.hello_retry_request);
    assert_int_equal(c->r.server.key_share_group, 0x0017);
    /* The second ClientHello is expected now; the report keeps the first. */
    assert_step(MSG(c, DIR_C2S, TLS_HS_CLIENT_HELLO, client_hello), TLS_HS_OK, false, 0);
    assert_true(c->h.second_client_hello);
    /* The second ServerHello: its group replaces the HRR's, no new note. */
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_13), TLS_HS_OK, false, 0);
    assert_int_equal(c->h.server, TLS_HS_SERVER_TLS13);
    assert_int_equal(c->r.server.key_share_group, 0x001d);
    assert_true(c->r.server.hello_retry_request);
    assert_false(c->r.malformed);
    /* A third ClientHello is one too many. */
    assert_step(MSG(c, DIR_C2S, TLS_HS_CLIENT_HELLO, client_hello), TLS_HS_UNEXPECTED, false, 0);
    assert_malformed_text(c, "second client_hello without hello_retry_request");
}

/* RFC 8446 D.4: a server may send its ChangeCipherSpec right after the
 * HelloRetryRequest; a client that does not answers in cleartext. */
static void test_tls13_hello_retry_compat_server(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, hello_retry_request);
    ccs(c, DIR_S2C);
    assert_int_equal(c->h.server, TLS_HS_SERVER_ENCRYPTED);
    assert_step(MSG(c, DIR_C2S, TLS_HS_CLIENT_HELLO, client_hello), TLS_HS_OK, false, 0);
    assert_false(c->r.malformed);
}

static void test_sslv2_hello(void **state)
{
    struct conn *c = *state;
    uint8_t *copy = test_exact_copy(sslv2_hello, sizeof sslv2_hello);
    struct tls_hs_step s = tls_hs_sslv2_hello(&c->h, &c->r, span_make(copy, sizeof sslv2_hello));
    assert_step(s, TLS_HS_OK, true, TLS_NOTE_CLIENT_HELLO);
    assert_true(c->r.client.sslv2_hello);
    assert_int_equal(c->r.client.legacy_version, 0x0301);
    assert_int_equal(c->r.client.ciphers.n, 2);
    assert_int_equal(c->h.client, TLS_HS_EXPECT_CLIENT_FLIGHT);
    /* A second one is not parsed over the first. */
    s = tls_hs_sslv2_hello(&c->h, &c->r, span_make(copy, sizeof sslv2_hello));
    assert_step(s, TLS_HS_UNEXPECTED, false, 0);
    assert_int_equal(c->r.client.ciphers.n, 2);
    free(copy);
    /* An SSLv2 hello is whole when seen: not an unfinished ClientHello. */
    tls_hs_closed(&c->r, false, false);
    tls_hs_finish(&c->h, &c->r);
    assert_int_equal(c->r.truncated_why & TLS_TRUNCATED_CLIENT_HELLO, 0);
}

/* ---- SSL 2.0 after the CLIENT-HELLO ------------------------------------- */

/* An SSLv2 SERVER-HELLO around x509_vector.h's certificate (built at run
 * time: its length is the certificate's). */
static uint8_t *sslv2_server_hello_record(bool hit, size_t *n)
{
    size_t cert_len = hit ? 0 : sizeof cert_der, specs_len = hit ? 0 : 6, body = 11 + cert_len + specs_len + 16;
    const uint8_t head[13] = {
        (uint8_t)(0x80 | body >> 8), (uint8_t)body, /* 2-byte header */
        0x04,                                       /* SERVER-HELLO */
        hit ? 0x01 : 0x00,                          /* session_id_hit */
        0x01,                                       /* certificate_type: X.509 */
        0x00, 0x02,                                 /* server_version: SSL 2.0 */
        (uint8_t)(cert_len >> 8), (uint8_t)cert_len,
        0x00, (uint8_t)specs_len,                   /* cipher_specs_length */
        0x00, 0x10,                                 /* connection_id_length 16 */
    };
    static const uint8_t specs[6] = {
        0x01, 0x00, 0x80,                           /* SSL2_RC4_128_WITH_MD5 */
        0x07, 0x00, 0xc0,                           /* SSL2_DES_192_EDE3_CBC_WITH_MD5 */
    };
    *n = 2 + body;
    uint8_t *rec = malloc(*n);
    assert_non_null(rec);
    memcpy(rec, head, sizeof head);
    memcpy(rec + 13, cert_der, cert_len);
    memcpy(rec + 13 + cert_len, specs, specs_len);
    memset(rec + 13 + cert_len + specs_len, 0xa5, 16); /* connection id */
    return rec;
}

static const uint8_t sslv2_client_master_key[] = {
    0x80, 0x0e,                   /* 2-byte header, length 14 */
    0x02,                         /* CLIENT-MASTER-KEY */
    0x01, 0x00, 0x80,             /* SSL2_RC4_128_WITH_MD5 */
    0x00, 0x00,                   /* clear_key_length 0 */
    0x00, 0x04,                   /* encrypted_key_length 4 */
    0x00, 0x00,                   /* key_arg_length 0 */
    0xe0, 0xe1, 0xe2, 0xe3,       /* encrypted key */
};

static const uint8_t sslv2_error_no_cipher[] = { 0x80, 0x03, 0x00, 0x00, 0x01 }; /* ERROR NO-CIPHER-ERROR */

static struct tls_hs_step sslv2_in(struct conn *c, int dir, const uint8_t *rec, size_t n)
{
    uint8_t *copy = test_exact_copy(rec, n);
    struct tls_hs_step s = tls_hs_sslv2_record(&c->h, &c->r, dir, span_make(copy, n), false);
    free(copy);
    return s;
}

#define SSLV2_IN(c, dir, arr) sslv2_in(c, dir, arr, sizeof arr)

static void sslv2_encrypted_in(struct conn *c, int dir)
{
    assert_step(tls_hs_sslv2_record(&c->h, &c->r, dir, span_make(NULL, 0), true), TLS_HS_OK, false, 0);
}

static void sslv2_hello_in(struct conn *c)
{
    uint8_t *copy = test_exact_copy(sslv2_hello, sizeof sslv2_hello);
    assert_step(tls_hs_sslv2_hello(&c->h, &c->r, span_make(copy, sizeof sslv2_hello)), TLS_HS_OK, true,
                TLS_NOTE_CLIENT_HELLO);
    free(copy);
}

/* A whole session: SERVER-HELLO (certificate, cipher kinds), the client's
 * CLIENT-MASTER-KEY, its encrypted CLIENT-FINISHED; established only once
 * the server answers with an encrypted record. */
static void test_sslv2_session(void **state)
{
    struct conn *c = *state;
    sslv2_hello_in(c);
    size_t n;
    uint8_t *sh = sslv2_server_hello_record(false, &n);
    assert_step(sslv2_in(c, DIR_S2C, sh, n), TLS_HS_OK, true, TLS_NOTE_CERTIFICATE);
    free(sh);
    assert_true(c->r.server.seen);
    assert_true(c->r.sslv2.server_hello);
    assert_int_equal(tls_hs_negotiated_version(&c->r), 0x0002);
    assert_int_equal(c->r.server.record_version, 0x0002);
    assert_int_equal(c->r.sslv2.cipher_count, 2);
    assert_int_equal(c->r.sslv2.ciphers[0], 0x010080);
    assert_int_equal(c->r.sslv2.ciphers[1], 0x0700c0);
    assert_int_equal(c->r.sslv2.connection_id_len, 16);
    assert_true(c->r.server.certificate_seen);
    assert_int_equal(c->r.server.certificate_chain_length, 1);
    assert_true(c->r.server_cert.parsed);
    assert_int_equal(c->r.server_cert.subject_cn_len, 17);
    assert_memory_equal(c->r.server_cert.subject_cn, "mail.example.test", 17);
    assert_int_equal(c->h.server, TLS_HS_SERVER_ENCRYPTED);
    assert_false(tls_hs_decide(&c->h, &c->r, false));

    assert_step(SSLV2_IN(c, DIR_C2S, sslv2_client_master_key), TLS_HS_OK, false, 0);
    assert_true(c->r.sslv2.master_key);
    assert_int_equal(c->r.sslv2.cipher_kind, 0x010080);
    assert_int_equal(c->h.client, TLS_HS_CLIENT_ENCRYPTED);
    sslv2_encrypted_in(c, DIR_C2S);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    sslv2_encrypted_in(c, DIR_S2C);             /* SERVER-VERIFY */
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ESTABLISHED);
    tls_hs_finish(&c->h, &c->r);
    assert_true(c->r.established);
    assert_false(c->r.resumed);
    assert_false(c->r.malformed);
}

/* A session-id hit: no certificate, no CLIENT-MASTER-KEY (the client's
 * first record is its encrypted CLIENT-FINISHED): resumed. */
static void test_sslv2_session_id_hit(void **state)
{
    struct conn *c = *state;
    sslv2_hello_in(c);
    size_t n;
    uint8_t *sh = sslv2_server_hello_record(true, &n);
    assert_step(sslv2_in(c, DIR_S2C, sh, n), TLS_HS_OK, false, 0);
    free(sh);
    assert_true(c->r.sslv2.session_id_hit);
    assert_false(c->r.server.certificate_seen);
    sslv2_encrypted_in(c, DIR_S2C);             /* SERVER-VERIFY, before the client's keys: not an answer */
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    /* The client's first record, handed over as cleartext (the framing
     * layer cannot tell): after a hit it is CLIENT-FINISHED. */
    static const uint8_t finished[] = { 0x80, 0x11, 0x02, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
                                        0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71 };
    assert_step(SSLV2_IN(c, DIR_C2S, finished), TLS_HS_OK, false, 0);
    assert_false(c->r.sslv2.master_key);
    sslv2_encrypted_in(c, DIR_S2C);             /* SERVER-FINISHED */
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    tls_hs_finish(&c->h, &c->r);
    assert_true(c->r.resumed);
    assert_false(c->r.malformed);
}

/* The server answers the CLIENT-HELLO with an ERROR: decided at once, as a
 * fatal alert; nothing was negotiated. */
static void test_sslv2_error(void **state)
{
    struct conn *c = *state;
    sslv2_hello_in(c);
    assert_step(SSLV2_IN(c, DIR_S2C, sslv2_error_no_cipher), TLS_HS_OK, false, 0);
    assert_true(c->r.sslv2.error_seen);
    assert_int_equal(c->r.sslv2.error_code, SSLV2_ERROR_NO_CIPHER);
    assert_int_equal(c->r.sslv2.error_sender, DIR_S2C);
    assert_false(c->r.server.seen);
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ALERT);
    tls_hs_closed(&c->r, false, true);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ALERT);

    /* One sent after the peer hung up only answers the close. */
    memset(c, 0, sizeof *c);
    sslv2_hello_in(c);
    tls_hs_close_seen(&c->h, DIR_C2S);
    SSLV2_IN(c, DIR_S2C, sslv2_error_no_cipher);
    assert_true(c->r.sslv2.error_after_peer_close);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    tls_hs_closed(&c->r, false, true);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_CLOSED_DURING_HANDSHAKE);

    /* An ERROR with a byte too many did not parse. */
    memset(c, 0, sizeof *c);
    sslv2_hello_in(c);
    static const uint8_t long_error[] = { 0x80, 0x04, 0x00, 0x00, 0x01, 0x00 };
    assert_step(SSLV2_IN(c, DIR_S2C, long_error), TLS_HS_MALFORMED, false, 0);
    assert_false(c->r.sslv2.error_seen);
    assert_malformed_text(c, "sslv2 error did not parse");
}

/* Messages where their sender sends another, and ones that do not parse. */
static void test_sslv2_unexpected(void **state)
{
    struct conn *c = *state;
    sslv2_hello_in(c);
    static const uint8_t server_verify[] = { 0x80, 0x03, 0x05, 0x01, 0x02 }; /* SERVER-VERIFY, in cleartext */
    assert_step(SSLV2_IN(c, DIR_S2C, server_verify), TLS_HS_UNEXPECTED, false, 0);
    assert_malformed_text(c, "unexpected sslv2 server_verify from server");
    assert_false(c->r.server.seen);

    memset(c, 0, sizeof *c);
    sslv2_hello_in(c);
    uint8_t cmk[sizeof sslv2_client_master_key];
    memcpy(cmk, sslv2_client_master_key, sizeof cmk);
    cmk[9] = 0x05; /* encrypted_key_length longer than the record */
    assert_step(SSLV2_IN(c, DIR_C2S, cmk), TLS_HS_MALFORMED, false, 0);
    assert_malformed_text(c, "sslv2 client_master_key did not parse");
    assert_false(c->r.sslv2.master_key);

    memset(c, 0, sizeof *c);
    sslv2_hello_in(c);
    size_t n;
    uint8_t *sh = sslv2_server_hello_record(false, &n);
    sh[12] = 0x0f; /* connection_id_length 15: a byte left over */
    assert_step(sslv2_in(c, DIR_S2C, sh, n), TLS_HS_MALFORMED, false, 0);
    free(sh);
    assert_malformed_text(c, "sslv2 server_hello did not parse");
    assert_false(c->r.server.seen);
}

static void test_client_certificate(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    MSG(c, DIR_S2C, TLS_HS_CERTIFICATE, certificate_empty);
    assert_step(MSG(c, DIR_S2C, TLS_HS_CERTIFICATE_REQUEST, certificate_request), TLS_HS_OK, true,
                TLS_NOTE_CERTIFICATE_REQUEST);
    assert_true(c->r.server.certificate_request);
    msg(c, DIR_S2C, TLS_HS_SERVER_HELLO_DONE, empty_body, 0);
    assert_step(MSG(c, DIR_C2S, TLS_HS_CERTIFICATE, certificate_empty), TLS_HS_OK, true,
                TLS_NOTE_CLIENT_CERTIFICATE);
    assert_true(c->r.client.certificate_seen);
    assert_int_equal(c->r.client.certificate_chain_length, 0);
    assert_int_equal(c->h.client, TLS_HS_EXPECT_CLIENT_KEY_EXCHANGE);
    assert_false(c->r.malformed);
    assert_step(MSG(c, DIR_C2S, TLS_HS_CERTIFICATE, certificate_empty), TLS_HS_UNEXPECTED, false, 0);
    assert_malformed_text(c, "certificate from client twice");
}

/* ---- out of order ------------------------------------------------------- */

/* Its layout depends on the suite the ServerHello chose: not parsed. */
static void test_ske_before_server_hello(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_KEY_EXCHANGE, ske_ecdhe), TLS_HS_UNEXPECTED, false, 0);
    assert_false(c->r.server.ske_seen);
    assert_int_equal(c->r.server.curve, 0);
    assert_int_equal(c->h.server, TLS_HS_EXPECT_SERVER_HELLO);
    assert_malformed_text(c, "server_key_exchange before server_hello");
    /* The ServerHello that follows is still read; the first cause stays. */
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12), TLS_HS_OK, true, TLS_NOTE_SERVER_HELLO);
    assert_malformed_text(c, "server_key_exchange before server_hello");
}

/* Sent unasked (AnyDesk clients do): read, since its layout depends on
 * nothing the server said, and reported. */
static void test_unrequested_client_certificate(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    assert_step(MSG(c, DIR_C2S, TLS_HS_CERTIFICATE, certificate_empty), TLS_HS_UNEXPECTED, true,
                TLS_NOTE_CLIENT_CERTIFICATE);
    assert_true(c->r.client.certificate_seen);
    assert_malformed_text(c, "unexpected certificate from client");
}

/* Out of order, but a Certificate's layout needs nothing it came too early
 * for: read, and reported. */
static void test_certificate_before_client_hello(void **state)
{
    struct conn *c = *state;
    assert_step(MSG(c, DIR_C2S, TLS_HS_CERTIFICATE, certificate_empty), TLS_HS_UNEXPECTED, true,
                TLS_NOTE_CLIENT_CERTIFICATE);
    assert_true(c->r.client.certificate_seen);
    assert_int_equal(c->h.client, TLS_HS_EXPECT_CLIENT_HELLO);
    assert_malformed_text(c, "certificate from client before client_hello");
    /* The hello that follows is taken in order. */
    client_hello_in(c);
}

static void test_second_client_hello_without_hrr(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    assert_step(MSG(c, DIR_C2S, TLS_HS_CLIENT_HELLO, client_hello), TLS_HS_UNEXPECTED, false, 0);
    assert_malformed_text(c, "second client_hello without hello_retry_request");
}

static void test_server_hello_twice(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12_resumed), TLS_HS_UNEXPECTED, false, 0);
    assert_false(c->r.server.session_id_echoed); /* the first one stands */
    assert_malformed_text(c, "server_hello twice");
}

static void test_flight_out_of_order(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    MSG(c, DIR_S2C, TLS_HS_SERVER_KEY_EXCHANGE, ske_ecdhe);
    assert_step(MSG(c, DIR_S2C, TLS_HS_CERTIFICATE, certificate_empty), TLS_HS_UNEXPECTED, true,
                TLS_NOTE_CERTIFICATE);
    assert_true(c->r.server.certificate_seen);
    assert_malformed_text(c, "certificate from server after server_key_exchange");
    /* A second Certificate is not read over the first. */
    assert_step(MSG(c, DIR_S2C, TLS_HS_CERTIFICATE, certificate_bad_leaf), TLS_HS_UNEXPECTED, false, 0);
    assert_int_equal(c->r.server.certificate_chain_length, 0);
}

/* A ServerKeyExchange out of order is not parsed, even with the suite known. */
static void test_ske_after_certificate_request(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    MSG(c, DIR_S2C, TLS_HS_CERTIFICATE_REQUEST, certificate_request);
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_KEY_EXCHANGE, ske_ecdhe), TLS_HS_UNEXPECTED, false, 0);
    assert_false(c->r.server.ske_seen);
    assert_int_equal(c->r.server.curve, 0);
    assert_malformed_text(c, "server_key_exchange after certificate_request");
}

static void test_server_key_exchange_twice(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    MSG(c, DIR_S2C, TLS_HS_SERVER_KEY_EXCHANGE, ske_ecdhe);
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_KEY_EXCHANGE, ske_ecdhe), TLS_HS_UNEXPECTED, false, 0);
    assert_malformed_text(c, "server_key_exchange twice");
}

static void test_flight_after_server_hello_done(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    msg(c, DIR_S2C, TLS_HS_SERVER_HELLO_DONE, empty_body, 0);
    assert_step(MSG(c, DIR_S2C, TLS_HS_CERTIFICATE_REQUEST, certificate_request), TLS_HS_UNEXPECTED, true,
                TLS_NOTE_CERTIFICATE_REQUEST);
    assert_true(c->r.server.certificate_request); /* it still asked */
    assert_malformed_text(c, "certificate_request after server_hello_done");
}

/* A ticket before ServerHelloDone belongs to neither handshake form. */
static void test_ticket_inside_flight(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    MSG(c, DIR_S2C, TLS_HS_CERTIFICATE, certificate_empty);
    assert_step(MSG(c, DIR_S2C, TLS_HS_NEW_SESSION_TICKET, new_session_ticket), TLS_HS_UNEXPECTED, false, 0);
    assert_malformed_text(c, "new_session_ticket after certificate");
}

static void test_cleartext_after_tls13_server_hello(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_13);
    assert_step(MSG(c, DIR_S2C, TLS_HS_CERTIFICATE, certificate_empty), TLS_HS_UNEXPECTED, true,
                TLS_NOTE_CERTIFICATE);
    assert_true(c->r.server.certificate_seen);
    assert_malformed_text(c, "certificate from server in cleartext after a TLS 1.3 server_hello");
}

/* After a capture gap the missing ServerHello is the capture's loss: the
 * order is not reported, and the SKE still not parsed. */
static void test_gap_order_not_judged(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    tls_hs_gap(&c->h, DIR_S2C);
    assert_step(MSG(c, DIR_S2C, TLS_HS_SERVER_KEY_EXCHANGE, ske_ecdhe), TLS_HS_UNEXPECTED, false, 0);
    assert_false(c->r.server.ske_seen);
    assert_step(MSG(c, DIR_S2C, TLS_HS_CERTIFICATE, certificate_empty), TLS_HS_UNEXPECTED, true,
                TLS_NOTE_CERTIFICATE);
    assert_false(c->r.malformed);
    char buf[TLS_HS_MALFORMED_TEXT_MAX];
    assert_null(tls_hs_malformed_text(&c->r, buf, sizeof buf));
    /* The other direction is still judged. */
    assert_step(MSG(c, DIR_C2S, TLS_HS_CLIENT_HELLO, client_hello), TLS_HS_UNEXPECTED, false, 0);
    assert_malformed_text(c, "second client_hello without hello_retry_request");
}

static void test_cleartext_after_ccs(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    ccs(c, DIR_C2S);
    assert_step(MSG(c, DIR_C2S, TLS_HS_CLIENT_HELLO, client_hello), TLS_HS_UNEXPECTED, false, 0);
    assert_malformed_text(c, "client_hello in cleartext after change_cipher_spec");
}

/* Types nobody keeps (ClientKeyExchange) are neither judged nor parsed. */
static void test_unwanted_types(void **state)
{
    struct conn *c = *state;
    assert_true(tls_hs_wants(DIR_C2S, TLS_HS_CLIENT_HELLO));
    assert_true(tls_hs_wants(DIR_C2S, TLS_HS_CERTIFICATE));
    assert_false(tls_hs_wants(DIR_C2S, TLS_HS_CLIENT_KEY_EXCHANGE));
    assert_false(tls_hs_wants(DIR_C2S, TLS_HS_SERVER_HELLO));
    assert_true(tls_hs_wants(DIR_S2C, TLS_HS_SERVER_HELLO_DONE));
    assert_true(tls_hs_wants(DIR_S2C, TLS_HS_NEW_SESSION_TICKET));
    assert_false(tls_hs_wants(DIR_S2C, TLS_HS_CLIENT_HELLO));
    assert_step(msg(c, DIR_C2S, TLS_HS_CLIENT_KEY_EXCHANGE, empty_body, 1), TLS_HS_OK, false, 0);
    assert_int_equal(c->h.client, TLS_HS_EXPECT_CLIENT_HELLO);
    assert_false(c->r.malformed);
}

/* ---- bodies that do not parse -------------------------------------------- */

static void test_client_hello_malformed(void **state)
{
    struct conn *c = *state;
    /* Cut inside the random: in order, so parsed, and malformed. */
    assert_step(msg(c, DIR_C2S, TLS_HS_CLIENT_HELLO, client_hello, 20), TLS_HS_MALFORMED, true,
                TLS_NOTE_CLIENT_HELLO);
    assert_int_equal(c->h.client, TLS_HS_EXPECT_CLIENT_FLIGHT);
    assert_true(c->h.client_hello_done);
    assert_malformed_text(c, "client_hello did not parse");
    /* A later cause does not replace the first. */
    MSG(c, DIR_S2C, TLS_HS_SERVER_KEY_EXCHANGE, ske_ecdhe);
    assert_malformed_text(c, "client_hello did not parse");
}

static void test_server_certificate_bad_leaf(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    assert_step(MSG(c, DIR_S2C, TLS_HS_CERTIFICATE, certificate_bad_leaf), TLS_HS_MALFORMED, true,
                TLS_NOTE_CERTIFICATE);
    assert_int_equal(c->r.server.certificate_chain_length, 1);
    assert_malformed_text(c, "certificate from server did not parse");
}

static void test_records_malformed(void **state)
{
    struct conn *c = *state;
    tls_hs_records_malformed(&c->r, DIR_S2C);
    assert_malformed_text(c, "record framing from server lost");
}

static void test_malformed_text_bounds(void **state)
{
    struct conn *c = *state;
    char buf[TLS_HS_MALFORMED_TEXT_MAX];
    assert_null(tls_hs_malformed_text(&c->r, buf, sizeof buf)); /* nothing recorded */
    MSG(c, DIR_S2C, TLS_HS_SERVER_KEY_EXCHANGE, ske_ecdhe);
    /* "server_key_exchange before server_hello" is 39 bytes: 40 fit, 39 do not. */
    assert_non_null(tls_hs_malformed_text(&c->r, buf, 40));
    assert_int_equal(strlen(buf), 39);
    assert_null(tls_hs_malformed_text(&c->r, buf, 39));
}

/* ---- alerts and closes --------------------------------------------------- */

static void test_warning_then_fatal_alert(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    assert_step(tls_hs_alert(&c->h, &c->r, DIR_S2C, 1, 112), TLS_HS_OK, true, TLS_NOTE_ALERT);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    /* The fatal one that follows says why it failed: it replaces the warning. */
    assert_step(tls_hs_alert(&c->h, &c->r, DIR_C2S, 2, 42), TLS_HS_OK, true, TLS_NOTE_ALERT);
    assert_int_equal(c->r.alert.description, 42);
    assert_int_equal(c->r.alert.sender, DIR_C2S);
    /* Nothing replaces a fatal alert. */
    assert_step(tls_hs_alert(&c->h, &c->r, DIR_S2C, 2, 40), TLS_HS_OK, false, 0);
    assert_int_equal(c->r.alert.description, 42);
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ALERT);
    tls_hs_finish(&c->h, &c->r);
    assert_false(c->r.established);
}

/* A fatal alert before the close explains it, whoever closed and how. */
static void test_fatal_alert_before_close(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    tls_hs_alert(&c->h, &c->r, DIR_S2C, 2, 40);
    tls_hs_closed(&c->r, true, false);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ALERT);
    tls_hs_closed(&c->r, false, true);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ALERT);
}

/* A warning (close_notify) before the close does not: the close decides. */
static void test_warning_alert_before_close(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    tls_hs_alert(&c->h, &c->r, DIR_C2S, 1, 0);
    tls_hs_closed(&c->r, false, true);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_CLOSED_DURING_HANDSHAKE);
    tls_hs_closed(&c->r, true, true);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_RESET); /* a RST outweighs a FIN */
    tls_hs_closed(&c->r, false, false);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_INCOMPLETE);
}

/* An alert sent after the peer's FIN answers the close; it does not
 * outrank it (an OpenSSL client's decode_error after a silent server FIN). */
static void test_alert_after_peer_close(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    tls_hs_close_seen(&c->h, DIR_S2C);
    tls_hs_close_seen(&c->h, DIR_C2S); /* only the first close counts */
    assert_step(tls_hs_alert(&c->h, &c->r, DIR_C2S, 2, 50), TLS_HS_OK, true, TLS_NOTE_ALERT);
    assert_true(c->r.alert.seen);
    assert_true(c->r.alert.after_peer_close);
    assert_int_equal(c->r.alert.sender, DIR_C2S);
    assert_int_equal(c->r.alert.description, 50);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    tls_hs_closed(&c->r, false, true);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_CLOSED_DURING_HANDSHAKE);
    tls_hs_closed(&c->r, true, true);
    assert_int_equal(c->r.outcome, TLS_OUTCOME_RESET);
}

/* The closer's own alert (alert, then its FIN) still decides. */
static void test_alert_with_own_close(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    tls_hs_close_seen(&c->h, DIR_S2C);
    tls_hs_alert(&c->h, &c->r, DIR_S2C, 2, 40);
    assert_false(c->r.alert.after_peer_close);
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ALERT);
}

/* TLS 1.2: the client's CCS and Finished, then the server's alert after its
 * own CCS is encrypted: an alert, from the server, with nothing else known.
 * It decides the handshake failed. */
static void test_encrypted_alert_after_ccs(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    ccs(c, DIR_C2S);
    finished(c, DIR_C2S);
    ccs(c, DIR_S2C);
    tls_hs_record(&c->h, &c->r, DIR_S2C, TLS_CT_ALERT, true);
    assert_true(c->r.alert.seen);
    assert_true(c->r.alert.encrypted);
    assert_int_equal(c->r.alert.sender, DIR_S2C);
    assert_int_equal(c->r.alert.level, 0);
    assert_int_equal(c->r.alert.description, 0);
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ALERT);
    /* A cleartext alert (a cut capture's) is never replaced by it. */
    struct conn *d = calloc(1, sizeof *d);
    assert_non_null(d);
    client_hello_in(d);
    MSG(d, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    tls_hs_alert(&d->h, &d->r, DIR_C2S, 2, 20);
    ccs(d, DIR_S2C);
    tls_hs_record(&d->h, &d->r, DIR_S2C, TLS_CT_ALERT, true);
    assert_false(d->r.alert.encrypted);
    assert_int_equal(d->r.alert.description, 20);
    free(d);
}

/* An encrypted alert after its sender's application data, or once the
 * handshake was established, is the session's close_notify: kept out. So
 * is one without any ServerHello (nothing was negotiated). */
static void test_encrypted_alert_not_a_failure(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    ccs(c, DIR_C2S);
    tls_hs_record(&c->h, &c->r, DIR_C2S, TLS_CT_ALERT, true);
    assert_false(c->r.alert.seen);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    finished(c, DIR_C2S);
    app_data(c, DIR_C2S);
    tls_hs_record(&c->h, &c->r, DIR_C2S, TLS_CT_ALERT, true);
    assert_false(c->r.alert.seen);
    ccs(c, DIR_S2C);
    finished(c, DIR_S2C);
    tls_hs_record(&c->h, &c->r, DIR_S2C, TLS_CT_ALERT, true);
    assert_false(c->r.alert.seen);
    assert_true(tls_hs_decide(&c->h, &c->r, false));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_ESTABLISHED);
}

/* SSL 3.0 clients without a certificate say so with a warning (RFC 6101 5.4.6). */
static void test_no_certificate_alert(void **state)
{
    struct conn *c = *state;
    tls_hs_alert(&c->h, &c->r, DIR_C2S, 1, 41);
    assert_true(c->r.client.no_certificate_alert);
    struct conn *d = calloc(1, sizeof *d);
    assert_non_null(d);
    tls_hs_alert(&d->h, &d->r, DIR_S2C, 1, 41);
    assert_false(d->r.client.no_certificate_alert);
    free(d);
}

/* Neither stream can deliver more: the handshake is over, undecided. */
static void test_streams_dead(void **state)
{
    struct conn *c = *state;
    client_hello_in(c);
    assert_false(tls_hs_decide(&c->h, &c->r, false));
    assert_true(tls_hs_decide(&c->h, &c->r, true));
    assert_int_equal(c->r.outcome, TLS_OUTCOME_INCOMPLETE);
}

/* A ClientHello whose header came but whose body never did. */
static void test_unfinished_client_hello(void **state)
{
    struct conn *c = *state;
    tls_hs_message_begin(&c->h, &c->r, DIR_C2S, TLS_HS_CLIENT_HELLO, 0x0303);
    assert_true(c->r.client.seen);
    assert_int_equal(c->r.client.record_version, 0x0303);
    tls_hs_closed(&c->r, false, false);
    tls_hs_finish(&c->h, &c->r);
    assert_true(c->r.truncated);
    assert_int_equal(c->r.truncated_why, TLS_TRUNCATED_CLIENT_HELLO);
    assert_false(c->r.server.seen);
    assert_false(c->r.resumed);
}

/* The server's certificates after its leaf (for the signature check over the
 * chain): read only when the client offered signature algorithms, an entry
 * that is not DER kept as unparsed, at most TLS_CHAIN_CERTS_MAX of them. */
static void test_server_chain(void **state)
{
    struct conn *c = *state;
    static const uint8_t not_der[] = { 0x30, 0x7f }; /* SEQUENCE claiming 127 bytes */
    enum { ENTRIES = 1 + 1 + TLS_CHAIN_CERTS_MAX }; /* leaf, not_der, then one more than fits */
    size_t n = 3 + (ENTRIES - 1) * (3 + sizeof cert_der) + 3 + sizeof not_der;
    uint8_t *body = malloc(n);
    assert_non_null(body);
    size_t off = 3, list = n - 3;
    body[0] = (uint8_t)(list >> 16), body[1] = (uint8_t)(list >> 8), body[2] = (uint8_t)list;
    for (int i = 0; i < ENTRIES; i++) {
        const uint8_t *der = i == 1 ? not_der : cert_der;
        size_t len = i == 1 ? sizeof not_der : sizeof cert_der;
        body[off] = 0, body[off + 1] = (uint8_t)(len >> 8), body[off + 2] = (uint8_t)len;
        memcpy(body + off + 3, der, len);
        off += 3 + len;
    }
    assert_int_equal(off, n);

    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    c->r.client.signature_schemes.n = 1; /* as a hello with signature_algorithms */
    c->r.client.signature_schemes.v[0] = 0x0403;
    assert_step(msg(c, DIR_S2C, TLS_HS_CERTIFICATE, body, n), TLS_HS_OK, true, TLS_NOTE_CERTIFICATE);
    assert_int_equal(c->r.server.certificate_chain_length, ENTRIES);
    const struct tls_chain_report *chain = &c->r.server_chain;
    assert_int_equal(chain->n, TLS_CHAIN_CERTS_MAX);
    assert_true(chain->more);
    assert_false(chain->v[0].parsed);
    for (int i = 1; i < TLS_CHAIN_CERTS_MAX; i++) {
        assert_true(chain->v[i].parsed);
        assert_true(chain->v[i].self_signed);
        assert_int_equal(chain->v[i].signature_nid, NID_ecdsa_with_SHA256);
        assert_int_equal(chain->v[i].subject_cn_len, strlen("mail.example.test"));
        assert_memory_equal(chain->v[i].subject_cn, "mail.example.test", strlen("mail.example.test"));
    }

    /* A client without signature algorithms: nothing to check, nothing read. */
    memset(c, 0, sizeof *c);
    client_hello_in(c);
    MSG(c, DIR_S2C, TLS_HS_SERVER_HELLO, server_hello_12);
    assert_step(msg(c, DIR_S2C, TLS_HS_CERTIFICATE, body, n), TLS_HS_OK, true, TLS_NOTE_CERTIFICATE);
    assert_int_equal(c->r.server_chain.n, 0);
    assert_false(c->r.server_chain.more);
    free(body);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_tls12_full),
        T(test_server_chain),
        T(test_tls12_abbreviated_session_id),
        T(test_tls12_abbreviated_ticket),
        T(test_tls13),
        T(test_tls13_google_experiment),
        T(test_sslv2_session),
        T(test_sslv2_session_id_hit),
        T(test_sslv2_error),
        T(test_sslv2_unexpected),
        T(test_tls13_two_client_records),
        T(test_tls13_client_alert_then_close),
        T(test_tls13_hello_retry),
        T(test_tls13_hello_retry_compat_server),
        T(test_sslv2_hello),
        T(test_client_certificate),
        T(test_ske_before_server_hello),
        T(test_unrequested_client_certificate),
        T(test_certificate_before_client_hello),
        T(test_second_client_hello_without_hrr),
        T(test_server_hello_twice),
        T(test_flight_out_of_order),
        T(test_server_key_exchange_twice),
        T(test_flight_after_server_hello_done),
        T(test_ticket_inside_flight),
        T(test_cleartext_after_tls13_server_hello),
        T(test_ske_after_certificate_request),
        T(test_gap_order_not_judged),
        T(test_cleartext_after_ccs),
        T(test_unwanted_types),
        T(test_client_hello_malformed),
        T(test_server_certificate_bad_leaf),
        T(test_records_malformed),
        T(test_malformed_text_bounds),
        T(test_warning_then_fatal_alert),
        T(test_fatal_alert_before_close),
        T(test_warning_alert_before_close),
        T(test_alert_after_peer_close),
        T(test_alert_with_own_close),
        T(test_encrypted_alert_after_ccs),
        T(test_encrypted_alert_not_a_failure),
        T(test_no_certificate_alert),
        T(test_streams_dead),
        T(test_unfinished_client_hello),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
