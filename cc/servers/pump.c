/* pump.c - socket <-> session byte moving shared by all engines, and the
 * blocking-style connection loop used by the sync and threads engines.
 *
 * Does not decide when to wait or on what (engines do), and never holds a
 * buffer of its own: input goes through the caller's scratch buffer.
 */
#define _GNU_SOURCE

#include "cc/servers/pump.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cc/servers/log.h"
#include "cc/servers/net.h"

int pump_accept(struct core *core, int lfd, bool nonblock, struct session **out)
{
    struct sockaddr_storage peer;
    socklen_t peerlen;
    int fd = net_accept(lfd, nonblock, &peer, &peerlen);

    if (fd < 0) {
        if (pump_out_of_fds(fd))
            log_msg(LOG_WARNING, "Accepting client connection: %s", strerror(-fd));
        else if (fd != -EAGAIN)
            log_msg(LOG_VERBOSE, "Accepting client connection: %s", strerror(-fd));
        return fd;
    }
    net_set_nodelay(fd);
    *out = session_new(core, fd, (struct sockaddr *)&peer, peerlen);
    if (*out == NULL) {
        log_msg(LOG_WARNING, "Out of memory creating a session; closing fd %d", fd);
        close(fd);
        return -ENOMEM;
    }
    return fd;
}

ssize_t pump_in(int fd, struct session *s, char *buf, size_t cap)
{
    ssize_t n = net_read(fd, buf, cap);

    if (n > 0)
        session_feed(s, buf, (size_t)n);
    return n;
}

ssize_t pump_out(int fd, struct session *s, size_t budget)
{
    size_t sent = 0;

    while (sent < budget) {
        size_t len;
        const char *p = session_out_peek(s, &len);
        if (len == 0 && session_resume(s) > 0)
            p = session_out_peek(s, &len);
        if (len == 0)
            break;
        if (len > budget - sent)
            len = budget - sent;
        ssize_t n = net_send(fd, p, len, MSG_DONTWAIT);
        if (n == -EAGAIN)
            break;
        if (n < 0)
            return n;
        session_out_consume(s, (size_t)n);
        sent += (size_t)n;
        session_resume(s);
    }
    return (ssize_t)sent;
}

void pump_log_close(const struct session *s)
{
    const char *why = session_limit_reason(s);
    if (why == NULL)
        return;
    char info[256];
    session_describe(s, info, sizeof(info));
    log_msg(LOG_WARNING, "Client %s closed %s.", info, why);
}

void pump_close(int fd, char *buf, size_t cap)
{
    /* A few reads are enough for what a client pipelined behind QUIT or a
     * protocol error; a client still streaming gets its RST regardless. */
    for (int i = 0; i < 4; i++) {
        ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
        if (n <= 0)
            break;
    }
    close(fd);
}

bool pump_cron_due(struct core *core, long long *last_ms, long long now_ms)
{
    if (now_ms - *last_ms < 100)
        return false;
    *last_ms = now_ms;
    core_cron(core);
    return true;
}

void pump_serve_blocking(struct core *core, int fd, struct session *s,
                         char *buf, size_t cap, long long *cron_last_ms)
{
    const bool has_timeout = core_config(core)->timeout > 0;
    long long drain_deadline = -1; /* >= 0 once shutdown was seen */

    for (;;) {
        size_t pending = session_out_pending(s);

        if (pending > 0) {
            if (pump_out(fd, s, SIZE_MAX) < 0)
                break;
            pending = session_out_pending(s);
        }
        bool done = session_want_close(s) || drain_deadline >= 0;
        if (pending == 0 && done)
            break;

        /* Read while replies wait too: a client may write its whole
         * pipeline before it reads anything, and the session bounds what
         * it keeps meanwhile. */
        struct pollfd pfd[2] = {
            {.fd = fd, .events = (short)((pending > 0 ? POLLOUT : 0) | (done ? 0 : POLLIN))},
            {.fd = net_shutdown_fd(), .events = POLLIN},
        };
        /* Wake on a clock only for what needs one: core_cron (sync's
         * caller), the drain deadline, the idle timeout (checked once a
         * second). Otherwise block until the client or the shutdown fd
         * wakes us, so an idle thread-per-connection client costs no CPU. */
        int wait_ms = cron_last_ms != NULL || drain_deadline >= 0 ? 100 : has_timeout ? 1000 : -1;
        int rc = poll(pfd, drain_deadline >= 0 ? 1 : 2, wait_ms);
        if (rc < 0 && errno != EINTR) {
            log_msg(LOG_WARNING, "poll on client fd %d failed: %s", fd, strerror(errno));
            break;
        }
        long long now = net_mono_ms();
        if (cron_last_ms != NULL)
            pump_cron_due(core, cron_last_ms, now);
        if (drain_deadline < 0 && (net_shutdown_requested() || (rc > 0 && pfd[1].revents))) {
            drain_deadline = now + PUMP_DRAIN_MS;
            continue;
        }
        if (drain_deadline >= 0 && now >= drain_deadline) {
            log_msg(LOG_WARNING, "Shutdown: client fd %d did not read its replies within %d ms; closing it",
                    fd, PUMP_DRAIN_MS);
            break;
        }
        if (rc > 0 && !done && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = pump_in(fd, s, buf, cap);
            if (n == 0) {
                pump_out(fd, s, SIZE_MAX); /* what the socket takes now */
                break;
            }
            if (n < 0 && n != -EAGAIN)
                break;
        }
        /* Redis's rule: idle is time since the last read or write that
         * moved bytes, whatever is still owed. Only a quiet wake-up can
         * find it past the timeout: any other moved bytes. */
        if (rc == 0 && has_timeout && session_timed_out(s, store_now_ms(core_store(core)))) {
            log_msg(LOG_VERBOSE, "Closing idle client (fd %d)", fd);
            break;
        }
    }
    pump_log_close(s);
    session_free(s);
    pump_close(fd, buf, cap);
}
