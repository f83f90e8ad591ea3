/* dtls.h - the cleartext handshake of a DTLS association (RFC 6347 for
 * DTLS 1.0 and 1.2, the cleartext part of RFC 9147 for DTLS 1.3, and
 * OpenSSL's pre-RFC 0x0100 that Cisco AnyConnect still speaks), fed one UDP
 * datagram at a time and handed to the same handshake state machine as TLS
 * over TCP (dissect/tls_handshake.h).
 *
 * A datagram holds one or more records, each with its epoch and sequence
 * number (RFC 6347 4.1); only epoch 0 is cleartext. Handshake messages carry
 * their own 12-byte header (4.2.2): message_seq, fragment_offset and
 * fragment_length, so one message may be cut into fragments across records
 * and datagrams, in any order, repeated by retransmission; they are
 * reassembled by offset and each message is handed on once. A ClientHello
 * carries a cookie between session_id and cipher_suites (4.2.1); it is taken
 * out so the TLS hello parser reads the rest. A HelloVerifyRequest starts
 * the client over: the ClientHello that answers it, with the cookie, is the
 * one the line reports (and that a cookie exchange happened).
 *
 * A DTLS 1.3 record with the unified header (RFC 9147 4: first bits 001) is
 * always encrypted: it counts as such and is not read.
 */
#ifndef TLSSCOPE_DTLS_H
#define TLSSCOPE_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"
#include "dissect/conn.h"
#include "dissect/dtls_quic.h"
#include "dissect/report.h"
#include "dissect/tls_handshake.h"

/* Handshake messages being reassembled at once per direction: a flight is a
 * handful of messages (ServerHello, Certificate, ServerKeyExchange,
 * CertificateRequest, ServerHelloDone). */
#define DTLS_PARTIAL_MESSAGES 6
/* Disjoint pieces of one message held at once: a certificate chain cut to a
 * path MTU is a few fragments, and only reordering keeps them apart. Kept
 * small so an association's state is no larger than a TCP connection's (the
 * two share the flow table's attachment slots). */
#define DTLS_FRAGMENT_RANGES 8
/* Largest handshake message reassembled (a long certificate chain fits). */
#define DTLS_MAX_MESSAGE (256u * 1024u)
/* Datagrams an accepted flow may pass without a ClientHello or ServerHello
 * before it is given up. */
#define DTLS_GIVE_UP_DATAGRAMS 32

struct dtls_stats {
    uint64_t datagrams;          /* datagrams of accepted DTLS flows */
    uint64_t records;            /* records read */
    uint64_t encrypted_records;  /* records of a later epoch or with the unified header */
    uint64_t malformed;          /* records or handshake fragments that did not parse */
    uint64_t fragments;          /* handshake fragments that were not a whole message */
    uint64_t retransmissions;    /* messages already handed on, seen again */
    uint64_t dropped;            /* fragments not kept (table full, too large, budget) */
    uint64_t cookie_exchanges;   /* HelloVerifyRequests */
    uint64_t other;              /* datagrams of another protocol on the flow (STUN, RTP: RFC 7983) */
    uint64_t given_up;
};

struct dtls_partial {
    bool used;
    uint8_t type;
    uint16_t seq;
    uint16_t record_version;
    uint32_t len;
    uint8_t *buf;                /* bufpool buffer of `len` bytes */
    size_t cap;
    uint8_t nranges;
    struct dq_range range[DTLS_FRAGMENT_RANGES];
};

struct dtls_dir {
    uint64_t delivered;          /* bit s: message_seq s (< 64) was handed on */
    uint16_t hvr_generation;     /* delivered is per ClientHello round (cleared after a HelloVerifyRequest) */
    struct dtls_partial partial[DTLS_PARTIAL_MESSAGES];
};

/* Per association; dtls_begin initialises it. */
struct dtls_conn {
    struct tls_report report;
    struct tls_handshake hs;
    struct dtls_dir dir[2];
    bool cookie_exchange;        /* a HelloVerifyRequest came */
    uint32_t random_note;        /* dq_note of the ClientHello's random, 0 before one */
    uint32_t datagrams;
};

struct dtls_dissector {
    struct conn_dissector *d;
    struct dtls_stats st;
};

/* What a first datagram says: not DTLS (0), a DTLS record from the client
 * (+1: a ClientHello), from the server (-1: a ServerHello or
 * HelloVerifyRequest), or a DTLS record whose sender cannot be told (2). */
int dtls_sniff(struct span datagram);

void dtls_begin(struct dtls_dissector *x, struct dtls_conn *c);

/* Does this datagram, on a 4-tuple whose DTLS association is decided
 * (`note`: dq_note of its ClientHello's random, 0 when none was seen), open
 * a new one? RFC 6347 4.2.8 (and RFC 9147 5.8 for 1.3): a ClientHello in
 * epoch 0 with message_seq 0 on an established association is a client
 * that lost its state starting over, to be handled as a new handshake. Its
 * random tells it from the old association's retransmitted hello, and from
 * the hello answering a HelloVerifyRequest, which repeats the random (RFC
 * 6347 4.2.1). Records of a later epoch (the old association's traffic) and
 * other protocols sharing the flow (SRTP, STUN) fail on their first bytes. */
bool dtls_reopens(struct span datagram, uint32_t note);

/* One datagram of direction `dir`: CONN_DONE once the line was written (or
 * the flow given up). */
enum conn_verdict dtls_datagram(struct dtls_dissector *x, struct dtls_conn *c, struct conn_meta *meta, int dir,
                                struct span datagram);

/* The flow ended undecided: the line, if a hello was seen. */
void dtls_close(struct dtls_dissector *x, struct dtls_conn *c, struct conn_meta *meta, enum conn_reason reason);

/* Frees the reassembly buffers. */
void dtls_end(struct dtls_dissector *x, struct dtls_conn *c);

#endif
