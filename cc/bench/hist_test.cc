// hist_test.cc - the open-loop generator's histogram against inputs whose
// percentiles are known exactly: the 1% bound, exact small values, exact
// extremes, merging, and the empty histogram.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>

extern "C" {
#include "cc/bench/hist.h"
}

namespace {

std::unique_ptr<hist> Fresh() {
  auto h = std::make_unique<hist>();
  hist_init(h.get());
  return h;
}

double RelErr(uint64_t got, uint64_t want) {
  return std::fabs(static_cast<double>(got) - static_cast<double>(want)) /
         static_cast<double>(want);
}

TEST(Hist, EveryBucketHoldsOnlyValuesWithinOnePercent) {
  for (uint64_t v = 1; v < (uint64_t{1} << 40); v = v * 3 / 2 + 1) {
    unsigned i = hist_index(v);
    ASSERT_LT(i, HIST_BUCKETS);
    EXPECT_LE(hist_bucket_low(i), v);
    EXPECT_GE(hist_bucket_high(i), v);
    uint64_t mid = hist_bucket_low(i) + (hist_bucket_high(i) - hist_bucket_low(i)) / 2;
    EXPECT_LE(RelErr(mid, v), 0.01) << v;
  }
}

TEST(Hist, BucketsTileTheRangeWithoutGaps) {
  for (unsigned i = 1; i < HIST_BUCKETS; i++)
    ASSERT_EQ(hist_bucket_low(i), hist_bucket_high(i - 1) + 1) << i;
}

TEST(Hist, SmallValuesAreExact) {
  auto h = Fresh();
  for (uint64_t v = 0; v < 256; v++) hist_record(h.get(), v);
  EXPECT_EQ(hist_quantile(h.get(), 0.5), 127u);  // rank 128 of 0..255
  EXPECT_EQ(hist_quantile(h.get(), 0.0), 0u);
  EXPECT_EQ(hist_quantile(h.get(), 1.0), 255u);
}

TEST(Hist, UniformMillionHasKnownPercentiles) {
  auto h = Fresh();
  for (uint64_t v = 1; v <= 1000000; v++) hist_record(h.get(), v);
  EXPECT_EQ(h->total, 1000000u);
  const double qs[] = {0.5, 0.9, 0.99, 0.999, 0.9999};
  for (double q : qs) {
    uint64_t want = static_cast<uint64_t>(std::ceil(q * 1000000));
    EXPECT_LE(RelErr(hist_quantile(h.get(), q), want), 0.01) << q;
  }
  EXPECT_EQ(hist_quantile(h.get(), 1.0), 1000000u);
  EXPECT_EQ(hist_quantile(h.get(), 0.0), 1u);
}

TEST(Hist, TailOfOneSlowValueInTenThousand) {
  auto h = Fresh();
  for (int i = 0; i < 9999; i++) hist_record(h.get(), 50000);  // 50 us
  hist_record(h.get(), 200000000);                             // a 200 ms stall
  EXPECT_LE(RelErr(hist_quantile(h.get(), 0.999), 50000), 0.01);
  EXPECT_EQ(hist_quantile(h.get(), 0.99999), 200000000u);
  EXPECT_EQ(h->max, 200000000u);
}

TEST(Hist, RandomValuesAgainstSortedTruth) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(11.0, 2.0);  // ns: ~60 us median, long tail
  std::vector<uint64_t> vals;
  auto h = Fresh();
  for (int i = 0; i < 200000; i++) {
    uint64_t v = static_cast<uint64_t>(dist(rng)) + 1;
    vals.push_back(v);
    hist_record(h.get(), v);
  }
  std::sort(vals.begin(), vals.end());
  for (double q : {0.5, 0.9, 0.99, 0.999, 0.9999}) {
    size_t rank = static_cast<size_t>(std::ceil(q * vals.size()));
    EXPECT_LE(RelErr(hist_quantile(h.get(), q), vals[rank - 1]), 0.01) << q;
  }
}

TEST(Hist, MergeEqualsRecordingEverythingInOne) {
  auto a = Fresh(), b = Fresh(), all = Fresh();
  for (uint64_t v = 1; v < 100000; v += 7) {
    hist_record(v % 2 ? a.get() : b.get(), v * 13);
    hist_record(all.get(), v * 13);
  }
  hist_merge(a.get(), b.get());
  EXPECT_EQ(a->total, all->total);
  EXPECT_EQ(a->min, all->min);
  EXPECT_EQ(a->max, all->max);
  for (double q : {0.1, 0.5, 0.99, 0.9999})
    EXPECT_EQ(hist_quantile(a.get(), q), hist_quantile(all.get(), q));
}

TEST(Hist, HugeValuesClampIntoTheLastBucketButKeepTheMax) {
  auto h = Fresh();
  hist_record(h.get(), UINT64_MAX);
  EXPECT_EQ(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
  EXPECT_EQ(hist_quantile(h.get(), 0.5), UINT64_MAX);
}

TEST(Hist, EmptyReportsZero) {
  auto h = Fresh();
  EXPECT_EQ(hist_quantile(h.get(), 0.99), 0u);
  EXPECT_EQ(h->total, 0u);
}

}  // namespace
