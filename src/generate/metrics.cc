#include "generate/metrics.h"

namespace tmon::generate {

GenerateMetrics::GenerateMetrics(prometheus::Registry& registry, size_t max_cameras)
    : groups(prometheus::BuildCounter()
                 .Name("generate_groups_total")
                 .Help("Groups eligible for assessment (enough members and a crop): the calls "
                       "one task per group per frame would make")
                 .Register(registry)),
      tasks_generated(prometheus::BuildCounter()
                          .Name("tasks_generated_total")
                          .Help("Assessment tasks made, by the highest-priority trigger fired")
                          .Register(registry)),
      tasks_deduplicated(prometheus::BuildCounter()
                             .Name("tasks_deduplicated_total")
                             .Help("Triggered groups not re-assessed: assessed recently and "
                                   "unchanged beyond the de-duplication thresholds")
                             .Register(registry)),
      groups_untriggered(prometheus::BuildCounter()
                             .Name("generate_groups_untriggered_total")
                             .Help("Eligible groups that fired no trigger")
                             .Register(registry)),
      groups_no_potential(prometheus::BuildCounter()
                              .Name("generate_groups_no_potential_total")
                              .Help("Triggered groups not sent because the surrogate safety "
                                    "measures give them no conflict potential "
                                    "(tasks.require_conflict_potential)")
                              .Register(registry)),
      cameras_tracked(prometheus::BuildGauge()
                          .Name("generate_cameras_tracked")
                          .Help("Cameras whose groups the generator remembers for de-duplication")
                          .Register(registry)),
      camera_series_evicted(prometheus::BuildCounter()
                                .Name("generate_camera_series_evicted_total")
                                .Help("Cameras whose per-camera series were dropped: more cameras "
                                      "than the series cap, least recently seen first")
                                .Register(registry)
                                .Add({})),
      max_cameras_(std::max<size_t>(1, max_cameras)) {}

namespace {

template <typename T>
void remove_series(prometheus::Family<T>& family, const prometheus::Labels& labels) {
  if (family.Has(labels)) family.Remove(&family.Add(labels));
}

}  // namespace

void GenerateMetrics::touch(const std::string& camera_id) {
  if (const auto it = position_.find(camera_id); it != position_.end()) {
    recent_.splice(recent_.begin(), recent_, it->second);
    return;
  }
  recent_.push_front(camera_id);
  position_[camera_id] = recent_.begin();
  while (recent_.size() > max_cameras_) {
    forget(recent_.back());
    camera_series_evicted.Increment();
  }
}

void GenerateMetrics::forget(const std::string& camera_id) {
  const prometheus::Labels camera{{"camera_id", camera_id}};
  remove_series(groups, camera);
  remove_series(tasks_deduplicated, camera);
  remove_series(groups_untriggered, camera);
  remove_series(groups_no_potential, camera);
  for (const Trigger trigger : kAllTriggers) {
    remove_series(tasks_generated,
                  {{"camera_id", camera_id}, {"trigger", std::string(to_string(trigger))}});
  }
  if (const auto it = position_.find(camera_id); it != position_.end()) {
    recent_.erase(it->second);
    position_.erase(it);
  }
}

void GenerateMetrics::record(const std::string& camera_id, const FrameOutcome& outcome) {
  touch(camera_id);
  const prometheus::Labels camera{{"camera_id", camera_id}};
  if (!outcome.groups.empty()) {
    groups.Add(camera).Increment(static_cast<double>(outcome.groups.size()));
  }
  if (outcome.deduplicated > 0) tasks_deduplicated.Add(camera).Increment(outcome.deduplicated);
  if (outcome.untriggered > 0) groups_untriggered.Add(camera).Increment(outcome.untriggered);
  if (outcome.no_potential > 0) groups_no_potential.Add(camera).Increment(outcome.no_potential);
  for (const auto& decision : outcome.groups) {
    if (!decision.emitted) continue;
    tasks_generated
        .Add(
            {{"camera_id", camera_id}, {"trigger", std::string(to_string(decision.fired.front()))}})
        .Increment();
  }
}

}  // namespace tmon::generate
