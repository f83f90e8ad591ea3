/* x509.h - facts about a leaf certificate (the server's, or the client's in
 * mutual TLS), for the report.
 *
 * The DER certificate (the first entry of a Certificate message, RFC 5246
 * 7.4.2) is walked with the span cursor, without libcrypto's X509 decoder
 * and without allocating. What ECS's x509 field set needs is kept in fixed
 * fields, as numbers and raw bytes: algorithms as libcrypto NIDs, times as
 * seconds, the serial and the distinguished names as their DER bytes, and
 * the SHA-256 and SHA-1 of the DER (taken here, while the DER is in hand).
 * Text (RFC 4514 names, hex serial, algorithm names) is made once per line
 * by output/x509_text.h. Only TLS 1.2 and earlier send certificates in the
 * clear.
 */
#ifndef TLSSCOPE_X509_H
#define TLSSCOPE_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

#define X509_CN_MAX 64          /* ub-common-name (RFC 5280) */
#define X509_NAME_DER_MAX 512   /* raw RDN bytes kept per name (a CA's EV subject is about 300) */
#define X509_NAME_RDN_MAX 32    /* RDNs read per name; later ones are ignored */
#define X509_SAN_BYTES 320      /* DNS names, each stored <len><bytes> */
#define X509_SAN_MAX 16
#define X509_SAN_IP_MAX 8       /* iPAddress subjectAltNames kept */
#define X509_SERIAL_MAX 20      /* octets (RFC 5280 4.1.2.2) */
#define X509_OID_MAX 32         /* content octets of an unknown algorithm's OID kept */
/* The NID fields hold 0 when the field is absent (so an all-zero report is
 * empty) and this for an OID libcrypto does not know (its NID_undef, which
 * is written "UNDEF"). */
#define X509_NID_UNKNOWN (-1)

/* A distinguished name (RFC 5280 4.1.2.4) as the DER of its RDNs. RFC 4514
 * writes the last RDN first, so when the name does not fit, the first RDNs
 * are dropped (and `cut` set): what is kept is what is written first. A
 * malformed name keeps nothing. */
struct x509_name {
    uint16_t len;
    bool cut;
    uint8_t der[X509_NAME_DER_MAX]; /* RelativeDistinguishedName TLVs, in DER order */
};

enum x509_key_type {
    X509_KEY_NONE = 0,  /* no SubjectPublicKeyInfo algorithm read */
    X509_KEY_RSA,       /* rsaEncryption or RSASSA-PSS */
    X509_KEY_ECDSA,     /* id-ecPublicKey */
    X509_KEY_ED25519,
    X509_KEY_ED448,
    X509_KEY_DSA,
    X509_KEY_OTHER,     /* named by key_nid */
};

struct x509_report {
    bool parsed;                 /* the DER decoded */
    bool self_signed;            /* subject equals issuer */
    uint8_t subject_cn_len, issuer_cn_len;
    uint8_t subject_cn[X509_CN_MAX]; /* the most specific commonName (first in RFC 4514 order), UTF-8 */
    uint8_t issuer_cn[X509_CN_MAX];
    bool subject_cn_cut, issuer_cn_cut; /* longer than X509_CN_MAX: its start is kept */
    struct x509_name subject, issuer;
    uint8_t san_count;
    bool san_more;               /* names left out: the ones kept are the first, without holes */
    uint16_t san_len;
    uint8_t san[X509_SAN_BYTES];
    uint8_t san_ip_count;        /* iPAddress subjectAltNames: 4 (IPv4) or 16 (IPv6) bytes each */
    bool san_ip_more;
    uint8_t san_ip_len[X509_SAN_IP_MAX];
    uint8_t san_ip[X509_SAN_IP_MAX][16];
    int64_t not_before;          /* seconds since the epoch, negative before 1970 */
    int64_t not_after;
    bool not_before_read, not_after_read; /* the times read (else 0 above) */
    uint8_t serial_len;          /* magnitude octets, leading zeros dropped (one kept for zero) */
    bool serial_cut;             /* longer than X509_SERIAL_MAX: the first octets are kept */
    uint8_t serial[X509_SERIAL_MAX];
    uint8_t key_type;            /* enum x509_key_type */
    int32_t key_nid;             /* the SubjectPublicKeyInfo algorithm (a libcrypto NID) */
    uint8_t key_oid_len;         /* its OID when key_nid is X509_NID_UNKNOWN (0: too long) */
    uint8_t key_oid[X509_OID_MAX];
    int32_t key_curve_nid;       /* the named curve of an EC key */
    uint32_t key_bits;
    int32_t signature_nid;       /* signatureAlgorithm */
    uint8_t signature_oid_len;   /* its OID when signature_nid is X509_NID_UNKNOWN (0: too long) */
    uint8_t signature_oid[X509_OID_MAX];
    bool signature_sha1_or_md5;  /* a collision-broken hash signs it */
    uint8_t sha256[32];          /* of the DER */
    uint8_t sha1[20];
};

/* Decodes one DER certificate; false (and r->parsed false) when it does not
 * decode. */
bool x509_parse_leaf(struct span der, struct x509_report *r);

/* A DirectoryString value as UTF-8 into out (at most cap bytes):
 * UTF8String, PrintableString, IA5String and TeletexString as they are (the
 * JSON writer repairs invalid UTF-8), BMPString (tag 30, UCS-2) converted. */
size_t x509_directory_string(uint8_t tag, struct span v, uint8_t *out, size_t cap);

/* One DER TLV (X.690 8.1) off the front of `s`: the tag octet and the value
 * as a sub-span; definite lengths of at most 4 octets. Poisons `s` and
 * returns false when it does not fit. For output/x509_text.c, which walks
 * the names this module kept. */
bool x509_der_tlv(struct span *s, uint8_t *tag, struct span *value);

#endif
