/* main.c - respd's entry point: parses the command line, prepares the
 * process (open-files limit, signals, logging), builds the core and hands
 * it to the engine picked by name.
 *
 * Owns the engine table and the process-wide setup. Does not own any
 * socket or connection (engines do) and never touches RESP.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cc/core/core.h"
#include "cc/servers/engine.h"
#include "cc/servers/log.h"
#include "cc/servers/net.h"

/* Descriptors kept back for listeners, epoll/eventfds, logs and libraries,
 * on top of one per client (Redis keeps 32 too). */
#define MAIN_RESERVED_FDS 32
#define MAIN_DEFAULT_PORT 7379
#define MAIN_DEFAULT_MAXCLIENTS 10000
/* Hard cap on replies a client lets pile up unread: far above an 8 MB GET
 * for a slow reader, far below what would hurt the host. */
#define MAIN_DEFAULT_OUTPUT_LIMIT ((size_t)256 * 1024 * 1024)
#define MAIN_MAX_THREADS 1024

enum main_engine_id {
    MAIN_ENGINE_SYNC,
    MAIN_ENGINE_THREADS,
    MAIN_ENGINE_POLL,
    MAIN_ENGINE_EPOLL,
    MAIN_ENGINE_URING,
    MAIN_ENGINE_COUNT,
};

static const struct engine *const main_engines[MAIN_ENGINE_COUNT] = {
    [MAIN_ENGINE_SYNC] = &engine_sync,
    [MAIN_ENGINE_THREADS] = &engine_threads,
    [MAIN_ENGINE_POLL] = &engine_poll,
    [MAIN_ENGINE_EPOLL] = &engine_epoll,
    [MAIN_ENGINE_URING] = &engine_uring,
};

enum main_opt {
    MAIN_OPT_ENGINE = 256,
    MAIN_OPT_PORT,
    MAIN_OPT_BIND,
    MAIN_OPT_MAXCLIENTS,
    MAIN_OPT_REQUIREPASS,
    MAIN_OPT_TIMEOUT,
    MAIN_OPT_LOGLEVEL,
    MAIN_OPT_THREADS,
    MAIN_OPT_URING_MODE,
    MAIN_OPT_PROTECTED_MODE,
    MAIN_OPT_OUTPUT_LIMIT,
    MAIN_OPT_HELP,
    MAIN_OPT_VERSION,
};

static const struct option main_options[] = {
    {.name = "engine", .has_arg = required_argument, .val = MAIN_OPT_ENGINE},
    {.name = "port", .has_arg = required_argument, .val = MAIN_OPT_PORT},
    {.name = "bind", .has_arg = required_argument, .val = MAIN_OPT_BIND},
    {.name = "maxclients", .has_arg = required_argument, .val = MAIN_OPT_MAXCLIENTS},
    {.name = "requirepass", .has_arg = required_argument, .val = MAIN_OPT_REQUIREPASS},
    {.name = "timeout", .has_arg = required_argument, .val = MAIN_OPT_TIMEOUT},
    {.name = "loglevel", .has_arg = required_argument, .val = MAIN_OPT_LOGLEVEL},
    {.name = "threads", .has_arg = required_argument, .val = MAIN_OPT_THREADS},
    {.name = "uring-mode", .has_arg = required_argument, .val = MAIN_OPT_URING_MODE},
    {.name = "protected-mode", .has_arg = required_argument, .val = MAIN_OPT_PROTECTED_MODE},
    {.name = "client-output-limit", .has_arg = required_argument, .val = MAIN_OPT_OUTPUT_LIMIT},
    {.name = "help", .has_arg = no_argument, .val = MAIN_OPT_HELP},
    {.name = "version", .has_arg = no_argument, .val = MAIN_OPT_VERSION},
    {0},
};

static void main_usage(FILE *out)
{
    fprintf(out,
            "Usage: respd [OPTIONS]\n"
            "A Redis-protocol (RESP) server with interchangeable I/O engines.\n"
            "\n"
            "  --engine NAME            I/O engine (default epoll), one of:\n");
    for (int i = 0; i < MAIN_ENGINE_COUNT; i++)
        fprintf(out, "                             %-8s %s\n", main_engines[i]->name,
                main_engines[i]->summary);
    fprintf(out,
            "  --port N                 TCP port, 0..65535 (default %d; 0 = any free port)\n"
            "  --bind ADDR              IPv4 or IPv6 literal to listen on (default 127.0.0.1)\n"
            "  --maxclients N           connected clients allowed (default %d)\n"
            "  --requirepass PASS       require AUTH PASS before other commands\n"
            "  --timeout SECS           close clients idle this long (default 0 = never)\n"
            "  --loglevel LEVEL         debug, verbose, notice (default) or warning\n"
            "  --threads N              event loops for multi-loop engines (default 1,\n"
            "                           0 = one per online CPU)\n"
            "  --uring-mode MODE        auto (default), multishot or singleshot\n"
            "  --protected-mode yes|no  refuse non-loopback clients when no password is set\n"
            "                           (default yes)\n"
            "  --client-output-limit N  disconnect a client whose unread replies exceed N\n"
            "                           bytes (k, kb, m, mb, g, gb suffixes; default 256mb;\n"
            "                           0 = no limit)\n"
            "  --help                   print this help and exit\n"
            "  --version                print the version and exit\n",
            MAIN_DEFAULT_PORT, MAIN_DEFAULT_MAXCLIENTS);
}

static void main_version(void)
{
    printf("respd v=%s redis_compat=%s engines=", RESPD_VERSION, RESPD_REDIS_COMPAT_VERSION);
    for (int i = 0; i < MAIN_ENGINE_COUNT; i++)
        printf("%s%s", i ? "," : "", main_engines[i]->name);
    printf("\n");
}

/* Prints "respd: MSG" and the usage on stderr, then exits 2. */
static _Noreturn void main_bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "respd: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n");
    main_usage(stderr);
    exit(2);
}

/* Strict decimal in [lo, hi]: no sign games, no trailing junk. */
static int main_parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v;

    if (*s == '\0' || *s == ' ' || *s == '+')
        return -EINVAL;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

/* Redis's memory units: k/m/g are powers of 1000, kb/mb/gb of 1024. */
static int main_parse_bytes(const char *s, size_t *out)
{
    static const struct {
        const char *suffix;
        unsigned long long mul;
    } units[] = {
        {.suffix = "", .mul = 1},
        {.suffix = "b", .mul = 1},
        {.suffix = "k", .mul = 1000ULL},
        {.suffix = "kb", .mul = 1024ULL},
        {.suffix = "m", .mul = 1000ULL * 1000},
        {.suffix = "mb", .mul = 1024ULL * 1024},
        {.suffix = "g", .mul = 1000ULL * 1000 * 1000},
        {.suffix = "gb", .mul = 1024ULL * 1024 * 1024},
    };
    char *end;
    unsigned long long v;

    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcasecmp(end, units[i].suffix) == 0) {
            if (v > SIZE_MAX / units[i].mul)
                return -EINVAL;
            *out = (size_t)(v * units[i].mul);
            return 0;
        }
    }
    return -EINVAL;
}

static const struct engine *main_find_engine(const char *name)
{
    for (int i = 0; i < MAIN_ENGINE_COUNT; i++)
        if (strcmp(main_engines[i]->name, name) == 0)
            return main_engines[i];
    return NULL;
}

/* Raises the open-files soft limit to what maxclients needs (up to the hard
 * limit) and, like Redis, lowers maxclients when even that is too few. */
static void main_adjust_nofile(int *maxclients)
{
    const rlim_t need = (rlim_t)*maxclients + MAIN_RESERVED_FDS;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        log_msg(LOG_WARNING, "Could not read the open files limit: %s", strerror(errno));
        return;
    }
    const rlim_t was = rl.rlim_cur;
    if (rl.rlim_cur != rl.rlim_max && (rl.rlim_max == RLIM_INFINITY || rl.rlim_cur < rl.rlim_max)) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
            log_msg(LOG_WARNING, "Could not raise the open files limit to %llu: %s",
                    (unsigned long long)rl.rlim_max, strerror(errno));
            rl.rlim_cur = was;
        } else {
            log_msg(LOG_NOTICE, "Increased maximum number of open files to %llu (it was %llu).",
                    (unsigned long long)rl.rlim_cur, (unsigned long long)was);
        }
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        int fit = rl.rlim_cur > MAIN_RESERVED_FDS ? (int)(rl.rlim_cur - MAIN_RESERVED_FDS) : 1;
        log_msg(LOG_WARNING,
                "maxclients %d needs %llu open files but the limit is %llu: maxclients "
                "lowered to %d. Raise the hard limit (ulimit -Hn) to serve more.",
                *maxclients, (unsigned long long)need, (unsigned long long)rl.rlim_cur, fit);
        *maxclients = fit;
    }
}

/* SHUTDOWN takes the same road as SIGTERM: every engine watches for it,
 * stops accepting, flushes what it owes its clients and returns 0. */
static void main_shutdown_hook(void *ctx)
{
    (void)ctx;
    log_msg(LOG_WARNING, "User requested shutdown...");
    net_shutdown_request();
}

/* INFO's cpu and memory figures: the core makes no system calls, so it asks
 * this hook. Thread-safe: getrusage and a private read of statm. */
static void main_stats_hook(void *ctx, struct core_proc_stats *out)
{
    struct rusage ru;
    FILE *f;

    (void)ctx;
    out->process_id = (long)getpid();
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        out->cpu_user = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
        out->cpu_sys = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
        out->peak_rss_bytes = (size_t)ru.ru_maxrss * 1024;
    }
    if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
        out->cpu_user_children = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
        out->cpu_sys_children = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    }
    f = fopen("/proc/self/statm", "re");
    if (f != NULL) {
        unsigned long size, resident;
        if (fscanf(f, "%lu %lu", &size, &resident) == 2)
            out->rss_bytes = (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
}

int main(int argc, char **argv)
{
    struct server_config cfg = {
        .engine = "epoll",
        .bind = "127.0.0.1",
        .port = MAIN_DEFAULT_PORT,
        .maxclients = MAIN_DEFAULT_MAXCLIENTS,
        .timeout = 0,
        .threads = 1,
        .uring_mode = "auto",
        .output_limit = MAIN_DEFAULT_OUTPUT_LIMIT,
    };
    const char *requirepass = NULL;
    const char *loglevel = "notice";
    enum log_level level = LOG_NOTICE;
    bool protected_mode = true;
    const struct engine *engine;
    int opt, rc;

    opterr = 0; /* our own message, then the usage */
    while ((opt = getopt_long(argc, argv, ":", main_options, NULL)) != -1) {
        switch (opt) {
        case MAIN_OPT_ENGINE:
            cfg.engine = optarg;
            break;
        case MAIN_OPT_PORT:
            if (main_parse_int(optarg, 0, 65535, &cfg.port) < 0)
                main_bad_usage("invalid --port '%s' (0..65535)", optarg);
            break;
        case MAIN_OPT_BIND:
            cfg.bind = optarg;
            break;
        case MAIN_OPT_MAXCLIENTS:
            if (main_parse_int(optarg, 1, INT_MAX - MAIN_RESERVED_FDS, &cfg.maxclients) < 0)
                main_bad_usage("invalid --maxclients '%s' (a positive integer)", optarg);
            break;
        case MAIN_OPT_REQUIREPASS:
            requirepass = optarg;
            break;
        case MAIN_OPT_TIMEOUT:
            if (main_parse_int(optarg, 0, INT_MAX / 1000, &cfg.timeout) < 0)
                main_bad_usage("invalid --timeout '%s' (seconds, 0 = none)", optarg);
            break;
        case MAIN_OPT_LOGLEVEL:
            if (log_parse_level(optarg, &level) < 0)
                main_bad_usage("invalid --loglevel '%s' (debug, verbose, notice, warning)", optarg);
            loglevel = optarg;
            break;
        case MAIN_OPT_THREADS:
            if (main_parse_int(optarg, 0, MAIN_MAX_THREADS, &cfg.threads) < 0)
                main_bad_usage("invalid --threads '%s' (0..1024; 0 = one per CPU)", optarg);
            break;
        case MAIN_OPT_URING_MODE:
            if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "multishot") != 0 &&
                strcmp(optarg, "singleshot") != 0)
                main_bad_usage("invalid --uring-mode '%s' (auto, multishot, singleshot)", optarg);
            cfg.uring_mode = optarg;
            break;
        case MAIN_OPT_PROTECTED_MODE:
            if (strcmp(optarg, "yes") == 0)
                protected_mode = true;
            else if (strcmp(optarg, "no") == 0)
                protected_mode = false;
            else
                main_bad_usage("invalid --protected-mode '%s' (yes or no)", optarg);
            break;
        case MAIN_OPT_OUTPUT_LIMIT:
            if (main_parse_bytes(optarg, &cfg.output_limit) < 0)
                main_bad_usage("invalid --client-output-limit '%s' (bytes, e.g. 64mb)", optarg);
            break;
        case MAIN_OPT_HELP:
            main_usage(stdout);
            return 0;
        case MAIN_OPT_VERSION:
            main_version();
            return 0;
        case ':':
            main_bad_usage("option '%s' needs a value", argv[optind - 1]);
        default:
            main_bad_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        main_bad_usage("unexpected argument '%s'", argv[optind]);
    engine = main_find_engine(cfg.engine);
    if (engine == NULL)
        main_bad_usage("unknown engine '%s'", cfg.engine);
    if (cfg.threads != 1 && !engine->multi_loop)
        main_bad_usage("--threads other than 1 needs a multi-loop engine (epoll or uring), not '%s'",
                       engine->name);
    if (cfg.threads == 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        cfg.threads = ncpu < 1 ? 1 : ncpu > MAIN_MAX_THREADS ? MAIN_MAX_THREADS : (int)ncpu;
    }
    {
        struct sockaddr_storage ss;
        socklen_t len;
        if (net_parse_addr(cfg.bind, cfg.port, &ss, &len) < 0) {
            fprintf(stderr, "respd: invalid --bind address '%s': give an IPv4 or IPv6 literal "
                            "such as 127.0.0.1, 0.0.0.0 or ::1\n", cfg.bind);
            return 1;
        }
        log_set_level(level);
        log_msg(LOG_NOTICE, "oO0OoO0OoO0Oo respd is starting oO0OoO0OoO0Oo");
        log_msg(LOG_NOTICE, "respd version=%s, redis_compat=%s, bits=%d, pid=%d, just started",
                RESPD_VERSION, RESPD_REDIS_COMPAT_VERSION, (int)(sizeof(void *) * 8), (int)getpid());
        bool has_pass = requirepass != NULL && requirepass[0] != '\0';
        if (!net_addr_is_loopback((struct sockaddr *)&ss) && !has_pass) {
            if (protected_mode)
                log_msg(LOG_WARNING,
                        "WARNING: respd listens on %s with no password. Protected mode is on: "
                        "clients from other hosts are refused until you set --requirepass or "
                        "pass --protected-mode no.", cfg.bind);
            else
                log_msg(LOG_WARNING,
                        "WARNING: respd listens on %s with no password and protected mode off: "
                        "anyone who can reach this port can read and change every key. "
                        "Set --requirepass.", cfg.bind);
        }
    }
    main_adjust_nofile(&cfg.maxclients);
    /* A fixed threshold turns off glibc's dynamic one, which rises to the
     * size of the first large block freed: after that, multi-megabyte
     * replies and values come from the heap and stay resident once freed
     * (100 clients that left with an 8 MB reply owed kept 1.1 GB). Blocks
     * this large are mapped and go back to the kernel when freed. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);

    rc = net_shutdown_init();
    if (rc < 0) {
        log_msg(LOG_WARNING, "Could not set up signal handling: %s", strerror(-rc));
        return 1;
    }
    /* A random key for the store's hash, so clients cannot choose keys that
     * collide (hash flooding). Without one the store keys itself from the
     * clock, which is weaker but still varies per process. */
    unsigned char seed[16];
    bool seeded = getrandom(seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed);
    struct core_config ccfg = {
        .hash_seed = seeded ? seed : NULL,
        .engine = engine->name,
        .bind = cfg.bind,
        .port = cfg.port,
        .maxclients = cfg.maxclients,
        .requirepass = requirepass,
        .timeout = cfg.timeout,
        .threads = cfg.threads,
        .output_limit = cfg.output_limit,
        .protected_mode = protected_mode,
        .loglevel = loglevel,
    };
    struct core *core = core_new(&ccfg);
    if (core == NULL) {
        log_msg(LOG_WARNING, "Out of memory creating the server core");
        return 1;
    }
    core_set_stats_hook(core, main_stats_hook, NULL);
    core_set_shutdown_hook(core, main_shutdown_hook, NULL);
    log_msg(LOG_NOTICE, "Server initialized: engine %s, maxclients %d, timeout %d, threads %d",
            engine->name, cfg.maxclients, cfg.timeout, cfg.threads);

    rc = engine->run(&cfg, core);
    core_free(core);
    if (rc != 0)
        return 1; /* the engine logged why */
    log_msg(LOG_NOTICE, "respd is now ready to exit, bye bye...");
    return 0;
}
