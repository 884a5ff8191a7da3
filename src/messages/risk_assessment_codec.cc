// Codec for the LLM's judgement, standalone and embedded in results.

#include "messages/risk_assessment_codec.h"

#include <algorithm>

#include "messages/codec.h"
#include "messages/part_codecs.h"

namespace tmon::messages {
namespace detail {

void read_group_risk(const JsonReader& value, GroupRisk* out) {
  if (!value.expect_object()) return;
  if (value.field("groupIndex").require()) {
    value.optional_in_range("groupIndex", &out->groupIndex, 0, kMaxGroupIndex);
  }
  const JsonReader risk_level = value.field("riskLevel");
  if (risk_level.require()) read_risk_level(risk_level, &out->riskLevel);
  const JsonReader confidence = value.field("confidence");
  if (confidence.present() && confidence.get(&out->confidence) &&
      !(out->confidence >= 0.0 && out->confidence <= 1.0)) {
    confidence.fail("expected a number in [0, 1]");
  }
  value.optional("riskTypes", &out->riskTypes);
  value.optional("description", &out->description);
  value.optional_in_range("dangerObjectCount", &out->dangerObjectCount, 0, kMaxCount);
  value.optional("triggerObjectIds", &out->triggerObjectIds);
  value.optional("source", &out->source);
}

OrderedJson to_json_value(const GroupRisk& risk) {
  OrderedJson json{{"groupIndex", risk.groupIndex},
                   {"riskLevel", to_string(risk.riskLevel)},
                   {"confidence", risk.confidence},
                   {"riskTypes", risk.riskTypes},
                   {"description", risk.description},
                   {"dangerObjectCount", risk.dangerObjectCount},
                   {"triggerObjectIds", risk.triggerObjectIds}};
  if (!risk.source.empty()) json["source"] = risk.source;
  return json;
}

OrderedJson to_json_value(const std::vector<GroupRisk>& risks) {
  OrderedJson array = OrderedJson::array();
  for (const GroupRisk& risk : risks) array.push_back(to_json_value(risk));
  return array;
}

namespace {

void read_results(const JsonReader& results, RiskAssessment* out) {
  out->results.resize(results.size());
  results.for_each(
      [&](const JsonReader& risk, size_t i) { read_group_risk(risk, &out->results[i]); });
}

}  // namespace

void read_risk_assessment(const JsonReader& value, RiskAssessment* out) {
  if (!value.expect_object()) return;
  value.required("hasDangerousDriving", &out->hasDangerousDriving);
  const JsonReader max_risk_level = value.field("maxRiskLevel");
  if (max_risk_level.require()) read_risk_level(max_risk_level, &out->maxRiskLevel);
  const JsonReader results = value.field("results");
  if (results.require()) read_results(results, out);
}

void read_group_risks(const JsonReader& object, RiskAssessment* out) {
  const JsonReader results = object.field("results");
  if (!results.require()) return;
  read_results(results, out);
  if (!object.ok()) return;
  RiskLevel highest = RiskLevel::kNone;
  for (const GroupRisk& risk : out->results) highest = std::max(highest, risk.riskLevel);
  out->maxRiskLevel = highest;
  out->hasDangerousDriving = highest != RiskLevel::kNone;
  object.optional("hasDangerousDriving", &out->hasDangerousDriving);
  if (const JsonReader level = object.field("maxRiskLevel"); level.present()) {
    read_risk_level(level, &out->maxRiskLevel);
  }
}

OrderedJson to_json_value(const RiskAssessment& assessment) {
  return OrderedJson{{"hasDangerousDriving", assessment.hasDangerousDriving},
                     {"maxRiskLevel", to_string(assessment.maxRiskLevel)},
                     {"results", to_json_value(assessment.results)}};
}

}  // namespace detail

// RiskAssessment has no schemaVersion: it is the shape the original prompt
// asks the LLM for, not a topic message, and its JSON stays exactly that.
JsonValue to_json(const RiskAssessment& assessment) {
  return detail::to_json_value(assessment);
}

std::string encode(const RiskAssessment& assessment) {
  return dump(to_json(assessment));
}

Result<RiskAssessment> decode_risk_assessment(std::string_view json) {
  return detail::decode_message<RiskAssessment>(json, detail::read_risk_assessment);
}

}  // namespace tmon::messages
