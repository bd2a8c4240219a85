/* dispatch.h - running one parsed request on a session: command lookup,
 * arity and auth checks, the call into the command's implementation, and
 * the statistics and error counts that follow from its status.
 *
 * Called by session.c only (engines go through session.h). Runs on the
 * session's thread; the counters it bumps are atomics.
 */
#ifndef RESPD_DISPATCH_H
#define RESPD_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cc/core/command_table.h"

#ifdef __cplusplus
extern "C" {
#endif

struct session;

/* Builds the command lookup index; idempotent and thread-safe. Call before
 * the first session_execute (session_new does). */
void dispatch_init(void);

/* Runs one parsed request: lookup, arity and auth checks, execution and
 * statistics. *clock_us is the monotonic time the command's duration is
 * measured from; it is advanced to the time the command finished. */
void session_execute(struct session *s, int argc, const char *const *argv,
                     const size_t *argvlen, int64_t *clock_us);

/* True when the command has an implementation (containers without a
 * subcommand have none). For tests of the table. */
bool dispatch_has_proc(const struct command *cmd);

#ifdef __cplusplus
}
#endif

#endif
