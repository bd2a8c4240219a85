// util_test.cc - GoogleTest for cc/core/util: Redis's string2ll and
// integer formatting at their edges, glob matching (Redis's cases, binary
// safety, pathological patterns) and the error-text preview.

#include "cc/core/util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

namespace {

TEST(UtilString2ll, RedisRules)
{
    int64_t v = 7;
    EXPECT_TRUE(util_string2ll("0", 1, &v));
    EXPECT_EQ(v, 0);
    EXPECT_TRUE(util_string2ll("-42", 3, &v));
    EXPECT_EQ(v, -42);
    EXPECT_TRUE(util_string2ll("9223372036854775807", 19, &v));
    EXPECT_EQ(v, INT64_MAX);
    EXPECT_TRUE(util_string2ll("-9223372036854775808", 20, &v));
    EXPECT_EQ(v, INT64_MIN);
    for (const char *bad : {"", "-", "+1", "01", "-0", " 1", "1 ", "1a",
                            "9223372036854775808", "-9223372036854775809",
                            "18446744073709551616", "000000000000000000001"})
        EXPECT_FALSE(util_string2ll(bad, strlen(bad), &v)) << bad;
}

TEST(UtilLl2str, Extremes)
{
    char buf[UTIL_LL2STR_MAX];
    EXPECT_EQ(std::string(buf, util_ll2str(buf, 0)), "0");
    EXPECT_EQ(std::string(buf, util_ll2str(buf, -7)), "-7");
    EXPECT_EQ(std::string(buf, util_ll2str(buf, INT64_MAX)), "9223372036854775807");
    EXPECT_EQ(std::string(buf, util_ll2str(buf, INT64_MIN)), "-9223372036854775808");
}

TEST(UtilLl2str, FormatsIntegers)
{
    char buf[32];
    EXPECT_EQ(std::string(buf, util_ll2str(buf, 0)), "0");
    EXPECT_EQ(std::string(buf, util_ll2str(buf, 9223372036854775807LL)),
              "9223372036854775807");
    EXPECT_EQ(std::string(buf, util_ll2str(buf, -1)), "-1");
}

TEST(UtilPreview, StopsAtNulAndFlattensLineBreaks)
{
    char buf[16];
    std::string in("a\r\nb\0c", 6);
    size_t n = util_preview(buf, sizeof(buf), in.data(), in.size(), 128);
    EXPECT_EQ(std::string(buf, n), "a  b");
    n = util_preview(buf, sizeof(buf), "abcdef", 6, 3);
    EXPECT_EQ(std::string(buf, n), "abc");
    n = util_preview(buf, 2, "abcdef", 6, 128);
    EXPECT_EQ(std::string(buf, n), "ab");
}

bool glob(const std::string &p, const std::string &s, bool nocase = false)
{
    return util_glob_match(p.data(), p.size(), s.data(), s.size(), nocase);
}

TEST(UtilGlob, RedisCases)
{
    struct Case {
        const char *pat;
        const char *str;
        bool nocase;
        bool want;
    };
    const Case cases[] = {
        {"*", "", false, true},
        {"*", "anything", false, true},
        {"**", "", false, true},
        {"", "", false, true},
        {"", "a", false, false},
        {"?", "", false, false},
        {"?", "a", false, true},
        {"?", "ab", false, false},
        {"a?c", "abc", false, true},
        {"a?c", "ac", false, false},
        {"a*", "a", false, true},
        {"a*b", "ab", false, true},
        {"a**b", "axxb", false, true},
        {"*a*b", "xaxxb", false, true},
        {"*a*b", "xaxxbx", false, false},
        {"*.txt", "file.txt", false, true},
        {"*.txt", "file.txt.gz", false, false},
        {"h[ae]llo", "hello", false, true},
        {"h[ae]llo", "hallo", false, true},
        {"h[ae]llo", "hillo", false, false},
        {"h[^e]llo", "hallo", false, true},
        {"h[^e]llo", "hello", false, false},
        {"h[a-b]llo", "hbllo", false, true},
        {"h[a-b]llo", "hcllo", false, false},
        {"h[b-a]llo", "hallo", false, true},  // reversed range
        {"[0-9][0-9]", "42", false, true},
        {"[0-9][0-9]", "4a", false, false},
        {"\\*", "*", false, true},
        {"\\*", "a", false, false},
        {"\\?", "?", false, true},
        {"\\[a]", "[a]", false, true},
        {"a\\", "a\\", false, true},      // trailing backslash is literal
        {"[\\]]", "]", false, true},      // escaped ] inside a set
        {"[a\\-z]", "-", false, true},
        {"[a\\-z]", "b", false, false},
        {"[]a]", "a", false, false},      // [] is an empty set
        {"[]", "", false, false},
        {"[^]a", "xa", false, true},
        {"[abc", "b", false, true},       // unterminated set runs to the end
        {"[abc", "d", false, false},
        {"[", "", false, false},
        {"[", "[", false, false},
        {"[a-", "-", false, true},
        {"[a-]", "]", false, true},        // ']' ends the range: ']'..'a'
        {"[a-]", "^", false, true},
        {"[a-]", "b", false, false},
        {"*[", "x[", false, false},
        {"a[", "a[", false, false},
        {"[^]", "x", false, true},
        {"HELLO", "hello", false, false},
        {"HELLO", "hello", true, true},
        {"h[A-Z]llo", "hello", true, true},
        {"h[A-Z]llo", "hello", false, false},
        {"[^A]", "a", true, false},
        {"user:*:name", "user:1000:name", false, true},
        {"user:*:name", "user:1000:email", false, false},
    };
    for (const auto &c : cases)
        EXPECT_EQ(glob(c.pat, c.str, c.nocase), c.want)
            << "pattern '" << c.pat << "' string '" << c.str << "' nocase=" << c.nocase;
}

TEST(UtilGlob, BinarySafe)
{
    EXPECT_TRUE(glob(std::string("a\0*", 3), std::string("a\0bc", 4)));
    EXPECT_FALSE(glob(std::string("a\0*", 3), std::string("ab", 2)));
    EXPECT_TRUE(glob("?", std::string("\0", 1)));
    EXPECT_TRUE(glob("[\x80-\xff]", "\xc3"));
    EXPECT_FALSE(glob("[\x80-\xff]", "a"));
}

TEST(UtilGlob, PathologicalPatternsStayFast)
{
    std::string s(100000, 'a');
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(glob("a*a*a*a*a*a*a*a*a*a*a*a*b", s));
    EXPECT_FALSE(glob("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*?b", s));
    EXPECT_TRUE(glob("*?*?*?*?*?*?*?*?*?*?*?*?a", s));
    EXPECT_FALSE(glob("[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[b]", s));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    // Backtracking implementations take longer than the age of the universe
    // here; O(p*s) takes a few milliseconds (generous bound for sanitizers).
    EXPECT_LT(ms, 2000);
}

}  // namespace
