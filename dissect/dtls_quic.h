/* dtls_quic.h - what the two handshakes over UDP (dissect/quic.h,
 * dissect/dtls.h) share: the set of byte ranges a message reassembled by
 * offset has received (CRYPTO frames, DTLS handshake fragments), the
 * accounting of each step of the handshake state machine, the line, and
 * the note that tells a new connection on a decided 4-tuple from the old.
 */
#ifndef TLSSCOPE_DTLS_QUIC_H
#define TLSSCOPE_DTLS_QUIC_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/conn.h"

/* A range [start, end) of bytes received. */
struct dq_range {
    uint32_t start, end;
};

/* Records [start, end) in the `*n` sorted, disjoint, non-adjacent ranges of
 * r[cap], merging what it overlaps or touches. False (nothing changed) when
 * it touches none and the array is full. */
bool dq_ranges_add(struct dq_range *r, uint8_t *n, uint8_t cap, uint32_t start, uint32_t end);

/* A hash of what identifies a connection once its line is written (QUIC:
 * the client's first DCID; DTLS: the ClientHello's random), kept in the
 * flow's tombstone (flow.consumer_note); never 0, which means "none". Two
 * values of one 4-tuple colliding only makes a new connection look old. */
uint32_t dq_note(struct span bytes);

/* The report finished (tls_hs_finish, `truncated`) and written, with
 * network.protocol `protocol` and event.reason `reason`. */
void dq_emit(struct conn_dissector *d, const struct tls_handshake *h, struct tls_report *r, struct conn_meta *meta,
             const char *protocol, enum conn_reason reason);

#endif
