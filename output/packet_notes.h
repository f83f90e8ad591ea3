/* packet_notes.h - the comments tlsscope puts on packets in its pcapng output
 * (--pcapng): one per handshake message the packet completed (ClientHello,
 * ServerHello, Certificate, ServerKeyExchange, CertificateRequest, the
 * client's Certificate, alert) and, on the packet that
 * decided the connection, the outcome and each finding. Every comment starts
 * with "tlsscope: ", so `frame.comment contains "tlsscope"` finds them in
 * Wireshark.
 *
 * Comments are UTF-8 without control characters whatever the wire held:
 * strings from the wire (server names, ALPN, certificate names) are shown as
 * JSON string literals, repaired and escaped by strbuf_quoted() (common/strbuf.h).
 */
#ifndef TLSSCOPE_PACKET_NOTES_H
#define TLSSCOPE_PACKET_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "dissect/report.h"
#include "dissect/conn.h"
#include "output/pcapng.h"

/* A comment holds the longest strings the report keeps even when every
 * byte needs a 6-byte escape (a 255-byte SNI and 256 bytes of ALPN; two
 * 255-byte distinguished names). */
#define PACKET_NOTES_MAX 12            /* comments on one packet */
#define PACKET_NOTE_MAX 4096u          /* bytes in one comment */
#define PACKET_NOTES_TEXT (16u * 1024u) /* bytes for all of one packet's comments */

/* The comments of the packet being processed. Comments that do not fit are
 * dropped (counted), never cut inside a character. */
struct packet_notes {
    size_t used;
    size_t count;
    uint64_t dropped;
    struct pcapng_comment comment[PACKET_NOTES_MAX];
    char text[PACKET_NOTES_TEXT];
};

void packet_notes_clear(struct packet_notes *n);

/* A handshake message was parsed into `r`. */
void packet_notes_message(struct packet_notes *n, enum tls_note what, const struct tls_report *r);

/* The connection was decided: its outcome, then one comment per finding. */
void packet_notes_decision(struct packet_notes *n, const struct conn_meta *m, const struct tls_report *r);

#endif
