/* floor.c - the benchmark's measuring stick, not an engine: a server that
 * frames RESP requests as cheaply as possible and answers every one with
 * +PONG without running it. What it costs per request is what the kernel's
 * TCP work and one epoll loop cost alone, so bench/run can show how far each
 * server sits above that floor, measured in the same run.
 *
 * One level-triggered epoll loop, non-blocking sockets, one read and one
 * write per ready connection, like respd's epoll engine; no store, no
 * parser state beyond counting bytes, no output buffer (every reply is the
 * same 7 bytes, so a connection only counts how many it still owes).
 *
 * usage: floor [--port N] [--bind ADDR]; exits 0 on SIGTERM or SIGINT.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define PONG "+PONG\r\n"
#define PONG_LEN 7
#define PONGS_PER_WRITE 2048
#define READ_SIZE 65536
#define MAX_EVENTS 256

/* Where a connection is in its request stream: a header line ("*N" or
 * "$N") being read, or bulk bytes being skipped. */
enum frame_state { FS_START, FS_COUNT, FS_BULKLEN, FS_SKIP, FS_INLINE };

struct conn {
    uint8_t state;
    bool open;
    bool want_out;     /* EPOLLOUT is armed */
    int64_t num;       /* digits of the header being read */
    int64_t args_left; /* bulks left in the current multibulk request */
    int64_t skip;      /* bulk bytes (and CRLF) left to skip */
    uint64_t owed;     /* reply bytes not yet written */
};

static volatile sig_atomic_t stop;

static void on_signal(int signo)
{
    (void)signo;
    stop = 1;
}

/* Advances c over buf and returns how many requests completed. Malformed
 * input is not diagnosed: the floor serves redis-benchmark, nothing else. */
static uint64_t frame(struct conn *c, const char *buf, size_t len)
{
    uint64_t done = 0;
    size_t i = 0;
    while (i < len) {
        char ch = buf[i];
        switch (c->state) {
        case FS_START:
            c->num = 0;
            c->state = ch == '*' ? FS_COUNT : FS_INLINE;
            i++;
            break;
        case FS_INLINE: {
            const char *nl = memchr(buf + i, '\n', len - i);
            if (nl == NULL)
                return done;
            i = (size_t)(nl - buf) + 1;
            c->state = FS_START;
            done++;
            break;
        }
        case FS_COUNT:
        case FS_BULKLEN:
            i++;
            if (ch >= '0' && ch <= '9') {
                if (c->num < INT64_MAX / 10 - 9)
                    c->num = c->num * 10 + (ch - '0');
            } else if (ch == '\n') {
                if (c->state == FS_COUNT) {
                    c->args_left = c->num;
                    if (c->args_left <= 0) {
                        c->state = FS_START; /* "*0": nothing to answer */
                        break;
                    }
                } else {
                    c->skip = c->num + 2;
                    c->state = FS_SKIP;
                    break;
                }
                c->num = 0;
                c->state = FS_BULKLEN;
            }
            /* '$', '\r' and anything else: skipped */
            break;
        case FS_SKIP: {
            size_t n = len - i < (uint64_t)c->skip ? len - i : (size_t)c->skip;
            i += n;
            c->skip -= (int64_t)n;
            if (c->skip > 0)
                break;
            c->num = 0;
            if (--c->args_left > 0) {
                c->state = FS_BULKLEN;
            } else {
                c->state = FS_START;
                done++;
            }
            break;
        }
        }
    }
    return done;
}

static char pongs[PONG_LEN * PONGS_PER_WRITE];

static void conn_close(int ep, struct conn *conns, int fd)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    conns[fd].open = false;
}

/* Writes what fd is owed; arms or disarms EPOLLOUT. False: close it. */
static bool flush_owed(int ep, struct conn *c, int fd)
{
    while (c->owed > 0) {
        /* Every reply is the same, so a partial one resumes at its offset
         * within PONG. */
        size_t skip = (PONG_LEN - c->owed % PONG_LEN) % PONG_LEN;
        size_t n = sizeof(pongs) - skip;
        if (n > c->owed)
            n = (size_t)c->owed;
        ssize_t w = send(fd, pongs + skip, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            break;
        if (w <= 0)
            return false;
        c->owed -= (uint64_t)w;
        if ((size_t)w < n)
            break;
    }
    bool want = c->owed > 0;
    if (want != c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        c->want_out = want;
    }
    return true;
}

static int listen_on(const char *bind_addr, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "floor: --bind wants an IPv4 address, got '%s'\n", bind_addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0) {
        fprintf(stderr, "floor: cannot listen on %s:%d: %s\n", bind_addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"bind", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *bind_addr = "127.0.0.1";
    int port = 7399;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (o) {
        case 'p':
            port = (int)strtol(optarg, &end, 10);
            if (*end != '\0' || port < 1 || port > 65535) {
                fprintf(stderr, "floor: --port wants 1-65535, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'b':
            bind_addr = optarg;
            break;
        case 'h':
            printf("usage: floor [--port N] [--bind ADDR]\n"
                   "Answers +PONG to every RESP request; the benchmark's floor.\n");
            return 0;
        default:
            fprintf(stderr, "usage: floor [--port N] [--bind ADDR]\n");
            return 2;
        }
    }

    /* Room for C10K: the soft open-files limit up to the hard one. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    size_t nslots = rl.rlim_cur > 1048576 ? 1048576 : (size_t)rl.rlim_cur;

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    for (size_t i = 0; i < PONGS_PER_WRITE; i++)
        memcpy(pongs + i * PONG_LEN, PONG, PONG_LEN);
    struct conn *conns = calloc(nslots, sizeof(*conns));
    char *buf = malloc(READ_SIZE);
    int lfd = listen_on(bind_addr, port);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (conns == NULL || buf == NULL || lfd < 0 || ep < 0) {
        if (lfd >= 0)
            fprintf(stderr, "floor: out of memory or epoll_create1 failed\n");
        return 1;
    }
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    fprintf(stderr, "floor: answering +PONG on %s:%d\n", bind_addr, port);

    struct epoll_event evs[MAX_EVENTS];
    while (!stop) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "floor: epoll_wait: %s\n", strerror(errno));
            return 1;
        }
        for (int k = 0; k < n; k++) {
            int fd = evs[k].data.fd;
            if (fd == lfd) {
                for (int a = 0; a < 64; a++) {
                    int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (cfd < 0)
                        break;
                    if ((size_t)cfd >= nslots) {
                        close(cfd);
                        continue;
                    }
                    int one = 1;
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    conns[cfd] = (struct conn){.open = true};
                    struct epoll_event ev = {.events = EPOLLIN, .data.fd = cfd};
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
                }
                continue;
            }
            struct conn *c = &conns[fd];
            if (!c->open)
                continue;
            if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t r = recv(fd, buf, READ_SIZE, 0);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    conn_close(ep, conns, fd);
                    continue;
                }
                if (r > 0)
                    c->owed += PONG_LEN * frame(c, buf, (size_t)r);
            }
            if (c->owed > 0 && !flush_owed(ep, c, fd))
                conn_close(ep, conns, fd);
        }
    }
    for (size_t fd = 0; fd < nslots; fd++)
        if (conns[fd].open)
            close((int)fd);
    close(lfd);
    close(ep);
    free(buf);
    free(conns);
    return 0;
}
