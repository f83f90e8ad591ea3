/* sslv2.h - the SSL 2.0 messages after the CLIENT-HELLO: the server's
 * SERVER-HELLO (its certificate, the cipher kinds both sides share, the
 * connection id) and the client's CLIENT-MASTER-KEY (the cipher kind it
 * chose), parsed in place from one whole SSLv2 record.
 *
 * The layouts are those of the SSL 2.0 specification (Hickman, 1995; the
 * record header also in RFC 6101 E.1): a record has a 2-byte header (high bit
 * set, 15-bit length) or a 3-byte one (14-bit length, then a padding count);
 * its first byte is the message type. The CLIENT-HELLO itself is read by
 * tls_hello.h (tls_parse_sslv2_client_hello), where SSLv3/TLS clients use it
 * too. Every message after CLIENT-MASTER-KEY is encrypted.
 */
#ifndef TLSSCOPE_SSLV2_H
#define TLSSCOPE_SSLV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"
#include "dissect/tls_facts.h"
#include "dissect/tls_hello.h"

enum {
    SSLV2_MT_ERROR = 0,
    SSLV2_MT_CLIENT_HELLO = 1,
    SSLV2_MT_CLIENT_MASTER_KEY = 2,
    SSLV2_MT_SERVER_HELLO = 4,
};

enum { SSLV2_CERT_X509 = 1 }; /* SSL_CT_X509_CERTIFICATE */

#define SSLV2_MAX_CIPHERS 16

struct sslv2_server_hello {
    bool session_id_hit;        /* the server resumes the client's session: no certificate */
    uint8_t certificate_type;
    uint16_t version;           /* server_version: 0x0002 */
    struct span certificate;    /* DER (certificate_type 1), points into the record */
    uint8_t cipher_count;
    bool ciphers_more;          /* more cipher kinds than the array holds */
    uint32_t ciphers[SSLV2_MAX_CIPHERS]; /* 3-byte cipher kinds, in the server's order */
    uint8_t connection_id_len;
};

struct sslv2_client_master_key {
    uint32_t cipher_kind;       /* the kind the client chose */
    uint16_t clear_key_len;     /* export ciphers send part of the key in the clear */
    uint16_t encrypted_key_len;
    uint16_t key_arg_len;
};

enum sslv2_record_result {
    SSLV2_RECORD_OK = 0,
    SSLV2_RECORD_NEED_MORE,     /* less than one whole record (or its header) */
    SSLV2_RECORD_MALFORMED,     /* a header no SSLv2 record has */
};

/* The header at the start of `h`: its length (2 or 3) and the whole
 * record's (header included). NEED_MORE while `h` is shorter than the
 * header; MALFORMED for a length no record has. */
enum sslv2_record_result sslv2_record_header(struct span h, size_t *header_len, size_t *record_len);

/* The body of the SSLv2 record at the start of `record` (its header and any
 * padding removed); *record_len is the whole record's length. */
enum sslv2_record_result sslv2_record(struct span record, struct span *body, size_t *record_len);

/* A whole record holding a SERVER-HELLO. */
enum tls_parse_result sslv2_parse_server_hello(struct span record, struct sslv2_server_hello *sh);

/* A whole record holding a CLIENT-MASTER-KEY. */
enum tls_parse_result sslv2_parse_client_master_key(struct span record, struct sslv2_client_master_key *cmk);

/* ERROR message codes (SSL 2.0, "Error Messages"). */
enum {
    SSLV2_ERROR_NO_CIPHER = 0x0001,
    SSLV2_ERROR_NO_CERTIFICATE = 0x0002,
    SSLV2_ERROR_BAD_CERTIFICATE = 0x0004,
    SSLV2_ERROR_UNSUPPORTED_CERTIFICATE_TYPE = 0x0006,
};

/* A whole record holding an ERROR message: its code. */
enum tls_parse_result sslv2_parse_error(struct span record, uint16_t *code);

/* The name of an ERROR code ("no_cipher", in the style of TLS alert names),
 * NULL for a code the specification lacks. */
const char *sslv2_error_name(uint16_t code);

/* Why a cipher kind is no longer acceptable, as tls_cipher_weakness says
 * of a suite: every SSL 2.0 kind is RC4, export-grade, DES or 3DES, or has
 * only an MD5 MAC. A 3-byte kind 0x00XXXX is the TLS suite XXXX. */
enum tls_weakness sslv2_cipher_weakness(uint32_t kind);

/* The name of a message type ("server_hello", "client_master_key"), NULL
 * for a type the specification lacks. */
const char *sslv2_message_name(uint8_t type);

#endif
