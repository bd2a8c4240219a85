/* stats.c - sums and rates over the counters of stats.h. The counters
 * themselves are bumped inline where things happen.
 */
#include "cc/core/stats.h"

uint64_t stats_total_calls(const struct stats *st)
{
    uint64_t n = 0;
    for (size_t i = 0; i < COMMAND_TABLE_SIZE; i++)
        n += stats_get(&st->cmd[i].calls);
    return n;
}

void stats_sample_rates(struct stats *st, int64_t now_us)
{
    uint64_t ops = stats_total_calls(st);
    uint64_t in = stats_get(&st->net_input_bytes);
    uint64_t out = stats_get(&st->net_output_bytes);
    int64_t dt = now_us - st->sample_us;
    if (st->sample_us != 0 && dt < 100000)
        return;
    if (st->sample_us != 0 && dt > 0) {
        atomic_store_explicit(&st->inst_ops,
                              (ops - st->sample_ops) * 1000000 / (uint64_t)dt,
                              memory_order_relaxed);
        atomic_store_explicit(&st->inst_in_bps,
                              (in - st->sample_in) * 1000000 / (uint64_t)dt,
                              memory_order_relaxed);
        atomic_store_explicit(&st->inst_out_bps,
                              (out - st->sample_out) * 1000000 / (uint64_t)dt,
                              memory_order_relaxed);
    }
    st->sample_us = now_us;
    st->sample_ops = ops;
    st->sample_in = in;
    st->sample_out = out;
}

uint64_t stats_note_memory(struct stats *st, uint64_t used)
{
    uint64_t peak = stats_get(&st->used_memory_peak);
    while (used > peak &&
           !atomic_compare_exchange_weak_explicit(&st->used_memory_peak, &peak,
                                                  used, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
    return used > peak ? used : peak;
}
