/* net.c - listening, accepting, EINTR-safe read/send and the shutdown
 * signal. Knows nothing about RESP or sessions; engines build on it.
 *
 * The shutdown eventfd is written from the signal handler and never read,
 * so it stays readable: every loop (epoll, poll, threads) sees it without
 * one loop having to pass the news on to the others.
 */
#define _GNU_SOURCE

#include "cc/servers/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int net_shutdown_efd = -1;
/* Lock-free atomics: safe to store from a signal handler and to load from
 * any thread (a volatile sig_atomic_t would be a data race across threads). */
static atomic_int net_shutdown_signo; /* first signal seen, 0: none */
static atomic_bool net_shutdown_flag;

int net_parse_addr(const char *host, int port, struct sockaddr_storage *ss,
                   socklen_t *len)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

    if (host == NULL || port < 0 || port > 65535)
        return -EINVAL;
    memset(ss, 0, sizeof(*ss));
    if (strcmp(host, "*") == 0)
        host = "0.0.0.0";
    else if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        *len = sizeof(*sin);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*sin6);
        return 0;
    }
    return -EINVAL;
}

bool net_addr_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        const uint8_t *b = sin6->sin6_addr.s6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
            return true;
        return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && b[12] == 127;
    }
    return false;
}

int net_format_addr(const struct sockaddr *sa, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];

    if (cap > 0)
        buf[0] = '\0';
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        snprintf(buf, cap, "%s:%u", ip, (unsigned)ntohs(sin->sin_port));
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
        snprintf(buf, cap, "[%s]:%u", ip, (unsigned)ntohs(sin6->sin6_port));
        return 0;
    }
    return -EINVAL;
}

int net_listen(const char *host, int port, int backlog, bool reuseport)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1;
    int rc, fd;

    rc = net_parse_addr(host, port, &ss, &len);
    if (rc < 0)
        return rc;
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    /* SO_REUSEADDR lets a restarted server bind while old connections sit
     * in TIME_WAIT; it does not allow two listeners on one port. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
        goto fail;
    if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
        goto fail;
    if (bind(fd, (struct sockaddr *)&ss, len) < 0)
        goto fail;
    if (listen(fd, backlog) < 0)
        goto fail;
    return fd;
fail:
    rc = -errno;
    close(fd);
    return rc;
}

int net_listen_many(const char *host, int port, int backlog, int n, int *fds)
{
    int rc, i;

    if (n < 1)
        return -EINVAL;
    if (n == 1) {
        fds[0] = net_listen(host, port, backlog, false);
        return fds[0] < 0 ? fds[0] : 0;
    }
    if (port != 0) {
        /* A listener without SO_REUSEPORT fails with EADDRINUSE against any
         * socket on the port, including another respd's reuseport group. */
        rc = net_listen(host, port, 1, false);
        if (rc < 0)
            return rc;
        close(rc);
    }
    for (i = 0; i < n; i++) {
        fds[i] = net_listen(host, port, backlog, true);
        if (fds[i] < 0) {
            rc = fds[i];
            goto fail;
        }
        if (port == 0) {
            port = net_local_port(fds[0]);
            if (port < 0) {
                rc = port;
                i++;
                goto fail;
            }
        }
    }
    return 0;
fail:
    while (i-- > 0)
        close(fds[i]);
    return rc;
}

int net_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -EAFNOSUPPORT;
}

int net_accept(int lfd, bool nonblock, struct sockaddr_storage *peer,
               socklen_t *peerlen)
{
    int flags = SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0);

    for (;;) {
        if (peerlen != NULL)
            *peerlen = sizeof(*peer);
        int fd = accept4(lfd, (struct sockaddr *)peer, peerlen, flags);
        if (fd >= 0)
            return fd;
        switch (errno) {
        case EINTR:
            continue;
        case ECONNABORTED:
        case EPROTO:
            /* The client gave up before we accepted: nothing to serve. */
            return -EAGAIN;
        default:
            return -errno;
        }
    }
}

int net_set_nodelay(int fd)
{
    int one = 1;

    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
        return errno == EOPNOTSUPP || errno == ENOPROTOOPT ? 0 : -errno;
    return 0;
}

ssize_t net_read(int fd, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

ssize_t net_send(int fd, const void *buf, size_t len, int flags)
{
    for (;;) {
        ssize_t n = send(fd, buf, len, flags | MSG_NOSIGNAL);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

static void net_on_signal(int signo)
{
    int saved = errno;
    uint64_t one = 1;

    int none = 0;

    if (signo != 0)
        atomic_compare_exchange_strong(&net_shutdown_signo, &none, signo);
    atomic_store(&net_shutdown_flag, true);
    if (net_shutdown_efd >= 0 && write(net_shutdown_efd, &one, sizeof(one)) < 0) {
        /* Only EAGAIN (counter saturated) is possible: already readable. */
    }
    errno = saved;
}

int net_shutdown_init(void)
{
    struct sigaction sa;

    if (net_shutdown_efd < 0) {
        net_shutdown_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (net_shutdown_efd < 0)
            return -errno;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    /* SIGHUP is ignored as redis-server ignores it: the terminal that
     * started the server closing, or a supervisor sending HUP (respd logs
     * to stderr only, there is no log file to reopen), must not kill it. */
    if (sigaction(SIGPIPE, &sa, NULL) < 0 || sigaction(SIGHUP, &sa, NULL) < 0)
        return -errno;
    /* No SA_RESTART: a blocking call interrupted by the signal returns, and
     * every wait also polls the eventfd, so no thread sleeps through it. */
    sa.sa_handler = net_on_signal;
    sigfillset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
        return -errno;
    return 0;
}

int net_shutdown_fd(void)
{
    return net_shutdown_efd;
}

void net_shutdown_request(void)
{
    net_on_signal(0);
}

bool net_shutdown_requested(void)
{
    return atomic_load(&net_shutdown_flag);
}

const char *net_shutdown_reason(void)
{
    switch (atomic_load(&net_shutdown_signo)) {
    case SIGTERM:
        return "SIGTERM";
    case SIGINT:
        return "SIGINT";
    default:
        return "shutdown request";
    }
}

long long net_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
