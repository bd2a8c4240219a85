/* cmd_string.c - the string family: GET, SET and its variants, GETDEL,
 * GETEX, APPEND, STRLEN, MGET, MSET, MSETNX, INCR and DECR, with Redis
 * 7.0's option rules and error texts. The store does the work; this file
 * parses arguments and shapes replies.
 */
#include <stdlib.h>

#include "cc/core/cmd.h"
#include "cc/core/util.h"

static void count_hit(struct session *s, bool hit)
{
    stats_add(hit ? &s->core->stats.keyspace_hits
                  : &s->core->stats.keyspace_misses,
              1);
}

/* Encodes the value straight from the store's bytes (no copy). */
static void reply_value_cb(void *ctx, const char *val, size_t vlen)
{
    reply_bulk(ctx, val, vlen);
}

int cmd_get(ARGS)
{
    (void)argc;
    int rc = store_get_with(store_of(s), db_of(s), argv[1], argvlen[1],
                            reply_value_cb, out_of(s));
    if (rc < 0)
        return cmd_store_error(s, rc);
    count_hit(s, rc == 1);
    if (rc == 0)
        reply_null(out_of(s));
    return CMD_DONE;
}

/* SET/GETEX option flags, as Redis's parser tracks them. */
enum {
    OPT_NX = 1 << 0,
    OPT_XX = 1 << 1,
    OPT_GET = 1 << 2,
    OPT_KEEPTTL = 1 << 3,
    OPT_PERSIST = 1 << 4,
    OPT_EX = 1 << 5,
    OPT_PX = 1 << 6,
    OPT_EXAT = 1 << 7,
    OPT_PXAT = 1 << 8,
};
#define OPT_ANY_EXPIRE (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)

/* Parses SET's (is_set) or GETEX's options from argv[first..]. Returns false
 * after queueing a syntax error. *exp_arg is the expiry argument's index. */
static bool parse_string_options(struct session *s, int argc,
                                 const char *const *argv, const size_t *argvlen,
                                 int first, bool is_set, int *flags,
                                 int *exp_arg)
{
    *flags = 0;
    *exp_arg = -1;
    for (int j = first; j < argc; j++) {
        const char *a = argv[j];
        size_t n = argvlen[j];
        bool has_next = j + 1 < argc;
        int f = *flags;
        if (is_set && arg_is(a, n, "nx") && !(f & OPT_XX)) {
            *flags |= OPT_NX;
        } else if (is_set && arg_is(a, n, "xx") && !(f & OPT_NX)) {
            *flags |= OPT_XX;
        } else if (is_set && arg_is(a, n, "get")) {
            *flags |= OPT_GET;
        } else if (is_set && arg_is(a, n, "keepttl") &&
                   !(f & (OPT_PERSIST | OPT_ANY_EXPIRE))) {
            *flags |= OPT_KEEPTTL;
        } else if (!is_set && arg_is(a, n, "persist") &&
                   !(f & (OPT_KEEPTTL | OPT_ANY_EXPIRE))) {
            *flags |= OPT_PERSIST;
        } else if (arg_is(a, n, "ex") && has_next &&
                   !(f & (OPT_KEEPTTL | OPT_PERSIST | OPT_PX | OPT_EXAT | OPT_PXAT))) {
            *flags |= OPT_EX;
            *exp_arg = ++j;
        } else if (arg_is(a, n, "px") && has_next &&
                   !(f & (OPT_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_EXAT | OPT_PXAT))) {
            *flags |= OPT_PX;
            *exp_arg = ++j;
        } else if (arg_is(a, n, "exat") && has_next &&
                   !(f & (OPT_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_PX | OPT_PXAT))) {
            *flags |= OPT_EXAT;
            *exp_arg = ++j;
        } else if (arg_is(a, n, "pxat") && has_next &&
                   !(f & (OPT_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_PX | OPT_EXAT))) {
            *flags |= OPT_PXAT;
            *exp_arg = ++j;
        } else {
            reply_error(out_of(s), SHARED_SYNTAX_ERR);
            return false;
        }
    }
    return true;
}

static int parse_option_expire(struct session *s, const char *const *argv,
                               const size_t *argvlen, int flags, int exp_arg,
                               const char *cmdname, int64_t *at)
{
    enum expire_unit unit = (flags & (OPT_EX | OPT_EXAT)) ? UNIT_SECONDS : UNIT_MS;
    bool relative = (flags & (OPT_EX | OPT_PX)) != 0;
    return cmd_parse_expire(s, argv[exp_arg], argvlen[exp_arg], unit, relative,
                            true, cmdname, at);
}

/* The common tail of SET, SETNX, SETEX, PSETEX and GETSET. */
static int do_set(struct session *s, const char *key, size_t klen,
                   const char *val, size_t vlen, int64_t expire_at,
                   int store_flags, bool reply_plain_ok)
{
    struct store_value old = {0};
    bool old_found = false;
    int rc = store_set(store_of(s), db_of(s), key, klen, val, vlen, expire_at,
                       store_flags, &old, &old_found);
    if (rc < 0)
        return cmd_store_error(s, rc);
    if (store_flags & STORE_SET_GET) {
        cmd_reply_value(s, old_found, &old);
        return CMD_DONE;
    }
    if (rc == 0)
        reply_null(out_of(s));
    else if (reply_plain_ok)
        reply_ok(out_of(s));
    return CMD_DONE;
}

int cmd_set(ARGS)
{
    int flags, exp_arg;
    if (!parse_string_options(s, argc, argv, argvlen, 3, true, &flags, &exp_arg))
        return CMD_FAILED;
    int64_t at = -1;
    if (exp_arg >= 0 &&
        parse_option_expire(s, argv, argvlen, flags, exp_arg, "set", &at) != 0)
        return CMD_FAILED;
    int sf = 0;
    if (flags & OPT_NX)
        sf |= STORE_SET_NX;
    if (flags & OPT_XX)
        sf |= STORE_SET_XX;
    if (flags & OPT_KEEPTTL)
        sf |= STORE_SET_KEEPTTL;
    if (flags & OPT_GET)
        sf |= STORE_SET_GET;
    return do_set(s, argv[1], argvlen[1], argv[2], argvlen[2], at, sf, true);
}

int cmd_setnx(ARGS)
{
    (void)argc;
    int rc = store_set(store_of(s), db_of(s), argv[1], argvlen[1], argv[2],
                       argvlen[2], -1, STORE_SET_NX, NULL, NULL);
    if (rc < 0)
        return cmd_store_error(s, rc);
    reply_int(out_of(s), rc);
    return CMD_DONE;
}

static int setex_generic(struct session *s, const char *const *argv,
                          const size_t *argvlen, enum expire_unit unit,
                          const char *name)
{
    int64_t at;
    if (cmd_parse_expire(s, argv[2], argvlen[2], unit, true, true, name, &at) != 0)
        return CMD_FAILED;
    return do_set(s, argv[1], argvlen[1], argv[3], argvlen[3], at, 0, true);
}

int cmd_setex(ARGS)
{
    (void)argc;
    return setex_generic(s, argv, argvlen, UNIT_SECONDS, "setex");
}

int cmd_psetex(ARGS)
{
    (void)argc;
    return setex_generic(s, argv, argvlen, UNIT_MS, "psetex");
}

int cmd_getset(ARGS)
{
    (void)argc;
    return do_set(s, argv[1], argvlen[1], argv[2], argvlen[2], -1, STORE_SET_GET,
                  true);
}

int cmd_getdel(ARGS)
{
    (void)argc;
    struct store_value v;
    int rc = store_getdel(store_of(s), db_of(s), argv[1], argvlen[1], &v);
    if (rc < 0)
        return cmd_store_error(s, rc);
    count_hit(s, rc == 1);
    cmd_reply_value(s, rc, &v);
    return CMD_DONE;
}

int cmd_getex(ARGS)
{
    int flags, exp_arg;
    if (!parse_string_options(s, argc, argv, argvlen, 2, false, &flags, &exp_arg))
        return CMD_FAILED;
    int64_t at = -1;
    enum store_getex_mode mode = STORE_GETEX_KEEP;
    if (exp_arg >= 0) {
        /* Redis looks the key up before validating the time: a missing key
         * answers nil even with a bad expiry. */
        if (!store_exists(store_of(s), db_of(s), argv[1], argvlen[1])) {
            count_hit(s, false);
            reply_null(out_of(s));
            return CMD_DONE;
        }
        if (parse_option_expire(s, argv, argvlen, flags, exp_arg, "getex", &at) != 0)
            return CMD_FAILED;
        mode = STORE_GETEX_SET;
    } else if (flags & OPT_PERSIST) {
        mode = STORE_GETEX_PERSIST;
    }
    struct store_value v;
    int rc = store_getex(store_of(s), db_of(s), argv[1], argvlen[1], mode, at, &v);
    if (rc < 0)
        return cmd_store_error(s, rc);
    count_hit(s, rc == 1);
    cmd_reply_value(s, rc, &v);
    return CMD_DONE;
}

int cmd_append(ARGS)
{
    (void)argc;
    size_t newlen = 0;
    int rc = store_append(store_of(s), db_of(s), argv[1], argvlen[1], argv[2],
                          argvlen[2], &newlen);
    if (rc < 0)
        return cmd_store_error(s, rc);
    reply_int(out_of(s), (int64_t)newlen);
    return CMD_DONE;
}

int cmd_strlen(ARGS)
{
    (void)argc;
    int64_t n = store_strlen(store_of(s), db_of(s), argv[1], argvlen[1]);
    if (n < 0)
        return cmd_store_error(s, (int)n);
    reply_int(out_of(s), n);
    return CMD_DONE;
}

int cmd_mget(ARGS)
{
    size_t n = (size_t)argc - 1;
    struct store_value small[16];
    struct store_value *vals = n <= 16 ? small : calloc(n, sizeof(*vals));
    if (vals == NULL)
        return cmd_error(s, SHARED_OOM);
    int rc = store_mget(store_of(s), db_of(s), n, argv + 1, argvlen + 1, vals);
    int status = CMD_DONE;
    if (rc < 0) {
        status = cmd_store_error(s, rc);
    } else {
        reply_array(out_of(s), n);
        for (size_t i = 0; i < n; i++) {
            count_hit(s, vals[i].data != NULL);
            cmd_reply_value(s, vals[i].data != NULL, &vals[i]);
        }
    }
    if (vals != small)
        free(vals);
    return status;
}

/* MSET/MSETNX take key/value pairs; the store wants them split. */
static int mset_generic(struct session *s, int argc, const char *const *argv,
                         const size_t *argvlen, bool nx, const char *name)
{
    if (argc % 2 == 0) {
        reply_errorf(out_of(s), "ERR wrong number of arguments for '%s' command",
                     name);
        return CMD_FAILED;
    }
    size_t n = (size_t)(argc - 1) / 2;
    const char *small_p[32];
    size_t small_l[32];
    const char **ptrs = n <= 16 ? small_p : malloc(2 * n * sizeof(*ptrs));
    size_t *lens = n <= 16 ? small_l : malloc(2 * n * sizeof(*lens));
    if (ptrs == NULL || lens == NULL) {
        if (ptrs != small_p)
            free(ptrs);
        if (lens != small_l)
            free(lens);
        return cmd_error(s, SHARED_OOM);
    }
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = argv[1 + 2 * i];
        lens[i] = argvlen[1 + 2 * i];
        ptrs[n + i] = argv[2 + 2 * i];
        lens[n + i] = argvlen[2 + 2 * i];
    }
    int rc = store_mset(store_of(s), db_of(s), n, ptrs, lens, ptrs + n,
                        lens + n, nx);
    if (ptrs != small_p)
        free(ptrs);
    if (lens != small_l)
        free(lens);
    if (rc < 0)
        return cmd_store_error(s, rc);
    if (nx)
        reply_int(out_of(s), rc);
    else
        reply_ok(out_of(s));
    return CMD_DONE;
}

int cmd_mset(ARGS)
{
    return mset_generic(s, argc, argv, argvlen, false, "mset");
}

int cmd_msetnx(ARGS)
{
    return mset_generic(s, argc, argv, argvlen, true, "msetnx");
}

static int incr_generic(struct session *s, const char *key, size_t klen,
                        int64_t delta)
{
    int64_t result;
    int rc = store_incrby(store_of(s), db_of(s), key, klen, delta, &result);
    if (rc == STORE_ENOTINT)
        return cmd_error(s, SHARED_NOT_INT);
    if (rc == STORE_EOVERFLOW)
        return cmd_error(s, "ERR increment or decrement would overflow");
    if (rc < 0)
        return cmd_store_error(s, rc);
    reply_int(out_of(s), result);
    return CMD_DONE;
}

int cmd_incr(ARGS)
{
    (void)argc;
    return incr_generic(s, argv[1], argvlen[1], 1);
}

int cmd_decr(ARGS)
{
    (void)argc;
    return incr_generic(s, argv[1], argvlen[1], -1);
}

int cmd_incrby(ARGS)
{
    (void)argc;
    int64_t d;
    if (!util_string2ll(argv[2], argvlen[2], &d))
        return cmd_error(s, SHARED_NOT_INT);
    return incr_generic(s, argv[1], argvlen[1], d);
}

int cmd_decrby(ARGS)
{
    (void)argc;
    int64_t d;
    if (!util_string2ll(argv[2], argvlen[2], &d))
        return cmd_error(s, SHARED_NOT_INT);
    if (d == INT64_MIN)
        return cmd_error(s, "ERR decrement would overflow");
    return incr_generic(s, argv[1], argvlen[1], -d);
}
