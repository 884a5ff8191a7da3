#include "generate/task_generator.h"

#include <algorithm>
#include <set>

namespace tmon::generate {

std::string task_id_for(const std::string& request_id, const std::string& group_id) {
  return request_id + ":" + group_id;
}

namespace {

// Danger pairs remembered per camera at most (a busy junction has a few
// dozen at a time); beyond it the oldest go first.
constexpr size_t kMaxAssessedPairs = 4096;

const messages::GroupImage* find_image(const messages::DetectionResult& frame,
                                       const messages::TrafficGroup& group) {
  for (const auto& image : frame.groupImages) {
    if (image.groupId == group.groupId) return &image;
  }
  for (const auto& image : frame.groupImages) {
    if (image.groupIndex == group.groupIndex) return &image;
  }
  return nullptr;
}

// Whether a conflict candidate of the group will collide within
// `ttc_seconds` at constant velocity (0: never, not even boxes touching).
bool imminent(const messages::GroupSafety& safety, double ttc_seconds) {
  if (ttc_seconds <= 0) return false;
  return std::any_of(safety.pairs.begin(), safety.pairs.end(), [&](const auto& pair) {
    return pair.conflict && pair.ttc >= 0 && pair.ttc <= ttc_seconds;
  });
}

}  // namespace

TaskGenerator::CameraState& TaskGenerator::state_for(const messages::DetectionResult& frame) {
  auto it = cameras_.find(frame.cameraId);
  if (it != cameras_.end() && frame.captureTs < it->second.latest_ts) {
    // Time went backwards: a replay, or frames another owner already saw.
    // Start over rather than let newer state suppress these frames' tasks.
    cameras_.erase(it);
    it = cameras_.end();
  }
  if (it == cameras_.end()) {
    const auto cap = static_cast<size_t>(std::max(1, config_.dedup.max_cameras));
    if (cameras_.size() >= cap) {
      // Linear, but only when a camera beyond the cap arrives.
      auto oldest = std::min_element(
          cameras_.begin(), cameras_.end(),
          [](const auto& a, const auto& b) { return a.second.last_use < b.second.last_use; });
      cameras_.erase(oldest);
    }
    it = cameras_.try_emplace(frame.cameraId, config_.dedup).first;
  }
  it->second.last_use = ++use_counter_;
  it->second.latest_ts = frame.captureTs;
  return it->second;
}

FrameOutcome TaskGenerator::process(const messages::DetectionResult& frame, int64_t now_ms) {
  CameraState& camera = state_for(frame);
  camera.groups.expire(frame.captureTs);
  while (camera.assessed_pairs.size() > kMaxAssessedPairs) {
    // Rare: drop the oldest.
    camera.assessed_pairs.erase(
        std::min_element(camera.assessed_pairs.begin(), camera.assessed_pairs.end(),
                         [](const auto& a, const auto& b) { return a.second.ts < b.second.ts; }));
  }

  std::unordered_map<int, const messages::DetectedObject*> objects;
  for (const auto& object : frame.detectedObjects) objects.emplace(object.objectId, &object);

  FrameOutcome outcome;
  std::set<std::pair<int, int>> close_now;  // close pairs of this frame, any group
  // Groups with news, judged first and sent after: whether deferrable ones
  // wait depends on whether the frame makes a call at all.
  struct Candidate {
    size_t decision = 0;  // index in outcome.groups
    const messages::TrafficGroup* group = nullptr;
    const messages::GroupImage* image = nullptr;
    std::vector<const messages::DetectedObject*> members;
    GroupSnapshot snapshot;
    std::map<std::pair<int, int>, double> danger_gaps;
    int priority = 0;
    bool urgent = false;
    int64_t waiting_since = 0;  // deferrable: when the reason arose
  };
  std::vector<Candidate> candidates;
  const auto coalesce_ms = static_cast<int64_t>(config_.dedup.coalesce_seconds * 1000);
  bool call = false;  // the camera makes a call in this frame
  for (const auto& group : frame.trafficGroups) {
    if (static_cast<int>(group.objectIds.size()) < config_.min_group_size) continue;
    const messages::GroupImage* image = find_image(frame, group);
    // The LLM judges the picture; a group without one cannot be assessed.
    if (!image || image->imageBase64.empty()) continue;

    std::vector<const messages::DetectedObject*> members;
    for (int id : group.objectIds) {
      if (const auto it = objects.find(id); it != objects.end()) members.push_back(it->second);
    }
    const GroupMeasures measures =
        measure_group(group, members, camera.tracks, frame.captureTs, config_.triggers);
    close_now.insert(measures.close_pairs.begin(), measures.close_pairs.end());
    GroupDecision decision;
    decision.groupId = group.groupId;
    decision.fired = fired_triggers(measures, config_.triggers);
    if (decision.fired.empty()) {
      camera.groups.seen(group.groupId, measures.members, frame.captureTs);
      ++outcome.untriggered;
      outcome.groups.push_back(std::move(decision));
      continue;
    }
    if (config_.require_conflict_potential && !measures.conflict_potential) {
      // Triggered by shape alone (a standing queue, a dense cluster) with
      // nothing on a collision course: not worth a call.
      camera.groups.seen(group.groupId, measures.members, frame.captureTs);
      decision.no_potential = true;
      ++outcome.no_potential;
      outcome.groups.push_back(std::move(decision));
      continue;
    }
    const int priority = priority_of(decision.fired.front(), config_.triggers);
    // Only pairs no task showed lately, or that came much closer since, are news.
    std::vector<std::pair<int, int>> unseen_pairs;
    for (const auto& pair : measures.danger_pairs) {
      const auto shown = camera.assessed_pairs.find(pair);
      if (shown == camera.assessed_pairs.end() ||
          (measures.danger_gaps.at(pair) < config_.dedup.closer_pair_ratio * shown->second.gap &&
           shown->second.gap - measures.danger_gaps.at(pair) >=
               config_.dedup.closer_pair_min_drop)) {
        unseen_pairs.push_back(pair);
      }
    }
    std::vector<int> involved;
    for (const auto* pairs : {&measures.conflict_pairs, &measures.danger_pairs}) {
      for (const auto& [a, b] : *pairs) {
        involved.push_back(a);
        involved.push_back(b);
      }
    }
    std::sort(involved.begin(), involved.end());
    involved.erase(std::unique(involved.begin(), involved.end()), involved.end());
    GroupSnapshot snapshot{measures.members,
                           measures.person_vehicle_gap,
                           measures.vehicle_gap,
                           std::move(unseen_pairs),
                           std::move(involved),
                           measures.speed,
                           priority};
    decision.new_pairs = snapshot.danger_pairs;
    Verdict verdict = camera.groups.judge(group.groupId, snapshot, frame.captureTs);
    // A first sight or a higher trigger with nothing close (at most a TTC/PET
    // candidate, which in flowing traffic mostly brakes in time) may wait
    // too (dedup.quiet_news_waits); a close pair never does, nor a collision
    // course too short to brake on (dedup.imminent_ttc_seconds).
    const bool quiet = (verdict == Verdict::kFirst || verdict == Verdict::kEscalated) &&
                       config_.dedup.quiet_news_waits && measures.danger_pairs.empty() &&
                       !imminent(group.safety, config_.dedup.imminent_ttc_seconds);
    Candidate candidate{
        outcome.groups.size(), &group,  image, std::move(members), std::move(snapshot),
        measures.danger_gaps,  priority};
    if (is_urgent(verdict) && !quiet) {
      candidate.urgent = true;
      call = true;
    } else if (is_news(verdict)) {
      std::tie(verdict, candidate.waiting_since) =
          camera.groups.defer(group.groupId, verdict, frame.captureTs);
      if (quiet) {
        // Waiting since its first road user began to: a regrouped cluster
        // (new group id, same road users) does not start the wait over.
        candidate.waiting_since =
            std::min(candidate.waiting_since,
                     camera.groups.quiet_since(candidate.snapshot.members, frame.captureTs));
      }
    } else if (const auto waiting = camera.groups.deferred(group.groupId)) {
      std::tie(verdict, candidate.waiting_since) = *waiting;  // still owed a look
    } else {
      decision.verdict = verdict;
      ++outcome.deduplicated;
      outcome.groups.push_back(std::move(decision));
      continue;
    }
    if (!candidate.urgent && frame.captureTs - candidate.waiting_since >= coalesce_ms) call = true;
    decision.verdict = verdict;
    outcome.groups.push_back(std::move(decision));
    candidates.push_back(std::move(candidate));
  }

  for (auto& candidate : candidates) {
    GroupDecision& decision = outcome.groups[candidate.decision];
    if (!call) {
      // Nothing due yet: the reason waits for the camera's next call.
      decision.deferred = true;
      ++outcome.deferred;
      continue;
    }
    const auto& group = *candidate.group;
    camera.groups.assessed(group.groupId, candidate.snapshot, frame.captureTs);
    messages::AssessmentTask task;
    task.taskId = task_id_for(frame.requestId, group.groupId);
    task.cameraId = frame.cameraId;
    task.requestId = frame.requestId;
    task.groupIndex = group.groupIndex;
    task.groupId = group.groupId;
    task.captureTs = frame.captureTs;
    task.createdTs = now_ms;
    task.deadlineTs = frame.captureTs + static_cast<int64_t>(config_.max_age_seconds * 1000);
    task.priority = candidate.priority;
    task.imageBase64 = candidate.image->imageBase64;
    task.features = group.features;
    task.safety = group.safety;
    for (const Trigger trigger : decision.fired) task.triggers.emplace_back(to_string(trigger));
    for (const auto* object : candidate.members) task.objects.push_back(*object);
    outcome.tasks.push_back(std::move(task));
    for (const auto& [pair, gap] : candidate.danger_gaps) {
      camera.assessed_pairs[pair] = {frame.captureTs, gap};
    }
    decision.emitted = true;
  }
  // A pair that drew apart is news again when it closes in again. One of
  // the two missing from the frame (the detector lost it for a moment, or it
  // is hidden) has not drawn apart: forgotten only after max_reassess_seconds.
  // A pair that stays close is shown again by its group's refresh, which
  // may wait for the camera's next call: standing there is no new danger.
  const auto pair_horizon =
      frame.captureTs - static_cast<int64_t>(config_.dedup.max_reassess_seconds * 1000);
  std::erase_if(camera.assessed_pairs, [&](const auto& item) {
    if (close_now.contains(item.first)) return false;
    return (objects.contains(item.first.first) && objects.contains(item.first.second)) ||
           item.second.ts <= pair_horizon;
  });
  // The aggregator waits for as many results as tasks were actually sent.
  for (auto& task : outcome.tasks) task.frameTaskCount = static_cast<int>(outcome.tasks.size());

  // Kept a while rather than one frame: the tracker may miss an object for a
  // frame or two, and its track should still give it a velocity afterwards.
  std::erase_if(camera.tracks, [&](const auto& item) {
    return item.second.ts_ms < frame.captureTs - kMaxTrackAgeMs;
  });
  for (const auto& object : frame.detectedObjects) {
    if (object.objectId >= 0) camera.tracks[object.objectId] = {object.bbox, frame.captureTs};
  }
  return outcome;
}

}  // namespace tmon::generate
