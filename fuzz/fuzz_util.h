/* fuzz_util.h - what the fuzz targets share: the libFuzzer entry point's
 * prototype, a check that aborts (so libFuzzer and the CTest replay both see a
 * crash), a reader for the small byte scripts that drive the stateful targets,
 * exact-size heap copies (so AddressSanitizer catches a read one byte past the
 * input, as picohttpparser's tests do with an unreadable page), and a strict
 * JSON / UTF-8 validator for the lines the writers produce.
 *
 * Every target is one file fuzz_<module>.c defining LLVMFuzzerTestOneInput;
 * built with clang -fsanitize=fuzzer it is a libFuzzer binary, built with the
 * normal compiler it is linked with replay_main.c, which runs it over files
 * and directories (the seed corpus under CTest), like libpcap's onefile.c.
 */
#ifndef TLSSCOPE_FUZZ_UTIL_H
#define TLSSCOPE_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the target checks: on failure, say which and abort(). */
#define FUZZ_CHECK(cond, ...)                                                                                      \
    do {                                                                                                           \
        if (!(cond))                                                                                               \
            fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                                     \
    } while (0)

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 4, 5)))
#endif
void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...);

/* ---- byte scripts ---- */

/* A cursor over the fuzz input; reads past the end give zeros. */
struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

uint8_t fuzz_u8(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in);  /* big-endian */
uint32_t fuzz_u32(struct fuzz_in *in);  /* big-endian */
/* Up to `want` bytes (fewer at the end of the input); returns how many. */
size_t fuzz_take(struct fuzz_in *in, size_t want, const uint8_t **out);

/* One piece of a two-direction conversation: the chunk scripts of
 * fuzz_tls_session and fuzz_starttls are a sequence of
 *     [flags:1] [length:2, big-endian] [bytes: length]
 * where flags bit 0 is the direction (0 client->server, 1 server->client),
 * bit 1 a gap before the piece (bytes lost), bit 2 "feed it one byte at a
 * time", bit 3 "feed it in two halves"; the other bits are the target's. A
 * length past the end of the input takes what is left. */
enum {
    FUZZ_CHUNK_DIR = 0x01,
    FUZZ_CHUNK_GAP = 0x02,
    FUZZ_CHUNK_BYTEWISE = 0x04,
    FUZZ_CHUNK_HALVES = 0x08,
};

struct fuzz_chunk {
    uint8_t flags;
    int dir;
    const uint8_t *p;
    size_t n;
};

/* The next chunk; false at the end of the input. */
bool fuzz_next_chunk(struct fuzz_in *in, struct fuzz_chunk *c);

/* An exact-size heap copy of p[0..n) (never NULL; free() it). */
uint8_t *fuzz_dup(const void *p, size_t n);

/* ---- output checks ---- */

/* Well-formed UTF-8 (RFC 3629: no overlongs, surrogates, or code points
 * above U+10FFFF). */
bool fuzz_utf8_valid(const uint8_t *p, size_t n);

/* One JSON value (RFC 8259), strictly: no trailing commas, no raw control
 * characters in strings, only the escapes the RFC lists (\u escapes naming a
 * surrogate must form a pair), well-formed UTF-8 throughout, numbers in the
 * RFC's grammar, nesting at most 64 deep, and no key twice in one object.
 * Whitespace around the value is allowed. On failure *why says what, at
 * *at the offset. */
bool fuzz_json_valid(const char *s, size_t n, const char **why, size_t *at);

/* A JSON line as the writers produce one: a JSON object followed by exactly
 * one '\n' and nothing else (no other newline). Aborts with the line printed
 * when it is not. */
void fuzz_check_json_line(const char *s, size_t n);

/* Formats a connection line as conn_json_emit() does and checks it: it fits
 * CONN_JSON_LINE_MAX, fuzz_check_json_line() passes, an exact-size buffer
 * gives the same bytes and a buffer one byte short gives nothing. */
struct conn_meta;
struct tls_report;
void fuzz_check_conn_line(const struct conn_meta *m, const struct tls_report *r);

/* The meta of a UDP flow between two fixed IPv4 endpoints (fuzz_quic,
 * fuzz_dtls): zeroed counters, client port 50123, `server_port`. */
void fuzz_udp_meta(struct conn_meta *m, uint16_t server_port);

#endif
