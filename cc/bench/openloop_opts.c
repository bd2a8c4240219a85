/* openloop_opts.c - openloop's command line: defaults, parsing and the
 * checks that refuse an unusable combination before anything connects.
 */
#define _GNU_SOURCE

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "openloop.h"

static const char *const cmd_names[] = {"ping", "get", "set", "mset"};

void die(const char *what)
{
    fprintf(stderr, "openloop: %s\n", what);
    exit(2);
}

static void parse_mix(struct options *o, const char *arg)
{
    char *copy = strdup(arg), *save = NULL;
    o->nmix = 0;
    o->weight_total = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        unsigned w = 1;
        if (colon) {
            *colon = '\0';
            w = (unsigned)strtoul(colon + 1, NULL, 10);
        }
        int found = -1;
        for (int i = 0; i < 4; i++)
            if (strcasecmp(tok, cmd_names[i]) == 0)
                found = i;
        if (found < 0 || w == 0 || o->nmix == MAX_MIX)
            die("--mix takes up to 4 of ping, get, set, mset, each with an optional :weight");
        o->mix[o->nmix] = (enum cmd)found;
        o->weight[o->nmix++] = w;
        o->weight_total += w;
    }
    free(copy);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: openloop --port N --rate R [--host 127.0.0.1] [--threads 1]\n"
            "  [--connections 50] [--duration 5] [--warmup 0.5] [--drain 2] [--pipeline 1]\n"
            "  [--max-inflight 1024] [--mix get:9,set:1] [--keys 10000]\n"
            "  [--dist uniform|zipf[:S]] [--value-size 3] [--mset-keys 10] [--prefill]\n"
            "  [--seed N] [--json]\n");
    exit(2);
}

static double num_arg(const char *name, const char *s, double lo)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v >= lo)) {
        fprintf(stderr, "openloop: %s takes a number >= %g, not '%s'\n", name, lo, s);
        exit(2);
    }
    return v;
}

void parse_options(struct options *o, int argc, char **argv)
{
    static const struct option longs[] = {
        {"host", 1, 0, 'h'},     {"port", 1, 0, 'p'},      {"threads", 1, 0, 't'},
        {"connections", 1, 0, 'c'}, {"rate", 1, 0, 'r'},   {"duration", 1, 0, 'd'},
        {"warmup", 1, 0, 'w'},   {"drain", 1, 0, 'D'},     {"pipeline", 1, 0, 'P'},
        {"max-inflight", 1, 0, 'm'}, {"mix", 1, 0, 'x'},   {"keys", 1, 0, 'k'},
        {"dist", 1, 0, 'z'},     {"value-size", 1, 0, 'v'}, {"mset-keys", 1, 0, 'M'},
        {"prefill", 0, 0, 'f'},  {"seed", 1, 0, 's'},      {"json", 0, 0, 'j'},
        {0, 0, 0, 0}};
    *o = (struct options){.host = "127.0.0.1", .threads = 1, .conns = 50, .duration = 5,
                          .warmup = 0.5, .drain = 2, .pipeline = 1, .max_inflight = 1024,
                          .keys = 10000, .zipf_s = 0.99, .value_size = 3, .mset_keys = 10,
                          .seed = 1};
    parse_mix(o, "get");
    int ch;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'h': o->host = optarg; break;
        case 'p': o->port = (int)num_arg("--port", optarg, 1); break;
        case 't': o->threads = (int)num_arg("--threads", optarg, 1); break;
        case 'c': o->conns = (int)num_arg("--connections", optarg, 1); break;
        case 'r': o->rate = num_arg("--rate", optarg, 0); break;
        case 'd': o->duration = num_arg("--duration", optarg, 0); break;
        case 'w': o->warmup = num_arg("--warmup", optarg, 0); break;
        case 'D': o->drain = num_arg("--drain", optarg, 0); break;
        case 'P': o->pipeline = (int)num_arg("--pipeline", optarg, 1); break;
        case 'm': o->max_inflight = (int)num_arg("--max-inflight", optarg, 1); break;
        case 'x': parse_mix(o, optarg); break;
        case 'k': o->keys = (uint64_t)num_arg("--keys", optarg, 1); break;
        case 'z':
            if (strcmp(optarg, "uniform") == 0) {
                o->zipf = false;
            } else if (strncmp(optarg, "zipf", 4) == 0) {
                o->zipf = true;
                if (optarg[4] == ':')
                    o->zipf_s = num_arg("--dist zipf:S", optarg + 5, 0);
                else if (optarg[4] != '\0')
                    usage();
            } else {
                usage();
            }
            break;
        case 'v': o->value_size = (size_t)num_arg("--value-size", optarg, 0); break;
        case 'M': o->mset_keys = (int)num_arg("--mset-keys", optarg, 1); break;
        case 'f': o->prefill = true; break;
        case 's': o->seed = (uint64_t)num_arg("--seed", optarg, 0); break;
        case 'j': o->json = true; break;
        default: usage();
        }
    }
    if (optind != argc || o->port == 0 || (o->rate <= 0 && o->duration > 0))
        usage();
    if (o->threads > o->conns)
        die("--threads must not exceed --connections");
    if (o->max_inflight < o->pipeline)
        die("--max-inflight must be at least --pipeline");
    if (o->warmup >= o->duration && o->duration > 0)
        die("--warmup must be shorter than --duration");
}
