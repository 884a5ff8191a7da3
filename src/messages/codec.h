#pragma once

// JSON codecs for the topic messages. Encoding cannot fail. Decoding validates
// required fields and their types and never throws: a bad message yields an
// Error (code kParse) whose message names the field, e.g.
// "trafficGroups[1].objectIds[0]: expected an integer".
//
// Superset out, tolerant in (COMPAT.md): every message carries the original
// system's fields under their original names and types beside tmon's own,
// and every decoder takes both shapes.
//
// to_json() is the message as a JSON value, for callers that embed it in a
// larger document (the merged view, /ws); encode() is its text. Neither
// parses anything back.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"
#include "messages/messages.h"

namespace tmon::messages {

// Ordered, so fields appear in struct order in logs and topic dumps.
using JsonValue = nlohmann::ordered_json;

// A camera id in the type it arrived in: a JSON integer or string.
JsonValue to_json(const CameraId& id);

JsonValue to_json(const DetectionResult& message);
JsonValue to_json(const AssessmentTask& message);
JsonValue to_json(const AssessmentResult& message);
JsonValue to_json(const DeadLetter& message);
JsonValue to_json(const RiskAssessment& assessment);

std::string encode(const DetectionResult& message);
std::string encode(const AssessmentTask& message);
std::string encode(const AssessmentResult& message);
std::string encode(const DeadLetter& message);
std::string encode(const RiskAssessment& assessment);

// Compact UTF-8 text of a JSON value; invalid UTF-8 inside strings becomes
// U+FFFD rather than an exception.
std::string dump(const JsonValue& value);

Result<DetectionResult> decode_detection_result(std::string_view json);
Result<AssessmentTask> decode_assessment_task(std::string_view json);
Result<AssessmentResult> decode_assessment_result(std::string_view json);
Result<DeadLetter> decode_dead_letter(std::string_view json);
Result<RiskAssessment> decode_risk_assessment(std::string_view json);

// Builds a dead letter for bytes that could not be processed; the payload is
// kept as text when it is valid UTF-8, else base64. The encoded letter is at
// most max_encoded_bytes (given a limit above ~2 KB): beyond it the payload
// is cut (payloadTruncated, payloadBytes the original size), and keys and
// reasons are always cut to a sane length, so a letter is deliverable
// whatever the poison was.
DeadLetter make_dead_letter(std::string_view source_topic, int32_t partition, int64_t offset,
                            std::string_view key, std::string_view payload, std::string_view stage,
                            std::string_view reason, int64_t now_ms,
                            size_t max_encoded_bytes = SIZE_MAX);

}  // namespace tmon::messages
