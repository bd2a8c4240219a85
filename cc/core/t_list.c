/* t_list.c - the chunked deque behind t_list.h. An element is stored as
 * LEB128(len), its bytes, then LEB128(len) with its bytes reversed, so the
 * element before any offset can be found by reading backwards (the idea of
 * Redis's listpack back-length). Nodes grow by realloc up to
 * TLIST_NODE_BYTES; a full node is split where an element must go.
 */
#include "cc/core/t_list.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tlist_node {
    struct tlist_node *prev, *next;
    uint32_t count; /* elements */
    uint32_t used;  /* bytes of data in use */
    uint32_t cap;   /* bytes of data allocated */
    unsigned char data[];
};

static size_t varint_len(size_t n)
{
    size_t k = 1;
    while (n >= 0x80) {
        n >>= 7;
        k++;
    }
    return k;
}

static size_t elem_size(size_t n)
{
    return 2 * varint_len(n) + n;
}

/* Writes p as one element at dst (elem_size(n) bytes). */
static void elem_write(unsigned char *dst, const char *p, size_t n)
{
    unsigned char v[10];
    size_t k = 0;
    size_t x = n;
    do {
        v[k] = (unsigned char)(x & 0x7f);
        x >>= 7;
        if (x)
            v[k] |= 0x80;
        k++;
    } while (x);
    memcpy(dst, v, k);
    if (n)
        memcpy(dst + k, p, n);
    for (size_t i = 0; i < k; i++)
        dst[k + n + k - 1 - i] = v[i];
}

/* The length of the element at p, and the size of its length field. */
static size_t elem_read(const unsigned char *p, size_t *hdr)
{
    size_t n = 0, k = 0;
    unsigned shift = 0;
    for (;;) {
        unsigned char b = p[k++];
        n |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
    }
    *hdr = k;
    return n;
}

/* The total size of the element that ends just before end. */
static size_t elem_size_before(const unsigned char *end)
{
    size_t n = 0;
    unsigned shift = 0;
    const unsigned char *p = end - 1;
    for (;;) {
        unsigned char b = *p;
        n |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
        p--;
    }
    return elem_size(n);
}

static size_t elem_size_at(const struct tlist_node *nd, uint32_t off)
{
    size_t hdr;
    size_t n = elem_read(nd->data + off, &hdr);
    return 2 * hdr + n;
}

struct tlist *tlist_new(void)
{
    return calloc(1, sizeof(struct tlist));
}

void tlist_free(struct tlist *l)
{
    if (!l)
        return;
    struct tlist_node *nd = l->head;
    while (nd) {
        struct tlist_node *next = nd->next;
        free(nd);
        nd = next;
    }
    free(l);
}

size_t tlist_bytes(const struct tlist *l)
{
    size_t b = sizeof(*l);
    for (const struct tlist_node *nd = l->head; nd; nd = nd->next)
        b += sizeof(*nd) + nd->cap;
    return b;
}

/* ---- nodes ---- */

static struct tlist_node *node_new(size_t cap)
{
    struct tlist_node *nd = malloc(sizeof(*nd) + cap);
    if (!nd)
        return NULL;
    nd->prev = nd->next = NULL;
    nd->count = nd->used = 0;
    nd->cap = (uint32_t)cap;
    return nd;
}

/* Links nd after `after` (NULL: at the head). */
static void node_link(struct tlist *l, struct tlist_node *after,
                      struct tlist_node *nd)
{
    nd->prev = after;
    nd->next = after ? after->next : l->head;
    if (nd->next)
        nd->next->prev = nd;
    else
        l->tail = nd;
    if (after)
        after->next = nd;
    else
        l->head = nd;
    l->nodes++;
}

static void node_unlink(struct tlist *l, struct tlist_node *nd)
{
    if (nd->prev)
        nd->prev->next = nd->next;
    else
        l->head = nd->next;
    if (nd->next)
        nd->next->prev = nd->prev;
    else
        l->tail = nd->prev;
    l->nodes--;
}

/* Reallocates nd to hold cap bytes, keeping its neighbours' links right.
 * Returns the node (perhaps moved) or NULL with nd untouched. */
static struct tlist_node *node_resize(struct tlist *l, struct tlist_node *nd,
                                      size_t cap)
{
    struct tlist_node *m = realloc(nd, sizeof(*nd) + cap);
    if (!m)
        return NULL;
    m->cap = (uint32_t)cap;
    if (m != nd) {
        if (m->prev)
            m->prev->next = m;
        else
            l->head = m;
        if (m->next)
            m->next->prev = m;
        else
            l->tail = m;
    }
    return m;
}

static bool node_fits(const struct tlist_node *nd, size_t sz)
{
    return nd->count == 0 || nd->used + sz <= TLIST_NODE_BYTES;
}

/* Writes the element into nd at off, which must fit (node_fits). */
static struct tlist_node *node_put(struct tlist *l, struct tlist_node *nd,
                                   uint32_t off, const char *p, size_t n,
                                   size_t sz)
{
    if (nd->used + sz > nd->cap) {
        size_t cap = (size_t)nd->cap * 2;
        if (cap < nd->used + sz)
            cap = nd->used + sz;
        if (cap > TLIST_NODE_BYTES && nd->used + sz <= TLIST_NODE_BYTES)
            cap = TLIST_NODE_BYTES;
        nd = node_resize(l, nd, cap);
        if (!nd)
            return NULL;
    }
    memmove(nd->data + off + sz, nd->data + off, nd->used - off);
    elem_write(nd->data + off, p, n);
    nd->used += (uint32_t)sz;
    nd->count++;
    l->len++;
    return nd;
}

static size_t first_cap(size_t sz)
{
    return sz < 64 ? 64 : sz;
}

/* Puts a new element at byte offset off of nd (nd NULL: the list is empty)
 * and reports where it went. 0 or -ENOMEM with the list unchanged. */
static int place(struct tlist *l, struct tlist_node *nd, uint32_t off,
                 const char *p, size_t n, struct tlist_iter *at)
{
    size_t sz = elem_size(n);
    if (sz > UINT32_MAX / 2)
        return -ENOMEM;
    if (nd && !node_fits(nd, sz)) {
        if (off == 0 && nd->prev && node_fits(nd->prev, sz)) {
            nd = nd->prev;
            off = nd->used;
        } else if (off == nd->used && nd->next && node_fits(nd->next, sz)) {
            nd = nd->next;
            off = 0;
        } else if (off == 0 || off == nd->used) {
            struct tlist_node *fresh = node_new(first_cap(sz));
            if (!fresh)
                return -ENOMEM;
            node_link(l, off == 0 ? nd->prev : nd, fresh);
            nd = fresh;
            off = 0;
        } else {
            /* Split: the bytes from off on move to a new node after nd. */
            uint32_t tail = nd->used - off;
            struct tlist_node *rest = node_new(tail);
            if (!rest)
                return -ENOMEM;
            memcpy(rest->data, nd->data + off, tail);
            rest->used = tail;
            uint32_t moved = 0;
            for (uint32_t o = 0; o < tail; o += (uint32_t)elem_size_at(rest, o))
                moved++;
            rest->count = moved;
            nd->count -= moved;
            nd->used = off;
            node_link(l, nd, rest);
            /* nd now ends at off and has room unless one element filled it. */
            return place(l, nd, off, p, n, at);
        }
    }
    if (!nd) {
        nd = node_new(first_cap(sz));
        if (!nd)
            return -ENOMEM;
        node_link(l, NULL, nd);
        off = 0;
    }
    struct tlist_node *m = node_put(l, nd, off, p, n, sz);
    if (!m) {
        if (nd->count == 0) {
            node_unlink(l, nd);
            free(nd);
        }
        return -ENOMEM;
    }
    at->l = l;
    at->node = m;
    at->off = off;
    return 0;
}

int tlist_push(struct tlist *l, bool head, const char *p, size_t n)
{
    struct tlist_iter at;
    if (head)
        return place(l, l->head, 0, p, n, &at);
    return place(l, l->tail, l->tail ? l->tail->used : 0, p, n, &at);
}

/* Removes the element at (nd, off). Returns the node, or NULL when the node
 * was freed because it became empty. */
static struct tlist_node *node_delete(struct tlist *l, struct tlist_node *nd,
                                      uint32_t off)
{
    uint32_t sz = (uint32_t)elem_size_at(nd, off);
    memmove(nd->data + off, nd->data + off + sz, nd->used - off - sz);
    nd->used -= sz;
    nd->count--;
    l->len--;
    if (nd->count == 0) {
        node_unlink(l, nd);
        free(nd);
        return NULL;
    }
    if (nd->cap > 256 && nd->used < nd->cap / 4) {
        struct tlist_node *m = node_resize(l, nd, nd->cap / 2);
        if (m)
            nd = m;
    }
    return nd;
}

void tlist_pop(struct tlist *l, bool head)
{
    struct tlist_node *nd = head ? l->head : l->tail;
    uint32_t off = head ? 0 : nd->used - (uint32_t)elem_size_before(nd->data + nd->used);
    node_delete(l, nd, off);
}

/* ---- iteration ---- */

bool tlist_seek(struct tlist *l, int64_t i, struct tlist_iter *it)
{
    it->l = l;
    it->node = NULL;
    it->off = 0;
    int64_t len = (int64_t)l->len;
    if (i < 0)
        i += len;
    if (i < 0 || i >= len)
        return false;
    struct tlist_node *nd;
    size_t j;
    if (i < len / 2) {
        nd = l->head;
        j = (size_t)i;
        while (j >= nd->count) {
            j -= nd->count;
            nd = nd->next;
        }
    } else {
        size_t back = (size_t)(len - 1 - i);
        nd = l->tail;
        while (back >= nd->count) {
            back -= nd->count;
            nd = nd->prev;
        }
        j = nd->count - 1 - back;
    }
    it->node = nd;
    if (j < nd->count / 2) {
        uint32_t off = 0;
        while (j--)
            off += (uint32_t)elem_size_at(nd, off);
        it->off = off;
    } else {
        uint32_t off = nd->used;
        for (size_t k = nd->count - j; k > 0; k--)
            off -= (uint32_t)elem_size_before(nd->data + off);
        it->off = off;
    }
    return true;
}

const char *tlist_iter_get(const struct tlist_iter *it, size_t *n)
{
    size_t hdr;
    *n = elem_read(it->node->data + it->off, &hdr);
    return (const char *)it->node->data + it->off + hdr;
}

bool tlist_next(struct tlist_iter *it)
{
    struct tlist_node *nd = it->node;
    it->off += (uint32_t)elem_size_at(nd, it->off);
    if (it->off < nd->used)
        return true;
    it->node = nd->next;
    it->off = 0;
    return it->node != NULL;
}

bool tlist_prev(struct tlist_iter *it)
{
    struct tlist_node *nd = it->node;
    if (it->off == 0) {
        nd = it->node = nd->prev;
        if (!nd)
            return false;
        it->off = nd->used;
    }
    it->off -= (uint32_t)elem_size_before(nd->data + it->off);
    return true;
}

int tlist_insert(struct tlist_iter *it, bool after, const char *p, size_t n)
{
    uint32_t off = it->off;
    if (after)
        off += (uint32_t)elem_size_at(it->node, off);
    struct tlist_iter at;
    int rc = place(it->l, it->node, off, p, n, &at);
    if (rc)
        return rc;
    *it = at;
    if (after)
        tlist_prev(it);
    else
        tlist_next(it);
    return 0;
}

int tlist_replace(struct tlist_iter *it, const char *p, size_t n)
{
    size_t oldn;
    tlist_iter_get(it, &oldn);
    struct tlist_node *nd = it->node;
    size_t sz = elem_size(n), oldsz = elem_size(oldn);
    if (sz == oldsz) {
        elem_write(nd->data + it->off, p, n);
        return 0;
    }
    /* Insert the new element after the old one, then drop the old. */
    int rc = tlist_insert(it, true, p, n);
    if (rc)
        return rc;
    tlist_iter_delete(it, true);
    return 0;
}

void tlist_iter_delete(struct tlist_iter *it, bool forward)
{
    struct tlist_node *nd = it->node;
    struct tlist_node *prev = nd->prev, *next = nd->next;
    uint32_t off = it->off;
    nd = node_delete(it->l, nd, off);
    if (forward) {
        if (nd && off < nd->used) {
            it->node = nd;
            it->off = off;
        } else {
            it->node = nd ? nd->next : next;
            it->off = 0;
        }
        return;
    }
    if (nd && off > 0) {
        it->node = nd;
        it->off = off - (uint32_t)elem_size_before(nd->data + off);
        return;
    }
    it->node = nd ? nd->prev : prev;
    if (it->node)
        it->off = it->node->used - (uint32_t)elem_size_before(it->node->data + it->node->used);
}
