/* engine.h - the one interface every I/O engine implements.
 *
 * An engine moves bytes between sockets and the core's sessions; it never
 * parses RESP. main.c keeps the table of engines and picks one by name.
 */
#ifndef RESPD_ENGINE_H
#define RESPD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "cc/core/core.h"

/* Everything main parsed from the command line that engines act on. The
 * settings commands can see are also copied into the core's core_config. */
struct server_config {
    const char *engine;
    const char *bind;
    int port;
    int maxclients;
    int timeout;        /* idle seconds, 0 = none */
    int threads;        /* loops for engines that support several (0 = one per CPU, resolved by main) */
    const char *uring_mode; /* "auto", "multishot" or "singleshot" */
    size_t output_limit;
};

struct engine {
    const char *name;
    const char *summary;   /* one line for --help */
    bool multi_loop;       /* accepts --threads N > 1 */
    /* Serves until shutdown is requested (see net.h), then flushes pending
     * replies, closes every connection and returns 0. Returns non-zero after
     * logging one line that says why it could not start and what to do. */
    int (*run)(const struct server_config *cfg, struct core *core);
};

extern const struct engine engine_sync;
extern const struct engine engine_threads;
extern const struct engine engine_poll;
extern const struct engine engine_epoll;
extern const struct engine engine_uring;

#endif
