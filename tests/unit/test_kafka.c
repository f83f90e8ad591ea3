/* test_kafka.c - output/kafka.c against librdkafka's in-process mock
 * cluster (rd_kafka_mock: the Kafka protocol on a loopback port).
 *
 * Covers: lines keyed by the client's address, equal to the -w copy; a full
 * queue refuses at once (counted queue_full and lost, never waited for);
 * unacknowledged lines become delivery errors at message.timeout.ms; a
 * spool left by an earlier run is replayed first, in order, its cut last
 * line skipped and counted, and the file emptied; a bad property is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/kafka.h"

struct fixture {
    rd_kafka_t *host;            /* owns the mock cluster */
    rd_kafka_mock_cluster_t *mc;
    const char *brokers;
    char spool[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    f->host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(f->host);
    f->mc = rd_kafka_mock_cluster_new(f->host, 1);
    assert_non_null(f->mc);
    f->brokers = rd_kafka_mock_cluster_bootstraps(f->mc);
    rd_kafka_mock_topic_create(f->mc, "lines", 1, 1);
    rd_kafka_mock_topic_create(f->mc, "lines.stats", 1, 1);
    snprintf(f->spool, sizeof f->spool, "/tmp/test_kafka_spool.%d", (int)getpid());
    unlink(f->spool);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rd_kafka_mock_cluster_destroy(f->mc);
    rd_kafka_destroy(f->host);
    unlink(f->spool);
    free(f);
    return 0;
}

/* Consumes `want` messages from partition 0 of "lines" (waiting at most
 * 20 s for them: a bound, not a measurement); returns how many came. */
static int consume(struct fixture *f, int want, char keys[][64], char payloads[][1024])
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", f->brokers, err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "test_kafka", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    assert_non_null(c);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, "lines", 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(c, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(parts);
    int got = 0;
    for (int tries = 0; tries < 200 && got < want; tries++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (!m)
            continue;
        if (!m->err) {
            snprintf(keys[got], 64, "%.*s", (int)m->key_len, (const char *)m->key);
            snprintf(payloads[got], 1024, "%.*s", (int)m->len, (const char *)m->payload);
            got++;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return got;
}

static void meta_for(struct conn_meta *m, uint8_t last_octet)
{
    memset(m, 0, sizeof *m);
    m->ip_version = 4;
    uint8_t c[4] = { 192, 0, 2, last_octet }, s[4] = { 198, 51, 100, 1 };
    memcpy(m->client_ip, c, 4);
    memcpy(m->server_ip, s, 4);
    m->client_port = 40000;
    m->server_port = 443;
    m->first_ts_us = m->last_ts_us = 1700000000000000u;
}

static void test_lines_keyed_and_copied(void **state)
{
    struct fixture *f = *state;
    char copy_buf[4096] = { 0 };
    FILE *copy = fmemopen(copy_buf, sizeof copy_buf, "w");
    assert_non_null(copy);
    struct kafka_config cfg = { .brokers = f->brokers, .topic = "lines", .copy = copy, .flush_ms = 20000,
                                .options = { "log_level=0" }, .n_options = 1 };
    char err[256];
    struct kafka_sink *k = kafka_open(&cfg, err, sizeof err);
    assert_non_null(k);
    static struct tls_report r, proxied;
    /* The third line came through a load balancer: keyed by the true client. */
    proxied.context.proxy_has_client = true;
    proxied.context.proxy_version = 2;
    proxied.context.proxy_ip_version = 4;
    memcpy(proxied.context.proxy_client_ip, (const uint8_t[]){ 203, 0, 113, 9 }, 4);
    proxied.context.proxy_client_port = 51000;
    struct conn_meta m;
    for (uint8_t i = 1; i <= 3; i++) {
        meta_for(&m, i);
        kafka_emit(k, &m, i == 3 ? &proxied : &r);
    }
    kafka_flush(k);
    const struct kafka_stats *st = kafka_stats(k);
    assert_int_equal(st->lines, 3);
    assert_int_equal(st->queued, 3);
    assert_int_equal(st->delivered, 3);
    assert_int_equal(st->lost, 0);
    kafka_close(k);
    fclose(copy);

    char keys[4][64], payloads[4][1024];
    assert_int_equal(consume(f, 3, keys, payloads), 3);
    char *line = copy_buf;
    for (int i = 0; i < 3; i++) {
        char want[16];
        snprintf(want, sizeof want, "192.0.2.%d", i + 1);
        assert_string_equal(keys[i], i == 2 ? "203.0.113.9" : want);
        /* The message is the -w line without its newline. */
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_int_equal(strlen(payloads[i]), (size_t)(nl - line));
        assert_memory_equal(payloads[i], line, (size_t)(nl - line));
        line = nl + 1;
    }
}

static void test_brokers_down_queue_full_then_timeouts(void **state)
{
    struct fixture *f = *state;
    rd_kafka_mock_broker_set_down(f->mc, 1);
    struct kafka_config cfg = { .brokers = f->brokers, .topic = "lines", .queue_messages = 2, .flush_ms = 10000,
                                .options = { "message.timeout.ms=300", "log_level=0" }, .n_options = 2 };
    char err[256];
    struct kafka_sink *k = kafka_open(&cfg, err, sizeof err);
    assert_non_null(k);
    static struct tls_report r;
    struct conn_meta m;
    for (uint8_t i = 1; i <= 5; i++) {
        meta_for(&m, i);
        kafka_emit(k, &m, &r);
    }
    const struct kafka_stats *st = kafka_stats(k);
    /* Two fit the queue; three are refused at once, not waited for. */
    assert_int_equal(st->queued, 2);
    assert_int_equal(st->queue_full, 3);
    assert_int_equal(st->lost, 3);
    kafka_flush(k);
    assert_int_equal(st->delivery_errors, 2);
    assert_int_equal(st->delivered, 0);
    assert_int_equal(st->lost, 5);
    kafka_close(k);
    rd_kafka_mock_broker_set_up(f->mc, 1);
}

static void test_spool_replayed_in_order(void **state)
{
    struct fixture *f = *state;
    /* An earlier run's spool: two lines, and a third cut by a crash. */
    FILE *s = fopen(f->spool, "wb");
    assert_non_null(s);
    fputs("10.0.0.1\t{\"n\":1}\n10.0.0.2\t{\"n\":2}\n10.0.0.3\t{\"n\":", s);
    fclose(s);
    struct kafka_config cfg = { .brokers = f->brokers, .topic = "lines", .spool_path = f->spool,
                                .flush_ms = 20000, .options = { "log_level=0" }, .n_options = 1 };
    char err[256];
    struct kafka_sink *k = kafka_open(&cfg, err, sizeof err);
    assert_non_null(k);
    kafka_flush(k);
    const struct kafka_stats *st = kafka_stats(k);
    assert_int_equal(st->spool_replayed, 2);
    assert_int_equal(st->spool_errors, 1);
    assert_int_equal(st->delivered, 2);
    kafka_close(k);
    FILE *after = fopen(f->spool, "rb");
    assert_non_null(after);
    fseek(after, 0, SEEK_END);
    assert_int_equal(ftell(after), 0);   /* emptied once everything was sent */
    fclose(after);
    char keys[4][64], payloads[4][1024];
    assert_int_equal(consume(f, 2, keys, payloads), 2);
    assert_string_equal(keys[0], "10.0.0.1");
    assert_string_equal(payloads[0], "{\"n\":1}");
    assert_string_equal(keys[1], "10.0.0.2");
    assert_string_equal(payloads[1], "{\"n\":2}");
}

static void test_bad_option_refused(void **state)
{
    struct fixture *f = *state;
    struct kafka_config cfg = { .brokers = f->brokers, .topic = "lines", .options = { "no.such.property=1" },
                                .n_options = 1 };
    char err[256] = "";
    assert_null(kafka_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "--kafka-option no.such.property=1"));
    cfg.options[0] = "novalue";
    assert_null(kafka_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "not key=value"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines_keyed_and_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_brokers_down_queue_full_then_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spool_replayed_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_option_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
