/* findings.c - see findings.h. Each finding has a stable id (for alerting
 * and dashboards), a severity and a message saying what to do. */
#include "output/findings.h"

#include <openssl/obj_mac.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>

#include "dissect/dh_groups.h"
#include "dissect/names.h"
#include "dissect/sslv2.h"
#include "dissect/tls_facts.h"
#include "output/x509_text.h"

struct finding_list {
    finding_fn fn;
    void *ctx;
};

static void add(struct finding_list *l, const char *id, const char *severity, const char *message)
{
    l->fn(l->ctx, id, severity, message);
}

static bool has_code(const uint16_t *v, size_t n, uint16_t code)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == code)
            return true;
    return false;
}

/* A leaf certificate outside its validity at the connection's time (`now`,
 * seconds): "<prefix>expired" or "<prefix>not-yet-valid". */
static void validity(struct finding_list *l, const struct x509_report *x, int64_t now, const char *prefix,
                     const char *owner)
{
    char id[48], msg[160];
    /* A read time, whatever its sign: a certificate that expired before
     * 1970 (negative seconds) has expired too. */
    if (x->not_after_read && x->not_after < now) {
        snprintf(id, sizeof id, "%sexpired", prefix);
        snprintf(msg, sizeof msg, "the %s's certificate had expired when this connection was made: renew it",
                 owner);
    } else if (x->not_before_read && x->not_before > now) {
        snprintf(id, sizeof id, "%snot-yet-valid", prefix);
        snprintf(msg, sizeof msg, "the %s's certificate is not valid yet at the time of this connection: check "
                 "its dates and the %s's clock", owner, owner);
    } else {
        return;
    }
    add(l, id, "high", msg);
}

/* SSL 2.0 (RFC 6176 prohibits it): a server that speaks it is the worst
 * legacy there is. Its handshake is broken outright (no downgrade
 * protection, export ciphers, MD5), and DROWN (CVE-2016-0800) uses a server
 * that accepts SSLv2 to decrypt TLS sessions of any server with the same
 * RSA key. A cleartext ERROR says why a session failed, as an alert would. */
static void sslv2_findings(struct finding_list *l, const struct tls_report *r)
{
    const struct tls_sslv2_report *v2 = &r->sslv2;
    if (v2->server_hello)
        add(l, "sslv2-negotiated", "critical",
            "the server accepts SSL 2.0 (RFC 6176 prohibits it): disable SSLv2 on the server; while it accepts "
            "SSLv2, TLS connections to it and to every server that shares its RSA key (certificate) can be "
            "decrypted (DROWN, CVE-2016-0800): replace that key after disabling SSLv2 everywhere it is used");
    if (!v2->error_seen || v2->error_after_peer_close)
        return;
    const char *who = v2->error_sender == DIR_C2S ? "client" : "server";
    char msg[256];
    switch (v2->error_code) {
    case SSLV2_ERROR_NO_CIPHER:
        snprintf(msg, sizeof msg, "%s ended the SSLv2 handshake (no_cipher): the two sides share no SSLv2 cipher "
                 "kind", who);
        add(l, "no-common-parameters", "high", msg);
        break;
    case SSLV2_ERROR_BAD_CERTIFICATE:
    case SSLV2_ERROR_UNSUPPORTED_CERTIFICATE_TYPE:
        snprintf(msg, sizeof msg, "%s rejected a certificate (SSLv2 %s): check the chain, its expiry and the "
                 "client's trust store", who, sslv2_error_name(v2->error_code));
        add(l, "certificate-rejected", "high", msg);
        break;
    default:
        break;
    }
}

/* A TLS <= 1.2 handshake that got past the key exchange (a ChangeCipherSpec
 * was sent) and then failed with bad_record_mac or decrypt_error (cleartext
 * or encrypted) or a reset: the peers computed different keys or Finished
 * hashes. The TLS 1.2 migration guides name two causes: a device that claims
 * TLS 1.2 and does not implement it right, and, with DHE, the interop
 * failures of older Windows Schannel (it mishandles DH values with leading
 * zero bytes). */
static void failed_after_key_exchange(struct finding_list *l, const struct conn_meta *m, const struct tls_report *r)
{
    const struct tls_server_report *s = &r->server;
    if (!s->seen || tls_version_is_tls13(tls_negotiated_version(s)) || r->established ||
        !(r->ccs_seen[DIR_C2S] || r->ccs_seen[DIR_S2C]))
        return;
    const struct tls_alert_report *a = &r->alert;
    char what[64];
    bool alert = a->seen && !a->after_peer_close;
    if (alert && a->encrypted)
        snprintf(what, sizeof what, "an encrypted alert from the %s", a->sender == DIR_C2S ? "client" : "server");
    else if (alert && a->level == 2 && (a->description == 20 || a->description == 51)) /* bad_record_mac, decrypt_error */
        snprintf(what, sizeof what, "the %s's %s alert", a->sender == DIR_C2S ? "client" : "server",
                 tls_alert_name(a->description));
    else if (r->outcome == TLS_OUTCOME_RESET && m->close_seen)
        snprintf(what, sizeof what, "a reset from the %s", m->closed_by == DIR_C2S ? "client" : "server");
    else
        return;
    char msg[512];
    snprintf(msg, sizeof msg,
             "the handshake failed after the key exchange (%s): usually a device that claims TLS 1.2 but does not "
             "implement it; pin the version on that device (client or server) until it is updated%s", what,
             tls_cipher_kx(s->cipher) == TLS_KX_DHE
                 ? "; with DHE negotiated, also the DHE interoperability failures of older Windows Schannel: prefer "
                   "ECDHE suites, or disable DHE on the Windows side"
                 : "");
    add(l, "failed-after-key-exchange", "high", msg);
}

/* The TLS SignatureSchemes a certificate's signatureAlgorithm is (RFC 8446
 * 4.2.3 code points; in TLS 1.2 the same numbers are RFC 5246's
 * hash/signature pairs). RSASSA-PSS names its hash in parameters not kept
 * here: any PSS scheme matches. 0 when unknown. */
static size_t cert_signature_schemes(int nid, uint16_t out[6])
{
    static const struct { int nid; uint16_t scheme; } one[] = {
        { NID_md5WithRSAEncryption, 0x0101 },    { NID_sha1WithRSAEncryption, 0x0201 },
        { NID_sha224WithRSAEncryption, 0x0301 }, { NID_sha256WithRSAEncryption, 0x0401 },
        { NID_sha384WithRSAEncryption, 0x0501 }, { NID_sha512WithRSAEncryption, 0x0601 },
        { NID_dsaWithSHA1, 0x0202 },             { NID_dsa_with_SHA224, 0x0302 },
        { NID_dsa_with_SHA256, 0x0402 },         { NID_ecdsa_with_SHA1, 0x0203 },
        { NID_ecdsa_with_SHA224, 0x0303 },       { NID_ecdsa_with_SHA256, 0x0403 },
        { NID_ecdsa_with_SHA384, 0x0503 },       { NID_ecdsa_with_SHA512, 0x0603 },
        { NID_ED25519, 0x0807 },                 { NID_ED448, 0x0808 },
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        if (one[i].nid == nid) {
            out[0] = one[i].scheme;
            return 1;
        }
    if (nid != NID_rsassaPss)
        return 0;
    static const uint16_t pss[6] = { 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b };
    memcpy(out, pss, sizeof pss);
    return 6;
}

/* Whether a certificate signed with `nid` is allowed by what the client
 * offers: a signature the check cannot map to a scheme counts as offered. */
static bool cert_signature_offered(const struct tls_client_report *c, int32_t nid)
{
    uint16_t schemes[6];
    size_t n = cert_signature_schemes(nid, schemes);
    bool offered = n == 0;
    for (size_t i = 0; i < n && !offered; i++)
        offered = has_code(c->signature_schemes.v, c->signature_schemes.n, schemes[i]);
    return offered;
}

/* A certificate's commonName for a message: printable ASCII kept, anything
 * else '?', so no byte of the certificate can shape the text. */
static void printable_cn(const uint8_t *cn, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        out[k++] = cn[i] >= 0x20 && cn[i] < 0x7f && cn[i] != '"' ? (char)cn[i] : '?';
    out[k] = '\0';
}

/* The chain certificates (after the leaf) signed with an algorithm the
 * client does not offer, as "certificate 2 (\"CN\"), SHA512-RSA; ..." into
 * `out`; their count. A self-signed certificate is a trust anchor the server
 * may append: its signature is never checked (RFC 8446 4.2.3), so it is
 * left out. */
static size_t chain_signatures_not_offered(const struct tls_report *r, char *out, size_t cap)
{
    size_t bad = 0, len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->server_chain.n; i++) {
        const struct tls_chain_cert *cc = &r->server_chain.v[i];
        if (!cc->parsed || cc->self_signed || cert_signature_offered(&r->client, cc->signature_nid))
            continue;
        struct x509_report x = { .parsed = true, .signature_nid = cc->signature_nid };
        char sig[X509_TEXT_TOKEN_MAX], cn[X509_CN_MAX + 1];
        x509_text_signature_algorithm(&x, sig);
        printable_cn(cc->subject_cn, cc->subject_cn_len, cn, sizeof cn);
        int k = snprintf(out + len, cap - len, "%scertificate %zu of the chain (\"%s\") with %s", bad ? "; " : "",
                         i + 2, cn, sig);
        if (k > 0)
            len = (size_t)k < cap - len ? len + (size_t)k : cap - 1;
        bad++;
    }
    return bad;
}

/* TLS 1.2 (RFC 5246 7.4.2, 7.4.3): a client that sends signature_algorithms
 * allows only those pairs, for the server's certificates and for its
 * ServerKeyExchange signature. A server that uses another one fails with
 * clients that enforce it: Windows before its August 2014 update offers no
 * SHA-512 and rejects a certificate signed with it. Each certificate is
 * judged against every scheme offered (signature_algorithms_cert too, RFC
 * 8446 4.2.3), so only one in neither list counts: the leaf, and every
 * certificate after it but a self-signed trust anchor. */
static void signature_not_offered(struct finding_list *l, const struct tls_report *r)
{
    const struct tls_client_report *c = &r->client;
    const struct tls_server_report *s = &r->server;
    if (!s->seen || tls_negotiated_version(s) != 0x0303 || !has_code(c->extensions.v, c->extensions.n, 13) ||
        c->signature_schemes.more)
        return;
    char msg[1024];
    char chain[384];
    size_t chain_bad = chain_signatures_not_offered(r, chain, sizeof chain);
    bool leaf_bad = r->server_cert.parsed && !cert_signature_offered(c, r->server_cert.signature_nid);
    char sig[X509_TEXT_TOKEN_MAX];
    x509_text_signature_algorithm(&r->server_cert, sig);
    if (leaf_bad && chain_bad == 0) {
        snprintf(msg, sizeof msg,
                 "the server's certificate is signed with %s, which the client does not offer in "
                 "signature_algorithms(_cert): clients that enforce it fail (Windows before its August 2014 update "
                 "cannot use SHA-512 in TLS 1.2); reissue the certificate with an algorithm the client offers "
                 "(SHA-256), or enable this one on the client", sig);
        add(l, "certificate-signature-not-offered", "high", msg);
    } else if (chain_bad > 0) {
        char leaf[X509_TEXT_TOKEN_MAX + 48] = "";
        if (leaf_bad)
            snprintf(leaf, sizeof leaf, "certificate 1 (the leaf) with %s; ", sig);
        snprintf(msg, sizeof msg,
                 "the server's certificate chain has certificates signed with algorithms the client does not offer "
                 "in signature_algorithms(_cert): %s%s; clients that enforce it fail (Windows before its August "
                 "2014 update cannot use SHA-512 in TLS 1.2); have the server send a chain signed with an algorithm "
                 "the client offers (SHA-256: the CA's other intermediate), or enable this one on the client",
                 leaf, chain);
        add(l, "certificate-signature-not-offered", "high", msg);
    }
    if (s->kx_sigalg && !c->signature_algorithms.more &&
        !has_code(c->signature_algorithms.v, c->signature_algorithms.n, s->kx_sigalg)) {
        const char *name = tls_sigscheme_name(s->kx_sigalg);
        char code[8];
        snprintf(code, sizeof code, "0x%04x", s->kx_sigalg);
        snprintf(msg, sizeof msg,
                 "the server signs its key exchange with %s, which the client does not offer in "
                 "signature_algorithms (RFC 5246 7.4.3): clients that enforce it fail; configure the server's "
                 "signature algorithms to one the client offers", name ? name : code);
        add(l, "kx-signature-not-offered", "high", msg);
    }
}

static uint8_t ascii_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool same_name(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/* RFC 6125 6.4.3, as browsers and Schannel apply it: "*" only as the whole
 * left-most label, standing for exactly one non-empty label, and at least
 * two labels after it. */
static bool name_matches(const uint8_t *ref, size_t rn, const uint8_t *pat, size_t pn)
{
    if (pn >= 2 && pat[0] == '*' && pat[1] == '.') {
        const uint8_t *rest = pat + 1; /* ".example.com" */
        size_t restn = pn - 1;
        if (!memchr(rest + 1, '.', restn - 1))
            return false;
        const uint8_t *dot = memchr(ref, '.', rn);
        if (!dot || dot == ref)
            return false;
        return same_name(dot, rn - (size_t)(dot - ref), rest, restn);
    }
    return same_name(ref, rn, pat, pn);
}

enum findings_name_match findings_certificate_name_match(const struct tls_report *r)
{
    const struct x509_report *x = &r->server_cert;
    const struct tls_client_report *c = &r->client;
    if (!x->parsed || c->sni_len == 0 || c->sni_truncated)
        return FINDINGS_NAME_UNKNOWN;
    if (x->san_count == 0 && !x->san_more) {
        if (x->subject_cn_len == 0)
            return FINDINGS_NAME_UNKNOWN;
        return name_matches(c->sni, c->sni_len, x->subject_cn, x->subject_cn_len) ? FINDINGS_NAME_MATCHES
                                                                                  : FINDINGS_NAME_MISMATCH;
    }
    size_t off = 0;
    for (uint8_t i = 0; i < x->san_count; i++) {
        if (name_matches(c->sni, c->sni_len, x->san + off + 1, x->san[off]))
            return FINDINGS_NAME_MATCHES;
        off += 1u + x->san[off];
    }
    return x->san_more ? FINDINGS_NAME_UNKNOWN : FINDINGS_NAME_MISMATCH;
}

void findings_each(const struct conn_meta *m, const struct tls_report *r, finding_fn fn, void *ctx)
{
    struct finding_list l = { fn, ctx };
    char msg[512], a[TLS_VERSION_TOKEN_MAX], b[TLS_VERSION_TOKEN_MAX];
    const struct tls_client_report *c = &r->client;
    const struct tls_server_report *s = &r->server;
    uint16_t negotiated = tls_negotiated_version(s);

    uint16_t offered[TLS_MAX_VERSIONS];
    size_t no = c->seen ? tls_offered_versions(c, offered, TLS_MAX_VERSIONS) : 0;
    if (no > 0 && tls_version_below_tls12(offered[0])) {
        snprintf(msg, sizeof msg,
                 "client offers nothing above %s: update or reconfigure it (enable TLS 1.2) before %s is disabled",
                 tls_version_token(offered[0], a), tls_version_token(offered[0], b));
        add(&l, "legacy-client", "high", msg);
    }
    for (size_t i = 0; i < c->ciphers.n && !c->sslv2_hello; i++) {
        if (c->ciphers.v[i] == 0x5600) { /* TLS_FALLBACK_SCSV, RFC 7507 */
            add(&l, "fallback-retry", "medium",
                "client is retrying at a lower version after a failed attempt (TLS_FALLBACK_SCSV): look for its "
                "earlier failed connection to find the real cause");
            break;
        }
    }
    if (c->sslv2_hello)
        add(&l, "sslv2-hello", "medium",
            "client sends an SSLv2-compatible ClientHello, a sign of a very old TLS stack: find and update it");
    if (s->seen && tls_version_below_tls12(negotiated)) {
        snprintf(msg, sizeof msg, "connection negotiated %s: legacy protocol in use",
                 tls_version_token(negotiated, a));
        if (no > 0 && !tls_version_below_tls12(offered[0]))
            snprintf(msg, sizeof msg,
                     "server chose %s although the client offers %s: enable TLS 1.2 or later on the server",
                     tls_version_token(negotiated, a), tls_version_token(offered[0], b));
        add(&l, "legacy-version", "high", msg);
    }
    sslv2_findings(&l, r);
    /* Suites no longer acceptable (RFC 7465 RC4, RFC 8996 context, NIST SP
     * 800-52r2): NULL, export, RC4, single and triple DES, anonymous, MD5 MACs.
     * An SSLv2 session's is the cipher kind its client chose. */
    const char *why = !s->seen                ? NULL
                      : !r->sslv2.server_hello ? tls_weakness_name(tls_cipher_weakness(s->cipher))
                      : r->sslv2.master_key    ? tls_weakness_name(sslv2_cipher_weakness(r->sslv2.cipher_kind))
                                               : NULL;
    if (why) {
        snprintf(msg, sizeof msg, "negotiated cipher suite uses %s: remove it from the server's configuration", why);
        add(&l, "weak-cipher", "high", msg);
    }
    if (s->dh_prime_bits && s->dh_prime_bits < 2048) {
        snprintf(msg, sizeof msg, "server's DHE group is %u bits (below 2048): configure a 2048-bit or larger group "
                 "or prefer ECDHE", s->dh_prime_bits);
        add(&l, "weak-dh", s->dh_prime_bits < 1024 ? "critical" : "high", msg);
    }
    /* A well-known prime of 1024 bits or fewer: shared by many servers, so
     * one precomputation (Logjam, CVE-2015-4000) breaks all their
     * connections; a nation-state budget sufficed for 1024 bits in 2015. */
    const struct dh_group *g = dh_group_get(s->dh_group);
    if (g && g->bits <= 1024) {
        snprintf(msg, sizeof msg, "the server's DHE group is the well-known %u-bit %s prime, shared by many "
                 "servers: one precomputation breaks every connection that uses it (Logjam, CVE-2015-4000); "
                 "generate a unique group of 2048 bits or more, or use ffdhe2048, or prefer ECDHE", g->bits, g->name);
        add(&l, "common-dh-prime", "high", msg);
    }
    /* SHA-1 or MD5 in the ServerKeyExchange signature: RFC 9155 forbids it
     * in TLS 1.2, and clients whose policy dropped SHA-1 fail the handshake
     * (TLS 1.0/1.1 always sign with MD5+SHA-1: legacy-version says that). */
    switch (s->kx_sigalg) {
    case 0x0101: case 0x0103: case 0x0201: case 0x0202: case 0x0203: /* {rsa,dsa,ecdsa} x {md5,sha1} */
        snprintf(msg, sizeof msg, "the server signs its key exchange with %s, which RFC 9155 forbids and current "
                 "clients refuse: update the server's TLS stack or its signature algorithm settings",
                 tls_sigscheme_name(s->kx_sigalg) ? tls_sigscheme_name(s->kx_sigalg) : "a SHA-1/MD5 scheme");
        add(&l, "weak-kx-signature", "medium", msg);
        break;
    default:
        break;
    }
    /* RFC 5746: a client that signals secure renegotiation (the extension or
     * TLS_EMPTY_RENEGOTIATION_INFO_SCSV) and a TLS <= 1.2 server that does not
     * answer with renegotiation_info: an unpatched server (CVE-2009-3555),
     * which clients with strict renegotiation settings refuse. */
    bool client_ri = has_code(c->extensions.v, c->extensions.n, 0xff01);
    for (size_t i = 0; i < c->ciphers.n && !client_ri && !c->sslv2_hello; i++)
        client_ri = c->ciphers.v[i] == 0x00ff;
    if (s->seen && s->parsed && client_ri && negotiated >= 0x0300 && negotiated <= 0x0303 &&
        !has_code(s->extensions.v, s->extensions.n, 0xff01))
        add(&l, "no-secure-renegotiation", "medium",
            "the server does not support secure renegotiation (RFC 5746): update or patch it; clients with strict "
            "renegotiation settings refuse to connect");
    signature_not_offered(&l, r);
    int64_t now = (int64_t)(m->first_ts_us / 1000000u);
    const struct x509_report *x = &r->server_cert;
    if (x->parsed) {
        validity(&l, x, now, "certificate-", "server");
        if (x->signature_sha1_or_md5) {
            char sig[X509_TEXT_TOKEN_MAX];
            x509_text_signature_algorithm(x, sig);
            snprintf(msg, sizeof msg, "the server's certificate is signed with %s, which clients reject: reissue "
                     "it with SHA-256", sig);
            add(&l, "certificate-weak-signature", "high", msg);
        }
        if (x->key_type == X509_KEY_RSA && x->key_bits > 0 && x->key_bits < 2048) {
            snprintf(msg, sizeof msg, "the server's certificate has a %u-bit RSA key (below 2048): reissue it "
                     "with a longer key", x->key_bits);
            add(&l, "certificate-short-key", "high", msg);
        }
        /* --ca-file: the chain does not lead to a trusted root. Expiry is
         * certificate-expired's to say. */
        int v = s->validation;
        if (s->validated && v != X509_V_OK && v != X509_V_ERR_CERT_HAS_EXPIRED && v != X509_V_ERR_CERT_NOT_YET_VALID) {
            snprintf(msg, sizeof msg, "the server's certificate chain does not validate against the trust store "
                     "(%s): clients fail with an untrusted-certificate error; have the server send its full chain "
                     "(leaf and intermediates), or install the issuing CA on the clients",
                     v < 0 ? "no certificate of the chain decodes" : X509_verify_cert_error_string(v));
            add(&l, "certificate-untrusted", "high", msg);
        }
        if (findings_certificate_name_match(r) == FINDINGS_NAME_MISMATCH)
            add(&l, "certificate-name-mismatch", "high",
                "the server's certificate does not name the server the client asked for (its SNI, "
                "tls.client.server_name): clients fail with a name mismatch; install a certificate whose "
                "subjectAltName covers that name, or have the client use a name the certificate has");
        if (x->self_signed)
            add(&l, "certificate-self-signed", "medium",
                "the server presents a self-signed certificate: clients that do not trust it explicitly fail "
                "with a certificate error");
    }
    /* Mutual TLS: the server asked for a client certificate, the client
     * had none (an empty Certificate, or SSL 3.0's no_certificate alert),
     * and the handshake did not complete. A server that merely asks and
     * accepts none (optional client authentication) is no finding. */
    bool client_sent_none = (c->certificate_seen && c->certificate_chain_length == 0) || c->no_certificate_alert;
    if (s->certificate_request && client_sent_none && !r->established)
        add(&l, "client-certificate-missing", "high",
            "the server requires a client certificate and the client sent none: install the certificate for "
            "the client (or its service account) and make it selectable, or stop requiring one on the server");
    if (r->client_cert.parsed)
        validity(&l, &r->client_cert, now, "client-certificate-", "client");
    /* A handshake ended by FIN or RST without an alert: "The underlying
     * connection was closed" on the client. Schannel servers reset a
     * ClientHello they share no version or suite with; clients that reject
     * the server's certificate often just hang up. */
    if (r->context.proxy_invalid)
        add(&l, "proxy-header-invalid", "medium",
            "the stream began with a PROXY protocol header that failed its checks (a bad field, a CRC32C "
            "mismatch, or one too long to follow): it was skipped, so client.ip is the load balancer's address, "
            "not the true client's; check the balancer's PROXY protocol settings and that nothing between it "
            "and the server rewrites the stream");
    /* The commonest "Could not create SSL/TLS secure channel" of mail
     * clients: implicit TLS (465, 993, 995) configured against a port that
     * expects STARTTLS or plaintext. How the connection then ends (the
     * client's alert at the banner, either side hanging up) is only its
     * consequence: no other finding about the close or an alert. */
    if (r->context.plaintext_server) {
        add(&l, "plaintext-server", "high",
            "the client speaks TLS to a server that expects plaintext (tls.server_plaintext holds the server's "
            "first words): configure the client for STARTTLS on this port, or point it at the server's "
            "implicit-TLS port (465 SMTP submission, 993 IMAP, 995 POP3, 443 HTTPS)");
        return;
    }
    bool closed = r->outcome == TLS_OUTCOME_RESET || r->outcome == TLS_OUTCOME_CLOSED_DURING_HANDSHAKE;
    const char *how = r->outcome == TLS_OUTCOME_RESET ? "reset" : "closed";
    const char *up_to = no > 0 ? tls_version_token(offered[0], a) : "an unknown version";
    if (closed && c->seen && !s->seen && m->close_seen && m->closed_by == DIR_S2C) {
        /* A RST carries the server's address whoever sent it: firewalls and
         * IPSes that block by server name forge one right after the
         * ClientHello. Its TTL and timing give the forger away. */
        if (r->outcome == TLS_OUTCOME_RESET)
            snprintf(msg, sizeof msg,
                     "the server or a device in the path (firewall, IPS) reset the connection after the "
                     "ClientHello without an alert: either the server accepts nothing the client offers (up to "
                     "%s, %u cipher suites; enable a version and cipher suite both support) or the device blocked "
                     "it; a RST whose IP TTL or timing differs from the server's SYN-ACK, or that a capture on "
                     "the server does not show, came from the device",
                     up_to, (unsigned)c->ciphers.n);
        else
            snprintf(msg, sizeof msg,
                     "the server closed the connection after the ClientHello without an alert: it accepts nothing "
                     "the client offers (up to %s, %u cipher suites); enable a version and cipher suite both "
                     "support", up_to, (unsigned)c->ciphers.n);
        add(&l, "server-closed-after-client-hello", "high", msg);
    }
    /* A client that sent its ChangeCipherSpec had accepted the certificate:
     * failed-after-key-exchange says what its hang-up means then. */
    if (closed && s->seen && !r->ccs_seen[DIR_C2S] && !r->sslv2.master_key && (!r->alert.seen || r->alert.after_peer_close) && m->close_seen && m->closed_by == DIR_C2S) {
        snprintf(msg, sizeof msg,
                 "the client %s the connection after the server's hello without an alert: it usually rejects "
                 "the server's certificate (untrusted issuer, name mismatch, expiry) or the negotiated "
                 "parameters; check the chain against the client's trust store", how);
        add(&l, "client-closed-after-server-hello", "high", msg);
    }
    failed_after_key_exchange(&l, m, r);
    if (r->alert.seen && r->alert.level == 2 && !r->alert.after_peer_close) {
        const char *who = r->alert.sender == DIR_C2S ? "client" : "server";
        switch (r->alert.description) {
        case 70: /* protocol_version */
            snprintf(msg, sizeof msg,
                     "%s refused the protocol version (client offers up to %s): the two sides share no version",
                     who, no > 0 ? tls_version_token(offered[0], a) : "unknown");
            add(&l, "version-mismatch", "high", msg);
            break;
        case 40: /* handshake_failure */
        case 71: /* insufficient_security */
            snprintf(msg, sizeof msg,
                     "%s ended the handshake (%s): usually no common cipher suite, group or signature "
                     "algorithm; compare the client's offer with the server's configuration",
                     who, tls_alert_name(r->alert.description));
            add(&l, "no-common-parameters", "high", msg);
            break;
        case 86: /* inappropriate_fallback */
            add(&l, "fallback-rejected", "medium",
                "client retried with a lower version and the server refused it (RFC 7507): the first attempt "
                "failed for another reason");
            break;
        case 42: case 43: case 44: case 45: case 46: case 48: /* certificate problems */
            snprintf(msg, sizeof msg, "%s rejected a certificate (%s): check the chain, its expiry and the "
                     "client's trust store", who, tls_alert_name(r->alert.description));
            add(&l, "certificate-rejected", "high", msg);
            break;
        default:
            break;
        }
    }
}
