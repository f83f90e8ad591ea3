/* format_text.c - the default output: an aligned table that fits the
 * terminal, and the CSV variant of the same table.
 *
 * Fitting: every column first gets its widest cell; while the total is too
 * wide, the column with the most to spare gives up one character (columns
 * no wider than RP_TEXT_ATOM are never cut, others not below their header
 * or 12), and cut cells end in "...". Widths count UTF-8 code points, so a
 * server name with non-ASCII letters does not shift the columns.
 */
#include "report/format.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* An IPv4 address is 15, a time in the table 19: such cells stay whole. */
#define RP_TEXT_ATOM 19

static size_t cps(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Prints at most `w` code points of `s`, "..." when cut, padded to `w`. */
static void put_cell(FILE *f, const char *s, size_t w, bool pad)
{
    size_t n = cps(s);
    if (n <= w) {
        fputs(s, f);
        n = w - n;
    } else {
        size_t keep = w > 3 ? w - 3 : 0, i = 0, seen = 0;
        /* Cut before the code point that would exceed `keep`. */
        for (; s[i]; i++) {
            if (((unsigned char)s[i] & 0xc0) != 0x80) {
                if (seen == keep)
                    break;
                seen++;
            }
        }
        fwrite(s, 1, i, f);
        if (w > 3)
            fputs("...", f);
        n = w > 3 ? 0 : w;
    }
    while (pad && n--)
        fputc(' ', f);
}

int rp_write_text(const struct rp_report *r, FILE *f, unsigned width)
{
    struct rp_table t;
    if (rp_table_build(r, &t, true) != 0)
        return -1;
    size_t *w = calloc(t.n_cols, sizeof *w), *minw = calloc(t.n_cols, sizeof *minw);
    if (!w || !minw) {
        free(w);
        free(minw);
        rp_table_free(&t);
        return -1;
    }
    for (size_t c = 0; c < t.n_cols; c++) {
        /* Columns of short values (addresses, counts, times, versions) are
         * never cut; lists may be, down to their header or 12. */
        w[c] = minw[c] = strlen(t.cols[c]);
        if (minw[c] < 12)
            minw[c] = 12;
        for (size_t i = 0; i < t.n_rows; i++) {
            size_t n = cps(t.cells[i * t.n_cols + c]);
            if (n > w[c])
                w[c] = n;
        }
        /* The first column is the row's key (client, service, finding). */
        if (minw[c] > w[c] || w[c] <= RP_TEXT_ATOM || c == 0)
            minw[c] = w[c];
    }
    for (;;) {
        size_t total = 0, widest = 0;
        for (size_t c = 0; c < t.n_cols; c++) {
            total += w[c] + (c ? 2 : 0);
            if (w[c] - minw[c] > w[widest] - minw[widest])
                widest = c;
        }
        if (!width || total <= width || w[widest] <= minw[widest])
            break;
        w[widest]--;
    }
    for (size_t c = 0; c < t.n_cols; c++) {
        char up[64];
        size_t k = 0;
        for (; t.cols[c][k] && k < sizeof up - 1; k++)
            up[k] = t.cols[c][k] == '_' ? ' ' : (char)toupper((unsigned char)t.cols[c][k]);
        up[k] = '\0';
        if (c)
            fputs("  ", f);
        put_cell(f, up, w[c], c + 1 < t.n_cols);
    }
    fputc('\n', f);
    for (size_t i = 0; i < t.n_rows; i++) {
        for (size_t c = 0; c < t.n_cols; c++) {
            if (c)
                fputs("  ", f);
            put_cell(f, t.cells[i * t.n_cols + c], w[c], c + 1 < t.n_cols);
        }
        fputc('\n', f);
    }
    free(w);
    free(minw);
    rp_table_free(&t);
    return ferror(f) ? -1 : 0;
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int rp_write_csv(const struct rp_report *r, FILE *f)
{
    struct rp_table t;
    if (rp_table_build(r, &t, false) != 0)
        return -1;
    for (size_t c = 0; c < t.n_cols; c++) {
        if (c)
            fputc(',', f);
        csv_field(f, t.cols[c]);
    }
    fputs("\r\n", f);
    for (size_t i = 0; i < t.n_rows; i++) {
        for (size_t c = 0; c < t.n_cols; c++) {
            if (c)
                fputc(',', f);
            csv_field(f, t.cells[i * t.n_cols + c]);
        }
        fputs("\r\n", f);
    }
    rp_table_free(&t);
    return ferror(f) ? -1 : 0;
}
