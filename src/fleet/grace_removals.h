#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace tmon::fleet {

// Ephemeral cameras whose last watcher left, each waiting out its grace
// period before its tombstone is written; a watcher coming back within it
// cancels the removal. Pure bookkeeping on times given by the caller
// (tested on exact boundaries); bounded by `max_entries` (past it, a removal
// is due at once). Not thread-safe.
class GraceRemovals {
 public:
  GraceRemovals(Millis grace, size_t max_entries) : grace_(grace), max_entries_(max_entries) {}

  void schedule(const std::string& camera_id, SteadyTime now);
  // True when it was pending (the camera stays).
  bool cancel(const std::string& camera_id);
  bool pending(const std::string& camera_id) const { return due_.contains(camera_id); }
  // The removals due at `now`, taken out.
  std::vector<std::string> take_due(SteadyTime now);
  // When the next one falls due; nullopt when none waits.
  std::optional<SteadyTime> next_due() const;

 private:
  Millis grace_;
  size_t max_entries_;
  std::map<std::string, SteadyTime> due_;
};

}  // namespace tmon::fleet
