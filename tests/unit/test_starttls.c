/* test_starttls.c - dissect/starttls.c: every dialogue's upgrade, refusal and
 * non-matching cases, with vectors from the RFCs and specifications and, where
 * the corpus has one, the bytes of a real exchange (../shared/corpus/dev:
 * ndpi_smtp-starttls, ndpi_imap-starttls, ndpi_pop3_stls, ndpi_ftp-start-tls,
 * ndpi_mysql, ndpi_pgsql2, ndpi_pgsql, ndpi_rdp_over_tls, ja4_https-connect,
 * ja4_socks4-https, socks-https-example).
 *
 * Each dialogue runs through one battery: whole, split in two at every byte
 * of every feed, split in three (sampled), one byte at a time, and every
 * strict prefix copied into an exact-size heap buffer (for AddressSanitizer).
 * The tests feed the way the caller does: once starttls_dir_is_tls() says so,
 * a direction's bytes go straight to the "TLS parser" (here: collect()).
 *
 * starttls_sniff() is checked against the feed itself: every answer it gives
 * is compared with what a fresh state does with the same bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dissect/starttls.h"
#include "test_util.h"

/* ---- harness ---- */

struct ev {
    int dir; /* 0 client->server, 1 server->client */
    const uint8_t *p;
    size_t n;
};

#define S(str) (const uint8_t *)(str), sizeof(str) - 1
#define B(arr) arr, sizeof arr

struct result {
    uint8_t tls[2][4096];
    size_t tls_n[2];
    unsigned calls[2];
    const uint8_t *first[2]; /* where the first TLS span handed over pointed */
    enum starttls_verdict verdict;
    enum starttls_proto proto;
    uint8_t reply[STARTTLS_REPLY_MAX];
    size_t reply_len;
    bool is_tls[2];
    const uint8_t *piece;    /* the piece being fed, for the zero-copy check */
    size_t piece_n;
    struct starttls_client_id id;
};

static void collect(void *ctx, int dir, struct span b)
{
    struct result *r = ctx;
    assert_true(dir == 0 || dir == 1);
    assert_true(b.n > 0);
    assert_true(r->tls_n[dir] + b.n <= sizeof r->tls[dir]);
    memcpy(r->tls[dir] + r->tls_n[dir], b.p, b.n);
    r->tls_n[dir] += b.n;
    if (r->calls[dir]++ == 0)
        r->first[dir] = b.p;
    /* Zero-copy: a span lies in the piece being fed, except the at most two
     * bytes held back while it was unclear whether they began a record. */
    if (r->piece) { /* fed through feed_piece() */
        bool inside = b.p >= r->piece && b.p + b.n <= r->piece + r->piece_n;
        assert_true(inside || b.n <= 2);
    }
}

/* What the caller does with one piece of one direction. */
static void feed_piece(struct starttls *st, int dir, const uint8_t *p, size_t n, struct result *r)
{
    enum starttls_verdict v = starttls_verdict(st);
    if (v == STARTTLS_REFUSED || v == STARTTLS_NOT_STARTTLS)
        return;
    r->piece = p;
    r->piece_n = n;
    if (starttls_dir_is_tls(st, dir)) {
        if (n > 0)
            collect(r, dir, span_make(p, n));
        return;
    }
    starttls_feed(st, dir, span_make(p, n), collect, r);
}

static void finish(const struct starttls *st, struct result *r)
{
    r->verdict = starttls_verdict(st);
    r->proto = starttls_protocol(st);
    const uint8_t *rep = starttls_reply(st, &r->reply_len);
    assert_true(r->reply_len <= STARTTLS_REPLY_MAX);
    memcpy(r->reply, rep, r->reply_len);
    r->is_tls[0] = starttls_dir_is_tls(st, 0);
    r->is_tls[1] = starttls_dir_is_tls(st, 1);
    r->id = *starttls_client_id(st);
}

/* Feeds all events; event `split` (if < n) is fed in pieces cut at `cut1`
 * and `cut2` (cut1 <= cut2 <= its length). */
static void run_cut(const struct ev *ev, size_t n, uint16_t port, size_t split, size_t cut1, size_t cut2,
                    struct result *r)
{
    struct starttls st;
    memset(r, 0, sizeof *r);
    starttls_init(&st, port);
    for (size_t i = 0; i < n; i++) {
        if (i != split) {
            feed_piece(&st, ev[i].dir, ev[i].p, ev[i].n, r);
            continue;
        }
        feed_piece(&st, ev[i].dir, ev[i].p, cut1, r);
        feed_piece(&st, ev[i].dir, ev[i].p + cut1, cut2 - cut1, r);
        feed_piece(&st, ev[i].dir, ev[i].p + cut2, ev[i].n - cut2, r);
    }
    finish(&st, r);
}

static void run(const struct ev *ev, size_t n, uint16_t port, struct result *r)
{
    run_cut(ev, n, port, n, 0, 0, r);
}

static void assert_same(const struct result *a, const struct result *b)
{
    assert_int_equal(a->verdict, b->verdict);
    assert_int_equal(a->proto, b->proto);
    assert_int_equal(a->tls_n[0], b->tls_n[0]);
    assert_int_equal(a->tls_n[1], b->tls_n[1]);
    assert_memory_equal(a->tls[0], b->tls[0], a->tls_n[0] ? a->tls_n[0] : 1);
    assert_memory_equal(a->tls[1], b->tls[1], a->tls_n[1] ? a->tls_n[1] : 1);
    assert_int_equal(a->reply_len, b->reply_len);
    if (a->reply_len)
        assert_memory_equal(a->reply, b->reply, a->reply_len);
    assert_int_equal(a->is_tls[0], b->is_tls[0]);
    assert_int_equal(a->is_tls[1], b->is_tls[1]);
    assert_memory_equal(&a->id, &b->id, sizeof a->id);
}

struct expect {
    enum starttls_verdict verdict;
    enum starttls_proto proto;
    const uint8_t *tls0;
    size_t tls0_n;
    const uint8_t *tls1;
    size_t tls1_n;
    const char *reply; /* NULL: not checked */
};

static void assert_expected(const struct result *r, const struct expect *x)
{
    assert_int_equal(r->verdict, x->verdict);
    assert_int_equal(r->proto, x->proto);
    assert_int_equal(r->tls_n[0], x->tls0_n);
    if (x->tls0_n)
        assert_memory_equal(r->tls[0], x->tls0, x->tls0_n);
    assert_int_equal(r->tls_n[1], x->tls1_n);
    if (x->tls1_n)
        assert_memory_equal(r->tls[1], x->tls1, x->tls1_n);
    if (x->reply) {
        assert_int_equal(r->reply_len, strlen(x->reply));
        if (r->reply_len)
            assert_memory_equal(r->reply, x->reply, r->reply_len);
    }
}

/* Every strict prefix of the dialogue (events before it whole), each event
 * in an exact-size heap buffer: nothing may read past what was given. */
static void prefixes_do_not_overread(const struct ev *ev, size_t n, uint16_t port)
{
    uint8_t *copy[32];
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++)
        copy[i] = test_exact_copy(ev[i].p, ev[i].n);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < ev[i].n; k++) {
            struct starttls st;
            struct result *r = calloc(1, sizeof *r);
            assert_non_null(r);
            starttls_init(&st, port);
            for (size_t j = 0; j < i; j++)
                feed_piece(&st, ev[j].dir, copy[j], ev[j].n, r);
            uint8_t *part = test_exact_copy(ev[i].p, k);
            feed_piece(&st, ev[i].dir, part, k, r);
            free(part);
            free(r);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(copy[i]);
}

/* The battery: the result must not depend on how the bytes were cut. */
static void check_dialogue(const struct ev *ev, size_t n, uint16_t port, const struct expect *x)
{
    struct result *whole = calloc(1, sizeof *whole);
    struct result *r = calloc(1, sizeof *r);
    assert_non_null(whole);
    assert_non_null(r);
    run(ev, n, port, whole);
    assert_expected(whole, x);

    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k <= ev[i].n; k++) {
            run_cut(ev, n, port, i, k, k, r);
            assert_same(whole, r);
        }
        size_t step = ev[i].n / 24 + 1; /* three pieces: sampled on long feeds */
        for (size_t a = 1; a < ev[i].n; a += step)
            for (size_t b = a + 1; b < ev[i].n; b += step) {
                run_cut(ev, n, port, i, a, b, r);
                assert_same(whole, r);
            }
    }

    /* One byte at a time, every event. */
    struct starttls st;
    memset(r, 0, sizeof *r);
    starttls_init(&st, port);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < ev[i].n; k++)
            feed_piece(&st, ev[i].dir, ev[i].p + k, 1, r);
    finish(&st, r);
    assert_same(whole, r);

    prefixes_do_not_overread(ev, n, port);
    free(whole);
    free(r);
}

#define CHECK(evs, port, ...)                                                                                   \
    do {                                                                                                        \
        const struct expect x_ = __VA_ARGS__;                                                                   \
        check_dialogue(evs, sizeof evs / sizeof evs[0], port, &x_);                                             \
    } while (0)

/* A ClientHello / ServerHello record start, as far as this module cares. */
static const uint8_t CH[] = { 0x16, 0x03, 0x01, 0x00, 0x6b, 0x01, 0x00, 0x00, 0x67, 0x03, 0x03, 0x52, 0xbb, 0x75 };
static const uint8_t SH[] = { 0x16, 0x03, 0x03, 0x00, 0x35, 0x02, 0x00, 0x00, 0x31, 0x03, 0x03, 0xe0, 0xe0, 0x1a };

/* ---- SMTP (RFC 3207) ---- */

/* ndpi_smtp-starttls.pcap, first connection: Gmail's MX. */
static const uint8_t smtp_ch[] = { 0x16, 0x03, 0x01, 0x00, 0x6b, 0x01, 0x00, 0x00, 0x67, 0x03,
                                   0x01, 0x52, 0xbb, 0x75, 0xe4, 0x4e, 0x87, 0x2d, 0xe2, 0xee };
static const uint8_t smtp_sh[] = { 0x16, 0x03, 0x01, 0x00, 0x35, 0x02, 0x00, 0x00, 0x31, 0x03,
                                   0x01, 0x52, 0xbb, 0x75, 0xe4, 0x01, 0x17, 0x09, 0xbe, 0x91 };

static void test_smtp_real(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("220 mx.google.com ESMTP s4si9696358qcc.63 - gsmtp\r\n") },
        { 0, S("EHLO xxxxxxxxxxxxx.xxx.com\r\n") },
        { 1, S("250-mx.google.com at your service, [10.000.000.01]\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n"
               "250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250 CHUNKING\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 1, S("220 2.0.0 Ready to start TLS\r\n") },
        { 0, B(smtp_ch) },
        { 1, B(smtp_sh) },
    };
    CHECK(ev, 25, { STARTTLS_UPGRADED, STARTTLS_PROTO_SMTP, B(smtp_ch), B(smtp_sh), "220 2.0.0 Ready to start TLS\r\n" });
    /* The port is only a hint: the same dialogue on 2525 is SMTP too. */
    CHECK(ev, 2525, { STARTTLS_UPGRADED, STARTTLS_PROTO_SMTP, B(smtp_ch), B(smtp_sh), NULL });
}

/* Bytes after the answer in the same feed are TLS, handed over in place. */
static void test_smtp_zero_copy(void **state)
{
    (void)state;
    static const uint8_t server[] = "220 2.0.0 Ready\r\n\x16\x03\x03\x00\x02\x02\x00";
    static const uint8_t client[] = "STARTTLS\r\n\x16\x03\x01\x00\x02\x01\x00";
    struct starttls st;
    struct result r;
    memset(&r, 0, sizeof r);
    starttls_init(&st, 25);
    starttls_feed(&st, 1, span_make(S("220 mx ESMTP\r\n")), collect, &r);
    starttls_feed(&st, 0, span_make(S("EHLO a\r\n")), collect, &r);
    starttls_feed(&st, 1, span_make(S("250 mx\r\n")), collect, &r);
    starttls_feed(&st, 0, span_make(client, sizeof client - 1), collect, &r);
    /* Sent with the command, before the answer: taken as TLS by its header. */
    assert_int_equal(starttls_verdict(&st), STARTTLS_UPGRADED);
    assert_true(starttls_dir_is_tls(&st, 0));
    assert_false(starttls_dir_is_tls(&st, 1));
    assert_ptr_equal(r.first[0], client + 10);
    assert_int_equal(r.tls_n[0], 7);
    starttls_feed(&st, 1, span_make(server, sizeof server - 1), collect, &r);
    assert_true(starttls_dir_is_tls(&st, 1));
    assert_ptr_equal(r.first[1], server + 17);
    assert_int_equal(r.tls_n[1], 7);
    assert_memory_equal(r.tls[1], server + 17, 7);
    /* Feeding a TLS direction hands everything over, in place. */
    starttls_feed(&st, 1, span_make(SH, sizeof SH), collect, &r);
    assert_int_equal(r.tls_n[1], 7 + sizeof SH);
    assert_int_equal(r.calls[1], 2);
}

static void test_smtp_refused(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("220 mail.example.org ESMTP Postfix\r\n") },
        { 0, S("EHLO client.example.com\r\n") },
        { 1, S("250-mail.example.org\r\n250-STARTTLS\r\n250 8BITMIME\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 1, S("454 4.7.0 TLS not available due to local problem\r\n") },
        { 0, S("QUIT\r\n") },
    };
    CHECK(ev, 25,
          { STARTTLS_REFUSED, STARTTLS_PROTO_SMTP, NULL, 0, NULL, 0, "454 4.7.0 TLS not available due to local problem\r\n" });

    /* A multi-line refusal is kept whole; an unknown command is a refusal too. */
    const struct ev ev2[] = {
        { 1, S("220-mail.example.org ESMTP\r\n220 no UCE\r\n") },
        { 0, S("HELO client\r\n") },
        { 1, S("250 mail.example.org\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 1, S("502-5.5.1 Unrecognized command\r\n502 5.5.1 see RFC 3207\r\n") },
    };
    CHECK(ev2, 587, { STARTTLS_REFUSED, STARTTLS_PROTO_SMTP, NULL, 0, NULL, 0,
                      "502-5.5.1 Unrecognized command\r\n502 5.5.1 see RFC 3207\r\n" });
}

/* RFC 2920: several commands in one segment, answered in order; lower case. */
static void test_smtp_pipelined(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("220 mx ESMTP\r\n") },
        { 0, S("ehlo a.example\r\nNOOP\r\nstarttls\r\n") },
        { 1, S("250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n250 2.0.0 OK\r\n220 2.0.0 go ahead\r\n") },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(ev, 25, { STARTTLS_UPGRADED, STARTTLS_PROTO_SMTP, B(CH), B(SH), "220 2.0.0 go ahead\r\n" });

    /* The answers split over segments: the first 220 (to EHLO's successor)
     * must not be taken for the STARTTLS answer. */
    const struct ev ev2[] = {
        { 1, S("220 mx ESMTP\r\n") },
        { 0, S("EHLO a\r\nRSET\r\nSTARTTLS\r\n") },
        { 1, S("250 mx\r\n") },
        { 1, S("250 flushed\r\n") },
        { 1, S("454 4.7.0 not now\r\n") },
    };
    CHECK(ev2, 25, { STARTTLS_REFUSED, STARTTLS_PROTO_SMTP, NULL, 0, NULL, 0, "454 4.7.0 not now\r\n" });
}

/* The client's ClientHello comes before the server's 220 in capture order;
 * its first byte is held back and handed over once the server accepts. */
static void test_smtp_client_hello_first(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("220 mx ESMTP\r\n") },
        { 0, S("EHLO a\r\n") },
        { 1, S("250 mx\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 0, B(CH) },
        { 1, S("220 go ahead\r\n") },
        { 1, B(SH) },
    };
    CHECK(ev, 25, { STARTTLS_UPGRADED, STARTTLS_PROTO_SMTP, B(CH), B(SH), "220 go ahead\r\n" });

    /* The early ClientHello made it UPGRADED; the refusal still decides. */
    const struct ev refused[] = {
        { 1, S("220 mx ESMTP\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 0, B(CH) },
        { 1, S("454 4.7.0 TLS not available\r\n") },
    };
    CHECK(refused, 25, { STARTTLS_REFUSED, STARTTLS_PROTO_SMTP, B(CH), NULL, 0, "454 4.7.0 TLS not available\r\n" });

    /* Interleaved: one byte of the ClientHello, then the answer. */
    struct starttls st;
    struct result r;
    memset(&r, 0, sizeof r);
    starttls_init(&st, 25);
    for (size_t i = 0; i < 4; i++)
        feed_piece(&st, ev[i].dir, ev[i].p, ev[i].n, &r);
    feed_piece(&st, 0, CH, 1, &r);
    assert_int_equal(r.tls_n[0], 0);
    assert_int_equal(starttls_verdict(&st), STARTTLS_PENDING);
    feed_piece(&st, 1, S("220 go ahead\r\n"), &r);
    assert_int_equal(starttls_verdict(&st), STARTTLS_UPGRADED);
    assert_int_equal(r.tls_n[0], 1); /* the held byte */
    assert_true(starttls_dir_is_tls(&st, 0));
    feed_piece(&st, 0, CH + 1, sizeof CH - 1, &r);
    assert_int_equal(r.tls_n[0], sizeof CH);
    assert_memory_equal(r.tls[0], CH, sizeof CH);
}

/* Lines longer than the unit buffer are kept cut and still counted. */
static void test_smtp_long_lines(void **state)
{
    (void)state;
    static char big[1200];
    memset(big, 'x', sizeof big);
    memcpy(big, "250-", 4);
    memcpy(big + sizeof big - 2, "\r\n", 2);
    const struct ev ev[] = {
        { 1, S("220 mx ESMTP\r\n") },
        { 0, S("EHLO a\r\n") },
        { 1, (const uint8_t *)big, sizeof big },
        { 1, S("250 STARTTLS\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 1, S("220 go\r\n") },
        { 0, B(CH) },
    };
    CHECK(ev, 25, { STARTTLS_UPGRADED, STARTTLS_PROTO_SMTP, B(CH), NULL, 0, "220 go\r\n" });
}

/* A well-known port does not make a dialogue. */
static void test_not_starttls(void **state)
{
    (void)state;
    const struct ev http_on_25[] = {
        { 1, S("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") },
    };
    CHECK(http_on_25, 25, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_NONE, NULL, 0, NULL, 0, "" });
    const struct ev get_on_25[] = {
        { 0, S("GET / HTTP/1.1\r\nHost: mx\r\n\r\n") },
        { 1, S("220 mx ESMTP\r\n") },
    };
    CHECK(get_on_25, 25, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_NONE, NULL, 0, NULL, 0, "" });
    const struct ev ssh_on_143[] = {
        { 1, S("SSH-2.0-OpenSSH_9.2p1\r\n") },
    };
    CHECK(ssh_on_143, 143, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_NONE, NULL, 0, NULL, 0, "" });
    /* "554 no service" greeting: SMTP, but no session. */
    const struct ev smtp_554[] = {
        { 1, S("554 mx.example.org ESMTP not accepting messages\r\n") },
    };
    CHECK(smtp_554, 25, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_NONE, NULL, 0, NULL, 0, "" });
    /* An IMAP server refusing service (RFC 3501 7.1.5). */
    const struct ev imap_bye[] = {
        { 1, S("* BYE server overloaded\r\n") },
    };
    CHECK(imap_bye, 143, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_NONE, NULL, 0, NULL, 0, "" });
}

/* A plain SMTP session (pcaps/ndpi/smtp.pcap): recognised, never upgraded. */
static void test_smtp_plain_session(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("220 pigeon.eyrie.af.mil ESMTP Sendmail 8.8.7/8.8.7; Sat, 7 Aug 1999 08:20:11 -0400\r\n") },
        { 0, S("EHLO delta.peach.mil\r\n") },
        { 1, S("500 Command unrecognized\r\n") },
        { 0, S("HELO delta.peach.mil\r\n") },
        { 1, S("250 (delta.peach.mil) pleased to meet you.\r\n") },
        { 0, S("MAIL From:<coreys@delta.peach.mil>\r\n") },
        { 1, S("250 <coreys@delta.peach.mil>... Sender Ok\r\n") },
        { 0, S("DATA\r\n") },
        { 0, S("\x16\x03\x01 not a hello, mail content\r\n") },
    };
    CHECK(ev, 25, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_SMTP, NULL, 0, NULL, 0, "" });
}

/* Sessions that log in without TLS are given up at the first command only
 * valid after a login (pcaps/ndpi/imap.pcap, pop3.pcap), not at the bounds. */
static void test_plain_logins(void **state)
{
    (void)state;
    const struct ev imap[] = {
        { 1, S("* OK IMAP4Rev1 Server Version 4.9.04.012\r\n") },
        { 0, S("C00000 CAPABILITY\r\n") },
        { 1, S("* CAPABILITY IMAP4rev1 IDLE AUTH=LOGIN AUTH=PLAIN AUTH=CRAM-MD5\r\n") },
        { 1, S("C00000 OK CAPABILITY completed\r\n") },
        { 0, S("C00001 LOGIN samir pfres\r\n") },
        { 1, S("C00001 OK LOGIN completed\r\n") },
        { 0, S("C00002 LIST \"\" \"*\"\r\n") },
    };
    CHECK(imap, 143, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_IMAP, NULL, 0, NULL, 0, "" });
    const struct ev pop3[] = {
        { 1, S("+OK POP server ready H migmxus005\r\n") },
        { 0, S("user cicciopernacchio@mail.com\r\n") },
        { 1, S("+OK password required for user \"cicciopernacchio@mail.com\"\r\n") },
        { 0, S("pass pippozzo\r\n") },
        { 1, S("+OK mailbox \"cicciopernacchio@mail.com\" has 2 messages (17672 octets) H migmxus005\r\n") },
        { 0, S("list\r\n") },
    };
    CHECK(pop3, 110, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_POP3, NULL, 0, NULL, 0, "" });
    const struct ev ftp[] = {
        { 1, S("220 (vsFTPd 3.0.3)\r\n") },
        { 0, S("USER ftp\r\n") },
        { 1, S("331 Please specify the password.\r\n") },
        { 0, S("PASS x\r\n") },
        { 1, S("230 Login successful.\r\n") },
        { 0, S("EPSV\r\n") },
    };
    CHECK(ftp, 21, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_FTP, NULL, 0, NULL, 0, "" });
}

/* ---- IMAP (RFC 3501 6.2.1) ---- */

static const uint8_t imap_ch[] = { 0x16, 0x03, 0x01, 0x01, 0x39, 0x01, 0x00, 0x01, 0x35, 0x03,
                                   0x03, 0x14, 0x18, 0xd6, 0x1e, 0x6d, 0xcf, 0x26, 0xce, 0x54 };
static const uint8_t imap_sh[] = { 0x16, 0x03, 0x03, 0x00, 0x57, 0x02, 0x00, 0x00, 0x53, 0x03,
                                   0x03, 0x55, 0xaf, 0xcc, 0x30, 0xe8, 0x60, 0xe5, 0xcf, 0xb3 };

/* ndpi_imap-starttls.pcap: GMX, tag ".". */
static void test_imap_real(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("* OK [CAPABILITY IMAP4rev1 CHILDREN ENABLE ID IDLE LIST-EXTENDED LIST-STATUS LITERAL+ MOVE NAMESPACE "
               "SASL-IR SORT SPECIAL-USE THREAD=ORDEREDSUBJECT UIDPLUS UNSELECT WITHIN STARTTLS AUTH=LOGIN "
               "AUTH=PLAIN] IMAP server ready H migmx013 104568 IMAP-0M0Unb-1YwIOs2b5K-00uE1x\r\n") },
        { 0, S(". CAPABILITY\r\n") },
        { 1, S("* CAPABILITY IMAP4rev1 CHILDREN ENABLE ID IDLE LIST-EXTENDED LIST-STATUS LITERAL+ MOVE NAMESPACE "
               "SASL-IR SORT SPECIAL-USE THREAD=ORDEREDSUBJECT UIDPLUS UNSELECT WITHIN STARTTLS AUTH=LOGIN "
               "AUTH=PLAIN\r\n. OK CAPABILITY completed\r\n") },
        { 0, S(". STARTTLS\r\n") },
        { 1, S(". OK Begin TLS negotiation now\r\n") },
        { 0, B(imap_ch) },
        { 1, B(imap_sh) },
    };
    CHECK(ev, 143, { STARTTLS_UPGRADED, STARTTLS_PROTO_IMAP, B(imap_ch), B(imap_sh), ". OK Begin TLS negotiation now\r\n" });
}

static void assert_id_value(const struct starttls_id_value *v, const char *want, bool cut)
{
    assert_int_equal(v->len, strlen(want));
    if (v->len)
        assert_memory_equal(v->v, want, v->len);
    assert_int_equal(v->cut, cut);
}

/* Who the client said it was: the EHLO name (the first one), cut at
 * STARTTLS_CLIENT_ID_MAX bytes; however the bytes were cut (check_dialogue
 * compares the whole result, identity included). */
static void test_smtp_helo_name(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("220 mx.example.org ESMTP\r\n") },
        { 0, S("EHLO printer-3f.example.com\r\n") },
        { 1, S("250-mx.example.org\r\n250 STARTTLS\r\n") },
        { 0, S("HELO other.example.com\r\n") },
        { 1, S("250 mx.example.org\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 1, S("220 2.0.0 Ready to start TLS\r\n") },
        { 0, B(smtp_ch) },
    };
    CHECK(ev, 25, { STARTTLS_UPGRADED, STARTTLS_PROTO_SMTP, B(smtp_ch), NULL, 0, NULL });
    struct result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    run(ev, sizeof ev / sizeof ev[0], 25, r);
    assert_id_value(&r->id.helo, "printer-3f.example.com", false);
    assert_int_equal(r->id.name.len, 0);

    const struct ev long_ev[] = {
        { 1, S("220 mx.example.org ESMTP\r\n") },
        { 0, S("HELO aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example\r\n") },
    };
    run(long_ev, 2, 25, r);
    assert_id_value(&r->id.helo, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true);
    free(r);
}

/* RFC 2971: the ID command's "name" and "version" (field names in any case,
 * quoted strings with escapes); NIL values and literals are passed over. */
static void test_imap_id(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("* OK IMAP server ready\r\n") },
        { 0, S("a1 ID (\"NAME\" \"Old \\\"Mail\\\" Client\" \"os\" NIL \"version\" \"6.1\" \"vendor\" \"x\")\r\n") },
        { 1, S("* ID NIL\r\na1 OK ID completed\r\n") },
        { 0, S("a2 ID (\"name\" \"second\")\r\n") },
        { 1, S("a2 OK\r\n") },
        { 0, S("a3 STARTTLS\r\n") },
        { 1, S("a3 OK Begin TLS\r\n") },
        { 0, B(imap_ch) },
    };
    CHECK(ev, 143, { STARTTLS_UPGRADED, STARTTLS_PROTO_IMAP, B(imap_ch), NULL, 0, NULL });
    struct result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    run(ev, sizeof ev / sizeof ev[0], 143, r);
    assert_id_value(&r->id.name, "Old \"Mail\" Client", false);
    assert_id_value(&r->id.version, "6.1", false);
    assert_int_equal(r->id.helo.len, 0);

    /* ID NIL, and a list cut short: nothing, and what came whole. */
    const struct ev nil_ev[] = {
        { 1, S("* OK ready\r\n") },
        { 0, S("a1 ID NIL\r\n") },
    };
    run(nil_ev, 2, 143, r);
    assert_int_equal(r->id.name.len, 0);
    const struct ev cut_ev[] = {
        { 1, S("* OK ready\r\n") },
        { 0, S("a1 ID (\"version\" \"2.0\" \"name\" \"unterminated\r\n") },
    };
    run(cut_ev, 2, 143, r);
    assert_id_value(&r->id.version, "2.0", false);
    assert_int_equal(r->id.name.len, 0);
    free(r);
}

static void test_imap_pipelined_refused(void **state)
{
    (void)state;
    /* Pipelined, lower case; the other tag's OK is not the answer. */
    const struct ev ev[] = {
        { 1, S("* OK IMAP4rev1 Service Ready\r\n") },
        { 0, S("a001 capability\r\na002 starttls\r\n") },
        { 1, S("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na001 OK CAPABILITY completed\r\n") },
        { 1, S("a002 ok Begin TLS negotiation now\r\n") },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(ev, 143, { STARTTLS_UPGRADED, STARTTLS_PROTO_IMAP, B(CH), B(SH), "a002 ok Begin TLS negotiation now\r\n" });

    const struct ev no[] = {
        { 1, S("* OK ready\r\n") },
        { 0, S("A1 STARTTLS\r\n") },
        { 1, S("* BYE not today\r\nA1 NO [UNAVAILABLE] TLS unavailable\r\n") },
    };
    CHECK(no, 143, { STARTTLS_REFUSED, STARTTLS_PROTO_IMAP, NULL, 0, NULL, 0, "A1 NO [UNAVAILABLE] TLS unavailable\r\n" });
    const struct ev bad[] = {
        { 1, S("* PREAUTH logged in\r\n") },
        { 0, S("x STARTTLS\r\n") },
        { 1, S("x BAD STARTTLS not allowed now\r\n") },
    };
    CHECK(bad, 143, { STARTTLS_REFUSED, STARTTLS_PROTO_IMAP, NULL, 0, NULL, 0, "x BAD STARTTLS not allowed now\r\n" });
}

/* RFC 3501 4.3: a literal's bytes are not lines; one that looks like the
 * tagged answer must not be taken for it. */
static void test_imap_literal(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("* OK ready\r\n") },
        { 0, S("t1 STARTTLS\r\n") },
        { 1, S("* ID (\"name\" {22}\r\nt1 NO fake literal\r\n)\r\n") },
        { 1, S("t1 OK go\r\n") },
        { 0, B(CH) },
    };
    CHECK(ev, 143, { STARTTLS_UPGRADED, STARTTLS_PROTO_IMAP, B(CH), NULL, 0, "t1 OK go\r\n" });
}

/* ---- POP3 (RFC 2595 4) ---- */

static const uint8_t pop3_ch[] = { 0x16, 0x03, 0x01, 0x00, 0xa3, 0x01, 0x00, 0x00, 0x9f, 0x03,
                                   0x01, 0x50, 0x3b, 0xce, 0xee, 0xa5, 0xa7, 0x2b, 0xf7, 0x76 };
static const uint8_t pop3_sh[] = { 0x16, 0x03, 0x01, 0x00, 0x35, 0x02, 0x00, 0x00, 0x31, 0x03,
                                   0x01, 0x50, 0x3b, 0xce, 0xee, 0x2b, 0xbf, 0xf0, 0xfb, 0x0d };

/* ndpi_pop3_stls.pcap: AUTH refused, CAPA with its "." block, STLS. */
static void test_pop3_real(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("+OK lavad\r\n") },
        { 0, S("AUTH\r\n") },
        { 1, S("-ERR Unrecognized command.\r\n") },
        { 0, S("CAPA\r\n") },
        { 1, S("+OK Capabilities follow.\r\nTOP\r\nUSER\r\nUIDL\r\nSTLS\r\nPIPELINING\r\nEXPIRE NEVER\r\nLOGIN-DELAY "
               "0\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nIMPLEMENTATION lavad 4.3.0\r\n.\r\n") },
        { 0, S("STLS\r\n") },
        { 1, S("+OK Ready to start TLS negotiation.\r\n") },
        { 0, B(pop3_ch) },
        { 1, B(pop3_sh) },
    };
    CHECK(ev, 110, { STARTTLS_UPGRADED, STARTTLS_PROTO_POP3, B(pop3_ch), B(pop3_sh), "+OK Ready to start TLS negotiation.\r\n" });
}

static void test_pop3_refused_and_blocks(void **state)
{
    (void)state;
    /* Pipelined (RFC 2449): the CAPA block holds lines that look like
     * answers; only the STLS answer decides. */
    const struct ev ev[] = {
        { 1, S("+OK POP3 ready\r\n") },
        { 0, S("capa\r\nstls\r\n") },
        { 1, S("+OK\r\n+OK-looking line\r\n-ERR looking line\r\n.\r\n-ERR TLS not available\r\n") },
    };
    CHECK(ev, 110, { STARTTLS_REFUSED, STARTTLS_PROTO_POP3, NULL, 0, NULL, 0, "-ERR TLS not available\r\n" });
}

/* ---- FTP (RFC 4217) ---- */

static const uint8_t ftp_ch[] = { 0x16, 0x03, 0x03, 0x00, 0x91, 0x01, 0x00, 0x00, 0x8d, 0x03,
                                  0x03, 0x52, 0x71, 0x02, 0xec, 0xdf, 0xee, 0x9d, 0xc1, 0x44 };
static const uint8_t ftp_sh[] = { 0x16, 0x03, 0x01, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03,
                                  0x01, 0x52, 0x70, 0xca, 0xad, 0x21, 0xe0, 0xb0, 0x5e, 0xde };

/* ndpi_ftp-start-tls.pcap: AUTH TLS straight after the greeting. */
static void test_ftp_real(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("220 \"Authorized users only. All activity may be monitored and reported\"\r\n") },
        { 0, S("AUTH TLS\r\n") },
        { 1, S("234 Proceed with negotiation.\r\n") },
        { 0, B(ftp_ch) },
        { 1, B(ftp_sh) },
    };
    CHECK(ev, 21, { STARTTLS_UPGRADED, STARTTLS_PROTO_FTP, B(ftp_ch), B(ftp_sh), "234 Proceed with negotiation.\r\n" });
    /* On port 25 the "220" greeting first looks like SMTP; AUTH TLS says FTP. */
    CHECK(ev, 25, { STARTTLS_UPGRADED, STARTTLS_PROTO_FTP, B(ftp_ch), B(ftp_sh), NULL });
}

static void test_ftp_multiline_refused(void **state)
{
    (void)state;
    /* RFC 959 4.2: multi-line greeting whose middle lines hold anything. */
    const struct ev ev[] = {
        { 1, S("120 ready in 1 minute\r\n220-Welcome\r\n  220 is not the end\r\n220 ProFTPD Server\r\n") },
        { 0, S("feat\r\n") },
        { 1, S("211-Features:\r\n AUTH TLS\r\n PBSZ\r\n211 End\r\n") },
        { 0, S("auth tls\r\n") },
        { 1, S("534 Policy requires SSL.\r\n") },
    };
    CHECK(ev, 2121, { STARTTLS_REFUSED, STARTTLS_PROTO_FTP, NULL, 0, NULL, 0, "534 Policy requires SSL.\r\n" });

    /* USER first: FTP, not SMTP, whatever the port; AUTH SSL answered 334. */
    const struct ev ssl[] = {
        { 1, S("220 FTP server ready\r\n") },
        { 0, S("USER anonymous\r\n") },
        { 1, S("331 Password required\r\n") },
        { 0, S("AUTH SSL\r\n") },
        { 1, S("334 SSLv23/TLSv1\r\n") },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(ssl, 25, { STARTTLS_UPGRADED, STARTTLS_PROTO_FTP, B(CH), B(SH), "334 SSLv23/TLSv1\r\n" });
}

/* ---- NNTP (RFC 4642) ---- */

static void test_nntp(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("200 news.example.com InterNetNews server INN 2.6.4 ready (posting ok)\r\n") },
        { 0, S("CAPABILITIES\r\n") },
        { 1, S("101 Capability list:\r\nVERSION 2\r\nREADER\r\nSTARTTLS\r\n382 not an answer\r\n.\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 1, S("382 Continue with TLS negotiation\r\n") },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(ev, 119, { STARTTLS_UPGRADED, STARTTLS_PROTO_NNTP, B(CH), B(SH), "382 Continue with TLS negotiation\r\n" });
    const struct ev no[] = {
        { 1, S("201 news.example.com ready (no posting)\r\n") },
        { 0, S("starttls\r\n") },
        { 1, S("580 Can not initiate TLS negotiation\r\n") },
    };
    CHECK(no, 119, { STARTTLS_REFUSED, STARTTLS_PROTO_NNTP, NULL, 0, NULL, 0, "580 Can not initiate TLS negotiation\r\n" });
}

/* ---- ManageSieve (RFC 5804 2.2, example of 1.7) ---- */

static void test_managesieve(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, S("\"IMPLEMENTATION\" \"Example1 ManageSieved v001\"\r\n\"SASL\" \"DIGEST-MD5 GSSAPI\"\r\n"
               "\"SIEVE\" \"fileinto vacation\"\r\n\"STARTTLS\"\r\n\"VERSION\" \"1.0\"\r\nOK\r\n") },
        { 0, S("StartTls\r\n") },
        { 1, S("OK \"Begin TLS negotiation now\"\r\n") },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(ev, 4190, { STARTTLS_UPGRADED, STARTTLS_PROTO_MANAGESIEVE, B(CH), B(SH), "OK \"Begin TLS negotiation now\"\r\n" });
    const struct ev no[] = {
        { 1, S("\"IMPLEMENTATION\" \"x\"\r\n\"STARTTLS\"\r\nOK\r\n") },
        { 0, S("CAPABILITY\r\nSTARTTLS\r\n") },
        { 1, S("\"IMPLEMENTATION\" \"x\"\r\nOK\r\n") },
        { 1, S("NO \"TLS not available\"\r\n") },
    };
    CHECK(no, 4190, { STARTTLS_REFUSED, STARTTLS_PROTO_MANAGESIEVE, NULL, 0, NULL, 0, "NO \"TLS not available\"\r\n" });
    /* A quoted first line that is no capability is not ManageSieve. */
    const struct ev other[] = {
        { 1, S("\"hello\" world\r\n") },
    };
    CHECK(other, 4190, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_MANAGESIEVE, NULL, 0, NULL, 0, "" });
}

/* ---- XMPP (RFC 6120 5.4, examples of 9.1) ---- */

#define XMPP_CLIENT_OPEN                                                                                        \
    "<?xml version='1.0'?><stream:stream from='juliet@im.example.com' to='im.example.com' version='1.0' "    \
    "xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
#define XMPP_SERVER_OPEN                                                                                        \
    "<?xml version='1.0'?><stream:stream from='im.example.com' id='t7AMCin9zjMNwQKDnplntZPIDEI=' "           \
    "to='juliet@im.example.com' version='1.0' xml:lang='en' xmlns='jabber:client' "                          \
    "xmlns:stream='http://etherx.jabber.org/streams'>"

static void test_xmpp(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 0, S(XMPP_CLIENT_OPEN) },
        { 1, S(XMPP_SERVER_OPEN) },
        { 1, S("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
               "</stream:features>") },
        { 0, S("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") },
        { 1, S("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(ev, 5222, { STARTTLS_UPGRADED, STARTTLS_PROTO_XMPP, B(CH), B(SH), "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" });

    /* <proceed></proceed> written out, whitespace between elements. */
    const struct ev open_close[] = {
        { 0, S("<stream:stream to='example.com' xmlns='jabber:client' version='1.0'>\n") },
        { 1, S("<stream:stream from='example.com' id='x' version='1.0'>\n<stream:features>\n  <starttls "
               "xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\n</stream:features>\n") },
        { 0, S("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'></starttls>") },
        { 1, S("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'></proceed>") },
        { 1, B(SH) },
        { 0, B(CH) },
    };
    CHECK(open_close, 5222, { STARTTLS_UPGRADED, STARTTLS_PROTO_XMPP, B(CH), B(SH), NULL });

    /* <proceed> not closed before the ServerHello: its record header decides. */
    const struct ev unclosed[] = {
        { 0, S("<stream:stream to='example.com' version='1.0'>") },
        { 1, S("<stream:stream from='example.com' version='1.0'>") },
        { 0, S("<tls:starttls xmlns:tls='urn:ietf:params:xml:ns:xmpp-tls'/>") },
        { 1, S("<tls:proceed xmlns:tls='urn:ietf:params:xml:ns:xmpp-tls'>") },
        { 1, B(SH) },
        { 0, B(CH) },
    };
    CHECK(unclosed, 5222, { STARTTLS_UPGRADED, STARTTLS_PROTO_XMPP, B(CH), B(SH), NULL });

    const struct ev failure[] = {
        { 0, S(XMPP_CLIENT_OPEN) },
        { 1, S(XMPP_SERVER_OPEN "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                                "</stream:features>") },
        { 0, S("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") },
        { 1, S("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>") },
    };
    CHECK(failure, 5222, { STARTTLS_REFUSED, STARTTLS_PROTO_XMPP, NULL, 0, NULL, 0,
                           "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" });

    /* Other XML is not XMPP. */
    const struct ev html[] = {
        { 0, S("<html><body>") },
    };
    CHECK(html, 5222, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_XMPP, NULL, 0, NULL, 0, "" });
}

/* ---- LDAP (RFC 4511 4.14.1, RFC 4513 3) ---- */

static const uint8_t ldap_starttls_req[] = {
    0x30, 0x1d,                   /* LDAPMessage SEQUENCE, 29 bytes */
    0x02, 0x01, 0x02,             /* messageID 2 */
    0x77, 0x18,                   /* [APPLICATION 23] ExtendedRequest, 24 bytes */
    0x80, 0x16,                   /* requestName [0], 22 bytes */
    '1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.', '1', '4', '6', '6', '.', '2', '0', '0', '3', '7',
};
static const uint8_t ldap_starttls_ok[] = {
    0x30, 0x24,             /* LDAPMessage, 36 bytes */
    0x02, 0x01, 0x02,       /* messageID 2 */
    0x78, 0x1f,             /* [APPLICATION 24] ExtendedResponse, 31 bytes */
    0x0a, 0x01, 0x00,       /* resultCode success */
    0x04, 0x00,             /* matchedDN "" */
    0x04, 0x00,             /* diagnosticMessage "" */
    0x8a, 0x16,             /* responseName [10] */
    '1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.', '1', '4', '6', '6', '.', '2', '0', '0', '3', '7',
};
/* A RootDSE search first (what clients do to read supportedExtension). */
static const uint8_t ldap_search_req[] = {
    0x30, 0x25, 0x02, 0x01, 0x01,             /* LDAPMessage, messageID 1 */
    0x63, 0x20,                               /* [APPLICATION 3] SearchRequest */
    0x04, 0x00,                               /* baseObject "" */
    0x0a, 0x01, 0x00,                         /* scope baseObject */
    0x0a, 0x01, 0x00,                         /* derefAliases never */
    0x02, 0x01, 0x00, 0x02, 0x01, 0x00,       /* sizeLimit, timeLimit */
    0x01, 0x01, 0x00,                         /* typesOnly FALSE */
    0x87, 0x0b, 'o', 'b', 'j', 'e', 'c', 't', 'c', 'l', 'a', 's', 's', /* present filter */
    0x30, 0x00,                               /* attributes */
};
static const uint8_t ldap_search_done[] = {
    0x30, 0x0c, 0x02, 0x01, 0x01, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
};

static void test_ldap(void **state)
{
    (void)state;
    /* A SearchResultEntry longer than the unit buffer (long-form lengths). */
    static uint8_t entry[4 + 3 + 4 + 4 + 300];
    uint8_t *e = entry;
    *e++ = 0x30; *e++ = 0x82; *e++ = 0x01; *e++ = 0x37; /* 311 bytes follow */
    *e++ = 0x02; *e++ = 0x01; *e++ = 0x01;             /* messageID 1 */
    *e++ = 0x64; *e++ = 0x82; *e++ = 0x01; *e++ = 0x30; /* SearchResultEntry, 304 bytes */
    *e++ = 0x04; *e++ = 0x82; *e++ = 0x01; *e++ = 0x2c; /* objectName, 300 bytes */
    memset(e, 'd', 300);
    const struct ev ev[] = {
        { 0, B(ldap_search_req) },
        { 1, B(entry) },
        { 1, B(ldap_search_done) },
        { 0, B(ldap_starttls_req) },
        { 1, B(ldap_starttls_ok) },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(ev, 389, { STARTTLS_UPGRADED, STARTTLS_PROTO_LDAP, B(CH), B(SH), "" });
}

static void test_ldap_refused(void **state)
{
    (void)state;
    static const uint8_t req_long_form[] = {
        0x30, 0x81, 0x1d, /* the same request with a long-form length */
        0x02, 0x01, 0x07, 0x77, 0x18, 0x80, 0x16,
        '1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.', '1', '4', '6', '6', '.', '2', '0', '0', '3', '7',
    };
    static const uint8_t unavailable[] = {
        0x30, 0x1b, 0x02, 0x01, 0x07, /* messageID 7 */
        0x78, 0x16,
        0x0a, 0x01, 0x34,             /* resultCode 52 unavailable */
        0x04, 0x00,                   /* matchedDN */
        0x04, 0x0f, 'n', 'o', ' ', 'c', 'e', 'r', 't', 'i', 'f', 'i', 'c', 'a', 't', 'e', '!',
    };
    const struct ev ev[] = {
        { 0, B(req_long_form) },
        { 1, B(unavailable) },
    };
    CHECK(ev, 389, { STARTTLS_REFUSED, STARTTLS_PROTO_LDAP, NULL, 0, NULL, 0,
                     "LDAP resultCode 52 unavailable: no certificate!" });

    /* An inner length that lies (OID longer than its element): not a StartTLS,
     * so the answer is not taken, and the ClientHello is no LDAPMessage. */
    static const uint8_t lying[] = {
        0x30, 0x1d, 0x02, 0x01, 0x02, 0x77, 0x18, 0x80, 0x17,
        '1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.', '1', '4', '6', '6', '.', '2', '0', '0', '3', '7',
    };
    const struct ev lie[] = {
        { 0, B(lying) },
        { 1, B(ldap_starttls_ok) },
        { 0, B(CH) },
    };
    CHECK(lie, 389, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_LDAP, NULL, 0, NULL, 0, "" });

    /* BER that is no LDAPMessage (INTEGER, then no APPLICATION tag). */
    static const uint8_t not_ldap[] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x41 };
    const struct ev other[] = {
        { 0, B(not_ldap) },
    };
    CHECK(other, 389, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_LDAP, NULL, 0, NULL, 0, "" });
}

/* ---- PostgreSQL ---- */

static const uint8_t pg_ssl_request[] = { 0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f };
static const uint8_t pg_gss_request[] = { 0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x30 };
static const uint8_t pg_ch[] = { 0x16, 0x03, 0x01, 0x01, 0x1c, 0x01, 0x00, 0x01, 0x18, 0x03,
                                 0x03, 0xe4, 0xa1, 0x20, 0x56, 0x3b, 0xc6, 0xd0, 0x6d, 0xa5 };
static const uint8_t pg_sh[] = { 0x16, 0x03, 0x03, 0x00, 0x58, 0x02, 0x00, 0x00, 0x54, 0x03,
                                 0x03, 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe };

static void test_postgresql(void **state)
{
    (void)state;
    /* ndpi_pgsql2.pcapng */
    const struct ev ev[] = {
        { 0, B(pg_ssl_request) },
        { 1, S("S") },
        { 0, B(pg_ch) },
        { 1, B(pg_sh) },
    };
    CHECK(ev, 5432, { STARTTLS_UPGRADED, STARTTLS_PROTO_POSTGRESQL, B(pg_ch), B(pg_sh), "" });
    /* ndpi_pgsql.pcap: SSL refused with 'N', the client goes on in clear. */
    static const uint8_t startup[] = { 0x00, 0x00, 0x00, 0x10, 0x00, 0x03, 0x00, 0x00,
                                       'u',  's',  'e',  'r',  0x00, 'x',  0x00, 0x00 };
    const struct ev refused[] = {
        { 0, B(pg_ssl_request) },
        { 1, S("N") },
        { 0, B(startup) },
    };
    CHECK(refused, 5432, { STARTTLS_REFUSED, STARTTLS_PROTO_POSTGRESQL, NULL, 0, NULL, 0, "N" });
    /* GSSENCRequest refused, then SSLRequest accepted (libpq's order). */
    const struct ev gss[] = {
        { 0, B(pg_gss_request) },
        { 1, S("N") },
        { 0, B(pg_ssl_request) },
        { 1, S("S") },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(gss, 5432, { STARTTLS_UPGRADED, STARTTLS_PROTO_POSTGRESQL, B(CH), B(SH), "" });
    /* A server too old for SSLRequest answers with an ErrorResponse. */
    static const uint8_t error[] = { 'E', 0x00, 0x00, 0x00, 0x15, 'S', 'F', 'A', 'T', 'A', 'L', 0x00,
                                     'M', 'n', 'o', ' ', 'S', 'S', 'L', '!', 0x00, 0x00 };
    const struct ev old[] = {
        { 0, B(pg_ssl_request) },
        { 1, B(error) },
    };
    CHECK(old, 5432, { STARTTLS_REFUSED, STARTTLS_PROTO_POSTGRESQL, NULL, 0, NULL, 0, NULL });
    struct result r;
    run(old, 2, 5432, &r);
    assert_int_equal(r.reply_len, 17);
    assert_memory_equal(r.reply, "SFATAL\0Mno SSL!\0\0", 17);
    /* ndpi_pgsql.pcap: GSSAPI encryption accepted ('G') is not TLS. */
    const struct ev gss_ok[] = {
        { 0, B(pg_gss_request) },
        { 1, S("G") },
    };
    CHECK(gss_ok, 5432, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_POSTGRESQL, NULL, 0, NULL, 0, "" });
    /* ndpi_pgsql.pcap: a plain StartupMessage. */
    const struct ev plain[] = {
        { 0, B(startup) },
    };
    CHECK(plain, 5432, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_NONE, NULL, 0, NULL, 0, "" });
}

/* ---- MySQL ---- */

/* ndpi_mysql.pcapng, second connection: MySQL 8.0.36. */
static const uint8_t mysql_greeting[] = {
    0x4a, 0x00, 0x00, 0x00, /* payload 74 bytes, sequence 0 */
    0x0a,                   /* protocol version 10 */
    '8', '.', '0', '.', '3', '6', 0x00, 0x0c, 0x00, 0x00, 0x00, 0x31, 0x74, 0x75, 0x67, 0x78, 0x5f, 0x23,
    0x56, 0x00, 0xff, 0xff, 0xff, 0x02, 0x00, 0xff, 0xdf, 0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x70, 0x22, 0x3e, 0x34, 0x6d, 0x0f, 0x36, 0x7c, 0x31, 0x22, 0x6a, 0x7c, 0x00, 'c',
    'a',  'c',  'h',  'i',  'n',  'g',  '_',  's',  'h',  'a',  '2',  '_',  'p',  'a',  's',  's',  'w',
    'o',  'r',  'd',  0x00,
};
static const uint8_t mysql_ssl_request[] = {
    0x20, 0x00, 0x00, 0x01, /* payload 32 bytes, sequence 1 */
    0x85, 0xae, 0xff, 0x19, /* capabilities: CLIENT_PROTOCOL_41 | CLIENT_SSL | ... */
    0x00, 0x00, 0x00, 0x01, /* max packet size */
    0xff,                   /* character set */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* filler */
};
static const uint8_t mysql_ch[] = { 0x16, 0x03, 0x01, 0x01, 0x3d, 0x01, 0x00, 0x01, 0x39, 0x03,
                                    0x03, 0x5c, 0x11, 0x5a, 0x81, 0x48, 0x6b, 0x48, 0xca, 0x59 };
static const uint8_t mysql_sh[] = { 0x16, 0x03, 0x03, 0x00, 0x9b, 0x02, 0x00, 0x00, 0x97, 0x03,
                                    0x03, 0x54, 0xb7, 0x80, 0xa2, 0x96, 0xdf, 0x5e, 0x15, 0x0c };

static void test_mysql(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 1, B(mysql_greeting) },
        { 0, B(mysql_ssl_request) },
        { 0, B(mysql_ch) },
        { 1, B(mysql_sh) },
    };
    CHECK(ev, 3306, { STARTTLS_UPGRADED, STARTTLS_PROTO_MYSQL, B(mysql_ch), B(mysql_sh), "" });

    /* The SSL Request and the ClientHello in one segment: handed over in place. */
    uint8_t both[sizeof mysql_ssl_request + sizeof mysql_ch];
    memcpy(both, mysql_ssl_request, sizeof mysql_ssl_request);
    memcpy(both + sizeof mysql_ssl_request, mysql_ch, sizeof mysql_ch);
    struct starttls st;
    struct result r;
    memset(&r, 0, sizeof r);
    starttls_init(&st, 3306);
    starttls_feed(&st, 1, span_make(mysql_greeting, sizeof mysql_greeting), collect, &r);
    starttls_feed(&st, 0, span_make(both, sizeof both), collect, &r);
    assert_int_equal(starttls_verdict(&st), STARTTLS_UPGRADED);
    assert_true(starttls_dir_is_tls(&st, 0));
    assert_true(starttls_dir_is_tls(&st, 1));
    assert_ptr_equal(r.first[0], both + sizeof mysql_ssl_request);
    assert_int_equal(r.tls_n[0], sizeof mysql_ch);

    /* ndpi_mysql.pcapng, first connection: a cleartext login (MariaDB). */
    static const uint8_t maria_greeting_start[] = { 0x6a, 0x00, 0x00, 0x00, 0x0a, '5', '.', '5', '.', '5', 0x00 };
    static const uint8_t login_start[] = { 0xd6, 0x00, 0x00, 0x01, 0x84, 0xa6, 0xff, 0x20 };
    uint8_t maria[4 + 0x6a];
    uint8_t login[4 + 0xd6];
    memset(maria, 0, sizeof maria);
    memset(login, 0, sizeof login);
    memcpy(maria, maria_greeting_start, sizeof maria_greeting_start);
    memcpy(login, login_start, sizeof login_start);
    const struct ev plain[] = {
        { 1, B(maria) },
        { 0, B(login) },
    };
    CHECK(plain, 3306, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_MYSQL, NULL, 0, NULL, 0, "" });
}

/* ---- TDS (MS-TDS 2.2.6.5, 3.2.5.1) ---- */

static const uint8_t tds_client_prelogin[] = {
    0x12, 0x01, 0x00, 0x2f, 0x00, 0x00, 0x01, 0x00, /* PRELOGIN, EOM, length 47 */
    0x00, 0x00, 0x1a, 0x00, 0x06,                   /* VERSION at 26, 6 bytes */
    0x01, 0x00, 0x20, 0x00, 0x01,                   /* ENCRYPTION at 32, 1 byte */
    0x02, 0x00, 0x21, 0x00, 0x01,                   /* INSTOPT */
    0x03, 0x00, 0x22, 0x00, 0x04,                   /* THREADID */
    0x04, 0x00, 0x26, 0x00, 0x01,                   /* MARS */
    0xff,                                           /* terminator */
    0x0e, 0x00, 0x0b, 0xb8, 0x00, 0x00,             /* version */
    0x01,                                           /* ENCRYPT_ON */
    0x00,                                           /* instance "" */
    0x00, 0x00, 0x00, 0x00,                         /* thread id */
    0x00,                                           /* MARS off */
};
static const uint8_t tds_server_prelogin_off[] = {
    0x04, 0x01, 0x00, 0x25, 0x00, 0x00, 0x01, 0x00, /* tabular result, EOM, length 37 */
    0x00, 0x00, 0x15, 0x00, 0x06,                   /* VERSION at 21 */
    0x01, 0x00, 0x1b, 0x00, 0x01,                   /* ENCRYPTION at 27 */
    0x02, 0x00, 0x1c, 0x00, 0x01,                   /* INSTOPT */
    0x03, 0x00, 0x1d, 0x00, 0x00,                   /* THREADID, empty */
    0xff,
    0x0f, 0x00, 0x07, 0xd0, 0x00, 0x00,
    0x00, /* ENCRYPT_OFF: the login is still encrypted, so TLS follows */
    0x00,
};
/* A 30-byte ClientHello record, carried in two PRELOGIN packets (16 + 14). */
static const uint8_t tds_ch[30] = { 0x16, 0x03, 0x01, 0x00, 0x19, 0x01, 0x00, 0x00, 0x15, 0x03,
                                    0x03, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
                                    0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22 };
static const uint8_t tds_sh[20] = { 0x16, 0x03, 0x03, 0x00, 0x0f, 0x02, 0x00, 0x00, 0x0b, 0x03,
                                    0x03, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
/* After the handshake: raw records, no TDS header. */
static const uint8_t tds_raw[10] = { 0x17, 0x03, 0x03, 0x00, 0x05, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };

static void test_tds(void **state)
{
    (void)state;
    uint8_t pkt1[8 + 16], pkt2[8 + 14], spkt[8 + 20];
    static const uint8_t h1[8] = { 0x12, 0x00, 0x00, 0x18, 0x00, 0x00, 0x01, 0x00 }; /* not EOM */
    static const uint8_t h2[8] = { 0x12, 0x01, 0x00, 0x16, 0x00, 0x00, 0x02, 0x00 };
    static const uint8_t hs[8] = { 0x12, 0x01, 0x00, 0x1c, 0x00, 0x00, 0x01, 0x00 };
    memcpy(pkt1, h1, 8);
    memcpy(pkt1 + 8, tds_ch, 16);
    memcpy(pkt2, h2, 8);
    memcpy(pkt2 + 8, tds_ch + 16, 14);
    memcpy(spkt, hs, 8);
    memcpy(spkt + 8, tds_sh, 20);
    uint8_t want0[sizeof tds_ch + sizeof tds_raw];
    memcpy(want0, tds_ch, sizeof tds_ch);
    memcpy(want0 + sizeof tds_ch, tds_raw, sizeof tds_raw);
    const struct ev ev[] = {
        { 0, B(tds_client_prelogin) },
        { 1, B(tds_server_prelogin_off) },
        { 0, B(pkt1) },
        { 0, B(pkt2) },
        { 1, B(spkt) },
        { 0, B(tds_raw) },
    };
    CHECK(ev, 1433, { STARTTLS_UPGRADED, STARTTLS_PROTO_TDS, B(want0), B(tds_sh), "" });

    /* While unwrapping, the direction is not raw TLS: the caller keeps feeding. */
    struct starttls st;
    struct result r;
    memset(&r, 0, sizeof r);
    starttls_init(&st, 1433);
    for (size_t i = 0; i < 5; i++)
        feed_piece(&st, ev[i].dir, ev[i].p, ev[i].n, &r);
    assert_false(starttls_dir_is_tls(&st, 0));
    assert_false(starttls_dir_is_tls(&st, 1));
    assert_int_equal(r.tls_n[0], sizeof tds_ch);
    assert_memory_equal(r.tls[0], tds_ch, sizeof tds_ch);
    assert_ptr_equal(r.first[0], pkt1 + 8); /* payload handed over in place */
    feed_piece(&st, 0, B(tds_raw), &r);
    assert_true(starttls_dir_is_tls(&st, 0));
}

static void test_tds_refused(void **state)
{
    (void)state;
    uint8_t not_sup[sizeof tds_server_prelogin_off];
    memcpy(not_sup, tds_server_prelogin_off, sizeof not_sup);
    not_sup[35] = 0x02; /* ENCRYPT_NOT_SUP */
    const struct ev ev[] = {
        { 0, B(tds_client_prelogin) },
        { 1, B(not_sup) },
    };
    CHECK(ev, 1433, { STARTTLS_REFUSED, STARTTLS_PROTO_TDS, NULL, 0, NULL, 0, "TDS PRELOGIN ENCRYPTION ENCRYPT_NOT_SUP" });

    /* ndpi_mssql_tds.pcap starts mid-connection with an SQL batch (type 1). */
    static const uint8_t batch[] = { 0x01, 0x01, 0x00, 0x2c, 0x00, 0x00, 0x01, 0x00, 0x43, 0x00, 0x4f, 0x00 };
    const struct ev mid[] = {
        { 0, B(batch) },
    };
    CHECK(mid, 1433, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_NONE, NULL, 0, NULL, 0, "" });

    /* A PRELOGIN whose length lies (below the header size). */
    static const uint8_t short_len[] = { 0x12, 0x01, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0xff };
    const struct ev lie[] = {
        { 0, B(short_len) },
    };
    CHECK(lie, 1433, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_TDS, NULL, 0, NULL, 0, "" });
}

/* ---- RDP (MS-RDPBCGR 2.2.1.1, 2.2.1.2) ---- */

/* ndpi_rdp_over_tls.pcap */
static const uint8_t rdp_cr[] = {
    0x03, 0x00, 0x00, 0x2f,                   /* TPKT, 47 bytes */
    0x2a, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, /* X.224 CR, LI 42 */
    'C', 'o', 'o', 'k', 'i', 'e', ':', ' ', 'm', 's', 't', 's', 'h', 'a', 's', 'h', '=',
    'W', 'D', 'e', 'p', 'l', 'o', 'y', 'A', 'd', '\r', '\n',
    0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, /* RDP_NEG_REQ: SSL | HYBRID */
};
static const uint8_t rdp_cc[] = {
    0x03, 0x00, 0x00, 0x13,                   /* TPKT, 19 bytes */
    0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, /* X.224 CC, LI 14 */
    0x02, 0x1f, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, /* RDP_NEG_RSP: HYBRID */
};
static const uint8_t rdp_ch[] = { 0x16, 0x03, 0x03, 0x00, 0x9c, 0x01, 0x00, 0x00, 0x98, 0x03,
                                  0x03, 0x67, 0x12, 0xbc, 0xc5, 0x7d, 0xd0, 0x1b, 0x4b, 0xfc };
static const uint8_t rdp_sh[] = { 0x16, 0x03, 0x03, 0x04, 0xa8, 0x02, 0x00, 0x00, 0x51, 0x03,
                                  0x03, 0x67, 0x12, 0xbc, 0xc5, 0x96, 0x91, 0x8c, 0xb3, 0xc7 };

static void test_rdp(void **state)
{
    (void)state;
    const struct ev ev[] = {
        { 0, B(rdp_cr) },
        { 1, B(rdp_cc) },
        { 0, B(rdp_ch) },
        { 1, B(rdp_sh) },
    };
    CHECK(ev, 3389, { STARTTLS_UPGRADED, STARTTLS_PROTO_RDP, B(rdp_ch), B(rdp_sh), "" });

    static const uint8_t failure[] = {
        0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
        0x03, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, /* RDP_NEG_FAILURE: SSL_NOT_ALLOWED_BY_SERVER */
    };
    const struct ev refused[] = {
        { 0, B(rdp_cr) },
        { 1, B(failure) },
    };
    CHECK(refused, 3389, { STARTTLS_REFUSED, STARTTLS_PROTO_RDP, NULL, 0, NULL, 0,
                           "RDP_NEG_FAILURE 0x00000002 SSL_NOT_ALLOWED_BY_SERVER" });

    static const uint8_t standard[] = {
        0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
        0x02, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, /* RDP_NEG_RSP: PROTOCOL_RDP */
    };
    const struct ev rdp_security[] = {
        { 0, B(rdp_cr) },
        { 1, B(standard) },
    };
    CHECK(rdp_security, 3389, { STARTTLS_REFUSED, STARTTLS_PROTO_RDP, NULL, 0, NULL, 0, "RDP_NEG_RSP PROTOCOL_RDP" });

    /* A TPKT length that lies (shorter than the X.224 header). */
    static const uint8_t lie[] = { 0x03, 0x00, 0x00, 0x06, 0x02, 0xf0 };
    const struct ev bad[] = {
        { 0, B(lie) },
    };
    CHECK(bad, 3389, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_RDP, NULL, 0, NULL, 0, "" });
}

/* ---- HTTP CONNECT (RFC 9110 9.3.6) ---- */

static const uint8_t connect_ch[] = { 0x16, 0x03, 0x01, 0x01, 0x1c, 0x01, 0x00, 0x01, 0x18, 0x03,
                                      0x03, 0xa3, 0x07, 0x38, 0x73, 0xf4, 0x29, 0xef, 0x8a, 0xd6 };
static const uint8_t connect_sh[] = { 0x16, 0x03, 0x03, 0x00, 0x35, 0x02, 0x00, 0x00, 0x31, 0x03,
                                      0x03, 0xe0, 0xe0, 0x1a, 0x62, 0xd6, 0xc5, 0xc4, 0xa0, 0x6b };

static void test_http_connect(void **state)
{
    (void)state;
    /* ja4_https-connect.pcap */
    const struct ev ev[] = {
        { 0, S("CONNECT ts01-b.cloudsink.net:443 HTTP/1.0\r\nUser-Agent: CrowdStrike Falcon Sensor\r\n\r\n") },
        { 1, S("HTTP/1.0 200 OK\r\nDate: Mon, 02 Sep 2019 18:56:53 GMT\r\nVia: http/1.1 proxies.xxxxxxxxx.xxxxx.com "
               "(XXXXXXXXXXXXXXXXXXX)\r\nServer: XXX\r\n\r\n") },
        { 0, B(connect_ch) },
        { 1, B(connect_sh) },
    };
    CHECK(ev, 8080, { STARTTLS_UPGRADED, STARTTLS_PROTO_HTTP_CONNECT, B(connect_ch), B(connect_sh), NULL });

    const struct ev refused[] = {
        { 0, S("connect example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n") },
        { 1, S("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\n") },
    };
    CHECK(refused, 3128, { STARTTLS_REFUSED, STARTTLS_PROTO_HTTP_CONNECT, NULL, 0, NULL, 0,
                           "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\n" });

    /* The ClientHello right behind the request, before the 200 arrives. */
    const struct ev eager[] = {
        { 0, S("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01\x00\x02\x01\x00") },
        { 1, S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Connection established\r\n\r\n") },
        { 1, B(SH) },
    };
    CHECK(eager, 3128, { STARTTLS_UPGRADED, STARTTLS_PROTO_HTTP_CONNECT, S("\x16\x03\x01\x00\x02\x01\x00"), B(SH),
                         "HTTP/1.1 200 Connection established\r\n\r\n" });

    const struct ev get[] = {
        { 0, S("GET http://example.com/ HTTP/1.1\r\n\r\n") },
    };
    CHECK(get, 3128, { STARTTLS_NOT_STARTTLS, STARTTLS_PROTO_NONE, NULL, 0, NULL, 0, "" });
}

/* ---- IRC (IRCv3 "tls": STARTTLS, 670 RPL_STARTTLS, 691 ERR_STARTTLSFAIL) ---- */

static void test_irc(void **state)
{
    (void)state;
    /* What `openssl s_client -starttls irc` sends: STARTTLS at once, then it
     * waits for 670 or 691; the server's notices cross it on the wire. */
    const struct ev client_first[] = {
        { 0, S("STARTTLS\r\n") },
        { 1, S(":irc.example.net NOTICE * :*** Looking up your hostname...\r\n") },
        { 1, S(":irc.example.net 670 * :STARTTLS successful, proceed with TLS handshake\r\n") },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(client_first, 6667, { STARTTLS_UPGRADED, STARTTLS_PROTO_IRC, B(CH), B(SH),
                                ":irc.example.net 670 * :STARTTLS successful, proceed with TLS handshake\r\n" });

    /* The server's notice first, then capability negotiation (IRCv3 CAP). */
    const struct ev server_first[] = {
        { 1, S(":irc.example.net NOTICE * :*** Looking up your hostname...\r\n") },
        { 0, S("CAP LS 302\r\n") },
        { 1, S(":irc.example.net CAP * LS :multi-prefix sasl tls\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 1, S(":irc.example.net 670 * :STARTTLS successful, proceed with TLS handshake\r\n") },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(server_first, 6667, { STARTTLS_UPGRADED, STARTTLS_PROTO_IRC_NOTICE, B(CH), B(SH),
                                ":irc.example.net 670 * :STARTTLS successful, proceed with TLS handshake\r\n" });

    /* An old-style greeting without a prefix, and a refusal. */
    const struct ev failed[] = {
        { 1, S("NOTICE AUTH :*** Processing connection\r\n") },
        { 0, S("STARTTLS\r\n") },
        { 1, S(":irc.example.net 691 * :STARTTLS failed (Wrong moon phase)\r\n") },
    };
    CHECK(failed, 6667, { STARTTLS_REFUSED, STARTTLS_PROTO_IRC_NOTICE, NULL, 0, NULL, 0,
                          ":irc.example.net 691 * :STARTTLS failed (Wrong moon phase)\r\n" });

    /* A server without the extension (RFC 2812 5.2 ERR_UNKNOWNCOMMAND). */
    const struct ev unknown[] = {
        { 0, S("NICK alice\r\nUSER alice 0 * :Alice\r\nSTARTTLS\r\n") },
        { 1, S(":old.example.net 001 alice :Welcome\r\n:old.example.net 421 alice STARTTLS :Unknown command\r\n") },
    };
    CHECK(unknown, 6667, { STARTTLS_REFUSED, STARTTLS_PROTO_IRC, NULL, 0, NULL, 0,
                           ":old.example.net 421 alice STARTTLS :Unknown command\r\n" });

    /* The ClientHello right behind STARTTLS, before the 670 arrives. */
    const struct ev eager[] = {
        { 0, S("STARTTLS\r\n\x16\x03\x01\x00\x02\x01\x00") },
        { 1, S(":irc.example.net 670 alice :STARTTLS successful\r\n") },
        { 1, B(SH) },
    };
    CHECK(eager, 6667, { STARTTLS_UPGRADED, STARTTLS_PROTO_IRC, S("\x16\x03\x01\x00\x02\x01\x00"), B(SH),
                         ":irc.example.net 670 alice :STARTTLS successful\r\n" });

    /* A session that registers and chats in clear never upgrades. */
    const struct ev clear[] = {
        { 0, S("NICK alice\r\nUSER alice 0 * :Alice\r\n") },
        { 1, S(":irc.example.net 001 alice :Welcome to the network\r\n") },
        { 0, S("JOIN #tls\r\n") },
    };
    CHECK(clear, 6667, { STARTTLS_PENDING, STARTTLS_PROTO_IRC, NULL, 0, NULL, 0, "" });
}

/* ---- SOCKS ---- */

static void test_socks4(void **state)
{
    (void)state;
    /* ja4_socks4-https.pcap: SOCKS4a, host name after the user id. */
    static const uint8_t req4a[] = {
        0x04, 0x01, 0x01, 0xbb,             /* VN 4, CONNECT, port 443 */
        0x00, 0x00, 0x00, 0x01,             /* 0.0.0.1: SOCKS4a */
        'f', 'd', '7', 'b', 'c', 'f', '7', 'b', '5', 'c', '9', 'e', '1', 'd', 0x00,
        'l', 'o', 'g', 'i', 'n', '.', 'l', 'i', 'v', 'e', '.', 'c', 'o', 'm', 0x00,
    };
    static const uint8_t granted[] = { 0x00, 0x5a, 0x01, 0xbb, 0x83, 0xfd, 0x3d, 0x50 };
    const struct ev ev[] = {
        { 0, B(req4a) },
        { 1, B(granted) },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(ev, 9901, { STARTTLS_UPGRADED, STARTTLS_PROTO_SOCKS4, B(CH), B(SH), "" });

    /* socks-https-example.pcap: plain SOCKS4, empty user id. */
    static const uint8_t req4[] = { 0x04, 0x01, 0x01, 0xbb, 0x5d, 0xb8, 0xd8, 0x77, 0x00 };
    static const uint8_t granted2[] = { 0x00, 0x5a, 0x99, 0xb4, 0x0a, 0xb4, 0x9c, 0xf9 };
    static const uint8_t ch2[] = { 0x16, 0x03, 0x01, 0x00, 0x73, 0x01, 0x00, 0x00, 0x6f, 0x03, 0x01 };
    const struct ev ev2[] = {
        { 0, B(req4) },
        { 1, B(granted2) },
        { 0, B(ch2) },
    };
    CHECK(ev2, 1080, { STARTTLS_UPGRADED, STARTTLS_PROTO_SOCKS4, B(ch2), NULL, 0, "" });

    static const uint8_t rejected[] = { 0x00, 0x5b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
    const struct ev no[] = {
        { 0, B(req4) },
        { 1, B(rejected) },
    };
    CHECK(no, 1080, { STARTTLS_REFUSED, STARTTLS_PROTO_SOCKS4, NULL, 0, NULL, 0, "SOCKS4 request rejected 0x5b" });
}

static void test_socks5(void **state)
{
    (void)state;
    static const uint8_t greeting[] = { 0x05, 0x02, 0x00, 0x02 };     /* no auth, username/password */
    static const uint8_t choose_auth[] = { 0x05, 0x02 };
    static const uint8_t auth[] = { 0x01, 0x04, 'u', 's', 'e', 'r', 0x04, 'p', 'a', 's', 's' };
    static const uint8_t auth_ok[] = { 0x01, 0x00 };
    static const uint8_t request[] = { 0x05, 0x01, 0x00, 0x03, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l',
                                       'e', '.', 'c', 'o', 'm', 0x01, 0xbb };
    static const uint8_t reply_ok[] = { 0x05, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0x00 };
    const struct ev ev[] = {
        { 0, B(greeting) },
        { 1, B(choose_auth) },
        { 0, B(auth) },
        { 1, B(auth_ok) },
        { 0, B(request) },
        { 1, B(reply_ok) },
        { 0, B(CH) },
        { 1, B(SH) },
    };
    CHECK(ev, 1080, { STARTTLS_UPGRADED, STARTTLS_PROTO_SOCKS5, B(CH), B(SH), "" });

    /* Greeting and request pipelined (no auth offered), IPv6 reply. */
    static const uint8_t pipelined[] = { 0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x01, 0x5d, 0xb8, 0xd8, 0x22, 0x01, 0xbb };
    static const uint8_t no_auth[] = { 0x05, 0x00 };
    static const uint8_t reply6[] = { 0x05, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x04, 0x38 };
    const struct ev ev2[] = {
        { 0, B(pipelined) },
        { 1, B(no_auth) },
        { 1, B(reply6) },
        { 0, B(CH) },
    };
    CHECK(ev2, 1080, { STARTTLS_UPGRADED, STARTTLS_PROTO_SOCKS5, B(CH), NULL, 0, "" });

    static const uint8_t refused_reply[] = { 0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0 };
    const struct ev refused[] = {
        { 0, B(pipelined) },
        { 1, B(no_auth) },
        { 1, B(refused_reply) },
    };
    CHECK(refused, 1080, { STARTTLS_REFUSED, STARTTLS_PROTO_SOCKS5, NULL, 0, NULL, 0, "SOCKS5 reply 0x05 connection refused" });

    static const uint8_t no_method[] = { 0x05, 0xff };
    const struct ev nomethod[] = {
        { 0, B(greeting) },
        { 1, B(no_method) },
    };
    CHECK(nomethod, 1080, { STARTTLS_REFUSED, STARTTLS_PROTO_SOCKS5, NULL, 0, NULL, 0,
                            "SOCKS5 no acceptable authentication method" });
    static const uint8_t auth_fail[] = { 0x01, 0x01 };
    const struct ev badauth[] = {
        { 0, B(greeting) },
        { 1, B(choose_auth) },
        { 0, B(auth) },
        { 1, B(auth_fail) },
    };
    CHECK(badauth, 1080, { STARTTLS_REFUSED, STARTTLS_PROTO_SOCKS5, NULL, 0, NULL, 0,
                           "SOCKS5 username/password authentication failed 0x01" });
}

/* ---- bounds and API ---- */

/* A dialogue that never upgrades is given up after 256 lines or 64 KiB. */
static void test_bounds(void **state)
{
    (void)state;
    struct starttls st;
    struct result r;
    memset(&r, 0, sizeof r);
    starttls_init(&st, 25);
    starttls_feed(&st, 1, span_make(S("220 mx ESMTP\r\n")), collect, &r);
    for (int i = 0; i < 300 && starttls_verdict(&st) == STARTTLS_PENDING; i++)
        starttls_feed(&st, 0, span_make(S("NOOP\r\n")), collect, &r);
    assert_int_equal(starttls_verdict(&st), STARTTLS_NOT_STARTTLS);
    assert_true(st.dir[0].units <= STARTTLS_UNIT_LIMIT);

    /* One endless line: bytes, not lines, stop it. */
    static uint8_t junk[4096];
    memset(junk, 'a', sizeof junk);
    starttls_init(&st, 143);
    starttls_feed(&st, 1, span_make(S("* OK ready\r\n")), collect, &r);
    int feeds = 0;
    while (starttls_verdict(&st) == STARTTLS_PENDING && feeds < 100) {
        starttls_feed(&st, 0, span_make(junk, sizeof junk), collect, &r);
        feeds++;
    }
    assert_int_equal(starttls_verdict(&st), STARTTLS_NOT_STARTTLS);
    assert_true((size_t)feeds <= STARTTLS_BYTE_LIMIT / sizeof junk + 2);

    /* A literal announced as huge is skipped by counting, then given up. */
    starttls_init(&st, 143);
    starttls_feed(&st, 1, span_make(S("* OK ready\r\n* 1 FETCH (BODY[] {4000000000}\r\n")), collect, &r);
    for (feeds = 0; starttls_verdict(&st) == STARTTLS_PENDING && feeds < 100; feeds++)
        starttls_feed(&st, 1, span_make(junk, sizeof junk), collect, &r);
    assert_int_equal(starttls_verdict(&st), STARTTLS_NOT_STARTTLS);

    /* Too long an IMAP tag: not remembered, so no upgrade. */
    starttls_init(&st, 143);
    starttls_feed(&st, 1, span_make(S("* OK ready\r\n")), collect, &r);
    starttls_feed(&st, 0, span_make(S("abcdefghijabcdefghijabcdefghijabc STARTTLS\r\n")), collect, &r);
    starttls_feed(&st, 1, span_make(S("abcdefghijabcdefghijabcdefghijabc OK go\r\n")), collect, &r);
    assert_int_equal(starttls_verdict(&st), STARTTLS_PENDING);
}

static void test_after_verdict(void **state)
{
    (void)state;
    struct starttls st;
    struct result r;
    memset(&r, 0, sizeof r);
    starttls_init(&st, 25);
    starttls_feed(&st, 1, span_make(S("220 mx\r\n")), collect, &r);
    starttls_feed(&st, 0, span_make(S("STARTTLS\r\n")), collect, &r);
    starttls_feed(&st, 1, span_make(S("454 no\r\n")), collect, &r);
    assert_int_equal(starttls_verdict(&st), STARTTLS_REFUSED);
    /* Nothing more is handed over or changed. */
    starttls_feed(&st, 0, span_make(CH, sizeof CH), collect, &r);
    starttls_feed(&st, 1, span_make(S("220 ok now\r\n")), collect, &r);
    assert_int_equal(r.tls_n[0] + r.tls_n[1], 0);
    assert_int_equal(starttls_verdict(&st), STARTTLS_REFUSED);
    size_t n;
    const uint8_t *rep = starttls_reply(&st, &n);
    assert_int_equal(n, 8);
    assert_memory_equal(rep, "454 no\r\n", 8);

    /* Bad arguments are ignored; a NULL callback only tracks. */
    starttls_init(&st, 25);
    starttls_feed(&st, 2, span_make(S("220 mx\r\n")), collect, &r);
    starttls_feed(&st, -1, span_make(S("220 mx\r\n")), collect, &r);
    starttls_feed(&st, 1, span_poisoned(), collect, &r);
    assert_int_equal(starttls_protocol(&st), STARTTLS_PROTO_NONE);
    assert_false(starttls_dir_is_tls(&st, 2));
    starttls_feed(&st, 1, span_make(S("220 mx\r\n")), NULL, NULL);
    starttls_feed(&st, 0, span_make(S("STARTTLS\r\n")), NULL, NULL);
    starttls_feed(&st, 1, span_make(S("220 go\r\n\x16\x03\x03")), NULL, NULL);
    assert_int_equal(starttls_verdict(&st), STARTTLS_UPGRADED);
    assert_true(starttls_dir_is_tls(&st, 0));
}

static void test_protocol_names(void **state)
{
    (void)state;
    assert_null(starttls_protocol_name(STARTTLS_PROTO_NONE));
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_SMTP), "smtp");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_IMAP), "imap");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_POP3), "pop3");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_LDAP), "ldap");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_FTP), "ftp");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_XMPP), "xmpp");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_NNTP), "nntp");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_MANAGESIEVE), "sieve");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_POSTGRESQL), "postgresql");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_MYSQL), "mysql");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_TDS), "tds");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_RDP), "rdp");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_HTTP_CONNECT), "http");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_SOCKS4), "socks");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_SOCKS5), "socks");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_IRC), "irc");
    assert_string_equal(starttls_protocol_name(STARTTLS_PROTO_IRC_NOTICE), "irc");
    assert_null(starttls_protocol_name((enum starttls_proto)99));
}

/* ---- starttls_sniff: the accept gate's question, answered by the feed's recogniser ---- */

/* Sniffs `p` (an exact-size heap copy, for AddressSanitizer) and feeds the
 * same bytes to a fresh state: YES must be exactly "the feed named a
 * protocol", NEED_MORE "the feed still holds the bytes", NO "the feed gave
 * up without a protocol". Returns the sniff's answer. */
static enum starttls_sniff_result sniff_agrees(int dir, const uint8_t *p, size_t n, uint16_t port)
{
    uint8_t *copy = test_exact_copy(p, n);
    enum starttls_sniff_result r = starttls_sniff(dir, span_make(copy, n), port);
    struct starttls st;
    starttls_init(&st, port);
    starttls_feed(&st, dir, span_make(copy, n), NULL, NULL);
    switch (r) {
    case STARTTLS_SNIFF_YES:
        assert_int_not_equal(starttls_protocol(&st), STARTTLS_PROTO_NONE);
        break;
    case STARTTLS_SNIFF_NEED_MORE:
        assert_int_equal(starttls_protocol(&st), STARTTLS_PROTO_NONE);
        assert_int_equal(starttls_verdict(&st), STARTTLS_PENDING);
        break;
    default:
        assert_int_equal(r, STARTTLS_SNIFF_NO);
        assert_int_equal(starttls_protocol(&st), STARTTLS_PROTO_NONE);
        assert_int_equal(starttls_verdict(&st), n > 0 ? STARTTLS_NOT_STARTTLS : STARTTLS_PENDING);
        break;
    }
    free(copy);
    return r;
}

struct opening {
    int dir;                   /* the side that speaks first */
    const uint8_t *p;
    size_t n;
    uint16_t port;
    size_t yes_at;             /* shortest prefix answered YES; shorter ones are NEED_MORE */
    enum starttls_proto proto; /* what the feed names from the whole opening */
};

/* Every dialogue's opening, from the side that speaks first. */
static void test_sniff_openings(void **state)
{
    (void)state;
    static const uint8_t socks4_req[] = { 0x04, 0x01, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 'u', 0x00,
                                          'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0x00 };
    static const uint8_t socks5_hello[] = { 0x05, 0x01, 0x00 }; /* VER 5, 1 method: no authentication */
    const struct opening o[] = {
        { 1, S("220 mx.example.org ESMTP\r\n"), 25, 4, STARTTLS_PROTO_SMTP },
        { 1, S("220 ProFTPD Server ready.\r\n"), 21, 4, STARTTLS_PROTO_FTP },
        { 1, S("220-multi-line greeting\r\n"), 587, 4, STARTTLS_PROTO_SMTP },
        { 1, S("120 ready in 5 minutes\r\n"), 21, 4, STARTTLS_PROTO_FTP },
        { 1, S("200 news.example.com ready\r\n"), 119, 4, STARTTLS_PROTO_NNTP },
        { 1, S("201 news.example.com no posting\r\n"), 119, 4, STARTTLS_PROTO_NNTP },
        { 1, S("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"), 143, 4, STARTTLS_PROTO_IMAP },
        { 1, S("* PREAUTH IMAP4rev1 logged in\r\n"), 143, 9, STARTTLS_PROTO_IMAP },
        { 1, S("+OK POP3 ready\r\n"), 110, 3, STARTTLS_PROTO_POP3 },
        { 1, S("\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n"), 4190, 1, STARTTLS_PROTO_MANAGESIEVE },
        { 1, B(mysql_greeting), 3306, 5, STARTTLS_PROTO_MYSQL },
        { 0, S("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n"), 3128, 8,
          STARTTLS_PROTO_HTTP_CONNECT },
        { 0, S("<?xml version='1.0'?><stream:stream to='example.org'>"), 5222, 1, STARTTLS_PROTO_XMPP },
        { 0, B(ldap_starttls_req), 389, 1, STARTTLS_PROTO_LDAP },
        { 0, B(pg_ssl_request), 5432, 8, STARTTLS_PROTO_POSTGRESQL },
        { 0, B(pg_gss_request), 5432, 8, STARTTLS_PROTO_POSTGRESQL },
        { 0, B(tds_client_prelogin), 1433, 1, STARTTLS_PROTO_TDS },
        { 0, B(rdp_cr), 3389, 2, STARTTLS_PROTO_RDP },
        { 0, B(socks4_req), 1080, 2, STARTTLS_PROTO_SOCKS4 },
        { 0, B(socks5_hello), 1080, 2, STARTTLS_PROTO_SOCKS5 },
        { 0, S("STARTTLS\r\n"), 6667, 10, STARTTLS_PROTO_IRC },
        { 0, S("CAP LS 302\r\n"), 6667, 4, STARTTLS_PROTO_IRC },
        { 0, S("nick alice\r\n"), 6667, 5, STARTTLS_PROTO_IRC },
        { 1, S(":irc.example.net NOTICE * :*** Looking up your hostname\r\n"), 6667, 13, STARTTLS_PROTO_IRC_NOTICE },
        { 1, S(":irc.local NOTICE * :hello\r\n"), 6667, 11, STARTTLS_PROTO_IRC_NOTICE },
        { 1, S("NOTICE AUTH :*** Processing connection\r\n"), 6667, 7, STARTTLS_PROTO_IRC_NOTICE },
    };
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++) {
        /* Every prefix, the empty one and the whole opening included. */
        for (size_t k = 0; k <= o[i].n; k++) {
            enum starttls_sniff_result want = k < o[i].yes_at ? STARTTLS_SNIFF_NEED_MORE : STARTTLS_SNIFF_YES;
            assert_int_equal(sniff_agrees(o[i].dir, o[i].p, k, o[i].port), want);
        }
        /* The port is a hint only: the answer is the same on any port. */
        assert_int_equal(starttls_sniff(o[i].dir, span_make(o[i].p, o[i].n), 443), STARTTLS_SNIFF_YES);
        struct starttls st;
        starttls_init(&st, o[i].port);
        starttls_feed(&st, o[i].dir, span_make(o[i].p, o[i].n), NULL, NULL);
        assert_int_equal(starttls_protocol(&st), o[i].proto);
    }
    /* The same openings from the other side: the client does not greet, the
     * server does not ask. (A SOCKS5 greeting from a server would still be
     * the start of a MySQL greeting with a 261-byte payload, so NEED_MORE.) */
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++) {
        bool socks5 = o[i].proto == STARTTLS_PROTO_SOCKS5;
        assert_int_equal(sniff_agrees(1 - o[i].dir, o[i].p, o[i].n, o[i].port),
                         socks5 ? STARTTLS_SNIFF_NEED_MORE : STARTTLS_SNIFF_NO);
    }
}

/* Payloads that open no dialogue followed here, from either side. */
static void test_sniff_other_payloads(void **state)
{
    (void)state;
    static const uint8_t random_bytes[] = { 0x8f, 0x3a, 0xc1, 0x07, 0x5e, 0xd2, 0x99, 0x14,
                                            0x6b, 0xf0, 0x21, 0xae, 0x43, 0x88, 0x0d, 0x7c };
    /* DNS over TCP (RFC 1035 4.2.2): a 2-byte length, then ID, flags, counts. */
    static const uint8_t dns_query[] = { 0x00, 0x1d, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x07, 'e', 'x', 'a', 'm', 'p', 'l',
                                         'e', 0x03, 'o', 'r', 'g', 0x00, 0x00, 0x01, 0x00, 0x01 };
    static const uint8_t dns_answer[] = { 0x00, 0x2d, 0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01,
                                          0x00, 0x00, 0x00, 0x00, 0x07, 'e', 'x', 'a', 'm', 'p', 'l' };
    const struct {
        const uint8_t *p;
        size_t n;
    } both[] = {
        { S("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n") },
        { S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") },
        { S("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n") },
        { B(random_bytes) },
        { B(dns_query) },
        { B(dns_answer) },
        { B(CH) }, /* implicit TLS is the gate's other question, not a dialogue */
        { B(SH) },
        { S("554 mx.example.org no service\r\n") },
    };
    for (size_t i = 0; i < sizeof both / sizeof both[0]; i++) {
        assert_int_equal(sniff_agrees(0, both[i].p, both[i].n, 25), STARTTLS_SNIFF_NO);
        assert_int_equal(sniff_agrees(1, both[i].p, both[i].n, 25), STARTTLS_SNIFF_NO);
    }
    /* Told apart at the first byte that differs from every opening. */
    assert_int_equal(sniff_agrees(1, S("* OX"), 143), STARTTLS_SNIFF_NO);
    assert_int_equal(sniff_agrees(1, S("* PREAUTX"), 143), STARTTLS_SNIFF_NO);
    assert_int_equal(sniff_agrees(1, S("22"), 25), STARTTLS_SNIFF_NEED_MORE);
    assert_int_equal(sniff_agrees(1, S("220x"), 25), STARTTLS_SNIFF_NO);
    assert_int_equal(sniff_agrees(0, S("CONNECX"), 3128), STARTTLS_SNIFF_NO);
    assert_int_equal(sniff_agrees(0, S("\x05\x00"), 1080), STARTTLS_SNIFF_NO); /* no methods */
    assert_int_equal(sniff_agrees(0, S("\x05\x21"), 1080), STARTTLS_SNIFF_NO); /* 33 methods */
    assert_int_equal(sniff_agrees(0, S("\x04\x02"), 1080), STARTTLS_SNIFF_NO); /* SOCKS4 BIND */
    static const uint8_t pg_startup[] = { 0x00, 0x00, 0x00, 0x29, 0x00, 0x03, 0x00, 0x00 };
    assert_int_equal(sniff_agrees(0, B(pg_startup), 5432), STARTTLS_SNIFF_NO);

    /* Bad arguments. */
    assert_int_equal(starttls_sniff(2, span_make(S("220 mx\r\n")), 25), STARTTLS_SNIFF_NO);
    assert_int_equal(starttls_sniff(-1, span_make(S("220 mx\r\n")), 25), STARTTLS_SNIFF_NO);
    assert_int_equal(starttls_sniff(1, span_poisoned(), 25), STARTTLS_SNIFF_NO);
}

/* NEED_MORE is bounded: never with 9 bytes or more ("* PREAUTH", the longest
 * opening, decides at 9). Checked over pseudo-random inputs and over every
 * opening with one byte changed, where near-misses are likeliest. */
static void test_sniff_bound(void **state)
{
    (void)state;
    uint32_t x = 0x2545f491u;
    uint8_t b[40];
    for (int i = 0; i < 20000; i++) {
        size_t n = 9 + (size_t)(i % 32);
        for (size_t k = 0; k < n; k++) {
            x = x * 1103515245u + 12345u;
            b[k] = (uint8_t)(x >> 16);
        }
        assert_int_not_equal(sniff_agrees(i & 1, b, n, 25), STARTTLS_SNIFF_NEED_MORE);
    }
    static const char *const text[] = { "* PREAUTH ", "* OK go\r\n", "CONNECT h:1 ", "+OK hi\r\n" };
    for (size_t t = 0; t < sizeof text / sizeof text[0]; t++) {
        size_t n = strlen(text[t]);
        for (size_t at = 0; at < n; at++) {
            for (unsigned v = 0; v < 256; v++) {
                memcpy(b, text[t], n);
                b[at] = (uint8_t)v;
                memset(b + n, 'x', 9);
                assert_int_not_equal(sniff_agrees(text[t][0] == 'C' ? 0 : 1, b, n + 9, 143),
                                     STARTTLS_SNIFF_NEED_MORE);
            }
        }
    }
    for (unsigned v = 0; v < 256; v++) {
        uint8_t pg[16];
        memcpy(pg, pg_ssl_request, sizeof pg_ssl_request);
        memset(pg + 8, 0, 8);
        for (size_t at = 0; at < 8; at++) {
            pg[at] = (uint8_t)v;
            assert_int_not_equal(sniff_agrees(0, pg, 9, 5432), STARTTLS_SNIFF_NEED_MORE);
            pg[at] = pg_ssl_request[at];
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smtp_real),
        cmocka_unit_test(test_smtp_zero_copy),
        cmocka_unit_test(test_smtp_refused),
        cmocka_unit_test(test_smtp_pipelined),
        cmocka_unit_test(test_smtp_client_hello_first),
        cmocka_unit_test(test_smtp_long_lines),
        cmocka_unit_test(test_not_starttls),
        cmocka_unit_test(test_smtp_plain_session),
        cmocka_unit_test(test_plain_logins),
        cmocka_unit_test(test_imap_real),
        cmocka_unit_test(test_imap_pipelined_refused),
        cmocka_unit_test(test_imap_literal),
        cmocka_unit_test(test_smtp_helo_name),
        cmocka_unit_test(test_imap_id),
        cmocka_unit_test(test_pop3_real),
        cmocka_unit_test(test_pop3_refused_and_blocks),
        cmocka_unit_test(test_ftp_real),
        cmocka_unit_test(test_ftp_multiline_refused),
        cmocka_unit_test(test_nntp),
        cmocka_unit_test(test_managesieve),
        cmocka_unit_test(test_xmpp),
        cmocka_unit_test(test_ldap),
        cmocka_unit_test(test_ldap_refused),
        cmocka_unit_test(test_postgresql),
        cmocka_unit_test(test_mysql),
        cmocka_unit_test(test_tds),
        cmocka_unit_test(test_tds_refused),
        cmocka_unit_test(test_rdp),
        cmocka_unit_test(test_http_connect),
        cmocka_unit_test(test_irc),
        cmocka_unit_test(test_socks4),
        cmocka_unit_test(test_socks5),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_after_verdict),
        cmocka_unit_test(test_protocol_names),
        cmocka_unit_test(test_sniff_openings),
        cmocka_unit_test(test_sniff_other_payloads),
        cmocka_unit_test(test_sniff_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
