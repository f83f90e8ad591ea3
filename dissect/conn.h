/* conn.h - the dissection of one TCP connection: a pipeline of two stages
 * over its two reassembled byte streams, and the report it hands on once.
 *
 * 1. The prelude: what may come before TLS. The client stream may open with
 *    a PROXY protocol header (dissect/proxy_proto.h: a load balancer names
 *    the true client); it is read and skipped. Then the first bytes decide
 *    the mode: TLS from the first byte (implicit), or a cleartext dialogue
 *    (dissect/starttls.h) that may upgrade to TLS, be refused, or turn out to
 *    be no known dialogue at all. Classification (nDPI, dissect/classify.h)
 *    belongs here too: it is fed the packets of dialogues, and asked only
 *    the server name of implicit TLS.
 * 2. The TLS stage: record and handshake framing per direction
 *    (dissect/tls_stream.h) feeding the handshake state machine
 *    (dissect/tls_handshake.h), which makes every decision about it.
 *
 * Once decided (or when the connection ends) the report is completed (the
 * STARTTLS result, the classification, the causes of `truncated`) and given
 * to the sink. Nothing here knows the flow table: cli/engine.c adapts these
 * entry points to it.
 */
#ifndef TLSSCOPE_CONN_H
#define TLSSCOPE_CONN_H

#include <stdint.h>

#include "dissect/classify.h"
#include "dissect/report.h"
#include "dissect/starttls.h"
#include "dissect/tls_handshake.h"
#include "dissect/tls_stream.h"

/* Where finished reports go (the writers in output/). */
struct conn_sink {
    void *ctx;
    void (*emit)(void *ctx, const struct conn_meta *meta, const struct tls_report *report);
};

/* Where handshake messages are announced as they are parsed (optional). */
struct tls_note_sink {
    void *ctx;
    void (*note)(void *ctx, const struct conn_meta *meta, const struct tls_report *report, enum tls_note what);
};

struct conn_stats {
    uint64_t sessions;           /* connections dissected (flows that carried payload) */
    uint64_t not_tls;            /* given up as not TLS */
    uint64_t lines;              /* reports emitted */
    uint64_t malformed_hellos;   /* ClientHello, ServerHello or SSLv2 hello that did not parse */
    uint64_t malformed_messages; /* other handshake messages that did not parse (Certificate, SKE) */
    uint64_t unexpected_messages; /* handshake messages out of order: not parsed */
    uint64_t malformed_records;  /* directions whose record framing broke after TLS records */
    uint64_t truncated_messages; /* wanted handshake messages too large or over budget: not kept */
    uint64_t proxy_headers;      /* PROXY protocol headers read */
    uint64_t proxy_malformed;    /* streams that began like a PROXY header but were not one */
    uint64_t proxy_health_checks; /* a v2 LOCAL header, or a PROXY header and nothing after it */
    uint64_t starttls_upgrades;  /* cleartext dialogues that upgraded to TLS */
    uint64_t starttls_refused;
    uint64_t plaintext_servers;  /* TLS clients that met a server speaking plaintext */
    uint64_t classify_skipped;   /* connections whose first payload ended them: nDPI never started */
};

/* How a connection carries TLS, decided by its first bytes. */
enum conn_mode {
    CONN_MODE_UNKNOWN = 0,
    CONN_MODE_IMPLICIT,          /* TLS from the first byte (after any PROXY header) */
    CONN_MODE_STARTTLS,          /* a cleartext dialogue first (dissect/starttls.h) */
    CONN_MODE_PLAINTEXT_SERVER,  /* a TLS client and a server speaking plaintext */
};

/* Enough for any PROXY v1 line and a v2 header with a few TLVs; a longer v2
 * header split across segments is not followed. */
#define CONN_PROXY_PEEK_MAX 536

/* A hello's record is told by its first ten bytes (tls_find_hello): a
 * client prefix's last nine are kept in case one begins there. */
#define CONN_PREFIX_TAIL 9

/* Per connection; zeroed is a new one. */
struct conn {
    struct tls_report report;
    struct tls_handshake hs;
    struct tls_stream dir[2];
    uint8_t mode;                /* enum conn_mode */
    bool data_seen;              /* some stream bytes were delivered */
    bool spoke[2];               /* each direction delivered bytes (after any PROXY header) */
    bool proxy_checked;          /* the client stream's start was examined for PROXY */
    bool proxy_local;            /* it was a v2 LOCAL header (counted as a health check) */
    bool server_prefix_done;     /* after a client prefix: the server's own prefix is behind (conn.c) */
    uint8_t prefix_tail_len;     /* bytes in prefix_tail */
    uint16_t prefix_seen;        /* client bytes of a prefix sent alone, while its hello may follow (conn.c) */
    uint8_t prefix_tail[CONN_PREFIX_TAIL]; /* their last bytes: a hello's record may begin in them */
    uint16_t proxy_have;         /* bytes held in proxy_buf */
    uint8_t proxy_buf[CONN_PROXY_PEEK_MAX];
    struct starttls starttls;
    struct classify_flow classify;
};

struct conn_dissector {
    struct conn_sink sink;
    struct tls_note_sink notes;  /* optional: .note NULL */
    struct classifier *classifier; /* nDPI; NULL: no classification */
    struct cert_cache *certs;      /* decoded leaf certificates; NULL: every one is parsed */
    struct chain_verifier *verifier; /* --ca-file: server chains checked; NULL: not checked */
    struct bufpool *pool;          /* the engine's: split handshake messages */
    uint32_t max_message;          /* --max-message: largest handshake message kept; 0: the default */
    struct conn_stats st;
};

enum conn_verdict {
    CONN_CONTINUE = 0,           /* keep delivering */
    CONN_DONE,                   /* decided (report emitted) or not TLS: deliver nothing more */
};

/* A handshake step's verdict counted in the stats (malformed hellos and
 * messages, unexpected messages) and its note passed on; shared by TCP,
 * QUIC and DTLS. */
void conn_count_step(struct conn_dissector *d, const struct conn_meta *meta, const struct tls_report *r,
                     struct tls_hs_step st, bool hello);

/* A new connection (its struct zeroed) begins. */
void conn_begin(struct conn_dissector *d, struct conn *c);

/* The next in-order bytes of direction `dir` (DIR_C2S, DIR_S2C); `gap`:
 * bytes before them are missing. CONN_DONE once the handshake is decided and
 * the report was emitted, or the connection is not TLS. */
enum conn_verdict conn_data(struct conn_dissector *d, struct conn *c, struct conn_meta *meta, int dir,
                            struct span data, bool gap);

/* Every packet with payload, before its bytes reach conn_data: the IP
 * packet (from the IP header) for the classifier. */
void conn_packet(struct conn_dissector *d, struct conn *c, const struct conn_meta *meta, int dir,
                 struct span ip_packet, struct span payload, uint64_t ts_us);

/* The connection ended undecided: emit the report if a hello was seen. */
void conn_close(struct conn_dissector *d, struct conn *c, struct conn_meta *meta, enum conn_reason reason,
                bool rst_seen, bool fin_seen);

/* Frees what the connection holds (split-message buffers, nDPI state). */
void conn_end(struct conn_dissector *d, struct conn *c);

/* Frees the streams' buffers only (for callers without a classifier). */
void conn_release(struct conn *c);

/* Is `payload` (a flow's first) sent by a TLS client (+1), a server (-1), or unknown (0)? */
int conn_client_hint(struct span payload);

/* Could a connection whose first payload, from `dir`, is `payload` carry
 * TLS: +1 yes (a TLS record or SSLv2 hello, a PROXY header, a dialogue
 * dissect/starttls.h follows), -1 no (the prelude gives it up on these
 * bytes), 0 too few bytes to tell. */
int conn_guess(int dir, struct span payload, uint16_t server_port);

#endif
