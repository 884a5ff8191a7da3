#include "common/health.h"

#include <gtest/gtest.h>

namespace tmon {
namespace {

TEST(HealthStatusTest, EachStatusHasOneWordPerAudience) {
  EXPECT_EQ(to_string(HealthStatus::kOk), "ok");
  EXPECT_EQ(to_string(HealthStatus::kDegraded), "degraded");
  EXPECT_EQ(to_string(HealthStatus::kDown), "down");
  EXPECT_EQ(to_guide_word(HealthStatus::kOk), "healthy");
  EXPECT_EQ(to_guide_word(HealthStatus::kDegraded), "degraded");
  EXPECT_EQ(to_guide_word(HealthStatus::kDown), "unhealthy");
}

TEST(HealthStatusTest, WorstIsTheMaximum) {
  EXPECT_EQ(worst(HealthStatus::kOk, HealthStatus::kDegraded), HealthStatus::kDegraded);
  EXPECT_EQ(worst(HealthStatus::kDown, HealthStatus::kDegraded), HealthStatus::kDown);
  EXPECT_EQ(worst(HealthStatus::kOk, HealthStatus::kOk), HealthStatus::kOk);
}

}  // namespace
}  // namespace tmon
