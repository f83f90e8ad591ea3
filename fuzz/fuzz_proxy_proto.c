/* fuzz_proxy_proto.c - dissect/proxy_proto.c: proxy_parse() on the first
 * bytes of a client stream, as conn.c's client_start() calls it, and
 * proxy_v2_skip_len() and proxy_v1_skip_len(), which it calls when a
 * header was rejected.
 *
 * Input: the stream's first bytes (an exact-size heap copy).
 * Checks: on anything but PROXY_OK, *header_len is 0; on PROXY_OK the header
 * is 1..size bytes (v1 at most PROXY_V1_MAX_LEN, v2 at least
 * PROXY_V2_HDR_LEN), the version is 1 or 2, the kept strings are within
 * their arrays; the header alone (an exact-size copy of its bytes) parses to
 * the same result, and a strict prefix of it is PROXY_NEED_MORE (the parser
 * never decides from bytes after the header, and never says "not a header"
 * to a prefix of one). proxy_v2_skip_len() is 0 or within the input, and
 * for a valid v2 header equals its length; proxy_v1_skip_len() is 0 or
 * within both the input and PROXY_V1_MAX_LEN, and for a valid v1 line
 * equals its length. Every prefix of a v1 line shorter than its CRLF is
 * PROXY_NEED_MORE or rejected with proxy_v1_line_open() true, so conn.c
 * skips a rejected line the same wherever the segments cut it.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/proxy_proto.h"
#include "fuzz/fuzz_util.h"

static size_t skip_copy(const uint8_t *p, size_t n)
{
    uint8_t *copy = fuzz_dup(p, n);
    size_t skip = proxy_v2_skip_len(span_make(copy, n));
    free(copy);
    FUZZ_CHECK(skip == 0 || (skip >= PROXY_V2_HDR_LEN && skip <= n), "skip %zu of %zu bytes", skip, n);
    return skip;
}

static size_t skip_v1_copy(const uint8_t *p, size_t n)
{
    uint8_t *copy = fuzz_dup(p, n);
    size_t skip = proxy_v1_skip_len(span_make(copy, n));
    free(copy);
    FUZZ_CHECK(skip == 0 || (skip >= 7 && skip <= n && skip <= PROXY_V1_MAX_LEN), "v1 skip %zu of %zu bytes", skip,
               n); /* "PROXY\r\n" at least */
    return skip;
}

static enum proxy_result parse_copy(const uint8_t *p, size_t n, struct proxy_info *info, size_t *len)
{
    uint8_t *copy = fuzz_dup(p, n);
    memset(info, 0xa5, sizeof *info);
    *len = 12345;
    enum proxy_result r = proxy_parse(span_make(copy, n), info, len);
    free(copy);
    FUZZ_CHECK(r == PROXY_NEED_MORE || r == PROXY_NOT_PROXY || r == PROXY_MALFORMED || r == PROXY_OK, "result %d",
               (int)r);
    if (r != PROXY_OK)
        FUZZ_CHECK(*len == 0, "result %d with header_len %zu", (int)r, *len);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proxy_info info, again;
    size_t len, len2;
    size_t skip = skip_copy(data, size);
    size_t skip_v1 = skip_v1_copy(data, size);
    /* Cut anywhere before its CRLF, a v1 line is either still a valid prefix
     * or a rejected line whose end may come (conn.c holds it either way): the
     * segments a line arrives in never change where it is skipped. */
    for (size_t cut = sizeof "PROXY" - 1; cut < skip_v1; cut++) {
        enum proxy_result r = parse_copy(data, cut, &again, &len2);
        uint8_t *copy = fuzz_dup(data, cut);
        bool open = proxy_v1_line_open(span_make(copy, cut));
        free(copy);
        FUZZ_CHECK(r == PROXY_NEED_MORE || (r == PROXY_MALFORMED && open), "v1 line cut at %zu of %zu: result %d",
                   cut, skip_v1, (int)r);
    }
    if (parse_copy(data, size, &info, &len) != PROXY_OK)
        return 0;
    if (info.version == 2)
        FUZZ_CHECK(skip == len, "v2 header of %zu bytes, skip %zu", len, skip);
    else
        FUZZ_CHECK(skip_v1 == len, "v1 header of %zu bytes, skip %zu", len, skip_v1);

    FUZZ_CHECK(len > 0 && len <= size, "header_len %zu of %zu bytes", len, size);
    FUZZ_CHECK(info.version == 1 || info.version == 2, "version %u", info.version);
    if (info.version == 1)
        FUZZ_CHECK(len <= PROXY_V1_MAX_LEN, "v1 header of %zu bytes", len);
    else
        FUZZ_CHECK(len >= PROXY_V2_HDR_LEN, "v2 header of %zu bytes", len);
    if (info.has_addresses)
        FUZZ_CHECK(info.ip_version == 4 || info.ip_version == 6, "ip_version %u", info.ip_version);
    FUZZ_CHECK(info.ssl_version_len <= PROXY_SSL_VERSION_MAX, "ssl_version_len %u", info.ssl_version_len);
    FUZZ_CHECK(info.unique_id_len <= PROXY_UNIQUE_ID_MAX, "unique_id_len %u", info.unique_id_len);

    /* The header alone gives the same answer. */
    FUZZ_CHECK(parse_copy(data, len, &again, &len2) == PROXY_OK && len2 == len, "header alone: not the same");
    FUZZ_CHECK(memcmp(&info, &again, sizeof info) == 0, "header alone: different proxy_info");

    /* Strict prefixes: more is needed. */
    size_t cuts[3] = { len - 1, len / 2, 1 };
    for (int i = 0; i < 3; i++) {
        if (cuts[i] == 0 || cuts[i] >= len)
            continue;
        enum proxy_result r = parse_copy(data, cuts[i], &again, &len2);
        FUZZ_CHECK(r == PROXY_NEED_MORE, "prefix of %zu of a %zu-byte header: result %d", cuts[i], len, (int)r);
    }
    return 0;
}
