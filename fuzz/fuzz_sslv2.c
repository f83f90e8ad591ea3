/* fuzz_sslv2.c - dissect/sslv2.c on arbitrary bytes: sslv2_record() as a
 * framer would call it on a stream's head, and the SERVER-HELLO,
 * CLIENT-MASTER-KEY and ERROR parsers on the record it framed.
 *
 * Input: a stream's first bytes (an exact-size heap copy).
 * Checks: a framed record lies within the input, its body within the
 * record; a parsed SERVER-HELLO's certificate lies inside the record, its
 * cipher count within the array and its connection id 16..32 bytes; a
 * strict prefix of a framed record is NEED_MORE; the header alone
 * (sslv2_record_header, as dissect/tls_stream.c reads it) gives the same
 * length; an ERROR's code has a name only for the four the specification
 * defines.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/sslv2.h"
#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = fuzz_dup(data, size);
    struct span in = span_make(copy, size), body;
    size_t len = 0;
    enum sslv2_record_result rr = sslv2_record(in, &body, &len);
    if (rr == SSLV2_RECORD_OK) {
        FUZZ_CHECK(len >= 3 && len <= size, "record %zu of %zu", len, size);
        FUZZ_CHECK(body.p >= copy && body.p + body.n <= copy + len, "body outside the record");
        struct span shorter;
        size_t l2;
        FUZZ_CHECK(sslv2_record(span_make(copy, len - 1), &shorter, &l2) == SSLV2_RECORD_NEED_MORE,
                   "a strict prefix framed");
        struct span rec = span_make(copy, len);
        struct sslv2_server_hello sh;
        if (sslv2_parse_server_hello(rec, &sh) == TLS_PARSE_OK) {
            FUZZ_CHECK(sh.cipher_count <= SSLV2_MAX_CIPHERS, "ciphers %u", sh.cipher_count);
            FUZZ_CHECK(sh.connection_id_len >= 16 && sh.connection_id_len <= 32, "cid %u", sh.connection_id_len);
            FUZZ_CHECK(sh.certificate.n == 0 ||
                           (sh.certificate.p >= copy && sh.certificate.p + sh.certificate.n <= copy + len),
                       "certificate outside the record");
        }
        struct sslv2_client_master_key cmk;
        if (sslv2_parse_client_master_key(rec, &cmk) == TLS_PARSE_OK)
            FUZZ_CHECK(cmk.cipher_kind <= 0xffffff, "cipher kind");
        size_t header = 0, hlen = 0;
        FUZZ_CHECK(sslv2_record_header(rec, &header, &hlen) == SSLV2_RECORD_OK && hlen == len &&
                       (header == 2 || header == 3),
                   "header says %zu of %zu", hlen, len);
        uint16_t code;
        if (sslv2_parse_error(rec, &code) == TLS_PARSE_OK)
            FUZZ_CHECK(body.n == 3 &&
                           (sslv2_error_name(code) != NULL) == (code == 1 || code == 2 || code == 4 || code == 6),
                       "error %u in a body of %zu bytes", code, body.n);
    }
    free(copy);
    return 0;
}
