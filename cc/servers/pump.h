/* pump.h - moves bytes between one socket and its session: the glue every
 * engine shares, so each engine file is only about how it waits.
 *
 * Owns nothing: the engine owns the fd, the session and any scratch buffer.
 * Never parses RESP (the session does). Functions are thread-compatible:
 * one thread per session at a time, as session.h requires.
 */
#ifndef RESPD_PUMP_H
#define RESPD_PUMP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cc/core/core.h"
#include "cc/core/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How long a connection may keep flushing replies after shutdown was
 * requested before it is closed anyway (a client that never reads must not
 * hold the process up). */
#define PUMP_DRAIN_MS 5000

/* Reads once from fd into buf (the engine's scratch, cap bytes) and feeds
 * what arrived to the session, which runs every complete request and keeps
 * only an incomplete tail. One read per call is the per-wake-up work cap.
 * Returns bytes read (> 0), 0 at end of stream, or -errno (-EAGAIN when
 * nothing was waiting). */
ssize_t pump_in(int fd, struct session *s, char *buf, size_t cap);

/* Sends the session's pending output without blocking (MSG_DONTWAIT, so
 * blocking sockets are fine) until it is empty, the socket is full, or
 * `budget` bytes went out; as the output drains, the requests flow control
 * held back run (session_resume) and their replies go out in the same
 * call. Returns the bytes sent (>= 0; check session_out_pending for what
 * is left) or -errno when the connection is broken (-EPIPE, ...). */
ssize_t pump_out(int fd, struct session *s, size_t budget);

/* Logs, at warning level as Redis does, why a session that a limit closed
 * was closed ("Client id=.. addr=.. closed for overcoming of output buffer
 * limits"); nothing for any other close. Engines call it once per
 * connection, before session_detach or session_free. */
void pump_log_close(const struct session *s);

/* Closes a connection the server chose to end: first discards input the
 * client already sent (bounded, non-blocking), because closing a socket
 * with unread input sends RST, and a RST can destroy the final reply (an
 * error, QUIT's +OK) before the client reads it. buf is scratch space. */
void pump_close(int fd, char *buf, size_t cap);

/* Blocking-style service of one connection, for the sync and threads
 * engines: read, run, write, repeat; waits in poll(2) on the socket and
 * the shutdown fd, waking on a clock only when something needs it (100 ms
 * ticks for core_cron when cron_last_ms is not NULL and while draining,
 * 1 s ticks for the idle timeout), so shutdown, the timeout and cron keep
 * running while the client is quiet and an idle client with none of them
 * costs no CPU. While replies wait to be sent it still reads (the session
 * keeps what flow control holds back, up to the output limit), so a client
 * that writes a long pipeline before it reads is served instead of both
 * sides blocking in send; one that writes past the limit without reading
 * is disconnected with a logged reason. Returns when the client leaves
 * (at end of stream, after one non-blocking attempt to send what is owed,
 * as Redis does), the session asks to close and its replies are out, the
 * idle timeout fires, or after shutdown once replies are flushed (at most
 * PUMP_DRAIN_MS). Frees the session and closes fd before returning. */
void pump_serve_blocking(struct core *core, int fd, struct session *s,
                         char *buf, size_t cap, long long *cron_last_ms);

/* Accepts one client from the non-blocking listener lfd, the step every
 * readiness engine shares: the client socket is made non-blocking or left
 * blocking, gets TCP_NODELAY and a session (*out). Returns the client fd, or
 * -errno: -EAGAIN when the backlog is empty; -ENOMEM when no session could
 * be made (the fd is closed); anything else is logged, and when
 * pump_out_of_fds says so the caller stops watching the listener for a
 * while (it stays readable, so waiting on it would spin). */
int pump_accept(struct core *core, int lfd, bool nonblock, struct session **out);
static inline bool pump_out_of_fds(int rc)
{
    return rc == -EMFILE || rc == -ENFILE;
}

/* Calls core_cron when 100 ms or more passed since *last_ms (monotonic ms),
 * updating *last_ms. Returns true when it ran. */
bool pump_cron_due(struct core *core, long long *last_ms, long long now_ms);

#ifdef __cplusplus
}
#endif

#endif
