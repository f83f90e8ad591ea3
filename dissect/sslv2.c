/* sslv2.c - see sslv2.h. */
#include "dissect/sslv2.h"

#include <string.h>

enum sslv2_record_result sslv2_record_header(struct span h, size_t *header_len, size_t *record_len)
{
    uint8_t b0, b1;
    if (!span_peek(&h, 0, &b0) || !span_peek(&h, 1, &b1))
        return SSLV2_RECORD_NEED_MORE;
    size_t header = b0 & 0x80 ? 2u : 3u;
    size_t len = b0 & 0x80 ? ((size_t)(b0 & 0x7f) << 8 | b1) : ((size_t)(b0 & 0x3f) << 8 | b1);
    uint8_t padding = 0;
    if (header == 3 && !span_peek(&h, 2, &padding))
        return SSLV2_RECORD_NEED_MORE;
    /* Padding is part of the length and exists only for block ciphers,
     * that is after the handshake's cleartext part: at most one block. */
    if (len == 0 || padding > len || padding > 8)
        return SSLV2_RECORD_MALFORMED;
    *header_len = header;
    *record_len = header + len;
    return SSLV2_RECORD_OK;
}

enum sslv2_record_result sslv2_record(struct span record, struct span *body, size_t *record_len)
{
    size_t header, len;
    enum sslv2_record_result res = sslv2_record_header(record, &header, &len);
    if (res != SSLV2_RECORD_OK)
        return res;
    if (record.n < len)
        return SSLV2_RECORD_NEED_MORE;
    uint8_t padding = 0;
    if (header == 3)
        span_peek(&record, 2, &padding);
    span_skip(&record, header);
    *body = span_take(&record, len - header - padding);
    *record_len = len;
    return SSLV2_RECORD_OK;
}

/* The record's body, when it is one whole record of message type `type`. */
static bool message(struct span record, uint8_t type, struct span *msg)
{
    size_t len;
    if (sslv2_record(record, msg, &len) != SSLV2_RECORD_OK || len != record.n)
        return false;
    return span_u8(msg) == type;
}

enum tls_parse_result sslv2_parse_server_hello(struct span record, struct sslv2_server_hello *sh)
{
    memset(sh, 0, sizeof *sh);
    struct span msg;
    if (!message(record, SSLV2_MT_SERVER_HELLO, &msg))
        return TLS_PARSE_MALFORMED;
    sh->session_id_hit = span_u8(&msg) != 0;
    sh->certificate_type = span_u8(&msg);
    sh->version = span_u16(&msg);
    uint16_t cert_len = span_u16(&msg), specs_len = span_u16(&msg), cid_len = span_u16(&msg);
    struct span cert = span_take(&msg, cert_len);
    struct span specs = span_take(&msg, specs_len);
    span_skip(&msg, cid_len);
    /* The connection id is 16 to 32 bytes; cipher kinds are 3 bytes each. */
    if (!span_done(&msg) || specs_len % 3 != 0 || cid_len < 16 || cid_len > 32)
        return TLS_PARSE_MALFORMED;
    /* A session-id hit resumes: no certificate, no cipher list. */
    if (sh->session_id_hit ? cert_len != 0 || specs_len != 0 : specs_len == 0)
        return TLS_PARSE_MALFORMED;
    sh->certificate = cert;
    sh->connection_id_len = (uint8_t)cid_len;
    while (specs.n > 0) {
        uint32_t kind = span_u24(&specs);
        if (sh->cipher_count < SSLV2_MAX_CIPHERS)
            sh->ciphers[sh->cipher_count++] = kind;
        else
            sh->ciphers_more = true;
    }
    return TLS_PARSE_OK;
}

enum tls_parse_result sslv2_parse_client_master_key(struct span record, struct sslv2_client_master_key *cmk)
{
    memset(cmk, 0, sizeof *cmk);
    struct span msg;
    if (!message(record, SSLV2_MT_CLIENT_MASTER_KEY, &msg))
        return TLS_PARSE_MALFORMED;
    cmk->cipher_kind = span_u24(&msg);
    cmk->clear_key_len = span_u16(&msg);
    cmk->encrypted_key_len = span_u16(&msg);
    cmk->key_arg_len = span_u16(&msg);
    span_skip(&msg, (size_t)cmk->clear_key_len + cmk->encrypted_key_len + cmk->key_arg_len);
    return span_done(&msg) ? TLS_PARSE_OK : TLS_PARSE_MALFORMED;
}

enum tls_parse_result sslv2_parse_error(struct span record, uint16_t *code)
{
    struct span msg;
    *code = 0;
    if (!message(record, SSLV2_MT_ERROR, &msg))
        return TLS_PARSE_MALFORMED;
    *code = span_u16(&msg);
    return span_done(&msg) ? TLS_PARSE_OK : TLS_PARSE_MALFORMED;
}

const char *sslv2_error_name(uint16_t code)
{
    switch (code) {
    case SSLV2_ERROR_NO_CIPHER:
        return "no_cipher";
    case SSLV2_ERROR_NO_CERTIFICATE:
        return "no_certificate";
    case SSLV2_ERROR_BAD_CERTIFICATE:
        return "bad_certificate";
    case SSLV2_ERROR_UNSUPPORTED_CERTIFICATE_TYPE:
        return "unsupported_certificate_type";
    default:
        return NULL;
    }
}

const char *sslv2_message_name(uint8_t type)
{
    static const char *const names[] = {
        "error", "client_hello", "client_master_key", "client_finished", "server_hello",
        "server_verify", "server_finished", "request_certificate", "client_certificate",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

enum tls_weakness sslv2_cipher_weakness(uint32_t kind)
{
    if (kind <= 0xffff)
        return tls_cipher_weakness((uint16_t)kind);
    switch (kind) {
    case 0x010080: /* SSL2_RC4_128_WITH_MD5 */
    case 0x080080: /* SSL2_RC4_64_WITH_MD5 */
        return TLS_WEAKNESS_RC4;
    case 0x020080: /* SSL2_RC4_128_EXPORT40_WITH_MD5 */
    case 0x040080: /* SSL2_RC2_128_CBC_EXPORT40_WITH_MD5 */
        return TLS_WEAKNESS_EXPORT;
    case 0x060040: /* SSL2_DES_64_CBC_WITH_MD5 */
        return TLS_WEAKNESS_DES;
    case 0x0700c0: /* SSL2_DES_192_EDE3_CBC_WITH_MD5 */
        return TLS_WEAKNESS_3DES;
    case 0x030080: /* SSL2_RC2_128_CBC_WITH_MD5 */
    case 0x050080: /* SSL2_IDEA_128_CBC_WITH_MD5 */
        return TLS_WEAKNESS_MD5;
    default:
        return TLS_WEAKNESS_NONE;
    }
}
