/* session.c - one connection's protocol state: input framing, dispatch to
 * the command table, reply buffering, close and timeout decisions.
 *
 * Owns: the partial-frame tail, pending output, auth and protocol state.
 * Does not own the socket or any buffer an engine passes in, and does not
 * run commands (dispatch.c does).
 */
#include "cc/core/session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cc/core/dispatch.h"
#include "cc/core/session_state.h"

/* Smallest input buffer allocated for a partial frame. */
#define SESSION_IN_MIN 512u
/* Input beyond this is refused (a frame can be at most a 512 MiB bulk plus
 * its header; the parser enforces the real limit first). */
#define SESSION_IN_MAX ((uint32_t)0xF0000000u)

/* The text Redis 7.0 sends to refused non-loopback clients, with the advice
 * adapted to respd's command line. Its first sentence is Redis's verbatim,
 * so clients that recognise the condition still do. */
static const char session_denied_msg[] =
    "-DENIED Redis is running in protected mode because protected mode is "
    "enabled and no password is set for the default user. In this mode "
    "connections are only accepted from the loopback interface. If you want "
    "to connect from external computers to respd you may adopt one of the "
    "following solutions: 1) Restart respd with the '--protected-mode no' "
    "option, however MAKE SURE it is not publicly accessible from internet "
    "if you do so. 2) Restart respd with '--requirepass <password>' to set "
    "an authentication password for the default user. 3) Bind respd to a "
    "loopback address only (the default). NOTE: You only need to do one of "
    "the above things in order for the server to start accepting "
    "connections from the outside.\r\n";

static void session_set_peer(struct session *s, const struct sockaddr *peer,
                             socklen_t len)
{
    if (peer == NULL)
        return;
    if (peer->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)peer;
        s->peer_family = AF_INET;
        s->peer_port = ntohs(in->sin_port);
        memcpy(s->peer_addr, &in->sin_addr, 4);
    } else if (peer->sa_family == AF_INET6 &&
               len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)peer;
        s->peer_family = AF_INET6;
        s->peer_port = ntohs(in6->sin6_port);
        memcpy(s->peer_addr, &in6->sin6_addr, 16);
    } else if (peer->sa_family == AF_UNIX) {
        s->peer_family = AF_UNIX;
    }
}

/* Loopback in the sense of protected mode: 127.0.0.0/8, ::1, IPv4-mapped
 * loopback, a unix socket, or an unknown peer (the engine did not say). */
static bool session_peer_is_local(const struct session *s)
{
    static const uint8_t v6_loop[16] = {[15] = 1};
    static const uint8_t v4_mapped[12] = {[10] = 0xff, [11] = 0xff};
    switch (s->peer_family) {
    case AF_INET:
        return s->peer_addr[0] == 127;
    case AF_INET6:
        if (memcmp(s->peer_addr, v6_loop, 16) == 0)
            return true;
        return memcmp(s->peer_addr, v4_mapped, 12) == 0 && s->peer_addr[12] == 127;
    default:
        return true;
    }
}

struct session *session_new(struct core *core, int fd,
                            const struct sockaddr *peer, socklen_t peerlen)
{
    struct session *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    dispatch_init();
    const struct core_config *cfg = core_config(core);
    s->core = core;
    s->fd = fd;
    resp_parser_init(&s->parser);
    reply_init(&s->out, cfg->output_limit);
    atomic_init(&s->resp, 2);
    int64_t now = core_now_ms(core);
    /* Seconds relative to the core's start keep the struct small; the
     * clamp only matters for clocks set decades apart in tests. */
    int64_t rel = (now - core->start_ms) / 1000;
    s->ctime_s = rel > INT32_MAX ? INT32_MAX : rel < INT32_MIN ? INT32_MIN : (int32_t)rel;
    atomic_init(&s->last_ms, now);
    session_set_peer(s, peer, peerlen);
    if (cfg->requirepass != NULL)
        resp_parser_set_unauthenticated(&s->parser, true);
    else
        s->flags |= SESSION_AUTHED;

    if (!core_register(core, &s->client)) {
        reply_error(&s->out, "ERR max number of clients reached");
        s->flags |= SESSION_CLOSE;
        return s;
    }
    s->flags |= SESSION_REGISTERED;
    if (cfg->protected_mode && cfg->requirepass == NULL &&
        !session_peer_is_local(s)) {
        reply_raw(&s->out, session_denied_msg, sizeof(session_denied_msg) - 1);
        s->flags |= SESSION_CLOSE;
        core_unregister(core, &s->client);
        s->flags &= (uint8_t)~SESSION_REGISTERED;
    }
    return s;
}

void session_detach(struct session *s)
{
    if (s->flags & SESSION_REGISTERED) {
        core_unregister(s->core, &s->client);
        s->flags &= (uint8_t)~SESSION_REGISTERED;
    }
    resp_parser_destroy(&s->parser);
    reply_free(&s->out);
    free(s->in);
    s->in = NULL;
    s->in_len = s->in_cap = 0;
    s->flags |= SESSION_DETACHED | SESSION_CLOSE;
}

void session_free(struct session *s)
{
    if (s == NULL)
        return;
    if (!(s->flags & SESSION_DETACHED))
        session_detach(s);
    free(s->client.name);
    free(s);
}

static void session_touch(struct session *s)
{
    atomic_store_explicit(&s->last_ms, core_now_ms(s->core),
                          memory_order_relaxed);
}

/* Out of memory for input: answer like a protocol failure and close, since
 * the stream can no longer be framed. */
static void session_fail_oom(struct session *s)
{
    reply_error(&s->out, "ERR Protocol error: out of memory");
    s->flags |= SESSION_CLOSE;
}

/* Grows the input buffer so that `need` bytes fit in total. */
static bool session_in_grow(struct session *s, size_t need)
{
    if (need <= s->in_cap)
        return true;
    if (need > SESSION_IN_MAX)
        return false;
    size_t cap = s->in_cap ? s->in_cap : SESSION_IN_MIN;
    while (cap < need)
        cap *= 2;
    if (cap > SESSION_IN_MAX)
        cap = SESSION_IN_MAX;
    char *p = realloc(s->in, cap);
    if (p == NULL)
        return false;
    s->in = p;
    s->in_cap = (uint32_t)cap;
    return true;
}

static void session_in_release(struct session *s)
{
    free(s->in);
    s->in = NULL;
    s->in_len = s->in_cap = 0;
}

/* Between requests the parser's argument array is dropped too, so a
 * connection that goes idle holds nothing but the session itself (the
 * engines budget 256 bytes per idle connection); the next request pays one
 * small allocation. */
static void session_parser_release(struct session *s)
{
    if (s->in_len > 0)
        return;
    resp_parser_destroy(&s->parser);
    if (!(s->flags & SESSION_AUTHED))
        resp_parser_set_unauthenticated(&s->parser, true);
}

/* Parses and runs requests from buf; *used receives how many leading bytes
 * are done with (the rest is an incomplete frame to keep). */
static int session_run(struct session *s, const char *buf, size_t len,
                       size_t *used)
{
    size_t off = 0;
    int n = 0;
    /* One clock read per command: each command's time runs from the end of
     * the previous one (so it includes parsing, which is small), halving
     * the clock reads that dominate a pipelined profile. */
    int64_t clock_us = core_mono_us();
    while (off < len && !(s->flags & SESSION_CLOSE)) {
        size_t consumed = 0;
        enum resp_status st = resp_parse(&s->parser, buf + off, len - off,
                                         &consumed);
        if (st == RESP_DONE) {
            off += consumed;
            session_execute(s, resp_parser_argc(&s->parser),
                            resp_parser_argv(&s->parser),
                            resp_parser_argvlen(&s->parser), &clock_us);
            if (s->out.overflow)
                s->flags |= SESSION_CLOSE;
            n++;
            continue;
        }
        if (st == RESP_MORE) {
            off += consumed;
            break;
        }
        reply_error(&s->out, resp_parser_error(&s->parser));
        s->flags |= SESSION_CLOSE;
        off = len;
    }
    if (s->flags & SESSION_CLOSE)
        off = len;
    *used = off;
    return n;
}

char *session_in_reserve(struct session *s, size_t min, size_t *avail)
{
    if (min == 0)
        min = 1;
    if ((size_t)s->in_cap - s->in_len < min &&
        !session_in_grow(s, (size_t)s->in_len + min))
        return NULL;
    *avail = s->in_cap - s->in_len;
    return s->in + s->in_len;
}

void session_in_commit(struct session *s, size_t n)
{
    if (n == 0)
        return;
    s->in_len += (uint32_t)n;
    atomic_fetch_add_explicit(&s->core->stats.net_input_bytes, n,
                              memory_order_relaxed);
    session_touch(s);
}

int session_process(struct session *s)
{
    if (s->flags & SESSION_CLOSE) {
        session_in_release(s);
        return 0;
    }
    size_t used = 0;
    int n = session_run(s, s->in, s->in_len, &used);
    if (used >= s->in_len) {
        session_in_release(s);
    } else if (used > 0) {
        memmove(s->in, s->in + used, s->in_len - used);
        s->in_len -= (uint32_t)used;
    }
    session_parser_release(s);
    return n;
}

/* Completes the buffered partial frame with bytes from buf, copying only
 * as much as that frame needs (in growing chunks, since its end is unknown
 * until parsed). Returns how many bytes of buf were used, with *ran set to
 * the requests executed; the session's input buffer is empty afterwards
 * unless all of buf went into a still-incomplete frame. */
static size_t session_finish_partial(struct session *s, const char *buf,
                                     size_t len, int *ran)
{
    size_t off = 0;
    size_t chunk = 256;
    *ran = 0;
    while (off < len) {
        size_t take = len - off < chunk ? len - off : chunk;
        if (!session_in_grow(s, (size_t)s->in_len + take)) {
            session_in_release(s);
            session_fail_oom(s);
            return len;
        }
        memcpy(s->in + s->in_len, buf + off, take);
        s->in_len += (uint32_t)take;
        off += take;
        size_t consumed = 0;
        enum resp_status st = resp_parse(&s->parser, s->in, s->in_len, &consumed);
        if (st == RESP_MORE) {
            if (consumed > 0) {
                memmove(s->in, s->in + consumed, s->in_len - consumed);
                s->in_len -= (uint32_t)consumed;
            }
            if (chunk < (1u << 20))
                chunk *= 2;
            continue;
        }
        if (st == RESP_ERROR) {
            reply_error(&s->out, resp_parser_error(&s->parser));
            s->flags |= SESSION_CLOSE;
            session_in_release(s);
            return len;
        }
        /* The frame ended `extra` bytes before the end of what was copied;
         * those bytes are still in buf and are parsed from there. */
        size_t extra = s->in_len - consumed;
        int64_t clock_us = core_mono_us();
        session_execute(s, resp_parser_argc(&s->parser),
                        resp_parser_argv(&s->parser),
                        resp_parser_argvlen(&s->parser), &clock_us);
        if (s->out.overflow)
            s->flags |= SESSION_CLOSE;
        *ran = 1;
        session_in_release(s);
        return off - extra;
    }
    return len;
}

int session_feed(struct session *s, const char *buf, size_t len)
{
    if (len == 0)
        return 0;
    atomic_fetch_add_explicit(&s->core->stats.net_input_bytes, len,
                              memory_order_relaxed);
    if (s->flags & SESSION_CLOSE)
        return 0;
    session_touch(s);
    int n = 0;
    if (s->in_len > 0) {
        size_t used = session_finish_partial(s, buf, len, &n);
        if (s->in_len > 0 || (s->flags & SESSION_CLOSE)) {
            if (s->flags & SESSION_CLOSE)
                session_in_release(s);
            session_parser_release(s);
            return n;
        }
        buf += used;
        len -= used;
    }
    size_t used = 0;
    n += session_run(s, buf, len, &used);
    if (used < len) {
        if (!session_in_grow(s, len - used)) {
            session_fail_oom(s);
            return n;
        }
        memcpy(s->in, buf + used, len - used);
        s->in_len = (uint32_t)(len - used);
    }
    session_parser_release(s);
    return n;
}

const char *session_out_peek(struct session *s, size_t *len)
{
    *len = reply_pending(&s->out);
    return *len ? s->out.data + s->out.pos : NULL;
}

void session_out_consume(struct session *s, size_t n)
{
    if (n == 0)
        return;
    reply_consume(&s->out, n);
    atomic_fetch_add_explicit(&s->core->stats.net_output_bytes, n,
                              memory_order_relaxed);
    session_touch(s);
}

size_t session_out_pending(const struct session *s)
{
    return reply_pending(&s->out);
}

size_t session_buffer_bytes(const struct session *s)
{
    return (size_t)s->in_cap + s->out.cap;
}

size_t session_struct_size(void)
{
    return sizeof(struct session);
}

bool session_want_close(const struct session *s)
{
    return (s->flags & SESSION_CLOSE) != 0;
}

bool session_timed_out(const struct session *s, int64_t now_ms)
{
    int timeout = core_config(s->core)->timeout;
    if (timeout <= 0)
        return false;
    int64_t last = atomic_load_explicit(&s->last_ms, memory_order_relaxed);
    return now_ms - last > (int64_t)timeout * 1000;
}
