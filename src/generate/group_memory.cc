#include "generate/group_memory.h"

#include <algorithm>
#include <cmath>

namespace tmon::generate {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFirst:
      return "first";
    case Verdict::kNewConflict:
      return "new_conflict";
    case Verdict::kEscalated:
      return "escalated";
    case Verdict::kMembersChanged:
      return "members_changed";
    case Verdict::kGapShrank:
      return "gap_shrank";
    case Verdict::kSpeedChanged:
      return "speed_changed";
    case Verdict::kRefresh:
      return "refresh";
    case Verdict::kDuplicate:
      return "duplicate";
  }
  return "unknown";
}

namespace {

// Each kind of gap on its own: a pedestrian stepping towards a car matters
// even when two queued cars of the group stand closer to each other.
bool shrank(double then, double now, double by) {
  // A pair that appears where there was none counts as shrinking from afar.
  return now >= 0 && (then < 0 || then - now > by);
}

bool contains(const std::vector<int>& sorted, int id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
}

// A member joined (or left) since the assessment and was already in (or
// already out of) the group in the previous frame.
bool members_changed_for_good(const GroupSnapshot& then, const std::vector<int>& previous,
                              const GroupSnapshot& now, bool involved_only) {
  for (int id : now.members) {
    if (involved_only && !contains(now.involved, id)) continue;
    if (!contains(then.members, id) && contains(previous, id)) return true;
  }
  for (int id : then.members) {
    if (involved_only && !contains(then.involved, id)) continue;
    if (!contains(now.members, id) && !contains(previous, id)) return true;
  }
  return false;
}

Verdict compare(const GroupSnapshot& then, int64_t then_ts, const std::vector<int>& previous,
                const GroupSnapshot& now, int64_t now_ts, const config::TaskDedupConfig& c) {
  // The caller lists only pairs no task showed lately (camera-wide): any is news.
  if (!now.danger_pairs.empty()) return Verdict::kNewConflict;
  if (now.priority > then.priority) return Verdict::kEscalated;
  if (members_changed_for_good(then, previous, now, c.involved_members_only)) {
    return Verdict::kMembersChanged;
  }
  if (c.distance_shrink > 0 &&
      (shrank(then.person_vehicle_gap, now.person_vehicle_gap, c.distance_shrink) ||
       shrank(then.vehicle_gap, now.vehicle_gap, c.distance_shrink))) {
    return Verdict::kGapShrank;
  }
  if (c.speed_change > 0 && std::abs(now.speed - then.speed) > c.speed_change) {
    return Verdict::kSpeedChanged;
  }
  if (static_cast<double>(now_ts - then_ts) >= c.max_reassess_seconds * 1000) {
    return Verdict::kRefresh;
  }
  return Verdict::kDuplicate;
}

}  // namespace

Verdict GroupMemory::decide(const std::string& group_id, const GroupSnapshot& now,
                            int64_t capture_ts) {
  Entry& entry = groups_[group_id];
  entry.seen_ts = std::max(entry.seen_ts, capture_ts);
  const Verdict verdict = entry.assessed_ts < 0
                              ? Verdict::kFirst
                              : compare(entry.assessed, entry.assessed_ts, entry.last_members, now,
                                        capture_ts, config_);
  if (verdict != Verdict::kDuplicate) {
    entry.assessed = now;
    entry.assessed_ts = capture_ts;
  }
  entry.last_members = now.members;
  return verdict;
}

void GroupMemory::seen(const std::string& group_id, const std::vector<int>& members,
                       int64_t capture_ts) {
  const auto it = groups_.find(group_id);
  if (it == groups_.end()) return;  // never assessed: nothing to compare later
  it->second.seen_ts = std::max(it->second.seen_ts, capture_ts);
  it->second.last_members = members;
}

void GroupMemory::expire(int64_t capture_ts) {
  const auto horizon = capture_ts - static_cast<int64_t>(config_.forget_after_seconds * 1000);
  std::erase_if(groups_, [&](const auto& item) { return item.second.seen_ts < horizon; });
  const auto cap = static_cast<size_t>(std::max(1, config_.max_groups_per_camera));
  if (groups_.size() <= cap) return;
  // Rare (a camera with hundreds of live groups): sort once, drop the oldest.
  std::vector<std::pair<int64_t, std::string>> by_age;
  by_age.reserve(groups_.size());
  for (const auto& [id, entry] : groups_) by_age.emplace_back(entry.seen_ts, id);
  std::sort(by_age.begin(), by_age.end());
  for (size_t i = 0; i + cap < by_age.size(); ++i) groups_.erase(by_age[i].second);
}

}  // namespace tmon::generate
