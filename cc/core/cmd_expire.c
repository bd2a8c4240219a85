/* cmd_expire.c - time to live: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with
 * Redis 7.0's NX/XX/GT/LT), TTL, PTTL and PERSIST. Parsing of expiry times
 * shared with SET and GETEX is cmd.c's.
 */
#include "cc/core/cmd.h"
#include "cc/core/util.h"

static int expire_generic(struct session *s, int argc, const char *const *argv,
                          const size_t *argvlen, enum expire_unit unit,
                          bool relative, const char *name)
{
    int cond = 0;
    for (int j = 3; j < argc; j++) {
        if (arg_is(argv[j], argvlen[j], "nx")) {
            cond |= STORE_EXPIRE_NX;
        } else if (arg_is(argv[j], argvlen[j], "xx")) {
            cond |= STORE_EXPIRE_XX;
        } else if (arg_is(argv[j], argvlen[j], "gt")) {
            cond |= STORE_EXPIRE_GT;
        } else if (arg_is(argv[j], argvlen[j], "lt")) {
            cond |= STORE_EXPIRE_LT;
        } else {
            char opt[129];
            opt[util_preview(opt, 128, argv[j], argvlen[j], 128)] = '\0';
            reply_errorf(out_of(s), "ERR Unsupported option %s", opt);
            return CMD_FAILED;
        }
    }
    if ((cond & STORE_EXPIRE_NX) &&
        (cond & (STORE_EXPIRE_XX | STORE_EXPIRE_GT | STORE_EXPIRE_LT)))
        return cmd_error(s, "ERR NX and XX, GT or LT options at the same "
                            "time are not compatible");
    if ((cond & STORE_EXPIRE_GT) && (cond & STORE_EXPIRE_LT))
        return cmd_error(s, "ERR GT and LT options at the same time are "
                            "not compatible");
    int64_t at;
    if (cmd_parse_expire(s, argv[2], argvlen[2], unit, relative, false, name, &at) != 0)
        return CMD_FAILED;
    int rc = store_expire(store_of(s), db_of(s), argv[1], argvlen[1], at, cond);
    if (rc < 0)
        return cmd_store_error(s, rc);
    reply_int(out_of(s), rc);
    return CMD_DONE;
}

int cmd_expire(ARGS)
{
    return expire_generic(s, argc, argv, argvlen, UNIT_SECONDS, true, "expire");
}

int cmd_pexpire(ARGS)
{
    return expire_generic(s, argc, argv, argvlen, UNIT_MS, true, "pexpire");
}

int cmd_expireat(ARGS)
{
    return expire_generic(s, argc, argv, argvlen, UNIT_SECONDS, false, "expireat");
}

int cmd_pexpireat(ARGS)
{
    return expire_generic(s, argc, argv, argvlen, UNIT_MS, false, "pexpireat");
}

static int ttl_generic(struct session *s, const char *key, size_t klen, bool ms)
{
    int64_t ttl = store_ttl_ms(store_of(s), db_of(s), key, klen);
    if (ttl < 0)
        reply_int(out_of(s), ttl);
    else
        reply_int(out_of(s), ms ? ttl : (ttl + 500) / 1000);
    return CMD_DONE;
}

int cmd_ttl(ARGS)
{
    (void)argc;
    return ttl_generic(s, argv[1], argvlen[1], false);
}

int cmd_pttl(ARGS)
{
    (void)argc;
    return ttl_generic(s, argv[1], argvlen[1], true);
}

int cmd_persist(ARGS)
{
    (void)argc;
    reply_int(out_of(s), store_persist(store_of(s), db_of(s), argv[1], argvlen[1]));
    return CMD_DONE;
}
