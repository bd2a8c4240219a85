/* store.h - the keyspace: 16 databases of binary-safe string keys and values
 * with optional expiry times.
 *
 * Owns: keys, values, expiry, the clock the keyspace uses. Safe for
 * concurrent use by many threads (striped locks); a single-threaded caller
 * pays only uncontended lock costs. Does no I/O and never logs.
 */
#ifndef RESPD_STORE_H
#define RESPD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cc/core/object.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STORE_DBS 16

struct store;

/* Clock in milliseconds since the Unix epoch. Tests install their own. */
typedef int64_t (*store_clock_fn)(void *ctx);

/* Returns a new empty store using the real clock (CLOCK_REALTIME), or NULL
 * when out of memory. The hash key comes from the clock and addresses (the
 * core makes no other system calls); a caller with a real random source
 * should prefer store_new_seeded, which keys the hash with 16 bytes of it so
 * clients cannot choose colliding keys (hash flooding). */
struct store *store_new(void);
struct store *store_new_seeded(const unsigned char seed[16]);
/* Frees every key and the store. No other thread may be using it. */
void store_free(struct store *st);

/* Replaces the clock; not thread-safe, call before sharing the store. */
void store_set_clock(struct store *st, store_clock_fn fn, void *ctx);
int64_t store_now_ms(const struct store *st);

/* A value copied out of the store: the caller owns data and frees it with
 * free(). data is NUL-terminated (the NUL is not counted in len). */
struct store_value {
    char *data;
    size_t len;
};

/* The operations below are each atomic with respect to every other store
 * call on the same keys. db is 0..STORE_DBS-1. "expire_at" is an absolute
 * time in ms since the epoch, or -1 for no expiry. Keys that have expired are
 * treated as absent (and removed when touched). Functions returning int
 * return 0 / a count, or -ENOMEM, or -EINVAL for a db out of range. A key is
 * still alive in the millisecond of its expire_at and gone after it (Redis's
 * lazy-expiry rule); writing an expire_at <= now deletes the key instead
 * (Redis's SET/GETEX/EXPIRE rule). On every error nothing changed and every
 * out-value is empty (data NULL). */

/* GET: 1 and *out filled when key exists, 0 when absent. */
int store_get(struct store *st, int db, const char *key, size_t klen,
              struct store_value *out);

/* GET without a copy: when the key exists, calls fn(ctx, val, vlen) once
 * while the key's lock is held and returns 1; returns 0 when absent. val is
 * valid only during the call and fn must not call back into the store. This
 * lets a session encode the reply straight from the store's bytes. */
typedef void (*store_value_fn)(void *ctx, const char *val, size_t vlen);
int store_get_with(struct store *st, int db, const char *key, size_t klen,
                   store_value_fn fn, void *ctx);

/* SET with Redis's options. */
enum store_set_flags {
    STORE_SET_NX = 1 << 0,      /* only if absent */
    STORE_SET_XX = 1 << 1,      /* only if present */
    STORE_SET_KEEPTTL = 1 << 2, /* keep an existing expiry */
    STORE_SET_GET = 1 << 3,     /* copy the old value into *old */
};
/* Returns 1 when the value was written (or, with expire_at <= now, the key
 * deleted), 0 when NX/XX prevented it, STORE_ETOOBIG for a key or value
 * over STORE_MAX_STRLEN. SET clears an existing expiry unless KEEPTTL. With
 * STORE_SET_GET, *old_found says whether a previous value existed and *old
 * receives it (caller frees), also when NX/XX prevented the write. old and
 * old_found may be NULL without STORE_SET_GET. */
int store_set(struct store *st, int db, const char *key, size_t klen,
              const char *val, size_t vlen, int64_t expire_at, int flags,
              struct store_value *old, bool *old_found);

/* GETDEL: like store_get, and deletes the key when found. */
int store_getdel(struct store *st, int db, const char *key, size_t klen,
                 struct store_value *out);

/* GETEX: reads the value and changes its expiry in one step. mode is
 * STORE_GETEX_KEEP (no change), _SET (expire_at) or _PERSIST. */
enum store_getex_mode { STORE_GETEX_KEEP, STORE_GETEX_SET, STORE_GETEX_PERSIST };
int store_getex(struct store *st, int db, const char *key, size_t klen,
                enum store_getex_mode mode, int64_t expire_at,
                struct store_value *out);

/* Strings are capped at Redis's proto-max-bulk-len: APPEND (and SET/MSET
 * given longer values) returns STORE_ETOOBIG rather than build a longer one. */
#define STORE_MAX_STRLEN ((size_t)512 * 1024 * 1024)
#define STORE_ETOOBIG (-1003)

/* Every string operation (GET, GETDEL, GETEX, APPEND, STRLEN, INCRBY, and
 * SET with STORE_SET_GET) returns this for a key holding a collection,
 * with nothing changed; SET without GET and MSET overwrite any type, and
 * MGET reports such a key as absent, as Redis does. */
#define STORE_EWRONGTYPE (-1004)

/* APPEND: returns the new length in *newlen. */
int store_append(struct store *st, int db, const char *key, size_t klen,
                 const char *val, size_t vlen, size_t *newlen);

/* STRLEN: length, 0 when absent, STORE_EWRONGTYPE for a collection. */
int64_t store_strlen(struct store *st, int db, const char *key, size_t klen);

/* INCRBY: adds delta to the integer value (absent counts as 0).
 * Returns 0 with *result set; STORE_ENOTINT when the value is not an integer
 * in Redis's sense (no spaces, no leading zeros, fits int64);
 * STORE_EOVERFLOW when the result would overflow. Expiry is kept. */
#define STORE_ENOTINT (-1001)
#define STORE_EOVERFLOW (-1002)
int store_incrby(struct store *st, int db, const char *key, size_t klen,
                 int64_t delta, int64_t *result);

/* DEL/UNLINK of one key: 1 when deleted, 0 when absent. */
int store_del(struct store *st, int db, const char *key, size_t klen);
/* EXISTS of one key: 1 or 0. */
int store_exists(struct store *st, int db, const char *key, size_t klen);

/* MSET: all pairs become visible at once (no reader sees half of them).
 * keys/vals are argv-style arrays of n entries each. With nx true (MSETNX)
 * nothing is written if any key exists; returns 1 when written, 0 if not. */
int store_mset(struct store *st, int db, size_t n, const char *const *keys,
               const size_t *klens, const char *const *vals,
               const size_t *vlens, bool nx);
/* MGET: out[i].data is NULL for absent keys; a consistent snapshot. */
int store_mget(struct store *st, int db, size_t n, const char *const *keys,
               const size_t *klens, struct store_value *out);
/* MGET without copies: calls fn(ctx, i, val, vlen) for i = 0..n-1 in order,
 * with val NULL for an absent key, while the locks of all n keys are held
 * (one consistent snapshot). fn must not call back into the store. */
typedef void (*store_mget_fn)(void *ctx, size_t i, const char *val,
                              size_t vlen);
int store_mget_with(struct store *st, int db, size_t n,
                    const char *const *keys, const size_t *klens,
                    store_mget_fn fn, void *ctx);

/* Expiry. store_ttl_ms: -2 absent, -1 no expiry, else ms remaining. */
int64_t store_ttl_ms(struct store *st, int db, const char *key, size_t klen);
/* Absolute expiry time in ms, -1 none, -2 absent. */
int64_t store_expire_time(struct store *st, int db, const char *key, size_t klen);
/* EXPIRE family: sets the expiry to expire_at under the condition (Redis's
 * NX/XX/GT/LT; 0 = unconditional). An expire_at in the past deletes the key.
 * Returns 1 when applied (or deleted), 0 when the key is absent or the
 * condition failed. */
enum store_expire_cond {
    STORE_EXPIRE_NX = 1 << 0,
    STORE_EXPIRE_XX = 1 << 1,
    STORE_EXPIRE_GT = 1 << 2,
    STORE_EXPIRE_LT = 1 << 3,
};
int store_expire(struct store *st, int db, const char *key, size_t klen,
                 int64_t expire_at, int cond);
/* PERSIST: 1 when an expiry was removed, 0 otherwise. */
int store_persist(struct store *st, int db, const char *key, size_t klen);

/* Number of keys in db (may include keys that expired but are not yet
 * removed, as Redis's DBSIZE does). */
size_t store_dbsize(struct store *st, int db);
/* Keys with an expiry set in db (for INFO keyspace "expires="). */
size_t store_expires_count(struct store *st, int db);
/* FLUSHDB / FLUSHALL (db = -1). Each stripe is emptied atomically; keys
 * written concurrently into stripes already emptied survive, as they would
 * if written just after a Redis FLUSHALL. */
void store_flush(struct store *st, int db);

/* Iteration for KEYS, SCAN and RANDOMKEY. The callback receives each live
 * key; it is called with a lock held and must not call back into the store.
 * SCAN: resumes from *cursor (0 to start; any value is safe), reports about
 * `count` keys (whole buckets, so possibly a few more; fewer when it meets
 * many empty buckets: it stops after 10*count of them), stores the next
 * cursor (0 when finished). Guarantees Redis's SCAN property: every key
 * present for the whole iteration is returned at least once, even if tables
 * grow or shrink between calls; a key may be returned more than once. KEYS
 * and SCAN lock one stripe (1/16 of a db) at a time, not the whole db. */
typedef void (*store_key_fn)(void *ctx, const char *key, size_t klen,
                             enum obj_type type);
int store_keys(struct store *st, int db, store_key_fn fn, void *ctx);
int store_scan(struct store *st, int db, uint64_t *cursor, size_t count,
               store_key_fn fn, void *ctx);
/* RANDOMKEY: 1 and *out filled with a random live key, 0 if db is empty. */
int store_randomkey(struct store *st, int db, struct store_value *out);

/* TYPE: the key's enum obj_type, OBJ_NONE when absent; -EINVAL for a bad
 * db. */
int store_type(struct store *st, int db, const char *key, size_t klen);

/* ---- collections (store_obj.c) ----
 * A collection command names its keys in store_ref's; the store locks
 * their stripes (in its fixed order, as MSET does), looks each key up
 * (lazy expiry included) and calls the command's function, which operates
 * on the collections while the locks are held and may create keys. When
 * the function returns, every referenced key whose collection is empty is
 * deleted: Redis never keeps an empty collection. The function must not
 * call back into the store other than through store_obj_create. */
struct store_ref {
    const char *key; /* set by the caller */
    size_t klen;
    enum obj_type type; /* filled in: OBJ_NONE when absent */
    void *obj;          /* filled in: the collection; NULL if absent or a string */
    struct entry *entry_; /* private to the store */
    uint64_t hash_;
};
struct store_txn;
typedef int (*store_refs_fn)(void *ctx, struct store_txn *tx,
                             struct store_ref *refs, size_t n);
/* Runs fn over n keys of db (n >= 1; a key may appear more than once, and
 * its refs then share one collection). Returns fn's result, -EINVAL for a
 * bad db. */
int store_obj_apply(struct store *st, int db, struct store_ref *refs,
                    size_t n, store_refs_fn fn, void *ctx);
/* From inside fn: makes refs[i]'s key a new empty collection of type t,
 * replacing any value and expiry it had (as Redis's *STORE commands and
 * a push to an absent key do), and updates every ref to that key. Returns
 * the collection, or NULL when out of memory with nothing changed. */
void *store_obj_create(struct store_txn *tx, size_t i, enum obj_type t);

/* The common single-key case. With key absent: creates it as an empty
 * collection of type t when flags has STORE_OBJ_CREATE, else returns 0
 * without calling fn. A key of another type: STORE_EWRONGTYPE. Otherwise
 * calls fn(ctx, obj) and returns fn's result if negative, else 1. */
enum { STORE_OBJ_CREATE = 1 << 0 };
typedef int (*store_obj_fn)(void *ctx, void *obj);
int store_obj_with(struct store *st, int db, const char *key, size_t klen,
                   enum obj_type t, int flags, store_obj_fn fn, void *ctx);

/* Active expiry, Redis-style: sweeps keys with an expiry (a resumable
 * cursor per stripe, so every key is eventually checked) and removes the
 * expired ones, doing about `budget` key checks; it also advances table
 * resizes that idle stripes left half done. Returns the number removed.
 * Thread-safe; one sweeper at a time: a call made while another runs returns
 * 0 at once. Engines call it about every 100 ms. */
size_t store_active_expire(struct store *st, size_t budget);
/* Total keys removed by expiry so far (lazy and active), for INFO. */
uint64_t store_expired_total(const struct store *st);

#ifdef __cplusplus
}
#endif

#endif
