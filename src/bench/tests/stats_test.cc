#include "bench/stats.h"

#include <gtest/gtest.h>

namespace tmon::bench {
namespace {

TEST(DistributionTest, NearestRankPercentiles) {
  std::vector<double> values;
  for (int i = 1; i <= 100; ++i) values.push_back(i);
  const auto d = Distribution::of(values);
  EXPECT_EQ(d.count, 100u);
  EXPECT_DOUBLE_EQ(d.mean, 50.5);
  EXPECT_DOUBLE_EQ(d.p50, 50);
  EXPECT_DOUBLE_EQ(d.p95, 95);
  EXPECT_DOUBLE_EQ(d.p99, 99);
  EXPECT_DOUBLE_EQ(d.max, 100);
}

TEST(DistributionTest, EmptySampleIsAllZero) {
  const auto d = Distribution::of({});
  EXPECT_EQ(d.count, 0u);
  EXPECT_DOUBLE_EQ(d.p99, 0);
}

TEST(ProcessUsageTest, ReportsMemory) {
  const auto usage = ProcessUsage::now();
  EXPECT_GT(usage.peak_rss_kb, 0);
  EXPECT_GT(usage.rss_kb, 0);
}

}  // namespace
}  // namespace tmon::bench
