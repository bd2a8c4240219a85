/* store_internal.h - private to store.c and store_expire.c: the layout of
 * the store (databases of NSTRIPES locked stripes, each a dict plus the
 * array of its keys that expire) and the stripe-level steps both files
 * use, which keep the dict, the vol array and the counters in agreement.
 *
 * Not for any other file: everything else uses store.h.
 */
#ifndef RESPD_STORE_INTERNAL_H
#define RESPD_STORE_INTERNAL_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cc/core/dict.h"
#include "cc/core/store.h"

#define STRIPE_BITS 4
#define NSTRIPES (1u << STRIPE_BITS)
#define NO_EXPIRY DICT_NO_EXPIRY

/* Everything in a stripe is guarded by its lock, except the two counters,
 * which are written under the lock but may be read without it (DBSIZE, INFO,
 * RANDOMKEY's choice of stripe, the expiry sweep's choice of stripes). */
struct stripe {
    alignas(64) pthread_mutex_t lock;
    struct dict d;
    /* The entries that have an expiry, in no order, so the sweep touches
     * only them (Redis keeps a second dict for this). */
    struct entry **vol;
    size_t vol_len, vol_cap;
    size_t vol_cursor; /* where the sweep resumes */
    _Atomic size_t keys;
    _Atomic size_t expires;
};

struct db {
    struct stripe s[NSTRIPES];
};

struct store {
    struct db dbs[STORE_DBS];
    store_clock_fn clock;
    void *clock_ctx;
    uint64_t k0, k1; /* hash key */
    _Atomic uint64_t expired;
    _Atomic uint64_t rng;
    pthread_mutex_t cron_lock;
    unsigned cron_pos; /* next stripe the sweep starts at; under cron_lock */
};

/* The current time, read at most once per operation and only when an
 * expiry actually has to be compared. */
struct clk {
    int64_t ms;
    bool have;
};

/* SplitMix64's finaliser: seeds and random picks. */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A random 64-bit value; lock-free, shared by every thread. */
static inline uint64_t store_rand(struct store *st)
{
    uint64_t x = atomic_fetch_add_explicit(&st->rng, 0x9e3779b97f4a7c15ULL,
                                           memory_order_relaxed);
    return mix64(x);
}

static inline void counter_add(_Atomic size_t *c, long d)
{
    /* Writers hold the stripe lock, so a plain load+store suffices; the
     * atomics only make lock-free readers well-defined. */
    size_t v = atomic_load_explicit(c, memory_order_relaxed);
    atomic_store_explicit(c, v + (size_t)d, memory_order_relaxed);
}

static inline size_t counter_get(const _Atomic size_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static inline int64_t clk_now(struct store *st, struct clk *c)
{
    if (!c->have) {
        c->ms = st->clock(st->clock_ctx);
        c->have = true;
    }
    return c->ms;
}

static inline bool db_ok(int db)
{
    return db >= 0 && db < STORE_DBS;
}

static inline char *entry_val(struct entry *e)
{
    return e->data + e->klen;
}

/* Copies n bytes into a new NUL-terminated out->data; -ENOMEM on failure. */
int store_value_copy(struct store_value *out, const char *p, size_t n);

/* A new string entry (type OBJ_STRING) with room for vcap value bytes, or
 * NULL when out of memory. A collection's entry holds its pointer as the
 * value and has its type set by the caller. */
struct entry *entry_new(uint32_t h, const char *k, size_t klen,
                        const char *v, size_t vlen, size_t vcap,
                        int64_t expire_at);

/* Multi-key steps (store.c): every stripe in mask is locked in index order,
 * the store's one lock order, before any key is touched. */
void lock_stripes(struct db *d, uint32_t mask);
void unlock_stripes(struct db *d, uint32_t mask);

/* ---- the vol array (store_expire.c owns its growth and shrinking) ---- */

/* Makes room for one more entry in the vol array, so that giving a key an
 * expiry cannot fail half-way through an operation. */
int vol_reserve(struct stripe *s);
/* Gives back vol storage the stripe no longer needs: all of it once the
 * stripe is empty, half of an array less than 1/4 used. */
void vol_maybe_shrink(struct stripe *s);

/* Needs a prior successful vol_reserve. */
static inline void vol_add(struct stripe *s, struct entry *e)
{
    e->vidx = (uint32_t)s->vol_len;
    s->vol[s->vol_len++] = e;
    counter_add(&s->expires, 1);
}

static inline void vol_del(struct stripe *s, struct entry *e)
{
    struct entry *last = s->vol[--s->vol_len];
    s->vol[e->vidx] = last;
    last->vidx = e->vidx;
    counter_add(&s->expires, -1);
}

/* ---- stripe steps: dict plus vol plus counters ---- */

/* Links a new entry (whose key is known to be absent). Needs a prior
 * successful dict_reserve, and vol_reserve when it has an expiry. */
static inline void stripe_link_new(struct stripe *s, struct entry *e)
{
    dict_link(&s->d, e);
    counter_add(&s->keys, 1);
    if (e->expire_at != NO_EXPIRY)
        vol_add(s, e);
}

static inline struct entry *stripe_unlink(struct stripe *s, int ti,
                                          struct entry **pp)
{
    struct entry *e = dict_unlink(&s->d, ti, pp);
    counter_add(&s->keys, -1);
    if (e->expire_at != NO_EXPIRY)
        vol_del(s, e);
    return e;
}

/* Puts ne where *pp is and frees the old entry. Needs vol_reserve when ne
 * has an expiry and the old entry had none. */
static inline void stripe_replace(struct stripe *s, struct entry **pp,
                                  struct entry *ne)
{
    struct entry *old = *pp;
    ne->next = old->next;
    *pp = ne;
    if (old->expire_at != NO_EXPIRY && ne->expire_at != NO_EXPIRY) {
        ne->vidx = old->vidx;
        s->vol[ne->vidx] = ne;
    } else if (old->expire_at != NO_EXPIRY) {
        vol_del(s, old);
    } else if (ne->expire_at != NO_EXPIRY) {
        vol_add(s, ne);
    }
    entry_free(old);
}

/* Needs vol_reserve when at is an expiry and e has none yet. */
static inline void entry_set_expire(struct stripe *s, struct entry *e,
                                    int64_t at)
{
    if (e->expire_at != NO_EXPIRY && at == NO_EXPIRY)
        vol_del(s, e);
    else if (e->expire_at == NO_EXPIRY && at != NO_EXPIRY)
        vol_add(s, e);
    e->expire_at = at;
}

static inline bool entry_expired(struct store *st, struct entry *e,
                                 struct clk *c)
{
    /* Like Redis, a key is still readable in the millisecond it expires. */
    return e->expire_at != NO_EXPIRY && clk_now(st, c) > e->expire_at;
}

static inline void count_expired(struct store *st, uint64_t n)
{
    atomic_fetch_add_explicit(&st->expired, n, memory_order_relaxed);
}

/* Releases storage the stripe no longer needs (vol array and table). Never
 * called in the middle of a scan step, which relies on the tables staying
 * put. */
static inline void stripe_maybe_shrink(struct stripe *s)
{
    if (dict_rehashing(&s->d) || !s->d.t[0].buckets)
        return;
    vol_maybe_shrink(s);
    dict_maybe_shrink(&s->d);
}

/* The stripe a key lives in, with the high half of its hash in *h32. */
static inline struct stripe *stripe_for(struct store *st, int db,
                                        const char *k, size_t klen,
                                        uint32_t *h32)
{
    uint64_t h = dict_hash(k, klen, st->k0, st->k1);
    *h32 = (uint32_t)(h >> 32);
    return &st->dbs[db].s[h & (NSTRIPES - 1)];
}

/* dict_find plus lazy expiry: an expired key is removed and reported
 * absent. Called with the stripe locked. */
static inline struct entry **stripe_lookup(struct store *st, struct stripe *s,
                                           uint32_t h, const char *k,
                                           size_t klen, struct clk *c, int *ti)
{
    struct entry **pp = dict_find(&s->d, h, k, klen, ti);
    if (pp && entry_expired(st, *pp, c)) {
        entry_free(stripe_unlink(s, *ti, pp));
        count_expired(st, 1);
        return NULL;
    }
    return pp;
}

#endif
