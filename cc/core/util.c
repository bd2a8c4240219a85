/* util.c - glob matching and client-byte previews (util.h). The integer
 * helpers are inline in util.h. No state, no allocation.
 */
#include "cc/core/util.h"

/* Redis quotes argument previews with %s: they end at the first NUL, and
 * CR/LF become spaces so the error stays one line. */
size_t util_preview(char *dst, size_t room, const char *src, size_t srclen,
                    size_t max)
{
    size_t n = 0;
    while (n < srclen && n < max && n < room && src[n] != '\0') {
        char ch = src[n];
        dst[n] = (ch == '\r' || ch == '\n') ? ' ' : ch;
        n++;
    }
    return n;
}

static inline unsigned char fold(unsigned char ch, bool nocase)
{
    return nocase && ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
}

/* Matches the single-character token at pat[pi] (not '*') against ch and
 * stores where the token ends in *end. */
static bool glob_token(const unsigned char *pat, size_t plen, size_t pi,
                       unsigned char ch, bool nocase, size_t *end)
{
    unsigned char p = pat[pi];
    if (p == '?') {
        *end = pi + 1;
        return true;
    }
    if (p == '\\' && pi + 1 < plen) {
        *end = pi + 2;
        return fold(pat[pi + 1], nocase) == fold(ch, nocase);
    }
    if (p != '[') {
        *end = pi + 1;
        return fold(p, nocase) == fold(ch, nocase);
    }
    /* A set runs to the next unescaped ']' or, unterminated, to the end of
     * the pattern (as in Redis). "[]" is an empty set; "[^]" matches any
     * character. */
    size_t i = pi + 1;
    bool negate = i < plen && pat[i] == '^';
    if (negate)
        i++;
    bool match = false;
    unsigned char c = fold(ch, nocase);
    while (i < plen && pat[i] != ']') {
        if (pat[i] == '\\' && i + 1 < plen) {
            /* Redis compares escaped set members exactly, even with nocase. */
            if (pat[i + 1] == ch)
                match = true;
            i += 2;
        } else if (i + 2 < plen && pat[i + 1] == '-') {
            unsigned char lo = fold(pat[i], nocase), hi = fold(pat[i + 2], nocase);
            if (lo > hi) {
                unsigned char t = lo;
                lo = hi;
                hi = t;
            }
            if (c >= lo && c <= hi)
                match = true;
            i += 3;
        } else {
            if (fold(pat[i], nocase) == c)
                match = true;
            i++;
        }
    }
    *end = i < plen ? i + 1 : plen;
    return negate ? !match : match;
}

bool util_glob_match(const char *pattern, size_t plen, const char *string,
                     size_t slen, bool nocase)
{
    const unsigned char *pat = (const unsigned char *)pattern;
    const unsigned char *s = (const unsigned char *)string;
    size_t pi = 0, si = 0;
    /* Every non-star token matches exactly one character, so on a mismatch
     * it is enough to let the most recent star absorb one more character:
     * earlier stars could only cover what this one can. O(plen * slen). */
    bool have_star = false;
    size_t star_pi = 0, star_si = 0;
    while (si < slen) {
        if (pi < plen && pat[pi] == '*') {
            while (pi < plen && pat[pi] == '*')
                pi++;
            if (pi == plen)
                return true;
            have_star = true;
            star_pi = pi;
            star_si = si;
            continue;
        }
        size_t end;
        if (pi < plen && glob_token(pat, plen, pi, s[si], nocase, &end)) {
            pi = end;
            si++;
            continue;
        }
        if (!have_star)
            return false;
        pi = star_pi;
        si = ++star_si;
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}
