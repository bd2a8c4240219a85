/* epoll.c - the "epoll" engine: non-blocking sockets on an epoll(7) loop;
 * with --threads N, N such loops on N threads sharing one core.
 *
 * Each loop owns its epoll fd, SO_REUSEPORT listener, scratch read buffer and
 * an fd-indexed table of its connections, which stay on it for life. Loops
 * share only the core; no connection owns a buffer of the engine's.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cc/core/session.h"
#include "cc/servers/engine.h"
#include "cc/servers/log.h"
#include "cc/servers/net.h"
#include "cc/servers/pump.h"

/* Level-triggered on purpose: the per-wake-up work cap (one scratch-sized
 * read per client) leaves unread bytes in the socket, and level triggering
 * reports that client again on the next epoll_wait, so no ready list of our
 * own is needed. Edge triggering would save the epoll_ctl calls made when a
 * client switches between reading and waiting for EPOLLOUT, but would force
 * reading to EAGAIN or tracking clients with unread input.
 *
 * An idle connection costs one 16-byte table slot plus its session: input is
 * read into the loop's scratch buffer and fed to the session, which keeps
 * only an incomplete frame's tail; replies live in the session until sent. */
#define EPOLL_SCRATCH_SIZE (64 * 1024)
#define EPOLL_OUT_BUDGET (1024 * 1024) /* bytes sent per client per wake-up */
#define EPOLL_MAX_EVENTS 256
#define EPOLL_ACCEPTS_PER_WAKE 64

/* One connection. `events` is what epoll is asked for: EPOLLIN, plus
 * EPOLLOUT while replies are pending; reading stops (EPOLLOUT alone) once
 * the session wants to close. While flow control holds requests back the
 * loop still reads: the session keeps the input, bounded by the output
 * limit. */
struct epoll_conn {
    struct session *s; /* NULL: slot free */
    uint32_t events;
};

struct epoll_loop {
    int id;
    int epfd;
    int lfd;
    struct core *core;
    const struct server_config *cfg;
    struct epoll_conn *conns; /* indexed by fd, nslots entries */
    int nslots;
    int maxfd;                /* highest fd in use, for scans */
    int nconns;
    char *scratch;
    bool draining;
    long long drain_deadline;
    long long accept_pause_until; /* 0: accepting */
    long long cron_last, timeout_last;
    pthread_t thread;
    int rc;
};

static void epoll_conn_close(struct epoll_loop *lp, int fd)
{
    struct epoll_conn *c = &lp->conns[fd];

    pump_log_close(c->s);
    session_free(c->s);
    c->s = NULL;
    c->events = 0;
    /* close() also removes fd from the epoll set (we never dup it). */
    pump_close(fd, lp->scratch, EPOLL_SCRATCH_SIZE);
    lp->nconns--;
}

/* After I/O on fd: send what is pending, then decide whether to read next
 * or wait for room to write, or close. */
static void epoll_conn_settle(struct epoll_loop *lp, int fd)
{
    struct epoll_conn *c = &lp->conns[fd];

    if (session_out_pending(c->s) > 0 && pump_out(fd, c->s, EPOLL_OUT_BUDGET) < 0) {
        epoll_conn_close(lp, fd);
        return;
    }
    size_t pending = session_out_pending(c->s);
    bool done = session_want_close(c->s) || lp->draining;
    if (pending == 0 && done) {
        epoll_conn_close(lp, fd);
        return;
    }
    uint32_t want = pending > 0 ? EPOLLOUT : 0;
    if (!done)
        want |= EPOLLIN;
    if (want != c->events) {
        struct epoll_event ev = {.events = want, .data.fd = fd};
        if (epoll_ctl(lp->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) {
            log_msg(LOG_WARNING, "epoll_ctl(MOD) on fd %d failed: %s", fd, strerror(errno));
            epoll_conn_close(lp, fd);
            return;
        }
        c->events = want;
    }
}

static void epoll_conn_event(struct epoll_loop *lp, int fd, uint32_t ev)
{
    struct epoll_conn *c = &lp->conns[fd];

    if ((c->events & EPOLLIN) && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        ssize_t n = pump_in(fd, c->s, lp->scratch, EPOLL_SCRATCH_SIZE);
        if (n == 0) {
            /* End of stream: as Redis does, send what the socket takes
             * now and close; a peer that is gone is owed nothing more. */
            pump_out(fd, c->s, EPOLL_OUT_BUDGET);
            epoll_conn_close(lp, fd);
            return;
        }
        if (n < 0 && n != -EAGAIN) {
            epoll_conn_close(lp, fd);
            return;
        }
    } else if (ev & EPOLLERR) {
        epoll_conn_close(lp, fd);
        return;
    }
    epoll_conn_settle(lp, fd);
}

static void epoll_pause_accepting(struct epoll_loop *lp, long long now)
{
    /* The listener stays readable while we are out of descriptors; with
     * level triggering it would spin, so stop watching it for a tick. */
    epoll_ctl(lp->epfd, EPOLL_CTL_DEL, lp->lfd, NULL);
    lp->accept_pause_until = now + 100;
}

static void epoll_accept(struct epoll_loop *lp)
{
    for (int k = 0; k < EPOLL_ACCEPTS_PER_WAKE; k++) {
        struct session *s;
        int fd = pump_accept(lp->core, lp->lfd, true, &s);
        if (pump_out_of_fds(fd)) {
            epoll_pause_accepting(lp, net_mono_ms());
            return;
        }
        if (fd == -ENOMEM)
            continue;
        if (fd < 0)
            return;
        if (fd >= lp->nslots) {
            log_msg(LOG_WARNING, "fd %d above the open-files limit seen at start; closing it", fd);
            session_free(s);
            close(fd);
            continue;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            log_msg(LOG_WARNING, "epoll_ctl(ADD) on fd %d failed: %s", fd, strerror(errno));
            session_free(s);
            close(fd);
            continue;
        }
        lp->conns[fd] = (struct epoll_conn){.s = s, .events = EPOLLIN};
        lp->nconns++;
        if (fd > lp->maxfd)
            lp->maxfd = fd;
        /* A refused client (maxclients, protected mode) already has its
         * error queued: this sends it and closes. */
        epoll_conn_settle(lp, fd);
    }
}

static void epoll_drain_start(struct epoll_loop *lp, long long now)
{
    if (lp->id == 0)
        log_msg(LOG_NOTICE, "Received %s: stopped accepting, flushing pending replies",
                net_shutdown_reason());
    lp->draining = true;
    lp->drain_deadline = now + PUMP_DRAIN_MS;
    epoll_ctl(lp->epfd, EPOLL_CTL_DEL, net_shutdown_fd(), NULL);
    close(lp->lfd);
    lp->lfd = -1;
    for (int fd = 0; fd <= lp->maxfd; fd++)
        if (lp->conns[fd].s != NULL)
            epoll_conn_settle(lp, fd);
}

static void epoll_check_timeouts(struct epoll_loop *lp)
{
    int64_t now = store_now_ms(core_store(lp->core));

    for (int fd = 0; fd <= lp->maxfd; fd++) {
        struct epoll_conn *c = &lp->conns[fd];
        if (c->s != NULL && session_timed_out(c->s, now)) {
            log_msg(LOG_VERBOSE, "Closing idle client (fd %d)", fd);
            epoll_conn_close(lp, fd);
        }
    }
}

/* Timers: cron (loop 0 only: one expiry pass per tick for the process, not
 * one per loop), idle timeouts, resuming a paused listener. */
static void epoll_timers(struct epoll_loop *lp, long long now)
{
    if (lp->id == 0)
        pump_cron_due(lp->core, &lp->cron_last, now);
    if (lp->draining)
        return;
    if (lp->cfg->timeout > 0 && now - lp->timeout_last >= 1000) {
        lp->timeout_last = now;
        epoll_check_timeouts(lp);
    }
    if (lp->accept_pause_until != 0 && now >= lp->accept_pause_until) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = lp->lfd};
        if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->lfd, &ev) == 0)
            lp->accept_pause_until = 0;
    }
}

static int epoll_loop_run(struct epoll_loop *lp)
{
    struct epoll_event events[EPOLL_MAX_EVENTS];
    const int sfd = net_shutdown_fd();

    for (;;) {
        long long now = net_mono_ms();
        int wait_ms = 100;
        if (lp->draining) {
            if (lp->nconns == 0 || now >= lp->drain_deadline)
                break;
            if (lp->drain_deadline - now < wait_ms)
                wait_ms = (int)(lp->drain_deadline - now);
        }
        int n = epoll_wait(lp->epfd, events, EPOLL_MAX_EVENTS, wait_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_msg(LOG_WARNING, "epoll_wait failed: %s", strerror(errno));
            return 1;
        }
        now = net_mono_ms();
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == sfd) {
                if (!lp->draining)
                    epoll_drain_start(lp, now);
            } else if (fd == lp->lfd) {
                if (!lp->draining)
                    epoll_accept(lp);
            } else if (fd < lp->nslots && lp->conns[fd].s != NULL) {
                epoll_conn_event(lp, fd, events[i].events);
            }
        }
        epoll_timers(lp, now);
    }
    if (lp->nconns > 0)
        log_msg(LOG_WARNING, "Shutdown: %d client(s) did not read their replies within %d ms; closing them",
                lp->nconns, PUMP_DRAIN_MS);
    for (int fd = 0; fd <= lp->maxfd; fd++)
        if (lp->conns[fd].s != NULL)
            epoll_conn_close(lp, fd);
    return 0;
}

static void *epoll_loop_thread(void *arg)
{
    struct epoll_loop *lp = arg;

    lp->rc = epoll_loop_run(lp);
    if (lp->rc != 0)
        net_shutdown_request(); /* one broken loop stops them all, cleanly */
    return NULL;
}

static void epoll_loop_free(struct epoll_loop *lp)
{
    if (lp->epfd >= 0)
        close(lp->epfd);
    if (lp->lfd >= 0)
        close(lp->lfd);
    free(lp->conns);
    free(lp->scratch);
}

static int epoll_loop_init(struct epoll_loop *lp, int nslots)
{
    struct epoll_event ev = {.events = EPOLLIN};

    lp->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (lp->epfd < 0)
        return -errno;
    /* calloc'd, so pages of the table are only touched for fds in use. */
    lp->conns = calloc((size_t)nslots, sizeof(*lp->conns));
    lp->scratch = malloc(EPOLL_SCRATCH_SIZE);
    if (lp->conns == NULL || lp->scratch == NULL)
        return -ENOMEM;
    lp->nslots = nslots;
    ev.data.fd = lp->lfd;
    if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->lfd, &ev) < 0)
        return -errno;
    ev.data.fd = net_shutdown_fd();
    if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
        return -errno;
    return 0;
}

static int epoll_run(const struct server_config *cfg, struct core *core)
{
    const int nloops = cfg->threads > 0 ? cfg->threads : 1;
    struct epoll_loop *loops = calloc((size_t)nloops, sizeof(*loops));
    int *lfds = calloc((size_t)nloops, sizeof(*lfds));
    struct rlimit rl;
    int nslots, started = 1, rc = 1;
    char detail[64];

    if (loops == NULL || lfds == NULL) {
        log_msg(LOG_WARNING, "epoll engine: out of memory at startup");
        goto out_free;
    }
    if (engine_listen(cfg, nloops, lfds) < 0)
        goto out_free;
    /* Every fd the process can open fits in the table. */
    nslots = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
                     rl.rlim_cur < (1u << 24)
                 ? (int)rl.rlim_cur
                 : (1 << 20);
    long long now = net_mono_ms();
    for (int i = 0; i < nloops; i++) {
        loops[i] = (struct epoll_loop){
            .id = i, .epfd = -1, .lfd = lfds[i], .core = core, .cfg = cfg,
            .maxfd = -1, .cron_last = now, .timeout_last = now,
        };
    }
    for (int i = 0; i < nloops; i++) {
        int err = epoll_loop_init(&loops[i], nslots);
        if (err < 0) {
            log_msg(LOG_WARNING, "epoll engine: could not set up loop %d: %s", i, strerror(-err));
            goto out_loops;
        }
    }
    snprintf(detail, sizeof(detail), "%d loop%s, level-triggered", nloops, nloops > 1 ? "s" : "");
    {
        char info[64];
        snprintf(info, sizeof(info), "epoll_loops:%d\r\n", nloops);
        core_set_engine_info(core, info);
    }
    engine_log_ready(cfg, loops[0].lfd, detail);

    for (; started < nloops; started++) {
        int err = pthread_create(&loops[started].thread, NULL, epoll_loop_thread, &loops[started]);
        if (err != 0) {
            log_msg(LOG_WARNING, "epoll engine: could not start loop thread %d: %s", started,
                    strerror(err));
            net_shutdown_request();
            break;
        }
    }
    rc = epoll_loop_run(&loops[0]);
    if (rc != 0)
        net_shutdown_request();
    for (int i = 1; i < started; i++) {
        pthread_join(loops[i].thread, NULL);
        if (loops[i].rc != 0)
            rc = loops[i].rc;
    }
    if (started < nloops)
        rc = 1;
out_loops:
    for (int i = 0; i < nloops; i++)
        epoll_loop_free(&loops[i]);
out_free:
    free(loops);
    free(lfds);
    return rc;
}

const struct engine engine_epoll = {
    .name = "epoll",
    .summary = "epoll(7) loop, non-blocking, write backpressure; --threads N for N loops",
    .multi_loop = true,
    .run = epoll_run,
};
