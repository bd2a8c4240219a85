/* core.c - state shared by every session of one respd process: settings,
 * the client registry, the clock and periodic housekeeping.
 *
 * Owns: the store, copies of the settings, the registry lock, the counters.
 * Knows neither commands nor sessions (clients register a core_client node)
 * and makes no system call except reading the clock.
 */
#define _GNU_SOURCE
#include "cc/core/core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cc/core/core_internal.h"

/* Redis spends at most 25% of a 100 ms cron tick on active expiry. */
#define CORE_EXPIRE_BUDGET_US 25000
#define CORE_EXPIRE_BATCH 200
/* Keep sampling while more than this share of a batch had expired. */
#define CORE_EXPIRE_REPEAT_PCT 10

int64_t core_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* strdup for optional settings: NULL stays NULL. */
static bool core_copy_str(const char *src, char **dst)
{
    *dst = NULL;
    if (src == NULL)
        return true;
    *dst = strdup(src);
    return *dst != NULL;
}

struct core *core_new(const struct core_config *cfg)
{
    struct core *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->cfg = *cfg;
    if (!core_copy_str(cfg->bind, &c->bind_copy) ||
        !core_copy_str(cfg->engine, &c->engine_copy) ||
        !core_copy_str(cfg->requirepass, &c->requirepass_copy) ||
        !core_copy_str(cfg->loglevel, &c->loglevel_copy))
        goto fail;
    c->cfg.bind = c->bind_copy;
    c->cfg.engine = c->engine_copy;
    c->cfg.loglevel = c->loglevel_copy;
    /* An empty password means none, as the header promises. */
    if (c->requirepass_copy != NULL && c->requirepass_copy[0] == '\0') {
        free(c->requirepass_copy);
        c->requirepass_copy = NULL;
    }
    c->cfg.requirepass = c->requirepass_copy;
    c->store = cfg->hash_seed != NULL ? store_new_seeded(cfg->hash_seed) : store_new();
    c->cfg.hash_seed = NULL; /* not retained */
    if (c->store == NULL)
        goto fail;
    if (pthread_mutex_init(&c->registry_lock, NULL) != 0)
        goto fail_store;
    if (pthread_mutex_init(&c->cron_lock, NULL) != 0)
        goto fail_registry;
    atomic_init(&c->next_client_id, 1);
    c->start_ms = store_now_ms(c->store);
    c->start_mono_us = core_mono_us();
    return c;

fail_registry:
    pthread_mutex_destroy(&c->registry_lock);
fail_store:
    store_free(c->store);
fail:
    free(c->bind_copy);
    free(c->engine_copy);
    free(c->requirepass_copy);
    free(c->loglevel_copy);
    free(c);
    return NULL;
}

void core_free(struct core *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->cron_lock);
    pthread_mutex_destroy(&c->registry_lock);
    store_free(c->store);
    free(c->engine_info);
    free(c->bind_copy);
    free(c->engine_copy);
    free(c->requirepass_copy);
    free(c->loglevel_copy);
    free(c);
}

struct store *core_store(struct core *c)
{
    return c->store;
}

int64_t core_now_ms(struct core *c)
{
    return store_now_ms(c->store);
}

const struct core_config *core_config(const struct core *c)
{
    return &c->cfg;
}

int core_set_engine_info(struct core *c, const char *lines)
{
    char *copy = NULL;
    if (lines != NULL && lines[0] != '\0') {
        size_t n = strlen(lines);
        /* INFO lines end in CRLF; add one if the engine forgot. */
        bool terminated = n >= 2 && lines[n - 2] == '\r' && lines[n - 1] == '\n';
        copy = malloc(n + 3);
        if (copy == NULL)
            return -ENOMEM;
        memcpy(copy, lines, n);
        if (!terminated) {
            if (n > 0 && lines[n - 1] == '\n')
                n--;
            copy[n++] = '\r';
            copy[n++] = '\n';
        }
        copy[n] = '\0';
    }
    free(c->engine_info);
    c->engine_info = copy;
    return 0;
}

void core_set_stats_hook(struct core *c, core_stats_hook fn, void *ctx)
{
    c->stats_hook = fn;
    c->stats_hook_ctx = ctx;
}

void core_set_shutdown_hook(struct core *c, core_shutdown_hook fn, void *ctx)
{
    c->shutdown_hook = fn;
    c->shutdown_hook_ctx = ctx;
}

int core_connected_clients(struct core *c)
{
    return atomic_load_explicit(&c->nclients, memory_order_relaxed);
}

void core_cron(struct core *c)
{
    /* With several loops calling in, one pass at a time is enough. */
    if (pthread_mutex_trylock(&c->cron_lock) != 0)
        return;
    int64_t start = core_mono_us();
    stats_sample_rates(&c->stats, start);
    for (;;) {
        size_t removed = store_active_expire(c->store, CORE_EXPIRE_BATCH);
        if (removed * 100 <= (size_t)CORE_EXPIRE_BATCH * CORE_EXPIRE_REPEAT_PCT)
            break;
        if (core_mono_us() - start >= CORE_EXPIRE_BUDGET_US)
            break;
    }
    pthread_mutex_unlock(&c->cron_lock);
}

bool core_register(struct core *c, struct core_client *cl)
{
    bool admitted = false;
    pthread_mutex_lock(&c->registry_lock);
    int n = atomic_load_explicit(&c->nclients, memory_order_relaxed);
    /* Rejected clients still get an id, as Redis gives every connection
     * one. */
    cl->id = atomic_fetch_add_explicit(&c->next_client_id, 1,
                                       memory_order_relaxed);
    if (c->cfg.maxclients <= 0 || n < c->cfg.maxclients) {
        cl->prev = NULL;
        cl->next = c->clients;
        if (c->clients != NULL)
            c->clients->prev = cl;
        c->clients = cl;
        atomic_store_explicit(&c->nclients, n + 1, memory_order_relaxed);
        admitted = true;
    }
    pthread_mutex_unlock(&c->registry_lock);
    /* Like Redis, a client refused for maxclients is counted as rejected,
     * not as a connection received. */
    stats_add(admitted ? &c->stats.total_connections
                       : &c->stats.rejected_connections,
              1);
    return admitted;
}

void core_unregister(struct core *c, struct core_client *cl)
{
    pthread_mutex_lock(&c->registry_lock);
    if (cl->prev != NULL)
        cl->prev->next = cl->next;
    else
        c->clients = cl->next;
    if (cl->next != NULL)
        cl->next->prev = cl->prev;
    cl->prev = cl->next = NULL;
    atomic_fetch_sub_explicit(&c->nclients, 1, memory_order_relaxed);
    pthread_mutex_unlock(&c->registry_lock);
}

void core_set_client_name(struct core *c, struct core_client *cl, char *name)
{
    char *old;
    pthread_mutex_lock(&c->registry_lock);
    old = cl->name;
    cl->name = name;
    pthread_mutex_unlock(&c->registry_lock);
    free(old);
}

void core_clients_foreach(struct core *c, core_client_fn fn, void *ctx)
{
    pthread_mutex_lock(&c->registry_lock);
    /* The list is newest first; walk it from its tail. */
    struct core_client *last = c->clients;
    while (last != NULL && last->next != NULL)
        last = last->next;
    for (struct core_client *cl = last; cl != NULL && fn(ctx, cl); cl = cl->prev) {
    }
    pthread_mutex_unlock(&c->registry_lock);
}
