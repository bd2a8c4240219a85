/* engine.c - the startup steps every engine shares: opening its listening
 * sockets with one clear error line, and logging the Ready line.
 *
 * Does not own the listeners once opened (the engine closes them) and holds
 * no state of its own.
 */
#define _GNU_SOURCE

#include "cc/servers/engine.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "cc/servers/log.h"
#include "cc/servers/net.h"

int engine_listen(const struct server_config *cfg, int n, int *fds)
{
    int rc = net_listen_many(cfg->bind, cfg->port, NET_BACKLOG, n, fds);
    const char *hint = "";

    if (rc == 0)
        return 0;
    if (rc == -EADDRINUSE)
        hint = " (is another server already listening on this port? pick one with --port)";
    else if (rc == -EADDRNOTAVAIL)
        hint = " (the address is not one of this host's; check --bind)";
    else if (rc == -EACCES)
        hint = " (ports below 1024 need privileges)";
    else if (rc == -EINVAL)
        hint = " (--bind takes an IPv4 or IPv6 literal)";
    log_msg(LOG_WARNING, "Could not create server TCP listening socket %s:%d: %s%s",
            cfg->bind, cfg->port, strerror(-rc), hint);
    return rc;
}

void engine_log_ready(const struct server_config *cfg, int lfd, const char *detail)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char addr[80];

    if (getsockname(lfd, (struct sockaddr *)&ss, &len) < 0 ||
        net_format_addr((struct sockaddr *)&ss, addr, sizeof(addr)) < 0)
        strcpy(addr, "?");
    log_msg(LOG_NOTICE, "Ready to accept connections tcp on %s (engine %s%s%s)",
            addr, cfg->engine, detail != NULL ? ", " : "", detail != NULL ? detail : "");
}
