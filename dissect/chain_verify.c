/* chain_verify.c - see chain_verify.h. */
#include "dissect/chain_verify.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"

struct cache_entry {
    uint8_t digest[32];
    int64_t from, until;         /* the answer holds while every certificate of the chain is in its validity */
    int result;
    bool used;
};

struct chain_verifier {
    X509_STORE *store;
    struct chain_verify_stats st;
    struct cache_entry cache[CHAIN_VERIFY_CACHE];
};

struct chain_verifier *chain_verifier_new(const char *ca_file)
{
    struct chain_verifier *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->store = X509_STORE_new();
    bool ok = v->store != NULL;
    if (ok && strcmp(ca_file, "system") == 0)
        ok = X509_STORE_set_default_paths(v->store) == 1;
    else if (ok)
        ok = X509_STORE_load_file(v->store, ca_file) == 1;
    if (!ok) {
        chain_verifier_free(v);
        return NULL;
    }
    return v;
}

void chain_verifier_free(struct chain_verifier *v)
{
    if (!v)
        return;
    X509_STORE_free(v->store);
    free(v);
}

const struct chain_verify_stats *chain_verifier_stats(const struct chain_verifier *v)
{
    return &v->st;
}

/* `t` as seconds since the epoch, relative to `when` (libcrypto 3.0 has no
 * direct conversion that avoids the C library's time zone handling). */
static bool asn1_seconds(const ASN1_TIME *t, const ASN1_TIME *when_asn1, int64_t when, int64_t *out)
{
    int days = 0, secs = 0;
    if (!t || ASN1_TIME_diff(&days, &secs, when_asn1, t) != 1)
        return false;
    *out = when + (int64_t)days * 86400 + secs;
    return true;
}

/* The span of time in which every certificate of the verified chain is
 * valid: the same answer holds anywhere in it. Empty when unknown. */
static void chain_window(X509_STORE_CTX *ctx, int64_t when, int64_t *from, int64_t *until)
{
    *from = 1;
    *until = 0;
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    ASN1_TIME *w = ASN1_TIME_set(NULL, (time_t)when);
    if (!chain || !w) {
        ASN1_TIME_free(w);
        return;
    }
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    bool ok = true;
    for (int i = 0; ok && i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        int64_t nb, na;
        ok = asn1_seconds(X509_get0_notBefore(x), w, when, &nb) && asn1_seconds(X509_get0_notAfter(x), w, when, &na);
        if (ok) {
            lo = nb > lo ? nb : lo;
            hi = na < hi ? na : hi;
        }
    }
    ASN1_TIME_free(w);
    if (ok) {
        *from = lo;
        *until = hi;
    }
}

/* The uncached check: the leaf and up to CHAIN_VERIFY_MAX_CERTS - 1
 * intermediates decoded from the list, verified at `when`; the window in
 * which the answer holds. */
static int verify(struct chain_verifier *v, struct span list, int64_t when, int64_t *from, int64_t *until)
{
    *from = 1;
    *until = 0;
    X509 *leaf = NULL;
    STACK_OF(X509) *rest = sk_X509_new_null();
    int result = -1;
    if (!rest)
        return -1;
    for (size_t n = 0; list.n > 0 && n < CHAIN_VERIFY_MAX_CERTS; n++) {
        struct span der = span_vec24(&list);
        if (!span_ok(&list))
            break;
        const unsigned char *p = der.p;
        X509 *x = d2i_X509(NULL, &p, (long)der.n);
        if (!x)
            break; /* the chain ends at the first certificate that does not decode */
        if (!leaf)
            leaf = x;
        else if (!sk_X509_push(rest, x))
            X509_free(x);
    }
    X509_STORE_CTX *ctx = leaf ? X509_STORE_CTX_new() : NULL;
    if (ctx && X509_STORE_CTX_init(ctx, v->store, leaf, rest) == 1) {
        X509_STORE_CTX_set_time(ctx, 0, (time_t)when);
        result = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
        chain_window(ctx, when, from, until);
    }
    X509_STORE_CTX_free(ctx);
    X509_free(leaf);
    sk_X509_pop_free(rest, X509_free);
    return result;
}

int chain_verify(struct chain_verifier *v, struct span certificate_list, int64_t when)
{
    if (!span_ok(&certificate_list) || certificate_list.n == 0)
        return -1;
    uint8_t digest[32];
    digest_sha256(certificate_list.p, certificate_list.n, digest);
    struct cache_entry *e = &v->cache[(digest[0] | (size_t)digest[1] << 8) % CHAIN_VERIFY_CACHE];
    /* A cached answer is reused only within the validity of the whole
     * chain: at another time a certificate may have expired. */
    if (e->used && memcmp(e->digest, digest, sizeof digest) == 0 && when >= e->from && when <= e->until) {
        v->st.cached++;
        return e->result;
    }
    v->st.verified++;
    int64_t from, until;
    int result = verify(v, certificate_list, when, &from, &until);
    memcpy(e->digest, digest, sizeof digest);
    e->from = from;
    e->until = until;
    e->result = result;
    e->used = true;
    return result;
}
