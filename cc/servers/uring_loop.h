/* uring_loop.h - private to the io_uring engine: one loop's state and the
 * calls between its completion loop (uring.c) and its start and end
 * (uring_setup.c).
 *
 * Nothing outside those two files includes this; the engine's public face is
 * engine_uring in engine.h.
 */
#ifndef RESPD_URING_LOOP_H
#define RESPD_URING_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include <liburing.h>

#include "cc/core/core.h"
#include "cc/servers/engine.h"
#include "cc/servers/uring_util.h"

/* Provided buffers per loop: enough that a burst of reads from many clients
 * rarely runs the ring dry (-ENOBUFS only delays a read, never loses one). */
#define URING_BUFS 1024
#define URING_BUF_SIZE 8192
#define URING_BGID 0
/* Scratch for the poll path and for draining input before a close. */
#define URING_SCRATCH 65536

struct uring_conn;

struct uring_loop {
    struct io_uring ring;
    bool ring_ok;
    int index;
    const struct server_config *cfg;
    struct core *core;
    enum uring_mode mode;
    const char *kernel;

    int listen_fd;
    bool accept_armed, accept_paused, multishot_accept;
    long long accept_warned_ms; /* last "out of descriptors" warning */
    enum uring_read_kind read_kind;

    struct io_uring_buf_ring *br; /* NULL without a buffer ring */
    size_t br_bytes;
    char *bufs;
    size_t bufs_bytes;
    char *scratch;

    struct uring_conn **byfd; /* connections by fd, for timeouts and drain */
    int nslots;
    int nconns;
    struct __kernel_timespec tick;
    unsigned long ticks;
    bool stopping;
    long long drain_deadline;
    unsigned setup_flags, cq_entries;
    unsigned long long overflows, enobufs, rearmed;
    char err[512];
};

/* Sets up loop l on the thread that will run it: the ring (most capable
 * flags the kernel takes), the probe for the operations the loop needs, the
 * scratch buffer and, unless l->mode says singleshot, the provided buffer
 * ring; l->read_kind and l->multishot_accept say what it got. Returns 0, or
 * -errno with the one line that says why and what to do in l->err. Nothing
 * is armed yet. */
int uring_loop_setup(struct uring_loop *l);

/* Exits l's ring (cancelling whatever is in flight), frees what is left of
 * its connections, buffers and listener. Takes a loop in any state, set up
 * or not; l is reusable only by uring_loop_setup afterwards. */
void uring_loop_teardown(struct uring_loop *l);

/* In uring.c, which owns connections and completions: */

/* Queues l's first operations (accept, the tick, the shutdown wake-up) on a
 * set-up loop. Returns 0, or -EBUSY with the reason in l->err. */
int uring_loop_arm(struct uring_loop *l);

/* Serves completions until shutdown is requested and every connection has
 * drained (or the drain deadline closed it). Returns 0, or 1 after logging
 * a fatal io_uring_enter error. On the thread that set l up. */
int uring_loop_run(struct uring_loop *l);

/* Closes and frees every connection of l without any I/O, and its fd table.
 * Only once the ring is gone (no completion can still name a connection). */
void uring_conns_free(struct uring_loop *l);

#endif
