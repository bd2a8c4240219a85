/* cmd_connection.c - the connection family: PING, ECHO, QUIT, HELLO, AUTH
 * and SELECT, with Redis 7.0's replies and error texts. Owns the session's
 * auth and protocol state changes; does not own the registry (CLIENT is
 * cmd_client.c).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cc/core/cmd.h"
#include "cc/core/util.h"

int cmd_ping(ARGS)
{
    (void)argvlen;
    if (argc > 2)
        return cmd_error(s, "ERR wrong number of arguments for 'ping' command");
    if (argc == 2)
        reply_bulk(out_of(s), argv[1], argvlen[1]);
    else
        reply_raw(out_of(s), "+PONG\r\n", 7);
    return CMD_DONE;
}

int cmd_echo(ARGS)
{
    (void)argc;
    reply_bulk(out_of(s), argv[1], argvlen[1]);
    return CMD_DONE;
}

int cmd_quit(ARGS)
{
    UNUSED_ARGS;
    reply_ok(out_of(s));
    s->flags |= SESSION_CLOSE;
    return CMD_DONE;
}

/* Compares in time that depends only on the attempt's length, so the
 * configured password's content and length do not leak through timing. */
static bool password_matches(const char *want, const char *got, size_t gotlen)
{
    size_t wantlen = strlen(want);
    volatile unsigned char diff = (unsigned char)(wantlen != gotlen);
    for (size_t i = 0; i < gotlen; i++) {
        unsigned char w = wantlen ? (unsigned char)want[i % wantlen] : 0;
        diff |= (unsigned char)(w ^ (unsigned char)got[i]);
    }
    return diff == 0;
}

/* Redis's ACL check reduced to the one "default" user respd has. */
static bool authenticate(struct session *s, const char *user, size_t ulen,
                         const char *pass, size_t plen)
{
    const char *want = core_config(s->core)->requirepass;
    if (!arg_is(user, ulen, "default") || ulen != 7 ||
        memcmp(user, "default", 7) != 0)
        return false;
    if (want != NULL && !password_matches(want, pass, plen))
        return false;
    s->flags |= SESSION_AUTHED;
    resp_parser_set_unauthenticated(&s->parser, false);
    return true;
}

int cmd_auth(ARGS)
{
    if (argc > 3)
        return cmd_error(s, SHARED_SYNTAX_ERR);
    if (argc == 2) {
        if (core_config(s->core)->requirepass == NULL)
            return cmd_error(s,
                        "ERR AUTH <password> called without any password "
                        "configured for the default user. Are you sure your "
                        "configuration is correct?");
        if (!authenticate(s, "default", 7, argv[1], argvlen[1]))
            return cmd_error(s, SHARED_WRONGPASS);
        reply_ok(out_of(s));
        return CMD_DONE;
    }
    if (!authenticate(s, argv[1], argvlen[1], argv[2], argvlen[2]))
        return cmd_error(s, SHARED_WRONGPASS);
    reply_ok(out_of(s));
    return CMD_DONE;
}

int cmd_hello(ARGS)
{
    int64_t ver = 0;
    int next = 1;
    if (argc >= 2) {
        if (!util_string2ll(argv[1], argvlen[1], &ver))
            return cmd_error(s,
                        "ERR Protocol version is not an integer or out of range");
        next = 2;
        if (ver < 2 || ver > 3)
            return cmd_error(s, "NOPROTO unsupported protocol version");
    }
    int user = -1, name = -1;
    for (int j = next; j < argc; j++) {
        int more = argc - 1 - j;
        if (arg_is(argv[j], argvlen[j], "auth") && more >= 2) {
            user = j + 1;
            j += 2;
        } else if (arg_is(argv[j], argvlen[j], "setname") && more >= 1) {
            name = j + 1;
            j += 1;
        } else {
            char opt[129];
            opt[util_preview(opt, 128, argv[j], argvlen[j], 128)] = '\0';
            reply_errorf(out_of(s), "ERR Syntax error in HELLO option '%s'", opt);
            return CMD_FAILED;
        }
    }
    if (user >= 0 && !authenticate(s, argv[user], argvlen[user],
                                   argv[user + 1], argvlen[user + 1]))
        return cmd_error(s, SHARED_WRONGPASS);
    /* Redis 7.0 validates the name before insisting on authentication. */
    char *copy = NULL;
    if (name >= 0 && !cmd_client_name_check(s, argv[name], argvlen[name], &copy))
        return CMD_FAILED;
    if (!(s->flags & SESSION_AUTHED)) {
        free(copy);
        return cmd_error(s,
                    "NOAUTH HELLO must be called with the client already "
                    "authenticated, otherwise the HELLO AUTH <user> <pass> "
                    "option can be used to authenticate the client and select "
                    "the RESP protocol version at the same time");
    }
    if (name >= 0)
        core_set_client_name(s->core, &s->client, copy);
    if (ver != 0) {
        s->out.proto = (uint8_t)ver;
        atomic_store_explicit(&s->resp, (uint8_t)ver, memory_order_relaxed);
    }
    struct reply *r = out_of(s);
    reply_map(r, 7);
    reply_cstr(r, "server");
    reply_cstr(r, "redis");
    reply_cstr(r, "version");
    reply_cstr(r, RESPD_REDIS_COMPAT_VERSION);
    reply_cstr(r, "proto");
    reply_int(r, s->out.proto);
    reply_cstr(r, "id");
    reply_int(r, (int64_t)s->client.id);
    reply_cstr(r, "mode");
    reply_cstr(r, "standalone");
    reply_cstr(r, "role");
    reply_cstr(r, "master");
    reply_cstr(r, "modules");
    reply_array(r, 0);
    return CMD_DONE;
}

int cmd_select(ARGS)
{
    (void)argc;
    int64_t id;
    if (!util_string2ll(argv[1], argvlen[1], &id))
        return cmd_error(s, SHARED_NOT_INT);
    if (id < INT_MIN || id > INT_MAX)
        return cmd_error(s, "ERR value is out of range, value must between "
                               "-2147483648 and 2147483647");
    if (id < 0 || id >= STORE_DBS)
        return cmd_error(s, "ERR DB index is out of range");
    atomic_store_explicit(&s->db, (uint8_t)id, memory_order_relaxed);
    reply_ok(out_of(s));
    return CMD_DONE;
}
