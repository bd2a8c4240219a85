/* store_expire.c - keys with a time to live: TTL, EXPIRE, PERSIST, the
 * per-stripe array of keys that expire (vol) and the active-expiry sweep
 * over it. Lazy expiry on access is stripe_lookup's (store_internal.h).
 * Does not parse commands or format replies.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "cc/core/store.h"
#include "cc/core/store_internal.h"

int vol_reserve(struct stripe *s)
{
    if (s->vol_len < s->vol_cap)
        return 0;
    size_t cap = s->vol_cap ? s->vol_cap * 2 : 8;
    struct entry **v = realloc(s->vol, cap * sizeof *v);
    if (!v)
        return -ENOMEM;
    s->vol = v;
    s->vol_cap = cap;
    return 0;
}

void vol_maybe_shrink(struct stripe *s)
{
    if (s->d.t[0].used == 0) {
        free(s->vol);
        s->vol = NULL;
        s->vol_len = s->vol_cap = s->vol_cursor = 0;
        return;
    }
    if (s->vol_cap > 8 && s->vol_len < s->vol_cap / 4) {
        struct entry **v = realloc(s->vol, s->vol_cap / 2 * sizeof *v);
        if (v) {
            s->vol = v;
            s->vol_cap /= 2;
        }
    }
}

int64_t store_ttl_ms(struct store *st, int db, const char *key, size_t klen)
{
    if (!db_ok(db))
        return -2;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti;
    int64_t ttl = -2;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (pp) {
        ttl = -1;
        if ((*pp)->expire_at != NO_EXPIRY) {
            ttl = (*pp)->expire_at - clk_now(st, &c);
            if (ttl < 0)
                ttl = 0;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ttl;
}

int64_t store_expire_time(struct store *st, int db, const char *key,
                          size_t klen)
{
    if (!db_ok(db))
        return -2;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti;
    int64_t at = -2;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (pp)
        at = (*pp)->expire_at;
    pthread_mutex_unlock(&s->lock);
    return at;
}

int store_expire(struct store *st, int db, const char *key, size_t klen,
                 int64_t expire_at, int cond)
{
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
    /* Redis 7.0: conditions first, a key without a TTL counting as an
     * infinite TTL; only then does a time in the past delete the key. */
    int64_t cur = (*pp)->expire_at;
    if ((cond & STORE_EXPIRE_NX) && cur != NO_EXPIRY)
        goto out;
    if ((cond & STORE_EXPIRE_XX) && cur == NO_EXPIRY)
        goto out;
    if ((cond & STORE_EXPIRE_GT) && (cur == NO_EXPIRY || expire_at <= cur))
        goto out;
    if ((cond & STORE_EXPIRE_LT) && cur != NO_EXPIRY && expire_at >= cur)
        goto out;
    if (expire_at <= clk_now(st, &c)) {
        entry_free(stripe_unlink(s, ti, pp));
        stripe_maybe_shrink(s);
    } else {
        rc = vol_reserve(s);
        if (rc)
            goto out;
        entry_set_expire(s, *pp, expire_at);
    }
    rc = 1;
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_persist(struct store *st, int db, const char *key, size_t klen)
{
    if (!db_ok(db))
        return -EINVAL;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti, rc = 0;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (pp && (*pp)->expire_at != NO_EXPIRY) {
        entry_set_expire(s, *pp, NO_EXPIRY);
        rc = 1;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}


size_t store_expires_count(struct store *st, int db)
{
    if (!db_ok(db))
        return 0;
    size_t n = 0;
    for (unsigned i = 0; i < NSTRIPES; i++)
        n += counter_get(&st->dbs[db].s[i].expires);
    return n;
}

/* ---- active expiry ---- */

size_t store_active_expire(struct store *st, size_t budget)
{
    /* One sweeper at a time; a loop that finds another one busy skips. */
    if (pthread_mutex_trylock(&st->cron_lock) != 0)
        return 0;
    const unsigned total = STORE_DBS * NSTRIPES;
    size_t active = 0;
    for (unsigned i = 0; i < total; i++)
        if (counter_get(&st->dbs[i / NSTRIPES].s[i % NSTRIPES].expires))
            active++;
    size_t quota = active ? budget / active : budget;
    if (quota < 16)
        quota = 16;
    size_t checked = 0, removed = 0;
    struct clk c = {0};
    unsigned pos = st->cron_pos;
    for (unsigned n = 0; n < total && checked < budget; n++) {
        unsigned i = (pos + n) % total;
        struct stripe *s = &st->dbs[i / NSTRIPES].s[i % NSTRIPES];
        if (counter_get(&s->keys) == 0)
            continue;
        pthread_mutex_lock(&s->lock);
        /* Idle stripes would otherwise keep two tables forever. */
        if (dict_rehashing(&s->d))
            dict_rehash_step(&s->d, 100);
        /* Walk the stripe's keys with an expiry round-robin from where the
         * last call stopped: each is checked within vol_len checks. A
         * removal swaps the last entry into the hole, so the cursor stays. */
        size_t limit = s->vol_len < quota ? s->vol_len : quota;
        size_t gone = 0;
        for (size_t k = 0; k < limit && s->vol_len; k++) {
            if (s->vol_cursor >= s->vol_len)
                s->vol_cursor = 0;
            struct entry *e = s->vol[s->vol_cursor];
            int ti;
            struct entry **pp;
            if (entry_expired(st, e, &c) && (pp = dict_link_of(&s->d, e, &ti))) {
                entry_free(stripe_unlink(s, ti, pp));
                gone++;
            } else {
                s->vol_cursor++;
            }
        }
        checked += limit;
        if (gone) {
            count_expired(st, gone);
            removed += gone;
            stripe_maybe_shrink(s);
        }
        pthread_mutex_unlock(&s->lock);
        st->cron_pos = (i + 1) % total;
    }
    pthread_mutex_unlock(&st->cron_lock);
    return removed;
}

uint64_t store_expired_total(const struct store *st)
{
    return atomic_load_explicit(&st->expired, memory_order_relaxed);
}
