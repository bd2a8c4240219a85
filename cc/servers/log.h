/* log.h - respd's log lines on stderr, in redis-server's format:
 * "PID:M 27 Nov 2026 14:00:00.123 * message".
 *
 * Owns: the log level and line formatting. Only engines and main log; the
 * core never does. Safe to call from any thread (one write(2) per line), but
 * not from a signal handler.
 */
#ifndef RESPD_LOG_H
#define RESPD_LOG_H

#include <stdbool.h>

/* Ordered by severity; the marks are Redis's (. - * #). */
enum log_level {
    LOG_DEBUG = 0,
    LOG_VERBOSE = 1,
    LOG_NOTICE = 2,
    LOG_WARNING = 3,
};

/* Parses "debug", "verbose", "notice" or "warning". Returns 0 and sets *out,
 * or -EINVAL for anything else. */
int log_parse_level(const char *name, enum log_level *out);

/* Sets the lowest level that is printed (default LOG_NOTICE). Call before
 * starting threads. */
void log_set_level(enum log_level level);

/* True when a message at `level` would be printed; lets callers skip work
 * that only feeds a suppressed message. */
bool log_enabled(enum log_level level);

/* Formats and prints one line (a trailing newline is added; long messages
 * are truncated at about 1 KiB). Never fails visibly: a write error to
 * stderr has nowhere to be reported. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
