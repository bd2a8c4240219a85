/* cmd_command.c - COMMAND, COMMAND COUNT/INFO/DOCS/LIST/HELP: the command
 * table (command_table.c) rendered the way Redis 7.0 renders its own,
 * including the argument grammar COMMAND DOCS expands.
 */
#include <stdio.h>
#include <string.h>

#include "cc/core/cmd.h"
#include "cc/core/command_table.h"
#include "cc/core/util.h"

static bool is_subcommand(const struct command *cmd)
{
    return strchr(cmd->name, '|') != NULL;
}

/* Subcommands of parent, in table order. */
static size_t subcommands_of(const struct command *parent,
                             const struct command **out, size_t max)
{
    size_t plen = strlen(parent->name);
    size_t n = 0;
    for (size_t i = 0; i < commands_count(); i++) {
        const struct command *c = commands_at(i);
        if (strncmp(c->name, parent->name, plen) == 0 && c->name[plen] == '|') {
            if (n < max)
                out[n] = c;
            n++;
        }
    }
    return n;
}

static void reply_command_flags(struct reply *r, uint32_t flags)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {CMD_WRITE, "write"},     {CMD_READONLY, "readonly"},
        {CMD_DENYOOM, "denyoom"}, {CMD_ADMIN, "admin"},
        {CMD_NOSCRIPT, "noscript"}, {CMD_LOADING, "loading"},
        {CMD_STALE, "stale"},     {CMD_FAST, "fast"},
        {CMD_NOAUTH, "no_auth"},  {CMD_ALLOW_BUSY, "allow_busy"},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        n += (flags & names[i].bit) != 0;
    reply_set(r, n);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (flags & names[i].bit)
            reply_simple(r, names[i].name);
}

/* Replies a set of the space-separated words in text: simple strings with
 * `prefix` (ACL categories, flags) or bulk strings (tips). */
static void reply_word_set(struct reply *r, const char *text, const char *prefix,
                           bool simple)
{
    if (text == NULL)
        text = "";
    size_t n = 0;
    for (const char *p = text; *p != '\0';) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        n++;
        while (*p != '\0' && *p != ' ')
            p++;
    }
    reply_set(r, n);
    for (const char *p = text; *p != '\0';) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        const char *e = p;
        while (*e != '\0' && *e != ' ')
            e++;
        char buf[96];
        int len = snprintf(buf, sizeof(buf), "%s%.*s", prefix, (int)(e - p), p);
        if (len > 0 && simple)
            reply_simple(r, buf);
        else if (len > 0)
            reply_bulk(r, buf, (size_t)len);
        p = e;
    }
}

static void reply_key_specs(struct reply *r, const struct command *cmd)
{
    /* Redis 7.0 sends the key specs as a set (a RESP3-only quirk). */
    if (cmd->first_key == 0) {
        reply_set(r, 0);
        return;
    }
    reply_set(r, 1);
    reply_map(r, cmd->key_notes != NULL ? 4 : 3);
    if (cmd->key_notes != NULL) {
        reply_cstr(r, "notes");
        reply_cstr(r, cmd->key_notes);
    }
    reply_cstr(r, "flags");
    if (cmd->key_flags != NULL)
        reply_word_set(r, cmd->key_flags, "", true);
    else
        reply_word_set(r, (cmd->flags & CMD_WRITE) ? "RW update" : "RO access", "", true);
    reply_cstr(r, "begin_search");
    reply_map(r, 2);
    reply_cstr(r, "type");
    reply_cstr(r, "index");
    reply_cstr(r, "spec");
    reply_map(r, 1);
    reply_cstr(r, "index");
    reply_int(r, cmd->first_key);
    reply_cstr(r, "find_keys");
    reply_map(r, 2);
    reply_cstr(r, "type");
    reply_cstr(r, "range");
    reply_cstr(r, "spec");
    reply_map(r, 3);
    reply_cstr(r, "lastkey");
    reply_int(r, cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key);
    reply_cstr(r, "keystep");
    reply_int(r, cmd->key_step);
    reply_cstr(r, "limit");
    reply_int(r, 0);
}

static void reply_command_info(struct reply *r, const struct command *cmd)
{
    reply_array(r, 10);
    reply_cstr(r, cmd->name);
    reply_int(r, cmd->arity);
    reply_command_flags(r, cmd->flags);
    reply_int(r, cmd->first_key);
    reply_int(r, cmd->last_key);
    reply_int(r, cmd->key_step);
    reply_word_set(r, cmd->acl, "@", true);
    reply_word_set(r, cmd->tips, "", false);
    reply_key_specs(r, cmd);
    const struct command *subs[16];
    size_t nsub = subcommands_of(cmd, subs, 16);
    if (nsub > 16)
        nsub = 16;
    /* Likewise an empty subcommand list is an empty set, a full one an
     * array. */
    if (nsub == 0)
        reply_set(r, 0);
    else
        reply_array(r, nsub);
    for (size_t i = 0; i < nsub; i++)
        reply_command_info(r, subs[i]);
}

/* COMMAND DOCS argument grammar (the `args` field of the table):
 *   items separated by spaces; each item is
 *     [?][+][TOKEN=]name:type      an argument ("?" optional, "+" multiple)
 *     [?][+]TOKEN                  a pure token (name is its lower case)
 *     [?][+][TOKEN=]name(a|b|...)  one of the alternatives
 *     [?][+][TOKEN=]name{a b ...}  a block of arguments
 * Alternatives and block members use the same item syntax. */

static size_t argspec_item_end(const char *p, char sep)
{
    int depth = 0;
    size_t i = 0;
    for (; p[i] != '\0'; i++) {
        char ch = p[i];
        if (ch == '(' || ch == '{')
            depth++;
        else if (ch == ')' || ch == '}') {
            if (depth == 0)
                break;
            depth--;
        } else if (ch == sep && depth == 0)
            break;
    }
    return i;
}

/* Counts items in a list that ends at ')' '}' or NUL. */
static size_t argspec_count(const char *p, char sep)
{
    size_t n = 0;
    while (*p != '\0' && *p != ')' && *p != '}') {
        size_t len = argspec_item_end(p, sep);
        if (len > 0)
            n++;
        p += len;
        if (*p == sep)
            p++;
    }
    return n;
}

static const char *argspec_list(struct reply *r, const char *p, char sep);

static const char *argspec_item(struct reply *r, const char *p)
{
    bool optional = false, multiple = false;
    for (;; p++) {
        if (*p == '?')
            optional = true;
        else if (*p == '+')
            multiple = true;
        else
            break;
    }
    const char *start = p;
    const char *eq = NULL, *colon = NULL, *open = NULL;
    const char *q = p;
    while (*q != '\0' && *q != ' ' && *q != '|' && *q != ')' && *q != '}') {
        if (*q == '=' && eq == NULL && open == NULL)
            eq = q;
        else if (*q == ':' && colon == NULL && open == NULL)
            colon = q;
        else if ((*q == '(' || *q == '{') && open == NULL) {
            open = q;
            break;
        }
        q++;
    }
    const char *name = eq != NULL ? eq + 1 : start;
    size_t namelen;
    const char *type;
    size_t typelen;
    char lower[64];
    if (open != NULL) {
        namelen = (size_t)(open - name);
        type = *open == '(' ? "oneof" : "block";
        typelen = 5;
    } else if (colon != NULL) {
        namelen = (size_t)(colon - name);
        type = colon + 1;
        typelen = (size_t)(q - type);
    } else {
        /* A pure token: its name is its lower-case spelling. */
        namelen = (size_t)(q - start);
        if (namelen >= sizeof(lower))
            namelen = sizeof(lower) - 1;
        for (size_t i = 0; i < namelen; i++) {
            char ch = start[i];
            lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        }
        name = lower;
        type = "pure-token";
        typelen = 10;
    }
    bool pure = open == NULL && colon == NULL;
    /* Key arguments point at the command's one key spec, as Redis's do. */
    bool is_key = typelen == 3 && memcmp(type, "key", 3) == 0;
    size_t fields = 2 + (size_t)is_key + (eq != NULL || pure) +
                    (optional || multiple) + (open != NULL);
    reply_map(r, fields);
    reply_cstr(r, "name");
    reply_bulk(r, name, namelen);
    reply_cstr(r, "type");
    reply_bulk(r, type, typelen);
    if (is_key) {
        reply_cstr(r, "key_spec_index");
        reply_int(r, 0);
    }
    if (eq != NULL || pure) {
        reply_cstr(r, "token");
        if (pure)
            reply_bulk(r, start, (size_t)(q - start));
        else
            reply_bulk(r, start, (size_t)(eq - start));
    }
    if (optional || multiple) {
        reply_cstr(r, "flags");
        reply_set(r, (size_t)optional + (size_t)multiple);
        if (optional)
            reply_simple(r, "optional");
        if (multiple)
            reply_simple(r, "multiple");
    }
    if (open != NULL) {
        char sep = *open == '(' ? '|' : ' ';
        reply_cstr(r, "arguments");
        p = argspec_list(r, open + 1, sep);
        if (*p == ')' || *p == '}')
            p++;
        return p;
    }
    return q;
}

static const char *argspec_list(struct reply *r, const char *p, char sep)
{
    reply_array(r, argspec_count(p, sep));
    while (*p != '\0' && *p != ')' && *p != '}') {
        if (*p == sep) {
            p++;
            continue;
        }
        p = argspec_item(r, p);
    }
    return p;
}

static void reply_command_docs(struct reply *r, const struct command *cmd)
{
    const struct command *subs[16];
    size_t nsub = subcommands_of(cmd, subs, 16);
    if (nsub > 16)
        nsub = 16;
    bool has_args = cmd->args != NULL && cmd->args[0] != '\0';
    reply_map(r, 4 + (size_t)has_args + (nsub > 0));
    reply_cstr(r, "summary");
    reply_cstr(r, cmd->summary);
    reply_cstr(r, "since");
    reply_cstr(r, cmd->since);
    reply_cstr(r, "group");
    reply_cstr(r, cmd->group);
    reply_cstr(r, "complexity");
    reply_cstr(r, cmd->complexity);
    if (has_args) {
        reply_cstr(r, "arguments");
        argspec_list(r, cmd->args, ' ');
    }
    if (nsub > 0) {
        reply_cstr(r, "subcommands");
        reply_map(r, nsub);
        for (size_t i = 0; i < nsub; i++) {
            reply_cstr(r, subs[i]->name);
            reply_command_docs(r, subs[i]);
        }
    }
}

/* COMMAND INFO/DOCS also take "container|subcommand" names. */
static const struct command *lookup_any(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    if (bar == NULL)
        return commands_lookup(name, len);
    const struct command *parent = commands_lookup(name, (size_t)(bar - name));
    if (parent == NULL || !(parent->flags & CMD_CONTAINER))
        return NULL;
    return commands_lookup_sub(parent, bar + 1, len - (size_t)(bar - name) - 1);
}

static size_t top_level_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < commands_count(); i++)
        n += !is_subcommand(commands_at(i));
    return n;
}

int cmd_command(ARGS)
{
    UNUSED_ARGS;
    struct reply *r = out_of(s);
    reply_array(r, top_level_count());
    for (size_t i = 0; i < commands_count(); i++)
        if (!is_subcommand(commands_at(i)))
            reply_command_info(r, commands_at(i));
    return CMD_DONE;
}

int cmd_command_count(ARGS)
{
    UNUSED_ARGS;
    reply_int(out_of(s), (int64_t)top_level_count());
    return CMD_DONE;
}

int cmd_command_info(ARGS)
{
    struct reply *r = out_of(s);
    if (argc == 2)
        return cmd_command(s, argc, argv, argvlen);
    reply_array(r, (size_t)argc - 2);
    for (int i = 2; i < argc; i++) {
        const struct command *c = lookup_any(argv[i], argvlen[i]);
        if (c == NULL)
            reply_null(r);
        else
            reply_command_info(r, c);
    }
    return CMD_DONE;
}

int cmd_command_docs(ARGS)
{
    struct reply *r = out_of(s);
    if (argc == 2) {
        reply_map(r, top_level_count());
        for (size_t i = 0; i < commands_count(); i++) {
            const struct command *c = commands_at(i);
            if (is_subcommand(c))
                continue;
            reply_cstr(r, c->name);
            reply_command_docs(r, c);
        }
        return CMD_DONE;
    }
    size_t found = 0;
    for (int i = 2; i < argc; i++)
        found += lookup_any(argv[i], argvlen[i]) != NULL;
    reply_map(r, found);
    for (int i = 2; i < argc; i++) {
        const struct command *c = lookup_any(argv[i], argvlen[i]);
        if (c == NULL)
            continue;
        reply_cstr(r, c->name);
        reply_command_docs(r, c);
    }
    return CMD_DONE;
}

int cmd_command_list(ARGS)
{
    const char *pat = NULL;
    size_t plen = 0;
    if (argc == 5 && arg_is(argv[2], argvlen[2], "filterby") &&
        arg_is(argv[3], argvlen[3], "pattern")) {
        pat = argv[4];
        plen = argvlen[4];
    } else if (argc != 2) {
        return cmd_error(s, SHARED_SYNTAX_ERR);
    }
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            reply_array(out_of(s), n);
        for (size_t i = 0; i < commands_count(); i++) {
            const struct command *c = commands_at(i);
            if (pat != NULL &&
                !util_glob_match(pat, plen, c->name, strlen(c->name), true))
                continue;
            if (pass == 0)
                n++;
            else
                reply_cstr(out_of(s), c->name);
        }
    }
    return CMD_DONE;
}

int cmd_command_help(ARGS)
{
    UNUSED_ARGS;
    static const char *const lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST [FILTERBY PATTERN <pattern>]",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    return cmd_reply_help(s, lines);
}
