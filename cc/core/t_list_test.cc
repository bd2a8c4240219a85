// t_list_test.cc - the chunked deque against a std::deque model under
// random operations, with element sizes that cross node and length-field
// boundaries.
#include "cc/core/t_list.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

namespace {

std::string get(const tlist_iter &it)
{
    size_t n;
    const char *p = tlist_iter_get(&it, &n);
    return std::string(p, n);
}

void expect_same(tlist *l, const std::deque<std::string> &m)
{
    ASSERT_EQ(tlist_len(l), m.size());
    tlist_iter it;
    size_t i = 0;
    if (tlist_seek(l, 0, &it)) {
        do {
            ASSERT_LT(i, m.size());
            ASSERT_EQ(get(it), m[i]) << "forward at " << i;
            i++;
        } while (tlist_next(&it));
    }
    ASSERT_EQ(i, m.size());
    if (tlist_seek(l, -1, &it)) {
        do {
            ASSERT_GT(i, 0u);
            i--;
            ASSERT_EQ(get(it), m[i]) << "backward at " << i;
        } while (tlist_prev(&it));
    }
    ASSERT_EQ(i, 0u);
}

std::string random_value(std::mt19937 &rng)
{
    static const size_t sizes[] = {0, 1, 3, 10, 127, 128, 200, 3000, 9000, 20000};
    size_t n = sizes[rng() % 10];
    if (rng() % 4)
        n = rng() % 16;
    std::string v(n, 'a');
    for (auto &c : v)
        c = static_cast<char>('a' + rng() % 26);
    return v;
}

TEST(TList, EmptyList)
{
    tlist *l = tlist_new();
    ASSERT_NE(l, nullptr);
    tlist_iter it;
    EXPECT_FALSE(tlist_seek(l, 0, &it));
    EXPECT_FALSE(tlist_seek(l, -1, &it));
    EXPECT_EQ(tlist_len(l), 0u);
    tlist_free(l);
    tlist_free(nullptr);
}

TEST(TList, PushPopBothEnds)
{
    tlist *l = tlist_new();
    std::deque<std::string> m;
    for (int i = 0; i < 5000; i++) {
        std::string v = std::to_string(i);
        bool head = i % 3 == 0;
        ASSERT_EQ(tlist_push(l, head, v.data(), v.size()), 0);
        head ? m.push_front(v) : m.push_back(v);
    }
    expect_same(l, m);
    for (int i = 0; i < 2500; i++) {
        bool head = i % 2 == 0;
        tlist_pop(l, head);
        head ? m.pop_front() : m.pop_back();
    }
    expect_same(l, m);
    tlist_free(l);
}

TEST(TList, SeekEveryIndex)
{
    tlist *l = tlist_new();
    std::deque<std::string> m;
    for (int i = 0; i < 3000; i++) {
        std::string v(static_cast<size_t>(i % 50), static_cast<char>('a' + i % 26));
        ASSERT_EQ(tlist_push(l, false, v.data(), v.size()), 0);
        m.push_back(v);
    }
    tlist_iter it;
    for (int64_t i = 0; i < 3000; i++) {
        ASSERT_TRUE(tlist_seek(l, i, &it));
        ASSERT_EQ(get(it), m[static_cast<size_t>(i)]);
        ASSERT_TRUE(tlist_seek(l, -1 - i, &it));
        ASSERT_EQ(get(it), m[static_cast<size_t>(2999 - i)]);
    }
    EXPECT_FALSE(tlist_seek(l, 3000, &it));
    EXPECT_FALSE(tlist_seek(l, -3001, &it));
    tlist_free(l);
}

TEST(TList, RandomOperationsMatchModel)
{
    std::mt19937 rng(12345);
    tlist *l = tlist_new();
    std::deque<std::string> m;
    for (int step = 0; step < 20000; step++) {
        int op = static_cast<int>(rng() % 8);
        std::string v = random_value(rng);
        if (op <= 1 || m.empty()) {
            bool head = rng() % 2;
            ASSERT_EQ(tlist_push(l, head, v.data(), v.size()), 0);
            head ? m.push_front(v) : m.push_back(v);
            continue;
        }
        size_t i = rng() % m.size();
        tlist_iter it;
        ASSERT_TRUE(tlist_seek(l, static_cast<int64_t>(i), &it));
        ASSERT_EQ(get(it), m[i]);
        switch (op) {
        case 2: {
            bool head = rng() % 2;
            tlist_pop(l, head);
            head ? m.pop_front() : m.pop_back();
            break;
        }
        case 3: {
            bool after = rng() % 2;
            ASSERT_EQ(tlist_insert(&it, after, v.data(), v.size()), 0);
            ASSERT_EQ(get(it), m[i]);
            m.insert(m.begin() + static_cast<long>(i + (after ? 1 : 0)), v);
            break;
        }
        case 4:
            ASSERT_EQ(tlist_replace(&it, v.data(), v.size()), 0);
            ASSERT_EQ(get(it), v);
            m[i] = v;
            break;
        case 5: {
            bool forward = rng() % 2;
            tlist_iter_delete(&it, forward);
            m.erase(m.begin() + static_cast<long>(i));
            if (forward && i < m.size())
                ASSERT_EQ(get(it), m[i]);
            else if (!forward && i > 0)
                ASSERT_EQ(get(it), m[i - 1]);
            else
                ASSERT_FALSE(tlist_iter_valid(&it));
            break;
        }
        case 6: {
            // Delete a run going forward, as LREM and LTRIM do.
            size_t k = rng() % 40;
            while (k-- && tlist_iter_valid(&it)) {
                tlist_iter_delete(&it, true);
                m.erase(m.begin() + static_cast<long>(i));
            }
            break;
        }
        default:
            if (rng() % 2) {
                ASSERT_EQ(tlist_next(&it), i + 1 < m.size());
                if (i + 1 < m.size()) {
                    ASSERT_EQ(get(it), m[i + 1]);
                }
            } else {
                ASSERT_EQ(tlist_prev(&it), i > 0);
                if (i > 0) {
                    ASSERT_EQ(get(it), m[i - 1]);
                }
            }
            break;
        }
        if (step % 997 == 0)
            expect_same(l, m);
    }
    expect_same(l, m);
    EXPECT_GT(tlist_bytes(l), 0u);
    tlist_free(l);
}

}  // namespace
