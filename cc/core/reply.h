/* reply.h - the RESP reply encoder: appends encoded replies to a growable
 * byte buffer, in RESP2 or RESP3 as the connection negotiated.
 *
 * Owns: the reply bytes not yet handed to the engine. Does not know about
 * sockets, sessions or commands. Not thread-safe (one per connection).
 */
#ifndef RESPD_REPLY_H
#define RESPD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest buffer a reply may grow to; lengths are kept in 32 bits to
 * keep an idle session small. A client that lets more pile up is treated
 * like one past the output limit. */
#define REPLY_MAX_BYTES ((uint32_t)0xF0000000u)

/* pos, len, cap and peak are written only by the owning thread but read by
 * others (CLIENT LIST), so in C they are atomics the owner updates with
 * relaxed stores (plain moves); C++ tests see the same layout. */
#ifdef __cplusplus
#define REPLY_SHARED_U32 uint32_t
#else
#define REPLY_SHARED_U32 _Atomic uint32_t
#endif

struct reply {
    char *data;      /* NULL while empty: an idle connection holds nothing */
    REPLY_SHARED_U32 pos;  /* bytes at the front already sent */
    REPLY_SHARED_U32 len;  /* bytes appended (pos..len are pending) */
    REPLY_SHARED_U32 cap;
    uint32_t limit;  /* hard cap on len; appending past it sets overflow */
    uint8_t proto;   /* 2 or 3 */
    bool overflow;   /* sticky: output was dropped, the client must go */
    /* The most bytes this buffer held since it was allocated (CLIENT
     * LIST's rbp); 0 again once it is released. */
    REPLY_SHARED_U32 peak;
};

#ifndef __cplusplus
#include <stdatomic.h>
/* Relaxed access to the shared fields: one writer, readers elsewhere. */
static inline uint32_t reply_get(const _Atomic uint32_t *f)
{
    return atomic_load_explicit(f, memory_order_relaxed);
}
static inline void reply_put(_Atomic uint32_t *f, uint32_t v)
{
    atomic_store_explicit(f, v, memory_order_relaxed);
}
#endif

/* Initialises an empty buffer; allocates nothing. limit 0 = REPLY_MAX_BYTES. */
void reply_init(struct reply *r, size_t limit);
/* Frees the buffer; r stays usable (empty). */
void reply_free(struct reply *r);
/* Pending bytes: data + pos, len - pos of them. */
#ifdef __cplusplus
static inline size_t reply_pending(const struct reply *r) { return r->len - r->pos; }
#else
static inline size_t reply_pending(const struct reply *r)
{
    return reply_get(&r->len) - reply_get(&r->pos);
}
#endif
/* Drops the first n pending bytes (sent by the engine); frees the buffer
 * when nothing is left pending. */
void reply_consume(struct reply *r, size_t n);

/* Appenders. On allocation failure or when the limit is passed, the buffer
 * is released and `overflow` is set; later appends are ignored, so callers
 * never check each call. */
void reply_raw(struct reply *r, const char *p, size_t n);
void reply_simple(struct reply *r, const char *s);       /* +s */
void reply_ok(struct reply *r);                           /* +OK */
void reply_error(struct reply *r, const char *s);        /* -s (s has the code) */
void reply_errorf(struct reply *r, const char *fmt, ...) /* -..., formatted */
    __attribute__((format(printf, 2, 3)));
void reply_rawf(struct reply *r, const char *fmt, ...)   /* formatted raw bytes */
    __attribute__((format(printf, 2, 3)));
void reply_int(struct reply *r, int64_t v);               /* :v */
void reply_bulk(struct reply *r, const char *p, size_t n);
void reply_cstr(struct reply *r, const char *s);         /* bulk of a C string */
void reply_bulk_int(struct reply *r, int64_t v);          /* bulk "v" */
void reply_null(struct reply *r);                         /* $-1 / _ */
/* A null array: EXEC after a failed WATCH and timed-out blocking pops
 * answer it (transactions and list commands are next on the roadmap). */
void reply_null_array(struct reply *r);                   /* *-1 / _ */
void reply_array(struct reply *r, size_t n);              /* *n */
void reply_map(struct reply *r, size_t n);                /* *2n / %n (n pairs) */
void reply_set(struct reply *r, size_t n);                /* *n / ~n */
/* A double: sorted sets' scores (ZSCORE, ZINCRBY, WITHSCORES) need it. */
void reply_double(struct reply *r, double d);             /* bulk / ,d */
/* Verbatim string: RESP3 "=len\r\nfmt:..." (fmt is 3 chars, e.g. "txt"),
 * a plain bulk in RESP2. */
void reply_verbatim(struct reply *r, const char *fmt, const char *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
