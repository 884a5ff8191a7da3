#pragma once

#include "messages/messages.h"

namespace tmon::schedule {

// The rule-based stand-in for an LLM assessment (schedule.rule_fallback):
// when no key can serve a task before its deadline, its group is judged from
// what the task already carries — detection's surrogate safety measures
// (`safety`: TTC, PET, conflict candidates) and the generator's triggers —
// instead of answering only `expired`.
//
//   high:   a conflict candidate with TTC <= 1 s or PET <= 1 s
//   medium: any other conflict candidate, or a pedestrian within the
//           proximity gap of a vehicle (trigger `proximity`)
//   low:    vehicles closing in or close behind one another (`closing`,
//           `tailgating`), or a dense cluster or crowd
//   none:   nothing of the above
//
// Risk types, in the prompt's Simplified Chinese: 人车冲突 (a pedestrian in
// a conflict pair, or proximity), 跟车过近 (vehicles on one heading, or
// tailgating), 车辆冲突 (vehicles whose paths cross). The description says it
// is rule-based and gives the measures; confidence stays modest (0.3–0.6) so
// a reader can tell it from a model's judgement. Pure; never fails.
messages::RiskAssessment rule_assessment(const messages::AssessmentTask& task);

// "rules": the `source` of a rule-based result (and of its group entries);
// LLM answers say "llm".
inline constexpr const char* kRuleSource = "rules";

}  // namespace tmon::schedule
