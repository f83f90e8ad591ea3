/* quic.h - the cleartext part of a QUIC connection's handshake: Initial
 * packets of both directions decrypted (dissect/quic_crypto.h), their
 * CRYPTO frames reassembled into the TLS handshake messages they carry, and
 * those handed to the same handshake state machine TCP connections use
 * (dissect/tls_handshake.h), so a QUIC line says what a TLS line says.
 *
 * Input is one UDP datagram at a time, from either direction, in capture
 * order. A datagram may hold several coalesced long-header packets (RFC 9000
 * 12.2) and end with a short-header one. CRYPTO data is placed by its offset
 * (RFC 9000 19.6), so frames split across packets, repeated (retransmitted
 * Initials, the ClientHello resent after a Retry) or scrambled within one
 * packet (Chrome shuffles them) all reassemble; a handshake message is
 * handed on once all bytes before its end are there.
 *
 * Also read: Retry (RFC 9000 17.2.5: the client's next Initials use a new
 * Destination Connection ID, so new keys), Version Negotiation (6, 17.2.1:
 * the versions the server offers, and those the client's Initials used, go
 * on the line; one listing the client's own version is discarded, as a
 * client must, RFC 9000 6.2),
 * CONNECTION_CLOSE in an Initial (19.19; a TLS alert is the error code
 * 0x0100 + alert, RFC 9001 4.8), Handshake packets (their presence only:
 * they are protected with keys the observer lacks).
 *
 * The outcome: established once the ServerHello was read and both sides have
 * sent Handshake packets; alert when a CONNECTION_CLOSE carries a TLS alert;
 * incomplete otherwise (decided when the flow ends).
 *
 * References: RFC 9000 (transport: 12.2 coalescing, 16 varints, 17.2 long
 * header, 19 frames), RFC 9001 (TLS over QUIC), RFC 9369 (v2 packet types),
 * draft-ietf-quic-transport-22..34 (the same long header as v1).
 */
#ifndef TLSSCOPE_QUIC_H
#define TLSSCOPE_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bufpool.h"
#include "common/span.h"
#include "dissect/conn.h"
#include "dissect/dtls_quic.h"
#include "dissect/quic_crypto.h"
#include "dissect/report.h"
#include "dissect/tls_handshake.h"

/* CRYPTO data kept per direction: the Initial space carries only the
 * ClientHello (a few KB even with post-quantum key shares) and the
 * ServerHello (or a HelloRetryRequest and a second pair). */
#define QUIC_CRYPTO_MAX (32u * 1024u)
/* Disjoint pieces of CRYPTO data held at once; real clients send a handful
 * (Chrome splits its hello into up to a dozen frames). */
#define QUIC_CRYPTO_RANGES 32
/* Datagrams of an accepted flow that may pass without a ClientHello before
 * it is given up as not QUIC (or QUIC we cannot read). */
#define QUIC_GIVE_UP_DATAGRAMS 32

struct quic_stats {
    uint64_t datagrams;          /* datagrams of accepted QUIC flows */
    uint64_t initials;           /* Initial packets seen */
    uint64_t decrypted;          /* Initial packets whose protection was removed */
    uint64_t undecryptable;      /* Initial packets that did not open (keys unknown, damaged) */
    uint64_t malformed;          /* packets or frames that did not parse */
    uint64_t crypto_dropped;     /* CRYPTO pieces beyond QUIC_CRYPTO_MAX or the range table */
    uint64_t retries;            /* Retry packets */
    uint64_t version_negotiations;       /* taken: answering the client's Initial */
    uint64_t version_negotiations_ignored; /* listing the client's version, late, repeated or malformed */
    uint64_t connection_closes;  /* CONNECTION_CLOSE frames read in Initials */
    uint64_t given_up;           /* flows given up without a ClientHello */
    uint64_t reopen_checks;      /* Initials decrypted to tell a new connection on a decided 4-tuple */
};

struct quic_crypto_stream {
    uint8_t *buf;                /* bufpool buffer, NULL until data comes */
    size_t cap;
    uint32_t used;               /* highest byte offset written + 1 */
    uint32_t delivered;          /* bytes handed on as whole messages */
    bool begun;                  /* the message at `delivered` had its header announced */
    bool dropped;                /* some CRYPTO data could not be kept */
    uint8_t nranges;
    struct dq_range range[QUIC_CRYPTO_RANGES]; /* sorted, disjoint, not adjacent */
};

/* Per connection; quic_begin initialises it. */
struct quic_conn {
    struct tls_report report;
    struct tls_handshake hs;
    uint32_t version;            /* of the keys in `keys` */
    uint32_t client_hello_version; /* the Initial that completed the first ClientHello */
    bool keys_ok;
    struct quic_keys keys[2];    /* DIR_C2S, DIR_S2C */
    int64_t largest_pn[2];       /* for packet number recovery, -1 before any */
    struct quic_crypto_stream crypto[2];
    bool server_initial_seen;
    bool handshake_seen[2];      /* Handshake packets per direction */
    bool retry_seen;
    bool version_negotiation_seen; /* one was taken (quic_versions in report.server) */
    /* The versions of the client's Initials, in the order it used them
     * (reported only after a Version Negotiation). */
    uint32_t client_versions[TLS_QUIC_VERSIONS_MAX];
    uint8_t client_versions_n;
    bool closed;                 /* a CONNECTION_CLOSE was read */
    uint32_t datagrams;
    uint32_t dcid_note;          /* dq_note of the DCID the keys came from, 0 before keys */
};

struct quic_dissector {
    struct conn_dissector *d;    /* sink, notes, pool, line counter */
    struct quic_stats st;
};

/* Could this first datagram of a UDP flow open a QUIC connection: a long
 * header packet with the fixed bit and a version we can read, or a version
 * reserved to force version negotiation (RFC 9000 15)? */
bool quic_sniff(struct span datagram);

void quic_begin(struct quic_dissector *q, struct quic_conn *c);

/* One datagram of direction `dir`. CONN_DONE once the line was written (or
 * the flow was given up). */
enum conn_verdict quic_datagram(struct quic_dissector *q, struct quic_conn *c, struct conn_meta *meta, int dir,
                                struct span datagram);

/* The flow ended undecided: the line, if a hello was seen. */
void quic_close(struct quic_dissector *q, struct quic_conn *c, struct conn_meta *meta, enum conn_reason reason);

/* Frees the CRYPTO buffers. */
void quic_end(struct quic_dissector *q, struct quic_conn *c);

/* Does this client datagram, on a 4-tuple whose QUIC connection is decided
 * (`note`: dq_note of the DCID its keys came from, 0 when it had none), open a new
 * connection? RFC 9000 7.2 and 17.2.2: a client's first Initial carries a
 * Destination Connection ID of its own choice (8 bytes at least), keys its
 * protection from it (RFC 9001 5.2), and fills a datagram of at least 1200
 * bytes (14.1). Late packets of the old connection fail it cheaply: short
 * headers, Handshake packets, small datagrams; its Initials either carry the
 * same DCID (a retransmitted ClientHello) or the server's chosen one, whose
 * keys do not open them. Only a candidate past those checks is decrypted.
 * A long header in a reserved version (RFC 9000 15: a client forcing
 * Version Negotiation) with another DCID opens one too, undecrypted. */
bool quic_reopens(struct quic_dissector *q, struct span datagram, uint32_t note);

/* RFC 9000 16: a variable-length integer; poisons `s` when cut short. */
uint64_t quic_varint(struct span *s);

#endif
