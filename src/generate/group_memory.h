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
  std::vector<int> members;        // sorted object ids
  double person_vehicle_gap = -1;  // closest, object sizes; -1: no such pair
  double vehicle_gap = -1;         // closest, object sizes; -1: no such pair
  // Sorted danger pairs (see GroupMeasures) no task showed lately, camera-wide.
  std::vector<std::pair<int, int>> danger_pairs;
  // Sorted ids of members in a conflict or close pair: with
  // dedup.involved_members_only, only their joining or leaving is news.
  std::vector<int> involved;
  double speed = 0;  // object sizes per second
  int priority = 0;  // of the highest trigger that fired
};

// Why a triggered group is (or is not) assessed again. The first four are
// what a reviewer cares about; gap and speed are opt-in (their thresholds
// default to 0 = off).
enum class Verdict {
  kFirst,           // not assessed before (or forgotten)
  kNewConflict,     // two road users came close enough to touch (a pedestrian within the
                    // proximity gap of a vehicle, a moving vehicle within the tailgating
                    // gap of another) whom no task showed lately
  kEscalated,       // a trigger of higher priority than last time fired
  kMembersChanged,  // a road user joined or left, and it stayed so for a second analysed frame
  kGapShrank,       // a closest gap shrank by more than distance_shrink
  kSpeedChanged,    // speed changed by more than speed_change
  kRefresh,         // max_reassess_seconds have passed since the last assessment
  kDuplicate,       // nothing that matters changed: no new task
};
std::string_view to_string(Verdict verdict);

// The assessed groups of one camera, by stable groupId, in capture time.
// Comparisons are against the group's state at its last assessment, so slow
// drift adds up until it crosses a threshold. A member change counts only
// once it has held for two analysed frames in a row: at 1.8 s a box that
// blinks in and out (an identity switch, a passer-by grazing the group) is
// no news, while one that stays is. Bounded: groups not seen for
// forget_after_seconds are dropped, and at most max_groups_per_camera are
// kept (least recently seen go first). Not thread-safe.
class GroupMemory {
 public:
  explicit GroupMemory(config::TaskDedupConfig config) : config_(config) {}

  // Decides whether a group that fired a trigger at capture_ts is assessed
  // now; when it is, `now` becomes the state later frames are compared to.
  Verdict decide(const std::string& group_id, const GroupSnapshot& now, int64_t capture_ts);
  // The group is in the frame but is not a candidate (fired nothing, or has
  // no conflict potential): it is still alive, with these members.
  void seen(const std::string& group_id, const std::vector<int>& members, int64_t capture_ts);
  // Drops groups unseen since capture_ts - forget_after, then the least
  // recently seen beyond the cap.
  void expire(int64_t capture_ts);
  size_t size() const { return groups_.size(); }

 private:
  struct Entry {
    GroupSnapshot assessed;
    int64_t assessed_ts = -1;  // -1: seen, never assessed
    int64_t seen_ts = 0;
    std::vector<int> last_members;  // sorted, in the latest frame that showed the group
  };

  config::TaskDedupConfig config_;
  std::unordered_map<std::string, Entry> groups_;
};

}  // namespace tmon::generate
