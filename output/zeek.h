/* zeek.h - Zeek's ssl.log and x509.log, for the tools that read Zeek logs
 * (Security Onion, RITA, zeek-cut, Zeek scripts) unchanged.
 *
 * Field names, types and conventions are those of Zeek's SSL::Info and
 * X509::Info records as Zeek 6 logs them (base/protocols/ssl/main.zeek,
 * base/files/x509/main.zeek), with `ja3`/`ja3s` named as the Salesforce JA3
 * package and `ja4` as FoxIO's JA4 package add them to ssl.log. Two forms:
 * Zeek's TSV (ASCII writer: #separator/#fields/#types header, "-" for unset,
 * "(empty)" for an empty set, \xNN escapes) and Zeek's JSON (one object per
 * line, unset fields left out, `ts` as epoch seconds).
 *
 * Where the record holds less than Zeek logs, the field is unset; where
 * tlsscope knows something Zeek computes differently, README "Zeek output"
 * says which one is written. Only the leaf certificate of each side is in
 * the record, so x509.log has one line per leaf and cert_chain_fps names the
 * leaf alone.
 */
#ifndef TLSSCOPE_ZEEK_H
#define TLSSCOPE_ZEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dissect/report.h"

enum zeek_form { ZEEK_TSV, ZEEK_JSON };

/* The longest line: a leaf's 16 SANs of 253 bytes, each escaped 4:1. */
#define ZEEK_LINE_MAX (32u * 1024u)

/* The log's file name stem and its fields, for headers and tests. */
struct zeek_log_desc {
    const char *path;            /* "ssl", "x509" */
    size_t n_fields;
    const char *const *names;
    const char *const *types;
};
extern const struct zeek_log_desc zeek_ssl_log, zeek_x509_log;

/* Zeek's connection uid ("C" + base62) derived from the connection's
 * 5-tuple and first packet time: the same connection always gets the same
 * uid, so ssl.log lines from several runs can be joined (Zeek's own uids
 * are random per run). out holds ZEEK_UID_SIZE bytes. */
#define ZEEK_UID_SIZE 24
void zeek_uid(const struct conn_meta *m, char out[ZEEK_UID_SIZE]);

/* One ssl.log line (with '\n') into buf; its length, 0 when it does not fit. */
size_t zeek_ssl_format(const struct conn_meta *m, const struct tls_report *r, enum zeek_form form, char *buf,
                       size_t cap);

/* One x509.log line for a leaf certificate, seen at `ts_us`; client: it is
 * the client's (mutual TLS), else the server's. 0 when it does not fit or
 * the certificate did not parse. */
size_t zeek_x509_format(const struct x509_report *x, uint64_t ts_us, bool client, enum zeek_form form, char *buf,
                        size_t cap);

/* The TSV header of a log (#separator ... #types), opened at `open_us`. */
size_t zeek_header_format(const struct zeek_log_desc *d, uint64_t open_us, char *buf, size_t cap);

/* The sink writing both logs (x509 may be NULL: certificates not logged). */
struct zeek_writer {
    FILE *ssl, *x509;
    enum zeek_form form;
    bool header_done;
    uint64_t lines, x509_lines;
    uint64_t dropped;            /* lines that did not fit (should stay 0) */
    uint64_t write_errors;
    char buf[ZEEK_LINE_MAX];
};

/* TSV: writes each log's header, opened at `open_us` (wall clock). */
void zeek_writer_init(struct zeek_writer *w, FILE *ssl, FILE *x509, enum zeek_form form, uint64_t open_us);
void zeek_emit(void *writer, const struct conn_meta *m, const struct tls_report *r);
/* Writes the TSV logs' #close line (at `close_us`); nothing for JSON. */
void zeek_writer_close(struct zeek_writer *w, uint64_t close_us);

/* Writes the counters as the "zeek" member of the --stats object. */
struct json_writer;
void zeek_stats_json(void *writer, struct json_writer *w);

/* --format zeek|zeek-json for the command line: "zeek" or "zeek-json" to a
 * form; -1 for anything else. */
int zeek_form_parse(const char *s);

/* Opens the logs of a run: with a directory (created when missing),
 * DIR/ssl.log and DIR/x509.log; without one (NULL or "-"), ssl.log on
 * standard output and no x509.log. Headers are written. 0, or -1 with a
 * message in err. */
int zeek_writer_open(struct zeek_writer *w, const char *dir, enum zeek_form form, uint64_t open_us, char *err,
                     size_t errlen);

/* Writes #close, flushes and closes what zeek_writer_open opened; -1 when
 * a write failed at any time. */
int zeek_writer_finish(struct zeek_writer *w, uint64_t close_us);

#endif
