#include "detect/scene_evaluation.h"

#include <chrono>
#include <map>

namespace tmon::detect {

double SceneScore::class_accuracy() const {
  return detection.true_positives > 0
             ? static_cast<double>(class_matches) / detection.true_positives
             : 1.0;
}

double SceneScore::switches_per_100() const {
  return track_frames > 0 ? 100.0 * id_switches / track_frames : 0.0;
}

SceneScore& operator+=(SceneScore& total, const SceneScore& part) {
  const double frames_before = total.detection.true_positives + total.detection.false_negatives;
  const double frames_part = part.detection.true_positives + part.detection.false_negatives;
  total.detect_ms = frames_before + frames_part > 0
                        ? (total.detect_ms * frames_before + part.detect_ms * frames_part) /
                              (frames_before + frames_part)
                        : 0;
  total.detection += part.detection;
  total.class_matches += part.class_matches;
  total.track_frames += part.track_frames;
  total.id_switches += part.id_switches;
  return total;
}

SceneScore evaluate_on_sim(const SimOptions& options, const MakeDetector& make_detector,
                           double interval_seconds, int frames, int warmup, double min_iou,
                           TrackerOptions tracking) {
  SimScene scene(options);
  DetectorPtr detector = make_detector();
  Tracker tracker(tracking);
  SceneScore score;
  std::map<int, int> last_track;  // truth id -> track id
  double detect_seconds = 0;
  int timed = 0;
  for (int i = 0; i < frames; ++i) {
    scene.step(interval_seconds);
    const cv::Mat frame = scene.render();
    const auto started = std::chrono::steady_clock::now();
    auto detections = detector->detect(frame);
    detect_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ++timed;
    detections = tracker.update(std::move(detections), frame, interval_seconds * (i + 1));
    if (i < warmup) continue;

    std::vector<cv::Rect2d> truth, dont_care, detected;
    std::vector<const SimObject*> truth_objects;
    const cv::Rect2d bounds(0, 0, frame.cols, frame.rows);
    for (const auto& object : scene.objects()) {
      const cv::Rect2d visible = object.box & bounds;
      if (visible.area() >= 0.5 * object.box.area()) {
        truth.push_back(visible);
        truth_objects.push_back(&object);
      } else if (visible.area() > 0) {
        dont_care.push_back(visible);
      }
    }
    for (const auto& d : detections) detected.push_back(d.box);
    const MatchCounts counts = match_boxes(truth, detected, min_iou, dont_care);
    for (size_t t = 0; t < truth.size(); ++t) {
      const int d = counts.match_of_truth[t];
      if (d < 0) continue;
      const auto& detection = detections[static_cast<size_t>(d)];
      score.class_matches += detection.class_name == truth_objects[t]->class_name;
      ++score.track_frames;
      const auto [it, first] = last_track.emplace(truth_objects[t]->id, detection.object_id);
      if (!first && it->second != detection.object_id) {
        ++score.id_switches;
        it->second = detection.object_id;
      }
    }
    score.detection += counts;
  }
  score.detect_ms = timed > 0 ? 1000 * detect_seconds / timed : 0;
  return score;
}

}  // namespace tmon::detect
