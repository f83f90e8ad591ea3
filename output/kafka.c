/* kafka.c - see kafka.h. librdkafka does the protocol, batching and
 * retries in its own threads; this module only decides what happens to a
 * line the queue cannot take or the brokers never acknowledged.
 */
#include "output/kafka.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/memo.h"
#include "common/strbuf.h"
#include "output/conn_json.h"
#include "output/json.h"

/* "key\tline\n" per spooled message: a JSON line never holds a raw tab. */
#define KAFKA_SPOOL_LINE_MAX (CONN_JSON_LINE_MAX + STRBUF_IP_MAX + 2)

struct kafka_sink {
    rd_kafka_t *rk;
    rd_kafka_topic_t *lines_topic, *stats_topic;
    struct kafka_config cfg;
    struct kafka_stats st;
    struct memo *memo;
    FILE *spool;
    long spool_read;             /* offset of the first line not yet replayed */
    bool spool_pending;          /* the spool holds lines past spool_read */
    bool brokers_up;             /* the last delivery report was a success (or none came yet) */
    int stats_marker;            /* msg_opaque of stats records: not lines, not spooled */
    char line[CONN_JSON_LINE_MAX];
    char spool_buf[KAFKA_SPOOL_LINE_MAX];
};

/* A line that will not reach the brokers from the queue: to the spool,
 * else lost. */
static void spool_or_lose(struct kafka_sink *k, const void *key, size_t key_len, const void *line, size_t n)
{
    if (!k->spool) {
        k->st.lost++;
        return;
    }
    /* Appending needs the stream at its end; replay reads from spool_read.
     * The line is stored with its newline (a message has none). */
    bool newline = n == 0 || ((const char *)line)[n - 1] != '\n';
    bool ok = fseek(k->spool, 0, SEEK_END) == 0 && fwrite(key, 1, key_len, k->spool) == key_len &&
              fputc('\t', k->spool) != EOF && fwrite(line, 1, n, k->spool) == n &&
              (!newline || fputc('\n', k->spool) != EOF) && fflush(k->spool) == 0;
    if (!ok) {
        k->st.spool_errors++;
        k->st.lost++;
        return;
    }
    k->st.spooled++;
    k->spool_pending = true;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    struct kafka_sink *k = opaque;
    if (msg->_private == &k->stats_marker)
        return;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        k->st.delivered++;
        k->brokers_up = true;
        return;
    }
    k->st.delivery_errors++;
    k->brokers_up = false;
    spool_or_lose(k, msg->key, msg->key_len, msg->payload, msg->len);
}

/* Hands one message to librdkafka without waiting: 0, or -1 when the queue
 * is full (the caller decides where the line goes). Other errors (an
 * unknown topic, a message over message.max.bytes) count as delivery
 * errors. */
static int produce(struct kafka_sink *k, const char *key, size_t key_len, const char *line, size_t n)
{
    if (rd_kafka_produce(k->lines_topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)line, n, key, key_len,
                         NULL) == 0) {
        k->st.queued++;
        return 0;
    }
    if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return -1;
    k->st.delivery_errors++;
    spool_or_lose(k, key, key_len, line, n);
    return 0;
}

/* Replays spooled lines while the brokers take messages and the queue has
 * room to spare for new lines (half of it). */
static void replay_spool(struct kafka_sink *k)
{
    int room = (int)(k->cfg.queue_messages / 2);
    while (k->spool_pending && k->brokers_up && rd_kafka_outq_len(k->rk) < room) {
        if (fseek(k->spool, k->spool_read, SEEK_SET) != 0) {
            k->st.spool_errors++;
            return;
        }
        if (!fgets(k->spool_buf, sizeof k->spool_buf, k->spool)) {
            /* Everything was replayed: start the file afresh. */
            if (ftruncate(fileno(k->spool), 0) != 0)
                k->st.spool_errors++;
            rewind(k->spool);
            k->spool_read = 0;
            k->spool_pending = false;
            return;
        }
        size_t n = strlen(k->spool_buf);
        char *tab = memchr(k->spool_buf, '\t', n);
        long next = ftell(k->spool);
        /* A spooled line is "key<TAB>{...}<LF>"; one cut by a crash or a full
         * disk lacks its closing brace: skipped, never sent half. */
        if (!tab || tab == k->spool_buf || n < 4 || k->spool_buf[n - 1] != '\n' || k->spool_buf[n - 2] != '}') {
            k->st.spool_errors++;
            k->spool_read = next;
            continue;
        }
        size_t key_len = (size_t)(tab - k->spool_buf);
        if (produce(k, k->spool_buf, key_len, tab + 1, n - key_len - 2) != 0) /* without tab and newline */
            return;  /* full again: the line stays for the next poll */
        k->st.spool_replayed++;
        k->spool_read = next;
    }
}

void kafka_poll(struct kafka_sink *k)
{
    rd_kafka_poll(k->rk, 0);
    if (k->spool_pending)
        replay_spool(k);
}

void kafka_emit(void *sink, const struct conn_meta *m, const struct tls_report *r)
{
    struct kafka_sink *k = sink;
    size_t n = conn_json_format(m, r, k->memo, k->line, sizeof k->line);
    k->st.lines++;
    if (n == 0) {
        k->st.dropped++;
        return;
    }
    if (k->cfg.copy && fwrite(k->line, 1, n, k->cfg.copy) != n)
        k->st.copy_write_errors++;
    /* The message is the line without its newline, as consumers expect. */
    char key[STRBUF_IP_MAX];
    struct strbuf kb;
    strbuf_init(&kb, key, sizeof key);
    /* client.ip: behind a load balancer the PROXY header's client, so the
     * lines spread over partitions by true client, not all on the balancer's. */
    if (r->context.proxy_has_client)
        strbuf_ip(&kb, r->context.proxy_ip_version, r->context.proxy_client_ip);
    else
        strbuf_ip(&kb, m->ip_version, m->client_ip);
    kafka_poll(k);
    /* Lines already spooled go first, so a client's lines keep their order
     * through the spool too. */
    if (k->spool_pending || produce(k, key, kb.len, k->line, n - 1) != 0) {
        if (!k->spool_pending)
            k->st.queue_full++;
        spool_or_lose(k, key, kb.len, k->line, n);
    }
}

void kafka_produce_stats(struct kafka_sink *k, const char *json, size_t n)
{
    if (n > 0 && json[n - 1] == '\n')
        n--;  /* a message is the record without its newline, as for lines */
    rd_kafka_produce(k->stats_topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)json, n, NULL, 0,
                     &k->stats_marker);
    rd_kafka_poll(k->rk, 0);
}

void kafka_flush(struct kafka_sink *k)
{
    /* The flush time is shared by the queue and the spool's replays. */
    const int step_ms = 100;
    for (uint32_t waited = 0; waited < k->cfg.flush_ms; waited += step_ms) {
        kafka_poll(k);
        if (rd_kafka_outq_len(k->rk) == 0 && (!k->spool_pending || !k->brokers_up))
            break;
        rd_kafka_poll(k->rk, step_ms);
    }
    /* What is still queued will not be waited for: purged, its delivery
     * reports (RD_KAFKA_RESP_ERR__PURGE_*) spool it or count it lost. */
    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(k->rk, 0);
}

const struct kafka_stats *kafka_stats(const struct kafka_sink *k)
{
    return &k->st;
}

#define KAFKA_STATS(X)                                                                                         \
    X("lines", s->lines) X("queued", s->queued) X("delivered", s->delivered) X("queue_full", s->queue_full)   \
    X("delivery_errors", s->delivery_errors) X("spooled", s->spooled) X("spool_replayed", s->spool_replayed)  \
    X("spool_errors", s->spool_errors) X("lost", s->lost) X("dropped", s->dropped)                           \
    X("copy_write_errors", s->copy_write_errors)
#define KAFKA_STATS_U64(name, value) json_u64(w, JSON_KEY(name), value);

void kafka_stats_json(void *sink, struct json_writer *w)
{
    const struct kafka_stats *s = &((struct kafka_sink *)sink)->st;
    json_object_begin(w, JSON_KEY("kafka"));
    KAFKA_STATS(KAFKA_STATS_U64)
    json_object_end(w);
}

static int set_property(rd_kafka_conf_t *conf, const char *key, const char *value, char *err, size_t errlen)
{
    char why[256];
    if (rd_kafka_conf_set(conf, key, value, why, sizeof why) == RD_KAFKA_CONF_OK)
        return 0;
    snprintf(err, errlen, "--kafka-option %s=%s: %s", key, value, why);
    return -1;
}

struct kafka_sink *kafka_open(const struct kafka_config *cfg, char *err, size_t errlen)
{
    struct kafka_sink *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->cfg = *cfg;
    if (!k->cfg.queue_messages)
        k->cfg.queue_messages = KAFKA_DEFAULT_QUEUE;
    if (!k->cfg.flush_ms)
        k->cfg.flush_ms = KAFKA_DEFAULT_FLUSH_MS;
    k->brokers_up = true;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char queue[16];
    snprintf(queue, sizeof queue, "%u", k->cfg.queue_messages);
    if (set_property(conf, "bootstrap.servers", cfg->brokers, err, errlen) != 0 ||
        set_property(conf, "queue.buffering.max.messages", queue, err, errlen) != 0)
        goto fail_conf;
    /* Properties from the command line come last, so they can change the
     * ones above (queue.buffering.max.messages too: any value is a bound). */
    for (unsigned i = 0; i < cfg->n_options; i++) {
        char kv[1024];
        snprintf(kv, sizeof kv, "%s", cfg->options[i]);
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            snprintf(err, errlen, "--kafka-option %s: not key=value", cfg->options[i]);
            goto fail_conf;
        }
        *eq = '\0';
        if (set_property(conf, kv, eq + 1, err, errlen) != 0)
            goto fail_conf;
    }
    /* The bound in force (an option may have set it), for the spool's
     * replays, which leave half of it to new lines. */
    size_t qlen = sizeof queue;
    if (rd_kafka_conf_get(conf, "queue.buffering.max.messages", queue, &qlen) == RD_KAFKA_CONF_OK)
        k->cfg.queue_messages = (uint32_t)strtoul(queue, NULL, 10);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, k);
    char why[512];
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!k->rk) {
        snprintf(err, errlen, "Kafka producer: %s", why);
        goto fail_conf;
    }
    char stats_topic[512];
    snprintf(stats_topic, sizeof stats_topic, "%s.stats", cfg->topic);
    k->lines_topic = rd_kafka_topic_new(k->rk, cfg->topic, NULL);
    k->stats_topic = rd_kafka_topic_new(k->rk, stats_topic, NULL);
    k->memo = conn_json_memo_new();
    if (!k->lines_topic || !k->stats_topic || !k->memo) {
        snprintf(err, errlen, "Kafka topic %s: %s", cfg->topic, rd_kafka_err2str(rd_kafka_last_error()));
        kafka_close(k);
        return NULL;
    }
    if (cfg->spool_path) {
        /* a+: appends at the end whatever the read position; what an earlier
         * run left is replayed first. */
        k->spool = fopen(cfg->spool_path, "a+b");
        if (!k->spool) {
            snprintf(err, errlen, "%s: cannot open the spool: %s", cfg->spool_path, strerror(errno));
            kafka_close(k);
            return NULL;
        }
        k->spool_pending = fseek(k->spool, 0, SEEK_END) == 0 && ftell(k->spool) > 0;
        /* A run that died while appending left a cut last line: end it, so
         * the next line appended starts a line of its own. */
        if (k->spool_pending && fseek(k->spool, -1, SEEK_END) == 0 && fgetc(k->spool) != '\n' &&
            (fseek(k->spool, 0, SEEK_END) != 0 || fputc('\n', k->spool) == EOF || fflush(k->spool) != 0))
            k->st.spool_errors++;
    }
    return k;
fail_conf:
    rd_kafka_conf_destroy(conf);
    free(k);
    return NULL;
}

void kafka_close(struct kafka_sink *k)
{
    if (!k)
        return;
    if (k->rk)
        kafka_flush(k);
    if (k->lines_topic)
        rd_kafka_topic_destroy(k->lines_topic);
    if (k->stats_topic)
        rd_kafka_topic_destroy(k->stats_topic);
    if (k->rk)
        rd_kafka_destroy(k->rk);
    if (k->spool)
        fclose(k->spool);
    memo_free(k->memo);
    free(k);
}
