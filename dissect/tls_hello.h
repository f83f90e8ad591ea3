/* tls_hello.h - parsers for the cleartext handshake messages tlsscope reports.
 *
 * Each parser takes a handshake message body (the bytes after the 4-byte
 * handshake header) as a span, parses it in place and fills its part of the
 * report. Parsing is field by field in wire order: what was read before a
 * malformation is kept (as Wireshark shows it), and the result says whether
 * the whole message was well formed.
 *
 * RFC 8446 4.1.2 (ClientHello), 4.1.3 (ServerHello, HelloRetryRequest),
 * RFC 5246 7.4.3 and E.2 (ServerKeyExchange, SSLv2-compatible ClientHello),
 * RFC 8422 5.4 (ECDHE parameters), RFC 4279 (PSK identity hint),
 * RFC 6066 3 (server_name), RFC 7301 (ALPN), RFC 8701 (GREASE).
 */
#ifndef TLSSCOPE_TLS_HELLO_H
#define TLSSCOPE_TLS_HELLO_H

#include "common/span.h"
#include "dissect/report.h"

enum tls_parse_result {
    TLS_PARSE_OK = 0,
    TLS_PARSE_MALFORMED = -1,
};

/* Extension code points (IANA TLS ExtensionType Values). */
enum {
    TLS_EXT_SERVER_NAME = 0,
    TLS_EXT_SUPPORTED_GROUPS = 10,
    TLS_EXT_EC_POINT_FORMATS = 11,
    TLS_EXT_SIGNATURE_ALGORITHMS = 13,
    TLS_EXT_ALPN = 16,
    TLS_EXT_DELEGATED_CREDENTIALS = 34,
    TLS_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
    TLS_EXT_SESSION_TICKET = 35,
    TLS_EXT_PRE_SHARED_KEY = 41,
    TLS_EXT_SUPPORTED_VERSIONS = 43,
    TLS_EXT_KEY_SHARE = 51,
    /* key_share before draft-ietf-tls-tls13-23 moved it to 51. */
    TLS_EXT_KEY_SHARE_DRAFT = 40,
    TLS_EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d,
};

/* ClientHello body -> r->client (and the client's session id, kept for
 * resumption detection). */
enum tls_parse_result tls_parse_client_hello(struct span body, struct tls_client_report *c,
                                             uint8_t session_id[32]);

/* A whole SSLv2-compatible CLIENT-HELLO record: the 2-byte header included. */
enum tls_parse_result tls_parse_sslv2_client_hello(struct span record, struct tls_client_report *c);

/* True when the first bytes of a stream look like an SSLv2 CLIENT-HELLO:
 * 2-byte header with the high bit set, message type 1, version >= 0x0002. */
bool tls_looks_like_sslv2_hello(struct span head);

/* The draft of TLS 1.3 whose ServerHello layout and key_share code point a
 * version follows: 0x7f00 + NN is draft NN; Google's 2017 experiment
 * versions 0x7e01 and 0x7e02 were built on draft 18; 0 for any other. */
unsigned tls_version_draft(uint16_t version);

/* ServerHello body -> r->server. `client_session_id` (length in
 * r->client.session_id_len) decides session_id_echoed.
 *
 * Its layout follows the version in its first field: RFC 8446 and drafts 22
 * and later keep legacy_version 0x0303 and the TLS 1.2 layout (session id
 * echo, compression method) and name the version in supported_versions;
 * drafts before 22 (and the 2017 experiments, and early servers that wrote
 * 0x0304 there) name the version in that first field and carry neither
 * session id nor compression method. key_share is extension 40 before
 * draft 23. */
enum tls_parse_result tls_parse_server_hello(struct span body, struct tls_server_report *s,
                                             const uint8_t *client_session_id, uint8_t client_session_id_len);

/* ServerKeyExchange body, laid out by the negotiated suite and version. */
enum tls_parse_result tls_parse_server_key_exchange(struct span body, uint16_t version, uint16_t cipher,
                                                    struct tls_server_report *s);

/* Bytes of a stream's start searched for a hello behind a prefix. */
#define TLS_PREFIX_SCAN_MAX 4096

/* Where, in the first TLS_PREFIX_SCAN_MAX bytes of a stream that does not
 * begin with TLS, a record carrying a hello of `hs_type` (TLS_HS_CLIENT_HELLO
 * or TLS_HS_SERVER_HELLO) begins: the stream's bytes before it are a prefix
 * (a proxy's or a vendor's framing) and TLS follows. 0 when there is none
 * (offset 0 is a stream that begins with TLS, not a prefix). Strict, as a
 * false match would take cleartext for TLS: a plausible record header of
 * type handshake, the hello's type, a hello length of at least a minimal
 * hello that fills the record (or continues in the next), and major
 * version 3 in the hello's own version field. */
size_t tls_find_hello(struct span data, uint8_t hs_type);

/* The HelloRetryRequest's special random (RFC 8446 4.1.3). */
extern const uint8_t tls_hrr_random[32];

#endif
