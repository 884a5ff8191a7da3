#include "generate/sim_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "common/clock.h"
#include "detect/detector_factory.h"
#include "detect/evaluation.h"
#include "detect/frame_analyzer.h"
#include "messages/codec.h"

namespace tmon::generate {

NearMissAudit& NearMissAudit::operator+=(const NearMissAudit& other) {
  recorded += other.recorded;
  between_frames += other.between_frames;
  not_seen += other.not_seen;
  caught += other.caught;
  caught_before += other.caught_before;
  missed.insert(missed.end(), other.missed.begin(), other.missed.end());
  return *this;
}

SimRunReport& SimRunReport::operator+=(const SimRunReport& other) {
  frames += other.frames;
  groups += other.groups;
  tasks += other.tasks;
  deduplicated += other.deduplicated;
  untriggered += other.untriggered;
  no_potential += other.no_potential;
  deferred += other.deferred;
  frames_with_tasks += other.frames_with_tasks;
  frames_deferrable_only += other.frames_deferrable_only;
  for (const auto& [k, v] : other.tasks_by_trigger) tasks_by_trigger[k] += v;
  for (const auto& [k, v] : other.tasks_by_verdict) tasks_by_verdict[k] += v;
  for (const auto& [k, v] : other.urgent_without_near_miss) urgent_without_near_miss[k] += v;
  for (const auto& [k, v] : other.urgent_repeats) urgent_repeats[k] += v;
  unexplained.insert(unexplained.end(), other.unexplained.begin(), other.unexplained.end());
  near_misses += other.near_misses;
  detect_seconds += other.detect_seconds;
  generate_seconds += other.generate_seconds;
  return *this;
}

namespace {

// What the frames said about one near miss, keyed by its position in the
// scene's list (start time and pair identify it).
struct Sighting {
  bool shown = false;
  bool seen = false;
};

using EventKey = std::tuple<int, int, double>;  // vehicle, other, start
using ScenePair = std::pair<int, int>;          // scene ids, smaller first

ScenePair pair_of(int a, int b) {
  return {std::min(a, b), std::max(a, b)};
}

// Whether the pair of a near miss got a task while it lasted (1), only in
// the analysed frame before it (-1: within one interval before its start),
// or not at all (0).
int assessed_within(const std::map<ScenePair, std::vector<double>>& assessed,
                    const detect::SimNearMiss& event, double interval_seconds) {
  const auto it = assessed.find(pair_of(event.vehicle_id, event.other_id));
  if (it == assessed.end()) return 0;
  int found = 0;
  for (const double t : it->second) {
    if (t >= event.start_seconds && t <= event.end_seconds) return 1;
    // A millisecond of slack for the scene's floating-point time.
    if (t < event.start_seconds && t >= event.start_seconds - interval_seconds - 1e-3) found = -1;
  }
  return found;
}

const messages::DetectedObject* object_in(const messages::DetectionResult& frame, int id) {
  for (const auto& object : frame.detectedObjects) {
    if (object.objectId == id) return &object;
  }
  return nullptr;
}

// "id car#12 (64x32 at 100,150) v=(80,0) was (20,150)": a member as the
// frame and the one before showed it, with its scene identity.
std::string describe(const ObservedFrame& now, const ObservedFrame* before,
                     const messages::TrafficGroup& group, int id) {
  const auto* object = object_in(now.frame, id);
  if (!object) return fmt::format("{}?", id);
  const auto scene = now.scene_id_of.find(id);
  std::string text = fmt::format(
      "{} {}#{} ({:.0f}x{:.0f} at {:.0f},{:.0f})", id, object->className,
      scene == now.scene_id_of.end() ? -1 : scene->second, object->bbox.x2 - object->bbox.x1,
      object->bbox.y2 - object->bbox.y1, object->bbox.x1, object->bbox.y1);
  for (const auto& motion : group.safety.members) {
    if (motion.objectId == id) {
      text += fmt::format(" v=({:.0f},{:.0f})", motion.vx, motion.vy);
    }
  }
  const auto* then = before ? object_in(before->frame, id) : nullptr;
  text += then ? fmt::format(" was ({:.0f},{:.0f})", then->bbox.x1, then->bbox.y1) : " new";
  return text;
}

std::string explain_task(const std::string& camera_id, const ObservedFrame& now,
                         const ObservedFrame* before, const messages::TrafficGroup& group,
                         const GroupDecision& decision) {
  std::string text = fmt::format("{} t={:.1f} {} {} trigger={}", camera_id, now.t, group.groupId,
                                 to_string(*decision.verdict), to_string(decision.fired.front()));
  for (const auto& [a, b] : decision.new_pairs) {
    const auto* x = object_in(now.frame, a);
    const auto* y = object_in(now.frame, b);
    double gap = -1;
    if (x && y) {
      const double dx = std::max({0.0, y->bbox.x1 - x->bbox.x2, x->bbox.x1 - y->bbox.x2});
      const double dy = std::max({0.0, y->bbox.y1 - x->bbox.y2, x->bbox.y1 - y->bbox.y2});
      gap = std::hypot(dx, dy);
    }
    text += fmt::format("\n      new pair gap={:.1f}px: {} | {}", gap,
                        describe(now, before, group, a), describe(now, before, group, b));
  }
  for (const auto& pair : group.safety.pairs) {
    if (!pair.conflict) continue;
    text += fmt::format("\n      conflict: {}-{} ttc={:.2f} pet={:.2f} d={:.0f} closing={:.0f}",
                        pair.objectA, pair.objectB, pair.ttc, pair.pet, pair.distance,
                        pair.closingSpeed);
  }
  if (decision.new_pairs.empty()) {
    for (int id : group.objectIds) text += "\n      " + describe(now, before, group, id);
  }
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(SystemClock::instance().now() - start).count();
}

}  // namespace

ObservedCamera observe_sim_camera(const SimRunOptions& options) {
  detect::SimScene scene(options.scene);
  config::DetectionConfig detection = options.detection;
  detection.detector = "motion";
  detect::DetectorFactory factory(detection);
  auto detector = factory.make("motion", "");
  if (!detector) return {};  // motion needs no files: cannot fail
  detect::AnalyzerOptions analyzer_options = detect::analyzer_options(detection);
  analyzer_options.thumbnail_width = 0;  // the dashboard picture plays no part here
  detect::FrameAnalyzer analyzer(options.camera_id, std::move(*detector), analyzer_options);
  ManualClock clock(options.start_ms);

  ObservedCamera observed;
  observed.camera_id = options.camera_id;
  observed.interval_seconds = options.interval_seconds;
  observed.frames.reserve(static_cast<size_t>(std::max(0, options.frames)));
  // As a camera does: detect and track at detection.track_fps between the
  // analysed frames.
  int steps = 1;
  if (detection.track_fps > 0 && 1.0 / detection.track_fps < options.interval_seconds) {
    steps = static_cast<int>(std::lround(options.interval_seconds * detection.track_fps));
  }
  const double step_seconds = options.interval_seconds / steps;
  for (int i = 0; i < options.frames; ++i) {
    const auto started = SystemClock::instance().now();
    for (int k = 1; k < steps; ++k) {
      scene.step(step_seconds);
      analyzer.track(scene.render(), options.start_ms + std::llround(scene.time_seconds() * 1000));
    }
    scene.step(step_seconds);
    ObservedFrame& observation = observed.frames.emplace_back();
    observation.t = scene.time_seconds();
    const int64_t capture_ms = options.start_ms + std::llround(observation.t * 1000);
    const cv::Mat image = scene.render();
    observation.frame = analyzer.analyze(image, capture_ms, clock);
    observed.detect_seconds += seconds_since(started);
    const auto& frame = observation.frame;

    // Truth against detections, as detect's scene evaluation matches them.
    std::vector<cv::Rect2d> truth, detected;
    std::map<int, size_t> truth_index;  // scene id -> truth row
    const cv::Rect2d bounds(0, 0, image.cols, image.rows);
    for (const auto& object : scene.objects()) {
      truth_index[object.id] = truth.size();
      truth.push_back(object.box & bounds);
    }
    for (const auto& object : frame.detectedObjects) {
      detected.push_back({object.bbox.x1, object.bbox.y1, object.bbox.x2 - object.bbox.x1,
                          object.bbox.y2 - object.bbox.y1});
    }
    const auto matches = detect::match_boxes(truth, detected, 0.3);
    auto object_id_of = [&](int scene_id) -> int {
      const auto it = truth_index.find(scene_id);
      if (it == truth_index.end()) return -1;
      const int d = matches.match_of_truth[it->second];
      return d < 0 ? -1 : frame.detectedObjects[static_cast<size_t>(d)].objectId;
    };
    for (const auto& object : scene.objects()) {
      if (const int id = object_id_of(object.id); id >= 0) observation.scene_id_of[id] = object.id;
    }
    for (const auto& event : scene.near_misses()) {
      // An event is in this picture if it was under way at the frame's time.
      if (event.start_seconds > observation.t || event.end_seconds < observation.t) continue;
      observation.under_way.push_back({event.vehicle_id, event.other_id, event.start_seconds,
                                       object_id_of(event.vehicle_id),
                                       object_id_of(event.other_id)});
    }
  }
  observed.near_misses.assign(scene.near_misses().begin(), scene.near_misses().end());
  return observed;
}

SimRunReport audit_sim_camera(const ObservedCamera& camera, TaskGenerator& generator,
                              const std::function<void(const FrameOutcome&)>& on_frame,
                              bool explain) {
  SimRunReport report;
  report.detect_seconds = camera.detect_seconds;
  std::map<EventKey, Sighting> sightings;
  // When two road users were in one group that got a task (scene time).
  std::map<ScenePair, std::vector<double>> assessed_together;
  const ObservedFrame* previous = nullptr;
  std::set<size_t> shown_events;  // near misses (index in camera.near_misses) a task showed
  for (const ObservedFrame& observation : camera.frames) {
    const auto& frame = observation.frame;
    const double t = observation.t;
    const auto started = SystemClock::instance().now();
    const FrameOutcome outcome = generator.process(frame, frame.captureTs);
    report.generate_seconds += seconds_since(started);

    ++report.frames;
    report.groups += static_cast<int>(outcome.groups.size());
    report.tasks += static_cast<int>(outcome.tasks.size());
    report.deduplicated += outcome.deduplicated;
    report.untriggered += outcome.untriggered;
    report.no_potential += outcome.no_potential;
    report.deferred += outcome.deferred;
    if (!outcome.tasks.empty()) ++report.frames_with_tasks;
    if (on_frame) on_frame(outcome);
    if (!outcome.tasks.empty() &&
        std::none_of(outcome.groups.begin(), outcome.groups.end(), [](const auto& decision) {
          return decision.emitted && is_urgent(*decision.verdict);
        })) {
      ++report.frames_deferrable_only;
    }
    std::map<std::string, const GroupDecision*> decisions;
    for (const auto& decision : outcome.groups) {
      decisions[decision.groupId] = &decision;
      if (!decision.emitted) continue;
      ++report.tasks_by_trigger[std::string(to_string(decision.fired.front()))];
      ++report.tasks_by_verdict[std::string(to_string(*decision.verdict))];
    }

    for (const auto& group : frame.trafficGroups) {
      const auto decision = decisions.find(group.groupId);
      if (decision == decisions.end() || !decision->second->emitted) continue;
      std::vector<int> members;
      for (int id : group.objectIds) {
        if (const auto it = observation.scene_id_of.find(id); it != observation.scene_id_of.end())
          members.push_back(it->second);
      }
      for (size_t a = 0; a < members.size(); ++a) {
        for (size_t b = a + 1; b < members.size(); ++b) {
          assessed_together[pair_of(members[a], members[b])].push_back(t);
        }
      }
      const GroupDecision& decision_made = *decision->second;
      // The near misses this task shows: under way, or beginning within an interval.
      bool near_miss = false, news = false;
      for (size_t e = 0; e < camera.near_misses.size(); ++e) {
        const auto& event = camera.near_misses[e];
        if (t >= event.start_seconds - camera.interval_seconds - 1e-3 && t <= event.end_seconds &&
            std::find(members.begin(), members.end(), event.vehicle_id) != members.end() &&
            std::find(members.begin(), members.end(), event.other_id) != members.end()) {
          near_miss = true;
          news |= shown_events.insert(e).second;
        }
      }
      if (!is_urgent(*decision_made.verdict)) continue;
      if (near_miss && !news) {
        ++report.urgent_repeats[std::string(to_string(*decision_made.verdict))];
        if (explain) {
          report.unexplained.push_back(
              "(repeat) " +
              explain_task(camera.camera_id, observation, previous, group, decision_made));
        }
      }
      if (near_miss) continue;
      ++report.urgent_without_near_miss[std::string(to_string(*decision_made.verdict))];
      if (explain) {
        report.unexplained.push_back(
            explain_task(camera.camera_id, observation, previous, group, decision_made));
      }
    }
    for (const auto& event : observation.under_way) {
      Sighting& sighting = sightings[{event.vehicle_id, event.other_id, event.start_seconds}];
      sighting.shown = true;
      const int a = event.object_a;
      const int b = event.object_b;
      if (a < 0 || b < 0 || a == b) continue;
      for (const auto& group : frame.trafficGroups) {
        const auto& ids = group.objectIds;
        if (std::find(ids.begin(), ids.end(), a) == ids.end() ||
            std::find(ids.begin(), ids.end(), b) == ids.end()) {
          continue;
        }
        if (!decisions.contains(group.groupId)) continue;  // not eligible: no crop or too small
        sighting.seen = true;
      }
    }
    previous = &observation;
  }

  for (const auto& event : camera.near_misses) {
    ++report.near_misses.recorded;
    const auto it = sightings.find({event.vehicle_id, event.other_id, event.start_seconds});
    if (it == sightings.end() || !it->second.shown) {
      ++report.near_misses.between_frames;
    } else if (!it->second.seen) {
      ++report.near_misses.not_seen;
    } else if (const int when = assessed_within(assessed_together, event, camera.interval_seconds);
               when != 0) {
      ++report.near_misses.caught;
      if (when < 0) ++report.near_misses.caught_before;
    } else {
      report.near_misses.missed.push_back(fmt::format(
          "{} vehicle={} other={} ({}) t={:.1f}-{:.1f}s min_gap={:.1f}px", camera.camera_id,
          event.vehicle_id, event.other_id, event.pedestrian ? "pedestrian" : "vehicle",
          event.start_seconds, event.end_seconds, event.min_gap));
    }
  }
  return report;
}

SimRunReport run_sim_camera(const SimRunOptions& options, TaskGenerator& generator) {
  return audit_sim_camera(observe_sim_camera(options), generator, options.on_frame);
}

std::string encode_observed(const ObservedCamera& camera) {
  nlohmann::json out = {{"cameraId", camera.camera_id},
                        {"intervalSeconds", camera.interval_seconds},
                        {"detectSeconds", camera.detect_seconds}};
  auto& frames = out["frames"] = nlohmann::json::array();
  for (const auto& observation : camera.frames) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& [object, scene] : observation.scene_id_of) ids.push_back({object, scene});
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : observation.under_way) {
      events.push_back({e.vehicle_id, e.other_id, e.start_seconds, e.object_a, e.object_b});
    }
    frames.push_back({{"t", observation.t},
                      {"frame", messages::encode(observation.frame)},
                      {"sceneIdOf", std::move(ids)},
                      {"underWay", std::move(events)}});
  }
  auto& events = out["nearMisses"] = nlohmann::json::array();
  for (const auto& e : camera.near_misses) {
    events.push_back(
        {e.vehicle_id, e.other_id, e.pedestrian, e.start_seconds, e.end_seconds, e.min_gap});
  }
  return out.dump();
}

Result<ObservedCamera> decode_observed(std::string_view json) {
  // A cache this process (or an earlier build) wrote: any throw is a bad file.
  try {
    const auto in = nlohmann::json::parse(json);
    ObservedCamera camera;
    camera.camera_id = in.at("cameraId").get<std::string>();
    camera.interval_seconds = in.at("intervalSeconds").get<double>();
    camera.detect_seconds = in.at("detectSeconds").get<double>();
    for (const auto& f : in.at("frames")) {
      ObservedFrame& observation = camera.frames.emplace_back();
      observation.t = f.at("t").get<double>();
      auto frame = messages::decode_detection_result(f.at("frame").get<std::string>());
      if (!frame) return tl::unexpected(frame.error());
      observation.frame = std::move(*frame);
      for (const auto& pair : f.at("sceneIdOf")) {
        observation.scene_id_of[pair.at(0).get<int>()] = pair.at(1).get<int>();
      }
      for (const auto& e : f.at("underWay")) {
        observation.under_way.push_back({e.at(0).get<int>(), e.at(1).get<int>(),
                                         e.at(2).get<double>(), e.at(3).get<int>(),
                                         e.at(4).get<int>()});
      }
    }
    for (const auto& e : in.at("nearMisses")) {
      detect::SimNearMiss event;
      event.vehicle_id = e.at(0).get<int>();
      event.other_id = e.at(1).get<int>();
      event.pedestrian = e.at(2).get<bool>();
      event.start_seconds = e.at(3).get<double>();
      event.end_seconds = e.at(4).get<double>();
      event.ongoing = false;
      event.min_gap = e.at(5).get<double>();
      camera.near_misses.push_back(event);
    }
    return camera;
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kParse, std::string("observed camera: ") + error.what());
  }
}

}  // namespace tmon::generate
