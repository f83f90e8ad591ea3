/* quic.c - see quic.h. */
#include "dissect/quic.h"

#include <string.h>

#include "dissect/tls_stream.h"

/* Long header packet types (RFC 9000 17.2 for v1 and the drafts; RFC 9369
 * 3.2 renumbers them for v2). */
enum quic_packet_type {
    QUIC_PKT_INITIAL,
    QUIC_PKT_0RTT,
    QUIC_PKT_HANDSHAKE,
    QUIC_PKT_RETRY,
};

/* Frame types read in Initial packets (RFC 9000 19; 12.4: Initials carry
 * only these, PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE). */
enum {
    QUIC_FRAME_PADDING = 0x00,
    QUIC_FRAME_PING = 0x01,
    QUIC_FRAME_ACK = 0x02,
    QUIC_FRAME_ACK_ECN = 0x03,
    QUIC_FRAME_CRYPTO = 0x06,
    QUIC_FRAME_CRYPTO_GOOGLE = 0x08, /* T050/T051: the same layout under another number */
    QUIC_FRAME_CLOSE = 0x1c,     /* transport error */
    QUIC_FRAME_CLOSE_APP = 0x1d, /* application error (never legal in an Initial) */
};

/* RFC 9001 4.8: a TLS alert becomes the QUIC error 0x0100 + its code. */
#define QUIC_CRYPTO_ERROR_BASE 0x0100u

#define QUIC_PROTOCOL "quic"

/* RFC 9000 14.1: a client pads every datagram carrying an Initial to this. */
#define QUIC_MIN_INITIAL_DATAGRAM 1200u
/* RFC 9000 7.2: the client's first Destination Connection ID is at least
 * 8 bytes long. */
#define QUIC_MIN_CLIENT_DCID 8u

uint64_t quic_varint(struct span *s)
{
    uint8_t b0 = span_u8(s);
    size_t extra = ((size_t)1 << (b0 >> 6)) - 1;
    uint64_t v = b0 & 0x3f;
    for (size_t i = 0; i < extra; i++)
        v = v << 8 | span_u8(s);
    return span_ok(s) ? v : 0;
}

/* The version's packet type from the first byte's two type bits. */
static enum quic_packet_type packet_type(uint32_t version, uint8_t first)
{
    unsigned bits = (first >> 4) & 3;
    if (quic_version_is_v2(version)) {
        static const enum quic_packet_type v2[4] = { QUIC_PKT_RETRY, QUIC_PKT_INITIAL, QUIC_PKT_0RTT,
                                                     QUIC_PKT_HANDSHAKE };
        return v2[bits];
    }
    return (enum quic_packet_type)bits;
}

/* RFC 9000 15: versions of the form 0x?a?a?a?a are reserved to exercise
 * version negotiation. */
static bool version_reserved(uint32_t version)
{
    return (version & 0x0f0f0f0fu) == 0x0a0a0a0au;
}

bool quic_sniff(struct span datagram)
{
    struct span s = datagram;
    uint8_t first = span_u8(&s);
    uint32_t version = span_u32(&s);
    struct span dcid = span_vec8(&s);
    struct span scid = span_vec8(&s);
    if (!span_ok(&s) || (first & 0xc0) != 0xc0)
        return false;
    if (version_reserved(version))
        return true;
    /* A client opens with an Initial; a capture that began later may see a
     * Handshake or 0-RTT packet first, still worth following for its
     * outcome only if an Initial comes. */
    return quic_version_known(version) && dcid.n <= QUIC_MAX_CID_LEN && scid.n <= QUIC_MAX_CID_LEN &&
           packet_type(version, first) != QUIC_PKT_RETRY;
}

void quic_begin(struct quic_dissector *q, struct quic_conn *c)
{
    memset(c, 0, sizeof *c);
    c->largest_pn[0] = c->largest_pn[1] = -1;
    c->hs.certs = q->d->certs;
    q->d->st.sessions++;
}

void quic_end(struct quic_dissector *q, struct quic_conn *c)
{
    for (int dir = 0; dir < 2; dir++) {
        struct quic_crypto_stream *cs = &c->crypto[dir];
        if (cs->buf)
            bufpool_put(q->d->pool, cs->buf, cs->cap);
        cs->buf = NULL;
        cs->cap = 0;
    }
}

/* ---- CRYPTO reassembly ------------------------------------------------- */

/* Bytes present from offset 0 without a hole. */
static uint32_t crypto_contiguous(const struct quic_crypto_stream *cs)
{
    return cs->nranges > 0 && cs->range[0].start == 0 ? cs->range[0].end : 0;
}

static void crypto_add(struct quic_dissector *q, struct quic_crypto_stream *cs, uint64_t offset, struct span data)
{
    if (data.n == 0)
        return;
    if (offset >= QUIC_CRYPTO_MAX || data.n > QUIC_CRYPTO_MAX - offset) {
        cs->dropped = true;
        q->st.crypto_dropped++;
        return;
    }
    uint32_t start = (uint32_t)offset, end = (uint32_t)(offset + data.n);
    if (end <= crypto_contiguous(cs))
        return; /* a retransmission of what is already here */
    if (end > cs->cap) {
        void *buf = cs->buf;
        size_t cap = cs->cap;
        int rc = buf ? bufpool_grow(q->d->pool, &buf, &cap, cs->used, end)
                     : ((buf = bufpool_get(q->d->pool, end, &cap)) != NULL ? 0 : -1);
        if (rc != 0) {
            cs->dropped = true;
            q->st.crypto_dropped++;
            return;
        }
        cs->buf = buf;
        cs->cap = cap;
    }
    if (!dq_ranges_add(cs->range, &cs->nranges, QUIC_CRYPTO_RANGES, start, end)) {
        cs->dropped = true;
        q->st.crypto_dropped++;
        return;
    }
    /* A repeated piece carries the same bytes (RFC 9000 19.6 requires it);
     * overwriting keeps no record of which copy came first. */
    memcpy(cs->buf + start, data.p, data.n);
    if (end > cs->used)
        cs->used = end;
}

/* Hands on every handshake message the contiguous CRYPTO data now holds
 * whole (RFC 8446 4: type, 24-bit length, body; no records in QUIC). */
static void crypto_deliver(struct quic_dissector *q, struct quic_conn *c, const struct conn_meta *meta, int dir,
                           uint32_t version)
{
    struct quic_crypto_stream *cs = &c->crypto[dir];
    uint32_t have = crypto_contiguous(cs);
    while (have - cs->delivered >= 4) {
        struct span s = span_make(cs->buf + cs->delivered, have - cs->delivered);
        uint8_t type = span_u8(&s);
        uint32_t len = span_u24(&s);
        if (!cs->begun) {
            cs->begun = true;
            if (dir == DIR_C2S && type == TLS_HS_CLIENT_HELLO && !c->report.client.seen)
                c->client_hello_version = version;
            tls_hs_message_begin(&c->hs, &c->report, dir, type, 0);
        }
        if (s.n < len)
            return;
        struct span body = span_take(&s, len);
        if (tls_hs_wants(dir, type)) {
            struct tls_hs_step st = tls_hs_message(&c->hs, &c->report, dir, type, body, 0);
            conn_count_step(q->d, meta, &c->report, st, type == TLS_HS_CLIENT_HELLO || type == TLS_HS_SERVER_HELLO);
        }
        cs->delivered += 4 + len;
        cs->begun = false;
    }
}

/* ---- frames ----------------------------------------------------------------- */

static void connection_close(struct quic_dissector *q, struct quic_conn *c, int dir, uint64_t code, bool transport)
{
    q->st.connection_closes++;
    c->closed = true;
    if (!transport || code < QUIC_CRYPTO_ERROR_BASE || code > QUIC_CRYPTO_ERROR_BASE + 0xff)
        return;
    /* A TLS alert carried as a QUIC error: QUIC has no cleartext alert
     * records, so this is the only way one is seen, and it is always fatal. */
    struct tls_alert_report *a = &c->report.alert;
    if (!a->seen || a->level != 2) {
        a->seen = true;
        a->level = 2;
        a->description = (uint8_t)(code - QUIC_CRYPTO_ERROR_BASE);
        a->sender = (uint8_t)dir;
    }
}

/* The frames of one decrypted Initial. False when a frame did not parse or
 * is one an Initial may not carry (the rest of the packet is not read). */
static bool read_frames(struct quic_dissector *q, struct quic_conn *c, int dir, uint32_t version, struct span p)
{
    bool google = quic_version_is_google(version);
    while (p.n > 0) {
        uint64_t type = quic_varint(&p);
        if (google && type == QUIC_FRAME_CRYPTO_GOOGLE)
            type = QUIC_FRAME_CRYPTO;
        switch (type) {
        case QUIC_FRAME_PADDING: {
            /* A client pads each Initial to 1200 bytes (RFC 9000 14.1) with
             * a thousand one-byte frames: pass the run at once. */
            uint8_t b = 0;
            while (span_peek(&p, 0, &b) && b == QUIC_FRAME_PADDING)
                span_skip(&p, 1);
            break;
        }
        case QUIC_FRAME_PING:
            break;
        case QUIC_FRAME_ACK:
        case QUIC_FRAME_ACK_ECN: {
            (void)quic_varint(&p); /* largest acknowledged */
            (void)quic_varint(&p); /* ack delay */
            uint64_t ranges = quic_varint(&p);
            (void)quic_varint(&p); /* first range */
            /* Each further range takes two bytes at least: a count beyond
             * what is left is a lie, and stops a long loop. */
            if (ranges > p.n / 2)
                return false;
            for (uint64_t i = 0; i < ranges * 2; i++)
                (void)quic_varint(&p);
            if (type == QUIC_FRAME_ACK_ECN) {
                (void)quic_varint(&p);
                (void)quic_varint(&p);
                (void)quic_varint(&p);
            }
            break;
        }
        case QUIC_FRAME_CRYPTO: {
            uint64_t offset = quic_varint(&p);
            uint64_t len = quic_varint(&p);
            if (!span_has(&p, len))
                return false;
            crypto_add(q, &c->crypto[dir], offset, span_take(&p, (size_t)len));
            break;
        }
        case QUIC_FRAME_CLOSE:
        case QUIC_FRAME_CLOSE_APP: {
            uint64_t code = quic_varint(&p);
            if (type == QUIC_FRAME_CLOSE)
                (void)quic_varint(&p); /* frame type that caused it */
            uint64_t reason = quic_varint(&p);
            if (!span_has(&p, reason))
                return false;
            span_skip(&p, (size_t)reason);
            connection_close(q, c, dir, code, type == QUIC_FRAME_CLOSE);
            break;
        }
        default:
            return false;
        }
        if (!span_ok(&p))
            return false;
    }
    return true;
}

/* ---- version negotiation ---------------------------------------------------- */

/* A client Initial's version, kept when it differs from the one before. */
static void client_version(struct quic_conn *c, uint32_t version)
{
    if (c->client_versions_n > 0 && c->client_versions[c->client_versions_n - 1] == version)
        return;
    if (c->client_versions_n < TLS_QUIC_VERSIONS_MAX)
        c->client_versions[c->client_versions_n++] = version;
}

/* RFC 9000 17.2.1: after the connection IDs, the rest of the datagram is a
 * list of 32-bit versions. RFC 9000 6.2: a client discards one that lists
 * the version it chose (an attacker's downgrade, or a late packet), and any
 * after it has processed another packet from the server, or a first one. */
static void version_negotiation(struct quic_dissector *q, struct quic_conn *c, struct span versions)
{
    uint32_t chosen = c->client_versions_n > 0 ? c->client_versions[c->client_versions_n - 1] : 0;
    bool ok = !c->version_negotiation_seen && !c->server_initial_seen && versions.n > 0 && versions.n % 4 == 0;
    for (struct span s = versions; ok && s.n > 0;)
        ok = span_u32(&s) != chosen;
    if (!ok) {
        q->st.version_negotiations_ignored++;
        return;
    }
    c->version_negotiation_seen = true;
    q->st.version_negotiations++;
    struct tls_server_report *srv = &c->report.server;
    while (versions.n > 0) {
        uint32_t v = span_u32(&versions);
        if (version_reserved(v))
            continue; /* greasing (RFC 9000 15), as GREASE is left out of every list */
        if (srv->quic_versions_n < TLS_QUIC_VERSIONS_MAX)
            srv->quic_versions[srv->quic_versions_n++] = v;
        else
            srv->quic_versions_more = true;
    }
}

/* ---- packets ----------------------------------------------------------------- */

/* One Initial packet. The client's keys come from the Destination
 * Connection ID of its first Initial, or of the first one after a Retry:
 * when the current keys do not open a client Initial, its own DCID is tried
 * (and kept when it works). The server's Initials use the same keys. */
static void initial_packet(struct quic_dissector *q, struct quic_conn *c, const struct conn_meta *meta, int dir,
                           uint32_t version, struct span dcid, struct span pkt, size_t pn_offset)
{
    q->st.initials++;
    uint8_t plain[QUIC_MAX_PLAINTEXT];
    size_t plain_len = 0;
    bool ok = c->keys_ok && c->version == version &&
              quic_unprotect(&c->keys[dir], &c->largest_pn[dir], pkt, pn_offset, plain, &plain_len);
    if (!ok && dir == DIR_C2S) {
        struct quic_keys k[2];
        int64_t largest = -1;
        if (quic_initial_keys(version, dcid, &k[0], &k[1]) &&
            quic_unprotect(&k[0], &largest, pkt, pn_offset, plain, &plain_len)) {
            ok = true;
            memcpy(c->keys, k, sizeof k);
            c->keys_ok = true;
            c->version = version;
            c->dcid_note = dq_note(dcid);
            if (largest > c->largest_pn[0])
                c->largest_pn[0] = largest;
        }
    }
    if (!ok) {
        q->st.undecryptable++;
        return;
    }
    q->st.decrypted++;
    if (dir == DIR_S2C)
        c->server_initial_seen = true;
    if (!read_frames(q, c, dir, version, span_make(plain, plain_len)))
        q->st.malformed++;
    crypto_deliver(q, c, meta, dir, version);
}

/* The packets of one datagram, until its end, a short-header packet or a
 * packet whose length lies. */
static void read_datagram(struct quic_dissector *q, struct quic_conn *c, const struct conn_meta *meta, int dir,
                          struct span dgram)
{
    while (dgram.n > 0) {
        struct span s = dgram;
        const uint8_t *start = s.p;
        uint8_t first = span_u8(&s);
        if (!(first & 0x80))
            return; /* short header: 1-RTT, to the datagram's end */
        uint32_t version = span_u32(&s);
        struct span dcid = span_vec8(&s);
        (void)span_vec8(&s); /* source connection ID */
        if (!span_ok(&s)) {
            q->st.malformed++;
            return;
        }
        if (version == 0) {
            /* Version Negotiation fills the datagram. */
            if (dir == DIR_S2C)
                version_negotiation(q, c, s);
            return;
        }
        if (dir == DIR_C2S)
            client_version(c, version);
        if (!quic_version_known(version))
            return;
        enum quic_packet_type type = packet_type(version, first);
        if (type == QUIC_PKT_RETRY) {
            if (dir == DIR_S2C && !c->retry_seen) {
                c->retry_seen = true;
                q->st.retries++;
            }
            return; /* a Retry fills the datagram too */
        }
        if (type == QUIC_PKT_INITIAL) {
            uint64_t token_len = quic_varint(&s);
            if (!span_has(&s, token_len)) {
                q->st.malformed++;
                return;
            }
            span_skip(&s, (size_t)token_len);
        }
        uint64_t length = quic_varint(&s);
        if (!span_ok(&s) || length > s.n) {
            q->st.malformed++;
            return;
        }
        size_t pn_offset = (size_t)(s.p - start);
        struct span pkt = span_take(&dgram, pn_offset + (size_t)length);
        if (type == QUIC_PKT_INITIAL)
            initial_packet(q, c, meta, dir, version, dcid, pkt, pn_offset);
        else if (type == QUIC_PKT_HANDSHAKE)
            c->handshake_seen[dir] = true;
    }
}

bool quic_reopens(struct quic_dissector *q, struct span datagram, uint32_t note)
{
    if (datagram.n < QUIC_MIN_INITIAL_DATAGRAM)
        return false;
    struct span s = datagram;
    const uint8_t *start = s.p;
    uint8_t first = span_u8(&s);
    uint32_t version = span_u32(&s);
    struct span dcid = span_vec8(&s);
    (void)span_vec8(&s); /* source connection ID */
    if (!span_ok(&s) || (first & 0xc0) != 0xc0 || dcid.n < QUIC_MIN_CLIENT_DCID || dcid.n > QUIC_MAX_CID_LEN ||
        dq_note(dcid) == note)
        return false;
    /* A reserved version forces Version Negotiation (RFC 9000 15): nothing
     * to decrypt, and only a connection's first Initial carries one. */
    if (version_reserved(version))
        return true;
    if (!quic_version_known(version) || packet_type(version, first) != QUIC_PKT_INITIAL)
        return false;
    uint64_t token_len = quic_varint(&s);
    if (!span_has(&s, token_len))
        return false;
    span_skip(&s, (size_t)token_len);
    uint64_t length = quic_varint(&s);
    if (!span_ok(&s) || length > s.n)
        return false;
    size_t pn_offset = (size_t)(s.p - start);
    struct span pkt = span_take(&datagram, pn_offset + (size_t)length);
    struct quic_keys k[2];
    int64_t largest = -1;
    uint8_t plain[QUIC_MAX_PLAINTEXT];
    size_t plain_len = 0;
    q->st.reopen_checks++;
    return quic_initial_keys(version, dcid, &k[0], &k[1]) &&
           quic_unprotect(&k[0], &largest, pkt, pn_offset, plain, &plain_len);
}

static void finish(struct quic_dissector *q, struct quic_conn *c, struct conn_meta *meta, enum conn_reason reason)
{
    c->report.client.quic_version = c->client_hello_version;
    if (c->version_negotiation_seen) {
        memcpy(c->report.client.quic_versions, c->client_versions, sizeof c->client_versions);
        c->report.client.quic_versions_n = c->client_versions_n;
    }
    if (c->crypto[0].dropped || c->crypto[1].dropped)
        c->report.truncated_why |= TLS_TRUNCATED_MESSAGE;
    dq_emit(q->d, &c->hs, &c->report, meta, QUIC_PROTOCOL, reason);
}

enum conn_verdict quic_datagram(struct quic_dissector *q, struct quic_conn *c, struct conn_meta *meta, int dir,
                                struct span datagram)
{
    q->st.datagrams++;
    c->datagrams++;
    read_datagram(q, c, meta, dir, datagram);
    struct tls_report *r = &c->report;
    if (!r->client.seen && !r->server.seen) {
        if (c->datagrams < QUIC_GIVE_UP_DATAGRAMS)
            return CONN_CONTINUE;
        q->st.given_up++;
        q->d->st.not_tls++;
        return CONN_DONE;
    }
    if (r->alert.seen && r->alert.level == 2) {
        r->outcome = TLS_OUTCOME_ALERT;
        finish(q, c, meta, CONN_REASON_ALERT);
        return CONN_DONE;
    }
    if (r->server.seen && c->handshake_seen[DIR_C2S] && c->handshake_seen[DIR_S2C]) {
        r->outcome = TLS_OUTCOME_ESTABLISHED;
        finish(q, c, meta, CONN_REASON_HANDSHAKE_DONE);
        return CONN_DONE;
    }
    return CONN_CONTINUE;
}

void quic_close(struct quic_dissector *q, struct quic_conn *c, struct conn_meta *meta, enum conn_reason reason)
{
    struct tls_report *r = &c->report;
    /* A client refused by Version Negotiation in a version whose Initials
     * cannot be read, that gave up or never came back: still a line. */
    if (!r->client.seen && !r->server.seen && !c->version_negotiation_seen)
        return;
    tls_hs_closed(r, false, false);
    finish(q, c, meta, reason);
}
