/* pcapng.c - see pcapng.h. Block layouts: draft-ietf-opsawg-pcapng section 4
 * (SHB 4.1, IDB 4.2, EPB 4.3) and 3.5 (options). Blocks are written in host
 * byte order; the byte-order magic in the SHB tells readers which. */
#include "output/pcapng.h"

#include <pcap/pcap.h>
#include <string.h>

enum {
    PCAPNG_SHB = 0x0a0d0d0a,
    PCAPNG_IDB = 0x00000001,
    PCAPNG_EPB = 0x00000006,
    PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d,
    OPT_ENDOFOPT = 0,
    OPT_COMMENT = 1,
    SHB_USERAPPL = 4,
};

static uint32_t pad4(size_t n)
{
    return (uint32_t)((4 - (n & 3)) & 3);
}

static void put(struct pcapng_writer *w, const void *p, size_t n)
{
    if (n > 0 && fwrite(p, 1, n, w->out) != n)
        w->write_errors++;
}

static void put_u32(struct pcapng_writer *w, uint32_t v)
{
    put(w, &v, 4);
}

static void put_u16(struct pcapng_writer *w, uint16_t v)
{
    put(w, &v, 2);
}

static void put_padding(struct pcapng_writer *w, size_t n)
{
    static const uint8_t zero[4];
    put(w, zero, pad4(n));
}

/* An option: code, length, value, padding to 32 bits (3.5). */
static void put_option(struct pcapng_writer *w, uint16_t code, const void *value, uint16_t len)
{
    put_u16(w, code);
    put_u16(w, len);
    put(w, value, len);
    put_padding(w, len);
}

static uint32_t option_size(size_t len)
{
    return (uint32_t)(4 + len + pad4(len));
}

void pcapng_begin(struct pcapng_writer *w, FILE *out, const char *app)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    size_t app_len = strlen(app);
    if (app_len > UINT16_MAX)
        app_len = UINT16_MAX;
    /* type, length, magic, major, minor, section length (-1: not given),
     * options (shb_userappl, end), length again */
    uint32_t total = 4 + 4 + 4 + 2 + 2 + 8 + option_size(app_len) + 4 + 4;
    put_u32(w, PCAPNG_SHB);
    put_u32(w, total);
    put_u32(w, PCAPNG_BYTE_ORDER_MAGIC);
    put_u16(w, 1);
    put_u16(w, 0);
    uint64_t unknown = UINT64_MAX;
    put(w, &unknown, 8);
    put_option(w, SHB_USERAPPL, app, (uint16_t)app_len);
    put_option(w, OPT_ENDOFOPT, NULL, 0);
    put_u32(w, total);
}

int pcapng_linktype(int dlt)
{
    /* libpcap reports LINKTYPE_RAW (101) files as DLT_RAW, which is 12 on
     * most systems (14 on OpenBSD); LINKTYPE 12 means something else to
     * pcapng readers. The other link types tlsscope decodes have equal
     * values in both registries. */
    if (dlt == DLT_RAW)
        return 101;
    return dlt;
}

int pcapng_interface(struct pcapng_writer *w, int dlt, uint32_t snaplen)
{
    int linktype = pcapng_linktype(dlt);
    for (uint32_t i = 0; i < w->interfaces; i++)
        if (w->linktype[i] == linktype && w->snaplen[i] == snaplen)
            return (int)i;
    if (w->interfaces == PCAPNG_MAX_INTERFACES)
        return -1;
    uint32_t total = 4 + 4 + 2 + 2 + 4 + 4; /* no options: microsecond timestamps are the default */
    put_u32(w, PCAPNG_IDB);
    put_u32(w, total);
    put_u16(w, (uint16_t)linktype);
    put_u16(w, 0);
    put_u32(w, snaplen);
    put_u32(w, total);
    w->linktype[w->interfaces] = linktype;
    w->snaplen[w->interfaces] = snaplen;
    return (int)w->interfaces++;
}

void pcapng_packet(struct pcapng_writer *w, uint32_t interface_id, uint64_t ts_us, const uint8_t *data,
                   uint32_t caplen, uint32_t wire_len, const struct pcapng_comment *comments, size_t ncomments)
{
    uint64_t options = 0;
    for (size_t i = 0; i < ncomments; i++)
        options += option_size(comments[i].len);
    if (options > 0)
        options += option_size(0); /* opt_endofopt */
    uint64_t total = 4 + 4 + 4 + 4 + 4 + 4 + 4 + (uint64_t)caplen + pad4(caplen) + options + 4;
    if (total > UINT32_MAX) {
        w->write_errors++;
        return;
    }
    put_u32(w, PCAPNG_EPB);
    put_u32(w, (uint32_t)total);
    put_u32(w, interface_id);
    put_u32(w, (uint32_t)(ts_us >> 32));
    put_u32(w, (uint32_t)ts_us);
    put_u32(w, caplen);
    put_u32(w, wire_len);
    put(w, data, caplen);
    put_padding(w, caplen);
    for (size_t i = 0; i < ncomments; i++)
        put_option(w, OPT_COMMENT, comments[i].text, comments[i].len);
    if (options > 0)
        put_option(w, OPT_ENDOFOPT, NULL, 0);
    put_u32(w, (uint32_t)total);
    w->packets++;
    w->comments += ncomments;
}
