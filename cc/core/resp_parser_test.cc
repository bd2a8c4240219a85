// resp_parser_test.cc - the request parser against Redis 7.0's behaviour.
//
// Every input is fed whole, split into two chunks at every byte, and one
// byte at a time; the outcome must not depend on how the bytes arrived.
// The expected results were checked against a real redis-server 7.0.15.
#include "cc/core/resp_parser.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Args = std::vector<std::string>;

struct Outcome {
    std::vector<Args> cmds;
    std::string error;  // empty unless RESP_ERROR
    bool idle = true;   // parser holds no partial frame at the end
    bool operator==(const Outcome &o) const
    {
        return cmds == o.cmds && error == o.error && idle == o.idle;
    }
};

std::ostream &operator<<(std::ostream &os, const Outcome &o)
{
    os << "{cmds:[";
    for (const Args &a : o.cmds) {
        os << "[";
        for (const std::string &s : a)
            os << testing::PrintToString(s) << ",";
        os << "]";
    }
    return os << "] error:" << testing::PrintToString(o.error)
              << " idle:" << o.idle << "}";
}

// A minimal session: keeps the bytes of an incomplete frame, drops what the
// parser consumed. Each parse call gets a fresh exact-size heap copy, so the
// parser cannot rely on the buffer staying put, and ASan flags any read
// past `len`.
class Feeder {
public:
    explicit Feeder(bool unauth = false)
    {
        resp_parser_init(&p_);
        resp_parser_set_unauthenticated(&p_, unauth);
    }
    ~Feeder() { resp_parser_destroy(&p_); }

    void feed(const std::string &chunk)
    {
        if (!out_.error.empty())
            return;
        pending_ += chunk;
        for (;;) {
            char *copy = static_cast<char *>(malloc(pending_.size() + 1));
            memcpy(copy, pending_.data(), pending_.size());
            size_t consumed = 12345;
            enum resp_status r = resp_parse(&p_, copy, pending_.size(), &consumed);
            if (r == RESP_ERROR) {
                const char *e = resp_parser_error(&p_);
                out_.error = e ? e : "(null error text)";
                EXPECT_EQ(resp_parser_argc(&p_), 0);
                free(copy);
                return;
            }
            EXPECT_LE(consumed, pending_.size());
            if (r == RESP_DONE) {
                int argc = resp_parser_argc(&p_);
                EXPECT_GE(argc, 1);
                const char *const *argv = resp_parser_argv(&p_);
                const size_t *lens = resp_parser_argvlen(&p_);
                Args a;
                for (int i = 0; i < argc; i++)
                    a.emplace_back(argv[i], lens[i]);
                out_.cmds.push_back(a);
            }
            pending_.erase(0, consumed);
            free(copy);
            if (r == RESP_MORE)
                return;
        }
    }

    Outcome outcome()
    {
        Outcome o = out_;
        o.idle = out_.error.empty() && resp_parser_idle(&p_) && pending_.empty();
        return o;
    }
    struct resp_parser *parser() { return &p_; }

private:
    struct resp_parser p_;
    std::string pending_;
    Outcome out_;
};

Outcome feed_whole(const std::string &in, bool unauth = false)
{
    Feeder f(unauth);
    f.feed(in);
    return f.outcome();
}

// Feeds in every way the network could deliver it and checks each against
// `want`.
void check_all_splits(const std::string &in, const Outcome &want, bool unauth = false)
{
    EXPECT_EQ(feed_whole(in, unauth), want) << "whole: " << testing::PrintToString(in);
    for (size_t cut = 1; cut < in.size(); cut++) {
        Feeder f(unauth);
        f.feed(in.substr(0, cut));
        f.feed(in.substr(cut));
        EXPECT_EQ(f.outcome(), want)
            << "split at " << cut << ": " << testing::PrintToString(in);
    }
    Feeder f(unauth);
    for (char c : in)
        f.feed(std::string(1, c));
    EXPECT_EQ(f.outcome(), want) << "bytewise: " << testing::PrintToString(in);
}

Outcome cmds(std::vector<Args> c, bool idle = true)
{
    Outcome o;
    o.cmds = std::move(c);
    o.idle = idle;
    return o;
}

Outcome err(const std::string &text, std::vector<Args> before = {})
{
    Outcome o;
    o.cmds = std::move(before);
    o.error = text;
    o.idle = false;
    return o;
}

std::string S(const char *s, size_t n) { return std::string(s, n); }

const std::string kPE = "ERR Protocol error: ";

TEST(RespParser, StructStaysSmall) { EXPECT_LE(sizeof(struct resp_parser), 64u); }

TEST(RespParser, Multibulk)
{
    check_all_splits("*1\r\n$4\r\nPING\r\n", cmds({{"PING"}}));
    check_all_splits("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
                     cmds({{"SET", "k", "hello"}}));
    check_all_splits("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", cmds({{"ECHO", ""}}));
    // Bulk data is binary: CR, LF, NUL, '*' and '$' are just bytes.
    check_all_splits(S("*2\r\n$4\r\nECHO\r\n$8\r\n\r\n*1\0$\r\n\r\n", 28),
                     cmds({{"ECHO", S("\r\n*1\0$\r\n", 8)}}));
    check_all_splits("*1\r\n$3\r\n\xff\x80\x01\r\n", cmds({{"\xff\x80\x01"}}));
}

TEST(RespParser, MultibulkLaxTerminatorsLikeRedis)
{
    // Redis skips the byte after a CR and the two bytes after bulk data
    // without checking them.
    check_all_splits("*1\rx$4\r\nPINGxy", cmds({{"PING"}}));
    check_all_splits("*2\r\n$1\rza!!$1\r\nb\r\n", cmds({{"a", "b"}}));
}

TEST(RespParser, IgnoredFrames)
{
    check_all_splits("\r\n\n*0\r\n*-1\r\n*-5\r\nPING\r\n", cmds({{"PING"}}));
    check_all_splits("*-9223372036854775808\r\n*1\r\n$1\r\na\r\n", cmds({{"a"}}));
    check_all_splits("   \r\n \t \n", cmds({}));
    check_all_splits("\n\n\n", cmds({}));
}

TEST(RespParser, SkippedBytesAreReportedOnMore)
{
    struct resp_parser p;
    resp_parser_init(&p);
    size_t consumed = 0;
    const std::string in = "\r\n*0\r\n*1\r\n$4\r\nPI";
    EXPECT_EQ(resp_parse(&p, in.data(), in.size(), &consumed), RESP_MORE);
    EXPECT_EQ(consumed, 6u);
    EXPECT_FALSE(resp_parser_idle(&p));
    const std::string rest = in.substr(consumed) + "NG\r\n";
    EXPECT_EQ(resp_parse(&p, rest.data(), rest.size(), &consumed), RESP_DONE);
    EXPECT_EQ(consumed, rest.size());
    EXPECT_TRUE(resp_parser_idle(&p));
    resp_parser_destroy(&p);
}

TEST(RespParser, Inline)
{
    check_all_splits("PING\r\n", cmds({{"PING"}}));
    check_all_splits("PING\n", cmds({{"PING"}}));
    check_all_splits("  SET  a\tb  \r\n", cmds({{"SET", "a", "b"}}));
    // Only one trailing CR is stripped; the rest are separators.
    check_all_splits("ECHO   x   \r\r\n", cmds({{"ECHO", "x"}}));
    check_all_splits("ECHO a\rb\n", cmds({{"ECHO", "a", "b"}}));
    // VT and FF are skipped between arguments but are word characters.
    check_all_splits("ECHO \x0b\x0cx\r\n", cmds({{"ECHO", "x"}}));
    check_all_splits("ECHO a\x0b" "b\r\n", cmds({{"ECHO", "a\x0b" "b"}}));
    check_all_splits("*a\r\n", err(kPE + "invalid multibulk length"));
    check_all_splits("$4\r\n", cmds({{"$4"}}));
}

TEST(RespParser, InlineQuoting)
{
    check_all_splits("ECHO \"a\\x41\\n\\q\\\\\"\r\n", cmds({{"ECHO", "aA\nq\\"}}));
    check_all_splits("ECHO \"\\r\\t\\b\\a\\\"\\xfF\\x00\"\n",
                     cmds({{"ECHO", S("\r\t\b\a\"\xff\0", 7)}}));
    check_all_splits("ECHO 'a\\'b'\r\n", cmds({{"ECHO", "a'b"}}));
    check_all_splits("ECHO 'a\\nb'\r\n", cmds({{"ECHO", "a\\nb"}}));
    check_all_splits("ECHO 'ab' \r\n", cmds({{"ECHO", "ab"}}));
    check_all_splits("ECHO a\"b c\"\r\n", cmds({{"ECHO", "ab c"}}));
    check_all_splits("ECHO \"a\"\x0b" "b\r\n", cmds({{"ECHO", "a", "b"}}));
    check_all_splits("ECHO \"a\"\tb\n", cmds({{"ECHO", "a", "b"}}));
    check_all_splits("ECHO \"\\x4\"\r\n", cmds({{"ECHO", "x4"}}));
    check_all_splits("ECHO \"\\xZZ\"\r\n", cmds({{"ECHO", "xZZ"}}));
    check_all_splits("ECHO \"\" ''\r\n", cmds({{"ECHO", "", ""}}));
    check_all_splits("SET \"k 1\" 'v 2' plain\r\n", cmds({{"SET", "k 1", "v 2", "plain"}}));
}

TEST(RespParser, InlineUnbalancedQuotes)
{
    const Outcome e = err(kPE + "unbalanced quotes in request");
    check_all_splits("ECHO \"ab\"c\r\n", e);
    check_all_splits("ECHO \"ab\r\n", e);
    check_all_splits("ECHO a\"b c\"d\r\n", e);
    check_all_splits("ECHO \"x\\\r\n", e);
    check_all_splits("ECHO 'a\\\r\n", e);
    check_all_splits("ECHO 'ab'c\r\n", e);
    check_all_splits("ECHO 'ab\n", e);
    check_all_splits("PING\r\nECHO \"\r\nPING\r\n", err(e.error, {{"PING"}}));
}

TEST(RespParser, Pipelines)
{
    check_all_splits("*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n\r\nECHO \"x y\"\n",
                     cmds({{"PING"}, {"PING"}, {"ECHO", "hi"}, {"ECHO", "x y"}}));
    std::string many;
    std::vector<Args> want;
    for (int i = 0; i < 50; i++) {
        std::string v = std::to_string(i * 7919);
        many += "*2\r\n$3\r\nGET\r\n$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
        want.push_back({"GET", v});
    }
    check_all_splits(many, cmds(want));
    // An incomplete frame at the end is kept, not reported.
    check_all_splits("PING\r\n*2\r\n$3\r\nGET\r\n", cmds({{"PING"}}, false));
    check_all_splits("PING\r\nPIN", cmds({{"PING"}}, false));
}

TEST(RespParser, InvalidMultibulkLength)
{
    const Outcome e = err(kPE + "invalid multibulk length");
    for (const char *in : {"*\r\n", "*x\r\n", "*01\r\n", "*-0\r\n", "*+1\r\n", "* 1\r\n",
                           "*1 \r\n", "*2147483648\r\n", "*12345678901234567890\r\n",
                           "*-9223372036854775809\r\n", "*1\n\r\n"})
        check_all_splits(in, e);
    check_all_splits("*2147483647\r\n", cmds({}, false));
}

TEST(RespParser, InvalidBulkLength)
{
    const Outcome e = err(kPE + "invalid bulk length");
    for (const char *in : {"*1\r\n$-1\r\n", "*1\r\n$\r\n", "*1\r\n$x\r\n", "*1\r\n$01\r\n",
                           "*1\r\n$-0\r\n", "*1\r\n$536870913\r\n",
                           "*1\r\n$99999999999999999999\r\n", "*2\r\n$1\r\na\r\n$1 \r\n"})
        check_all_splits(in, e);
    check_all_splits("*1\r\n$536870912\r\n", cmds({}, false));
}

TEST(RespParser, ExpectedDollar)
{
    check_all_splits("*1\r\nx\r\n", err(kPE + "expected '$', got 'x'"));
    check_all_splits("*2\r\n$1\r\na\r\n:1\r\n", err(kPE + "expected '$', got ':'"));
    // Redis blanks CR and LF in error lines.
    check_all_splits("*1\r\n\r\n", err(kPE + "expected '$', got ' '"));
    check_all_splits("*1\r\n\n\r\n", err(kPE + "expected '$', got ' '"));
    check_all_splits("*1\r\n\xff\r\n", err(kPE + "expected '$', got '\xff'"));
    // The '$' check waits for the whole line, like Redis.
    check_all_splits("*1\r\nx", cmds({}, false));
}

TEST(RespParser, TooBigLines)
{
    const std::string max(RESP_INLINE_MAX, 'a');
    EXPECT_EQ(feed_whole(max), cmds({}, false));
    EXPECT_EQ(feed_whole(max + "a"), err(kPE + "too big inline request"));
    // A line longer than the limit is fine if its end is already there.
    EXPECT_EQ(feed_whole(max + "b\n"), cmds({{max + "b"}}));
    EXPECT_EQ(feed_whole("*1" + std::string(RESP_INLINE_MAX - 2, '1')), cmds({}, false));
    EXPECT_EQ(feed_whole("*1" + std::string(RESP_INLINE_MAX - 1, '1')),
              err(kPE + "too big mbulk count string"));
    EXPECT_EQ(feed_whole("*1\r\n$" + std::string(RESP_INLINE_MAX - 1, '1')), cmds({}, false));
    EXPECT_EQ(feed_whole("*1\r\n$" + std::string(RESP_INLINE_MAX, '1')),
              err(kPE + "too big bulk count string"));
    // A count line found but too long to be a number.
    EXPECT_EQ(feed_whole("*1" + std::string(RESP_INLINE_MAX, '1') + "\r\n"),
              err(kPE + "invalid multibulk length"));
}

TEST(RespParser, NulHidesTheEndOfALineLikeRedis)
{
    // Redis searches its NUL-terminated buffer with strchr: a NUL before the
    // line's end hides the end until the line exceeds the limit.
    check_all_splits(S("PING\0\r\n", 7), cmds({}, false));
    check_all_splits(S("*1\0\r\n", 5), cmds({}, false));
    check_all_splits(S("*1\r\n$4\0\r\nPING\r\n", 15), cmds({}, false));
    std::string big = S("PING\0", 5) + std::string(RESP_INLINE_MAX - 4, '\n');
    EXPECT_EQ(feed_whole(big), err(kPE + "too big inline request"));
    std::string count = S("*1\0\r\n", 5) + std::string(RESP_INLINE_MAX - 4, '\r');
    EXPECT_EQ(feed_whole(count), err(kPE + "too big mbulk count string"));
    // In bulk data a NUL is just a byte.
    check_all_splits(S("*1\r\n$1\r\n\0\r\n", 11), cmds({{S("\0", 1)}}));
}

TEST(RespParser, BigLinesByteByByte)
{
    // Feeds bytes into a stable buffer (no copies), so this also shows that
    // a long line is not rescanned on every call: 64 KiB one byte at a time
    // would otherwise take billions of steps.
    struct Case {
        std::string in;
        std::string error;
    } cases[] = {
        {std::string(RESP_INLINE_MAX + 1, 'a'), kPE + "too big inline request"},
        {"*1" + std::string(RESP_INLINE_MAX - 1, '1'), kPE + "too big mbulk count string"},
        {"*1\r\n$" + std::string(RESP_INLINE_MAX, '1'), kPE + "too big bulk count string"},
    };
    for (const Case &c : cases) {
        struct resp_parser p;
        resp_parser_init(&p);
        size_t consumed;
        enum resp_status r = RESP_MORE;
        size_t n = 0;
        while (n < c.in.size() && r == RESP_MORE) {
            n++;
            r = resp_parse(&p, c.in.data(), n, &consumed);
        }
        EXPECT_EQ(r, RESP_ERROR);
        EXPECT_EQ(n, c.in.size());
        EXPECT_STREQ(resp_parser_error(&p), c.error.c_str());
        resp_parser_destroy(&p);
    }
}

TEST(RespParser, ResumesWithoutRescanning)
{
    // Deliberately breaks the "same bytes" contract to observe where the
    // parser resumes: bytes it already examined are replaced by terminators
    // it would find if it started over.
    struct resp_parser p;
    resp_parser_init(&p);
    size_t consumed;
    std::string a = "AAAA";
    ASSERT_EQ(resp_parse(&p, a.data(), a.size(), &consumed), RESP_MORE);
    // Started over, `"` + LF would be an unbalanced quote.
    std::string b = "\"\n\"\nX\n";
    ASSERT_EQ(resp_parse(&p, b.data(), b.size(), &consumed), RESP_DONE);
    ASSERT_EQ(resp_parser_argc(&p), 2);
    EXPECT_EQ(std::string(resp_parser_argv(&p)[0], resp_parser_argvlen(&p)[0]), "\n");
    EXPECT_EQ(std::string(resp_parser_argv(&p)[1], resp_parser_argvlen(&p)[1]), "X");
    resp_parser_destroy(&p);

    // Headers of arguments already read are not read again; their data is
    // taken from the new buffer at the same offset.
    resp_parser_init(&p);
    a = "*2\r\n$1\r\na\r\n$1";
    ASSERT_EQ(resp_parse(&p, a.data(), a.size(), &consumed), RESP_MORE);
    b = "XXXXXXXXZ\r\n$1\r\nb\r\n";
    ASSERT_EQ(resp_parse(&p, b.data(), b.size(), &consumed), RESP_DONE);
    ASSERT_EQ(resp_parser_argc(&p), 2);
    EXPECT_EQ(std::string(resp_parser_argv(&p)[0], 1), "Z");
    EXPECT_EQ(std::string(resp_parser_argv(&p)[1], 1), "b");
    resp_parser_destroy(&p);

    resp_parser_init(&p);
    a = "*1\r\n$2\r\nab";
    ASSERT_EQ(resp_parse(&p, a.data(), a.size(), &consumed), RESP_MORE);
    b = "XXXXXXXXxy\r\n";
    ASSERT_EQ(resp_parse(&p, b.data(), b.size(), &consumed), RESP_DONE);
    EXPECT_EQ(std::string(resp_parser_argv(&p)[0], 2), "xy");
    resp_parser_destroy(&p);
}

TEST(RespParser, UnauthenticatedLimits)
{
    check_all_splits("*11\r\n", err(kPE + "unauthenticated multibulk length"), true);
    check_all_splits("*10\r\n", cmds({}, false), true);
    check_all_splits("*-5\r\n*11\r\n", err(kPE + "unauthenticated multibulk length"), true);
    check_all_splits("*1\r\n$16385\r\n", err(kPE + "unauthenticated bulk length"), true);
    check_all_splits("*1\r\n$16384\r\n", cmds({}, false), true);
    check_all_splits("*1\r\n$536870912\r\n", err(kPE + "unauthenticated bulk length"), true);
    // The invalid checks come first.
    check_all_splits("*1\r\n$536870913\r\n", err(kPE + "invalid bulk length"), true);
    check_all_splits("*2147483648\r\n", err(kPE + "invalid multibulk length"), true);
    // Inline requests have no unauthenticated limit beyond 64 KiB.
    check_all_splits("A B C D E F G H I J K L\r\n",
                     cmds({{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"}}), true);
    // The same frames are fine once authenticated.
    check_all_splits("*11\r\n", cmds({}, false), false);
    check_all_splits("*1\r\n$16385\r\n", cmds({}, false), false);
}

TEST(RespParser, UnauthenticatedCanBeLiftedBetweenRequests)
{
    struct resp_parser p;
    resp_parser_init(&p);
    resp_parser_set_unauthenticated(&p, true);
    size_t consumed;
    std::string in = "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n";
    ASSERT_EQ(resp_parse(&p, in.data(), in.size(), &consumed), RESP_DONE);
    resp_parser_set_unauthenticated(&p, false);
    std::string rest = in.substr(consumed);
    EXPECT_EQ(resp_parse(&p, rest.data(), rest.size(), &consumed), RESP_MORE);
    resp_parser_destroy(&p);
}

TEST(RespParser, ErrorsAreSticky)
{
    struct resp_parser p;
    resp_parser_init(&p);
    size_t consumed;
    std::string bad = "*x\r\nPING\r\n";
    EXPECT_EQ(resp_parse(&p, bad.data(), bad.size(), &consumed), RESP_ERROR);
    std::string good = "PING\r\n";
    EXPECT_EQ(resp_parse(&p, good.data(), good.size(), &consumed), RESP_ERROR);
    EXPECT_EQ(resp_parser_argc(&p), 0);
    EXPECT_STREQ(resp_parser_error(&p), "ERR Protocol error: invalid multibulk length");
    EXPECT_FALSE(resp_parser_idle(&p));
    // destroy, which a session calls when it goes idle, clears the error.
    resp_parser_destroy(&p);
    EXPECT_EQ(resp_parser_error(&p), nullptr);
    EXPECT_EQ(resp_parse(&p, good.data(), good.size(), &consumed), RESP_DONE);
    resp_parser_destroy(&p);
}

TEST(RespParser, ExpectedDollarErrorSurvivesDestroy)
{
    struct resp_parser p;
    resp_parser_init(&p);
    size_t consumed;
    std::string bad = "*1\r\nx\r\n";
    ASSERT_EQ(resp_parse(&p, bad.data(), bad.size(), &consumed), RESP_ERROR);
    resp_parser_destroy(&p);
    // The error text shares storage with the parse state: destroy must not
    // treat it as a pointer (ASan would see a bad free).
    std::string q = "ECHO \"x\"\n";
    ASSERT_EQ(resp_parse(&p, q.data(), q.size(), &consumed), RESP_DONE);
    EXPECT_EQ(std::string(resp_parser_argv(&p)[1], 1), "x");
    resp_parser_destroy(&p);
}

TEST(RespParser, HugeDeclarationsAllocateNothing)
{
    struct resp_parser p;
    resp_parser_init(&p);
    size_t consumed;
    std::string in = "*2147483647\r\n$536870912\r\n" + std::string(1000, 'x');
    EXPECT_EQ(resp_parse(&p, in.data(), in.size(), &consumed), RESP_MORE);
    EXPECT_EQ(p.args, nullptr);
    EXPECT_EQ(p.cap, 0);
    // Arrays grow with the arguments that actually arrived.
    std::string frame = "*1048576\r\n";
    for (int i = 0; i < 5; i++)
        frame += "$1\r\na\r\n";
    resp_parser_destroy(&p);
    EXPECT_EQ(resp_parse(&p, frame.data(), frame.size(), &consumed), RESP_MORE);
    EXPECT_NE(p.args, nullptr);
    EXPECT_LE(p.cap, 8);
    resp_parser_destroy(&p);
}

TEST(RespParser, ArraysGrowToTheDeclaredCountOnly)
{
    struct resp_parser p;
    resp_parser_init(&p);
    size_t consumed;
    std::string frame = "*5\r\n";
    for (int i = 0; i < 5; i++)
        frame += "$1\r\n" + std::to_string(i) + "\r\n";
    ASSERT_EQ(resp_parse(&p, frame.data(), frame.size(), &consumed), RESP_DONE);
    EXPECT_EQ(p.cap, 5);
    resp_parser_destroy(&p);
}

TEST(RespParser, InlineQuotedArgsLiveUntilNextCall)
{
    struct resp_parser p;
    resp_parser_init(&p);
    size_t consumed;
    std::string in = "SET \"a b\" 'c'\r\nGET x\r\n";
    ASSERT_EQ(resp_parse(&p, in.data(), in.size(), &consumed), RESP_DONE);
    ASSERT_EQ(resp_parser_argc(&p), 3);
    EXPECT_EQ(std::string(resp_parser_argv(&p)[1], resp_parser_argvlen(&p)[1]), "a b");
    std::string rest = in.substr(consumed);
    ASSERT_EQ(resp_parse(&p, rest.data(), rest.size(), &consumed), RESP_DONE);
    EXPECT_EQ(std::string(resp_parser_argv(&p)[1], resp_parser_argvlen(&p)[1]), "x");
    // destroy after a quoted request frees its buffer (LeakSanitizer checks).
    ASSERT_EQ(resp_parse(&p, in.data(), in.size(), &consumed), RESP_DONE);
    resp_parser_destroy(&p);
}

TEST(RespParser, ManyInlineArguments)
{
    std::string line;
    Args want;
    for (int i = 0; i < 1000; i++) {
        line += "a" + std::to_string(i) + " ";
        want.push_back("a" + std::to_string(i));
    }
    EXPECT_EQ(feed_whole(line + "\n"), cmds({want}));
}

}  // namespace
