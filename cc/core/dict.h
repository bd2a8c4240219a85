/* dict.h - one stripe's hash table of store entries: chained buckets in
 * two tables, grown and shrunk by incremental rehashing (Redis's dict), with
 * the reverse-binary SCAN cursor and fair random picks. Also the keyed hash
 * (SipHash-1-3) that places keys.
 *
 * Owns the bucket arrays, not the entries' lifetime policy: expiry, the
 * expiring-key array and counters are the store's (store_internal.h). Not
 * thread-safe: the store calls it under the stripe's lock.
 */
#ifndef RESPD_DICT_H
#define RESPD_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DICT_NO_EXPIRY (-1)

/* One key and its value in one allocation. */
struct entry {
    struct entry *next;
    int64_t expire_at; /* DICT_NO_EXPIRY or ms since the epoch */
    uint32_t hash;     /* high half of the key hash: picks the bucket */
    uint32_t klen;
    uint32_t vlen;
    uint32_t vcap;     /* bytes reserved for the value, excluding its NUL */
    uint32_t vidx;     /* index in the stripe's vol array, when it expires */
    uint8_t type;      /* enum obj_type: OBJ_STRING's value is inline */
    char data[];       /* key bytes, then value bytes, then a NUL; for a
                        * collection the value is its pointer */
};

/* The collection a non-string entry holds. */
static inline void *entry_obj(const struct entry *e)
{
    void *o;
    memcpy(&o, e->data + e->klen, sizeof o);
    return o;
}

/* Frees the entry and, for a collection, what it holds. */
void entry_free(struct entry *e);

struct dict_table {
    struct entry **buckets; /* NULL when the table has no storage */
    size_t mask;            /* bucket count - 1 */
    size_t used;
};

struct dict {
    struct dict_table t[2];
    long rehash_idx; /* next t[0] bucket to move into t[1]; -1: not rehashing */
};

/* SipHash-1-3 of the key under the 128-bit key (k0, k1). */
uint64_t dict_hash(const void *data, size_t len, uint64_t k0, uint64_t k1);
/* Reads 8 bytes little-endian (the hash key's halves from a seed). */
uint64_t dict_load_le64(const unsigned char *p);

/* An empty dict holding no storage. */
void dict_init(struct dict *d);
/* Frees every entry and both tables; d is left empty. */
void dict_destroy(struct dict *d);

static inline bool dict_rehashing(const struct dict *d)
{
    return d->rehash_idx >= 0;
}

/* Moves up to n non-empty buckets from t[0] to t[1]. */
void dict_rehash_step(struct dict *d, size_t n);

/* Makes sure there is a table to link new entries into; -ENOMEM if not. */
int dict_reserve(struct dict *d);
/* Links a new entry whose key is known to be absent. Needs a prior
 * successful dict_reserve. May start growing the table. */
void dict_link(struct dict *d, struct entry *e);
/* Unlinks the entry *pp points at (in table ti) and returns it. */
struct entry *dict_unlink(struct dict *d, int ti, struct entry **pp);
/* Releases a table that is empty, or starts shrinking one less than 1/8
 * full. Never called in the middle of a scan step. */
void dict_maybe_shrink(struct dict *d);

/* Returns the link pointing at the key's entry (and its table in *ti), or
 * NULL. Advances a pending rehash by one bucket, as every access does.
 * Inline: it is the one dict call on every GET and SET. */
static inline struct entry **dict_find(struct dict *d, uint32_t h,
                                       const char *k, size_t klen, int *ti)
{
    if (dict_rehashing(d))
        dict_rehash_step(d, 1);
    for (int i = 0; i < 2; i++) {
        struct dict_table *t = &d->t[i];
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
        if (!dict_rehashing(d))
            return NULL;
    }
    return NULL;
}

/* The link pointing at entry e, found by its hash and address. */
struct entry **dict_link_of(struct dict *d, struct entry *e, int *ti);

/* Called by dict_scan_step for each bucket chain it visits: the chain
 * starts at d->t[ti].buckets[idx]; the callback may unlink entries. */
typedef void (*dict_chain_fn)(void *ctx, struct dict *d, int ti, size_t idx);
/* One step of the reverse-binary cursor walk (the idea behind Redis's
 * dictScan): visits every bucket that cursor v names in both tables and
 * returns the next cursor, 0 when the dict is done. Keys present throughout
 * a walk are seen even if the table grows or shrinks between steps. The
 * tables must not be resized during the step. */
uint64_t dict_scan_step(struct dict *d, uint64_t v, dict_chain_fn fn,
                        void *ctx);

/* Picks a random entry of a non-empty dict (its link, table in *ti), or
 * NULL when none was found. rand returns uniformly random 64-bit values. */
struct entry **dict_random(struct dict *d, uint64_t (*rand)(void *ctx),
                           void *ctx, int *ti);

#ifdef __cplusplus
}
#endif

#endif
