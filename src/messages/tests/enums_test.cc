#include <gtest/gtest.h>

#include "messages/messages.h"

namespace tmon::messages {
namespace {

TEST(EnumsTest, RiskLevelNamesRoundTrip) {
  for (const RiskLevel level : {RiskLevel::kNone, RiskLevel::kLow, RiskLevel::kMedium,
                                RiskLevel::kHigh, RiskLevel::kCritical}) {
    EXPECT_EQ(parse_risk_level(to_string(level)), level) << to_string(level);
  }
  EXPECT_EQ(to_string(RiskLevel::kNone), "none");
  EXPECT_EQ(to_string(RiskLevel::kCritical), "critical");
}

TEST(EnumsTest, ResultStatusNamesRoundTrip) {
  for (const ResultStatus status :
       {ResultStatus::kOk, ResultStatus::kError, ResultStatus::kExpired, ResultStatus::kRejected}) {
    EXPECT_EQ(parse_result_status(to_string(status)), status) << to_string(status);
  }
  EXPECT_EQ(to_string(ResultStatus::kOk), "ok");
  EXPECT_EQ(to_string(ResultStatus::kRejected), "rejected");
}

TEST(EnumsTest, ParsingIsExactAndLowercase) {
  EXPECT_EQ(parse_risk_level("High"), std::nullopt);
  EXPECT_EQ(parse_risk_level(" high"), std::nullopt);
  EXPECT_EQ(parse_risk_level(""), std::nullopt);
  EXPECT_EQ(parse_result_status("OK"), std::nullopt);
  EXPECT_EQ(parse_result_status("timeout"), std::nullopt);
}

}  // namespace
}  // namespace tmon::messages
