/* mock_cluster.c - a Kafka cluster for the tests: librdkafka's in-process
 * mock (rd_kafka_mock, the real Kafka protocol on a loopback port, no JVM),
 * driven from standard input so a shell test can take its brokers away and
 * bring them back.
 *
 * usage: kafka_mock_cluster BROKERS PARTITIONS TOPIC...
 * Prints the bootstrap servers on one line, creates each topic, then reads
 * commands, one a line: "down" / "up" (every broker), "rtt MS" (every
 * broker answers that much later); it exits at end of input.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: kafka_mock_cluster BROKERS PARTITIONS TOPIC...\n");
        return 2;
    }
    int brokers = atoi(argv[1]), partitions = atoi(argv[2]);
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "kafka_mock_cluster: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "kafka_mock_cluster: cannot start the mock cluster\n");
        return 1;
    }
    for (int i = 3; i < argc; i++)
        rd_kafka_mock_topic_create(mc, argv[i], partitions, 1);
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    char line[128];
    while (fgets(line, sizeof line, stdin)) {
        for (int b = 1; b <= brokers; b++) {
            if (strncmp(line, "down", 4) == 0)
                rd_kafka_mock_broker_set_down(mc, b);
            else if (strncmp(line, "up", 2) == 0)
                rd_kafka_mock_broker_set_up(mc, b);
            else if (strncmp(line, "rtt ", 4) == 0)
                rd_kafka_mock_broker_set_rtt(mc, b, atoi(line + 4));
        }
        printf("ok\n");
        fflush(stdout);
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
