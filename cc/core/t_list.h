/* t_list.h - respd's list: a doubly linked chain of packed nodes (a chunked
 * deque). Each node holds up to TLIST_NODE_BYTES of elements, each written
 * as its length, its bytes and its length again (so a node is walked from
 * either end), giving O(1) pushes and pops at both ends and index seeks in
 * O(n / elements-per-node + elements-per-node).
 *
 * Owns only the structure; knows nothing of keys, locks or replies. Not
 * thread-safe: the store's stripe lock guards each list.
 */
#ifndef RESPD_T_LIST_H
#define RESPD_T_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A node is not grown past this many bytes; a longer element gets a node of
 * its own. */
#define TLIST_NODE_BYTES 8192

struct tlist_node;

struct tlist {
    struct tlist_node *head, *tail;
    size_t len;   /* elements */
    size_t nodes;
};

/* A position in a list: one element of one node. Valid until the list is
 * changed other than through the iterator's own calls. */
struct tlist_iter {
    struct tlist *l;
    struct tlist_node *node; /* NULL: past either end */
    uint32_t off;            /* byte offset of the element in the node */
};

/* A new empty list, or NULL when out of memory. */
struct tlist *tlist_new(void);
/* Frees the list and every element. NULL is a no-op. */
void tlist_free(struct tlist *l);

static inline size_t tlist_len(const struct tlist *l)
{
    return l->len;
}

/* Adds an element at the head (head true) or the tail. 0, or -ENOMEM with
 * the list unchanged. */
int tlist_push(struct tlist *l, bool head, const char *p, size_t n);
/* Removes the element at the head or tail; the list must not be empty. */
void tlist_pop(struct tlist *l, bool head);

/* Positions it at index i (0-based from the head; -1 is the tail). Returns
 * false, with it past the end, when i is out of range. */
bool tlist_seek(struct tlist *l, int64_t i, struct tlist_iter *it);
static inline bool tlist_iter_valid(const struct tlist_iter *it)
{
    return it->node != NULL;
}
/* The current element's bytes (valid until the list changes). */
const char *tlist_iter_get(const struct tlist_iter *it, size_t *n);
/* Moves towards the tail / head; false when it moved past the end. */
bool tlist_next(struct tlist_iter *it);
bool tlist_prev(struct tlist_iter *it);

/* Inserts p before (after false) or after the current element, which stays
 * current. 0 or -ENOMEM with the list unchanged. */
int tlist_insert(struct tlist_iter *it, bool after, const char *p, size_t n);
/* Replaces the current element, which stays current. 0 or -ENOMEM with the
 * list unchanged. */
int tlist_replace(struct tlist_iter *it, const char *p, size_t n);
/* Removes the current element; it moves to the next one towards the tail
 * (forward true) or the head, possibly past the end. */
void tlist_iter_delete(struct tlist_iter *it, bool forward);

/* Bytes the list holds (nodes and headers), for memory reports. */
size_t tlist_bytes(const struct tlist *l);

#ifdef __cplusplus
}
#endif

#endif
