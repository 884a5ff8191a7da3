// tmon against the original's contract, message by message (COMPAT.md): every
// fixture (the original's exact form) decodes with tmon's readers; tmon's
// writers produce a superset of each fixture's shape; and a reader that
// knows only the original's shape reads tmon's messages and sees tmon's
// content.
#include <gtest/gtest.h>

#include "api/detection_message.h"
#include "messages/codec.h"
#include "messages/frame_view.h"
#include "original_reader.h"

namespace tmon::compat {
namespace {

using messages::RiskLevel;

std::string text(const json& value) {
  return value.dump();
}

std::string jpeg() {
  return fixture("kafka_assessment_task.json")["groupImageBase64"];
}

// "path: problem" lines, or "" when tmon's shape covers the original's.
std::string shape_problems(const json& original, const json& candidate,
                           const std::vector<std::string>& allowed = {}) {
  std::string problems;
  for (const auto& problem : missing_shape(original, candidate)) {
    bool excused = false;
    for (const auto& prefix : allowed) excused = excused || problem.rfind(prefix, 0) == 0;
    if (!excused) problems += problem + "\n";
  }
  return problems;
}

// ---- the original's messages decode with tmon's readers ------------------

TEST(OriginalMessagesDecode, DetectionResults) {
  const auto frame =
      messages::decode_detection_result(text(fixture("kafka_detection_result.json")));
  ASSERT_TRUE(frame) << frame.error().message;
  EXPECT_EQ(frame->cameraId, messages::CameraId::integer(3));
  EXPECT_EQ(frame->requestId, "3f0c6a1e-5d3b-4c1e-9a77-2b1f4f0c8e21");  // the messageId
  EXPECT_EQ(frame->captureTs, 1'795'767'302'118);  // frameTimestamp, to the millisecond
  EXPECT_EQ(frame->detectedTs, frame->captureTs + 34);
  EXPECT_EQ(frame->modelType, "yolov8n");
  ASSERT_EQ(frame->detectedObjects.size(), 4u);
  EXPECT_EQ(frame->detectedObjects[0].className, "person");
  ASSERT_EQ(frame->trafficGroups.size(), 2u);
  EXPECT_EQ(frame->trafficGroups[1].groupIndex, 2);
  EXPECT_EQ(frame->trafficGroups[1].objectIds, (std::vector<int>{2, 3}));
  ASSERT_EQ(frame->groupImages.size(), 2u);
  EXPECT_EQ(frame->groupImages[0].imageBase64, jpeg());  // once, not the data URI too
}

TEST(OriginalMessagesDecode, AssessmentTasks) {
  const auto task = messages::decode_assessment_task(text(fixture("kafka_assessment_task.json")));
  ASSERT_TRUE(task) << task.error().message;
  EXPECT_EQ(task->taskId, "3f0c6a1e-5d3b-4c1e-9a77-2b1f4f0c8e21_group1");
  EXPECT_EQ(task->cameraId, messages::CameraId::integer(3));
  EXPECT_EQ(task->imageBase64, jpeg());
  EXPECT_EQ(task->objects.size(), 2u);
  EXPECT_EQ(task->frameTaskCount, 0);  // unknown: the aggregator counts the frame's groups
  EXPECT_EQ(task->deadlineTs, 0);      // the scheduler counts from the task's arrival
}

TEST(OriginalMessagesDecode, ResultsJudgedByTheirTopLevelResults) {
  const auto ok =
      messages::decode_assessment_result(text(fixture("kafka_risk_assessment_result.json")));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->taskId, "3f0c6a1e-5d3b-4c1e-9a77-2b1f4f0c8e21_group1");
  EXPECT_EQ(ok->status, messages::ResultStatus::kOk);
  ASSERT_TRUE(ok->riskAssessment);
  EXPECT_EQ(ok->riskAssessment->maxRiskLevel, RiskLevel::kMedium);
  EXPECT_TRUE(ok->riskAssessment->hasDangerousDriving);
  EXPECT_EQ(ok->riskAssessment->results[0].riskTypes, std::vector<std::string>{"人车冲突"});
  EXPECT_EQ(ok->metadata.llmLatencyMs, 1'210);
  EXPECT_EQ(ok->metadata.attempts, 1);
  EXPECT_EQ(ok->frameTaskCount, 0);

  const auto failed =
      messages::decode_assessment_result(text(fixture("kafka_risk_assessment_result_error.json")));
  ASSERT_TRUE(failed) << failed.error().message;
  EXPECT_EQ(failed->status, messages::ResultStatus::kError);
  EXPECT_EQ(failed->message, "Request timed out after 30 s");
  EXPECT_FALSE(failed->riskAssessment);
}

TEST(OriginalMessagesDecode, MergedViewAndAlert) {
  const auto view = messages::decode_frame_view(text(fixture("redis_camera_latest.json")));
  ASSERT_TRUE(view) << view.error().message;
  EXPECT_EQ(view->requestId, "3f0c6a1e-5d3b-4c1e-9a77-2b1f4f0c8e21");
  ASSERT_TRUE(view->detection);
  EXPECT_EQ(view->detection->trafficGroups.size(), 2u);
  EXPECT_EQ(view->maxRiskLevel, RiskLevel::kMedium);
  ASSERT_EQ(view->results.size(), 1u);

  const auto alert = messages::decode_alert(text(fixture("alert.json")));
  ASSERT_TRUE(alert) << alert.error().message;
  EXPECT_EQ(alert->riskLevel, RiskLevel::kHigh);
  EXPECT_EQ(alert->startedTs, 1'795'767'300'500);
  EXPECT_TRUE(alert->isContinuation);
}

// ---- tmon's messages are supersets of the original's ---------------------

TEST(TmonMessagesAreSupersets, DetectionResults) {
  const json original = fixture("kafka_detection_result.json");
  const auto frame = messages::decode_detection_result(text(original));
  ASSERT_TRUE(frame);
  // The one field left out on purpose: the crop again as a data URI (an
  // image travels once).
  EXPECT_EQ(
      shape_problems(original, json::parse(messages::encode(*frame)), {"groupImages[0].dataUri"}),
      "");
}

TEST(TmonMessagesAreSupersets, TasksResultsViewsAndAlerts) {
  for (const char* name : {"kafka_assessment_task.json"}) {
    const json original = fixture(name);
    const auto task = messages::decode_assessment_task(text(original));
    ASSERT_TRUE(task);
    EXPECT_EQ(shape_problems(original, json::parse(messages::encode(*task))), "") << name;
  }
  for (const char* name :
       {"kafka_risk_assessment_result.json", "kafka_risk_assessment_result_error.json"}) {
    const json original = fixture(name);
    const auto result = messages::decode_assessment_result(text(original));
    ASSERT_TRUE(result);
    EXPECT_EQ(shape_problems(original, json::parse(messages::encode(*result))), "") << name;
  }
  const json view = fixture("redis_camera_latest.json");
  const auto decoded_view = messages::decode_frame_view(text(view));
  ASSERT_TRUE(decoded_view);
  EXPECT_EQ(shape_problems(view, json::parse(messages::encode(*decoded_view))), "");

  const json alert = fixture("alert.json");
  const auto decoded_alert = messages::decode_alert(text(alert));
  ASSERT_TRUE(decoded_alert);
  EXPECT_EQ(shape_problems(alert, json::parse(messages::encode(*decoded_alert, 0))), "");
}

TEST(TmonMessagesAreSupersets, WebSocketDetectionResult) {
  const json original = fixture("ws_detection_result.json");
  auto frame = messages::decode_detection_result(text(fixture("kafka_detection_result.json")));
  ASSERT_TRUE(frame);
  frame->thumbnailBase64 = jpeg();
  // Its newest assessment: group 1 high, on display.
  messages::FrameView assessed;
  assessed.cameraId = frame->cameraId;
  assessed.requestId = frame->requestId;
  assessed.captureTs = frame->captureTs;
  assessed.storedTs = frame->captureTs + 1'000;
  assessed.maxRiskLevel = RiskLevel::kHigh;
  assessed.hasDangerousDriving = true;
  assessed.results = {{{1, RiskLevel::kHigh, 0.85, {"人车冲突"}, "行人闯入机动车道", 2, {0, 1}},
                       frame->trafficGroups[0].groupId,
                       "t"}};
  messages::ResultMetadata metadata;
  metadata.llmLatencyMs = 1'210;
  metadata.llmModel = "qwen-vl-plus";
  assessed.tasks = {{"t", "g", 1, messages::ResultStatus::kOk, "", "", metadata}};
  messages::Alert alert;
  alert.groupIndex = 1;
  alert.riskLevel = RiskLevel::kHigh;
  alert.displayUntilTs = frame->captureTs + 3'000;
  assessed.alerts = {alert};
  const json data = json::parse(messages::dump(
      api::detection_result_data(*frame, &assessed, {"person", "car"}, frame->captureTs)));
  EXPECT_EQ(shape_problems(original["data"], data), "");
  const Frame read = read_frame(data);
  EXPECT_EQ(read.trafficGroups[0].riskLevel, "blue");
  EXPECT_EQ(read.trafficGroups[1].riskLevel, "gray");
  EXPECT_EQ(read.alerts.size(), 1u);
}

// ---- the original's reader sees tmon's content ---------------------------

messages::DetectionResult tmon_frame() {
  messages::DetectionResult frame;
  frame.cameraId = messages::CameraId::integer(77);
  frame.requestId = "77-1795767302118-9";
  frame.captureTs = 1'795'767'302'118;
  frame.detectedTs = frame.captureTs + 21;
  frame.imageWidth = 640;
  frame.imageHeight = 360;
  frame.modelType = "motion";
  // Track ids, not positions: the original names members by position.
  frame.detectedObjects = {{41, "car", 2, 0.9, {10, 10, 50, 30}},
                           {17, "person", 0, 0.7, {200, 10, 212, 40}},
                           {52, "truck", 7, 0.8, {55, 5, 150, 40}}};
  frame.trafficGroups = {{1, "77-g4", {52, 41}, {10, 5, 150, 40}, {}, {}}};
  frame.groupImages = {{1, "77-g4", jpeg(), 48, 24}};
  return frame;
}

TEST(OriginalReaderSeesTmonsContent, DetectionResults) {
  const auto frame = tmon_frame();
  const Detection read = read_detection(json::parse(messages::encode(frame)));
  EXPECT_EQ(read.cameraId, 77);
  EXPECT_EQ(read.timestamp, "2026-11-27T08:15:02.118Z");
  EXPECT_EQ(read.messageId, frame.requestId);
  ASSERT_EQ(read.detectedObjects.size(), 3u);
  EXPECT_EQ(read.detectedObjects[1], (Object{"person", 0.7, {200, 10, 212, 40}, 0}));
  ASSERT_EQ(read.trafficGroups.size(), 1u);
  const Group& group = read.trafficGroups[0];
  EXPECT_EQ(group.memberIndices, (std::vector<int>{2, 0}));  // objects 52 and 41
  EXPECT_EQ(group.objectCount, 2);
  EXPECT_EQ(group.classes, (std::vector<std::string>{"car", "truck"}));
  EXPECT_DOUBLE_EQ(group.averageConfidence, 0.85);
  EXPECT_EQ(read.groupImages[0].imageBase64, jpeg());
  EXPECT_EQ(read.groupImages[0].classes, group.classes);
}

TEST(OriginalReaderSeesTmonsContent, TasksAndResults) {
  messages::AssessmentTask task;
  task.taskId = "77-1795767302118-9:77-g4";
  task.cameraId = messages::CameraId::integer(77);
  task.requestId = "77-1795767302118-9";
  task.groupIndex = 1;
  task.captureTs = 1'795'767'302'118;
  task.deadlineTs = task.captureTs + 10'000;
  task.imageBase64 = jpeg();
  task.objects = {tmon_frame().detectedObjects[0], tmon_frame().detectedObjects[2]};
  const Task read_back = read_task(json::parse(messages::encode(task)));
  EXPECT_EQ(read_back.cameraId, 77);
  EXPECT_EQ(read_back.groupImageBase64, jpeg());
  EXPECT_EQ(read_back.detectedObjects.size(), 2u);
  EXPECT_EQ(read_back.metadataObjectCount, 2);
  EXPECT_EQ(read_back.metadataClasses, (std::vector<std::string>{"car", "truck"}));

  messages::AssessmentResult result;
  result.taskId = task.taskId;
  result.cameraId = task.cameraId;
  result.requestId = task.requestId;
  result.groupIndex = 1;
  result.captureTs = task.captureTs;
  result.riskAssessment = messages::RiskAssessment{
      true, RiskLevel::kHigh, {{1, RiskLevel::kHigh, 0.9, {"跟车过近"}, "太近", 2, {0, 1}}}};
  result.metadata.llmLatencyMs = 1'500;
  result.metadata.attempts = 2;
  result.metadata.llmModel = "qwen-vl-plus";
  result.metadata.apiKeyId = "key-1";
  const Result ok = read_result(json::parse(messages::encode(result)));
  EXPECT_TRUE(ok.succeeded());
  EXPECT_EQ(ok.messageId, task.taskId + "_result");
  EXPECT_EQ(ok.cameraId, 77);
  ASSERT_EQ(ok.results.size(), 1u);
  EXPECT_EQ(ok.results[0].riskLevel, "high");
  EXPECT_EQ(ok.results[0].riskTypes, std::vector<std::string>{"跟车过近"});
  EXPECT_DOUBLE_EQ(ok.llmLatency, 1.5);
  EXPECT_EQ(ok.retryCount, 1);
  EXPECT_FALSE(ok.error);

  result.status = messages::ResultStatus::kExpired;
  result.code = "deadline_exceeded";
  result.message = "the task was 10 s old";
  const Result failed = read_result(json::parse(messages::encode(result)));
  EXPECT_FALSE(failed.succeeded());
  EXPECT_EQ(failed.error, "deadline_exceeded: the task was 10 s old");
}

TEST(OriginalReaderSeesTmonsContent, MergedView) {
  messages::FrameView view;
  view.detection = tmon_frame();
  view.cameraId = view.detection->cameraId;
  view.requestId = view.detection->requestId;
  view.captureTs = view.detection->captureTs;
  view.storedTs = view.captureTs + 1'300;
  view.hasDangerousDriving = true;
  view.maxRiskLevel = RiskLevel::kHigh;
  view.results = {{{1, RiskLevel::kHigh, 0.9, {"跟车过近"}, "太近", 2, {0, 1}}, "77-g4", "t"}};
  messages::ResultMetadata metadata;
  metadata.llmLatencyMs = 1'250;
  metadata.llmModel = "qwen-vl-plus";
  view.tasks = {{"t", "77-g4", 1, messages::ResultStatus::kOk, "", "", metadata}};
  const MergedView read = read_merged_view(json::parse(messages::encode(view)));
  EXPECT_EQ(read.detection.cameraId, 77);
  EXPECT_EQ(read.detection.detectedObjects.size(), 3u);
  EXPECT_EQ(read.detection.trafficGroups[0].memberIndices, (std::vector<int>{2, 0}));
  ASSERT_EQ(read.allGroupResults.size(), 1u);
  EXPECT_EQ(read.allGroupResults[0].description, "太近");
  EXPECT_EQ(read.resultCount, 1);
  EXPECT_EQ(read.groupCount, 1);
  EXPECT_TRUE(read.hasDangerousDriving);
  EXPECT_EQ(read.maxRiskLevel, "high");
  EXPECT_DOUBLE_EQ(read.llmLatency, 1.25);
  EXPECT_EQ(read.llmModel, "qwen-vl-plus");
}

}  // namespace
}  // namespace tmon::compat
