/* iana_tables.h - the IANA registry tables generated at build time from
 * the CSV files in data/iana/ by tools/gen_iana_tables.cmake (the build
 * writes them to iana_tables.c in the build directory).
 *
 * Each table is sorted by code, strictly ascending (no duplicates), so
 * dissect/names.c can binary-search it; callers outside dissect/ use the
 * lookups in names.h and tls_facts.h rather than these arrays. The cipher
 * suites also carry their attributes, in a second array index-aligned with
 * the names (tls_facts.h).
 */
#ifndef TLSSCOPE_IANA_TABLES_H
#define TLSSCOPE_IANA_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "dissect/tls_facts.h"

struct iana_entry {
    uint32_t code;
    const char *name;
    uint8_t len;      /* strlen(name), from the generator: writers need no strlen */
};

extern const struct iana_entry iana_cipher_suites[];      /* TLS Cipher Suites */
extern const size_t iana_cipher_suites_count;
/* The attributes of iana_cipher_suites[i] are iana_cipher_suite_attrs[i]. */
extern const struct tls_cipher_attrs iana_cipher_suite_attrs[];
extern const struct iana_entry iana_groups[];             /* TLS Supported Groups */
extern const size_t iana_groups_count;
extern const struct iana_entry iana_signature_schemes[];  /* TLS SignatureScheme */
extern const size_t iana_signature_schemes_count;
extern const struct iana_entry iana_extensions[];         /* TLS ExtensionType Values */
extern const size_t iana_extensions_count;
extern const struct iana_entry iana_alerts[];             /* TLS Alerts */
extern const size_t iana_alerts_count;
extern const struct iana_entry iana_handshake_types[];    /* TLS HandshakeType */
extern const size_t iana_handshake_types_count;
extern const struct iana_entry iana_sslv2_cipher_kinds[]; /* SSL 2.0 cipher kinds, 3-byte codes */
extern const size_t iana_sslv2_cipher_kinds_count;

/* The index of `code` in a table of n rows, n when it is absent (binary
 * search; names.c). */
size_t iana_index(const struct iana_entry *t, size_t n, uint32_t code);

#endif
