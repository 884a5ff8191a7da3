#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.h"

namespace tmon::generate {

// A group as it was when last assessed (or as it is now, to compare).
struct GroupSnapshot {
  std::vector<int> members;                      // sorted object ids
  double person_vehicle_gap = -1;                // closest, object sizes; -1: no such pair
  double vehicle_gap = -1;                       // closest, object sizes; -1: no such pair
  std::vector<std::pair<int, int>> close_pairs;  // sorted; see GroupMeasures
  double speed = 0;                              // object sizes per second
  int priority = 0;                              // of the highest trigger that fired
};

// Why a triggered group is (or is not) assessed again.
enum class Verdict {
  kFirst,            // not assessed before (or forgotten)
  kIntervalElapsed,  // the de-duplication interval has passed
  kMembersChanged,   // road users joined or left
  kGapShrank,        // a closest gap (person-vehicle or vehicle-vehicle) shrank by
                     // more than distance_shrink
  kNewClosePair,     // two members came within the proximity or tailgating gap
                     // who were not that close at the last assessment
  kSpeedChanged,     // speed changed by more than speed_change
  kEscalated,        // a trigger of higher priority than last time fired
  kDuplicate,        // nothing that matters changed: no new task
};
std::string_view to_string(Verdict verdict);

// The assessed groups of one camera, by stable groupId, in capture time.
// Comparisons are against the group's state at its last assessment, so slow
// drift adds up until it crosses a threshold. Bounded: groups not seen for
// forget_after_seconds are dropped, and at most max_groups_per_camera are
// kept (least recently seen go first). Not thread-safe.
class GroupMemory {
 public:
  explicit GroupMemory(config::TaskDedupConfig config) : config_(config) {}

  // Decides whether a group that fired a trigger at capture_ts is assessed
  // now; when it is, `now` becomes the state later frames are compared to.
  Verdict decide(const std::string& group_id, const GroupSnapshot& now, int64_t capture_ts);
  // The group is in the frame but fired nothing: it is still alive.
  void seen(const std::string& group_id, int64_t capture_ts);
  // Drops groups unseen since capture_ts - forget_after, then the least
  // recently seen beyond the cap.
  void expire(int64_t capture_ts);
  size_t size() const { return groups_.size(); }

 private:
  struct Entry {
    GroupSnapshot assessed;
    int64_t assessed_ts = 0;
    int64_t seen_ts = 0;
  };

  config::TaskDedupConfig config_;
  std::unordered_map<std::string, Entry> groups_;
};

}  // namespace tmon::generate
