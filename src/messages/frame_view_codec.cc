// Codec for the merged view of a frame and for alerts (frame_view.h).

#include <algorithm>
#include <cmath>

#include "messages/frame_view.h"
#include "messages/json_text.h"
#include "messages/legacy_timestamp.h"
#include "messages/part_codecs.h"
#include "messages/risk_assessment_codec.h"

namespace tmon::messages {
namespace {

using detail::JsonReader;
using detail::OrderedJson;

// Latest time a stored alert may carry (year ~5000): far past any real one,
// far from int64's edge, so window arithmetic on it cannot overflow.
constexpr int64_t kMaxEpochMs = 100'000'000'000'000;
constexpr double kMaxEpochSeconds = kMaxEpochMs / 1000.0;

// Epoch ms of an original time in seconds (startedAt, lastUpdatedAt).
int64_t seconds_to_ms(double seconds) {
  return std::llround(seconds * 1000.0);
}

void read_alert(const JsonReader& value, Alert* out) {
  if (!value.expect_object()) return;
  value.optional("alertId", &out->alertId);
  if (value.field("cameraId").present()) detail::read_camera_id(value, &out->cameraId);
  value.optional("groupId", &out->groupId);
  value.optional_in_range("groupIndex", &out->groupIndex, 0, detail::kMaxGroupIndex);
  value.optional("requestId", &out->requestId);
  value.optional("taskId", &out->taskId);
  if (const JsonReader level = value.field("riskLevel"); level.require()) {
    detail::read_risk_level(level, &out->riskLevel);
  }
  value.optional("riskTypes", &out->riskTypes);
  value.optional("description", &out->description);
  value.optional("confidence", &out->confidence);
  value.optional("dangerObjectIds", &out->dangerObjectIds);
  value.optional_in_range("dangerObjectCount", &out->dangerObjectCount, 0, detail::kMaxCount);
  // tmon's times in ms first; else the original's seconds. Alerts are read
  // back from the store, where anything may have been written: times are
  // bounded so the arithmetic on them (display windows) cannot overflow.
  double seconds = 0;
  if (!value.optional_in_range("startedTs", &out->startedTs, 0, kMaxEpochMs) &&
      value.optional_in_range("startedAt", &seconds, 0.0, kMaxEpochSeconds)) {
    out->startedTs = seconds_to_ms(seconds);
  }
  if (!value.optional_in_range("lastUpdatedTs", &out->lastUpdatedTs, 0, kMaxEpochMs) &&
      value.optional_in_range("lastUpdatedAt", &seconds, 0.0, kMaxEpochSeconds)) {
    out->lastUpdatedTs = seconds_to_ms(seconds);
  }
  if (!value.optional_in_range("displayUntil", &out->displayUntilTs, 0, kMaxEpochMs) &&
      value.optional_in_range("displayDuration", &seconds, 0.0, kMaxEpochSeconds)) {
    out->displayUntilTs = out->lastUpdatedTs + seconds_to_ms(seconds);
  }
  value.optional("isContinuation", &out->isContinuation);
  value.optional_in_range("updateCount", &out->updateCount, 0, detail::kMaxCount);
  value.optional("isStale", &out->isStale);
}

void read_assessed_group(const JsonReader& value, AssessedGroup* out) {
  detail::read_group_risk(value, &out->risk);
  value.optional("groupId", &out->groupId);
  value.optional("taskId", &out->taskId);
}

void read_task_outcome(const JsonReader& value, TaskOutcome* out) {
  if (!value.expect_object()) return;
  value.required_non_empty("taskId", &out->taskId);
  value.optional("groupId", &out->groupId);
  value.optional("groupIndex", &out->groupIndex);
  if (const JsonReader status = value.field("status"); status.require()) {
    detail::read_result_status(status, &out->status);
  }
  value.optional("code", &out->code);
  value.optional("message", &out->message);
  if (const JsonReader metadata = value.field("metadata"); metadata.present()) {
    detail::read_metadata(metadata, &out->metadata);
  }
}

template <typename T, typename ReadFn>
void read_array(const JsonReader& object, std::string_view key, std::vector<T>* out, ReadFn read) {
  const JsonReader array = object.field(key);
  if (!array.present()) return;
  out->resize(array.size());
  array.for_each([&](const JsonReader& element, size_t i) { read(element, &(*out)[i]); });
}

void read_frame_view(const JsonReader& view, FrameView* out) {
  detail::read_camera_id(view, &out->cameraId);
  // The original's merged view names its frame by the detection's messageId.
  const bool original = !view.field("requestId").present() && view.field("messageId").present();
  view.required_non_empty(original ? "messageId" : "requestId", &out->requestId);
  detail::read_capture_ts(view, &out->captureTs);
  view.optional("storedTs", &out->storedTs);
  view.optional("partial", &out->partial);
  view.optional("expectedResults", &out->expectedResults);
  view.optional("lastResultProducedTs", &out->lastResultProducedTs);
  view.optional("lastResultReceivedTs", &out->lastResultReceivedTs);
  // The detection is spread over the view's top level, as the original merged it.
  if (view.field("detectedObjects").present()) {
    detail::read_detection_result(view, &out->detection.emplace());
  }
  view.optional("hasDangerousDriving", &out->hasDangerousDriving);
  if (const JsonReader level = view.field("maxRiskLevel"); level.present()) {
    detail::read_risk_level(level, &out->maxRiskLevel);
  }
  if (const JsonReader assessment = view.field("riskAssessment"); assessment.present()) {
    read_array(assessment, "allGroupResults", &out->results, read_assessed_group);
  }
  read_array(view, "tasks", &out->tasks, read_task_outcome);
  read_array(view, "alerts", &out->alerts, read_alert);
}

OrderedJson to_json_value(const AssessedGroup& group) {
  OrderedJson json = detail::to_json_value(group.risk);
  json["groupId"] = group.groupId;
  json["taskId"] = group.taskId;
  return json;
}

OrderedJson to_json_value(const TaskOutcome& task) {
  OrderedJson json{{"taskId", task.taskId},
                   {"groupId", task.groupId},
                   {"groupIndex", task.groupIndex},
                   {"status", to_string(task.status)}};
  if (task.status != ResultStatus::kOk) {
    json["code"] = task.code;
    json["message"] = task.message;
  }
  json["metadata"] = detail::to_json_value(task.metadata);
  return json;
}

}  // namespace

int64_t FrameView::llmLatencyMs() const {
  int64_t slowest = 0;
  for (const TaskOutcome& task : tasks) slowest = std::max(slowest, task.metadata.llmLatencyMs);
  return slowest;
}

std::string FrameView::llmModel() const {
  for (const TaskOutcome& task : tasks) {
    if (!task.metadata.llmModel.empty()) return task.metadata.llmModel;
  }
  return "";
}

JsonValue to_json(const Alert& alert, int64_t now_ms) {
  const int64_t left_ms = std::max<int64_t>(0, alert.displayUntilTs - now_ms);
  // The original's §4 fields (its times in seconds), then tmon's.
  return OrderedJson{{"groupIndex", alert.groupIndex},
                     {"riskLevel", to_string(alert.riskLevel)},
                     {"riskTypes", alert.riskTypes},
                     {"dangerObjectIds", alert.dangerObjectIds},
                     {"dangerObjectCount", alert.dangerObjectCount},
                     {"description", alert.description},
                     {"confidence", alert.confidence},
                     {"displayDuration", std::round(detail::to_seconds(left_ms) * 100.0) / 100.0},
                     {"isContinuation", alert.isContinuation},
                     {"isMerged", alert.riskTypes.size() > 1},
                     {"startedAt", detail::to_seconds(alert.startedTs)},
                     {"lastUpdatedAt", detail::to_seconds(alert.lastUpdatedTs)},
                     {"isStale", alert.isStale},
                     {"alertId", alert.alertId},
                     {"cameraId", detail::to_json_value(alert.cameraId)},
                     {"groupId", alert.groupId},
                     {"requestId", alert.requestId},
                     {"taskId", alert.taskId},
                     {"startedTs", alert.startedTs},
                     {"lastUpdatedTs", alert.lastUpdatedTs},
                     {"displayUntil", alert.displayUntilTs},
                     {"updateCount", alert.updateCount}};
}

JsonValue to_json(const FrameView& view, ViewImages images) {
  OrderedJson json = OrderedJson::object();
  if (view.detection) {
    json = to_json(*view.detection);
    json.erase("thumbnailBase64");  // the live frame is /ws's, not the view's
    if (images == ViewImages::kOmit) {
      for (auto& image : json["groupImages"]) image.erase("imageBase64");
    }
  }
  // The view's own identity wins over the detection's (they agree when both exist).
  json["schemaVersion"] = kSchemaVersion;
  json["cameraId"] = detail::to_json_value(view.cameraId);
  json["requestId"] = view.requestId;
  json["timestamp"] = detail::iso_timestamp(view.captureTs);
  json["captureTs"] = view.captureTs;

  OrderedJson groups = OrderedJson::array();
  for (const AssessedGroup& group : view.results) groups.push_back(to_json_value(group));
  OrderedJson assessment{{"allGroupResults", std::move(groups)},
                         {"resultCount", view.results.size()},
                         {"groupCount", view.receivedResults()}};
  if (!view.detection) {
    // What the original aggregator says when it could not join the detection.
    assessment["warning"] = "Detection data not found, showing partial results";
  }
  json["riskAssessment"] = std::move(assessment);
  json["hasDangerousDriving"] = view.hasDangerousDriving;
  json["maxRiskLevel"] = to_string(view.maxRiskLevel);
  json["llmLatency"] = detail::to_seconds(view.llmLatencyMs());
  json["llmModel"] = view.llmModel();

  json["storedTs"] = view.storedTs;
  json["latencyMs"] = view.storedTs - view.captureTs;
  json["partial"] = view.partial;
  json["expectedResults"] = view.expectedResults;
  json["receivedResults"] = view.receivedResults();
  if (view.lastResultProducedTs != 0) json["lastResultProducedTs"] = view.lastResultProducedTs;
  if (view.lastResultReceivedTs != 0) json["lastResultReceivedTs"] = view.lastResultReceivedTs;
  OrderedJson tasks = OrderedJson::array();
  for (const TaskOutcome& task : view.tasks) tasks.push_back(to_json_value(task));
  json["tasks"] = std::move(tasks);
  OrderedJson alerts = OrderedJson::array();
  for (const Alert& alert : view.alerts) alerts.push_back(to_json(alert, view.captureTs));
  json["alerts"] = std::move(alerts);
  return json;
}

std::string encode(const Alert& alert, int64_t now_ms) {
  return dump(to_json(alert, now_ms));
}

std::string encode(const FrameView& view, ViewImages images) {
  return dump(to_json(view, images));
}

Result<Alert> decode_alert(std::string_view json) {
  return detail::decode_message<Alert>(json, read_alert);
}

Result<FrameView> decode_frame_view(std::string_view json) {
  return detail::decode_message<FrameView>(json, read_frame_view);
}

Result<FrameView> decode_frame_view_json(const nlohmann::json& view) {
  return detail::decode_value<FrameView>(view, read_frame_view);
}

}  // namespace tmon::messages
