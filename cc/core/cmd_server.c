/* cmd_server.c - server-wide commands: SHUTDOWN, TIME and CONFIG GET/HELP.
 * The core cannot stop an engine, so SHUTDOWN calls the hook main
 * installed. INFO is cmd_info.c's, COMMAND cmd_command.c's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cc/core/cmd.h"
#include "cc/core/util.h"

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], parsed as Redis 7.0 does.
 * respd keeps nothing on disk: NOSAVE, NOW and FORCE change nothing, SAVE is
 * refused rather than pretend to save, and no shutdown ever waits (Redis's
 * waits for replicas), so there is none for ABORT to abort. On success the
 * client gets no reply: its connection closes, as Redis's does when the
 * process exits. */
int cmd_shutdown(ARGS)
{
    bool nosave = false, save = false, other = false, abort = false;
    for (int i = 1; i < argc; i++) {
        if (arg_is(argv[i], argvlen[i], "nosave"))
            nosave = true;
        else if (arg_is(argv[i], argvlen[i], "save"))
            save = true;
        else if (arg_is(argv[i], argvlen[i], "now") ||
                 arg_is(argv[i], argvlen[i], "force"))
            other = true;
        else if (arg_is(argv[i], argvlen[i], "abort"))
            abort = true;
        else
            return cmd_error(s, SHARED_SYNTAX_ERR);
    }
    if ((abort && (nosave || save || other)) || (nosave && save))
        return cmd_error(s, SHARED_SYNTAX_ERR);
    if (abort)
        return cmd_error(s, "ERR No shutdown in progress.");
    if (save)
        return cmd_error(s, "ERR respd keeps no data on disk, so SHUTDOWN SAVE "
                            "has nowhere to save it; use SHUTDOWN NOSAVE");
    struct core *c = s->core;
    if (c->shutdown_hook == NULL)
        return cmd_error(s, "ERR SHUTDOWN is not available: this server has "
                            "no engine to stop");
    c->shutdown_hook(c->shutdown_hook_ctx);
    s->flags |= SESSION_CLOSE;
    return CMD_DONE;
}

int cmd_time(ARGS)
{
    UNUSED_ARGS;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    reply_array(out_of(s), 2);
    reply_bulk_int(out_of(s), (int64_t)ts.tv_sec);
    reply_bulk_int(out_of(s), (int64_t)(ts.tv_nsec / 1000));
    return CMD_DONE;
}

/* CONFIG GET: the settings respd has, plus the ones redis-benchmark and
 * common clients ask for. */
int cmd_config_get(ARGS)
{
    const struct core_config *cfg = core_config(s->core);
    char port[16], maxclients[16], timeout[16], threads[16];
    snprintf(port, sizeof(port), "%d", cfg->port);
    snprintf(maxclients, sizeof(maxclients), "%d", cfg->maxclients);
    snprintf(timeout, sizeof(timeout), "%d", cfg->timeout);
    snprintf(threads, sizeof(threads), "%d", cfg->threads > 0 ? cfg->threads : 1);
    const struct {
        const char *name;
        const char *value;
    } params[] = {
        {"port", port},
        {"bind", cfg->bind != NULL ? cfg->bind : ""},
        {"maxclients", maxclients},
        {"requirepass", cfg->requirepass != NULL ? cfg->requirepass : ""},
        {"timeout", timeout},
        {"loglevel", cfg->loglevel != NULL ? cfg->loglevel : "notice"},
        {"io-threads", threads},
        {"protected-mode", cfg->protected_mode ? "yes" : "no"},
        {"save", ""},
        {"appendonly", "no"},
        {"databases", "16"},
    };
    enum { NPARAMS = sizeof(params) / sizeof(params[0]) };
    bool hit[NPARAMS] = {false};
    size_t nhit = 0;
    for (int j = 2; j < argc; j++) {
        for (size_t i = 0; i < NPARAMS; i++) {
            if (!hit[i] && util_glob_match(argv[j], argvlen[j], params[i].name,
                                           strlen(params[i].name), true)) {
                hit[i] = true;
                nhit++;
            }
        }
    }
    reply_map(out_of(s), nhit);
    for (size_t i = 0; i < NPARAMS; i++) {
        if (!hit[i])
            continue;
        reply_cstr(out_of(s), params[i].name);
        reply_cstr(out_of(s), params[i].value);
    }
    return CMD_DONE;
}

int cmd_config_help(ARGS)
{
    UNUSED_ARGS;
    static const char *const lines[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    return cmd_reply_help(s, lines);
}
