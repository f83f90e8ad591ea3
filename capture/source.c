/* source.c - see source.h. */
#include "capture/source.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define FILE_BUFFER_BYTES (1u << 20)
#define DISPATCH_BATCH 4096

struct capture_source {
    pcap_t *pcap;
    FILE *file;              /* owned by pcap once pcap_fopen_offline succeeded */
    char *file_buf;
    bool live;
    char warning[PCAP_ERRBUF_SIZE + 64]; /* what pcap_activate warned about, "" when nothing */
    char iface[IFNAMSIZ];
    int link;                /* 1 up and running, 0 down, -1 unknown (any, or no such ioctl) */
    struct capture_link_stats link_st;
    struct capture_counters counters;
    struct pcap_stat last;   /* libpcap's 32-bit counters at the last read */
    uint64_t last_drop_us;   /* when drops last grew; 0: never */
};

static void read_counters(struct capture_source *src);

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (errlen) {
        strncpy(err, msg, errlen - 1);
        err[errlen - 1] = '\0';
    }
}

struct capture_source *capture_open_file(const char *path, char *err, size_t errlen)
{
    struct capture_source *src = calloc(1, sizeof *src);
    if (!src) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        free(src);
        return NULL;
    }
    /* glibc ignores setvbuf(fp, NULL, ...): the buffer must be ours. */
    src->file_buf = malloc(FILE_BUFFER_BYTES);
    if (src->file_buf)
        setvbuf(fp, src->file_buf, _IOFBF, FILE_BUFFER_BYTES);
    char perr[PCAP_ERRBUF_SIZE] = "";
    src->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!src->pcap) {
        snprintf(err, errlen, "not a readable capture: %s", perr[0] ? perr : "unknown format");
        if (fp != stdin)
            fclose(fp);
        free(src->file_buf);
        free(src);
        return NULL;
    }
    src->file = fp;
    return src;
}

struct capture_source *capture_open_live(const char *iface, const struct capture_options *opt, char *err,
                                         size_t errlen)
{
    struct capture_source *src = calloc(1, sizeof *src);
    if (!src) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, perr);
    if (!p) {
        snprintf(err, errlen, "%s", perr);
        free(src);
        return NULL;
    }
    pcap_set_snaplen(p, opt->snaplen > 0 ? opt->snaplen : 65535);
    pcap_set_promisc(p, opt->promisc ? 1 : 0);
    pcap_set_timeout(p, 100);
    pcap_set_buffer_size(p, (opt->buffer_mb > 0 ? opt->buffer_mb : 64) << 20);
    int rc = pcap_activate(p);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", pcap_statustostr(rc), pcap_geterr(p));
        pcap_close(p);
        free(src);
        return NULL;
    }
    /* A positive status is a warning: the capture runs, but not as asked
     * (promiscuous mode refused, a timestamp type not supported). The
     * operator must hear it; for PCAP_WARNING itself the text is in
     * pcap_geterr(). */
    if (rc > 0) {
        const char *detail = rc == PCAP_WARNING ? pcap_geterr(p) : "";
        snprintf(src->warning, sizeof src->warning, "%s%s%s", pcap_statustostr(rc), detail[0] ? ": " : "",
                 detail);
    }
    /* Non-blocking, with our own poll() below: on Linux's TPACKET_V3 a
     * blocking read waits for a full or timed-out block, and with no traffic
     * at all it never returns, so neither idle expiry nor a SIGINT/SIGTERM
     * would be noticed. */
    if (pcap_setnonblock(p, 1, perr) != 0) {
        snprintf(err, errlen, "cannot make the capture non-blocking: %s", perr);
        pcap_close(p);
        free(src);
        return NULL;
    }
    src->pcap = p;
    src->live = true;
    snprintf(src->iface, sizeof src->iface, "%s", iface);
    src->link = -1;
    return src;
}

static void discard_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    (void)user;
    (void)h;
    (void)bytes;
}

int capture_join_fanout(struct capture_source *src, int group, char *err, size_t errlen)
{
    /* DEFRAG: fragments of one datagram are reassembled before hashing,
     * or they could land with different readers. */
    uint32_t arg = ((uint32_t)group & 0xffffu) | ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
    if (!src->live || setsockopt(pcap_fileno(src->pcap), SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0) {
        snprintf(err, errlen, "cannot join fanout group %d: %s", group, src->live ? strerror(errno) : "not live");
        return -1;
    }
    while (pcap_dispatch(src->pcap, DISPATCH_BATCH, discard_frame, NULL) > 0)
        ;
    /* Those were counted as received: the counters start here. */
    read_counters(src);
    memset(&src->counters, 0, sizeof src->counters);
    return 0;
}

int capture_set_filter(struct capture_source *src, const char *expr, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (pcap_compile(src->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "bad filter '%s': %s", expr, pcap_geterr(src->pcap));
        return -1;
    }
    int rc = pcap_setfilter(src->pcap, &prog);
    if (rc != 0)
        snprintf(err, errlen, "cannot set filter: %s", pcap_geterr(src->pcap));
    pcap_freecode(&prog);
    return rc == 0 ? 0 : -1;
}

int capture_linktype(const struct capture_source *src)
{
    return pcap_datalink(src->pcap);
}

uint32_t capture_snaplen(const struct capture_source *src)
{
    int n = pcap_snapshot(src->pcap);
    return n > 0 ? (uint32_t)n : 0;
}

bool capture_is_live(const struct capture_source *src)
{
    return src->live;
}

const char *capture_warning(const struct capture_source *src)
{
    return src->warning[0] ? src->warning : NULL;
}

struct dispatch_ctx {
    capture_fn fn;
    void *ctx;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct dispatch_ctx *d = (struct dispatch_ctx *)user;
    struct capture_frame f = {
        .ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
        .data = bytes,
        .caplen = h->caplen,
        .wire_len = h->len,
    };
    d->fn(d->ctx, &f);
}

uint64_t capture_wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

enum capture_status capture_run(struct capture_source *src, capture_fn fn, void *ctx,
                                void (*idle)(void *ctx, uint64_t now_us), volatile sig_atomic_t *stop,
                                char *err, size_t errlen)
{
    struct dispatch_ctx d = { fn, ctx };
    uint64_t last_idle = 0;
    while (!*stop) {
        int n = pcap_dispatch(src->pcap, DISPATCH_BATCH, on_packet, (u_char *)&d);
        if (n == PCAP_ERROR_BREAK || *stop)
            return CAPTURE_OK; /* a signal interrupting a read is a stop, not an error */
        if (n == PCAP_ERROR) {
            snprintf(err, errlen, "%s", pcap_geterr(src->pcap));
            /* libpcap has one error code for a corrupt record and for a file
             * that ends inside one; the stream tells them apart: a record
             * cut by the end of the file leaves it at end-of-file. */
            return src->file && feof(src->file) ? CAPTURE_TRUNCATED : CAPTURE_ERROR;
        }
        if (src->live) {
            if (n == 0) {
                /* Nothing ready: wait for the socket, at most 100 ms; a
                 * signal cuts the wait short (EINTR) and the loop sees *stop. */
                struct pollfd pfd = { .fd = pcap_get_selectable_fd(src->pcap), .events = POLLIN };
                if (pfd.fd >= 0)
                    poll(&pfd, 1, 100);
            }
            uint64_t now = capture_wall_us();
            if (idle && now - last_idle >= 100000u) {
                idle(ctx, now);
                last_idle = now;
            }
        } else if (n == 0) {
            return CAPTURE_OK; /* end of file */
        }
    }
    return CAPTURE_OK;
}

/* Is the interface up with its carrier on? 1, 0, or -1 when it cannot be
 * told ("any", or an interface that is gone). */
static int link_running(const char *iface)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    close(fd);
    if (rc != 0)
        return -1;
    return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING) ? 1 : 0;
}

/* Notes a change of the link's state: a mirror port that loses its link
 * sends nothing, which looks like a quiet network; the operator must be
 * told, and the stats must show the gap. */
static void watch_link(struct capture_source *src, int index, uint64_t now_us, const struct capture_live_hooks *h)
{
    if (strcmp(src->iface, "any") == 0)
        return;
    int up = link_running(src->iface);
    if (up < 0 || up == src->link)
        return;
    if (up == 0) {
        src->link_st.down_events++;
        src->link_st.down_since_us = now_us;
    } else if (src->link == 0) {
        src->link_st.down_us += now_us - src->link_st.down_since_us;
        src->link_st.down_since_us = 0;
    }
    bool first = src->link < 0;
    src->link = up;
    if (h->link && !(first && up))
        h->link(h->ctx, index, up != 0);
}

const struct capture_link_stats *capture_link_stats(const struct capture_source *src)
{
    return &src->link_st;
}

const char *capture_name(const struct capture_source *src)
{
    return src->iface[0] ? src->iface : NULL;
}

/* Adds what libpcap counted since the last read; unsigned differences of
 * 32-bit values survive one wrap between two reads. */
static void read_counters(struct capture_source *src)
{
    struct pcap_stat st;
    if (!src->live || pcap_stats(src->pcap, &st) != 0)
        return;
    src->counters.received += (uint32_t)(st.ps_recv - src->last.ps_recv);
    src->counters.dropped += (uint32_t)(st.ps_drop - src->last.ps_drop);
    src->counters.if_dropped += (uint32_t)(st.ps_ifdrop - src->last.ps_ifdrop);
    src->last = st;
}

/* Reads the counters and tells the operator when drops start: at the first
 * drop, and again when drops come back after a quiet minute, not on every
 * second of a long overload. */
static void watch_drops(struct capture_source *src, int index, uint64_t now_us, const struct capture_live_hooks *h)
{
    uint64_t before = src->counters.dropped + src->counters.if_dropped;
    read_counters(src);
    if (src->counters.dropped + src->counters.if_dropped == before)
        return;
    bool quiet = src->last_drop_us == 0 || now_us - src->last_drop_us >= CAPTURE_DROPS_QUIET_S * 1000000ull;
    src->last_drop_us = now_us;
    if (quiet && h->drops)
        h->drops(h->ctx, index, &src->counters);
}

struct live_ctx {
    const struct capture_live_hooks *h;
    int index;
};

static void on_live_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
    struct live_ctx *c = (struct live_ctx *)user;
    struct capture_frame f = {
        .ts_us = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec,
        .data = bytes,
        .caplen = hdr->caplen,
        .wire_len = hdr->len,
    };
    c->h->frame(c->h->ctx, c->index, &f);
}

/* One frame read ahead from each source, for merging several by time. */
struct live_head {
    struct pcap_pkthdr hdr;
    const u_char *data;          /* valid until the next pcap_next_ex() on that handle */
    bool have;
};

static uint64_t head_ts_us(const struct live_head *hd)
{
    return (uint64_t)hd->hdr.ts.tv_sec * 1000000u + (uint64_t)hd->hdr.ts.tv_usec;
}

/* The source whose waiting frame is oldest; -1 when none waits. */
static int oldest_head(const struct live_head *head, int n)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (head[i].have && (best < 0 || head_ts_us(&head[i]) < head_ts_us(&head[best])))
            best = i;
    return best;
}

static void pass_head(const struct capture_live_hooks *h, struct live_head *head, int i)
{
    struct capture_frame f = { .ts_us = head_ts_us(&head[i]), .data = head[i].data, .caplen = head[i].hdr.caplen,
                               .wire_len = head[i].hdr.len };
    h->frame(h->ctx, i, &f);
    head[i].have = false;
}

/* Several interfaces (one per direction of a SPAN) must be read in the
 * order the frames were seen, or a server's reply may be processed before
 * the request it answers: each ring hands frames over a block at a time, up
 * to its 100 ms timeout late. So frames are merged by timestamp, one read
 * ahead per source (zero copy: libpcap keeps it valid until the next read on
 * that handle), and a frame is passed on only when every source has one
 * waiting, or when it is older than MERGE_LAG_US (no earlier frame can
 * still be on its way). Returns frames passed on, or -1 with *failed set. */
#define MERGE_LAG_US 250000u
static int pump_merged(struct capture_source *const *srcs, int n, struct live_head *head,
                       const struct capture_live_hooks *h, volatile sig_atomic_t *stop, int *failed, char *err,
                       size_t errlen)
{
    int got = 0;
    uint64_t now = 0;
    while (got < DISPATCH_BATCH && !*stop) {
        int missing = 0;
        for (int i = 0; i < n; i++) {
            if (head[i].have)
                continue;
            struct pcap_pkthdr *ph;
            const u_char *data;
            int k = pcap_next_ex(srcs[i]->pcap, &ph, &data);
            if (k == 1) {
                head[i] = (struct live_head){ *ph, data, true };
            } else if (k == 0) {
                missing++;
            } else if (k == PCAP_ERROR_BREAK) {
                return got;
            } else {
                snprintf(err, errlen, "%s", pcap_geterr(srcs[i]->pcap));
                *failed = i;
                return -1;
            }
        }
        int best = oldest_head(head, n);
        if (best < 0)
            break;
        if (missing) {
            if (!now)
                now = capture_wall_us();
            if (head_ts_us(&head[best]) + MERGE_LAG_US > now)
                break;
        }
        pass_head(h, head, best);
        got++;
    }
    return got;
}

/* One batch from each in turn: a busy interface cannot starve the others. */
static int pump_each(struct capture_source *const *srcs, int n, const struct capture_live_hooks *h,
                     volatile sig_atomic_t *stop, int *failed, char *err, size_t errlen)
{
    int got = 0;
    for (int i = 0; i < n && !*stop; i++) {
        struct live_ctx c = { h, i };
        int k = pcap_dispatch(srcs[i]->pcap, DISPATCH_BATCH, on_live_packet, (u_char *)&c);
        if (k == PCAP_ERROR_BREAK)
            return got;
        if (k < 0) {
            snprintf(err, errlen, "%s", pcap_geterr(srcs[i]->pcap));
            *failed = i;
            return -1;
        }
        got += k;
    }
    return got;
}

enum capture_status capture_run_live(struct capture_source *const *srcs, int n, const struct capture_live_hooks *h,
                                     volatile sig_atomic_t *stop, int *failed, char *err, size_t errlen)
{
    struct pollfd pfd[CAPTURE_MAX_LIVE];
    struct live_head head[CAPTURE_MAX_LIVE];
    if (n < 1 || n > CAPTURE_MAX_LIVE) {
        snprintf(err, errlen, "from 1 to %d interfaces", CAPTURE_MAX_LIVE);
        return CAPTURE_ERROR;
    }
    memset(head, 0, sizeof head);
    uint64_t last_idle = 0, last_link = 0;
    *failed = -1;
    while (!*stop) {
        int got = n == 1 ? pump_each(srcs, n, h, stop, failed, err, errlen)
                         : pump_merged(srcs, n, head, h, stop, failed, err, errlen);
        if (got < 0)
            return CAPTURE_ERROR;
        if (*stop)
            break;
        if (got == 0) {
            /* Nothing ready anywhere: wait for any of them, at most 100 ms;
             * a signal cuts the wait short (EINTR) and the loop sees *stop. */
            int m = 0;
            bool held = false;
            for (int i = 0; i < n; i++) {
                int fd = pcap_get_selectable_fd(srcs[i]->pcap);
                held |= head[i].have;
                if (fd >= 0 && !head[i].have)
                    pfd[m++] = (struct pollfd){ .fd = fd, .events = POLLIN };
            }
            /* A frame held back by the merge is due within MERGE_LAG_US:
             * wait for the sources it waits on, not the one holding it. */
            if (m || held)
                poll(pfd, (nfds_t)m, held ? 10 : 100);
        }
        uint64_t now = capture_wall_us();
        if (now - last_link >= 1000000u) {
            for (int i = 0; i < n; i++) {
                watch_link(srcs[i], i, now, h);
                watch_drops(srcs[i], i, now, h);
            }
            last_link = now;
        }
        if (h->idle && now - last_idle >= 100000u) {
            h->idle(h->ctx, now);
            last_idle = now;
        }
    }
    /* Stopped: the frames read ahead are passed on, oldest first. */
    for (int best; (best = oldest_head(head, n)) >= 0;)
        pass_head(h, head, best);
    return CAPTURE_OK;
}

const struct capture_counters *capture_counters(struct capture_source *src)
{
    read_counters(src);
    return &src->counters;
}

int64_t capture_position(const struct capture_source *src)
{
    if (src->live || !src->file)
        return -1;
    off_t pos = ftello(src->file);
    return pos < 0 ? -1 : (int64_t)pos;
}

void capture_close(struct capture_source *src)
{
    if (!src)
        return;
    if (src->pcap)
        pcap_close(src->pcap); /* closes src->file too (stdin included) */
    free(src->file_buf);
    free(src);
}
