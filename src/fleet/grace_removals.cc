#include "fleet/grace_removals.h"

namespace tmon::fleet {

void GraceRemovals::schedule(const std::string& camera_id, SteadyTime now) {
  const bool full = due_.size() >= max_entries_ && !due_.contains(camera_id);
  due_[camera_id] = full ? now : now + grace_;
}

bool GraceRemovals::cancel(const std::string& camera_id) {
  return due_.erase(camera_id) > 0;
}

std::vector<std::string> GraceRemovals::take_due(SteadyTime now) {
  std::vector<std::string> due;
  for (auto it = due_.begin(); it != due_.end();) {
    if (it->second <= now) {
      due.push_back(it->first);
      it = due_.erase(it);
    } else {
      ++it;
    }
  }
  return due;
}

std::optional<SteadyTime> GraceRemovals::next_due() const {
  std::optional<SteadyTime> next;
  for (const auto& [id, at] : due_) {
    if (!next || at < *next) next = at;
  }
  return next;
}

}  // namespace tmon::fleet
