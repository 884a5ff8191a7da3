// Codec for risk-assessment-results messages, including the original Python
// system's shape (a top-level `results` array, `error` text, no status).

#include <algorithm>

#include "messages/codec.h"
#include "messages/json_text.h"
#include "messages/legacy_timestamp.h"
#include "messages/part_codecs.h"
#include "messages/risk_assessment_codec.h"

namespace tmon::messages {
namespace {

using detail::JsonReader;
using detail::OrderedJson;

// The code of a failed original result: it gives only the error text.
constexpr const char* kOriginalErrorCode = "failed";
constexpr std::string_view kMessageIdSuffix = "_result";

// The original's results name no task: its message id is the task's plus
// "_result", and its generator named tasks "<requestId>_group<index>".
void read_task_id(const JsonReader& message, AssessmentResult* out) {
  if (message.field("taskId").present() || out->schemaVersion >= 1) {
    message.required_non_empty("taskId", &out->taskId);
    return;
  }
  std::string message_id;
  if (message.optional("messageId", &message_id) && message_id.ends_with(kMessageIdSuffix) &&
      message_id.size() > kMessageIdSuffix.size()) {
    out->taskId = message_id.substr(0, message_id.size() - kMessageIdSuffix.size());
  } else if (message.ok()) {
    out->taskId = out->requestId + "_group" + std::to_string(out->groupIndex);
  }
}

// What happened, in the original's terms: it has no status; a result whose
// top-level `results` is non-empty succeeded, and a failure says why in
// `error` (its aggregator judges by the results alone).
void read_original_outcome(const JsonReader& message, AssessmentResult* out) {
  const JsonReader results = message.field("results");
  std::string error;
  message.optional("error", &error);
  if (!message.ok()) return;
  if (results.present() && results.size() > 0 && error.empty()) {
    out->status = ResultStatus::kOk;
    detail::read_group_risks(message, &out->riskAssessment.emplace());
    return;
  }
  out->status = ResultStatus::kError;
  out->code = kOriginalErrorCode;
  out->message = error.empty() ? "no results" : error;
}

void read_assessment_result(const JsonReader& message, AssessmentResult* out) {
  detail::read_schema_version(message, &out->schemaVersion);
  detail::read_camera_id(message, &out->cameraId);
  message.required_non_empty("requestId", &out->requestId);
  message.optional_in_range("groupIndex", &out->groupIndex, 0, detail::kMaxGroupIndex);
  message.optional("groupId", &out->groupId);
  read_task_id(message, out);
  detail::read_capture_ts(message, &out->captureTs);
  message.optional("completedTs", &out->completedTs);
  if (out->schemaVersion == 0 && !message.field("frameTaskCount").present()) {
    out->frameTaskCount = 0;
  }
  detail::read_frame_task_count(message, &out->frameTaskCount);
  if (const JsonReader metadata = message.field("metadata"); metadata.present()) {
    detail::read_metadata(metadata, &out->metadata);
  }

  const JsonReader status = message.field("status");
  if (!status.present()) {
    if (out->schemaVersion >= 1) {
      status.require();
    } else {
      read_original_outcome(message, out);
    }
    return;
  }
  detail::read_result_status(status, &out->status);
  message.optional("code", &out->code);
  message.optional("message", &out->message);
  message.optional("source", &out->source);
  if (out->message.empty()) message.optional("error", &out->message);
  // The assessment: tmon's older `riskAssessment` object, or the top-level
  // `results` (with hasDangerousDriving and maxRiskLevel beside them).
  const JsonReader assessment = message.field("riskAssessment");
  if (assessment.present()) {
    detail::read_risk_assessment(assessment, &out->riskAssessment.emplace());
  } else if (out->status == ResultStatus::kOk && message.field("results").present()) {
    detail::read_group_risks(message, &out->riskAssessment.emplace());
  }
  if (!message.ok()) return;
  // A result must say what happened: an assessment when ok, a reason when not.
  if (out->status == ResultStatus::kOk && !out->riskAssessment) {
    message.field("results").fail("required when status is ok");
  } else if (out->status != ResultStatus::kOk && out->code.empty()) {
    message.field("code").fail("required when status is not ok");
  }
}

}  // namespace

namespace detail {

void read_metadata(const JsonReader& value, ResultMetadata* out) {
  if (!value.expect_object()) return;
  if (!value.optional("llmLatencyMs", &out->llmLatencyMs) && value.ok()) {
    double seconds = 0;  // the original's
    if (value.optional("llmLatency", &seconds) && seconds >= 0) {
      out->llmLatencyMs = static_cast<int64_t>(seconds * 1000.0 + 0.5);
    }
  }
  value.optional("queueWaitMs", &out->queueWaitMs);
  if (!value.optional("attempts", &out->attempts) && value.ok()) {
    int retries = 0;  // the original counts retries, not attempts
    if (value.optional("retryCount", &retries) && retries >= 0) out->attempts = retries + 1;
  }
  value.optional("apiKeyId", &out->apiKeyId);
  value.optional("llmModel", &out->llmModel);
  value.optional("promptTokens", &out->promptTokens);
  value.optional("completionTokens", &out->completionTokens);
  value.optional("totalTokens", &out->totalTokens);
  value.optional("schedulerInstance", &out->schedulerInstance);
  value.optional("taskProducedTs", &out->taskProducedTs);
  value.optional("taskReceivedTs", &out->taskReceivedTs);
}

OrderedJson to_json_value(const ResultMetadata& metadata) {
  OrderedJson json{{"llmLatency", detail::to_seconds(metadata.llmLatencyMs)},
                   {"llmModel", metadata.llmModel},
                   {"apiKeyId", metadata.apiKeyId},
                   {"retryCount", std::max(0, metadata.attempts - 1)},
                   {"llmLatencyMs", metadata.llmLatencyMs},
                   {"queueWaitMs", metadata.queueWaitMs},
                   {"attempts", metadata.attempts},
                   {"promptTokens", metadata.promptTokens},
                   {"completionTokens", metadata.completionTokens},
                   {"totalTokens", metadata.totalTokens},
                   {"schedulerInstance", metadata.schedulerInstance}};
  if (metadata.taskProducedTs != 0) json["taskProducedTs"] = metadata.taskProducedTs;
  if (metadata.taskReceivedTs != 0) json["taskReceivedTs"] = metadata.taskReceivedTs;
  return json;
}
}  // namespace detail

JsonValue to_json(const AssessmentResult& message) {
  OrderedJson json{{"schemaVersion", kSchemaVersion},
                   {"messageId", message.taskId + std::string(kMessageIdSuffix)},
                   {"taskId", message.taskId},
                   {"cameraId", detail::to_json_value(message.cameraId)},
                   {"requestId", message.requestId},
                   {"groupIndex", message.groupIndex},
                   {"groupId", message.groupId},
                   {"timestamp", detail::iso_timestamp(message.captureTs)},
                   {"captureTs", message.captureTs},
                   {"completedTs", message.completedTs}};
  if (message.frameTaskCount > 0) json["frameTaskCount"] = message.frameTaskCount;
  json["status"] = to_string(message.status);
  if (!message.source.empty()) json["source"] = message.source;
  // The original's consumers judge success by a non-empty `results` and read
  // a failure's reason from `error`.
  const bool assessed = message.status == ResultStatus::kOk && message.riskAssessment;
  json["results"] =
      assessed ? detail::to_json_value(message.riskAssessment->results) : OrderedJson::array();
  if (assessed) {
    json["hasDangerousDriving"] = message.riskAssessment->hasDangerousDriving;
    json["maxRiskLevel"] = to_string(message.riskAssessment->maxRiskLevel);
  }
  if (message.status != ResultStatus::kOk) {
    json["code"] = message.code;
    json["message"] = message.message;
    json["error"] = message.message.empty() ? message.code : message.code + ": " + message.message;
  }
  json["metadata"] = detail::to_json_value(message.metadata);
  return json;
}

std::string encode(const AssessmentResult& message) {
  return dump(to_json(message));
}

Result<AssessmentResult> decode_assessment_result(std::string_view json) {
  return detail::decode_message<AssessmentResult>(json, read_assessment_result);
}

}  // namespace tmon::messages
