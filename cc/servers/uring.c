/* uring.c - the io_uring engine: a completion loop per thread (liburing),
 * feeding kernel-provided buffers straight into the core's sessions.
 * Owns the rings, the listeners' accept operations, the provided buffers and
 * per-connection send state; does not own sessions' protocol state (core)
 * or the socket helpers (net.c, pump.c).
 *
 * io_uring features used, and the kernel each needs:
 *   IORING_OP_ACCEPT / ASYNC_CANCEL (5.5), SEND, RECV, probing (5.6),
 *   POLL_ADD (5.1), TIMEOUT (5.4)                    required
 *   IORING_SETUP_CQSIZE (5.5), IORING_SETUP_CLAMP (5.6)      required
 *   IORING_FEAT_NODROP (5.5): overflowed completions are kept, we flush them
 *   IORING_SETUP_COOP_TASKRUN | TASKRUN_FLAG (5.19)          when accepted
 *   IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN (6.0 / 6.1)   when accepted
 *   provided buffer ring, io_uring_register_buf_ring (5.19)  multishot path
 *   multishot accept (5.19)                                  multishot path
 *   multishot recv with IORING_RECV_MULTISHOT (6.0)          multishot path
 * Paths: "multishot" = multishot accept + multishot recv into a buffer ring;
 * "singleshot" = one accept at a time + a one-shot POLL_ADD per connection
 * followed by recv(2) into one per-loop scratch buffer, which works on every
 * kernel above and keeps idle connections bufferless too. "auto" picks
 * multishot on 6.0+, and on 5.19 combines multishot accept with single-shot
 * recv from the buffer ring.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <liburing.h>

#include "cc/core/core.h"
#include "cc/core/session.h"
#include "cc/servers/engine.h"
#include "cc/servers/log.h"
#include "cc/servers/net.h"
#include "cc/servers/pump.h"
#include "cc/servers/uring_util.h"

/* Provided buffers per loop: enough that a burst of reads from many clients
 * rarely runs the ring dry (-ENOBUFS only delays a read, never loses one). */
#define URING_BUFS 1024
#define URING_BUF_SIZE 8192
#define URING_BGID 0
/* Scratch for the poll path and for draining input before a close. */
#define URING_SCRATCH 65536
/* Largest chunk copied out of a session for one send. */
#define URING_SEND_MAX (256 * 1024)
#define URING_SQ_ENTRIES 2048
/* Completions one connection can have outstanding: its read, its send and
 * the cancel requests of a close. */
#define URING_CQE_PER_CONN 4
#define URING_MAX_CQ 65536
#define URING_TICK_MS 100
#define URING_POLL_READS 4
/* Every this many ticks, connections whose read has been silent for a whole
 * interval are checked against the socket (see loop_sweep). */
#define URING_SWEEP_TICKS 20

enum uring_mode { URING_MODE_AUTO, URING_MODE_MULTISHOT, URING_MODE_SINGLESHOT };

enum conn_flag {
    CONN_READING = 1 << 0,     /* a recv or poll is in flight */
    CONN_READ_CANCEL = 1 << 1, /* ... and a cancel for it was requested */
    CONN_SENDING = 1 << 2,     /* a send is in flight (never more than one) */
    CONN_CLOSING = 1 << 3,     /* closed: waiting for the last completion */
    CONN_EOF = 1 << 4,         /* the client finished sending (half-close) */
    CONN_LAST = 1 << 5,        /* ... and the one send owed after that went out */
};

/* The bytes of the send in flight, copied out of the session. */
struct uring_out {
    uint32_t len, off; /* off < len: not yet sent */
    char data[];
};

/* One connection: 24 bytes (a 32-byte malloc chunk) plus one slot in the
 * loop's fd table, plus its session. Requests are read into shared buffers
 * and replies live in the session until copied into `out` for a send, so an
 * idle connection holds no buffer at all. */
struct uring_conn {
    struct session *session;
    struct uring_out *out; /* the send in flight (or resuming), else NULL */
    int fd;
    uint8_t refs;          /* operations in flight on this conn */
    uint8_t flags;
    uint8_t quiet;         /* no read completion since the last sweep */
};

struct uring_start;

struct uring_loop {
    struct io_uring ring;
    bool ring_ok;
    int index;
    const struct server_config *cfg;
    struct core *core;
    struct uring_start *start;
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
    int rc;
    char err[512];
};

/* Start-up rendezvous: every loop sets up its ring on its own thread
 * (SINGLE_ISSUER ties a ring to its creator), then all start together or
 * none does. */
struct uring_start {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int reported;
    int go; /* 0 wait, 1 run, -1 abort */
};

static void start_report(struct uring_start *st)
{
    pthread_mutex_lock(&st->mu);
    st->reported++;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

static int start_wait_go(struct uring_start *st)
{
    pthread_mutex_lock(&st->mu);
    while (st->go == 0)
        pthread_cond_wait(&st->cv, &st->mu);
    int go = st->go;
    pthread_mutex_unlock(&st->mu);
    return go;
}

static void start_set_go(struct uring_start *st, int go)
{
    pthread_mutex_lock(&st->mu);
    st->go = go;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

/* ---- submission helpers ---- */

/* Returns a free SQE, submitting what is queued when the SQ is full.
 * NULL only when the kernel accepts nothing (it then also refuses the
 * flush of overflowed completions): the caller treats that as a failure
 * of the operation it wanted. */
static struct io_uring_sqe *loop_sqe(struct uring_loop *l)
{
    for (int i = 0; i < 3; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
        if (sqe)
            return sqe;
        int ret = io_uring_submit(&l->ring);
        if (ret == -EBUSY || ret == -EAGAIN)
            io_uring_get_events(&l->ring);
    }
    log_msg(LOG_WARNING, "io_uring loop %d: submission queue stuck full", l->index);
    return NULL;
}

static int loop_cancel(struct uring_loop *l, uint64_t ud)
{
    struct io_uring_sqe *sqe = loop_sqe(l);

    if (!sqe)
        return -EBUSY;
    io_uring_prep_cancel64(sqe, ud, 0);
    io_uring_sqe_set_data64(sqe, uring_ud_pack(NULL, URING_OP_IGNORE));
    return 0;
}

static int arm_accept(struct uring_loop *l)
{
    struct io_uring_sqe *sqe = loop_sqe(l);

    if (!sqe)
        return -EBUSY;
    /* The peer address comes from getpeername(): a multishot accept would
     * overwrite one shared sockaddr for every connection it completes. */
    if (l->multishot_accept)
        io_uring_prep_multishot_accept(sqe, l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    else
        io_uring_prep_accept(sqe, l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, uring_ud_pack(NULL, URING_OP_ACCEPT));
    l->accept_armed = true;
    return 0;
}

static int arm_timer(struct uring_loop *l)
{
    struct io_uring_sqe *sqe = loop_sqe(l);

    if (!sqe)
        return -EBUSY;
    io_uring_prep_timeout(sqe, &l->tick, 0, 0);
    io_uring_sqe_set_data64(sqe, uring_ud_pack(NULL, URING_OP_TIMER));
    return 0;
}

static int arm_wake(struct uring_loop *l)
{
    int fd = net_shutdown_fd();
    struct io_uring_sqe *sqe;

    if (fd < 0)
        return 0; /* no signal handling installed: the tick still checks */
    sqe = loop_sqe(l);
    if (!sqe)
        return -EBUSY;
    io_uring_prep_poll_add(sqe, fd, POLLIN);
    io_uring_sqe_set_data64(sqe, uring_ud_pack(NULL, URING_OP_WAKE));
    return 0;
}

static enum uring_op read_op(const struct uring_loop *l)
{
    return l->read_kind == URING_READ_POLL_SCRATCH ? URING_OP_POLL : URING_OP_RECV;
}

static int arm_read(struct uring_loop *l, struct uring_conn *c)
{
    struct io_uring_sqe *sqe = loop_sqe(l);

    if (!sqe)
        return -EBUSY;
    switch (l->read_kind) {
    case URING_READ_MULTISHOT:
        io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = URING_BGID;
        break;
    case URING_READ_RECV_BUFRING:
        io_uring_prep_recv(sqe, c->fd, NULL, URING_BUF_SIZE, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = URING_BGID;
        break;
    case URING_READ_POLL_SCRATCH:
        io_uring_prep_poll_add(sqe, c->fd, POLLIN | POLLRDHUP);
        break;
    }
    io_uring_sqe_set_data64(sqe, uring_ud_pack(c, read_op(l)));
    c->flags |= CONN_READING;
    c->refs++;
    return 0;
}

static void buf_return(struct uring_loop *l, unsigned bid)
{
    io_uring_buf_ring_add(l->br, l->bufs + uring_buf_offset(bid, URING_BUF_SIZE),
                          URING_BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(URING_BUFS), 0);
    io_uring_buf_ring_advance(l->br, 1);
}

/* ---- connections ---- */

/* Reading goes on while replies wait: flow control holds requests back in
 * the session, which bounds what it keeps, and a read kept armed is what
 * tells us when a client that owes us nothing more has gone. */
static bool conn_want_read(const struct uring_loop *l, const struct uring_conn *c)
{
    return !(c->flags & (CONN_CLOSING | CONN_EOF)) && !l->stopping &&
           !session_want_close(c->session);
}

/* Marks c closed: kicks its operations out of the kernel (shutdown wakes a
 * pending recv or send, the cancels catch what shutdown does not) and
 * releases its session's slot and buffers now. The memory and the fd stay
 * until the last completion (conn_settle), so no completion can land on
 * freed memory and the fd number cannot be reused under a pending op. */
static void conn_close(struct uring_loop *l, struct uring_conn *c, bool graceful)
{
    if (c->flags & CONN_CLOSING)
        return;
    c->flags |= CONN_CLOSING;
    /* Graceful: the replies are out, let the FIN follow them; pump_close
     * drains unread input later so no RST overtakes them. */
    shutdown(c->fd, graceful ? SHUT_WR : SHUT_RDWR);
    if ((c->flags & CONN_READING) && !(c->flags & CONN_READ_CANCEL)) {
        c->flags |= CONN_READ_CANCEL;
        loop_cancel(l, uring_ud_pack(c, read_op(l)));
    }
    if (c->flags & CONN_SENDING)
        loop_cancel(l, uring_ud_pack(c, URING_OP_SEND));
    pump_log_close(c->session);
    session_detach(c->session);
}

/* Frees c once it is closed and nothing is in flight. Returns true when c
 * was freed (the caller must not touch it again). */
static bool conn_settle(struct uring_loop *l, struct uring_conn *c)
{
    if (!(c->flags & CONN_CLOSING) || c->refs > 0)
        return false;
    pump_close(c->fd, l->scratch, URING_SCRATCH);
    session_free(c->session);
    free(c->out);
    l->byfd[c->fd] = NULL;
    free(c);
    l->nconns--;
    return true;
}

/* Starts the next send when none is in flight: the rest of a short send,
 * or everything the session produced meanwhile (batched). Closes the
 * connection once it has nothing left to say and wants to (or must) go.
 * After end of stream one more chunk goes out and then it closes with the
 * rest unsent, as Redis frees a client at end of stream after the one
 * write it made: a peer that went away is owed nothing, and its replies
 * are freed now instead of waiting for sends to fail. */
static void conn_flush(struct uring_loop *l, struct uring_conn *c)
{
    if (c->flags & (CONN_SENDING | CONN_CLOSING))
        return;
    if (c->out && c->out->off == c->out->len) {
        free(c->out);
        c->out = NULL;
    }
    if (!c->out) {
        if (c->flags & CONN_LAST) {
            conn_close(l, c, true);
            return;
        }
        if (!(c->flags & CONN_EOF))
            session_resume(c->session); /* what flow control held back */
        size_t pending = session_out_pending(c->session);

        if (pending == 0) {
            if (session_want_close(c->session) || l->stopping || (c->flags & CONN_EOF))
                conn_close(l, c, true);
            return;
        }
        if (c->flags & CONN_EOF)
            c->flags |= CONN_LAST;
        /* Copied because the session's output may move as soon as more
         * input is fed, while the kernel still reads the send buffer. */
        size_t take = pending < URING_SEND_MAX ? pending : URING_SEND_MAX;
        struct uring_out *o = malloc(sizeof(*o) + take);
        if (!o) {
            log_msg(LOG_WARNING, "io_uring: out of memory for a reply of %zu bytes; closing fd %d",
                    take, c->fd);
            conn_close(l, c, false);
            return;
        }
        o->len = o->off = 0;
        while (o->len < take) {
            size_t len;
            const char *p = session_out_peek(c->session, &len);
            if (!p || len == 0)
                break;
            if (len > take - o->len)
                len = take - o->len;
            memcpy(o->data + o->len, p, len);
            session_out_consume(c->session, len);
            o->len += (uint32_t)len;
        }
        /* Produced while this chunk is in flight, taken by the next one. */
        if (!(c->flags & CONN_EOF))
            session_resume(c->session);
        if (o->len == 0) {
            free(o);
            return;
        }
        c->out = o;
    }
    struct io_uring_sqe *sqe = loop_sqe(l);
    if (!sqe) {
        conn_close(l, c, false);
        return;
    }
    io_uring_prep_send(sqe, c->fd, c->out->data + c->out->off, c->out->len - c->out->off,
                       MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, uring_ud_pack(c, URING_OP_SEND));
    c->flags |= CONN_SENDING;
    c->refs++;
}

/* After any event on c: send what is due, keep exactly one read armed while
 * reading is wanted and none while it is not, free c when it is done.
 * Returns true when c was freed. */
static bool conn_update(struct uring_loop *l, struct uring_conn *c)
{
    if (!(c->flags & CONN_CLOSING) && session_abandoned(c->session))
        conn_close(l, c, false); /* the send in flight would never finish */
    conn_flush(l, c);
    if (!(c->flags & CONN_CLOSING)) {
        if (conn_want_read(l, c)) {
            if (!(c->flags & CONN_READING) && arm_read(l, c) < 0)
                conn_close(l, c, false);
        } else if ((c->flags & CONN_READING) && !(c->flags & CONN_READ_CANCEL)) {
            /* Backpressure, QUIT or shutdown: stop reading. A recv that
             * already took data still completes with it. */
            c->flags |= CONN_READ_CANCEL;
            loop_cancel(l, uring_ud_pack(c, read_op(l)));
        }
    }
    return conn_settle(l, c);
}

/* Grows the fd table so slot fd exists, in steps of 1024 slots rather than
 * doubling: the zeroed tail is resident memory, and with several loops
 * every loop's table spans the process-wide fd range. */
static int loop_grow_slots(struct uring_loop *l, int fd)
{
    int n = (fd / 1024 + 1) * 1024;
    struct uring_conn **t = realloc(l->byfd, (size_t)n * sizeof(*t));

    if (!t)
        return -ENOMEM;
    memset(t + l->nslots, 0, (size_t)(n - l->nslots) * sizeof(*t));
    l->byfd = t;
    l->nslots = n;
    return 0;
}

static void conn_open(struct uring_loop *l, int fd)
{
    struct sockaddr_storage peer;
    socklen_t plen = sizeof(peer);
    struct uring_conn *c;

    if (fd >= l->nslots && loop_grow_slots(l, fd) < 0) {
        log_msg(LOG_WARNING, "io_uring: out of memory accepting a client");
        close(fd);
        return;
    }
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0)
        plen = 0;
    net_set_nodelay(fd);
    c = calloc(1, sizeof(*c));
    if (c)
        c->session = session_new(l->core, fd, plen ? (struct sockaddr *)&peer : NULL, plen);
    if (!c || !c->session) {
        log_msg(LOG_WARNING, "io_uring: out of memory accepting a client");
        free(c);
        close(fd);
        return;
    }
    c->fd = fd;
    l->byfd[fd] = c;
    l->nconns++;
    conn_update(l, c);
}

/* ---- completions ---- */

static void on_recv(struct uring_loop *l, struct uring_conn *c, const struct io_uring_cqe *cqe)
{
    int res = cqe->res;

    c->quiet = 0;

    if (!(cqe->flags & IORING_CQE_F_MORE)) {
        c->flags &= (uint8_t) ~(CONN_READING | CONN_READ_CANCEL);
        c->refs--;
    }
    if (cqe->flags & IORING_CQE_F_BUFFER) {
        unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;

        /* The session copies only an incomplete frame's tail, so the
         * buffer goes straight back to the kernel. */
        if (res > 0 && !(c->flags & CONN_CLOSING))
            session_feed(c->session, l->bufs + uring_buf_offset(bid, URING_BUF_SIZE),
                         (size_t)res);
        buf_return(l, bid);
    } else if (res > 0) {
        log_msg(LOG_WARNING, "io_uring: recv returned data without a buffer id; closing fd %d",
                c->fd);
        conn_close(l, c, false);
    }
    if (res == 0) {
        /* A half-closed client still gets the replies to what it sent. */
        c->flags |= CONN_EOF;
    } else if (res == -ENOBUFS) {
        /* The ring ran dry; the data waits in the socket and the re-arm in
         * conn_update picks it up once buffers are back. */
        l->enobufs++;
    } else if (res < 0 && res != -ECANCELED && res != -EINTR) {
        conn_close(l, c, false);
    }
    conn_update(l, c);
}

static void on_poll(struct uring_loop *l, struct uring_conn *c, const struct io_uring_cqe *cqe)
{
    c->quiet = 0;
    c->flags &= (uint8_t) ~(CONN_READING | CONN_READ_CANCEL);
    c->refs--;
    if (cqe->res < 0) {
        if (cqe->res != -ECANCELED)
            conn_close(l, c, false);
    } else {
        for (int i = 0; i < URING_POLL_READS && conn_want_read(l, c); i++) {
            ssize_t n = pump_in(c->fd, c->session, l->scratch, URING_SCRATCH);
            if (n == -EAGAIN)
                break;
            if (n == 0) {
                c->flags |= CONN_EOF; /* replies to what it sent still go out */
                break;
            }
            if (n < 0) {
                conn_close(l, c, false);
                break;
            }
            if ((size_t)n < URING_SCRATCH)
                break;
        }
    }
    conn_update(l, c);
}

static void on_send(struct uring_loop *l, struct uring_conn *c, const struct io_uring_cqe *cqe)
{
    int res = cqe->res;

    c->flags &= (uint8_t)~CONN_SENDING;
    c->refs--;
    if (res > 0) {
        c->out->off += (uint32_t)res; /* a short send resumes from here */
    } else if (res != -EAGAIN && res != -EINTR) {
        conn_close(l, c, false);
    }
    conn_update(l, c);
}

static void loop_begin_stop(struct uring_loop *l)
{
    if (l->stopping)
        return;
    l->stopping = true;
    l->drain_deadline = net_mono_ms() + PUMP_DRAIN_MS;
    if (l->accept_armed)
        loop_cancel(l, uring_ud_pack(NULL, URING_OP_ACCEPT));
    else if (l->listen_fd >= 0) {
        close(l->listen_fd);
        l->listen_fd = -1;
    }
    /* Stop reading everywhere; each connection closes once its produced
     * replies are out (conn_flush). */
    for (int fd = 0; fd < l->nslots; fd++)
        if (l->byfd[fd])
            conn_update(l, l->byfd[fd]);
}

static void loop_close_all(struct uring_loop *l)
{
    for (int fd = 0; fd < l->nslots; fd++) {
        struct uring_conn *c = l->byfd[fd];
        if (c) {
            conn_close(l, c, false);
            conn_settle(l, c);
        }
    }
}

static void loop_check_timeouts(struct uring_loop *l)
{
    int64_t now = store_now_ms(core_store(l->core));

    for (int fd = 0; fd < l->nslots; fd++) {
        struct uring_conn *c = l->byfd[fd];
        if (c && !(c->flags & CONN_CLOSING) && session_timed_out(c->session, now)) {
            log_msg(LOG_VERBOSE, "Closing idle client (fd %d)", c->fd);
            conn_close(l, c, false);
            conn_settle(l, c);
        }
    }
}

/* Kernel 6.18 was seen to lose the last completion of a multishot recv when
 * a reset follows the data within microseconds: the request stays armed and
 * the connection would never close. A read that stayed silent for a whole
 * sweep interval while the socket reports input, end of stream or an error
 * (one MSG_PEEK each) is cancelled; conn_update re-arms a fresh one, which
 * sees the state the old one missed. Quiet connections cost one recv(2) per
 * interval; nothing is read, so no data can be lost or reordered.
 * cc/tools/uring_recv_reset.c reproduces the lost completion without respd. */
static void loop_sweep(struct uring_loop *l)
{
    unsigned long long before = l->rearmed;

    for (int fd = 0; fd < l->nslots; fd++) {
        struct uring_conn *c = l->byfd[fd];
        char b;

        if (!c || (c->flags & (CONN_CLOSING | CONN_READ_CANCEL)) || !(c->flags & CONN_READING))
            continue;
        if (!c->quiet) {
            c->quiet = 1;
            continue;
        }
        if (recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        c->flags |= CONN_READ_CANCEL;
        loop_cancel(l, uring_ud_pack(c, read_op(l)));
        l->rearmed++;
    }
    if (l->rearmed != before)
        log_msg(LOG_VERBOSE, "io_uring loop %d: re-armed %llu read(s) the kernel left pending",
                l->index, l->rearmed - before);
}

static void on_accept(struct uring_loop *l, const struct io_uring_cqe *cqe)
{
    int res = cqe->res;

    if (!(cqe->flags & IORING_CQE_F_MORE))
        l->accept_armed = false;
    if (res >= 0) {
        if (l->stopping)
            close(res);
        else
            conn_open(l, res);
    } else if (res == -EMFILE || res == -ENFILE || res == -ENOBUFS || res == -ENOMEM) {
        /* Re-arming now would spin on the same error: retry next tick,
         * and say so at most every 10 s. */
        long long now = net_mono_ms();
        if (now - l->accept_warned_ms >= 10000) {
            l->accept_warned_ms = now;
            log_msg(LOG_WARNING, "accept: %s; retrying every %d ms (raise ulimit -n or --maxclients lower)",
                    strerror(-res), URING_TICK_MS);
        }
        l->accept_paused = true;
        if (l->accept_armed)
            loop_cancel(l, uring_ud_pack(NULL, URING_OP_ACCEPT));
    } else if (res != -ECANCELED && res != -EINTR && res != -ECONNABORTED &&
               res != -EAGAIN) {
        log_msg(LOG_WARNING, "accept: %s", strerror(-res));
    }
    if (l->accept_armed)
        return;
    if (l->stopping) {
        if (l->listen_fd >= 0) {
            close(l->listen_fd); /* new clients are refused from now on */
            l->listen_fd = -1;
        }
    } else if (!l->accept_paused && arm_accept(l) < 0) {
        l->accept_paused = true;
    }
}

static void on_timer(struct uring_loop *l)
{
    l->ticks++;
    /* One loop drives the shared housekeeping; it is thread-safe, but N
     * loops calling it would just do N times the expiry work. */
    if (l->index == 0)
        core_cron(l->core);
    if (!l->stopping && net_shutdown_requested())
        loop_begin_stop(l);
    if (l->cfg->timeout > 0 && l->ticks % (1000 / URING_TICK_MS) == 0 && !l->stopping)
        loop_check_timeouts(l);
    if (l->ticks % URING_SWEEP_TICKS == 0 && !l->stopping)
        loop_sweep(l);
    if (l->accept_paused && !l->stopping) {
        l->accept_paused = false;
        if (!l->accept_armed && arm_accept(l) < 0)
            l->accept_paused = true;
    }
    if (l->stopping && net_mono_ms() >= l->drain_deadline && l->nconns > 0) {
        log_msg(LOG_WARNING, "Shutdown: %d client(s) did not read their replies in %d ms; closing them",
                l->nconns, PUMP_DRAIN_MS);
        l->drain_deadline = LLONG_MAX;
        loop_close_all(l);
    }
    arm_timer(l);
}

static void loop_handle(struct uring_loop *l, const struct io_uring_cqe *cqe)
{
    uint64_t ud = io_uring_cqe_get_data64(cqe);
    void *ptr = uring_ud_ptr(ud);

    switch (uring_ud_op(ud)) {
    case URING_OP_IGNORE:
        break;
    case URING_OP_ACCEPT:
        on_accept(l, cqe);
        break;
    case URING_OP_RECV:
        on_recv(l, ptr, cqe);
        break;
    case URING_OP_POLL:
        on_poll(l, ptr, cqe);
        break;
    case URING_OP_SEND:
        on_send(l, ptr, cqe);
        break;
    case URING_OP_TIMER:
        on_timer(l);
        break;
    case URING_OP_WAKE:
        if (cqe->res >= 0 || cqe->res == -ECANCELED)
            loop_begin_stop(l);
        else
            arm_wake(l);
        break;
    }
}

static int loop_run(struct uring_loop *l)
{
    while (!(l->stopping && l->nconns == 0 && !l->accept_armed)) {
        int ret = io_uring_submit_and_wait(&l->ring, 1);
        if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY && ret != -ETIME) {
            log_msg(LOG_WARNING, "io_uring loop %d: io_uring_enter: %s", l->index, strerror(-ret));
            return 1;
        }
        unsigned head, n = 0;
        struct io_uring_cqe *cqe;
        io_uring_for_each_cqe(&l->ring, head, cqe) {
            loop_handle(l, cqe);
            n++;
        }
        io_uring_cq_advance(&l->ring, n);
        /* Sized not to overflow at maxclients, but if it does the kernel
         * (IORING_FEAT_NODROP) holds the completions back until flushed. */
        if (io_uring_cq_has_overflow(&l->ring)) {
            if (l->overflows++ == 0)
                log_msg(LOG_WARNING, "io_uring loop %d: completion queue overflowed (%u entries); flushing",
                        l->index, l->cq_entries);
            io_uring_get_events(&l->ring);
        }
    }
    return 0;
}

/* ---- set-up ---- */

/* Says which of the two EPERM causes it is when the sysctl shows it. */
static const char *uring_disabled_note(void)
{
    FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
    int v = 0;

    if (!f)
        return "";
    if (fscanf(f, "%d", &v) != 1)
        v = 0;
    fclose(f);
    if (v == 1)
        return "; kernel.io_uring_disabled=1: only the io_uring_group may use it";
    if (v == 2)
        return "; kernel.io_uring_disabled=2: io_uring is off for everyone";
    return "; kernel.io_uring_disabled=0, so most likely a seccomp profile";
}

static int loop_try_setup(unsigned flags, void *arg)
{
    struct uring_loop *l = arg;
    struct io_uring_params p = {
        .flags = flags | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP,
        .cq_entries = l->cq_entries,
    };
    int ret = io_uring_queue_init_params(URING_SQ_ENTRIES, &l->ring, &p);

    if (ret == 0) {
        l->setup_flags = p.flags;
        l->cq_entries = p.cq_entries;
        l->ring_ok = true;
        if (!(p.features & IORING_FEAT_NODROP))
            log_msg(LOG_WARNING, "io_uring: kernel lacks IORING_FEAT_NODROP (5.5): an overflow would lose completions");
    }
    return ret;
}

static int loop_setup_ring(struct uring_loop *l)
{
    unsigned flags;
    int ret;

    l->cq_entries = uring_cq_entries((unsigned)l->cfg->maxclients, URING_CQE_PER_CONN,
                                     URING_BUFS, 64, URING_MAX_CQ);
    if (l->cq_entries < URING_SQ_ENTRIES)
        l->cq_entries = URING_SQ_ENTRIES;
    ret = uring_setup_fallback(loop_try_setup, l, &flags);
    if (ret == 0)
        return 0;
    snprintf(l->err, sizeof(l->err), "%s (kernel %s%s)", uring_setup_error_hint(-ret),
             l->kernel, ret == -EPERM ? uring_disabled_note() : "");
    return ret;
}

static int loop_probe(struct uring_loop *l)
{
    static const struct {
        int op;
        const char *name;
    } need[] = {
        {.op = IORING_OP_ACCEPT, .name = "ACCEPT (5.5)"},
        {.op = IORING_OP_ASYNC_CANCEL, .name = "ASYNC_CANCEL (5.5)"},
        {.op = IORING_OP_SEND, .name = "SEND (5.6)"},
        {.op = IORING_OP_RECV, .name = "RECV (5.6)"},
        {.op = IORING_OP_POLL_ADD, .name = "POLL_ADD (5.1)"},
        {.op = IORING_OP_TIMEOUT, .name = "TIMEOUT (5.4)"},
    };
    struct io_uring_probe *probe = io_uring_get_probe_ring(&l->ring);

    if (!probe) {
        snprintf(l->err, sizeof(l->err),
                 "io_uring: this kernel (%s) cannot list its io_uring operations (needs Linux 5.6+); use --engine=epoll",
                 l->kernel);
        return -EOPNOTSUPP;
    }
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (!io_uring_opcode_supported(probe, need[i].op)) {
            snprintf(l->err, sizeof(l->err),
                     "io_uring: this kernel (%s) lacks IORING_OP_%s; use --engine=epoll",
                     l->kernel, need[i].name);
            io_uring_free_probe(probe);
            return -EOPNOTSUPP;
        }
    }
    io_uring_free_probe(probe);
    return 0;
}

/* liburing 2.3 has no io_uring_setup_buf_ring: map the ring page-aligned,
 * register it, fill it. The slab is populated now so its RSS shows at
 * start-up, not as a cost of the first clients. */
static int loop_setup_bufring(struct uring_loop *l)
{
    long page = sysconf(_SC_PAGESIZE);
    struct io_uring_buf_reg reg;
    int ret;

    l->br_bytes = uring_buf_ring_bytes(URING_BUFS, sizeof(struct io_uring_buf),
                                       page > 0 ? (size_t)page : 4096);
    l->bufs_bytes = (size_t)URING_BUFS * URING_BUF_SIZE;
    void *ring = mmap(NULL, l->br_bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (ring == MAP_FAILED)
        return -errno;
    void *bufs = mmap(NULL, l->bufs_bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (bufs == MAP_FAILED) {
        ret = -errno;
        munmap(ring, l->br_bytes);
        return ret;
    }
    io_uring_buf_ring_init(ring);
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (uint64_t)(uintptr_t)ring;
    reg.ring_entries = URING_BUFS;
    reg.bgid = URING_BGID;
    ret = io_uring_register_buf_ring(&l->ring, &reg, 0);
    if (ret < 0) {
        munmap(bufs, l->bufs_bytes);
        munmap(ring, l->br_bytes);
        return ret;
    }
    l->br = ring;
    l->bufs = bufs;
    for (unsigned bid = 0; bid < URING_BUFS; bid++)
        io_uring_buf_ring_add(l->br, l->bufs + uring_buf_offset(bid, URING_BUF_SIZE),
                              URING_BUF_SIZE, (unsigned short)bid,
                              io_uring_buf_ring_mask(URING_BUFS), (int)bid);
    io_uring_buf_ring_advance(l->br, URING_BUFS);
    return 0;
}

static int loop_setup(struct uring_loop *l)
{
    int ret;
    bool k519 = uring_kernel_at_least(l->kernel, 5, 19);
    bool k60 = uring_kernel_at_least(l->kernel, 6, 0);

    if (l->mode == URING_MODE_MULTISHOT && !k60) {
        snprintf(l->err, sizeof(l->err),
                 "--uring-mode=multishot needs Linux 6.0+ (multishot recv); this kernel is %s. Use --uring-mode=auto or singleshot",
                 l->kernel);
        return -EOPNOTSUPP;
    }
    ret = loop_setup_ring(l);
    if (ret < 0)
        return ret;
    ret = loop_probe(l);
    if (ret < 0)
        return ret;

    l->scratch = malloc(URING_SCRATCH);
    if (!l->scratch) {
        snprintf(l->err, sizeof(l->err), "io_uring: out of memory");
        return -ENOMEM;
    }
    memset(l->scratch, 0, URING_SCRATCH); /* resident from the start, like the buffer ring */

    l->read_kind = URING_READ_POLL_SCRATCH;
    l->multishot_accept = false;
    if (l->mode != URING_MODE_SINGLESHOT && k519) {
        ret = loop_setup_bufring(l);
        if (ret < 0 && l->mode == URING_MODE_MULTISHOT) {
            snprintf(l->err, sizeof(l->err),
                     "--uring-mode=multishot: registering the provided buffer ring failed: %s%s",
                     strerror(-ret),
                     ret == -ENOMEM ? " (raise the locked-memory limit: ulimit -l)" : "");
            return ret;
        }
        if (ret == 0) {
            l->multishot_accept = true;
            l->read_kind = k60 ? URING_READ_MULTISHOT : URING_READ_RECV_BUFRING;
        } else {
            log_msg(LOG_NOTICE, "io_uring: no provided buffer ring (%s); using single-shot operations",
                    strerror(-ret));
        }
    }

    /* io_uring parks accepts on the listener itself; a non-blocking
     * listener would only make older kernels fail them with -EAGAIN. */
    int fl = fcntl(l->listen_fd, F_GETFL);
    if (fl >= 0)
        fcntl(l->listen_fd, F_SETFL, fl & ~O_NONBLOCK);

    l->tick.tv_sec = 0;
    l->tick.tv_nsec = URING_TICK_MS * 1000000LL;
    if (arm_accept(l) < 0 || arm_timer(l) < 0 || arm_wake(l) < 0) {
        snprintf(l->err, sizeof(l->err), "io_uring: could not queue the first operations");
        return -EBUSY;
    }
    return 0;
}

static void loop_teardown(struct uring_loop *l)
{
    if (l->ring_ok && (l->enobufs || l->overflows || l->rearmed))
        log_msg(LOG_VERBOSE, "io_uring loop %d: %llu recv re-arms after ENOBUFS, %llu CQ overflows, %llu reads re-armed by the sweep",
                l->index, l->enobufs, l->overflows, l->rearmed);
    if (l->ring_ok) {
        if (l->br)
            io_uring_unregister_buf_ring(&l->ring, URING_BGID);
        /* Exiting the ring cancels whatever is still in flight, so what is
         * left of connections (only after a fatal loop error) can go. */
        io_uring_queue_exit(&l->ring);
        l->ring_ok = false;
    }
    for (int fd = 0; fd < l->nslots; fd++) {
        struct uring_conn *c = l->byfd[fd];
        if (c) {
            close(c->fd);
            session_free(c->session);
            free(c->out);
            free(c);
        }
    }
    free(l->byfd);
    l->byfd = NULL;
    l->nslots = 0;
    l->nconns = 0;
    if (l->br)
        munmap(l->br, l->br_bytes);
    if (l->bufs)
        munmap(l->bufs, l->bufs_bytes);
    l->br = NULL;
    l->bufs = NULL;
    free(l->scratch);
    l->scratch = NULL;
    if (l->listen_fd >= 0)
        close(l->listen_fd);
    l->listen_fd = -1;
}

/* A loop on its own thread: set up, wait until every loop is ready, run. */
static void *loop_thread(void *arg)
{
    struct uring_loop *l = arg;

    l->rc = loop_setup(l) < 0 ? 1 : 0;
    start_report(l->start);
    if (l->rc == 0 && start_wait_go(l->start) > 0) {
        l->rc = loop_run(l);
        if (l->rc != 0)
            net_shutdown_request(); /* the other loops drain and exit too */
    }
    loop_teardown(l);
    return NULL;
}

static int parse_mode(const char *s, enum uring_mode *out)
{
    if (!s || strcmp(s, "auto") == 0)
        *out = URING_MODE_AUTO;
    else if (strcmp(s, "multishot") == 0)
        *out = URING_MODE_MULTISHOT;
    else if (strcmp(s, "singleshot") == 0)
        *out = URING_MODE_SINGLESHOT;
    else
        return -EINVAL;
    return 0;
}

static int uring_run(const struct server_config *cfg, struct core *core)
{
    struct uring_start start = {.mu = PTHREAD_MUTEX_INITIALIZER,
                                .cv = PTHREAD_COND_INITIALIZER};
    struct utsname uts;
    enum uring_mode mode;
    int n = cfg->threads > 1 ? cfg->threads : 1;
    int *fds = NULL;
    struct uring_loop *loops = NULL;
    pthread_t *tids = NULL;
    int started = 0, rc = 1;

    if (parse_mode(cfg->uring_mode, &mode) < 0) {
        log_msg(LOG_WARNING, "Bad --uring-mode '%s': use auto, multishot or singleshot",
                cfg->uring_mode);
        return 1;
    }
    if (uname(&uts) < 0)
        snprintf(uts.release, sizeof(uts.release), "unknown");

    fds = calloc((size_t)n, sizeof(*fds));
    loops = calloc((size_t)n, sizeof(*loops));
    tids = calloc((size_t)n, sizeof(*tids));
    if (!fds || !loops || !tids) {
        log_msg(LOG_WARNING, "io_uring: out of memory starting %d loops", n);
        goto out;
    }
    if (engine_listen(cfg, n, fds) < 0)
        goto out;
    for (int i = 0; i < n; i++) {
        loops[i] = (struct uring_loop){
            .index = i,
            .cfg = cfg,
            .core = core,
            .start = &start,
            .mode = mode,
            .kernel = uts.release,
            .listen_fd = fds[i],
            .accept_warned_ms = LLONG_MIN / 2,
        };
    }
    /* Loop 0 runs on this thread, the others on their own. */
    for (int i = 1; i < n; i++) {
        if (pthread_create(&tids[i], NULL, loop_thread, &loops[i]) != 0) {
            log_msg(LOG_WARNING, "io_uring: cannot start loop thread %d", i);
            for (int j = i; j < n; j++) {
                close(fds[j]);
                loops[j].listen_fd = -1;
                loops[j].rc = 1;
            }
            break;
        }
        started++;
    }
    loops[0].rc = loop_setup(&loops[0]) < 0 ? 1 : 0;
    pthread_mutex_lock(&start.mu);
    while (start.reported < started)
        pthread_cond_wait(&start.cv, &start.mu);
    pthread_mutex_unlock(&start.mu);

    int failed = -1;
    for (int i = 0; i < n && failed < 0; i++)
        if (loops[i].rc != 0)
            failed = i;
    if (failed >= 0) {
        if (loops[failed].err[0])
            log_msg(LOG_WARNING, "%s", loops[failed].err);
        start_set_go(&start, -1);
    } else {
        const struct uring_loop *l0 = &loops[0];
        struct uring_features f = {
            .mode = l0->read_kind == URING_READ_MULTISHOT ? "multishot" : "singleshot",
            .setup_flags = l0->setup_flags,
            .multishot_accept = l0->multishot_accept,
            .read_kind = l0->read_kind,
            .buffer_ring = l0->br != NULL,
            .buffers = URING_BUFS,
            .buffer_size = URING_BUF_SIZE,
            .cq_entries = l0->cq_entries,
            .loops = n,
            .kernel = uts.release,
        };
        char info[1024], flags[160], detail[96];
        if (uring_features_info(&f, info, sizeof(info)) >= 0)
            core_set_engine_info(core, info);
        log_msg(LOG_NOTICE,
                "io_uring: %s mode (%s, multishot accept %s), setup flags %s, CQ %u entries, %d loop(s), kernel %s",
                f.mode, uring_read_kind_name(f.read_kind), f.multishot_accept ? "on" : "off",
                uring_setup_flags_str(f.setup_flags, flags, sizeof(flags)), f.cq_entries,
                n, uts.release);
        snprintf(detail, sizeof(detail), "%s mode, %d loop%s", f.mode, n, n > 1 ? "s" : "");
        engine_log_ready(cfg, loops[0].listen_fd, detail);
        start_set_go(&start, 1);
        loops[0].rc = loop_run(&loops[0]);
        if (loops[0].rc != 0)
            net_shutdown_request();
    }
    loop_teardown(&loops[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(tids[i], NULL);
    rc = 0;
    for (int i = 0; i < n; i++)
        if (loops[i].rc != 0)
            rc = 1;
    if (rc == 0)
        log_msg(LOG_NOTICE, "io_uring: all loops drained");
out:
    free(fds);
    free(loops);
    free(tids);
    return rc;
}

const struct engine engine_uring = {
    .name = "uring",
    .summary = "io_uring completion loop (liburing), multishot or single-shot",
    .multi_loop = true,
    .run = uring_run,
};
