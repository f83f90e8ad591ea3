/* starttls.h - following the cleartext start of a TCP connection until it
 * turns into TLS: STARTTLS-style upgrades and the "wrapped TLS" dialogues of
 * databases, remote desktop and proxies.
 *
 * The dialogue is recognised by the bytes, not by the port: the first bytes of
 * the connection name it (a "220 " greeting, "* OK", "+OK", an SSLRequest,
 * a TPKT, "CONNECT ", ...) and anything else gives STARTTLS_NOT_STARTTLS. The
 * port is only a hint where the bytes cannot tell (a "220" greeting is SMTP
 * or FTP until the client's first command says which).
 *
 * The caller feeds each direction's reassembled bytes while the direction is
 * not yet TLS. The module hands every byte that belongs to a direction's TLS
 * stream to a callback, in order, as zero-copy spans into the fed data (TDS
 * payloads too). The one exception: at most two bytes held back while it is
 * unclear whether a client's bytes begin a TLS record come from a copy.
 *
 * Upgrade rule: from the byte after the server's positive answer the server
 * direction is TLS; the client direction is TLS from its first byte after its
 * upgrade command. A client whose ClientHello comes before the server's answer
 * in capture order is followed as well: after its command, client bytes that
 * begin like a TLS record header (16 03 0X) are TLS.
 *
 * Memory: the state is fixed-size (under 900 bytes) and holds no pointer to
 * packet memory. A line, tag or message split across feeds is kept in a
 * 256-byte per-direction buffer (longer ones are kept cut, their tail
 * skipped); nothing else is buffered. The work is bounded: a direction that
 * goes on for 64 KiB or 256 lines/messages without an upgrade gives
 * STARTTLS_NOT_STARTTLS. So does a session that shows it went on in clear
 * (an SMTP DATA, an IMAP SELECT, a POP3 LIST, an FTP transfer before any
 * upgrade command), so the caller can let go early.
 *
 * Wire references (one section each in starttls_text.c and starttls_binary.c):
 *   SMTP         RFC 3207, RFC 5321 4.2 (replies), RFC 2920 (pipelining)
 *   IMAP         RFC 3501 6.2.1, RFC 9051 6.2.1, RFC 3501 4.3 (literals)
 *   POP3         RFC 2595 4, RFC 1939 3 (multi-line), RFC 2449 (CAPA)
 *   FTP          RFC 4217 4, RFC 2228 (AUTH), RFC 959 4.2 (replies)
 *   NNTP         RFC 4642 2.2, RFC 3977 3.1-3.2
 *   ManageSieve  RFC 5804 1.7, 2.2
 *   XMPP         RFC 6120 5.4
 *   LDAP         RFC 4511 4.1.1, 4.12, 4.14.1, 5.1 (BER); RFC 4513 3
 *   PostgreSQL   protocol docs, "SSL Session Encryption", "GSSAPI Session Encryption"
 *   MySQL        client/server protocol: Initial Handshake v10, SSLRequest
 *   TDS          MS-TDS 2.2.3.1 (header), 2.2.6.5 (PRELOGIN), 3.2.5.1
 *   RDP          MS-RDPBCGR 2.2.1.1, 2.2.1.2 (X.224 over TPKT, RFC 1006)
 *   HTTP CONNECT RFC 9110 9.3.6, RFC 9112 3-4
 *   SOCKS        SOCKS4 / SOCKS4a (NEC drafts), RFC 1928, RFC 1929
 *   IRC          IRCv3 "tls" extension (STARTTLS, 670, 691), RFC 2812 2.3.1
 */
#ifndef TLSSCOPE_STARTTLS_H
#define TLSSCOPE_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

/* Every dialogue followed, in the order of enum starttls_proto (report.h
 * keeps the value: append, do not reorder). X(ID, ops) declares
 * STARTTLS_PROTO_<ID> and ties it to `starttls_<ops>_ops`, its table of
 * operations (dissect/starttls_proto.h): how its first bytes are recognised,
 * how it is cut into units, what each side's units do, and its name. Adding a
 * dialogue is one line here and one ops table in starttls_text.c or
 * starttls_binary.c. */
#define STARTTLS_PROTOCOLS(X)  \
    X(SMTP, smtp)              \
    X(IMAP, imap)              \
    X(POP3, pop3)              \
    X(LDAP, ldap)              \
    X(FTP, ftp)                \
    X(XMPP, xmpp)              \
    X(NNTP, nntp)              \
    X(MANAGESIEVE, sieve)      \
    X(POSTGRESQL, pg)          \
    X(MYSQL, mysql)            \
    X(TDS, tds)                \
    X(RDP, rdp)                \
    X(HTTP_CONNECT, http)      \
    X(SOCKS4, socks4)          \
    X(SOCKS5, socks5)          \
    X(IRC, irc)                \
    X(IRC_NOTICE, irc_server)

enum starttls_proto {
    STARTTLS_PROTO_NONE = 0,
#define STARTTLS_PROTO_ENUM(id, ops) STARTTLS_PROTO_##id,
    STARTTLS_PROTOCOLS(STARTTLS_PROTO_ENUM)
#undef STARTTLS_PROTO_ENUM
    STARTTLS_PROTO_COUNT
};

/* PENDING turns into one of the others once. The one exception: a client
 * whose ClientHello is seen before the server's answer makes it UPGRADED at
 * once, and a refusal that follows still turns it REFUSED (the client's TLS
 * bytes were handed over by then: drop them). REFUSED and NOT_STARTTLS are
 * final: later feeds do nothing. */
enum starttls_verdict {
    STARTTLS_PENDING = 0,     /* still reading cleartext */
    STARTTLS_UPGRADED,        /* TLS follows (in at least one direction already) */
    STARTTLS_REFUSED,         /* the server refused the upgrade: see starttls_reply() */
    STARTTLS_NOT_STARTTLS,    /* no known dialogue, or one that went on too long: give up */
};

/* Bytes of one line, tag or message kept when it is split across feeds. */
#define STARTTLS_UNIT_MAX 256
/* Bytes of the server's answer kept for the report. */
#define STARTTLS_REPLY_MAX 200
/* Cleartext a direction may carry before the dialogue is given up. */
#define STARTTLS_BYTE_LIMIT (64u * 1024u)
#define STARTTLS_UNIT_LIMIT 256

/* Per-direction state. Private to the starttls module (starttls*.c); here so
 * the caller can embed `struct starttls` in its per-connection record. */
struct starttls_dir {
    uint8_t buf[STARTTLS_UNIT_MAX]; /* the current unit's first bytes, when split */
    uint16_t have;                /* bytes in buf */
    uint16_t units;               /* lines / tags / messages seen */
    uint32_t bytes;               /* cleartext bytes consumed */
    uint32_t skip;                /* bytes still to pass over (oversized message, IMAP literal) */
    uint32_t unit_total;          /* full length of the oversized message in buf */
    bool skip_unit;               /* when skip ends, buf is handled as a cut message */
    bool cut;                     /* the current line/tag is longer than buf */
    bool holdback;                /* buf holds 1-2 bytes that may begin a TLS record */
    bool sniff;                   /* at a unit boundary, a TLS record header means TLS */
    bool tls;                     /* the direction carries raw TLS from here on */
    bool wrapped;                 /* TLS comes wrapped in the dialogue's packets (TDS) */
    bool dead;                    /* no longer followed (framing lost): bytes are dropped */
};

/* Who the client said it was in cleartext, before any upgrade: the name
 * its SMTP EHLO/HELO/LHLO gives (RFC 5321 4.1.1.1), and the "name" and
 * "version" of its IMAP ID command (RFC 2971 3.1). Raw bytes, the first
 * STARTTLS_CLIENT_ID_MAX of each (`cut` when longer). The best way to find
 * which printer or mail client still speaks TLS 1.0. */
#define STARTTLS_CLIENT_ID_MAX 64
struct starttls_id_value {
    uint8_t len;
    bool cut;
    uint8_t v[STARTTLS_CLIENT_ID_MAX];
};
struct starttls_client_id {
    bool helo_seen, imap_id_seen; /* the first command of each kind is kept */
    struct starttls_id_value helo, name, version;
};

/* Matching answers to commands by count, for the dialogues that answer every
 * command line with exactly one final reply, in order (SMTP, FTP, NNTP, POP3,
 * ManageSieve). */
struct starttls_counted {
    uint16_t cmds;                /* client commands (lines) so far */
    uint16_t replies;             /* server final replies so far, greeting excluded */
    uint16_t upgrade_at;          /* 1-based index of the upgrade command among cmds; 0: not sent */
};

/* TDS: the packet being unwrapped in one direction (MS-TDS 2.2.3.1). */
struct starttls_tds_dir {
    uint8_t hdr_len;
    uint8_t hdr[8];
    uint8_t type;                 /* type of the packet being unwrapped */
    uint16_t left;                /* its payload bytes still to come */
};

struct starttls {
    uint8_t proto;                /* enum starttls_proto */
    uint8_t verdict;              /* enum starttls_verdict */
    uint16_t server_port;
    bool greeted;                 /* the server's greeting is complete */
    bool upgrade_sent;            /* the client sent its upgrade command */
    uint8_t step[2];              /* which message each direction sends next (binary, HTTP, XMPP) */
    struct starttls_counted counted;
    uint8_t reply_len;
    uint8_t reply[STARTTLS_REPLY_MAX];
    struct starttls_client_id client_id;
    /* What only one dialogue keeps: the member named after `proto`. */
    union {
        struct {                  /* SMTP, FTP, NNTP */
            uint16_t ml_code;     /* multi-line reply in progress ("ddd-") */
            bool smtp_or_ftp;     /* a "220" greeting: the client's first command decides */
            bool dot_block;       /* NNTP: a "."-terminated block is in progress */
        } numeric;
        struct {
            uint64_t multi;       /* bit (i % 64): command i's +OK carries a "." block */
            bool dot_block;       /* a "."-terminated block is in progress */
        } pop3;
        struct {
            uint8_t tag_len;
            uint8_t tag[32];      /* tag of the STARTTLS command */
        } imap;
        struct {
            uint16_t status;      /* of the response being read */
        } http;
        struct {
            bool await_close;     /* <proceed> was not self-closing: TLS after </proceed> */
        } xmpp;
        struct {
            uint32_t msgid;       /* messageID of the StartTLS request */
        } ldap;
        struct {
            uint8_t request;      /* last negotiation request (1 SSL, 2 GSSENC) */
        } pg;
        struct {
            uint8_t client_enc;   /* the client's ENCRYPTION option */
            struct starttls_tds_dir dir[2];
        } tds;
    } u;
    struct starttls_dir dir[2];
};

/* Where a direction's TLS bytes go: `dir` 0 = client->server, 1 = server->client. */
typedef void (*starttls_tls_fn)(void *ctx, int dir, struct span bytes);

/* `server_port` is the TCP server's port: a hint for SMTP versus FTP only. */
void starttls_init(struct starttls *st, uint16_t server_port);

/* Feeds the next bytes of direction `dir` (0 = client->server, 1 =
 * server->client), in stream order. Bytes that belong to that direction's TLS
 * stream are handed to `tls(ctx, dir, bytes)` (it may be NULL); a feed of one
 * direction may also hand over the other direction's bytes held back while
 * undecided (at most two, when the server's acceptance settles them).
 * Does nothing once the verdict is REFUSED or NOT_STARTTLS. */
void starttls_feed(struct starttls *st, int dir, struct span data, starttls_tls_fn tls, void *ctx);

enum starttls_verdict starttls_verdict(const struct starttls *st);

/* The dialogue recognised, also when it ended without an upgrade (a plain
 * SMTP session says SMTP and NOT_STARTTLS). SMTP and FTP are told apart by
 * the client's first command; until then the port decides. */
enum starttls_proto starttls_protocol(const struct starttls *st);

/* "smtp", "imap", "pop3", "ldap", "ftp", "xmpp", "nntp", "sieve",
 * "postgresql", "mysql", "tds", "rdp", "http", "socks"; NULL for NONE. */
const char *starttls_protocol_name(enum starttls_proto p);

/* The server's answer to the upgrade command, at most STARTTLS_REPLY_MAX
 * bytes: the raw reply lines of text protocols (CRLF included), the tag for
 * XMPP, the ErrorResponse fields for PostgreSQL, and a short text for binary
 * protocols ("RDP_NEG_FAILURE 0x00000002 SSL_NOT_ALLOWED_BY_SERVER",
 * "LDAP resultCode 52 unavailable: <diagnosticMessage>", "SOCKS5 reply 0x05
 * connection refused", "TDS PRELOGIN ENCRYPTION ENCRYPT_NOT_SUP"; "N" for a
 * PostgreSQL refusal). Empty (len 0) when there was no answer. Kept for
 * accepted upgrades of text protocols too. */
const uint8_t *starttls_reply(const struct starttls *st, size_t *len);

/* Who the client said it was before the upgrade (SMTP EHLO/HELO, IMAP ID);
 * each value's len is 0 when it did not say. */
const struct starttls_client_id *starttls_client_id(const struct starttls *st);

/* True once direction `dir` carries raw TLS: its later bytes may go straight
 * to the TLS parser without starttls_feed. Stays false while TLS is being
 * unwrapped from TDS packets (keep calling starttls_feed); becomes true when
 * TDS traffic turns to raw TLS records after the handshake. */
bool starttls_dir_is_tls(const struct starttls *st, int dir);

/* What the first bytes of one direction say about a cleartext dialogue that may upgrade to TLS. */
enum starttls_sniff_result {
    STARTTLS_SNIFF_NO = 0,        /* no dialogue this module follows begins like this */
    STARTTLS_SNIFF_NEED_MORE,     /* a prefix of one: more bytes are needed to tell */
    STARTTLS_SNIFF_YES,           /* the opening of a dialogue this module follows */
};
/* `first`: the first bytes of direction `dir` (0 client->server, 1 server->client), however few have
 * arrived; `server_port`: the TCP server's port (a hint only, as in starttls_init). Pure: no state.
 *
 * The same recognition starttls_feed makes from a direction's first bytes:
 * YES exactly when feeding `first` to a fresh state names a protocol,
 * NEED_MORE when that feed would still be holding the bytes (PENDING, no
 * protocol), NO when it would give up. Only the first 16 bytes are looked at,
 * so NEED_MORE comes only with fewer than 16 (for the dialogues known today,
 * fewer than 9: "* PREAUTH" is the longest opening). Empty input is
 * NEED_MORE; a bad span or a `dir` other than 0 or 1 is NO. */
enum starttls_sniff_result starttls_sniff(int dir, struct span first, uint16_t server_port);

#endif
