/* proxy_proto.h - the PROXY protocol header a load balancer puts before a
 * relayed connection's first byte (haproxy's doc/proxy-protocol.txt,
 * versions 1 and 2).
 *
 * A balancer in TCP mode (haproxy `send-proxy`, AWS NLB, ...) opens its own
 * connection to the server and writes this header first, so on the wire
 * between them the TCP client is the balancer and the true client is only
 * in the header. A v2 header may also carry the SNI the balancer saw
 * (PP2_TYPE_AUTHORITY) and, when it terminated TLS itself, the TLS version
 * the client used (PP2_TYPE_SSL).
 *
 * The parser reads the first bytes of the client->server stream through the
 * span cursor, never allocates, and copies what it keeps into `struct
 * proxy_info`, so the input need not outlive the call.
 */
#ifndef TLSSCOPE_PROXY_PROTO_H
#define TLSSCOPE_PROXY_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

enum proxy_result {
    PROXY_NEED_MORE,   /* data is a strict prefix of a header that may still be valid */
    PROXY_NOT_PROXY,   /* data does not start with either version's signature */
    PROXY_MALFORMED,   /* a signature matched, then something the spec forbids */
    PROXY_OK,          /* a whole valid header; *header_len bytes long */
};

/* Longest v1 line, CRLF included ("PROXY UNKNOWN" with two full IPv6
 * addresses and ports): a receiver that has 107 bytes without a CRLF has an
 * invalid line. */
#define PROXY_V1_MAX_LEN 107
/* Fixed part of a v2 header: signature, ver_cmd, fam, len. */
#define PROXY_V2_HDR_LEN 16

#define PROXY_AUTHORITY_MAX 255   /* as haproxy: a longer authority is rejected */
#define PROXY_ALPN_MAX 255        /* an ALPN protocol name is 1..255 bytes (RFC 7301) */
#define PROXY_UNIQUE_ID_MAX 128   /* "up to 128 bytes" */
#define PROXY_SSL_VERSION_MAX 32  /* "TLSv1.3" and the like; longer is cut */

/* PP2_CLIENT_* bits of proxy_info.ssl_client. */
enum {
    PROXY_CLIENT_SSL = 0x01,        /* the client connected over TLS */
    PROXY_CLIENT_CERT_CONN = 0x02,  /* it sent a certificate on this connection */
    PROXY_CLIENT_CERT_SESS = 0x04,  /* ... or earlier in the TLS session */
};

/* What one header said. Fields not named by the header are zero. */
struct proxy_info {
    uint8_t version;            /* 1 or 2 */
    /* v2 LOCAL: the balancer's own connection (a health check). Addresses
     * and TLVs are not read: the spec says to discard the block. */
    bool local;
    /* The relayed connection's endpoints: the true client (src, sport) and
     * the address it connected to on the balancer (dst, dport). Set for v1
     * TCP4/TCP6 and v2 PROXY with family AF_INET/AF_INET6; absent for v1
     * UNKNOWN, v2 AF_UNSPEC and AF_UNIX. */
    bool has_addresses;
    uint8_t ip_version;         /* 4 or 6 when has_addresses */
    uint8_t src[16], dst[16];   /* network order; IPv4 in the first 4 bytes, the rest zero */
    uint16_t sport, dport;
    bool dgram;                 /* v2 family says UDP (0x12, 0x22) or UNIX datagram */

    /* v2 TLVs. A type seen twice keeps its first value. */
    uint16_t tlv_count;         /* top-level TLVs, known or not */
    uint8_t authority_len;      /* PP2_TYPE_AUTHORITY: the SNI the balancer saw */
    uint8_t authority[PROXY_AUTHORITY_MAX];
    uint8_t alpn_len;           /* PP2_TYPE_ALPN: the protocol negotiated with the client */
    uint8_t alpn[PROXY_ALPN_MAX];
    uint8_t unique_id_len;      /* PP2_TYPE_UNIQUE_ID */
    uint8_t unique_id[PROXY_UNIQUE_ID_MAX];
    bool has_crc32c;            /* PP2_TYPE_CRC32C present, and it matched */
    bool has_netns;             /* PP2_TYPE_NETNS present */
    /* PP2_TYPE_SSL: the balancer terminated TLS with the client. */
    bool has_ssl;
    uint8_t ssl_client;         /* PROXY_CLIENT_* */
    uint32_t ssl_verify;        /* 0: the client's certificate was verified */
    uint8_t ssl_version_len;    /* PP2_SUBTYPE_SSL_VERSION, US-ASCII */
    bool ssl_version_more;      /* it was longer than ssl_version[] */
    char ssl_version[PROXY_SSL_VERSION_MAX];
};

/* Parses a PROXY header at the start of `data` (the first bytes of the
 * client->server stream). On PROXY_OK, *header_len is the number of bytes the
 * header takes; the stream's own protocol starts there. PROXY_NEED_MORE when
 * data is a strict prefix of a possible header; PROXY_NOT_PROXY is decided
 * from the first byte that differs from both signatures ("PROXY" and
 * "\r\n\r\n\0\r\nQUIT\n"), so a TLS record (0x16) is rejected at once.
 * Validation is strict: v1 tokens exactly as specified (single spaces,
 * addresses of the announced family without leading zeros, decimal ports
 * 0-65535 without leading zeros, CRLF within 107 bytes); v2 version 2,
 * command LOCAL or PROXY, a known family, a length that covers the
 * addresses, TLVs (and PP2_TYPE_SSL's sub-TLVs) consuming it exactly, a
 * CRC32C that matches. `out` and `header_len` must not be NULL; on any
 * result but PROXY_OK, *header_len is 0 and `out` must not be used. */
enum proxy_result proxy_parse(struct span data, struct proxy_info *out, size_t *header_len);

/* For a v2 header that proxy_parse rejected (a CRC32C mismatch, a bad TLV):
 * its length (16 + the declared length) when `data` begins with the v2
 * signature and holds that many bytes, else 0. The header's own length is
 * all that is used: the stream behind it is not lost, and none of its
 * addresses are trusted. */
size_t proxy_v2_skip_len(struct span data);

/* For a v1 line that proxy_parse rejected (a bad address, a port out of
 * range): its length up to and including the CRLF when `data` begins with
 * "PROXY" and a CRLF ends the line within PROXY_V1_MAX_LEN bytes, else 0.
 * As with v2, only the line's end is used, never its addresses. */
size_t proxy_v1_skip_len(struct span data);

/* For a v1 line that proxy_parse rejected before its CRLF arrived (a bad
 * address is known at its first wrong character): true while `data` begins
 * with "PROXY", holds no CRLF and is shorter than PROXY_V1_MAX_LEN, so the
 * line's end may still come in a later segment. The caller holds the bytes
 * until proxy_v1_skip_len finds the CRLF or this turns false. */
bool proxy_v1_line_open(struct span data);

#endif
