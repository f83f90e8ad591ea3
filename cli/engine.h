/* engine.h - wires the stages together: capture -> decode -> flow table
 * (TCP reassembly) -> TLS dissection -> JSON writer. No protocol logic lives
 * here; it owns the objects and routes frames and counters.
 */
#ifndef TLSSCOPE_ENGINE_H
#define TLSSCOPE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/decode.h"
#include "capture/ip_reasm.h"
#include "capture/source.h"
#include "common/bufpool.h"
#include "dissect/conn.h"
#include "dissect/dtls.h"
#include "dissect/quic.h"
#include "flows/flow_table.h"
#include "output/conn_json.h"
#include "output/json.h"
#include "output/packet_notes.h"
#include "output/pcapng.h"

#define TLSSCOPE_VERSION "0.1.0"

struct engine_config {
    uint32_t max_flows;
    uint32_t max_sessions;
    uint64_t buffer_budget;      /* bytes for reassembly and split messages */
    uint32_t max_message;        /* --max-message: largest handshake message kept whole; 0: TLS_MAX_KEPT_MESSAGE */
    uint32_t idle_timeout_s;
    FILE *out;
    bool no_classify;            /* skip nDPI classification (network.protocol from ports only) */
    FILE *pcapng;                /* --pcapng: every frame written back, handshake frames commented; NULL: off */
    uint32_t cert_cache_entries; /* --cert-cache: decoded leaf certificates kept; 0: none */
    uint64_t cert_cache_bytes;   /* for their DER copies; 0: 4 KiB an entry */
    const struct json_filter *fields; /* --fields/--brief: members of each line (NULL: all) */
    struct inventory *inventory; /* --inventory: rows fed each line (NULL: none); the caller owns it */
    void (*tick)(void *ctx);     /* called every few thousand frames (progress); NULL: none */
    void *tick_ctx;
    const char *ca_file;         /* --ca-file: check server chains against it ("system": the system bundle); NULL: no check */
    struct conn_sink line_sink;  /* where finished connections go instead of the JSON writer on `out`
                                    (--format zeek, --kafka); .emit NULL: the JSON writer */
    void (*stats_extra)(void *ctx, struct json_writer *w); /* more --stats members (--kafka); NULL: none */
    void *stats_extra_ctx;
};

struct engine {
    struct engine_config cfg;
    struct bufpool pool;         /* reassembly and split handshake messages */
    struct flow_table *flows;
    struct conn_dissector dissector;
    struct quic_dissector quic;  /* QUIC over UDP: shares the dissector's sink, pool and counters */
    struct dtls_dissector dtls;  /* DTLS over UDP: the same */
    struct conn_json_writer *writer;
    struct conn_sink lines;      /* the JSON writer, or cfg.line_sink */
    struct decode_stats decode;
    struct ip_reasm *reasm;      /* IP fragments, at every layer of every frame */
    int linktype;
    /* --pcapng output: the writer, the interface of the current source, the
     * comments gathered while the current frame is processed, and the
     * frame's decoded packet (NULL outside engine_frame), by which events of
     * other connections (an eviction the frame caused) are told apart. */
    struct pcapng_writer *pcapng;
    int pcapng_interface;
    struct packet_notes *notes;
    const struct pkt *current;
    uint64_t tick_frames;
    /* The live sources of engine_run_live (NULL otherwise): their counters
     * and link state go into the stats, so the caller keeps them open until
     * the last stats are written. */
    struct capture_source *const *live;
    int n_live;
};

/* Default configuration (see README "Memory"). */
void engine_defaults(struct engine_config *cfg);

int engine_init(struct engine *e, const struct engine_config *cfg);

/* Runs one source to its end; the link type is taken from it. */
enum capture_status engine_run(struct engine *e, struct capture_source *src, volatile sig_atomic_t *stop,
                               char *err, size_t errlen);

/* What engine_run_live hands back to the command line (any may be NULL). */
struct engine_live_hooks {
    void *ctx;
    /* Between two batches of frames, about every 100 ms, after the output
     * was flushed: reopening or rotating output files, periodic stats. */
    void (*tick)(void *ctx, uint64_t now_us);
    void (*link)(void *ctx, int index, bool up);
    void (*drops)(void *ctx, int index, const struct capture_counters *c);
};

/* Runs live sources together into the one flow table (capture_run_live)
 * until *stop or a failure (then its index in *failed, message in err). */
enum capture_status engine_run_live(struct engine *e, struct capture_source *const *srcs, int n,
                                    const struct engine_live_hooks *h, volatile sig_atomic_t *stop, int *failed,
                                    char *err, size_t errlen);

/* Processes one frame (used by engine_run and by the fuzz target). */
void engine_frame(struct engine *e, int linktype, const struct capture_frame *f);

/* Closes every open connection (their lines are written) and flushes output. */
void engine_finish(struct engine *e);

/* Writes the counters as one JSON object to `f`; with live sources it
 * includes "capture" (per interface: libpcap's counters, link changes) and
 * "process" (memory). */
void engine_print_stats(const struct engine *e, FILE *f);

/* The same counters as one JSON line of their own kind, for --stats-interval:
 * {"@timestamp":..., "event":{"kind":"metric","dataset":"tlsscope.stats",
 * "reason":REASON}, ...}; REASON is "interval" or "end"; with --workers,
 * "worker":N (from 0) says whose counters they are. Returns the bytes
 * written (0: the record did not fit or could not be written). */
size_t engine_write_stats_record(const struct engine *e, FILE *f, uint64_t now_us, const char *reason,
                                 int worker);

/* With --workers, each worker's engine: one object {"workers":[...]} of
 * engine_print_stats's objects, one per worker, in their order. */
void engine_print_stats_workers(const struct engine *const *es, int n, FILE *f);

/* Packets the live sources' kernels and interfaces dropped so far. */
uint64_t engine_capture_drops(const struct engine *e);

/* True when something was lost that the user should hear about. */
bool engine_had_loss(const struct engine *e);

void engine_free(struct engine *e);

#endif
