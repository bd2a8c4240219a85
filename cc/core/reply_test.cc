// reply_test.cc - the reply encoder on its own: every type in RESP2 and
// RESP3, growth, partial consumption and the output limit.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "cc/core/reply.h"

namespace {

std::string Take(struct reply *r) {
    std::string out(r->data != nullptr ? r->data + r->pos : "", reply_pending(r));
    reply_consume(r, reply_pending(r));
    return out;
}

TEST(Reply, Resp2Encodings) {
    struct reply r;
    reply_init(&r, 0);
    reply_simple(&r, "OK");
    reply_error(&r, "ERR bad");
    reply_errorf(&r, "ERR %s %d", "x", 5);
    reply_int(&r, 0);
    reply_int(&r, -42);
    reply_int(&r, std::numeric_limits<int64_t>::min());
    reply_bulk(&r, "", 0);
    reply_bulk(&r, "a\0b", 3);
    reply_bulk_int(&r, 123);
    reply_null(&r);
    reply_null_array(&r);
    reply_array(&r, 2);
    reply_map(&r, 2);
    reply_set(&r, 3);
    reply_double(&r, 1.5);
    reply_bool(&r, true);
    reply_bool(&r, false);
    reply_verbatim(&r, "txt", "hi", 2);
    static const char want[] =
        "+OK\r\n-ERR bad\r\n-ERR x 5\r\n:0\r\n:-42\r\n"
        ":-9223372036854775808\r\n$0\r\n\r\n$3\r\na\0b\r\n"
        "$3\r\n123\r\n$-1\r\n*-1\r\n*2\r\n*4\r\n*3\r\n"
        "$3\r\n1.5\r\n:1\r\n:0\r\n$2\r\nhi\r\n";
    EXPECT_EQ(Take(&r), std::string(want, sizeof(want) - 1));
    EXPECT_EQ(r.data, nullptr);
    reply_free(&r);
}

TEST(Reply, Resp3Encodings) {
    struct reply r;
    reply_init(&r, 0);
    r.proto = 3;
    reply_null(&r);
    reply_null_array(&r);
    reply_map(&r, 2);
    reply_set(&r, 3);
    reply_double(&r, 1.5);
    reply_double(&r, INFINITY);
    reply_double(&r, -INFINITY);
    reply_bool(&r, true);
    reply_bool(&r, false);
    reply_verbatim(&r, "txt", "hi", 2);
    reply_array(&r, 0);
    EXPECT_EQ(Take(&r), "_\r\n_\r\n%2\r\n~3\r\n,1.5\r\n,inf\r\n,-inf\r\n#t\r\n#f\r\n"
                        "=6\r\ntxt:hi\r\n*0\r\n");
    reply_free(&r);
}

TEST(Reply, LongErrorsAreNotTruncated) {
    struct reply r;
    reply_init(&r, 0);
    std::string big(2000, 'e');
    reply_errorf(&r, "ERR %s", big.c_str());
    EXPECT_EQ(Take(&r), "-ERR " + big + "\r\n");
    reply_free(&r);
}

TEST(Reply, GrowsAndConsumesPartially) {
    struct reply r;
    reply_init(&r, 0);
    std::string want;
    for (int i = 0; i < 1000; i++) {
        std::string v = std::to_string(i);
        reply_bulk(&r, v.data(), v.size());
        want += "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
    }
    EXPECT_EQ(reply_pending(&r), want.size());
    reply_consume(&r, 10);
    EXPECT_EQ(std::string(r.data + r.pos, reply_pending(&r)), want.substr(10));
    // Appending after a partial send keeps the unsent tail first.
    reply_simple(&r, "X");
    EXPECT_EQ(Take(&r), want.substr(10) + "+X\r\n");
    EXPECT_EQ(r.data, nullptr);
    reply_free(&r);
}

TEST(Reply, LimitIgnoresAppendsUntilTruncated) {
    struct reply r;
    reply_init(&r, 100);
    reply_bulk(&r, std::string(50, 'a').data(), 50);
    EXPECT_FALSE(r.overflow);
    reply_consume(&r, 30);
    // 27 pending + 57 more fits in 100.
    uint32_t mark = r.len;
    reply_bulk(&r, std::string(50, 'b').data(), 50);
    EXPECT_FALSE(r.overflow);
    uint32_t mark2 = r.len;
    reply_bulk(&r, std::string(50, 'c').data(), 50);
    EXPECT_TRUE(r.overflow);
    // What was appended before stays; later appends are ignored.
    EXPECT_EQ(reply_pending(&r), 27u + 57u);
    reply_simple(&r, "OK");
    EXPECT_EQ(reply_pending(&r), 27u + 57u);
    // Cutting back to a reply boundary makes the buffer usable again.
    reply_truncate(&r, mark2);
    EXPECT_FALSE(r.overflow);
    reply_simple(&r, "OK");
    EXPECT_EQ(reply_pending(&r), 27u + 57u + 5u);
    reply_truncate(&r, mark);
    EXPECT_EQ(reply_pending(&r), 27u);
    // A mark inside what was already consumed empties the buffer.
    reply_truncate(&r, 10);
    EXPECT_EQ(reply_pending(&r), 0u);
    EXPECT_EQ(r.data, nullptr);
    reply_free(&r);
}

TEST(Reply, FormatsIntegers) {
    char buf[32];
    EXPECT_EQ(std::string(buf, reply_fmt_int(buf, 0)), "0");
    EXPECT_EQ(std::string(buf, reply_fmt_int(buf, 9223372036854775807LL)),
              "9223372036854775807");
    EXPECT_EQ(std::string(buf, reply_fmt_int(buf, -1)), "-1");
}

}  // namespace
