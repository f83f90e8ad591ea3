/* test_proxy_proto.c - unit tests for dissect/proxy_proto.c.
 *
 * Every input is copied into an exact-size heap buffer before it is parsed,
 * so AddressSanitizer reports any read past its end; every strict prefix of
 * each valid header must be NEED_MORE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dissect/proxy_proto.h"
#include "test_util.h"

/* ---- helpers ------------------------------------------------------------ */

/* Parse the first `n` bytes of `v` from an exact-size heap copy. */
static enum proxy_result parse_n(const void *v, size_t n, struct proxy_info *info, size_t *hl)
{
    uint8_t *buf = test_exact_copy(v, n);
    *hl = 12345;
    enum proxy_result r = proxy_parse(span_make(buf, n), info, hl);
    free(buf);
    if (r != PROXY_OK)
        assert_int_equal(*hl, 0);
    return r;
}

/* Every strict prefix of a valid header, and of the header with what
 * follows it, is NEED_MORE. */
static void expect_prefixes(const void *v, size_t header_len)
{
    struct proxy_info info;
    size_t hl;
    for (size_t k = 0; k < header_len; k++) {
        enum proxy_result r = parse_n(v, k, &info, &hl);
        if (r != PROXY_NEED_MORE)
            fail_msg("prefix %zu of %zu: result %d, want NEED_MORE", k, header_len, (int)r);
    }
}

/* A string vector, without its NUL. */
#define STR(s) (s), (sizeof(s) - 1)

static enum proxy_result parse_str(const char *s, size_t n, struct proxy_info *info, size_t *hl)
{
    return parse_n(s, n, info, hl);
}

static const uint8_t zero16[16] = { 0 };

/* The addresses and ports a header carried. */
static void expect_addresses(const struct proxy_info *info, uint8_t ip_version, const uint8_t src[16],
                             const uint8_t dst[16], uint16_t sport, uint16_t dport)
{
    assert_true(info->has_addresses);
    assert_int_equal(info->ip_version, ip_version);
    assert_memory_equal(info->src, src, 16);
    assert_memory_equal(info->dst, dst, 16);
    assert_int_equal(info->sport, sport);
    assert_int_equal(info->dport, dport);
}

/* ---- version 1 ---------------------------------------------------------- */

/* From the corpus capture ndpi_haproxy.pcap (frame 1, TCP payload): the v1
 * line haproxy sent before the ClientHello, and the record's first bytes. */
static const uint8_t haproxy_v1[] = {
    'P', 'R', 'O', 'X', 'Y', ' ',                               /* signature, space */
    'T', 'C', 'P', '4', ' ',                                    /* protocol TCP4 */
    '1', '1', '.', '1', '1', '1', '.', '1', '1', '.', '1', '1', '1', ' ', /* source 11.111.11.111 */
    '2', '2', '2', '.', '2', '2', '2', '.', '2', '2', '2', '.', '2', '2', ' ', /* destination 222.222.222.22 */
    '5', '2', '1', '7', '6', ' ',                               /* source port 52176 */
    '4', '4', '3',                                              /* destination port 443 */
    0x0d, 0x0a,                                                 /* CRLF */
    0x16, 0x03, 0x01, 0x00, 0xfd,                               /* TLS record: handshake, TLS 1.0, 253 bytes */
    0x01, 0x00, 0x00, 0xf9,                                     /* ClientHello, 249 bytes ... */
};
#define HAPROXY_V1_LEN 51

static void test_v1_tcp4_corpus(void **state)
{
    (void)state;
    struct proxy_info info;
    size_t hl;
    assert_int_equal(parse_n(haproxy_v1, sizeof(haproxy_v1), &info, &hl), PROXY_OK);
    assert_int_equal(hl, HAPROXY_V1_LEN);
    assert_int_equal(haproxy_v1[hl], 0x16); /* the TLS record starts right after */
    assert_int_equal(info.version, 1);
    assert_false(info.local);
    static const uint8_t src[16] = { 11, 111, 11, 111 };
    static const uint8_t dst[16] = { 222, 222, 222, 22 };
    expect_addresses(&info, 4, src, dst, 52176, 443);
    assert_int_equal(info.tlv_count, 0);
    assert_int_equal(info.authority_len, 0);

    /* Exactly the header, nothing after it. */
    assert_int_equal(parse_n(haproxy_v1, HAPROXY_V1_LEN, &info, &hl), PROXY_OK);
    assert_int_equal(hl, HAPROXY_V1_LEN);
    expect_prefixes(haproxy_v1, HAPROXY_V1_LEN);
}

static void test_v1_tcp6(void **state)
{
    (void)state;
    static const char line[] = "PROXY TCP6 2001:db8::1 2001:DB8::2 0 65535\r\nGET";
    struct proxy_info info;
    size_t hl;
    assert_int_equal(parse_str(STR(line), &info, &hl), PROXY_OK);
    assert_int_equal(hl, sizeof(line) - 1 - 3);
    static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
    static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
    expect_addresses(&info, 6, src, dst, 0, 65535);
    expect_prefixes(line, hl);

    /* The longest TCP6 line (104 bytes) and an IPv4-mapped address as
     * inet_ntop writes it. */
    static const char longest[] = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                                  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    assert_int_equal(sizeof(longest) - 1, 104);
    assert_int_equal(parse_str(STR(longest), &info, &hl), PROXY_OK);
    assert_int_equal(hl, 104);
    expect_prefixes(longest, hl);
    static const char mapped[] = "PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n";
    assert_int_equal(parse_str(STR(mapped), &info, &hl), PROXY_OK);
    static const uint8_t mapped_src[16] = { [10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1 };
    assert_memory_equal(info.src, mapped_src, 16);
}

static void test_v1_unknown(void **state)
{
    (void)state;
    struct proxy_info info;
    size_t hl;
    static const char shortest[] = "PROXY UNKNOWN\r\n";
    assert_int_equal(parse_str(STR(shortest), &info, &hl), PROXY_OK);
    assert_int_equal(hl, 15);
    assert_int_equal(info.version, 1);
    assert_false(info.has_addresses);
    assert_int_equal(info.ip_version, 0);
    assert_memory_equal(info.src, zero16, 16);
    expect_prefixes(shortest, hl);

    /* "the receiver must ignore anything presented before the CRLF": even a
     * lone CR or LF, or bytes no address has. */
    static const char noisy[] = "PROXY UNKNOWN what\rever\n~ \r\r\nrest";
    assert_int_equal(parse_str(STR(noisy), &info, &hl), PROXY_OK);
    assert_int_equal(hl, sizeof(noisy) - 1 - 4);
    assert_false(info.has_addresses);
    expect_prefixes(noisy, hl);

    /* The worst case is 107 bytes; one more without a CRLF is invalid. */
    static const char worst[] = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    assert_int_equal(sizeof(worst) - 1, PROXY_V1_MAX_LEN);
    assert_int_equal(parse_str(STR(worst), &info, &hl), PROXY_OK);
    assert_int_equal(hl, PROXY_V1_MAX_LEN);
    char over[PROXY_V1_MAX_LEN + 1];
    memcpy(over, worst, PROXY_V1_MAX_LEN - 2);
    memcpy(over + PROXY_V1_MAX_LEN - 2, "5\r\n", 3); /* dport 655355: 108 bytes */
    assert_int_equal(parse_n(over, sizeof(over), &info, &hl), PROXY_MALFORMED);
    assert_int_equal(parse_n(over, PROXY_V1_MAX_LEN, &info, &hl), PROXY_MALFORMED);
    assert_int_equal(parse_n(over, PROXY_V1_MAX_LEN - 1, &info, &hl), PROXY_NEED_MORE);
}

static void test_v1_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n",            /* no space after PROXY */
        "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",          /* two spaces */
        "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",           /* unknown protocol */
        "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n",           /* case matters */
        "PROXY TCP 1.2.3.4 5.6.7.8 1 2\r\n",            /* a prefix of TCP4 */
        "PROXY UNKNOWNX\r\n",                           /* longer than UNKNOWN */
        "PROXY TCP4\r\n",                               /* no addresses */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",             /* no destination port */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",         /* a field too many */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",          /* trailing space */
        "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",          /* empty field */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",             /* LF alone */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX",            /* CR alone */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n",         /* CR CR LF */
        "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",          /* heading zero (octal?) */
        "PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n",          /* heading zero, last part */
        "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",             /* three parts */
        "PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n",         /* five parts */
        "PROXY TCP4 256.2.3.4 5.6.7.8 1 2\r\n",         /* out of range */
        "PROXY TCP4 1.2.3.4 ::1 1 2\r\n",               /* IPv6 under TCP4 */
        "PROXY TCP6 1.2.3.4 ::1 1 2\r\n",               /* IPv4 under TCP6 */
        "PROXY TCP6 ::1 ::g 1 2\r\n",                   /* not hex */
        "PROXY TCP6 1::2::3 ::1 1 2\r\n",               /* two double colons */
        "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",          /* heading zero in a port */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",       /* port out of range */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 123456\r\n",      /* six digits */
        "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",          /* sign */
        "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",          /* sign */
        "PROXY TCP4 1.2.3.4 5.6.7.8 0x1 2\r\n",         /* hex */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\0\r\n",         /* NUL */
        "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n",          /* tab */
    };
    struct proxy_info info;
    size_t hl;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* Length from the literal, so the embedded NUL case keeps its CRLF. */
        size_t n = strlen(bad[i]);
        if (i == sizeof(bad) / sizeof(bad[0]) - 2)
            n += 3;
        enum proxy_result r = parse_n(bad[i], n, &info, &hl);
        if (r != PROXY_MALFORMED)
            fail_msg("case %zu \"%s\": result %d, want MALFORMED", i, bad[i], (int)r);
    }

    /* Malformed as soon as the offending byte is in, before any CRLF. */
    assert_int_equal(parse_str(STR("PROXY TCP4 1.2.3.4 5.6.7.8 0"), &info, &hl), PROXY_NEED_MORE);
    assert_int_equal(parse_str(STR("PROXY TCP4 1.2.3.4 5.6.7.8 00"), &info, &hl), PROXY_MALFORMED);
    assert_int_equal(parse_str(STR("PROXY TCPX"), &info, &hl), PROXY_MALFORMED);
    assert_int_equal(parse_str(STR("PROXY TCP4 1.2.3.4x"), &info, &hl), PROXY_MALFORMED);
    assert_int_equal(parse_str(STR("PROXY TCP4 1234567890123456"), &info, &hl), PROXY_MALFORMED);
    assert_int_equal(parse_str(STR("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r"), &info, &hl), PROXY_NEED_MORE);
    assert_int_equal(parse_str(STR("PROXYX"), &info, &hl), PROXY_MALFORMED);
}

/* ---- version 2 ---------------------------------------------------------- */

#define V2_SIG 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a

/* TCP over IPv4 with every registered TLV type, then a TLS record. */
static const uint8_t v2_tcp4_tlvs[] = {
    V2_SIG,                             /* signature */
    0x21,                               /* version 2, command PROXY */
    0x11,                               /* AF_INET, STREAM */
    0x00, 0x52,                         /* length 82 = 12 + 70 */
    0xc0, 0x00, 0x02, 0x01,             /* source 192.0.2.1 */
    0xc6, 0x33, 0x64, 0x02,             /* destination 198.51.100.2 */
    0xc0, 0x01,                         /* source port 49153 */
    0x01, 0xbb,                         /* destination port 443 */
    0x01, 0x00, 0x02, 'h', '2',         /* PP2_TYPE_ALPN "h2" */
    0x02, 0x00, 0x0b,                   /* PP2_TYPE_AUTHORITY, 11 bytes */
    'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    0x05, 0x00, 0x04,                   /* PP2_TYPE_UNIQUE_ID, 4 bytes */
    0xde, 0xad, 0xbe, 0xef,
    0x20, 0x00, 0x15,                   /* PP2_TYPE_SSL, 21 bytes */
    0x03,                               /* client: SSL, CERT_CONN */
    0x00, 0x00, 0x00, 0x00,             /* verify: 0 (verified) */
    0x21, 0x00, 0x07,                   /* PP2_SUBTYPE_SSL_VERSION, 7 bytes */
    'T', 'L', 'S', 'v', '1', '.', '2',
    0x22, 0x00, 0x03, 'b', 'o', 'b',    /* PP2_SUBTYPE_SSL_CN "bob" */
    0x30, 0x00, 0x03, 'n', 's', '1',    /* PP2_TYPE_NETNS "ns1" */
    0x04, 0x00, 0x00,                   /* PP2_TYPE_NOOP, empty */
    0xe0, 0x00, 0x01, 0x2a,             /* custom type 0xe0 */
    0x03, 0x00, 0x04,                   /* PP2_TYPE_CRC32C */
    0x4c, 0x2f, 0x3f, 0xb4,             /* CRC32C of the header with this field zero */
    0x16, 0x03, 0x01, 0x00, 0x05,       /* what follows: a TLS record header */
};
#define V2_TCP4_LEN 98
/* Offsets in v2_tcp4_tlvs. */
#define V2_LEN_OFF 14
#define V2_SSL_OFF (16 + 12 + 5 + 14 + 7)
#define V2_CRC_OFF (V2_TCP4_LEN - 4)

static void test_v2_tcp4_tlvs(void **state)
{
    (void)state;
    struct proxy_info info;
    size_t hl;
    assert_int_equal(parse_n(v2_tcp4_tlvs, sizeof(v2_tcp4_tlvs), &info, &hl), PROXY_OK);
    assert_int_equal(hl, V2_TCP4_LEN);
    assert_int_equal(v2_tcp4_tlvs[hl], 0x16);
    assert_int_equal(info.version, 2);
    assert_false(info.local);
    assert_false(info.dgram);
    static const uint8_t src[16] = { 192, 0, 2, 1 };
    static const uint8_t dst[16] = { 198, 51, 100, 2 };
    expect_addresses(&info, 4, src, dst, 49153, 443);
    assert_int_equal(info.tlv_count, 8);
    assert_int_equal(info.alpn_len, 2);
    assert_memory_equal(info.alpn, "h2", 2);
    assert_int_equal(info.authority_len, 11);
    assert_memory_equal(info.authority, "example.com", 11);
    assert_int_equal(info.unique_id_len, 4);
    assert_memory_equal(info.unique_id, "\xde\xad\xbe\xef", 4);
    assert_true(info.has_ssl);
    assert_int_equal(info.ssl_client, PROXY_CLIENT_SSL | PROXY_CLIENT_CERT_CONN);
    assert_int_equal(info.ssl_verify, 0);
    assert_int_equal(info.ssl_version_len, 7);
    assert_memory_equal(info.ssl_version, "TLSv1.2", 7);
    assert_false(info.ssl_version_more);
    assert_true(info.has_netns);
    assert_true(info.has_crc32c);

    assert_int_equal(parse_n(v2_tcp4_tlvs, V2_TCP4_LEN, &info, &hl), PROXY_OK);
    assert_int_equal(hl, V2_TCP4_LEN);
    expect_prefixes(v2_tcp4_tlvs, V2_TCP4_LEN);
}

static const uint8_t v2_tcp6[] = {
    V2_SIG,                             /* signature */
    0x21,                               /* version 2, command PROXY */
    0x21,                               /* AF_INET6, STREAM */
    0x00, 0x36,                         /* length 54 = 36 + 18 */
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* source 2001:db8::1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* destination 2001:db8::2 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0xc0, 0x01,                         /* source port 49153 */
    0x01, 0xbb,                         /* destination port 443 */
    0x02, 0x00, 0x0f,                   /* PP2_TYPE_AUTHORITY, 15 bytes */
    'w', 'w', 'w', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g',
};

static void test_v2_tcp6(void **state)
{
    (void)state;
    struct proxy_info info;
    size_t hl;
    assert_int_equal(parse_n(v2_tcp6, sizeof(v2_tcp6), &info, &hl), PROXY_OK);
    assert_int_equal(hl, sizeof(v2_tcp6));
    static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
    static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
    expect_addresses(&info, 6, src, dst, 49153, 443);
    assert_int_equal(info.tlv_count, 1);
    assert_int_equal(info.authority_len, 15);
    assert_memory_equal(info.authority, "www.example.org", 15);
    assert_false(info.has_crc32c);
    assert_false(info.has_ssl);
    expect_prefixes(v2_tcp6, sizeof(v2_tcp6));

    /* Addresses only, no TLVs. */
    uint8_t bare[16 + 36];
    memcpy(bare, v2_tcp6, sizeof(bare));
    bare[V2_LEN_OFF + 1] = 36; /* length 36 */
    assert_int_equal(parse_n(bare, sizeof(bare), &info, &hl), PROXY_OK);
    assert_int_equal(hl, sizeof(bare));
    assert_int_equal(info.tlv_count, 0);
    assert_int_equal(info.authority_len, 0);
}

static void test_v2_local_unspec(void **state)
{
    (void)state;
    struct proxy_info info;
    size_t hl;
    static const uint8_t local[] = {
        V2_SIG,                 /* signature */
        0x20,                   /* version 2, command LOCAL */
        0x00,                   /* AF_UNSPEC */
        0x00, 0x00,             /* length 0 */
        0x16, 0x03, 0x01,       /* what follows */
    };
    assert_int_equal(parse_n(local, sizeof(local), &info, &hl), PROXY_OK);
    assert_int_equal(hl, 16);
    assert_int_equal(info.version, 2);
    assert_true(info.local);
    assert_false(info.has_addresses);
    expect_prefixes(local, 16);

    /* LOCAL with a family and a block: "discard the protocol block
     * including the family which is ignored", even an unknown family and
     * bytes that are no TLVs. */
    static const uint8_t local_block[] = {
        V2_SIG,                 /* signature */
        0x20,                   /* version 2, command LOCAL */
        0x77,                   /* family 7, transport 7: ignored */
        0x00, 0x05,             /* length 5 */
        0x01, 0x02, 0x03, 0x04, 0x05, /* ignored */
    };
    assert_int_equal(parse_n(local_block, sizeof(local_block), &info, &hl), PROXY_OK);
    assert_int_equal(hl, sizeof(local_block));
    assert_true(info.local);
    assert_false(info.has_addresses);
    assert_int_equal(info.tlv_count, 0);

    /* PROXY with AF_UNSPEC: the receiver ignores the address information. */
    static const uint8_t unspec[] = {
        V2_SIG,                 /* signature */
        0x21,                   /* version 2, command PROXY */
        0x00,                   /* AF_UNSPEC */
        0x00, 0x02,             /* length 2 */
        0xff, 0xff,             /* ignored */
    };
    assert_int_equal(parse_n(unspec, sizeof(unspec), &info, &hl), PROXY_OK);
    assert_int_equal(hl, sizeof(unspec));
    assert_false(info.local);
    assert_false(info.has_addresses);
}

static void test_v2_udp_unix(void **state)
{
    (void)state;
    struct proxy_info info;
    size_t hl;
    static const uint8_t udp4[] = {
        V2_SIG,                 /* signature */
        0x21,                   /* version 2, command PROXY */
        0x12,                   /* AF_INET, DGRAM */
        0x00, 0x0c,             /* length 12 */
        0x0a, 0x00, 0x00, 0x01, /* source 10.0.0.1 */
        0x0a, 0x00, 0x00, 0x02, /* destination 10.0.0.2 */
        0x00, 0x35,             /* source port 53 */
        0x00, 0x35,             /* destination port 53 */
    };
    assert_int_equal(parse_n(udp4, sizeof(udp4), &info, &hl), PROXY_OK);
    assert_true(info.dgram);
    assert_true(info.has_addresses);
    assert_int_equal(info.sport, 53);

    /* AF_UNIX stream: two 108-byte paths, then a TLV. */
    uint8_t unix_hdr[16 + 216 + 3];
    static const uint8_t head[] = {
        V2_SIG,                 /* signature */
        0x21,                   /* version 2, command PROXY */
        0x31,                   /* AF_UNIX, STREAM */
        0x00, 0xdb,             /* length 219 = 216 + 3 */
    };
    static const uint8_t noop[] = { 0x04, 0x00, 0x00 }; /* PP2_TYPE_NOOP, empty */
    memset(unix_hdr, 0, sizeof(unix_hdr));
    memcpy(unix_hdr, head, sizeof(head));
    memcpy(unix_hdr + 16, "/run/client.sock", 16);      /* source path */
    memcpy(unix_hdr + 16 + 108, "/run/server.sock", 16); /* destination path */
    memcpy(unix_hdr + 16 + 216, noop, sizeof(noop));
    assert_int_equal(parse_n(unix_hdr, sizeof(unix_hdr), &info, &hl), PROXY_OK);
    assert_int_equal(hl, sizeof(unix_hdr));
    assert_false(info.has_addresses);
    assert_int_equal(info.ip_version, 0);
    assert_int_equal(info.tlv_count, 1);
    expect_prefixes(unix_hdr, sizeof(unix_hdr));
    unix_hdr[V2_LEN_OFF + 1] = 0xd7; /* length 215: less than two paths */
    assert_int_equal(parse_n(unix_hdr, sizeof(unix_hdr), &info, &hl), PROXY_MALFORMED);
}

/* Change one byte of v2_tcp4_tlvs and parse the whole input. With
 * `keep_crc` false the CRC32C TLV is first made a NOOP, so that the
 * structure checks are what rejects the header, not the checksum. */
static enum proxy_result parse_patched(size_t off, uint8_t value, bool keep_crc)
{
    uint8_t copy[sizeof(v2_tcp4_tlvs)];
    memcpy(copy, v2_tcp4_tlvs, sizeof(copy));
    if (!keep_crc)
        copy[V2_CRC_OFF - 3] = 0x04; /* PP2_TYPE_NOOP */
    copy[off] = value;
    struct proxy_info info;
    size_t hl;
    return parse_n(copy, sizeof(copy), &info, &hl);
}

static void test_v2_malformed(void **state)
{
    (void)state;
    /* The variant without CRC32C is itself valid. */
    assert_int_equal(parse_patched(V2_CRC_OFF, 0x00, false), PROXY_OK);

    /* The fixed part. */
    assert_int_equal(parse_patched(12, 0x11, false), PROXY_MALFORMED); /* version 1 */
    assert_int_equal(parse_patched(12, 0x31, false), PROXY_MALFORMED); /* version 3 */
    assert_int_equal(parse_patched(12, 0x22, false), PROXY_MALFORMED); /* command 2 */
    assert_int_equal(parse_patched(12, 0x2f, false), PROXY_MALFORMED); /* command 15 */
    assert_int_equal(parse_patched(13, 0x13, false), PROXY_MALFORMED); /* transport 3 */
    assert_int_equal(parse_patched(13, 0x41, false), PROXY_MALFORMED); /* family 4 */
    assert_int_equal(parse_patched(13, 0x10, false), PROXY_MALFORMED); /* AF_INET, UNSPEC transport */
    assert_int_equal(parse_patched(13, 0x01, false), PROXY_MALFORMED); /* AF_UNSPEC, STREAM */
    /* Length 11 under TCP4: the addresses do not fit. */
    assert_int_equal(parse_patched(V2_LEN_OFF + 1, 0x0b, false), PROXY_MALFORMED);
    /* TCP6 over a block laid out for TCP4: the TLVs are read from inside
     * UNIQUE_ID's value, where "type 0xbe, length 0xef20" does not fit. */
    assert_int_equal(parse_patched(13, 0x21, false), PROXY_MALFORMED);

    /* TLVs that lie or are cut; the header length is what bounds them.
     * Length 81: the last TLV (7 bytes) has 6. */
    assert_int_equal(parse_patched(V2_LEN_OFF + 1, 0x51, false), PROXY_MALFORMED);
    /* Length 77, 76: 2 and 1 bytes of a TLV header after the last whole
     * TLV. */
    assert_int_equal(parse_patched(V2_LEN_OFF + 1, 0x4d, false), PROXY_MALFORMED);
    assert_int_equal(parse_patched(V2_LEN_OFF + 1, 0x4c, false), PROXY_MALFORMED);
    /* Length 75: ends exactly after the custom TLV. */
    assert_int_equal(parse_patched(V2_LEN_OFF + 1, 0x4b, false), PROXY_OK);
    /* ALPN claims 3 bytes: what follows no longer parses. */
    assert_int_equal(parse_patched(16 + 12 + 2, 0x03, false), PROXY_MALFORMED);
    /* ALPN claims 0x0102 bytes. */
    assert_int_equal(parse_patched(16 + 12 + 1, 0x01, false), PROXY_MALFORMED);
    /* SSL's sub-TLVs overrun it (CN claims 4 of the 3 left) ... */
    assert_int_equal(parse_patched(V2_SSL_OFF + 3 + 5 + 10 + 2, 0x04, false), PROXY_MALFORMED);
    /* ... or leave a byte over (CN claims 2 of 3). */
    assert_int_equal(parse_patched(V2_SSL_OFF + 3 + 5 + 10 + 2, 0x02, false), PROXY_MALFORMED);
    /* SSL claims 22 bytes: its sub-TLVs overrun it and the TLV after it
     * is misread. */
    assert_int_equal(parse_patched(V2_SSL_OFF + 2, 0x16, false), PROXY_MALFORMED);

    /* The CRC32C does not match: its first and last byte changed, or a
     * byte it covers. */
    assert_int_equal(parse_patched(V2_CRC_OFF, 0x4d, true), PROXY_MALFORMED);
    assert_int_equal(parse_patched(V2_CRC_OFF + 3, 0xb5, true), PROXY_MALFORMED);
    assert_int_equal(parse_patched(16 + 3, 0x02, true), PROXY_MALFORMED);      /* source 192.0.2.2 */
    assert_int_equal(parse_patched(16 + 12 + 3, 'H', true), PROXY_MALFORMED);  /* ALPN "H2" */
    assert_int_equal(parse_patched(V2_TCP4_LEN, 0x17, true), PROXY_OK);        /* not covered: after */
}

static void test_v2_tlv_bounds(void **state)
{
    (void)state;
    struct proxy_info info;
    size_t hl;
    /* A header of TCP4 addresses and one TLV of `tlv_len` value bytes, all
     * `fill`. */
    uint8_t buf[16 + 12 + 3 + 300];
    static const uint8_t head[] = {
        V2_SIG,                             /* signature */
        0x21,                               /* version 2, command PROXY */
        0x11,                               /* AF_INET, STREAM */
        0x00, 0x00,                         /* length: set below */
        0xc0, 0x00, 0x02, 0x01,             /* source 192.0.2.1 */
        0xc6, 0x33, 0x64, 0x02,             /* destination 198.51.100.2 */
        0xc0, 0x01, 0x01, 0xbb,             /* ports 49153 -> 443 */
    };
    static const struct {
        uint8_t type;
        size_t len;
        enum proxy_result want;
    } cases[] = {
        { 0x02, 255, PROXY_OK },        /* AUTHORITY at its bound */
        { 0x02, 256, PROXY_MALFORMED }, /* beyond it (haproxy rejects it too) */
        { 0x02, 0, PROXY_MALFORMED },   /* an empty host name */
        { 0x01, 255, PROXY_OK },        /* ALPN at its bound */
        { 0x01, 256, PROXY_MALFORMED },
        { 0x01, 0, PROXY_MALFORMED },
        { 0x05, 128, PROXY_OK },        /* UNIQUE_ID "up to 128 bytes" */
        { 0x05, 129, PROXY_MALFORMED },
        { 0x03, 3, PROXY_MALFORMED },   /* CRC32C is 4 bytes */
        { 0x03, 5, PROXY_MALFORMED },
        { 0x20, 4, PROXY_MALFORMED },   /* SSL: client and verify take 5 */
        { 0x20, 5, PROXY_OK },          /* SSL without sub-TLVs */
        { 0x04, 300, PROXY_OK },        /* NOOP of any length */
        { 0xff, 300, PROXY_OK },        /* a future type: skipped */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t body = 12 + 3 + cases[i].len;
        memcpy(buf, head, sizeof(head));
        buf[V2_LEN_OFF] = (uint8_t)(body >> 8);
        buf[V2_LEN_OFF + 1] = (uint8_t)body;
        buf[28] = cases[i].type;
        buf[29] = (uint8_t)(cases[i].len >> 8);
        buf[30] = (uint8_t)cases[i].len;
        memset(buf + 31, 'a', cases[i].len);
        enum proxy_result r = parse_n(buf, 16 + body, &info, &hl);
        if (r != cases[i].want)
            fail_msg("case %zu (type 0x%02x, %zu bytes): result %d, want %d", i, cases[i].type, cases[i].len,
                     (int)r, (int)cases[i].want);
        if (r == PROXY_OK)
            assert_int_equal(hl, 16 + body);
    }

    /* The longest authority is kept whole. */
    memcpy(buf, head, sizeof(head));
    buf[V2_LEN_OFF] = 0x01;     /* length 270 = 12 + 3 + 255 */
    buf[V2_LEN_OFF + 1] = 0x0e;
    buf[28] = 0x02;
    buf[29] = 0x00;
    buf[30] = 0xff;
    memset(buf + 31, 'z', 255);
    assert_int_equal(parse_n(buf, 16 + 12 + 3 + 255, &info, &hl), PROXY_OK);
    assert_int_equal(info.authority_len, 255);
    assert_int_equal(info.authority[254], 'z');
}

static void test_v2_ssl_version_cut_and_duplicates(void **state)
{
    (void)state;
    static const uint8_t v[] = {
        V2_SIG,                             /* signature */
        0x21,                               /* version 2, command PROXY */
        0x11,                               /* AF_INET, STREAM */
        0x00, 0x52,                         /* length 82 = 12 + 45 + 7 + 9 + 9 */
        0xc0, 0x00, 0x02, 0x01,             /* source 192.0.2.1 */
        0xc6, 0x33, 0x64, 0x02,             /* destination 198.51.100.2 */
        0xc0, 0x01, 0x01, 0xbb,             /* ports 49153 -> 443 */
        0x20, 0x00, 0x2a,                   /* PP2_TYPE_SSL, 42 bytes = 1 + 4 + 3 + 34 */
        0x01,                               /* client: SSL */
        0x00, 0x00, 0x00, 0x01,             /* verify: 1 (not verified) */
        0x21, 0x00, 0x22,                   /* PP2_SUBTYPE_SSL_VERSION, 34 bytes: longer than kept */
        'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
        'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', '0', '1', '2', '3', '4', '5',
        '6', '7',
        0x02, 0x00, 0x04, 'o', 'n', 'e', '.',   /* PP2_TYPE_AUTHORITY "one." */
        0x02, 0x00, 0x06, 't', 'w', 'o', '.', 'x', 'y', /* a second one: ignored */
        0x01, 0x00, 0x06, 'h', 't', 't', 'p', '/', '1', /* PP2_TYPE_ALPN "http/1" */
    };
    struct proxy_info info;
    size_t hl;
    assert_int_equal(parse_n(v, sizeof(v), &info, &hl), PROXY_OK);
    assert_int_equal(hl, sizeof(v));
    assert_true(info.has_ssl);
    assert_int_equal(info.ssl_client, PROXY_CLIENT_SSL);
    assert_int_equal(info.ssl_verify, 1);
    assert_int_equal(info.ssl_version_len, PROXY_SSL_VERSION_MAX);
    assert_true(info.ssl_version_more);
    assert_memory_equal(info.ssl_version, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", PROXY_SSL_VERSION_MAX);
    assert_int_equal(info.tlv_count, 4);
    assert_int_equal(info.authority_len, 4);
    assert_memory_equal(info.authority, "one.", 4);
    assert_int_equal(info.alpn_len, 6);
    expect_prefixes(v, sizeof(v));
}

/* The header length is framing: a length beyond what has arrived is more to
 * come, not a lie. */
static void test_v2_need_more(void **state)
{
    (void)state;
    static const uint8_t big[] = {
        V2_SIG,                 /* signature */
        0x21,                   /* version 2, command PROXY */
        0x11,                   /* AF_INET, STREAM */
        0xff, 0xff,             /* length 65535 */
        0xc0, 0x00, 0x02, 0x01, /* source: the rest has not arrived */
    };
    struct proxy_info info;
    size_t hl;
    assert_int_equal(parse_n(big, sizeof(big), &info, &hl), PROXY_NEED_MORE);

    /* But a byte that can never be right is MALFORMED at once, before the
     * length is even there. */
    static const uint8_t bad_ver[] = { V2_SIG, 0x31 }; /* signature, version 3 */
    assert_int_equal(parse_n(bad_ver, sizeof(bad_ver), &info, &hl), PROXY_MALFORMED);
    static const uint8_t bad_fam[] = { V2_SIG, 0x21, 0x51 }; /* family 5 */
    assert_int_equal(parse_n(bad_fam, sizeof(bad_fam), &info, &hl), PROXY_MALFORMED);
    static const uint8_t short_len[] = { V2_SIG, 0x21, 0x21, 0x00, 0x23 }; /* TCP6, length 35 */
    assert_int_equal(parse_n(short_len, sizeof(short_len), &info, &hl), PROXY_MALFORMED);
}

/* ---- not PROXY ---------------------------------------------------------- */

static void test_not_proxy(void **state)
{
    (void)state;
    struct proxy_info info;
    size_t hl;
    /* Decided from the first byte: a TLS record, HTTP, SSH, SMTP's reply. */
    static const uint8_t firsts[] = { 0x16, 'G', 'S', '2', 0x00, 0x80, 'p', '\n' };
    for (size_t i = 0; i < sizeof(firsts); i++)
        assert_int_equal(parse_n(&firsts[i], 1, &info, &hl), PROXY_NOT_PROXY);

    static const uint8_t client_hello[] = {
        0x16, 0x03, 0x01, 0x00, 0xfd, /* TLS record header */
        0x01, 0x00, 0x00, 0xf9,       /* ClientHello */
    };
    assert_int_equal(parse_n(client_hello, sizeof(client_hello), &info, &hl), PROXY_NOT_PROXY);
    assert_int_equal(parse_str(STR("GET / HTTP/1.1\r\n"), &info, &hl), PROXY_NOT_PROXY);
    assert_int_equal(parse_str(STR("POST / HTTP/1.1\r\n"), &info, &hl), PROXY_NOT_PROXY); /* 'P', then 'O' */
    assert_int_equal(parse_str(STR("PROXZ"), &info, &hl), PROXY_NOT_PROXY);
    assert_int_equal(parse_str(STR("\r\n\r\nfoo"), &info, &hl), PROXY_NOT_PROXY);
    static const uint8_t almost_v2[] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 'Q', 'U', 'I', 'T', 0x0b };
    assert_int_equal(parse_n(almost_v2, sizeof(almost_v2), &info, &hl), PROXY_NOT_PROXY);

    /* Nothing yet, or a prefix of either signature: wait. */
    assert_int_equal(parse_n("", 0, &info, &hl), PROXY_NEED_MORE);
    assert_int_equal(parse_str(STR("PROX"), &info, &hl), PROXY_NEED_MORE);
    assert_int_equal(parse_n(almost_v2, 11, &info, &hl), PROXY_NEED_MORE);

    /* A poisoned span is not a header. */
    assert_int_equal(proxy_parse(span_poisoned(), &info, &hl), PROXY_NOT_PROXY);
    assert_int_equal(hl, 0);
}

/* Whatever the result, nothing of a failed parse is left in `out`. */
static void test_out_cleared(void **state)
{
    (void)state;
    struct proxy_info info;
    size_t hl;
    assert_int_equal(parse_n(v2_tcp4_tlvs, sizeof(v2_tcp4_tlvs), &info, &hl), PROXY_OK);
    assert_int_equal(parse_patched(V2_CRC_OFF, 0x00, true), PROXY_MALFORMED);
    assert_int_equal(parse_n(v2_tcp4_tlvs, 40, &info, &hl), PROXY_NEED_MORE);
    assert_int_equal(info.version, 0);
    assert_false(info.has_addresses);
    assert_int_equal(info.tlv_count, 0);
    assert_memory_equal(info.src, zero16, 16);
    assert_int_equal(parse_str(STR("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), &info, &hl), PROXY_MALFORMED);
    assert_int_equal(info.version, 0);
    assert_int_equal(info.sport, 0);
    assert_memory_equal(info.src, zero16, 16);
}

/* A v2 header that fails its checks is skipped by its declared length. */
static void test_v2_skip_len(void **state)
{
    (void)state;
    uint8_t copy[sizeof(v2_tcp4_tlvs)];
    memcpy(copy, v2_tcp4_tlvs, sizeof(copy));
    copy[V2_CRC_OFF] = 0x4d; /* CRC32C mismatch */
    struct proxy_info info;
    size_t hl;
    assert_int_equal(parse_n(copy, sizeof(copy), &info, &hl), PROXY_MALFORMED);
    uint8_t *buf = test_exact_copy(copy, sizeof(copy));
    assert_int_equal(proxy_v2_skip_len(span_make(buf, sizeof(copy))), V2_TCP4_LEN);
    /* Exactly the header: still skippable. One byte short of it: not. */
    assert_int_equal(proxy_v2_skip_len(span_make(buf, V2_TCP4_LEN)), V2_TCP4_LEN);
    for (size_t n = 0; n < V2_TCP4_LEN; n++) {
        uint8_t *prefix = test_exact_copy(copy, n);
        assert_int_equal(proxy_v2_skip_len(span_make(prefix, n)), 0);
        free(prefix);
    }
    free(buf);
    /* Not the v2 signature (a v1 line, the last signature byte changed). */
    assert_int_equal(proxy_v2_skip_len(span_make("PROXY UNKNOWN\r\n....", 19)), 0);
    copy[11] = 0x0b;
    assert_int_equal(proxy_v2_skip_len(span_make(copy, sizeof(copy))), 0);
}

/* A v1 line that fails its checks is skipped up to its CRLF, never further
 * than a valid line could reach. */
static void test_v1_skip_len(void **state)
{
    (void)state;
    static const char bad[] = "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n\x16\x03\x01"; /* port over 65535 */
    struct proxy_info info;
    size_t hl;
    assert_int_equal(parse_str(STR(bad), &info, &hl), PROXY_MALFORMED);
    size_t line = sizeof("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n") - 1;
    for (size_t n = 0; n <= sizeof(bad) - 1; n++) {
        uint8_t *copy = test_exact_copy(bad, n);
        assert_int_equal(proxy_v1_skip_len(span_make(copy, n)), n < line ? 0 : line);
        free(copy);
    }
    /* The shortest line: the signature and CRLF (found by fuzz_proxy_proto). */
    assert_int_equal(proxy_v1_skip_len(span_make("PROXY\r\n\x16", 8)), 7);
    /* A lone CR, or a LF alone, does not end the line. */
    assert_int_equal(proxy_v1_skip_len(span_make("PROXY x\rx\n\r\n", 12)), 12);
    /* No CRLF within 107 bytes: nothing is skipped. */
    char longline[PROXY_V1_MAX_LEN + 2];
    memset(longline, 'a', sizeof longline);
    memcpy(longline, "PROXY ", 6);
    longline[PROXY_V1_MAX_LEN] = '\r';
    longline[PROXY_V1_MAX_LEN + 1] = '\n';
    assert_int_equal(proxy_v1_skip_len(span_make(longline, sizeof longline)), 0);
    longline[PROXY_V1_MAX_LEN - 2] = '\r';
    longline[PROXY_V1_MAX_LEN - 1] = '\n';
    assert_int_equal(proxy_v1_skip_len(span_make(longline, sizeof longline)), PROXY_V1_MAX_LEN);
    /* Not a v1 line. */
    assert_int_equal(proxy_v1_skip_len(span_make(v2_tcp4_tlvs, sizeof v2_tcp4_tlvs)), 0);
    assert_int_equal(proxy_v1_skip_len(span_make("PROXZ \r\n", 8)), 0);
}

/* A rejected v1 line stays open (its end may come) until its CRLF or the
 * 107 bytes a line may take; nothing else is ever open. */
static void test_v1_line_open(void **state)
{
    (void)state;
    static const char bad[] = "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n\x16"; /* port over 65535 */
    size_t crlf = sizeof("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999") - 1;
    for (size_t n = 0; n <= sizeof(bad) - 1; n++) {
        uint8_t *copy = test_exact_copy(bad, n);
        /* Open from "PROXY" up to and including the CR: the LF may follow. */
        assert_int_equal(proxy_v1_line_open(span_make(copy, n)), n >= 5 && n <= crlf + 1);
        free(copy);
    }
    char longline[PROXY_V1_MAX_LEN];
    memset(longline, 'a', sizeof longline);
    memcpy(longline, "PROXY x", 7);
    assert_true(proxy_v1_line_open(span_make(longline, PROXY_V1_MAX_LEN - 1)));
    assert_false(proxy_v1_line_open(span_make(longline, PROXY_V1_MAX_LEN)));
    assert_false(proxy_v1_line_open(span_make(v2_tcp4_tlvs, sizeof v2_tcp4_tlvs)));
    assert_false(proxy_v1_line_open(span_make("\x16\x03\x01", 3)));
    assert_false(proxy_v1_line_open(span_poisoned()));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_tcp4_corpus),
        cmocka_unit_test(test_v1_tcp6),
        cmocka_unit_test(test_v1_unknown),
        cmocka_unit_test(test_v1_malformed),
        cmocka_unit_test(test_v2_tcp4_tlvs),
        cmocka_unit_test(test_v2_tcp6),
        cmocka_unit_test(test_v2_local_unspec),
        cmocka_unit_test(test_v2_udp_unix),
        cmocka_unit_test(test_v2_malformed),
        cmocka_unit_test(test_v2_tlv_bounds),
        cmocka_unit_test(test_v2_ssl_version_cut_and_duplicates),
        cmocka_unit_test(test_v2_need_more),
        cmocka_unit_test(test_not_proxy),
        cmocka_unit_test(test_out_cleared),
        cmocka_unit_test(test_v2_skip_len),
        cmocka_unit_test(test_v1_skip_len),
        cmocka_unit_test(test_v1_line_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
