/* tls_stream.h - TLS record and handshake framing over one direction of a
 * reassembled TCP stream (RFC 8446 5.1, RFC 5246 6.2, and the SSLv2-compatible
 * CLIENT-HELLO of RFC 5246 E.2).
 *
 * The stream is fed in arbitrary pieces. Record headers (5 bytes) are
 * collected across pieces; record bodies are never buffered. Handshake
 * messages the caller wants are reported whole: in place when the message
 * lies in one piece (the common case: zero-copy), else copied into a buffer
 * from the caller's pool (`pool`, common/bufpool.h) that grows with the
 * bytes that actually arrived (a declared length is never trusted for an
 * allocation). Messages nobody wants are skipped by counting.
 *
 * After a ChangeCipherSpec the direction's handshake records are encrypted
 * and only counted.
 *
 * After an SSLv2 CLIENT-HELLO either side may go on in SSL 2.0's own
 * records (dissect/sslv2.h: a 2-byte header with its high bit set, or a
 * 3-byte one; no content type) instead of TLS records: the server that
 * speaks SSL 2.0 answers with a SERVER-HELLO or an ERROR, and its client
 * sends a CLIENT-MASTER-KEY. A direction's first SSLv2 record after the
 * CLIENT-HELLO is cleartext and is handed over whole; all its later records
 * are encrypted (the keys are set) and only counted, except a cleartext
 * ERROR, which is 3 bytes where an encrypted record is at least its 16-byte
 * MAC. A server that answers with a TLS record is followed as TLS. Framing that cannot be TLS stops the direction
 * (TLS_STREAM_DEAD); after a gap in the TCP stream the parser resynchronises
 * on the next piece that starts with a plausible record header.
 */
#ifndef TLSSCOPE_TLS_STREAM_H
#define TLSSCOPE_TLS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bufpool.h"
#include "common/span.h"

enum tls_content_type {
    TLS_CT_CHANGE_CIPHER_SPEC = 20,
    TLS_CT_ALERT = 21,
    TLS_CT_HANDSHAKE = 22,
    TLS_CT_APPLICATION_DATA = 23,
    TLS_CT_HEARTBEAT = 24,
};

enum tls_handshake_type {
    TLS_HS_CLIENT_HELLO = 1,
    TLS_HS_SERVER_HELLO = 2,
    TLS_HS_NEW_SESSION_TICKET = 4,
    TLS_HS_CERTIFICATE = 11,
    TLS_HS_SERVER_KEY_EXCHANGE = 12,
    TLS_HS_CERTIFICATE_REQUEST = 13,
    TLS_HS_SERVER_HELLO_DONE = 14,
    TLS_HS_CLIENT_KEY_EXCHANGE = 16,
};

/* Largest record body accepted: 2^14 plus the expansion RFC 5246 6.2.3 allows. */
#define TLS_MAX_RECORD (16384 + 2048)
/* Largest handshake message kept whole by default (tlsscope --max-message).
 * Certificate chains of 339 KB are seen in the wild; 1 MiB keeps them with
 * room, and the buffer budget (--buffer-mb, 64 MiB by default) still bounds
 * the sum over all connections: a buffer grows only with bytes that arrived. */
#define TLS_MAX_KEPT_MESSAGE (1024u * 1024u)
/* The most --max-message may say: a handshake length is 24 bits. */
#define TLS_MAX_MESSAGE_LIMIT ((1u << 24) - 1)

enum tls_stream_mode {
    TLS_STREAM_START = 0,        /* nothing seen yet */
    TLS_STREAM_RECORDS,          /* in TLS records */
    TLS_STREAM_SSLV2,            /* collecting an SSLv2 CLIENT-HELLO record */
    TLS_STREAM_RESYNC,           /* after a gap: waiting for a record header */
    TLS_STREAM_DEAD,             /* not TLS (or lost for good) */
    TLS_STREAM_SSLV2_RECORDS,    /* in SSL 2.0 records, after an SSLv2 CLIENT-HELLO */
};

struct tls_stream_events {
    void *ctx;
    /* A handshake message's header arrived (its body may never all arrive):
     * its type, declared length and the version of the record it began in.
     * May be NULL. */
    void (*message_begin)(void *ctx, uint8_t hs_type, uint32_t length, uint16_t record_version);
    /* Is a handshake message of this type worth keeping whole? */
    bool (*want)(void *ctx, uint8_t hs_type);
    /* A whole handshake message; `record_version` is that of the record it began in. */
    void (*handshake)(void *ctx, uint8_t hs_type, struct span body, uint16_t record_version);
    /* A record header: content type, version, length, and whether the
     * direction had already changed cipher spec (its content is encrypted). */
    void (*record)(void *ctx, uint8_t content_type, uint16_t version, uint16_t length, bool encrypted);
    /* A cleartext alert. */
    void (*alert)(void *ctx, uint8_t level, uint8_t description);
    /* A whole SSLv2 CLIENT-HELLO record (2-byte header included). */
    void (*sslv2_hello)(void *ctx, struct span record);
    /* An SSLv2 record after the CLIENT-HELLO: a cleartext one whole (header
     * included), an encrypted one only counted (`record` empty). May be NULL. */
    void (*sslv2_record)(void *ctx, struct span record, bool encrypted);
};

struct tls_stream {
    uint8_t mode;                /* enum tls_stream_mode */
    bool encrypted;              /* ChangeCipherSpec seen in this direction */
    bool allow_sslv2;            /* client direction: an SSLv2 hello may start it */
    bool sslv2_session;          /* the client opened with an SSLv2 CLIENT-HELLO: SSLv2 records may follow
                                  * (set here for the client's direction, by the caller for the server's) */
    bool malformed;              /* framing broke after TLS was recognised */
    bool truncated;              /* a wanted message could not be kept (budget, size) */
    uint32_t truncated_messages; /* how many */
    uint32_t not_kept;           /* bit t: a wanted message of handshake type t (< 32) was not kept */
    uint32_t max_message;        /* largest message kept whole; 0: TLS_MAX_KEPT_MESSAGE */
    uint8_t hdr_len;
    uint8_t hdr[5];
    uint8_t rec_type;
    uint16_t rec_version;
    uint16_t rec_left;           /* body bytes of the current record still to come */
    uint8_t alert_len;
    uint8_t alert[2];
    /* handshake message assembly */
    uint8_t hs_hdr_len;
    uint8_t hs_hdr[4];
    bool hs_keep;
    uint16_t hs_record_version;
    uint32_t hs_len, hs_got;
    struct bufpool *pool;        /* the caller's: where `buf` comes from */
    uint8_t *buf;                /* bufpool buffer: split message or SSLv2 record */
    size_t buf_cap;
    uint32_t records;
};

/* Feeds the next piece of the stream. Returns the mode after it. */
enum tls_stream_mode tls_stream_feed(struct tls_stream *s, struct span data, const struct tls_stream_events *ev);

/* Bytes before the next piece are missing. */
void tls_stream_gap(struct tls_stream *s);

/* Frees the buffer, if any. */
void tls_stream_release(struct tls_stream *s);

/* True when `h` (at least 5 bytes, else false) is a plausible TLS record header. */
bool tls_record_header_plausible(struct span h);

#endif
