/* stats.h - the counters INFO reports: per-command calls, time, rejections
 * and failures, connections, network bytes, hits and misses, and the
 * instantaneous rates sampled from them.
 *
 * Owns the counters only; it knows how many commands exist (their ids
 * index the per-command counters), not what they do. Thread-safe: every
 * counter is a relaxed atomic, except the sampling state, which the core's
 * cron lock guards.
 */
#ifndef RESPD_STATS_H
#define RESPD_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "cc/core/command_table.h"

struct command_stats {
    _Atomic uint64_t calls;
    _Atomic uint64_t usec;
    _Atomic uint64_t rejected;
    _Atomic uint64_t failed;
};

struct stats {
    _Atomic uint64_t total_connections;
    _Atomic uint64_t rejected_connections;
    _Atomic uint64_t net_input_bytes;
    _Atomic uint64_t net_output_bytes;
    _Atomic uint64_t error_replies;
    _Atomic uint64_t keyspace_hits;
    _Atomic uint64_t keyspace_misses;
    _Atomic uint64_t used_memory_peak;
    /* Instantaneous rates (Redis's instantaneous_ops_per_sec and _kbps). */
    _Atomic uint64_t inst_ops;
    _Atomic uint64_t inst_in_bps;
    _Atomic uint64_t inst_out_bps;
    int64_t sample_us;           /* under the core's cron lock */
    uint64_t sample_ops, sample_in, sample_out;
    struct command_stats cmd[COMMAND_TABLE_SIZE];
};

static inline void stats_add(_Atomic uint64_t *counter, uint64_t n)
{
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static inline uint64_t stats_get(const _Atomic uint64_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

/* Commands processed: the sum of per-command calls, so the hot path pays
 * for one counter instead of two. */
uint64_t stats_total_calls(const struct stats *st);
/* Updates the instantaneous rates over the interval since the last sample
 * of at least 100 ms. now_us is a monotonic clock. Caller serialises. */
void stats_sample_rates(struct stats *st, int64_t now_us);
/* Raises used_memory_peak to used if it is higher; returns the peak. */
uint64_t stats_note_memory(struct stats *st, uint64_t used);

#endif
