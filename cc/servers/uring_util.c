/* uring_util.c - pure helpers of the io_uring engine (see uring_util.h).
 * Owns no state and makes no system calls; uring.c does the I/O.
 */
#define _GNU_SOURCE

#include "cc/servers/uring_util.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>

int uring_kernel_parse(const char *release, int *major, int *minor)
{
    int v[2] = {0, 0};
    const char *p = release;

    if (!p)
        return -EINVAL;
    for (int i = 0; i < 2; i++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        while (*p >= '0' && *p <= '9') {
            if (v[i] > 10000)
                return -EINVAL;
            v[i] = v[i] * 10 + (*p - '0');
            p++;
        }
        if (i == 0) {
            if (*p != '.')
                return -EINVAL;
            p++;
        }
    }
    *major = v[0];
    *minor = v[1];
    return 0;
}

bool uring_kernel_at_least(const char *release, int major, int minor)
{
    int ma, mi;

    if (uring_kernel_parse(release, &ma, &mi) < 0)
        return false;
    return ma > major || (ma == major && mi >= minor);
}

/* SINGLE_ISSUER|DEFER_TASKRUN (6.1) runs completion work only when this
 * thread asks for events: no interrupts of the loop. COOP_TASKRUN (5.19)
 * delays it to the next transition into the kernel; TASKRUN_FLAG lets
 * liburing notice pending work. Older kernels reject both with -EINVAL. */
static const unsigned setup_ladder[] = {
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
    0,
};

const unsigned *uring_setup_ladder(size_t *n)
{
    *n = sizeof(setup_ladder) / sizeof(setup_ladder[0]);
    return setup_ladder;
}

int uring_setup_fallback(int (*try_setup)(unsigned flags, void *ctx), void *ctx,
                         unsigned *used)
{
    size_t n;
    const unsigned *ladder = uring_setup_ladder(&n);
    int ret = -EINVAL;

    for (size_t i = 0; i < n; i++) {
        *used = ladder[i];
        ret = try_setup(ladder[i], ctx);
        if (ret != -EINVAL)
            break;
    }
    return ret;
}

static const struct {
    unsigned flag;
    const char *name;
} setup_names[] = {
    {.flag = IORING_SETUP_CQSIZE, .name = "CQSIZE"},
    {.flag = IORING_SETUP_CLAMP, .name = "CLAMP"},
    {.flag = IORING_SETUP_COOP_TASKRUN, .name = "COOP_TASKRUN"},
    {.flag = IORING_SETUP_TASKRUN_FLAG, .name = "TASKRUN_FLAG"},
    {.flag = IORING_SETUP_SINGLE_ISSUER, .name = "SINGLE_ISSUER"},
    {.flag = IORING_SETUP_DEFER_TASKRUN, .name = "DEFER_TASKRUN"},
};

char *uring_setup_flags_str(unsigned flags, char *buf, size_t size)
{
    size_t used = 0;

    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(setup_names) / sizeof(setup_names[0]); i++) {
        if (!(flags & setup_names[i].flag))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? "|" : "",
                         setup_names[i].name);
        if (n < 0 || (size_t)n >= size - used) {
            buf[used] = '\0'; /* whole names only */
            break;
        }
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, size, "none");
    return buf;
}

unsigned uring_cq_entries(unsigned maxclients, unsigned per_conn,
                          unsigned nbufs, unsigned extra, unsigned max)
{
    uint64_t want = (uint64_t)maxclients * per_conn + nbufs + extra;
    uint64_t n = 1;

    while (n < want && n < max)
        n <<= 1;
    return (unsigned)(n < max ? n : max);
}

bool uring_bufs_valid(unsigned count, unsigned size)
{
    if (count == 0 || count > 32768 || (count & (count - 1)) != 0)
        return false;
    return size > 0 && size <= (1u << 20);
}

size_t uring_buf_ring_bytes(unsigned count, size_t entry_size, size_t page)
{
    size_t bytes = (size_t)count * entry_size;

    return (bytes + page - 1) / page * page;
}

const char *uring_setup_error_hint(int err)
{
    switch (err) {
    case EPERM:
        return "io_uring is blocked (io_uring_setup: EPERM): Docker >= 25's default "
               "seccomp profile or kernel.io_uring_disabled; use the seccomp profile "
               "in docker/ or --engine=epoll";
    case ENOSYS:
        return "io_uring is not available (io_uring_setup: ENOSYS): this kernel was "
               "built without io_uring or predates it (needs Linux 5.6+); use "
               "--engine=epoll";
    case ENOMEM:
        return "io_uring ring could not be allocated (io_uring_setup: ENOMEM): "
               "kernels <= 5.11 charge rings to RLIMIT_MEMLOCK; raise it (`ulimit -l "
               "unlimited`, or docker run --ulimit memlock=-1) or use --engine=epoll";
    case EINVAL:
        return "io_uring_setup rejected every parameter set (EINVAL): this kernel is "
               "too old for respd's ring (needs Linux 5.6+); use --engine=epoll";
    case EMFILE:
    case ENFILE:
        return "io_uring_setup: out of file descriptors (EMFILE/ENFILE); raise "
               "`ulimit -n` or use --engine=epoll";
    default:
        return "io_uring_setup failed unexpectedly; use --engine=epoll and report "
               "the kernel version";
    }
}

const char *uring_read_kind_name(enum uring_read_kind k)
{
    switch (k) {
    case URING_READ_MULTISHOT:
        return "multishot_recv+buffer_ring";
    case URING_READ_RECV_BUFRING:
        return "recv+buffer_ring";
    case URING_READ_POLL_SCRATCH:
        return "poll+recv_scratch";
    }
    return "unknown";
}

int uring_features_info(const struct uring_features *f, char *buf, size_t size)
{
    char flags[160];
    int n = snprintf(buf, size,
                     "io_uring_mode:%s\r\n"
                     "io_uring_setup_flags:%s\r\n"
                     "io_uring_multishot_accept:%d\r\n"
                     "io_uring_multishot_recv:%d\r\n"
                     "io_uring_buffer_ring:%d\r\n"
                     "io_uring_buffers:%u\r\n"
                     "io_uring_buffer_size:%u\r\n"
                     "io_uring_recv:%s\r\n"
                     "io_uring_cq_entries:%u\r\n"
                     "io_uring_loops:%d\r\n"
                     "io_uring_kernel:%s\r\n",
                     f->mode,
                     uring_setup_flags_str(f->setup_flags, flags, sizeof(flags)),
                     f->multishot_accept ? 1 : 0,
                     f->read_kind == URING_READ_MULTISHOT ? 1 : 0,
                     f->buffer_ring ? 1 : 0, f->buffer_ring ? f->buffers : 0,
                     f->buffer_ring ? f->buffer_size : 0,
                     uring_read_kind_name(f->read_kind), f->cq_entries, f->loops,
                     f->kernel ? f->kernel : "unknown");

    if (n < 0 || (size_t)n >= size)
        return -ENOSPC;
    return n;
}
