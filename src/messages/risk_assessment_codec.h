#pragma once

// RiskAssessment as a JSON value (internal), shared by its own codec and by
// AssessmentResult, which embeds it.

#include <vector>

#include "messages/json_reader.h"
#include "messages/json_text.h"
#include "messages/messages.h"

namespace tmon::messages::detail {

void read_risk_assessment(const JsonReader& value, RiskAssessment* out);
OrderedJson to_json_value(const RiskAssessment& assessment);

// The assessment spread over an object the original way: its `results`
// array (required), and `hasDangerousDriving` and `maxRiskLevel` when given,
// else what the results say (the highest level; dangerous when above none,
// as the original aggregator judged).
void read_group_risks(const JsonReader& object, RiskAssessment* out);
OrderedJson to_json_value(const std::vector<GroupRisk>& risks);
// One element of a `results` array.
void read_group_risk(const JsonReader& value, GroupRisk* out);
OrderedJson to_json_value(const GroupRisk& risk);

}  // namespace tmon::messages::detail
