/* cmd.h - what every command implementation shares: the proc signature
 * and its status, accessors for the session's reply, store and database,
 * Redis's shared error texts, and the argument parsers several families
 * use. Each cmd_*.c file implements one family; their procs are declared
 * here, grouped by file, for dispatch.c's map.
 *
 * Private to the core library. A proc runs on the session's thread.
 */
#ifndef RESPD_CMD_H
#define RESPD_CMD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>
#include <string.h>

#include "cc/core/core_internal.h"
#include "cc/core/reply.h"
#include "cc/core/session_state.h"
#include "cc/core/store.h"

#define SHARED_SYNTAX_ERR "ERR syntax error"
#define SHARED_NOT_INT "ERR value is not an integer or out of range"
#define SHARED_OOM "ERR out of memory"
#define SHARED_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define SHARED_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define SHARED_TOO_BIG "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

/* What a proc returns: whether its reply was an error, which dispatch
 * counts as a failed call (INFO's failed_calls, total_error_replies). */
enum cmd_status {
    CMD_DONE = 0,
    CMD_FAILED = 1,
};

#define ARGS struct session *s, int argc, const char *const *argv, const size_t *argvlen
#define UNUSED_ARGS (void)argc, (void)argv, (void)argvlen

typedef int (*command_proc)(ARGS);

/* Case-insensitive comparison of an argument with a lower-case literal. */
static inline bool arg_is(const char *arg, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len == n && strncasecmp(arg, lit, n) == 0;
}

static inline struct reply *out_of(struct session *s)
{
    return &s->out;
}

static inline struct store *store_of(struct session *s)
{
    return s->core->store;
}

static inline int db_of(struct session *s)
{
    return atomic_load_explicit(&s->db, memory_order_relaxed);
}

/* Queues the error reply msg and returns CMD_FAILED, so error paths read
 * `return cmd_error(s, ...)`. */
static inline int cmd_error(struct session *s, const char *msg)
{
    reply_error(&s->out, msg);
    return CMD_FAILED;
}

/* The reply for a store failure (rc < 0): wrong type, too big or out of
 * memory. */
int cmd_store_error(struct session *s, int rc);

/* Expiry arguments. Returns 0 with *at set (absolute ms), or queues the
 * error and returns -1. `set_rules` applies SET/GETEX's rule that the value
 * must be positive. */
enum expire_unit { UNIT_SECONDS, UNIT_MS };
int cmd_parse_expire(struct session *s, const char *p, size_t n,
                     enum expire_unit unit, bool relative, bool set_rules,
                     const char *cmdname, int64_t *at);

/* Replies the bulk v (and frees its data) when found, else a null. */
void cmd_reply_value(struct session *s, int found, struct store_value *v);

/* Replies a HELP text: an array of simple strings, lines ends at NULL. */
int cmd_reply_help(struct session *s, const char *const *lines);

/* Redis accepts client names made of '!'..'~' only. Returns a malloc'd
 * NUL-terminated copy in *out (NULL for the empty name), or queues the
 * error and returns false. (cmd_client.c; HELLO SETNAME uses it too.) */
bool cmd_client_name_check(struct session *s, const char *p, size_t n,
                           char **out);

/* cmd_connection.c */
int cmd_ping(ARGS);
int cmd_echo(ARGS);
int cmd_quit(ARGS);
int cmd_hello(ARGS);
int cmd_auth(ARGS);
int cmd_select(ARGS);

/* cmd_string.c */
int cmd_get(ARGS);
int cmd_set(ARGS);
int cmd_setnx(ARGS);
int cmd_setex(ARGS);
int cmd_psetex(ARGS);
int cmd_getset(ARGS);
int cmd_getdel(ARGS);
int cmd_getex(ARGS);
int cmd_append(ARGS);
int cmd_strlen(ARGS);
int cmd_mget(ARGS);
int cmd_mset(ARGS);
int cmd_msetnx(ARGS);
int cmd_incr(ARGS);
int cmd_decr(ARGS);
int cmd_incrby(ARGS);
int cmd_decrby(ARGS);

/* cmd_keyspace.c */
int cmd_del(ARGS);
int cmd_exists(ARGS);
int cmd_type(ARGS);
int cmd_keys(ARGS);
int cmd_scan(ARGS);
int cmd_randomkey(ARGS);
int cmd_dbsize(ARGS);
int cmd_flushdb(ARGS);
int cmd_flushall(ARGS);

/* cmd_expire.c */
int cmd_expire(ARGS);
int cmd_pexpire(ARGS);
int cmd_expireat(ARGS);
int cmd_pexpireat(ARGS);
int cmd_ttl(ARGS);
int cmd_pttl(ARGS);
int cmd_persist(ARGS);

/* cmd_server.c */
int cmd_shutdown(ARGS);
int cmd_time(ARGS);
int cmd_config_get(ARGS);
int cmd_config_help(ARGS);

/* cmd_info.c */
int cmd_info(ARGS);

/* cmd_command.c */
int cmd_command(ARGS);
int cmd_command_count(ARGS);
int cmd_command_info(ARGS);
int cmd_command_docs(ARGS);
int cmd_command_list(ARGS);
int cmd_command_help(ARGS);

/* cmd_client.c */
int cmd_client_id(ARGS);
int cmd_client_setname(ARGS);
int cmd_client_getname(ARGS);
int cmd_client_list(ARGS);
int cmd_client_info(ARGS);
int cmd_client_help(ARGS);

#endif
