#pragma once

#include <optional>
#include <vector>

#include "messages/messages.h"

namespace tmon::schedule {

// What a batched call's reply (llm.batch_groups) says about each of its
// groups: for each of `group_indices`, in order, an assessment holding the
// reply's results[] entries with that groupIndex (its level and dangerous
// flag recomputed from them alone), or nullopt when the reply left the group
// out (that group is then asked again on its own). Entries for groups not
// asked about are ignored. Pure.
std::vector<std::optional<messages::RiskAssessment>> split_batch_reply(
    const messages::RiskAssessment& reply, const std::vector<int>& group_indices);

// The groupIndex the parser gives entries that name none: a batch's reply
// must say which group each entry is about.
inline constexpr int kUnnamedGroup = -1;

}  // namespace tmon::schedule
