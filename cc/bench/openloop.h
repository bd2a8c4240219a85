/* openloop.h - what openloop's command line says: the options and their
 * parsing. Owns no sockets or schedule (openloop.c's).
 */
#ifndef RESPD_BENCH_OPENLOOP_H
#define RESPD_BENCH_OPENLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_MIX 4

enum cmd { CMD_PING, CMD_GET, CMD_SET, CMD_MSET };

struct options {
    const char *host;
    int port;
    int threads;
    int conns;
    double rate;          /* requests per second, all connections */
    double duration;      /* seconds of schedule */
    double warmup;        /* seconds at the start not recorded */
    double drain;         /* seconds to wait for late replies after the schedule */
    int pipeline;         /* requests per scheduled batch */
    int max_inflight;     /* per connection */
    uint64_t keys;
    bool zipf;
    double zipf_s;
    size_t value_size;
    int mset_keys;
    enum cmd mix[MAX_MIX];
    unsigned weight[MAX_MIX];
    int nmix;
    unsigned weight_total;
    bool prefill;
    bool json;
    uint64_t seed;
};

/* Prints "openloop: what" and exits 2: every bad option and setup failure
 * ends the run before anything is measured. */
void die(const char *what);

/* Fills o from the command line, with the defaults usage() lists; exits 2
 * with a reason on anything it cannot use. */
void parse_options(struct options *o, int argc, char **argv);

#endif
