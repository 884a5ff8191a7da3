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
    case Verdict::kRegrouped:
      return "regrouped";
    case Verdict::kDuplicate:
      return "duplicate";
  }
  return "unknown";
}

bool is_urgent(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFirst:
    case Verdict::kNewConflict:
    case Verdict::kEscalated:
      return true;
    case Verdict::kMembersChanged:
    case Verdict::kGapShrank:
    case Verdict::kSpeedChanged:
    case Verdict::kRefresh:
    case Verdict::kRegrouped:
    case Verdict::kDuplicate:
      return false;
  }
  return true;
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

}  // namespace

int64_t GroupMemory::track_assessed_ts(int object_id) const {
  const auto it = assessed_tracks_.find(object_id);
  return it == assessed_tracks_.end() ? -1 : it->second;
}

bool GroupMemory::known(int object_id, int64_t capture_ts) const {
  const int64_t ts = track_assessed_ts(object_id);
  return ts >= 0 && static_cast<double>(capture_ts - ts) < config_.max_reassess_seconds * 1000;
}

Verdict GroupMemory::compare(const Entry& entry, const GroupSnapshot& now, int64_t now_ts) const {
  const GroupSnapshot& then = entry.assessed;
  const std::vector<int>& previous = entry.last_members;
  const auto& c = config_;
  // The caller lists only pairs no task showed lately (camera-wide): any is news.
  if (!now.danger_pairs.empty()) return Verdict::kNewConflict;
  if (now.priority > then.priority) return Verdict::kEscalated;
  // A member joined (or left) since the assessment and was already in (or
  // already out of) the group in the previous frame. By track identity only
  // a joining road user no task showed lately counts: one assessed in
  // another group is no stranger, and one leaving takes nothing new along.
  for (int id : now.members) {
    if (c.involved_members_only && !contains(now.involved, id)) continue;
    if (c.track_identity && known(id, now_ts)) continue;
    if (!contains(then.members, id) && contains(previous, id)) return Verdict::kMembersChanged;
  }
  for (int id : then.members) {
    if (c.track_identity) break;
    if (c.involved_members_only && !contains(then.involved, id)) continue;
    if (!contains(now.members, id) && !contains(previous, id)) return Verdict::kMembersChanged;
  }
  if (c.distance_shrink > 0 &&
      (shrank(then.person_vehicle_gap, now.person_vehicle_gap, c.distance_shrink) ||
       shrank(then.vehicle_gap, now.vehicle_gap, c.distance_shrink))) {
    return Verdict::kGapShrank;
  }
  if (c.speed_change > 0 && std::abs(now.speed - then.speed) > c.speed_change) {
    return Verdict::kSpeedChanged;
  }
  if (static_cast<double>(now_ts - entry.assessed_ts) >= c.max_reassess_seconds * 1000) {
    return Verdict::kRefresh;
  }
  return Verdict::kDuplicate;
}

Verdict GroupMemory::judge(const std::string& group_id, const GroupSnapshot& now,
                           int64_t capture_ts) {
  Entry& entry = groups_[group_id];
  entry.seen_ts = std::max(entry.seen_ts, capture_ts);
  Verdict verdict = Verdict::kFirst;
  if (entry.assessed_ts >= 0) {
    verdict = compare(entry, now, capture_ts);
  } else if (!now.danger_pairs.empty()) {
    // A first sight with a new close pair: urgent, whoever is in it.
  } else if (config_.track_identity && !now.members.empty() &&
             std::all_of(now.members.begin(), now.members.end(),
                         [&](int id) { return known(id, capture_ts); })) {
    // The same road users in a new cluster: as fresh as its stalest member.
    verdict = Verdict::kRegrouped;
    entry.assessed = now;
    entry.assessed_ts = capture_ts;
    for (int id : now.members)
      entry.assessed_ts = std::min(entry.assessed_ts, track_assessed_ts(id));
  }
  entry.last_members = now.members;
  return verdict;
}

void GroupMemory::assessed(const std::string& group_id, const GroupSnapshot& now,
                           int64_t capture_ts) {
  Entry& entry = groups_[group_id];
  entry.seen_ts = std::max(entry.seen_ts, capture_ts);
  entry.assessed = now;
  entry.assessed_ts = capture_ts;
  entry.deferred = Verdict::kDuplicate;
  for (int id : now.members) {
    int64_t& ts = assessed_tracks_[id];
    ts = std::max(ts, capture_ts);
    waiting_tracks_.erase(id);
  }
}

int64_t GroupMemory::quiet_since(const std::vector<int>& members, int64_t capture_ts) {
  const auto gap = static_cast<int64_t>(config_.coalesce_seconds * 1000);
  int64_t since = capture_ts;
  for (int id : members) {
    WaitingTrack& wait = waiting_tracks_.try_emplace(id, WaitingTrack{capture_ts, capture_ts})
                             .first->second;
    if (capture_ts - wait.seen_ts > gap) wait.since = capture_ts;  // an old wait: start over
    wait.seen_ts = std::max(wait.seen_ts, capture_ts);
    since = std::min(since, wait.since);
  }
  return since;
}

std::pair<Verdict, int64_t> GroupMemory::defer(const std::string& group_id, Verdict verdict,
                                               int64_t capture_ts) {
  Entry& entry = groups_[group_id];
  if (entry.deferred == Verdict::kDuplicate) {
    entry.deferred = verdict;
    entry.deferred_ts = capture_ts;
  }
  return {entry.deferred, entry.deferred_ts};
}

std::optional<std::pair<Verdict, int64_t>> GroupMemory::deferred(
    const std::string& group_id) const {
  const auto it = groups_.find(group_id);
  if (it == groups_.end() || it->second.deferred == Verdict::kDuplicate) return std::nullopt;
  return std::pair{it->second.deferred, it->second.deferred_ts};
}

Verdict GroupMemory::decide(const std::string& group_id, const GroupSnapshot& now,
                            int64_t capture_ts) {
  const Verdict verdict = judge(group_id, now, capture_ts);
  if (is_news(verdict)) assessed(group_id, now, capture_ts);
  return verdict;
}

void GroupMemory::seen(const std::string& group_id, const std::vector<int>& members,
                       int64_t capture_ts) {
  const auto it = groups_.find(group_id);
  if (it == groups_.end()) return;  // never assessed: nothing to compare later
  it->second.seen_ts = std::max(it->second.seen_ts, capture_ts);
  it->second.last_members = members;
}

namespace {

// Rare (a camera with thousands of live tracks): keeps the `cap` entries of
// a track map with the latest time, dropping the rest.
template <typename Map, typename TimeOf>
void keep_newest(Map& tracks, size_t cap, TimeOf time_of) {
  if (tracks.size() <= cap) return;
  std::vector<std::pair<int64_t, int>> by_age;
  by_age.reserve(tracks.size());
  for (const auto& [id, value] : tracks) by_age.emplace_back(time_of(value), id);
  std::sort(by_age.begin(), by_age.end());
  for (size_t i = 0; i + cap < by_age.size(); ++i) tracks.erase(by_age[i].second);
}

}  // namespace

void GroupMemory::expire(int64_t capture_ts) {
  const auto track_horizon = capture_ts - static_cast<int64_t>(config_.max_reassess_seconds * 1000);
  std::erase_if(assessed_tracks_, [&](const auto& item) { return item.second < track_horizon; });
  keep_newest(assessed_tracks_, kMaxAssessedTracks, [](int64_t ts) { return ts; });
  const auto horizon = capture_ts - static_cast<int64_t>(config_.forget_after_seconds * 1000);
  std::erase_if(waiting_tracks_, [&](const auto& item) { return item.second.seen_ts < horizon; });
  keep_newest(waiting_tracks_, kMaxAssessedTracks,
              [](const WaitingTrack& wait) { return wait.seen_ts; });
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
