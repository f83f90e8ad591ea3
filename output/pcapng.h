/* pcapng.h - writes the capture back as pcapng (draft-ietf-opsawg-pcapng):
 * every frame as it was read, the frames that carried a handshake message or
 * decided a connection with comments (opt_comment) saying what tlsscope made
 * of them. Wireshark shows them in the packet list ("pkt_comment" /
 * frame.comment) and can filter on them.
 *
 * The writer is handed frames (bytes, lengths, time) by cli/ and never looks
 * inside them. Comments are UTF-8 text, as the format requires: callers pass
 * text made by output/packet_notes.h, which repairs whatever came from the
 * wire.
 *
 * One section; one Interface Description Block per distinct (link type,
 * snaplen), so several input files of different link types go into one
 * output. Timestamps are microseconds (the default if_tsresol).
 */
#ifndef TLSSCOPE_PCAPNG_H
#define TLSSCOPE_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_MAX_INTERFACES 16

struct pcapng_writer {
    FILE *out;
    uint32_t interfaces;
    int linktype[PCAPNG_MAX_INTERFACES];   /* LINKTYPE_ values */
    uint32_t snaplen[PCAPNG_MAX_INTERFACES];
    uint64_t packets;
    uint64_t comments;
    uint64_t write_errors;
};

/* Writes the Section Header Block to `out` (which the caller opened and
 * closes). `app` names the writing application (shb_userappl). */
void pcapng_begin(struct pcapng_writer *w, FILE *out, const char *app);

/* The interface id for frames of libpcap link type `dlt` (a DLT_ value, as
 * pcap_datalink() gives it) and `snaplen`, writing its Interface Description
 * Block the first time. -1 when PCAPNG_MAX_INTERFACES are in use. */
int pcapng_interface(struct pcapng_writer *w, int dlt, uint32_t snaplen);

/* One comment of a packet: `len` bytes of UTF-8 text, no NUL. */
struct pcapng_comment {
    const char *text;
    uint16_t len;
};

/* Writes one Enhanced Packet Block. */
void pcapng_packet(struct pcapng_writer *w, uint32_t interface_id, uint64_t ts_us, const uint8_t *data,
                   uint32_t caplen, uint32_t wire_len, const struct pcapng_comment *comments, size_t ncomments);

/* The pcapng LINKTYPE_ value of a libpcap DLT_ value (they differ for a few
 * link types, raw IP among them). */
int pcapng_linktype(int dlt);

#endif
