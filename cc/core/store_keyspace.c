/* store_keyspace.c - operations over a whole database: DBSIZE, FLUSHDB,
 * KEYS, SCAN and RANDOMKEY, each stripe locked in turn (so they are not one
 * atomic step, as in Redis they need not be). Expired keys met on the way
 * are removed. Does not parse commands or format replies.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cc/core/store.h"
#include "cc/core/store_internal.h"

/* SCAN may visit this many buckets per key it is asked for, so one call on
 * a sparse table stays bounded. */
#define SCAN_EMPTY_VISITS 10

size_t store_dbsize(struct store *st, int db)
{
    if (!db_ok(db))
        return 0;
    size_t n = 0;
    for (unsigned i = 0; i < NSTRIPES; i++)
        n += counter_get(&st->dbs[db].s[i].keys);
    return n;
}

static void flush_stripe(struct stripe *s)
{
    pthread_mutex_lock(&s->lock);
    struct dict old = s->d;
    dict_init(&s->d);
    struct entry **vol = s->vol;
    s->vol = NULL;
    s->vol_len = s->vol_cap = s->vol_cursor = 0;
    counter_add(&s->keys, -(long)counter_get(&s->keys));
    counter_add(&s->expires, -(long)counter_get(&s->expires));
    pthread_mutex_unlock(&s->lock);
    /* Freed outside the lock so other keys of the stripe are not blocked
     * while a large database is released. */
    dict_destroy(&old);
    free(vol);
}

void store_flush(struct store *st, int db)
{
    for (int d = 0; d < STORE_DBS; d++) {
        if (db != -1 && d != db)
            continue;
        for (unsigned i = 0; i < NSTRIPES; i++)
            flush_stripe(&st->dbs[d].s[i]);
    }
}

/* A walk over bucket chains: removes expired keys, reports live ones to fn
 * (when given) and counts them. */
struct chain_walk {
    struct store *st;
    struct stripe *s;
    struct clk *c;
    store_key_fn fn;
    void *ctx;
    size_t reported;
};

static void visit_chain(void *ctx, struct dict *d, int ti, size_t idx)
{
    struct chain_walk *w = ctx;
    struct entry **pp = &d->t[ti].buckets[idx];
    while (*pp) {
        struct entry *e = *pp;
        if (entry_expired(w->st, e, w->c)) {
            entry_free(stripe_unlink(w->s, ti, pp));
            count_expired(w->st, 1);
            continue;
        }
        if (w->fn)
            w->fn(w->ctx, e->data, e->klen, (enum obj_type)e->type);
        w->reported++;
        pp = &e->next;
    }
}

int store_keys(struct store *st, int db, store_key_fn fn, void *ctx)
{
    if (!db_ok(db))
        return -EINVAL;
    struct clk c = {0};
    struct chain_walk w = {.st = st, .c = &c, .fn = fn, .ctx = ctx};
    for (unsigned i = 0; i < NSTRIPES; i++) {
        struct stripe *s = &st->dbs[db].s[i];
        w.s = s;
        pthread_mutex_lock(&s->lock);
        for (int ti = 0; ti < 2; ti++) {
            if (!s->d.t[ti].buckets)
                continue;
            for (size_t b = 0; b <= s->d.t[ti].mask; b++)
                visit_chain(&w, &s->d, ti, b);
        }
        stripe_maybe_shrink(s);
        pthread_mutex_unlock(&s->lock);
    }
    return 0;
}

int store_scan(struct store *st, int db, uint64_t *cursor, size_t count,
               store_key_fn fn, void *ctx)
{
    if (!db_ok(db))
        return -EINVAL;
    if (count == 0)
        count = 1;
    /* The cursor is the stripe index in the low bits and that stripe's
     * reverse-binary bucket cursor above them. */
    unsigned si = (unsigned)(*cursor & (NSTRIPES - 1));
    uint64_t v = *cursor >> STRIPE_BITS;
    size_t max_steps = count > SIZE_MAX / SCAN_EMPTY_VISITS
                           ? SIZE_MAX
                           : count * SCAN_EMPTY_VISITS;
    size_t steps = 0;
    struct clk c = {0};
    struct chain_walk w = {.st = st, .c = &c, .fn = fn, .ctx = ctx};
    while (si < NSTRIPES && w.reported < count && steps < max_steps) {
        struct stripe *s = &st->dbs[db].s[si];
        w.s = s;
        pthread_mutex_lock(&s->lock);
        do {
            v = dict_scan_step(&s->d, v, visit_chain, &w);
            steps++;
        } while (v != 0 && w.reported < count && steps < max_steps);
        stripe_maybe_shrink(s);
        pthread_mutex_unlock(&s->lock);
        if (v == 0)
            si++;
    }
    *cursor = si >= NSTRIPES ? 0 : (v << STRIPE_BITS) | si;
    return 0;
}

static uint64_t random_of(void *ctx)
{
    return store_rand(ctx);
}

int store_randomkey(struct store *st, int db, struct store_value *out)
{
    out->data = NULL;
    out->len = 0;
    if (!db_ok(db))
        return -EINVAL;
    struct db *d = &st->dbs[db];
    struct clk c = {0};
    for (;;) {
        size_t counts[NSTRIPES], total = 0;
        for (unsigned i = 0; i < NSTRIPES; i++) {
            counts[i] = counter_get(&d->s[i].keys);
            total += counts[i];
        }
        if (total == 0)
            return 0;
        /* Choose a stripe in proportion to its keys, so every key is about
         * equally likely. */
        size_t r = store_rand(st) % total;
        unsigned si = 0;
        while (si < NSTRIPES - 1 && r >= counts[si])
            r -= counts[si++];
        struct stripe *s = &d->s[si];
        pthread_mutex_lock(&s->lock);
        if (counter_get(&s->keys) == 0) {
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        int ti;
        struct entry **pp = dict_random(&s->d, random_of, st, &ti);
        if (!pp) {
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        struct entry *e = *pp;
        if (entry_expired(st, e, &c)) {
            /* Each retry removes a key, so this ends. */
            entry_free(stripe_unlink(s, ti, pp));
            count_expired(st, 1);
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        int rc = store_value_copy(out, e->data, e->klen);
        pthread_mutex_unlock(&s->lock);
        return rc ? rc : 1;
    }
}

