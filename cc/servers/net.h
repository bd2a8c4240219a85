/* net.h - small anet-style socket helpers shared by every engine, and the
 * process-wide shutdown signal (SIGTERM/SIGINT) every loop can wait on.
 *
 * Owns: listening/accepting sockets and the shutdown eventfd. Does not own
 * sessions or any per-connection state. Addresses are IPv4/IPv6 literals
 * only (inet_pton, no resolver), so a static link stays clean.
 * Every function returns 0 / a count / an fd, or -errno; EINTR is retried.
 */
#ifndef RESPD_NET_H
#define RESPD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Listen backlog asked for; the kernel caps it at net.core.somaxconn. Large
 * because the sync engine leaves waiting clients in it. */
#define NET_BACKLOG 511

/* Fills *ss and *len from an IPv4 or IPv6 literal and a port. Also accepts "*"
 * (0.0.0.0) and "localhost" (127.0.0.1), as redis-server users write them.
 * Returns 0, or -EINVAL when host is not such an address or port is out of
 * 0..65535. */
int net_parse_addr(const char *host, int port, struct sockaddr_storage *ss,
                   socklen_t *len);

/* True when sa is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x.x.x).
 * Unix sockets and unknown families count as not loopback. */
bool net_addr_is_loopback(const struct sockaddr *sa);

/* Writes "1.2.3.4:port" or "[::1]:port" into buf (always NUL-terminated when
 * cap > 0). Returns 0 or -EINVAL for an unknown family. */
int net_format_addr(const struct sockaddr *sa, char *buf, size_t cap);

/* Opens a non-blocking, close-on-exec TCP listener on host:port with
 * SO_REUSEADDR (and SO_REUSEPORT when reuseport). Returns the fd, or -errno
 * (-EINVAL for a bad address, -EADDRINUSE, -EADDRNOTAVAIL, ...). The caller
 * owns the fd. */
int net_listen(const char *host, int port, int backlog, bool reuseport);

/* Opens n listeners on host:port for n independent loops. n == 1 is
 * net_listen. For n > 1 every socket has SO_REUSEPORT; first a plain bind
 * checks the port is free, so a second respd cannot silently join this
 * one's reuseport group, and port 0 is resolved once so all n share the
 * port the kernel picked. Fills fds[0..n-1]; returns 0, or -errno with no
 * fd left open. */
int net_listen_many(const char *host, int port, int backlog, int n, int *fds);

/* Port a bound socket listens on, or -errno. */
int net_local_port(int fd);

/* Accepts one connection. The new fd is close-on-exec, and non-blocking when
 * nonblock. peer/peerlen may be NULL. Returns the fd or -errno (-EAGAIN when
 * none is waiting; -EMFILE/-ENFILE when out of descriptors; aborted
 * handshakes are skipped and reported as -EAGAIN). */
int net_accept(int lfd, bool nonblock, struct sockaddr_storage *peer,
               socklen_t *peerlen);

/* Disables Nagle's algorithm (replies go out as soon as they are written).
 * Returns 0 or -errno; a no-op returning 0 for non-TCP sockets. */
int net_set_nodelay(int fd);

/* read(2) retrying EINTR: returns bytes read, 0 at end of stream, or
 * -errno (-EAGAIN on a non-blocking socket with nothing to read). */
ssize_t net_read(int fd, void *buf, size_t len);

/* send(2) with MSG_NOSIGNAL plus `flags`, retrying EINTR: returns bytes
 * sent (possibly fewer than len) or -errno. */
ssize_t net_send(int fd, const void *buf, size_t len, int flags);

/* Installs SIGTERM/SIGINT handlers that request shutdown, ignores SIGPIPE
 * and SIGHUP (as redis-server does) and creates the shutdown eventfd. Call once from main before any thread
 * starts. Returns 0 or -errno. */
int net_shutdown_init(void);

/* The shutdown eventfd: becomes readable once shutdown is requested and
 * stays readable (nobody drains it), so every loop and thread can poll it.
 * -1 before net_shutdown_init. */
int net_shutdown_fd(void);

/* Requests shutdown as if SIGTERM had arrived (tests, fatal loop errors).
 * Async-signal-safe and thread-safe. */
void net_shutdown_request(void);

/* True once shutdown was requested. Thread-safe. */
bool net_shutdown_requested(void);

/* Name of the signal that requested shutdown ("SIGTERM", "SIGINT"), or
 * "shutdown request" when it came from net_shutdown_request. */
const char *net_shutdown_reason(void);

/* Milliseconds from CLOCK_MONOTONIC, for loop timers (never jumps). */
long long net_mono_ms(void);

#ifdef __cplusplus
}
#endif

#endif
