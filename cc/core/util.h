/* util.h - the small text helpers every part of the core shares: Redis's
 * string2ll and integer formatting, glob matching, and the printable
 * preview of client bytes that error texts quote.
 *
 * Owns no state. The two integer helpers are inline because the parser and
 * the reply encoder run them several times per request.
 */
#ifndef RESPD_UTIL_H
#define RESPD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Redis's string2ll: optional '-', no '+', no leading zeros (except "0"),
 * no spaces, at most 20 characters, no overflow. True with *out set. */
static inline bool util_string2ll(const char *p, size_t n, int64_t *out)
{
    if (n == 0 || n > 20)
        return false;
    if (n == 1 && p[0] == '0') {
        *out = 0;
        return true;
    }
    size_t i = 0;
    bool neg = false;
    if (p[0] == '-') {
        neg = true;
        i = 1;
        if (n == 1)
            return false;
    }
    if (p[i] < '1' || p[i] > '9')
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

/* The longest text util_ll2str writes: "-9223372036854775808". */
#define UTIL_LL2STR_MAX 20

/* Formats v in decimal into buf (room for UTIL_LL2STR_MAX bytes, no NUL
 * written); returns the length. */
static inline size_t util_ll2str(char *buf, int64_t v)
{
    char tmp[UTIL_LL2STR_MAX];
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

/* Redis's stringmatchlen: '*', '?', sets ("[a-z]", "[^x]") and '\' escapes;
 * nocase folds ASCII letters. O(plen * slen), never recursive. */
bool util_glob_match(const char *pat, size_t plen, const char *s, size_t slen,
                     bool nocase);

/* Copies at most `max` bytes of src (and no more than `room`) into dst as
 * Redis quotes client bytes in an error text, and returns how many it
 * wrote. No NUL is written. */
size_t util_preview(char *dst, size_t room, const char *src, size_t srclen,
                    size_t max);

#ifdef __cplusplus
}
#endif

#endif
