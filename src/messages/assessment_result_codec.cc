// Codec for risk-assessment-results messages.

#include "messages/codec.h"
#include "messages/json_text.h"
#include "messages/legacy_timestamp.h"
#include "messages/part_codecs.h"
#include "messages/risk_assessment_codec.h"

namespace tmon::messages {
namespace {

using detail::JsonReader;
using detail::OrderedJson;

void read_metadata(const JsonReader& value, ResultMetadata* out) {
  if (!value.expect_object()) return;
  value.optional("llmLatencyMs", &out->llmLatencyMs);
  value.optional("queueWaitMs", &out->queueWaitMs);
  value.optional("attempts", &out->attempts);
  value.optional("apiKeyId", &out->apiKeyId);
  value.optional("llmModel", &out->llmModel);
  value.optional("promptTokens", &out->promptTokens);
  value.optional("completionTokens", &out->completionTokens);
  value.optional("totalTokens", &out->totalTokens);
  value.optional("schedulerInstance", &out->schedulerInstance);
}

OrderedJson to_json_value(const ResultMetadata& metadata) {
  return OrderedJson{{"llmLatencyMs", metadata.llmLatencyMs},
                     {"queueWaitMs", metadata.queueWaitMs},
                     {"attempts", metadata.attempts},
                     {"apiKeyId", metadata.apiKeyId},
                     {"llmModel", metadata.llmModel},
                     {"promptTokens", metadata.promptTokens},
                     {"completionTokens", metadata.completionTokens},
                     {"totalTokens", metadata.totalTokens},
                     {"schedulerInstance", metadata.schedulerInstance}};
}

void read_assessment_result(const JsonReader& message, AssessmentResult* out) {
  detail::read_schema_version(message, &out->schemaVersion);
  message.required_non_empty("taskId", &out->taskId);
  message.required_non_empty("cameraId", &out->cameraId);
  message.required_non_empty("requestId", &out->requestId);
  message.optional("groupIndex", &out->groupIndex);
  message.optional("groupId", &out->groupId);
  detail::read_capture_ts(message, &out->captureTs);
  message.optional("completedTs", &out->completedTs);
  detail::read_frame_task_count(message, &out->frameTaskCount);
  const JsonReader status = message.field("status");
  if (status.require()) detail::read_result_status(status, &out->status);
  message.optional("code", &out->code);
  message.optional("message", &out->message);

  const JsonReader assessment = message.field("riskAssessment");
  if (assessment.present()) {
    detail::read_risk_assessment(assessment, &out->riskAssessment.emplace());
  }
  if (const JsonReader metadata = message.field("metadata"); metadata.present()) {
    read_metadata(metadata, &out->metadata);
  }
  if (!message.ok()) return;
  // A result must say what happened: an assessment when ok, a reason when not.
  if (out->status == ResultStatus::kOk && !out->riskAssessment) {
    assessment.fail("required when status is ok");
  } else if (out->status != ResultStatus::kOk && out->code.empty()) {
    message.field("code").fail("required when status is not ok");
  }
}

}  // namespace

std::string encode(const AssessmentResult& message) {
  OrderedJson json{{"schemaVersion", kSchemaVersion},
                   {"taskId", message.taskId},
                   {"cameraId", message.cameraId},
                   {"requestId", message.requestId},
                   {"groupIndex", message.groupIndex},
                   {"groupId", message.groupId},
                   {"captureTs", message.captureTs},
                   {"completedTs", message.completedTs},
                   {"frameTaskCount", message.frameTaskCount},
                   {"status", to_string(message.status)}};
  if (!message.code.empty()) json["code"] = message.code;
  if (!message.message.empty()) json["message"] = message.message;
  if (message.riskAssessment)
    json["riskAssessment"] = detail::to_json_value(*message.riskAssessment);
  json["metadata"] = to_json_value(message.metadata);
  return detail::dump_json(json);
}

Result<AssessmentResult> decode_assessment_result(std::string_view json) {
  return detail::decode_message<AssessmentResult>(json, read_assessment_result);
}

}  // namespace tmon::messages
