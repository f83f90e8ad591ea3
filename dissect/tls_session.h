/* tls_session.h - TLS dissection of one connection, as the flow tracker's
 * consumer: it frames both directions, parses the cleartext handshake into a
 * `struct tls_report`, decides when the handshake is over (established,
 * alerted, reset, closed, given up) and hands the finished report to a sink.
 *
 * Decisions (what `tls.outcome` says):
 * - TLS 1.2 and earlier: established once each side has sent
 *   ChangeCipherSpec and an encrypted handshake record (its Finished), or
 *   application data has flowed both ways (for captures that missed the CCS).
 * - TLS 1.3 (RFC 8446 2, D.4): everything after the ServerHello is
 *   encrypted, and a client that rejects the server's certificate answers with
 *   an encrypted alert that looks like its Finished. So the handshake counts
 *   as established only when the client has sent a second encrypted record,
 *   or the server has answered the client's first one.
 * - A fatal cleartext alert decides at once; RST and FIN before a decision
 *   give `reset` and `closed_during_handshake`; idle timeout, eviction and end
 *   of input give `incomplete`.
 */
#ifndef TLSSCOPE_TLS_SESSION_H
#define TLSSCOPE_TLS_SESSION_H

#include <stdint.h>

#include "dissect/classify.h"
#include "dissect/report.h"
#include "dissect/starttls.h"
#include "dissect/tls_stream.h"
#include "flows/flow_table.h"

/* Where finished reports go (the writers in output/). */
struct conn_sink {
    void *ctx;
    void (*emit)(void *ctx, const struct conn_meta *meta, const struct tls_report *report);
};

/* Handshake messages as they are parsed, for writers that annotate the
 * packet that completed each one (output/packet_notes.h). The report holds
 * what the message said when the sink is called. */
enum tls_note {
    TLS_NOTE_CLIENT_HELLO,       /* or an SSLv2-compatible CLIENT-HELLO */
    TLS_NOTE_SERVER_HELLO,       /* or a HelloRetryRequest */
    TLS_NOTE_CERTIFICATE,        /* the server's, TLS <= 1.2 */
    TLS_NOTE_SERVER_KEY_EXCHANGE,
    TLS_NOTE_CERTIFICATE_REQUEST,
    TLS_NOTE_CLIENT_CERTIFICATE,
    TLS_NOTE_ALERT,              /* the alert the report keeps (the first, or a fatal one after warnings) */
};

struct tls_note_sink {
    void *ctx;
    void (*note)(void *ctx, const struct conn_meta *meta, const struct tls_report *report, enum tls_note what);
};

struct tls_dissect_stats {
    uint64_t sessions;           /* flows given a session (accepted on their first bytes) */
    uint64_t not_tls;            /* flows given up as not TLS */
    uint64_t lines;              /* reports emitted */
    uint64_t malformed_hellos;
    uint64_t malformed_records;
    uint64_t truncated_messages; /* handshake messages too large or over budget */
    uint64_t proxy_headers;      /* PROXY protocol headers read */
    uint64_t proxy_malformed;    /* streams that began like a PROXY header but were not one */
    uint64_t starttls_upgrades;  /* cleartext dialogues that upgraded to TLS */
    uint64_t starttls_refused;
};

/* How a connection carries TLS, decided by its first bytes. */
enum tls_session_mode {
    TLS_MODE_UNKNOWN = 0,
    TLS_MODE_IMPLICIT,           /* TLS from the first byte (after any PROXY header) */
    TLS_MODE_STARTTLS,           /* a cleartext dialogue first (dissect/starttls.h) */
};

/* Enough for any PROXY v1 line and a v2 header with a few TLVs; a longer v2
 * header split across segments is not followed. */
#define TLS_PROXY_PEEK_MAX 536

/* Per-flow state: the report and both directions' framing. */
struct tls_session {
    struct tls_report report;
    struct tls_stream dir[2];
    uint8_t client_session_id[32];
    bool server_hs_after_hello;  /* Certificate/SKE/ServerHelloDone: a full handshake */
    bool client_data_after_server_flight; /* TLS 1.3: client's first encrypted record seen */
    bool server_answered_client; /* TLS 1.3: server record after the client's first */
    bool client_hello_done;      /* the first ClientHello was parsed (or failed to) */
    uint8_t mode;                /* enum tls_session_mode */
    bool proxy_checked;          /* the client stream's start was examined for PROXY */
    uint16_t proxy_have;         /* bytes held in proxy_buf */
    uint8_t proxy_buf[TLS_PROXY_PEEK_MAX];
    struct starttls starttls;
    struct classify_flow classify;
};

struct tls_dissector {
    struct conn_sink sink;
    struct tls_note_sink notes;  /* optional: .note NULL */
    struct classifier *classifier; /* nDPI; NULL: no classification */
    struct bufpool *pool;        /* the engine's: split handshake messages */
    struct tls_dissect_stats st;
};

/* The flow_consumer that runs TLS dissection over `d`. */
struct flow_consumer tls_dissector_consumer(struct tls_dissector *d);

/* Feeds one direction of a session directly (used by tests and fuzzers, and
 * by the consumer). Returns FLOW_VERDICT_DONE once the handshake is decided
 * and the report was emitted, or the stream is not TLS. */
enum flow_verdict tls_session_data(struct tls_dissector *d, struct tls_session *s, struct conn_meta *meta,
                                   int dir, struct span data, bool gap);

/* The connection ended undecided: emit the report if a hello was seen. */
void tls_session_close(struct tls_dissector *d, struct tls_session *s, struct conn_meta *meta,
                       enum conn_reason reason, bool rst_seen, bool fin_seen);

void tls_session_release(struct tls_session *s);

/* Is `payload` (a flow's first) sent by a TLS client (+1), a server (-1), or unknown (0)? */
int tls_client_hint(struct span payload);

#endif
