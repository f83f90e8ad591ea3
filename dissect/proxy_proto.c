/* proxy_proto.c - PROXY protocol v1 and v2 headers; see proxy_proto.h.
 *
 * Reference: haproxy doc/proxy-protocol.txt, sections 2.1 (v1 line), 2.2
 * (v2 header, address block), 2.2.1-2.2.8 (TLVs); RFC 4960 appendix B
 * (CRC32C).
 *
 * Both versions are checked incrementally: every byte present is judged as
 * soon as it is read, so a header that can no longer become valid is
 * MALFORMED at once, and NEED_MORE means exactly "a prefix of something
 * valid". Every read goes through the span cursor.
 */
#include "dissect/proxy_proto.h"

#include <arpa/inet.h>
#include <string.h>

/* "PROXY": seeing these five characters makes it version 1. */
static const uint8_t proxy_v1_sig[5] = { 'P', 'R', 'O', 'X', 'Y' };
/* Chosen to be rejected by most protocols (section 7): "\r\n\r\n\0\r\nQUIT\n". */
static const uint8_t proxy_v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

enum {
    PROXY_CMD_LOCAL = 0x0,
    PROXY_CMD_PROXY = 0x1,
};

/* v2 family and transport byte (section 2.2). */
enum {
    PROXY_FAM_UNSPEC = 0x00,
    PROXY_FAM_TCP4 = 0x11,
    PROXY_FAM_UDP4 = 0x12,
    PROXY_FAM_TCP6 = 0x21,
    PROXY_FAM_UDP6 = 0x22,
    PROXY_FAM_UNIX_STREAM = 0x31,
    PROXY_FAM_UNIX_DGRAM = 0x32,
};

enum {
    PP2_TYPE_ALPN = 0x01,
    PP2_TYPE_AUTHORITY = 0x02,
    PP2_TYPE_CRC32C = 0x03,
    PP2_TYPE_NOOP = 0x04,
    PP2_TYPE_UNIQUE_ID = 0x05,
    PP2_TYPE_SSL = 0x20,
    PP2_SUBTYPE_SSL_VERSION = 0x21,
    PP2_TYPE_NETNS = 0x30,
    /* 0x22-0x25 (CN, cipher, signature and key algorithms) and the custom
     * (0xe0-0xef), experimental (0xf0-0xf7) and future (0xf8-0xff) ranges
     * are skipped, as the spec lets a receiver do. */
};

/* ---- common ------------------------------------------------------------- */

/* Compare the start of `data` with a signature: NEED_MORE while what is
 * there matches but is shorter, NOT_PROXY at the first byte that differs. */
static enum proxy_result proxy_match(struct span data, const uint8_t *sig, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = span_u8(&data);
        if (!span_ok(&data))
            return PROXY_NEED_MORE;
        if (c != sig[i])
            return PROXY_NOT_PROXY;
    }
    return PROXY_OK;
}

/* Copy a whole TLV value into a fixed array; the caller has checked it fits. */
static uint8_t proxy_copy(struct span v, uint8_t *dst)
{
    size_t n = v.n;
    for (size_t i = 0; i < n; i++)
        dst[i] = span_u8(&v);
    return (uint8_t)n;
}

/* ---- version 1 ---------------------------------------------------------- */

/* The line's fields after "PROXY": protocol, source and destination
 * addresses, source and destination ports. */
enum { V1_PROTO = 1, V1_SRC, V1_DST, V1_SPORT, V1_DPORT };
enum { V1_UNKNOWN = -1 };

/* Longest token per field: "UNKNOWN"; "255.255.255.255"; INET6_ADDRSTRLEN
 * less its NUL (an IPv6 address may end in a dotted IPv4 one, as inet_ntop
 * writes IPv4-mapped addresses); "65535". */
#define V1_TOKEN_MAX 45

static bool v1_is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

static bool v1_is_hex(uint8_t c)
{
    return v1_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* May `c` extend the token `tok` (tok_len bytes) of `field`? This is what
 * lets a prefix be judged before the CRLF arrives: a byte no valid line
 * could have there makes the line malformed at once. */
static bool v1_char_ok(int field, int family, const char *tok, size_t tok_len, uint8_t c)
{
    static const char *const protos[] = { "TCP4", "TCP6", "UNKNOWN" };
    switch (field) {
    case V1_PROTO:
        for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
            if (tok_len < strlen(protos[i]) && (uint8_t)protos[i][tok_len] == c &&
                memcmp(protos[i], tok, tok_len) == 0)
                return true;
        return false;
    case V1_SRC:
    case V1_DST:
        if (family == 4)
            return tok_len < 15 && (v1_is_digit(c) || c == '.');
        return tok_len < V1_TOKEN_MAX && (v1_is_hex(c) || c == ':' || c == '.');
    default:
        /* Ports: "Heading zeroes are not permitted", so after a leading 0
         * nothing may follow. */
        return tok_len < 5 && v1_is_digit(c) && !(tok_len == 1 && tok[0] == '0');
    }
}

/* IPv4 "as a series of exactly 4 integers in the range [0..255] ... Heading
 * zeroes are not permitted": checked here rather than trusting inet_pton's
 * handling of leading zeros, which differs between C libraries. */
static bool v1_ipv4_canonical(const char *tok, size_t n)
{
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (tok[i] == '.') {
            digits = 0;
            continue;
        }
        if (digits == 1 && tok[i - 1] == '0')
            return false;
        digits++;
    }
    return true;
}

/* A complete token: judge it whole and store what it says. */
static bool v1_field_done(int field, int *family, const char *tok, size_t n, struct proxy_info *out)
{
    if (n == 0)
        return false; /* two spaces in a row, or a space before CRLF */
    switch (field) {
    case V1_PROTO:
        if (n == 4 && memcmp(tok, "TCP4", 4) == 0)
            *family = 4;
        else if (n == 4 && memcmp(tok, "TCP6", 4) == 0)
            *family = 6;
        else if (n == 7 && memcmp(tok, "UNKNOWN", 7) == 0)
            *family = V1_UNKNOWN;
        else
            return false;
        return true;
    case V1_SRC:
    case V1_DST: {
        /* inet_pton wants a C string: a bounded, NUL-terminated copy. */
        char buf[V1_TOKEN_MAX + 1];
        memcpy(buf, tok, n);
        buf[n] = '\0';
        if (*family == 4 && !v1_ipv4_canonical(tok, n))
            return false;
        uint8_t *addr = field == V1_SRC ? out->src : out->dst;
        return inet_pton(*family == 4 ? AF_INET : AF_INET6, buf, addr) == 1;
    }
    default: {
        uint32_t v = 0;
        for (size_t i = 0; i < n; i++)
            v = v * 10 + (uint32_t)(tok[i] - '0');
        if (v > 65535)
            return false;
        if (field == V1_SPORT)
            out->sport = (uint16_t)v;
        else
            out->dport = (uint16_t)v;
        return true;
    }
    }
}

static enum proxy_result proxy_v1(struct span data, struct proxy_info *out, size_t *header_len)
{
    struct span s = data;
    span_skip(&s, sizeof(proxy_v1_sig));

    char tok[V1_TOKEN_MAX];
    size_t tok_len = 0;
    int field = 0;      /* 0: the space after "PROXY" comes next */
    int family = 0;     /* 4, 6, V1_UNKNOWN once the protocol token is whole */
    bool cr = false;    /* the previous byte ended the last field with CR */

    for (size_t pos = sizeof(proxy_v1_sig); pos < PROXY_V1_MAX_LEN; pos++) {
        uint8_t c = span_u8(&s);
        if (!span_ok(&s))
            return PROXY_NEED_MORE;

        if (family == V1_UNKNOWN && field > V1_PROTO) {
            /* "the receiver must ignore anything presented before the CRLF
             * is found" */
            if (cr && c == '\n') {
                *header_len = pos + 1;
                return PROXY_OK;
            }
            cr = c == '\r';
            continue;
        }
        if (cr) {
            /* "must not tolerate a single CR or LF character to end the
             * line" */
            if (c != '\n')
                return PROXY_MALFORMED;
            *header_len = pos + 1;
            if (family != V1_UNKNOWN) {
                out->has_addresses = true;
                out->ip_version = (uint8_t)family;
            }
            return PROXY_OK;
        }
        if (field == 0) {
            if (c != ' ')
                return PROXY_MALFORMED;
            field = V1_PROTO;
            continue;
        }
        if (c == ' ' || c == '\r') {
            if (!v1_field_done(field, &family, tok, tok_len, out))
                return PROXY_MALFORMED;
            if (c == '\r') {
                /* Only the last port, or UNKNOWN's short form, ends the line. */
                if (field != V1_DPORT && family != V1_UNKNOWN)
                    return PROXY_MALFORMED;
                cr = true;
            } else if (field == V1_DPORT) {
                return PROXY_MALFORMED;
            }
            field++;
            tok_len = 0;
            continue;
        }
        if (!v1_char_ok(field, family, tok, tok_len, c))
            return PROXY_MALFORMED;
        tok[tok_len++] = (char)c;
    }
    return PROXY_MALFORMED; /* no CRLF in the first 107 bytes */
}

/* ---- version 2 ---------------------------------------------------------- */

/* CRC32C (Castagnoli, reflected polynomial 0x82f63b78) of the header's
 * first `n` bytes, with the 4 bytes at `zero_off` taken as zero: the
 * checksum is computed with its own field zeroed (section 2.2.3). Bitwise:
 * it runs at most once per connection, over at most 64 KiB. */
static uint32_t proxy_crc32c(struct span hdr, size_t n, size_t zero_off)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = span_u8(&hdr);
        if (i >= zero_off && i < zero_off + 4)
            b = 0;
        crc ^= b;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* PP2_TYPE_SSL: client bits, verify result, then sub-TLVs that must fill
 * the value exactly. */
static bool proxy_ssl(struct span v, struct proxy_info *out)
{
    uint8_t client = span_u8(&v);
    uint32_t verify = span_u32(&v);
    if (!span_ok(&v))
        return false;
    bool seen_version = false;
    /* Each sub-TLV takes at least 3 bytes of a value under 64 KiB. */
    while (v.n > 0) {
        uint8_t type = span_u8(&v);
        struct span sub = span_vec16(&v);
        if (!span_ok(&v))
            return false;
        if (type == PP2_SUBTYPE_SSL_VERSION && !seen_version) {
            seen_version = true;
            size_t n = sub.n < PROXY_SSL_VERSION_MAX ? sub.n : PROXY_SSL_VERSION_MAX;
            out->ssl_version_more = sub.n > n;
            for (size_t i = 0; i < n; i++)
                out->ssl_version[i] = (char)span_u8(&sub);
            out->ssl_version_len = (uint8_t)n;
        }
    }
    out->has_ssl = true;
    out->ssl_client = client;
    out->ssl_verify = verify;
    return true;
}

/* The TLVs after the address block, which run to the end of the header;
 * `hdr` is the whole header, hdr_len bytes (for the CRC32C). */
static enum proxy_result proxy_tlvs(struct span hdr, size_t hdr_len, struct span tlvs, struct proxy_info *out)
{
    bool seen_alpn = false, seen_authority = false, seen_unique_id = false, seen_ssl = false;
    bool crc_present = false;
    uint32_t crc_want = 0;
    size_t crc_off = 0;

    /* Each TLV takes at least 3 bytes, so this ends within 21845 steps. */
    while (tlvs.n > 0) {
        size_t value_off = hdr_len - tlvs.n + 3; /* after type and length */
        uint8_t type = span_u8(&tlvs);
        struct span v = span_vec16(&tlvs);
        if (!span_ok(&tlvs))
            return PROXY_MALFORMED; /* a TLV longer than what is left */
        out->tlv_count++;

        switch (type) {
        case PP2_TYPE_ALPN:
            if (v.n == 0 || v.n > PROXY_ALPN_MAX)
                return PROXY_MALFORMED;
            if (!seen_alpn)
                out->alpn_len = proxy_copy(v, out->alpn);
            seen_alpn = true;
            break;
        case PP2_TYPE_AUTHORITY:
            if (v.n == 0 || v.n > PROXY_AUTHORITY_MAX)
                return PROXY_MALFORMED;
            if (!seen_authority)
                out->authority_len = proxy_copy(v, out->authority);
            seen_authority = true;
            break;
        case PP2_TYPE_CRC32C:
            /* Every CRC32C TLV must match; each is checked with its own
             * field zeroed. One is all a sender writes. */
            if (v.n != 4 || crc_present)
                return PROXY_MALFORMED;
            crc_present = true;
            crc_want = span_u32(&v);
            crc_off = value_off;
            break;
        case PP2_TYPE_UNIQUE_ID:
            if (v.n > PROXY_UNIQUE_ID_MAX)
                return PROXY_MALFORMED;
            if (!seen_unique_id)
                out->unique_id_len = proxy_copy(v, out->unique_id);
            seen_unique_id = true;
            break;
        case PP2_TYPE_SSL:
            if (!seen_ssl && !proxy_ssl(v, out))
                return PROXY_MALFORMED;
            seen_ssl = true;
            break;
        case PP2_TYPE_NETNS:
            out->has_netns = true;
            break;
        case PP2_TYPE_NOOP:
        default:
            break;
        }
    }

    /* "If it is not [the same], the receiver MUST treat the TCP connection
     * providing the header as invalid." */
    if (crc_present) {
        if (proxy_crc32c(hdr, hdr_len, crc_off) != crc_want)
            return PROXY_MALFORMED;
        out->has_crc32c = true;
    }
    return PROXY_OK;
}

static enum proxy_result proxy_v2(struct span data, struct proxy_info *out, size_t *header_len)
{
    struct span s = data;
    span_skip(&s, sizeof(proxy_v2_sig));

    uint8_t ver_cmd = span_u8(&s);
    if (!span_ok(&s))
        return PROXY_NEED_MORE;
    /* "it must always be sent as \x2 and the receiver must only accept this
     * value"; commands other than LOCAL and PROXY "must be dropped". */
    if (ver_cmd >> 4 != 2 || (ver_cmd & 0x0f) > PROXY_CMD_PROXY)
        return PROXY_MALFORMED;
    bool local = (ver_cmd & 0x0f) == PROXY_CMD_LOCAL;

    uint8_t fam = span_u8(&s);
    if (!span_ok(&s))
        return PROXY_NEED_MORE;
    size_t addr_len;
    switch (local ? PROXY_FAM_UNSPEC : fam) { /* LOCAL: "the family ... is ignored" */
    case PROXY_FAM_UNSPEC:
        addr_len = 0;
        break;
    case PROXY_FAM_TCP4:
    case PROXY_FAM_UDP4:
        addr_len = 2 * 4 + 2 * 2;
        break;
    case PROXY_FAM_TCP6:
    case PROXY_FAM_UDP6:
        addr_len = 2 * 16 + 2 * 2;
        break;
    case PROXY_FAM_UNIX_STREAM:
    case PROXY_FAM_UNIX_DGRAM:
        addr_len = 2 * 108;
        break;
    default:
        return PROXY_MALFORMED; /* "must be rejected as invalid by receivers" */
    }

    uint16_t len = span_u16(&s);
    if (!span_ok(&s))
        return PROXY_NEED_MORE;
    if (len < addr_len)
        return PROXY_MALFORMED;
    struct span body = span_take(&s, len);
    if (!span_ok(&s))
        return PROXY_NEED_MORE;

    size_t hdr_len = PROXY_V2_HDR_LEN + (size_t)len;
    out->version = 2;
    if (local || fam == PROXY_FAM_UNSPEC) {
        /* LOCAL: use the real endpoints and discard the block. UNSPEC: "the
         * receiver should ignore address information". Neither is read. */
        out->local = local;
        *header_len = hdr_len;
        return PROXY_OK;
    }

    out->dgram = (fam & 0x0f) == 0x02;
    if (fam == PROXY_FAM_TCP4 || fam == PROXY_FAM_UDP4) {
        for (size_t i = 0; i < 4; i++)
            out->src[i] = span_u8(&body);
        for (size_t i = 0; i < 4; i++)
            out->dst[i] = span_u8(&body);
        out->ip_version = 4;
    } else if (fam == PROXY_FAM_TCP6 || fam == PROXY_FAM_UDP6) {
        for (size_t i = 0; i < 16; i++)
            out->src[i] = span_u8(&body);
        for (size_t i = 0; i < 16; i++)
            out->dst[i] = span_u8(&body);
        out->ip_version = 6;
    } else {
        span_skip(&body, addr_len); /* UNIX socket paths: no IP endpoint */
    }
    if (out->ip_version) {
        out->sport = span_u16(&body);
        out->dport = span_u16(&body);
        out->has_addresses = true;
    }
    /* len >= addr_len was checked, so the reads above cannot fail. */

    enum proxy_result r = proxy_tlvs(data, hdr_len, body, out);
    if (r != PROXY_OK)
        return r;
    *header_len = hdr_len;
    return PROXY_OK;
}

/* ---- entry point -------------------------------------------------------- */

enum proxy_result proxy_parse(struct span data, struct proxy_info *out, size_t *header_len)
{
    memset(out, 0, sizeof(*out));
    *header_len = 0;
    if (!span_ok(&data))
        return PROXY_NOT_PROXY;

    enum proxy_result r = proxy_match(data, proxy_v1_sig, sizeof(proxy_v1_sig));
    if (r == PROXY_OK) {
        out->version = 1;
        r = proxy_v1(data, out, header_len);
    } else if (r == PROXY_NOT_PROXY) {
        r = proxy_match(data, proxy_v2_sig, sizeof(proxy_v2_sig));
        if (r == PROXY_OK)
            r = proxy_v2(data, out, header_len);
    }
    if (r != PROXY_OK) {
        /* Nothing half-filled reaches the caller. */
        memset(out, 0, sizeof(*out));
        *header_len = 0;
    }
    return r;
}

size_t proxy_v2_skip_len(struct span data)
{
    struct span sig = span_take(&data, sizeof(proxy_v2_sig));
    span_skip(&data, 2); /* version and command, family */
    uint16_t len = span_u16(&data);
    if (!span_ok(&data) || memcmp(sig.p, proxy_v2_sig, sizeof(proxy_v2_sig)) != 0 || data.n < len)
        return 0;
    return PROXY_V2_HDR_LEN + (size_t)len;
}

size_t proxy_v1_skip_len(struct span data)
{
    if (proxy_match(data, proxy_v1_sig, sizeof(proxy_v1_sig)) != PROXY_OK)
        return 0;
    span_skip(&data, sizeof(proxy_v1_sig));
    bool cr = false;
    for (size_t pos = sizeof(proxy_v1_sig); pos < PROXY_V1_MAX_LEN; pos++) {
        uint8_t c = span_u8(&data);
        if (!span_ok(&data))
            return 0;
        if (cr && c == '\n')
            return pos + 1;
        cr = c == '\r';
    }
    return 0;
}

bool proxy_v1_line_open(struct span data)
{
    return span_ok(&data) && data.n < PROXY_V1_MAX_LEN &&
           proxy_match(data, proxy_v1_sig, sizeof(proxy_v1_sig)) == PROXY_OK && proxy_v1_skip_len(data) == 0;
}
