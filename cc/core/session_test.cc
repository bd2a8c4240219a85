// session_test.cc - drives whole sessions with byte strings: framing, close
// rules, auth, limits, and the connection-level commands.
//
// Command-by-command replies are covered in commands_test.cc; both compare
// against bytes captured from redis-server 7.0.15.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>

#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include "cc/core/session.h"
#include "cc/core/test_util.h"

namespace {

using respd_test::Cmd;
using respd_test::Harness;

TEST(Session, PingEchoAndInline) {
    Harness h;
    EXPECT_EQ(h.Run(Cmd({"PING"})), "+PONG\r\n");
    EXPECT_EQ(h.Run(Cmd({"ping", "hi"})), "$2\r\nhi\r\n");
    EXPECT_EQ(h.Run("PING\r\n"), "+PONG\r\n");
    EXPECT_EQ(h.Run("echo \"a b\"\r\n"), "$3\r\na b\r\n");
    EXPECT_EQ(h.Run(Cmd({"ping", "a", "b"})),
              "-ERR wrong number of arguments for 'ping' command\r\n");
    EXPECT_FALSE(h.WantClose());
}

TEST(Session, CommandNamesAreCaseInsensitive) {
    Harness h;
    EXPECT_EQ(h.Run(Cmd({"pInG"})), "+PONG\r\n");
    EXPECT_EQ(h.Run(Cmd({"SeT", "k", "v"})), "+OK\r\n");
    EXPECT_EQ(h.Run(Cmd({"gEt", "k"})), "$1\r\nv\r\n");
    EXPECT_EQ(h.Run(Cmd({"CLIENT", "GETNAME"})), "$-1\r\n");
}

TEST(Session, UnknownCommandText) {
    Harness h;
    EXPECT_EQ(h.Run(Cmd({"foo"})),
              "-ERR unknown command 'foo', with args beginning with: \r\n");
    EXPECT_EQ(h.Run(Cmd({"foo", "a", "b"})),
              "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
    // The preview stops once 128 characters of arguments were shown, and a
    // single argument is cut at 128.
    std::string big(300, 'x');
    std::string got = h.Run(Cmd({"foo", big, "next"}));
    EXPECT_EQ(got, "-ERR unknown command 'foo', with args beginning with: '" +
                       std::string(128, 'x') + "' \r\n");
    std::string longname(200, 'n');
    got = h.Run(Cmd({longname}));
    EXPECT_EQ(got, "-ERR unknown command '" + std::string(128, 'n') +
                       "', with args beginning with: \r\n");
    // CR/LF inside arguments cannot break the reply line.
    EXPECT_EQ(h.Run(Cmd({"foo", "a\r\nb"})),
              "-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n");
    // Several arguments: each later one gets the room that is left.
    std::string a100(100, 'a');
    EXPECT_EQ(h.Run(Cmd({"foo", a100, "bcdefghijklmnopqrstuvwxyz0123456789", "z"})),
              "-ERR unknown command 'foo', with args beginning with: '" + a100 +
                  "' 'bcdefghijklmnopqrstuvwxyz' \r\n");
    // Arguments are shown up to a NUL byte, as Redis's %s does.
    EXPECT_EQ(h.Run(Cmd({"foo", std::string("a\0b", 3), "c"})),
              "-ERR unknown command 'foo', with args beginning with: 'a' 'c' \r\n");
    EXPECT_FALSE(h.WantClose());
}

TEST(Session, WrongArity) {
    Harness h;
    EXPECT_EQ(h.Run(Cmd({"get"})), "-ERR wrong number of arguments for 'get' command\r\n");
    EXPECT_EQ(h.Run(Cmd({"get", "a", "b"})),
              "-ERR wrong number of arguments for 'get' command\r\n");
    EXPECT_EQ(h.Run(Cmd({"client"})),
              "-ERR wrong number of arguments for 'client' command\r\n");
    EXPECT_EQ(h.Run(Cmd({"client", "setname", "a", "b"})),
              "-ERR wrong number of arguments for 'client|setname' command\r\n");
    EXPECT_EQ(h.Run(Cmd({"client", "foo"})),
              "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
    EXPECT_EQ(h.Run(Cmd({"config", "get"})),
              "-ERR wrong number of arguments for 'config|get' command\r\n");
}

TEST(Session, QuitStopsThePipeline) {
    Harness h;
    std::string in = Cmd({"SET", "k", "1"}) + Cmd({"QUIT"}) + Cmd({"INCR", "k"}) +
                     Cmd({"PING"});
    EXPECT_EQ(h.Run(in), "+OK\r\n+OK\r\n");
    EXPECT_TRUE(h.WantClose());
    // Input after the close request is ignored; INCR never ran.
    EXPECT_EQ(h.Run(Cmd({"PING"})), "");
    Harness other(h);
    EXPECT_EQ(other.Run(Cmd({"GET", "k"})), "$1\r\n1\r\n");
}

TEST(Session, ProtocolErrorRepliesThenCloses) {
    Harness h;
    EXPECT_EQ(h.Run(Cmd({"PING"}) + "*1\r\n$x\r\n" + Cmd({"PING"})),
              "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
    EXPECT_TRUE(h.WantClose());
    EXPECT_EQ(h.Run(Cmd({"PING"})), "");

    Harness h2;
    EXPECT_EQ(h2.Run("*1\r\nx3\r\nGET\r\n"),
              "-ERR Protocol error: expected '$', got 'x'\r\n");
    EXPECT_TRUE(h2.WantClose());

    Harness h3;
    EXPECT_EQ(h3.Run("SET \"a b\r\n"),
              "-ERR Protocol error: unbalanced quotes in request\r\n");
    EXPECT_TRUE(h3.WantClose());
}

// Every split of a pipelined byte stream gives the same replies as one feed.
TEST(Session, FramesSplitAtEveryByte) {
    std::string in = Cmd({"SET", "key", "hello world"}) + Cmd({"GET", "key"}) +
                     "PING\r\n" + Cmd({"INCR", "n"}) + "\r\n" +
                     Cmd({"MSET", "a", "1", "b", std::string(100, 'z')}) +
                     Cmd({"MGET", "a", "b", "nokey"}) + Cmd({"ECHO", ""});
    std::string want;
    {
        Harness h;
        want = h.Run(in);
    }
    ASSERT_EQ(want.substr(0, 5), "+OK\r\n");
    for (size_t cut = 1; cut < in.size(); cut++) {
        Harness h;
        std::string got = h.Run(in.substr(0, cut));
        got += h.Run(in.substr(cut));
        ASSERT_EQ(got, want) << "split at " << cut;
        ASSERT_EQ(h.BufferBytes(), 0u);
    }
    {
        Harness h;
        std::string got;
        for (char ch : in)
            got += h.Run(std::string(1, ch));
        EXPECT_EQ(got, want);
    }
}

TEST(Session, ReserveCommitPathMatchesFeed) {
    std::string in = Cmd({"SET", "k", "v"}) + Cmd({"GET", "k"}) + "PING\r\n";
    Harness h;
    std::string got;
    for (size_t i = 0; i < in.size(); i += 3) {
        std::string part = in.substr(i, 3);
        got += h.RunReserve(part);
    }
    EXPECT_EQ(got, "+OK\r\n$1\r\nv\r\n+PONG\r\n");
    EXPECT_EQ(h.BufferBytes(), 0u);
}

TEST(Session, IdleSessionHoldsNoBuffers) {
    Harness h;
    EXPECT_EQ(h.BufferBytes(), 0u);
    // A partial frame is buffered...
    std::string big = Cmd({"SET", "k", std::string(5000, 'v')});
    EXPECT_EQ(h.Run(big.substr(0, 100)), "");
    EXPECT_GT(h.BufferBytes(), 0u);
    // ...and released once the frame completes and the reply is taken.
    EXPECT_EQ(h.Run(big.substr(100)), "+OK\r\n");
    EXPECT_EQ(h.BufferBytes(), 0u);
    // Pending output is held only until the engine consumes it.
    h.FeedOnly(Cmd({"GET", "k"}));
    EXPECT_GT(session_out_pending(h.s()), 5000u);
    EXPECT_GT(h.BufferBytes(), 0u);
    h.TakeOutput();
    EXPECT_EQ(h.BufferBytes(), 0u);
    // Keep the struct small: the epoll/uring engines budget 256 bytes of
    // RSS per idle connection.
    EXPECT_LE(session_struct_size(), 192u);
}

// The whole heap cost of an idle connection that has served requests is
// its session struct: no input, output or parser buffers stay behind.
TEST(Session, IdleConnectionsHeapBudget) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "sanitizer allocators do not report through mallinfo2; "
                    "the plain and ubsan builds run this test";
#endif
    Harness::Options o;
    o.maxclients = 5000;
    Harness h(o);
    const int n = 2000;
    std::vector<struct session *> conns;
    conns.reserve(n);
    std::string in = Cmd({"SET", "k", "v"}) + Cmd({"GET", "k"}) +
                     Cmd({"MSET", "a", "1", "b", "2", "c", "3", "d", "4"}) + "PING\r\n";
    std::string partial = Cmd({"GET", "k"});
    size_t before = mallinfo2().uordblks;
    for (int i = 0; i < n; i++) {
        struct session *s = session_new(h.core(), 100 + i, nullptr, 0);
        ASSERT_NE(s, nullptr);
        session_feed(s, in.data(), in.size());
        // Split a frame across two reads, then take every reply.
        session_feed(s, partial.data(), 5);
        session_feed(s, partial.data() + 5, partial.size() - 5);
        size_t len;
        while (session_out_peek(s, &len) != nullptr && len > 0)
            session_out_consume(s, len);
        ASSERT_EQ(session_buffer_bytes(s), 0u);
        conns.push_back(s);
    }
    size_t after = mallinfo2().uordblks;
    double per = static_cast<double>(after - before) / n;
    // malloc's chunk for the struct: its size plus an 8-byte header,
    // rounded up to 16.
    double chunk = static_cast<double>((session_struct_size() + 8 + 15) / 16 * 16);
    EXPECT_LE(per, chunk + 1.0) << "bytes per idle session " << per;
    for (struct session *s : conns)
        session_free(s);
}

TEST(Session, PartialOutputConsume) {
    Harness h;
    h.FeedOnly(Cmd({"ECHO", "abcdef"}));
    size_t len = 0;
    const char *p = session_out_peek(h.s(), &len);
    ASSERT_EQ(std::string(p, len), "$6\r\nabcdef\r\n");
    session_out_consume(h.s(), 4);
    p = session_out_peek(h.s(), &len);
    EXPECT_EQ(std::string(p, len), "abcdef\r\n");
    // New replies append after the unsent tail.
    h.FeedOnly(Cmd({"PING"}));
    p = session_out_peek(h.s(), &len);
    EXPECT_EQ(std::string(p, len), "abcdef\r\n+PONG\r\n");
    session_out_consume(h.s(), len);
    EXPECT_EQ(session_out_pending(h.s()), 0u);
    EXPECT_EQ(h.BufferBytes(), 0u);
}

// Issue 18: a burst whose replies pass the limit is served in full to a
// client that reads, because requests wait while output is pending.
TEST(Session, FlowControlServesABurstPastTheLimit) {
    Harness::Options o;
    o.output_limit = 4096;
    Harness h(o);
    EXPECT_EQ(h.Run(Cmd({"SET", "k", std::string(1000, 'x')})), "+OK\r\n");
    std::string in, want;
    for (int i = 0; i < 50; i++) {
        in += Cmd({"GET", "k"});
        want += "$1000\r\n" + std::string(1000, 'x') + "\r\n";
    }
    in += Cmd({"INCR", "counter"});
    want += ":1\r\n";
    h.FeedOnly(in);
    // Paused at half the limit (the pause threshold for small limits):
    // three replies out, the rest of the requests kept.
    EXPECT_TRUE(session_paused(h.s()));
    EXPECT_FALSE(h.WantClose());
    EXPECT_EQ(session_out_pending(h.s()), 3u * 1009);
    EXPECT_EQ(h.TakeOutput(), want);
    EXPECT_FALSE(session_paused(h.s()));
    EXPECT_FALSE(h.WantClose());
    EXPECT_EQ(h.BufferBytes(), 0u);
}

TEST(Session, FlowControlKeepsInputFedWhilePausedInOrder) {
    Harness::Options o;
    o.output_limit = 4096;
    Harness h(o);
    EXPECT_EQ(h.Run(Cmd({"SET", "k", std::string(1000, 'x')})), "+OK\r\n");
    std::string in;
    for (int i = 0; i < 5; i++)
        in += Cmd({"GET", "k"});
    h.FeedOnly(in);
    ASSERT_TRUE(session_paused(h.s()));
    // Fed while paused, split inside a frame: kept behind, run in order.
    std::string tail = Cmd({"ECHO", "after"}) + Cmd({"INCR", "n"});
    h.FeedOnly(tail.substr(0, 7));
    h.FeedOnly(tail.substr(7));
    std::string got = h.TakeOutput();
    EXPECT_EQ(got.substr(5 * 1009), "$5\r\nafter\r\n:1\r\n");
}

TEST(Session, FlowControlBoundsInputKeptWhilePaused) {
    Harness::Options o;
    o.output_limit = 4096;
    Harness h(o);
    EXPECT_EQ(h.Run(Cmd({"SET", "k", std::string(1000, 'x')})), "+OK\r\n");
    std::string in;
    for (int i = 0; i < 400; i++)   // 400 * 22 bytes of requests > 4096
        in += Cmd({"GET", "k"});
    h.FeedOnly(in.substr(0, 100));
    ASSERT_TRUE(session_paused(h.s()));
    EXPECT_EQ(session_limit_reason(h.s()), nullptr);
    h.FeedOnly(in.substr(100));
    // A client that writes this much while reading nothing has stopped
    // reading: it is dropped, and the engine is told why.
    EXPECT_TRUE(h.WantClose());
    EXPECT_EQ(session_out_pending(h.s()), 0u);
    EXPECT_EQ(h.BufferBytes(), 0u);
    ASSERT_NE(session_limit_reason(h.s()), nullptr);
    EXPECT_NE(std::string(session_limit_reason(h.s())).find("query buffer"), std::string::npos);
}

TEST(Session, ReplyLargerThanTheLimitIsRefusedNotSilent) {
    Harness::Options o;
    o.output_limit = 4096;
    Harness h(o);
    EXPECT_EQ(h.Run(Cmd({"SET", "big", std::string(5000, 'x')})), "+OK\r\n");
    std::string got = h.Run(Cmd({"PING"}) + Cmd({"GET", "big"}) + Cmd({"INCR", "counter"}));
    // The reply before it stays; the one that cannot fit becomes an error.
    EXPECT_EQ(got, "+PONG\r\n-ERR reply larger than the client output limit of 4096 bytes "
                   "(--client-output-limit); closing the connection\r\n");
    EXPECT_TRUE(h.WantClose());
    ASSERT_NE(session_limit_reason(h.s()), nullptr);
    EXPECT_STREQ(session_limit_reason(h.s()), "for overcoming of output buffer limits");
    // Nothing after it ran.
    Harness other(h);
    EXPECT_EQ(other.Run(Cmd({"GET", "counter"})), "$-1\r\n");
}

TEST(Session, OutputLimitCountsUnsentBytesOnly) {
    Harness::Options o;
    o.output_limit = 2048;
    Harness h(o);
    EXPECT_EQ(h.Run(Cmd({"SET", "k", std::string(1000, 'x')})), "+OK\r\n");
    // Read as it goes: the limit is never reached.
    for (int i = 0; i < 20; i++)
        EXPECT_EQ(h.Run(Cmd({"GET", "k"})).size(), 1009u);
    EXPECT_FALSE(h.WantClose());
}

TEST(Session, MaxClients) {
    Harness::Options o;
    o.maxclients = 2;
    Harness a(o);
    Harness b(a);
    EXPECT_EQ(core_connected_clients(a.core()), 2);
    Harness c(a);
    EXPECT_TRUE(c.WantClose());
    EXPECT_EQ(c.TakeOutput(), "-ERR max number of clients reached\r\n");
    EXPECT_EQ(c.Run(Cmd({"PING"})), "");
    EXPECT_EQ(core_connected_clients(a.core()), 2);
    std::string info = a.Run(Cmd({"INFO", "stats"}));
    EXPECT_NE(info.find("rejected_connections:1\r\n"), std::string::npos) << info;
    EXPECT_NE(info.find("total_connections_received:2\r\n"), std::string::npos) << info;
    b.Close();
    Harness d(a);
    EXPECT_FALSE(d.WantClose());
    EXPECT_EQ(d.Run(Cmd({"PING"})), "+PONG\r\n");
}

TEST(Session, ProtectedModeRefusesRemotePeers) {
    Harness::Options o;
    o.protected_mode = true;
    struct sockaddr_in remote = {};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(5555);
    inet_pton(AF_INET, "10.1.2.3", &remote.sin_addr);
    Harness h(o);
    Harness r(h, reinterpret_cast<struct sockaddr *>(&remote), sizeof(remote));
    EXPECT_TRUE(r.WantClose());
    std::string out = r.TakeOutput();
    EXPECT_EQ(out.rfind("-DENIED Redis is running in protected mode because protected "
                        "mode is enabled and no password is set for the default user.",
                        0),
              0u)
        << out;
    EXPECT_EQ(out.find('\r'), out.size() - 2);
    EXPECT_EQ(core_connected_clients(h.core()), 1);

    struct sockaddr_in local = remote;
    inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
    Harness l(h, reinterpret_cast<struct sockaddr *>(&local), sizeof(local));
    EXPECT_FALSE(l.WantClose());
    EXPECT_EQ(l.Run(Cmd({"PING"})), "+PONG\r\n");

    struct sockaddr_in6 local6 = {};
    local6.sin6_family = AF_INET6;
    local6.sin6_addr = in6addr_loopback;
    Harness l6(h, reinterpret_cast<struct sockaddr *>(&local6), sizeof(local6));
    EXPECT_FALSE(l6.WantClose());
}

TEST(Session, ProtectedModeOffOrPasswordAllowsRemotePeers) {
    struct sockaddr_in remote = {};
    remote.sin_family = AF_INET;
    inet_pton(AF_INET, "10.1.2.3", &remote.sin_addr);
    {
        Harness::Options o;
        o.protected_mode = false;
        Harness h(o);
        Harness r(h, reinterpret_cast<struct sockaddr *>(&remote), sizeof(remote));
        EXPECT_FALSE(r.WantClose());
        EXPECT_EQ(r.Run(Cmd({"PING"})), "+PONG\r\n");
    }
    {
        Harness::Options o;
        o.protected_mode = true;
        o.requirepass = "pw";
        Harness h(o);
        Harness r(h, reinterpret_cast<struct sockaddr *>(&remote), sizeof(remote));
        EXPECT_FALSE(r.WantClose());
        EXPECT_EQ(r.Run(Cmd({"PING"})), "-NOAUTH Authentication required.\r\n");
    }
}

// Issue 18: before AUTH a client is bounded far below the output limit,
// as Redis 7.0 bounds it (it cuts such a client at about 17 KiB of
// replies), so a flood of -NOAUTH replies cannot fill memory.
TEST(Session, UnauthenticatedOutputIsBoundedSmall) {
    Harness::Options o;
    o.requirepass = "secret";
    Harness h(o);
    std::string flood;
    for (int i = 0; i < 2000; i++)   // 70 kB of -NOAUTH replies
        flood += "PING\r\n";
    h.FeedOnly(flood);
    EXPECT_TRUE(h.WantClose());
    EXPECT_LE(session_out_pending(h.s()), 17u * 1024);
    ASSERT_NE(session_limit_reason(h.s()), nullptr);
    EXPECT_STREQ(session_limit_reason(h.s()), "for overcoming of output buffer limits");
    // What it got is whole replies.
    std::string got = h.TakeOutput();
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.size() % 34, 0u) << got.size();   // -NOAUTH ...\r\n

    // After AUTH in the same burst the configured limit and flow control
    // apply: the same flood is answered in full to a client that reads.
    Harness a(h);
    std::string reply = a.Run(Cmd({"AUTH", "secret"}) + flood);
    EXPECT_FALSE(a.WantClose());
    EXPECT_EQ(reply.size(), 5u + 2000u * 7);
}

TEST(Session, AuthFlow) {
    Harness::Options o;
    o.requirepass = "secret";
    Harness h(o);
    EXPECT_EQ(h.Run(Cmd({"GET", "k"})), "-NOAUTH Authentication required.\r\n");
    // Unknown commands and arity are checked before authentication.
    EXPECT_EQ(h.Run(Cmd({"foo"})),
              "-ERR unknown command 'foo', with args beginning with: \r\n");
    EXPECT_EQ(h.Run(Cmd({"get"})), "-ERR wrong number of arguments for 'get' command\r\n");
    EXPECT_EQ(h.Run(Cmd({"HELLO", "3"})),
              "-NOAUTH HELLO must be called with the client already authenticated, "
              "otherwise the HELLO AUTH <user> <pass> option can be used to "
              "authenticate the client and select the RESP protocol version at the "
              "same time\r\n");
    EXPECT_EQ(h.Run(Cmd({"HELLO", "4"})), "-NOPROTO unsupported protocol version\r\n");
    EXPECT_EQ(h.Run(Cmd({"AUTH", "wrong"})),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(h.Run(Cmd({"AUTH", "secre"})),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(h.Run(Cmd({"AUTH", "secrett"})),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(h.Run(Cmd({"AUTH", "bob", "secret"})),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(h.Run(Cmd({"AUTH", "a", "b", "c"})), "-ERR syntax error\r\n");
    EXPECT_EQ(h.Run(Cmd({"AUTH", "secret"})), "+OK\r\n");
    EXPECT_EQ(h.Run(Cmd({"SET", "k", "v"})), "+OK\r\n");

    Harness h2(h);
    EXPECT_EQ(h2.Run(Cmd({"AUTH", "default", "secret"})), "+OK\r\n");
    EXPECT_EQ(h2.Run(Cmd({"GET", "k"})), "$1\r\nv\r\n");

    Harness h3(h);
    std::string hello = h3.Run(Cmd({"HELLO", "3", "AUTH", "default", "secret",
                                    "SETNAME", "conn"}));
    EXPECT_EQ(hello.substr(0, 3), "%7\r");
    EXPECT_EQ(h3.Run(Cmd({"CLIENT", "GETNAME"})), "$4\r\nconn\r\n");
    Harness h4(h);
    EXPECT_EQ(h4.Run(Cmd({"HELLO", "3", "AUTH", "default", "nope"})),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(h4.Run(Cmd({"HELLO", "3", "AUTH", "default"})),
              "-ERR Syntax error in HELLO option 'AUTH'\r\n");
    // Redis 7.0's order: AUTH first, then the name is validated, and only
    // then is authentication required.
    Harness h5(h);
    EXPECT_EQ(h5.Run(Cmd({"HELLO", "3", "SETNAME", "a b"})),
              "-ERR Client names cannot contain spaces, newlines or special "
              "characters.\r\n");
    EXPECT_EQ(h5.Run(Cmd({"HELLO", "3", "AUTH", "default", "secret", "SETNAME", "a b"})),
              "-ERR Client names cannot contain spaces, newlines or special "
              "characters.\r\n");
    EXPECT_EQ(h5.Run(Cmd({"CLIENT", "GETNAME"})), "$-1\r\n");
    // QUIT works before authentication.
    EXPECT_EQ(h4.Run(Cmd({"QUIT"})), "+OK\r\n");
    EXPECT_TRUE(h4.WantClose());
}

TEST(Session, UnauthenticatedParserLimits) {
    Harness::Options o;
    o.requirepass = "secret";
    {
        Harness h(o);
        std::string in = "*11\r\n";
        EXPECT_EQ(h.Run(in), "-ERR Protocol error: unauthenticated multibulk length\r\n");
        EXPECT_TRUE(h.WantClose());
    }
    {
        Harness h(o);
        EXPECT_EQ(h.Run("*2\r\n$4\r\nAUTH\r\n$16385\r\n"),
                  "-ERR Protocol error: unauthenticated bulk length\r\n");
        EXPECT_TRUE(h.WantClose());
    }
    {
        // After AUTH the limits are lifted.
        Harness h(o);
        EXPECT_EQ(h.Run(Cmd({"AUTH", "secret"})), "+OK\r\n");
        std::string big(20000, 'x');
        EXPECT_EQ(h.Run(Cmd({"SET", "k", big})), "+OK\r\n");
        EXPECT_EQ(h.Run(Cmd({"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5",
                             "f", "6"})),
                  "+OK\r\n");
    }
}

TEST(Session, AuthWithoutPasswordConfigured) {
    Harness h;
    EXPECT_EQ(h.Run(Cmd({"AUTH", "x"})),
              "-ERR AUTH <password> called without any password configured for the "
              "default user. Are you sure your configuration is correct?\r\n");
    EXPECT_EQ(h.Run(Cmd({"AUTH", "default", "x"})), "+OK\r\n");
    EXPECT_EQ(h.Run(Cmd({"AUTH", "nosuch", "x"})),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
}

TEST(Session, HelloSwitchesProtocol) {
    Harness h;
    EXPECT_EQ(h.Run(Cmd({"GET", "nokey"})), "$-1\r\n");
    std::string r = h.Run(Cmd({"HELLO", "3"}));
    std::string want =
        "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
        "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:" +
        std::to_string(h.Id()) +
        "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
        "$7\r\nmodules\r\n*0\r\n";
    EXPECT_EQ(r, want);
    EXPECT_EQ(h.Run(Cmd({"GET", "nokey"})), "_\r\n");
    r = h.Run(Cmd({"HELLO", "2"}));
    EXPECT_EQ(r.substr(0, 5), "*14\r\n");
    EXPECT_EQ(h.Run(Cmd({"GET", "nokey"})), "$-1\r\n");
    EXPECT_EQ(h.Run(Cmd({"HELLO", "x"})),
              "-ERR Protocol version is not an integer or out of range\r\n");
    EXPECT_EQ(h.Run(Cmd({"HELLO", "1"})), "-NOPROTO unsupported protocol version\r\n");
    EXPECT_EQ(h.Run(Cmd({"HELLO", "3", "SETNAME"})),
              "-ERR Syntax error in HELLO option 'SETNAME'\r\n");
    EXPECT_EQ(h.Run(Cmd({"HELLO", "3", "foo"})),
              "-ERR Syntax error in HELLO option 'foo'\r\n");
    EXPECT_EQ(h.Run(Cmd({"HELLO", "3", "SETNAME", "a b"})),
              "-ERR Client names cannot contain spaces, newlines or special "
              "characters.\r\n");
    // The failed HELLO did not switch the protocol.
    EXPECT_EQ(h.Run(Cmd({"GET", "nokey"})), "$-1\r\n");
    r = h.Run(Cmd({"HELLO"}));
    EXPECT_EQ(r.substr(0, 5), "*14\r\n");
}

TEST(Session, IdleTimeout) {
    Harness::Options o;
    o.timeout = 2;
    Harness h(o);
    int64_t t0 = h.Now();
    EXPECT_FALSE(session_timed_out(h.s(), t0 + 1000));
    EXPECT_FALSE(session_timed_out(h.s(), t0 + 2000));
    EXPECT_TRUE(session_timed_out(h.s(), t0 + 2001));
    h.Advance(1500);
    EXPECT_EQ(h.Run(Cmd({"PING"})), "+PONG\r\n");
    EXPECT_FALSE(session_timed_out(h.s(), t0 + 3000));
    EXPECT_TRUE(session_timed_out(h.s(), h.Now() + 2500));

    Harness none;
    EXPECT_FALSE(session_timed_out(none.s(), none.Now() + 100000000));
}

TEST(Session, StatsCountCommandsAndBytes) {
    Harness h;
    std::string in = Cmd({"SET", "k", "v"}) + Cmd({"GET", "k"}) + Cmd({"GET", "x"}) +
                     Cmd({"get"}) + Cmd({"INCR", "k"});
    std::string out = h.Run(in);
    std::string info = h.Run(Cmd({"INFO", "commandstats"}));
    EXPECT_NE(info.find("cmdstat_get:calls=2,"), std::string::npos) << info;
    EXPECT_NE(info.find(",rejected_calls=1,failed_calls=0\r\n"), std::string::npos) << info;
    EXPECT_NE(info.find("cmdstat_incr:calls=1,"), std::string::npos) << info;
    EXPECT_NE(info.find("cmdstat_incr:calls=1,"), std::string::npos) << info;
    EXPECT_NE(info.find("rejected_calls=0,failed_calls=1\r\n"), std::string::npos) << info;
    std::string stats = h.Run(Cmd({"INFO", "stats"}));
    EXPECT_NE(stats.find("total_commands_processed:5\r\n"), std::string::npos) << stats;
    EXPECT_NE(stats.find("total_net_input_bytes:" +
                         std::to_string(in.size() + Cmd({"INFO", "commandstats"}).size() +
                                        Cmd({"INFO", "stats"}).size()) +
                         "\r\n"),
              std::string::npos)
        << stats;
    EXPECT_NE(stats.find("total_net_output_bytes:" +
                         std::to_string(out.size() + info.size()) + "\r\n"),
              std::string::npos)
        << stats;
    EXPECT_NE(stats.find("keyspace_hits:1\r\nkeyspace_misses:1\r\n"), std::string::npos)
        << stats;
    EXPECT_NE(stats.find("total_error_replies:2\r\n"), std::string::npos) << stats;
}

TEST(Session, DetachThenFree) {
    Harness h;
    struct session *s = session_new(h.core(), 9, nullptr, 0);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(core_connected_clients(h.core()), 2);
    std::string part = "*2\r\n$3\r\nGET\r\n$1";
    session_feed(s, part.data(), part.size());
    session_detach(s);
    EXPECT_EQ(core_connected_clients(h.core()), 1);
    EXPECT_TRUE(session_want_close(s));
    EXPECT_EQ(session_buffer_bytes(s), 0u);
    session_free(s);
}

// Threaded engines run sessions of one core on many threads; tsan checks
// the registry, statistics and store sharing.
TEST(Session, ConcurrentSessionsShareOneCore) {
    Harness main_conn;
    const int threads = 4, per_thread = 500;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++) {
        pool.emplace_back([&main_conn, t] {
            for (int round = 0; round < 5; round++) {
                Harness h(main_conn);
                std::string in;
                for (int i = 0; i < per_thread / 5; i++)
                    in += Cmd({"INCR", "counter"});
                std::string out = h.Run(in);
                EXPECT_EQ(out.size() > 0, true);
                h.Run(Cmd({"CLIENT", "SETNAME", "t" + std::to_string(t)}));
                std::string list = h.Run(Cmd({"CLIENT", "LIST"}));
                EXPECT_NE(list.find("name=t" + std::to_string(t)), std::string::npos);
                std::string info = h.Run(Cmd({"INFO"}));
                EXPECT_NE(info.find("connected_clients:"), std::string::npos);
                core_cron(main_conn.core());
            }
        });
    }
    for (auto &th : pool)
        th.join();
    EXPECT_EQ(main_conn.Run(Cmd({"GET", "counter"})),
              "$4\r\n" + std::to_string(threads * per_thread) + "\r\n");
    EXPECT_EQ(core_connected_clients(main_conn.core()), 1);
    std::string stats = main_conn.Run(Cmd({"INFO", "commandstats"}));
    EXPECT_NE(stats.find("cmdstat_incr:calls=" + std::to_string(threads * per_thread) + ","),
              std::string::npos)
        << stats;
}

// Arbitrary bytes, split arbitrarily, never crash a session: it answers or
// asks to close.
TEST(Session, RandomBytesNeverCrash) {
    uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 16) & 0x7fff;
    };
    const std::string pieces[] = {"*", "$", "\r\n", "3", "-1", "GET", "SET", "k", " ",
                                  "\"", "'", "0", "99999999999", "PING", "\n", "*2",
                                  "$3", "HELLO", "CLIENT", "LIST", "INFO", "x"};
    for (int iter = 0; iter < 2000; iter++) {
        Harness h;
        std::string in;
        int n = 1 + next() % 30;
        for (int i = 0; i < n; i++) {
            if (next() % 4 == 0)
                in += static_cast<char>(next() & 0xff);
            else
                in += pieces[next() % (sizeof(pieces) / sizeof(pieces[0]))];
        }
        size_t pos = 0;
        while (pos < in.size()) {
            size_t take = 1 + next() % 8;
            h.Run(in.substr(pos, take));
            pos += take;
        }
        if (h.WantClose()) {
            EXPECT_EQ(h.Run(Cmd({"PING"})), "");
        }
    }
}

}  // namespace
