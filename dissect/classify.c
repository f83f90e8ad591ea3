/* classify.c - see classify.h. */
#include "dissect/classify.h"

#include <arpa/inet.h>
#include <ndpi/ndpi_api.h>
#include <stdlib.h>
#include <string.h>

/* A recycled nDPI flow state: the free list reuses the state's own memory. */
struct free_state {
    struct free_state *next;
};

struct classifier {
    struct ndpi_detection_module_struct *ndpi;
    struct free_state *free_states;
    struct classify_stats st;
};

struct classifier *classifier_new(void)
{
    struct classifier *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!c->ndpi) {
        free(c);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
    ndpi_finalize_initialization(c->ndpi);
    return c;
}

void classifier_free(struct classifier *c)
{
    if (!c)
        return;
    while (c->free_states) {
        struct free_state *s = c->free_states;
        c->free_states = s->next;
        ndpi_free(s); /* its data was freed when it was put back */
    }
    ndpi_exit_detection_module(c->ndpi);
    free(c);
}

const struct classify_stats *classifier_stats(const struct classifier *c)
{
    return &c->st;
}

static struct ndpi_flow_struct *state_get(struct classifier *c)
{
    void *mem;
    if (c->free_states) {
        mem = c->free_states;
        c->free_states = c->free_states->next;
    } else {
        mem = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
        if (!mem)
            return NULL;
        c->st.states_allocated++;
    }
    memset(mem, 0, SIZEOF_FLOW_STRUCT);
    return mem;
}

static void state_put(struct classifier *c, struct classify_flow *f)
{
    if (!f->ndpi)
        return;
    /* nDPI keeps a few heap strings in its flow state: free those, keep the state. */
    ndpi_free_flow_data(f->ndpi);
    struct free_state *s = (struct free_state *)f->ndpi;
    s->next = c->free_states;
    c->free_states = s;
    f->ndpi = NULL;
}

void classify_packet(struct classifier *c, struct classify_flow *f, struct span ip_packet, uint64_t ts_us)
{
    if (f->decided || ip_packet.n == 0 || ip_packet.n > UINT16_MAX)
        return;
    if (!f->ndpi) {
        f->ndpi = state_get(c);
        if (!f->ndpi) {
            f->decided = true;
            return;
        }
        c->st.flows++;
    }
    c->st.packets++;
    f->packets++;
    ndpi_protocol p = ndpi_detection_process_packet(c->ndpi, f->ndpi, ip_packet.p, (unsigned short)ip_packet.n,
                                                    ts_us / 1000);
    f->master_protocol = p.master_protocol;
    f->app_protocol = p.app_protocol;
    if (p.app_protocol != NDPI_PROTOCOL_UNKNOWN || p.master_protocol != NDPI_PROTOCOL_UNKNOWN) {
        c->st.decided++;
        f->decided = true;
        state_put(c, f);
    } else if (f->packets >= CLASSIFY_MAX_PACKETS) {
        classify_finish(c, f);
    }
}

void classify_tls(struct classifier *c, struct classify_flow *f, const uint8_t *sni, size_t sni_len,
                  int ip_version, const uint8_t server_ip[16])
{
    if (f->decided)
        return;
    state_put(c, f);
    f->decided = true;
    c->st.by_server_name++;
    uint16_t app = NDPI_PROTOCOL_UNKNOWN;
    if (sni_len > 0) {
        char host[256];
        size_t n = sni_len < sizeof host - 1 ? sni_len : sizeof host - 1;
        for (size_t i = 0; i < n; i++) {
            uint8_t ch = sni[i];
            host[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
        }
        host[n] = '\0';
        ndpi_protocol_match_result m;
        memset(&m, 0, sizeof m);
        int id = ndpi_match_string_subprotocol(c->ndpi, host, (u_int)n, &m);
        if (id > 0)
            app = (uint16_t)id;
    }
    if (app == NDPI_PROTOCOL_UNKNOWN && ip_version == 4) {
        struct in_addr a;
        memcpy(&a, server_ip, 4);
        app = ndpi_network_ptree_match(c->ndpi, &a);
    }
    /* As nDPI itself reports TLS flows: TLS as the master protocol when an
     * application is known ("TLS.Google"), else plain "TLS". */
    if (app != NDPI_PROTOCOL_UNKNOWN && app != NDPI_PROTOCOL_TLS) {
        f->master_protocol = NDPI_PROTOCOL_TLS;
        f->app_protocol = app;
    } else {
        f->master_protocol = NDPI_PROTOCOL_UNKNOWN;
        f->app_protocol = NDPI_PROTOCOL_TLS;
    }
}

void classify_finish(struct classifier *c, struct classify_flow *f)
{
    if (f->decided || !f->ndpi) {
        f->decided = true;
        return;
    }
    uint8_t guessed = 0;
    ndpi_protocol p = ndpi_detection_giveup(c->ndpi, f->ndpi, 1, &guessed);
    f->master_protocol = p.master_protocol;
    f->app_protocol = p.app_protocol;
    c->st.gave_up++;
    f->decided = true;
    state_put(c, f);
}

static const char *ecs_name(uint16_t id);

/* An nDPI id that says no more than network.protocol and
 * network.transport already do ("TLS", "IMAPS", "QUIC"). */
static bool names_nothing_new(uint16_t id)
{
    return id == NDPI_PROTOCOL_UNKNOWN || id == NDPI_PROTOCOL_TLS || id == NDPI_PROTOCOL_DTLS ||
           id == NDPI_PROTOCOL_QUIC || ecs_name(id) != NULL;
}

const char *classify_application(struct classifier *c, const struct classify_flow *f, char *buf, size_t len)
{
    /* network.application only where nDPI adds something: STARTTLS IMAP
     * taken for "IMAPS" or implicit 993 for plain "TLS" would merely repeat,
     * or seem to contradict, network.protocol. */
    if (names_nothing_new(f->master_protocol) && names_nothing_new(f->app_protocol))
        return NULL;
    ndpi_protocol p;
    memset(&p, 0, sizeof p);
    p.master_protocol = f->master_protocol;
    p.app_protocol = f->app_protocol;
    return ndpi_protocol2name(c->ndpi, p, buf, (u_int)len);
}

/* nDPI ids of protocols that name what TLS carries, and the ECS value. */
static const char *ecs_name(uint16_t id)
{
    switch (id) {
    case NDPI_PROTOCOL_MAIL_IMAPS: case NDPI_PROTOCOL_MAIL_IMAP: return "imap";
    case NDPI_PROTOCOL_MAIL_POPS: case NDPI_PROTOCOL_MAIL_POP: return "pop3";
    case NDPI_PROTOCOL_MAIL_SMTPS: case NDPI_PROTOCOL_MAIL_SMTP: return "smtp";
    case NDPI_PROTOCOL_FTP_CONTROL: return "ftp";
    case NDPI_PROTOCOL_LDAP: return "ldap";
    case NDPI_PROTOCOL_MSSQL_TDS: return "tds";
    case NDPI_PROTOCOL_RDP: return "rdp";
    case NDPI_PROTOCOL_POSTGRES: return "postgresql";
    case NDPI_PROTOCOL_MYSQL: return "mysql";
    case NDPI_PROTOCOL_DOH_DOT: return "dns";
    case NDPI_PROTOCOL_HTTP: case NDPI_PROTOCOL_HTTP_CONNECT: case NDPI_PROTOCOL_HTTP_PROXY: return "http";
    case NDPI_PROTOCOL_JABBER: return "xmpp";
    case NDPI_PROTOCOL_IRC: return "irc";
    default: return NULL;
    }
}

const char *classify_protocol(const struct classify_flow *f)
{
    const char *n = ecs_name(f->app_protocol);
    if (!n)
        n = ecs_name(f->master_protocol);
    if (n)
        return n;
    if (f->master_protocol == NDPI_PROTOCOL_TLS || f->app_protocol == NDPI_PROTOCOL_TLS)
        return "tls";
    return NULL;
}
