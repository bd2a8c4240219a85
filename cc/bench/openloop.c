/* openloop.c - an open-loop RESP load generator: requests leave on a fixed
 * schedule whatever the server does, and each one's latency runs from the
 * moment it was scheduled, not from when it could be sent, so a server that
 * stalls shows the stall in the tail (no coordinated omission). Owns the
 * schedule, the sockets and the report; the histogram is hist.c's.
 *
 * One epoll loop per thread, each with its own connections. Connection g of
 * C sends its k-th batch of P requests at t0 + (k + g/C) * C*P/rate, so the
 * batches of all connections are evenly spaced. A connection with
 * --max-inflight requests unanswered sends nothing more until replies come
 * back; its late batches still count from their scheduled times.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hist.h"
#include "openloop.h"

#define READ_SIZE 65536
#define MAX_DEPTH 8

/* Where a connection's reply parser is: a type byte, a header number, a
 * line to skip, or bulk bytes to skip. */
enum pstate { P_TYPE, P_NUM, P_LINE, P_SKIP };

struct conn {
    int fd;
    bool dead;
    bool want_out;
    double phase;           /* g / C: offset of this connection's batches */
    uint64_t next_batch;    /* first batch not yet sent */
    uint64_t *sched;        /* scheduled ns of each request in flight (ring) */
    unsigned head, count;
    char *out;
    size_t out_len, out_off, out_cap;
    /* reply parser */
    uint8_t st;
    bool bulk, map, neg, err;
    int64_t num, skip;
    int depth;
    int64_t left[MAX_DEPTH];
};

struct thread {
    const struct options *o;
    const double *zipf_cdf;
    int id;
    int nconns;
    struct conn *conns;
    int ep;
    uint64_t rng;
    uint64_t t0, t_rec, t_end;  /* schedule start, recording start, end (ns) */
    double batch_ns;            /* one connection's batch interval */
    uint64_t batches;           /* batches per connection over the duration */
    struct hist hist;
    struct hist lag;            /* how late the generator itself sent */
    uint64_t sent, completed, errors, recorded, last_reply;
    uint64_t lost;              /* sent on a connection that then failed */
    int failed;                 /* connections lost */
    pthread_t tid;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* The zipfian CDF over ranks 1..keys with exponent s; rank r is key r-1. */
static double *zipf_table(uint64_t keys, double s)
{
    double *cdf = malloc(keys * sizeof(*cdf));
    if (cdf == NULL)
        die("out of memory for the zipf table");
    double sum = 0;
    for (uint64_t i = 0; i < keys; i++)
        cdf[i] = sum += pow((double)(i + 1), -s);
    for (uint64_t i = 0; i < keys; i++)
        cdf[i] /= sum;
    return cdf;
}

static uint64_t pick_key(struct thread *t)
{
    if (!t->o->zipf)
        return rng_next(&t->rng) % t->o->keys;
    double u = rng_unit(&t->rng);
    uint64_t lo = 0, hi = t->o->keys - 1;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (t->zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void out_reserve(struct conn *c, size_t more)
{
    if (c->out_len + more <= c->out_cap)
        return;
    if (c->out_off > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    size_t cap = c->out_cap ? c->out_cap : 4096;
    while (c->out_len + more > cap)
        cap *= 2;
    if (cap != c->out_cap) {
        c->out = realloc(c->out, cap);
        if (c->out == NULL)
            die("out of memory for a request buffer");
        c->out_cap = cap;
    }
}

static void out_str(struct conn *c, const char *s, size_t n)
{
    out_reserve(c, n);
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
}

static void out_bulk(struct conn *c, const char *s, size_t n)
{
    char hdr[32];
    int h = snprintf(hdr, sizeof(hdr), "$%zu\r\n", n);
    out_str(c, hdr, (size_t)h);
    out_str(c, s, n);
    out_str(c, "\r\n", 2);
}

static void out_key(struct conn *c, uint64_t key)
{
    char k[32];
    int n = snprintf(k, sizeof(k), "key:%012llu", (unsigned long long)key);
    out_bulk(c, k, (size_t)n);
}

static void out_value(struct conn *c, size_t size)
{
    char hdr[32];
    int h = snprintf(hdr, sizeof(hdr), "$%zu\r\n", size);
    out_str(c, hdr, (size_t)h);
    out_reserve(c, size + 2);
    memset(c->out + c->out_len, 'x', size);
    memcpy(c->out + c->out_len + size, "\r\n", 2);
    c->out_len += size + 2;
}

/* Appends one request of the mix's choosing. */
static void out_request(struct thread *t, struct conn *c)
{
    const struct options *o = t->o;
    unsigned w = (unsigned)(rng_next(&t->rng) % o->weight_total);
    int i = 0;
    while (w >= o->weight[i])
        w -= o->weight[i++];
    char hdr[32];
    switch (o->mix[i]) {
    case CMD_PING:
        out_str(c, "*1\r\n$4\r\nPING\r\n", 14);
        break;
    case CMD_GET:
        out_str(c, "*2\r\n$3\r\nGET\r\n", 13);
        out_key(c, pick_key(t));
        break;
    case CMD_SET:
        out_str(c, "*3\r\n$3\r\nSET\r\n", 13);
        out_key(c, pick_key(t));
        out_value(c, o->value_size);
        break;
    case CMD_MSET:
        out_str(c, hdr, (size_t)snprintf(hdr, sizeof(hdr), "*%d\r\n$4\r\nMSET\r\n",
                                         1 + 2 * o->mset_keys));
        for (int k = 0; k < o->mset_keys; k++) {
            out_key(c, pick_key(t));
            out_value(c, o->value_size);
        }
        break;
    }
}

static void set_events(struct thread *t, struct conn *c, bool want_out)
{
    if (c->want_out == want_out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0u), .data.ptr = c};
    if (epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        die("epoll_ctl failed");
    c->want_out = want_out;
}

static void conn_fail(struct thread *t, struct conn *c, const char *why)
{
    if (c->dead)
        return;
    fprintf(stderr, "openloop: connection %d: %s\n", c->fd, why);
    c->dead = true;
    t->failed++;
    t->lost += c->count;
    c->count = 0;
    epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
}

static void conn_flush(struct thread *t, struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(t, c, true);
            return;
        }
        if (n <= 0) {
            conn_fail(t, c, strerror(errno));
            return;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    set_events(t, c, false);
}

static uint64_t batch_time(const struct thread *t, const struct conn *c, uint64_t k)
{
    return t->t0 + (uint64_t)(((double)k + c->phase) * t->batch_ns);
}

/* Sends every batch of c that is due by `now` and fits under the in-flight
 * cap, each request stamped with its batch's scheduled time. */
static void conn_send_due(struct thread *t, struct conn *c, uint64_t now)
{
    const struct options *o = t->o;
    bool any = false;
    while (!c->dead && c->next_batch < t->batches &&
           batch_time(t, c, c->next_batch) <= now &&
           c->count + (unsigned)o->pipeline <= (unsigned)o->max_inflight) {
        uint64_t at = batch_time(t, c, c->next_batch++);
        if (at >= t->t_rec)
            hist_record(&t->lag, now - at);
        for (int i = 0; i < o->pipeline; i++) {
            c->sched[(c->head + c->count++) % (unsigned)o->max_inflight] = at;
            out_request(t, c);
        }
        t->sent += (uint64_t)o->pipeline;
        any = true;
    }
    if (any)
        conn_flush(t, c);
}

static void on_reply(struct thread *t, struct conn *c, uint64_t now)
{
    if (c->count == 0) {
        conn_fail(t, c, "a reply nobody asked for");
        return;
    }
    uint64_t at = c->sched[c->head];
    c->head = (c->head + 1) % (unsigned)t->o->max_inflight;
    c->count--;
    t->completed++;
    t->last_reply = now;
    if (c->err)
        t->errors++;
    if (at >= t->t_rec) {
        hist_record(&t->hist, now > at ? now - at : 0);
        t->recorded++;
    }
}

/* One value of a reply is complete: pops finished arrays; a reply is whole
 * when no array is open. */
static void value_done(struct thread *t, struct conn *c, uint64_t now)
{
    while (c->depth > 0 && --c->left[c->depth - 1] == 0)
        c->depth--;
    if (c->depth == 0) {
        on_reply(t, c, now);
        c->err = false;
    }
}

/* Frames RESP2/RESP3 replies (simple and error lines, integers, bulks,
 * arrays, maps) in buf, counting each whole reply. */
static void parse_replies(struct thread *t, struct conn *c, const char *buf, size_t len,
                          uint64_t now)
{
    size_t i = 0;
    while (i < len && !c->dead) {
        char ch = buf[i];
        switch (c->st) {
        case P_TYPE:
            i++;
            if (ch == '$' || ch == '*' || ch == '%') {
                c->bulk = ch == '$';
                c->num = 0;
                c->neg = false;
                c->map = ch == '%';
                c->st = P_NUM;
            } else {
                if (ch == '-' && c->depth == 0)
                    c->err = true;
                c->st = P_LINE;
            }
            break;
        case P_LINE: {
            const char *nl = memchr(buf + i, '\n', len - i);
            if (nl == NULL)
                return;
            i = (size_t)(nl - buf) + 1;
            c->st = P_TYPE;
            value_done(t, c, now);
            break;
        }
        case P_NUM:
            i++;
            if (ch == '-') {
                c->neg = true;
            } else if (ch >= '0' && ch <= '9') {
                c->num = c->num * 10 + (ch - '0');
            } else if (ch == '\n') {
                int64_t n = (c->neg ? -c->num : c->num) * (c->map ? 2 : 1);
                c->st = P_TYPE;
                if (c->bulk && n >= 0) {
                    c->skip = n + 2;
                    c->st = P_SKIP;
                } else if (!c->bulk && n > 0) {
                    if (c->depth == MAX_DEPTH) {
                        conn_fail(t, c, "replies nested too deep");
                        return;
                    }
                    c->left[c->depth++] = n;
                } else {
                    value_done(t, c, now);
                }
            }
            break;
        case P_SKIP: {
            size_t n = len - i < (size_t)c->skip ? len - i : (size_t)c->skip;
            i += n;
            c->skip -= (int64_t)n;
            if (c->skip == 0) {
                c->st = P_TYPE;
                value_done(t, c, now);
            }
            break;
        }
        }
    }
}

static int connect_to(const struct options *o)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    if (inet_pton(AF_INET, o->host, &sa.sin_addr) != 1)
        die("--host takes an IPv4 address");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "openloop: connect %s:%d: %s\n", o->host, o->port, strerror(errno));
        exit(2);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void *thread_main(void *arg)
{
    struct thread *t = arg;
    const struct options *o = t->o;
    struct epoll_event evs[256];
    /* The default 50 us timer slack would be charged to every request. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    char *buf = malloc(READ_SIZE);
    if (buf == NULL)
        die("out of memory");
    uint64_t drain_end = t->t_end + (uint64_t)(o->drain * 1e9);
    /* Connection i of this thread, the thread's next due batch in order:
     * batch k of every connection comes before batch k+1 of any. */
    uint64_t due_seq = 0, seq_end = t->batches * (uint64_t)t->nconns;
    for (;;) {
        uint64_t now = now_ns();
        while (due_seq < seq_end) {
            struct conn *c = &t->conns[due_seq % (uint64_t)t->nconns];
            if (batch_time(t, c, due_seq / (uint64_t)t->nconns) > now)
                break;
            conn_send_due(t, c, now);
            due_seq++;
        }
        bool pending = due_seq < seq_end || t->sent > t->completed + t->lost;
        if (!pending || now >= drain_end)
            break;
        uint64_t wake = drain_end;
        if (due_seq < seq_end) {
            struct conn *c = &t->conns[due_seq % (uint64_t)t->nconns];
            uint64_t next = batch_time(t, c, due_seq / (uint64_t)t->nconns);
            if (next < wake)
                wake = next;
        }
        struct timespec ts = {.tv_sec = (time_t)((wake - now) / 1000000000u),
                              .tv_nsec = (long)((wake - now) % 1000000000u)};
        int n = epoll_pwait2(t->ep, evs, 256, &ts, NULL);
        if (n < 0 && errno != EINTR)
            die("epoll_pwait2 failed");
        now = now_ns();
        for (int e = 0; e < n; e++) {
            struct conn *c = evs[e].data.ptr;
            if (c->dead)
                continue;
            if (evs[e].events & EPOLLOUT)
                conn_flush(t, c);
            if (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t r = recv(c->fd, buf, READ_SIZE, 0);
                if (r > 0) {
                    parse_replies(t, c, buf, (size_t)r, now);
                    conn_send_due(t, c, now); /* room may have opened */
                } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                    conn_fail(t, c, r == 0 ? "closed by the server" : strerror(errno));
                }
            }
        }
    }
    free(buf);
    return NULL;
}

/* SETs every key once over one connection, pipelined, before the run, so
 * GETs hit. */
static void prefill(const struct options *o)
{
    int fd = connect_to(o);
    struct conn c = {.fd = fd};
    char *buf = malloc(READ_SIZE);
    if (buf == NULL)
        die("out of memory");
    const uint64_t batch = 1000;
    for (uint64_t k = 0; k < o->keys; k += batch) {
        uint64_t n = o->keys - k < batch ? o->keys - k : batch;
        c.out_len = 0;
        for (uint64_t i = 0; i < n; i++) {
            out_str(&c, "*3\r\n$3\r\nSET\r\n", 13);
            out_key(&c, k + i);
            out_value(&c, o->value_size);
        }
        for (size_t off = 0; off < c.out_len;) {
            ssize_t w = send(fd, c.out + off, c.out_len - off, MSG_NOSIGNAL);
            if (w <= 0)
                die("prefill: send failed");
            off += (size_t)w;
        }
        /* Each reply is +OK\r\n: anything else is an error worth stopping on. */
        size_t want = 5 * n, got = 0;
        while (got < want) {
            ssize_t r = recv(fd, buf, READ_SIZE, 0);
            if (r <= 0)
                die("prefill: the server closed the connection");
            if (buf[0] != '+' && got % 5 == 0)
                die("prefill: SET was refused");
            got += (size_t)r;
        }
    }
    free(c.out);
    free(buf);
    close(fd);
}
static double us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

static void report(const struct options *o, const struct thread *ts, double elapsed_s)
{
    struct hist *h = malloc(sizeof(*h));
    if (h == NULL)
        die("out of memory");
    hist_init(h);
    struct hist *lag = malloc(sizeof(*lag));
    if (lag == NULL)
        die("out of memory");
    hist_init(lag);
    uint64_t sent = 0, completed = 0, errors = 0, scheduled = 0;
    int failed = 0;
    for (int i = 0; i < o->threads; i++) {
        hist_merge(h, &ts[i].hist);
        hist_merge(lag, &ts[i].lag);
        sent += ts[i].sent;
        completed += ts[i].completed;
        errors += ts[i].errors;
        failed += ts[i].failed;
        scheduled += ts[i].batches * (uint64_t)ts[i].nconns * (uint64_t)o->pipeline;
    }
    static const double qs[] = {0.5, 0.9, 0.99, 0.999, 0.9999};
    static const char *const qn[] = {"p50", "p90", "p99", "p99.9", "p99.99"};
    double achieved = elapsed_s > 0 ? (double)completed / elapsed_s : 0;
    uint64_t unanswered = scheduled - completed;
    if (o->json) {
        printf("{\"offered_rps\": %.1f, \"achieved_rps\": %.1f, \"scheduled\": %llu, "
               "\"sent\": %llu, \"completed\": %llu, \"recorded\": %llu, \"unanswered\": %llu, "
               "\"errors\": %llu, \"lost_connections\": %d, \"elapsed_s\": %.3f",
               o->rate, achieved, (unsigned long long)scheduled, (unsigned long long)sent,
               (unsigned long long)completed, (unsigned long long)h->total,
               (unsigned long long)unanswered, (unsigned long long)errors, failed, elapsed_s);
        for (int i = 0; i < 5; i++)
            printf(", \"%s_us\": %.2f", qn[i], us(hist_quantile(h, qs[i])));
        printf(", \"min_us\": %.2f, \"max_us\": %.2f, \"send_lag_p50_us\": %.2f, "
               "\"send_lag_p99_us\": %.2f, \"send_lag_max_us\": %.2f}\n",
               us(h->total ? h->min : 0), us(h->max), us(hist_quantile(lag, 0.5)),
               us(hist_quantile(lag, 0.99)), us(lag->max));
    } else {
        printf("offered %.0f req/s, achieved %.0f req/s over %.2f s; %llu of %llu scheduled "
               "answered, %llu errors, %d connections lost\n",
               o->rate, achieved, elapsed_s, (unsigned long long)completed,
               (unsigned long long)scheduled, (unsigned long long)errors, failed);
        printf("latency from scheduled start (us), %llu recorded:",
               (unsigned long long)h->total);
        for (int i = 0; i < 5; i++)
            printf(" %s %.1f", qn[i], us(hist_quantile(h, qs[i])));
        printf(" max %.1f\n", us(h->max));
        printf("send lag behind the schedule (us): p50 %.1f p99 %.1f max %.1f\n",
               us(hist_quantile(lag, 0.5)), us(hist_quantile(lag, 0.99)), us(lag->max));
    }
    free(lag);
    free(h);
}

int main(int argc, char **argv)
{
    struct options o;
    parse_options(&o, argc, argv);
    if (o.prefill)
        prefill(&o);
    if (o.duration <= 0)
        return 0;
    double *cdf = o.zipf ? zipf_table(o.keys, o.zipf_s) : NULL;
    struct thread *ts = calloc((size_t)o.threads, sizeof(*ts));
    if (ts == NULL)
        die("out of memory");
    /* Batches per connection: the whole rate spread over every connection. */
    double batch_ns = 1e9 * o.conns * o.pipeline / o.rate;
    uint64_t batches = (uint64_t)ceil(o.duration * 1e9 / batch_ns);
    for (int i = 0; i < o.threads; i++) {
        struct thread *t = &ts[i];
        *t = (struct thread){.o = &o, .zipf_cdf = cdf, .id = i, .batch_ns = batch_ns,
                             .batches = batches, .rng = o.seed * 0x100000001B3ull + (uint64_t)i};
        hist_init(&t->hist);
        hist_init(&t->lag);
        t->nconns = o.conns / o.threads + (i < o.conns % o.threads);
        t->conns = calloc((size_t)t->nconns, sizeof(*t->conns));
        t->ep = epoll_create1(0);
        if (t->conns == NULL || t->ep < 0)
            die("out of memory or descriptors");
        for (int j = 0; j < t->nconns; j++) {
            struct conn *c = &t->conns[j];
            c->fd = connect_to(&o);
            /* Global index g = i + j * threads interleaves the threads. */
            c->phase = (double)(i + j * o.threads) / o.conns;
            c->sched = malloc((size_t)o.max_inflight * sizeof(*c->sched));
            if (c->sched == NULL)
                die("out of memory");
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
            if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
                die("epoll_ctl failed");
        }
    }
    uint64_t t0 = now_ns() + 20000000u; /* every thread starts on one clock */
    for (int i = 0; i < o.threads; i++) {
        ts[i].t0 = t0;
        ts[i].t_rec = t0 + (uint64_t)(o.warmup * 1e9);
        ts[i].t_end = t0 + (uint64_t)(o.duration * 1e9);
        if (pthread_create(&ts[i].tid, NULL, thread_main, &ts[i]) != 0)
            die("pthread_create failed");
    }
    uint64_t last = t0;
    for (int i = 0; i < o.threads; i++) {
        pthread_join(ts[i].tid, NULL);
        if (ts[i].last_reply > last)
            last = ts[i].last_reply;
    }
    /* The achieved rate counts replies over the time they took to arrive:
     * the schedule, or longer when the server fell behind it. */
    double span = (double)(last - t0) / 1e9;
    if (span < o.duration)
        span = o.duration;
    report(&o, ts, span);
    int failed = 0;
    for (int i = 0; i < o.threads; i++) {
        failed += ts[i].failed;
        for (int j = 0; j < ts[i].nconns; j++) {
            if (!ts[i].conns[j].dead)
                close(ts[i].conns[j].fd);
            free(ts[i].conns[j].sched);
            free(ts[i].conns[j].out);
        }
        free(ts[i].conns);
        close(ts[i].ep);
    }
    free(ts);
    free(cdf);
    return failed ? 1 : 0;
}
