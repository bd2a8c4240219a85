/* core_internal.h - private to the core library: the layout of struct core
 * and the client registry, for the units that read shared state (sessions,
 * dispatch, INFO, CLIENT, CONFIG, SHUTDOWN). Engines use core.h.
 *
 * The registry holds core_client nodes, not sessions: the core does not
 * know what a session is, only that each registered client has an id and a
 * name that other threads may read under the registry lock.
 */
#ifndef RESPD_CORE_INTERNAL_H
#define RESPD_CORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cc/core/core.h"
#include "cc/core/stats.h"

/* One registered client, embedded in whatever the client is (a session). */
struct core_client {
    struct core_client *prev, *next; /* under registry_lock */
    uint64_t id;
    char *name;                      /* CLIENT SETNAME, NULL when unset */
};

struct core {
    struct core_config cfg;      /* strings point into owned copies below */
    char *bind_copy;
    char *engine_copy;
    char *requirepass_copy;
    char *loglevel_copy;
    char *engine_info;           /* INFO server extra lines, or NULL */
    struct store *store;
    int64_t start_ms;            /* store clock at creation */
    int64_t start_mono_us;

    core_stats_hook stats_hook;
    void *stats_hook_ctx;
    core_shutdown_hook shutdown_hook;
    void *shutdown_hook_ctx;

    pthread_mutex_t registry_lock;
    struct core_client *clients; /* intrusive list, newest first */
    _Atomic int nclients;
    _Atomic uint64_t next_client_id;

    pthread_mutex_t cron_lock;   /* one cron pass at a time */
    struct stats stats;
};

/* Admits a client into the registry unless maxclients is reached; assigns
 * its id either way. Returns true when admitted. Thread-safe. */
bool core_register(struct core *c, struct core_client *cl);
void core_unregister(struct core *c, struct core_client *cl);
/* Replaces a client's name under the registry lock (CLIENT LIST readers
 * may be looking at it). Takes ownership of name (NULL clears). */
void core_set_client_name(struct core *c, struct core_client *cl, char *name);
/* Calls fn for every registered client, oldest first, under the registry
 * lock, until fn returns false. fn must not register or unregister. */
typedef bool (*core_client_fn)(void *ctx, struct core_client *cl);
void core_clients_foreach(struct core *c, core_client_fn fn, void *ctx);
/* Microseconds on a monotonic clock. */
int64_t core_mono_us(void);

#endif
