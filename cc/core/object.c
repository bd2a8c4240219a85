/* object.c - the per-type dispatch behind object.h. Each type added to
 * respd gains one case in each switch here and nothing in the store.
 */
#include "cc/core/object.h"

#include <strings.h>

#include "cc/core/t_list.h"

void *obj_new(enum obj_type t)
{
    switch (t) {
    case OBJ_LIST:
        return tlist_new();
    default:
        return NULL;
    }
}

void obj_free(enum obj_type t, void *o)
{
    switch (t) {
    case OBJ_LIST:
        tlist_free(o);
        break;
    default:
        break;
    }
}

size_t obj_len(enum obj_type t, const void *o)
{
    switch (t) {
    case OBJ_LIST:
        return tlist_len(o);
    default:
        return 0;
    }
}

static const char *const type_names[] = {
    [OBJ_NONE] = "none", [OBJ_STRING] = "string", [OBJ_LIST] = "list",
    [OBJ_HASH] = "hash", [OBJ_SET] = "set",       [OBJ_ZSET] = "zset",
};

const char *obj_type_name(enum obj_type t)
{
    return (unsigned)t <= OBJ_ZSET ? type_names[t] : "none";
}

enum obj_type obj_type_from_name(const char *p, size_t n)
{
    for (unsigned t = OBJ_STRING; t <= OBJ_ZSET; t++) {
        const char *name = type_names[t];
        size_t len = 0;
        while (name[len])
            len++;
        if (len == n && strncasecmp(p, name, n) == 0)
            return (enum obj_type)t;
    }
    return OBJ_NONE;
}
