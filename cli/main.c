/* main.c - tlsscope's command line: parses options, opens sources and output
 * files, runs the engine, reports errors. Exit status: 0 success, 1 an input
 * could not be read completely (unreadable, corrupt or truncated file,
 * capture error) or output could not be written, 2 bad usage, 3 a live
 * capture ran to its end but the kernel or an interface dropped packets. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "cli/engine.h"
#include "cli/progress.h"
#include "cli/report_cli.h"
#include "common/privs.h"
#include "output/json.h"
#include "report/inventory.h"
#include "output/outfile.h"
#include "output/kafka.h"
#include "output/zeek.h"

#define MAX_INPUTS 256
#define EXIT_INPUT_LOST 3
#define MAX_WORKERS 16

static volatile sig_atomic_t stop_requested, reopen_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reopen_requested = 1; /* logrotate's postrotate: the files are reopened between two batches */
    else
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
            "  -i IFACE             capture live from an interface; repeatable (one port per\n"
            "                       direction: both meet in one flow table); 'any': all of them\n"
            "  -f FILTER            BPF filter expression (tcpdump syntax)\n"
            "  -w OUT               write JSON lines to OUT instead of standard output; refuses a\n"
            "                       file that exists; SIGHUP reopens it (after logrotate moved it)\n"
            "      --append         -w, --stats-file: add to an existing file\n"
            "      --force          -w, --stats-file: overwrite an existing file\n"
            "      --rotate-seconds S  -w: start a new piece OUT.YYYYmmddTHHMMSS every S seconds\n"
            "      --rotate-bytes N    -w: start a new piece once a piece holds N bytes\n"
            "      --rotate-command CMD  run `CMD PIECE` for each closed piece (shipping, gzip)\n"
            "      --pcapng FILE    also write every frame read to FILE (pcapng), with comments\n"
            "                       on the frames that carried handshake messages or decided\n"
            "                       a connection\n"
            "      --fields LIST    write only these members of each line: dotted names as in the\n"
            "                       schema, comma-separated (tls.client selects all under it;\n"
            "                       tls.findings.id the id of every finding)\n"
            "      --brief          a short line for people: time, client, service, versions offered\n"
            "                       and negotiated, cipher, outcome, finding ids\n"
            "      --inventory FILE keep per-day aggregates in the SQLite database FILE (created when\n"
            "                       missing; tlsscope report --inventory FILE reads it)\n"

            "  -s, --snaplen N      live capture: bytes kept per frame (default 65535)\n"
            "  -p, --no-promisc     live capture: do not put the interface in promiscuous mode\n"
            "  -B MIB               live capture: kernel capture buffer, MiB (default 64; note: tcpdump's\n"
            "                       -B counts KiB)\n"
            "  -Z USER              live capture: become USER once the interface and the output\n"
            "                       files are open (as tcpdump does)\n"
            "      --allow-root     live capture: keep running as root (refused without -Z otherwise)\n"
            "      --workers N      live capture: N capture threads in one PACKET_FANOUT group per\n"
            "                       interface, each connection with one of them (default 1)\n"
            "      --max-flows N    connections tracked at once (default 262144)\n"
            "      --max-sessions N connections under TLS inspection at once (default 12288)\n"
            "      --buffer-mb N    memory for out-of-order segments and split handshake\n"
            "                       messages, MiB (default 64)\n"
            "      --max-message BYTES  largest handshake message (a certificate chain) kept whole;\n"
            "                       a larger one is named in tls.*.truncated_messages (default\n"
            "                       1048576, at most 16777215; --buffer-mb bounds the total)\n"
            "      --idle-timeout S seconds before an idle undecided connection is reported (default 60)\n"
            "      --no-ndpi        do not classify applications with nDPI (network.protocol then\n"
            "                       comes from the STARTTLS dialogue or the server port)\n"
            "      --cert-cache N   decoded leaf certificates remembered (default 1024, 4 KiB each;\n"
            "                       0: decode every one)\n"
            "      --ca-file FILE   check each server's certificate chain against the CA certificates\n"
            "                       in FILE (PEM), or the system's with FILE \"system\"\n"
            "      --stats          print counters as JSON to standard error at exit\n"
            "      --stats-interval S  live capture: a stats record (JSON line, event.kind \"metric\")\n"
            "                       every S seconds and at exit, in the output or --stats-file\n"
            "      --stats-file FILE   write the stats records to FILE instead of the output\n"
            "\n"
            "Exit status: 0 done, 1 an input could not be read or output not written, 2 usage,\n"
            "3 a live capture lost packets (dropped by the kernel or the interface).\n"
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

static FILE *open_pcapng(const char *path)
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

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
        fprintf(stderr, "tlsscope: %s: '%s' is not a whole number from %llu to %llu\n", opt, s,
                (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

/* What a live run needs between batches: the output files to reopen or
 * rotate, and when the next stats record is due. */
struct sensor {
    struct outfile *out;         /* -w FILE; NULL for standard output */
    struct outfile *stats_file;  /* --stats-file; NULL: records go to the output */
    FILE *stats_stream;
    uint32_t stats_interval_s;
    int n_workers;
    bool tick_failed;            /* the last reopen failed (said once, retried every tick) */
    const char *const *ifaces;
};

/* One capture thread of --workers (or the only one): its engine (flow
 * table, share of the memory budget), its handle on each interface, and
 * when its next stats record is due. */
struct worker {
    struct sensor *sn;
    struct engine *e;
    int index;
    struct capture_source *live[CAPTURE_MAX_LIVE];
    int n_live;
    uint64_t next_stats_us;
    uint64_t stats_lost;         /* records that could not be written */
    pthread_t thread;
    enum capture_status cs;
    int failed;
    char err[512];
};

static void sensor_reopen(struct sensor *sn, struct outfile *o, uint64_t now_us)
{
    char err[512];
    if (!o)
        return;
    if (outfile_tick(o, now_us, err, sizeof err) == 0) {
        sn->tick_failed = false;
    } else if (!sn->tick_failed) {
        fprintf(stderr, "tlsscope: %s; still writing to the old file, trying again\n", err);
        sn->tick_failed = true;
    }
}

static void sensor_tick(void *ctx, uint64_t now_us)
{
    struct worker *w = ctx;
    struct sensor *sn = w->sn;
    if (sn->stats_interval_s && now_us >= w->next_stats_us) {
        /* Each worker writes its own counters: one whole line, which
         * stdio's lock keeps apart from the other workers' lines. */
        if (engine_write_stats_record(w->e, sn->stats_stream, now_us, "interval",
                                      sn->n_workers > 1 ? w->index : -1) == 0)
            w->stats_lost++;
        /* Every S seconds of wall time, not S seconds after a late tick. */
        w->next_stats_us += (uint64_t)sn->stats_interval_s * 1000000u;
        if (w->next_stats_us <= now_us)
            w->next_stats_us = now_us + (uint64_t)sn->stats_interval_s * 1000000u;
    }
    if (w->index != 0)
        return;
    /* Other workers write to the same streams: the files are changed under
     * the streams' locks, between two of their lines. */
    FILE *out = sn->out ? outfile_stream(sn->out) : NULL, *st = sn->stats_file ? outfile_stream(sn->stats_file) : NULL;
    if (out)
        flockfile(out);
    if (st)
        flockfile(st);
    if (reopen_requested) {
        reopen_requested = 0;
        if (sn->out)
            outfile_request_reopen(sn->out);
        if (sn->stats_file)
            outfile_request_reopen(sn->stats_file);
    }
    sensor_reopen(sn, sn->out, now_us);
    sensor_reopen(sn, sn->stats_file, now_us);
    if (st)
        funlockfile(st);
    if (out)
        funlockfile(out);
}

static void sensor_link(void *ctx, int index, bool up)
{
    const struct sensor *sn = ((struct worker *)ctx)->sn;
    fprintf(stderr, "tlsscope: %s: warning: %s\n", sn->ifaces[index],
            up ? "link is up again; the gap is counted in the stats (link_down_us)" : "link is down");
}

static void sensor_drops(void *ctx, int index, const struct capture_counters *c)
{
    const struct sensor *sn = ((struct worker *)ctx)->sn;
    fprintf(stderr, "tlsscope: %s: warning: packets are being dropped (%llu by the kernel, %llu by the "
                    "interface, of %llu so far): raise -B or narrow -f; see the stats\n", sn->ifaces[index],
            (unsigned long long)c->dropped, (unsigned long long)c->if_dropped, (unsigned long long)c->received);
}

/* Opens every interface with the filter; 0, or the exit status after
 * saying what failed (every handle opened is closed again). */
static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct engine_live_hooks hooks = { .ctx = w, .tick = sensor_tick, .link = sensor_link, .drops = sensor_drops };
    w->next_stats_us = capture_wall_us() + (uint64_t)w->sn->stats_interval_s * 1000000u;
    w->cs = engine_run_live(w->e, w->live, w->n_live, &hooks, &stop_requested, &w->failed, w->err, sizeof w->err);
    if (w->cs != CAPTURE_OK)
        stop_requested = 1; /* one worker failing ends the run: the others' share would go unseen */
    return NULL;
}

/* Opens every interface with the filter, each handle joining fanout group
 * fanout + its index when fanout >= 0; 0, or the exit status after saying
 * what failed (every handle opened is closed again). */
static int open_live(const char *const *ifaces, int n, const struct capture_options *opt, const char *filter,
                     int fanout, struct capture_source **srcs, char *err, size_t errlen)
{
    int status = 0, opened = 0;
    for (; opened < n; opened++) {
        struct capture_source *src = capture_open_live(ifaces[opened], opt, err, errlen);
        if (!src) {
            fprintf(stderr, "tlsscope: %s: %s\n", ifaces[opened], err);
            status = 1;
            break;
        }
        srcs[opened] = src;
        if (filter && capture_set_filter(src, filter, err, errlen) != 0) {
            fprintf(stderr, "tlsscope: %s\n", err);
            status = 2;
            opened++;
            break;
        }
        if (fanout >= 0 && capture_join_fanout(src, (fanout + opened) & 0xffff, err, errlen) != 0) {
            fprintf(stderr, "tlsscope: %s: %s\n", ifaces[opened], err);
            status = 1;
            opened++;
            break;
        }
        if (capture_warning(src))
            fprintf(stderr, "tlsscope: %s: warning: %s\n", ifaces[opened], capture_warning(src));
    }
    if (status != 0)
        for (int i = 0; i < opened; i++)
            capture_close(srcs[i]);
    return status;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return report_main(argc - 1, argv + 1);
    enum { OPT_MAX_FLOWS = 256, OPT_MAX_SESSIONS, OPT_BUFFER_MB, OPT_IDLE, OPT_STATS, OPT_NO_NDPI, OPT_PCAPNG,
           OPT_ALLOW_ROOT, OPT_CERT_CACHE, OPT_FIELDS, OPT_BRIEF, OPT_INVENTORY, OPT_CA_FILE, OPT_APPEND, OPT_FORCE,
           OPT_ROTATE_SECONDS, OPT_ROTATE_BYTES, OPT_ROTATE_COMMAND, OPT_STATS_INTERVAL, OPT_STATS_FILE, OPT_WORKERS,
           OPT_FORMAT, OPT_KAFKA, OPT_KAFKA_TOPIC, OPT_KAFKA_OPTION, OPT_KAFKA_SPOOL, OPT_MAX_MESSAGE };
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
        { "fields", required_argument, NULL, OPT_FIELDS },
        { "brief", no_argument, NULL, OPT_BRIEF },
        { "inventory", required_argument, NULL, OPT_INVENTORY },
        { "ca-file", required_argument, NULL, OPT_CA_FILE },
        { "append", no_argument, NULL, OPT_APPEND },
        { "force", no_argument, NULL, OPT_FORCE },
        { "rotate-seconds", required_argument, NULL, OPT_ROTATE_SECONDS },
        { "rotate-bytes", required_argument, NULL, OPT_ROTATE_BYTES },
        { "rotate-command", required_argument, NULL, OPT_ROTATE_COMMAND },
        { "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
        { "stats-file", required_argument, NULL, OPT_STATS_FILE },
        { "workers", required_argument, NULL, OPT_WORKERS },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "kafka", required_argument, NULL, OPT_KAFKA },
        { "kafka-topic", required_argument, NULL, OPT_KAFKA_TOPIC },
        { "kafka-option", required_argument, NULL, OPT_KAFKA_OPTION },
        { "kafka-spool", required_argument, NULL, OPT_KAFKA_SPOOL },
        { "max-message", required_argument, NULL, OPT_MAX_MESSAGE },
        { NULL, 0, NULL, 0 },
    };
    const char *inputs[MAX_INPUTS];
    int n_inputs = 0;
    const char *ifaces[CAPTURE_MAX_LIVE];
    int n_ifaces = 0;
    const char *filter = NULL, *out_path = NULL, *pcapng_path = NULL, *run_as = NULL, *stats_path = NULL;
    bool stats = false, allow_root = false, append = false, force = false;
    struct outfile_config out_cfg = { 0 };
    uint32_t stats_interval = 0, n_workers = 1;
    uint32_t snaplen = 65535, buffer_mb = 64, kernel_buffer_mb = 64;
    bool promisc = true;
    int zeek_form = -1;          /* --format zeek / zeek-json: enum zeek_form */
    struct kafka_config kafka_cfg = { 0 };
    struct engine_config cfg;
    engine_defaults(&cfg);
    static struct json_filter fields;
    const char *field_list = NULL, *inventory_path = NULL;

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
        case 'i':
            if (n_ifaces == CAPTURE_MAX_LIVE) {
                fprintf(stderr, "tlsscope: at most %d -i interfaces\n", CAPTURE_MAX_LIVE);
                return 2;
            }
            for (int i = 0; i < n_ifaces; i++) {
                if (strcmp(ifaces[i], optarg) == 0) {
                    fprintf(stderr, "tlsscope: -i %s given twice\n", optarg);
                    return 2;
                }
            }
            ifaces[n_ifaces++] = optarg;
            break;
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
        case OPT_FIELDS: field_list = optarg; break;
        case OPT_BRIEF: field_list = CONN_JSON_BRIEF_FIELDS; break;
        case OPT_INVENTORY: inventory_path = optarg; break;
        case OPT_APPEND: append = true; break;
        case OPT_FORCE: force = true; break;
        case OPT_ROTATE_SECONDS:
            if (parse_u32("--rotate-seconds", optarg, 1, 366u * 86400u, &out_cfg.rotate_seconds))
                return 2;
            break;
        case OPT_ROTATE_BYTES:
            if (parse_u64("--rotate-bytes", optarg, 1, UINT64_MAX / 2, &out_cfg.rotate_bytes))
                return 2;
            break;
        case OPT_ROTATE_COMMAND: out_cfg.rotate_command = optarg; break;
        case OPT_STATS_INTERVAL:
            if (parse_u32("--stats-interval", optarg, 1, 86400, &stats_interval))
                return 2;
            break;
        case OPT_STATS_FILE: stats_path = optarg; break;
        case OPT_WORKERS:
            if (parse_u32("--workers", optarg, 1, MAX_WORKERS, &n_workers))
                return 2;
            break;
        case OPT_CERT_CACHE:
            if (parse_u32("--cert-cache", optarg, 0, 65536, &cfg.cert_cache_entries))
                return 2;
            break;
        case OPT_CA_FILE: cfg.ca_file = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") != 0 && (zeek_form = zeek_form_parse(optarg)) < 0) {
                fprintf(stderr, "tlsscope: --format: '%s' is not json, zeek or zeek-json\n", optarg);
                return 2;
            }
            break;
        case OPT_KAFKA: kafka_cfg.brokers = optarg; break;
        case OPT_KAFKA_TOPIC: kafka_cfg.topic = optarg; break;
        case OPT_KAFKA_SPOOL: kafka_cfg.spool_path = optarg; break;
        case OPT_MAX_MESSAGE:
            if (parse_u32("--max-message", optarg, 1024, TLS_MAX_MESSAGE_LIMIT, &cfg.max_message))
                return 2;
            break;
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
    if ((n_inputs == 0) == (n_ifaces == 0)) {
        fprintf(stderr, "tlsscope: give either -r FILE or -i IFACE\n");
        usage(stderr);
        return 2;
    }
    if (run_as && !n_ifaces) {
        fprintf(stderr, "tlsscope: -Z is for live capture (-i)\n");
        return 2;
    }
    if (append && force) {
        fprintf(stderr, "tlsscope: --append and --force exclude each other\n");
        return 2;
    }
    /* With --format zeek, -w names the directory of the logs. */
    bool out_is_file = zeek_form < 0 && out_path && strcmp(out_path, "-") != 0;
    if ((out_cfg.rotate_seconds || out_cfg.rotate_bytes || out_cfg.rotate_command) && !out_is_file) {
        fprintf(stderr, "tlsscope: --rotate-* need -w FILE\n");
        return 2;
    }
    if (out_cfg.rotate_command && !out_cfg.rotate_seconds && !out_cfg.rotate_bytes) {
        fprintf(stderr, "tlsscope: --rotate-command needs --rotate-seconds or --rotate-bytes\n");
        return 2;
    }
    if (n_workers > 1 && (!n_ifaces || pcapng_path)) {
        fprintf(stderr, "tlsscope: --workers is for live capture (-i), without --pcapng\n");
        return 2;
    }
    if (n_workers > 1 && inventory_path) {
        fprintf(stderr, "tlsscope: --inventory is written by one process: it cannot be used with --workers\n");
        return 2;
    }
    if ((stats_interval || stats_path) && !n_ifaces) {
        fprintf(stderr, "tlsscope: --stats-interval and --stats-file are for live capture (-i); use --stats\n");
        return 2;
    }
    if (stats_path && (strcmp(stats_path, "-") == 0 || (out_is_file && same_file(out_path, stats_path)) ||
                       (pcapng_path && same_file(pcapng_path, stats_path)))) {
        fprintf(stderr, "tlsscope: --stats-file needs a file of its own\n");
        return 2;
    }
    /* A sensor parses hostile traffic for months: it must not do so as root. */
    if (n_ifaces && !run_as && !allow_root && privs_is_root()) {
        fprintf(stderr, "tlsscope: refusing to capture as root: give -Z USER to drop privileges once the "
                        "interface is open (e.g. -Z nobody), or --allow-root\n");
        return 2;
    }
    if (field_list) {
        char why[160];
        if (!json_filter_parse(&fields, field_list, why, sizeof why)) {
            fprintf(stderr, "tlsscope: --fields: %s\n", why);
            return 2;
        }
        cfg.fields = &fields;
    }
    if ((kafka_cfg.brokers != NULL) != (kafka_cfg.topic != NULL) ||
        (!kafka_cfg.brokers && (kafka_cfg.n_options || kafka_cfg.spool_path)) || (kafka_cfg.brokers && zeek_form >= 0)) {
        fprintf(stderr, "tlsscope: --kafka needs --kafka-topic (and carries the JSON lines, not --format zeek)\n");
        return 2;
    }
    if ((kafka_cfg.brokers || zeek_form >= 0) && n_workers > 1) {
        fprintf(stderr, "tlsscope: --kafka and --format zeek are written by one process: not with --workers\n");
        return 2;
    }
    cfg.buffer_budget = (uint64_t)buffer_mb << 20;
    if (cfg.max_sessions > cfg.max_flows)
        cfg.max_sessions = cfg.max_flows;
    /* --workers share the memory budget: each worker sees only its own
     * connections (the fanout hash keeps a connection with one worker). */
    if (n_workers > 1) {
        cfg.max_flows = cfg.max_flows / n_workers > 16 ? cfg.max_flows / n_workers : 16;
        cfg.max_sessions = cfg.max_sessions / n_workers > 16 ? cfg.max_sessions / n_workers : 16;
        cfg.buffer_budget /= n_workers;
        cfg.cert_cache_entries /= n_workers;
    }

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
    for (int i = 0; out_is_file && force && i < n_inputs; i++) {
        if (same_file(inputs[i], out_path)) {
            fprintf(stderr, "tlsscope: %s: -w --force would overwrite an input\n", out_path);
            return 2;
        }
    }
    static char out_buf[1 << 16], pcapng_buf[1 << 20];
    char err[512];
    struct sensor sn = { .stats_interval_s = stats_interval, .ifaces = ifaces };
    uint64_t started = capture_wall_us();
    FILE *out = stdout;
    out_cfg.mode = append ? OUTFILE_APPEND : force ? OUTFILE_FORCE : OUTFILE_CREATE;
    if (out_is_file) {
        out_cfg.path = out_path;
        if (!(sn.out = outfile_open(&out_cfg, started, err, sizeof err))) {
            fprintf(stderr, "tlsscope: -w %s\n", err);
            return 1;
        }
        out = outfile_stream(sn.out);
    } else {
        setvbuf(out, out_buf, _IOFBF, sizeof out_buf);
    }
    cfg.out = out;
    sn.stats_stream = out;
    if (stats_path) {
        struct outfile_config sc = { .path = stats_path, .mode = out_cfg.mode };
        if (!(sn.stats_file = outfile_open(&sc, started, err, sizeof err))) {
            fprintf(stderr, "tlsscope: --stats-file %s\n", err);
            outfile_close(sn.out);
            return 1;
        }
        sn.stats_stream = outfile_stream(sn.stats_file);
    }
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
        if (!(pcapng = open_pcapng(pcapng_path))) {
            outfile_close(sn.out);
            outfile_close(sn.stats_file);
            return 1;
        }
        setvbuf(pcapng, pcapng_buf, _IOFBF, sizeof pcapng_buf);
        cfg.pcapng = pcapng;
    }

    if (inventory_path) {
        char why[512];
        if (!(cfg.inventory = inventory_open(inventory_path, why, sizeof why))) {
            fprintf(stderr, "tlsscope: --inventory %s\n", why);
            return 1;
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct engine e;
    if (cfg.ca_file && strcmp(cfg.ca_file, "system") != 0 && access(cfg.ca_file, R_OK) != 0) {
        fprintf(stderr, "tlsscope: --ca-file: cannot read %s\n", cfg.ca_file);
        return 2;
    }
    if (engine_init(&e, &cfg) != 0) {
        fprintf(stderr, "tlsscope: cannot allocate the flow table (--max-flows %u, --max-sessions %u)\n",
                cfg.max_flows, cfg.max_sessions);
        return 1;
    }

    int status = 0;
    /* Worker 0 is this thread with the engine above; with --workers each
     * other one gets an engine of its own, sized by the same share. */
    static struct worker workers[MAX_WORKERS];
    struct engine *engines[MAX_WORKERS] = { &e };
    int n_started = 0;
    for (int w = 1; w < (int)n_workers && status == 0; w++) {
        if (!(engines[w] = calloc(1, sizeof *engines[w])) || engine_init(engines[w], &cfg) != 0) {
            fprintf(stderr, "tlsscope: cannot allocate the flow table of worker %d\n", w);
            free(engines[w]);
            engines[w] = NULL;
            status = 1;
        }
    }
    for (int w = 0; w < (int)n_workers && n_ifaces && status == 0; w++) {
        struct capture_options opt = { .snaplen = (int)snaplen, .promisc = promisc,
                                        .buffer_mb = (int)kernel_buffer_mb };
        /* One fanout group per interface, unique to this process. */
        int fanout = n_workers > 1 ? (int)((getpid() * CAPTURE_MAX_LIVE) & 0xffff) : -1;
        workers[w] = (struct worker){ .sn = &sn, .e = engines[w], .index = w, .failed = -1 };
        status = open_live(ifaces, n_ifaces, &opt, filter, fanout, workers[w].live, err, sizeof err);
        workers[w].n_live = status == 0 ? n_ifaces : 0;
    }
    /* Every handle and output file is open: nothing more needs root. */
    if (status == 0 && run_as && privs_drop(run_as, err, sizeof err) != 0) {
        fprintf(stderr, "tlsscope: %s\n", err);
        status = 1;
    }
    if (status == 0 && n_ifaces) {
        sn.n_workers = (int)n_workers;
        for (n_started = 1; n_started < (int)n_workers; n_started++) {
            if (pthread_create(&workers[n_started].thread, NULL, worker_run, &workers[n_started]) != 0) {
                fprintf(stderr, "tlsscope: cannot start worker %d\n", n_started);
                stop_requested = 1;
                status = 1;
                break;
            }
        }
        if (status == 0)
            worker_run(&workers[0]);
        for (int w = 1; w < n_started; w++)
            pthread_join(workers[w].thread, NULL);
        for (int w = 0; w < n_started; w++) {
            if (workers[w].cs != CAPTURE_OK) {
                fprintf(stderr, "tlsscope: %s: %s\n", workers[w].failed >= 0 ? ifaces[workers[w].failed] : "capture",
                        workers[w].err);
                status = 1;
            }
        }
    }
    /* A long offline run shows how far it is on a terminal (cli/progress.h). */
    struct progress progress;
    progress_init(&progress, stderr, inputs, n_inputs, &e.writer->lines);
    if (!n_ifaces && progress.on) {
        e.cfg.tick = progress_tick;
        e.cfg.tick_ctx = &progress;
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
        progress_source(&progress, src);
        enum capture_status cs = engine_run(&e, src, &stop_requested, err, sizeof err);
        progress_source(&progress, NULL);
        progress_end(&progress); /* before any message about this input */
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
    uint64_t drops = 0;
    for (int w = 0; w < (int)n_workers && engines[w]; w++) {
        engine_finish(engines[w]);
        drops += engine_capture_drops(engines[w]);
    }
    if (e.decode.truncated)
        fprintf(stderr, "tlsscope: %llu frames were cut inside their headers (snaplen too small?) and skipped\n",
                (unsigned long long)e.decode.truncated);
    if (e.decode.payload_truncated)
        fprintf(stderr, "tlsscope: %llu packets were cut short by the capture's snaplen; fields may be missing\n",
                (unsigned long long)e.decode.payload_truncated);
    bool had_loss = false;
    for (int w = 0; w < (int)n_workers && engines[w]; w++)
        had_loss |= engine_had_loss(engines[w]);
    if (had_loss)
        fprintf(stderr, "tlsscope: memory budget reached: some connections were evicted or buffers refused "
                        "(see --stats; raise --max-flows, --max-sessions or --buffer-mb)\n");
    char inv_err[512];
    if (cfg.inventory && !inventory_flush(cfg.inventory, inv_err, sizeof inv_err)) {
        fprintf(stderr, "tlsscope: %s: %s\n", inventory_path, inv_err);
        status = 1;
    }
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
    if (drops && status == 0)
        status = EXIT_INPUT_LOST;
    /* Without --stats the drops would go unseen: say them in a sentence.
     * With it they are in the JSON, and standard error stays parseable. */
    if (drops && !stats)
        fprintf(stderr, "tlsscope: the kernel or the interfaces dropped %llu packets (see --stats)\n",
                (unsigned long long)drops);
    if (stats && n_workers > 1 && engines[n_workers - 1])
        engine_print_stats_workers((const struct engine *const *)engines, (int)n_workers, stderr);
    else if (stats)
        engine_print_stats(&e, stderr);
    uint64_t stats_lost = 0;
    for (int w = 0; w < n_started; w++) {
        stats_lost += workers[w].stats_lost;
        if ((stats_interval || stats_path) &&
            engine_write_stats_record(engines[w], sn.stats_stream, capture_wall_us(), "end", n_workers > 1 ? w : -1) == 0)
            stats_lost++;
    }
    kafka_close(kafka);
    bool write_errors = false;
    for (int w = 0; w < (int)n_workers && engines[w]; w++)
        write_errors |= engines[w]->writer->write_errors != 0;
    if (ferror(out) || fflush(out) != 0 || write_errors) {
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
    for (int w = 0; w < (int)n_workers && engines[w]; w++) {
        engine_free(engines[w]);
        if (w > 0)
            free(engines[w]);
    }
    for (int w = 0; w < (int)n_workers; w++)
        for (int i = 0; i < workers[w].n_live; i++)
            capture_close(workers[w].live[i]);
    if (outfile_close(sn.out) != 0) {
        fprintf(stderr, "tlsscope: %s: error writing output\n", out_path);
        status = 1;
    }
    if (outfile_close(sn.stats_file) != 0 || stats_lost) {
        fprintf(stderr, "tlsscope: %s: error writing the stats\n", stats_path ? stats_path : "output");
        status = 1;
    }
    if (!inventory_close(cfg.inventory, inv_err, sizeof inv_err) && status == 0) {
        fprintf(stderr, "tlsscope: %s: %s\n", inventory_path, inv_err);
        status = 1;
    }
    if (pcapng && fclose(pcapng) != 0 && status == 0) {
        fprintf(stderr, "tlsscope: %s: error writing the capture\n", pcapng_path);
        status = 1;
    }
    return status;
}
