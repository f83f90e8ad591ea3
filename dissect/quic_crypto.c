/* quic_crypto.c - see quic_crypto.h. */
#include "dissect/quic_crypto.h"

#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define QUIC_SALT_LEN 20

/* Initial salts (RFC 9001 5.2 for v1 and drafts 33-34; RFC 9369 3.3.1 for
 * v2; draft-ietf-quic-tls-29 for drafts 29-32, -23 for 23-28, -22 for 22;
 * Google's T050/T051 from its QUICHE sources). */
static const uint8_t salt_v1[QUIC_SALT_LEN] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                                0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t salt_v2[QUIC_SALT_LEN] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                                0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
static const uint8_t salt_d29[QUIC_SALT_LEN] = { 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                                 0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };
static const uint8_t salt_d23[QUIC_SALT_LEN] = { 0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                                 0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02 };
static const uint8_t salt_d22[QUIC_SALT_LEN] = { 0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
                                                 0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a };
static const uint8_t salt_t50[QUIC_SALT_LEN] = { 0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
                                                 0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10 };
static const uint8_t salt_t51[QUIC_SALT_LEN] = { 0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
                                                 0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d };

enum {
    QUIC_V1 = 0x00000001,
    QUIC_V2 = 0x6b3343cf,         /* RFC 9369 */
    QUIC_DRAFT_BASE = 0xff000000, /* draft-ietf-quic-transport-NN is 0xff0000NN */
    QUIC_MVFST_D22 = 0xfaceb001,  /* Facebook mvfst, draft-22 wire image */
    QUIC_MVFST_D27 = 0xfaceb002,  /* mvfst, draft-27 */
    QUIC_MVFST_EXP = 0xfaceb00e,  /* mvfst experimental (draft-27 protection) */
    QUIC_MVFST_ALIAS = 0xfaceb010,
    QUIC_GOOGLE_T050 = 0x54303530, /* "T050": Google QUIC with TLS */
    QUIC_GOOGLE_T051 = 0x54303531,
};

static const uint8_t *quic_salt(uint32_t version)
{
    switch (version) {
    case QUIC_V1:
        return salt_v1;
    case QUIC_V2:
        return salt_v2;
    case QUIC_MVFST_D22:
        return salt_d22;
    case QUIC_MVFST_D27:
    case QUIC_MVFST_EXP:
    case QUIC_MVFST_ALIAS:
        return salt_d23;
    case QUIC_GOOGLE_T050:
        return salt_t50;
    case QUIC_GOOGLE_T051:
        return salt_t51;
    default:
        break;
    }
    if ((version & 0xffffff00u) != QUIC_DRAFT_BASE)
        return NULL;
    uint32_t draft = version & 0xff;
    if (draft >= 33 && draft <= 34)
        return salt_v1;
    if (draft >= 29 && draft <= 32)
        return salt_d29;
    if (draft >= 23 && draft <= 28)
        return salt_d23;
    if (draft == 22)
        return salt_d22;
    return NULL;
}

bool quic_version_known(uint32_t version)
{
    return quic_salt(version) != NULL;
}

bool quic_version_is_v2(uint32_t version)
{
    return version == QUIC_V2;
}

bool quic_version_is_google(uint32_t version)
{
    return version == QUIC_GOOGLE_T050 || version == QUIC_GOOGLE_T051;
}

/* libcrypto's algorithms, fetched once for the process (OpenSSL 3 looks an
 * algorithm up by name on every init that is handed a legacy EVP_CIPHER or
 * a digest name: that lookup was most of what a connection's keys cost).
 * The HMAC context is a template, keyed once so it can be duplicated; each
 * derivation works on its own copy, so worker threads share nothing
 * mutable. */
static struct {
    EVP_MAC_CTX *hmac;           /* HMAC-SHA256 template */
    EVP_CIPHER *gcm, *ecb;       /* AES-128-GCM, AES-128-ECB */
} algs;
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;

static void algs_fetch(void)
{
    static const uint8_t dummy_key[1] = { 0 };
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *t = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac); /* the context keeps its own reference */
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                            OSSL_PARAM_construct_end() };
    if (t && EVP_MAC_init(t, dummy_key, sizeof dummy_key, params) > 0)
        algs.hmac = t;
    else
        EVP_MAC_CTX_free(t);
    algs.gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    algs.ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
}

static bool algs_ready(void)
{
    return pthread_once(&algs_once, algs_fetch) == 0 && algs.hmac && algs.gcm && algs.ecb;
}

/* HMAC-SHA256 (RFC 2104) of a || b under `key`, on `mac` (a copy of the
 * template: keying it again keeps its digest). */
static bool hmac(EVP_MAC_CTX *mac, const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len,
                 const uint8_t *b, size_t b_len, uint8_t out[QUIC_SECRET_LEN])
{
    size_t n = 0;
    return EVP_MAC_init(mac, key, key_len, NULL) > 0 && EVP_MAC_update(mac, a, a_len) > 0 &&
           (b_len == 0 || EVP_MAC_update(mac, b, b_len) > 0) && EVP_MAC_final(mac, out, &n, QUIC_SECRET_LEN) > 0 &&
           n == QUIC_SECRET_LEN;
}

/* HKDF-Expand-Label (RFC 8446 7.1; RFC 5869 2.3) with an empty context:
 * the label is prefixed "tls13 " and the output length is part of the
 * info. Every output here fits in one SHA-256 block of HKDF-Expand (at most
 * 32 bytes), so it is T(1) = HMAC(secret, info || 0x01), truncated. */
static bool expand_label(EVP_MAC_CTX *mac, const uint8_t secret[QUIC_SECRET_LEN], const char *label, uint8_t *out,
                         size_t out_len)
{
    uint8_t info[2 + 1 + 255 + 1 + 1];
    size_t label_len = strlen(label), n = 0;
    if (out_len > QUIC_SECRET_LEN || label_len > 255 - 6)
        return false;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(6 + label_len);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = 0; /* context */
    info[n++] = 1; /* HKDF-Expand's block counter */
    uint8_t t1[QUIC_SECRET_LEN];
    if (!hmac(mac, secret, QUIC_SECRET_LEN, info, n, NULL, 0, t1))
        return false;
    memcpy(out, t1, out_len);
    return true;
}

/* key, iv and hp of one direction from its secret; v2 renames the labels
 * (RFC 9369 3.3.2). */
static bool derive_keys(EVP_MAC_CTX *mac, struct quic_keys *k, bool v2)
{
    return expand_label(mac, k->secret, v2 ? "quicv2 key" : "quic key", k->key, QUIC_KEY_LEN) &&
           expand_label(mac, k->secret, v2 ? "quicv2 iv" : "quic iv", k->iv, QUIC_IV_LEN) &&
           expand_label(mac, k->secret, v2 ? "quicv2 hp" : "quic hp", k->hp, QUIC_KEY_LEN);
}

bool quic_initial_keys(uint32_t version, struct span dcid, struct quic_keys *client, struct quic_keys *server)
{
    const uint8_t *salt = quic_salt(version);
    if (!salt || !span_ok(&dcid) || dcid.n > QUIC_MAX_CID_LEN || !algs_ready())
        return false;
    EVP_MAC_CTX *mac = EVP_MAC_CTX_dup(algs.hmac);
    if (!mac)
        return false;
    /* HKDF-Extract (RFC 5869 2.2): the salt keys HMAC over the DCID; an
     * empty DCID is legal (the client chose none). */
    static const uint8_t none[1] = { 0 };
    uint8_t initial_secret[QUIC_SECRET_LEN];
    bool v2 = quic_version_is_v2(version);
    bool ok = hmac(mac, salt, QUIC_SALT_LEN, dcid.n ? dcid.p : none, dcid.n, NULL, 0, initial_secret) &&
              expand_label(mac, initial_secret, "client in", client->secret, QUIC_SECRET_LEN) &&
              expand_label(mac, initial_secret, "server in", server->secret, QUIC_SECRET_LEN) &&
              derive_keys(mac, client, v2) && derive_keys(mac, server, v2);
    EVP_MAC_CTX_free(mac);
    return ok;
}

bool quic_hp_mask(const struct quic_keys *k, const uint8_t sample[QUIC_SAMPLE_LEN], uint8_t mask[5])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t block[QUIC_SAMPLE_LEN + 16];
    int n = 0;
    bool ok = ctx && algs_ready() && EVP_EncryptInit_ex(ctx, algs.ecb, NULL, k->hp, NULL) > 0 &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) > 0 &&
              EVP_EncryptUpdate(ctx, block, &n, sample, QUIC_SAMPLE_LEN) > 0 && n == QUIC_SAMPLE_LEN;
    EVP_CIPHER_CTX_free(ctx);
    if (ok)
        memcpy(mask, block, 5);
    return ok;
}

bool quic_aead_open(const struct quic_keys *k, uint64_t pn, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                    size_t ct_len, uint8_t *out)
{
    if (ct_len < QUIC_TAG_LEN || ct_len - QUIC_TAG_LEN > INT32_MAX || aad_len > INT32_MAX)
        return false;
    size_t pt_len = ct_len - QUIC_TAG_LEN;
    /* RFC 9001 5.3: the 62-bit packet number, left-padded to the IV's
     * length, XORed into the IV. */
    uint8_t nonce[QUIC_IV_LEN];
    memcpy(nonce, k->iv, QUIC_IV_LEN);
    for (int i = 0; i < 8; i++)
        nonce[QUIC_IV_LEN - 1 - i] ^= (uint8_t)(pn >> (8 * i));
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    uint8_t tag[QUIC_TAG_LEN];
    memcpy(tag, ct + pt_len, QUIC_TAG_LEN);
    bool ok = ctx && algs_ready() && EVP_DecryptInit_ex(ctx, algs.gcm, NULL, NULL, NULL) > 0 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, QUIC_IV_LEN, NULL) > 0 &&
              EVP_DecryptInit_ex(ctx, NULL, NULL, k->key, nonce) > 0 &&
              EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) > 0 &&
              EVP_DecryptUpdate(ctx, out, &n, ct, (int)pt_len) > 0 && (size_t)n == pt_len &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, QUIC_TAG_LEN, tag) > 0 &&
              EVP_DecryptFinal_ex(ctx, out + n, &n) > 0;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* RFC 9000 A.3: the full packet number from its truncated encoding, nearest
 * to the one expected next. */
static uint64_t decode_pn(int64_t largest, uint64_t truncated, unsigned bits)
{
    uint64_t expected = (uint64_t)(largest + 1);
    uint64_t win = (uint64_t)1 << bits, hwin = win / 2, mask = win - 1;
    uint64_t candidate = (expected & ~mask) | truncated;
    if (candidate + hwin <= expected && candidate < ((uint64_t)1 << 62) - win)
        return candidate + win;
    if (candidate > expected + hwin && candidate >= win)
        return candidate - win;
    return candidate;
}

bool quic_unprotect(const struct quic_keys *k, int64_t *largest, struct span pkt, size_t pn_offset,
                    uint8_t *out, size_t *out_len)
{
    if (pn_offset == 0 || pn_offset + 4 > QUIC_MAX_HEADER)
        return false;
    struct span s = pkt;
    struct span header = span_take(&s, pn_offset);
    /* RFC 9001 5.4.2: the sample starts 4 bytes after the packet number's
     * start, whatever the number's real length. */
    struct span at_sample = s;
    span_skip(&at_sample, 4);
    struct span sample = span_take(&at_sample, QUIC_SAMPLE_LEN);
    uint8_t mask[5];
    if (!span_ok(&sample) || !quic_hp_mask(k, sample.p, mask))
        return false;
    uint8_t aad[QUIC_MAX_HEADER];
    memcpy(aad, header.p, pn_offset);
    aad[0] = (uint8_t)(aad[0] ^ (mask[0] & 0x0f));
    size_t pn_len = (size_t)(aad[0] & 3) + 1;
    uint64_t truncated = 0;
    for (size_t i = 0; i < pn_len; i++) {
        aad[pn_offset + i] = (uint8_t)(span_u8(&s) ^ mask[1 + i]);
        truncated = truncated << 8 | aad[pn_offset + i];
    }
    /* What is left is the ciphertext and its tag; the sample proved at
     * least 16 bytes follow the packet number's 4 possible ones. */
    if (!span_ok(&s) || s.n < QUIC_TAG_LEN || s.n - QUIC_TAG_LEN > QUIC_MAX_PLAINTEXT)
        return false;
    uint64_t pn = decode_pn(*largest, truncated, (unsigned)(pn_len * 8));
    if (!quic_aead_open(k, pn, aad, pn_offset + pn_len, s.p, s.n, out))
        return false;
    if ((int64_t)pn > *largest)
        *largest = (int64_t)pn;
    *out_len = s.n - QUIC_TAG_LEN;
    return true;
}

size_t quic_protect(const struct quic_keys *k, uint64_t pn, const uint8_t *header, size_t header_len,
                    const uint8_t *payload, size_t plen, uint8_t *out)
{
    if (header_len == 0 || header_len > QUIC_MAX_HEADER || plen > QUIC_MAX_PLAINTEXT)
        return 0;
    size_t pn_len = (size_t)(header[0] & 3) + 1;
    if (header_len < 1 + pn_len)
        return 0;
    size_t pn_offset = header_len - pn_len;
    size_t total = header_len + plen + QUIC_TAG_LEN;
    if (pn_offset + 4 + QUIC_SAMPLE_LEN > total)
        return 0;
    uint8_t nonce[QUIC_IV_LEN];
    memcpy(nonce, k->iv, QUIC_IV_LEN);
    for (int i = 0; i < 8; i++)
        nonce[QUIC_IV_LEN - 1 - i] ^= (uint8_t)(pn >> (8 * i));
    memcpy(out, header, header_len);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    bool ok = ctx && algs_ready() && EVP_EncryptInit_ex(ctx, algs.gcm, NULL, NULL, NULL) > 0 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, QUIC_IV_LEN, NULL) > 0 &&
              EVP_EncryptInit_ex(ctx, NULL, NULL, k->key, nonce) > 0 &&
              EVP_EncryptUpdate(ctx, NULL, &n, header, (int)header_len) > 0 &&
              EVP_EncryptUpdate(ctx, out + header_len, &n, payload, (int)plen) > 0 &&
              EVP_EncryptFinal_ex(ctx, out + header_len + n, &n) > 0 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, QUIC_TAG_LEN, out + header_len + plen) > 0;
    EVP_CIPHER_CTX_free(ctx);
    uint8_t mask[5];
    if (!ok || !quic_hp_mask(k, out + pn_offset + 4, mask))
        return 0;
    out[0] ^= (uint8_t)(mask[0] & 0x0f);
    for (size_t i = 0; i < pn_len; i++)
        out[pn_offset + i] ^= mask[1 + i];
    return total;
}
