/* accept.c - see accept.h. */
#include "dissect/accept.h"

#include "dissect/starttls.h"
#include "dissect/tls_hello.h"
#include "dissect/tls_stream.h"

/* A TLS record header, byte by byte, so that a prefix is judged too. */
static enum accept_verdict tls_record(struct span s)
{
    uint8_t b;
    if (span_peek(&s, 0, &b) && (b < TLS_CT_CHANGE_CIPHER_SPEC || b > TLS_CT_HEARTBEAT))
        return ACCEPT_NO;
    if (span_peek(&s, 1, &b) && b != 3)
        return ACCEPT_NO;
    if (span_peek(&s, 2, &b) && b > 4)
        return ACCEPT_NO;
    if (!span_has(&s, 5))
        return ACCEPT_NEED_MORE;
    return tls_record_header_plausible(s) ? ACCEPT_YES : ACCEPT_NO;
}

/* SSLv2 SERVER-HELLO (RFC 6101 E.1 and the SSL 2.0 draft): after the 2-byte
 * header, msg_type 4, session_id_hit 0/1, certificate_type 1 (X.509),
 * server_version 0.2, then three lengths whose sum, with those 11 bytes, is
 * the record. */
static enum accept_verdict sslv2_server_hello(struct span s)
{
    uint16_t rec_len = span_u16(&s) & 0x7fff;
    static const uint8_t fixed[5][2] = { { 4, 4 }, { 0, 1 }, { 1, 1 }, { 0, 0 }, { 2, 2 } };
    for (size_t i = 0; i < 5; i++) {
        if (!span_has(&s, 1))
            return ACCEPT_NEED_MORE;
        uint8_t b = span_u8(&s);
        if (b < fixed[i][0] || b > fixed[i][1])
            return ACCEPT_NO;
    }
    if (!span_has(&s, 6))
        return ACCEPT_NEED_MORE;
    uint32_t certificate = span_u16(&s), cipher_specs = span_u16(&s), connection_id = span_u16(&s);
    return 11u + certificate + cipher_specs + connection_id == rec_len ? ACCEPT_YES : ACCEPT_NO;
}

/* An SSLv2 record with a 2-byte header (high bit set) and a hello in it. */
static enum accept_verdict sslv2_hello(struct span s)
{
    uint8_t b0, type;
    if (!span_peek(&s, 0, &b0))
        return ACCEPT_NEED_MORE;
    if (!(b0 & 0x80))
        return ACCEPT_NO;
    if (!span_peek(&s, 2, &type))
        return ACCEPT_NEED_MORE;
    if (type == 1) {
        /* Exactly the framing's rule: a hello it would parse (even one it
         * then finds malformed, which is reported) is never turned away. */
        if (!span_has(&s, 4))
            return ACCEPT_NEED_MORE;
        return tls_looks_like_sslv2_hello(s) ? ACCEPT_YES : ACCEPT_NO;
    }
    return type == 4 ? sslv2_server_hello(s) : ACCEPT_NO;
}

/* `s` against a fixed signature: NEED_MORE while it matches but is shorter. */
static enum accept_verdict signature(struct span s, const uint8_t *sig, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        if (!span_peek(&s, i, &b))
            return ACCEPT_NEED_MORE;
        if (b != sig[i])
            return ACCEPT_NO;
    }
    return ACCEPT_YES;
}

/* PROXY protocol (haproxy doc/proxy-protocol.txt 2.1 and 2.2). */
static enum accept_verdict proxy_header(struct span s)
{
    static const uint8_t v1[6] = { 'P', 'R', 'O', 'X', 'Y', ' ' };
    static const uint8_t v2[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
    enum accept_verdict a = signature(s, v1, sizeof v1);
    return a != ACCEPT_NO ? a : signature(s, v2, sizeof v2);
}

static enum accept_verdict dialogue(int dir, struct span s, uint16_t server_port)
{
    switch (starttls_sniff(dir, s, server_port)) {
    case STARTTLS_SNIFF_YES:
        return ACCEPT_YES;
    case STARTTLS_SNIFF_NEED_MORE:
        return ACCEPT_NEED_MORE;
    default:
        return ACCEPT_NO;
    }
}

/* A handshake record carrying a ClientHello begins at `s`: judged byte by
 * byte on what of its first ten bytes (record header, handshake type and
 * length, the hello's major version) is there, and only from its third byte
 * on, so that a stray 0x16 at the window's end is not taken for one. */
static bool client_hello_start(struct span s)
{
    uint8_t b;
    if (!span_has(&s, 3) || tls_record(s) == ACCEPT_NO || !span_peek(&s, 0, &b) || b != TLS_CT_HANDSHAKE)
        return false;
    return (!span_peek(&s, 5, &b) || b == TLS_HS_CLIENT_HELLO) && (!span_peek(&s, 9, &b) || b == 3);
}

/* The client's prefix sent alone, its ClientHello record in a later
 * segment: the bytes of no protocol are NEED_MORE until ACCEPT_PREFIX_MAX,
 * then YES when such a record begins after a prefix of 1 to
 * ACCEPT_PREFIX_MAX - 3 bytes. Only the first ACCEPT_PREFIX_MAX bytes are
 * looked at, so the verdict is the same however the segments were cut. */
static enum accept_verdict client_split_prefix(struct span first)
{
    if (first.n < ACCEPT_PREFIX_MAX)
        return ACCEPT_NEED_MORE;
    struct span window = span_take(&first, ACCEPT_PREFIX_MAX);
    for (size_t k = 1; k + 3 <= ACCEPT_PREFIX_MAX; k++) {
        struct span at = window;
        span_skip(&at, k);
        if (client_hello_start(at))
            return ACCEPT_YES;
    }
    return ACCEPT_NO;
}

enum accept_verdict accept_first_bytes(int dir, struct span first, uint16_t server_port)
{
    if (!span_ok(&first))
        return ACCEPT_NO;
    if (first.n == 0)
        return ACCEPT_NEED_MORE;
    /* Cheapest and commonest first; stop at the first YES. */
    enum accept_verdict best = tls_record(first);
    if (best == ACCEPT_YES)
        return best;
    enum accept_verdict (*const more[])(struct span) = { sslv2_hello, proxy_header };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        enum accept_verdict a = more[i](first);
        if (a == ACCEPT_YES)
            return a;
        if (a > best)
            best = a;
    }
    enum accept_verdict a = dialogue(dir, first, server_port);
    if (a > best)
        best = a;
    /* Last, and bounded (TLS_PREFIX_SCAN_MAX bytes, once per flow): a
     * client's ClientHello behind a prefix of no protocol followed here,
     * which conn.c skips. */
    if (best == ACCEPT_NO && dir == DIR_C2S)
        best = tls_find_hello(first, TLS_HS_CLIENT_HELLO) > 0 ? ACCEPT_YES : client_split_prefix(first);
    return best;
}
