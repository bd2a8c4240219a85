/* hist.h - a log-linear latency histogram for the open-loop load generator:
 * fixed memory, O(1) recording, and every recorded value reported within
 * 1% (HdrHistogram's precision with two significant digits). Owns counting
 * and percentile queries only; it knows nothing of time or sockets.
 */
#ifndef RESPD_BENCH_HIST_H
#define RESPD_BENCH_HIST_H

#include <stdint.h>

/* Values below 2^HIST_SUB_BITS are counted exactly; above, each power of two
 * is split into 2^(HIST_SUB_BITS-1) equal buckets, so a bucket is at most
 * 1/128 of its lower bound wide (0.78%). Values at or above 2^HIST_MAX_BITS
 * are clamped into the last bucket (and still set max). */
#define HIST_SUB_BITS 8
#define HIST_MAX_BITS 42
#define HIST_HALF (1u << (HIST_SUB_BITS - 1))
#define HIST_BUCKETS ((1u << HIST_SUB_BITS) + (HIST_MAX_BITS - HIST_SUB_BITS) * HIST_HALF)

struct hist {
    uint64_t total;
    uint64_t min;
    uint64_t max;
    uint64_t counts[HIST_BUCKETS];
};

/* Empties h. */
void hist_init(struct hist *h);

/* Counts one value (any unit; the generator records nanoseconds). */
void hist_record(struct hist *h, uint64_t value);

/* Adds every count of src into dst (per-thread histograms into one). */
void hist_merge(struct hist *dst, const struct hist *src);

/* The value at quantile q in [0, 1]: the smallest recorded value v with at
 * least ceil(q * total) values <= v, reported as the middle of v's bucket
 * (exact below 2^HIST_SUB_BITS), clamped to [min, max]; the last rank is
 * the exact maximum and q = 0 the exact minimum. 0 when h is empty. */
uint64_t hist_quantile(const struct hist *h, double q);

/* Bucket index of value and the smallest and largest value that bucket
 * holds; exposed for the tests. */
unsigned hist_index(uint64_t value);
uint64_t hist_bucket_low(unsigned index);
uint64_t hist_bucket_high(unsigned index);

#endif
