// net_test.cc - GoogleTest for the socket helpers on real loopback sockets:
// address parsing and formatting, listen/accept/read/send, the port-in-use
// checks (including the SO_REUSEPORT group), and the shutdown eventfd.
#include "cc/servers/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

namespace {

std::string Format(const char *host, int port) {
  sockaddr_storage ss;
  socklen_t len;
  if (net_parse_addr(host, port, &ss, &len) != 0) return "<invalid>";
  char buf[80];
  EXPECT_EQ(net_format_addr(reinterpret_cast<sockaddr *>(&ss), buf, sizeof(buf)), 0);
  return buf;
}

bool Loopback(const char *host) {
  sockaddr_storage ss;
  socklen_t len;
  EXPECT_EQ(net_parse_addr(host, 1, &ss, &len), 0) << host;
  return net_addr_is_loopback(reinterpret_cast<sockaddr *>(&ss));
}

int ConnectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin)) != 0) {
    close(fd);
    return -errno;
  }
  return fd;
}

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

TEST(NetParseAddr, AcceptsLiteralsAndRedisAliases) {
  EXPECT_EQ(Format("127.0.0.1", 7379), "127.0.0.1:7379");
  EXPECT_EQ(Format("0.0.0.0", 0), "0.0.0.0:0");
  EXPECT_EQ(Format("::1", 65535), "[::1]:65535");
  EXPECT_EQ(Format("fe80::1", 80), "[fe80::1]:80");
  EXPECT_EQ(Format("*", 1), "0.0.0.0:1");
  EXPECT_EQ(Format("localhost", 2), "127.0.0.1:2");
}

TEST(NetParseAddr, RejectsNamesJunkAndBadPorts) {
  sockaddr_storage ss;
  socklen_t len;
  for (const char *bad : {"", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1",
                          "127.0.0.1 ", "::1::2", "[::1]", "127.0.0.1:80"}) {
    EXPECT_EQ(net_parse_addr(bad, 1, &ss, &len), -EINVAL) << bad;
  }
  EXPECT_EQ(net_parse_addr(nullptr, 1, &ss, &len), -EINVAL);
  EXPECT_EQ(net_parse_addr("127.0.0.1", -1, &ss, &len), -EINVAL);
  EXPECT_EQ(net_parse_addr("127.0.0.1", 65536, &ss, &len), -EINVAL);
}

TEST(NetAddrIsLoopback, KnowsLoopbackFromTheRest) {
  EXPECT_TRUE(Loopback("127.0.0.1"));
  EXPECT_TRUE(Loopback("127.200.3.4"));
  EXPECT_TRUE(Loopback("::1"));
  EXPECT_TRUE(Loopback("::ffff:127.0.0.1"));
  EXPECT_FALSE(Loopback("0.0.0.0"));
  EXPECT_FALSE(Loopback("10.1.2.3"));
  EXPECT_FALSE(Loopback("128.0.0.1"));
  EXPECT_FALSE(Loopback("::"));
  EXPECT_FALSE(Loopback("::ffff:10.0.0.1"));
}

TEST(NetListen, AcceptsReadsAndSendsOnLoopback) {
  int lfd = net_listen("127.0.0.1", 0, 16, false);
  ASSERT_GE(lfd, 0) << strerror(-lfd);
  EXPECT_TRUE(fcntl(lfd, F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
  int port = net_local_port(lfd);
  ASSERT_GT(port, 0);

  sockaddr_storage peer;
  socklen_t peerlen;
  EXPECT_EQ(net_accept(lfd, true, &peer, &peerlen), -EAGAIN);

  int cfd = ConnectTo(port);
  ASSERT_GE(cfd, 0);
  ASSERT_TRUE(Readable(lfd, 1000));
  int sfd = net_accept(lfd, true, &peer, &peerlen);
  ASSERT_GE(sfd, 0) << strerror(-sfd);
  EXPECT_TRUE(fcntl(sfd, F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(sfd, F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(net_addr_is_loopback(reinterpret_cast<sockaddr *>(&peer)));
  EXPECT_EQ(net_set_nodelay(sfd), 0);

  char buf[16];
  EXPECT_EQ(net_read(sfd, buf, sizeof(buf)), -EAGAIN);
  ASSERT_EQ(write(cfd, "PING\r\n", 6), 6);
  ASSERT_TRUE(Readable(sfd, 1000));
  ASSERT_EQ(net_read(sfd, buf, sizeof(buf)), 6);
  EXPECT_EQ(std::string(buf, 6), "PING\r\n");
  EXPECT_EQ(net_send(sfd, "+PONG\r\n", 7, MSG_DONTWAIT), 7);
  ASSERT_EQ(read(cfd, buf, sizeof(buf)), 7);

  close(cfd);
  ASSERT_TRUE(Readable(sfd, 1000));
  EXPECT_EQ(net_read(sfd, buf, sizeof(buf)), 0);
  close(sfd);

  int blocking = ConnectTo(port);
  ASSERT_GE(blocking, 0);
  ASSERT_TRUE(Readable(lfd, 1000));
  int bfd = net_accept(lfd, false, nullptr, nullptr);
  ASSERT_GE(bfd, 0);
  EXPECT_FALSE(fcntl(bfd, F_GETFL) & O_NONBLOCK);
  close(bfd);
  close(blocking);
  close(lfd);
}

TEST(NetListen, ReportsPortInUseAndBadAddresses) {
  int lfd = net_listen("127.0.0.1", 0, 16, false);
  ASSERT_GE(lfd, 0);
  int port = net_local_port(lfd);
  EXPECT_EQ(net_listen("127.0.0.1", port, 16, false), -EADDRINUSE);
  EXPECT_EQ(net_listen("127.0.0.1", port, 16, true), -EADDRINUSE);
  close(lfd);
  EXPECT_EQ(net_listen("not-an-address", 0, 16, false), -EINVAL);
  // TEST-NET-1 is never assigned to a local interface.
  EXPECT_EQ(net_listen("192.0.2.1", 0, 16, false), -EADDRNOTAVAIL);
}

TEST(NetListenMany, SharesOnePortAndKeepsOthersOut) {
  int fds[3];
  ASSERT_EQ(net_listen_many("127.0.0.1", 0, 16, 3, fds), 0);
  int port = net_local_port(fds[0]);
  ASSERT_GT(port, 0);
  EXPECT_EQ(net_local_port(fds[1]), port);
  EXPECT_EQ(net_local_port(fds[2]), port);

  // A second multi-loop server on the same port is refused, not merged in.
  int other[2];
  EXPECT_EQ(net_listen_many("127.0.0.1", port, 16, 2, other), -EADDRINUSE);
  EXPECT_EQ(net_listen_many("127.0.0.1", port, 16, 1, other), -EADDRINUSE);

  // Connections land on some listener of the group.
  int accepted = 0;
  for (int i = 0; i < 8; i++) {
    int cfd = ConnectTo(port);
    ASSERT_GE(cfd, 0);
    pollfd p[3] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}, {fds[2], POLLIN, 0}};
    ASSERT_GT(poll(p, 3, 1000), 0);
    for (int k = 0; k < 3; k++) {
      if (p[k].revents & POLLIN) {
        int s = net_accept(fds[k], true, nullptr, nullptr);
        if (s >= 0) {
          accepted++;
          close(s);
          break;
        }
      }
    }
    close(cfd);
  }
  EXPECT_EQ(accepted, 8);
  for (int fd : fds) close(fd);
}

TEST(NetShutdown, SignalMakesTheFdReadableForEveryone) {
  ASSERT_EQ(net_shutdown_init(), 0);
  int efd = net_shutdown_fd();
  ASSERT_GE(efd, 0);
  EXPECT_FALSE(net_shutdown_requested());
  EXPECT_FALSE(Readable(efd, 0));

  // SIGPIPE is ignored: a send to a closed peer is an error, not a death.
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  close(sv[1]);
  EXPECT_EQ(net_send(sv[0], "x", 1, 0), -EPIPE);
  close(sv[0]);

  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_TRUE(net_shutdown_requested());
  EXPECT_STREQ(net_shutdown_reason(), "SIGTERM");
  // Nobody drains it, so every poller keeps seeing it.
  EXPECT_TRUE(Readable(efd, 0));
  EXPECT_TRUE(Readable(efd, 0));
  raise(SIGINT);
  EXPECT_STREQ(net_shutdown_reason(), "SIGTERM");
}

TEST(NetMonoMs, NeverGoesBackwards) {
  long long a = net_mono_ms();
  usleep(2000);
  long long b = net_mono_ms();
  EXPECT_GE(b - a, 2);
}

}  // namespace
