#include "api/detection_message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/tests/test_views.h"

namespace tmon::api {
namespace {

using nlohmann::json;

const std::vector<std::string> kClasses{"person", "car", "truck"};

json data_of(const messages::DetectionResult& frame, const messages::FrameView* assessment,
             int64_t now_ms) {
  return json::parse(messages::dump(detection_result_data(frame, assessment, kClasses, now_ms)));
}

TEST(DetectionMessageTest, CarriesEveryFieldOfTheOriginalsDetectionResult) {
  const auto frame = views::frame(messages::CameraId::integer(3), 1'795'843'302'118);
  const json data = data_of(frame, nullptr, frame.captureTs + 100);
  for (const char* field : {"cameraId",
                            "timestamp",
                            "frame",
                            "imageWidth",
                            "imageHeight",
                            "detectedObjects",
                            "trafficGroups",
                            "groupImages",
                            "alerts",
                            "dangerousDrivingResults",
                            "hasDangerousDriving",
                            "maxRiskLevel",
                            "alertGeneratedAt",
                            "processTime",
                            "llmLatency",
                            "llmModel",
                            "llmRawText",
                            "modelType",
                            "supportedClasses",
                            "trackingEnabled",
                            "serverDrawEnabled",
                            "renderedBy"}) {
    EXPECT_TRUE(data.contains(field)) << field;
  }
  EXPECT_EQ(data["cameraId"], 3);  // an integer stays an integer
  EXPECT_EQ(data["timestamp"], "2026-11-28T05:21:42.118Z");
  EXPECT_EQ(data["frame"], "data:image/jpeg;base64,/9j/thumb");
  EXPECT_FALSE(data.contains("thumbnailBase64"));
  EXPECT_DOUBLE_EQ(data["processTime"].get<double>(), 0.034);
  EXPECT_EQ(data["modelType"], "motion");
  EXPECT_EQ(data["supportedClasses"], json(kClasses));
  EXPECT_EQ(data["trackingEnabled"], true);
  EXPECT_EQ(data["serverDrawEnabled"], true);
  EXPECT_EQ(data["renderedBy"], "server");

  const json& car = data["detectedObjects"][0];
  EXPECT_EQ(car["class"], "car");
  EXPECT_EQ(car["confidence"], 0.9);
  EXPECT_EQ(car["bbox"], json({100.0, 100.0, 160.0, 130.0}));
  EXPECT_EQ(car["level"], 0);
  EXPECT_EQ(car["objectId"], 7);

  const json& group = data["trafficGroups"][0];
  EXPECT_EQ(group["groupIndex"], 1);
  EXPECT_EQ(group["objectCount"], 2);
  EXPECT_EQ(group["memberCount"], 2);
  EXPECT_EQ(group["bbox"], group["groupBbox"]);
  EXPECT_EQ(group["classes"], json({"car", "truck"}));
  EXPECT_DOUBLE_EQ(group["averageConfidence"].get<double>(), 0.85);
  EXPECT_EQ(group["avgConfidence"], group["averageConfidence"]);
  EXPECT_EQ(group["memberIndices"], json({0, 2}));  // positions in detectedObjects

  const json& image = data["groupImages"][0];
  EXPECT_EQ(image["imageBase64"], "/9j/crop");  // no data-URI prefix
  EXPECT_EQ(image["imageWidth"], 176);
  EXPECT_EQ(image["memberIndices"], json({0, 2}));
}

TEST(DetectionMessageTest, NothingAssessedYetMeansGrayGroupsAndNoAlerts) {
  const auto frame = views::frame("cam-1", 1'000);
  const json data = data_of(frame, nullptr, 1'500);
  EXPECT_EQ(data["trafficGroups"][0]["riskLevel"], "gray");
  EXPECT_EQ(data["trafficGroups"][0]["riskLevelRaw"], "none");
  EXPECT_EQ(data["groupImages"][0]["riskLevel"], "gray");
  EXPECT_EQ(data["alerts"], json::array());
  EXPECT_EQ(data["hasDangerousDriving"], false);
  EXPECT_EQ(data["maxRiskLevel"], "none");
  EXPECT_TRUE(data["llmLatency"].is_null());
  EXPECT_TRUE(data["llmModel"].is_null());
  EXPECT_DOUBLE_EQ(data["alertGeneratedAt"].get<double>(), 1.5);
}

TEST(DetectionMessageTest, GroupsWearTheirNewestAssessmentByStableGroupId) {
  auto assessed = views::view("cam-1", 1'000, messages::RiskLevel::kMedium);
  messages::Alert alert;
  alert.groupId = "cam-1-g1";
  alert.groupIndex = 1;
  alert.riskLevel = messages::RiskLevel::kHigh;
  alert.startedTs = 1'000;
  alert.lastUpdatedTs = 1'000;
  alert.displayUntilTs = 4'000;
  messages::Alert over = alert;
  over.groupId = "cam-1-g2";
  over.displayUntilTs = 2'999;
  assessed.alerts = {alert, over};
  // A later frame of the same camera: the group keeps its id.
  const auto frame = views::frame("cam-1", 3'000);
  const json data = data_of(frame, &assessed, 3'000);
  const json& group = data["trafficGroups"][0];
  EXPECT_EQ(group["riskLevel"], "orange");  // medium, as the original colours it
  EXPECT_EQ(group["riskLevelRaw"], "medium");
  EXPECT_EQ(group["riskTypes"], json({"跟车过近"}));
  EXPECT_EQ(group["alertDescription"], "车距过近");
  EXPECT_EQ(group["alertConfidence"], 0.8);
  EXPECT_EQ(group["dangerObjectCount"], 2);
  EXPECT_EQ(group["triggerObjectIds"], json({0, 1}));
  EXPECT_EQ(data["groupImages"][0]["riskLevel"], "orange");
  EXPECT_EQ(data["groupImages"][0]["riskLevelRaw"], "medium");
  // Alerts on display now only, with the time they have left.
  ASSERT_EQ(data["alerts"].size(), 1u);
  EXPECT_EQ(data["alerts"][0]["groupIndex"], 1);
  EXPECT_DOUBLE_EQ(data["alerts"][0]["displayDuration"].get<double>(), 1.0);
  EXPECT_EQ(data["dangerousDrivingResults"], data["alerts"]);
  EXPECT_EQ(data["maxRiskLevel"], "medium");
  EXPECT_DOUBLE_EQ(data["llmLatency"].get<double>(), 1.1);
  EXPECT_EQ(data["llmModel"], "qwen-vl-plus");
  EXPECT_DOUBLE_EQ(data["alertGeneratedAt"].get<double>(), 2.2);  // when it was stored
  EXPECT_EQ(data["assessedRequestId"], assessed.requestId);
}

TEST(DetectionMessageTest, AViewIsItsOwnFrameAndAssessment) {
  const auto view = views::view("cam-1", 1'000, messages::RiskLevel::kHigh);
  const json data =
      json::parse(messages::dump(detection_result_data(view, kClasses, view.storedTs)));
  EXPECT_EQ(data["trafficGroups"][0]["riskLevel"], "blue");
  EXPECT_EQ(data["maxRiskLevel"], "high");
  EXPECT_EQ(data["riskAssessment"]["resultCount"], 1);
  EXPECT_EQ(data["storedTs"], view.storedTs);
  EXPECT_FALSE(data.contains("frame"));  // no picture where no camera is pulled
  EXPECT_EQ(data["serverDrawEnabled"], false);
}

}  // namespace
}  // namespace tmon::api
