/* uring_setup.c - the io_uring engine's start and end (engine_uring): each
 * loop's ring with the most capable flags the kernel takes, the probe, the
 * provided buffer ring, the error lines that say what to do, the start-up
 * report, N loops started through loops.h, and teardown. Does not own the
 * connections or the completions of a running loop (uring.c).
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
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <liburing.h>

#include "cc/core/core.h"
#include "cc/servers/engine.h"
#include "cc/servers/log.h"
#include "cc/servers/loops.h"
#include "cc/servers/uring_loop.h"
#include "cc/servers/uring_util.h"

#define URING_SQ_ENTRIES 2048
/* Completions one connection can have outstanding: its read, its send and
 * the cancel requests of a close. */
#define URING_CQE_PER_CONN 4
#define URING_MAX_CQ 65536

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

int uring_loop_setup(struct uring_loop *l)
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
    return 0;
}

void uring_loop_teardown(struct uring_loop *l)
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
    uring_conns_free(l);
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

/* ---- N loops (loops.h): set each up on its own thread, then run ---- */

static int uring_loops_setup(void *ctx, int i)
{
    struct uring_loop *l = (struct uring_loop *)ctx + i;

    return uring_loop_setup(l) < 0 || uring_loop_arm(l) < 0;
}

/* Logs and publishes (INFO) what the loops got, from loop 0 of n set-up
 * loops, then the Ready line. */
static void uring_loops_ready(void *ctx, int n)
{
    const struct uring_loop *l0 = ctx;
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
        .kernel = l0->kernel,
    };
    char info[1024], flags[160], detail[96];

    if (uring_features_info(&f, info, sizeof(info)) >= 0)
        core_set_engine_info(l0->core, info);
    log_msg(LOG_NOTICE,
            "io_uring: %s mode (%s, multishot accept %s), setup flags %s, CQ %u entries, %d loop(s), kernel %s",
            f.mode, uring_read_kind_name(f.read_kind), f.multishot_accept ? "on" : "off",
            uring_setup_flags_str(f.setup_flags, flags, sizeof(flags)), f.cq_entries, n,
            l0->kernel);
    snprintf(detail, sizeof(detail), "%s mode, %d loop%s", f.mode, n, n > 1 ? "s" : "");
    engine_log_ready(l0->cfg, l0->listen_fd, detail);
}

static void uring_loops_report(void *ctx, int i, int err)
{
    const struct uring_loop *l = (struct uring_loop *)ctx + i;

    (void)err; /* l->err says it with the hint */
    if (l->err[0])
        log_msg(LOG_WARNING, "%s", l->err);
}

static int uring_loops_run(void *ctx, int i)
{
    return uring_loop_run((struct uring_loop *)ctx + i);
}

static void uring_loops_teardown(void *ctx, int i)
{
    uring_loop_teardown((struct uring_loop *)ctx + i);
}

static const struct loops_ops uring_loops_ops = {
    .setup = uring_loops_setup,
    .report = uring_loops_report,
    .ready = uring_loops_ready,
    .run = uring_loops_run,
    .teardown = uring_loops_teardown,
};

static int uring_run(const struct server_config *cfg, struct core *core)
{
    struct utsname uts;
    int n = cfg->threads > 1 ? cfg->threads : 1;
    int *fds = calloc((size_t)n, sizeof(*fds));
    struct uring_loop *loops = calloc((size_t)n, sizeof(*loops));
    int rc = 1;

    if (uname(&uts) < 0)
        snprintf(uts.release, sizeof(uts.release), "unknown");
    if (!fds || !loops) {
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
            .mode = cfg->uring_mode,
            .kernel = uts.release,
            .listen_fd = fds[i],
            .accept_warned_ms = LLONG_MIN / 2,
        };
    }
    rc = loops_run("io_uring", n, &uring_loops_ops, loops);
    if (rc == 0)
        log_msg(LOG_NOTICE, "io_uring: all loops drained");
out:
    free(fds);
    free(loops);
    return rc;
}

const struct engine engine_uring = {
    .name = "uring",
    .summary = "io_uring completion loop (liburing), multishot or single-shot",
    .multi_loop = true,
    .run = uring_run,
};
