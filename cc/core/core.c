/* core.c - state shared by every session of one respd process: settings,
 * statistics, the client registry and periodic housekeeping.
 *
 * Owns: the store, copies of the settings, the registry lock. Does not own
 * sessions (they register themselves) and makes no system call except
 * reading the clock.
 */
#define _GNU_SOURCE
#include "cc/core/core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cc/core/commands.h"

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
    commands_init();
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
    c->cmdstats = calloc(commands_count(), sizeof(*c->cmdstats));
    if (c->cmdstats == NULL)
        goto fail;
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
    free(c->cmdstats);
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
    free(c->cmdstats);
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

/* Redis's instantaneous rates, over the interval since the last sample of
 * at least 100 ms. Called under cron_lock. */
static void core_sample_rates(struct core *c, int64_t now_us)
{
    uint64_t ops = 0;
    for (size_t i = 0; i < commands_count(); i++)
        ops += atomic_load_explicit(&c->cmdstats[i].calls, memory_order_relaxed);
    uint64_t in = atomic_load_explicit(&c->net_input_bytes, memory_order_relaxed);
    uint64_t out = atomic_load_explicit(&c->net_output_bytes, memory_order_relaxed);
    int64_t dt = now_us - c->sample_us;
    if (c->sample_us != 0 && dt < 100000)
        return;
    if (c->sample_us != 0 && dt > 0) {
        atomic_store_explicit(&c->inst_ops,
                              (ops - c->sample_ops) * 1000000 / (uint64_t)dt,
                              memory_order_relaxed);
        atomic_store_explicit(&c->inst_in_bps,
                              (in - c->sample_in) * 1000000 / (uint64_t)dt,
                              memory_order_relaxed);
        atomic_store_explicit(&c->inst_out_bps,
                              (out - c->sample_out) * 1000000 / (uint64_t)dt,
                              memory_order_relaxed);
    }
    c->sample_us = now_us;
    c->sample_ops = ops;
    c->sample_in = in;
    c->sample_out = out;
}

void core_cron(struct core *c)
{
    /* With several loops calling in, one pass at a time is enough. */
    if (pthread_mutex_trylock(&c->cron_lock) != 0)
        return;
    int64_t start = core_mono_us();
    core_sample_rates(c, start);
    for (;;) {
        size_t removed = store_active_expire(c->store, CORE_EXPIRE_BATCH);
        if (removed * 100 <= (size_t)CORE_EXPIRE_BATCH * CORE_EXPIRE_REPEAT_PCT)
            break;
        if (core_mono_us() - start >= CORE_EXPIRE_BUDGET_US)
            break;
    }
    pthread_mutex_unlock(&c->cron_lock);
}

bool core_register(struct core *c, struct session *s)
{
    bool admitted = false;
    pthread_mutex_lock(&c->registry_lock);
    int n = atomic_load_explicit(&c->nclients, memory_order_relaxed);
    if (c->cfg.maxclients <= 0 || n < c->cfg.maxclients) {
        s->id = atomic_fetch_add_explicit(&c->next_client_id, 1,
                                          memory_order_relaxed);
        s->prev = NULL;
        s->next = c->clients;
        if (c->clients != NULL)
            c->clients->prev = s;
        c->clients = s;
        atomic_store_explicit(&c->nclients, n + 1, memory_order_relaxed);
        admitted = true;
    } else {
        /* Rejected clients still get an id, as Redis gives every
         * connection one. */
        s->id = atomic_fetch_add_explicit(&c->next_client_id, 1,
                                          memory_order_relaxed);
    }
    pthread_mutex_unlock(&c->registry_lock);
    /* Like Redis, a client refused for maxclients is counted as rejected,
     * not as a connection received. */
    if (admitted)
        atomic_fetch_add_explicit(&c->total_connections, 1, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&c->rejected_connections, 1,
                                  memory_order_relaxed);
    return admitted;
}

void core_unregister(struct core *c, struct session *s)
{
    pthread_mutex_lock(&c->registry_lock);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        c->clients = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    atomic_fetch_sub_explicit(&c->nclients, 1, memory_order_relaxed);
    pthread_mutex_unlock(&c->registry_lock);
}

void core_set_client_name(struct core *c, struct session *s, char *name)
{
    char *old;
    pthread_mutex_lock(&c->registry_lock);
    old = s->name;
    s->name = name;
    pthread_mutex_unlock(&c->registry_lock);
    free(old);
}

/* Appends one CLIENT LIST line for s to buf (growing it). Fields a session
 * only knows about itself (buffer sizes) are reported for `self` only, as
 * reading another thread's buffers would race. */
static bool core_client_line(struct core *c, struct session *self,
                             struct session *s, int64_t now_ms, char **buf,
                             size_t *len, size_t *cap)
{
    char addr[64];
    char laddr[80];
    session_format_peer(s, addr, sizeof(addr));
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
    size_t qbuf = 0, qbuf_free = 0, rbs = 0, obl = 0, omem = 0;
    int proto = atomic_load_explicit(&s->resp, memory_order_relaxed);
    if (s == self) {
        qbuf = s->in_len;
        qbuf_free = (size_t)s->in_cap - s->in_len;
        rbs = s->in_cap;
        obl = reply_pending(&s->out);
        omem = s->out.cap;
    }
    size_t totmem = sizeof(*s) + rbs + omem;
    for (;;) {
        size_t room = *cap - *len;
        int n = snprintf(*buf + *len, room,
                         "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld "
                         "idle=%lld flags=N db=%u sub=0 psub=0 ssub=0 "
                         "multi=-1 qbuf=%zu qbuf-free=%zu argv-mem=0 "
                         "multi-mem=0 rbs=%zu rbp=%zu obl=%zu oll=0 omem=0 "
                         "tot-mem=%zu events=r cmd=%s user=default redir=-1 "
                         "resp=%d\n",
                         (unsigned long long)s->id, addr, laddr, s->fd,
                         s->name != NULL ? s->name : "", (long long)age,
                         (long long)idle, db, qbuf, qbuf_free, rbs, qbuf, obl,
                         totmem, cmdname, proto);
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

void core_client_list(struct core *c, struct session *self,
                      const uint64_t *ids, size_t nids, struct reply *out)
{
    size_t len = 0, cap = 512;
    char *buf = malloc(cap);
    bool ok = buf != NULL;
    int64_t now = store_now_ms(c->store);
    if (ok) {
        pthread_mutex_lock(&c->registry_lock);
        /* Oldest first, like Redis. */
        struct session *last = c->clients;
        while (last != NULL && last->next != NULL)
            last = last->next;
        for (struct session *s = last; s != NULL && ok; s = s->prev) {
            bool wanted = ids == NULL;
            for (size_t i = 0; i < nids && !wanted; i++)
                wanted = ids[i] == s->id;
            if (wanted)
                ok = core_client_line(c, self, s, now, &buf, &len, &cap);
        }
        pthread_mutex_unlock(&c->registry_lock);
    }
    if (!ok) {
        free(buf);
        reply_error(out, "ERR out of memory");
        return;
    }
    reply_verbatim(out, "txt", buf, len);
    free(buf);
}
