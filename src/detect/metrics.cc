#include "detect/metrics.h"

#include "messages/coco.h"

namespace tmon::detect {

DetectMetrics::DetectMetrics(prometheus::Registry& registry)
    : detection_total(prometheus::BuildCounter()
                          .Name("detection_total")
                          .Help("Frames analysed by the detector, per camera")
                          .Register(registry)),
      detection_latency(prometheus::BuildHistogram()
                            .Name("detection_latency_seconds")
                            .Help("From frame capture to the end of its analysis")
                            .Register(registry)),
      frames_grabbed(prometheus::BuildCounter()
                         .Name("detect_frames_grabbed_total")
                         .Help("Frames decoded from the camera")
                         .Register(registry)),
      frames_sampled(prometheus::BuildCounter()
                         .Name("detect_frames_sampled_total")
                         .Help("Frames taken for analysis at the camera's frame interval")
                         .Register(registry)),
      frames_dropped(prometheus::BuildCounter()
                         .Name("detect_frames_dropped_total")
                         .Help("Samples skipped: busy (previous frame still in analysis), stale "
                               "(no new frame), error (the source failed)")
                         .Register(registry)),
      frames_tracked(prometheus::BuildCounter()
                         .Name("detect_frames_tracked_total")
                         .Help("Frames detected and tracked (every analysed frame and the ones "
                               "between, at detection.track_fps)")
                         .Register(registry)),
      track_skipped(prometheus::BuildCounter()
                        .Name("detect_track_skipped_total")
                        .Help("Tracking frames given up because the CPU could not keep up (the "
                              "camera's previous frame still in work, or its tracking frame not "
                              "started before its analysed frame): tracking runs slower, "
                              "analysis never waits")
                        .Register(registry)),
      camera_up(prometheus::BuildGauge()
                    .Name("detect_camera_up")
                    .Help("1 while the camera delivers frames, 0 otherwise")
                    .Register(registry)),
      objects_detected(prometheus::BuildCounter()
                           .Name("detect_objects_total")
                           .Help("Objects detected, per camera and class")
                           .Register(registry)) {}

namespace {

template <typename T>
void remove_series(prometheus::Family<T>& family, const prometheus::Labels& labels) {
  if (family.Has(labels)) family.Remove(&family.Add(labels));
}

}  // namespace

void DetectMetrics::forget(const std::string& camera_id) {
  const prometheus::Labels camera{{"camera_id", camera_id}};
  remove_series(detection_total, camera);
  remove_series(frames_grabbed, camera);
  remove_series(frames_sampled, camera);
  remove_series(frames_tracked, camera);
  remove_series(track_skipped, camera);
  remove_series(camera_up, camera);
  if (detection_latency.Has(camera)) {
    detection_latency.Remove(
        &detection_latency.Add(camera, prometheus::Histogram::BucketBoundaries{}));
  }
  for (const char* reason : {"busy", "stale", "error"}) {
    remove_series(frames_dropped, {{"camera_id", camera_id}, {"reason", reason}});
  }
  for (const auto& name : messages::coco_names()) {
    remove_series(objects_detected, {{"camera_id", camera_id}, {"class", name}});
  }
}

}  // namespace tmon::detect
