/* json.h - a small streaming JSON writer for one output line.
 *
 * The writer appends to a caller-supplied buffer (a common/strbuf.h builder)
 * and tracks nesting and commas, so callers only say what to write. It never
 * fails half-way: when the buffer would overflow it sets `out.overflow` and
 * stops appending, and the caller drops the line (counted) rather than
 * writing invalid JSON.
 *
 * Strings from the wire go through json_wire_str(): each byte that is not part
 * of a valid UTF-8 sequence becomes U+FFFD (as Wireshark displays it), and
 * JSON escaping applies to the rest (quote, backslash, control characters,
 * NUL as \u0000). Overlong encodings, surrogates (U+D800..U+DFFF) and code
 * points above U+10FFFF are invalid UTF-8 (RFC 3629).
 */
#ifndef TLSSCOPE_JSON_H
#define TLSSCOPE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define JSON_MAX_DEPTH 16

/* A selection of members by dotted path (--fields): "tls.client.ja4" keeps
 * that member, "tls.client" everything under it; array elements are passed
 * through, so "tls.findings.id" keeps the id of every finding. Built once by
 * json_filter_parse(); a trie in a fixed array. */
#define JSON_FILTER_NODES 256
#define JSON_FILTER_NAME_MAX 48

struct json_filter_node {
    char name[JSON_FILTER_NAME_MAX];
    uint8_t len;
    bool whole;          /* selected as a whole (a listed path ends here) */
    uint16_t child;      /* first child, 0 for none (node 0 is the root) */
    uint16_t next;       /* next sibling, 0 for none */
};

struct json_filter {
    struct json_filter_node node[JSON_FILTER_NODES];
    size_t n;
};

/* Parses a comma-separated list of dotted paths into f. Returns false, with a
 * message in err, for an empty list, an empty or too long name, or too many. */
bool json_filter_parse(struct json_filter *f, const char *list, char *err, size_t errlen);

enum json_filter_mode { JSON_ALL = 0, JSON_PARTIAL, JSON_SKIP };

struct json_writer {
    struct strbuf out; /* the line; out.overflow: it is lost */
    int depth;
    bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
    bool in_array[JSON_MAX_DEPTH]; /* the container at this depth is an array */
    /* --fields (NULL: every member). Per depth: what the filter keeps of the
     * members written there, the trie node they are matched against, and,
     * for a container opened on the chance that a selected member follows,
     * where to cut the line back to when none does. */
    const struct json_filter *filter;
    uint8_t mode[JSON_MAX_DEPTH];
    uint16_t fnode[JSON_MAX_DEPTH];
    size_t undo_len[JSON_MAX_DEPTH];
    bool undo_first[JSON_MAX_DEPTH];
};

/* Misuse that would make the line invalid JSON also sets `overflow`, so the
 * line is dropped rather than written: a key inside an array or at top level,
 * a missing key inside an object, an end that does not match its begin, a
 * second top-level value, or nesting deeper than JSON_MAX_DEPTH - 1.
 *
 * Escaping: \" \\ \b \f \n \r \t, other control characters and DEL as
 * \u00XX with lowercase hex (NUL as \u0000). json_str() shares the escaper
 * with json_wire_str(), so non-ASCII bytes in a "trusted" string are UTF-8
 * checked too (at no cost for ASCII). */

void json_init(struct json_writer *w, char *buf, size_t cap);

/* Writes only the members f selects from here on (set right after
 * json_init). A container none of whose selected members is written is left
 * out, key and all; the top-level object is always written. */
void json_set_filter(struct json_writer *w, const struct json_filter *f);

/* A member's key as it is written: quoted, with its colon, and its length,
 * made at compile time by JSON_KEY from a string literal of plain characters
 * (no quote, backslash, control or non-ASCII character: keys are ours, never
 * from the wire), so writing one is a single copy. */
struct json_key {
    const char *text; /* "\"name\":" */
    size_t len;
};
#define JSON_KEY(lit) (&(const struct json_key){ "\"" lit "\":", sizeof("\"" lit "\":") - 1 })

/* A key known only at run time: quoted and escaped into buf[cap] (as
 * json_wire_str() escapes a value), described in *k; returns k, or NULL when
 * it does not fit (the member is then rejected like a missing key). */
const struct json_key *json_key_make(struct json_key *k, char *buf, size_t cap, const char *name);

/* `key` is NULL inside arrays and at top level. */
void json_object_begin(struct json_writer *w, const struct json_key *key);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w, const struct json_key *key);
void json_array_end(struct json_writer *w);

/* A trusted string (ASCII names, tokens): still escaped (and, sharing the
 * escaper, UTF-8 checked, though that is not its purpose). s == NULL writes
 * nothing at all (no key either): an unknown value is left out. json_strn()
 * takes the length from the caller (names from tables that carry it). */
void json_str(struct json_writer *w, const struct json_key *key, const char *s);
void json_strn(struct json_writer *w, const struct json_key *key, const char *s, size_t n);
/* Bytes from the wire: UTF-8 validated (invalid bytes -> U+FFFD), escaped. */
void json_wire_str(struct json_writer *w, const struct json_key *key, const uint8_t *p, size_t n);
void json_u64(struct json_writer *w, const struct json_key *key, uint64_t v);
/* A value formatted before (one complete JSON value, e.g. by a writer of its
 * own that wrote only that value), copied as it is. */
void json_raw(struct json_writer *w, const struct json_key *key, const void *value, size_t n);
/* Members formatted before ("k":v,"k2":v2, as an object's inside without its
 * braces), added to the object being written. */
void json_raw_members(struct json_writer *w, const void *members, size_t n);
void json_i64(struct json_writer *w, const struct json_key *key, int64_t v);
void json_bool(struct json_writer *w, const struct json_key *key, bool v);
/* RFC 3339 UTC with microseconds: 2018-02-22T13:53:10.494123Z */
/* A time after 9999-12-31T23:59:59.999999Z (no RFC 3339 form) writes nothing. */
void json_time_us(struct json_writer *w, const struct json_key *key, uint64_t ts_us);
/* Bytes as lowercase (or uppercase) hex string. */
void json_hex(struct json_writer *w, const struct json_key *key, const uint8_t *p, size_t n, bool upper);

/* Ends the line with '\n'. Returns the line length, or 0 on overflow or when
 * objects/arrays are left open. */
size_t json_finish(struct json_writer *w);

/* Writes wire bytes as one quoted JSON string, repaired and escaped as
 * json_wire_str() does (strbuf_quoted()), into buf; returns its length, 0 when
 * it does not fit. No terminating NUL. */
size_t json_quote(char *buf, size_t cap, const uint8_t *p, size_t n);

#endif
