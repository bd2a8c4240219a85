/* log.c - formats redis-server-style log lines and writes each with one
 * write(2) so lines from several threads never interleave.
 *
 * Owns the process-wide log level. Does not own stderr (never closes it)
 * and does not rate-limit: callers that might log per event do that.
 */
#define _GNU_SOURCE

#include "cc/servers/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Written once by main before threads start, read by every thread after. */
static enum log_level log_min_level = LOG_NOTICE;

static const struct {
    const char *name;
    enum log_level level;
} log_level_names[] = {
    {.name = "debug", .level = LOG_DEBUG},
    {.name = "verbose", .level = LOG_VERBOSE},
    {.name = "notice", .level = LOG_NOTICE},
    {.name = "warning", .level = LOG_WARNING},
};

int log_parse_level(const char *name, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++) {
        if (strcmp(name, log_level_names[i].name) == 0) {
            *out = log_level_names[i].level;
            return 0;
        }
    }
    return -EINVAL;
}

void log_set_level(enum log_level level)
{
    log_min_level = level;
}

bool log_enabled(enum log_level level)
{
    return level >= log_min_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char marks[] = {'.', '-', '*', '#'};
    char line[1200];
    struct timeval tv;
    struct tm tm;
    size_t off;
    va_list ap;
    int n;

    if (!log_enabled(level))
        return;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    n = snprintf(line, sizeof(line), "%d:M ", (int)getpid());
    off = n > 0 ? (size_t)n : 0;
    off += strftime(line + off, sizeof(line) - off, "%d %b %Y %H:%M:%S", &tm);
    n = snprintf(line + off, sizeof(line) - off, ".%03d %c ",
                 (int)(tv.tv_usec / 1000), marks[level]);
    off += n > 0 ? (size_t)n : 0;
    va_start(ap, fmt);
    n = vsnprintf(line + off, sizeof(line) - off - 1, fmt, ap);
    va_end(ap);
    if (n > 0)
        off += (size_t)n < sizeof(line) - off - 1 ? (size_t)n : sizeof(line) - off - 2;
    line[off++] = '\n';

    /* A short write to stderr is retried so a line is never cut mid-way by
     * an interrupted write; any other error is dropped. */
    size_t done = 0;
    while (done < off) {
        ssize_t w = write(STDERR_FILENO, line + done, off - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
}
