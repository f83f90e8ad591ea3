/* starttls_proto.h - private to the starttls module (starttls.c, the engine;
 * starttls_text.c and starttls_binary.c, the dialogues): the table of
 * operations each dialogue provides, and the engine's services its handlers
 * call. No other module includes it; the public API is starttls.h.
 *
 * A dialogue is a `struct starttls_ops`, named by STARTTLS_PROTOCOLS in
 * starttls.h. The engine recognises it from its opener's first bytes, cuts
 * each direction into units as `framing` says, and hands every whole unit to
 * `client` or `server`. A handler reads the unit through span.h, keeps what
 * its dialogue needs in its member of `st->u`, and moves the dialogue on
 * with the services below: starttls_client_sent_upgrade() when the client
 * asked, then starttls_upgrade() or starttls_refuse() on the server's answer,
 * starttls_give_up() when the bytes are not this dialogue after all.
 */
#ifndef TLSSCOPE_STARTTLS_PROTO_H
#define TLSSCOPE_STARTTLS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/span.h"
#include "dissect/starttls.h"
#include "flows/conn_meta.h" /* DIR_C2S, DIR_S2C */

enum frame_result { FRAME_NEED, FRAME_BAD, FRAME_OK };

/* How far a dialogue's opening matches a direction's first bytes. */
enum starttls_match { MATCH_NO, MATCH_PART, MATCH_FULL };

/* One starttls_feed() call: the state and where TLS bytes go. */
struct starttls_io {
    struct starttls *st;
    starttls_tls_fn tls;
    void *ctx;
};

/* One whole unit of direction `dir`: `bytes` holds all of it, or its first
 * STARTTLS_UNIT_MAX bytes when `cut` (then `total` is the full length of a
 * framed message). */
struct starttls_unit {
    int dir;
    struct span bytes;
    uint32_t total;
    bool cut;
};

/* How a direction is cut into units. */
enum starttls_framing {
    STARTTLS_FRAMING_LINE,        /* lines ending in LF */
    STARTTLS_FRAMING_TAG,         /* XML: text up to and including a '>' */
    STARTTLS_FRAMING_FRAMED,      /* length-framed messages: ops->frame */
};

/* One dialogue's operations (redis's dictType: the engine calls these, and
 * knows no protocol by name). */
struct starttls_ops {
    const char *name;             /* starttls_protocol_name() */
    int opener;                   /* DIR_C2S or DIR_S2C: the side whose first bytes name it */
    /* The opener's first bytes begin with `opening` (ASCII case ignored
     * when `opening_ci`)... */
    const char *opening;
    uint8_t opening_len;
    bool opening_ci;
    /* ...or, when a literal cannot say it, how far `first` matches. Pure;
     * PART only while more bytes could still make it FULL. */
    enum starttls_match (*detect)(struct span first);
    void (*begin)(struct starttls *st); /* optional: once recognised, before any unit */
    enum starttls_framing framing;
    /* FRAMED: the length of the message `s` begins with, once known. */
    enum frame_result (*frame)(const struct starttls *st, int dir, struct span s, uint32_t *total);
    void (*client)(const struct starttls_io *f, const struct starttls_unit *u);
    void (*server)(const struct starttls_io *f, const struct starttls_unit *u);
    /* Optional: a direction's bytes while its TLS comes wrapped in the
     * dialogue's own packets (after starttls_start_wrapped). */
    void (*unwrap)(const struct starttls_io *f, int dir, struct span *data);
};

/* An opening that is a literal prefix (it may hold NUL bytes). */
#define STARTTLS_OPENING(lit) .opening = (lit), .opening_len = sizeof(lit) - 1

#define STARTTLS_OPS_DECLARE(id, ops) extern const struct starttls_ops starttls_##ops##_ops;
STARTTLS_PROTOCOLS(STARTTLS_OPS_DECLARE)
#undef STARTTLS_OPS_DECLARE

/* ---- services of the engine (starttls.c) ---- */

/* Hands bytes of direction `dir`'s TLS stream to the caller's callback. */
void starttls_hand_over(const struct starttls_io *f, int dir, struct span bytes);

/* The bytes are not (or no longer) a dialogue followed here: NOT_STARTTLS
 * while pending, else only direction `dir` stops being followed. */
void starttls_give_up(const struct starttls_io *f, int dir);
/* The server refused the upgrade: final. */
void starttls_refuse(struct starttls *st);
/* The server accepted: both directions are TLS from their next byte. */
void starttls_upgrade(const struct starttls_io *f);
/* The client sent its upgrade command: from here its TLS may come first. */
void starttls_client_sent_upgrade(struct starttls *st);
/* From here direction `dir`'s TLS comes wrapped: its bytes go to ops->unwrap. */
void starttls_start_wrapped(struct starttls *st, int dir);

/* How far `s` matches the opening `lit` of `n` bytes (ASCII case ignored when `ci`). */
enum starttls_match starttls_match_bytes(struct span s, const void *lit, size_t n, bool ci);

/* The server's answer, kept for the report (cut at STARTTLS_REPLY_MAX). */
void starttls_reply_add(struct starttls *st, struct span bytes);
void starttls_reply_str(struct starttls *st, const char *s);
void starttls_reply_hex(struct starttls *st, uint32_t v, unsigned digits);
void starttls_reply_dec(struct starttls *st, uint32_t v);

/* A protocol's name for a numeric answer, from a table of the codes a
 * refusal comes with. */
struct starttls_code_name {
    uint32_t code;
    const char *name;
};

/* Appends " <name>" when `code` is in the table; unknown codes stay numbers. */
void starttls_reply_name(struct starttls *st, const struct starttls_code_name *table, size_t n, uint32_t code);
#define STARTTLS_REPLY_NAME(st, table, code) \
    starttls_reply_name((st), (table), sizeof(table) / sizeof((table)[0]), (code))

/* ---- small helpers ---- */

static inline size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static inline uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Does `s` begin with the bytes `lit`? */
static inline bool starts_exact(struct span s, const void *lit, size_t n)
{
    struct span head = span_take(&s, n);
    return span_ok(&head) && (n == 0 || memcmp(head.p, lit, n) == 0);
}

#endif
