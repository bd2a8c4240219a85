/* threads.c - the "threads" engine: one thread per connection with blocking
 * I/O (the C form of a goroutine per connection) and small stacks.
 *
 * The calling thread owns the listener and the cron; each connection thread
 * owns its fd, session and read buffer. The store is shared: this engine is
 * where its locking shows. Each connection thread reads while its replies
 * wait to be sent (pump_serve_blocking): a deep pipeline written before
 * any read is served, and a client that writes past the output limit
 * without reading is disconnected with a logged reason, never left hanging.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cc/core/session.h"
#include "cc/servers/engine.h"
#include "cc/servers/log.h"
#include "cc/servers/net.h"
#include "cc/servers/pump.h"

/* Sanitizers add redzones and shadow frames: give them room. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define THREADS_STACK_SIZE (512 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define THREADS_STACK_SIZE (512 * 1024)
#endif
#endif
#ifndef THREADS_STACK_SIZE
#define THREADS_STACK_SIZE (64 * 1024)
#endif

#define THREADS_BUF_SIZE (16 * 1024)

struct threads_shared {
    pthread_mutex_t lock;
    pthread_cond_t idle; /* signalled when live drops to 0 */
    int live;
};

struct threads_conn {
    struct threads_shared *shared;
    struct core *core;
    struct session *s;
    int fd;
};

static void *threads_conn_main(void *arg)
{
    struct threads_conn *tc = arg;
    struct threads_shared *shared = tc->shared;
    char *buf = malloc(THREADS_BUF_SIZE);

    if (buf != NULL) {
        pump_serve_blocking(tc->core, tc->fd, tc->s, buf, THREADS_BUF_SIZE, NULL);
    } else {
        log_msg(LOG_WARNING, "Out of memory for a connection buffer; closing fd %d", tc->fd);
        session_free(tc->s);
        close(tc->fd);
    }
    free(buf);
    free(tc);
    pthread_mutex_lock(&shared->lock);
    if (--shared->live == 0)
        pthread_cond_broadcast(&shared->idle);
    pthread_mutex_unlock(&shared->lock);
    return NULL;
}

/* Refused clients (maxclients, protected mode) get their error from the
 * accepting thread: no thread is started for a connection that ends now. */
static void threads_refuse(int fd, struct session *s)
{
    char discard[512];

    pump_out(fd, s, SIZE_MAX);
    session_free(s);
    pump_close(fd, discard, sizeof(discard));
}

static void threads_start(struct threads_shared *shared, pthread_attr_t *attr,
                          struct core *core, int fd, struct session *s)
{
    struct threads_conn *tc = malloc(sizeof(*tc));
    pthread_t tid;
    int rc;

    if (tc == NULL) {
        log_msg(LOG_WARNING, "Out of memory starting a connection thread; closing fd %d", fd);
        session_free(s);
        close(fd);
        return;
    }
    *tc = (struct threads_conn){.shared = shared, .core = core, .s = s, .fd = fd};
    pthread_mutex_lock(&shared->lock);
    shared->live++;
    pthread_mutex_unlock(&shared->lock);
    rc = pthread_create(&tid, attr, threads_conn_main, tc);
    if (rc != 0) {
        log_msg(LOG_WARNING, "Could not start a thread for fd %d: %s (raise ulimit -u or lower --maxclients)",
                fd, strerror(rc));
        pthread_mutex_lock(&shared->lock);
        shared->live--;
        pthread_mutex_unlock(&shared->lock);
        free(tc);
        session_free(s);
        close(fd);
    }
}

static int threads_run(const struct server_config *cfg, struct core *core)
{
    struct threads_shared shared = {.live = 0};
    long long cron_last = net_mono_ms();
    long long accept_pause_until = 0;
    pthread_attr_t attr;
    bool failed = false;
    int lfd;

    if (engine_listen(cfg, 1, &lfd) < 0)
        return 1;
    pthread_mutex_init(&shared.lock, NULL);
    pthread_cond_init(&shared.idle, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, THREADS_STACK_SIZE);
    engine_log_ready(cfg, lfd, "one thread per connection");

    while (!net_shutdown_requested()) {
        long long now = net_mono_ms();
        struct pollfd pfd[2] = {
            {.fd = net_shutdown_fd(), .events = POLLIN},
            {.fd = lfd, .events = POLLIN},
        };
        int rc = poll(pfd, now < accept_pause_until ? 1 : 2, 100);
        if (rc < 0 && errno != EINTR) {
            log_msg(LOG_WARNING, "threads engine: poll failed: %s", strerror(errno));
            net_shutdown_request(); /* connection threads drain and exit */
            failed = true;
            break;
        }
        pump_cron_due(core, &cron_last, net_mono_ms());
        if (rc <= 0 || pfd[0].revents != 0 || !(pfd[1].revents & POLLIN))
            continue;

        /* Drain the backlog a bounded batch at a time so cron still runs. */
        for (int i = 0; i < 64; i++) {
            struct session *s;
            int fd = pump_accept(core, lfd, false, &s);
            if (pump_out_of_fds(fd))
                accept_pause_until = net_mono_ms() + 100;
            if (fd == -ENOMEM)
                continue;
            if (fd < 0)
                break;
            if (session_want_close(s))
                threads_refuse(fd, s);
            else
                threads_start(&shared, &attr, core, fd, s);
        }
    }
    close(lfd);
    pthread_mutex_lock(&shared.lock);
    log_msg(LOG_NOTICE, "Received %s: stopped accepting, flushing replies of %d clients",
            net_shutdown_reason(), shared.live);
    /* Every connection thread polls the shutdown fd and gives up flushing
     * after PUMP_DRAIN_MS, so this wait is bounded. */
    while (shared.live > 0)
        pthread_cond_wait(&shared.idle, &shared.lock);
    pthread_mutex_unlock(&shared.lock);
    pthread_attr_destroy(&attr);
    pthread_cond_destroy(&shared.idle);
    pthread_mutex_destroy(&shared.lock);
    return failed ? 1 : 0;
}

const struct engine engine_threads = {
    .name = "threads",
    .summary = "blocking I/O, one thread per connection (small stacks), shared store",
    .multi_loop = false,
    .run = threads_run,
};
