/* session_state.h - private to the core library: the layout of struct
 * session, for the units that run commands on it (dispatch.c, cmd_*.c) and
 * for session.c, which owns its life cycle and byte paths. Engines use the
 * opaque type of session.h.
 *
 * Fields other threads read (CLIENT LIST) are atomics the owning thread
 * updates, or live in the registry node under the registry lock.
 */
#ifndef RESPD_SESSION_STATE_H
#define RESPD_SESSION_STATE_H

#include <stdatomic.h>
#include <stdint.h>

#include "cc/core/core_internal.h"
#include "cc/core/reply.h"
#include "cc/core/resp_parser.h"

enum session_flags {
    SESSION_CLOSE = 1 << 0,     /* close once output is flushed */
    SESSION_AUTHED = 1 << 1,
    SESSION_REGISTERED = 1 << 2,
    SESSION_DETACHED = 1 << 3,
};

struct session {
    struct core *core;
    struct core_client client;     /* registry node: id, name */
    struct resp_parser parser;
    struct reply out;
    char *in;                      /* partial frame, NULL when none */
    /* Atomics only so CLIENT LIST on another thread reads them without a
     * race; writes happen on partial-frame paths only. */
    _Atomic uint32_t in_len, in_cap;
    _Atomic int64_t last_ms;       /* last interaction, store clock */
    int32_t ctime_s;               /* creation, seconds after core start_ms */
    int fd;
    _Atomic uint16_t last_cmd;     /* command index + 1, 0 = none */
    _Atomic uint8_t db;
    uint8_t flags;
    uint8_t peer_family;           /* AF_INET, AF_INET6, AF_UNIX or 0 */
    _Atomic uint8_t resp;          /* out.proto, readable by CLIENT LIST */
    uint16_t peer_port;            /* host order */
    uint8_t peer_addr[16];
};

#endif
