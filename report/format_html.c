/* format_html.c - the report as one self-contained HTML page: no script, no
 * external style sheet, font or image, so it opens offline, can be mailed,
 * and prints. Charts are inline SVG drawn here from the summary maps:
 * connections by negotiated version per protocol, legacy clients per day,
 * failures by cause; then the same table as the text and CSV output.
 */
#include "report/format.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Colours by version rank: legacy in reds, current in greens and blues. */
static const char *version_colour(const char *v)
{
    static const char *const by_rank[] = { "#888888", "#67000d", "#a50f15", "#de2d26", "#fb6a4a",
                                           "#74c476", "#9ecae1", "#2171b5" };
    return by_rank[rp_version_rank(v)];
}

struct bar {
    char label[256];
    uint64_t n;
};

static int cmp_bar_desc(const void *a, const void *b)
{
    const struct bar *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->label, y->label);
}

/* Horizontal bars, one per label, scaled to the largest. */
static void bars_svg(FILE *f, const char *id, const char *title, struct bar *bars, size_t n, bool sort)
{
    if (sort)
        qsort(bars, n, sizeof *bars, cmp_bar_desc);
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++)
        if (bars[i].n > max)
            max = bars[i].n;
    unsigned h = (unsigned)(n ? n : 1) * 22 + 30;
    fputs("<figure><figcaption>", f);
    esc(f, title);
    fprintf(f, "</figcaption><svg id=\"%s\" role=\"img\" width=\"640\" height=\"%u\" viewBox=\"0 0 640 %u\" "
               "xmlns=\"http://www.w3.org/2000/svg\"><title>",
            id, h, h);
    esc(f, title);
    fputs("</title>\n", f);
    if (!n)
        fputs("<text x=\"10\" y=\"20\">none</text>\n", f);
    for (size_t i = 0; i < n; i++) {
        unsigned y = (unsigned)i * 22 + 10;
        double w = 380.0 * (double)bars[i].n / (double)max;
        fprintf(f, "<text x=\"200\" y=\"%u\" text-anchor=\"end\">", y + 14);
        esc(f, bars[i].label);
        fprintf(f, "</text><rect class=\"bar\" x=\"210\" y=\"%u\" width=\"%.1f\" height=\"16\" fill=\"#de2d26\"/>"
                   "<text x=\"%.1f\" y=\"%u\">%" PRIu64 "</text>\n",
                y, w < 1 ? 1 : w, 216 + w, y + 14, bars[i].n);
    }
    fputs("</svg></figure>\n", f);
}

/* Per protocol, one bar split by negotiated version (stacked), with a legend. */
static void versions_svg(FILE *f, const struct rp_map *m)
{
    struct rp_entry **v = rp_map_sorted(m); /* sorted by "protocol\x1fversion" */
    size_t n_protocols = 0;
    uint64_t max = 1, total = 0;
    char last[256] = "";
    for (size_t i = 0; v && i <= m->len; i++) {
        char buf[RP_KEY_MAX], *fld[2] = { 0 };
        if (i < m->len) {
            snprintf(buf, sizeof buf, "%s", v[i]->key);
            rp_key_split(buf, fld, 2);
        }
        if (i == m->len || strcmp(fld[0], last) != 0) {
            if (i)
                max = total > max ? total : max;
            if (i < m->len) {
                n_protocols++;
                snprintf(last, sizeof last, "%s", fld[0]);
                total = 0;
            }
        }
        if (i < m->len)
            total += v[i]->n;
    }
    unsigned h = (unsigned)(n_protocols ? n_protocols : 1) * 22 + 60;
    fprintf(f, "<figure><figcaption>Connections by negotiated version per protocol</figcaption>"
               "<svg id=\"chart-versions\" role=\"img\" width=\"640\" height=\"%u\" viewBox=\"0 0 640 %u\" "
               "xmlns=\"http://www.w3.org/2000/svg\"><title>Connections by negotiated version per protocol</title>\n",
            h, h);
    if (!m->len)
        fputs("<text x=\"10\" y=\"20\">none</text>\n", f);
    size_t row = 0;
    double x = 0;
    last[0] = '\0';
    for (size_t i = 0; v && i < m->len; i++) {
        char buf[RP_KEY_MAX], *fld[2] = { 0 };
        snprintf(buf, sizeof buf, "%s", v[i]->key);
        if (rp_key_split(buf, fld, 2) != 2)
            continue;
        if (i == 0 || strcmp(fld[0], last) != 0) {
            if (i)
                row++;
            snprintf(last, sizeof last, "%s", fld[0]);
            x = 210;
            fprintf(f, "<text x=\"200\" y=\"%zu\" text-anchor=\"end\">", row * 22 + 24);
            esc(f, fld[0][0] ? fld[0] : "(unknown)");
            fputs("</text>\n", f);
        }
        double w = 400.0 * (double)v[i]->n / (double)max;
        fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"16\" fill=\"%s\"><title>", x,
                row * 22 + 10, w, version_colour(fld[1]));
        esc(f, fld[0]);
        fputs(" ", f);
        esc(f, fld[1]);
        fprintf(f, ": %" PRIu64 "</title></rect>\n", v[i]->n);
        x += w;
    }
    /* Legend: the versions present, in version order. */
    static const char *const legend[] = { "SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3", "other" };
    for (size_t k = 0; k < sizeof legend / sizeof legend[0]; k++) {
        unsigned y = (unsigned)(n_protocols ? n_protocols : 1) * 22 + 30;
        fprintf(f, "<rect x=\"%zu\" y=\"%u\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%zu\" y=\"%u\">%s</text>\n",
                10 + k * 88, y, version_colour(legend[k]), 26 + k * 88, y + 11, legend[k]);
    }
    free(v);
    fputs("</svg></figure>\n", f);
}

int rp_write_html(const struct rp_report *r, FILE *f)
{
    static const char *const view_titles[] = { "by client", "by service", "by finding" };
    struct rp_table t;
    if (rp_table_build(r, &t, true) != 0)
        return -1;

    /* Legacy clients per day: keys "day\x1fclient", sorted, so a day's keys
     * are adjacent and counting them gives distinct clients. */
    struct bar *days = calloc(r->legacy_clients_by_day.len + 1, sizeof *days);
    size_t n_days = 0;
    struct rp_map legacy_clients;
    rp_map_init(&legacy_clients, RP_MAP_UNLIMITED);
    struct rp_entry **v = rp_map_sorted(&r->legacy_clients_by_day);
    for (size_t i = 0; days && v && i < r->legacy_clients_by_day.len; i++) {
        char buf[RP_KEY_MAX], *fld[2] = { 0 };
        snprintf(buf, sizeof buf, "%s", v[i]->key);
        if (rp_key_split(buf, fld, 2) != 2)
            continue;
        if (!n_days || strcmp(days[n_days - 1].label, fld[0]) != 0)
            snprintf(days[n_days++].label, sizeof days->label, "%s", fld[0]);
        days[n_days - 1].n++;
        rp_map_add(&legacy_clients, fld[1], 1);
    }
    free(v);
    struct bar *causes = calloc(r->failures_by_cause.len + 1, sizeof *causes);
    size_t n_causes = 0;
    uint64_t failures = 0;
    v = rp_map_sorted(&r->failures_by_cause);
    for (size_t i = 0; causes && v && i < r->failures_by_cause.len; i++) {
        snprintf(causes[n_causes].label, sizeof causes->label, "%s", v[i]->key);
        causes[n_causes++].n = v[i]->n;
        failures += v[i]->n;
    }
    free(v);

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>tlsscope report</title>\n"
          "<style>\n"
          "body{font-family:sans-serif;margin:1.5em;color:#111}\n"
          "h1{font-size:1.4em} h2{font-size:1.15em;margin-top:1.5em}\n"
          "dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em} dt{font-weight:bold}\n"
          "figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top} figcaption{font-weight:bold;margin-bottom:.3em} svg text{font-size:12px}\n"
          "table{border-collapse:collapse;font-size:12px} th,td{border:1px solid #bbb;padding:2px 4px;"
          "text-align:left;vertical-align:top} th{background:#eee} td{overflow-wrap:anywhere;max-width:30em}\n"
          "td:first-child{white-space:nowrap}\n"
          "@media print{body{margin:0} figure{page-break-inside:avoid} tr{page-break-inside:avoid}"
          " thead{display:table-header-group} th{background:none}}\n"
          "</style></head><body>\n",
          f);
    fprintf(f, "<h1>tlsscope report %s</h1>\n<section id=\"summary\"><h2>Summary</h2><dl>\n", view_titles[r->view]);
    fprintf(f, "<dt>connections</dt><dd id=\"sum-connections\">%" PRIu64 "</dd>\n", r->connections);
    fprintf(f, "<dt>rows</dt><dd id=\"sum-rows\">%zu</dd>\n", t.n_rows);
    fprintf(f, "<dt>legacy clients</dt><dd id=\"sum-legacy-clients\">%zu</dd>\n", legacy_clients.len);
    fprintf(f, "<dt>failed handshakes</dt><dd id=\"sum-failures\">%" PRIu64 "</dd>\n", failures);
    if (r->malformed)
        fprintf(f, "<dt>malformed lines skipped</dt><dd>%" PRIu64 "</dd>\n", r->malformed);
    fputs("</dl></section>\n<section id=\"charts\"><h2>Charts</h2>\n", f);
    versions_svg(f, &r->versions_by_protocol);
    bars_svg(f, "chart-legacy-days", "Legacy clients per day", days ? days : NULL, days ? n_days : 0, false);
    bars_svg(f, "chart-failures", "Failures by cause", causes ? causes : NULL, causes ? n_causes : 0, true);
    fputs("</section>\n<section><h2>Table</h2>\n<table id=\"report\"><thead><tr>", f);
    for (size_t c = 0; c < t.n_cols; c++) {
        fputs("<th>", f);
        esc(f, t.cols[c]);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < t.n_rows; i++) {
        fputs("<tr>", f);
        for (size_t c = 0; c < t.n_cols; c++) {
            fputs("<td>", f);
            esc(f, t.cells[i * t.n_cols + c]);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></section>\n</body></html>\n", f);
    rp_map_free(&legacy_clients, NULL);
    free(days);
    free(causes);
    rp_table_free(&t);
    return ferror(f) ? -1 : 0;
}
