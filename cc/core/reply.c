/* reply.c - RESP2/RESP3 reply encoding into one growable buffer.
 *
 * Owns: the buffer's growth and release policy (nothing is held while empty)
 * and the output limit check. Does not decide what a command replies.
 */
#include "cc/core/reply.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc/core/util.h"

/* Small enough for malloc's per-thread cache, big enough for a typical
 * pipeline's replies without regrowing. */
#define REPLY_INITIAL_CAP 1000u

void reply_init(struct reply *r, size_t limit)
{
    r->data = NULL;
    atomic_init(&r->pos, 0);
    atomic_init(&r->len, 0);
    atomic_init(&r->cap, 0);
    atomic_init(&r->peak, 0);
    r->limit = (limit == 0 || limit > REPLY_MAX_BYTES) ? REPLY_MAX_BYTES
                                                        : (uint32_t)limit;
    r->proto = 2;
    r->overflow = false;
}

void reply_free(struct reply *r)
{
    free(r->data);
    r->data = NULL;
    reply_put(&r->pos, 0);
    reply_put(&r->len, 0);
    reply_put(&r->cap, 0);
    reply_put(&r->peak, 0);
}

/* Records len in peak; called where len is about to shrink or at a send. */
static void reply_note_peak(struct reply *r)
{
    uint32_t len = reply_get(&r->len);
    if (len > reply_get(&r->peak))
        reply_put(&r->peak, len);
}

void reply_consume(struct reply *r, size_t n)
{
    size_t pending = reply_pending(r);
    if (n >= pending) {
        reply_free(r);
        return;
    }
    reply_note_peak(r);
    reply_put(&r->pos, reply_get(&r->pos) + (uint32_t)n);
}

static void reply_overflow(struct reply *r)
{
    reply_free(r);
    r->overflow = true;
}

/* Makes room for n more bytes; false when the reply must be dropped. */
static bool reply_room(struct reply *r, size_t n)
{
    if (r->overflow)
        return false;
    size_t pending = reply_pending(r);
    if (n > r->limit || pending > r->limit - n) {
        reply_overflow(r);
        return false;
    }
    uint32_t len = reply_get(&r->len), rcap = reply_get(&r->cap);
    if (rcap - len >= n)
        return true;
    uint32_t pos = reply_get(&r->pos);
    if (pos > 0) {
        /* Sent bytes are reclaimed before growing. */
        reply_note_peak(r);
        memmove(r->data, r->data + pos, pending);
        reply_put(&r->len, (uint32_t)pending);
        reply_put(&r->pos, 0);
        if (rcap - pending >= n)
            return true;
    }
    size_t need = pending + n;
    size_t cap = rcap ? rcap : REPLY_INITIAL_CAP;
    while (cap < need)
        cap *= 2;
    if (cap > REPLY_MAX_BYTES)
        cap = REPLY_MAX_BYTES;
    char *p = realloc(r->data, cap);
    if (p == NULL) {
        reply_overflow(r);
        return false;
    }
    r->data = p;
    reply_put(&r->cap, (uint32_t)cap);
    return true;
}

void reply_raw(struct reply *r, const char *p, size_t n)
{
    if (n == 0 || !reply_room(r, n))
        return;
    memcpy(r->data + reply_get(&r->len), p, n);
    reply_put(&r->len, reply_get(&r->len) + (uint32_t)n);
}

/* Appends "<prefix><v>\r\n". */
static void reply_prefixed_int(struct reply *r, char prefix, int64_t v)
{
    char buf[32];
    buf[0] = prefix;
    size_t n = 1 + util_ll2str(buf + 1, v);
    buf[n++] = '\r';
    buf[n++] = '\n';
    reply_raw(r, buf, n);
}

void reply_simple(struct reply *r, const char *s)
{
    size_t n = strlen(s);
    if (!reply_room(r, n + 3))
        return;
    char *d = r->data + reply_get(&r->len);
    d[0] = '+';
    memcpy(d + 1, s, n);
    d[n + 1] = '\r';
    d[n + 2] = '\n';
    reply_put(&r->len, reply_get(&r->len) + (uint32_t)(n + 3));
}

void reply_ok(struct reply *r)
{
    reply_raw(r, "+OK\r\n", 5);
}

void reply_error(struct reply *r, const char *s)
{
    size_t n = strlen(s);
    if (!reply_room(r, n + 3))
        return;
    char *d = r->data + reply_get(&r->len);
    d[0] = '-';
    memcpy(d + 1, s, n);
    d[n + 1] = '\r';
    d[n + 2] = '\n';
    reply_put(&r->len, reply_get(&r->len) + (uint32_t)(n + 3));
}

/* Formats fmt into a stack buffer, or a heap one when the text is longer,
 * and hands the text to emit: one place for the printf-style appenders. */
static void reply_vformat(struct reply *r, void (*emit)(struct reply *, const char *, size_t),
                          const char *fmt, va_list ap)
{
    char small[512];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    if (n >= 0 && (size_t)n < sizeof(small)) {
        emit(r, small, (size_t)n);
    } else if (n >= 0) {
        char *big = malloc((size_t)n + 1);
        if (big == NULL) {
            reply_overflow(r);
        } else {
            vsnprintf(big, (size_t)n + 1, fmt, again);
            emit(r, big, (size_t)n);
            free(big);
        }
    }
    va_end(again);
}

static void reply_error_text(struct reply *r, const char *s, size_t n)
{
    (void)n; /* s is NUL-terminated; reply_error measures it */
    reply_error(r, s);
}

void reply_errorf(struct reply *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_vformat(r, reply_error_text, fmt, ap);
    va_end(ap);
}

void reply_rawf(struct reply *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_vformat(r, reply_raw, fmt, ap);
    va_end(ap);
}

void reply_int(struct reply *r, int64_t v)
{
    reply_prefixed_int(r, ':', v);
}

void reply_bulk(struct reply *r, const char *p, size_t n)
{
    char hdr[32];
    hdr[0] = '$';
    size_t h = 1 + util_ll2str(hdr + 1, (int64_t)n);
    hdr[h++] = '\r';
    hdr[h++] = '\n';
    if (!reply_room(r, h + n + 2))
        return;
    char *d = r->data + reply_get(&r->len);
    memcpy(d, hdr, h);
    memcpy(d + h, p, n);
    d[h + n] = '\r';
    d[h + n + 1] = '\n';
    reply_put(&r->len, reply_get(&r->len) + (uint32_t)(h + n + 2));
}

void reply_cstr(struct reply *r, const char *s)
{
    reply_bulk(r, s, strlen(s));
}

void reply_bulk_int(struct reply *r, int64_t v)
{
    char buf[24];
    size_t n = util_ll2str(buf, v);
    reply_bulk(r, buf, n);
}

void reply_null(struct reply *r)
{
    if (r->proto >= 3)
        reply_raw(r, "_\r\n", 3);
    else
        reply_raw(r, "$-1\r\n", 5);
}

void reply_null_array(struct reply *r)
{
    if (r->proto >= 3)
        reply_raw(r, "_\r\n", 3);
    else
        reply_raw(r, "*-1\r\n", 5);
}

void reply_array(struct reply *r, size_t n)
{
    reply_prefixed_int(r, '*', (int64_t)n);
}

void reply_map(struct reply *r, size_t n)
{
    if (r->proto >= 3)
        reply_prefixed_int(r, '%', (int64_t)n);
    else
        reply_prefixed_int(r, '*', (int64_t)(n * 2));
}

void reply_set(struct reply *r, size_t n)
{
    reply_prefixed_int(r, r->proto >= 3 ? '~' : '*', (int64_t)n);
}

void reply_double(struct reply *r, double d)
{
    char buf[64];
    int n;
    if (isinf(d))
        n = snprintf(buf, sizeof(buf), "%s", d > 0 ? "inf" : "-inf");
    else if (isnan(d))
        n = snprintf(buf, sizeof(buf), "nan");
    else
        n = snprintf(buf, sizeof(buf), "%.17g", d);
    if (r->proto >= 3) {
        reply_raw(r, ",", 1);
        reply_raw(r, buf, (size_t)n);
        reply_raw(r, "\r\n", 2);
    } else {
        reply_bulk(r, buf, (size_t)n);
    }
}

void reply_verbatim(struct reply *r, const char *fmt, const char *p, size_t n)
{
    if (r->proto < 3) {
        reply_bulk(r, p, n);
        return;
    }
    reply_prefixed_int(r, '=', (int64_t)(n + 4));
    reply_raw(r, fmt, 3);
    reply_raw(r, ":", 1);
    reply_raw(r, p, n);
    reply_raw(r, "\r\n", 2);
}
