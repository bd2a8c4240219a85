/* engine.h - the one interface every I/O engine implements, plus the two
 * startup steps all engines share (opening listeners, the "Ready" line).
 *
 * An engine moves bytes between sockets and the core's sessions; it never
 * parses RESP. main.c keeps the table of engines and picks one by name.
 */
#ifndef RESPD_ENGINE_H
#define RESPD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "cc/core/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the io_uring engine reads and accepts (--uring-mode; see uring.c). */
enum uring_mode {
    URING_MODE_AUTO,       /* multishot where the kernel has it, else single-shot */
    URING_MODE_MULTISHOT,  /* multishot accept and recv, or refuse to start */
    URING_MODE_SINGLESHOT, /* one accept and one poll + recv(2) at a time */
};

/* Everything main parsed from the command line that engines act on. The
 * settings commands can see are also copied into the core's core_config. */
struct server_config {
    const char *engine;
    const char *bind;
    int port;               /* 0: the kernel picks one (logged in the Ready line) */
    int maxclients;
    int timeout;            /* idle seconds, 0 = none */
    int threads;            /* loops for multi-loop engines; main resolves 0 to the CPU count, so >= 1 here */
    enum uring_mode uring_mode;
    size_t output_limit;
};

struct engine {
    const char *name;
    const char *summary;   /* one line for --help */
    bool multi_loop;       /* accepts --threads N > 1 */
    /* Serves until shutdown is requested (see net.h), then flushes pending
     * replies, closes every connection and returns 0. Returns non-zero after
     * logging one line that says why it could not start and what to do.
     * Called once, from main's thread, with signals already set up. */
    int (*run)(const struct server_config *cfg, struct core *core);
};

extern const struct engine engine_sync;
extern const struct engine engine_threads;
extern const struct engine engine_poll;
extern const struct engine engine_epoll;
extern const struct engine engine_uring;

/* Opens n listeners (n > 1: SO_REUSEPORT, one per loop) on cfg's address via
 * net_listen_many. On failure logs one warning-level line naming the address
 * and the cause (port in use, address not local, ...) and returns -errno
 * with nothing left open; 0 on success. */
int engine_listen(const struct server_config *cfg, int n, int *fds);

/* Logs the startup line the tests and users wait for: "Ready to accept
 * connections tcp on ADDR:PORT (engine NAME, DETAIL)", with the port the
 * listener really got. detail may be NULL. Thread-safe. */
void engine_log_ready(const struct server_config *cfg, int lfd, const char *detail);

#ifdef __cplusplus
}
#endif

#endif
