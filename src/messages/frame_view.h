#pragma once

// The merged view of one frame and its alerts (COMPAT.md §3, §4): what
// camera:{id}:latest holds and PUBLISH camera:{id} carries, what the API
// serves and pushes, what `tmon e2e-test` and `tmon bench` follow. One typed
// struct and one codec, so no reader picks fields out of JSON by hand.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "messages/codec.h"
#include "messages/messages.h"

namespace tmon::messages {

// An alert on display: raised when a group's risk reaches the alert level,
// shown until displayUntilTs, continued (same alertId, risk types merged)
// while the group stays risky. Times are capture times, epoch ms.
struct Alert {
  std::string alertId;
  CameraId cameraId;
  std::string groupId;
  int groupIndex = 0;
  std::string requestId;  // the frame that raised or last renewed it
  std::string taskId;
  RiskLevel riskLevel = RiskLevel::kNone;  // the highest seen in the incident
  std::vector<std::string> riskTypes;      // merged over the incident
  std::string description;
  double confidence = 0;
  std::vector<int> dangerObjectIds;
  int dangerObjectCount = 0;
  int64_t startedTs = 0;
  int64_t lastUpdatedTs = 0;
  int64_t displayUntilTs = 0;
  bool isContinuation = false;  // an earlier frame raised it
  int updateCount = 1;
  bool isStale = false;  // still on display, but the newest frame did not renew it
  bool operator==(const Alert&) const = default;
};

// One group's answer in a view, and the task it came from.
struct AssessedGroup {
  GroupRisk risk;
  std::string groupId;
  std::string taskId;
  bool operator==(const AssessedGroup&) const = default;
};

// What became of one task of the frame.
struct TaskOutcome {
  std::string taskId;
  std::string groupId;
  int groupIndex = 0;
  ResultStatus status = ResultStatus::kOk;
  std::string code;     // non-ok
  std::string message;  // non-ok
  ResultMetadata metadata;
  bool operator==(const TaskOutcome&) const = default;
};

// A frame merged with its assessment. In JSON it is the original's merged
// view: every detection field at the top level, `riskAssessment
// {allGroupResults, resultCount, groupCount}`, `hasDangerousDriving`,
// `maxRiskLevel`, `llmLatency` (seconds), `llmModel`; beside them tmon's
// storedTs, latencyMs (stored - capture), partial, expectedResults,
// receivedResults, tasks[] and alerts[] (the §4 shape).
struct FrameView {
  CameraId cameraId;
  std::string requestId;
  int64_t captureTs = 0;
  int64_t storedTs = 0;
  bool partial = false;  // published after the timeout with results missing
  int expectedResults = 1;
  // The Kafka hop into the aggregator of the frame's last result (epoch ms,
  // 0: unknown): when the scheduler produced it (the message's timestamp)
  // and when the aggregator's consumer handed it out. Written only when known.
  int64_t lastResultProducedTs = 0;
  int64_t lastResultReceivedTs = 0;
  // The frame's detection-results message (never its annotated thumbnail);
  // absent when the aggregator never saw it.
  std::optional<DetectionResult> detection;
  bool hasDangerousDriving = false;
  RiskLevel maxRiskLevel = RiskLevel::kNone;
  std::vector<AssessedGroup> results;  // ordered by groupIndex
  std::vector<TaskOutcome> tasks;      // one per result received
  std::vector<Alert> alerts;           // on display at captureTs
  bool operator==(const FrameView&) const = default;

  int receivedResults() const { return static_cast<int>(tasks.size()); }
  // The slowest LLM call of the frame, as the original reports it; and the
  // model that answered.
  int64_t llmLatencyMs() const;
  std::string llmModel() const;
};

// Whether a view's JSON carries the group crops. Views kept many per camera
// (the history) leave them out: they are most of a view's bytes.
enum class ViewImages { kInclude, kOmit };

// `now_ms` sets the alert's `displayDuration`, the seconds it has left.
JsonValue to_json(const Alert& alert, int64_t now_ms);
JsonValue to_json(const FrameView& view, ViewImages images = ViewImages::kInclude);
std::string encode(const Alert& alert, int64_t now_ms);
std::string encode(const FrameView& view, ViewImages images = ViewImages::kInclude);

Result<Alert> decode_alert(std::string_view json);
Result<FrameView> decode_frame_view(std::string_view json);
// A view already parsed (an element of the API's history array).
Result<FrameView> decode_frame_view_json(const nlohmann::json& view);

}  // namespace tmon::messages
