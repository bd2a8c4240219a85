/* sync.c - the "sync" engine: blocking sockets, one client at a time. The
 * next client waits in the listen backlog until the current one leaves.
 *
 * Owns its listener and one read buffer. Waits in poll(2) with a 100 ms
 * tick (never in a bare accept/read) so active expiry, the idle timeout and
 * SIGTERM keep working while a client is connected or none is. It reads
 * while replies wait to be sent (pump_serve_blocking), so a client that
 * writes a long pipeline before reading is served; one that writes past the
 * output limit without reading is disconnected with a logged reason.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cc/core/session.h"
#include "cc/servers/engine.h"
#include "cc/servers/log.h"
#include "cc/servers/net.h"
#include "cc/servers/pump.h"

#define SYNC_BUF_SIZE (64 * 1024)

static int sync_run(const struct server_config *cfg, struct core *core)
{
    long long cron_last = net_mono_ms();
    long long accept_pause_until = 0;
    char *buf;
    int lfd;

    if (engine_listen(cfg, 1, &lfd) < 0)
        return 1;
    buf = malloc(SYNC_BUF_SIZE);
    if (buf == NULL) {
        log_msg(LOG_WARNING, "sync engine: out of memory for its read buffer");
        close(lfd);
        return 1;
    }
    engine_log_ready(cfg, lfd, "one client at a time");

    while (!net_shutdown_requested()) {
        long long now = net_mono_ms();
        struct pollfd pfd[2] = {
            {.fd = net_shutdown_fd(), .events = POLLIN},
            {.fd = lfd, .events = POLLIN},
        };
        int rc = poll(pfd, now < accept_pause_until ? 1 : 2, 100);
        if (rc < 0 && errno != EINTR) {
            log_msg(LOG_WARNING, "sync engine: poll failed: %s", strerror(errno));
            break;
        }
        pump_cron_due(core, &cron_last, net_mono_ms());
        if (rc <= 0 || pfd[0].revents != 0 || !(pfd[1].revents & POLLIN))
            continue;

        /* The listener is non-blocking (a client that vanished between poll
         * and accept must not block us); the client socket is blocking. */
        struct session *s;
        int fd = pump_accept(core, lfd, false, &s);
        if (pump_out_of_fds(fd))
            accept_pause_until = net_mono_ms() + 100;
        if (fd < 0)
            continue;
        pump_serve_blocking(core, fd, s, buf, SYNC_BUF_SIZE, &cron_last);
    }
    if (net_shutdown_requested())
        log_msg(LOG_NOTICE, "Received %s: stopped accepting, replies flushed", net_shutdown_reason());
    close(lfd);
    free(buf);
    return net_shutdown_requested() ? 0 : 1;
}

const struct engine engine_sync = {
    .name = "sync",
    .summary = "blocking I/O, one client at a time (the rest wait in the backlog)",
    .multi_loop = false,
    .run = sync_run,
};
