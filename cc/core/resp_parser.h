/* resp_parser.h - incremental RESP request parser (multibulk and inline).
 *
 * Owns: the parse state of one connection's request stream. Does not own the
 * bytes it parses, does no I/O and never allocates from a length or count a
 * client declares: argument arrays grow as arguments actually arrive.
 */
#ifndef RESPD_RESP_PARSER_H
#define RESPD_RESP_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Redis 7.0 limits. */
#define RESP_INLINE_MAX (64 * 1024)               /* inline request / count line */
#define RESP_BULK_MAX (512LL * 1024 * 1024)       /* proto-max-bulk-len */
#define RESP_UNAUTH_ARGS_MAX 10                   /* multibulk count before AUTH */
#define RESP_UNAUTH_BULK_MAX 16384                /* bulk length before AUTH */

/* The three outcomes of resp_parse; never folded into fewer. */
enum resp_status {
    RESP_DONE,  /* one complete request: argc/argv/argvlen are valid */
    RESP_MORE,  /* the frame is incomplete: call again with more bytes */
    RESP_ERROR, /* protocol error: resp_parser_error() has the reply text */
};

/* Defined here so a session can embed it (it must stay small: an idle
 * connection's whole footprint is budgeted at 256 bytes; this is 64). The
 * fields are private to resp_parser.c: use the functions below. */
struct resp_parser {
    /* One block: argv[cap], argvlen[cap], then offs[cap] (argument offsets
     * while a multibulk frame is incomplete, since the buffer may move). */
    void *args;
    int cap;
    unsigned char state;
    unsigned char unauth;
    unsigned char nul_seen; /* a NUL precedes the current line's end */
    unsigned char error;
    union {
        struct {
            char *decoded;   /* unescaped inline arguments, or NULL */
            size_t pos;      /* next unparsed byte, from the frame start */
            unsigned scan;   /* bytes after pos already searched for EOL */
            int bulklen;     /* length of the bulk being read */
            int remaining;   /* bulks still expected in this multibulk */
            int argc;        /* arguments collected so far */
        } st;
        char errbuf[48];     /* the error text that embeds a byte */
    } u;
};
/* Initialises p; allocates nothing. */
void resp_parser_init(struct resp_parser *p);
/* Releases whatever p allocated and leaves p as resp_parser_init does
 * (unauthenticated limits off, no error), ready for the next frame: a
 * session calls it whenever it goes idle, so an idle connection holds no
 * parser memory. */
void resp_parser_destroy(struct resp_parser *p);

/* While `on` is true, Redis's unauthenticated limits apply (at most
 * RESP_UNAUTH_ARGS_MAX arguments, bulks of at most RESP_UNAUTH_BULK_MAX). */
void resp_parser_set_unauthenticated(struct resp_parser *p, bool on);

/* Parses the request that starts at buf[0]. buf[0..len) must hold the frame
 * from its first byte; when RESP_MORE is returned, call again with the same
 * frame start and more bytes appended (the buffer may have moved): the parser
 * remembers how far it got and does not rescan. A parser serves one
 * connection; different parsers may be used from different threads.
 *
 * RESP_DONE: *consumed is the frame's length (plus any empty frames skipped
 *   before it); the request is in resp_parser_argc/argv/argvlen, valid
 *   until the next resp_parse or resp_parser_destroy call and while buf is
 *   unchanged. Leading empty lines, empty inline requests and `*0` / `*-1`
 *   frames are consumed silently and never returned as a request (argc is
 *   always >= 1 on RESP_DONE).
 * RESP_MORE: *consumed is how many leading bytes were fully skipped (empty
 *   lines, `*0`); the caller must drop them, so that the next call's buf
 *   starts at buf + *consumed of this one (the partial frame's first byte).
 * RESP_ERROR: the error is sticky; resp_parser_error() returns the reply
 *   line without "-" or CRLF, e.g. "ERR Protocol error: invalid bulk length".
 *   *consumed counts only the empty frames before the bad one.
 *
 * Like Redis 7.0, the byte after a count line's CR and the two bytes after
 * bulk data are skipped without being checked, and a NUL byte before the end
 * of a line hides that end (Redis searches with strchr) until the line
 * passes RESP_INLINE_MAX.
 */
enum resp_status resp_parse(struct resp_parser *p, const char *buf, size_t len,
                            size_t *consumed);

/* The request of the last RESP_DONE; 0 / NULL in any other state. */
int resp_parser_argc(const struct resp_parser *p);
const char *const *resp_parser_argv(const struct resp_parser *p);
const size_t *resp_parser_argvlen(const struct resp_parser *p);
/* The byte length of the last RESP_DONE frame; 0 in any other state. */
size_t resp_parser_frame_len(const struct resp_parser *p);
/* The error reply text after RESP_ERROR, NULL before. Owned by p. */
const char *resp_parser_error(const struct resp_parser *p);

/* True when the parser holds no partial frame (it is between requests);
 * false after an error. */
bool resp_parser_idle(const struct resp_parser *p);

#ifdef __cplusplus
}
#endif

#endif
