/* session.c - one connection's protocol state: input framing, dispatch to
 * the command table, reply buffering, close and timeout decisions.
 *
 * Owns: the partial-frame tail, pending output, auth and protocol state.
 * Does not own the socket or any buffer an engine passes in, and does not
 * implement commands (commands.c does).
 */
#include "cc/core/session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cc/core/commands.h"

/* Smallest input buffer allocated for a partial frame. */
#define SESSION_IN_MIN 512u
/* Input beyond this is refused (a frame can be at most a 512 MiB bulk plus
 * its header; the parser enforces the real limit first). */
#define SESSION_IN_MAX ((uint32_t)0xF0000000u)
/* Flow control: once this much output waits unsent, requests stop running
 * and wait in the input buffer until the engine has sent enough. Large
 * enough that a pipeline of small replies always runs as one batch (-P 16
 * of bulk replies is a few hundred bytes), small enough that a burst of
 * large replies is produced only as fast as the client reads it. */
#define SESSION_OUT_PAUSE (64u * 1024)
/* Redis 7.0 closes a client that has not authenticated as soon as its
 * replies spill more than 1 KiB past its 16 KiB reply buffer (measured:
 * omem=20504 in its log line), so a flood of -NOAUTH replies costs it
 * nothing. respd bounds such a client at the same size. */
#define SESSION_NOAUTH_OUT_LIMIT (17u * 1024)

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

/* Sets the output limit (0: none) and the flow-control threshold under
 * it; pending output is kept. */
static void session_set_out_limit(struct session *s, size_t limit)
{
    s->out.limit = limit == 0 || limit > REPLY_MAX_BYTES ? REPLY_MAX_BYTES : (uint32_t)limit;
    s->out.pause = s->out.limit / 2 < SESSION_OUT_PAUSE ? s->out.limit / 2 : SESSION_OUT_PAUSE;
    if (s->out.pause == 0)
        s->out.pause = 1; /* 0 means "not authenticated yet" */
}

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

void session_format_peer(const struct session *s, char *buf, size_t len)
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

struct session *session_new(struct core *core, int fd,
                            const struct sockaddr *peer, socklen_t peerlen)
{
    struct session *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    const struct core_config *cfg = core_config(core);
    s->core = core;
    s->fd = fd;
    resp_parser_init(&s->parser);
    reply_init(&s->out, 0);
    session_set_out_limit(s, cfg->output_limit);
    atomic_init(&s->resp, 2);
    int64_t now = store_now_ms(core_store(core));
    /* Seconds relative to the core's start keep the struct small; the
     * clamp only matters for clocks set decades apart in tests. */
    int64_t rel = (now - core->start_ms) / 1000;
    s->ctime_s = rel > INT32_MAX ? INT32_MAX : rel < INT32_MIN ? INT32_MIN : (int32_t)rel;
    atomic_init(&s->last_ms, now);
    session_set_peer(s, peer, peerlen);
    if (cfg->requirepass != NULL) {
        resp_parser_set_unauthenticated(&s->parser, true);
        /* out.pause 0 sends every command through session_should_pause,
         * which lifts these limits once AUTH succeeded. */
        if (s->out.limit > SESSION_NOAUTH_OUT_LIMIT)
            s->out.limit = SESSION_NOAUTH_OUT_LIMIT;
        s->out.pause = 0;
    } else {
        s->flags |= SESSION_AUTHED;
    }

    if (!core_register(core, s)) {
        reply_error(&s->out, "ERR max number of clients reached");
        s->flags |= SESSION_CLOSE;
        return s;
    }
    s->flags |= SESSION_REGISTERED;
    if (cfg->protected_mode && cfg->requirepass == NULL &&
        !session_peer_is_local(s)) {
        reply_raw(&s->out, session_denied_msg, sizeof(session_denied_msg) - 1);
        s->flags |= SESSION_CLOSE;
        core_unregister(core, s);
        s->flags &= (uint8_t)~SESSION_REGISTERED;
    }
    return s;
}

void session_detach(struct session *s)
{
    if (s->flags & SESSION_REGISTERED) {
        core_unregister(s->core, s);
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
    free(s->name);
    free(s);
}

static void session_touch(struct session *s)
{
    atomic_store_explicit(&s->last_ms, store_now_ms(core_store(s->core)),
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

/* Called once pending output reached out.pause: true when requests must
 * wait. A session that has not authenticated is never paused (its small
 * output limit bounds it, as Redis bounds it); its out.pause is 0 so that
 * this runs after each of its commands, and the first check after AUTH
 * succeeded gives it the configured limit and threshold. */
static bool session_should_pause(struct session *s)
{
    if (!(s->flags & SESSION_AUTHED))
        return false;
    if (s->out.pause == 0)
        session_set_out_limit(s, core_config(s->core)->output_limit);
    return reply_pending(&s->out) >= s->out.pause;
}

/* A reply did not fit the output limit (or memory ran out): the replies
 * before it stay, the one that did not fit is replaced by an error saying
 * why, and the session closes once they are sent. With flow control a
 * command only runs below out.pause, so this is one reply too large for
 * the limit (or, before AUTH, a client that stopped reading). */
static void session_over_limit(struct session *s, uint32_t mark)
{
    reply_truncate(&s->out, mark);
    if (s->flags & SESSION_AUTHED)
        reply_errorf(&s->out, "ERR reply larger than the client output limit of %u bytes "
                              "(--client-output-limit); closing the connection",
                     (unsigned)s->out.limit);
    s->flags |= SESSION_CLOSE | SESSION_OUT_LIMIT;
}

/* Parses and runs requests from buf; *used receives how many leading bytes
 * are done with (the rest is an incomplete frame, or requests held back by
 * flow control with SESSION_PAUSED set, for the caller to keep). */
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
        if (reply_pending(&s->out) >= s->out.pause && session_should_pause(s)) {
            s->flags |= SESSION_PAUSED;
            break;
        }
        size_t consumed = 0;
        enum resp_status st = resp_parse(&s->parser, buf + off, len - off,
                                         &consumed);
        if (st == RESP_DONE) {
            off += consumed;
            uint32_t mark = s->out.len;
            session_execute(s, resp_parser_argc(&s->parser),
                            resp_parser_argv(&s->parser),
                            resp_parser_argvlen(&s->parser), &clock_us);
            if (s->out.overflow)
                session_over_limit(s, mark);
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
    atomic_fetch_add_explicit(&s->core->net_input_bytes, n,
                              memory_order_relaxed);
    session_touch(s);
}

int session_process(struct session *s)
{
    if (s->flags & SESSION_CLOSE) {
        session_in_release(s);
        return 0;
    }
    s->flags &= (uint8_t)~SESSION_PAUSED;
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
        uint32_t mark = s->out.len;
        session_execute(s, resp_parser_argc(&s->parser),
                        resp_parser_argv(&s->parser),
                        resp_parser_argvlen(&s->parser), &clock_us);
        if (s->out.overflow)
            session_over_limit(s, mark);
        *ran = 1;
        session_in_release(s);
        return off - extra;
    }
    return len;
}

/* Appends input that cannot run yet to the input buffer. While paused,
 * the engine may go on reading (a client that writes everything before it
 * reads would otherwise wait on us while we wait on it), but what is kept
 * is bounded by the output limit: past it the client is treated as one
 * that stopped reading, its output is dropped and it is closed. */
static void session_keep(struct session *s, const char *buf, size_t len)
{
    size_t need = (size_t)s->in_len + len;
    if ((s->flags & SESSION_PAUSED) && need > s->out.limit) {
        session_in_release(s);
        reply_free(&s->out);
        s->flags |= SESSION_CLOSE | SESSION_IN_LIMIT;
        return;
    }
    if (!session_in_grow(s, need)) {
        session_in_release(s);
        session_fail_oom(s);
        return;
    }
    memcpy(s->in + s->in_len, buf, len);
    s->in_len = (uint32_t)need;
}

int session_feed(struct session *s, const char *buf, size_t len)
{
    if (len == 0)
        return 0;
    atomic_fetch_add_explicit(&s->core->net_input_bytes, len,
                              memory_order_relaxed);
    if (s->flags & SESSION_CLOSE)
        return 0;
    session_touch(s);
    if (s->flags & SESSION_PAUSED) {
        session_keep(s, buf, len);
        return 0;
    }
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
    if (used < len)
        session_keep(s, buf + used, len - used);
    session_parser_release(s);
    return n;
}

int session_resume(struct session *s)
{
    if (!(s->flags & SESSION_PAUSED) || reply_pending(&s->out) >= s->out.pause)
        return 0;
    return session_process(s);
}

bool session_paused(const struct session *s)
{
    return (s->flags & SESSION_PAUSED) != 0;
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
    atomic_fetch_add_explicit(&s->core->net_output_bytes, n,
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

const char *session_limit_reason(const struct session *s)
{
    if (s->flags & SESSION_OUT_LIMIT)
        return "for overcoming of output buffer limits";
    if (s->flags & SESSION_IN_LIMIT)
        return "for overcoming of query buffer limits while its replies were not read";
    return NULL;
}

bool session_abandoned(const struct session *s)
{
    return (s->flags & SESSION_IN_LIMIT) != 0;
}

void session_describe(const struct session *s, char *buf, size_t len)
{
    char addr[64];
    session_format_peer(s, addr, sizeof(addr));
    snprintf(buf, len, "id=%llu addr=%s fd=%d name=%s qbuf=%u omem=%zu",
             (unsigned long long)s->id, addr, s->fd, s->name ? s->name : "",
             (unsigned)s->in_len, reply_pending(&s->out));
}

bool session_timed_out(const struct session *s, int64_t now_ms)
{
    int timeout = core_config(s->core)->timeout;
    if (timeout <= 0)
        return false;
    int64_t last = atomic_load_explicit(&s->last_ms, memory_order_relaxed);
    return now_ms - last > (int64_t)timeout * 1000;
}

/* Redis quotes argument previews with %s: they end at the first NUL, and
 * CR/LF become spaces so the error stays one line. */
static size_t session_preview(char *dst, size_t room, const char *src,
                              size_t srclen, size_t max)
{
    size_t n = 0;
    while (n < srclen && n < max && n < room && src[n] != '\0') {
        char ch = src[n];
        dst[n] = (ch == '\r' || ch == '\n') ? ' ' : ch;
        n++;
    }
    return n;
}

static void session_unknown_command(struct session *s, int argc,
                                    const char *const *argv,
                                    const size_t *argvlen)
{
    char msg[512];
    size_t n = 0;
    memcpy(msg, "ERR unknown command '", 21);
    n = 21;
    n += session_preview(msg + n, sizeof(msg) - n, argv[0], argvlen[0], 128);
    static const char mid[] = "', with args beginning with: ";
    memcpy(msg + n, mid, sizeof(mid) - 1);
    n += sizeof(mid) - 1;
    size_t args_len = 0;
    for (int i = 1; i < argc && args_len < 128; i++) {
        msg[n++] = '\'';
        size_t w = session_preview(msg + n, sizeof(msg) - n, argv[i],
                                   argvlen[i], 128 - args_len);
        n += w;
        msg[n++] = '\'';
        msg[n++] = ' ';
        args_len += w + 3;
    }
    msg[n] = '\0';
    reply_error(&s->out, msg);
}

static void session_unknown_subcommand(struct session *s,
                                       const char *const *argv,
                                       const size_t *argvlen)
{
    char msg[512];
    size_t n = 0;
    memcpy(msg, "ERR unknown subcommand '", 24);
    n = 24;
    n += session_preview(msg + n, sizeof(msg) - n, argv[1], argvlen[1], 128);
    memcpy(msg + n, "'. Try ", 7);
    n += 7;
    size_t w = session_preview(msg + n, sizeof(msg) - n, argv[0], argvlen[0], 64);
    for (size_t i = 0; i < w; i++)
        if (msg[n + i] >= 'a' && msg[n + i] <= 'z')
            msg[n + i] = (char)(msg[n + i] - 'a' + 'A');
    n += w;
    memcpy(msg + n, " HELP.", 7);
    reply_error(&s->out, msg);
}

void session_execute(struct session *s, int argc, const char *const *argv,
                     const size_t *argvlen, int64_t *clock_us)
{
    struct core *core = s->core;
    const struct command *cmd = commands_lookup(argv[0], argvlen[0]);
    if (cmd == NULL) {
        session_unknown_command(s, argc, argv, argvlen);
        atomic_fetch_add_explicit(&core->error_replies, 1, memory_order_relaxed);
        return;
    }
    if ((cmd->flags & CMD_CONTAINER) && argc >= 2) {
        const struct command *sub = commands_lookup_sub(cmd, argv[1], argvlen[1]);
        if (sub == NULL) {
            session_unknown_subcommand(s, argv, argvlen);
            atomic_fetch_add_explicit(&core->error_replies, 1,
                                      memory_order_relaxed);
            return;
        }
        cmd = sub;
    }
    struct command_stats *st = &core->cmdstats[commands_index(cmd)];
    if ((cmd->arity > 0 && argc != cmd->arity) ||
        (cmd->arity < 0 && argc < -cmd->arity) || cmd->proc == NULL) {
        reply_errorf(&s->out, "ERR wrong number of arguments for '%s' command",
                     cmd->name);
        atomic_fetch_add_explicit(&st->rejected, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&core->error_replies, 1, memory_order_relaxed);
        return;
    }
    if (!(s->flags & SESSION_AUTHED) && !(cmd->flags & CMD_NOAUTH)) {
        reply_error(&s->out, "NOAUTH Authentication required.");
        atomic_fetch_add_explicit(&st->rejected, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&core->error_replies, 1, memory_order_relaxed);
        return;
    }
    atomic_store_explicit(&s->last_cmd, (uint16_t)(commands_index(cmd) + 1),
                          memory_order_relaxed);
    size_t before = reply_pending(&s->out);
    int64_t t0 = *clock_us;
    cmd->proc(s, argc, argv, argvlen);
    int64_t t1 = core_mono_us();
    *clock_us = t1;
    atomic_fetch_add_explicit(&st->calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->usec, (uint64_t)(t1 - t0), memory_order_relaxed);
    if (s->out.overflow) {
        s->flags |= SESSION_CLOSE;
        return;
    }
    if (reply_pending(&s->out) > before && s->out.data[s->out.pos + before] == '-') {
        atomic_fetch_add_explicit(&st->failed, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&core->error_replies, 1, memory_order_relaxed);
    }
}
