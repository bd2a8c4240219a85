/* cmd_client.c - CLIENT ID, SETNAME, GETNAME, LIST, INFO and HELP, and the
 * client-name rule HELLO shares. CLIENT LIST walks the core's registry;
 * other sessions' fields are read only through atomics and the registry
 * lock.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cc/core/cmd.h"
#include "cc/core/command_table.h"
#include "cc/core/util.h"

bool cmd_client_name_check(struct session *s, const char *p, size_t n,
                           char **out)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '!' || p[i] > '~') {
            reply_error(out_of(s), "ERR Client names cannot contain spaces, "
                                   "newlines or special characters.");
            return false;
        }
    }
    *out = NULL;
    if (n == 0)
        return true;
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        reply_error(out_of(s), SHARED_OOM);
        return false;
    }
    memcpy(copy, p, n);
    copy[n] = '\0';
    *out = copy;
    return true;
}

/* Formats the peer as "ip:port" (Redis's CLIENT LIST addr). */
static void format_peer(const struct session *s, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    switch (s->peer_family) {
    case AF_INET:
        inet_ntop(AF_INET, s->peer_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%u", ip, (unsigned)s->peer_port);
        break;
    case AF_INET6:
        inet_ntop(AF_INET6, s->peer_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%u", ip, (unsigned)s->peer_port);
        break;
    case AF_UNIX:
        snprintf(buf, len, "/unixsocket:0");
        break;
    default:
        snprintf(buf, len, "?:0");
        break;
    }
}

/* The buffer fields of a CLIENT LIST line, in Redis 7.0's meaning
 * (networking.c's catClientInfoString). */
struct client_mem {
    size_t qbuf;      /* input bytes held: the partial frame, or for the
                       * asking session the request it is running (which
                       * may sit in the engine's buffer, not the session's) */
    size_t qbuf_free; /* unused room of the session's input buffer */
    size_t argv_mem;  /* bytes of the running request's arguments */
    size_t rbs;       /* reply buffer's usable size */
    size_t rbp;       /* the most that reply buffer has held */
    size_t obl;       /* reply bytes waiting to be sent */
    size_t tot_mem;   /* the session struct plus all of the above it owns */
};

/* Other sessions' fields are atomics their owners update, so this reads
 * them without a race; only `self`, whose thread this is, has a running
 * request to count. respd keeps one growable reply buffer and no reply
 * list, so Redis's oll and omem (the list beyond the 16 KiB static buffer)
 * are always 0 and every pending byte is in obl and rbs. */
static struct client_mem client_mem_of(struct session *self, struct session *s)
{
    struct client_mem m = {0};
    uint32_t in_len = atomic_load_explicit(&s->in_len, memory_order_relaxed);
    uint32_t in_cap = atomic_load_explicit(&s->in_cap, memory_order_relaxed);
    m.qbuf = in_len;
    m.qbuf_free = in_cap - in_len;
    if (s == self) {
        int argc = resp_parser_argc(&s->parser);
        const size_t *lens = resp_parser_argvlen(&s->parser);
        for (int i = 0; i < argc; i++)
            m.argv_mem += lens[i];
        if (in_len == 0)
            m.qbuf = resp_parser_frame_len(&s->parser);
    }
    uint32_t len = reply_get(&s->out.len);
    uint32_t peak = reply_get(&s->out.peak);
    m.rbs = reply_get(&s->out.cap);
    m.rbp = peak > len ? peak : len;
    m.obl = len - reply_get(&s->out.pos);
    m.tot_mem = sizeof(*s) + in_cap + m.rbs + m.argv_mem;
    return m;
}

/* Appends one CLIENT LIST line for s to buf (growing it). */
static bool client_line(struct core *c, struct session *self,
                        struct session *s, int64_t now_ms, char **buf,
                        size_t *len, size_t *cap)
{
    char addr[64];
    char laddr[80];
    format_peer(s, addr, sizeof(addr));
    snprintf(laddr, sizeof(laddr), "%s:%d",
             c->cfg.bind != NULL ? c->cfg.bind : "0.0.0.0", c->cfg.port);
    int64_t last = atomic_load_explicit(&s->last_ms, memory_order_relaxed);
    int64_t age = (now_ms - c->start_ms) / 1000 - s->ctime_s;
    int64_t idle = (now_ms - last) / 1000;
    if (age < 0)
        age = 0;
    if (idle < 0)
        idle = 0;
    unsigned cmd = atomic_load_explicit(&s->last_cmd, memory_order_relaxed);
    const char *cmdname = cmd == 0 ? "NULL" : commands_at(cmd - 1)->name;
    unsigned db = atomic_load_explicit(&s->db, memory_order_relaxed);
    int proto = atomic_load_explicit(&s->resp, memory_order_relaxed);
    struct client_mem m = client_mem_of(self, s);
    for (;;) {
        size_t room = *cap - *len;
        int n = snprintf(*buf + *len, room,
                         "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld "
                         "idle=%lld flags=N db=%u sub=0 psub=0 ssub=0 "
                         "multi=-1 qbuf=%zu qbuf-free=%zu argv-mem=%zu "
                         "multi-mem=0 rbs=%zu rbp=%zu obl=%zu oll=0 omem=0 "
                         "tot-mem=%zu events=r cmd=%s user=default redir=-1 "
                         "resp=%d\n",
                         (unsigned long long)s->client.id, addr, laddr, s->fd,
                         s->client.name != NULL ? s->client.name : "", (long long)age,
                         (long long)idle, db, m.qbuf, m.qbuf_free, m.argv_mem,
                         m.rbs, m.rbp, m.obl, m.tot_mem, cmdname, proto);
        if (n < 0)
            return false;
        if ((size_t)n < room) {
            *len += (size_t)n;
            return true;
        }
        size_t ncap = (*cap + (size_t)n + 1) * 2;
        char *p = realloc(*buf, ncap);
        if (p == NULL)
            return false;
        *buf = p;
        *cap = ncap;
    }
}

/* The CLIENT LIST walk: which ids are wanted (all when ids is NULL) and
 * the text built so far. */
struct client_walk {
    struct session *self;
    const uint64_t *ids;
    size_t nids;
    int64_t now_ms;
    char *buf;
    size_t len, cap;
    bool ok;
};

static bool client_visit(void *ctx, struct core_client *cl)
{
    struct client_walk *w = ctx;
    struct session *s = (struct session *)(void *)((char *)cl -
                                                   offsetof(struct session, client));
    bool wanted = w->ids == NULL;
    for (size_t i = 0; i < w->nids && !wanted; i++)
        wanted = w->ids[i] == cl->id;
    if (wanted)
        w->ok = client_line(w->self->core, w->self, s, w->now_ms, &w->buf,
                            &w->len, &w->cap);
    return w->ok;
}

/* Replies one CLIENT LIST line per registered session (only those whose id
 * is in ids[0..nids) when ids is not NULL), as a bulk (RESP2) or verbatim
 * (RESP3) reply. */
static int client_list(struct session *self, const uint64_t *ids, size_t nids)
{
    struct client_walk w = {.self = self, .ids = ids, .nids = nids,
                            .now_ms = core_now_ms(self->core), .cap = 512};
    w.buf = malloc(w.cap);
    w.ok = w.buf != NULL;
    if (w.ok)
        core_clients_foreach(self->core, client_visit, &w);
    if (!w.ok) {
        free(w.buf);
        return cmd_error(self, SHARED_OOM);
    }
    reply_verbatim(out_of(self), "txt", w.buf, w.len);
    free(w.buf);
    return CMD_DONE;
}

int cmd_client_id(ARGS)
{
    UNUSED_ARGS;
    reply_int(out_of(s), (int64_t)s->client.id);
    return CMD_DONE;
}

int cmd_client_setname(ARGS)
{
    (void)argc;
    char *copy;
    if (!cmd_client_name_check(s, argv[2], argvlen[2], &copy))
        return CMD_FAILED;
    core_set_client_name(s->core, &s->client, copy);
    reply_ok(out_of(s));
    return CMD_DONE;
}

int cmd_client_getname(ARGS)
{
    UNUSED_ARGS;
    if (s->client.name != NULL)
        reply_cstr(out_of(s), s->client.name);
    else
        reply_null(out_of(s));
    return CMD_DONE;
}

int cmd_client_list(ARGS)
{
    uint64_t small[8];
    uint64_t *ids = NULL;
    size_t nids = 0;
    bool none = false;
    if (argc == 4 && arg_is(argv[2], argvlen[2], "type")) {
        const char *t = argv[3];
        size_t tl = argvlen[3];
        if (arg_is(t, tl, "normal")) {
            none = false;
        } else if (arg_is(t, tl, "master") || arg_is(t, tl, "replica") ||
                   arg_is(t, tl, "slave") || arg_is(t, tl, "pubsub")) {
            none = true;
        } else {
            char tn[129];
            tn[util_preview(tn, 128, t, tl, 128)] = '\0';
            reply_errorf(out_of(s), "ERR Unknown client type '%s'", tn);
            return CMD_FAILED;
        }
    } else if (argc > 3 && arg_is(argv[2], argvlen[2], "id")) {
        nids = (size_t)argc - 3;
        ids = nids <= 8 ? small : malloc(nids * sizeof(*ids));
        if (ids == NULL)
            return cmd_error(s, SHARED_OOM);
        for (size_t i = 0; i < nids; i++) {
            int64_t v;
            /* Any integer is accepted; ids below 1 simply match nobody. */
            if (!util_string2ll(argv[3 + i], argvlen[3 + i], &v)) {
                if (ids != small)
                    free(ids);
                return cmd_error(s, "ERR Invalid client ID");
            }
            ids[i] = v > 0 ? (uint64_t)v : 0;
        }
    } else if (argc != 2) {
        return cmd_error(s, SHARED_SYNTAX_ERR);
    }
    int status = CMD_DONE;
    if (none)
        reply_verbatim(out_of(s), "txt", "", 0);
    else
        status = client_list(s, ids, nids);
    if (ids != small)
        free(ids);
    return status;
}

int cmd_client_info(ARGS)
{
    UNUSED_ARGS;
    return client_list(s, &s->client.id, 1);
}

int cmd_client_help(ARGS)
{
    UNUSED_ARGS;
    static const char *const lines[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "LIST [TYPE <normal|master|replica|pubsub>]",
        "LIST [ID <id> [<id>...]]",
        "    Return information about client connections.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    return cmd_reply_help(s, lines);
}
