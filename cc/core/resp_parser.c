/* resp_parser.c - incremental RESP request parser with Redis 7.0's rules.
 *
 * Owns: recognising multibulk and inline requests, their limits and error
 * texts. Does not own the input bytes, executing commands or replying: the
 * session does that with what this file reports.
 */
#include "cc/core/resp_parser.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc/core/util.h"

enum parse_state {
    ST_IDLE,    /* between frames */
    ST_INLINE,  /* waiting for the end of an inline line */
    ST_COUNT,   /* waiting for the end of the `*N` line */
    ST_BULKLEN, /* waiting for the end of a `$L` line */
    ST_DATA,    /* waiting for L bytes of bulk data and its terminator */
    ST_DONE,    /* a request is available to the caller */
    ST_ERROR,   /* sticky protocol error */
};

enum parse_error {
    PE_NONE,
    PE_INLINE_TOO_BIG,
    PE_COUNT_TOO_BIG,
    PE_BULKLEN_TOO_BIG,
    PE_INVALID_COUNT,
    PE_INVALID_BULKLEN,
    PE_EXPECTED_DOLLAR,
    PE_QUOTES,
    PE_UNAUTH_COUNT,
    PE_UNAUTH_BULKLEN,
    PE_NOMEM,
};

static const char *const error_text[] = {
    [PE_NONE] = NULL,
    [PE_INLINE_TOO_BIG] = "ERR Protocol error: too big inline request",
    [PE_COUNT_TOO_BIG] = "ERR Protocol error: too big mbulk count string",
    [PE_BULKLEN_TOO_BIG] = "ERR Protocol error: too big bulk count string",
    [PE_INVALID_COUNT] = "ERR Protocol error: invalid multibulk length",
    [PE_INVALID_BULKLEN] = "ERR Protocol error: invalid bulk length",
    [PE_EXPECTED_DOLLAR] = NULL, /* formatted into u.errbuf */
    [PE_QUOTES] = "ERR Protocol error: unbalanced quotes in request",
    [PE_UNAUTH_COUNT] = "ERR Protocol error: unauthenticated multibulk length",
    [PE_UNAUTH_BULKLEN] = "ERR Protocol error: unauthenticated bulk length",
    [PE_NOMEM] = "ERR out of memory while reading the request",
};

/* The first argument array's size: enough for GET/SET-sized commands. */
#define FIRST_ARGS 4

/* Argument slots hold a frame offset while a multibulk frame is incomplete
 * (the caller's buffer may move between calls) and the final pointer once
 * it is complete; the offset is stored through memcpy so the slot's type
 * changes legally. */
_Static_assert(sizeof(size_t) == sizeof(const char *),
               "argument slots reuse pointer storage for offsets");

static const char **argv_of(const struct resp_parser *p)
{
    return (const char **)p->args;
}

static size_t *lens_of(const struct resp_parser *p)
{
    return (size_t *)((char *)p->args + (size_t)p->cap * sizeof(const char *));
}

static void slot_set_offset(struct resp_parser *p, int i, size_t off)
{
    memcpy(&argv_of(p)[i], &off, sizeof off);
}

static size_t slot_offset(const struct resp_parser *p, int i)
{
    size_t off;
    memcpy(&off, &argv_of(p)[i], sizeof off);
    return off;
}

/* Makes room for argument number argc. `limit` (0 = none) caps the new
 * capacity at the count a multibulk header declared, so a 5-argument frame
 * does not reserve 8 slots; growth itself only happens once an argument's
 * bytes have arrived. */
static bool args_room(struct resp_parser *p, long long limit)
{
    int argc = p->u.st.argc;
    if (argc < p->cap)
        return true;
    long long want = p->cap ? 2LL * p->cap : FIRST_ARGS;
    if (limit > 0 && want > limit)
        want = limit;
    if (want <= argc)
        want = (long long)argc + 1;
    if (want > INT_MAX)
        return false;
    int cap = (int)want;
    void *block = malloc((size_t)cap * (sizeof(const char *) + sizeof(size_t)));
    if (!block)
        return false;
    if (argc > 0) {
        memcpy(block, p->args, (size_t)argc * sizeof(const char *));
        memcpy((char *)block + (size_t)cap * sizeof(const char *), lens_of(p),
               (size_t)argc * sizeof(size_t));
    }
    free(p->args);
    p->args = block;
    p->cap = cap;
    return true;
}

static void release_decoded(struct resp_parser *p)
{
    if (p->state != ST_ERROR) {
        free(p->u.st.decoded);
        p->u.st.decoded = NULL;
    }
}

static void start_frame(struct resp_parser *p, enum parse_state st)
{
    p->state = (unsigned char)st;
    p->nul_seen = 0;
    p->u.st.decoded = NULL; /* released before, or overlaid by errbuf */
    p->u.st.pos = 0;
    p->u.st.scan = 0;
    p->u.st.bulklen = 0;
    p->u.st.remaining = 0;
    p->u.st.argc = 0;
}

static enum resp_status fail(struct resp_parser *p, enum parse_error e)
{
    release_decoded(p);
    p->state = ST_ERROR;
    p->error = (unsigned char)e;
    return RESP_ERROR;
}

static enum resp_status fail_expected_dollar(struct resp_parser *p, char got)
{
    /* Redis formats the byte with %c and then blanks CR and LF so the error
     * line stays one line. A NUL cannot get here: Redis's line search stops
     * at NUL bytes, and so does ours. */
    if (got == '\r' || got == '\n')
        got = ' ';
    fail(p, PE_EXPECTED_DOLLAR);
    snprintf(p->u.errbuf, sizeof p->u.errbuf,
             "ERR Protocol error: expected '$', got '%c'", got);
    return RESP_ERROR;
}

/* Finds `eol` in the line starting at f[pos], resuming where the previous
 * call stopped. Like Redis's strchr on its NUL-terminated query buffer, a
 * NUL byte before `eol` hides the end of the line for good. On success *at
 * is eol's index. */
static bool find_eol(struct resp_parser *p, const char *f, size_t flen, char eol,
                     size_t *at)
{
    size_t pos = p->u.st.pos;
    size_t from = pos + p->u.st.scan;
    if (p->nul_seen || from >= flen)
        return false;
    const char *hit = memchr(f + from, eol, flen - from);
    size_t end = hit ? (size_t)(hit - f) : flen;
    if (memchr(f + from, '\0', end - from)) {
        p->nul_seen = 1;
        return false;
    }
    /* Past RESP_INLINE_MAX the caller fails, so the clamp never loses a
     * position it needs. */
    size_t scanned = end - pos;
    p->u.st.scan = scanned > UINT_MAX ? UINT_MAX : (unsigned)scanned;
    if (!hit)
        return false;
    *at = end;
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

static bool add_arg(struct resp_parser *p, const char *ptr, size_t len)
{
    if (!args_room(p, 0))
        return false;
    argv_of(p)[p->u.st.argc] = ptr;
    lens_of(p)[p->u.st.argc] = len;
    p->u.st.argc++;
    return true;
}

/* Splits an inline line with Redis's sdssplitargs rules. Without quotes the
 * arguments are slices of the line; with quotes they are unescaped into
 * u.st.decoded, which never needs more bytes than the line has. */
static enum parse_error split_inline(struct resp_parser *p, const char *s, size_t n)
{
    char *out = NULL;
    if (memchr(s, '"', n) || memchr(s, '\'', n)) {
        out = malloc(n);
        if (!out)
            return PE_NOMEM;
        p->u.st.decoded = out;
    }
    /* The line holds no NUL (find_eol stops there), so a 0 past its end
     * plays the part of Redis's string terminator. */
#define AT(k) ((k) < n ? s[(k)] : '\0')
    size_t i = 0, o = 0;
    for (;;) {
        while (i < n && is_space(s[i]))
            i++;
        if (i == n)
            return PE_NONE;
        bool in_dq = false, in_sq = false, done = false;
        size_t word = i, start = o, len = 0;
        while (!done) {
            char c = AT(i);
            char emit = 0;
            bool has_emit = false;
            if (in_dq) {
                if (c == '\\' && AT(i + 1) == 'x' && is_hex(AT(i + 2)) && is_hex(AT(i + 3))) {
                    emit = (char)(hex_value(AT(i + 2)) * 16 + hex_value(AT(i + 3)));
                    has_emit = true;
                    i += 3;
                } else if (c == '\\' && AT(i + 1)) {
                    i++;
                    switch (s[i]) {
                    case 'n': emit = '\n'; break;
                    case 'r': emit = '\r'; break;
                    case 't': emit = '\t'; break;
                    case 'b': emit = '\b'; break;
                    case 'a': emit = '\a'; break;
                    default: emit = s[i]; break;
                    }
                    has_emit = true;
                } else if (c == '"') {
                    if (AT(i + 1) && !is_space(AT(i + 1)))
                        return PE_QUOTES;
                    done = true;
                } else if (!c) {
                    return PE_QUOTES;
                } else {
                    emit = c;
                    has_emit = true;
                }
            } else if (in_sq) {
                if (c == '\\' && AT(i + 1) == '\'') {
                    i++;
                    emit = '\'';
                    has_emit = true;
                } else if (c == '\'') {
                    if (AT(i + 1) && !is_space(AT(i + 1)))
                        return PE_QUOTES;
                    done = true;
                } else if (!c) {
                    return PE_QUOTES;
                } else {
                    emit = c;
                    has_emit = true;
                }
            } else {
                switch (c) {
                case ' ': case '\n': case '\r': case '\t': case '\0':
                    done = true;
                    break;
                case '"':
                    in_dq = true;
                    break;
                case '\'':
                    in_sq = true;
                    break;
                default:
                    emit = c;
                    has_emit = true;
                    break;
                }
            }
            if (has_emit) {
                if (out)
                    out[o++] = emit;
                len++;
            }
            if (i < n)
                i++;
        }
        if (!add_arg(p, out ? out + start : s + word, len))
            return PE_NOMEM;
    }
#undef AT
}

static enum resp_status finish_multibulk(struct resp_parser *p, const char *f)
{
    const char **argv = argv_of(p);
    for (int i = 0; i < p->u.st.argc; i++)
        argv[i] = f + slot_offset(p, i);
    p->state = ST_DONE;
    return RESP_DONE;
}

void resp_parser_init(struct resp_parser *p)
{
    memset(p, 0, sizeof *p);
    p->state = ST_IDLE;
}

void resp_parser_destroy(struct resp_parser *p)
{
    release_decoded(p);
    free(p->args);
    resp_parser_init(p);
}

void resp_parser_set_unauthenticated(struct resp_parser *p, bool on)
{
    p->unauth = on;
}

/* One step on the frame at f: RESP_DONE with *frame_len set, RESP_MORE, or
 * RESP_ERROR. A frame that carries no request (empty line, `*0`) reports
 * RESP_DONE with argc 0 so the caller can skip it. */
static enum resp_status parse_frame(struct resp_parser *p, const char *f, size_t flen,
                                    size_t *frame_len)
{
    size_t at;
    int64_t ll;
    enum parse_error e;
    for (;;) {
        size_t pos = p->u.st.pos;
        switch ((enum parse_state)p->state) {
        case ST_INLINE:
            if (!find_eol(p, f, flen, '\n', &at)) {
                if (flen > RESP_INLINE_MAX)
                    return fail(p, PE_INLINE_TOO_BIG);
                return RESP_MORE;
            }
            e = split_inline(p, f, at > 0 && f[at - 1] == '\r' ? at - 1 : at);
            if (e != PE_NONE)
                return fail(p, e);
            *frame_len = at + 1;
            p->state = ST_DONE;
            return RESP_DONE;

        case ST_COUNT:
            if (!find_eol(p, f, flen, '\r', &at)) {
                if (flen - pos > RESP_INLINE_MAX)
                    return fail(p, PE_COUNT_TOO_BIG);
                return RESP_MORE;
            }
            /* Redis skips the byte after CR without looking at it. */
            if (at + 1 >= flen)
                return RESP_MORE;
            if (!util_string2ll(f + 1, at - 1, &ll) || ll > INT_MAX)
                return fail(p, PE_INVALID_COUNT);
            if (ll > RESP_UNAUTH_ARGS_MAX && p->unauth)
                return fail(p, PE_UNAUTH_COUNT);
            p->u.st.pos = at + 2;
            p->u.st.scan = 0;
            if (ll <= 0) {
                *frame_len = at + 2;
                p->state = ST_DONE;
                return RESP_DONE;
            }
            p->u.st.remaining = (int)ll;
            p->state = ST_BULKLEN;
            break;

        case ST_BULKLEN:
            if (!find_eol(p, f, flen, '\r', &at)) {
                if (flen - pos > RESP_INLINE_MAX)
                    return fail(p, PE_BULKLEN_TOO_BIG);
                return RESP_MORE;
            }
            if (at + 1 >= flen)
                return RESP_MORE;
            if (f[pos] != '$')
                return fail_expected_dollar(p, f[pos]);
            if (!util_string2ll(f + pos + 1, at - pos - 1, &ll) || ll < 0 || ll > RESP_BULK_MAX)
                return fail(p, PE_INVALID_BULKLEN);
            if (ll > RESP_UNAUTH_BULK_MAX && p->unauth)
                return fail(p, PE_UNAUTH_BULKLEN);
            p->u.st.pos = at + 2;
            p->u.st.scan = 0;
            p->u.st.bulklen = (int)ll;
            p->state = ST_DATA;
            break;

        case ST_DATA:
            /* Redis skips the two bytes after the data without checking
             * that they are CRLF. */
            if (flen < pos || flen - pos < (size_t)p->u.st.bulklen + 2)
                return RESP_MORE;
            if (!args_room(p, (long long)p->u.st.argc + p->u.st.remaining))
                return fail(p, PE_NOMEM);
            slot_set_offset(p, p->u.st.argc, pos);
            lens_of(p)[p->u.st.argc] = (size_t)p->u.st.bulklen;
            p->u.st.argc++;
            p->u.st.pos = pos + (size_t)p->u.st.bulklen + 2;
            p->u.st.remaining--;
            if (p->u.st.remaining == 0) {
                *frame_len = p->u.st.pos;
                return finish_multibulk(p, f);
            }
            p->state = ST_BULKLEN;
            break;

        case ST_IDLE:
        case ST_DONE:
        case ST_ERROR:
            /* resp_parse starts a frame before calling and never calls in
             * these states; answer like a corrupted stream rather than
             * loop. */
            return fail(p, PE_INVALID_COUNT);
        }
    }
}

enum resp_status resp_parse(struct resp_parser *p, const char *buf, size_t len,
                            size_t *consumed)
{
    size_t skipped = 0;
    *consumed = 0;
    if (p->state == ST_ERROR)
        return RESP_ERROR;
    if (p->state == ST_DONE) {
        release_decoded(p);
        p->u.st.argc = 0;
        p->state = ST_IDLE;
    }
    for (;;) {
        const char *f = buf + skipped;
        size_t flen = len - skipped;
        if (p->state == ST_IDLE) {
            if (flen == 0) {
                *consumed = skipped;
                return RESP_MORE;
            }
            start_frame(p, f[0] == '*' ? ST_COUNT : ST_INLINE);
        }
        size_t frame_len = 0;
        enum resp_status r = parse_frame(p, f, flen, &frame_len);
        if (r == RESP_DONE && p->u.st.argc == 0) {
            release_decoded(p);
            p->state = ST_IDLE;
            skipped += frame_len;
            continue;
        }
        if (r == RESP_DONE)
            p->u.st.pos = frame_len; /* for resp_parser_frame_len */
        *consumed = r == RESP_DONE ? skipped + frame_len : skipped;
        return r;
    }
}

int resp_parser_argc(const struct resp_parser *p)
{
    return p->state == ST_DONE ? p->u.st.argc : 0;
}

size_t resp_parser_frame_len(const struct resp_parser *p)
{
    return p->state == ST_DONE ? p->u.st.pos : 0;
}

const char *const *resp_parser_argv(const struct resp_parser *p)
{
    return p->state == ST_DONE ? argv_of(p) : NULL;
}

const size_t *resp_parser_argvlen(const struct resp_parser *p)
{
    return p->state == ST_DONE ? lens_of(p) : NULL;
}

const char *resp_parser_error(const struct resp_parser *p)
{
    if (p->state != ST_ERROR)
        return NULL;
    if (p->error == PE_EXPECTED_DOLLAR)
        return p->u.errbuf;
    return error_text[p->error];
}

bool resp_parser_idle(const struct resp_parser *p)
{
    return p->state == ST_IDLE || p->state == ST_DONE;
}
