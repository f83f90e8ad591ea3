/* dtls_quic.h - what the two handshakes over UDP (dissect/quic.h,
 * dissect/dtls.h) share: the set of byte ranges a message reassembled by
 * offset has received (CRYPTO frames, DTLS handshake fragments), the
 * accounting of each step of the handshake state machine, and the line.
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

/* The report finished (tls_hs_finish, `truncated`) and written, with
 * network.protocol `protocol` and event.reason `reason`. */
void dq_emit(struct conn_dissector *d, const struct tls_handshake *h, struct tls_report *r, struct conn_meta *meta,
             const char *protocol, enum conn_reason reason);

#endif
