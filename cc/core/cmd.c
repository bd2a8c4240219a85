/* cmd.c - helpers several command families share (cmd.h): store error
 * replies, expiry-time arguments, HELP texts.
 */
#include "cc/core/cmd.h"

#include <limits.h>
#include <stdlib.h>

#include "cc/core/util.h"

int cmd_store_error(struct session *s, int rc)
{
    if (rc == STORE_EWRONGTYPE)
        return cmd_error(s, SHARED_WRONGTYPE);
    /* STORE_ETOOBIG: a result past 512 MiB, Redis's checkStringLength. */
    return cmd_error(s, rc == STORE_ETOOBIG ? SHARED_TOO_BIG : SHARED_OOM);
}

int cmd_parse_expire(struct session *s, const char *p, size_t n,
                     enum expire_unit unit, bool relative, bool set_rules,
                     const char *cmdname, int64_t *at)
{
    int64_t v;
    if (!util_string2ll(p, n, &v)) {
        reply_error(out_of(s), SHARED_NOT_INT);
        return -1;
    }
    bool bad = false;
    if (set_rules) {
        bad = v <= 0 || (unit == UNIT_SECONDS && v > INT64_MAX / 1000);
    } else if (unit == UNIT_SECONDS) {
        bad = v > INT64_MAX / 1000 || v < INT64_MIN / 1000;
    }
    if (!bad && unit == UNIT_SECONDS)
        v *= 1000;
    if (!bad && relative) {
        int64_t now = store_now_ms(store_of(s));
        if (v > INT64_MAX - now)
            bad = true;
        else
            v += now;
    }
    if (bad) {
        reply_errorf(out_of(s), "ERR invalid expire time in '%s' command",
                     cmdname);
        return -1;
    }
    *at = v;
    return 0;
}

int cmd_reply_help(struct session *s, const char *const *lines)
{
    size_t n = 0;
    while (lines[n] != NULL)
        n++;
    reply_array(out_of(s), n);
    for (size_t i = 0; i < n; i++)
        reply_simple(out_of(s), lines[i]);
    return CMD_DONE;
}

void cmd_reply_value(struct session *s, int found, struct store_value *v)
{
    if (found) {
        reply_bulk(out_of(s), v->data, v->len);
        free(v->data);
    } else {
        reply_null(out_of(s));
    }
}
