/* loops.h - starting and joining the N event loops of a multi-loop engine
 * (epoll, uring): loop 0 on the caller's thread, the others on their own.
 *
 * Owns the threads and the start-up rendezvous only; each loop's state and
 * what it logs belong to the engine, reached through the callbacks below.
 */
#ifndef RESPD_LOOPS_H
#define RESPD_LOOPS_H

#ifdef __cplusplus
extern "C" {
#endif

/* An engine's loops, seen through their index i in [0, n). ctx is the
 * engine's own (typically its array of loops). */
struct loops_ops {
    /* Prepares loop i on the thread that will run it (io_uring's
     * SINGLE_ISSUER ties a ring to the thread that created it). Returns 0, or
     * non-zero with the reason kept where report can find it. */
    int (*setup)(void *ctx, int i);
    /* Logs one line saying why loop i could not be set up; err is what its
     * setup returned. Called for the lowest failed index only. */
    void (*report)(void *ctx, int i, int err);
    /* Runs on the caller's thread once every loop is set up and before any
     * serves: the place for the Ready line. */
    void (*ready)(void *ctx, int n);
    /* Serves until shutdown is requested and drained; 0 then, non-zero
     * after logging a fatal error. */
    int (*run)(void *ctx, int i);
    /* Releases loop i on its own thread after it ran, or after its setup
     * failed or never happened (then possibly on the caller's thread): it
     * must take a loop in any of those states. */
    void (*teardown)(void *ctx, int i);
};

/* Sets up n >= 1 loops, each on its own thread (loop 0 on the caller's);
 * when all succeed, calls ready and starts them together, else reports the
 * first failure and starts none. A loop whose run fails requests shutdown
 * (net.h), so the others drain and return too. Returns after every loop was
 * torn down and joined: 0 when all set up and ran cleanly, 1 otherwise.
 * name prefixes the line logged when a thread cannot be created. */
int loops_run(const char *name, int n, const struct loops_ops *ops, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
