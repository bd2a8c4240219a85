/* dict.c - one stripe's hash table (dict.h): SipHash-1-3, incremental
 * rehashing, the reverse-binary scan and random picks. Knows nothing of
 * expiry, locks or the store's counters.
 */
#include "cc/core/dict.h"

#include <errno.h>
#include <stdlib.h>

#include "cc/core/object.h"

#define DICT_TABLE_MIN 4
/* A rehash or random-bucket step may skip this many empty buckets per
 * useful one, so one call never walks a long empty stretch. */
#define DICT_EMPTY_VISITS 10

/* ---- hashing: keyed per store, so clients cannot aim many keys at one
 * bucket ---- */

static inline uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

uint64_t dict_load_le64(const unsigned char *p)
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

/* One compression round per block, three finalisation rounds. */
uint64_t dict_hash(const void *data, size_t len, uint64_t k0, uint64_t k1)
{
    const unsigned char *p = data;
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = dict_load_le64(p + i);
        v3 ^= m;
        SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)p[whole + i] << (8 * i);
    v3 ^= b;
    SIP_ROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (int r = 0; r < 3; r++)
        SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

static inline uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
}

/* ---- tables ---- */

void dict_init(struct dict *d)
{
    d->t[0] = (struct dict_table){0};
    d->t[1] = (struct dict_table){0};
    d->rehash_idx = -1;
}

void entry_free(struct entry *e)
{
    if (e->type != OBJ_STRING)
        obj_free((enum obj_type)e->type, entry_obj(e));
    free(e);
}

static void free_chains(struct dict_table *t)
{
    if (!t->buckets)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        struct entry *e = t->buckets[i];
        while (e) {
            struct entry *next = e->next;
            entry_free(e);
            e = next;
        }
    }
    free(t->buckets);
}

void dict_destroy(struct dict *d)
{
    free_chains(&d->t[0]);
    free_chains(&d->t[1]);
    dict_init(d);
}

/* Starts moving to a table of at least `want` buckets (a power of two);
 * allocates the first table directly. On allocation failure the dict keeps
 * its current table, which chaining keeps correct, only slower. */
static void dict_start_resize(struct dict *d, size_t want)
{
    size_t size = DICT_TABLE_MIN;
    while (size < want && size < ((size_t)1 << 32))
        size <<= 1;
    if (d->t[0].buckets && size == d->t[0].mask + 1)
        return;
    struct entry **b = calloc(size, sizeof *b);
    if (!b)
        return;
    if (!d->t[0].buckets) {
        d->t[0] = (struct dict_table){.buckets = b, .mask = size - 1, .used = 0};
        return;
    }
    d->t[1] = (struct dict_table){.buckets = b, .mask = size - 1, .used = 0};
    d->rehash_idx = 0;
}

void dict_rehash_step(struct dict *d, size_t n)
{
    size_t empty_left = n * DICT_EMPTY_VISITS;
    struct dict_table *from = &d->t[0], *to = &d->t[1];
    while (n-- > 0 && from->used > 0) {
        while (!from->buckets[d->rehash_idx]) {
            d->rehash_idx++;
            if (--empty_left == 0)
                return;
        }
        struct entry *e = from->buckets[d->rehash_idx];
        while (e) {
            struct entry *next = e->next;
            size_t idx = e->hash & to->mask;
            e->next = to->buckets[idx];
            to->buckets[idx] = e;
            from->used--;
            to->used++;
            e = next;
        }
        from->buckets[d->rehash_idx] = NULL;
        d->rehash_idx++;
    }
    if (from->used == 0) {
        free(from->buckets);
        *from = *to;
        *to = (struct dict_table){0};
        d->rehash_idx = -1;
    }
}

int dict_reserve(struct dict *d)
{
    if (!d->t[0].buckets)
        dict_start_resize(d, DICT_TABLE_MIN);
    return d->t[0].buckets ? 0 : -ENOMEM;
}

void dict_link(struct dict *d, struct entry *e)
{
    if (!dict_rehashing(d) && d->t[0].used > d->t[0].mask)
        dict_start_resize(d, d->t[0].used + 1);
    struct dict_table *t = dict_rehashing(d) ? &d->t[1] : &d->t[0];
    size_t idx = e->hash & t->mask;
    e->next = t->buckets[idx];
    t->buckets[idx] = e;
    t->used++;
}

struct entry *dict_unlink(struct dict *d, int ti, struct entry **pp)
{
    struct entry *e = *pp;
    *pp = e->next;
    d->t[ti].used--;
    return e;
}

void dict_maybe_shrink(struct dict *d)
{
    if (dict_rehashing(d) || !d->t[0].buckets)
        return;
    if (d->t[0].used == 0) {
        free(d->t[0].buckets);
        d->t[0] = (struct dict_table){0};
        return;
    }
    if (d->t[0].mask + 1 > DICT_TABLE_MIN && d->t[0].used * 8 < d->t[0].mask + 1)
        dict_start_resize(d, d->t[0].used);
}

struct entry **dict_link_of(struct dict *d, struct entry *e, int *ti)
{
    for (int i = 0; i < 2 && d->t[i].buckets; i++) {
        struct entry **pp = &d->t[i].buckets[e->hash & d->t[i].mask];
        for (; *pp; pp = &(*pp)->next) {
            if (*pp == e) {
                *ti = i;
                return pp;
            }
        }
    }
    return NULL;
}

/* ---- scan and random ---- */

/* Incrementing the cursor from its high bit down means a bucket visited in
 * a small table covers exactly the buckets it splits into in a larger one. */
uint64_t dict_scan_step(struct dict *d, uint64_t v, dict_chain_fn fn,
                        void *ctx)
{
    if (!d->t[0].buckets)
        return 0;
    if (!dict_rehashing(d)) {
        size_t m = d->t[0].mask;
        fn(ctx, d, 0, v & m);
        v |= ~(uint64_t)m;
        return rev64(rev64(v) + 1);
    }
    int small = d->t[0].mask <= d->t[1].mask ? 0 : 1;
    int large = 1 - small;
    uint64_t m0 = d->t[small].mask, m1 = d->t[large].mask;
    fn(ctx, d, small, v & m0);
    do {
        fn(ctx, d, large, v & m1);
        v |= ~m1;
        v = rev64(rev64(v) + 1);
    } while (v & (m0 ^ m1));
    return v;
}

struct entry **dict_random(struct dict *d, uint64_t (*rand)(void *ctx),
                           void *ctx, int *ti)
{
    if (dict_rehashing(d))
        dict_rehash_step(d, 1);
    struct entry **head = NULL;
    for (int tries = 0; !head && tries < 1000; tries++) {
        if (dict_rehashing(d)) {
            /* Buckets of t[0] below rehash_idx are empty: skip them. */
            size_t lo = (size_t)d->rehash_idx;
            size_t span = d->t[0].mask + 1 - lo + d->t[1].mask + 1;
            size_t r = lo + rand(ctx) % span;
            if (r <= d->t[0].mask) {
                *ti = 0;
                head = &d->t[0].buckets[r];
            } else {
                *ti = 1;
                head = &d->t[1].buckets[r - (d->t[0].mask + 1)];
            }
        } else {
            *ti = 0;
            head = &d->t[0].buckets[rand(ctx) & d->t[0].mask];
        }
        if (!*head)
            head = NULL;
    }
    if (!head) {
        /* A very sparse table: sweep from a random point instead. */
        for (int i = 0; i < 2 && !head; i++) {
            struct dict_table *t = &d->t[i];
            if (!t->buckets)
                continue;
            size_t start = rand(ctx) & t->mask;
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
    size_t pick = rand(ctx) % len;
    struct entry **pp = head;
    while (pick--)
        pp = &(*pp)->next;
    return pp;
}
