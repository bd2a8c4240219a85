/* poll.c - the "poll" engine: one thread, non-blocking sockets, a poll(2)
 * loop over a dense pollfd array (slot 0 shutdown fd, slot 1 listener, then
 * clients). Owns those and one scratch buffer; backpressure, work cap and
 * drain work as in epoll.c. poll(2) rescans every descriptor on each call:
 * that O(n) cost is what this engine shows.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cc/core/session.h"
#include "cc/servers/engine.h"
#include "cc/servers/log.h"
#include "cc/servers/net.h"
#include "cc/servers/pump.h"

#define POLL_SCRATCH_SIZE (64 * 1024)
#define POLL_OUT_BUDGET (1024 * 1024)
#define POLL_ACCEPTS_PER_WAKE 64
#define POLL_FIRST_CLIENT 2

struct poll_loop {
    struct core *core;
    struct pollfd *pfds;
    struct session **sess; /* parallel to pfds; NULL for the first two */
    size_t n, cap;
    int lfd;               /* the listener, also while pfds[1] ignores it */
    char *scratch;
    bool draining;
};

static void poll_close(struct poll_loop *pl, size_t i)
{
    pump_log_close(pl->sess[i]);
    session_free(pl->sess[i]);
    pump_close(pl->pfds[i].fd, pl->scratch, POLL_SCRATCH_SIZE);
    pl->n--;
    pl->pfds[i] = pl->pfds[pl->n];
    pl->sess[i] = pl->sess[pl->n];
}

/* After any I/O on slot i: flush, then pick what to wait for. Returns false
 * when the slot was closed (and another slot moved into it). */
static bool poll_settle(struct poll_loop *pl, size_t i)
{
    struct session *s = pl->sess[i];

    if (session_out_pending(s) > 0 && pump_out(pl->pfds[i].fd, s, POLL_OUT_BUDGET) < 0) {
        poll_close(pl, i);
        return false;
    }
    size_t pending = session_out_pending(s);
    bool done = session_want_close(s) || pl->draining;
    if (pending == 0 && done) {
        poll_close(pl, i);
        return false;
    }
    /* Keep reading while replies are pending, as epoll.c does. */
    short want = pending > 0 ? POLLOUT : 0;
    if (!done)
        want |= POLLIN;
    pl->pfds[i].events = want;
    return true;
}

static int poll_grow(struct poll_loop *pl)
{
    size_t cap = pl->cap * 2;
    struct pollfd *pfds = realloc(pl->pfds, cap * sizeof(*pfds));
    if (pfds == NULL)
        return -ENOMEM;
    pl->pfds = pfds;
    struct session **sess = realloc(pl->sess, cap * sizeof(*sess));
    if (sess == NULL)
        return -ENOMEM;
    pl->sess = sess;
    pl->cap = cap;
    return 0;
}

/* Returns true when accepting should pause (out of descriptors). */
static bool poll_accept(struct poll_loop *pl, int lfd)
{
    for (int k = 0; k < POLL_ACCEPTS_PER_WAKE; k++) {
        struct session *s;
        int fd = pump_accept(pl->core, lfd, true, &s);
        if (fd < 0)
            return pump_out_of_fds(fd);
        if (pl->n == pl->cap && poll_grow(pl) < 0) {
            log_msg(LOG_WARNING, "Out of memory accepting a client; closing fd %d", fd);
            session_free(s);
            close(fd);
            return false;
        }
        size_t i = pl->n++;
        pl->pfds[i] = (struct pollfd){.fd = fd, .events = POLLIN};
        pl->sess[i] = s;
        poll_settle(pl, i);
    }
    return false;
}

static void poll_drain_start(struct poll_loop *pl)
{
    log_msg(LOG_NOTICE, "Received %s: stopped accepting, flushing replies of %zu clients",
            net_shutdown_reason(), pl->n - POLL_FIRST_CLIENT);
    pl->draining = true;
    /* pfds[1] is -1 while accepting is paused: close the listener itself. */
    close(pl->lfd);
    pl->pfds[0].fd = -1; /* poll ignores negative fds */
    pl->pfds[1].fd = -1;
    for (size_t i = pl->n; i-- > POLL_FIRST_CLIENT;)
        poll_settle(pl, i);
}

static void poll_check_timeouts(struct poll_loop *pl)
{
    int64_t now = store_now_ms(core_store(pl->core));

    for (size_t i = pl->n; i-- > POLL_FIRST_CLIENT;) {
        if (session_timed_out(pl->sess[i], now)) {
            log_msg(LOG_VERBOSE, "Closing idle client (fd %d)", pl->pfds[i].fd);
            poll_close(pl, i);
        }
    }
}

/* Handles the clients among the first n slots that poll reported. */
static void poll_serve(struct poll_loop *pl, size_t n)
{
    /* Downward, so a slot filled by swap-removal was already handled (or
     * is a new client whose revents is 0). */
    for (size_t i = n; i-- > POLL_FIRST_CLIENT;) {
        if (i >= pl->n)
            continue;
        short re = pl->pfds[i].revents;
        pl->pfds[i].revents = 0;
        if (re == 0)
            continue;
        if ((pl->pfds[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t got = pump_in(pl->pfds[i].fd, pl->sess[i], pl->scratch, POLL_SCRATCH_SIZE);
            if (got == 0) {
                /* End of stream: as Redis does, send what the socket
                 * takes now and close. */
                pump_out(pl->pfds[i].fd, pl->sess[i], POLL_OUT_BUDGET);
                poll_close(pl, i);
                continue;
            }
            if (got < 0 && got != -EAGAIN) {
                poll_close(pl, i);
                continue;
            }
        } else if (re & POLLERR) {
            poll_close(pl, i);
            continue;
        }
        poll_settle(pl, i);
    }
}

static int poll_run(const struct server_config *cfg, struct core *core)
{
    struct poll_loop pl = {.core = core, .cap = 64};
    long long cron_last = net_mono_ms(), timeout_last = cron_last;
    long long accept_pause_until = 0, drain_deadline = 0;
    int lfd, rc = 1;

    if (engine_listen(cfg, 1, &lfd) < 0)
        return 1;
    pl.lfd = lfd;
    pl.pfds = malloc(pl.cap * sizeof(*pl.pfds));
    pl.sess = malloc(pl.cap * sizeof(*pl.sess));
    pl.scratch = malloc(POLL_SCRATCH_SIZE);
    if (pl.pfds == NULL || pl.sess == NULL || pl.scratch == NULL) {
        log_msg(LOG_WARNING, "poll engine: out of memory at startup");
        goto out;
    }
    pl.pfds[0] = (struct pollfd){.fd = net_shutdown_fd(), .events = POLLIN};
    pl.pfds[1] = (struct pollfd){.fd = lfd, .events = POLLIN};
    pl.sess[0] = pl.sess[1] = NULL;
    pl.n = POLL_FIRST_CLIENT;
    engine_log_ready(cfg, lfd, "poll(2) loop");

    for (;;) {
        if (pl.draining && (pl.n == POLL_FIRST_CLIENT || net_mono_ms() >= drain_deadline))
            break;
        size_t n = pl.n;
        int ready = poll(pl.pfds, n, 100);
        if (ready < 0 && errno != EINTR) {
            log_msg(LOG_WARNING, "poll engine: poll failed: %s", strerror(errno));
            goto out;
        }
        long long now = net_mono_ms();
        pump_cron_due(core, &cron_last, now);
        if (!pl.draining && (net_shutdown_requested() || pl.pfds[0].revents)) {
            poll_drain_start(&pl);
            drain_deadline = now + PUMP_DRAIN_MS;
            continue;
        }
        if (!pl.draining && accept_pause_until != 0 && now >= accept_pause_until) {
            pl.pfds[1].fd = lfd;
            accept_pause_until = 0;
        }
        if (ready > 0)
            poll_serve(&pl, n);
        /* After reading: input that waited through a stall (the process
         * stopped, a slow command) counts as activity, as in the other
         * engines, instead of every client looking idle. */
        if (!pl.draining && cfg->timeout > 0 && now - timeout_last >= 1000) {
            timeout_last = now;
            poll_check_timeouts(&pl);
        }
        if (ready <= 0)
            continue;
        if (!pl.draining && pl.pfds[1].fd >= 0 && (pl.pfds[1].revents & POLLIN)) {
            pl.pfds[1].revents = 0;
            if (poll_accept(&pl, lfd)) {
                pl.pfds[1].fd = -1;
                accept_pause_until = now + 100;
            }
        }
    }
    if (pl.n > POLL_FIRST_CLIENT)
        log_msg(LOG_WARNING, "Shutdown: %zu client(s) did not read their replies within %d ms; closing them",
                pl.n - POLL_FIRST_CLIENT, PUMP_DRAIN_MS);
    rc = 0;
out:
    for (size_t i = pl.n; i-- > POLL_FIRST_CLIENT;)
        poll_close(&pl, i);
    if (!pl.draining)
        close(lfd);
    free(pl.pfds);
    free(pl.sess);
    free(pl.scratch);
    return rc;
}

const struct engine engine_poll = {
    .name = "poll",
    .summary = "poll(2) readiness loop, one thread",
    .multi_loop = false,
    .run = poll_run,
};
