#include "messages/freshness.h"

#include <gtest/gtest.h>

#include <limits>

namespace tmon::messages {
namespace {

constexpr int64_t kNow = 1'795'843'302'118;  // 2026-11-27

TEST(CheckCaptureTsTest, AcceptsTheWindowAndAnAbsentTime) {
  EXPECT_TRUE(check_capture_ts(kNow, kNow));
  EXPECT_TRUE(check_capture_ts(kNow + kMaxCaptureLeadMs, kNow));
  EXPECT_TRUE(check_capture_ts(kNow - kMaxCaptureAgeMs, kNow));
  EXPECT_TRUE(check_capture_ts(0, kNow));  // the original's tasks may carry none
}

TEST(CheckCaptureTsTest, RejectsFarFutureAndAncientTimesWithAReason) {
  const auto future = check_capture_ts(kNow + kMaxCaptureLeadMs + 1, kNow);
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().message.find("captureTs: out of range"), std::string::npos);
  EXPECT_NE(future.error().message.find("future"), std::string::npos);
  const auto ancient = check_capture_ts(kNow - kMaxCaptureAgeMs - 1, kNow);
  ASSERT_FALSE(ancient);
  EXPECT_NE(ancient.error().message.find("1 day old"), std::string::npos);
  // Extremes do not overflow.
  EXPECT_FALSE(check_capture_ts(std::numeric_limits<int64_t>::max(), kNow));
  EXPECT_FALSE(check_capture_ts(std::numeric_limits<int64_t>::min(), kNow));
  EXPECT_FALSE(check_capture_ts(1, kNow));
}

}  // namespace
}  // namespace tmon::messages
