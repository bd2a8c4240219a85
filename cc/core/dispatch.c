/* dispatch.c - from a parsed request to a command's implementation
 * (dispatch.h): the one map from command id to proc, the checks Redis makes
 * before calling it (known command, arity, authentication), its unknown-
 * command errors, and the per-command statistics. Does not parse bytes
 * (session.c does) or implement commands (cmd_*.c do).
 */
#include "cc/core/dispatch.h"

#include <stdatomic.h>
#include <string.h>

#include "cc/core/cmd.h"
#include "cc/core/command_table.h"
#include "cc/core/session_state.h"
#include "cc/core/stats.h"
#include "cc/core/util.h"

/* Every command with an implementation; containers (CONFIG, CLIENT) have
 * none of their own and answer only through their subcommands. */
static const command_proc dispatch_procs[COMMAND_TABLE_SIZE] = {
    [CMD_ID_PING] = cmd_ping,
    [CMD_ID_ECHO] = cmd_echo,
    [CMD_ID_QUIT] = cmd_quit,
    [CMD_ID_HELLO] = cmd_hello,
    [CMD_ID_AUTH] = cmd_auth,
    [CMD_ID_SELECT] = cmd_select,
    [CMD_ID_GET] = cmd_get,
    [CMD_ID_SET] = cmd_set,
    [CMD_ID_SETNX] = cmd_setnx,
    [CMD_ID_SETEX] = cmd_setex,
    [CMD_ID_PSETEX] = cmd_psetex,
    [CMD_ID_GETSET] = cmd_getset,
    [CMD_ID_GETDEL] = cmd_getdel,
    [CMD_ID_GETEX] = cmd_getex,
    [CMD_ID_APPEND] = cmd_append,
    [CMD_ID_STRLEN] = cmd_strlen,
    [CMD_ID_MGET] = cmd_mget,
    [CMD_ID_MSET] = cmd_mset,
    [CMD_ID_MSETNX] = cmd_msetnx,
    [CMD_ID_INCR] = cmd_incr,
    [CMD_ID_DECR] = cmd_decr,
    [CMD_ID_INCRBY] = cmd_incrby,
    [CMD_ID_DECRBY] = cmd_decrby,
    [CMD_ID_DEL] = cmd_del,
    [CMD_ID_UNLINK] = cmd_del,
    [CMD_ID_EXISTS] = cmd_exists,
    [CMD_ID_TYPE] = cmd_type,
    [CMD_ID_KEYS] = cmd_keys,
    [CMD_ID_SCAN] = cmd_scan,
    [CMD_ID_RANDOMKEY] = cmd_randomkey,
    [CMD_ID_DBSIZE] = cmd_dbsize,
    [CMD_ID_FLUSHDB] = cmd_flushdb,
    [CMD_ID_SHUTDOWN] = cmd_shutdown,
    [CMD_ID_FLUSHALL] = cmd_flushall,
    [CMD_ID_EXPIRE] = cmd_expire,
    [CMD_ID_PEXPIRE] = cmd_pexpire,
    [CMD_ID_EXPIREAT] = cmd_expireat,
    [CMD_ID_PEXPIREAT] = cmd_pexpireat,
    [CMD_ID_TTL] = cmd_ttl,
    [CMD_ID_PTTL] = cmd_pttl,
    [CMD_ID_PERSIST] = cmd_persist,
    [CMD_ID_TIME] = cmd_time,
    [CMD_ID_INFO] = cmd_info,
    [CMD_ID_COMMAND] = cmd_command,
    [CMD_ID_COMMAND_COUNT] = cmd_command_count,
    [CMD_ID_COMMAND_INFO] = cmd_command_info,
    [CMD_ID_COMMAND_DOCS] = cmd_command_docs,
    [CMD_ID_COMMAND_LIST] = cmd_command_list,
    [CMD_ID_COMMAND_HELP] = cmd_command_help,
    [CMD_ID_CONFIG_GET] = cmd_config_get,
    [CMD_ID_CONFIG_HELP] = cmd_config_help,
    [CMD_ID_CLIENT_ID] = cmd_client_id,
    [CMD_ID_CLIENT_SETNAME] = cmd_client_setname,
    [CMD_ID_CLIENT_GETNAME] = cmd_client_getname,
    [CMD_ID_CLIENT_LIST] = cmd_client_list,
    [CMD_ID_CLIENT_INFO] = cmd_client_info,
    [CMD_ID_CLIENT_HELP] = cmd_client_help,
};

void dispatch_init(void)
{
    commands_init();
}

bool dispatch_has_proc(const struct command *cmd)
{
    return dispatch_procs[commands_index(cmd)] != NULL;
}

static void dispatch_unknown_command(struct session *s, int argc,
                                     const char *const *argv,
                                     const size_t *argvlen)
{
    char msg[512];
    size_t n = 0;
    memcpy(msg, "ERR unknown command '", 21);
    n = 21;
    n += util_preview(msg + n, sizeof(msg) - n, argv[0], argvlen[0], 128);
    static const char mid[] = "', with args beginning with: ";
    memcpy(msg + n, mid, sizeof(mid) - 1);
    n += sizeof(mid) - 1;
    size_t args_len = 0;
    for (int i = 1; i < argc && args_len < 128; i++) {
        msg[n++] = '\'';
        size_t w = util_preview(msg + n, sizeof(msg) - n, argv[i], argvlen[i],
                                128 - args_len);
        n += w;
        msg[n++] = '\'';
        msg[n++] = ' ';
        args_len += w + 3;
    }
    msg[n] = '\0';
    reply_error(&s->out, msg);
}

static void dispatch_unknown_subcommand(struct session *s,
                                        const char *const *argv,
                                        const size_t *argvlen)
{
    char msg[512];
    size_t n = 0;
    memcpy(msg, "ERR unknown subcommand '", 24);
    n = 24;
    n += util_preview(msg + n, sizeof(msg) - n, argv[1], argvlen[1], 128);
    memcpy(msg + n, "'. Try ", 7);
    n += 7;
    size_t w = util_preview(msg + n, sizeof(msg) - n, argv[0], argvlen[0], 64);
    for (size_t i = 0; i < w; i++)
        if (msg[n + i] >= 'a' && msg[n + i] <= 'z')
            msg[n + i] = (char)(msg[n + i] - 'a' + 'A');
    n += w;
    memcpy(msg + n, " HELP.", 7);
    reply_error(&s->out, msg);
}

void session_execute(struct session *s, int argc, const char *const *argv,
                     const size_t *argvlen, int64_t *clock_us)
{
    struct core *core = s->core;
    const struct command *cmd = commands_lookup(argv[0], argvlen[0]);
    if (cmd == NULL) {
        dispatch_unknown_command(s, argc, argv, argvlen);
        stats_add(&core->stats.error_replies, 1);
        return;
    }
    if ((cmd->flags & CMD_CONTAINER) && argc >= 2) {
        const struct command *sub = commands_lookup_sub(cmd, argv[1], argvlen[1]);
        if (sub == NULL) {
            dispatch_unknown_subcommand(s, argv, argvlen);
            stats_add(&core->stats.error_replies, 1);
            return;
        }
        cmd = sub;
    }
    size_t id = commands_index(cmd);
    struct command_stats *st = &core->stats.cmd[id];
    if ((cmd->arity > 0 && argc != cmd->arity) ||
        (cmd->arity < 0 && argc < -cmd->arity) || dispatch_procs[id] == NULL) {
        reply_errorf(&s->out, "ERR wrong number of arguments for '%s' command",
                     cmd->name);
        stats_add(&st->rejected, 1);
        stats_add(&core->stats.error_replies, 1);
        return;
    }
    if (!(s->flags & SESSION_AUTHED) && !(cmd->flags & CMD_NOAUTH)) {
        reply_error(&s->out, "NOAUTH Authentication required.");
        stats_add(&st->rejected, 1);
        stats_add(&core->stats.error_replies, 1);
        return;
    }
    atomic_store_explicit(&s->last_cmd, (uint16_t)(id + 1), memory_order_relaxed);
    int64_t t0 = *clock_us;
    int status = dispatch_procs[id](s, argc, argv, argvlen);
    int64_t t1 = core_mono_us();
    *clock_us = t1;
    stats_add(&st->calls, 1);
    stats_add(&st->usec, (uint64_t)(t1 - t0));
    if (s->out.overflow) {
        s->flags |= SESSION_CLOSE;
        return;
    }
    if (status == CMD_FAILED) {
        stats_add(&st->failed, 1);
        stats_add(&core->stats.error_replies, 1);
    }
}
