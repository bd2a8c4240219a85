/* loops.c - N event loops on N threads: create, set up each on its own
 * thread, start all together or none, join, combine the exit codes.
 *
 * Holds no state beyond one loops_run call; never touches a socket.
 */
#define _GNU_SOURCE

#include "cc/servers/loops.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cc/servers/log.h"
#include "cc/servers/net.h"

struct loops_group;

struct loops_slot {
    struct loops_group *g;
    int index;
    int setup; /* what ops->setup returned */
    int rc;    /* 0: set up, ran and drained cleanly */
    pthread_t tid;
};

/* The rendezvous: every thread reports its setup, then waits for go. */
struct loops_group {
    const struct loops_ops *ops;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int reported;
    int go; /* 0 wait, 1 run, -1 abort */
};

static void loops_report_setup(struct loops_group *g)
{
    pthread_mutex_lock(&g->mu);
    g->reported++;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static int loops_wait_go(struct loops_group *g)
{
    pthread_mutex_lock(&g->mu);
    while (g->go == 0)
        pthread_cond_wait(&g->cv, &g->mu);
    int go = g->go;
    pthread_mutex_unlock(&g->mu);
    return go;
}

static void loops_set_go(struct loops_group *g, int go)
{
    pthread_mutex_lock(&g->mu);
    g->go = go;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* Runs a set-up loop and requests shutdown if it fails, so that one broken
 * loop stops them all, cleanly. */
static void loops_serve(struct loops_slot *s)
{
    s->rc = s->g->ops->run(s->g->ctx, s->index);
    if (s->rc != 0)
        net_shutdown_request();
}

static void *loops_thread(void *arg)
{
    struct loops_slot *s = arg;
    struct loops_group *g = s->g;

    s->setup = g->ops->setup(g->ctx, s->index);
    s->rc = s->setup != 0;
    loops_report_setup(g);
    if (s->setup == 0 && loops_wait_go(g) > 0)
        loops_serve(s);
    g->ops->teardown(g->ctx, s->index);
    return NULL;
}

int loops_run(const char *name, int n, const struct loops_ops *ops, void *ctx)
{
    struct loops_group g = {
        .ops = ops, .ctx = ctx, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER
    };
    struct loops_slot *slots = calloc((size_t)n, sizeof(*slots));
    int threads = 1, rc = 0;

    if (!slots) {
        log_msg(LOG_WARNING, "%s: out of memory starting %d loops", name, n);
        for (int i = 0; i < n; i++)
            ops->teardown(ctx, i);
        return 1;
    }
    for (int i = 0; i < n; i++)
        slots[i] = (struct loops_slot){ .g = &g, .index = i };
    for (; threads < n; threads++) {
        int err = pthread_create(&slots[threads].tid, NULL, loops_thread, &slots[threads]);
        if (err != 0) {
            log_msg(LOG_WARNING, "%s: could not start loop thread %d: %s", name, threads,
                    strerror(err));
            for (int j = threads; j < n; j++) {
                slots[j].rc = 1;
                ops->teardown(ctx, j);
            }
            break;
        }
    }
    slots[0].setup = ops->setup(ctx, 0);
    slots[0].rc = slots[0].setup != 0;
    pthread_mutex_lock(&g.mu);
    while (g.reported < threads - 1)
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);

    int failed = -1;
    for (int i = 0; i < n && failed < 0; i++)
        if (slots[i].setup != 0)
            failed = i;
    if (failed >= 0)
        ops->report(ctx, failed, slots[failed].setup);
    if (failed >= 0 || threads < n) {
        loops_set_go(&g, -1);
    } else {
        ops->ready(ctx, n);
        loops_set_go(&g, 1);
        loops_serve(&slots[0]);
    }
    ops->teardown(ctx, 0);
    for (int i = 1; i < threads; i++)
        pthread_join(slots[i].tid, NULL);
    for (int i = 0; i < n; i++)
        if (slots[i].rc != 0)
            rc = 1;
    free(slots);
    return rc;
}
