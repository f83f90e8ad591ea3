/* report.h - the per-connection record: the contract between dissection and
 * every writer.
 *
 * The flow stage fills `struct conn_meta` (who talked to whom, when, how
 * much); the TLS dissector fills `struct tls_report` (what the handshake
 * said). Writers in output/ see only these two structs, never packet bytes.
 *
 * Everything is kept as numbers (code points, versions) until a line is
 * written: names are looked up once per line, not per packet. Lists are fixed
 * arrays with a count and a `more` flag: items beyond the array are counted,
 * never allocated. Byte strings from the wire (SNI, ALPN) are copied here
 * because packet memory does not outlive the packet callback.
 */
#ifndef TLSSCOPE_REPORT_H
#define TLSSCOPE_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/tls_fingerprint.h"
#include "dissect/x509.h"
#include "flows/conn_meta.h"

/* Caps on what one hello can report. Real clients stay far below these
 * (the largest in the corpus offers 350 cipher suites); more are counted. */
#define TLS_MAX_CIPHERS 512
#define TLS_MAX_EXTENSIONS 64
#define TLS_MAX_GROUPS 64
#define TLS_MAX_SIGALGS 64
#define TLS_MAX_VERSIONS 16
#define TLS_MAX_POINT_FORMATS 16
#define TLS_MAX_KEY_SHARES 16
#define TLS_MAX_ALPN 32          /* QUIC clients offer one per draft: 18 and more */
#define TLS_ALPN_BYTES 256       /* ALPN names, each stored length-prefixed */
#define TLS_SNI_BYTES 256        /* a DNS name is at most 253 octets */
#define TLS_QUIC_VERSIONS_MAX 16 /* versions one Version Negotiation lists (servers list a handful) */

/* A list of 16-bit code points in wire order, GREASE included (writers drop
 * GREASE; fingerprints treat it as their specifications say). `offered`
 * counts the hello's items that are not GREASE, those past the array too:
 * a list longer than its array is not malformed, and the line says how long
 * it was (tls.client.list_lengths). */
#define TLS_LIST(name, cap) struct { uint16_t n; bool more; uint16_t offered; uint16_t v[cap]; } name

struct tls_client_report {
    bool seen;                   /* a ClientHello (or its first bytes) was seen */
    bool parsed;                 /* the ClientHello parsed to its end */
    bool sslv2_hello;            /* SSLv2-compatible CLIENT-HELLO (RFC 5246 E.2) */
    uint16_t record_version;     /* record layer version of its first record */
    uint16_t legacy_version;     /* ClientHello.legacy_version */
    /* QUIC: the version of the client's Initial that carried the first
     * ClientHello (tls.client.quic_version); 0 for TLS over TCP. */
    uint32_t quic_version;
    /* QUIC, after a Version Negotiation: the versions of the client's
     * Initials in the order it used them, the one the server refused first
     * (tls.client.quic_versions); empty without a Version Negotiation. */
    uint32_t quic_versions[TLS_QUIC_VERSIONS_MAX];
    uint8_t quic_versions_n;
    bool dtls;                   /* over DTLS: versions are DTLS's, JA4 starts 'd' */
    uint8_t session_id_len;
    /* Cipher suites; SSLv2 hellos carry 3-byte cipher kinds, hence 32 bits. */
    struct { uint16_t n; bool more; uint16_t offered; uint32_t v[TLS_MAX_CIPHERS]; } ciphers;
    TLS_LIST(extensions, TLS_MAX_EXTENSIONS);
    TLS_LIST(supported_versions, TLS_MAX_VERSIONS);
    TLS_LIST(supported_groups, TLS_MAX_GROUPS);
    TLS_LIST(signature_algorithms, TLS_MAX_SIGALGS);   /* extension 13 alone (JA4 hashes it) */
    /* Every SignatureScheme the hello offers, in wire order: signature_algorithms
     * (13), signature_algorithms_cert (50) and delegated_credentials (34), as
     * Wireshark lists them under tls.handshake.sig_hash_alg. This is what
     * tls.client.signature_algorithms reports. */
    TLS_LIST(signature_schemes, TLS_MAX_SIGALGS * 2);
    TLS_LIST(key_share_groups, TLS_MAX_KEY_SHARES);
    struct { uint8_t n; bool more; uint16_t offered; uint8_t v[TLS_MAX_POINT_FORMATS]; } ec_point_formats;
    bool has_supported_versions;
    bool has_ec_point_formats;
    bool has_session_ticket;     /* session_ticket extension, non-empty */
    bool has_psk;                /* pre_shared_key extension */
    bool has_ech;                /* encrypted_client_hello (0xfe0d) */
    /* SNI (first host_name entry), as bytes from the wire. */
    uint16_t sni_len;
    bool sni_truncated;
    uint8_t sni[TLS_SNI_BYTES];
    /* ALPN protocol names, each as <len><bytes>, in wire order. */
    uint8_t alpn_count;
    bool alpn_more;
    uint16_t alpn_len;
    uint8_t alpn[TLS_ALPN_BYTES];
    /* The parser went through the whole hello, extensions block included
     * (an extension with a malformed body still counts; one whose framing
     * broke ends the list there): JA3/JA4 (output/fingerprint.h) are
     * computed from its lists only then, never from a hello cut short. */
    bool lists_complete;
    /* The client's Certificate message (TLS <= 1.2, answering a
     * CertificateRequest; RFC 5246 7.4.6): an empty one (chain length 0)
     * means the client had no certificate to send. SSL 3.0 clients say so
     * with a no_certificate warning alert instead (RFC 6101 5.4.6). */
    bool certificate_seen;
    uint16_t certificate_chain_length;
    bool no_certificate_alert;
    /* A hello with a list longer than its array (ciphers, extensions,
     * supported_groups, ec_point_formats, signature_algorithms,
     * supported_versions: a `more` flag) keeps the first items only, so the
     * parser computed the fingerprints over the whole lists while the
     * hello's bytes were there (dissect/tls_fingerprint.h); output/
     * fingerprint.c gives these then. The JA4's first character is left to
     * the writer (the transport is known only later for QUIC and DTLS). */
    bool whole_fp;
    uint8_t whole_ja3[16];       /* MD5 of the whole JA3 string */
    char whole_ja4[TLS_FP_JA4_SIZE];
};

struct tls_server_report {
    bool seen;                   /* ServerHello (or SSLv2 SERVER-HELLO) seen */
    /* QUIC: the versions a Version Negotiation packet offered, in wire
     * order, reserved (greasing) ones left out (tls.server.quic_versions);
     * quic_versions_more: it listed more than the array holds. */
    uint32_t quic_versions[TLS_QUIC_VERSIONS_MAX];
    uint8_t quic_versions_n;
    bool quic_versions_more;
    bool parsed;
    bool hello_retry_request;    /* a HelloRetryRequest came first */
    bool hello_verify_request;   /* DTLS: a HelloVerifyRequest (cookie exchange) came first */
    uint16_t record_version;
    uint16_t legacy_version;     /* ServerHello.legacy_version */
    uint16_t selected_version;   /* supported_versions extension, 0 when absent */
    uint16_t cipher;
    uint8_t compression;
    uint8_t session_id_len;
    bool session_id_echoed;      /* non-empty and equal to the client's */
    uint16_t key_share_group;    /* TLS 1.3 key_share (or HRR selected group) */
    TLS_LIST(extensions, TLS_MAX_EXTENSIONS);
    uint16_t alpn_len;           /* selected ALPN protocol */
    uint8_t alpn[TLS_ALPN_BYTES];
    bool has_psk;                /* pre_shared_key accepted (TLS 1.3 resumption) */
    bool has_session_ticket_ext; /* server will send NewSessionTicket (TLS 1.2) */
    bool lists_complete;         /* read to the end of its extensions' framing (JA3S) */
    /* ServerKeyExchange (RFC 5246 7.4.3, RFC 8422 5.4). */
    bool ske_seen;
    uint16_t curve;              /* ECDHE named curve, or the RFC 7919 group a DHE prime is; 0 when none */
    uint8_t curve_type;          /* ECCurveType: 3 = named_curve */
    uint32_t dh_prime_bits;      /* DHE p, bits; 0 when none */
    uint32_t dh_public_bits;     /* DHE Ys, bits */
    bool dh_generator_known;
    uint64_t dh_generator;       /* g, when it fits in 64 bits */
    uint8_t dh_group;            /* a well-known DHE prime (dissect/dh_groups.h id), 0 when none */
    uint16_t kx_sigalg;          /* SignatureScheme of the SKE, 0 when absent */
    uint16_t certificate_chain_length;
    bool certificate_seen;
    bool certificate_request;    /* the server asked for a client certificate (TLS <= 1.2) */
    /* Its chain checked against the trust store (dissect/chain_verify.h):
     * libcrypto's X509_V_OK (0) or X509_V_ERR_* code, -1 when no
     * certificate of the chain decoded. */
    bool validated;
    int32_t validation;
    /* More extensions than the array holds: JA3S over all of them, computed
     * by the parser (as whole_fp above). */
    bool whole_fp;
    uint8_t whole_ja3s[16];
};

/* SSL 2.0 after an SSLv2 CLIENT-HELLO (dissect/sslv2.h). When the server
 * answered with an SSLv2 SERVER-HELLO (server_hello), server.seen holds
 * with its version (0x0002) and server.cipher is unused: SSLv2 cipher kinds
 * are 3 bytes, kept here. A cleartext ERROR from either side is kept here
 * too (SSLv2 has no alerts). */
#define TLS_SSLV2_MAX_CIPHERS 16
struct tls_sslv2_report {
    bool server_hello;           /* the server's SERVER-HELLO was read: the session is SSLv2 */
    bool session_id_hit;         /* it resumed the client's session (no certificate, no cipher list) */
    uint8_t connection_id_len;
    uint8_t cipher_count;        /* the server's cipher kinds, in its order */
    bool ciphers_more;
    uint32_t ciphers[TLS_SSLV2_MAX_CIPHERS];
    bool master_key;             /* the client's CLIENT-MASTER-KEY was read */
    uint32_t cipher_kind;        /* the kind it chose: tls.cipher */
    bool error_seen;             /* a cleartext ERROR message (always fatal in cleartext) */
    uint8_t error_sender;        /* DIR_C2S or DIR_S2C */
    bool error_after_peer_close; /* it answered the other side's FIN or RST */
    uint16_t error_code;         /* 1 NO-CIPHER, 2 NO-CERTIFICATE, 4 BAD-CERTIFICATE, 6 UNSUPPORTED-CERTIFICATE-TYPE */
};

enum tls_outcome {
    TLS_OUTCOME_INCOMPLETE = 0,
    TLS_OUTCOME_ESTABLISHED,
    TLS_OUTCOME_ALERT,
    TLS_OUTCOME_RESET,
    TLS_OUTCOME_CLOSED_DURING_HANDSHAKE,
    TLS_OUTCOME_STARTTLS_REFUSED,    /* the cleartext protocol refused to upgrade */
};

struct tls_alert_report {
    bool seen;
    uint8_t level;               /* 1 warning, 2 fatal */
    uint8_t description;
    uint8_t sender;              /* DIR_C2S: client, DIR_S2C: server */
    /* It came after the other side had closed (FIN or RST): then the close,
     * not the alert, ended the handshake (an OpenSSL client answers a
     * server's silent FIN with decode_error), and the alert is detail. */
    bool after_peer_close;
    /* An alert record after its sender's ChangeCipherSpec (TLS <= 1.2):
     * level and description are encrypted (0 here); only that it was an
     * alert, and whose, is known. */
    bool encrypted;
};

#define TLS_CLEARTEXT_NAME_MAX 64
struct tls_cleartext_name {
    uint8_t len;                 /* 0: not said */
    bool cut;                    /* longer than TLS_CLEARTEXT_NAME_MAX */
    uint8_t v[TLS_CLEARTEXT_NAME_MAX];
};

/* What came before TLS on the connection: a PROXY protocol header, a
 * STARTTLS-like dialogue, and what the classifier made of the connection. */
#define TLS_STARTTLS_REPLY_MAX 200
#define TLS_APPLICATION_MAX 48
#define TLS_SERVER_PLAINTEXT_MAX 128
#define TLS_PROXY_UNIQUE_ID_MAX 128   /* PROXY v2: "up to 128 bytes" */
struct conn_context_report {
    uint8_t proxy_version;       /* 1 or 2 when a PROXY header came first, else 0 */
    bool proxy_has_client;       /* it named the true client */
    uint8_t proxy_ip_version;
    uint8_t proxy_client_ip[16];
    uint16_t proxy_client_port;
    /* The address the client connected to on the balancer (its VIP and
     * port), when the header named the endpoints. */
    bool proxy_has_destination;
    uint8_t proxy_destination_ip[16];
    uint16_t proxy_destination_port;
    /* PP2_TYPE_UNIQUE_ID: the balancer's id for the connection, which its
     * own log carries too (haproxy's unique-id-format). */
    uint8_t proxy_unique_id_len;
    uint8_t proxy_unique_id[TLS_PROXY_UNIQUE_ID_MAX];
    /* The stream began with a PROXY header that failed its checks: it was
     * skipped, and client.* is the balancer's own address. */
    bool proxy_invalid;
    uint8_t starttls;            /* enum starttls_proto; 0 for implicit TLS */
    bool starttls_refused;       /* the server refused the upgrade */
    uint8_t starttls_reply_len;
    uint8_t starttls_reply[TLS_STARTTLS_REPLY_MAX]; /* the server's answer, raw */
    /* A TLS client met a server that speaks plaintext: its ClientHello came
     * after the server's banner (before any cleartext command of its own),
     * or the server answered it in plaintext. The server's first bytes are
     * kept, raw: they name what it expected (a "220" SMTP banner, an HTTP
     * error). */
    bool plaintext_server;
    uint8_t server_plaintext_len;
    uint8_t server_plaintext[TLS_SERVER_PLAINTEXT_MAX];
    /* Who the client said it was in cleartext before STARTTLS: its SMTP
     * EHLO/HELO name, its IMAP ID name and version (raw, bounded). */
    struct tls_cleartext_name smtp_helo, imap_id_name, imap_id_version;
    const char *protocol;        /* network.protocol: a static lowercase name, or NULL */
    /* Bytes before TLS in each direction that belong to no protocol
     * followed here (a proxy's or a vendor's framing): skipped to the
     * record carrying the hello (tls.client/server.skipped_bytes). */
    uint16_t skipped_bytes[2];
    char application[TLS_APPLICATION_MAX]; /* nDPI's name for the flow, "" when unknown */
};

/* Handshake messages as they are parsed, for writers that annotate the
 * packet that completed each one (output/packet_notes.h). The report holds
 * what the message said when the sink is called. */
enum tls_note {
    TLS_NOTE_CLIENT_HELLO,       /* or an SSLv2-compatible CLIENT-HELLO */
    TLS_NOTE_SERVER_HELLO,       /* or a HelloRetryRequest */
    TLS_NOTE_CERTIFICATE,        /* the server's, TLS <= 1.2 */
    TLS_NOTE_SERVER_KEY_EXCHANGE,
    TLS_NOTE_CERTIFICATE_REQUEST,
    TLS_NOTE_CLIENT_CERTIFICATE,
    TLS_NOTE_ALERT,              /* the alert the report keeps (the first, or a fatal one after warnings) */
};

/* Why `malformed` is true: the first message that came out of order or did
 * not parse, or the record framing that broke (tls.malformed_message; the
 * text is made at output, dissect/tls_handshake.h tls_hs_malformed_text). */
enum tls_malformed_kind {
    TLS_MALFORMED_NONE = 0,
    TLS_MALFORMED_UNPARSED,      /* in order, but its body did not parse */
    TLS_MALFORMED_BEFORE_HELLO,  /* before its sender's hello */
    TLS_MALFORMED_REPEATED,      /* a second one where the protocol has one */
    TLS_MALFORMED_AFTER,         /* after `prev`, which it must precede */
    TLS_MALFORMED_UNREQUESTED,   /* a client Certificate without a CertificateRequest */
    TLS_MALFORMED_AFTER_TLS13,   /* cleartext after a TLS 1.3 ServerHello (all later ones are encrypted) */
    TLS_MALFORMED_AFTER_CCS,     /* cleartext after its sender's ChangeCipherSpec */
    TLS_MALFORMED_RECORDS,       /* a record header that cannot be TLS, after TLS records */
    TLS_MALFORMED_SSLV2,         /* an SSLv2 message (hs_type: its SSLv2 type) that did not parse */
    TLS_MALFORMED_SSLV2_UNEXPECTED, /* an SSLv2 message where its sender sends another */
};

struct tls_malformed_report {
    uint8_t kind;                /* enum tls_malformed_kind */
    uint8_t sender;              /* DIR_C2S or DIR_S2C */
    uint8_t hs_type;             /* handshake type of the message (0 for RECORDS) */
    uint8_t prev;                /* AFTER: the handshake type it came after */
};

/* Which of the causes `truncated` folds together were seen (bits). */
enum tls_truncated_cause {
    TLS_TRUNCATED_MESSAGE = 1u << 0,      /* a handshake message over the size cap or the buffer budget */
    TLS_TRUNCATED_CAPTURE_GAP = 1u << 1,  /* bytes missing from a stream */
    TLS_TRUNCATED_CLIENT_HELLO = 1u << 2, /* a ClientHello began but never ended */
    TLS_TRUNCATED_SNI = 1u << 3,          /* server name longer than TLS_SNI_BYTES */
    TLS_TRUNCATED_ALPN = 1u << 4,         /* more ALPN names than the report holds */
};

/* The server's certificates after the leaf (TLS <= 1.2), as much of each as
 * the check of their signatures against the client's
 * signature_algorithms(_cert) needs (RFC 5246 7.4.2: every certificate the
 * server sends, but a self-signed trust anchor, is subject to it). Read only
 * when the client offered signature algorithms. */
#define TLS_CHAIN_CERTS_MAX 8
struct tls_chain_cert {
    bool parsed;                 /* the DER decoded */
    bool self_signed;
    int32_t signature_nid;       /* signatureAlgorithm (x509_report's encoding) */
    uint8_t subject_cn_len;
    uint8_t subject_cn[X509_CN_MAX];
};
struct tls_chain_report {
    uint8_t n;                   /* certificates after the leaf kept */
    bool more;                   /* the chain had more than TLS_CHAIN_CERTS_MAX after the leaf */
    struct tls_chain_cert v[TLS_CHAIN_CERTS_MAX];
};

struct tls_report {
    struct tls_client_report client;
    struct tls_server_report server;
    /* The first fatal cleartext alert, else the first warning: a warning
     * (a server's unrecognized_name) may come before the fatal alert that
     * ends the handshake, and that one says why it failed. */
    struct tls_alert_report alert;
    struct conn_context_report context;
    struct x509_report server_cert;  /* leaf of the server's Certificate message (TLS <= 1.2; SSLv2's SERVER-HELLO) */
    struct x509_report client_cert;  /* leaf of the client's Certificate message (TLS <= 1.2) */
    struct tls_sslv2_report sslv2;
    struct tls_chain_report server_chain; /* the server's certificates after its leaf (TLS <= 1.2) */
    enum tls_outcome outcome;
    bool established;            /* outcome == TLS_OUTCOME_ESTABLISHED, kept for writers (tls_report_established) */
    bool resumed;
    bool ccs_seen[2];            /* ChangeCipherSpec per direction */
    bool finished_seen[2];       /* encrypted Finished (first record after CCS) */
    uint32_t app_records[2];     /* application_data records per direction */
    bool malformed;              /* a record or handshake message did not parse, or came out of order */
    struct tls_malformed_report malformed_why;
    bool truncated;              /* bytes needed for a field were missing */
    uint8_t truncated_why;       /* enum tls_truncated_cause bits (not written yet) */
    /* Per direction (DIR_C2S, DIR_S2C), bit t: a handshake message of type t
     * that the dissector reads was not kept whole, being over the message
     * limit (--max-message) or the buffer budget, so nothing of it is
     * reported (tls.client/server.truncated_messages). */
    uint32_t messages_not_kept[2];
};

/* The one source of truth for "established"; the `established` field is a
 * copy the decision writes for writers that still read it. */
static inline bool tls_report_established(const struct tls_report *r)
{
    return r->outcome == TLS_OUTCOME_ESTABLISHED;
}

#endif
