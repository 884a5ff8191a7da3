#include "api/detection_message.h"

#include <map>

namespace tmon::api {
namespace {

using messages::JsonValue;

double seconds(int64_t millis) {
  return static_cast<double>(millis) / 1000.0;
}

// The risk fields the original front end draws a group or its crop with.
void mark(JsonValue& entry, const messages::AssessedGroup* assessed, bool full) {
  if (!assessed) {
    entry["riskLevel"] = messages::risk_colour(messages::RiskLevel::kNone);
    entry["riskLevelRaw"] = messages::to_string(messages::RiskLevel::kNone);
    return;
  }
  const messages::GroupRisk& risk = assessed->risk;
  entry["riskLevel"] = messages::risk_colour(risk.riskLevel);
  entry["riskLevelRaw"] = messages::to_string(risk.riskLevel);
  entry["riskTypes"] = risk.riskTypes;
  // "rules" when the scheduler's rule-based fallback judged instead of the LLM.
  if (!risk.source.empty()) entry["assessmentSource"] = risk.source;
  if (!full) return;
  entry["dangerObjectCount"] = risk.dangerObjectCount;
  entry["triggerObjectIds"] = risk.triggerObjectIds;
  entry["alertDescription"] = risk.description;
  entry["alertConfidence"] = risk.confidence;
}

}  // namespace

JsonValue detection_result_data(const messages::DetectionResult& frame,
                                const messages::FrameView* assessment,
                                const std::vector<std::string>& supported_classes, int64_t now_ms) {
  JsonValue data = messages::to_json(frame);
  data.erase("thumbnailBase64");
  data.erase("schemaVersion");
  if (!frame.thumbnailBase64.empty()) {
    data["frame"] = "data:image/jpeg;base64," + frame.thumbnailBase64;
  }

  // The newest assessment of each group, by its stable id.
  std::map<std::string, const messages::AssessedGroup*> assessed;
  if (assessment) {
    for (const auto& group : assessment->results) assessed.emplace(group.groupId, &group);
  }
  const auto assessed_group = [&](const std::string& group_id) -> const messages::AssessedGroup* {
    const auto it = assessed.find(group_id);
    return it == assessed.end() ? nullptr : it->second;
  };
  for (size_t i = 0; i < frame.trafficGroups.size(); ++i) {
    mark(data["trafficGroups"][i], assessed_group(frame.trafficGroups[i].groupId), true);
  }
  for (size_t i = 0; i < frame.groupImages.size(); ++i) {
    mark(data["groupImages"][i], assessed_group(frame.groupImages[i].groupId), false);
  }

  JsonValue alerts = JsonValue::array();
  if (assessment) {
    for (const auto& alert : assessment->alerts) {
      if (alert.displayUntilTs >= now_ms) alerts.push_back(messages::to_json(alert, now_ms));
    }
  }
  data["alerts"] = alerts;
  data["dangerousDrivingResults"] = std::move(alerts);
  data["hasDangerousDriving"] = assessment && assessment->hasDangerousDriving;
  data["maxRiskLevel"] =
      messages::to_string(assessment ? assessment->maxRiskLevel : messages::RiskLevel::kNone);
  data["alertGeneratedAt"] = seconds(assessment ? assessment->storedTs : now_ms);
  data["processTime"] =
      frame.detectedTs >= frame.captureTs ? seconds(frame.detectedTs - frame.captureTs) : 0.0;
  // null, as the original sends them, until something was assessed; the
  // LLM's raw text does not travel in tmon's results.
  data["llmLatency"] = assessment ? JsonValue(seconds(assessment->llmLatencyMs())) : JsonValue();
  data["llmModel"] = assessment ? JsonValue(assessment->llmModel()) : JsonValue();
  data["llmRawText"] = nullptr;
  data["modelType"] = frame.modelType;
  data["supportedClasses"] = supported_classes;
  data["trackingEnabled"] = true;  // every object carries its track's objectId
  data["serverDrawEnabled"] = !frame.thumbnailBase64.empty();
  data["renderedBy"] = "server";
  if (assessment) {
    data["assessedRequestId"] = assessment->requestId;
    data["assessedCaptureTs"] = assessment->captureTs;
  }
  return data;
}

JsonValue detection_result_data(const messages::FrameView& view,
                                const std::vector<std::string>& supported_classes, int64_t now_ms) {
  JsonValue data = messages::to_json(view);
  data.erase("schemaVersion");
  if (!view.detection) return data;
  JsonValue frame = detection_result_data(*view.detection, &view, supported_classes, now_ms);
  for (auto& [key, value] : frame.items()) data[key] = std::move(value);
  return data;
}

}  // namespace tmon::api
