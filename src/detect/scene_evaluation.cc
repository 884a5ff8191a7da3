#include "detect/scene_evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <set>

#include "common/clock.h"
#include "detect/truth_detector.h"
#include "detect/velocity_fit.h"

namespace tmon::detect {
namespace {

// Pairs whose true TTC is this short are scored; beyond it the constant
// velocity assumption says little (drivers brake, people wait).
constexpr double kTtcScoredSeconds = 3.0;

}  // namespace

double SceneScore::class_accuracy() const {
  return detection.true_positives > 0
             ? static_cast<double>(class_matches) / detection.true_positives
             : 1.0;
}

double SceneScore::switches_per_100() const {
  return track_frames > 0 ? 100.0 * id_switches / track_frames : 0.0;
}

double SceneScore::ids_per_object() const {
  return objects_seen > 0 ? static_cast<double>(ids_of_objects) / objects_seen : 0.0;
}

double SceneScore::mean_count_error() const {
  return scored_frames > 0 ? count_error / scored_frames : 0.0;
}

double SceneScore::TtcScore::within(double tolerance) const {
  if (pairs() == 0) return 1.0;
  const auto good =
      std::count_if(errors.begin(), errors.end(), [&](double e) { return e <= tolerance; });
  return static_cast<double>(good) / static_cast<double>(pairs());
}

double SceneScore::TtcScore::within_estimated(double tolerance) const {
  if (errors.empty()) return 1.0;
  const auto good =
      std::count_if(errors.begin(), errors.end(), [&](double e) { return e <= tolerance; });
  return static_cast<double>(good) / static_cast<double>(errors.size());
}

SceneScore::TtcScore& SceneScore::TtcScore::operator+=(const TtcScore& other) {
  errors.insert(errors.end(), other.errors.begin(), other.errors.end());
  missing += other.missing;
  return *this;
}

double SceneScore::TtcScore::median_error() const {
  if (errors.empty()) return 0;
  std::vector<double> sorted = errors;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() / 2),
                   sorted.end());
  return sorted[sorted.size() / 2];
}

SceneScore& operator+=(SceneScore& total, const SceneScore& part) {
  const double frames = total.scored_frames + part.scored_frames;
  if (frames > 0) {
    total.detect_ms =
        (total.detect_ms * total.scored_frames + part.detect_ms * part.scored_frames) / frames;
    total.track_ms =
        (total.track_ms * total.scored_frames + part.track_ms * part.scored_frames) / frames;
  }
  total.detection += part.detection;
  total.class_matches += part.class_matches;
  total.track_frames += part.track_frames;
  total.id_switches += part.id_switches;
  total.objects_seen += part.objects_seen;
  total.ids_of_objects += part.ids_of_objects;
  total.scored_frames += part.scored_frames;
  total.count_error += part.count_error;
  total.ttc_in_line += part.ttc_in_line;
  total.ttc_crossing += part.ttc_crossing;
  total.ttc_steady += part.ttc_steady;
  total.ttc_reference_in_line += part.ttc_reference_in_line;
  total.ttc_reference_crossing += part.ttc_reference_crossing;
  return total;
}

namespace {

// Times the detector inside the analyzer.
class TimedDetector final : public Detector {
 public:
  TimedDetector(DetectorPtr inner, double& seconds) : inner_(std::move(inner)), seconds_(seconds) {}
  std::vector<Detection> detect(const cv::Mat& frame) override {
    const auto started = SystemClock::instance().now();
    auto found = inner_->detect(frame);
    seconds_ += std::chrono::duration<double>(SystemClock::instance().now() - started).count();
    return found;
  }
  const char* name() const override { return inner_->name(); }
  void observe(const TrackFeedback& feedback) override { inner_->observe(feedback); }
  bool finds_motion() const override { return inner_->finds_motion(); }

 private:
  DetectorPtr inner_;
  double& seconds_;
};

// Whether two road users move along one line: same or opposite heading
// (within 30 degrees), or one of them standing.
bool in_line(const cv::Point2d& a, const cv::Point2d& b) {
  const double na = cv::norm(a);
  const double nb = cv::norm(b);
  if (na < 0.05 * nb || nb < 0.05 * na) return true;
  return std::abs(a.dot(b)) / (na * nb) >= std::cos(30 * M_PI / 180);
}

// When each true object became wholly visible and last changed speed, for
// the TTC dump; and its centre at the last three frames, for the reference
// velocity (with `reference_noise` px of Gaussian noise per axis, drawn from
// a generator seeded per scene, so the figures repeat).
struct ObjectHistory {
  std::map<int, double> in_view_since;
  std::map<int, double> changed_at;
  std::map<int, cv::Point2d> last_velocity;
  std::map<int, std::deque<TimedCenter>> centres;
  double reference_noise = 0;
  cv::RNG noise{1};

  // Keeps only the objects in the scene now.
  void update(const std::vector<SimObject>& objects, const cv::Rect2d& bounds, double now) {
    ObjectHistory next;
    next.reference_noise = reference_noise;
    next.noise = noise;
    for (const auto& o : objects) {
      if ((o.box & bounds) == o.box) {
        const auto it = in_view_since.find(o.id);
        next.in_view_since[o.id] = it == in_view_since.end() ? now : it->second;
      }
      const auto it = last_velocity.find(o.id);
      const bool changed = it == last_velocity.end() ||
                           cv::norm(it->second - o.velocity) > 0.1 * cv::norm(o.velocity) + 2;
      next.changed_at[o.id] = changed ? now : changed_at[o.id];
      next.last_velocity[o.id] = o.velocity;
      auto& seen = next.centres[o.id] = std::move(centres[o.id]);
      const cv::Point2d jitter(next.noise.gaussian(reference_noise),
                               next.noise.gaussian(reference_noise));
      seen.push_back({now, (o.box.tl() + o.box.br()) / 2 + jitter});
      if (seen.size() > 3) seen.pop_front();
    }
    *this = std::move(next);
  }
  // What an object's positions at the last three frames say of its
  // velocity now (see parabola_velocity).
  std::optional<cv::Point2d> reference_velocity(int id) const {
    const auto it = centres.find(id);
    return it == centres.end() ? std::nullopt : parabola_velocity(it->second);
  }
  static double since(const std::map<int, double>& times, int id, double now) {
    const auto it = times.find(id);
    return it == times.end() ? 0.0 : now - it->second;
  }
};

void score_estimate(SceneScore::TtcScore& score, const std::optional<double>& estimate,
                    double real) {
  if (estimate) {
    score.errors.push_back(std::abs(*estimate - real) / real);
  } else {
    ++score.missing;
  }
}

// The scene's TTC against the tracks' for each approaching pair of matched
// objects, and against the reference's for every approaching pair.
void score_ttc(const std::vector<const SimObject*>& truth, const MatchCounts& counts,
               const std::vector<Detection>& detections, const SafetyOptions& safety,
               const cv::Rect2d& bounds,
               const std::deque<std::map<int, cv::Point2d>>& recent_velocities, double now,
               const ObjectHistory& history, const TtcObserver& observe, SceneScore& score) {
  // Steady: the same velocity at every frame of the last half second (not
  // only at its two ends: a car that crept forward and stopped again in
  // between changed speed twice).
  const auto steady = [&](const SimObject* o) {
    return std::all_of(recent_velocities.begin(), recent_velocities.end(), [&](const auto& then) {
      const auto it = then.find(o->id);
      return it != then.end() &&
             cv::norm(it->second - o->velocity) <= 0.1 * cv::norm(o->velocity) + 2;
    });
  };
  // Only road users wholly in the picture: a camera sees no more of the rest.
  const auto in_view = [&](const SimObject* o) { return (o->box & bounds) == o->box; };
  for (size_t i = 0; i < truth.size(); ++i) {
    if (!in_view(truth[i])) continue;
    for (size_t j = i + 1; j < truth.size(); ++j) {
      if (!in_view(truth[j])) continue;
      const auto real = time_to_collision(truth[i]->box, truth[i]->velocity, truth[j]->box,
                                          truth[j]->velocity, safety.horizon_seconds);
      if (!real || *real > kTtcScoredSeconds) continue;
      const bool line = in_line(truth[i]->velocity, truth[j]->velocity);
      {  // the reference: the true boxes, the velocities the last frames' positions show
        const auto va = history.reference_velocity(truth[i]->id);
        const auto vb = history.reference_velocity(truth[j]->id);
        const auto reference = va && vb ? time_to_collision(truth[i]->box, *va, truth[j]->box, *vb,
                                                            safety.horizon_seconds)
                                        : std::nullopt;
        score_estimate(line ? score.ttc_reference_in_line : score.ttc_reference_crossing, reference,
                       *real);
      }
      const int di = counts.match_of_truth[i];
      const int dj = counts.match_of_truth[j];
      if (di < 0 || dj < 0) continue;  // detection's failure, scored elsewhere
      const Detection& a = detections[static_cast<size_t>(di)];
      const Detection& b = detections[static_cast<size_t>(dj)];
      const auto estimate =
          time_to_collision(a.box, a.velocity, b.box, b.velocity, safety.horizon_seconds);
      SceneScore::TtcScore& kind = line ? score.ttc_in_line : score.ttc_crossing;
      SceneScore::TtcScore* also =
          line && steady(truth[i]) && steady(truth[j]) ? &score.ttc_steady : nullptr;
      if (observe) {
        TtcSample sample;
        sample.time_seconds = now;
        sample.in_line = line;
        sample.steady = also != nullptr;
        sample.truth_a = truth[i]->id;
        sample.truth_b = truth[j]->id;
        sample.track_a = a.object_id;
        sample.track_b = b.object_id;
        sample.true_box_a = truth[i]->box;
        sample.true_box_b = truth[j]->box;
        sample.seen_box_a = a.box;
        sample.seen_box_b = b.box;
        sample.true_velocity_a = truth[i]->velocity;
        sample.true_velocity_b = truth[j]->velocity;
        sample.seen_velocity_a = a.velocity;
        sample.seen_velocity_b = b.velocity;
        sample.true_ttc = *real;
        sample.estimate = estimate;
        sample.in_view_a = ObjectHistory::since(history.in_view_since, truth[i]->id, now);
        sample.in_view_b = ObjectHistory::since(history.in_view_since, truth[j]->id, now);
        sample.since_change_a = ObjectHistory::since(history.changed_at, truth[i]->id, now);
        sample.since_change_b = ObjectHistory::since(history.changed_at, truth[j]->id, now);
        observe(sample);
      }
      score_estimate(kind, estimate, *real);
      if (also) score_estimate(*also, estimate, *real);
    }
  }
}

}  // namespace

DetectorPtr perfect_detector(const SimScene& scene) {
  return truth_detector(
      scene, {.min_visible_share = 1.0 / 3, .parked = false, .confidence = 1, .name = "perfect"});
}

SceneScore evaluate_on_sim(const SimOptions& options, const MakeDetector& make_detector,
                           double interval_seconds, int frames, int warmup, double min_iou,
                           AnalyzerOptions analysis, const TtcObserver& observe_ttc,
                           double reference_noise) {
  SimScene scene(options);
  double detect_seconds = 0;
  double track_seconds = 0;
  analysis.thumbnail_width = 0;
  FrameAnalyzer analyzer(
      "eval", std::make_unique<TimedDetector>(make_detector(scene), detect_seconds), analysis);
  SceneScore score;
  std::map<int, int> last_track;        // truth id -> track id
  std::map<int, std::set<int>> ids_of;  // truth id -> every track id it had
  double scored_detect_seconds = 0;
  // Each object's velocity about half a second ago, for "steady".
  const int steady_frames = std::max(1, static_cast<int>(std::lround(0.5 / interval_seconds)));
  std::deque<std::map<int, cv::Point2d>> velocities;
  ObjectHistory history;
  history.reference_noise = reference_noise;
  history.noise = cv::RNG(options.seed + 1);
  for (int i = 0; i < frames; ++i) {
    scene.step(interval_seconds);
    const cv::Mat frame = scene.render();
    const double detect_before = detect_seconds;
    const auto started = SystemClock::instance().now();
    const auto detections = analyzer.track(frame, std::llround(interval_seconds * (i + 1) * 1000));
    const double spent =
        std::chrono::duration<double>(SystemClock::instance().now() - started).count();
    velocities.emplace_back();
    for (const auto& object : scene.objects()) velocities.back()[object.id] = object.velocity;
    if (static_cast<int>(velocities.size()) > steady_frames + 1) velocities.pop_front();
    const cv::Rect2d bounds(0, 0, frame.cols, frame.rows);
    history.update(scene.objects(), bounds, scene.time_seconds());
    if (i < warmup) continue;
    track_seconds += spent;
    scored_detect_seconds += detect_seconds - detect_before;
    ++score.scored_frames;

    std::vector<cv::Rect2d> truth, dont_care, detected;
    std::vector<const SimObject*> truth_objects;
    int true_vehicles = 0;
    for (const auto& object : scene.objects()) {
      const cv::Rect2d visible = object.box & bounds;
      if (!object.parked && visible.area() >= 0.5 * object.box.area()) {
        truth.push_back(visible);
        truth_objects.push_back(&object);
        true_vehicles += is_vehicle(object.class_name);
      } else if (visible.area() > 0) {
        dont_care.push_back(visible);
      }
    }
    for (const auto& d : detections) detected.push_back(d.box);
    const MatchCounts counts = match_boxes(truth, detected, min_iou, dont_care);
    // Vehicles reported, less those on don't-care objects (half out of view).
    int reported_vehicles = 0;
    std::vector<bool> matched(detections.size(), false);
    for (int d : counts.match_of_truth) {
      if (d >= 0) matched[static_cast<size_t>(d)] = true;
    }
    for (size_t d = 0; d < detections.size(); ++d) {
      if (!is_vehicle(detections[d].class_name)) continue;
      const bool excused = !matched[d] && std::any_of(dont_care.begin(), dont_care.end(),
                                                      [&](const cv::Rect2d& box) {
                                                        return iou(box, detected[d]) >= min_iou;
                                                      });
      reported_vehicles += !excused;
    }
    score.count_error += std::abs(reported_vehicles - true_vehicles);
    for (size_t t = 0; t < truth.size(); ++t) {
      const int d = counts.match_of_truth[t];
      if (d < 0) continue;
      const auto& detection = detections[static_cast<size_t>(d)];
      score.class_matches += detection.class_name == truth_objects[t]->class_name;
      ++score.track_frames;
      ids_of[truth_objects[t]->id].insert(detection.object_id);
      const auto [it, first] = last_track.emplace(truth_objects[t]->id, detection.object_id);
      if (!first && it->second != detection.object_id) {
        ++score.id_switches;
        it->second = detection.object_id;
      }
    }
    score.detection += counts;
    score_ttc(truth_objects, counts, detections, analysis.safety, bounds, velocities,
              scene.time_seconds(), history, observe_ttc, score);
  }
  for (const auto& [truth_id, ids] : ids_of) {
    ++score.objects_seen;
    score.ids_of_objects += static_cast<int>(ids.size());
  }
  if (score.scored_frames > 0) {
    score.detect_ms = 1000 * scored_detect_seconds / score.scored_frames;
    score.track_ms = 1000 * track_seconds / score.scored_frames;
  }
  return score;
}

}  // namespace tmon::detect
