/* cmd_keyspace.c - commands on keys of any type and on whole databases:
 * DEL/UNLINK, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB and
 * FLUSHALL. TTL commands are cmd_expire.c's.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc/core/cmd.h"
#include "cc/core/util.h"

int cmd_del(ARGS)
{
    int64_t n = 0;
    for (int i = 1; i < argc; i++) {
        int rc = store_del(store_of(s), db_of(s), argv[i], argvlen[i]);
        if (rc > 0)
            n += rc;
    }
    reply_int(out_of(s), n);
    return CMD_DONE;
}

int cmd_exists(ARGS)
{
    int64_t n = 0;
    for (int i = 1; i < argc; i++)
        n += store_exists(store_of(s), db_of(s), argv[i], argvlen[i]) > 0;
    reply_int(out_of(s), n);
    return CMD_DONE;
}

int cmd_type(ARGS)
{
    (void)argc;
    int t = store_type(store_of(s), db_of(s), argv[1], argvlen[1]);
    reply_simple(out_of(s), obj_type_name(t < 0 ? OBJ_NONE : (enum obj_type)t));
    return CMD_DONE;
}

/* Collects keys into a scratch buffer of bulk strings so the array header,
 * whose count is only known at the end, can be written first. */
struct key_collector {
    struct reply buf;
    size_t count;
    const char *pat;
    size_t plen;
    bool match_all;
    enum obj_type type; /* SCAN TYPE's filter; OBJ_NONE: every type */
    bool keep;          /* false: TYPE named no type, nothing matches */
};

static void collect_key(void *ctx, const char *key, size_t klen,
                        enum obj_type type)
{
    struct key_collector *kc = ctx;
    if (!kc->keep || (kc->type != OBJ_NONE && type != kc->type))
        return;
    if (!kc->match_all && !util_glob_match(kc->pat, kc->plen, key, klen, false))
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
    kc->type = OBJ_NONE;
    kc->keep = true;
}

/* A reply too big for the output limit drops the output and closes the
 * connection, as if it had been appended; a store failure is an error. */
static int collector_overflow(struct session *s, struct key_collector *kc, int rc)
{
    bool too_big = kc->buf.overflow;
    reply_free(&kc->buf);
    if (rc >= 0 && too_big) {
        reply_free(out_of(s));
        s->out.overflow = true;
        return CMD_DONE;
    }
    return cmd_error(s, SHARED_OOM);
}

int cmd_keys(ARGS)
{
    (void)argc;
    struct key_collector kc;
    collector_init(&kc, s, argv[1], argvlen[1]);
    int rc = store_keys(store_of(s), db_of(s), collect_key, &kc);
    if (rc < 0 || kc.buf.overflow)
        return collector_overflow(s, &kc, rc);
    reply_array(out_of(s), kc.count);
    reply_raw(out_of(s), kc.buf.data, kc.buf.len);
    reply_free(&kc.buf);
    return CMD_DONE;
}

int cmd_scan(ARGS)
{
    /* Redis's cursor rules: strtoull (so "-1" wraps), but no leading
     * space, no trailing junk and no overflow. */
    char tmp[32];
    uint64_t cursor = 0;
    if (argvlen[1] == 0 || argvlen[1] >= sizeof(tmp) ||
        memchr(argv[1], '\0', argvlen[1]) != NULL)
        return cmd_error(s, "ERR invalid cursor");
    memcpy(tmp, argv[1], argvlen[1]);
    tmp[argvlen[1]] = '\0';
    char *end;
    errno = 0;
    cursor = strtoull(tmp, &end, 10);
    if (*end != '\0' || errno == ERANGE || isspace((unsigned char)tmp[0]))
        return cmd_error(s, "ERR invalid cursor");
    const char *pat = NULL;
    size_t plen = 0;
    int64_t count = 10;
    bool keep = true;
    enum obj_type type = OBJ_NONE;
    for (int j = 2; j < argc; j += 2) {
        bool has_next = j + 1 < argc;
        if (arg_is(argv[j], argvlen[j], "count") && has_next) {
            if (!util_string2ll(argv[j + 1], argvlen[j + 1], &count))
                return cmd_error(s, SHARED_NOT_INT);
            if (count < 1)
                return cmd_error(s, SHARED_SYNTAX_ERR);
        } else if (arg_is(argv[j], argvlen[j], "match") && has_next) {
            pat = argv[j + 1];
            plen = argvlen[j + 1];
        } else if (arg_is(argv[j], argvlen[j], "type") && has_next) {
            /* Redis 7.0 matches nothing for an unknown type name. */
            type = obj_type_from_name(argv[j + 1], argvlen[j + 1]);
            keep = type != OBJ_NONE;
        } else {
            return cmd_error(s, SHARED_SYNTAX_ERR);
        }
    }
    if (store_dbsize(store_of(s), db_of(s)) == 0) {
        /* Redis ends the iteration at once on an empty database. */
        reply_array(out_of(s), 2);
        reply_bulk(out_of(s), "0", 1);
        reply_array(out_of(s), 0);
        return CMD_DONE;
    }
    struct key_collector kc;
    collector_init(&kc, s, pat, plen);
    kc.keep = keep;
    kc.type = type;
    int rc = store_scan(store_of(s), db_of(s), &cursor, (size_t)count,
                        collect_key, &kc);
    if (rc < 0 || kc.buf.overflow)
        return collector_overflow(s, &kc, rc);
    char cbuf[24];
    int cn = snprintf(cbuf, sizeof(cbuf), "%llu", (unsigned long long)cursor);
    reply_array(out_of(s), 2);
    reply_bulk(out_of(s), cbuf, (size_t)cn);
    reply_array(out_of(s), kc.count);
    reply_raw(out_of(s), kc.buf.data, kc.buf.len);
    reply_free(&kc.buf);
    return CMD_DONE;
}

int cmd_randomkey(ARGS)
{
    UNUSED_ARGS;
    struct store_value v;
    int rc = store_randomkey(store_of(s), db_of(s), &v);
    if (rc < 0)
        return cmd_store_error(s, rc);
    cmd_reply_value(s, rc, &v);
    return CMD_DONE;
}

int cmd_dbsize(ARGS)
{
    UNUSED_ARGS;
    reply_int(out_of(s), (int64_t)store_dbsize(store_of(s), db_of(s)));
    return CMD_DONE;
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

int cmd_flushdb(ARGS)
{
    if (!flush_args_ok(s, argc, argv, argvlen))
        return CMD_FAILED;
    store_flush(store_of(s), db_of(s));
    reply_ok(out_of(s));
    return CMD_DONE;
}

int cmd_flushall(ARGS)
{
    if (!flush_args_ok(s, argc, argv, argvlen))
        return CMD_FAILED;
    store_flush(store_of(s), -1);
    reply_ok(out_of(s));
    return CMD_DONE;
}
