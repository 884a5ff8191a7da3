#pragma once

// RiskAssessment as a JSON value (internal), shared by its own codec and by
// AssessmentResult, which embeds it.

#include "messages/json_reader.h"
#include "messages/json_text.h"
#include "messages/messages.h"

namespace tmon::messages::detail {

void read_risk_assessment(const JsonReader& value, RiskAssessment* out);
OrderedJson to_json_value(const RiskAssessment& assessment);

}  // namespace tmon::messages::detail
