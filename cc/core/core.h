/* core.h - what every session of one respd process shares: the store, the
 * settings commands can see (INFO, CONFIG GET), statistics and the registry
 * of connected clients (CLIENT LIST, connected_clients, maxclients).
 *
 * Owns: the store and its own copies of the settings. Does not own sessions
 * (they register and unregister themselves). Thread-safe: statistics are
 * atomic, the registry has its own lock. No I/O, no logging.
 */
#ifndef RESPD_CORE_H
#define RESPD_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cc/core/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RESPD_VERSION "0.1.0"
/* The Redis version respd answers as (HELLO, INFO redis_version): clients
 * pick protocol features by it. */
#define RESPD_REDIS_COMPAT_VERSION "7.0.15"

struct core_config {
    const char *engine;      /* engine name, for INFO and HELLO */
    const char *bind;        /* listen address, for CONFIG GET / CLIENT LIST */
    int port;
    int maxclients;          /* connected clients allowed; extra ones get an error */
    const char *requirepass; /* NULL or "": no password */
    int timeout;             /* idle client timeout in seconds, 0 = none */
    int threads;             /* event loops / I/O threads, for INFO */
    size_t output_limit;     /* per-client output hard limit, bytes; 0 = none */
    bool protected_mode;     /* refuse non-loopback clients without a password */
    const char *loglevel;    /* for CONFIG GET */
    /* 16 bytes from a real random source (getrandom) keying the store's
     * hash against flooding; read once by core_new. NULL: the store keys
     * itself from the clock and addresses. */
    const unsigned char *hash_seed;
};

struct core;

/* Returns a new core with its own copy of cfg and a new store, or NULL when
 * out of memory. Not thread-safe; create before starting engines. */
struct core *core_new(const struct core_config *cfg);
/* Frees the core and its store. All sessions must have been freed. */
void core_free(struct core *c);

struct store *core_store(struct core *c);
const struct core_config *core_config(const struct core *c);
/* The keyspace clock, in ms since the epoch: what session_timed_out takes
 * and what expiry compares against. Thread-safe. */
int64_t core_now_ms(struct core *c);

/* Engine-specific lines appended to INFO's server section, e.g.
 * "io_uring_multishot_accept:1\r\n". Copied. Call before serving clients. */
int core_set_engine_info(struct core *c, const char *lines);

/* Process figures the core may not collect itself (it makes no system
 * calls): main or the engine installs a hook that fills them for INFO's cpu
 * and memory sections. Fields left 0 are reported as 0. */
struct core_proc_stats {
    double cpu_sys;             /* seconds of system CPU, this process */
    double cpu_user;
    double cpu_sys_children;
    double cpu_user_children;
    size_t rss_bytes;           /* resident set size */
    size_t peak_rss_bytes;
    long process_id;            /* INFO process_id */
};
typedef void (*core_stats_hook)(void *ctx, struct core_proc_stats *out);
/* Installs the hook (NULL removes it). Called from whichever thread runs
 * INFO, so it must be thread-safe. Call before serving clients. */
void core_set_stats_hook(struct core *c, core_stats_hook fn, void *ctx);

/* SHUTDOWN: the core cannot stop its engine, so main installs a hook that
 * asks the engine to stop as SIGTERM does (stop accepting, flush every reply
 * already produced, exit 0). Called from whichever thread runs the command,
 * so it must be thread-safe. Without a hook SHUTDOWN answers an error. Call
 * before serving clients. */
typedef void (*core_shutdown_hook)(void *ctx);
void core_set_shutdown_hook(struct core *c, core_shutdown_hook fn, void *ctx);

/* Number of registered (admitted, not yet freed) sessions. */
int core_connected_clients(struct core *c);

/* Periodic housekeeping an engine calls about every 100 ms (Redis's hz 10):
 * active expiry within a small time budget. Thread-safe. */
void core_cron(struct core *c);

#ifdef __cplusplus
}
#endif

#endif
