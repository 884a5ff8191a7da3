#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "messages/frame_view.h"
#include "messages/tests/test_messages.h"

namespace tmon::messages {
namespace {

using nlohmann::json;
using testing::error_of;

Alert full_alert() {
  return Alert{.alertId = "3:g1:1000",
               .cameraId = CameraId::integer(3),
               .groupId = "3-g1",
               .groupIndex = 1,
               .requestId = "r-1",
               .taskId = "r-1:3-g1",
               .riskLevel = RiskLevel::kHigh,
               .riskTypes = {"跟车过近", "危险变道"},
               .description = testing::kTrickyText,
               .confidence = 0.75,
               .dangerObjectIds = {0, 2},
               .dangerObjectCount = 2,
               .startedTs = 1'795'843'270'000,
               .lastUpdatedTs = 1'795'843'272'500,
               .displayUntilTs = 1'795'843'302'500,
               .isContinuation = true,
               .updateCount = 2,
               .isStale = false};
}

FrameView full_view() {
  FrameView view;
  DetectionResult detection = testing::full_detection_result();
  detection.cameraId = CameraId::integer(3);
  detection.captureTs = 1'795'843'270'000;
  detection.detectedTs = 1'795'843'270'034;
  detection.thumbnailBase64.clear();  // a view never carries the live frame
  detection.modelType = "motion";
  view.cameraId = detection.cameraId;
  view.requestId = detection.requestId;
  view.captureTs = detection.captureTs;
  view.storedTs = detection.captureTs + 1'500;
  view.expectedResults = 2;
  view.detection = detection;
  view.hasDangerousDriving = true;
  view.maxRiskLevel = RiskLevel::kHigh;
  view.results = {
      {GroupRisk{1, RiskLevel::kHigh, 0.75, {"跟车过近"}, "close", 2, {0, 1}}, "g-1", "t-1"}};
  ResultMetadata metadata;
  metadata.llmLatencyMs = 1210;
  metadata.attempts = 1;
  metadata.llmModel = "qwen-vl-plus";
  view.tasks = {TaskOutcome{"t-1", "g-1", 1, ResultStatus::kOk, "", "", metadata},
                TaskOutcome{"t-2", "g-2", 2, ResultStatus::kExpired, "deadline_exceeded",
                            "too late", ResultMetadata{}}};
  view.alerts = {full_alert()};
  return view;
}

TEST(FrameViewCodecTest, RoundTrips) {
  const FrameView original = full_view();
  const Result<FrameView> decoded = decode_frame_view(encode(original));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, original);
}

TEST(FrameViewCodecTest, IsTheOriginalMergedViewWithTmonsFieldsBeside) {
  const json view = json::parse(encode(full_view()));
  // The original's merged view: the detection at the top level...
  for (const char* field : {"cameraId", "timestamp", "detectedObjects", "trafficGroups",
                            "groupImages", "imageWidth", "imageHeight", "messageId"}) {
    EXPECT_TRUE(view.contains(field)) << field;
  }
  EXPECT_EQ(view["cameraId"], 3);
  EXPECT_EQ(view["timestamp"], "2026-11-28T05:21:10.000Z");
  // ...merged with its assessment.
  const json& assessment = view["riskAssessment"];
  ASSERT_EQ(assessment["allGroupResults"].size(), 1u);
  EXPECT_EQ(assessment["allGroupResults"][0]["riskLevel"], "high");
  EXPECT_EQ(assessment["allGroupResults"][0]["riskTypes"][0], "跟车过近");
  EXPECT_EQ(assessment["resultCount"], 1);
  EXPECT_EQ(assessment["groupCount"], 2);  // results received, as the original counts them
  EXPECT_EQ(view["hasDangerousDriving"], true);
  EXPECT_EQ(view["maxRiskLevel"], "high");
  EXPECT_DOUBLE_EQ(view["llmLatency"].get<double>(), 1.21);
  EXPECT_EQ(view["llmModel"], "qwen-vl-plus");
  // tmon's own.
  EXPECT_EQ(view["latencyMs"], 1'500);
  EXPECT_EQ(view["receivedResults"], 2);
  EXPECT_EQ(view["tasks"][1]["code"], "deadline_exceeded");
  EXPECT_FALSE(view.contains("thumbnailBase64"));
}

TEST(FrameViewCodecTest, HistoryFormLeavesTheCropsOut) {
  const json view = json::parse(encode(full_view(), ViewImages::kOmit));
  ASSERT_FALSE(view["groupImages"].empty());
  for (const auto& image : view["groupImages"]) {
    EXPECT_FALSE(image.contains("imageBase64"));
    EXPECT_TRUE(image.contains("imageWidth"));
  }
  const Result<FrameView> decoded = decode_frame_view(view.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(decoded->detection->groupImages[0].imageBase64.empty());
}

TEST(FrameViewCodecTest, WithoutItsDetectionSaysSoAsTheOriginalDid) {
  FrameView view = full_view();
  view.detection.reset();
  const json encoded = json::parse(encode(view));
  EXPECT_FALSE(encoded.contains("detectedObjects"));
  EXPECT_EQ(encoded["riskAssessment"]["warning"],
            "Detection data not found, showing partial results");
  const Result<FrameView> decoded = decode_frame_view(encoded.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, view);
}

TEST(FrameViewCodecTest, NeedsCameraAndFrame) {
  json view = json::parse(encode(full_view()));
  view.erase("requestId");
  EXPECT_EQ(error_of(decode_frame_view(view.dump())), "requestId: required field missing");
}

TEST(AlertCodecTest, HasTheOriginalShapeWithTimesInSeconds) {
  const Alert alert = full_alert();
  // Two seconds after its last update, 28 s are left on display.
  const json encoded = json::parse(encode(alert, alert.lastUpdatedTs + 2'000));
  for (const char* field :
       {"groupIndex", "riskLevel", "riskTypes", "dangerObjectIds", "dangerObjectCount",
        "description", "confidence", "displayDuration", "isContinuation", "isMerged", "startedAt",
        "lastUpdatedAt", "isStale"}) {
    EXPECT_TRUE(encoded.contains(field)) << field;
  }
  EXPECT_DOUBLE_EQ(encoded["displayDuration"].get<double>(), 28.0);
  EXPECT_DOUBLE_EQ(encoded["startedAt"].get<double>(), 1'795'843'270.0);
  EXPECT_DOUBLE_EQ(encoded["lastUpdatedAt"].get<double>(), 1'795'843'272.5);
  EXPECT_EQ(encoded["isMerged"], true);  // two risk types
  EXPECT_EQ(encoded["cameraId"], 3);
  // Past its display time the duration is 0, never negative.
  EXPECT_EQ(json::parse(encode(alert, alert.displayUntilTs + 1))["displayDuration"], 0.0);
}

TEST(AlertCodecTest, RoundTrips) {
  const Alert original = full_alert();
  const Result<Alert> decoded = decode_alert(encode(original, original.lastUpdatedTs));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, original);
}

TEST(AlertCodecTest, ReadsTheOriginalsOwnAlert) {
  const json original{{"groupIndex", 2},
                      {"riskLevel", "medium"},
                      {"riskTypes", {"人车冲突"}},
                      {"dangerObjectIds", {1, 3}},
                      {"dangerObjectCount", 2},
                      {"description", "行人靠近车辆"},
                      {"confidence", 0.8},
                      {"displayDuration", 2.5},
                      {"isContinuation", false},
                      {"isMerged", false},
                      {"startedAt", 1795843270.25},
                      {"lastUpdatedAt", 1795843271.5},
                      {"isStale", true}};
  const Result<Alert> decoded = decode_alert(original.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->riskLevel, RiskLevel::kMedium);
  EXPECT_EQ(decoded->startedTs, 1'795'843'270'250);
  EXPECT_EQ(decoded->lastUpdatedTs, 1'795'843'271'500);
  EXPECT_EQ(decoded->displayUntilTs, 1'795'843'274'000);
  EXPECT_TRUE(decoded->isStale);
}

}  // namespace
}  // namespace tmon::messages
