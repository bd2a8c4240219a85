/* hist.c - the log-linear histogram of hist.h: exact below 256, then 128
 * equal buckets per power of two. Owns no time source and no output. */
#include "hist.h"

#include <math.h>
#include <string.h>

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

unsigned hist_index(uint64_t value)
{
    if (value < (1u << HIST_SUB_BITS))
        return (unsigned)value;
    if (value >> HIST_MAX_BITS)
        return HIST_BUCKETS - 1;
    unsigned msb = 63u - (unsigned)__builtin_clzll(value);
    unsigned shift = msb - (HIST_SUB_BITS - 1);        /* >= 1 */
    unsigned sub = (unsigned)(value >> shift) - HIST_HALF; /* 0 .. HALF-1 */
    return (1u << HIST_SUB_BITS) + (shift - 1) * HIST_HALF + sub;
}

uint64_t hist_bucket_low(unsigned index)
{
    if (index < (1u << HIST_SUB_BITS))
        return index;
    unsigned rel = index - (1u << HIST_SUB_BITS);
    unsigned shift = rel / HIST_HALF + 1;
    uint64_t sub = rel % HIST_HALF + HIST_HALF;
    return sub << shift;
}

uint64_t hist_bucket_high(unsigned index)
{
    if (index < (1u << HIST_SUB_BITS))
        return index;
    unsigned shift = (index - (1u << HIST_SUB_BITS)) / HIST_HALF + 1;
    return hist_bucket_low(index) + ((uint64_t)1 << shift) - 1;
}

void hist_record(struct hist *h, uint64_t value)
{
    h->counts[hist_index(value)]++;
    h->total++;
    if (value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
    if (h->total == 0)
        return 0;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    uint64_t rank = (uint64_t)ceil(q * (double)h->total);
    if (rank == 0)
        rank = 1;
    if (rank >= h->total)
        return h->max;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t lo = hist_bucket_low(i), hi = hist_bucket_high(i);
            uint64_t v = lo + (hi - lo) / 2;
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}
