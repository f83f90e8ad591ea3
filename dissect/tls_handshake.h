/* tls_handshake.h - the cleartext TLS handshake of one connection as a state
 * machine per direction (as picotls keeps PTLS_STATE_*), and every decision
 * about it: what the report says, when the handshake is over and how.
 *
 * Input is what the framing layer (dissect/tls_stream.h) delivers: whole
 * handshake messages (dir, type, body), record headers, cleartext alerts,
 * an SSLv2 hello; then the connection's end. Each message is judged against
 * its direction's state first. One that cannot come there (a
 * ServerKeyExchange before any ServerHello, a client Certificate nobody asked
 * for, a second ClientHello without a HelloRetryRequest) marks the report
 * malformed and says which (tls.malformed_message), and is parsed only when
 * its layout needs nothing it came too early for (a Certificate; never a
 * ServerKeyExchange without the suite). After a capture gap in a direction,
 * its order is not judged. Nothing here reads packets or flows.
 *
 * The message orders are RFC 5246 7.3 (TLS <= 1.2: the server's flight is
 * ServerHello, Certificate, ServerKeyExchange, CertificateRequest,
 * ServerHelloDone, each optional after the ServerHello but in that order; an
 * abbreviated handshake is ServerHello, NewSessionTicket, ChangeCipherSpec),
 * RFC 8446 2 and 4.1.4 (TLS 1.3: all after the ServerHello is encrypted; a
 * HelloRetryRequest is answered by a second ClientHello and ServerHello),
 * RFC 5246 E.2 (an SSLv2-compatible CLIENT-HELLO opens the client side).
 *
 * Decisions (tls.outcome, tls.resumed):
 * - TLS 1.2 and earlier: established once each side has sent
 *   ChangeCipherSpec and an encrypted handshake record (its Finished), or
 *   application data has flowed both ways (for captures that missed the CCS).
 * - TLS 1.3 (RFC 8446 2, D.4): a client that rejects the server's certificate
 *   answers with an encrypted alert that looks like its Finished, so the
 *   handshake counts as established only when the client has sent a second
 *   encrypted record, or the server has answered the client's first one.
 * - A fatal cleartext alert decides at once; a connection that ends first
 *   gives alert (a fatal alert was seen), reset (RST), closed_during_handshake
 *   (FIN) or incomplete, whichever side closed. An alert sent after the
 *   other side's FIN or RST never outranks that close: the peer hung up
 *   first, and the alert only answers it (the caller passes how the first
 *   close was made).
 * - Resumed: TLS 1.3 when the server accepted a PSK; earlier versions when the
 *   server echoed the client's session id, or changed cipher spec without
 *   sending any of its full-handshake flight.
 */
#ifndef TLSSCOPE_TLS_HANDSHAKE_H
#define TLSSCOPE_TLS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"
#include "dissect/report.h"

/* Where each direction stands: the message it expects next. Zero is each
 * direction's start, so a zeroed struct tls_handshake is a new connection. */
enum tls_hs_client_state {
    TLS_HS_EXPECT_CLIENT_HELLO = 0,
    TLS_HS_EXPECT_CLIENT_FLIGHT,       /* after its hello: a second ClientHello after an HRR, its
                                        * Certificate after a CertificateRequest */
    TLS_HS_EXPECT_CLIENT_KEY_EXCHANGE, /* after its Certificate: nothing more is kept */
    TLS_HS_CLIENT_ENCRYPTED,           /* after its ChangeCipherSpec */
};

enum tls_hs_server_state {
    TLS_HS_EXPECT_SERVER_HELLO = 0,
    TLS_HS_EXPECT_SERVER_HELLO_AFTER_HRR,
    TLS_HS_EXPECT_SERVER_FLIGHT,       /* TLS <= 1.2 after its ServerHello */
    TLS_HS_EXPECT_SERVER_CCS,          /* after ServerHelloDone or NewSessionTicket: a ticket, then its CCS */
    TLS_HS_SERVER_TLS13,               /* after a TLS 1.3 ServerHello: the rest is encrypted */
    TLS_HS_SERVER_ENCRYPTED,           /* after its ChangeCipherSpec */
};

struct cert_cache;
struct chain_verifier;

/* Per connection; zeroed is the start. */
struct tls_handshake {
    uint8_t client;              /* enum tls_hs_client_state */
    uint8_t server;              /* enum tls_hs_server_state */
    uint8_t server_flight_last;  /* last message of the server's TLS <= 1.2 flight so far */
    bool gap[2];                 /* bytes of the direction were lost: its order is not judged */
    bool client_hello_done;      /* the first ClientHello was whole (parsed or not) */
    bool second_client_hello;    /* the ClientHello answering a HelloRetryRequest came */
    bool full_handshake;         /* the server sent Certificate/SKE/CertificateRequest/ServerHelloDone */
    bool client_data_after_server_flight; /* TLS 1.3: client's first encrypted record seen */
    bool server_answered_client; /* TLS 1.3: server record after the client's first */
    bool peer_close_seen;        /* a FIN or RST was seen (tls_hs_close_seen) */
    uint8_t first_closer;        /* DIR_C2S or DIR_S2C: who sent it */
    bool sslv2_client_keyed;     /* SSLv2: the client sent its keys (CLIENT-MASTER-KEY, or encrypted after a hit) */
    bool sslv2_server_answered;  /* SSLv2: an encrypted server record after that */
    uint8_t client_session_id[32];
    struct cert_cache *certs;    /* decoded leaf certificates (set by the caller); NULL: each is parsed */
    struct chain_verifier *verifier; /* checks the server's chain (set by the caller); NULL: not checked */
    int64_t when;                /* the connection's time, seconds (set by the caller): for the check */
};

/* What became of one input. */
enum tls_hs_status {
    TLS_HS_OK = 0,               /* taken in (or a legitimate one nothing is kept of) */
    TLS_HS_MALFORMED,            /* expected there, but it did not parse */
    TLS_HS_UNEXPECTED,           /* not expected there: reported, parsed only if it needs no missing context */
};

struct tls_hs_step {
    enum tls_hs_status status;
    bool noted;                  /* `note` is to be given (the report gained what writers annotate) */
    enum tls_note note;
};

/* Is a handshake message of this type from `dir` kept whole and handed to
 * tls_hs_message? (Others are skipped by the framing layer, unbuffered.) */
bool tls_hs_wants(int dir, uint8_t hs_type);

/* A handshake message's header arrived (its body may never all arrive): a
 * ClientHello whose first bytes came is reported even if the rest never does
 * (a half-open connection, a capture cut short). */
void tls_hs_message_begin(struct tls_handshake *h, struct tls_report *r, int dir, uint8_t hs_type,
                          uint16_t record_version);

/* Bytes of `dir` were lost (a capture gap): messages may be missing, so an
 * order broken after it is not reported as the peer's. */
void tls_hs_gap(struct tls_handshake *h, int dir);

/* A whole handshake message from `dir`; `record_version` is that of the
 * record it began in. */
struct tls_hs_step tls_hs_message(struct tls_handshake *h, struct tls_report *r, int dir, uint8_t hs_type,
                                  struct span body, uint16_t record_version);

/* A whole SSLv2-compatible CLIENT-HELLO record (2-byte header included). */
struct tls_hs_step tls_hs_sslv2_hello(struct tls_handshake *h, struct tls_report *r, struct span record);

/* An SSL 2.0 record from `dir` after an SSLv2 CLIENT-HELLO, as the framing
 * layer delivers it: cleartext ones whole (the server's SERVER-HELLO, the
 * client's CLIENT-MASTER-KEY, an ERROR), encrypted ones only counted.
 * SSL 2.0 (Hickman, 1995): the SERVER-HELLO makes the session SSLv2 and
 * carries the certificate, read as a TLS server's leaf is; the
 * CLIENT-MASTER-KEY names the cipher kind; the handshake is established
 * once the client has sent its keys (that message, or on a session-id hit
 * its first encrypted record) and the server has answered with an
 * encrypted record. A cleartext ERROR is fatal and decides like a fatal
 * alert. */
struct tls_hs_step tls_hs_sslv2_record(struct tls_handshake *h, struct tls_report *r, int dir, struct span record,
                                       bool encrypted);

/* A record header from `dir`; `encrypted`: the direction had changed cipher spec before it. */
void tls_hs_record(struct tls_handshake *h, struct tls_report *r, int dir, uint8_t content_type, bool encrypted);

/* The first FIN or RST of the connection came from `closer`: an alert the
 * other side sends after it does not decide the outcome (the close does). */
void tls_hs_close_seen(struct tls_handshake *h, int closer);

/* A cleartext alert from `dir`. */
struct tls_hs_step tls_hs_alert(struct tls_handshake *h, struct tls_report *r, int dir, uint8_t level,
                                uint8_t description);

/* The direction's record framing broke after it had carried TLS records. */
void tls_hs_records_malformed(struct tls_report *r, int dir);

/* After each piece of input, once a hello was seen: has the handshake been
 * decided? Sets r->outcome and returns true for ALERT (a fatal alert),
 * ESTABLISHED, or INCOMPLETE when `streams_dead` (neither direction can
 * deliver anything more); false while it goes on. */
bool tls_hs_decide(const struct tls_handshake *h, struct tls_report *r, bool streams_dead);

/* The connection ended before a decision: sets r->outcome from what was seen. */
void tls_hs_closed(struct tls_report *r, bool rst_seen, bool fin_seen);

/* Before the report is written: the facts decided from the whole handshake
 * (resumed, established) and the handshake's part of `truncated`. */
void tls_hs_finish(const struct tls_handshake *h, struct tls_report *r);

/* The negotiated version: supported_versions when the server sent it, else
 * ServerHello.legacy_version. (dissect/tls_facts.h will hold the one copy.) */
uint16_t tls_hs_negotiated_version(const struct tls_report *r);

/* Writes tls.malformed_message ("server_key_exchange before server_hello")
 * into buf; returns buf, or NULL when the report has no cause recorded. */
#define TLS_HS_MALFORMED_TEXT_MAX 96
const char *tls_hs_malformed_text(const struct tls_report *r, char *buf, size_t len);

#endif
