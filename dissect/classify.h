/* classify.h - application-protocol classification with nDPI (libndpi).
 *
 * nDPI is fed the first packets of a connection (as IP packets) until it
 * decides, or until CLASSIFY_MAX_PACKETS, when we ask it for its best guess;
 * its per-flow state (about 700 bytes) is then returned to a free list at
 * once, so only connections still being classified hold one.
 */
#ifndef TLSSCOPE_CLASSIFY_H
#define TLSSCOPE_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/span.h"

#define CLASSIFY_MAX_PACKETS 16

struct classifier;
struct ndpi_flow_struct;

/* Per-connection classification state. */
struct classify_flow {
    struct ndpi_flow_struct *ndpi;  /* NULL before the first packet and after the decision */
    bool decided;
    uint8_t packets;
    uint16_t master_protocol;       /* nDPI ids; 0 = unknown */
    uint16_t app_protocol;
};

struct classify_stats {
    uint64_t flows;                 /* connections classification started for */
    uint64_t decided;               /* nDPI named a protocol */
    uint64_t gave_up;               /* CLASSIFY_MAX_PACKETS reached or the flow ended first */
    uint64_t packets;               /* packets handed to nDPI */
    uint64_t by_server_name;        /* implicit TLS classified by SNI/IP, without packets */
    uint64_t states_allocated;      /* nDPI flow states ever malloc'd (the pool's size) */
};

struct classifier *classifier_new(void);
void classifier_free(struct classifier *c);

/* One IP packet (from the IP header) of the connection. */
void classify_packet(struct classifier *c, struct classify_flow *f, struct span ip_packet, uint64_t ts_us);

/* Classifies a connection that carries TLS from its first byte without
 * feeding nDPI its packets: nDPI would parse the ClientHello a second time
 * (in nDPI 4.2 that costs more than all of tlsscope's own work per
 * connection), so it is asked only what it adds: which application the
 * server name (SNI), else the server's IPv4 address, belongs to, through its
 * host-name automaton and IP lists. */
void classify_tls(struct classifier *c, struct classify_flow *f, const uint8_t *sni, size_t sni_len,
                  int ip_version, const uint8_t server_ip[16]);

/* Ends classification (connection decided or closed): takes nDPI's guess if
 * it had none, and releases the nDPI state. */
void classify_finish(struct classifier *c, struct classify_flow *f);

/* nDPI's name for the result ("TLS.Google", "IMAPS"), or NULL when unknown. */
const char *classify_application(struct classifier *c, const struct classify_flow *f, char *buf, size_t len);

/* The ECS network.protocol value (lowercase application protocol inside or
 * around TLS: "imap" for IMAPS), or NULL when nDPI does not know one. */
const char *classify_protocol(const struct classify_flow *f);

const struct classify_stats *classifier_stats(const struct classifier *c);

#endif
