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

struct reply {
    char *data;      /* NULL while empty: an idle connection holds nothing */
    uint32_t pos;    /* bytes at the front already sent */
    uint32_t len;    /* bytes appended (pos..len are pending) */
    uint32_t cap;
    uint32_t limit;  /* hard cap on len; appending past it sets overflow */
    uint8_t proto;   /* 2 or 3 */
    bool overflow;   /* sticky until reply_truncate: appends are ignored */
    /* Not used by the encoder: the pending size at which its owner stops
     * producing (session.c's flow control). Kept here, in what would be
     * padding, so that an idle session stays within its size budget. */
    uint32_t pause;
};

/* Initialises an empty buffer; allocates nothing. limit 0 = REPLY_MAX_BYTES. */
void reply_init(struct reply *r, size_t limit);
/* Frees the buffer; r stays usable (empty). */
void reply_free(struct reply *r);
/* Pending bytes: data + pos, len - pos of them. */
static inline size_t reply_pending(const struct reply *r) { return r->len - r->pos; }
/* Drops the first n pending bytes (sent by the engine); frees the buffer
 * when nothing is left pending. */
void reply_consume(struct reply *r, size_t n);
/* Cuts the buffer back to `len` bytes appended (a value of r->len read
 * before some appends) and clears `overflow`, so appending works again.
 * A mark below what was already consumed empties the buffer. */
void reply_truncate(struct reply *r, uint32_t len);

/* Appenders. On allocation failure or when the limit is passed, `overflow`
 * is set and this and later appends are ignored, so callers never check
 * each call; the bytes appended before stay, so the owner can cut the
 * buffer back to the end of the last whole reply (reply_truncate). */
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
void reply_null_array(struct reply *r);                   /* *-1 / _ */
void reply_array(struct reply *r, size_t n);              /* *n */
void reply_map(struct reply *r, size_t n);                /* *2n / %n (n pairs) */
void reply_set(struct reply *r, size_t n);                /* *n / ~n */
void reply_double(struct reply *r, double d);             /* bulk / ,d */
void reply_bool(struct reply *r, bool b);                 /* :1 :0 / #t #f */
/* Verbatim string: RESP3 "=len\r\nfmt:..." (fmt is 3 chars, e.g. "txt"),
 * a plain bulk in RESP2. */
void reply_verbatim(struct reply *r, const char *fmt, const char *p, size_t n);

/* Formats v in decimal into buf (at least 21 bytes); returns the length. */
size_t reply_fmt_int(char *buf, int64_t v);

#ifdef __cplusplus
}
#endif

#endif
