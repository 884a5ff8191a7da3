#pragma once

#include <vector>

#include "config/config.h"
#include "messages/messages.h"

namespace tmon::generate {

// Decides which groups of a frame are worth an LLM call and builds their
// tasks. Pure: the same frame always yields the same tasks, with the same
// taskIds, so a replayed detection message cannot create duplicate work that
// the aggregator would not recognise.
class TaskGenerator {
 public:
  explicit TaskGenerator(config::TaskConfig config) : config_(config) {}

  // One task per group of at least min_group_size objects that has a crop.
  // now_ms stamps createdTs; deadlineTs = captureTs + max_age.
  std::vector<messages::AssessmentTask> make_tasks(const messages::DetectionResult& frame,
                                                   int64_t now_ms) const;

 private:
  config::TaskConfig config_;
};

// "<requestId>:<groupId>": unique per frame and group, stable across replays.
std::string task_id_for(const std::string& request_id, const std::string& group_id);

}  // namespace tmon::generate
