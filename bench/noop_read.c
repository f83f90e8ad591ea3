/* noop_read.c - the floor for reading a capture with libpcap: the same read
 * path as tlsscope (fopen with a 1 MiB stdio buffer, pcap_fopen_offline,
 * pcap_dispatch in batches of 4096) and a callback that only counts. What
 * tlsscope spends above this is its own work.
 *
 * usage: noop_read FILE
 * prints: packets bytes   (bytes: captured frame bytes)
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_BUFFER_BYTES (1u << 20)
#define DISPATCH_BATCH 4096

struct counts {
    uint64_t packets;
    uint64_t bytes;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    (void)bytes;
    struct counts *c = (struct counts *)user;
    c->packets++;
    c->bytes += h->caplen;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: noop_read FILE\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    /* glibc ignores setvbuf(fp, NULL, ...): the buffer must be ours. */
    char *buf = malloc(FILE_BUFFER_BYTES);
    if (!buf || setvbuf(fp, buf, _IOFBF, FILE_BUFFER_BYTES) != 0) {
        fprintf(stderr, "noop_read: cannot set the stdio buffer\n");
        return 1;
    }
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!p) {
        fprintf(stderr, "noop_read: %s: %s\n", argv[1], err);
        return 1;
    }
    struct counts c;
    memset(&c, 0, sizeof c);
    int n;
    while ((n = pcap_dispatch(p, DISPATCH_BATCH, on_packet, (u_char *)&c)) > 0)
        ;
    int rc = 0;
    if (n == PCAP_ERROR) {
        fprintf(stderr, "noop_read: %s: %s\n", argv[1], pcap_geterr(p));
        rc = 1;
    }
    pcap_close(p); /* closes fp */
    free(buf);
    printf("%llu %llu\n", (unsigned long long)c.packets, (unsigned long long)c.bytes);
    return rc;
}
