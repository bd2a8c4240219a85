/* uring_util.h - the pure arithmetic of the io_uring engine: user_data
 * tagging, kernel release parsing, the setup-flag fallback ladder, ring and
 * buffer-ring sizing, and the INFO lines. No system calls, no liburing
 * state: everything here is tested by GoogleTest with plain values.
 */
#ifndef RESPD_URING_UTIL_H
#define RESPD_URING_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a completion belongs to. Stored in the low bits of user_data next to
 * a pointer (connection or NULL for loop-wide operations), so an fd is never
 * squeezed into the value and fds above 65535 need nothing special. */
enum uring_op {
    URING_OP_IGNORE = 0, /* cancel requests: their completions carry nothing */
    URING_OP_ACCEPT = 1,
    URING_OP_RECV = 2,   /* recv with a provided buffer (single or multishot) */
    URING_OP_POLL = 3,   /* readiness poll before a recv into the scratch buffer */
    URING_OP_SEND = 4,
    URING_OP_TIMER = 5,
    URING_OP_WAKE = 6,   /* the shutdown wake-up fd became readable */
};

#define URING_UD_TAG_BITS 3u
#define URING_UD_TAG_MASK ((uint64_t)((1u << URING_UD_TAG_BITS) - 1))

/* Packs ptr and op into one user_data value. ptr must be NULL or aligned to
 * at least 8 bytes (malloc's alignment) so the tag bits are free. */
static inline uint64_t uring_ud_pack(const void *ptr, enum uring_op op)
{
    return (uint64_t)(uintptr_t)ptr | ((uint64_t)op & URING_UD_TAG_MASK);
}

static inline enum uring_op uring_ud_op(uint64_t ud)
{
    return (enum uring_op)(ud & URING_UD_TAG_MASK);
}

static inline void *uring_ud_ptr(uint64_t ud)
{
    return (void *)(uintptr_t)(ud & ~URING_UD_TAG_MASK);
}

/* Parses "MAJOR.MINOR[.anything]" (uname's release). Returns 0 and fills
 * major and minor, or -EINVAL when the string does not start that way. */
int uring_kernel_parse(const char *release, int *major, int *minor);
/* True when release parses and is at least major.minor. */
bool uring_kernel_at_least(const char *release, int major, int minor);

/* The setup flags tried in order, most capable first; a kernel that does not
 * know a flag answers -EINVAL and the next entry is tried. CQSIZE and CLAMP
 * are added to every entry by the caller. Returns the ladder and its length
 * in *n; the last entry is 0 (no optional flags). */
const unsigned *uring_setup_ladder(size_t *n);
/* Walks the ladder: calls try_setup(flags, ctx) for each entry, most capable
 * first, moving on only when it returns -EINVAL (a flag this kernel does not
 * know); any other result ends the walk. Returns that result (0 on success)
 * and stores the flags of the last attempt in *used. */
int uring_setup_fallback(int (*try_setup)(unsigned flags, void *ctx), void *ctx,
                         unsigned *used);
/* Writes the names of the setup flags in `flags` separated by '|' (or
 * "none") into buf. Returns buf. */
char *uring_setup_flags_str(unsigned flags, char *buf, size_t size);

/* Completion queue entries that cannot overflow with `maxclients`
 * connections on one ring, each with at most `per_conn` completions
 * outstanding, plus `nbufs` multishot recv completions (each holds one
 * provided buffer) and `extra` loop-wide operations. Rounded up to a power
 * of two and capped at `max` (the kernel's limit, also a power of two). */
unsigned uring_cq_entries(unsigned maxclients, unsigned per_conn,
                          unsigned nbufs, unsigned extra, unsigned max);

/* Buffer ring geometry: buffer `bid` of `count` buffers of `size` bytes
 * starts at offset bid * size of the slab; bid is 16 bits in a CQE, and the
 * ring needs a power-of-two count. Returns true when count/size are usable. */
bool uring_bufs_valid(unsigned count, unsigned size);
static inline size_t uring_buf_offset(unsigned bid, unsigned size)
{
    return (size_t)bid * size;
}
/* Bytes to allocate for a ring of `count` io_uring_buf entries of
 * `entry_size` bytes, rounded up to whole pages of `page` bytes. */
size_t uring_buf_ring_bytes(unsigned count, size_t entry_size, size_t page);

/* Which recv strategy a loop uses. */
enum uring_read_kind {
    URING_READ_MULTISHOT,  /* multishot recv, provided buffer ring (6.0) */
    URING_READ_RECV_BUFRING, /* single-shot recv, provided buffer ring (5.19) */
    URING_READ_POLL_SCRATCH, /* poll, then recv(2) into a per-loop buffer */
};

struct uring_features {
    const char *mode;        /* "multishot" or "singleshot" */
    unsigned setup_flags;    /* IORING_SETUP_* actually used */
    bool multishot_accept;
    enum uring_read_kind read_kind;
    bool buffer_ring;
    unsigned buffers, buffer_size;
    unsigned cq_entries;
    int loops;
    const char *kernel;      /* uname release */
};

/* Formats the INFO server-section lines ("name:value\r\n" each) for f into
 * buf. Returns the length written, or -ENOSPC when buf is too small. */
int uring_features_info(const struct uring_features *f, char *buf, size_t size);

/* The one-line, actionable explanation of io_uring_setup failing with
 * errno `err` (positive): EPERM (seccomp or kernel.io_uring_disabled),
 * ENOSYS (no io_uring in this kernel), ENOMEM (RLIMIT_MEMLOCK on <= 5.11),
 * EINVAL (kernel too old for the flags we need). Static string. */
const char *uring_setup_error_hint(int err);

/* Name of a read strategy, for logs and INFO. */
const char *uring_read_kind_name(enum uring_read_kind k);

#ifdef __cplusplus
}
#endif

#endif
