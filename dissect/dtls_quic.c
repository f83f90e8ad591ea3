/* dtls_quic.c - see dtls_quic.h. */
#include "dissect/dtls_quic.h"

#include <string.h>

bool dq_ranges_add(struct dq_range *r, uint8_t *n, uint8_t cap, uint32_t start, uint32_t end)
{
    size_t i = 0;
    while (i < *n && r[i].end < start)
        i++;
    /* Ranges i..j-1 overlap or touch [start, end): they merge into one. */
    size_t j = i;
    while (j < *n && r[j].start <= end) {
        if (r[j].start < start)
            start = r[j].start;
        if (r[j].end > end)
            end = r[j].end;
        j++;
    }
    if (i == j) {
        if (*n == cap)
            return false;
        memmove(&r[i + 1], &r[i], (*n - i) * sizeof r[0]);
        (*n)++;
    } else if (j > i + 1) {
        memmove(&r[i + 1], &r[j], (*n - j) * sizeof r[0]);
        *n = (uint8_t)(*n - (j - i - 1));
    }
    r[i].start = start;
    r[i].end = end;
    return true;
}

uint32_t dq_note(struct span bytes)
{
    /* FNV-1a over the length and the bytes. */
    uint32_t h = (2166136261u ^ (uint32_t)bytes.n) * 16777619u;
    while (bytes.n > 0)
        h = (h ^ span_u8(&bytes)) * 16777619u;
    return h ? h : 1;
}

void dq_emit(struct conn_dissector *d, const struct tls_handshake *h, struct tls_report *r, struct conn_meta *meta,
             const char *protocol, enum conn_reason reason)
{
    r->context.protocol = protocol;
    tls_hs_finish(h, r);
    if (r->truncated_why)
        r->truncated = true;
    meta->reason = reason;
    d->st.lines++;
    if (d->sink.emit)
        d->sink.emit(d->sink.ctx, meta, r);
}
