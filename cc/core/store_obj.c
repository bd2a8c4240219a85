/* store_obj.c - the store's side of collection commands (store.h's
 * store_obj_apply, store_obj_with, store_type): locking the keys' stripes,
 * type lookup, creating keys, and deleting the ones left empty. What a
 * collection holds is its type's file's business (object.h dispatches).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cc/core/dict.h"
#include "cc/core/object.h"
#include "cc/core/store.h"
#include "cc/core/store_internal.h"

struct store_txn {
    struct store *st;
    struct db *d;
    struct store_ref *refs;
    size_t n;
};

int store_type(struct store *st, int db, const char *key, size_t klen)
{
    if (!db_ok(db))
        return -EINVAL;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    int t = pp ? (*pp)->type : OBJ_NONE;
    pthread_mutex_unlock(&s->lock);
    return t;
}

static struct stripe *ref_stripe(struct store_txn *tx, const struct store_ref *r)
{
    return &tx->d->s[r->hash_ & (NSTRIPES - 1)];
}

static bool same_key(const struct store_ref *a, const struct store_ref *b)
{
    return a->hash_ == b->hash_ && a->klen == b->klen &&
           memcmp(a->key, b->key, a->klen) == 0;
}

static void ref_fill(struct store_ref *r, struct entry *e)
{
    r->entry_ = e;
    r->type = e ? (enum obj_type)e->type : OBJ_NONE;
    r->obj = e && e->type != OBJ_STRING ? entry_obj(e) : NULL;
}

void *store_obj_create(struct store_txn *tx, size_t i, enum obj_type t)
{
    struct store_ref *r = &tx->refs[i];
    struct stripe *s = ref_stripe(tx, r);
    if (!r->entry_ && dict_reserve(&s->d))
        return NULL;
    void *o = obj_new(t);
    if (!o)
        return NULL;
    struct entry *e = entry_new((uint32_t)(r->hash_ >> 32), r->key, r->klen,
                                (const char *)&o, sizeof o, 0, NO_EXPIRY);
    if (!e) {
        obj_free(t, o);
        return NULL;
    }
    e->type = (uint8_t)t;
    if (r->entry_) {
        int ti;
        stripe_replace(s, dict_link_of(&s->d, r->entry_, &ti), e);
    } else {
        stripe_link_new(s, e);
    }
    for (size_t j = 0; j < tx->n; j++)
        if (j == i || same_key(&tx->refs[j], r))
            ref_fill(&tx->refs[j], e);
    return o;
}

/* Deletes the key of every ref left holding an empty collection. */
static void drop_empty(struct store_txn *tx)
{
    for (size_t i = 0; i < tx->n; i++) {
        struct store_ref *r = &tx->refs[i];
        if (!r->obj || obj_len(r->type, r->obj) != 0)
            continue;
        struct stripe *s = ref_stripe(tx, r);
        int ti;
        struct entry **pp = dict_link_of(&s->d, r->entry_, &ti);
        entry_free(stripe_unlink(s, ti, pp));
        stripe_maybe_shrink(s);
        for (size_t j = i + 1; j < tx->n; j++)
            if (tx->refs[j].entry_ == r->entry_)
                ref_fill(&tx->refs[j], NULL);
        ref_fill(r, NULL);
    }
}

int store_obj_apply(struct store *st, int db, struct store_ref *refs,
                    size_t n, store_refs_fn fn, void *ctx)
{
    if (!db_ok(db))
        return -EINVAL;
    struct store_txn tx = {.st = st, .d = &st->dbs[db], .refs = refs, .n = n};
    uint32_t mask = 0;
    for (size_t i = 0; i < n; i++) {
        refs[i].hash_ = dict_hash(refs[i].key, refs[i].klen, st->k0, st->k1);
        mask |= 1u << (refs[i].hash_ & (NSTRIPES - 1));
    }
    struct clk c = {0};
    lock_stripes(tx.d, mask);
    for (size_t i = 0; i < n; i++) {
        struct store_ref *r = &refs[i];
        struct entry *e = NULL;
        size_t j = 0;
        while (j < i && !same_key(&refs[j], r))
            j++;
        if (j < i) {
            e = refs[j].entry_;
        } else {
            int ti;
            struct entry **pp =
                stripe_lookup(st, ref_stripe(&tx, r), (uint32_t)(r->hash_ >> 32),
                              r->key, r->klen, &c, &ti);
            e = pp ? *pp : NULL;
        }
        ref_fill(r, e);
    }
    int rc = fn(ctx, &tx, refs, n);
    drop_empty(&tx);
    unlock_stripes(tx.d, mask);
    return rc;
}

struct one_key {
    enum obj_type type;
    int flags;
    store_obj_fn fn;
    void *ctx;
};

static int one_key_step(void *ctx, struct store_txn *tx, struct store_ref *refs,
                        size_t n)
{
    (void)n;
    struct one_key *k = ctx;
    if (refs[0].type == OBJ_NONE) {
        if (!(k->flags & STORE_OBJ_CREATE))
            return 0;
        if (!store_obj_create(tx, 0, k->type))
            return -ENOMEM;
    } else if (refs[0].type != k->type) {
        return STORE_EWRONGTYPE;
    }
    int rc = k->fn(k->ctx, refs[0].obj);
    return rc < 0 ? rc : 1;
}

int store_obj_with(struct store *st, int db, const char *key, size_t klen,
                   enum obj_type t, int flags, store_obj_fn fn, void *ctx)
{
    struct store_ref ref = {.key = key, .klen = klen};
    struct one_key k = {.type = t, .flags = flags, .fn = fn, .ctx = ctx};
    return store_obj_apply(st, db, &ref, 1, one_key_step, &k);
}
