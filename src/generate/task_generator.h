#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "generate/group_memory.h"
#include "generate/triggers.h"
#include "messages/messages.h"

namespace tmon::generate {

// What became of one group of a frame.
struct GroupDecision {
  std::string groupId;
  std::vector<Trigger> fired;      // highest priority first; empty: untriggered
  std::optional<Verdict> verdict;  // set when a trigger fired and the group had potential
  bool no_potential = false;       // triggered, but no conflict potential (not sent)
  bool emitted = false;            // a task was made
  bool deferred = false;           // news that waits for the camera's next call (verdict: why)
  // Close pairs (object ids) no task showed lately: what made a new_conflict.
  std::vector<std::pair<int, int>> new_pairs;
};

// The tasks of one frame and what the groups came to.
struct FrameOutcome {
  std::vector<messages::AssessmentTask> tasks;
  std::vector<GroupDecision> groups;  // eligible groups only (see TaskGenerator)
  int untriggered = 0;
  int no_potential = 0;  // triggered, dropped by require_conflict_potential
  int deduplicated = 0;
  int deferred = 0;  // news waiting for the camera's next call (dedup.coalesce_seconds)
};

// Decides which groups of a frame are worth an LLM call and builds their
// tasks. A group is *eligible* when it has at least min_group_size
// members and a crop: the one-call-per-group-per-frame baseline of the
// original system. An eligible group becomes a task when a trigger fires,
// the surrogate safety measures give it a conflict potential (when
// require_conflict_potential is on) and re-assessment policy (GroupMemory)
// lets it through.
//
// State per camera: the assessed groups, and each object's box in the
// previous frame (closing speed from tracks). All time is capture time, so
// the outcome depends only on the sequence of frames, never on the wall
// clock, and replays are deterministic: taskIds are task_id_for(requestId,
// groupId). A frame older than the camera's latest (a replay after a crash
// or a rebalance) resets that camera, so replayed frames are assessed again
// with the same taskIds, which the aggregator de-duplicates.
//
// Bounded: at most dedup.max_cameras cameras (least recently seen dropped).
// Not thread-safe: one consumer thread owns it.
class TaskGenerator {
 public:
  explicit TaskGenerator(config::TaskConfig config) : config_(std::move(config)) {}

  // now_ms stamps createdTs; deadlineTs = captureTs + max_age.
  FrameOutcome process(const messages::DetectionResult& frame, int64_t now_ms);

  // Drops what is remembered about a camera (its partition moved away).
  void forget_camera(const std::string& camera_id) { cameras_.erase(camera_id); }
  size_t cameras() const { return cameras_.size(); }
  const config::TaskConfig& config() const { return config_; }

 private:
  struct CameraState {
    explicit CameraState(const config::TaskDedupConfig& dedup) : groups(dedup) {}
    GroupMemory groups;
    TrackHistory tracks;  // objects of the previous frame
    // Danger pairs (GroupMeasures::danger_pairs) by when a task last showed
    // them, whatever group they were in: groups split and merge between
    // frames, and the same two road users in a regrouped picture are no news.
    // Kept while the two stay close (GroupMeasures::close_pairs), standing or
    // not; forgotten once both are seen apart, or after max_reassess_seconds
    // when one of them is missing; bounded by kMaxAssessedPairs. One that came
    // closer than dedup.closer_pair_ratio of its gap then (and by at least
    // closer_pair_min_drop) is news again.
    struct ShownPair {
      int64_t ts = 0;  // capture time of the task
      double gap = 0;  // object sizes, then
    };
    std::map<std::pair<int, int>, ShownPair> assessed_pairs;
    int64_t latest_ts = 0;
    uint64_t last_use = 0;  // for least-recently-seen eviction
  };

  CameraState& state_for(const messages::DetectionResult& frame);

  config::TaskConfig config_;
  std::unordered_map<std::string, CameraState> cameras_;
  uint64_t use_counter_ = 0;
};

// "<requestId>:<groupId>": unique per frame and group, stable across replays.
std::string task_id_for(const std::string& request_id, const std::string& group_id);

}  // namespace tmon::generate
