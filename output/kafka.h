/* kafka.h - each JSON line as a Kafka message (librdkafka), for many sensors
 * feeding one place (Logstash, Vector, ClickHouse, Elasticsearch connectors).
 *
 * The capture never waits for Kafka. librdkafka's own queue is the bound
 * (queue.buffering.max.messages); a line that finds it full is not waited
 * for: it is written to the spool file when there is one (and produced again
 * later, once a delivery succeeded, i.e. the brokers are back), else counted
 * as lost. A message the brokers never acknowledged (message.timeout.ms, or
 * still queued when the shutdown's flush time ran out) is a delivery error,
 * spooled or lost the same way. Every outcome is a counter in --stats.
 *
 * Messages are keyed by the true client's address (client.ip), so one client's
 * lines stay in order on one partition. The --stats record goes to a topic of
 * its own, TOPIC.stats.
 */
#ifndef TLSSCOPE_KAFKA_H
#define TLSSCOPE_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dissect/report.h"

#define KAFKA_OPTIONS_MAX 32
#define KAFKA_DEFAULT_QUEUE 100000u     /* messages in librdkafka's queue at most */
#define KAFKA_DEFAULT_FLUSH_MS 5000u    /* the shutdown's flush waits at most this long */

struct kafka_config {
    const char *brokers;               /* bootstrap.servers */
    const char *topic;
    const char *options[KAFKA_OPTIONS_MAX]; /* "key=value" librdkafka properties (TLS, SASL, ...) */
    unsigned n_options;
    const char *spool_path;            /* lines the queue could not take; NULL: they are lost */
    uint32_t queue_messages;           /* 0: KAFKA_DEFAULT_QUEUE */
    uint32_t flush_ms;                 /* 0: KAFKA_DEFAULT_FLUSH_MS */
    FILE *copy;                        /* also write each line here (-w); NULL: none */
};

struct kafka_stats {
    uint64_t lines;                    /* lines handed to the sink */
    uint64_t queued;                   /* accepted into the queue (spool replays included) */
    uint64_t delivered;                /* acknowledged by the brokers */
    uint64_t queue_full;               /* refused at once: the queue was full */
    uint64_t delivery_errors;          /* not acknowledged: timed out, refused, or purged at shutdown */
    uint64_t spooled;                  /* written to the spool file */
    uint64_t spool_replayed;           /* read back from the spool and queued */
    uint64_t spool_errors;             /* spool reads or writes that failed (the line is lost) */
    uint64_t lost;                     /* neither delivered nor spooled */
    uint64_t dropped;                  /* did not fit the line buffer (should stay 0) */
    uint64_t copy_write_errors;        /* -w copy */
};

struct kafka_sink;

/* Creates the producer (nothing is sent yet). NULL and a message in err for a
 * bad property, an unopenable spool. */
struct kafka_sink *kafka_open(const struct kafka_config *cfg, char *err, size_t errlen);

/* A conn_sink's emit: formats the line, copies it, produces it; never waits. */
void kafka_emit(void *sink, const struct conn_meta *m, const struct tls_report *r);

/* Serves delivery reports and replays the spool when the brokers took a
 * message since the last error; never waits. kafka_emit calls it too. */
void kafka_poll(struct kafka_sink *k);

/* Produces one record on TOPIC.stats (no key). */
void kafka_produce_stats(struct kafka_sink *k, const char *json, size_t n);

/* Waits at most the flush time for the queue (spool replays included) to
 * be delivered; what is left is purged and spooled or counted lost. */
void kafka_flush(struct kafka_sink *k);

const struct kafka_stats *kafka_stats(const struct kafka_sink *k);

/* Writes the counters as the "kafka" member of the --stats object. */
struct json_writer;
void kafka_stats_json(void *sink, struct json_writer *w);

/* kafka_flush, then frees; the spool file keeps what was not sent. */
void kafka_close(struct kafka_sink *k);

#endif
