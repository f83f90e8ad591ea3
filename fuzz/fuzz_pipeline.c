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

    struct engine_config cfg;
    engine_defaults(&cfg);
    cfg.max_flows = 8;
    cfg.max_sessions = 3;
    cfg.buffer_budget = 96u * 1024u;
    cfg.idle_timeout_s = 20;
    cfg.out = out;
    cfg.no_classify = true;
    struct engine e;
    FUZZ_CHECK(engine_init(&e, &cfg) == 0, "engine_init failed");
    e.tls.classifier = classifier;

    volatile sig_atomic_t stop = 0;
    (void)engine_run(&e, src, &stop, err, sizeof err);
    capture_close(src);
    engine_finish(&e);
    uint64_t lines = e.writer->lines;
    FUZZ_CHECK(e.writer->dropped == 0, "%llu lines dropped (too long)", (unsigned long long)e.writer->dropped);
    FUZZ_CHECK(e.writer->write_errors == 0, "write errors");
    e.tls.classifier = NULL; /* lent, not the engine's to free */
    engine_free(&e);
    struct bufpool_stats bs;
    bufpool_get_stats(&bs);
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
    FUZZ_CHECK(seen == lines, "%llu lines in the output, the writer counted %llu", (unsigned long long)seen,
               (unsigned long long)lines);
    free(out_buf);
    return 0;
}
