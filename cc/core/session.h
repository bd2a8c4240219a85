/* session.h - one client connection's protocol state: bytes in, replies out.
 *
 * Owns: the connection's parser, its partial input (only while a frame is
 * incomplete), its pending output, selected database, protocol version,
 * name, auth state and close request. Does not own the socket: the engine
 * moves bytes, the session never makes a system call.
 *
 * A session is used by one thread at a time (its engine's). An idle session
 * (no partial frame, no pending output) holds no buffers.
 */
#ifndef RESPD_SESSION_H
#define RESPD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cc/core/core.h"

#ifdef __cplusplus
extern "C" {
#endif

struct session;

/* Creates a session for an accepted connection and registers it with core.
 * fd is informational (CLIENT LIST); peer is the client's address (may be
 * NULL). Returns NULL only when out of memory.
 * If the client may not be served (maxclients reached, or protected mode
 * refuses a non-loopback peer) the session is created with the error reply
 * already queued and session_want_close() true: the engine flushes it and
 * closes, like for any other session. */
struct session *session_new(struct core *core, int fd,
                            const struct sockaddr *peer, socklen_t peerlen);
/* Unregisters and frees the session and everything it holds. */
void session_free(struct session *s);

/* Input, way 1 (the session buffers): reserve at least `min` writable bytes,
 * read into them, then commit what was read. Returns NULL when out of
 * memory. The buffer is released again by session_process once it holds
 * no partial frame, so a session idles without one. */
char *session_in_reserve(struct session *s, size_t min, size_t *avail);
void session_in_commit(struct session *s, size_t n);
/* Runs the complete requests in the session's input buffer, appending
 * replies. Stops early once the session wants to close or its output
 * reaches the pause threshold (see session_feed). Returns the number of
 * requests executed. */
int session_process(struct session *s);

/* Input, way 2 (the engine buffers, e.g. one scratch buffer per loop or a
 * kernel-provided buffer): parses and runs complete requests straight from
 * buf; only the tail of an incomplete frame is copied into the session
 * (and when one was already buffered, only the bytes that complete it).
 * buf is not retained. Returns the number of requests executed. Bytes fed
 * after session_want_close() are counted as input and ignored.
 *
 * Flow control: requests stop running while the session's unsent output
 * is at or above a pause threshold (64 KiB, or half the output limit when
 * that is smaller); the rest of buf is kept in the session, which is then
 * session_paused(). Bytes fed while paused are kept too, behind them, up
 * to the output limit; past it the session drops its output and asks to be
 * closed (session_limit_reason says why). Engines may keep reading while
 * paused, and call session_resume once they sent output. */
int session_feed(struct session *s, const char *buf, size_t len);
/* True while requests wait for output to drain. */
bool session_paused(const struct session *s);
/* Runs the requests flow control held back, when the session is paused
 * and its unsent output fell below the pause threshold; stops again at the
 * threshold. Returns the number of requests executed (0 when nothing was
 * due, so it is cheap to call after every send). */
int session_resume(struct session *s);

/* Output: the bytes to send next, then how many were sent. The pointer is
 * valid until the next call on the session. Pending output counts against
 * the core's output_limit (Redis's client-output-buffer-limit): a reply
 * that does not fit is replaced by an error and the session asks to be
 * closed once the replies before it are sent. Before AUTH (with a
 * password set) the limit is 17 KiB, as in Redis 7.0. */
const char *session_out_peek(struct session *s, size_t *len);
void session_out_consume(struct session *s, size_t n);
size_t session_out_pending(const struct session *s);

/* True once the connection should close after its pending output is sent:
 * QUIT, a protocol error, an output-limit overrun, or a refused connection.
 * After that, input is ignored. */
bool session_want_close(const struct session *s);

/* When the close was forced by a limit, the reason to log, worded like
 * Redis's log line ("for overcoming of output buffer limits"); NULL for
 * every other close (QUIT, protocol error, refused connection). */
const char *session_limit_reason(const struct session *s);
/* True when the session was cut off as a client that stopped reading: its
 * output is dropped and the engine should close now, without sending even
 * bytes it already took out of the session. */
bool session_abandoned(const struct session *s);
/* Formats "id=.. addr=.. fd=.. name=.. qbuf=.. omem=.." for log lines. */
void session_describe(const struct session *s, char *buf, size_t len);

/* Idle-timeout support, Redis's rule (clientsCronHandleTimeout): true when
 * the core has a timeout and more than that passed since the session's
 * last interaction, that is the last read that brought bytes or the last
 * session_out_consume of bytes sent, whatever output is still pending.
 * now_ms is the store's clock. */
bool session_timed_out(const struct session *s, int64_t now_ms);

/* Heap bytes the session's own buffers hold right now (partial input and
 * pending output capacity); 0 for an idle session. For memory
 * accounting and tests. */
size_t session_buffer_bytes(const struct session *s);
/* sizeof(struct session), for engines that budget per-connection memory. */
size_t session_struct_size(void);

/* Unregisters the session and releases its buffers early, e.g. when the
 * engine is about to close the socket but must keep the memory until a
 * last completion arrives. Optional; session_free does it too. */
void session_detach(struct session *s);

#ifdef __cplusplus
}
#endif

#endif
