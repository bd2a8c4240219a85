/* commands.h - private to the core library: the command table, and the
 * layout of the core and session objects that commands read and change.
 *
 * Owns: nothing at run time; it is the contract between session.c (which
 * parses and dispatches), commands.c (which executes) and core.c (shared
 * state). Engines never include it: they use core.h and session.h.
 */
#ifndef RESPD_COMMANDS_H
#define RESPD_COMMANDS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cc/core/core.h"
#include "cc/core/reply.h"
#include "cc/core/resp_parser.h"
#include "cc/core/session.h"

/* ---- commands -------------------------------------------------------- */

struct session;

typedef void (*command_proc)(struct session *s, int argc,
                             const char *const *argv, const size_t *argvlen);

enum command_flags {
    CMD_WRITE = 1 << 0,
    CMD_READONLY = 1 << 1,
    CMD_FAST = 1 << 2,
    CMD_NOAUTH = 1 << 3,     /* runs before authentication (AUTH, HELLO, QUIT) */
    CMD_CONTAINER = 1 << 4,  /* dispatches on argv[1] to "name|sub" entries */
    CMD_LOADING = 1 << 5,
    CMD_STALE = 1 << 6,
    CMD_NOSCRIPT = 1 << 7,
    CMD_ADMIN = 1 << 8,
    CMD_DENYOOM = 1 << 9,
    CMD_ALLOW_BUSY = 1 << 10,
};

struct command {
    const char *name;       /* lower case; "parent|sub" for subcommands */
    command_proc proc;      /* NULL for containers that need a subcommand */
    int arity;              /* Redis's convention: -N means at least N */
    uint32_t flags;
    int first_key, last_key, key_step;
    const char *group;      /* COMMAND DOCS */
    const char *summary;
    const char *since;
    const char *complexity;
    const char *acl;        /* space-separated ACL categories, without '@' */
    const char *args;       /* argument grammar for COMMAND DOCS, see commands.c */
    const char *tips;       /* space-separated COMMAND INFO tips, or NULL */
    const char *key_flags;  /* space-separated key-spec flags, or NULL */
    const char *key_notes;  /* key-spec notes, or NULL */
};

/* Number of entries in the table (top-level commands and subcommands); a
 * command's index is its slot in per-command statistics. */
size_t commands_count(void);
const struct command *commands_at(size_t i);
size_t commands_index(const struct command *cmd);
/* Looks up a top-level command, case-insensitively. NULL when unknown. */
const struct command *commands_lookup(const char *name, size_t len);
/* Looks up "parent|sub" for a container command. NULL when unknown. */
const struct command *commands_lookup_sub(const struct command *parent,
                                          const char *sub, size_t len);
/* Builds the lookup index; idempotent and thread-safe. */
void commands_init(void);

/* ---- core ------------------------------------------------------------ */

struct command_stats {
    _Atomic uint64_t calls;
    _Atomic uint64_t usec;
    _Atomic uint64_t rejected;
    _Atomic uint64_t failed;
};

struct core {
    struct core_config cfg;      /* strings point into owned copies below */
    char *bind_copy;
    char *engine_copy;
    char *requirepass_copy;
    char *loglevel_copy;
    char *engine_info;           /* INFO server extra lines, or NULL */
    struct store *store;
    int64_t start_ms;            /* store clock at creation */
    int64_t start_mono_us;

    core_stats_hook stats_hook;
    void *stats_hook_ctx;
    core_shutdown_hook shutdown_hook;
    void *shutdown_hook_ctx;

    pthread_mutex_t registry_lock;
    struct session *clients;     /* intrusive list, newest first */
    _Atomic int nclients;
    _Atomic uint64_t next_client_id;

    _Atomic uint64_t total_connections;
    _Atomic uint64_t rejected_connections;
    _Atomic uint64_t net_input_bytes;
    _Atomic uint64_t net_output_bytes;
    _Atomic uint64_t error_replies;
    _Atomic uint64_t keyspace_hits;
    _Atomic uint64_t keyspace_misses;
    struct command_stats *cmdstats; /* commands_count() entries */
    _Atomic uint64_t used_memory_peak;

    /* Instantaneous rates, sampled by core_cron (Redis's
     * instantaneous_ops_per_sec and _kbps). */
    _Atomic uint64_t inst_ops;
    _Atomic uint64_t inst_in_bps;
    _Atomic uint64_t inst_out_bps;
    int64_t sample_us;           /* under cron_lock */
    uint64_t sample_ops, sample_in, sample_out;

    pthread_mutex_t cron_lock;   /* one active-expiry pass at a time */
};

/* Admits a session into the registry unless maxclients is reached; assigns
 * its id. Returns true when admitted. Thread-safe. */
bool core_register(struct core *c, struct session *s);
void core_unregister(struct core *c, struct session *s);
/* Appends one CLIENT LIST line per registered session (only those whose
 * id is in ids[0..nids) when ids is not NULL) to out, as a bulk (RESP2) or
 * verbatim (RESP3) reply. self is the asking session. Thread-safe. */
void core_client_list(struct core *c, struct session *self,
                      const uint64_t *ids, size_t nids, struct reply *out);
/* Replaces a session's name under the registry lock (CLIENT LIST readers
 * may be looking at it). Takes ownership of name (NULL clears). */
void core_set_client_name(struct core *c, struct session *s, char *name);
/* Microseconds on a monotonic clock. */
int64_t core_mono_us(void);

/* ---- session ----------------------------------------------------------- */

enum session_flags {
    SESSION_CLOSE = 1 << 0,     /* close once output is flushed */
    SESSION_AUTHED = 1 << 1,
    SESSION_REGISTERED = 1 << 2,
    SESSION_DETACHED = 1 << 3,
    SESSION_PAUSED = 1 << 4,    /* output reached out_pause: requests wait in `in` */
    SESSION_OUT_LIMIT = 1 << 5, /* closing: a reply did not fit the output limit */
    SESSION_IN_LIMIT = 1 << 6,  /* closing: requests kept while paused passed it */
};

struct session {
    struct core *core;
    struct session *prev, *next;   /* registry list, under registry_lock */
    struct resp_parser parser;
    struct reply out;
    char *in;                      /* partial frame, NULL when none */
    uint32_t in_len, in_cap;
    char *name;                    /* CLIENT SETNAME, NULL when unset */
    uint64_t id;
    _Atomic int64_t last_ms;       /* last interaction, store clock */
    int32_t ctime_s;               /* creation, seconds after core start_ms */
    int fd;
    _Atomic uint16_t last_cmd;     /* command index + 1, 0 = none */
    _Atomic uint8_t db;
    uint8_t flags;
    uint8_t peer_family;           /* AF_INET, AF_INET6, AF_UNIX or 0 */
    _Atomic uint8_t resp;          /* out.proto, readable by CLIENT LIST */
    uint16_t peer_port;            /* host order */
    uint8_t peer_addr[16];
};

/* Formats the peer as "ip:port" (Redis's CLIENT LIST addr). */
void session_format_peer(const struct session *s, char *buf, size_t len);
/* Runs one parsed request: lookup, arity and auth checks, execution and
 * statistics. *clock_us is the monotonic time the command's duration is
 * measured from; it is advanced to the time the command finished. */
void session_execute(struct session *s, int argc, const char *const *argv,
                     const size_t *argvlen, int64_t *clock_us);

#endif
