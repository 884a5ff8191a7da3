#pragma once

#include <cstdint>
#include <optional>
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
  kFirst,           // not assessed before (or forgotten), with a road user no task showed lately
  kNewConflict,     // two road users came close enough to touch (a pedestrian within the
                    // proximity gap of a vehicle, a moving vehicle within the tailgating
                    // gap of another) whom no task showed lately, or who came closer than
                    // when a task last showed them (dedup.closer_pair_ratio)
  kEscalated,       // a trigger of higher priority than last time fired
  kMembersChanged,  // a road user joined or left, and it stayed so for a second analysed frame
                    // (with dedup.track_identity: one no task showed lately joined)
  kGapShrank,       // a closest gap shrank by more than distance_shrink
  kSpeedChanged,    // speed changed by more than speed_change
  kRefresh,         // max_reassess_seconds have passed since the last assessment
  kRegrouped,       // new groupId, but every member was assessed lately in other groups
                    // (dedup.track_identity): no task, the group is remembered as assessed
  kDuplicate,       // nothing that matters changed: no new task
};
std::string_view to_string(Verdict verdict);

// Whether a reason goes out in the frame it appears (a new close pair, a
// higher trigger, a first sight) or may wait up to dedup.coalesce_seconds
// for a call the camera makes anyway (a member change, a refresh, the
// opt-in gap and speed reasons). With dedup.quiet_news_waits a first sight
// or higher trigger whose group has no close pair waits too (the
// TaskGenerator decides that: it needs the group's measures).
bool is_urgent(Verdict verdict);
// Whether the verdict makes (or defers) a task.
inline bool is_news(Verdict verdict) {
  return verdict != Verdict::kDuplicate && verdict != Verdict::kRegrouped;
}

// The assessed groups of one camera, by stable groupId, in capture time.
// Comparisons are against the group's state at its last assessment, so slow
// drift adds up until it crosses a threshold. A member change counts only
// once it has held for two analysed frames in a row: at 1.8 s a box that
// blinks in and out (an identity switch, a passer-by grazing the group) is
// no news, while one that stays is.
//
// Identity by tracks (dedup.track_identity, on by default): group ids churn
// as clusters split and merge, track ids (objectId) last. The memory also
// keeps when each track was last in an assessed group; a group made only of
// tracks assessed within max_reassess_seconds is no first sight (kRegrouped:
// remembered as assessed when its oldest member was), and only a joining
// track no task showed lately is a member change.
//
// Bounded: groups not seen for forget_after_seconds are dropped, and at most
// max_groups_per_camera are kept (least recently seen go first); assessed
// tracks are kept max_reassess_seconds, waiting tracks forget_after_seconds,
// each at most kMaxAssessedTracks. Not thread-safe.
class GroupMemory {
 public:
  static constexpr size_t kMaxAssessedTracks = 4096;

  explicit GroupMemory(config::TaskDedupConfig config) : config_(config) {}

  // Judges a group that fired a trigger at capture_ts against its last
  // assessment; remembers its members for the next frame's comparison (and,
  // for kRegrouped, adopts it as assessed). Call assessed() when it is sent.
  Verdict judge(const std::string& group_id, const GroupSnapshot& now, int64_t capture_ts);
  // A task showing the group as `now` was made at capture_ts: later frames
  // compare to this, and its members count as assessed tracks.
  void assessed(const std::string& group_id, const GroupSnapshot& now, int64_t capture_ts);
  // A deferrable reason arose at capture_ts (see is_urgent); the earliest
  // pending one is kept until assessed() clears it. Returns that one.
  std::pair<Verdict, int64_t> defer(const std::string& group_id, Verdict verdict,
                                    int64_t capture_ts);
  // The reason waiting for the group and since when; nullopt: none.
  std::optional<std::pair<Verdict, int64_t>> deferred(const std::string& group_id) const;
  // Quiet news (dedup.quiet_news_waits: a first sight or higher trigger
  // with no close pair) waits since the earliest of its road users began
  // waiting at capture_ts: group ids churn as clusters split and merge,
  // track ids last, so the wait does not start over with each new id. A
  // road user's wait ends when a task shows it, and starts over when it was
  // in no quiet news for longer than coalesce_seconds (its group calmed
  // down or left; a reused id is another road user).
  int64_t quiet_since(const std::vector<int>& members, int64_t capture_ts);
  size_t waiting_tracks() const { return waiting_tracks_.size(); }
  // judge(), then assessed() unless the verdict is no news.
  Verdict decide(const std::string& group_id, const GroupSnapshot& now, int64_t capture_ts);
  // The group is in the frame but is not a candidate (fired nothing, or has
  // no conflict potential): it is still alive, with these members.
  void seen(const std::string& group_id, const std::vector<int>& members, int64_t capture_ts);
  // Drops groups unseen since capture_ts - forget_after, then the least
  // recently seen beyond the cap, and tracks not assessed within
  // max_reassess_seconds.
  void expire(int64_t capture_ts);
  size_t size() const { return groups_.size(); }
  size_t assessed_tracks() const { return assessed_tracks_.size(); }
  // When a track was last in an assessed group; -1: not within max_reassess_seconds.
  int64_t track_assessed_ts(int object_id) const;

 private:
  struct Entry {
    GroupSnapshot assessed;
    int64_t assessed_ts = -1;  // -1: seen, never assessed
    int64_t seen_ts = 0;
    std::vector<int> last_members;           // sorted, in the latest frame that showed the group
    Verdict deferred = Verdict::kDuplicate;  // a reason waiting for a call; kDuplicate: none
    int64_t deferred_ts = 0;                 // when it arose
  };

  bool known(int object_id, int64_t capture_ts) const;
  Verdict compare(const Entry& entry, const GroupSnapshot& now, int64_t now_ts) const;

  config::TaskDedupConfig config_;
  std::unordered_map<std::string, Entry> groups_;
  std::unordered_map<int, int64_t> assessed_tracks_;  // objectId -> capture ts
  struct WaitingTrack {
    int64_t since = 0;    // first seen in a waiting first sight
    int64_t seen_ts = 0;  // last seen in one
  };
  std::unordered_map<int, WaitingTrack> waiting_tracks_;  // objectId -> its wait
};

}  // namespace tmon::generate
