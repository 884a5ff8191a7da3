#include "schedule/batch_reply.h"

#include <algorithm>

namespace tmon::schedule {

std::vector<std::optional<messages::RiskAssessment>> split_batch_reply(
    const messages::RiskAssessment& reply, const std::vector<int>& group_indices) {
  std::vector<std::optional<messages::RiskAssessment>> out(group_indices.size());
  for (size_t i = 0; i < group_indices.size(); ++i) {
    for (const auto& risk : reply.results) {
      if (risk.groupIndex != group_indices[i]) continue;
      auto& mine = out[i];
      if (!mine) mine.emplace();
      mine->results.push_back(risk);
      mine->maxRiskLevel = std::max(mine->maxRiskLevel, risk.riskLevel);
    }
    // As the parser judges a single reply: medium or above is dangerous.
    if (out[i]) out[i]->hasDangerousDriving = out[i]->maxRiskLevel >= messages::RiskLevel::kMedium;
  }
  return out;
}

}  // namespace tmon::schedule
