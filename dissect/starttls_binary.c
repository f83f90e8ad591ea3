/* starttls_binary.c - the length-framed dialogues of the starttls module:
 * LDAP (BER), PostgreSQL, MySQL, TDS (whose TLS handshake comes wrapped in
 * PRELOGIN packets), RDP (X.224 over TPKT), SOCKS4/4a and SOCKS5. One
 * `struct starttls_ops` each; the engine (starttls.c) cuts each direction into
 * messages with the ops' frame function and calls the handlers here. LDAP
 * answers by messageID (RFC 4511 4.1.1.1); the others have one request and
 * one answer.
 *
 * Wire references: see starttls.h.
 */
#include "dissect/starttls_proto.h"

#include <string.h>

/* ---- framing and reading helpers ---- */

static bool equals_exact(struct span s, const void *lit, size_t n)
{
    return s.n == n && starts_exact(s, lit, n);
}

/* A frame whose length is a big-endian field of `width` bytes at `off`:
 * `extra` + the field's value bytes long, bad when the value is outside
 * [min, max]. */
static enum frame_result be_length_frame(struct span s, size_t off, unsigned width, uint32_t min,
                                         uint32_t max, uint32_t extra, uint32_t *total)
{
    span_skip(&s, off);
    uint32_t len = width == 2 ? span_u16(&s) : span_u32(&s);
    if (!span_ok(&s))
        return FRAME_NEED;
    if (len < min || len > max)
        return FRAME_BAD;
    *total = extra + len;
    return FRAME_OK;
}

/* A little-endian 16-bit field (MySQL, RDP). */
static uint16_t rd_u16le(struct span *s)
{
    uint8_t a = span_u8(s), b = span_u8(s);
    return (uint16_t)(a | (unsigned)b << 8);
}

/* ---- LDAP (RFC 4511 4.1.1, 4.12, 4.14, 5.1; RFC 4513 3) ---- */

static const char LDAP_STARTTLS_OID[] = "1.3.6.1.4.1.1466.20037";

/* BER identifier and definite length (RFC 4511 5.1 forbids the indefinite
 * form; four length octets are more than any LDAP message needs). */
static bool ber_head(struct span *s, uint8_t *tag, uint32_t *len)
{
    *tag = span_u8(s);
    uint8_t l = span_u8(s);
    if (!span_ok(s))
        return false;
    if (l < 0x80) {
        *len = l;
        return true;
    }
    uint8_t k = l & 0x7f;
    if (k == 0 || k > 4) {
        span_poison(s);
        return false;
    }
    uint32_t v = 0;
    for (uint8_t i = 0; i < k; i++)
        v = v << 8 | span_u8(s);
    *len = v;
    return span_ok(s);
}

/* The contents of an element. A message longer than the unit buffer is cut:
 * then the contents may run past what was kept, and what was kept is used. */
static struct span ber_contents(struct span *s, uint32_t len, bool cut)
{
    if (cut && s->n < len && !s->bad)
        return span_take(s, s->n);
    return span_take(s, len);
}

static bool ber_small_int(struct span *s, uint8_t want, uint32_t *v)
{
    uint8_t tag;
    uint32_t len;
    if (!ber_head(s, &tag, &len) || tag != want || len < 1 || len > 4)
        return false;
    struct span body = span_take(s, len);
    uint32_t x = 0;
    while (body.n > 0)
        x = x << 8 | span_u8(&body);
    *v = x;
    return span_ok(s);
}

static enum frame_result ber_frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    (void)st;
    (void)dir;
    uint8_t tag, l;
    if (!span_peek(&s, 0, &tag))
        return FRAME_NEED;
    if (tag != 0x30) /* LDAPMessage ::= SEQUENCE */
        return FRAME_BAD;
    if (!span_peek(&s, 1, &l))
        return FRAME_NEED;
    if (l < 0x80) {
        *total = 2u + l;
        return FRAME_OK;
    }
    uint8_t k = l & 0x7f;
    if (k == 0 || k > 4)
        return FRAME_BAD;
    uint32_t v = 0;
    for (uint8_t i = 0; i < k; i++) {
        uint8_t b;
        if (!span_peek(&s, 2u + i, &b))
            return FRAME_NEED;
        v = v << 8 | b;
    }
    if (v > (1u << 24))
        return FRAME_BAD;
    *total = 2u + k + v;
    return FRAME_OK;
}

/* The resultCodes a refused StartTLS comes with (RFC 4511 4.14.2, appendix A). */
static const struct starttls_code_name ldap_results[] = {
    { 1, "operationsError" }, { 2, "protocolError" }, { 12, "unavailableCriticalExtension" },
    { 51, "busy" }, { 52, "unavailable" }, { 53, "unwillingToPerform" }, { 80, "other" },
};

static void ldap_message(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    int dir = u->dir;
    struct span msg = u->bytes;
    bool cut = u->cut;
    uint8_t tag, op;
    uint32_t len, oplen, msgid;
    if (!ber_head(&msg, &tag, &len) || tag != 0x30) {
        starttls_give_up(f, dir);
        return;
    }
    struct span body = ber_contents(&msg, len, cut);
    /* protocolOp is a CHOICE of APPLICATION-class tags (RFC 4511 4.2-4.14):
     * checking it on every message keeps other BER protocols out. */
    if (!ber_small_int(&body, 0x02, &msgid) || !ber_head(&body, &op, &oplen) || (op & 0xc0) != 0x40) {
        starttls_give_up(f, dir);
        return;
    }
    struct span opbody = ber_contents(&body, oplen, cut);
    if (dir == DIR_C2S) {
        /* ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID, ... } */
        uint8_t t;
        uint32_t l;
        if (op != 0x77 || st->upgrade_sent || !ber_head(&opbody, &t, &l) || t != 0x80)
            return;
        struct span oid = ber_contents(&opbody, l, cut);
        if (equals_exact(oid, LDAP_STARTTLS_OID, sizeof LDAP_STARTTLS_OID - 1)) {
            st->u.ldap.msgid = msgid;
            starttls_client_sent_upgrade(st);
        }
        return;
    }
    /* ExtendedResponse ::= [APPLICATION 24] SEQUENCE { COMPONENTS OF LDAPResult, ... }.
     * messageID 0 is an unsolicited notification (RFC 4511 4.4), e.g. the
     * server disconnecting instead of answering. */
    if (op != 0x78 || !st->upgrade_sent || (msgid != st->u.ldap.msgid && msgid != 0))
        return;
    uint32_t code;
    if (!ber_small_int(&opbody, 0x0a, &code))
        return;
    if (code == 0) {
        if (msgid == st->u.ldap.msgid)
            starttls_upgrade(f);
        return;
    }
    starttls_reply_str(st, "LDAP resultCode ");
    starttls_reply_dec(st, code);
    STARTTLS_REPLY_NAME(st, ldap_results, code);
    uint8_t t;
    uint32_t l;
    if (ber_head(&opbody, &t, &l) && t == 0x04) { /* matchedDN */
        ber_contents(&opbody, l, cut);
        if (ber_head(&opbody, &t, &l) && t == 0x04) { /* diagnosticMessage */
            struct span diag = ber_contents(&opbody, l, cut);
            if (span_ok(&diag) && diag.n > 0) {
                starttls_reply_str(st, ": ");
                starttls_reply_add(st, diag);
            }
        }
    }
    starttls_refuse(st);
}

/* LDAPMessage ::= SEQUENCE: the client speaks first (RFC 4511 4.1.1). */
const struct starttls_ops starttls_ldap_ops = {
    .name = "ldap", .opener = DIR_C2S, STARTTLS_OPENING("\x30"),
    .framing = STARTTLS_FRAMING_FRAMED, .frame = ber_frame, .client = ldap_message, .server = ldap_message,
};

/* ---- PostgreSQL (protocol docs: "SSL Session Encryption", "GSSAPI Session Encryption") ---- */

#define PG_SSL_REQUEST 80877103u    /* 0x04d2162f */
#define PG_GSSENC_REQUEST 80877104u /* 0x04d21630 */

enum { PG_NONE, PG_SSL, PG_GSS };

static enum frame_result pg_frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    (void)st;
    if (dir == DIR_C2S) {
        /* Untyped startup-phase messages: Int32 length (itself included). */
        return be_length_frame(s, 0, 4, 8, 10000, 0, total);
    }
    uint8_t b;
    if (!span_peek(&s, 0, &b))
        return FRAME_NEED;
    if (b == 'S' || b == 'N' || b == 'G') {
        *total = 1;
        return FRAME_OK;
    }
    if (b != 'E') /* ErrorResponse: a server too old to know the request */
        return FRAME_BAD;
    return be_length_frame(s, 1, 4, 4, 4096, 1, total);
}

static void pg_message(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span msg = u->bytes;
    if (u->dir == DIR_C2S) {
        span_skip(&msg, 4);
        uint32_t code = span_u32(&msg);
        if (code == PG_SSL_REQUEST && span_ok(&msg)) {
            st->u.pg.request = PG_SSL;
            starttls_client_sent_upgrade(st);
        } else if (code == PG_GSSENC_REQUEST && span_ok(&msg)) {
            st->u.pg.request = PG_GSS;
        } else {
            starttls_give_up(f, DIR_C2S); /* StartupMessage or CancelRequest: no encryption asked */
        }
        return;
    }
    uint8_t b = span_u8(&msg);
    switch (b) {
    case 'S':
        if (st->u.pg.request == PG_SSL)
            starttls_upgrade(f);
        else
            starttls_give_up(f, DIR_S2C);
        return;
    case 'N':
        if (st->u.pg.request == PG_SSL) {
            starttls_reply_str(st, "N");
            starttls_refuse(st);
        } else if (st->u.pg.request == PG_GSS) {
            st->u.pg.request = PG_NONE; /* libpq then tries an SSLRequest, or goes on in clear */
        } else {
            starttls_give_up(f, DIR_S2C);
        }
        return;
    case 'E':
        if (st->u.pg.request == PG_SSL) {
            span_skip(&msg, 4);
            starttls_reply_add(st, msg); /* the fields: 'S' severity, 'M' message, ... NUL-separated */
            starttls_refuse(st);
        } else {
            starttls_give_up(f, DIR_S2C);
        }
        return;
    default: /* 'G': GSSAPI encryption, not TLS */
        starttls_give_up(f, DIR_S2C);
        return;
    }
}

/* An SSLRequest or a GSSENCRequest: length 8, then the request code. */
static enum starttls_match pg_detect(struct span s)
{
    static const uint8_t pg_ssl[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
    static const uint8_t pg_gss[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30 };
    enum starttls_match ssl = starttls_match_bytes(s, pg_ssl, sizeof pg_ssl, false);
    enum starttls_match gss = starttls_match_bytes(s, pg_gss, sizeof pg_gss, false);
    return ssl > gss ? ssl : gss;
}

const struct starttls_ops starttls_pg_ops = {
    .name = "postgresql", .opener = DIR_C2S, .detect = pg_detect,
    .framing = STARTTLS_FRAMING_FRAMED, .frame = pg_frame, .client = pg_message, .server = pg_message,
};

/* ---- MySQL (client/server protocol: Initial Handshake v10, SSLRequest) ---- */

#define MYSQL_CLIENT_PROTOCOL_41 0x00000200u
#define MYSQL_CLIENT_SSL 0x00000800u

/* MySQL Initial Handshake: sequence id 0 and protocol version 10 after a
 * plausible 3-byte length. */
static enum starttls_match mysql_detect(struct span s)
{
    uint8_t b[5];
    size_t n = 0;
    while (n < 5 && span_peek(&s, n, &b[n]))
        n++;
    if (n >= 3 && (b[2] != 0 || ((unsigned)b[1] << 8 | b[0]) < 16 || ((unsigned)b[1] << 8 | b[0]) > 1024))
        return MATCH_NO;
    if (n >= 4 && b[3] != 0)
        return MATCH_NO;
    if (n >= 5 && b[4] != 10)
        return MATCH_NO;
    return n == 5 ? MATCH_FULL : MATCH_PART;
}

static enum frame_result mysql_frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    (void)st;
    (void)dir;
    /* Packet: int<3> payload_length (little-endian), int<1> sequence_id. */
    uint8_t a = span_u8(&s), b = span_u8(&s), c = span_u8(&s);
    span_u8(&s);
    if (!span_ok(&s))
        return FRAME_NEED;
    *total = 4u + ((uint32_t)c << 16 | (uint32_t)b << 8 | a);
    return FRAME_OK;
}

static void mysql_message(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span msg = u->bytes;
    span_skip(&msg, 3);
    uint8_t seq = span_u8(&msg);
    if (u->dir == DIR_S2C) {
        if (st->greeted)
            return;
        /* Initial Handshake: protocol version 10, then the NUL-terminated server version. */
        uint8_t version = span_u8(&msg);
        uint8_t z;
        bool nul = false;
        for (size_t i = 0; i < msg.n && !nul; i++)
            nul = span_peek(&msg, i, &z) && z == 0;
        if (seq == 0 && version == 10 && nul && span_ok(&msg))
            st->greeted = true;
        else
            starttls_give_up(f, DIR_S2C);
        return;
    }
    /* SSLRequest: a HandshakeResponse41 cut after its 32 fixed bytes
     * (capability flags, max packet size, character set, 23 zero bytes) with
     * CLIENT_SSL set; the ClientHello follows it at once. A longer first
     * packet is a cleartext login. */
    uint32_t caps = span_u32le(&msg);
    if (st->greeted && seq == 1 && u->total == 4 + 32 && span_ok(&msg) && (caps & MYSQL_CLIENT_SSL) &&
        (caps & MYSQL_CLIENT_PROTOCOL_41)) {
        starttls_client_sent_upgrade(st);
        starttls_upgrade(f);
    } else {
        starttls_give_up(f, DIR_C2S);
    }
}

const struct starttls_ops starttls_mysql_ops = {
    .name = "mysql", .opener = DIR_S2C, .detect = mysql_detect,
    .framing = STARTTLS_FRAMING_FRAMED, .frame = mysql_frame, .client = mysql_message, .server = mysql_message,
};

/* ---- TDS (MS-TDS 2.2.3.1 packet header, 2.2.6.5 PRELOGIN, 3.2.5.1-3.3.5.1) ---- */

#define TDS_TABULAR_RESULT 0x04
#define TDS_PRELOGIN 0x12
#define TDS_STATUS_EOM 0x01
#define TDS_PL_ENCRYPTION 0x01
#define TDS_PL_TERMINATOR 0xff

enum { TDS_ENCRYPT_OFF = 0, TDS_ENCRYPT_ON = 1, TDS_ENCRYPT_NOT_SUP = 2, TDS_ENCRYPT_REQ = 3 };

static enum frame_result tds_frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    (void)st;
    (void)dir;
    /* Header: Type, Status, Length (big-endian, header included), SPID, PacketID, Window. */
    return be_length_frame(s, 2, 2, 8, UINT16_MAX, 0, total);
}

/* The ENCRYPTION option of a PRELOGIN payload: a list of (token, offset,
 * length) entries, offsets from the payload's start, ended by 0xFF. */
static bool prelogin_encryption(struct span payload, uint8_t *enc)
{
    struct span opts = payload;
    for (int i = 0; i < 32; i++) {
        uint8_t token = span_u8(&opts);
        if (!span_ok(&opts) || token == TDS_PL_TERMINATOR)
            return false;
        uint16_t off = span_u16(&opts);
        uint16_t len = span_u16(&opts);
        if (!span_ok(&opts))
            return false;
        if (token != TDS_PL_ENCRYPTION)
            continue;
        struct span v = payload;
        span_skip(&v, off);
        uint8_t e = span_u8(&v);
        if (len < 1 || !span_ok(&v))
            return false;
        /* ENCRYPT_CLIENT_CERT (0x80) may be or-ed in (TDS 7.4). */
        *enc = e & 0x0f;
        return true;
    }
    return false;
}

static void tds_start(struct starttls *st, int dir)
{
    memset(&st->u.tds.dir[dir], 0, sizeof st->u.tds.dir[dir]);
    starttls_start_wrapped(st, dir);
}

static void tds_message(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span msg = u->bytes;
    uint8_t type = span_u8(&msg);
    uint8_t status = span_u8(&msg);
    span_skip(&msg, 6);
    uint8_t enc = TDS_ENCRYPT_NOT_SUP;
    bool has_enc = span_ok(&msg) && prelogin_encryption(msg, &enc);
    if (u->dir == DIR_C2S) {
        /* The client opens with PRELOGIN; anything else (a capture that
         * starts mid-connection, a pre-7.1 login) is not followed. */
        if (type != TDS_PRELOGIN || !(status & TDS_STATUS_EOM) || !has_enc) {
            starttls_give_up(f, DIR_C2S);
            return;
        }
        st->u.tds.client_enc = enc;
        st->upgrade_sent = true;
        tds_start(st, DIR_C2S); /* its TLS handshake comes wrapped in PRELOGIN packets */
        return;
    }
    if (type != TDS_TABULAR_RESULT || !st->upgrade_sent || !has_enc) {
        starttls_give_up(f, DIR_S2C);
        return;
    }
    /* MS-TDS 2.2.6.5 table: no TLS when either side says NOT_SUP; else at
     * least the login is encrypted, so a TLS handshake follows. */
    uint8_t c = st->u.tds.client_enc;
    if (enc == TDS_ENCRYPT_NOT_SUP || c == TDS_ENCRYPT_NOT_SUP) {
        if (enc == TDS_ENCRYPT_NOT_SUP && (c == TDS_ENCRYPT_ON || c == TDS_ENCRYPT_REQ)) {
            starttls_reply_str(st, "TDS PRELOGIN ENCRYPTION ENCRYPT_NOT_SUP");
            starttls_refuse(st);
        } else {
            starttls_give_up(f, DIR_S2C);
        }
        return;
    }
    if (st->verdict == STARTTLS_PENDING)
        st->verdict = STARTTLS_UPGRADED;
    tds_start(st, DIR_S2C);
}

/* Hands over the payload of PRELOGIN packets: the TLS handshake records
 * wrapped in TDS (MS-TDS 3.2.5.1; a record may span packets and a packet may
 * span feeds). Once the handshake is done TDS 7.x sends raw TLS records: a
 * record's first byte (20-23) where a packet header is expected can never be
 * a TDS packet type, so from there the direction is plain TLS. */
static void tds_unwrap(const struct starttls_io *f, int dir, struct span *data)
{
    struct starttls_dir *d = &f->st->dir[dir];
    struct starttls_tds_dir *t = &f->st->u.tds.dir[dir];
    if (t->left > 0) {
        size_t k = min_size(t->left, data->n);
        struct span part = span_take(data, k);
        t->left = (uint16_t)(t->left - k);
        if (t->type == TDS_PRELOGIN)
            starttls_hand_over(f, dir, part);
        return;
    }
    uint8_t b;
    if (t->hdr_len == 0 && span_peek(data, 0, &b) && b >= 0x14 && b <= 0x17) {
        d->wrapped = false;
        d->tls = true;
        return;
    }
    size_t k = min_size(sizeof t->hdr - t->hdr_len, data->n);
    memcpy(t->hdr + t->hdr_len, data->p, k);
    t->hdr_len = (uint8_t)(t->hdr_len + k);
    span_skip(data, k);
    if (t->hdr_len < sizeof t->hdr)
        return;
    t->hdr_len = 0;
    struct span h = span_make(t->hdr, sizeof t->hdr);
    uint8_t type = span_u8(&h);
    span_u8(&h);
    uint16_t len = span_u16(&h);
    if (len < 8) {
        d->dead = true; /* framing lost: nothing after it can be placed */
        return;
    }
    t->type = type;
    t->left = (uint16_t)(len - 8);
}

/* The client opens with a PRELOGIN packet. */
const struct starttls_ops starttls_tds_ops = {
    .name = "tds", .opener = DIR_C2S, STARTTLS_OPENING("\x12"),
    .framing = STARTTLS_FRAMING_FRAMED, .frame = tds_frame, .client = tds_message, .server = tds_message,
    .unwrap = tds_unwrap,
};

/* ---- RDP (MS-RDPBCGR 2.2.1.1, 2.2.1.2; TPKT RFC 1006, X.224 ISO 8073) ---- */

#define X224_CONNECTION_REQUEST 0xe0
#define X224_CONNECTION_CONFIRM 0xd0
#define RDP_NEG_REQ 0x01
#define RDP_NEG_RSP 0x02
#define RDP_NEG_FAILURE 0x03

static enum frame_result rdp_frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    (void)st;
    (void)dir;
    /* TPKT: version 3, reserved 0, length (header included); at least the
     * 7-byte X.224 CR/CC header follows. */
    uint8_t version, reserved;
    if (span_peek(&s, 0, &version) && version != 3)
        return FRAME_BAD;
    if (span_peek(&s, 1, &reserved) && reserved != 0)
        return FRAME_BAD;
    return be_length_frame(s, 2, 2, 11, UINT16_MAX, 0, total);
}

/* RDP_NEG_FAILURE failureCode (MS-RDPBCGR 2.2.1.2.2). */
static const struct starttls_code_name rdp_failures[] = {
    { 1, "SSL_REQUIRED_BY_SERVER" }, { 2, "SSL_NOT_ALLOWED_BY_SERVER" },
    { 3, "SSL_CERT_NOT_ON_SERVER" }, { 4, "INCONSISTENT_FLAGS" },
    { 5, "HYBRID_REQUIRED_BY_SERVER" }, { 6, "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER" },
};

/* The variable part of an X.224 CR/CC: after the fixed header, as long as
 * the length indicator says (it counts the bytes after itself). */
static struct span x224_variable(struct span *tpdu, uint8_t *code)
{
    span_skip(tpdu, 4); /* TPKT */
    uint8_t li = span_u8(tpdu);
    *code = span_u8(tpdu) & 0xf0;
    span_skip(tpdu, 5); /* DST-REF, SRC-REF, class option */
    if (!span_ok(tpdu) || li < 6)
        return span_poisoned();
    return span_take(tpdu, min_size((size_t)li - 6, tpdu->n));
}

static void rdp_message(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    struct span msg = u->bytes;
    uint8_t code;
    struct span var = x224_variable(&msg, &code);
    if (u->dir == DIR_C2S) {
        if (!span_ok(&var) || code != X224_CONNECTION_REQUEST) {
            starttls_give_up(f, DIR_C2S);
            return;
        }
        /* An optional routingToken or "Cookie: mstshash=..." line ending in
         * CRLF comes before the RDP_NEG_REQ (2.2.1.1). */
        uint8_t c;
        if (span_peek(&var, 0, &c) && c != RDP_NEG_REQ) {
            size_t i = 0;
            uint8_t next;
            while (span_peek(&var, i, &c) && !(c == '\r' && span_peek(&var, i + 1, &next) && next == '\n'))
                i++;
            span_skip(&var, i + 2);
        }
        uint8_t type = span_u8(&var);
        span_u8(&var); /* flags */
        uint16_t len = rd_u16le(&var);
        uint32_t requested = span_u32le(&var);
        /* requestedProtocols: PROTOCOL_SSL 1, HYBRID 2, RDSTLS 4, HYBRID_EX 8, ...
         * all run over TLS. None (standard RDP security) means no TLS. */
        if (!span_ok(&var) || type != RDP_NEG_REQ || len != 8 || requested == 0) {
            starttls_give_up(f, DIR_C2S);
            return;
        }
        starttls_client_sent_upgrade(st);
        return;
    }
    if (!span_ok(&var) || code != X224_CONNECTION_CONFIRM || !st->upgrade_sent) {
        starttls_give_up(f, DIR_S2C);
        return;
    }
    uint8_t type = span_u8(&var);
    span_u8(&var);
    uint16_t len = rd_u16le(&var);
    uint32_t value = span_u32le(&var);
    if (!span_ok(&var) || len != 8) {
        /* No negotiation response: a server that only knows standard RDP security. */
        starttls_reply_str(st, "RDP no RDP_NEG_RSP: standard RDP security");
        starttls_refuse(st);
        return;
    }
    if (type == RDP_NEG_RSP && value != 0) {
        starttls_upgrade(f);
        return;
    }
    if (type == RDP_NEG_RSP) {
        starttls_reply_str(st, "RDP_NEG_RSP PROTOCOL_RDP");
    } else if (type == RDP_NEG_FAILURE) {
        starttls_reply_str(st, "RDP_NEG_FAILURE ");
        starttls_reply_hex(st, value, 8);
        STARTTLS_REPLY_NAME(st, rdp_failures, value);
    } else {
        starttls_give_up(f, DIR_S2C);
        return;
    }
    starttls_refuse(st);
}

/* TPKT version 3, reserved 0. */
const struct starttls_ops starttls_rdp_ops = {
    .name = "rdp", .opener = DIR_C2S, STARTTLS_OPENING("\x03\x00"),
    .framing = STARTTLS_FRAMING_FRAMED, .frame = rdp_frame, .client = rdp_message, .server = rdp_message,
};

/* ---- SOCKS4/4a (NEC "SOCKS: A protocol for TCP proxy across firewalls", "SOCKS 4A"),
 *      SOCKS5 (RFC 1928), username/password (RFC 1929) ---- */

enum { SOCKS5_SERVER_METHOD, SOCKS5_SERVER_AUTH, SOCKS5_SERVER_REPLY };

/* Finds the NUL ending a string that starts at `from`; its offset, or 0 when
 * it is not there yet. Bounded by the unit buffer: longer ids are refused. */
static size_t nul_after(struct span s, size_t from, bool *bad)
{
    uint8_t c;
    for (size_t i = from; i < STARTTLS_UNIT_MAX; i++) {
        if (!span_peek(&s, i, &c))
            return 0;
        if (c == 0)
            return i;
    }
    *bad = true;
    return 0;
}

static enum frame_result socks4_frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    (void)st;
    if (dir == DIR_S2C) {
        *total = 8; /* VN, CD, DSTPORT, DSTIP */
        return FRAME_OK;
    }
    /* VN 4, CD, DSTPORT, DSTIP, USERID, NUL; SOCKS4a: DSTIP 0.0.0.x (x != 0)
     * and the host name, NUL-terminated, after the user id. */
    uint8_t ip[4];
    if (!span_peek(&s, 4, &ip[0]) || !span_peek(&s, 5, &ip[1]) || !span_peek(&s, 6, &ip[2]) ||
        !span_peek(&s, 7, &ip[3]))
        return FRAME_NEED;
    bool bad = false;
    size_t end = nul_after(s, 8, &bad);
    if (end && ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0)
        end = nul_after(s, end + 1, &bad);
    if (bad)
        return FRAME_BAD;
    if (!end)
        return FRAME_NEED;
    *total = (uint32_t)end + 1;
    return FRAME_OK;
}

/* Length of a SOCKS5 request or reply: VER, CMD/REP, RSV, ATYP, address, port. */
static enum frame_result socks5_address_frame(struct span s, uint32_t *total)
{
    uint8_t atyp, n;
    if (!span_peek(&s, 3, &atyp))
        return FRAME_NEED;
    switch (atyp) {
    case 1:
        *total = 4 + 4 + 2;
        return FRAME_OK;
    case 4:
        *total = 4 + 16 + 2;
        return FRAME_OK;
    case 3:
        if (!span_peek(&s, 4, &n))
            return FRAME_NEED;
        *total = 4 + 1 + (uint32_t)n + 2;
        return FRAME_OK;
    default:
        return FRAME_BAD;
    }
}

static enum frame_result socks5_frame(const struct starttls *st, int dir, struct span s, uint32_t *total)
{
    uint8_t b0, b1, ulen, plen;
    if (!span_peek(&s, 0, &b0) || !span_peek(&s, 1, &b1))
        return FRAME_NEED;
    if (dir == DIR_S2C) {
        if (st->step[DIR_S2C] != SOCKS5_SERVER_REPLY) {
            *total = 2; /* method selection, or the RFC 1929 status */
            return FRAME_OK;
        }
        return socks5_address_frame(s, total);
    }
    if (st->step[DIR_C2S] == 0) { /* greeting: VER, NMETHODS, METHODS */
        *total = 2u + b1;
        return FRAME_OK;
    }
    if (b0 == 1) { /* RFC 1929: VER 1, ULEN, UNAME, PLEN, PASSWD */
        if (!span_peek(&s, 2u + b1, &plen))
            return FRAME_NEED;
        ulen = b1;
        *total = 3u + ulen + plen;
        return FRAME_OK;
    }
    if (b0 == 5)
        return socks5_address_frame(s, total);
    return FRAME_BAD;
}

/* SOCKS5 REP (RFC 1928 6). */
static const struct starttls_code_name socks5_replies[] = {
    { 1, "general SOCKS server failure" }, { 2, "connection not allowed by ruleset" },
    { 3, "network unreachable" }, { 4, "host unreachable" }, { 5, "connection refused" },
    { 6, "TTL expired" }, { 7, "command not supported" }, { 8, "address type not supported" },
};

/* VER and the byte after it (CD, NMETHODS, REP, STATUS) open every message. */
static bool socks_head(const struct starttls_io *f, const struct starttls_unit *u, uint8_t *ver, uint8_t *b1)
{
    struct span msg = u->bytes;
    *ver = span_u8(&msg);
    *b1 = span_u8(&msg);
    if (!span_ok(&msg)) {
        starttls_give_up(f, u->dir);
        return false;
    }
    return true;
}

static void socks4_client(const struct starttls_io *f, const struct starttls_unit *u)
{
    uint8_t ver, cd;
    if (!socks_head(f, u, &ver, &cd))
        return;
    if (cd != 1) { /* BIND: not a tunnel to a server */
        starttls_give_up(f, DIR_C2S);
        return;
    }
    starttls_client_sent_upgrade(f->st);
}

static void socks4_server(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    uint8_t ver, cd;
    if (!socks_head(f, u, &ver, &cd))
        return;
    /* Reply: VN 0 (some servers echo 4), CD 90 granted, 91-93 rejected. */
    if ((ver != 0 && ver != 4) || cd < 0x5a || cd > 0x5d) {
        starttls_give_up(f, DIR_S2C);
        return;
    }
    if (cd == 0x5a) {
        starttls_upgrade(f);
        return;
    }
    starttls_reply_str(st, "SOCKS4 request rejected ");
    starttls_reply_hex(st, cd, 2);
    starttls_refuse(st);
}

static void socks5_client(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    uint8_t ver, b1;
    if (!socks_head(f, u, &ver, &b1))
        return;
    if (st->step[DIR_C2S] == 0) {
        if (ver != 5 || b1 == 0) {
            starttls_give_up(f, DIR_C2S);
            return;
        }
        st->step[DIR_C2S] = 1;
        return;
    }
    if (ver == 5) {
        if (b1 != 1) { /* BIND, UDP ASSOCIATE */
            starttls_give_up(f, DIR_C2S);
            return;
        }
        starttls_client_sent_upgrade(st);
    }
}

static void socks5_server(const struct starttls_io *f, const struct starttls_unit *u)
{
    struct starttls *st = f->st;
    uint8_t ver, b1;
    if (!socks_head(f, u, &ver, &b1))
        return;
    switch (st->step[DIR_S2C]) {
    case SOCKS5_SERVER_METHOD:
        if (ver != 5) {
            starttls_give_up(f, DIR_S2C);
        } else if (b1 == 0x00) {
            st->step[DIR_S2C] = SOCKS5_SERVER_REPLY;
        } else if (b1 == 0x02) {
            st->step[DIR_S2C] = SOCKS5_SERVER_AUTH;
        } else if (b1 == 0xff) {
            starttls_reply_str(st, "SOCKS5 no acceptable authentication method");
            starttls_refuse(st);
        } else {
            starttls_give_up(f, DIR_S2C); /* GSSAPI and others encapsulate what follows */
        }
        return;
    case SOCKS5_SERVER_AUTH:
        if (b1 == 0) {
            st->step[DIR_S2C] = SOCKS5_SERVER_REPLY;
            return;
        }
        starttls_reply_str(st, "SOCKS5 username/password authentication failed ");
        starttls_reply_hex(st, b1, 2);
        starttls_refuse(st);
        return;
    default:
        if (ver != 5) {
            starttls_give_up(f, DIR_S2C);
            return;
        }
        if (b1 == 0) {
            starttls_upgrade(f);
            return;
        }
        starttls_reply_str(st, "SOCKS5 reply ");
        starttls_reply_hex(st, b1, 2);
        STARTTLS_REPLY_NAME(st, socks5_replies, b1);
        starttls_refuse(st);
        return;
    }
}

/* SOCKS5 greeting: VER 5, NMETHODS 1-32 (RFC 1928 3 allows up to 255; no
 * client offers that many). */
static enum starttls_match socks5_detect(struct span s)
{
    uint8_t b1;
    enum starttls_match m = starttls_match_bytes(s, "\x05", 1, false);
    if (m != MATCH_FULL)
        return m;
    if (!span_peek(&s, 1, &b1))
        return MATCH_PART;
    return b1 >= 1 && b1 <= 32 ? MATCH_FULL : MATCH_NO;
}

/* SOCKS4 CONNECT: VN 4, CD 1. */
const struct starttls_ops starttls_socks4_ops = {
    .name = "socks", .opener = DIR_C2S, STARTTLS_OPENING("\x04\x01"),
    .framing = STARTTLS_FRAMING_FRAMED, .frame = socks4_frame, .client = socks4_client, .server = socks4_server,
};

const struct starttls_ops starttls_socks5_ops = {
    .name = "socks", .opener = DIR_C2S, .detect = socks5_detect,
    .framing = STARTTLS_FRAMING_FRAMED, .frame = socks5_frame, .client = socks5_client, .server = socks5_server,
};
