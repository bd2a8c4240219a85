/* parser_fuzz.c - libFuzzer target for the RESP request parser.
 *
 * Owns: feeding one input to resp_parse twice, whole and in chunks, and
 * checking that both ways report the same requests and the same error. Does
 * not execute commands (session_fuzz.c does). Built by fuzz/run.sh.
 *
 * Input: byte 0 selects the unauthenticated limits (bit 0) and seeds the
 * chunk sizes; the rest is the byte stream a client sends. When bits 1-3 of
 * byte 0 are all set, bytes 1-2 are an offset and byte 3 a filler: 65536
 * filler bytes are inserted at that offset of the stream, so the 64 KiB
 * line limits are reached with inputs the fuzzer can mutate quickly.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc/core/resp_parser.h"

/* What a feeding produced: a hash of every request and the error text. */
struct digest {
    uint64_t hash;
    size_t requests;
    const char *error;
};

static void mix(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ULL;
    }
}

/* A session in miniature: keeps an incomplete frame and hands the parser a
 * fresh exact-size heap copy on every call, so AddressSanitizer catches a
 * read past `len` and any pointer kept from a previous buffer. */
#define COPY_MAX 8192
struct feeder {
    struct resp_parser p;
    char *pending; /* capacity: the whole input, allocated once */
    size_t len;
    struct digest d;
};

static void feeder_init(struct feeder *f, bool unauth, size_t cap)
{
    memset(f, 0, sizeof *f);
    f->pending = malloc(cap + 1);
    if (!f->pending)
        abort();
    resp_parser_init(&f->p);
    resp_parser_set_unauthenticated(&f->p, unauth);
    f->d.hash = 0xcbf29ce484222325ULL;
}

static void feeder_feed(struct feeder *f, const uint8_t *data, size_t n)
{
    if (f->d.error)
        return;
    memcpy(f->pending + f->len, data, n);
    f->len += n;
    for (;;) {
        /* Inflated streams (64 KiB and more) are parsed in place: copying
         * them on every call costs more than all other inputs together. */
        char *copy = f->pending;
        if (f->len <= COPY_MAX) {
            copy = malloc(f->len ? f->len : 1);
            if (!copy)
                abort();
            memcpy(copy, f->pending, f->len);
        }
        size_t consumed = SIZE_MAX;
        enum resp_status r = resp_parse(&f->p, copy, f->len, &consumed);
        if (consumed > f->len)
            abort();
        if (r == RESP_ERROR) {
            f->d.error = resp_parser_error(&f->p);
            if (!f->d.error || strncmp(f->d.error, "ERR ", 4) != 0 ||
                resp_parser_argc(&f->p) != 0 || resp_parser_idle(&f->p))
                abort();
            if (copy != f->pending)
                free(copy);
            return;
        }
        if (r == RESP_DONE) {
            int argc = resp_parser_argc(&f->p);
            const char *const *argv = resp_parser_argv(&f->p);
            const size_t *lens = resp_parser_argvlen(&f->p);
            if (argc < 1 || !argv || !lens || consumed == 0 || !resp_parser_idle(&f->p))
                abort();
            mix(&f->d.hash, &argc, sizeof argc);
            for (int i = 0; i < argc; i++) {
                if (lens[i] > consumed)
                    abort();
                mix(&f->d.hash, &lens[i], sizeof lens[i]);
                mix(&f->d.hash, argv[i], lens[i]);
            }
            f->d.requests++;
        }
        if (copy != f->pending)
            free(copy);
        memmove(f->pending, f->pending + consumed, f->len - consumed);
        f->len -= consumed;
        if (r == RESP_MORE) {
            /* Nothing left over must mean nothing half-parsed. */
            if ((f->len == 0) != resp_parser_idle(&f->p))
                abort();
            return;
        }
    }
}

static void feeder_destroy(struct feeder *f)
{
    resp_parser_destroy(&f->p);
    free(f->pending);
}

static bool same_digest(const struct digest *a, const struct digest *b)
{
    if (a->hash != b->hash || a->requests != b->requests)
        return false;
    if (!a->error || !b->error)
        return a->error == b->error;
    return strcmp(a->error, b->error) == 0;
}

#define INFLATE 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool unauth = data[0] & 1;
    uint32_t rng = data[0] * 2654435761u + 1;
    uint8_t *inflated = NULL;
    size_t max_chunk = 512;
    if ((data[0] & 0x0e) == 0x0e && size >= 4) {
        size_t at = ((size_t)data[1] << 8 | data[2]);
        uint8_t filler = data[3];
        data += 4;
        size -= 4;
        if (at > size)
            at = size;
        inflated = malloc(size + INFLATE);
        if (!inflated)
            abort();
        memcpy(inflated, data, at);
        memset(inflated + at, filler, INFLATE);
        memcpy(inflated + at + INFLATE, data + at, size - at);
        data = inflated;
        size += INFLATE;
        /* Large reads keep a 64 KiB stream from costing thousands of calls. */
        max_chunk = 16384;
    } else {
        data++;
        size--;
    }

    /* Past the inline limit the two feedings may legitimately differ (see
     * below), so an inflated stream is only fed in chunks. */
    bool compare = size <= RESP_INLINE_MAX;
    struct feeder whole, chunked;
    feeder_init(&whole, unauth, size);
    if (compare)
        feeder_feed(&whole, data, size);

    feeder_init(&chunked, unauth, size);
    size_t off = 0;
    while (off < size) {
        rng = rng * 1103515245u + 12345u;
        /* Small chunks, where resuming matters, single bytes and sometimes
         * larger reads. */
        uint32_t pick = (rng >> 16) % 8;
        size_t n = pick == 0 ? 1 : pick == 1 ? 1 + (rng >> 8) % max_chunk : 1 + (rng >> 8) % 16;
        if (inflated && pick != 0)
            n = 1 + (rng >> 8) % max_chunk;
        if (n > size - off)
            n = size - off;
        feeder_feed(&chunked, data + off, n);
        off += n;
    }

    /* A line longer than the inline limit may complete in one feeding and
     * fail in another (Redis behaves the same way), so compare below it. */
    if (compare && !same_digest(&whole.d, &chunked.d)) {
        fprintf(stderr, "whole: %zu requests, error %s; chunked: %zu requests, error %s\n",
                whole.d.requests, whole.d.error ? whole.d.error : "none",
                chunked.d.requests, chunked.d.error ? chunked.d.error : "none");
        abort();
    }
    feeder_destroy(&whole);
    feeder_destroy(&chunked);
    free(inflated);
    return 0;
}
