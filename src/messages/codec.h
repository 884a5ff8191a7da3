#pragma once

// JSON codecs for the topic messages. Encoding cannot fail. Decoding validates
// required fields and their types and never throws: a bad message yields an
// Error (code kParse) whose message names the field, e.g.
// "trafficGroups[1].objectIds[0]: expected an integer".

#include <string>
#include <string_view>

#include "common/result.h"
#include "messages/messages.h"

namespace tmon::messages {

std::string encode(const DetectionResult& message);
std::string encode(const AssessmentTask& message);
std::string encode(const AssessmentResult& message);
std::string encode(const DeadLetter& message);
std::string encode(const RiskAssessment& assessment);

Result<DetectionResult> decode_detection_result(std::string_view json);
Result<AssessmentTask> decode_assessment_task(std::string_view json);
Result<AssessmentResult> decode_assessment_result(std::string_view json);
Result<DeadLetter> decode_dead_letter(std::string_view json);
Result<RiskAssessment> decode_risk_assessment(std::string_view json);

// Builds a dead letter for bytes that could not be processed; the payload is
// kept as text when it is valid UTF-8, else base64.
DeadLetter make_dead_letter(std::string_view source_topic, int32_t partition, int64_t offset,
                            std::string_view key, std::string_view payload, std::string_view stage,
                            std::string_view reason, int64_t now_ms);

}  // namespace tmon::messages
