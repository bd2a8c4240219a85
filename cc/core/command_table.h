/* command_table.h - every command respd knows: its name, arity, flags,
 * key positions and the metadata COMMAND INFO and COMMAND DOCS report, and
 * the name lookup. A data leaf: it knows no implementation (dispatch.c maps
 * each command to the function that runs it).
 *
 * Thread-safe once commands_init has run (the table is constant).
 */
#ifndef RESPD_COMMAND_TABLE_H
#define RESPD_COMMAND_TABLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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

/* A command's slot in the table, in per-command statistics and in
 * dispatch's map to implementations. Subcommands follow their container;
 * COMMAND lists commands in this order. */
enum command_id {
    CMD_ID_PING,
    CMD_ID_ECHO,
    CMD_ID_QUIT,
    CMD_ID_HELLO,
    CMD_ID_AUTH,
    CMD_ID_SELECT,
    CMD_ID_GET,
    CMD_ID_SET,
    CMD_ID_SETNX,
    CMD_ID_SETEX,
    CMD_ID_PSETEX,
    CMD_ID_GETSET,
    CMD_ID_GETDEL,
    CMD_ID_GETEX,
    CMD_ID_APPEND,
    CMD_ID_STRLEN,
    CMD_ID_MGET,
    CMD_ID_MSET,
    CMD_ID_MSETNX,
    CMD_ID_INCR,
    CMD_ID_DECR,
    CMD_ID_INCRBY,
    CMD_ID_DECRBY,
    CMD_ID_DEL,
    CMD_ID_UNLINK,
    CMD_ID_EXISTS,
    CMD_ID_TYPE,
    CMD_ID_KEYS,
    CMD_ID_SCAN,
    CMD_ID_RANDOMKEY,
    CMD_ID_DBSIZE,
    CMD_ID_FLUSHDB,
    CMD_ID_SHUTDOWN,
    CMD_ID_FLUSHALL,
    CMD_ID_EXPIRE,
    CMD_ID_PEXPIRE,
    CMD_ID_EXPIREAT,
    CMD_ID_PEXPIREAT,
    CMD_ID_TTL,
    CMD_ID_PTTL,
    CMD_ID_PERSIST,
    CMD_ID_TIME,
    CMD_ID_INFO,
    CMD_ID_COMMAND,
    CMD_ID_COMMAND_COUNT,
    CMD_ID_COMMAND_INFO,
    CMD_ID_COMMAND_DOCS,
    CMD_ID_COMMAND_LIST,
    CMD_ID_COMMAND_HELP,
    CMD_ID_CONFIG,
    CMD_ID_CONFIG_GET,
    CMD_ID_CONFIG_HELP,
    CMD_ID_CLIENT,
    CMD_ID_CLIENT_ID,
    CMD_ID_CLIENT_SETNAME,
    CMD_ID_CLIENT_GETNAME,
    CMD_ID_CLIENT_LIST,
    CMD_ID_CLIENT_INFO,
    CMD_ID_CLIENT_HELP,
    COMMAND_TABLE_SIZE
};

struct command {
    const char *name;       /* lower case; "parent|sub" for subcommands */
    int arity;              /* Redis's convention: -N means at least N */
    uint32_t flags;
    int first_key, last_key, key_step;
    const char *group;      /* COMMAND DOCS */
    const char *summary;
    const char *since;
    const char *complexity;
    const char *acl;        /* space-separated ACL categories, without '@' */
    const char *args;       /* argument grammar for COMMAND DOCS, see cmd_command.c */
    const char *tips;       /* space-separated COMMAND INFO tips, or NULL */
    const char *key_flags;  /* space-separated key-spec flags, or NULL */
    const char *key_notes;  /* key-spec notes, or NULL */
};

/* Number of entries in the table (top-level commands and subcommands). */
static inline size_t commands_count(void)
{
    return COMMAND_TABLE_SIZE;
}
const struct command *commands_at(size_t i);
/* The command's enum command_id. */
size_t commands_index(const struct command *cmd);
/* Looks up a top-level command, case-insensitively. NULL when unknown. */
const struct command *commands_lookup(const char *name, size_t len);
/* Looks up "parent|sub" for a container command. NULL when unknown. */
const struct command *commands_lookup_sub(const struct command *parent,
                                          const char *sub, size_t len);
/* Builds the lookup index; idempotent and thread-safe. Lookups need it. */
void commands_init(void);

#ifdef __cplusplus
}
#endif

#endif
