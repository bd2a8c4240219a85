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

/* Small enough for malloc's per-thread cache, big enough for a typical
 * pipeline's replies without regrowing. */
#define REPLY_INITIAL_CAP 1000u

void reply_init(struct reply *r, size_t limit)
{
    r->data = NULL;
    r->pos = 0;
    r->len = 0;
    r->cap = 0;
    r->limit = (limit == 0 || limit > REPLY_MAX_BYTES) ? REPLY_MAX_BYTES
                                                        : (uint32_t)limit;
    r->proto = 2;
    r->overflow = false;
    r->pause = 0;
}

void reply_free(struct reply *r)
{
    free(r->data);
    r->data = NULL;
    r->pos = r->len = r->cap = 0;
}

void reply_consume(struct reply *r, size_t n)
{
    size_t pending = reply_pending(r);
    if (n >= pending) {
        reply_free(r);
        return;
    }
    r->pos += (uint32_t)n;
}

/* The bytes already appended stay: the caller knows where the last whole
 * reply ended and may cut back to it (session.c does). */
void reply_truncate(struct reply *r, uint32_t len)
{
    r->overflow = false;
    if (len <= r->pos) {
        reply_free(r);
        return;
    }
    if (len < r->len)
        r->len = len;
}

static void reply_overflow(struct reply *r)
{
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
    if (r->cap - r->len >= n)
        return true;
    if (r->pos > 0) {
        /* Sent bytes are reclaimed before growing. */
        memmove(r->data, r->data + r->pos, pending);
        r->len = (uint32_t)pending;
        r->pos = 0;
        if (r->cap - r->len >= n)
            return true;
    }
    size_t need = pending + n;
    size_t cap = r->cap ? r->cap : REPLY_INITIAL_CAP;
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
    r->cap = (uint32_t)cap;
    return true;
}

void reply_raw(struct reply *r, const char *p, size_t n)
{
    if (n == 0 || !reply_room(r, n))
        return;
    memcpy(r->data + r->len, p, n);
    r->len += (uint32_t)n;
}

size_t reply_fmt_int(char *buf, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    /* Unsigned magnitude so INT64_MIN does not overflow. */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    return len;
}

/* Appends "<prefix><v>\r\n". */
static void reply_prefixed_int(struct reply *r, char prefix, int64_t v)
{
    char buf[32];
    buf[0] = prefix;
    size_t n = 1 + reply_fmt_int(buf + 1, v);
    buf[n++] = '\r';
    buf[n++] = '\n';
    reply_raw(r, buf, n);
}

void reply_simple(struct reply *r, const char *s)
{
    size_t n = strlen(s);
    if (!reply_room(r, n + 3))
        return;
    char *d = r->data + r->len;
    d[0] = '+';
    memcpy(d + 1, s, n);
    d[n + 1] = '\r';
    d[n + 2] = '\n';
    r->len += (uint32_t)(n + 3);
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
    char *d = r->data + r->len;
    d[0] = '-';
    memcpy(d + 1, s, n);
    d[n + 1] = '\r';
    d[n + 2] = '\n';
    r->len += (uint32_t)(n + 3);
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
    size_t h = 1 + reply_fmt_int(hdr + 1, (int64_t)n);
    hdr[h++] = '\r';
    hdr[h++] = '\n';
    if (!reply_room(r, h + n + 2))
        return;
    char *d = r->data + r->len;
    memcpy(d, hdr, h);
    memcpy(d + h, p, n);
    d[h + n] = '\r';
    d[h + n + 1] = '\n';
    r->len += (uint32_t)(h + n + 2);
}

void reply_cstr(struct reply *r, const char *s)
{
    reply_bulk(r, s, strlen(s));
}

void reply_bulk_int(struct reply *r, int64_t v)
{
    char buf[24];
    size_t n = reply_fmt_int(buf, v);
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

void reply_bool(struct reply *r, bool b)
{
    if (r->proto >= 3)
        reply_raw(r, b ? "#t\r\n" : "#f\r\n", 4);
    else
        reply_raw(r, b ? ":1\r\n" : ":0\r\n", 4);
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
