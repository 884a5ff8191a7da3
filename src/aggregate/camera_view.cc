#include "aggregate/camera_view.h"

#include <nlohmann/json.hpp>

#include "messages/codec.h"

namespace tmon::aggregate {

std::string camera_view_json(const messages::AssessmentResult& result, int64_t stored_ms) {
  // Start from the result's own encoding so the field names stay the codec's.
  auto view = nlohmann::ordered_json::parse(messages::encode(result));
  view.erase("riskAssessment");
  if (result.riskAssessment) {
    const auto assessment = nlohmann::ordered_json::parse(messages::encode(*result.riskAssessment));
    for (const auto& [name, value] : assessment.items()) view[name] = value;
  } else {
    view["hasDangerousDriving"] = false;
    view["maxRiskLevel"] = nullptr;  // unknown: not assessed
    view["results"] = nlohmann::ordered_json::array();
  }
  view["storedTs"] = stored_ms;
  view["latencyMs"] = stored_ms - result.captureTs;
  return view.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace tmon::aggregate
