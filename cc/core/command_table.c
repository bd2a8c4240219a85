/* command_table.c - the command table (command_table.h): Redis 7.0.15's
 * metadata for every command respd implements, and the case-insensitive
 * name lookup. Data only: implementations live in the cmd_*.c files and
 * dispatch.c joins the two.
 */
#include "cc/core/command_table.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#define EXPIRE_ONEOF "?condition(NX|XX|GT|LT)"
#define EXPIRATION                                                       \
    "expiration(EX=seconds:integer|PX=milliseconds:integer|"             \
    "EXAT=unix-time-seconds:unix-time|PXAT=unix-time-milliseconds:unix-time"

static const struct command command_table[COMMAND_TABLE_SIZE] = {
    [CMD_ID_PING] = {.name = "ping", .arity = -1,
     .flags = CMD_FAST, .group = "connection",
     .summary = "Ping the server", .since = "1.0.0", .complexity = "O(1)",
     .acl = "fast connection", .args = "?message:string",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    [CMD_ID_ECHO] = {.name = "echo", .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .group = "connection", .summary = "Echo the given string",
     .since = "1.0.0", .complexity = "O(1)", .acl = "fast connection",
     .args = "message:string"},
    [CMD_ID_QUIT] = {.name = "quit", .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY,
     .group = "connection", .summary = "Close the connection",
     .since = "1.0.0", .complexity = "O(1)", .acl = "fast connection"},
    [CMD_ID_HELLO] = {.name = "hello", .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY,
     .group = "connection", .summary = "Handshake with Redis",
     .since = "6.0.0", .complexity = "O(1)", .acl = "fast connection",
     .args = "?arguments{protover:integer "
             "?AUTH=username_password{username:string password:string} "
             "?SETNAME=clientname:string}"},
    [CMD_ID_AUTH] = {.name = "auth", .arity = -2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY,
     .group = "connection", .summary = "Authenticate to the server",
     .since = "1.0.0", .complexity = "O(N) where N is the number of passwords defined for the user",
     .acl = "fast connection", .args = "?username:string password:string"},
    [CMD_ID_SELECT] = {.name = "select", .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST, .group = "connection",
     .summary = "Change the selected database for the current connection",
     .since = "1.0.0", .complexity = "O(1)", .acl = "fast connection",
     .args = "index:integer"},
    [CMD_ID_GET] = {.name = "get", .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string", .summary = "Get the value of a key",
     .since = "1.0.0", .complexity = "O(1)", .acl = "read string fast",
     .args = "key:key",
     .key_flags = "RO access"},
    [CMD_ID_SET] = {.name = "set", .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Set the string value of a key", .since = "1.0.0",
     .complexity = "O(1)", .acl = "write string slow",
     .args = "key:key value:string ?condition(NX|XX) ?GET ?" EXPIRATION
             "|KEEPTTL)",
     .key_flags = "RW access update variable_flags",
     .key_notes = "RW and ACCESS due to the optional `GET` argument"},
    [CMD_ID_SETNX] = {.name = "setnx", .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Set the value of a key, only if the key does not exist",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key value:string",
     .key_flags = "OW insert"},
    [CMD_ID_SETEX] = {.name = "setex", .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Set the value and expiration of a key", .since = "2.0.0",
     .complexity = "O(1)", .acl = "write string slow",
     .args = "key:key seconds:integer value:string",
     .key_flags = "OW update"},
    [CMD_ID_PSETEX] = {.name = "psetex", .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Set the value and expiration in milliseconds of a key",
     .since = "2.6.0", .complexity = "O(1)", .acl = "write string slow",
     .args = "key:key milliseconds:integer value:string",
     .key_flags = "OW update"},
    [CMD_ID_GETSET] = {.name = "getset", .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Set the string value of a key and return its old value",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key value:string",
     .key_flags = "RW access update"},
    [CMD_ID_GETDEL] = {.name = "getdel", .arity = 2,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Get the value of a key and delete the key", .since = "6.2.0",
     .complexity = "O(1)", .acl = "write string fast", .args = "key:key",
     .key_flags = "RW access delete"},
    [CMD_ID_GETEX] = {.name = "getex", .arity = -2,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Get the value of a key and optionally set its expiration",
     .since = "6.2.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key ?" EXPIRATION "|PERSIST)",
     .key_flags = "RW access update",
     .key_notes = "RW and UPDATE because it changes the TTL"},
    [CMD_ID_APPEND] = {.name = "append", .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Append a value to a key", .since = "2.0.0",
     .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key value:string",
     .key_flags = "RW insert"},
    [CMD_ID_STRLEN] = {.name = "strlen", .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Get the length of the value stored in a key",
     .since = "2.2.0", .complexity = "O(1)", .acl = "read string fast",
     .args = "key:key",
     .key_flags = "RO"},
    [CMD_ID_MGET] = {.name = "mget", .arity = -2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = -1,
     .key_step = 1, .group = "string",
     .summary = "Get the values of all the given keys", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to retrieve.",
     .acl = "read string fast", .args = "+key:key",
     .tips = "request_policy:multi_shard",
     .key_flags = "RO access"},
    [CMD_ID_MSET] = {.name = "mset", .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = -1,
     .key_step = 2, .group = "string",
     .summary = "Set multiple keys to multiple values", .since = "1.0.1",
     .complexity = "O(N) where N is the number of keys to set.",
     .acl = "write string slow", .args = "+data{key:key value:string}",
     .tips = "request_policy:multi_shard response_policy:all_succeeded",
     .key_flags = "OW update"},
    [CMD_ID_MSETNX] = {.name = "msetnx", .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = -1,
     .key_step = 2, .group = "string",
     .summary = "Set multiple keys to multiple values, only if none of the keys exist",
     .since = "1.0.1", .complexity = "O(N) where N is the number of keys to set.",
     .acl = "write string slow", .args = "+data{key:key value:string}",
     .tips = "request_policy:multi_shard response_policy:agg_min",
     .key_flags = "OW insert"},
    [CMD_ID_INCR] = {.name = "incr", .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Increment the integer value of a key by one",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key",
     .key_flags = "RW access update"},
    [CMD_ID_DECR] = {.name = "decr", .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Decrement the integer value of a key by one",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key",
     .key_flags = "RW access update"},
    [CMD_ID_INCRBY] = {.name = "incrby", .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Increment the integer value of a key by the given amount",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key increment:integer",
     .key_flags = "RW access update"},
    [CMD_ID_DECRBY] = {.name = "decrby", .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Decrement the integer value of a key by the given number",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key decrement:integer",
     .key_flags = "RW access update"},
    [CMD_ID_DEL] = {.name = "del", .arity = -2, .flags = CMD_WRITE,
     .first_key = 1, .last_key = -1, .key_step = 1, .group = "generic",
     .summary = "Delete a key", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys that will be removed.",
     .acl = "keyspace write slow", .args = "+key:key",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_flags = "RM delete"},
    [CMD_ID_UNLINK] = {.name = "unlink", .arity = -2,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = -1,
     .key_step = 1, .group = "generic",
     .summary = "Delete a key asynchronously in another thread. Otherwise it "
                "is just as DEL, but non blocking.",
     .since = "4.0.0",
     .complexity = "O(1) for each key removed regardless of its size.",
     .acl = "keyspace write fast", .args = "+key:key",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_flags = "RM delete"},
    [CMD_ID_EXISTS] = {.name = "exists", .arity = -2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = -1,
     .key_step = 1, .group = "generic",
     .summary = "Determine if a key exists", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to check.",
     .acl = "keyspace read fast", .args = "+key:key",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_flags = "RO"},
    [CMD_ID_TYPE] = {.name = "type", .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Determine the type stored at key", .since = "1.0.0",
     .complexity = "O(1)", .acl = "keyspace read fast", .args = "key:key",
     .key_flags = "RO"},
    [CMD_ID_KEYS] = {.name = "keys", .arity = 2, .flags = CMD_READONLY,
     .group = "generic", .summary = "Find all keys matching the given pattern",
     .since = "1.0.0",
     .complexity = "O(N) with N being the number of keys in the database",
     .acl = "keyspace read slow dangerous", .args = "pattern:pattern",
     .tips = "request_policy:all_shards nondeterministic_output_order"},
    [CMD_ID_SCAN] = {.name = "scan", .arity = -2, .flags = CMD_READONLY,
     .group = "generic", .summary = "Incrementally iterate the keys space",
     .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration.",
     .acl = "keyspace read slow",
     .args = "cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer "
             "?TYPE=type:string",
     .tips = "nondeterministic_output request_policy:special"},
    [CMD_ID_RANDOMKEY] = {.name = "randomkey", .arity = 1,
     .flags = CMD_READONLY, .group = "generic",
     .summary = "Return a random key from the keyspace", .since = "1.0.0",
     .complexity = "O(1)", .acl = "keyspace read slow",
     .tips = "request_policy:all_shards nondeterministic_output"},
    [CMD_ID_DBSIZE] = {.name = "dbsize", .arity = 1,
     .flags = CMD_READONLY | CMD_FAST, .group = "server",
     .summary = "Return the number of keys in the selected database",
     .since = "1.0.0", .complexity = "O(1)", .acl = "keyspace read fast",
     .tips = "request_policy:all_shards response_policy:agg_sum"},
    [CMD_ID_FLUSHDB] = {.name = "flushdb", .arity = -1, .flags = CMD_WRITE,
     .group = "server", .summary = "Remove all keys from the current database",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys in the selected database",
     .acl = "keyspace write slow dangerous", .args = "?flush-type(ASYNC|SYNC)",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    [CMD_ID_SHUTDOWN] = {.name = "shutdown", .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY,
     .group = "server",
     .summary = "Synchronously save the dataset to disk and then shut down the server",
     .since = "1.0.0",
     .complexity = "O(N) when saving, where N is the total number of keys in all "
                   "databases when saving data, otherwise O(1)",
     .acl = "admin slow dangerous",
     .args = "?nosave_save(NOSAVE|SAVE) ?NOW ?FORCE ?ABORT"},
    [CMD_ID_FLUSHALL] = {.name = "flushall", .arity = -1, .flags = CMD_WRITE,
     .group = "server", .summary = "Remove all keys from all databases",
     .since = "1.0.0",
     .complexity = "O(N) where N is the total number of keys in all databases",
     .acl = "keyspace write slow dangerous", .args = "?flush-type(ASYNC|SYNC)",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    [CMD_ID_EXPIRE] = {.name = "expire", .arity = -3,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Set a key's time to live in seconds", .since = "1.0.0",
     .complexity = "O(1)", .acl = "keyspace write fast",
     .args = "key:key seconds:integer " EXPIRE_ONEOF,
     .key_flags = "RW update"},
    [CMD_ID_PEXPIRE] = {.name = "pexpire", .arity = -3,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Set a key's time to live in milliseconds", .since = "2.6.0",
     .complexity = "O(1)", .acl = "keyspace write fast",
     .args = "key:key milliseconds:integer " EXPIRE_ONEOF,
     .key_flags = "RW update"},
    [CMD_ID_EXPIREAT] = {.name = "expireat", .arity = -3,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp",
     .since = "1.2.0", .complexity = "O(1)", .acl = "keyspace write fast",
     .args = "key:key unix-time-seconds:unix-time " EXPIRE_ONEOF,
     .key_flags = "RW update"},
    [CMD_ID_PEXPIREAT] = {.name = "pexpireat", .arity = -3,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp specified "
                "in milliseconds",
     .since = "2.6.0", .complexity = "O(1)", .acl = "keyspace write fast",
     .args = "key:key unix-time-milliseconds:unix-time " EXPIRE_ONEOF,
     .key_flags = "RW update"},
    [CMD_ID_TTL] = {.name = "ttl", .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Get the time to live for a key in seconds", .since = "1.0.0",
     .complexity = "O(1)", .acl = "keyspace read fast", .args = "key:key",
     .tips = "nondeterministic_output",
     .key_flags = "RO access"},
    [CMD_ID_PTTL] = {.name = "pttl", .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Get the time to live for a key in milliseconds",
     .since = "2.6.0", .complexity = "O(1)", .acl = "keyspace read fast",
     .args = "key:key",
     .tips = "nondeterministic_output",
     .key_flags = "RO access"},
    [CMD_ID_PERSIST] = {.name = "persist", .arity = 2,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Remove the expiration from a key", .since = "2.2.0",
     .complexity = "O(1)", .acl = "keyspace write fast", .args = "key:key",
     .key_flags = "RW update"},
    [CMD_ID_TIME] = {.name = "time", .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST, .group = "server",
     .summary = "Return the current server time", .since = "2.6.0",
     .complexity = "O(1)", .acl = "fast",
     .tips = "nondeterministic_output"},
    [CMD_ID_INFO] = {.name = "info", .arity = -1,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get information and statistics about the server",
     .since = "1.0.0", .complexity = "O(1)", .acl = "slow dangerous",
     .args = "?+section:string",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
    [CMD_ID_COMMAND] = {.name = "command", .arity = -1,
     .flags = CMD_CONTAINER | CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get array of Redis command details", .since = "2.8.13",
     .complexity = "O(N) where N is the total number of Redis commands",
     .acl = "slow connection",
     .tips = "nondeterministic_output_order"},
    [CMD_ID_COMMAND_COUNT] = {.name = "command|count", .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get total number of Redis commands", .since = "2.8.13",
     .complexity = "O(1)", .acl = "slow connection"},
    [CMD_ID_COMMAND_INFO] = {.name = "command|info", .arity = -2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get array of specific Redis command details, or all when no "
                "argument is given.",
     .since = "2.8.13",
     .complexity = "O(N) where N is the number of commands to look up",
     .acl = "slow connection", .args = "?+command-name:string",
     .tips = "nondeterministic_output_order"},
    [CMD_ID_COMMAND_DOCS] = {.name = "command|docs", .arity = -2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get array of specific Redis command documentation",
     .since = "7.0.0",
     .complexity = "O(N) where N is the number of commands to look up",
     .acl = "slow connection", .args = "?+command-name:string",
     .tips = "nondeterministic_output_order"},
    [CMD_ID_COMMAND_LIST] = {.name = "command|list", .arity = -2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get an array of Redis command names", .since = "7.0.0",
     .complexity = "O(N) where N is the total number of Redis commands",
     .acl = "slow connection",
     .args = "?FILTERBY=filterby(PATTERN=pattern:pattern)",
     .tips = "nondeterministic_output_order"},
    [CMD_ID_COMMAND_HELP] = {.name = "command|help", .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)", .acl = "slow connection"},
    [CMD_ID_CONFIG] = {.name = "config", .arity = -2,
     .flags = CMD_CONTAINER, .group = "server",
     .summary = "A container for server configuration commands",
     .since = "2.0.0", .complexity = "Depends on subcommand.", .acl = "slow"},
    [CMD_ID_CONFIG_GET] = {.name = "config|get", .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .group = "server",
     .summary = "Get the values of configuration parameters", .since = "2.0.0",
     .complexity = "O(N) when N is the number of configuration parameters "
                   "provided",
     .acl = "admin slow dangerous", .args = "+parameter:string"},
    [CMD_ID_CONFIG_HELP] = {.name = "config|help", .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)", .acl = "slow"},
    [CMD_ID_CLIENT] = {.name = "client", .arity = -2,
     .flags = CMD_CONTAINER, .group = "connection",
     .summary = "A container for client connection commands", .since = "2.4.0",
     .complexity = "Depends on subcommand.", .acl = "slow"},
    [CMD_ID_CLIENT_ID] = {.name = "client|id", .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Returns the client ID for the current connection",
     .since = "5.0.0", .complexity = "O(1)", .acl = "slow connection"},
    [CMD_ID_CLIENT_SETNAME] = {.name = "client|setname", .arity = 3,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Set the current connection name", .since = "2.6.9",
     .complexity = "O(1)", .acl = "slow connection",
     .args = "connection-name:string"},
    [CMD_ID_CLIENT_GETNAME] = {.name = "client|getname", .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Get the current connection name", .since = "2.6.9",
     .complexity = "O(1)", .acl = "slow connection"},
    [CMD_ID_CLIENT_LIST] = {.name = "client|list", .arity = -2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .group = "connection",
     .summary = "Get the list of client connections", .since = "2.4.0",
     .complexity = "O(N) where N is the number of client connections",
     .acl = "admin slow dangerous connection",
     .args = "?TYPE=client-type(NORMAL|MASTER|REPLICA|PUBSUB) "
             "?ID=client-id{+client-id:integer}",
     .tips = "nondeterministic_output"},
    [CMD_ID_CLIENT_INFO] = {.name = "client|info", .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Returns information about the current client connection.",
     .since = "6.2.0", .complexity = "O(1)", .acl = "slow connection",
     .tips = "nondeterministic_output"},
    [CMD_ID_CLIENT_HELP] = {.name = "client|help", .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)", .acl = "slow connection"},
};

const struct command *commands_at(size_t i)
{
    return &command_table[i];
}

size_t commands_index(const struct command *cmd)
{
    return (size_t)(cmd - command_table);
}

/* Open-addressed hash of lower-case names (top-level and "parent|sub"),
 * built once; lookups lower-case into a stack buffer while hashing. */
#define LOOKUP_SLOTS 256u
#define NAME_MAX_LEN 32u
static uint8_t lookup_slots[LOOKUP_SLOTS]; /* command index + 1, 0 = empty */
static uint8_t name_lens[COMMAND_TABLE_SIZE];
static pthread_once_t lookup_once = PTHREAD_ONCE_INIT;

static uint32_t name_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)p[i];
        h *= 16777619u;
    }
    return h;
}

static void lookup_build(void)
{
    for (size_t i = 0; i < COMMAND_TABLE_SIZE; i++) {
        size_t n = strlen(command_table[i].name);
        name_lens[i] = (uint8_t)n;
        uint32_t slot = name_hash(command_table[i].name, n) & (LOOKUP_SLOTS - 1);
        while (lookup_slots[slot] != 0)
            slot = (slot + 1) & (LOOKUP_SLOTS - 1);
        lookup_slots[slot] = (uint8_t)(i + 1);
    }
}

void commands_init(void)
{
    pthread_once(&lookup_once, lookup_build);
}

static const struct command *lookup_lower(const char *lower, size_t n,
                                          uint32_t hash)
{
    uint32_t slot = hash & (LOOKUP_SLOTS - 1);
    for (;;) {
        unsigned idx = lookup_slots[slot];
        if (idx == 0)
            return NULL;
        const struct command *c = &command_table[idx - 1];
        if (name_lens[idx - 1] == n && memcmp(c->name, lower, n) == 0)
            return c;
        slot = (slot + 1) & (LOOKUP_SLOTS - 1);
    }
}

/* Lower-cases src into dst while hashing it (one pass); false when the name
 * holds '|', which only subcommand lookups may use. */
static bool lower_hash(char *dst, const char *src, size_t n, uint32_t *hash)
{
    uint32_t h = *hash;
    for (size_t i = 0; i < n; i++) {
        char ch = src[i];
        if (ch == '|')
            return false;
        ch = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        dst[i] = ch;
        h ^= (uint8_t)ch;
        h *= 16777619u;
    }
    *hash = h;
    return true;
}

const struct command *commands_lookup(const char *name, size_t len)
{
    char lower[NAME_MAX_LEN];
    uint32_t hash = 2166136261u;
    if (len == 0 || len > NAME_MAX_LEN || !lower_hash(lower, name, len, &hash))
        return NULL;
    return lookup_lower(lower, len, hash);
}

const struct command *commands_lookup_sub(const struct command *parent,
                                          const char *sub, size_t len)
{
    char lower[2 * NAME_MAX_LEN + 1];
    size_t plen = strlen(parent->name);
    if (len == 0 || len > NAME_MAX_LEN || plen > NAME_MAX_LEN)
        return NULL;
    memcpy(lower, parent->name, plen);
    lower[plen] = '|';
    uint32_t hash = name_hash(lower, plen + 1);
    if (!lower_hash(lower + plen + 1, sub, len, &hash))
        return NULL;
    return lookup_lower(lower, plen + 1 + len, hash);
}
