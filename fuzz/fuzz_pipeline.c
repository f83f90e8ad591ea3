/* fuzz_pipeline.c - the whole pipeline over a capture file, as cli/main.c
 * runs it: capture_open_file() (libpcap, pcap or pcapng), engine_init() with
 * small limits (so eviction, session eviction, buffer refusals and idle
 * expiry happen on small inputs), engine_run(), engine_finish(),
 * engine_free().
 *
 * Input: the bytes of a capture file. They are written to a memfd, which
 * capture_open_file() opens by its /proc/self/fd path like any file.
 *
 * Checks: the engine starts; every connection line it writes (to a memory
 * stream) is one valid JSON object ending in '\n' (strict RFC 8259, UTF-8,
 * no duplicate keys), as many lines as the writer counted, none dropped for
 * size; after engine_free() the buffer pool has nothing in use. LeakSanitizer
 * (libFuzzer's -detect_leaks) catches what engine_free() forgets.
 *
 * The pcapng output (--pcapng) is on too, into a second memory stream: it
 * must be well-formed blocks (lengths at both ends, 32-bit padding, options
 * ended by opt_endofopt), one Enhanced Packet Block per frame the decoder
 * saw, and every comment strict UTF-8 without control characters.
 *
 * nDPI classification is on, as in the CLI. nDPI's detection module costs
 * milliseconds to set up, so one is made on the first input and lent to
 * each engine (engine_init with no_classify, then the classifier set):
 * its per-flow states are recycled between inputs as they are between
 * connections in a long capture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/engine.h"
#include "common/bufpool.h"
#include "fuzz/fuzz_util.h"

static uint32_t rd32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint16_t rd16(const char *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* Checks the options of a block and returns how many comments they hold. */
static uint64_t check_options(const char *p, size_t n)
{
    uint64_t comments = 0;
    size_t off = 0;
    bool ended = false;
    while (off < n) {
        FUZZ_CHECK(!ended && n - off >= 4, "option after opt_endofopt, or cut");
        uint16_t code = rd16(p + off), len = rd16(p + off + 2);
        size_t padded = ((size_t)len + 3u) & ~(size_t)3u;
        FUZZ_CHECK(n - off - 4 >= padded, "option overruns its block");
        if (code == 0) {
            ended = true;
        } else if (code == 1) {
            const uint8_t *c = (const uint8_t *)p + off + 4;
            FUZZ_CHECK(fuzz_utf8_valid(c, len), "comment is not UTF-8");
            for (size_t i = 0; i < len; i++)
                FUZZ_CHECK(c[i] >= 0x20 && c[i] != 0x7f, "control character in a comment");
            FUZZ_CHECK(len >= 10 && memcmp(c, "tlsscope: ", 10) == 0, "comment without its prefix");
            comments++;
        }
        off += 4 + padded;
    }
    FUZZ_CHECK(ended || n == 0, "options without opt_endofopt");
    return comments;
}

static void check_pcapng(const char *buf, size_t len, uint64_t frames, uint64_t comments)
{
    size_t off = 0;
    uint64_t packets = 0, seen_comments = 0;
    uint32_t interfaces = 0;
    while (off < len) {
        FUZZ_CHECK(len - off >= 12, "block header cut");
        uint32_t type = rd32(buf + off), total = rd32(buf + off + 4);
        FUZZ_CHECK(total % 4 == 0 && total >= 12 && total <= len - off, "block length %u", total);
        FUZZ_CHECK(rd32(buf + off + total - 4) == total, "trailing block length differs");
        const char *body = buf + off + 8;
        size_t n = total - 12;
        if (off == 0) {
            FUZZ_CHECK(type == 0x0a0d0d0a && n >= 16, "no section header first");
            seen_comments += check_options(body + 16, n - 16);
        } else if (type == 1) {
            FUZZ_CHECK(n >= 8, "short interface block");
            interfaces++;
        } else {
            FUZZ_CHECK(type == 6 && n >= 20, "unexpected block type %u", type);
            FUZZ_CHECK(rd32(body) < interfaces, "packet on an undeclared interface");
            uint32_t caplen = rd32(body + 12);
            size_t padded = ((size_t)caplen + 3u) & ~(size_t)3u;
            FUZZ_CHECK(padded <= n - 20, "packet data overruns its block");
            seen_comments += check_options(body + 20 + padded, n - 20 - padded);
            packets++;
        }
        off += total;
    }
    FUZZ_CHECK(packets == frames, "%llu packets written for %llu frames", (unsigned long long)packets,
               (unsigned long long)frames);
    FUZZ_CHECK(seen_comments == comments, "%llu comments in the file, %llu counted",
               (unsigned long long)seen_comments, (unsigned long long)comments);
}

static int memfd = -1;
static char memfd_path[64];
static struct classifier *classifier;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memfd < 0) {
        memfd = memfd_create("fuzz_pipeline", 0);
        FUZZ_CHECK(memfd >= 0, "memfd_create failed");
        snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
        classifier = classifier_new();
        FUZZ_CHECK(classifier != NULL, "classifier_new failed");
    }
    FUZZ_CHECK(ftruncate(memfd, 0) == 0, "ftruncate failed");
    FUZZ_CHECK(size == 0 || pwrite(memfd, data, size, 0) == (ssize_t)size, "pwrite failed");

    char err[512];
    struct capture_source *src = capture_open_file(memfd_path, err, sizeof err);
    if (!src)
        return 0; /* not a capture libpcap reads */

    char *out_buf = NULL;
    size_t out_len = 0;
    FILE *out = open_memstream(&out_buf, &out_len);
    FUZZ_CHECK(out != NULL, "open_memstream failed");
    char *pcapng_buf = NULL;
    size_t pcapng_len = 0;
    FILE *pcapng = open_memstream(&pcapng_buf, &pcapng_len);
    FUZZ_CHECK(pcapng != NULL, "open_memstream failed");

    struct engine_config cfg;
    engine_defaults(&cfg);
    cfg.max_flows = 8;
    cfg.max_sessions = 3;
    cfg.buffer_budget = 96u * 1024u;
    cfg.idle_timeout_s = 20;
    cfg.out = out;
    cfg.pcapng = pcapng;
    cfg.no_classify = true;
    struct engine e;
    FUZZ_CHECK(engine_init(&e, &cfg) == 0, "engine_init failed");
    e.dissector.classifier = classifier;

    volatile sig_atomic_t stop = 0;
    (void)engine_run(&e, src, &stop, err, sizeof err);
    capture_close(src);
    engine_finish(&e);
    uint64_t lines = e.writer->lines;
    uint64_t frames = e.decode.frames, comments = e.pcapng->comments;
    FUZZ_CHECK(e.pcapng->write_errors == 0, "pcapng write errors");
    FUZZ_CHECK(e.writer->dropped == 0, "%llu lines dropped (too long)", (unsigned long long)e.writer->dropped);
    FUZZ_CHECK(e.writer->write_errors == 0, "write errors");
    e.dissector.classifier = NULL; /* lent, not the engine's to free */
    engine_free(&e);
    struct bufpool_stats bs;
    bufpool_get_stats(&e.pool, &bs);
    FUZZ_CHECK(bs.in_use == 0, "pool in_use %llu after engine_free", (unsigned long long)bs.in_use);

    FUZZ_CHECK(fclose(out) == 0, "closing the memory stream failed");
    uint64_t seen = 0;
    size_t i = 0;
    while (i < out_len) {
        const char *nl = memchr(out_buf + i, '\n', out_len - i);
        FUZZ_CHECK(nl != NULL, "output ends without a newline");
        size_t n = (size_t)(nl - (out_buf + i)) + 1;
        fuzz_check_json_line(out_buf + i, n);
        seen++;
        i += n;
    }
    FUZZ_CHECK(fclose(pcapng) == 0, "closing the memory stream failed");
    check_pcapng(pcapng_buf, pcapng_len, frames, comments);
    free(pcapng_buf);
    FUZZ_CHECK(seen == lines, "%llu lines in the output, the writer counted %llu", (unsigned long long)seen,
               (unsigned long long)lines);
    free(out_buf);
    return 0;
}
