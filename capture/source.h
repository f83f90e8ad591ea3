/* source.h - packet sources: capture files (pcap, pcapng, stdin) and live
 * interfaces, both read through libpcap.
 *
 * Files are opened with pcap_fopen_offline() on a FILE that has a 1 MiB stdio
 * buffer: libpcap's own pcap_open_offline() reads 4 KiB at a time, and on
 * machines where system calls are costly that alone makes reading 3-5 times
 * slower.
 */
#ifndef TLSSCOPE_SOURCE_H
#define TLSSCOPE_SOURCE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture_source;

/* One captured frame, as the decoder needs it. Valid during the callback only. */
struct capture_frame {
    uint64_t ts_us;
    const uint8_t *data;
    uint32_t caplen;
    uint32_t wire_len;
};

typedef void (*capture_fn)(void *ctx, const struct capture_frame *frame);

enum capture_status {
    CAPTURE_OK = 0,          /* end of file, or stopped by a signal */
    CAPTURE_TRUNCATED,       /* the file ends in the middle of a record */
    CAPTURE_ERROR,           /* unreadable or corrupt: message in err */
};

struct capture_options {
    int snaplen;             /* live: bytes kept per frame */
    bool promisc;
    int buffer_mb;           /* live: kernel buffer */
};

/* Opens a capture file ("-" is standard input). NULL and a message on error. */
struct capture_source *capture_open_file(const char *path, char *err, size_t errlen);

/* Opens a live interface. NULL and a message on error. */
struct capture_source *capture_open_live(const char *iface, const struct capture_options *opt, char *err,
                                         size_t errlen);

/* Joins a live source to the kernel's AF_PACKET fanout group `group`
 * (0-65535), shared by every handle on the same interface that joins it:
 * the kernel then gives each frame to one of them by a hash of its
 * addresses and ports that is the same both ways, so each connection stays
 * with one reader. Frames queued before the join (each handle saw every
 * frame until then) are discarded, so none is read twice. Call after
 * capture_set_filter. -1 and a message on error. */
int capture_join_fanout(struct capture_source *src, int group, char *err, size_t errlen);

/* Compiles and sets a BPF filter; -1 and a message on error. */
int capture_set_filter(struct capture_source *src, const char *expr, char *err, size_t errlen);

int capture_linktype(const struct capture_source *src);
uint32_t capture_snaplen(const struct capture_source *src); /* the file's or interface's snapshot length */
bool capture_is_live(const struct capture_source *src);

/* What libpcap warned about when a live capture was activated (promiscuous
 * mode not granted, ...), or NULL. The capture runs regardless. */
const char *capture_warning(const struct capture_source *src);

/* Reads frames until end of input, an error, or *stop becomes non-zero.
 * For live sources `idle` is called about every 100 ms with the wall-clock
 * time, so idle flows expire and output is flushed while traffic is quiet. */
enum capture_status capture_run(struct capture_source *src, capture_fn fn, void *ctx,
                                void (*idle)(void *ctx, uint64_t now_us), volatile sig_atomic_t *stop,
                                char *err, size_t errlen);

/* What libpcap counted on a live source, kept in 64 bits: pcap_stats()
 * counts in 32 bits, which wrap after hours at a busy SPAN port, so the
 * counters are read every second and their differences added up. */
struct capture_counters {
    uint64_t received;           /* packets the kernel handed to the capture (ps_recv) */
    uint64_t dropped;            /* dropped by the kernel: the capture buffer was full (ps_drop) */
    uint64_t if_dropped;         /* dropped by the interface or its driver (ps_ifdrop) */
};

/* Seconds without new drops after which new ones are announced again. */
#define CAPTURE_DROPS_QUIET_S 60

/* Up to this many interfaces are read together by one capture_run_live. */
#define CAPTURE_MAX_LIVE 16

/* What capture_run_live calls: every frame with the index of its source;
 * `idle` about every 100 ms with the wall-clock time (idle flows expire,
 * output is flushed while traffic is quiet); `link` when an interface's link
 * goes down or comes back (checked every second; may be NULL). */
struct capture_live_hooks {
    void *ctx;
    void (*frame)(void *ctx, int index, const struct capture_frame *frame);
    void (*idle)(void *ctx, uint64_t now_us);
    void (*link)(void *ctx, int index, bool up);
    /* Called when the kernel or the interface starts dropping packets: the
     * first drops of the run, or the first after DROPS_QUIET_S seconds
     * without any. May be NULL. */
    void (*drops)(void *ctx, int index, const struct capture_counters *c);
};

/* Reads several live sources as one stream of frames (a SPAN setup that
 * gives one port per direction: both directions of a connection must meet
 * in one flow table), until *stop becomes non-zero or one fails: then
 * CAPTURE_ERROR, its index in *failed and the message in err. */
enum capture_status capture_run_live(struct capture_source *const *srcs, int n, const struct capture_live_hooks *h,
                                     volatile sig_atomic_t *stop, int *failed, char *err, size_t errlen);

/* Link state changes seen on a live source. */
struct capture_link_stats {
    uint64_t down_events;        /* times the link went down */
    uint64_t down_us;            /* time spent down, closed periods */
    uint64_t down_since_us;      /* when the current down period began; 0 while up */
};
const struct capture_link_stats *capture_link_stats(const struct capture_source *src);

/* The interface's name for a live source, NULL for a file. */
const char *capture_name(const struct capture_source *src);

/* Kernel drop counters of a live source (0 for files), read now. */
const struct capture_counters *capture_counters(struct capture_source *src);

/* Bytes of a capture file read so far; -1 for a live source or a stream
 * (standard input) whose position is unknown. */
int64_t capture_position(const struct capture_source *src);

void capture_close(struct capture_source *src);

/* The wall clock in microseconds since the epoch (what live frames are stamped with). */
uint64_t capture_wall_us(void);

#endif
