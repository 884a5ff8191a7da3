#pragma once

// Fully populated messages and small helpers shared by the codec tests.

#include <cstdint>
#include <limits>
#include <string>

#include "common/result.h"
#include "messages/messages.h"

namespace tmon::messages::testing {

// Quotes, backslashes, control characters, accents, CJK and an emoji: every
// string escape path of the encoder.
inline const std::string kTrickyText =
    "say \"hi\"\\ /\n\t\x01 caf\xC3\xA9 \xE8\xB7\xAF\xE5\x8F\xA3 \xF0\x9F\x9A\x97";

inline DetectedObject full_object(int id) {
  return DetectedObject{.objectId = id,
                        .className = id % 2 == 0 ? "car" : "traffic light",
                        .classId = id % 2 == 0 ? 2 : 9,
                        .confidence = 0.1 + (id % 5) * 0.2,  // within [0, 1]
                        .bbox = {1.5 + id, -2.25, 1919.75, 1e-3}};
}

inline GroupFeatures full_features() {
  return GroupFeatures{.classCounts = {{"car", 2}, {"person", 1}, {"\xE8\xBD\xA6", 3}},
                       .minSpacing = 12.125,
                       .minPersonVehicleDistance = 0.1,
                       .density = 0.3333333333333333,
                       .speed = -4.5e-7,
                       .heading = 359.99};
}

inline GroupSafety full_safety() {
  return GroupSafety{
      .minTtc = 1.25,
      .minPet = 0.5,
      .conflict = true,
      .units = "m",
      .pairs = {ConflictPair{0, 1, 1.25, -1, 3.5, 2.75, true},
                ConflictPair{1, 0, -1, 0.5, 12.0, -0.125, true}},
      .members = {MemberMotion{0, 1.5, -2.0, 2.5, -53.13}, MemberMotion{1, 0, 0, 0, 0}}};
}

inline DetectionResult full_detection_result() {
  DetectionResult message;
  message.cameraId = "cam-" + kTrickyText;
  message.requestId = "req-" + kTrickyText;
  message.frameNumber = std::numeric_limits<int64_t>::min();
  message.captureTs = -1'234'567'890'123;
  message.detectedTs = std::numeric_limits<int64_t>::max();
  message.imageWidth = 1920;
  message.imageHeight = 1080;
  message.detectedObjects = {full_object(0), full_object(1), full_object(2)};
  message.trafficGroups = {
      TrafficGroup{.groupIndex = 0,
                   .groupId = "g-\xE2\x82\xAC",
                   .objectIds = {0, 1},
                   .bbox = {0, 0, 100, 100},
                   .features = full_features(),
                   .safety = full_safety()},
      TrafficGroup{1, "g2", {2}, {5, 6, 7, 8}, GroupFeatures{}, GroupSafety{}},
  };
  message.groupImages = {
      GroupImage{
          .groupIndex = 0, .groupId = "g1", .imageBase64 = "/9j/4AAQ", .width = 64, .height = 48},
      GroupImage{.groupIndex = 1, .groupId = "g2", .imageBase64 = "AAAA", .width = 1, .height = 2},
  };
  message.thumbnailBase64 = "dGh1bWI=";
  return message;
}

inline AssessmentTask full_assessment_task() {
  AssessmentTask task;
  task.taskId = "task-" + kTrickyText;
  task.cameraId = "cam-1";
  task.requestId = "req-1";
  task.groupIndex = 3;
  task.groupId = "cam-1-g3";
  task.captureTs = std::numeric_limits<int64_t>::max();
  task.createdTs = -1;
  task.deadlineTs = std::numeric_limits<int64_t>::min();
  task.priority = -7;
  task.frameTaskCount = 4;
  task.imageBase64 = "aW1hZ2U=";
  task.objects = {full_object(4), full_object(5)};
  task.features = full_features();
  task.safety = full_safety();
  task.triggers = {"conflict", "proximity"};
  return task;
}

inline RiskAssessment full_risk_assessment() {
  return RiskAssessment{
      .hasDangerousDriving = true,
      .maxRiskLevel = RiskLevel::kCritical,
      .results = {GroupRisk{.groupIndex = 0,
                            .riskLevel = RiskLevel::kCritical,
                            .confidence = 0.95,
                            .riskTypes = {"tailgating", "pedestrian_conflict"},
                            .description = kTrickyText,
                            .dangerObjectCount = 2,
                            .triggerObjectIds = {4, 5},
                            .source = "rules"},
                  GroupRisk{1, RiskLevel::kLow, 0, {}, "", 0, {}}},
  };
}

inline AssessmentResult full_assessment_result() {
  AssessmentResult result;
  result.taskId = "task-1";
  result.cameraId = "cam-1";
  result.requestId = "req-\xE2\x9C\x93";
  result.groupIndex = 2;
  result.groupId = "cam-1-g2";
  result.captureTs = 1'714'564'800'123;
  result.completedTs = std::numeric_limits<int64_t>::max();
  result.frameTaskCount = 3;
  result.status = ResultStatus::kOk;
  result.riskAssessment = full_risk_assessment();
  result.source = "rules";
  result.metadata = ResultMetadata{.llmLatencyMs = 1234,
                                   .queueWaitMs = -5,
                                   .attempts = 2,
                                   .apiKeyId = "key-07",
                                   .llmModel = "qwen-vl-max",
                                   .promptTokens = 1000,
                                   .completionTokens = 200,
                                   .totalTokens = 1200,
                                   .schedulerInstance = "sched-" + kTrickyText};
  return result;
}

// The error message of a failed decode, or a marker when it succeeded, so a
// mismatch shows up readably in EXPECT_EQ.
template <typename T>
std::string error_of(const Result<T>& result) {
  return result ? std::string("<decoded without error>") : result.error().message;
}

}  // namespace tmon::messages::testing
