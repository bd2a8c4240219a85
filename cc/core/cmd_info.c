/* cmd_info.c - INFO, section by section, with Redis 7.0's field names. Each
 * section is one function in a table that also gives its name and whether
 * INFO without arguments includes it; figures the core cannot collect
 * without system calls come from the stats hook main installs.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cc/core/cmd.h"
#include "cc/core/command_table.h"
#include "cc/core/stats.h"
#include "cc/core/util.h"

/* What every section may need, gathered once per INFO. */
struct info_ctx {
    struct core *c;
    const struct core_config *cfg;
    struct core_proc_stats ps;
    int64_t uptime;
};

static void human_bytes(char *buf, size_t len, double n)
{
    static const char units[] = "BKMGTP";
    size_t u = 0;
    while (n >= 1024 && u + 1 < sizeof(units) - 1) {
        n /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%.0fB", n);
    else
        snprintf(buf, len, "%.2f%c", n, units[u]);
}

static size_t used_memory_estimate(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void info_server(const struct info_ctx *ic, struct reply *b)
{
    const struct core *c = ic->c;
    const struct core_config *cfg = ic->cfg;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    reply_rawf(b,
               "redis_version:%s\r\n"
               "respd_version:%s\r\n"
               "redis_git_sha1:00000000\r\n"
               "redis_git_dirty:0\r\n"
               "redis_build_id:0\r\n"
               "redis_mode:standalone\r\n"
               "os:Linux\r\n"
               "arch_bits:%d\r\n"
               "monotonic_clock:POSIX clock_gettime\r\n"
               "multiplexing_api:%s\r\n"
               "engine:%s\r\n"
               "engine_threads:%d\r\n"
               "atomicvar_api:c11-builtin\r\n"
#ifdef __clang__
               "gcc_version:0.0.0\r\n"
#else
               "gcc_version:%d.%d.%d\r\n"
#endif
               "process_id:%ld\r\n"
               "process_supervised:no\r\n"
               "run_id:%016llx%016llx%08llx\r\n"
               "tcp_port:%d\r\n"
               "server_time_usec:%lld\r\n"
               "uptime_in_seconds:%lld\r\n"
               "uptime_in_days:%lld\r\n"
               "hz:10\r\n"
               "configured_hz:10\r\n"
               "executable:\r\n"
               "config_file:\r\n"
               "io_threads_active:0\r\n",
               RESPD_REDIS_COMPAT_VERSION, RESPD_VERSION,
               (int)(sizeof(void *) * 8),
               cfg->engine != NULL ? cfg->engine : "none",
               cfg->engine != NULL ? cfg->engine : "none",
               cfg->threads > 0 ? cfg->threads : 1,
#ifndef __clang__
               __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#endif
               ic->ps.process_id,
               (unsigned long long)((uint64_t)c->start_mono_us * 0x9E3779B97F4A7C15ull),
               (unsigned long long)((uint64_t)(uintptr_t)c * 0xC2B2AE3D27D4EB4Full),
               (unsigned long long)((uint64_t)c->start_ms & 0xffffffffull),
               cfg->port,
               (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000,
               (long long)ic->uptime, (long long)(ic->uptime / 86400));
    if (c->engine_info != NULL)
        reply_raw(b, c->engine_info, strlen(c->engine_info));
}

static void info_clients(const struct info_ctx *ic, struct reply *b)
{
    reply_rawf(b,
               "connected_clients:%d\r\n"
               "cluster_connections:0\r\n"
               "maxclients:%d\r\n"
               "client_recent_max_input_buffer:0\r\n"
               "client_recent_max_output_buffer:0\r\n"
               "blocked_clients:0\r\n"
               "tracking_clients:0\r\n"
               "clients_in_timeout_table:0\r\n",
               core_connected_clients(ic->c), ic->cfg->maxclients);
}

static void info_memory(const struct info_ctx *ic, struct reply *b)
{
    char h1[32], h2[32], h3[32];
    size_t used = used_memory_estimate();
    uint64_t peak = stats_note_memory(&ic->c->stats, used);
    human_bytes(h1, sizeof(h1), (double)used);
    human_bytes(h2, sizeof(h2), (double)ic->ps.rss_bytes);
    human_bytes(h3, sizeof(h3), (double)peak);
    reply_rawf(b,
               "used_memory:%zu\r\n"
               "used_memory_human:%s\r\n"
               "used_memory_rss:%zu\r\n"
               "used_memory_rss_human:%s\r\n"
               "used_memory_peak:%llu\r\n"
               "used_memory_peak_human:%s\r\n"
               "maxmemory:0\r\n"
               "maxmemory_human:0B\r\n"
               "maxmemory_policy:noeviction\r\n"
               "mem_fragmentation_ratio:%.2f\r\n"
               "mem_allocator:libc\r\n",
               used, h1, ic->ps.rss_bytes, h2, (unsigned long long)peak, h3,
               used ? (double)ic->ps.rss_bytes / (double)used : 0.0);
}

static void info_persistence(const struct info_ctx *ic, struct reply *b)
{
    const struct core *c = ic->c;
    reply_rawf(b,
               "loading:0\r\n"
               "async_loading:0\r\n"
               "rdb_changes_since_last_save:0\r\n"
               "rdb_bgsave_in_progress:0\r\n"
               "rdb_last_save_time:%lld\r\n"
               "rdb_last_bgsave_status:ok\r\n"
               "aof_enabled:0\r\n"
               "aof_rewrite_in_progress:0\r\n"
               "aof_last_bgrewrite_status:ok\r\n"
               "aof_last_write_status:ok\r\n",
               (long long)(c->start_ms / 1000));
}

static void info_stats(const struct info_ctx *ic, struct reply *b)
{
    struct core *c = ic->c;
    reply_rawf(b,
               "total_connections_received:%llu\r\n"
               "total_commands_processed:%llu\r\n"
               "instantaneous_ops_per_sec:%llu\r\n"
               "total_net_input_bytes:%llu\r\n"
               "total_net_output_bytes:%llu\r\n"
               "instantaneous_input_kbps:%.2f\r\n"
               "instantaneous_output_kbps:%.2f\r\n"
               "rejected_connections:%llu\r\n"
               "expired_keys:%llu\r\n"
               "evicted_keys:0\r\n"
               "keyspace_hits:%llu\r\n"
               "keyspace_misses:%llu\r\n"
               "pubsub_channels:0\r\n"
               "pubsub_patterns:0\r\n"
               "total_error_replies:%llu\r\n",
               (unsigned long long)stats_get(&c->stats.total_connections),
               (unsigned long long)stats_total_calls(&c->stats),
               (unsigned long long)stats_get(&c->stats.inst_ops),
               (unsigned long long)stats_get(&c->stats.net_input_bytes),
               (unsigned long long)stats_get(&c->stats.net_output_bytes),
               (double)stats_get(&c->stats.inst_in_bps) / 1024.0,
               (double)stats_get(&c->stats.inst_out_bps) / 1024.0,
               (unsigned long long)stats_get(&c->stats.rejected_connections),
               (unsigned long long)store_expired_total(c->store),
               (unsigned long long)stats_get(&c->stats.keyspace_hits),
               (unsigned long long)stats_get(&c->stats.keyspace_misses),
               (unsigned long long)stats_get(&c->stats.error_replies));
}

static void info_replication(const struct info_ctx *ic, struct reply *b)
{
    (void)ic;
    reply_rawf(b, "role:master\r\n"
                  "connected_slaves:0\r\n"
                  "master_failover_state:no-failover\r\n"
                  "master_repl_offset:0\r\n"
                  "repl_backlog_active:0\r\n");
}

static void info_cpu(const struct info_ctx *ic, struct reply *b)
{
    reply_rawf(b,
               "used_cpu_sys:%.6f\r\n"
               "used_cpu_user:%.6f\r\n"
               "used_cpu_sys_children:%.6f\r\n"
               "used_cpu_user_children:%.6f\r\n",
               ic->ps.cpu_sys, ic->ps.cpu_user, ic->ps.cpu_sys_children,
               ic->ps.cpu_user_children);
}

static void info_modules(const struct info_ctx *ic, struct reply *b)
{
    (void)ic;
    (void)b;
}

static void info_commandstats(const struct info_ctx *ic, struct reply *b)
{
    for (size_t i = 0; i < commands_count(); i++) {
        const struct command_stats *st = &ic->c->stats.cmd[i];
        uint64_t calls = stats_get(&st->calls);
        uint64_t usec = stats_get(&st->usec);
        uint64_t rej = stats_get(&st->rejected);
        uint64_t fail = stats_get(&st->failed);
        if (calls == 0 && rej == 0 && fail == 0)
            continue;
        reply_rawf(b,
                   "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,"
                   "rejected_calls=%llu,failed_calls=%llu\r\n",
                   commands_at(i)->name, (unsigned long long)calls,
                   (unsigned long long)usec,
                   calls ? (double)usec / (double)calls : 0.0,
                   (unsigned long long)rej, (unsigned long long)fail);
    }
}

static void info_cluster(const struct info_ctx *ic, struct reply *b)
{
    (void)ic;
    reply_rawf(b, "cluster_enabled:0\r\n");
}

static void info_keyspace(const struct info_ctx *ic, struct reply *b)
{
    struct store *st = ic->c->store;
    for (int db = 0; db < STORE_DBS; db++) {
        size_t keys = store_dbsize(st, db);
        if (keys == 0)
            continue;
        reply_rawf(b, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", db, keys,
                   store_expires_count(st, db), (long long)store_avg_ttl(st, db));
    }
}

/* Redis's sections, in Redis's order. `in_default`: part of INFO with no
 * argument (and of "default"); every section is part of "all". `hook`:
 * needs the process figures of the stats hook. */
static const struct info_section {
    const char *name;
    const char *title;
    void (*emit)(const struct info_ctx *ic, struct reply *b);
    bool in_default;
    bool hook;
} info_sections[] = {
    {"server", "Server", info_server, true, true},
    {"clients", "Clients", info_clients, true, false},
    {"memory", "Memory", info_memory, true, true},
    {"persistence", "Persistence", info_persistence, true, false},
    {"stats", "Stats", info_stats, true, false},
    {"replication", "Replication", info_replication, true, false},
    {"cpu", "CPU", info_cpu, true, true},
    {"modules", "Modules", info_modules, true, false},
    {"commandstats", "Commandstats", info_commandstats, false, false},
    {"cluster", "Cluster", info_cluster, true, false},
    {"keyspace", "Keyspace", info_keyspace, true, false},
};
#define INFO_NSECTIONS (sizeof(info_sections) / sizeof(info_sections[0]))
#define INFO_DEFAULT_BITS 0x6ffu /* every section but commandstats */
#define INFO_ALL_BITS 0x7ffu

/* The sections an argument names, as bits of info_sections indexes. */
static unsigned info_bits(const char *a, size_t n)
{
    if (arg_is(a, n, "default"))
        return INFO_DEFAULT_BITS;
    if (arg_is(a, n, "all") || arg_is(a, n, "everything"))
        return INFO_ALL_BITS;
    for (size_t i = 0; i < INFO_NSECTIONS; i++)
        if (arg_is(a, n, info_sections[i].name))
            return 1u << i;
    return 0;
}

int cmd_info(ARGS)
{
    unsigned want = argc == 1 ? INFO_DEFAULT_BITS : 0;
    for (int i = 1; i < argc; i++)
        want |= info_bits(argv[i], argvlen[i]);
    struct core *c = s->core;
    struct info_ctx ic = {.c = c, .cfg = &c->cfg};
    bool hook = false;
    for (size_t i = 0; i < INFO_NSECTIONS; i++)
        hook |= (want & (1u << i)) && info_sections[i].hook;
    if (c->stats_hook != NULL && hook)
        c->stats_hook(c->stats_hook_ctx, &ic.ps);
    ic.uptime = (core_mono_us() - c->start_mono_us) / 1000000;
    struct reply b;
    reply_init(&b, 0);
    int n = 0;
    for (size_t i = 0; i < INFO_NSECTIONS; i++) {
        if (!(want & (1u << i)))
            continue;
        if (n++ > 0)
            reply_raw(&b, "\r\n", 2);
        reply_rawf(&b, "# %s\r\n", info_sections[i].title);
        info_sections[i].emit(&ic, &b);
    }
    if (b.overflow) {
        reply_free(&b);
        return cmd_error(s, SHARED_OOM);
    }
    reply_verbatim(out_of(s), "txt", b.data != NULL ? b.data : "", b.len);
    reply_free(&b);
    return CMD_DONE;
}
