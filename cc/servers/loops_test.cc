// loops_test.cc - loops_run's contract: each loop set up and run on one
// thread of its own, all or none started, failures reported once, one
// failing loop stopping the rest, exit codes combined.
#include "cc/servers/loops.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <vector>

#include "cc/servers/net.h"

namespace
{

struct Loop {
    pthread_t setup_thread{};
    pthread_t run_thread{};
    pthread_t teardown_thread{};
    bool set_up = false, ran = false, torn_down = false;
    int setup_rc = 0, run_rc = 0;
    bool run_waits_for_shutdown = false;
};

struct Group {
    std::vector<Loop> loops;
    std::atomic<int> running{ 0 };
    int ready_calls = 0, ready_n = -1, ready_saw_running = -1;
    int report_calls = 0, report_index = -1, report_err = 0;
    explicit Group(int n) : loops(static_cast<size_t>(n)) {}
};

int Setup(void *ctx, int i)
{
    Loop &l = static_cast<Group *>(ctx)->loops[static_cast<size_t>(i)];
    l.setup_thread = pthread_self();
    l.set_up = true;
    return l.setup_rc;
}

void Report(void *ctx, int i, int err)
{
    Group *g = static_cast<Group *>(ctx);
    g->report_calls++;
    g->report_index = i;
    g->report_err = err;
}

void Ready(void *ctx, int n)
{
    Group *g = static_cast<Group *>(ctx);
    g->ready_calls++;
    g->ready_n = n;
    g->ready_saw_running = g->running.load();
    for (const Loop &l : g->loops)
        EXPECT_TRUE(l.set_up) << "ready before every loop was set up";
}

int Run(void *ctx, int i)
{
    Group *g = static_cast<Group *>(ctx);
    Loop &l = g->loops[static_cast<size_t>(i)];
    g->running++;
    l.run_thread = pthread_self();
    l.ran = true;
    while (l.run_waits_for_shutdown && !net_shutdown_requested())
        sched_yield();
    return l.run_rc;
}

void Teardown(void *ctx, int i)
{
    Loop &l = static_cast<Group *>(ctx)->loops[static_cast<size_t>(i)];
    l.teardown_thread = pthread_self();
    l.torn_down = true;
}

const loops_ops kOps = { Setup, Report, Ready, Run, Teardown };

TEST(Loops, EachLoopIsSetUpRunAndTornDownOnOneThreadOfItsOwn)
{
    Group g(4);
    ASSERT_EQ(loops_run("test", 4, &kOps, &g), 0);
    EXPECT_EQ(g.ready_calls, 1);
    EXPECT_EQ(g.ready_n, 4);
    EXPECT_EQ(g.ready_saw_running, 0) << "a loop ran before ready";
    EXPECT_EQ(g.report_calls, 0);
    EXPECT_TRUE(pthread_equal(g.loops[0].setup_thread, pthread_self()))
        << "loop 0 belongs to the caller's thread";
    for (size_t i = 0; i < g.loops.size(); i++) {
        const Loop &l = g.loops[i];
        EXPECT_TRUE(l.ran && l.torn_down) << "loop " << i;
        EXPECT_TRUE(pthread_equal(l.setup_thread, l.run_thread)) << "loop " << i;
        EXPECT_TRUE(pthread_equal(l.setup_thread, l.teardown_thread)) << "loop " << i;
        for (size_t j = 0; j < i; j++)
            EXPECT_FALSE(pthread_equal(l.run_thread, g.loops[j].run_thread))
                << "loops " << j << " and " << i << " share a thread";
    }
}

TEST(Loops, OneLoopNeedsNoThread)
{
    Group g(1);
    ASSERT_EQ(loops_run("test", 1, &kOps, &g), 0);
    EXPECT_TRUE(g.loops[0].ran);
    EXPECT_TRUE(pthread_equal(g.loops[0].run_thread, pthread_self()));
}

TEST(Loops, AFailedSetupStartsNoneAndReportsTheFirstFailureOnce)
{
    Group g(4);
    g.loops[1].setup_rc = -22;
    g.loops[3].setup_rc = -12;
    EXPECT_EQ(loops_run("test", 4, &kOps, &g), 1);
    EXPECT_EQ(g.ready_calls, 0);
    EXPECT_EQ(g.report_calls, 1);
    EXPECT_EQ(g.report_index, 1);
    EXPECT_EQ(g.report_err, -22);
    for (size_t i = 0; i < g.loops.size(); i++) {
        EXPECT_FALSE(g.loops[i].ran) << "loop " << i;
        EXPECT_TRUE(g.loops[i].torn_down) << "loop " << i;
    }
}

TEST(Loops, ASetupFailureOnTheCallersLoopStartsNone)
{
    Group g(3);
    g.loops[0].setup_rc = 1;
    EXPECT_EQ(loops_run("test", 3, &kOps, &g), 1);
    EXPECT_EQ(g.report_index, 0);
    for (const Loop &l : g.loops)
        EXPECT_TRUE(!l.ran && l.torn_down);
}

// The only test that requests shutdown (the flag is one-way): the others'
// loops do not wait for it, so they pass in any order.
TEST(Loops, AFailingLoopStopsTheOthersAndFailsTheRun)
{
    ASSERT_FALSE(net_shutdown_requested());
    Group g(3);
    g.loops[0].run_waits_for_shutdown = true;
    g.loops[2].run_waits_for_shutdown = true;
    g.loops[1].run_rc = 1;
    EXPECT_EQ(loops_run("test", 3, &kOps, &g), 1);
    EXPECT_TRUE(net_shutdown_requested());
    for (const Loop &l : g.loops)
        EXPECT_TRUE(l.ran && l.torn_down);
}

} // namespace
