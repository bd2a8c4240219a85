/* cmd_list.c - the list family: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN
 * LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, with
 * Redis 7.0's argument order, error texts and RESP2/RESP3 shapes. Each
 * command parses its arguments, then runs one step on the list under the
 * store's lock (store_obj_with / store_obj_apply) and replies from there;
 * the structure is t_list.c's.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cc/core/cmd.h"
#include "cc/core/t_list.h"
#include "cc/core/util.h"

#define ERR_NO_SUCH_KEY "ERR no such key"
#define ERR_OUT_OF_RANGE "ERR index out of range"
#define ERR_MUST_BE_POSITIVE "ERR value is out of range, must be positive"

/* What a list step needs: the session (for its reply) and the arguments. */
struct list_call {
    struct session *s;
    const char *const *argv;
    const size_t *argvlen;
    int argc;
    bool head;       /* the end a push or pop works at */
    int64_t a, b;    /* integer arguments (index, count, range) */
    int64_t result;  /* an integer the step leaves for the reply */
};

/* Runs fn on the list at argv[1]. Returns the store's result: 0 when the
 * key is absent (fn not called), 1 after fn, or a negative error whose
 * reply the caller queues with cmd_store_error. */
static int with_list(struct list_call *lc, int flags, store_obj_fn fn)
{
    return store_obj_with(store_of(lc->s), db_of(lc->s), lc->argv[1],
                          lc->argvlen[1], OBJ_LIST, flags, fn, lc);
}

static bool parse_ll(struct session *s, const char *p, size_t n, int64_t *v)
{
    if (util_string2ll(p, n, v))
        return true;
    reply_error(out_of(s), SHARED_NOT_INT);
    return false;
}

/* Redis's getPositiveLongFromObjectOrReply: msg for a bad or negative v. */
static bool parse_positive(struct session *s, const char *p, size_t n,
                           const char *msg, int64_t *v)
{
    if (util_string2ll(p, n, v) && *v >= 0)
        return true;
    reply_error(out_of(s), msg);
    return false;
}

/* LEFT or RIGHT, as LMOVE and LMPOP take them. */
static bool parse_end(struct session *s, const char *p, size_t n, bool *head)
{
    if (arg_is(p, n, "left"))
        *head = true;
    else if (arg_is(p, n, "right"))
        *head = false;
    else {
        reply_error(out_of(s), SHARED_SYNTAX_ERR);
        return false;
    }
    return true;
}

static void reply_element(struct reply *r, const struct tlist_iter *it)
{
    size_t n;
    const char *p = tlist_iter_get(it, &n);
    reply_bulk(r, p, n);
}

/* ---- pushes ---- */

static int push_step(void *ctx, void *obj)
{
    struct list_call *lc = ctx;
    for (int i = 2; i < lc->argc; i++) {
        /* Redis checks memory per command, not per element: a failure part
         * way is reported, with the elements pushed so far kept. */
        if (tlist_push(obj, lc->head, lc->argv[i], lc->argvlen[i]) != 0)
            return -ENOMEM;
    }
    lc->result = (int64_t)tlist_len(obj);
    return 0;
}

static int push_generic(ARGS, bool head, bool only_existing)
{
    struct list_call lc = {s, argv, argvlen, argc, .head = head};
    int rc = with_list(&lc, only_existing ? 0 : STORE_OBJ_CREATE, push_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    reply_int(out_of(s), rc == 0 ? 0 : lc.result);
    return CMD_DONE;
}

int cmd_lpush(ARGS) { return push_generic(s, argc, argv, argvlen, true, false); }
int cmd_rpush(ARGS) { return push_generic(s, argc, argv, argvlen, false, false); }
int cmd_lpushx(ARGS) { return push_generic(s, argc, argv, argvlen, true, true); }
int cmd_rpushx(ARGS) { return push_generic(s, argc, argv, argvlen, false, true); }

/* ---- pops ---- */

/* Replies up to count elements popped from one end, in pop order. */
static void pop_range(struct reply *r, struct tlist *l, bool head, int64_t count)
{
    size_t n = (size_t)count < tlist_len(l) ? (size_t)count : tlist_len(l);
    reply_array(r, n);
    for (size_t i = 0; i < n; i++) {
        struct tlist_iter it;
        tlist_seek(l, head ? 0 : -1, &it);
        reply_element(r, &it);
        tlist_pop(l, head);
    }
}

static int pop_step(void *ctx, void *obj)
{
    struct list_call *lc = ctx;
    struct reply *r = out_of(lc->s);
    if (lc->a < 0) {
        struct tlist_iter it;
        tlist_seek(obj, lc->head ? 0 : -1, &it);
        reply_element(r, &it);
        tlist_pop(obj, lc->head);
    } else {
        pop_range(r, obj, lc->head, lc->a);
    }
    return 0;
}

static int pop_generic(ARGS, bool head, const char *name)
{
    if (argc > 3) {
        reply_errorf(out_of(s), "ERR wrong number of arguments for '%s' command", name);
        return CMD_FAILED;
    }
    struct list_call lc = {s, argv, argvlen, argc, .head = head, .a = -1};
    if (argc == 3 &&
        !parse_positive(s, argv[2], argvlen[2], ERR_MUST_BE_POSITIVE, &lc.a))
        return CMD_FAILED;
    int rc = with_list(&lc, 0, pop_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    if (rc == 0) {
        if (argc == 3)
            reply_null_array(out_of(s));
        else
            reply_null(out_of(s));
    }
    return CMD_DONE;
}

int cmd_lpop(ARGS) { return pop_generic(s, argc, argv, argvlen, true, "lpop"); }
int cmd_rpop(ARGS) { return pop_generic(s, argc, argv, argvlen, false, "rpop"); }

/* ---- reads ---- */

static int llen_step(void *ctx, void *obj)
{
    struct list_call *lc = ctx;
    lc->result = (int64_t)tlist_len(obj);
    return 0;
}

int cmd_llen(ARGS)
{
    struct list_call lc = {s, argv, argvlen, argc};
    int rc = with_list(&lc, 0, llen_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    reply_int(out_of(s), rc == 0 ? 0 : lc.result);
    return CMD_DONE;
}

/* Redis's range rule: negative counts from the end, then clamp. Returns
 * false for an empty range, else the first and last index. */
static bool clamp_range(int64_t start, int64_t end, int64_t len,
                        int64_t *first, int64_t *last)
{
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (start > end || start >= len)
        return false;
    if (end >= len)
        end = len - 1;
    *first = start;
    *last = end;
    return true;
}

static int lrange_step(void *ctx, void *obj)
{
    struct list_call *lc = ctx;
    struct reply *r = out_of(lc->s);
    int64_t first, last;
    if (!clamp_range(lc->a, lc->b, (int64_t)tlist_len(obj), &first, &last)) {
        reply_array(r, 0);
        return 0;
    }
    reply_array(r, (size_t)(last - first + 1));
    struct tlist_iter it;
    tlist_seek(obj, first, &it);
    for (int64_t i = first; i <= last; i++) {
        reply_element(r, &it);
        tlist_next(&it);
    }
    return 0;
}

int cmd_lrange(ARGS)
{
    struct list_call lc = {s, argv, argvlen, argc};
    if (!parse_ll(s, argv[2], argvlen[2], &lc.a) ||
        !parse_ll(s, argv[3], argvlen[3], &lc.b))
        return CMD_FAILED;
    int rc = with_list(&lc, 0, lrange_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    if (rc == 0)
        reply_array(out_of(s), 0);
    return CMD_DONE;
}

static int lindex_step(void *ctx, void *obj)
{
    struct list_call *lc = ctx;
    struct tlist_iter it;
    /* Redis looks the key up before it parses the index. */
    if (!parse_ll(lc->s, lc->argv[2], lc->argvlen[2], &lc->a)) {
        lc->result = CMD_FAILED;
        return 0;
    }
    if (tlist_seek(obj, lc->a, &it))
        reply_element(out_of(lc->s), &it);
    else
        reply_null(out_of(lc->s));
    return 0;
}

int cmd_lindex(ARGS)
{
    struct list_call lc = {s, argv, argvlen, argc, .result = CMD_DONE};
    int rc = with_list(&lc, 0, lindex_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    if (rc == 0)
        reply_null(out_of(s));
    return (int)lc.result;
}

/* ---- edits ---- */

static int lset_step(void *ctx, void *obj)
{
    struct list_call *lc = ctx;
    struct tlist_iter it;
    if (!parse_ll(lc->s, lc->argv[2], lc->argvlen[2], &lc->a)) {
        lc->result = CMD_FAILED;
        return 0;
    }
    if (!tlist_seek(obj, lc->a, &it)) {
        lc->result = cmd_error(lc->s, ERR_OUT_OF_RANGE);
        return 0;
    }
    if (tlist_replace(&it, lc->argv[3], lc->argvlen[3]) != 0)
        return -ENOMEM;
    reply_ok(out_of(lc->s));
    return 0;
}

int cmd_lset(ARGS)
{
    struct list_call lc = {s, argv, argvlen, argc, .result = CMD_DONE};
    int rc = with_list(&lc, 0, lset_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    if (rc == 0)
        return cmd_error(s, ERR_NO_SUCH_KEY);
    return (int)lc.result;
}

static bool element_is(const struct tlist_iter *it, const char *p, size_t n)
{
    size_t len;
    const char *e = tlist_iter_get(it, &len);
    return len == n && (n == 0 || memcmp(e, p, n) == 0);
}

static int linsert_step(void *ctx, void *obj)
{
    struct list_call *lc = ctx;
    struct tlist_iter it;
    lc->result = -1;
    for (bool ok = tlist_seek(obj, 0, &it); ok; ok = tlist_next(&it)) {
        if (element_is(&it, lc->argv[3], lc->argvlen[3])) {
            if (tlist_insert(&it, !lc->head, lc->argv[4], lc->argvlen[4]) != 0)
                return -ENOMEM;
            lc->result = (int64_t)tlist_len(obj);
            break;
        }
    }
    return 0;
}

int cmd_linsert(ARGS)
{
    struct list_call lc = {s, argv, argvlen, argc};
    if (arg_is(argv[2], argvlen[2], "after"))
        lc.head = false;
    else if (arg_is(argv[2], argvlen[2], "before"))
        lc.head = true;
    else
        return cmd_error(s, SHARED_SYNTAX_ERR);
    int rc = with_list(&lc, 0, linsert_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    reply_int(out_of(s), rc == 0 ? 0 : lc.result);
    return CMD_DONE;
}

static int lrem_step(void *ctx, void *obj)
{
    struct list_call *lc = ctx;
    bool forward = lc->a >= 0;
    /* count 0 removes every match; INT64_MIN's magnitude needs care. */
    uint64_t limit = lc->a == 0 ? UINT64_MAX
                     : forward  ? (uint64_t)lc->a
                                : (uint64_t)(-(lc->a + 1)) + 1;
    uint64_t removed = 0;
    struct tlist_iter it;
    bool ok = tlist_seek(obj, forward ? 0 : -1, &it);
    while (ok && removed < limit) {
        if (element_is(&it, lc->argv[3], lc->argvlen[3])) {
            tlist_iter_delete(&it, forward);
            removed++;
            ok = tlist_iter_valid(&it);
        } else {
            ok = forward ? tlist_next(&it) : tlist_prev(&it);
        }
    }
    lc->result = (int64_t)removed;
    return 0;
}

int cmd_lrem(ARGS)
{
    struct list_call lc = {s, argv, argvlen, argc};
    if (!parse_ll(s, argv[2], argvlen[2], &lc.a))
        return CMD_FAILED;
    int rc = with_list(&lc, 0, lrem_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    reply_int(out_of(s), rc == 0 ? 0 : lc.result);
    return CMD_DONE;
}

static int ltrim_step(void *ctx, void *obj)
{
    struct list_call *lc = ctx;
    int64_t len = (int64_t)tlist_len(obj), first, last;
    if (!clamp_range(lc->a, lc->b, len, &first, &last))
        first = len, last = len - 1;
    for (int64_t i = 0; i < first; i++)
        tlist_pop(obj, true);
    for (int64_t i = last + 1; i < len; i++)
        tlist_pop(obj, false);
    return 0;
}

int cmd_ltrim(ARGS)
{
    struct list_call lc = {s, argv, argvlen, argc};
    if (!parse_ll(s, argv[2], argvlen[2], &lc.a) ||
        !parse_ll(s, argv[3], argvlen[3], &lc.b))
        return CMD_FAILED;
    int rc = with_list(&lc, 0, ltrim_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    reply_ok(out_of(s));
    return CMD_DONE;
}

/* ---- LPOS ---- */

struct lpos_args {
    int64_t rank;   /* 1-based match to start from; negative: from the tail */
    int64_t count;  /* -1: no COUNT (reply one index); 0: every match */
    int64_t maxlen; /* 0: the whole list */
};

/* Walks the list from the rank's end, replying each matching index to r
 * (when not NULL); returns how many it found. */
static size_t lpos_walk(struct tlist *l, const struct lpos_args *pa,
                        const char *p, size_t n, struct reply *r)
{
    bool forward = pa->rank > 0;
    uint64_t rank = forward ? (uint64_t)pa->rank : (uint64_t)(-pa->rank);
    int64_t len = (int64_t)tlist_len(l);
    uint64_t matches = 0;
    size_t reported = 0;
    struct tlist_iter it;
    bool ok = tlist_seek(l, forward ? 0 : -1, &it);
    for (int64_t i = 0; ok && (pa->maxlen == 0 || i < pa->maxlen); i++) {
        if (element_is(&it, p, n) && ++matches >= rank) {
            if (r)
                reply_int(r, forward ? i : len - i - 1);
            reported++;
            if (pa->count <= 0 ? pa->count < 0 : reported >= (uint64_t)pa->count)
                break;
        }
        ok = forward ? tlist_next(&it) : tlist_prev(&it);
    }
    return reported;
}

struct lpos_call {
    struct list_call lc;
    struct lpos_args pa;
};

static int lpos_step(void *ctx, void *obj)
{
    struct lpos_call *c = ctx;
    struct reply *r = out_of(c->lc.s);
    const char *p = c->lc.argv[2];
    size_t n = c->lc.argvlen[2];
    /* The first walk counts what the second replies: the array header (or
     * the null for no match) must come first. */
    size_t found = lpos_walk(obj, &c->pa, p, n, NULL);
    if (c->pa.count < 0 && found == 0) {
        reply_null(r);
        return 0;
    }
    if (c->pa.count >= 0)
        reply_array(r, found);
    lpos_walk(obj, &c->pa, p, n, r);
    return 0;
}

int cmd_lpos(ARGS)
{
    struct lpos_call c = {.lc = {s, argv, argvlen, argc},
                          .pa = {.rank = 1, .count = -1, .maxlen = 0}};
    for (int j = 3; j < argc; j++) {
        bool more = j + 1 < argc;
        if (arg_is(argv[j], argvlen[j], "rank") && more) {
            j++;
            if (!util_string2ll(argv[j], argvlen[j], &c.pa.rank))
                return cmd_error(s, SHARED_NOT_INT);
            if (c.pa.rank == INT64_MIN)
                return cmd_error(s, "ERR value is out of range, must be between "
                                    "-9223372036854775807 and 9223372036854775807");
            if (c.pa.rank == 0)
                return cmd_error(s, "ERR RANK can't be zero: use 1 to start from "
                                    "the first match, 2 from the second ... or use "
                                    "negative to start from the end of the list");
        } else if (arg_is(argv[j], argvlen[j], "count") && more) {
            j++;
            if (!parse_positive(s, argv[j], argvlen[j], "ERR COUNT can't be negative",
                                &c.pa.count))
                return CMD_FAILED;
        } else if (arg_is(argv[j], argvlen[j], "maxlen") && more) {
            j++;
            if (!parse_positive(s, argv[j], argvlen[j], "ERR MAXLEN can't be negative",
                                &c.pa.maxlen))
                return CMD_FAILED;
        } else {
            return cmd_error(s, SHARED_SYNTAX_ERR);
        }
    }
    int rc = with_list(&c.lc, 0, lpos_step);
    if (rc < 0)
        return cmd_store_error(s, rc);
    if (rc == 0) {
        if (c.pa.count >= 0)
            reply_array(out_of(s), 0);
        else
            reply_null(out_of(s));
    }
    return CMD_DONE;
}

/* ---- two ends, two keys ---- */

struct move_call {
    struct session *s;
    bool from_head, to_head;
};

static int move_step(void *ctx, struct store_txn *tx, struct store_ref *refs,
                     size_t n)
{
    (void)n;
    struct move_call *mc = ctx;
    struct reply *r = out_of(mc->s);
    if (refs[0].type == OBJ_NONE) {
        reply_null(r);
        return 0;
    }
    if (refs[0].type != OBJ_LIST || (refs[1].type != OBJ_NONE &&
                                     refs[1].type != OBJ_LIST))
        return STORE_EWRONGTYPE;
    struct tlist *src = refs[0].obj;
    struct tlist_iter it;
    tlist_seek(src, mc->from_head ? 0 : -1, &it);
    size_t len;
    const char *p = tlist_iter_get(&it, &len);
    /* A copy: the push may move the bytes when source and destination are
     * one list. */
    char *copy = malloc(len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, p, len);
    struct tlist *dst = refs[1].obj;
    if (!dst)
        dst = store_obj_create(tx, 1, OBJ_LIST);
    if (!dst || tlist_push(dst, mc->to_head, copy, len) != 0) {
        free(copy);
        return -ENOMEM;
    }
    /* Pushing to the same list at the popping end leaves it unchanged, as
     * the pop below then takes the pushed copy. */
    tlist_pop(src, mc->from_head);
    reply_bulk(r, copy, len);
    free(copy);
    return 0;
}

static int move_generic(struct session *s, const char *const *argv,
                        const size_t *argvlen, bool from_head, bool to_head)
{
    struct move_call mc = {s, from_head, to_head};
    struct store_ref refs[2] = {{.key = argv[1], .klen = argvlen[1]},
                                {.key = argv[2], .klen = argvlen[2]}};
    int rc = store_obj_apply(store_of(s), db_of(s), refs, 2, move_step, &mc);
    return rc < 0 ? cmd_store_error(s, rc) : CMD_DONE;
}

int cmd_lmove(ARGS)
{
    (void)argc;
    bool from_head, to_head;
    if (!parse_end(s, argv[3], argvlen[3], &from_head) ||
        !parse_end(s, argv[4], argvlen[4], &to_head))
        return CMD_FAILED;
    return move_generic(s, argv, argvlen, from_head, to_head);
}

int cmd_rpoplpush(ARGS)
{
    (void)argc;
    return move_generic(s, argv, argvlen, false, true);
}

struct mpop_call {
    struct session *s;
    bool head;
    int64_t count;
};

static int mpop_step(void *ctx, struct store_txn *tx, struct store_ref *refs,
                     size_t n)
{
    (void)tx;
    struct mpop_call *mc = ctx;
    struct reply *r = out_of(mc->s);
    /* Keys are tried in order: a wrong type after a non-empty list is
     * never looked at, as in Redis. */
    for (size_t i = 0; i < n; i++) {
        if (refs[i].type == OBJ_NONE)
            continue;
        if (refs[i].type != OBJ_LIST)
            return STORE_EWRONGTYPE;
        reply_array(r, 2);
        reply_bulk(r, refs[i].key, refs[i].klen);
        pop_range(r, refs[i].obj, mc->head, mc->count);
        return 0;
    }
    reply_null_array(r);
    return 0;
}

int cmd_lmpop(ARGS)
{
    int64_t numkeys;
    if (!util_string2ll(argv[1], argvlen[1], &numkeys) || numkeys < 1)
        return cmd_error(s, "ERR numkeys should be greater than 0");
    if (numkeys > argc - 3)
        return cmd_error(s, SHARED_SYNTAX_ERR);
    int where = 2 + (int)numkeys;
    struct mpop_call mc = {s, true, 1};
    if (!parse_end(s, argv[where], argvlen[where], &mc.head))
        return CMD_FAILED;
    bool have_count = false;
    for (int j = where + 1; j < argc; j++) {
        if (!have_count && arg_is(argv[j], argvlen[j], "count") && j + 1 < argc) {
            j++;
            if (!util_string2ll(argv[j], argvlen[j], &mc.count) || mc.count < 1)
                return cmd_error(s, "ERR count should be greater than 0");
            have_count = true;
        } else {
            return cmd_error(s, SHARED_SYNTAX_ERR);
        }
    }
    struct store_ref small[8];
    size_t n = (size_t)numkeys;
    struct store_ref *refs = n <= 8 ? small : calloc(n, sizeof *refs);
    if (!refs)
        return cmd_error(s, SHARED_OOM);
    for (size_t i = 0; i < n; i++)
        refs[i] = (struct store_ref){.key = argv[2 + i], .klen = argvlen[2 + i]};
    int rc = store_obj_apply(store_of(s), db_of(s), refs, n, mpop_step, &mc);
    if (refs != small)
        free(refs);
    return rc < 0 ? cmd_store_error(s, rc) : CMD_DONE;
}
