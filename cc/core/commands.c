/* commands.c - the command table and every command's implementation, with
 * Redis 7.0's replies and error texts.
 *
 * Owns: argument validation and reply shapes. Does not own keys (the store
 * does), connection state (the session does) or statistics (the core does).
 */
#define _GNU_SOURCE
#include "cc/core/commands.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cc/core/store.h"

#define SHARED_SYNTAX_ERR "ERR syntax error"
#define SHARED_NOT_INT "ERR value is not an integer or out of range"
#define SHARED_OOM "ERR out of memory"
#define SHARED_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."

/* ---- small helpers ---------------------------------------------------- */

#define ARGS struct session *s, int argc, const char *const *argv, const size_t *argvlen
#define UNUSED_ARGS (void)argc, (void)argv, (void)argvlen

/* Case-insensitive comparison of an argument with a lower-case literal. */
static bool arg_is(const char *arg, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len == n && strncasecmp(arg, lit, n) == 0;
}

static struct reply *out_of(struct session *s)
{
    return &s->out;
}

static struct store *store_of(struct session *s)
{
    return core_store(s->core);
}

static int db_of(struct session *s)
{
    return atomic_load_explicit(&s->db, memory_order_relaxed);
}

/* Appends printf output to a byte buffer (a reply used as plain storage). */
static void reply_store_error(struct session *s, int rc)
{
    (void)rc;
    reply_error(out_of(s), SHARED_OOM);
}

/* Expiry arguments. Returns 0 with *at set (absolute ms), or queues the
 * error and returns -1. `set_rules` applies SET/GETEX's rule that the value
 * must be positive. */
enum expire_unit { UNIT_SECONDS, UNIT_MS };

static int parse_expire(struct session *s, const char *p, size_t n,
                        enum expire_unit unit, bool relative, bool set_rules,
                        const char *cmdname, int64_t *at)
{
    int64_t v;
    if (!store_parse_int64(p, n, &v)) {
        reply_error(out_of(s), SHARED_NOT_INT);
        return -1;
    }
    bool bad = false;
    if (set_rules) {
        bad = v <= 0 || (unit == UNIT_SECONDS && v > INT64_MAX / 1000);
    } else if (unit == UNIT_SECONDS) {
        bad = v > INT64_MAX / 1000 || v < INT64_MIN / 1000;
    }
    if (!bad && unit == UNIT_SECONDS)
        v *= 1000;
    if (!bad && relative) {
        int64_t now = store_now_ms(store_of(s));
        if (v > INT64_MAX - now)
            bad = true;
        else
            v += now;
    }
    if (bad) {
        reply_errorf(out_of(s), "ERR invalid expire time in '%s' command",
                     cmdname);
        return -1;
    }
    *at = v;
    return 0;
}

/* ---- connection -------------------------------------------------------- */

static void cmd_ping(ARGS)
{
    (void)argvlen;
    if (argc > 2) {
        reply_error(out_of(s), "ERR wrong number of arguments for 'ping' command");
        return;
    }
    if (argc == 2)
        reply_bulk(out_of(s), argv[1], argvlen[1]);
    else
        reply_raw(out_of(s), "+PONG\r\n", 7);
}

static void cmd_echo(ARGS)
{
    (void)argc;
    reply_bulk(out_of(s), argv[1], argvlen[1]);
}

static void cmd_quit(ARGS)
{
    UNUSED_ARGS;
    reply_ok(out_of(s));
    s->flags |= SESSION_CLOSE;
}

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], parsed as Redis 7.0 does.
 * respd keeps nothing on disk: NOSAVE, NOW and FORCE change nothing, SAVE is
 * refused rather than pretend to save, and no shutdown ever waits (Redis's
 * waits for replicas), so there is none for ABORT to abort. On success the
 * client gets no reply: its connection closes, as Redis's does when the
 * process exits. */
static void cmd_shutdown(ARGS)
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
        else {
            reply_error(out_of(s), SHARED_SYNTAX_ERR);
            return;
        }
    }
    if ((abort && (nosave || save || other)) || (nosave && save)) {
        reply_error(out_of(s), SHARED_SYNTAX_ERR);
        return;
    }
    if (abort) {
        reply_error(out_of(s), "ERR No shutdown in progress.");
        return;
    }
    if (save) {
        reply_error(out_of(s), "ERR respd keeps no data on disk, so SHUTDOWN SAVE "
                               "has nowhere to save it; use SHUTDOWN NOSAVE");
        return;
    }
    struct core *c = s->core;
    if (c->shutdown_hook == NULL) {
        reply_error(out_of(s), "ERR SHUTDOWN is not available: this server has "
                               "no engine to stop");
        return;
    }
    c->shutdown_hook(c->shutdown_hook_ctx);
    s->flags |= SESSION_CLOSE;
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

static void cmd_auth(ARGS)
{
    if (argc > 3) {
        reply_error(out_of(s), SHARED_SYNTAX_ERR);
        return;
    }
    if (argc == 2) {
        if (core_config(s->core)->requirepass == NULL) {
            reply_error(out_of(s),
                        "ERR AUTH <password> called without any password "
                        "configured for the default user. Are you sure your "
                        "configuration is correct?");
            return;
        }
        if (authenticate(s, "default", 7, argv[1], argvlen[1]))
            reply_ok(out_of(s));
        else
            reply_error(out_of(s), SHARED_WRONGPASS);
        return;
    }
    if (authenticate(s, argv[1], argvlen[1], argv[2], argvlen[2]))
        reply_ok(out_of(s));
    else
        reply_error(out_of(s), SHARED_WRONGPASS);
}

/* Redis accepts client names made of '!'..'~' only. Returns a malloc'd
 * NUL-terminated copy in *out (NULL for the empty name), or queues the
 * error and returns false. */
static bool client_name_check(struct session *s, const char *p, size_t n,
                              char **out)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '!' || p[i] > '~') {
            reply_error(out_of(s), "ERR Client names cannot contain spaces, "
                                   "newlines or special characters.");
            return false;
        }
    }
    *out = NULL;
    if (n == 0)
        return true;
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        reply_error(out_of(s), SHARED_OOM);
        return false;
    }
    memcpy(copy, p, n);
    copy[n] = '\0';
    *out = copy;
    return true;
}

static void cmd_hello(ARGS)
{
    int64_t ver = 0;
    int next = 1;
    if (argc >= 2) {
        if (!store_parse_int64(argv[1], argvlen[1], &ver)) {
            reply_error(out_of(s),
                        "ERR Protocol version is not an integer or out of range");
            return;
        }
        next = 2;
        if (ver < 2 || ver > 3) {
            reply_error(out_of(s), "NOPROTO unsupported protocol version");
            return;
        }
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
            char opt[160];
            size_t n = argvlen[j] < 128 ? argvlen[j] : 128;
            size_t k = 0;
            for (; k < n && argv[j][k] != '\0'; k++)
                opt[k] = (argv[j][k] == '\r' || argv[j][k] == '\n') ? ' ' : argv[j][k];
            opt[k] = '\0';
            reply_errorf(out_of(s), "ERR Syntax error in HELLO option '%s'", opt);
            return;
        }
    }
    if (user >= 0 && !authenticate(s, argv[user], argvlen[user],
                                   argv[user + 1], argvlen[user + 1])) {
        reply_error(out_of(s), SHARED_WRONGPASS);
        return;
    }
    /* Redis 7.0 validates the name before insisting on authentication. */
    char *copy = NULL;
    if (name >= 0 && !client_name_check(s, argv[name], argvlen[name], &copy))
        return;
    if (!(s->flags & SESSION_AUTHED)) {
        free(copy);
        reply_error(out_of(s),
                    "NOAUTH HELLO must be called with the client already "
                    "authenticated, otherwise the HELLO AUTH <user> <pass> "
                    "option can be used to authenticate the client and select "
                    "the RESP protocol version at the same time");
        return;
    }
    if (name >= 0)
        core_set_client_name(s->core, s, copy);
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
    reply_int(r, (int64_t)s->id);
    reply_cstr(r, "mode");
    reply_cstr(r, "standalone");
    reply_cstr(r, "role");
    reply_cstr(r, "master");
    reply_cstr(r, "modules");
    reply_array(r, 0);
}

static void cmd_select(ARGS)
{
    (void)argc;
    int64_t id;
    if (!store_parse_int64(argv[1], argvlen[1], &id)) {
        reply_error(out_of(s), SHARED_NOT_INT);
        return;
    }
    if (id < INT_MIN || id > INT_MAX) {
        reply_error(out_of(s), "ERR value is out of range, value must between "
                               "-2147483648 and 2147483647");
        return;
    }
    if (id < 0 || id >= STORE_DBS) {
        reply_error(out_of(s), "ERR DB index is out of range");
        return;
    }
    atomic_store_explicit(&s->db, (uint8_t)id, memory_order_relaxed);
    reply_ok(out_of(s));
}

/* ---- strings ------------------------------------------------------------ */

static void reply_value(struct session *s, int found, struct store_value *v)
{
    if (found) {
        reply_bulk(out_of(s), v->data, v->len);
        free(v->data);
    } else {
        reply_null(out_of(s));
    }
}

static void count_hit(struct session *s, bool hit)
{
    atomic_fetch_add_explicit(hit ? &s->core->keyspace_hits
                                  : &s->core->keyspace_misses,
                              1, memory_order_relaxed);
}

/* Encodes the value straight from the store's bytes (no copy). */
static void reply_value_cb(void *ctx, const char *val, size_t vlen)
{
    reply_bulk(ctx, val, vlen);
}

static void cmd_get(ARGS)
{
    (void)argc;
    int rc = store_get_with(store_of(s), db_of(s), argv[1], argvlen[1],
                            reply_value_cb, out_of(s));
    if (rc < 0) {
        reply_store_error(s, rc);
        return;
    }
    count_hit(s, rc == 1);
    if (rc == 0)
        reply_null(out_of(s));
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
    return parse_expire(s, argv[exp_arg], argvlen[exp_arg], unit, relative,
                        true, cmdname, at);
}

/* The common tail of SET, SETNX, SETEX, PSETEX and GETSET. */
static void do_set(struct session *s, const char *key, size_t klen,
                   const char *val, size_t vlen, int64_t expire_at,
                   int store_flags, bool reply_plain_ok)
{
    struct store_value old = {0};
    bool old_found = false;
    int rc = store_set(store_of(s), db_of(s), key, klen, val, vlen, expire_at,
                       store_flags, &old, &old_found);
    if (rc < 0) {
        reply_store_error(s, rc);
        return;
    }
    if (store_flags & STORE_SET_GET) {
        reply_value(s, old_found, &old);
        return;
    }
    if (rc == 0)
        reply_null(out_of(s));
    else if (reply_plain_ok)
        reply_ok(out_of(s));
}

static void cmd_set(ARGS)
{
    int flags, exp_arg;
    if (!parse_string_options(s, argc, argv, argvlen, 3, true, &flags, &exp_arg))
        return;
    int64_t at = -1;
    if (exp_arg >= 0 &&
        parse_option_expire(s, argv, argvlen, flags, exp_arg, "set", &at) != 0)
        return;
    int sf = 0;
    if (flags & OPT_NX)
        sf |= STORE_SET_NX;
    if (flags & OPT_XX)
        sf |= STORE_SET_XX;
    if (flags & OPT_KEEPTTL)
        sf |= STORE_SET_KEEPTTL;
    if (flags & OPT_GET)
        sf |= STORE_SET_GET;
    do_set(s, argv[1], argvlen[1], argv[2], argvlen[2], at, sf, true);
}

static void cmd_setnx(ARGS)
{
    (void)argc;
    int rc = store_set(store_of(s), db_of(s), argv[1], argvlen[1], argv[2],
                       argvlen[2], -1, STORE_SET_NX, NULL, NULL);
    if (rc < 0)
        reply_store_error(s, rc);
    else
        reply_int(out_of(s), rc);
}

static void setex_generic(struct session *s, const char *const *argv,
                          const size_t *argvlen, enum expire_unit unit,
                          const char *name)
{
    int64_t at;
    if (parse_expire(s, argv[2], argvlen[2], unit, true, true, name, &at) != 0)
        return;
    do_set(s, argv[1], argvlen[1], argv[3], argvlen[3], at, 0, true);
}

static void cmd_setex(ARGS)
{
    (void)argc;
    setex_generic(s, argv, argvlen, UNIT_SECONDS, "setex");
}

static void cmd_psetex(ARGS)
{
    (void)argc;
    setex_generic(s, argv, argvlen, UNIT_MS, "psetex");
}

static void cmd_getset(ARGS)
{
    (void)argc;
    do_set(s, argv[1], argvlen[1], argv[2], argvlen[2], -1, STORE_SET_GET, true);
}

static void cmd_getdel(ARGS)
{
    (void)argc;
    struct store_value v;
    int rc = store_getdel(store_of(s), db_of(s), argv[1], argvlen[1], &v);
    if (rc < 0) {
        reply_store_error(s, rc);
        return;
    }
    count_hit(s, rc == 1);
    reply_value(s, rc, &v);
}

static void cmd_getex(ARGS)
{
    int flags, exp_arg;
    if (!parse_string_options(s, argc, argv, argvlen, 2, false, &flags, &exp_arg))
        return;
    int64_t at = -1;
    enum store_getex_mode mode = STORE_GETEX_KEEP;
    if (exp_arg >= 0) {
        /* Redis looks the key up before validating the time: a missing key
         * answers nil even with a bad expiry. */
        if (!store_exists(store_of(s), db_of(s), argv[1], argvlen[1])) {
            count_hit(s, false);
            reply_null(out_of(s));
            return;
        }
        if (parse_option_expire(s, argv, argvlen, flags, exp_arg, "getex", &at) != 0)
            return;
        mode = STORE_GETEX_SET;
    } else if (flags & OPT_PERSIST) {
        mode = STORE_GETEX_PERSIST;
    }
    struct store_value v;
    int rc = store_getex(store_of(s), db_of(s), argv[1], argvlen[1], mode, at, &v);
    if (rc < 0) {
        reply_store_error(s, rc);
        return;
    }
    count_hit(s, rc == 1);
    reply_value(s, rc, &v);
}

static void cmd_append(ARGS)
{
    (void)argc;
    size_t newlen = 0;
    int rc = store_append(store_of(s), db_of(s), argv[1], argvlen[1], argv[2],
                          argvlen[2], &newlen);
    if (rc < 0)
        reply_store_error(s, rc);
    else
        reply_int(out_of(s), (int64_t)newlen);
}

static void cmd_strlen(ARGS)
{
    (void)argc;
    reply_int(out_of(s),
              (int64_t)store_strlen(store_of(s), db_of(s), argv[1], argvlen[1]));
}

static void cmd_mget(ARGS)
{
    size_t n = (size_t)argc - 1;
    struct store_value small[16];
    struct store_value *vals = n <= 16 ? small : calloc(n, sizeof(*vals));
    if (vals == NULL) {
        reply_error(out_of(s), SHARED_OOM);
        return;
    }
    int rc = store_mget(store_of(s), db_of(s), n, argv + 1, argvlen + 1, vals);
    if (rc < 0) {
        reply_store_error(s, rc);
    } else {
        reply_array(out_of(s), n);
        for (size_t i = 0; i < n; i++) {
            count_hit(s, vals[i].data != NULL);
            reply_value(s, vals[i].data != NULL, &vals[i]);
        }
    }
    if (vals != small)
        free(vals);
}

/* MSET/MSETNX take key/value pairs; the store wants them split. */
static void mset_generic(struct session *s, int argc, const char *const *argv,
                         const size_t *argvlen, bool nx, const char *name)
{
    if (argc % 2 == 0) {
        reply_errorf(out_of(s), "ERR wrong number of arguments for '%s' command",
                     name);
        return;
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
        reply_error(out_of(s), SHARED_OOM);
        return;
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
        reply_store_error(s, rc);
    else if (nx)
        reply_int(out_of(s), rc);
    else
        reply_ok(out_of(s));
}

static void cmd_mset(ARGS)
{
    mset_generic(s, argc, argv, argvlen, false, "mset");
}

static void cmd_msetnx(ARGS)
{
    mset_generic(s, argc, argv, argvlen, true, "msetnx");
}

static void incr_generic(struct session *s, const char *key, size_t klen,
                         int64_t delta)
{
    int64_t result;
    int rc = store_incrby(store_of(s), db_of(s), key, klen, delta, &result);
    if (rc == STORE_ENOTINT)
        reply_error(out_of(s), SHARED_NOT_INT);
    else if (rc == STORE_EOVERFLOW)
        reply_error(out_of(s), "ERR increment or decrement would overflow");
    else if (rc < 0)
        reply_store_error(s, rc);
    else
        reply_int(out_of(s), result);
}

static void cmd_incr(ARGS)
{
    (void)argc;
    incr_generic(s, argv[1], argvlen[1], 1);
}

static void cmd_decr(ARGS)
{
    (void)argc;
    incr_generic(s, argv[1], argvlen[1], -1);
}

static void cmd_incrby(ARGS)
{
    (void)argc;
    int64_t d;
    if (!store_parse_int64(argv[2], argvlen[2], &d)) {
        reply_error(out_of(s), SHARED_NOT_INT);
        return;
    }
    incr_generic(s, argv[1], argvlen[1], d);
}

static void cmd_decrby(ARGS)
{
    (void)argc;
    int64_t d;
    if (!store_parse_int64(argv[2], argvlen[2], &d)) {
        reply_error(out_of(s), SHARED_NOT_INT);
        return;
    }
    if (d == INT64_MIN) {
        reply_error(out_of(s), "ERR decrement would overflow");
        return;
    }
    incr_generic(s, argv[1], argvlen[1], -d);
}

/* ---- keyspace ------------------------------------------------------------ */

static void cmd_del(ARGS)
{
    int64_t n = 0;
    for (int i = 1; i < argc; i++) {
        int rc = store_del(store_of(s), db_of(s), argv[i], argvlen[i]);
        if (rc > 0)
            n += rc;
    }
    reply_int(out_of(s), n);
}

static void cmd_exists(ARGS)
{
    int64_t n = 0;
    for (int i = 1; i < argc; i++)
        n += store_exists(store_of(s), db_of(s), argv[i], argvlen[i]) > 0;
    reply_int(out_of(s), n);
}

static void cmd_type(ARGS)
{
    (void)argc;
    bool found = store_exists(store_of(s), db_of(s), argv[1], argvlen[1]) > 0;
    reply_simple(out_of(s), found ? "string" : "none");
}

/* Collects keys into a scratch buffer of bulk strings so the array header,
 * whose count is only known at the end, can be written first. */
struct key_collector {
    struct reply buf;
    size_t count;
    const char *pat;
    size_t plen;
    bool match_all;
    bool keep;      /* false: TYPE filter excludes everything */
};

static void collect_key(void *ctx, const char *key, size_t klen)
{
    struct key_collector *kc = ctx;
    if (!kc->keep)
        return;
    if (!kc->match_all && !store_glob_match(kc->pat, kc->plen, key, klen, false))
        return;
    reply_bulk(&kc->buf, key, klen);
    kc->count++;
}

/* The scratch buffer obeys the connection's output limit, so KEYS on a
 * huge database cannot grow it past what the client may be sent anyway. */
static void collector_init(struct key_collector *kc, struct session *s,
                           const char *pat, size_t plen)
{
    reply_init(&kc->buf, s->out.limit);
    kc->count = 0;
    kc->pat = pat;
    kc->plen = plen;
    kc->match_all = pat == NULL || (plen == 1 && pat[0] == '*');
    kc->keep = true;
}

/* A reply too big for the output limit drops the output and closes the
 * connection, as if it had been appended; a store failure is an error. */
static void collector_overflow(struct session *s, struct key_collector *kc, int rc)
{
    bool too_big = kc->buf.overflow;
    reply_free(&kc->buf);
    if (rc >= 0 && too_big) {
        reply_free(out_of(s));
        s->out.overflow = true;
    } else {
        reply_error(out_of(s), SHARED_OOM);
    }
}

static void cmd_keys(ARGS)
{
    (void)argc;
    struct key_collector kc;
    collector_init(&kc, s, argv[1], argvlen[1]);
    int rc = store_keys(store_of(s), db_of(s), collect_key, &kc);
    if (rc < 0 || kc.buf.overflow) {
        collector_overflow(s, &kc, rc);
        return;
    }
    reply_array(out_of(s), kc.count);
    reply_raw(out_of(s), kc.buf.data, kc.buf.len);
    reply_free(&kc.buf);
}

static void cmd_scan(ARGS)
{
    /* Redis's cursor rules: strtoull (so "-1" wraps), but no leading
     * space, no trailing junk and no overflow. */
    char tmp[32];
    uint64_t cursor = 0;
    if (argvlen[1] == 0 || argvlen[1] >= sizeof(tmp) ||
        memchr(argv[1], '\0', argvlen[1]) != NULL) {
        reply_error(out_of(s), "ERR invalid cursor");
        return;
    }
    memcpy(tmp, argv[1], argvlen[1]);
    tmp[argvlen[1]] = '\0';
    char *end;
    errno = 0;
    cursor = strtoull(tmp, &end, 10);
    if (*end != '\0' || errno == ERANGE || isspace((unsigned char)tmp[0])) {
        reply_error(out_of(s), "ERR invalid cursor");
        return;
    }
    const char *pat = NULL;
    size_t plen = 0;
    int64_t count = 10;
    bool keep = true;
    for (int j = 2; j < argc; j += 2) {
        bool has_next = j + 1 < argc;
        if (arg_is(argv[j], argvlen[j], "count") && has_next) {
            if (!store_parse_int64(argv[j + 1], argvlen[j + 1], &count)) {
                reply_error(out_of(s), SHARED_NOT_INT);
                return;
            }
            if (count < 1) {
                reply_error(out_of(s), SHARED_SYNTAX_ERR);
                return;
            }
        } else if (arg_is(argv[j], argvlen[j], "match") && has_next) {
            pat = argv[j + 1];
            plen = argvlen[j + 1];
        } else if (arg_is(argv[j], argvlen[j], "type") && has_next) {
            keep = arg_is(argv[j + 1], argvlen[j + 1], "string");
        } else {
            reply_error(out_of(s), SHARED_SYNTAX_ERR);
            return;
        }
    }
    if (store_dbsize(store_of(s), db_of(s)) == 0) {
        /* Redis ends the iteration at once on an empty database. */
        reply_array(out_of(s), 2);
        reply_bulk(out_of(s), "0", 1);
        reply_array(out_of(s), 0);
        return;
    }
    struct key_collector kc;
    collector_init(&kc, s, pat, plen);
    kc.keep = keep;
    int rc = store_scan(store_of(s), db_of(s), &cursor, (size_t)count,
                        collect_key, &kc);
    if (rc < 0 || kc.buf.overflow) {
        collector_overflow(s, &kc, rc);
        return;
    }
    char cbuf[24];
    int cn = snprintf(cbuf, sizeof(cbuf), "%llu", (unsigned long long)cursor);
    reply_array(out_of(s), 2);
    reply_bulk(out_of(s), cbuf, (size_t)cn);
    reply_array(out_of(s), kc.count);
    reply_raw(out_of(s), kc.buf.data, kc.buf.len);
    reply_free(&kc.buf);
}

static void cmd_randomkey(ARGS)
{
    UNUSED_ARGS;
    struct store_value v;
    int rc = store_randomkey(store_of(s), db_of(s), &v);
    if (rc < 0)
        reply_store_error(s, rc);
    else
        reply_value(s, rc, &v);
}

static void cmd_dbsize(ARGS)
{
    UNUSED_ARGS;
    reply_int(out_of(s), (int64_t)store_dbsize(store_of(s), db_of(s)));
}

static bool flush_args_ok(struct session *s, int argc, const char *const *argv,
                          const size_t *argvlen)
{
    if (argc > 2 || (argc == 2 && !arg_is(argv[1], argvlen[1], "sync") &&
                     !arg_is(argv[1], argvlen[1], "async"))) {
        reply_error(out_of(s), SHARED_SYNTAX_ERR);
        return false;
    }
    return true;
}

static void cmd_flushdb(ARGS)
{
    if (!flush_args_ok(s, argc, argv, argvlen))
        return;
    store_flush(store_of(s), db_of(s));
    reply_ok(out_of(s));
}

static void cmd_flushall(ARGS)
{
    if (!flush_args_ok(s, argc, argv, argvlen))
        return;
    store_flush(store_of(s), -1);
    reply_ok(out_of(s));
}

static void expire_generic(struct session *s, int argc, const char *const *argv,
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
            char opt[160];
            size_t n = argvlen[j] < 128 ? argvlen[j] : 128;
            size_t k = 0;
            for (; k < n && argv[j][k] != '\0'; k++)
                opt[k] = (argv[j][k] == '\r' || argv[j][k] == '\n') ? ' ' : argv[j][k];
            opt[k] = '\0';
            reply_errorf(out_of(s), "ERR Unsupported option %s", opt);
            return;
        }
    }
    if ((cond & STORE_EXPIRE_NX) &&
        (cond & (STORE_EXPIRE_XX | STORE_EXPIRE_GT | STORE_EXPIRE_LT))) {
        reply_error(out_of(s), "ERR NX and XX, GT or LT options at the same "
                               "time are not compatible");
        return;
    }
    if ((cond & STORE_EXPIRE_GT) && (cond & STORE_EXPIRE_LT)) {
        reply_error(out_of(s), "ERR GT and LT options at the same time are "
                               "not compatible");
        return;
    }
    int64_t at;
    if (parse_expire(s, argv[2], argvlen[2], unit, relative, false, name, &at) != 0)
        return;
    int rc = store_expire(store_of(s), db_of(s), argv[1], argvlen[1], at, cond);
    if (rc < 0)
        reply_store_error(s, rc);
    else
        reply_int(out_of(s), rc);
}

static void cmd_expire(ARGS)
{
    expire_generic(s, argc, argv, argvlen, UNIT_SECONDS, true, "expire");
}

static void cmd_pexpire(ARGS)
{
    expire_generic(s, argc, argv, argvlen, UNIT_MS, true, "pexpire");
}

static void cmd_expireat(ARGS)
{
    expire_generic(s, argc, argv, argvlen, UNIT_SECONDS, false, "expireat");
}

static void cmd_pexpireat(ARGS)
{
    expire_generic(s, argc, argv, argvlen, UNIT_MS, false, "pexpireat");
}

static void ttl_generic(struct session *s, const char *key, size_t klen, bool ms)
{
    int64_t ttl = store_ttl_ms(store_of(s), db_of(s), key, klen);
    if (ttl < 0)
        reply_int(out_of(s), ttl);
    else
        reply_int(out_of(s), ms ? ttl : (ttl + 500) / 1000);
}

static void cmd_ttl(ARGS)
{
    (void)argc;
    ttl_generic(s, argv[1], argvlen[1], false);
}

static void cmd_pttl(ARGS)
{
    (void)argc;
    ttl_generic(s, argv[1], argvlen[1], true);
}

static void cmd_persist(ARGS)
{
    (void)argc;
    reply_int(out_of(s), store_persist(store_of(s), db_of(s), argv[1], argvlen[1]));
}

/* ---- server ---------------------------------------------------------------- */

static void cmd_time(ARGS)
{
    UNUSED_ARGS;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    reply_array(out_of(s), 2);
    reply_bulk_int(out_of(s), (int64_t)ts.tv_sec);
    reply_bulk_int(out_of(s), (int64_t)(ts.tv_nsec / 1000));
}

static void reply_help(struct session *s, const char *const *lines)
{
    size_t n = 0;
    while (lines[n] != NULL)
        n++;
    reply_array(out_of(s), n);
    for (size_t i = 0; i < n; i++)
        reply_simple(out_of(s), lines[i]);
}

/* CLIENT */

static void cmd_client_id(ARGS)
{
    UNUSED_ARGS;
    reply_int(out_of(s), (int64_t)s->id);
}

static void cmd_client_setname(ARGS)
{
    (void)argc;
    char *copy;
    if (!client_name_check(s, argv[2], argvlen[2], &copy))
        return;
    core_set_client_name(s->core, s, copy);
    reply_ok(out_of(s));
}

static void cmd_client_getname(ARGS)
{
    UNUSED_ARGS;
    if (s->name != NULL)
        reply_cstr(out_of(s), s->name);
    else
        reply_null(out_of(s));
}

static void cmd_client_list(ARGS)
{
    uint64_t small[8];
    uint64_t *ids = NULL;
    size_t nids = 0;
    bool none = false;
    if (argc == 4 && arg_is(argv[2], argvlen[2], "type")) {
        const char *t = argv[3];
        size_t tl = argvlen[3];
        if (arg_is(t, tl, "normal")) {
            none = false;
        } else if (arg_is(t, tl, "master") || arg_is(t, tl, "replica") ||
                   arg_is(t, tl, "slave") || arg_is(t, tl, "pubsub")) {
            none = true;
        } else {
            char tn[160];
            size_t n = tl < 128 ? tl : 128;
            size_t k = 0;
            for (; k < n && t[k] != '\0'; k++)
                tn[k] = (t[k] == '\r' || t[k] == '\n') ? ' ' : t[k];
            tn[k] = '\0';
            reply_errorf(out_of(s), "ERR Unknown client type '%s'", tn);
            return;
        }
    } else if (argc > 3 && arg_is(argv[2], argvlen[2], "id")) {
        nids = (size_t)argc - 3;
        ids = nids <= 8 ? small : malloc(nids * sizeof(*ids));
        if (ids == NULL) {
            reply_error(out_of(s), SHARED_OOM);
            return;
        }
        for (size_t i = 0; i < nids; i++) {
            int64_t v;
            /* Any integer is accepted; ids below 1 simply match nobody. */
            if (!store_parse_int64(argv[3 + i], argvlen[3 + i], &v)) {
                if (ids != small)
                    free(ids);
                reply_error(out_of(s), "ERR Invalid client ID");
                return;
            }
            ids[i] = v > 0 ? (uint64_t)v : 0;
        }
    } else if (argc != 2) {
        reply_error(out_of(s), SHARED_SYNTAX_ERR);
        return;
    }
    if (none)
        reply_verbatim(out_of(s), "txt", "", 0);
    else
        core_client_list(s->core, s, ids, nids, out_of(s));
    if (ids != small)
        free(ids);
}

static void cmd_client_info(ARGS)
{
    UNUSED_ARGS;
    core_client_list(s->core, s, &s->id, 1, out_of(s));
}

static void cmd_client_help(ARGS)
{
    UNUSED_ARGS;
    static const char *const lines[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "LIST [TYPE <normal|master|replica|pubsub>]",
        "LIST [ID <id> [<id>...]]",
        "    Return information about client connections.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(s, lines);
}

/* CONFIG GET: the settings respd has, plus the ones redis-benchmark and
 * common clients ask for. */
static void cmd_config_get(ARGS)
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
            if (!hit[i] && store_glob_match(argv[j], argvlen[j], params[i].name,
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
}

static void cmd_config_help(ARGS)
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
    reply_help(s, lines);
}

/* ---- INFO ----------------------------------------------------------------- */

static void human_bytes(char *buf, size_t len, double n)
{
    static const char units[] = "BKMGTP";
    size_t u = 0;
    while (n >= 1024 && u + 1 < sizeof(units) - 1) {
        n /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%.0fB", n);
    else
        snprintf(buf, len, "%.2f%c", n, units[u]);
}

static size_t used_memory_estimate(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

enum info_section {
    INFO_SERVER = 1 << 0,
    INFO_CLIENTS = 1 << 1,
    INFO_MEMORY = 1 << 2,
    INFO_PERSISTENCE = 1 << 3,
    INFO_STATS = 1 << 4,
    INFO_REPLICATION = 1 << 5,
    INFO_CPU = 1 << 6,
    INFO_MODULES = 1 << 7,
    INFO_COMMANDSTATS = 1 << 8,
    INFO_CLUSTER = 1 << 9,
    INFO_KEYSPACE = 1 << 10,
};
#define INFO_DEFAULT                                                          \
    (INFO_SERVER | INFO_CLIENTS | INFO_MEMORY | INFO_PERSISTENCE | INFO_STATS | \
     INFO_REPLICATION | INFO_CPU | INFO_MODULES | INFO_CLUSTER | INFO_KEYSPACE)
#define INFO_ALL (INFO_DEFAULT | INFO_COMMANDSTATS)

static int info_section_bits(const char *a, size_t n)
{
    static const struct {
        const char *name;
        int bits;
    } names[] = {
        {"server", INFO_SERVER},
        {"clients", INFO_CLIENTS},
        {"memory", INFO_MEMORY},
        {"persistence", INFO_PERSISTENCE},
        {"stats", INFO_STATS},
        {"replication", INFO_REPLICATION},
        {"cpu", INFO_CPU},
        {"modules", INFO_MODULES},
        {"commandstats", INFO_COMMANDSTATS},
        {"cluster", INFO_CLUSTER},
        {"keyspace", INFO_KEYSPACE},
        {"default", INFO_DEFAULT},
        {"all", INFO_ALL},
        {"everything", INFO_ALL},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (arg_is(a, n, names[i].name))
            return names[i].bits;
    return 0;
}

/* Commands processed: the sum of per-command calls, so the hot path pays
 * for one counter instead of two. */
static uint64_t total_calls(struct core *c)
{
    uint64_t n = 0;
    for (size_t i = 0; i < commands_count(); i++)
        n += atomic_load_explicit(&c->cmdstats[i].calls, memory_order_relaxed);
    return n;
}

static void info_header(struct reply *b, int *sections, const char *title)
{
    if ((*sections)++ > 0)
        reply_raw(b, "\r\n", 2);
    reply_rawf(b, "# %s\r\n", title);
}

static void info_generate(struct session *s, int want, struct reply *b)
{
    struct core *c = s->core;
    const struct core_config *cfg = &c->cfg;
    struct core_proc_stats ps = {0};
    if (c->stats_hook != NULL && (want & (INFO_SERVER | INFO_MEMORY | INFO_CPU)))
        c->stats_hook(c->stats_hook_ctx, &ps);
    int n = 0;
    int64_t uptime = (core_mono_us() - c->start_mono_us) / 1000000;
    char h1[32], h2[32], h3[32];

    if (want & INFO_SERVER) {
        info_header(b, &n, "Server");
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        reply_rawf(b,
                   "redis_version:%s\r\n"
                   "respd_version:%s\r\n"
                   "redis_git_sha1:00000000\r\n"
                   "redis_git_dirty:0\r\n"
                   "redis_build_id:0\r\n"
                   "redis_mode:standalone\r\n"
                   "os:Linux\r\n"
                   "arch_bits:%d\r\n"
                   "monotonic_clock:POSIX clock_gettime\r\n"
                   "multiplexing_api:%s\r\n"
                   "engine:%s\r\n"
                   "engine_threads:%d\r\n"
                   "atomicvar_api:c11-builtin\r\n"
#ifdef __clang__
                   "gcc_version:0.0.0\r\n"
#else
                   "gcc_version:%d.%d.%d\r\n"
#endif
                   "process_id:%ld\r\n"
                   "process_supervised:no\r\n"
                   "run_id:%016llx%016llx%08llx\r\n"
                   "tcp_port:%d\r\n"
                   "server_time_usec:%lld\r\n"
                   "uptime_in_seconds:%lld\r\n"
                   "uptime_in_days:%lld\r\n"
                   "hz:10\r\n"
                   "configured_hz:10\r\n"
                   "executable:\r\n"
                   "config_file:\r\n"
                   "io_threads_active:0\r\n",
                   RESPD_REDIS_COMPAT_VERSION, RESPD_VERSION,
                   (int)(sizeof(void *) * 8),
                   cfg->engine != NULL ? cfg->engine : "none",
                   cfg->engine != NULL ? cfg->engine : "none",
                   cfg->threads > 0 ? cfg->threads : 1,
#ifndef __clang__
                   __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#endif
                   ps.process_id,
                   (unsigned long long)((uint64_t)c->start_mono_us * 0x9E3779B97F4A7C15ull),
                   (unsigned long long)((uint64_t)(uintptr_t)c * 0xC2B2AE3D27D4EB4Full),
                   (unsigned long long)((uint64_t)c->start_ms & 0xffffffffull),
                   cfg->port,
                   (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000,
                   (long long)uptime, (long long)(uptime / 86400));
        if (c->engine_info != NULL)
            reply_raw(b, c->engine_info, strlen(c->engine_info));
    }
    if (want & INFO_CLIENTS) {
        info_header(b, &n, "Clients");
        reply_rawf(b,
                   "connected_clients:%d\r\n"
                   "cluster_connections:0\r\n"
                   "maxclients:%d\r\n"
                   "client_recent_max_input_buffer:0\r\n"
                   "client_recent_max_output_buffer:0\r\n"
                   "blocked_clients:0\r\n"
                   "tracking_clients:0\r\n"
                   "clients_in_timeout_table:0\r\n",
                   core_connected_clients(c), cfg->maxclients);
    }
    if (want & INFO_MEMORY) {
        info_header(b, &n, "Memory");
        size_t used = used_memory_estimate();
        uint64_t peak = atomic_load_explicit(&c->used_memory_peak, memory_order_relaxed);
        while (used > peak &&
               !atomic_compare_exchange_weak_explicit(&c->used_memory_peak, &peak, used,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed)) {
        }
        if (used > peak)
            peak = used;
        human_bytes(h1, sizeof(h1), (double)used);
        human_bytes(h2, sizeof(h2), (double)ps.rss_bytes);
        human_bytes(h3, sizeof(h3), (double)peak);
        reply_rawf(b,
                   "used_memory:%zu\r\n"
                   "used_memory_human:%s\r\n"
                   "used_memory_rss:%zu\r\n"
                   "used_memory_rss_human:%s\r\n"
                   "used_memory_peak:%llu\r\n"
                   "used_memory_peak_human:%s\r\n"
                   "maxmemory:0\r\n"
                   "maxmemory_human:0B\r\n"
                   "maxmemory_policy:noeviction\r\n"
                   "mem_fragmentation_ratio:%.2f\r\n"
                   "mem_allocator:libc\r\n",
                   used, h1, ps.rss_bytes, h2, (unsigned long long)peak, h3,
                   used ? (double)ps.rss_bytes / (double)used : 0.0);
    }
    if (want & INFO_PERSISTENCE) {
        info_header(b, &n, "Persistence");
        reply_rawf(b,
                   "loading:0\r\n"
                   "async_loading:0\r\n"
                   "rdb_changes_since_last_save:0\r\n"
                   "rdb_bgsave_in_progress:0\r\n"
                   "rdb_last_save_time:%lld\r\n"
                   "rdb_last_bgsave_status:ok\r\n"
                   "aof_enabled:0\r\n"
                   "aof_rewrite_in_progress:0\r\n"
                   "aof_last_bgrewrite_status:ok\r\n"
                   "aof_last_write_status:ok\r\n",
                   (long long)(c->start_ms / 1000));
    }
    if (want & INFO_STATS) {
        info_header(b, &n, "Stats");
        reply_rawf(b,
                   "total_connections_received:%llu\r\n"
                   "total_commands_processed:%llu\r\n"
                   "instantaneous_ops_per_sec:%llu\r\n"
                   "total_net_input_bytes:%llu\r\n"
                   "total_net_output_bytes:%llu\r\n"
                   "instantaneous_input_kbps:%.2f\r\n"
                   "instantaneous_output_kbps:%.2f\r\n"
                   "rejected_connections:%llu\r\n"
                   "expired_keys:%llu\r\n"
                   "evicted_keys:0\r\n"
                   "keyspace_hits:%llu\r\n"
                   "keyspace_misses:%llu\r\n"
                   "pubsub_channels:0\r\n"
                   "pubsub_patterns:0\r\n"
                   "total_error_replies:%llu\r\n",
                   (unsigned long long)atomic_load(&c->total_connections),
                   (unsigned long long)total_calls(c),
                   (unsigned long long)atomic_load(&c->inst_ops),
                   (unsigned long long)atomic_load(&c->net_input_bytes),
                   (unsigned long long)atomic_load(&c->net_output_bytes),
                   (double)atomic_load(&c->inst_in_bps) / 1024.0,
                   (double)atomic_load(&c->inst_out_bps) / 1024.0,
                   (unsigned long long)atomic_load(&c->rejected_connections),
                   (unsigned long long)store_expired_total(c->store),
                   (unsigned long long)atomic_load(&c->keyspace_hits),
                   (unsigned long long)atomic_load(&c->keyspace_misses),
                   (unsigned long long)atomic_load(&c->error_replies));
    }
    if (want & INFO_REPLICATION) {
        info_header(b, &n, "Replication");
        reply_rawf(b, "role:master\r\n"
                      "connected_slaves:0\r\n"
                      "master_failover_state:no-failover\r\n"
                      "master_repl_offset:0\r\n"
                      "repl_backlog_active:0\r\n");
    }
    if (want & INFO_CPU) {
        info_header(b, &n, "CPU");
        reply_rawf(b,
                   "used_cpu_sys:%.6f\r\n"
                   "used_cpu_user:%.6f\r\n"
                   "used_cpu_sys_children:%.6f\r\n"
                   "used_cpu_user_children:%.6f\r\n",
                   ps.cpu_sys, ps.cpu_user, ps.cpu_sys_children,
                   ps.cpu_user_children);
    }
    if (want & INFO_MODULES)
        info_header(b, &n, "Modules");
    if (want & INFO_COMMANDSTATS) {
        info_header(b, &n, "Commandstats");
        for (size_t i = 0; i < commands_count(); i++) {
            struct command_stats *st = &c->cmdstats[i];
            uint64_t calls = atomic_load_explicit(&st->calls, memory_order_relaxed);
            uint64_t usec = atomic_load_explicit(&st->usec, memory_order_relaxed);
            uint64_t rej = atomic_load_explicit(&st->rejected, memory_order_relaxed);
            uint64_t fail = atomic_load_explicit(&st->failed, memory_order_relaxed);
            if (calls == 0 && rej == 0 && fail == 0)
                continue;
            reply_rawf(b,
                       "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,"
                       "rejected_calls=%llu,failed_calls=%llu\r\n",
                       commands_at(i)->name, (unsigned long long)calls,
                       (unsigned long long)usec,
                       calls ? (double)usec / (double)calls : 0.0,
                       (unsigned long long)rej, (unsigned long long)fail);
        }
    }
    if (want & INFO_CLUSTER) {
        info_header(b, &n, "Cluster");
        reply_rawf(b, "cluster_enabled:0\r\n");
    }
    if (want & INFO_KEYSPACE) {
        info_header(b, &n, "Keyspace");
        for (int db = 0; db < STORE_DBS; db++) {
            size_t keys = store_dbsize(c->store, db);
            if (keys == 0)
                continue;
            reply_rawf(b, "db%d:keys=%zu,expires=%zu,avg_ttl=0\r\n", db, keys,
                       store_expires_count(c->store, db));
        }
    }
}

static void cmd_info(ARGS)
{
    int want = 0;
    if (argc == 1)
        want = INFO_DEFAULT;
    for (int i = 1; i < argc; i++)
        want |= info_section_bits(argv[i], argvlen[i]);
    struct reply b;
    reply_init(&b, 0);
    info_generate(s, want, &b);
    if (b.overflow) {
        reply_free(&b);
        reply_error(out_of(s), SHARED_OOM);
        return;
    }
    reply_verbatim(out_of(s), "txt", b.data != NULL ? b.data : "", b.len);
    reply_free(&b);
}

/* ---- COMMAND ---------------------------------------------------------------- */

static bool is_subcommand(const struct command *cmd)
{
    return strchr(cmd->name, '|') != NULL;
}

/* Subcommands of parent, in table order. */
static size_t subcommands_of(const struct command *parent,
                             const struct command **out, size_t max)
{
    size_t plen = strlen(parent->name);
    size_t n = 0;
    for (size_t i = 0; i < commands_count(); i++) {
        const struct command *c = commands_at(i);
        if (strncmp(c->name, parent->name, plen) == 0 && c->name[plen] == '|') {
            if (n < max)
                out[n] = c;
            n++;
        }
    }
    return n;
}

static void reply_command_flags(struct reply *r, uint32_t flags)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {CMD_WRITE, "write"},     {CMD_READONLY, "readonly"},
        {CMD_DENYOOM, "denyoom"}, {CMD_ADMIN, "admin"},
        {CMD_NOSCRIPT, "noscript"}, {CMD_LOADING, "loading"},
        {CMD_STALE, "stale"},     {CMD_FAST, "fast"},
        {CMD_NOAUTH, "no_auth"},  {CMD_ALLOW_BUSY, "allow_busy"},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        n += (flags & names[i].bit) != 0;
    reply_set(r, n);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (flags & names[i].bit)
            reply_simple(r, names[i].name);
}

/* Replies a set of the space-separated words in text: simple strings with
 * `prefix` (ACL categories, flags) or bulk strings (tips). */
static void reply_word_set(struct reply *r, const char *text, const char *prefix,
                           bool simple)
{
    if (text == NULL)
        text = "";
    size_t n = 0;
    for (const char *p = text; *p != '\0';) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        n++;
        while (*p != '\0' && *p != ' ')
            p++;
    }
    reply_set(r, n);
    for (const char *p = text; *p != '\0';) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        const char *e = p;
        while (*e != '\0' && *e != ' ')
            e++;
        char buf[96];
        int len = snprintf(buf, sizeof(buf), "%s%.*s", prefix, (int)(e - p), p);
        if (len > 0 && simple)
            reply_simple(r, buf);
        else if (len > 0)
            reply_bulk(r, buf, (size_t)len);
        p = e;
    }
}

static void reply_key_specs(struct reply *r, const struct command *cmd)
{
    /* Redis 7.0 sends the key specs as a set (a RESP3-only quirk). */
    if (cmd->first_key == 0) {
        reply_set(r, 0);
        return;
    }
    reply_set(r, 1);
    reply_map(r, cmd->key_notes != NULL ? 4 : 3);
    if (cmd->key_notes != NULL) {
        reply_cstr(r, "notes");
        reply_cstr(r, cmd->key_notes);
    }
    reply_cstr(r, "flags");
    if (cmd->key_flags != NULL)
        reply_word_set(r, cmd->key_flags, "", true);
    else
        reply_word_set(r, (cmd->flags & CMD_WRITE) ? "RW update" : "RO access", "", true);
    reply_cstr(r, "begin_search");
    reply_map(r, 2);
    reply_cstr(r, "type");
    reply_cstr(r, "index");
    reply_cstr(r, "spec");
    reply_map(r, 1);
    reply_cstr(r, "index");
    reply_int(r, cmd->first_key);
    reply_cstr(r, "find_keys");
    reply_map(r, 2);
    reply_cstr(r, "type");
    reply_cstr(r, "range");
    reply_cstr(r, "spec");
    reply_map(r, 3);
    reply_cstr(r, "lastkey");
    reply_int(r, cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key);
    reply_cstr(r, "keystep");
    reply_int(r, cmd->key_step);
    reply_cstr(r, "limit");
    reply_int(r, 0);
}

static void reply_command_info(struct reply *r, const struct command *cmd)
{
    reply_array(r, 10);
    reply_cstr(r, cmd->name);
    reply_int(r, cmd->arity);
    reply_command_flags(r, cmd->flags);
    reply_int(r, cmd->first_key);
    reply_int(r, cmd->last_key);
    reply_int(r, cmd->key_step);
    reply_word_set(r, cmd->acl, "@", true);
    reply_word_set(r, cmd->tips, "", false);
    reply_key_specs(r, cmd);
    const struct command *subs[16];
    size_t nsub = subcommands_of(cmd, subs, 16);
    if (nsub > 16)
        nsub = 16;
    /* Likewise an empty subcommand list is an empty set, a full one an
     * array. */
    if (nsub == 0)
        reply_set(r, 0);
    else
        reply_array(r, nsub);
    for (size_t i = 0; i < nsub; i++)
        reply_command_info(r, subs[i]);
}

/* COMMAND DOCS argument grammar (the `args` field of the table):
 *   items separated by spaces; each item is
 *     [?][+][TOKEN=]name:type      an argument ("?" optional, "+" multiple)
 *     [?][+]TOKEN                  a pure token (name is its lower case)
 *     [?][+][TOKEN=]name(a|b|...)  one of the alternatives
 *     [?][+][TOKEN=]name{a b ...}  a block of arguments
 * Alternatives and block members use the same item syntax. */
struct argspec_cursor {
    const char *p;
};

static size_t argspec_item_end(const char *p, char sep)
{
    int depth = 0;
    size_t i = 0;
    for (; p[i] != '\0'; i++) {
        char ch = p[i];
        if (ch == '(' || ch == '{')
            depth++;
        else if (ch == ')' || ch == '}') {
            if (depth == 0)
                break;
            depth--;
        } else if (ch == sep && depth == 0)
            break;
    }
    return i;
}

/* Counts items in a list that ends at ')' '}' or NUL. */
static size_t argspec_count(const char *p, char sep)
{
    size_t n = 0;
    while (*p != '\0' && *p != ')' && *p != '}') {
        size_t len = argspec_item_end(p, sep);
        if (len > 0)
            n++;
        p += len;
        if (*p == sep)
            p++;
    }
    return n;
}

static const char *argspec_list(struct reply *r, const char *p, char sep);

static const char *argspec_item(struct reply *r, const char *p)
{
    bool optional = false, multiple = false;
    for (;; p++) {
        if (*p == '?')
            optional = true;
        else if (*p == '+')
            multiple = true;
        else
            break;
    }
    const char *start = p;
    const char *eq = NULL, *colon = NULL, *open = NULL;
    const char *q = p;
    while (*q != '\0' && *q != ' ' && *q != '|' && *q != ')' && *q != '}') {
        if (*q == '=' && eq == NULL && open == NULL)
            eq = q;
        else if (*q == ':' && colon == NULL && open == NULL)
            colon = q;
        else if ((*q == '(' || *q == '{') && open == NULL) {
            open = q;
            break;
        }
        q++;
    }
    const char *name = eq != NULL ? eq + 1 : start;
    size_t namelen;
    const char *type;
    size_t typelen;
    char lower[64];
    if (open != NULL) {
        namelen = (size_t)(open - name);
        type = *open == '(' ? "oneof" : "block";
        typelen = 5;
    } else if (colon != NULL) {
        namelen = (size_t)(colon - name);
        type = colon + 1;
        typelen = (size_t)(q - type);
    } else {
        /* A pure token: its name is its lower-case spelling. */
        namelen = (size_t)(q - start);
        if (namelen >= sizeof(lower))
            namelen = sizeof(lower) - 1;
        for (size_t i = 0; i < namelen; i++) {
            char ch = start[i];
            lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        }
        name = lower;
        type = "pure-token";
        typelen = 10;
    }
    bool pure = open == NULL && colon == NULL;
    /* Key arguments point at the command's one key spec, as Redis's do. */
    bool is_key = typelen == 3 && memcmp(type, "key", 3) == 0;
    size_t fields = 2 + (size_t)is_key + (eq != NULL || pure) +
                    (optional || multiple) + (open != NULL);
    reply_map(r, fields);
    reply_cstr(r, "name");
    reply_bulk(r, name, namelen);
    reply_cstr(r, "type");
    reply_bulk(r, type, typelen);
    if (is_key) {
        reply_cstr(r, "key_spec_index");
        reply_int(r, 0);
    }
    if (eq != NULL || pure) {
        reply_cstr(r, "token");
        if (pure)
            reply_bulk(r, start, (size_t)(q - start));
        else
            reply_bulk(r, start, (size_t)(eq - start));
    }
    if (optional || multiple) {
        reply_cstr(r, "flags");
        reply_set(r, (size_t)optional + (size_t)multiple);
        if (optional)
            reply_simple(r, "optional");
        if (multiple)
            reply_simple(r, "multiple");
    }
    if (open != NULL) {
        char sep = *open == '(' ? '|' : ' ';
        reply_cstr(r, "arguments");
        p = argspec_list(r, open + 1, sep);
        if (*p == ')' || *p == '}')
            p++;
        return p;
    }
    return q;
}

static const char *argspec_list(struct reply *r, const char *p, char sep)
{
    reply_array(r, argspec_count(p, sep));
    while (*p != '\0' && *p != ')' && *p != '}') {
        if (*p == sep) {
            p++;
            continue;
        }
        p = argspec_item(r, p);
    }
    return p;
}

static void reply_command_docs(struct reply *r, const struct command *cmd)
{
    const struct command *subs[16];
    size_t nsub = subcommands_of(cmd, subs, 16);
    if (nsub > 16)
        nsub = 16;
    bool has_args = cmd->args != NULL && cmd->args[0] != '\0';
    reply_map(r, 4 + (size_t)has_args + (nsub > 0));
    reply_cstr(r, "summary");
    reply_cstr(r, cmd->summary);
    reply_cstr(r, "since");
    reply_cstr(r, cmd->since);
    reply_cstr(r, "group");
    reply_cstr(r, cmd->group);
    reply_cstr(r, "complexity");
    reply_cstr(r, cmd->complexity);
    if (has_args) {
        reply_cstr(r, "arguments");
        argspec_list(r, cmd->args, ' ');
    }
    if (nsub > 0) {
        reply_cstr(r, "subcommands");
        reply_map(r, nsub);
        for (size_t i = 0; i < nsub; i++) {
            reply_cstr(r, subs[i]->name);
            reply_command_docs(r, subs[i]);
        }
    }
}

/* COMMAND INFO/DOCS also take "container|subcommand" names. */
static const struct command *lookup_any(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    if (bar == NULL)
        return commands_lookup(name, len);
    const struct command *parent = commands_lookup(name, (size_t)(bar - name));
    if (parent == NULL || !(parent->flags & CMD_CONTAINER))
        return NULL;
    return commands_lookup_sub(parent, bar + 1, len - (size_t)(bar - name) - 1);
}

static size_t top_level_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < commands_count(); i++)
        n += !is_subcommand(commands_at(i));
    return n;
}

static void cmd_command(ARGS)
{
    UNUSED_ARGS;
    struct reply *r = out_of(s);
    reply_array(r, top_level_count());
    for (size_t i = 0; i < commands_count(); i++)
        if (!is_subcommand(commands_at(i)))
            reply_command_info(r, commands_at(i));
}

static void cmd_command_count(ARGS)
{
    UNUSED_ARGS;
    reply_int(out_of(s), (int64_t)top_level_count());
}

static void cmd_command_info(ARGS)
{
    struct reply *r = out_of(s);
    if (argc == 2) {
        cmd_command(s, argc, argv, argvlen);
        return;
    }
    reply_array(r, (size_t)argc - 2);
    for (int i = 2; i < argc; i++) {
        const struct command *c = lookup_any(argv[i], argvlen[i]);
        if (c == NULL)
            reply_null(r);
        else
            reply_command_info(r, c);
    }
}

static void cmd_command_docs(ARGS)
{
    struct reply *r = out_of(s);
    if (argc == 2) {
        reply_map(r, top_level_count());
        for (size_t i = 0; i < commands_count(); i++) {
            const struct command *c = commands_at(i);
            if (is_subcommand(c))
                continue;
            reply_cstr(r, c->name);
            reply_command_docs(r, c);
        }
        return;
    }
    size_t found = 0;
    for (int i = 2; i < argc; i++)
        found += lookup_any(argv[i], argvlen[i]) != NULL;
    reply_map(r, found);
    for (int i = 2; i < argc; i++) {
        const struct command *c = lookup_any(argv[i], argvlen[i]);
        if (c == NULL)
            continue;
        reply_cstr(r, c->name);
        reply_command_docs(r, c);
    }
}

static void cmd_command_list(ARGS)
{
    const char *pat = NULL;
    size_t plen = 0;
    if (argc == 5 && arg_is(argv[2], argvlen[2], "filterby") &&
        arg_is(argv[3], argvlen[3], "pattern")) {
        pat = argv[4];
        plen = argvlen[4];
    } else if (argc != 2) {
        reply_error(out_of(s), SHARED_SYNTAX_ERR);
        return;
    }
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            reply_array(out_of(s), n);
        for (size_t i = 0; i < commands_count(); i++) {
            const struct command *c = commands_at(i);
            if (pat != NULL &&
                !store_glob_match(pat, plen, c->name, strlen(c->name), true))
                continue;
            if (pass == 0)
                n++;
            else
                reply_cstr(out_of(s), c->name);
        }
    }
}

static void cmd_command_help(ARGS)
{
    UNUSED_ARGS;
    static const char *const lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST [FILTERBY PATTERN <pattern>]",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(s, lines);
}

/* ---- the table ---------------------------------------------------------------- */

#define EXPIRE_ONEOF "?condition(NX|XX|GT|LT)"
#define EXPIRATION                                                       \
    "expiration(EX=seconds:integer|PX=milliseconds:integer|"             \
    "EXAT=unix-time-seconds:unix-time|PXAT=unix-time-milliseconds:unix-time"

static const struct command command_table[] = {
    {.name = "ping", .proc = cmd_ping, .arity = -1,
     .flags = CMD_FAST, .group = "connection",
     .summary = "Ping the server", .since = "1.0.0", .complexity = "O(1)",
     .acl = "fast connection", .args = "?message:string",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "echo", .proc = cmd_echo, .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .group = "connection", .summary = "Echo the given string",
     .since = "1.0.0", .complexity = "O(1)", .acl = "fast connection",
     .args = "message:string"},
    {.name = "quit", .proc = cmd_quit, .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY,
     .group = "connection", .summary = "Close the connection",
     .since = "1.0.0", .complexity = "O(1)", .acl = "fast connection"},
    {.name = "hello", .proc = cmd_hello, .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY,
     .group = "connection", .summary = "Handshake with Redis",
     .since = "6.0.0", .complexity = "O(1)", .acl = "fast connection",
     .args = "?arguments{protover:integer "
             "?AUTH=username_password{username:string password:string} "
             "?SETNAME=clientname:string}"},
    {.name = "auth", .proc = cmd_auth, .arity = -2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY,
     .group = "connection", .summary = "Authenticate to the server",
     .since = "1.0.0", .complexity = "O(N) where N is the number of passwords defined for the user",
     .acl = "fast connection", .args = "?username:string password:string"},
    {.name = "select", .proc = cmd_select, .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST, .group = "connection",
     .summary = "Change the selected database for the current connection",
     .since = "1.0.0", .complexity = "O(1)", .acl = "fast connection",
     .args = "index:integer"},
    {.name = "get", .proc = cmd_get, .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string", .summary = "Get the value of a key",
     .since = "1.0.0", .complexity = "O(1)", .acl = "read string fast",
     .args = "key:key",
     .key_flags = "RO access"},
    {.name = "set", .proc = cmd_set, .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Set the string value of a key", .since = "1.0.0",
     .complexity = "O(1)", .acl = "write string slow",
     .args = "key:key value:string ?condition(NX|XX) ?GET ?" EXPIRATION
             "|KEEPTTL)",
     .key_flags = "RW access update variable_flags",
     .key_notes = "RW and ACCESS due to the optional `GET` argument"},
    {.name = "setnx", .proc = cmd_setnx, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Set the value of a key, only if the key does not exist",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key value:string",
     .key_flags = "OW insert"},
    {.name = "setex", .proc = cmd_setex, .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Set the value and expiration of a key", .since = "2.0.0",
     .complexity = "O(1)", .acl = "write string slow",
     .args = "key:key seconds:integer value:string",
     .key_flags = "OW update"},
    {.name = "psetex", .proc = cmd_psetex, .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Set the value and expiration in milliseconds of a key",
     .since = "2.6.0", .complexity = "O(1)", .acl = "write string slow",
     .args = "key:key milliseconds:integer value:string",
     .key_flags = "OW update"},
    {.name = "getset", .proc = cmd_getset, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Set the string value of a key and return its old value",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key value:string",
     .key_flags = "RW access update"},
    {.name = "getdel", .proc = cmd_getdel, .arity = 2,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Get the value of a key and delete the key", .since = "6.2.0",
     .complexity = "O(1)", .acl = "write string fast", .args = "key:key",
     .key_flags = "RW access delete"},
    {.name = "getex", .proc = cmd_getex, .arity = -2,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Get the value of a key and optionally set its expiration",
     .since = "6.2.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key ?" EXPIRATION "|PERSIST)",
     .key_flags = "RW access update",
     .key_notes = "RW and UPDATE because it changes the TTL"},
    {.name = "append", .proc = cmd_append, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Append a value to a key", .since = "2.0.0",
     .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key value:string",
     .key_flags = "RW insert"},
    {.name = "strlen", .proc = cmd_strlen, .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "string",
     .summary = "Get the length of the value stored in a key",
     .since = "2.2.0", .complexity = "O(1)", .acl = "read string fast",
     .args = "key:key",
     .key_flags = "RO"},
    {.name = "mget", .proc = cmd_mget, .arity = -2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = -1,
     .key_step = 1, .group = "string",
     .summary = "Get the values of all the given keys", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to retrieve.",
     .acl = "read string fast", .args = "+key:key",
     .tips = "request_policy:multi_shard",
     .key_flags = "RO access"},
    {.name = "mset", .proc = cmd_mset, .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = -1,
     .key_step = 2, .group = "string",
     .summary = "Set multiple keys to multiple values", .since = "1.0.1",
     .complexity = "O(N) where N is the number of keys to set.",
     .acl = "write string slow", .args = "+data{key:key value:string}",
     .tips = "request_policy:multi_shard response_policy:all_succeeded",
     .key_flags = "OW update"},
    {.name = "msetnx", .proc = cmd_msetnx, .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = -1,
     .key_step = 2, .group = "string",
     .summary = "Set multiple keys to multiple values, only if none of the keys exist",
     .since = "1.0.1", .complexity = "O(N) where N is the number of keys to set.",
     .acl = "write string slow", .args = "+data{key:key value:string}",
     .tips = "request_policy:multi_shard response_policy:agg_min",
     .key_flags = "OW insert"},
    {.name = "incr", .proc = cmd_incr, .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Increment the integer value of a key by one",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key",
     .key_flags = "RW access update"},
    {.name = "decr", .proc = cmd_decr, .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Decrement the integer value of a key by one",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key",
     .key_flags = "RW access update"},
    {.name = "incrby", .proc = cmd_incrby, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Increment the integer value of a key by the given amount",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key increment:integer",
     .key_flags = "RW access update"},
    {.name = "decrby", .proc = cmd_decrby, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .first_key = 1,
     .last_key = 1, .key_step = 1, .group = "string",
     .summary = "Decrement the integer value of a key by the given number",
     .since = "1.0.0", .complexity = "O(1)", .acl = "write string fast",
     .args = "key:key decrement:integer",
     .key_flags = "RW access update"},
    {.name = "del", .proc = cmd_del, .arity = -2, .flags = CMD_WRITE,
     .first_key = 1, .last_key = -1, .key_step = 1, .group = "generic",
     .summary = "Delete a key", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys that will be removed.",
     .acl = "keyspace write slow", .args = "+key:key",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_flags = "RM delete"},
    {.name = "unlink", .proc = cmd_del, .arity = -2,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = -1,
     .key_step = 1, .group = "generic",
     .summary = "Delete a key asynchronously in another thread. Otherwise it "
                "is just as DEL, but non blocking.",
     .since = "4.0.0",
     .complexity = "O(1) for each key removed regardless of its size.",
     .acl = "keyspace write fast", .args = "+key:key",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_flags = "RM delete"},
    {.name = "exists", .proc = cmd_exists, .arity = -2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = -1,
     .key_step = 1, .group = "generic",
     .summary = "Determine if a key exists", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to check.",
     .acl = "keyspace read fast", .args = "+key:key",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_flags = "RO"},
    {.name = "type", .proc = cmd_type, .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Determine the type stored at key", .since = "1.0.0",
     .complexity = "O(1)", .acl = "keyspace read fast", .args = "key:key",
     .key_flags = "RO"},
    {.name = "keys", .proc = cmd_keys, .arity = 2, .flags = CMD_READONLY,
     .group = "generic", .summary = "Find all keys matching the given pattern",
     .since = "1.0.0",
     .complexity = "O(N) with N being the number of keys in the database",
     .acl = "keyspace read slow dangerous", .args = "pattern:pattern",
     .tips = "request_policy:all_shards nondeterministic_output_order"},
    {.name = "scan", .proc = cmd_scan, .arity = -2, .flags = CMD_READONLY,
     .group = "generic", .summary = "Incrementally iterate the keys space",
     .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration.",
     .acl = "keyspace read slow",
     .args = "cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer "
             "?TYPE=type:string",
     .tips = "nondeterministic_output request_policy:special"},
    {.name = "randomkey", .proc = cmd_randomkey, .arity = 1,
     .flags = CMD_READONLY, .group = "generic",
     .summary = "Return a random key from the keyspace", .since = "1.0.0",
     .complexity = "O(1)", .acl = "keyspace read slow",
     .tips = "request_policy:all_shards nondeterministic_output"},
    {.name = "dbsize", .proc = cmd_dbsize, .arity = 1,
     .flags = CMD_READONLY | CMD_FAST, .group = "server",
     .summary = "Return the number of keys in the selected database",
     .since = "1.0.0", .complexity = "O(1)", .acl = "keyspace read fast",
     .tips = "request_policy:all_shards response_policy:agg_sum"},
    {.name = "flushdb", .proc = cmd_flushdb, .arity = -1, .flags = CMD_WRITE,
     .group = "server", .summary = "Remove all keys from the current database",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys in the selected database",
     .acl = "keyspace write slow dangerous", .args = "?flush-type(ASYNC|SYNC)",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "shutdown", .proc = cmd_shutdown, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY,
     .group = "server",
     .summary = "Synchronously save the dataset to disk and then shut down the server",
     .since = "1.0.0",
     .complexity = "O(N) when saving, where N is the total number of keys in all "
                   "databases when saving data, otherwise O(1)",
     .acl = "admin slow dangerous",
     .args = "?nosave_save(NOSAVE|SAVE) ?NOW ?FORCE ?ABORT"},
    {.name = "flushall", .proc = cmd_flushall, .arity = -1, .flags = CMD_WRITE,
     .group = "server", .summary = "Remove all keys from all databases",
     .since = "1.0.0",
     .complexity = "O(N) where N is the total number of keys in all databases",
     .acl = "keyspace write slow dangerous", .args = "?flush-type(ASYNC|SYNC)",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "expire", .proc = cmd_expire, .arity = -3,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Set a key's time to live in seconds", .since = "1.0.0",
     .complexity = "O(1)", .acl = "keyspace write fast",
     .args = "key:key seconds:integer " EXPIRE_ONEOF,
     .key_flags = "RW update"},
    {.name = "pexpire", .proc = cmd_pexpire, .arity = -3,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Set a key's time to live in milliseconds", .since = "2.6.0",
     .complexity = "O(1)", .acl = "keyspace write fast",
     .args = "key:key milliseconds:integer " EXPIRE_ONEOF,
     .key_flags = "RW update"},
    {.name = "expireat", .proc = cmd_expireat, .arity = -3,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp",
     .since = "1.2.0", .complexity = "O(1)", .acl = "keyspace write fast",
     .args = "key:key unix-time-seconds:unix-time " EXPIRE_ONEOF,
     .key_flags = "RW update"},
    {.name = "pexpireat", .proc = cmd_pexpireat, .arity = -3,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp specified "
                "in milliseconds",
     .since = "2.6.0", .complexity = "O(1)", .acl = "keyspace write fast",
     .args = "key:key unix-time-milliseconds:unix-time " EXPIRE_ONEOF,
     .key_flags = "RW update"},
    {.name = "ttl", .proc = cmd_ttl, .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Get the time to live for a key in seconds", .since = "1.0.0",
     .complexity = "O(1)", .acl = "keyspace read fast", .args = "key:key",
     .tips = "nondeterministic_output",
     .key_flags = "RO access"},
    {.name = "pttl", .proc = cmd_pttl, .arity = 2,
     .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Get the time to live for a key in milliseconds",
     .since = "2.6.0", .complexity = "O(1)", .acl = "keyspace read fast",
     .args = "key:key",
     .tips = "nondeterministic_output",
     .key_flags = "RO access"},
    {.name = "persist", .proc = cmd_persist, .arity = 2,
     .flags = CMD_WRITE | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = "generic",
     .summary = "Remove the expiration from a key", .since = "2.2.0",
     .complexity = "O(1)", .acl = "keyspace write fast", .args = "key:key",
     .key_flags = "RW update"},
    {.name = "time", .proc = cmd_time, .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST, .group = "server",
     .summary = "Return the current server time", .since = "2.6.0",
     .complexity = "O(1)", .acl = "fast",
     .tips = "nondeterministic_output"},
    {.name = "info", .proc = cmd_info, .arity = -1,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get information and statistics about the server",
     .since = "1.0.0", .complexity = "O(1)", .acl = "slow dangerous",
     .args = "?+section:string",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
    {.name = "command", .proc = cmd_command, .arity = -1,
     .flags = CMD_CONTAINER | CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get array of Redis command details", .since = "2.8.13",
     .complexity = "O(N) where N is the total number of Redis commands",
     .acl = "slow connection",
     .tips = "nondeterministic_output_order"},
    {.name = "command|count", .proc = cmd_command_count, .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get total number of Redis commands", .since = "2.8.13",
     .complexity = "O(1)", .acl = "slow connection"},
    {.name = "command|info", .proc = cmd_command_info, .arity = -2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get array of specific Redis command details, or all when no "
                "argument is given.",
     .since = "2.8.13",
     .complexity = "O(N) where N is the number of commands to look up",
     .acl = "slow connection", .args = "?+command-name:string",
     .tips = "nondeterministic_output_order"},
    {.name = "command|docs", .proc = cmd_command_docs, .arity = -2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get array of specific Redis command documentation",
     .since = "7.0.0",
     .complexity = "O(N) where N is the number of commands to look up",
     .acl = "slow connection", .args = "?+command-name:string",
     .tips = "nondeterministic_output_order"},
    {.name = "command|list", .proc = cmd_command_list, .arity = -2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Get an array of Redis command names", .since = "7.0.0",
     .complexity = "O(N) where N is the total number of Redis commands",
     .acl = "slow connection",
     .args = "?FILTERBY=filterby(PATTERN=pattern:pattern)",
     .tips = "nondeterministic_output_order"},
    {.name = "command|help", .proc = cmd_command_help, .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)", .acl = "slow connection"},
    {.name = "config", .proc = NULL, .arity = -2,
     .flags = CMD_CONTAINER, .group = "server",
     .summary = "A container for server configuration commands",
     .since = "2.0.0", .complexity = "Depends on subcommand.", .acl = "slow"},
    {.name = "config|get", .proc = cmd_config_get, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .group = "server",
     .summary = "Get the values of configuration parameters", .since = "2.0.0",
     .complexity = "O(N) when N is the number of configuration parameters "
                   "provided",
     .acl = "admin slow dangerous", .args = "+parameter:string"},
    {.name = "config|help", .proc = cmd_config_help, .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .group = "server",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)", .acl = "slow"},
    {.name = "client", .proc = NULL, .arity = -2,
     .flags = CMD_CONTAINER, .group = "connection",
     .summary = "A container for client connection commands", .since = "2.4.0",
     .complexity = "Depends on subcommand.", .acl = "slow"},
    {.name = "client|id", .proc = cmd_client_id, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Returns the client ID for the current connection",
     .since = "5.0.0", .complexity = "O(1)", .acl = "slow connection"},
    {.name = "client|setname", .proc = cmd_client_setname, .arity = 3,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Set the current connection name", .since = "2.6.9",
     .complexity = "O(1)", .acl = "slow connection",
     .args = "connection-name:string"},
    {.name = "client|getname", .proc = cmd_client_getname, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Get the current connection name", .since = "2.6.9",
     .complexity = "O(1)", .acl = "slow connection"},
    {.name = "client|list", .proc = cmd_client_list, .arity = -2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .group = "connection",
     .summary = "Get the list of client connections", .since = "2.4.0",
     .complexity = "O(N) where N is the number of client connections",
     .acl = "admin slow dangerous connection",
     .args = "?TYPE=client-type(NORMAL|MASTER|REPLICA|PUBSUB) "
             "?ID=client-id{+client-id:integer}",
     .tips = "nondeterministic_output"},
    {.name = "client|info", .proc = cmd_client_info, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Returns information about the current client connection.",
     .since = "6.2.0", .complexity = "O(1)", .acl = "slow connection",
     .tips = "nondeterministic_output"},
    {.name = "client|help", .proc = cmd_client_help, .arity = 2,
     .flags = CMD_LOADING | CMD_STALE, .group = "connection",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)", .acl = "slow connection"},
};

#define COMMAND_COUNT (sizeof(command_table) / sizeof(command_table[0]))

size_t commands_count(void)
{
    return COMMAND_COUNT;
}

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
static uint8_t name_lens[COMMAND_COUNT];
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
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
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
