// uring_util_test.cc - GoogleTest for the io_uring engine's pure helpers:
// user_data tagging, kernel release parsing, the setup-flag ladder, ring
// sizing, buffer geometry and the INFO lines.
#include "cc/servers/uring_util.h"

#include <liburing.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

TEST(UringUserData, RoundTripsEveryOpWithAPointer) {
  alignas(16) static char obj[64];
  const uring_op ops[] = {URING_OP_IGNORE, URING_OP_ACCEPT, URING_OP_RECV,
                          URING_OP_POLL,   URING_OP_SEND,   URING_OP_TIMER,
                          URING_OP_WAKE};
  for (uring_op op : ops) {
    uint64_t ud = uring_ud_pack(obj, op);
    EXPECT_EQ(uring_ud_op(ud), op);
    EXPECT_EQ(uring_ud_ptr(ud), static_cast<void *>(obj));
  }
}

TEST(UringUserData, NullPointerKeepsTheOp) {
  uint64_t ud = uring_ud_pack(nullptr, URING_OP_TIMER);
  EXPECT_EQ(uring_ud_op(ud), URING_OP_TIMER);
  EXPECT_EQ(uring_ud_ptr(ud), nullptr);
}

TEST(UringUserData, HeapPointersHaveFreeTagBits) {
  // The engine tags malloc'd connections; their low bits must be zero.
  for (size_t size : {1u, 24u, 48u, 100u, 4096u}) {
    void *p = std::malloc(size);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) & URING_UD_TAG_MASK, 0u);
    uint64_t ud = uring_ud_pack(p, URING_OP_SEND);
    EXPECT_EQ(uring_ud_ptr(ud), p);
    EXPECT_EQ(uring_ud_op(ud), URING_OP_SEND);
    std::free(p);
  }
}

TEST(UringUserData, DistinctOpsOnOneConnectionDiffer) {
  // Cancelling the recv must not match the send of the same connection.
  alignas(8) static char conn[8];
  EXPECT_NE(uring_ud_pack(conn, URING_OP_RECV), uring_ud_pack(conn, URING_OP_SEND));
  EXPECT_NE(uring_ud_pack(conn, URING_OP_POLL), uring_ud_pack(conn, URING_OP_RECV));
}

TEST(UringUserData, HighAddressesSurvive) {
  // Nothing is packed into 16 or 32 bits: a full 48-bit address survives.
  uintptr_t addr = static_cast<uintptr_t>(0x7ffd12345678ull) & ~static_cast<uintptr_t>(7);
  uint64_t ud = uring_ud_pack(reinterpret_cast<void *>(addr), URING_OP_RECV);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(uring_ud_ptr(ud)), addr);
}

TEST(UringKernel, ParsesReleases) {
  int ma = -1, mi = -1;
  EXPECT_EQ(uring_kernel_parse("6.18.44-fc-v669", &ma, &mi), 0);
  EXPECT_EQ(ma, 6);
  EXPECT_EQ(mi, 18);
  EXPECT_EQ(uring_kernel_parse("5.19", &ma, &mi), 0);
  EXPECT_EQ(ma, 5);
  EXPECT_EQ(mi, 19);
  EXPECT_EQ(uring_kernel_parse("5.4.0-150-generic", &ma, &mi), 0);
  EXPECT_EQ(mi, 4);
}

TEST(UringKernel, RejectsGarbage) {
  int ma, mi;
  EXPECT_EQ(uring_kernel_parse("", &ma, &mi), -EINVAL);
  EXPECT_EQ(uring_kernel_parse("unknown", &ma, &mi), -EINVAL);
  EXPECT_EQ(uring_kernel_parse("6", &ma, &mi), -EINVAL);
  EXPECT_EQ(uring_kernel_parse("6.", &ma, &mi), -EINVAL);
  EXPECT_EQ(uring_kernel_parse(".6", &ma, &mi), -EINVAL);
  EXPECT_EQ(uring_kernel_parse(nullptr, &ma, &mi), -EINVAL);
  EXPECT_EQ(uring_kernel_parse("99999999999.1", &ma, &mi), -EINVAL);
}

TEST(UringKernel, AtLeastComparesMajorThenMinor) {
  EXPECT_TRUE(uring_kernel_at_least("6.0.0", 6, 0));
  EXPECT_TRUE(uring_kernel_at_least("6.18.44", 5, 19));
  EXPECT_TRUE(uring_kernel_at_least("5.19.17", 5, 19));
  EXPECT_FALSE(uring_kernel_at_least("5.19.17", 6, 0));
  EXPECT_FALSE(uring_kernel_at_least("5.4.0", 5, 19));
  EXPECT_TRUE(uring_kernel_at_least("10.1", 6, 0));
  EXPECT_FALSE(uring_kernel_at_least("garbage", 5, 1));
}

TEST(UringSetup, LadderGoesFromMostToLeastCapable) {
  size_t n = 0;
  const unsigned *ladder = uring_setup_ladder(&n);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(ladder[0], IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  EXPECT_EQ(ladder[1], IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG);
  EXPECT_EQ(ladder[2], 0u);
  // DEFER_TASKRUN is only valid with SINGLE_ISSUER; no entry may split them.
  for (size_t i = 0; i < n; i++) {
    if (ladder[i] & IORING_SETUP_DEFER_TASKRUN) {
      EXPECT_TRUE(ladder[i] & IORING_SETUP_SINGLE_ISSUER);
    }
  }
}

// A fake kernel for uring_setup_fallback: accepts only flags within `known`,
// answers `refuse` (e.g. -EPERM) to everything when set, records attempts.
struct FakeKernel {
  unsigned known = 0;
  int refuse = 0;
  std::vector<unsigned> tried;
};

int fake_setup(unsigned flags, void *ctx) {
  auto *k = static_cast<FakeKernel *>(ctx);
  k->tried.push_back(flags);
  if (k->refuse)
    return k->refuse;
  return (flags & ~k->known) ? -EINVAL : 0;
}

TEST(UringSetup, FallbackStopsAtTheFirstAcceptedEntry) {
  FakeKernel k6_1;  // knows everything
  k6_1.known = ~0u;
  unsigned used = 123;
  EXPECT_EQ(uring_setup_fallback(fake_setup, &k6_1, &used), 0);
  EXPECT_EQ(used, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  EXPECT_EQ(k6_1.tried.size(), 1u);

  FakeKernel k5_19;  // COOP_TASKRUN and TASKRUN_FLAG, no SINGLE_ISSUER
  k5_19.known = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  EXPECT_EQ(uring_setup_fallback(fake_setup, &k5_19, &used), 0);
  EXPECT_EQ(used, IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG);
  EXPECT_EQ(k5_19.tried.size(), 2u);

  FakeKernel k5_10;  // none of the optional flags
  EXPECT_EQ(uring_setup_fallback(fake_setup, &k5_10, &used), 0);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(k5_10.tried.size(), 3u);
}

TEST(UringSetup, FallbackDoesNotHideOtherErrors) {
  // EPERM (seccomp) must surface at once, not be retried with other flags.
  FakeKernel blocked;
  blocked.refuse = -EPERM;
  unsigned used;
  EXPECT_EQ(uring_setup_fallback(fake_setup, &blocked, &used), -EPERM);
  EXPECT_EQ(blocked.tried.size(), 1u);

  // A kernel that rejects even the plainest ring reports EINVAL at the end.
  FakeKernel ancient;
  ancient.refuse = -EINVAL;
  EXPECT_EQ(uring_setup_fallback(fake_setup, &ancient, &used), -EINVAL);
  EXPECT_EQ(ancient.tried.size(), 3u);
  EXPECT_EQ(used, 0u);
}

TEST(UringSetup, FlagNames) {
  char buf[160];
  EXPECT_STREQ(uring_setup_flags_str(0, buf, sizeof(buf)), "none");
  EXPECT_STREQ(uring_setup_flags_str(IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP |
                                         IORING_SETUP_SINGLE_ISSUER |
                                         IORING_SETUP_DEFER_TASKRUN,
                                     buf, sizeof(buf)),
               "CQSIZE|CLAMP|SINGLE_ISSUER|DEFER_TASKRUN");
  // Truncation keeps whole names and a terminated string.
  const unsigned three = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_COOP_TASKRUN;
  char fits[13];
  EXPECT_STREQ(uring_setup_flags_str(three, fits, sizeof(fits)), "CQSIZE|CLAMP");
  char short_by_one[12];
  EXPECT_STREQ(uring_setup_flags_str(three, short_by_one, sizeof(short_by_one)), "CQSIZE");
}

TEST(UringSetup, ErrorHintsAreActionable) {
  EXPECT_NE(std::string(uring_setup_error_hint(EPERM)).find("seccomp"), std::string::npos);
  EXPECT_NE(std::string(uring_setup_error_hint(EPERM)).find("io_uring_disabled"),
            std::string::npos);
  EXPECT_NE(std::string(uring_setup_error_hint(EPERM)).find("--engine=epoll"),
            std::string::npos);
  EXPECT_NE(std::string(uring_setup_error_hint(ENOSYS)).find("ENOSYS"), std::string::npos);
  EXPECT_NE(std::string(uring_setup_error_hint(ENOMEM)).find("ulimit -l"), std::string::npos);
  EXPECT_NE(std::string(uring_setup_error_hint(ENOMEM)).find("5.11"), std::string::npos);
  EXPECT_NE(std::string(uring_setup_error_hint(EIO)).find("--engine=epoll"), std::string::npos);
}

TEST(UringSizing, CqIsAPowerOfTwoCoveringMaxclients) {
  unsigned cq = uring_cq_entries(10000, 4, 1024, 64, 65536);
  EXPECT_GE(cq, 10000u * 4 + 1024 + 64);
  EXPECT_EQ(cq & (cq - 1), 0u);
  EXPECT_EQ(uring_cq_entries(100, 4, 1024, 64, 65536), 2048u);
  EXPECT_EQ(uring_cq_entries(0, 4, 0, 0, 65536), 1u);
}

TEST(UringSizing, CqIsCappedAtTheKernelLimit) {
  EXPECT_EQ(uring_cq_entries(1000000, 4, 1024, 64, 65536), 65536u);
  EXPECT_EQ(uring_cq_entries(4000000000u, 4, 0, 0, 65536), 65536u);
}

TEST(UringBuffers, GeometryChecks) {
  EXPECT_TRUE(uring_bufs_valid(1024, 8192));
  EXPECT_TRUE(uring_bufs_valid(1, 1));
  EXPECT_TRUE(uring_bufs_valid(32768, 4096));
  EXPECT_FALSE(uring_bufs_valid(0, 8192));
  EXPECT_FALSE(uring_bufs_valid(1000, 8192));  // not a power of two
  EXPECT_FALSE(uring_bufs_valid(65536, 4096)); // bid is 16 bits, ring max 32768
  EXPECT_FALSE(uring_bufs_valid(1024, 0));
}

TEST(UringBuffers, OffsetsDoNotOverlapAndFitTheSlab) {
  const unsigned count = 1024, size = 8192;
  EXPECT_EQ(uring_buf_offset(0, size), 0u);
  EXPECT_EQ(uring_buf_offset(1, size), 8192u);
  EXPECT_EQ(uring_buf_offset(count - 1, size) + size, static_cast<size_t>(count) * size);
  // The bid a CQE reports (upper 16 bits of flags) maps back to its buffer.
  unsigned flags = IORING_CQE_F_BUFFER | IORING_CQE_F_MORE | (777u << IORING_CQE_BUFFER_SHIFT);
  EXPECT_EQ(uring_buf_offset(flags >> IORING_CQE_BUFFER_SHIFT, size), 777u * 8192u);
}

TEST(UringBuffers, RingBytesArePageRounded) {
  EXPECT_EQ(uring_buf_ring_bytes(1024, sizeof(struct io_uring_buf), 4096), 16384u);
  EXPECT_EQ(uring_buf_ring_bytes(1, sizeof(struct io_uring_buf), 4096), 4096u);
  EXPECT_EQ(uring_buf_ring_bytes(256, 16, 4096), 4096u);
  EXPECT_EQ(uring_buf_ring_bytes(257, 16, 4096), 8192u);
  // The ring mask liburing uses for a valid count.
  EXPECT_EQ(io_uring_buf_ring_mask(1024), 1023);
}

TEST(UringInfo, ListsTheFeaturesInUse) {
  uring_features f{};
  f.mode = "multishot";
  f.setup_flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  f.multishot_accept = true;
  f.read_kind = URING_READ_MULTISHOT;
  f.buffer_ring = true;
  f.buffers = 1024;
  f.buffer_size = 8192;
  f.cq_entries = 65536;
  f.loops = 2;
  f.kernel = "6.18.44";
  char buf[1024];
  int n = uring_features_info(&f, buf, sizeof(buf));
  ASSERT_GT(n, 0);
  std::string s(buf, static_cast<size_t>(n));
  EXPECT_NE(s.find("io_uring_mode:multishot\r\n"), std::string::npos);
  EXPECT_NE(s.find("io_uring_setup_flags:CQSIZE|SINGLE_ISSUER|DEFER_TASKRUN\r\n"),
            std::string::npos);
  EXPECT_NE(s.find("io_uring_multishot_accept:1\r\n"), std::string::npos);
  EXPECT_NE(s.find("io_uring_multishot_recv:1\r\n"), std::string::npos);
  EXPECT_NE(s.find("io_uring_buffer_ring:1\r\n"), std::string::npos);
  EXPECT_NE(s.find("io_uring_loops:2\r\n"), std::string::npos);
  EXPECT_EQ(s.substr(s.size() - 2), "\r\n");
}

TEST(UringInfo, SingleshotPathAndTooSmallBuffer) {
  uring_features f{};
  f.mode = "singleshot";
  f.read_kind = URING_READ_POLL_SCRATCH;
  f.loops = 1;
  char buf[1024];
  int n = uring_features_info(&f, buf, sizeof(buf));
  ASSERT_GT(n, 0);
  std::string s(buf, static_cast<size_t>(n));
  EXPECT_NE(s.find("io_uring_multishot_recv:0\r\n"), std::string::npos);
  EXPECT_NE(s.find("io_uring_buffer_ring:0\r\n"), std::string::npos);
  EXPECT_NE(s.find("io_uring_recv:poll+recv_scratch\r\n"), std::string::npos);
  EXPECT_NE(s.find("io_uring_kernel:unknown\r\n"), std::string::npos);
  char tiny[16];
  EXPECT_EQ(uring_features_info(&f, tiny, sizeof(tiny)), -ENOSPC);
}

}  // namespace
