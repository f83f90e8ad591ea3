/* accept.h - is a flow worth dissecting? Judged from the first bytes of
 * either direction, before the flow is given any dissector state.
 *
 * The flow table asks this of every flow's first payload (flow_consumer's
 * `accept`), so that only connections that can carry a TLS handshake cost a
 * session: plain HTTP, SSH, DNS over TCP and the rest are marked decided at
 * once, never compete with TLS sessions for slots, and never reach nDPI.
 * A direction's first bytes are YES when they can begin
 *   - a TLS record (RFC 8446 5.1, RFC 5246 6.2): content type 20-24, major
 *     version 3, minor 0-4, a length a record may have (tls_stream.h's
 *     tls_record_header_plausible, the rule the framing itself applies);
 *   - an SSLv2 record holding a CLIENT-HELLO (RFC 6101 E.1, the rule of
 *     tls_looks_like_sslv2_hello) or a SERVER-HELLO whose inner lengths add
 *     up to the record's;
 *   - a PROXY protocol header ("PROXY " or the 12-byte v2 signature);
 *   - a cleartext dialogue that may upgrade (starttls_sniff);
 *   - from the client only, a ClientHello record behind a prefix of none of
 *     these, within the first TLS_PREFIX_SCAN_MAX bytes (tls_find_hello;
 *     conn.c skips the prefix). The one rule that looks past the first
 *     ACCEPT_PREFIX_MAX bytes;
 *   - from the client only, a prefix written on its own, its hello in a
 *     later segment (the flow table joins what it holds with the next
 *     bytes, so the rule does not depend on where the segments were cut):
 *     bytes of none of these are NEED_MORE while fewer than
 *     ACCEPT_PREFIX_MAX, then YES when a handshake record carrying a
 *     ClientHello begins at offset 1 to ACCEPT_PREFIX_MAX - 3 of them,
 *     judged on what of its first ten bytes lies within ACCEPT_PREFIX_MAX
 *     (the content type, major version 3 and a minor version at least,
 *     then the length, the handshake type, the hello's major version).
 *     Its cost: a non-TLS client whose first payload is shorter than
 *     ACCEPT_PREFIX_MAX is decided on its next bytes (held by the flow
 *     table, never a session): over the golden captures (--stats) 3 more
 *     flows were held, none more accepted, 2 fewer rejected (they ended
 *     while held). No larger hold for it: a prefix of 14 bytes or more
 *     sent alone is not followed.
 * NEED_MORE while the bytes are a strict prefix of one of these, NO
 * otherwise. The judgement is never stricter than the dissector's own: a
 * flow it would report on is always accepted.
 */
#ifndef TLSSCOPE_ACCEPT_H
#define TLSSCOPE_ACCEPT_H

#include <stdint.h>

#include "common/span.h"

/* Ordered: the verdict over several rules is the largest. */
enum accept_verdict {
    ACCEPT_NO = 0,
    ACCEPT_NEED_MORE,
    ACCEPT_YES,
};

/* Bytes after which no rule still says NEED_MORE (the PROXY v2 signature
 * takes 12, the longest dialogue opening starttls recognises 16). */
#define ACCEPT_PREFIX_MAX 16

/* `first`: the first bytes of direction `dir` (DIR_C2S or DIR_S2C) of the
 * stream, in order; `server_port`: the TCP server's port. */
enum accept_verdict accept_first_bytes(int dir, struct span first, uint16_t server_port);

#endif
