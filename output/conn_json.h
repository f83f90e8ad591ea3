/* conn_json.h - one JSON line per connection, in the fields of SCHEMA.md.
 *
 * The writer sees only the per-connection record (struct conn_meta and struct
 * tls_report); names for code points are looked up here, once per line.
 */
#ifndef TLSSCOPE_CONN_JSON_H
#define TLSSCOPE_CONN_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dissect/report.h"

/* Large enough for the longest line the report's caps allow. */
#define CONN_JSON_LINE_MAX (128u * 1024u)

struct memo;

/* Formats the line (with its '\n') into buf; returns its length, 0 when it
 * did not fit (never a partial line). memo (common/memo.h), when not NULL,
 * remembers formatted code-point lists between lines; the line is the same
 * byte for byte with or without it. */
size_t conn_json_format(const struct conn_meta *m, const struct tls_report *r, struct memo *memo, char *buf,
                        size_t cap);

/* The same line with only the members `fields` selects (--fields, --brief;
 * output/json.h); fields NULL: every member. */
struct json_filter;
size_t conn_json_format_fields(const struct conn_meta *m, const struct tls_report *r, struct memo *memo,
                               const struct json_filter *fields, char *buf, size_t cap);

/* The fields --brief selects: when, who, which service, what was offered and
 * agreed, and how it ended. */
#define CONN_JSON_BRIEF_FIELDS                                                                                  \
    "@timestamp,client.ip,destination.ip,destination.port,network.protocol,tls.client.server_name,"            \
    "tls.client.offered_versions,tls.negotiated_version,tls.cipher,tls.outcome,tls.findings.id"

/* The memo a writer gets (conn_json_memo_new): slots x bytes, 4 MiB at most,
 * touched only as lists are remembered. A slot holds a list of about 100
 * cipher-suite names; longer ones are formatted every time. */
#define CONN_JSON_MEMO_SLOTS 1024
#define CONN_JSON_MEMO_SLOT_BYTES 4096
struct memo *conn_json_memo_new(void);

/* A sink writing lines to a stdio stream. */
struct conn_json_writer {
    FILE *out;
    uint64_t lines;
    uint64_t dropped;            /* lines that did not fit (should stay 0) */
    uint64_t write_errors;
    size_t last_len;             /* the last line's length in buf (0: it was dropped) */
    struct memo *memo;           /* formatted lists (NULL: none); the writer's owner frees it */
    const struct json_filter *fields; /* --fields (NULL: every member) */
    char buf[CONN_JSON_LINE_MAX];
};

void conn_json_emit(void *writer, const struct conn_meta *m, const struct tls_report *r);

/* Community ID v1 (seed 0) of a TCP connection: "1:" + base64(SHA-1). */
void conn_community_id(const struct conn_meta *m, char out[32]);

#endif
