// pump_test.cc - GoogleTest for the socket <-> session glue on real sockets
// (socketpairs) with a real core: reads feed sessions, replies go out under
// a budget and never block, broken peers are errors, and the blocking-style
// loop serves, closes on QUIT and drains on shutdown.
#include "cc/servers/pump.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cc/core/core.h"
#include "cc/core/session.h"
#include "cc/servers/net.h"

namespace {

class PumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    struct core_config cfg{};
    cfg.engine = "test";
    cfg.bind = "127.0.0.1";
    cfg.maxclients = 100;
    cfg.output_limit = 64u << 20;
    cfg.loglevel = "warning";
    core_ = core_new(&cfg);
    ASSERT_NE(core_, nullptr);
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv_), 0);
  }
  void TearDown() override {
    if (sv_[0] >= 0) close(sv_[0]);
    if (sv_[1] >= 0) close(sv_[1]);
    core_free(core_);
  }
  // Reads whatever the peer end has within timeout_ms.
  std::string PeerRead(int timeout_ms = 1000) {
    std::string got;
    pollfd p{sv_[1], POLLIN, 0};
    while (poll(&p, 1, timeout_ms) == 1) {
      char buf[65536];
      ssize_t n = read(sv_[1], buf, sizeof(buf));
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      timeout_ms = 50;
    }
    return got;
  }

  core *core_ = nullptr;
  int sv_[2] = {-1, -1};
  char buf_[4096];
};

TEST_F(PumpTest, InFeedsTheSessionAndOutSendsWithinBudget) {
  session *s = session_new(core_, sv_[0], nullptr, 0);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(pump_in(sv_[0], s, buf_, sizeof(buf_)), -EAGAIN);
  ASSERT_EQ(write(sv_[1], "PING\r\nPING\r\n", 12), 12);
  EXPECT_EQ(pump_in(sv_[0], s, buf_, sizeof(buf_)), 12);
  EXPECT_EQ(session_out_pending(s), 14u);
  EXPECT_EQ(pump_out(sv_[0], s, 3), 3);
  EXPECT_EQ(session_out_pending(s), 11u);
  EXPECT_EQ(pump_out(sv_[0], s, SIZE_MAX), 11);
  EXPECT_EQ(pump_out(sv_[0], s, SIZE_MAX), 0);
  EXPECT_EQ(PeerRead(), "+PONG\r\n+PONG\r\n");
  session_free(s);
}

TEST_F(PumpTest, OneReadPerCallIsTheWorkCap) {
  session *s = session_new(core_, sv_[0], nullptr, 0);
  std::string many;
  for (int i = 0; i < 1000; i++) many += "PING\r\n";
  ASSERT_EQ(write(sv_[1], many.data(), many.size()), static_cast<ssize_t>(many.size()));
  // A 600-byte buffer takes 100 requests per call, never more.
  EXPECT_EQ(pump_in(sv_[0], s, buf_, 600), 600);
  EXPECT_EQ(session_out_pending(s), 100u * 7);
  session_free(s);
}

TEST_F(PumpTest, OutStopsWhenTheSocketIsFullInsteadOfBlocking) {
  session *s = session_new(core_, sv_[0], nullptr, 0);
  std::string value(4 << 20, 'v');
  std::string set = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  ASSERT_EQ(session_feed(s, set.data(), set.size()), 1);
  ASSERT_EQ(pump_out(sv_[0], s, SIZE_MAX), 5);  // +OK
  EXPECT_EQ(PeerRead(), "+OK\r\n");
  const char get[] = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  ASSERT_EQ(session_feed(s, get, sizeof(get) - 1), 1);
  size_t before = session_out_pending(s);
  ssize_t sent = pump_out(sv_[0], s, SIZE_MAX);
  ASSERT_GT(sent, 0);
  EXPECT_LT(static_cast<size_t>(sent), before);  // the socket buffer is smaller than 4 MiB
  EXPECT_EQ(session_out_pending(s), before - static_cast<size_t>(sent));
  session_free(s);
}

TEST_F(PumpTest, BrokenPeerIsAnErrorAndEndOfStreamIsZero) {
  session *s = session_new(core_, sv_[0], nullptr, 0);
  ASSERT_EQ(write(sv_[1], "PING\r\n", 6), 6);
  ASSERT_EQ(pump_in(sv_[0], s, buf_, sizeof(buf_)), 6);
  close(sv_[1]);
  sv_[1] = -1;
  EXPECT_EQ(pump_in(sv_[0], s, buf_, sizeof(buf_)), 0);
  EXPECT_EQ(pump_out(sv_[0], s, SIZE_MAX), -EPIPE);  // MSG_NOSIGNAL: no SIGPIPE
  session_free(s);
}

TEST_F(PumpTest, CronRunsAtMostEveryHundredMilliseconds) {
  long long last = 1000;
  EXPECT_FALSE(pump_cron_due(core_, &last, 1099));
  EXPECT_EQ(last, 1000);
  EXPECT_TRUE(pump_cron_due(core_, &last, 1100));
  EXPECT_EQ(last, 1100);
}

TEST_F(PumpTest, BlockingLoopServesUntilQuitThenClosesAfterTheReply) {
  ASSERT_EQ(net_shutdown_init(), 0);
  // The blocking engines hand pump_serve_blocking blocking sockets.
  fcntl(sv_[0], F_SETFL, fcntl(sv_[0], F_GETFL) & ~O_NONBLOCK);
  session *s = session_new(core_, sv_[0], nullptr, 0);
  int fd = sv_[0];
  sv_[0] = -1;  // the loop closes it
  std::atomic<bool> done{false};
  std::thread t([&] {
    pump_serve_blocking(core_, fd, s, buf_, sizeof(buf_), nullptr);
    done = true;
  });
  ASSERT_EQ(write(sv_[1], "PING\r\n", 6), 6);
  EXPECT_EQ(PeerRead(), "+PONG\r\n");
  EXPECT_FALSE(done);
  ASSERT_EQ(write(sv_[1], "QUIT\r\nPING\r\n", 12), 12);
  EXPECT_EQ(PeerRead(), "+OK\r\n");
  t.join();
  EXPECT_TRUE(done);
  char c;
  EXPECT_EQ(read(sv_[1], &c, 1), 0);  // closed after the reply, no RST
  EXPECT_EQ(core_connected_clients(core_), 0);
}

// Last: shutdown is process-wide and cannot be undone.
TEST_F(PumpTest, BlockingLoopReturnsPromptlyOnShutdown) {
  ASSERT_EQ(net_shutdown_init(), 0);
  session *s = session_new(core_, sv_[0], nullptr, 0);
  int fd = sv_[0];
  sv_[0] = -1;
  std::thread t([&] { pump_serve_blocking(core_, fd, s, buf_, sizeof(buf_), nullptr); });
  usleep(50 * 1000);
  long long t0 = net_mono_ms();
  net_shutdown_request();
  t.join();
  EXPECT_LT(net_mono_ms() - t0, 1000);
  char c;
  EXPECT_EQ(PeerRead(200), "");
  EXPECT_EQ(read(sv_[1], &c, 1), 0);
}

}  // namespace
