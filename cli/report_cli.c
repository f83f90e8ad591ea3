/* report_cli.c - `tlsscope report`: options, inputs and output of the
 * report stage (report/). Captures given as inputs (pcap or pcapng, told by
 * their magic number) are dissected by the engine into a temporary file of
 * JSON lines first, then read like any other input; everything else is read
 * as JSON lines, gzip or plain.
 *
 * Exit status: 0, 1 when an input could not be read or the output not
 * written, 2 bad usage. Malformed lines are counted, never fatal.
 */
#include "cli/report_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/engine.h"
#include "report/format.h"
#include "report/inventory.h"
#include "report/lines.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tlsscope report [options] [INPUT]...\n"
            "\n"
            "Aggregates tlsscope's JSON lines (plain or gzip; '-' or nothing for standard input),\n"
            "earlier `report --format json` output (merged), or captures (pcap/pcapng, dissected first).\n"
            "\n"
            "  --by client|server|finding  per true client (default), per service, per finding\n"
            "  --format text|csv|json|html output format (default text: a table fitting the terminal)\n"
            "  -o, --output FILE           write there instead of standard output\n"
            "  --legacy-only               only connections whose client offers nothing above TLS 1.1\n"
            "  --since T, --until T        a time (2024-05-01, 2024-05-01T12:00:00Z) or a duration back\n"
            "                              from now (30d, 12h, 15m, 90s, 2w); --until a date: its end\n"
            "  --protocol P                network.protocol (https, smtp, imap, ...)\n"
            "  --finding ID                connections carrying that finding\n"
            "  --server S                  destination address or server name\n"
            "  --client C                  client address or CIDR (10.0.0.0/8, 2001:db8::/32)\n"
            "  --width N                   text width (default: the terminal's; 0: unlimited)\n"
            "  --inventory FILE            also (or only) the rows of a tlsscope --inventory database\n"
            "  -h, --help                  this help\n");
}

static bool is_capture(const char *path)
{
    uint8_t m[4];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(m, 1, sizeof m, f);
    fclose(f);
    if (n != 4)
        return false;
    uint32_t be = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    /* pcap (microsecond and nanosecond, either byte order), pcapng's SHB. */
    return be == 0xa1b2c3d4 || be == 0xd4c3b2a1 || be == 0xa1b23c4d || be == 0x4d3cb2a1 || be == 0x0a0d0d0a;
}

/* Runs the engine over one capture into a temporary file of lines, then reads
 * those. */
static int read_capture(struct rp_report *r, const char *path, char *err, size_t errlen)
{
    FILE *tmp = tmpfile();
    if (!tmp) {
        snprintf(err, errlen, "temporary file: %s", strerror(errno));
        return -1;
    }
    struct engine_config cfg;
    engine_defaults(&cfg);
    cfg.out = tmp;
    struct engine e;
    if (engine_init(&e, &cfg) != 0) {
        fclose(tmp);
        snprintf(err, errlen, "cannot allocate the flow table");
        return -1;
    }
    int rc = 0;
    volatile sig_atomic_t stop = 0;
    struct capture_source *src = capture_open_file(path, err, errlen);
    if (!src) {
        rc = -1;
    } else {
        if (engine_run(&e, src, &stop, err, errlen) != CAPTURE_OK)
            rc = -1;
        capture_close(src);
    }
    engine_finish(&e);
    engine_free(&e);
    if (fflush(tmp) != 0 || lseek(fileno(tmp), 0, SEEK_SET) != 0) {
        snprintf(err, errlen, "temporary file: %s", strerror(errno));
        fclose(tmp);
        return -1;
    }
    /* The capture's own error, if any, is the one to report; else the
     * temporary file's. */
    char err2[256];
    int fd = dup(fileno(tmp));
    if (fd < 0 || rp_read_fd(r, fd, path, err2, sizeof err2) != 0) {
        if (rc == 0)
            snprintf(err, errlen, "temporary file: %s", fd < 0 ? strerror(errno) : err2);
        rc = -1;
    }
    fclose(tmp);
    return rc;
}

static unsigned terminal_width(FILE *out)
{
    struct winsize ws;
    if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    return cols && atoi(cols) > 0 ? (unsigned)atoi(cols) : 0;
}

int report_main(int argc, char **argv)
{
    enum { OPT_BY = 256, OPT_FORMAT, OPT_LEGACY, OPT_SINCE, OPT_UNTIL, OPT_PROTOCOL, OPT_FINDING, OPT_SERVER,
           OPT_CLIENT, OPT_WIDTH, OPT_INVENTORY };
    static const struct option longopts[] = {
        { "by", required_argument, NULL, OPT_BY },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "output", required_argument, NULL, 'o' },
        { "legacy-only", no_argument, NULL, OPT_LEGACY },
        { "since", required_argument, NULL, OPT_SINCE },
        { "until", required_argument, NULL, OPT_UNTIL },
        { "protocol", required_argument, NULL, OPT_PROTOCOL },
        { "finding", required_argument, NULL, OPT_FINDING },
        { "server", required_argument, NULL, OPT_SERVER },
        { "client", required_argument, NULL, OPT_CLIENT },
        { "width", required_argument, NULL, OPT_WIDTH },
        { "inventory", required_argument, NULL, OPT_INVENTORY },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    enum rp_view view = RP_VIEW_CLIENT;
    const char *format = "text", *out_path = NULL;
    struct rp_filter filter;
    rp_filter_init(&filter);
    int64_t now = (int64_t)time(NULL) * 1000000;
    long width = -1;
    const char *inventory = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_BY:
            if (strcmp(optarg, "client") == 0)
                view = RP_VIEW_CLIENT;
            else if (strcmp(optarg, "server") == 0)
                view = RP_VIEW_SERVER;
            else if (strcmp(optarg, "finding") == 0)
                view = RP_VIEW_FINDING;
            else {
                fprintf(stderr, "tlsscope report: --by: client, server or finding, not '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "csv") && strcmp(optarg, "json") && strcmp(optarg, "html")) {
                fprintf(stderr, "tlsscope report: --format: text, csv, json or html, not '%s'\n", optarg);
                return 2;
            }
            format = optarg;
            break;
        case 'o': out_path = optarg; break;
        case OPT_LEGACY: filter.legacy_only = true; break;
        case OPT_SINCE:
        case OPT_UNTIL: {
            int64_t t = rp_time_arg(optarg, now);
            if (t == INT64_MIN) {
                fprintf(stderr, "tlsscope report: '%s' is neither a time (2024-05-01T12:00:00Z) nor a duration (30d)\n",
                        optarg);
                return 2;
            }
            /* "--until 2024-05-31" means to the end of that day. */
            if (ch == OPT_UNTIL && strlen(optarg) == 10 && optarg[4] == '-')
                t += (int64_t)86400 * 1000000 - 1;
            *(ch == OPT_SINCE ? &filter.since : &filter.until) = t;
            break;
        }
        case OPT_PROTOCOL: filter.protocol = optarg; break;
        case OPT_FINDING: filter.finding = optarg; break;
        case OPT_SERVER: filter.server = optarg; break;
        case OPT_CLIENT:
            if (rp_filter_set_client(&filter, optarg) != 0) {
                fprintf(stderr, "tlsscope report: --client: '%s' is not an address or CIDR\n", optarg);
                return 2;
            }
            break;
        case OPT_WIDTH: {
            char *end;
            width = strtol(optarg, &end, 10);
            if (end == optarg || *end || width < 0 || width > 100000) {
                fprintf(stderr, "tlsscope report: --width: '%s' is not a number of columns\n", optarg);
                return 2;
            }
            break;
        }
        case OPT_INVENTORY: inventory = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }

    struct rp_report r;
    rp_report_init(&r, view);
    r.filter = filter;
    int status = 0;
    char err[512];
    const char *stdin_only[] = { "-" };
    const char **inputs = optind < argc ? (const char **)argv + optind : stdin_only;
    /* With --inventory alone, standard input is not read. */
    int n_inputs = optind < argc ? argc - optind : inventory ? 0 : 1;
    if (inventory && inventory_read(&r, inventory, err, sizeof err) != 0) {
        fprintf(stderr, "tlsscope report: --inventory %s\n", err);
        status = 1;
    }
    for (int i = 0; i < n_inputs; i++) {
        const char *name = strcmp(inputs[i], "-") == 0 ? "(stdin)" : inputs[i];
        int rc = strcmp(inputs[i], "-") != 0 && is_capture(inputs[i]) ? read_capture(&r, inputs[i], err, sizeof err)
                                                                     : rp_read_file(&r, inputs[i], name, err, sizeof err);
        if (rc != 0) {
            fprintf(stderr, "tlsscope report: %s: %s\n", name, err);
            status = 1;
        }
    }
    if (r.malformed)
        fprintf(stderr, "tlsscope report: %" PRIu64 " malformed line%s skipped (the first: %s line %" PRIu64 ")\n",
                r.malformed, r.malformed == 1 ? "" : "s", r.first_malformed_input, r.first_malformed_line);
    if (r.stats_records)
        fprintf(stderr, "tlsscope report: %" PRIu64 " stats record%s (event.kind \"metric\") skipped\n",
                r.stats_records, r.stats_records == 1 ? "" : "s");
    if (r.rows_other_view)
        fprintf(stderr, "tlsscope report: %" PRIu64 " report row%s of another --by view ignored\n", r.rows_other_view,
                r.rows_other_view == 1 ? "" : "s");

    FILE *out = stdout;
    if (out_path && strcmp(out_path, "-") != 0 && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "tlsscope report: %s: cannot write: %s\n", out_path, strerror(errno));
        rp_report_free(&r);
        return 1;
    }
    int wrc;
    if (strcmp(format, "json") == 0)
        wrc = rp_write_json(&r, out);
    else if (strcmp(format, "csv") == 0)
        wrc = rp_write_csv(&r, out);
    else if (strcmp(format, "html") == 0)
        wrc = rp_write_html(&r, out);
    else
        wrc = rp_write_text(&r, out, width >= 0 ? (unsigned)width : terminal_width(out));
    if (wrc != 0 || ferror(out) || fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
        fprintf(stderr, "tlsscope report: error writing the report\n");
        status = 1;
    }
    rp_report_free(&r);
    return status;
}
