/* store.c - the keyspace behind store.h: construction, the clock, and the
 * operations on one or a few keys (strings, DEL, EXISTS, MSET, MGET). Each
 * database is NSTRIPES locked dicts; one allocation per key holds the key
 * and the value (store_internal.h). Expiry lives in store_expire.c, whole-
 * database walks in store_keyspace.c. Does not parse commands or format
 * replies.
 */
#define _GNU_SOURCE
#include "cc/core/store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cc/core/dict.h"
#include "cc/core/object.h"
#include "cc/core/store_internal.h"
#include "cc/core/util.h"

/* Values written by INCRBY get room for any int64 so the next INCR can
 * rewrite them in place. */
#define INT_VCAP UTIL_LL2STR_MAX
#define SMALL_BATCH 16

struct entry *entry_new(uint32_t h, const char *k, size_t klen,
                        const char *v, size_t vlen, size_t vcap,
                        int64_t expire_at)
{
    if (vcap < vlen)
        vcap = vlen;
    struct entry *e = malloc(offsetof(struct entry, data) + klen + vcap + 1);
    if (!e)
        return NULL;
    e->next = NULL;
    e->expire_at = expire_at;
    e->hash = h;
    e->klen = (uint32_t)klen;
    e->vlen = (uint32_t)vlen;
    e->vcap = (uint32_t)vcap;
    e->type = OBJ_STRING;
    if (klen)
        memcpy(e->data, k, klen);
    if (vlen)
        memcpy(e->data + klen, v, vlen);
    e->data[klen + vlen] = '\0';
    return e;
}

int store_value_copy(struct store_value *out, const char *p, size_t n)
{
    out->data = malloc(n + 1);
    if (!out->data) {
        out->len = 0;
        return -ENOMEM;
    }
    if (n)
        memcpy(out->data, p, n);
    out->data[n] = '\0';
    out->len = n;
    return 0;
}

static void value_clear(struct store_value *v)
{
    free(v->data);
    v->data = NULL;
    v->len = 0;
}

/* Rewrites the value of the entry at *pp, in place when it fits without
 * wasting much, else in a new allocation. Keeps the expiry. */
static int entry_store_value(struct stripe *s, struct entry **pp,
                             const char *v, size_t vlen, size_t mincap)
{
    struct entry *e = *pp;
    if (e->type == OBJ_STRING && vlen <= e->vcap &&
        e->vcap - vlen <= vlen + 32 + mincap) {
        if (vlen)
            memcpy(entry_val(e), v, vlen);
        e->vlen = (uint32_t)vlen;
        entry_val(e)[vlen] = '\0';
        return 0;
    }
    struct entry *ne =
        entry_new(e->hash, e->data, e->klen, v, vlen, mincap, e->expire_at);
    if (!ne)
        return -ENOMEM;
    stripe_replace(s, pp, ne);
    return 0;
}

/* ---- construction ---- */

static int64_t real_clock(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct store *store_new_seeded(const unsigned char seed[16])
{
    size_t size = (sizeof(struct store) + 63) & ~(size_t)63;
    struct store *st = aligned_alloc(64, size);
    if (!st)
        return NULL;
    memset(st, 0, size);
    for (int d = 0; d < STORE_DBS; d++) {
        for (unsigned i = 0; i < NSTRIPES; i++) {
            struct stripe *s = &st->dbs[d].s[i];
            pthread_mutex_init(&s->lock, NULL);
            dict_init(&s->d);
            atomic_init(&s->keys, 0);
            atomic_init(&s->expires, 0);
        }
    }
    pthread_mutex_init(&st->cron_lock, NULL);
    st->clock = real_clock;
    st->clock_ctx = NULL;
    st->k0 = dict_load_le64(seed);
    st->k1 = dict_load_le64(seed + 8);
    atomic_init(&st->expired, 0);
    atomic_init(&st->rng, mix64(st->k0 ^ ((st->k1 << 17) | (st->k1 >> 47))));
    return st;
}

struct store *store_new(void)
{
    struct timespec a, b;
    int local = 0;
    clock_gettime(CLOCK_REALTIME, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    uint64_t x = mix64((uint64_t)a.tv_sec * 1000000000ULL + (uint64_t)a.tv_nsec);
    uint64_t y = mix64(x ^ ((uint64_t)b.tv_sec * 1000000000ULL +
                            (uint64_t)b.tv_nsec) ^
                       (uint64_t)(uintptr_t)&local);
    y = mix64(y ^ (uint64_t)(uintptr_t)&store_new);
    unsigned char seed[16];
    memcpy(seed, &x, 8);
    memcpy(seed + 8, &y, 8);
    return store_new_seeded(seed);
}


void store_free(struct store *st)
{
    if (!st)
        return;
    for (int d = 0; d < STORE_DBS; d++) {
        for (unsigned i = 0; i < NSTRIPES; i++) {
            struct stripe *s = &st->dbs[d].s[i];
            dict_destroy(&s->d);
            free(s->vol);
            pthread_mutex_destroy(&s->lock);
        }
    }
    pthread_mutex_destroy(&st->cron_lock);
    free(st);
}

void store_set_clock(struct store *st, store_clock_fn fn, void *ctx)
{
    st->clock = fn ? fn : real_clock;
    st->clock_ctx = fn ? ctx : NULL;
}

int64_t store_now_ms(const struct store *st)
{
    return st->clock(st->clock_ctx);
}

/* ---- single-key operations ---- */

int store_get_with(struct store *st, int db, const char *key, size_t klen,
                   store_value_fn fn, void *ctx)
{
    if (!db_ok(db))
        return -EINVAL;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    int rc = 0;
    if (pp && (*pp)->type != OBJ_STRING)
        rc = STORE_EWRONGTYPE;
    else if (pp) {
        fn(ctx, entry_val(*pp), (*pp)->vlen);
        rc = 1;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* GET and GETDEL: copies the value out (and, for GETDEL, removes the key)
 * under the stripe's lock. */
static int get_copy(struct store *st, int db, const char *key, size_t klen,
                    struct store_value *out, bool remove)
{
    out->data = NULL;
    out->len = 0;
    if (!db_ok(db))
        return -EINVAL;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti, rc = 0;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (pp && (*pp)->type != OBJ_STRING) {
        rc = STORE_EWRONGTYPE;
    } else if (pp) {
        rc = store_value_copy(out, entry_val(*pp), (*pp)->vlen);
        if (rc == 0) {
            if (remove) {
                entry_free(stripe_unlink(s, ti, pp));
                stripe_maybe_shrink(s);
            }
            rc = 1;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_get(struct store *st, int db, const char *key, size_t klen,
              struct store_value *out)
{
    return get_copy(st, db, key, klen, out, false);
}

int store_set(struct store *st, int db, const char *key, size_t klen,
              const char *val, size_t vlen, int64_t expire_at, int flags,
              struct store_value *old, bool *old_found)
{
    bool want_old = (flags & STORE_SET_GET) && old;
    if (want_old) {
        old->data = NULL;
        old->len = 0;
    }
    if (old_found)
        *old_found = false;
    if (!db_ok(db))
        return -EINVAL;
    if (klen > STORE_MAX_STRLEN || vlen > STORE_MAX_STRLEN)
        return STORE_ETOOBIG;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti, rc;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (pp && (*pp)->type != OBJ_STRING && (flags & STORE_SET_GET)) {
        /* SET ... GET and GETSET read the old value as a string first. */
        rc = STORE_EWRONGTYPE;
        goto out;
    }
    if (pp && want_old) {
        rc = store_value_copy(old, entry_val(*pp), (*pp)->vlen);
        if (rc)
            goto out;
    }
    if (pp && old_found)
        *old_found = true;
    if (((flags & STORE_SET_NX) && pp) || ((flags & STORE_SET_XX) && !pp)) {
        rc = 0;
        goto out;
    }
    int64_t at = expire_at;
    if ((flags & STORE_SET_KEEPTTL) && pp)
        at = (*pp)->expire_at;
    else if (flags & STORE_SET_KEEPTTL)
        at = NO_EXPIRY;
    if (at != NO_EXPIRY && at <= clk_now(st, &c)) {
        /* Redis deletes rather than store a key that is born expired. */
        if (pp) {
            entry_free(stripe_unlink(s, ti, pp));
            stripe_maybe_shrink(s);
        }
        rc = 1;
        goto out;
    }
    if (at != NO_EXPIRY) {
        rc = vol_reserve(s);
        if (rc)
            goto fail;
    }
    if (pp) {
        rc = entry_store_value(s, pp, val, vlen, 0);
        if (rc)
            goto fail;
        entry_set_expire(s, *pp, at);
        rc = 1;
        goto out;
    }
    rc = dict_reserve(&s->d);
    if (rc)
        goto fail;
    struct entry *e = entry_new(h, key, klen, val, vlen, 0, at);
    if (!e) {
        rc = -ENOMEM;
        goto fail;
    }
    stripe_link_new(s, e);
    rc = 1;
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
fail:
    pthread_mutex_unlock(&s->lock);
    if (want_old)
        value_clear(old);
    if (old_found)
        *old_found = false;
    return rc;
}

int store_getdel(struct store *st, int db, const char *key, size_t klen,
                 struct store_value *out)
{
    return get_copy(st, db, key, klen, out, true);
}

int store_getex(struct store *st, int db, const char *key, size_t klen,
                enum store_getex_mode mode, int64_t expire_at,
                struct store_value *out)
{
    out->data = NULL;
    out->len = 0;
    if (!db_ok(db))
        return -EINVAL;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti, rc = 0;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (!pp)
        goto out;
    if ((*pp)->type != OBJ_STRING) {
        rc = STORE_EWRONGTYPE;
        goto out;
    }
    if (mode == STORE_GETEX_SET && expire_at != NO_EXPIRY) {
        rc = vol_reserve(s);
        if (rc)
            goto out;
    }
    rc = store_value_copy(out, entry_val(*pp), (*pp)->vlen);
    if (rc)
        goto out;
    rc = 1;
    if (mode == STORE_GETEX_PERSIST) {
        entry_set_expire(s, *pp, NO_EXPIRY);
    } else if (mode == STORE_GETEX_SET) {
        if (expire_at == NO_EXPIRY) {
            entry_set_expire(s, *pp, NO_EXPIRY);
        } else if (expire_at <= clk_now(st, &c)) {
            entry_free(stripe_unlink(s, ti, pp));
            stripe_maybe_shrink(s);
        } else {
            entry_set_expire(s, *pp, expire_at);
        }
    }
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_append(struct store *st, int db, const char *key, size_t klen,
                 const char *val, size_t vlen, size_t *newlen)
{
    if (!db_ok(db))
        return -EINVAL;
    if (klen > STORE_MAX_STRLEN || vlen > STORE_MAX_STRLEN)
        return STORE_ETOOBIG;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti, rc = 0;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (!pp) {
        rc = dict_reserve(&s->d);
        if (rc)
            goto out;
        struct entry *e = entry_new(h, key, klen, val, vlen, 0, NO_EXPIRY);
        if (!e) {
            rc = -ENOMEM;
            goto out;
        }
        stripe_link_new(s, e);
        *newlen = vlen;
        goto out;
    }
    struct entry *e = *pp;
    if (e->type != OBJ_STRING) {
        rc = STORE_EWRONGTYPE;
        goto out;
    }
    size_t total = (size_t)e->vlen + vlen;
    if (total > STORE_MAX_STRLEN) {
        rc = STORE_ETOOBIG;
        goto out;
    }
    if (total > e->vcap) {
        /* Grow geometrically (then by 1 MiB steps) so repeated APPENDs cost
         * amortised O(1) copies, as Redis's sds does. */
        size_t cap = total < (1u << 20) ? total * 2 : total + (1u << 20);
        struct entry *ne =
            realloc(e, offsetof(struct entry, data) + e->klen + cap + 1);
        if (!ne) {
            rc = -ENOMEM;
            goto out;
        }
        ne->vcap = (uint32_t)cap;
        *pp = ne;
        if (ne->expire_at != NO_EXPIRY)
            s->vol[ne->vidx] = ne;
        e = ne;
    }
    if (vlen)
        memcpy(entry_val(e) + e->vlen, val, vlen);
    e->vlen = (uint32_t)total;
    entry_val(e)[total] = '\0';
    *newlen = total;
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int64_t store_strlen(struct store *st, int db, const char *key, size_t klen)
{
    if (!db_ok(db))
        return -EINVAL;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti;
    int64_t n = 0;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (pp)
        n = (*pp)->type == OBJ_STRING ? (int64_t)(*pp)->vlen : STORE_EWRONGTYPE;
    pthread_mutex_unlock(&s->lock);
    return n;
}

int store_incrby(struct store *st, int db, const char *key, size_t klen,
                 int64_t delta, int64_t *result)
{
    if (!db_ok(db))
        return -EINVAL;
    if (klen > STORE_MAX_STRLEN)
        return STORE_ETOOBIG;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti, rc = 0;
    char buf[INT_VCAP + 1];
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    int64_t cur = 0;
    if (pp && (*pp)->type != OBJ_STRING) {
        rc = STORE_EWRONGTYPE;
        goto out;
    }
    if (pp && !util_string2ll(entry_val(*pp), (*pp)->vlen, &cur)) {
        rc = STORE_ENOTINT;
        goto out;
    }
    if ((delta < 0 && cur < 0 && delta < INT64_MIN - cur) ||
        (delta > 0 && cur > 0 && delta > INT64_MAX - cur)) {
        rc = STORE_EOVERFLOW;
        goto out;
    }
    int64_t next = cur + delta;
    size_t len = util_ll2str(buf, next);
    if (pp) {
        rc = entry_store_value(s, pp, buf, len, INT_VCAP);
        if (rc)
            goto out;
    } else {
        rc = dict_reserve(&s->d);
        if (rc)
            goto out;
        struct entry *e = entry_new(h, key, klen, buf, len, INT_VCAP, NO_EXPIRY);
        if (!e) {
            rc = -ENOMEM;
            goto out;
        }
        stripe_link_new(s, e);
    }
    *result = next;
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_del(struct store *st, int db, const char *key, size_t klen)
{
    if (!db_ok(db))
        return -EINVAL;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (pp) {
        entry_free(stripe_unlink(s, ti, pp));
        stripe_maybe_shrink(s);
    }
    pthread_mutex_unlock(&s->lock);
    return pp ? 1 : 0;
}

int store_exists(struct store *st, int db, const char *key, size_t klen)
{
    if (!db_ok(db))
        return -EINVAL;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    pthread_mutex_unlock(&s->lock);
    return pp ? 1 : 0;
}


/* ---- multi-key operations: every stripe involved is locked, in index
 * order, before any key is touched, so the batch is one atomic step. ---- */

void lock_stripes(struct db *d, uint32_t mask)
{
    for (unsigned i = 0; i < NSTRIPES; i++)
        if (mask & (1u << i))
            pthread_mutex_lock(&d->s[i].lock);
}

void unlock_stripes(struct db *d, uint32_t mask)
{
    for (unsigned i = NSTRIPES; i-- > 0;)
        if (mask & (1u << i))
            pthread_mutex_unlock(&d->s[i].lock);
}

/* Hashes n keys into hashes[] and returns the mask of their stripes. */
static uint32_t hash_keys(struct store *st, size_t n, const char *const *keys,
                          const size_t *klens, uint64_t *hashes)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < n; i++) {
        hashes[i] = dict_hash(keys[i], klens[i], st->k0, st->k1);
        mask |= 1u << (hashes[i] & (NSTRIPES - 1));
    }
    return mask;
}

int store_mset(struct store *st, int db, size_t n, const char *const *keys,
               const size_t *klens, const char *const *vals,
               const size_t *vlens, bool nx)
{
    if (!db_ok(db))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (klens[i] > STORE_MAX_STRLEN || vlens[i] > STORE_MAX_STRLEN)
            return STORE_ETOOBIG;
    uint64_t hs_small[SMALL_BATCH];
    struct entry *es_small[SMALL_BATCH];
    uint64_t *hs = hs_small;
    struct entry **es = es_small;
    if (n > SMALL_BATCH) {
        hs = malloc(n * sizeof *hs);
        es = malloc(n * sizeof *es);
        if (!hs || !es) {
            free(hs);
            free(es);
            return -ENOMEM;
        }
    }
    int rc = 0;
    struct db *d = &st->dbs[db];
    uint32_t mask = hash_keys(st, n, keys, klens, hs);
    /* Entries are built before locking so the locked section cannot fail
     * half-way and so allocation happens outside the locks. Only es[0..built)
     * is ever set; linked entries are NULLed so the cleanup skips them. */
    size_t built = 0;
    for (; built < n; built++) {
        es[built] = entry_new((uint32_t)(hs[built] >> 32), keys[built],
                              klens[built], vals[built], vlens[built], 0,
                              NO_EXPIRY);
        if (!es[built]) {
            rc = -ENOMEM;
            goto done;
        }
    }
    struct clk c = {0};
    int ti;
    lock_stripes(d, mask);
    for (unsigned i = 0; i < NSTRIPES; i++) {
        if ((mask & (1u << i)) && dict_reserve(&d->s[i].d)) {
            rc = -ENOMEM;
            goto unlock;
        }
    }
    if (nx) {
        for (size_t i = 0; i < n; i++) {
            struct stripe *s = &d->s[hs[i] & (NSTRIPES - 1)];
            if (stripe_lookup(st, s, es[i]->hash, keys[i], klens[i], &c, &ti)) {
                rc = 0;
                goto unlock;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct stripe *s = &d->s[hs[i] & (NSTRIPES - 1)];
        struct entry **pp = dict_find(&s->d, es[i]->hash, keys[i], klens[i], &ti);
        if (pp)
            stripe_replace(s, pp, es[i]);
        else
            stripe_link_new(s, es[i]);
        es[i] = NULL;
    }
    rc = 1;
unlock:
    unlock_stripes(d, mask);
done:
    for (size_t i = 0; i < built; i++)
        free(es[i]);
    if (n > SMALL_BATCH) {
        free(hs);
        free(es);
    }
    return rc;
}

int store_mget_with(struct store *st, int db, size_t n,
                    const char *const *keys, const size_t *klens,
                    store_mget_fn fn, void *ctx)
{
    if (!db_ok(db))
        return -EINVAL;
    uint64_t hs_small[SMALL_BATCH];
    uint64_t *hs = hs_small;
    if (n > SMALL_BATCH) {
        hs = malloc(n * sizeof *hs);
        if (!hs)
            return -ENOMEM;
    }
    struct db *d = &st->dbs[db];
    uint32_t mask = hash_keys(st, n, keys, klens, hs);
    struct clk c = {0};
    int ti;
    lock_stripes(d, mask);
    for (size_t i = 0; i < n; i++) {
        struct stripe *s = &d->s[hs[i] & (NSTRIPES - 1)];
        struct entry **pp = stripe_lookup(st, s, (uint32_t)(hs[i] >> 32),
                                          keys[i], klens[i], &c, &ti);
        /* MGET answers nil for a key of another type, as Redis does. */
        if (pp && (*pp)->type == OBJ_STRING)
            fn(ctx, i, entry_val(*pp), (*pp)->vlen);
        else
            fn(ctx, i, NULL, 0);
    }
    unlock_stripes(d, mask);
    if (hs != hs_small)
        free(hs);
    return 0;
}

struct mget_copy {
    struct store_value *out;
    int rc;
};

static void mget_copy_one(void *ctx, size_t i, const char *val, size_t vlen)
{
    struct mget_copy *mc = ctx;
    mc->out[i].data = NULL;
    mc->out[i].len = 0;
    if (val && mc->rc == 0)
        mc->rc = store_value_copy(&mc->out[i], val, vlen);
}

int store_mget(struct store *st, int db, size_t n, const char *const *keys,
               const size_t *klens, struct store_value *out)
{
    struct mget_copy mc = {.out = out, .rc = 0};
    for (size_t i = 0; i < n; i++)
        out[i] = (struct store_value){0};
    int rc = store_mget_with(st, db, n, keys, klens, mget_copy_one, &mc);
    if (rc == 0 && mc.rc != 0) {
        for (size_t i = 0; i < n; i++)
            value_clear(&out[i]);
        rc = mc.rc;
    }
    return rc;
}

