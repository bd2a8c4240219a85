/* session_fuzz.c - libFuzzer target for whole sessions: bytes in, commands
 * run against a store, replies out.
 *
 * Owns: driving two sessions on one core with a fuzzed byte stream and
 * checking that everything they send back is well-formed RESP. Does not
 * test the network engines. Built by fuzz/run.sh.
 *
 * Input: byte 0 picks the setup (bit 0: a password is required, bit 1: feed
 * through session_in_reserve/commit instead of session_feed, bit 2: a
 * non-loopback peer under protected mode) and seeds the chunking, the
 * clock steps and the output draining; the rest is what the clients send.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc/core/core.h"
#include "cc/core/session.h"

/* Output kept per session for validation; a session may produce more
 * (large MGETs), the rest is only drained. */
#define KEEP_OUT (1u << 20)

struct fake_clock {
    int64_t now_ms;
};

static int64_t fake_now(void *ctx)
{
    return ((struct fake_clock *)ctx)->now_ms;
}

struct client {
    struct session *s;
    char *out;
    size_t out_len;
    size_t out_cap;
    bool out_truncated;
};

static uint32_t next(uint32_t *rng)
{
    *rng = *rng * 1103515245u + 12345u;
    return *rng >> 8;
}

/* Moves some or all pending output into c->out, like a socket that accepts
 * a random number of bytes. */
static void drain(struct client *c, uint32_t *rng, bool all)
{
    for (;;) {
        size_t len = 0;
        const char *p = session_out_peek(c->s, &len);
        if (len == 0)
            return;
        if (!p)
            abort();
        size_t n = all ? len : 1 + next(rng) % len;
        if (c->out_len + n <= KEEP_OUT && !c->out_truncated) {
            if (c->out_len + n > c->out_cap) {
                size_t cap = c->out_cap ? c->out_cap : 4096;
                while (cap < c->out_len + n)
                    cap *= 2;
                c->out = realloc(c->out, cap);
                if (!c->out)
                    abort();
                c->out_cap = cap;
            }
            memcpy(c->out + c->out_len, p, n);
            c->out_len += n;
        } else {
            c->out_truncated = true;
        }
        size_t before = session_out_pending(c->s);
        session_out_consume(c->s, n);
        if (session_out_pending(c->s) != before - n)
            abort();
        if (!all)
            return;
    }
}

/* RESP2/RESP3 reply grammar, enough to catch a malformed encoder: returns
 * the length of the value at p, 0 when incomplete, -1 when malformed. */
static long parse_value(const char *p, size_t n, int depth);

static long line_end(const char *p, size_t n)
{
    for (size_t i = 1; i + 1 < n; i++) {
        if (p[i] == '\r')
            return p[i + 1] == '\n' ? (long)i : -1;
        if (p[i] == '\n')
            return -1;
    }
    return 0;
}

/* A signed 64-bit decimal, as integer replies and lengths carry. */
static bool parse_int(const char *p, size_t n, long long *v)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && p[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == n || n - i > 19)
        return false;
    unsigned long long x = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        x = x * 10 + (unsigned)(p[i] - '0');
    }
    if (x > (unsigned long long)INT64_MAX + neg)
        return false;
    *v = neg ? (long long)(0 - x) : (long long)x;
    return true;
}

static long parse_value(const char *p, size_t n, int depth)
{
    if (n == 0)
        return 0;
    if (depth > 32)
        return -1;
    long e = line_end(p, n);
    if (e <= 0)
        return e;
    long long v = 0;
    size_t head = (size_t)e + 2;
    switch (p[0]) {
    case '+': case '-': case ',': case '(':
        return (long)head;
    case '_':
        return e == 1 ? (long)head : -1;
    case '#':
        return e == 2 && (p[1] == 't' || p[1] == 'f') ? (long)head : -1;
    case ':':
        return parse_int(p + 1, (size_t)e - 1, &v) ? (long)head : -1;
    case '$': case '=': case '!':
        if (!parse_int(p + 1, (size_t)e - 1, &v) || v < -1)
            return -1;
        if (v == -1)
            return p[0] == '$' ? (long)head : -1;
        if (n < head + (size_t)v + 2)
            return 0;
        if (p[head + v] != '\r' || p[head + v + 1] != '\n')
            return -1;
        return (long)(head + (size_t)v + 2);
    case '*': case '~': case '%': case '>': case '|':
        if (!parse_int(p + 1, (size_t)e - 1, &v) || v < -1)
            return -1;
        if (v == -1)
            return p[0] == '*' ? (long)head : -1;
        if (p[0] == '%' || p[0] == '|')
            v *= 2;
        {
            size_t off = head;
            for (long long i = 0; i < v; i++) {
                long r = parse_value(p + off, n - off, depth + 1);
                if (r <= 0)
                    return r;
                off += (size_t)r;
            }
            return (long)off;
        }
    default:
        return -1;
    }
}

/* A session that closes because its output passed the limit drops what it
 * had not sent, so its stream may end inside a reply. */
static void check_replies(const struct client *c)
{
    bool may_end_early = c->out_truncated || session_want_close(c->s);
    size_t off = 0;
    while (off < c->out_len) {
        long r = parse_value(c->out + off, c->out_len - off, 0);
        if (r < 0 || (r == 0 && !may_end_early)) {
            fprintf(stderr, "malformed reply at offset %zu: %.*s\n", off,
                    (int)(c->out_len - off > 200 ? 200 : c->out_len - off), c->out + off);
            abort();
        }
        if (r == 0)
            return;
        off += (size_t)r;
    }
}

static void send_bytes(struct client *c, const uint8_t *data, size_t n, bool reserve)
{
    if (!reserve) {
        session_feed(c->s, (const char *)data, n);
        return;
    }
    while (n > 0) {
        size_t avail = 0;
        char *dst = session_in_reserve(c->s, 1, &avail);
        if (!dst || avail == 0)
            abort();
        size_t k = n < avail ? n : avail;
        memcpy(dst, data, k);
        session_in_commit(c->s, k);
        session_process(c->s);
        data += k;
        n -= k;
    }
}

/* SHUTDOWN's hook: an engine would start draining; here the session only
 * closes, which the output check already allows for. */
static void fuzz_shutdown(void *ctx)
{
    ++*(int *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t setup = data[0];
    uint32_t rng = setup * 2654435761u + 7;
    data++;
    size--;

    const struct core_config cfg = {
        .engine = "fuzz",
        .bind = "127.0.0.1",
        .port = 7379,
        .maxclients = 2,
        .requirepass = (setup & 1) ? "pw" : NULL,
        .timeout = 5,
        .threads = 1,
        .output_limit = 4u << 20,
        .protected_mode = true,
        .loglevel = "notice",
    };
    struct core *core = core_new(&cfg);
    if (!core)
        abort();
    int shutdowns = 0;
    core_set_shutdown_hook(core, fuzz_shutdown, &shutdowns);
    struct fake_clock clock = {.now_ms = 1800000000000LL};
    store_set_clock(core_store(core), fake_now, &clock);

    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40000)};
    peer.sin_addr.s_addr = htonl((setup & 4) ? 0x0a000001u : 0x7f000001u);
    struct client clients[2];
    for (int i = 0; i < 2; i++) {
        clients[i].s = session_new(core, 10 + i, (const struct sockaddr *)&peer, sizeof peer);
        clients[i].out = NULL;
        clients[i].out_len = clients[i].out_cap = 0;
        clients[i].out_truncated = false;
        if (!clients[i].s)
            abort();
    }

    size_t off = 0;
    while (off < size) {
        uint32_t r = next(&rng);
        struct client *c = &clients[(r >> 3) % 8 == 0 ? 1 : 0];
        size_t n = r % 4 == 0 ? 1 + next(&rng) % 512 : 1 + next(&rng) % 8;
        if (n > size - off)
            n = size - off;
        send_bytes(c, data + off, n, setup & 2);
        off += n;
        if (r % 16 == 0) {
            clock.now_ms += next(&rng) % 3000;
            core_cron(core);
        }
        drain(c, &rng, r % 3 == 0);
        session_timed_out(c->s, clock.now_ms);
    }

    for (int i = 0; i < 2; i++) {
        drain(&clients[i], &rng, true);
        check_replies(&clients[i]);
        session_free(clients[i].s);
        free(clients[i].out);
    }
    if (core_connected_clients(core) != 0)
        abort();
    core_free(core);
    return 0;
}
