// store_oom_test.cc - the store when malloc fails half-way through an
// operation: nothing is leaked, nothing that was never allocated is freed.
//
// This binary is linked with -Wl,--wrap=malloc,--wrap=free (see BUILD), so
// the store's calls land in the wrappers below, which fail chosen
// allocations and check every pointer freed while armed was handed out by
// malloc while armed.

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "cc/core/store.h"

extern "C" {
void *__real_malloc(size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void __wrap_free(void *p);
}

namespace {

// While armed: mallocs of at least fail_from bytes return NULL, every
// pointer returned is remembered, and a free of any other non-NULL pointer
// is counted (and not passed on).
bool armed = false;
size_t fail_from = 0;
void *handed_out[64];
size_t nhanded = 0;
int bad_frees = 0;

}  // namespace

extern "C" void *__wrap_malloc(size_t n)
{
    if (!armed)
        return __real_malloc(n);
    if (n >= fail_from)
        return nullptr;
    void *p = __real_malloc(n);
    if (p != nullptr && nhanded < sizeof(handed_out) / sizeof(handed_out[0]))
        handed_out[nhanded++] = p;
    return p;
}

extern "C" void __wrap_free(void *p)
{
    if (armed && p != nullptr) {
        bool known = false;
        for (size_t i = 0; i < nhanded; i++)
            known = known || handed_out[i] == p;
        if (!known) {
            bad_frees++;
            return;
        }
    }
    __real_free(p);
}

namespace {

// Leaves a recognisable pattern where the next call's stack frame will be,
// so uninitialised pointers there are not NULL by luck.
__attribute__((noinline)) void dirty_stack()
{
    volatile unsigned char junk[8192];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = 0x5a;
}

TEST(StoreOom, MsetFailingHalfWayFreesOnlyWhatItBuilt)
{
    struct store *st = store_new();
    ASSERT_NE(st, nullptr);
    // Ten pairs; the fourth value is big, and big allocations fail.
    constexpr size_t n = 10;
    std::vector<std::string> keys, vals;
    const char *kp[n], *vp[n];
    size_t kl[n], vl[n];
    for (size_t i = 0; i < n; i++) {
        keys.push_back("key" + std::to_string(i));
        vals.push_back("v");
    }
    for (size_t i = 0; i < n; i++) {
        kp[i] = keys[i].data();
        kl[i] = keys[i].size();
        vp[i] = vals[i].data();
        vl[i] = vals[i].size();
    }
    vl[3] = 1 << 20;  // never read: its allocation fails first
    fail_from = 1 << 20;
    nhanded = 0;
    bad_frees = 0;
    armed = true;
    dirty_stack();
    int rc = store_mset(st, 0, n, kp, kl, vp, vl, false);
    armed = false;
    EXPECT_EQ(rc, -ENOMEM);
    EXPECT_EQ(bad_frees, 0) << "freed pointers malloc never returned";
    // All or nothing: no key was set.
    EXPECT_EQ(store_dbsize(st, 0), 0u);
    store_free(st);
}

}  // namespace
