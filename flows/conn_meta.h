/* conn_meta.h - what the flow stage knows about a connection: endpoints,
 * times, counters. Filled by flows/, read by dissect/ and output/.
 */
#ifndef TLSSCOPE_CONN_META_H
#define TLSSCOPE_CONN_META_H

#include <stdbool.h>
#include <stdint.h>

/* Why a line was written (SCHEMA.md event.reason). */
enum conn_reason {
    CONN_REASON_HANDSHAKE_DONE = 0,
    CONN_REASON_ALERT,
    CONN_REASON_RESET,
    CONN_REASON_FIN,
    CONN_REASON_IDLE_TIMEOUT,
    CONN_REASON_EVICTED,
    CONN_REASON_END_OF_INPUT,
    CONN_REASON_STARTTLS_REFUSED,
};

/* flow_key.transport and conn_meta.transport of a UDP flow (the IP protocol
 * number); TCP flows keep 0, so their keys and hashes are what they were. */
#define FLOW_TRANSPORT_UDP 17

/* Direction index used everywhere: 0 = client to server, 1 = server to client. */
enum { DIR_C2S = 0, DIR_S2C = 1 };

struct conn_meta {
    uint8_t ip_version;          /* 4 or 6 */
    uint8_t transport;           /* 0: TCP; FLOW_TRANSPORT_UDP (17): UDP (network.transport) */
    uint8_t client_ip[16];       /* TCP initiator (source.*), network order */
    uint8_t server_ip[16];       /* TCP responder (destination.*) */
    uint16_t client_port, server_port;
    uint64_t first_ts_us;        /* @timestamp */
    uint64_t last_ts_us;         /* event.end */
    uint64_t bytes[2];           /* TCP payload bytes per direction */
    uint64_t packets[2];         /* packets per direction */
    uint16_t vlan[2];            /* network.vlan.id, network.inner.vlan.id */
    uint8_t vlan_count;
    /* The outermost tunnel the connection was carried in, as the first
     * packet showed it: its name ("gre", "vxlan", ...; a static string, NULL
     * when none), outer addresses and identifier. */
    const char *tunnel_type;
    uint8_t tunnel_ip_version;
    bool tunnel_has_id;
    uint32_t tunnel_id;          /* GRE key, ERSPAN session, VNI, TEID */
    uint8_t tunnel_src[16];
    uint8_t tunnel_dst[16];
    bool client_inferred;        /* no SYN seen: client chosen by ClientHello or port */
    bool gap;                    /* bytes were missing from a stream (capture loss) */
    /* Who ended the connection first, by FIN or RST: "the underlying
     * connection was closed" says nothing of which side did it. */
    bool close_seen;
    uint8_t closed_by;           /* DIR_C2S or DIR_S2C, when close_seen */
    bool close_rst;              /* that first close was a RST (else a FIN) */
    /* The line is written because the connection is over (both FINs, a
     * reset, idle past the timeout, the end of the capture): the counts
     * above are its totals. Else they stop where the line was written. */
    bool ended;
    enum conn_reason reason;
};

#endif
