/* main.c - tlsscope's command line: parses options, opens sources, runs the
 * engine, reports errors. Exit status: 0 success, 1 an input could not be
 * read completely (unreadable, corrupt or truncated file, capture error),
 * 2 bad usage. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/engine.h"
#include "cli/report_cli.h"
#include "common/privs.h"
#include "output/kafka.h"
#include "output/zeek.h"

#define MAX_INPUTS 256

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tlsscope [-r FILE]... [-i IFACE] [-f FILTER] [-w OUT] [options]\n"
            "       tlsscope report [options] [INPUT]...   (tlsscope report --help)\n"
            "\n"
            "Reports every TLS handshake seen in a capture or on an interface as one JSON line.\n"
            "\n"
            "  -r FILE              read a pcap or pcapng file ('-' for standard input); repeatable,\n"
            "                       files are read in order as one capture\n"
            "  -i IFACE             capture live from an interface\n"
            "  -f FILTER            BPF filter expression (tcpdump syntax)\n"
            "  -w OUT               write JSON lines to OUT instead of standard output\n"
            "      --pcapng FILE    also write every frame read to FILE (pcapng), with comments\n"
            "                       on the frames that carried handshake messages or decided\n"
            "                       a connection\n"

            "  -s, --snaplen N      live capture: bytes kept per frame (default 65535)\n"
            "  -p, --no-promisc     live capture: do not put the interface in promiscuous mode\n"
            "  -B MIB               live capture: kernel capture buffer, MiB (default 64; note: tcpdump's\n"
            "                       -B counts KiB)\n"
            "  -Z USER              live capture: become USER once the interface and the output\n"
            "                       files are open (as tcpdump does)\n"
            "      --allow-root     live capture: keep running as root (refused without -Z otherwise)\n"
            "      --max-flows N    connections tracked at once (default 262144)\n"
            "      --max-sessions N connections under TLS inspection at once (default 12288)\n"
            "      --buffer-mb N    memory for out-of-order segments and split handshake\n"
            "                       messages, MiB (default 64)\n"
            "      --idle-timeout S seconds before an idle undecided connection is reported (default 60)\n"
            "      --no-ndpi        do not classify applications with nDPI (network.protocol then\n"
            "                       comes from the STARTTLS dialogue or the server port)\n"
            "      --cert-cache N   decoded leaf certificates remembered (default 1024, 4 KiB each;\n"
            "                       0: decode every one)\n"
            "      --stats          print counters as JSON to standard error at exit\n"
            "      --format F       json (default), zeek (Zeek's TSV ssl.log and x509.log in the\n"
            "                       directory -w names, ssl.log alone on standard output without -w)\n"
            "                       or zeek-json (the same in Zeek's JSON form)\n"
            "      --kafka BROKERS  produce each JSON line to Kafka (host:port,...), keyed by client\n"
            "                       address; with -w the file gets the lines too\n"
            "      --kafka-topic T  the topic (required with --kafka); --stats records go to T.stats\n"
            "      --kafka-option K=V  a librdkafka property (TLS, SASL, ...); repeatable\n"
            "      --kafka-spool F  lines the Kafka queue cannot take go to F and are sent later\n"
            "                       (without it they are counted lost in --stats)\n"
            "  -h, --help           this help\n"
            "  -V, --version        print the version\n");
}

/* Do two paths name one file (the same name, or the same inode)? */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0)
        return true;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static FILE *open_output(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fprintf(stderr, "tlsscope: %s: cannot write: %s\n", path, strerror(errno));
    return f;
}

static int parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
        fprintf(stderr, "tlsscope: %s: '%s' is not a whole number from %u to %u\n", opt, s, min, max);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return report_main(argc - 1, argv + 1);
    enum { OPT_MAX_FLOWS = 256, OPT_MAX_SESSIONS, OPT_BUFFER_MB, OPT_IDLE, OPT_STATS, OPT_NO_NDPI, OPT_PCAPNG,
           OPT_ALLOW_ROOT, OPT_CERT_CACHE, OPT_FORMAT, OPT_KAFKA,
           OPT_KAFKA_TOPIC, OPT_KAFKA_OPTION, OPT_KAFKA_SPOOL };
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "snaplen", required_argument, NULL, 's' },
        { "no-promisc", no_argument, NULL, 'p' },
        { "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
        { "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
        { "buffer-mb", required_argument, NULL, OPT_BUFFER_MB },
        { "idle-timeout", required_argument, NULL, OPT_IDLE },
        { "stats", no_argument, NULL, OPT_STATS },
        { "no-ndpi", no_argument, NULL, OPT_NO_NDPI },
        { "pcapng", required_argument, NULL, OPT_PCAPNG },
        { "allow-root", no_argument, NULL, OPT_ALLOW_ROOT },
        { "cert-cache", required_argument, NULL, OPT_CERT_CACHE },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "kafka", required_argument, NULL, OPT_KAFKA },
        { "kafka-topic", required_argument, NULL, OPT_KAFKA_TOPIC },
        { "kafka-option", required_argument, NULL, OPT_KAFKA_OPTION },
        { "kafka-spool", required_argument, NULL, OPT_KAFKA_SPOOL },
        { NULL, 0, NULL, 0 },
    };
    const char *inputs[MAX_INPUTS];
    int n_inputs = 0;
    const char *iface = NULL, *filter = NULL, *out_path = NULL, *pcapng_path = NULL, *run_as = NULL;
    bool stats = false, allow_root = false;
    uint32_t snaplen = 65535, buffer_mb = 64, kernel_buffer_mb = 64;
    bool promisc = true;
    int zeek_form = -1;          /* --format zeek / zeek-json: enum zeek_form */
    struct kafka_config kafka_cfg = { 0 };
    struct engine_config cfg;
    engine_defaults(&cfg);

    int ch;
    while ((ch = getopt_long(argc, argv, "r:i:f:w:s:pZ:B:hV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            if (n_inputs == MAX_INPUTS) {
                fprintf(stderr, "tlsscope: at most %d -r files\n", MAX_INPUTS);
                return 2;
            }
            inputs[n_inputs++] = optarg;
            break;
        case 'i': iface = optarg; break;
        case 'f': filter = optarg; break;
        case 'w': out_path = optarg; break;
        case 's':
            if (parse_u32("--snaplen", optarg, 64, 262144, &snaplen))
                return 2;
            break;
        case 'p': promisc = false; break;
        case 'Z': run_as = optarg; break;
        case 'B':
            if (parse_u32("-B", optarg, 1, 4096, &kernel_buffer_mb))
                return 2;
            break;
        case OPT_ALLOW_ROOT: allow_root = true; break;
        case OPT_MAX_FLOWS:
            if (parse_u32("--max-flows", optarg, 16, 1u << 26, &cfg.max_flows))
                return 2;
            break;
        case OPT_MAX_SESSIONS:
            if (parse_u32("--max-sessions", optarg, 16, 1u << 24, &cfg.max_sessions))
                return 2;
            break;
        case OPT_BUFFER_MB:
            if (parse_u32("--buffer-mb", optarg, 1, 65536, &buffer_mb))
                return 2;
            break;
        case OPT_IDLE:
            if (parse_u32("--idle-timeout", optarg, 1, 86400, &cfg.idle_timeout_s))
                return 2;
            break;
        case OPT_STATS: stats = true; break;
        case OPT_NO_NDPI: cfg.no_classify = true; break;
        case OPT_PCAPNG: pcapng_path = optarg; break;
        case OPT_CERT_CACHE:
            if (parse_u32("--cert-cache", optarg, 0, 65536, &cfg.cert_cache_entries))
                return 2;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") != 0 && (zeek_form = zeek_form_parse(optarg)) < 0) {
                fprintf(stderr, "tlsscope: --format: '%s' is not json, zeek or zeek-json\n", optarg);
                return 2;
            }
            break;
        case OPT_KAFKA: kafka_cfg.brokers = optarg; break;
        case OPT_KAFKA_TOPIC: kafka_cfg.topic = optarg; break;
        case OPT_KAFKA_SPOOL: kafka_cfg.spool_path = optarg; break;
        case OPT_KAFKA_OPTION:
            if (kafka_cfg.n_options == KAFKA_OPTIONS_MAX) {
                fprintf(stderr, "tlsscope: at most %d --kafka-option\n", KAFKA_OPTIONS_MAX);
                return 2;
            }
            kafka_cfg.options[kafka_cfg.n_options++] = optarg;
            break;
        case 'V': printf("tlsscope " TLSSCOPE_VERSION "\n"); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tlsscope: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if ((n_inputs == 0) == (iface == NULL)) {
        fprintf(stderr, "tlsscope: give either -r FILE or -i IFACE\n");
        usage(stderr);
        return 2;
    }
    if (run_as && !iface) {
        fprintf(stderr, "tlsscope: -Z is for live capture (-i)\n");
        return 2;
    }
    /* A sensor parses hostile traffic for months: it must not do so as root. */
    if (iface && !run_as && !allow_root && privs_is_root()) {
        fprintf(stderr, "tlsscope: refusing to capture as root: give -Z USER to drop privileges once the "
                        "interface is open (e.g. -Z nobody), or --allow-root\n");
        return 2;
    }
    if ((kafka_cfg.brokers != NULL) != (kafka_cfg.topic != NULL) ||
        (!kafka_cfg.brokers && (kafka_cfg.n_options || kafka_cfg.spool_path)) || (kafka_cfg.brokers && zeek_form >= 0)) {
        fprintf(stderr, "tlsscope: --kafka needs --kafka-topic (and carries the JSON lines, not --format zeek)\n");
        return 2;
    }
    cfg.buffer_budget = (uint64_t)buffer_mb << 20;
    if (cfg.max_sessions > cfg.max_flows)
        cfg.max_sessions = cfg.max_flows;

    /* Standard output carries the JSON lines; the capture needs a file of
     * its own, and must not overwrite what is being read. */
    if (pcapng_path && (strcmp(pcapng_path, "-") == 0 || (out_path && same_file(out_path, pcapng_path)))) {
        fprintf(stderr, "tlsscope: --pcapng needs a file of its own\n");
        return 2;
    }
    for (int i = 0; pcapng_path && i < n_inputs; i++) {
        if (same_file(inputs[i], pcapng_path)) {
            fprintf(stderr, "tlsscope: %s: --pcapng would overwrite an input\n", pcapng_path);
            return 2;
        }
    }
    static char out_buf[1 << 16], pcapng_buf[1 << 20];
    FILE *out = stdout;
    if (zeek_form < 0 && out_path && strcmp(out_path, "-") != 0 && !(out = open_output(out_path)))
        return 1;
    setvbuf(out, out_buf, _IOFBF, sizeof out_buf);
    cfg.out = out;
    static struct zeek_writer zeek;
    if (zeek_form >= 0) {
        char zerr[4200];
        if (zeek_writer_open(&zeek, out_path, (enum zeek_form)zeek_form, (uint64_t)time(NULL) * 1000000u, zerr,
                             sizeof zerr) != 0) {
            fprintf(stderr, "tlsscope: %s\n", zerr);
            return 1;
        }
        cfg.line_sink = (struct conn_sink){ &zeek, zeek_emit };
        cfg.stats_extra = zeek_stats_json;
        cfg.stats_extra_ctx = &zeek;
    }
    struct kafka_sink *kafka = NULL;
    if (kafka_cfg.brokers) {
        char kerr[1200];
        kafka_cfg.copy = out_path ? out : NULL;
        if (!(kafka = kafka_open(&kafka_cfg, kerr, sizeof kerr))) {
            fprintf(stderr, "tlsscope: %s\n", kerr);
            return 2;
        }
        cfg.line_sink = (struct conn_sink){ kafka, kafka_emit };
        cfg.stats_extra = kafka_stats_json;
        cfg.stats_extra_ctx = kafka;
    }
    FILE *pcapng = NULL;
    if (pcapng_path) {
        if (!(pcapng = open_output(pcapng_path)))
            return 1;
        setvbuf(pcapng, pcapng_buf, _IOFBF, sizeof pcapng_buf);
        cfg.pcapng = pcapng;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct engine e;
    if (engine_init(&e, &cfg) != 0) {
        fprintf(stderr, "tlsscope: cannot allocate the flow table (--max-flows %u, --max-sessions %u)\n",
                cfg.max_flows, cfg.max_sessions);
        return 1;
    }

    int status = 0;
    char err[512];
    if (iface) {
        struct capture_options opt = { .snaplen = (int)snaplen, .promisc = promisc,
                                        .buffer_mb = (int)kernel_buffer_mb };
        struct capture_source *src = capture_open_live(iface, &opt, err, sizeof err);
        if (!src) {
            fprintf(stderr, "tlsscope: %s: %s\n", iface, err);
            status = 1;
        } else if (filter && capture_set_filter(src, filter, err, sizeof err) != 0) {
            fprintf(stderr, "tlsscope: %s\n", err);
            status = 2;
            capture_close(src);
        } else if (run_as && privs_drop(run_as, err, sizeof err) != 0) {
            fprintf(stderr, "tlsscope: %s\n", err);
            status = 1;
            capture_close(src);
        } else {
            if (capture_warning(src))
                fprintf(stderr, "tlsscope: %s: warning: %s\n", iface, capture_warning(src));
            enum capture_status cs = engine_run(&e, src, &stop_requested, err, sizeof err);
            if (cs != CAPTURE_OK) {
                fprintf(stderr, "tlsscope: %s: %s\n", iface, err);
                status = 1;
            }
            uint64_t recv, drop;
            capture_drops(src, &recv, &drop);
            if (drop)
                fprintf(stderr, "tlsscope: %s: kernel dropped %llu of %llu packets\n", iface,
                        (unsigned long long)drop, (unsigned long long)recv);
            capture_close(src);
        }
    }
    for (int i = 0; i < n_inputs && !stop_requested && status != 2; i++) {
        const char *name = strcmp(inputs[i], "-") == 0 ? "(stdin)" : inputs[i];
        struct capture_source *src = capture_open_file(inputs[i], err, sizeof err);
        if (!src) {
            fprintf(stderr, "tlsscope: %s: %s\n", name, err);
            status = 1;
            continue;
        }
        if (filter && capture_set_filter(src, filter, err, sizeof err) != 0) {
            fprintf(stderr, "tlsscope: %s\n", err);
            capture_close(src);
            status = 2;
            break;
        }
        enum capture_status cs = engine_run(&e, src, &stop_requested, err, sizeof err);
        if (cs == CAPTURE_TRUNCATED) {
            fprintf(stderr, "tlsscope: %s: file ends in the middle of a packet (%s); processed up to there\n",
                    name, err);
            status = 1;
        } else if (cs == CAPTURE_ERROR) {
            fprintf(stderr, "tlsscope: %s: %s; processed up to there\n", name, err);
            status = 1;
        }
        capture_close(src);
    }

    /* Everything decided so far is written, whatever happened above. */
    engine_finish(&e);
    if (e.decode.truncated)
        fprintf(stderr, "tlsscope: %llu frames were cut inside their headers (snaplen too small?) and skipped\n",
                (unsigned long long)e.decode.truncated);
    if (e.decode.payload_truncated)
        fprintf(stderr, "tlsscope: %llu packets were cut short by the capture's snaplen; fields may be missing\n",
                (unsigned long long)e.decode.payload_truncated);
    if (engine_had_loss(&e))
        fprintf(stderr, "tlsscope: memory budget reached: some connections were evicted or buffers refused "
                        "(see --stats; raise --max-flows, --max-sessions or --buffer-mb)\n");
    if (kafka) {
        /* Bounded: the flush time, then what is left is spooled or lost. */
        kafka_flush(kafka);
        char *rec = NULL;
        size_t rec_len = 0;
        FILE *mem = open_memstream(&rec, &rec_len);
        if (mem) {
            engine_print_stats(&e, mem);
            fclose(mem);
            kafka_produce_stats(kafka, rec, rec_len);
        }
        free(rec);
        const struct kafka_stats *ks = kafka_stats(kafka);
        if (ks->lost || ks->spooled)
            fprintf(stderr, "tlsscope: Kafka: %llu lines lost, %llu spooled%s (see --stats)\n",
                    (unsigned long long)ks->lost, (unsigned long long)ks->spooled,
                    kafka_cfg.spool_path ? "" : "; --kafka-spool FILE keeps them");
    }
    if (stats)
        engine_print_stats(&e, stderr);
    kafka_close(kafka);
    if (ferror(out) || fflush(out) != 0 || e.writer->write_errors) {
        fprintf(stderr, "tlsscope: error writing output\n");
        status = 1;
    }
    if (zeek_form >= 0 && zeek_writer_finish(&zeek, (uint64_t)time(NULL) * 1000000u) != 0) {
        fprintf(stderr, "tlsscope: error writing the Zeek logs\n");
        status = 1;
    }
    if (pcapng && (ferror(pcapng) || fflush(pcapng) != 0 || e.pcapng->write_errors)) {
        fprintf(stderr, "tlsscope: %s: error writing the capture\n", pcapng_path);
        status = 1;
    }
    engine_free(&e);
    if (out != stdout)
        fclose(out);
    if (pcapng && fclose(pcapng) != 0 && status == 0) {
        fprintf(stderr, "tlsscope: %s: error writing the capture\n", pcapng_path);
        status = 1;
    }
    return status;
}
