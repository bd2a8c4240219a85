/* store.c - the keyspace behind store.h: each database is split into
 * NSTRIPES hash tables by key hash, each with its own mutex; chained buckets
 * grow and shrink by incremental rehashing; one allocation per key holds the
 * key and the value. Expiry is lazy on access plus a sweep over a per-stripe
 * array of the keys that have one. Does not parse commands or format replies
 * (commands.c does).
 */
#define _GNU_SOURCE
#include "cc/core/store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STRIPE_BITS 4
#define NSTRIPES (1u << STRIPE_BITS)
#define TABLE_MIN 4
/* A rehash or random-bucket step may skip this many empty buckets per
 * useful one, so one call never walks a long empty stretch. */
#define EMPTY_VISITS 10
#define NO_EXPIRY (-1)
/* Values written by INCRBY get room for any int64 so the next INCR can
 * rewrite them in place. */
#define INT_VCAP 20
#define SMALL_BATCH 16

struct entry {
    struct entry *next;
    int64_t expire_at; /* NO_EXPIRY or ms since the epoch */
    uint32_t hash;     /* high half of the key hash: picks the bucket */
    uint32_t klen;
    uint32_t vlen;
    uint32_t vcap;     /* bytes reserved for the value, excluding its NUL */
    uint32_t vidx;     /* index in the stripe's vol array, when it expires */
    char data[];       /* key bytes, then value bytes, then a NUL */
};

struct table {
    struct entry **buckets; /* NULL when the table has no storage */
    size_t mask;            /* bucket count - 1 */
    size_t used;
};

/* Everything in a stripe is guarded by its lock, except the two counters,
 * which are written under the lock but may be read without it (DBSIZE, INFO,
 * RANDOMKEY's choice of stripe, the expiry sweep's choice of stripes). */
struct stripe {
    alignas(64) pthread_mutex_t lock;
    struct table t[2];
    long rehash_idx; /* next t[0] bucket to move into t[1]; -1: not rehashing */
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

/* ---- hashing: SipHash-1-3 keyed per store, so clients cannot aim many
 * keys at one bucket. ---- */

static inline uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

#define SIP_ROUND(v0, v1, v2, v3)                                            \
    do {                                                                     \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);        \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                             \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                             \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);        \
    } while (0)

static inline uint64_t siphash(const void *data, size_t len, uint64_t k0,
                               uint64_t k1, int crounds, int drounds)
{
    const unsigned char *p = data;
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = load_le64(p + i);
        v3 ^= m;
        for (int r = 0; r < crounds; r++)
            SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)p[whole + i] << (8 * i);
    v3 ^= b;
    for (int r = 0; r < crounds; r++)
        SIP_ROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (int r = 0; r < drounds; r++)
        SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

static inline uint64_t key_hash(const struct store *st, const char *k,
                                size_t klen)
{
    return siphash(k, klen, st->k0, st->k1, 1, 3);
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t store_rand(struct store *st)
{
    uint64_t x = atomic_fetch_add_explicit(&st->rng, 0x9e3779b97f4a7c15ULL,
                                           memory_order_relaxed);
    return mix64(x);
}

static inline uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
}

/* ---- small helpers ---- */

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

static int64_t clk_now(struct store *st, struct clk *c)
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

static struct entry *entry_new(uint32_t h, const char *k, size_t klen,
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
    if (klen)
        memcpy(e->data, k, klen);
    if (vlen)
        memcpy(e->data + klen, v, vlen);
    e->data[klen + vlen] = '\0';
    return e;
}

static int value_copy(struct store_value *out, const char *p, size_t n)
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

/* ---- one stripe's table: incremental rehashing ---- */

static inline bool stripe_rehashing(const struct stripe *s)
{
    return s->rehash_idx >= 0;
}

/* Starts moving to a table of at least `want` buckets (a power of two);
 * allocates the first table directly. On allocation failure the stripe keeps
 * its current table, which chaining keeps correct, only slower. */
static void stripe_start_resize(struct stripe *s, size_t want)
{
    size_t size = TABLE_MIN;
    while (size < want && size < ((size_t)1 << 32))
        size <<= 1;
    if (s->t[0].buckets && size == s->t[0].mask + 1)
        return;
    struct entry **b = calloc(size, sizeof *b);
    if (!b)
        return;
    if (!s->t[0].buckets) {
        s->t[0] = (struct table){.buckets = b, .mask = size - 1, .used = 0};
        return;
    }
    s->t[1] = (struct table){.buckets = b, .mask = size - 1, .used = 0};
    s->rehash_idx = 0;
}

/* Moves up to n non-empty buckets from t[0] to t[1]. */
static void stripe_rehash_step(struct stripe *s, size_t n)
{
    size_t empty_left = n * EMPTY_VISITS;
    struct table *from = &s->t[0], *to = &s->t[1];
    while (n-- > 0 && from->used > 0) {
        while (!from->buckets[s->rehash_idx]) {
            s->rehash_idx++;
            if (--empty_left == 0)
                return;
        }
        struct entry *e = from->buckets[s->rehash_idx];
        while (e) {
            struct entry *next = e->next;
            size_t idx = e->hash & to->mask;
            e->next = to->buckets[idx];
            to->buckets[idx] = e;
            from->used--;
            to->used++;
            e = next;
        }
        from->buckets[s->rehash_idx] = NULL;
        s->rehash_idx++;
    }
    if (from->used == 0) {
        free(from->buckets);
        *from = *to;
        *to = (struct table){0};
        s->rehash_idx = -1;
    }
}

/* Makes sure the stripe has a table to link new entries into. */
static int stripe_reserve(struct stripe *s)
{
    if (!s->t[0].buckets)
        stripe_start_resize(s, TABLE_MIN);
    return s->t[0].buckets ? 0 : -ENOMEM;
}

/* Makes room for one more entry in the vol array, so that giving a key an
 * expiry cannot fail half-way through an operation. */
static int vol_reserve(struct stripe *s)
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

/* Needs a prior successful vol_reserve. */
static void vol_add(struct stripe *s, struct entry *e)
{
    e->vidx = (uint32_t)s->vol_len;
    s->vol[s->vol_len++] = e;
    counter_add(&s->expires, 1);
}

static void vol_del(struct stripe *s, struct entry *e)
{
    struct entry *last = s->vol[--s->vol_len];
    s->vol[e->vidx] = last;
    last->vidx = e->vidx;
    counter_add(&s->expires, -1);
}

/* Links a new entry (whose key is known to be absent). Needs a prior
 * successful stripe_reserve, and vol_reserve when it has an expiry. */
static void stripe_link_new(struct stripe *s, struct entry *e)
{
    if (!stripe_rehashing(s) && s->t[0].used > s->t[0].mask)
        stripe_start_resize(s, s->t[0].used + 1);
    struct table *t = stripe_rehashing(s) ? &s->t[1] : &s->t[0];
    size_t idx = e->hash & t->mask;
    e->next = t->buckets[idx];
    t->buckets[idx] = e;
    t->used++;
    counter_add(&s->keys, 1);
    if (e->expire_at != NO_EXPIRY)
        vol_add(s, e);
}

/* Releases storage the stripe no longer needs: the table and vol array when
 * empty, otherwise half of a vol array that is less than 1/4 used, and
 * starts shrinking a table that is less than 1/8 full. Never called in the
 * middle of a scan step, which relies on the tables staying put. */
static void stripe_maybe_shrink(struct stripe *s)
{
    if (stripe_rehashing(s) || !s->t[0].buckets)
        return;
    if (s->vol_cap > 8 && s->vol_len < s->vol_cap / 4) {
        struct entry **v = realloc(s->vol, s->vol_cap / 2 * sizeof *v);
        if (v) {
            s->vol = v;
            s->vol_cap /= 2;
        }
    }
    if (s->t[0].used == 0) {
        free(s->t[0].buckets);
        s->t[0] = (struct table){0};
        free(s->vol);
        s->vol = NULL;
        s->vol_len = s->vol_cap = s->vol_cursor = 0;
        return;
    }
    if (s->t[0].mask + 1 > TABLE_MIN && s->t[0].used * 8 < s->t[0].mask + 1)
        stripe_start_resize(s, s->t[0].used);
}

/* Returns the link pointing at the key's entry (and its table in *ti), or
 * NULL. Advances a pending rehash by one bucket, as every access does. */
static struct entry **stripe_find(struct stripe *s, uint32_t h,
                                  const char *k, size_t klen, int *ti)
{
    if (stripe_rehashing(s))
        stripe_rehash_step(s, 1);
    for (int i = 0; i < 2; i++) {
        struct table *t = &s->t[i];
        if (!t->buckets)
            return NULL;
        for (struct entry **pp = &t->buckets[h & t->mask]; *pp;
             pp = &(*pp)->next) {
            struct entry *e = *pp;
            if (e->hash == h && e->klen == klen &&
                (klen == 0 || memcmp(e->data, k, klen) == 0)) {
                *ti = i;
                return pp;
            }
        }
        if (!stripe_rehashing(s))
            return NULL;
    }
    return NULL;
}

/* The link pointing at entry e, found by its hash and address. */
static struct entry **stripe_link_of(struct stripe *s, struct entry *e,
                                     int *ti)
{
    for (int i = 0; i < 2 && s->t[i].buckets; i++) {
        struct entry **pp = &s->t[i].buckets[e->hash & s->t[i].mask];
        for (; *pp; pp = &(*pp)->next) {
            if (*pp == e) {
                *ti = i;
                return pp;
            }
        }
    }
    return NULL;
}

static struct entry *stripe_unlink(struct stripe *s, int ti,
                                   struct entry **pp)
{
    struct entry *e = *pp;
    *pp = e->next;
    s->t[ti].used--;
    counter_add(&s->keys, -1);
    if (e->expire_at != NO_EXPIRY)
        vol_del(s, e);
    return e;
}

/* Puts ne where *pp is and frees the old entry. Needs vol_reserve when ne
 * has an expiry and the old entry had none. */
static void stripe_replace(struct stripe *s, struct entry **pp,
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
    free(old);
}

/* Needs vol_reserve when at is an expiry and e has none yet. */
static void entry_set_expire(struct stripe *s, struct entry *e, int64_t at)
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

static void count_expired(struct store *st, uint64_t n)
{
    atomic_fetch_add_explicit(&st->expired, n, memory_order_relaxed);
}

/* stripe_find plus lazy expiry: an expired key is removed and reported
 * absent. */
static struct entry **stripe_lookup(struct store *st, struct stripe *s,
                                    uint32_t h, const char *k, size_t klen,
                                    struct clk *c, int *ti)
{
    struct entry **pp = stripe_find(s, h, k, klen, ti);
    if (pp && entry_expired(st, *pp, c)) {
        free(stripe_unlink(s, *ti, pp));
        count_expired(st, 1);
        return NULL;
    }
    return pp;
}

/* Rewrites the value of the entry at *pp, in place when it fits without
 * wasting much, else in a new allocation. Keeps the expiry. */
static int entry_store_value(struct stripe *s, struct entry **pp,
                             const char *v, size_t vlen, size_t mincap)
{
    struct entry *e = *pp;
    if (vlen <= e->vcap && e->vcap - vlen <= vlen + 32 + mincap) {
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
            s->rehash_idx = -1;
            atomic_init(&s->keys, 0);
            atomic_init(&s->expires, 0);
        }
    }
    pthread_mutex_init(&st->cron_lock, NULL);
    st->clock = real_clock;
    st->clock_ctx = NULL;
    st->k0 = load_le64(seed);
    st->k1 = load_le64(seed + 8);
    atomic_init(&st->expired, 0);
    atomic_init(&st->rng, mix64(st->k0 ^ rotl64(st->k1, 17)));
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

static void free_chains(struct table *t)
{
    if (!t->buckets)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        struct entry *e = t->buckets[i];
        while (e) {
            struct entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(t->buckets);
}

void store_free(struct store *st)
{
    if (!st)
        return;
    for (int d = 0; d < STORE_DBS; d++) {
        for (unsigned i = 0; i < NSTRIPES; i++) {
            struct stripe *s = &st->dbs[d].s[i];
            free_chains(&s->t[0]);
            free_chains(&s->t[1]);
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

static inline struct stripe *stripe_for(struct store *st, int db,
                                        const char *k, size_t klen,
                                        uint32_t *h32)
{
    uint64_t h = key_hash(st, k, klen);
    *h32 = (uint32_t)(h >> 32);
    return &st->dbs[db].s[h & (NSTRIPES - 1)];
}

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
    if (pp)
        fn(ctx, entry_val(*pp), (*pp)->vlen);
    pthread_mutex_unlock(&s->lock);
    return pp ? 1 : 0;
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
    if (pp) {
        rc = value_copy(out, entry_val(*pp), (*pp)->vlen);
        if (rc == 0) {
            if (remove) {
                free(stripe_unlink(s, ti, pp));
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
    if (pp && want_old) {
        rc = value_copy(old, entry_val(*pp), (*pp)->vlen);
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
            free(stripe_unlink(s, ti, pp));
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
    rc = stripe_reserve(s);
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
    if (mode == STORE_GETEX_SET && expire_at != NO_EXPIRY) {
        rc = vol_reserve(s);
        if (rc)
            goto out;
    }
    rc = value_copy(out, entry_val(*pp), (*pp)->vlen);
    if (rc)
        goto out;
    rc = 1;
    if (mode == STORE_GETEX_PERSIST) {
        entry_set_expire(s, *pp, NO_EXPIRY);
    } else if (mode == STORE_GETEX_SET) {
        if (expire_at == NO_EXPIRY) {
            entry_set_expire(s, *pp, NO_EXPIRY);
        } else if (expire_at <= clk_now(st, &c)) {
            free(stripe_unlink(s, ti, pp));
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
        rc = stripe_reserve(s);
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

size_t store_strlen(struct store *st, int db, const char *key, size_t klen)
{
    if (!db_ok(db))
        return 0;
    uint32_t h;
    struct stripe *s = stripe_for(st, db, key, klen, &h);
    struct clk c = {0};
    int ti;
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    struct entry **pp = stripe_lookup(st, s, h, key, klen, &c, &ti);
    if (pp)
        n = (*pp)->vlen;
    pthread_mutex_unlock(&s->lock);
    return n;
}

bool store_parse_int64(const char *p, size_t n, int64_t *out)
{
    if (n == 0 || n > 20)
        return false;
    if (n == 1 && p[0] == '0') {
        *out = 0;
        return true;
    }
    size_t i = 0;
    bool neg = false;
    if (p[0] == '-') {
        neg = true;
        i = 1;
        if (n == 1)
            return false;
    }
    if (p[i] < '1' || p[i] > '9')
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

static size_t format_int64(char *buf, int64_t v)
{
    char tmp[INT_VCAP];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    return len;
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
    if (pp && !store_parse_int64(entry_val(*pp), (*pp)->vlen, &cur)) {
        rc = STORE_ENOTINT;
        goto out;
    }
    if ((delta < 0 && cur < 0 && delta < INT64_MIN - cur) ||
        (delta > 0 && cur > 0 && delta > INT64_MAX - cur)) {
        rc = STORE_EOVERFLOW;
        goto out;
    }
    int64_t next = cur + delta;
    size_t len = format_int64(buf, next);
    if (pp) {
        rc = entry_store_value(s, pp, buf, len, INT_VCAP);
        if (rc)
            goto out;
    } else {
        rc = stripe_reserve(s);
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
        free(stripe_unlink(s, ti, pp));
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

static void lock_stripes(struct db *d, uint32_t mask)
{
    for (unsigned i = 0; i < NSTRIPES; i++)
        if (mask & (1u << i))
            pthread_mutex_lock(&d->s[i].lock);
}

static void unlock_stripes(struct db *d, uint32_t mask)
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
        hashes[i] = key_hash(st, keys[i], klens[i]);
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
        es = calloc(n, sizeof *es);
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
     * half-way and so allocation happens outside the locks. */
    for (size_t i = 0; i < n; i++) {
        es[i] = entry_new((uint32_t)(hs[i] >> 32), keys[i], klens[i], vals[i],
                          vlens[i], 0, NO_EXPIRY);
        if (!es[i]) {
            rc = -ENOMEM;
            goto done;
        }
    }
    struct clk c = {0};
    int ti;
    lock_stripes(d, mask);
    for (unsigned i = 0; i < NSTRIPES; i++) {
        if ((mask & (1u << i)) && stripe_reserve(&d->s[i])) {
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
        struct entry **pp = stripe_find(s, es[i]->hash, keys[i], klens[i], &ti);
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
    for (size_t i = 0; i < n; i++)
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
        if (pp)
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
        mc->rc = value_copy(&mc->out[i], val, vlen);
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

/* ---- expiry ---- */

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
        free(stripe_unlink(s, ti, pp));
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

/* ---- whole-database operations ---- */

size_t store_dbsize(struct store *st, int db)
{
    if (!db_ok(db))
        return 0;
    size_t n = 0;
    for (unsigned i = 0; i < NSTRIPES; i++)
        n += counter_get(&st->dbs[db].s[i].keys);
    return n;
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

static void flush_stripe(struct stripe *s)
{
    pthread_mutex_lock(&s->lock);
    struct table t0 = s->t[0], t1 = s->t[1];
    s->t[0] = (struct table){0};
    s->t[1] = (struct table){0};
    s->rehash_idx = -1;
    struct entry **vol = s->vol;
    s->vol = NULL;
    s->vol_len = s->vol_cap = s->vol_cursor = 0;
    counter_add(&s->keys, -(long)counter_get(&s->keys));
    counter_add(&s->expires, -(long)counter_get(&s->expires));
    pthread_mutex_unlock(&s->lock);
    /* Freed outside the lock so other keys of the stripe are not blocked
     * while a large database is released. */
    free_chains(&t0);
    free_chains(&t1);
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

/* Walks one bucket chain: removes expired keys, reports live ones to fn
 * (when given). */
static void visit_chain(struct store *st, struct stripe *s, int ti,
                        size_t idx, struct clk *c, store_key_fn fn, void *ctx,
                        size_t *reported)
{
    struct entry **pp = &s->t[ti].buckets[idx];
    while (*pp) {
        struct entry *e = *pp;
        if (entry_expired(st, e, c)) {
            free(stripe_unlink(s, ti, pp));
            count_expired(st, 1);
            continue;
        }
        if (fn)
            fn(ctx, e->data, e->klen);
        (*reported)++;
        pp = &e->next;
    }
}

/* One step of the reverse-binary cursor walk (the idea behind Redis's
 * dictScan): visits every bucket that cursor v names in both tables and
 * returns the next cursor, 0 when the stripe is done. Incrementing the
 * cursor from its high bit down means a bucket visited in a small table
 * covers exactly the buckets it splits into in a larger one, so keys present
 * throughout a walk are seen even if the table grows or shrinks between
 * steps. The tables must not change during the step. */
static uint64_t stripe_scan_step(struct store *st, struct stripe *s,
                                 uint64_t v, struct clk *c, store_key_fn fn,
                                 void *ctx, size_t *reported)
{
    if (!s->t[0].buckets)
        return 0;
    if (!stripe_rehashing(s)) {
        size_t m = s->t[0].mask;
        visit_chain(st, s, 0, v & m, c, fn, ctx, reported);
        v |= ~(uint64_t)m;
        return rev64(rev64(v) + 1);
    }
    int small = s->t[0].mask <= s->t[1].mask ? 0 : 1;
    int large = 1 - small;
    uint64_t m0 = s->t[small].mask, m1 = s->t[large].mask;
    visit_chain(st, s, small, v & m0, c, fn, ctx, reported);
    do {
        visit_chain(st, s, large, v & m1, c, fn, ctx, reported);
        v |= ~m1;
        v = rev64(rev64(v) + 1);
    } while (v & (m0 ^ m1));
    return v;
}

int store_keys(struct store *st, int db, store_key_fn fn, void *ctx)
{
    if (!db_ok(db))
        return -EINVAL;
    struct clk c = {0};
    size_t reported = 0;
    for (unsigned i = 0; i < NSTRIPES; i++) {
        struct stripe *s = &st->dbs[db].s[i];
        pthread_mutex_lock(&s->lock);
        for (int ti = 0; ti < 2; ti++) {
            if (!s->t[ti].buckets)
                continue;
            for (size_t b = 0; b <= s->t[ti].mask; b++)
                visit_chain(st, s, ti, b, &c, fn, ctx, &reported);
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
    size_t max_steps = count > SIZE_MAX / EMPTY_VISITS ? SIZE_MAX
                                                       : count * EMPTY_VISITS;
    size_t steps = 0;
    struct clk c = {0};
    size_t reported = 0;
    while (si < NSTRIPES && reported < count && steps < max_steps) {
        struct stripe *s = &st->dbs[db].s[si];
        pthread_mutex_lock(&s->lock);
        do {
            v = stripe_scan_step(st, s, v, &c, fn, ctx, &reported);
            steps++;
        } while (v != 0 && reported < count && steps < max_steps);
        stripe_maybe_shrink(s);
        pthread_mutex_unlock(&s->lock);
        if (v == 0)
            si++;
    }
    *cursor = si >= NSTRIPES ? 0 : (v << STRIPE_BITS) | si;
    return 0;
}

/* Picks a random entry of a locked, non-empty stripe. */
static struct entry **stripe_random(struct store *st, struct stripe *s,
                                    int *ti)
{
    if (stripe_rehashing(s))
        stripe_rehash_step(s, 1);
    struct entry **head = NULL;
    for (int tries = 0; !head && tries < 1000; tries++) {
        if (stripe_rehashing(s)) {
            /* Buckets of t[0] below rehash_idx are empty: skip them. */
            size_t lo = (size_t)s->rehash_idx;
            size_t span = s->t[0].mask + 1 - lo + s->t[1].mask + 1;
            size_t r = lo + store_rand(st) % span;
            if (r <= s->t[0].mask) {
                *ti = 0;
                head = &s->t[0].buckets[r];
            } else {
                *ti = 1;
                head = &s->t[1].buckets[r - (s->t[0].mask + 1)];
            }
        } else {
            *ti = 0;
            head = &s->t[0].buckets[store_rand(st) & s->t[0].mask];
        }
        if (!*head)
            head = NULL;
    }
    if (!head) {
        /* A very sparse table: sweep from a random point instead. */
        for (int i = 0; i < 2 && !head; i++) {
            struct table *t = &s->t[i];
            if (!t->buckets)
                continue;
            size_t start = store_rand(st) & t->mask;
            for (size_t k = 0; k <= t->mask; k++) {
                size_t b = (start + k) & t->mask;
                if (t->buckets[b]) {
                    *ti = i;
                    head = &t->buckets[b];
                    break;
                }
            }
        }
        if (!head)
            return NULL;
    }
    size_t len = 0;
    for (struct entry *e = *head; e; e = e->next)
        len++;
    size_t pick = store_rand(st) % len;
    struct entry **pp = head;
    while (pick--)
        pp = &(*pp)->next;
    return pp;
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
        struct entry **pp = stripe_random(st, s, &ti);
        if (!pp) {
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        struct entry *e = *pp;
        if (entry_expired(st, e, &c)) {
            /* Each retry removes a key, so this ends. */
            free(stripe_unlink(s, ti, pp));
            count_expired(st, 1);
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        int rc = value_copy(out, e->data, e->klen);
        pthread_mutex_unlock(&s->lock);
        return rc ? rc : 1;
    }
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
        if (stripe_rehashing(s))
            stripe_rehash_step(s, 100);
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
            if (entry_expired(st, e, &c) && (pp = stripe_link_of(s, e, &ti))) {
                free(stripe_unlink(s, ti, pp));
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

/* ---- glob matching ---- */

static inline unsigned char fold(unsigned char ch, bool nocase)
{
    return nocase && ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
}

/* Matches the single-character token at pat[pi] (not '*') against ch and
 * stores where the token ends in *end. */
static bool glob_token(const unsigned char *pat, size_t plen, size_t pi,
                       unsigned char ch, bool nocase, size_t *end)
{
    unsigned char p = pat[pi];
    if (p == '?') {
        *end = pi + 1;
        return true;
    }
    if (p == '\\' && pi + 1 < plen) {
        *end = pi + 2;
        return fold(pat[pi + 1], nocase) == fold(ch, nocase);
    }
    if (p != '[') {
        *end = pi + 1;
        return fold(p, nocase) == fold(ch, nocase);
    }
    /* A set runs to the next unescaped ']' or, unterminated, to the end of
     * the pattern (as in Redis). "[]" is an empty set; "[^]" matches any
     * character. */
    size_t i = pi + 1;
    bool negate = i < plen && pat[i] == '^';
    if (negate)
        i++;
    bool match = false;
    unsigned char c = fold(ch, nocase);
    while (i < plen && pat[i] != ']') {
        if (pat[i] == '\\' && i + 1 < plen) {
            /* Redis compares escaped set members exactly, even with nocase. */
            if (pat[i + 1] == ch)
                match = true;
            i += 2;
        } else if (i + 2 < plen && pat[i + 1] == '-') {
            unsigned char lo = fold(pat[i], nocase), hi = fold(pat[i + 2], nocase);
            if (lo > hi) {
                unsigned char t = lo;
                lo = hi;
                hi = t;
            }
            if (c >= lo && c <= hi)
                match = true;
            i += 3;
        } else {
            if (fold(pat[i], nocase) == c)
                match = true;
            i++;
        }
    }
    *end = i < plen ? i + 1 : plen;
    return negate ? !match : match;
}

bool store_glob_match(const char *pattern, size_t plen, const char *string,
                      size_t slen, bool nocase)
{
    const unsigned char *pat = (const unsigned char *)pattern;
    const unsigned char *s = (const unsigned char *)string;
    size_t pi = 0, si = 0;
    /* Every non-star token matches exactly one character, so on a mismatch
     * it is enough to let the most recent star absorb one more character:
     * earlier stars could only cover what this one can. O(plen * slen). */
    bool have_star = false;
    size_t star_pi = 0, star_si = 0;
    while (si < slen) {
        if (pi < plen && pat[pi] == '*') {
            while (pi < plen && pat[pi] == '*')
                pi++;
            if (pi == plen)
                return true;
            have_star = true;
            star_pi = pi;
            star_si = si;
            continue;
        }
        size_t end;
        if (pi < plen && glob_token(pat, plen, pi, s[si], nocase, &end)) {
            pi = end;
            si++;
            continue;
        }
        if (!have_star)
            return false;
        pi = star_pi;
        si = ++star_si;
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}
