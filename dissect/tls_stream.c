/* tls_stream.c - see tls_stream.h. */
#include "dissect/tls_stream.h"

#include <string.h>

#include "dissect/sslv2.h"
#include "dissect/tls_hello.h"

/* Any message --max-message allows must fit in one pool buffer. */
_Static_assert(TLS_MAX_MESSAGE_LIMIT <= BUFPOOL_MAX, "bufpool classes too small for the message limit");

bool tls_record_header_plausible(struct span h)
{
    uint8_t type = span_u8(&h);
    uint8_t major = span_u8(&h);
    uint8_t minor = span_u8(&h);
    uint16_t len = span_u16(&h);
    if (!span_ok(&h))
        return false;
    if (type < TLS_CT_CHANGE_CIPHER_SPEC || type > TLS_CT_HEARTBEAT || major != 3 || minor > 4)
        return false;
    /* Empty application data is legal (and used against CBC attacks); empty
     * handshake, alert and ChangeCipherSpec records are not. */
    return len <= TLS_MAX_RECORD && (len > 0 || type == TLS_CT_APPLICATION_DATA);
}

static void drop_buffer(struct tls_stream *s)
{
    if (s->buf) {
        bufpool_put(s->pool, s->buf, s->buf_cap);
        s->buf = NULL;
        s->buf_cap = 0;
    }
}

void tls_stream_release(struct tls_stream *s)
{
    drop_buffer(s);
}

void tls_stream_gap(struct tls_stream *s)
{
    if (s->mode == TLS_STREAM_DEAD)
        return;
    drop_buffer(s);
    s->hdr_len = 0;
    s->hs_hdr_len = 0;
    s->hs_keep = false;
    s->alert_len = 0;
    s->mode = TLS_STREAM_RESYNC;
}

/* An SSLv2 record being kept: it has no TLS handshake type to name when the
 * pool refuses it (counted as truncated all the same). */
#define NOT_A_HANDSHAKE_TYPE 0xff

/* A wanted message is not kept: over the size limit or the budget. */
static void not_kept(struct tls_stream *s, uint8_t hs_type)
{
    s->truncated = true;
    s->truncated_messages++;
    if (hs_type < 32)
        s->not_kept |= 1u << hs_type;
}

/* Appends to the assembly buffer of a message of `hs_type`; false (and the
 * message dropped) when the pool refuses. */
static bool keep_bytes(struct tls_stream *s, uint8_t hs_type, size_t have, struct span piece)
{
    void *buf = s->buf;
    if (bufpool_grow(s->pool, &buf, &s->buf_cap, have, have + piece.n) != 0) {
        drop_buffer(s);
        not_kept(s, hs_type);
        return false;
    }
    s->buf = buf;
    memcpy(s->buf + have, piece.p, piece.n);
    return true;
}

static void handshake_bytes(struct tls_stream *s, struct span piece, const struct tls_stream_events *ev)
{
    while (piece.n > 0) {
        if (s->hs_hdr_len < 4) {
            if (s->hs_hdr_len == 0)
                s->hs_record_version = s->rec_version;
            size_t k = 4u - s->hs_hdr_len;
            if (k > piece.n)
                k = piece.n;
            memcpy(s->hs_hdr + s->hs_hdr_len, piece.p, k);
            s->hs_hdr_len = (uint8_t)(s->hs_hdr_len + k);
            span_skip(&piece, k);
            if (s->hs_hdr_len < 4)
                return;
            s->hs_len = (uint32_t)s->hs_hdr[1] << 16 | (uint32_t)s->hs_hdr[2] << 8 | s->hs_hdr[3];
            s->hs_got = 0;
            if (ev->message_begin)
                ev->message_begin(ev->ctx, s->hs_hdr[0], s->hs_len, s->hs_record_version);
            s->hs_keep = ev->want && ev->want(ev->ctx, s->hs_hdr[0]);
            uint32_t limit = s->max_message ? s->max_message : TLS_MAX_KEPT_MESSAGE;
            if (s->hs_keep && s->hs_len > limit) {
                s->hs_keep = false;
                not_kept(s, s->hs_hdr[0]);
            }
            if (s->hs_len <= piece.n) {
                /* Fast path: the whole message is in this piece. */
                struct span body = span_take(&piece, s->hs_len);
                s->hs_hdr_len = 0;
                if (s->hs_keep)
                    ev->handshake(ev->ctx, s->hs_hdr[0], body, s->hs_record_version);
                continue;
            }
        }
        size_t k = s->hs_len - s->hs_got;
        if (k > piece.n)
            k = piece.n;
        struct span part = span_take(&piece, k);
        if (s->hs_keep && !keep_bytes(s, s->hs_hdr[0], s->hs_got, part))
            s->hs_keep = false;
        s->hs_got += (uint32_t)k;
        if (s->hs_got == s->hs_len) {
            s->hs_hdr_len = 0;
            if (s->hs_keep)
                ev->handshake(ev->ctx, s->hs_hdr[0], span_make(s->buf, s->hs_len), s->hs_record_version);
            drop_buffer(s);
        }
    }
}

static void record_body(struct tls_stream *s, struct span piece, const struct tls_stream_events *ev)
{
    if (s->encrypted)
        return;
    if (s->rec_type == TLS_CT_HANDSHAKE) {
        handshake_bytes(s, piece, ev);
    } else if (s->rec_type == TLS_CT_ALERT && s->alert_len < 2) {
        while (piece.n > 0 && s->alert_len < 2)
            s->alert[s->alert_len++] = span_u8(&piece);
        /* AlertLevel is warning(1) or fatal(2); anything else is not a
         * cleartext alert. */
        if (s->alert_len == 2 && ev->alert && (s->alert[0] == 1 || s->alert[0] == 2))
            ev->alert(ev->ctx, s->alert[0], s->alert[1]);
    }
}

/* The SSLv2 CLIENT-HELLO is one record with a 2-byte header; it is kept
 * whole (in place when it arrived in one piece) and parsed at once. */
static void sslv2_bytes(struct tls_stream *s, struct span *data, const struct tls_stream_events *ev)
{
    if (s->hs_got == 0 && data->n >= s->hs_len) {
        struct span rec = span_take(data, s->hs_len);
        if (ev->sslv2_hello)
            ev->sslv2_hello(ev->ctx, rec);
        s->mode = TLS_STREAM_RECORDS;
        s->sslv2_session = true;
        return;
    }
    size_t k = s->hs_len - s->hs_got;
    if (k > data->n)
        k = data->n;
    struct span part = span_take(data, k);
    if (!keep_bytes(s, TLS_HS_CLIENT_HELLO, s->hs_got, part)) { /* an SSLv2-format ClientHello */
        s->mode = TLS_STREAM_DEAD;
        return;
    }
    s->hs_got += (uint32_t)k;
    if (s->hs_got == s->hs_len) {
        if (ev->sslv2_hello)
            ev->sslv2_hello(ev->ctx, span_make(s->buf, s->hs_len));
        drop_buffer(s);
        s->mode = TLS_STREAM_RECORDS;
        s->sslv2_session = true;
    }
}

/* Does an SSLv2 record begin here, where a direction's first record after
 * an SSLv2 CLIENT-HELLO is due? Its cleartext records have 2-byte headers,
 * whose high bit no TLS content type has. */
static bool sslv2_record_starts(const struct tls_stream *s, struct span data)
{
    uint8_t b0;
    return s->sslv2_session && s->records == 0 && s->hdr_len == 0 && span_peek(&data, 0, &b0) && (b0 & 0x80);
}

/* A whole SSLv2 record: the first one of the direction (and any ERROR) is
 * cleartext; after the first that is not an ERROR the keys are set. */
static void sslv2_record_done(struct tls_stream *s, struct span rec, const struct tls_stream_events *ev)
{
    uint8_t b0 = 0, type = 0xff;
    bool error = rec.n == 5 && span_peek(&rec, 0, &b0) && (b0 & 0x80) && span_peek(&rec, 2, &type) &&
                 type == SSLV2_MT_ERROR;
    bool encrypted = s->encrypted && !error;
    if (!error)
        s->encrypted = true;
    if (ev->sslv2_record)
        ev->sslv2_record(ev->ctx, encrypted ? span_make(NULL, 0) : rec, encrypted);
}

/* SSL 2.0 records: headers gathered in hdr, cleartext records kept whole
 * (in place when the piece holds one, else in the pool's buffer: hs_len is
 * the record's length, hs_got what is kept), encrypted bodies counted in
 * rec_left. */
static void sslv2_records(struct tls_stream *s, struct span *data, const struct tls_stream_events *ev)
{
    if (s->rec_left == 0) {
        size_t header, len;
        if (s->hdr_len == 0 && sslv2_record_header(*data, &header, &len) == SSLV2_RECORD_OK && data->n >= len &&
            (!s->encrypted || len == 5)) {
            /* Fast path: a whole record in this piece. */
            s->records++;
            sslv2_record_done(s, span_take(data, len), ev);
            return;
        }
        /* Gather the header (2 or 3 bytes, told by the first). */
        uint8_t b0 = s->hdr[0];
        if (s->hdr_len == 0 && !span_peek(data, 0, &b0))
            return;
        size_t want = b0 & 0x80 ? 2u : 3u;
        size_t k = want - s->hdr_len < data->n ? want - s->hdr_len : data->n;
        memcpy(s->hdr + s->hdr_len, data->p, k);
        s->hdr_len = (uint8_t)(s->hdr_len + k);
        span_skip(data, k);
        if (s->hdr_len < want)
            return;
        if (sslv2_record_header(span_make(s->hdr, s->hdr_len), &header, &len) != SSLV2_RECORD_OK) {
            s->malformed = true;
            s->mode = TLS_STREAM_DEAD;
            drop_buffer(s);
            return;
        }
        s->records++;
        s->hdr_len = 0;
        s->rec_left = (uint16_t)(len - header);
        s->hs_keep = !s->encrypted || len == 5;
        s->hs_len = (uint32_t)len;
        s->hs_got = 0;
        if (s->hs_keep && keep_bytes(s, NOT_A_HANDSHAKE_TYPE, 0, span_make(s->hdr, header)))
            s->hs_got = (uint32_t)header;
        else if (s->hs_keep)
            s->hs_keep = false;
        else if (ev->sslv2_record)
            ev->sslv2_record(ev->ctx, span_make(NULL, 0), true);
        if (data->n == 0)
            return;
    }
    size_t k = s->rec_left < data->n ? s->rec_left : data->n;
    struct span part = span_take(data, k);
    s->rec_left = (uint16_t)(s->rec_left - k);
    if (s->hs_keep && !keep_bytes(s, NOT_A_HANDSHAKE_TYPE, s->hs_got, part))
        s->hs_keep = false;
    else if (s->hs_keep)
        s->hs_got += (uint32_t)k;
    if (s->rec_left == 0) {
        if (s->hs_keep)
            sslv2_record_done(s, span_make(s->buf, s->hs_len), ev);
        else if (!s->encrypted)
            s->encrypted = true; /* a cleartext record that could not be kept: the keys are set all the same */
        s->hs_keep = false;
        drop_buffer(s);
    }
}

enum tls_stream_mode tls_stream_feed(struct tls_stream *s, struct span data, const struct tls_stream_events *ev)
{
    while (data.n > 0) {
        switch (s->mode) {
        case TLS_STREAM_DEAD:
            return TLS_STREAM_DEAD;
        case TLS_STREAM_START:
            if (sslv2_record_starts(s, data)) {
                s->mode = TLS_STREAM_SSLV2_RECORDS;
                continue;
            }
            if (s->allow_sslv2 && (s->hdr_len > 0 || data.n < 4)) {
                /* Telling SSLv2 from TLS takes 4 bytes, and the first piece
                 * may be shorter: gather them in hdr, decide, then run them
                 * through the chosen mode like any other piece. */
                size_t k = 4u - s->hdr_len;
                if (k > data.n)
                    k = data.n;
                memcpy(s->hdr + s->hdr_len, data.p, k);
                s->hdr_len = (uint8_t)(s->hdr_len + k);
                span_skip(&data, k);
                if (s->hdr_len < 4)
                    return s->mode;
                uint8_t first[4];
                memcpy(first, s->hdr, 4);
                s->hdr_len = 0;
                if (tls_looks_like_sslv2_hello(span_make(first, 4))) {
                    s->hs_len = 2u + (((uint32_t)first[0] & 0x7f) << 8 | first[1]);
                    s->hs_got = 0;
                    s->mode = TLS_STREAM_SSLV2;
                } else {
                    s->mode = TLS_STREAM_RECORDS;
                }
                /* The mode is no longer START, so this recurses only once. */
                tls_stream_feed(s, span_make(first, 4), ev);
                continue;
            }
            if (s->allow_sslv2 && tls_looks_like_sslv2_hello(data)) {
                s->hs_len = 2u + (((uint32_t)data.p[0] & 0x7f) << 8 | data.p[1]);
                s->hs_got = 0;
                s->mode = TLS_STREAM_SSLV2;
            } else {
                s->mode = TLS_STREAM_RECORDS;
            }
            continue;
        case TLS_STREAM_RESYNC:
            /* Pieces start at TCP segment boundaries, where senders usually
             * begin records: wait for one that starts with a header. */
            if (!tls_record_header_plausible(data))
                return s->mode;
            s->mode = TLS_STREAM_RECORDS;
            continue;
        case TLS_STREAM_SSLV2:
            sslv2_bytes(s, &data, ev);
            continue;
        case TLS_STREAM_SSLV2_RECORDS:
            sslv2_records(s, &data, ev);
            continue;
        case TLS_STREAM_RECORDS:
            if (sslv2_record_starts(s, data)) {
                s->mode = TLS_STREAM_SSLV2_RECORDS;
                continue;
            }
            break;
        }

        if (s->hdr_len < 5) {
            size_t k = 5u - s->hdr_len;
            if (k > data.n)
                k = data.n;
            memcpy(s->hdr + s->hdr_len, data.p, k);
            s->hdr_len = (uint8_t)(s->hdr_len + k);
            span_skip(&data, k);
            if (s->hdr_len < 5)
                break;
            struct span h = span_make(s->hdr, 5);
            if (!tls_record_header_plausible(h)) {
                /* Not TLS at all, or framing lost: either way nothing
                 * further in this direction can be trusted. */
                s->malformed = s->records > 0;
                s->mode = TLS_STREAM_DEAD;
                drop_buffer(s);
                return s->mode;
            }
            s->rec_type = span_u8(&h);
            s->rec_version = span_u16(&h);
            s->rec_left = span_u16(&h);
            s->records++;
            /* A cleartext alert is one 2-byte message (RFC 8446 5.1 forbids
             * coalescing; TLS 1.2 stacks do not do it). A longer alert
             * record is an encrypted one whose ChangeCipherSpec the capture
             * did not show: its bytes say nothing. */
            s->alert_len = s->rec_type == TLS_CT_ALERT && s->rec_left != 2 ? 2 : 0;
            if (ev->record)
                ev->record(ev->ctx, s->rec_type, s->rec_version, s->rec_left, s->encrypted);
        }
        size_t k = s->rec_left < data.n ? s->rec_left : data.n;
        struct span piece = span_take(&data, k);
        record_body(s, piece, ev);
        s->rec_left = (uint16_t)(s->rec_left - k);
        if (s->rec_left == 0) {
            s->hdr_len = 0;
            if (s->rec_type == TLS_CT_CHANGE_CIPHER_SPEC)
                s->encrypted = true;
        }
    }
    return (enum tls_stream_mode)s->mode;
}
