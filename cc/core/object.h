/* object.h - the kinds of value a key can hold and the few operations the
 * store needs on any of them (create, free, emptiness, name), so the store
 * and the dict stay ignorant of each structure's insides.
 *
 * Owns the type tags and the dispatch to each type's file (t_list.c, ...);
 * not the structures themselves, nor keys, locks or replies.
 */
#ifndef RESPD_OBJECT_H
#define RESPD_OBJECT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* OBJ_NONE answers "no such key"; strings live inline in the store's
 * entries, every other type is a separately allocated collection. */
enum obj_type {
    OBJ_NONE = 0,
    OBJ_STRING,
    OBJ_LIST,
    OBJ_HASH,
    OBJ_SET,
    OBJ_ZSET,
};

/* A new empty collection of type t (not OBJ_STRING), or NULL when out of
 * memory or t has no implementation yet. */
void *obj_new(enum obj_type t);
/* Frees collection o of type t; NULL is a no-op. */
void obj_free(enum obj_type t, void *o);
/* Elements in collection o. The store deletes a key whose collection
 * reaches 0, as Redis never keeps an empty one. */
size_t obj_len(enum obj_type t, const void *o);
/* TYPE's name for t ("none" for OBJ_NONE). */
const char *obj_type_name(enum obj_type t);
/* The type named by TYPE's word (case-insensitive), or OBJ_NONE. */
enum obj_type obj_type_from_name(const char *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
