#include "bench/track_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "bench/stats.h"
#include "common/clock.h"
#include "detect/grouping.h"
#include "detect/motion_detector.h"
#include "detect/scene_evaluation.h"

namespace tmon::bench {
namespace {

using nlohmann::json;

struct Condition {
  std::string name;
  detect::SimOptions scene;
};

std::vector<Condition> conditions_of(const TrackBenchOptions& o, bool& ok) {
  detect::SimOptions base;
  base.density = o.density;
  base.near_miss = o.near_miss;
  base.inertia = o.inertia;
  base.width = o.width;
  base.height = o.height;
  std::vector<Condition> all;
  all.push_back({"clean", base});
  Condition noise{"noise", base};
  noise.scene.noise = o.noise;
  Condition exposure{"exposure", base};
  exposure.scene.exposure = o.exposure;
  Condition shadows{"shadows", base};
  shadows.scene.shadows = o.shadows;
  Condition parked{"parked", base};
  parked.scene.parked = o.parked;
  Condition combined{"combined", base};
  combined.scene.noise = o.noise;
  combined.scene.exposure = o.exposure;
  combined.scene.shadows = o.shadows;
  combined.scene.parked = o.parked;
  all.insert(all.end(), {noise, exposure, shadows, parked, combined});
  if (o.conditions == "all") return all;
  std::vector<Condition> chosen;
  std::stringstream list(o.conditions);
  for (std::string name; std::getline(list, name, ',');) {
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const auto& c) { return c.name == name; });
    if (it == all.end()) {
      std::cerr << "bench: unknown condition \"" << name
                << "\" (clean, noise, exposure, shadows, parked, combined, all)\n";
      ok = false;
      return {};
    }
    chosen.push_back(*it);
  }
  return chosen;
}

json to_json(const detect::SceneScore::TtcScore& s) {
  return {{"pairs", s.pairs()},
          {"withEstimate", s.errors.size()},
          {"within20Percent", s.within(0.2)},
          {"within20PercentOfEstimated", s.within_estimated(0.2)},
          {"medianError", s.median_error()}};
}

json to_json(const detect::SceneScore& s) {
  return {{"precision", s.detection.precision()},
          {"recall", s.detection.recall()},
          {"classAccuracy", s.class_accuracy()},
          {"countError", s.mean_count_error()},
          {"idSwitchesPer100", s.switches_per_100()},
          {"idsPerObject", s.ids_per_object()},
          {"trackFrames", s.track_frames},
          {"objects", s.objects_seen},
          {"ttcInLine", to_json(s.ttc_in_line)},
          {"ttcSteady", to_json(s.ttc_steady)},
          {"ttcCrossing", to_json(s.ttc_crossing)},
          // What the frame rate allows: true (or noisy) centres, 3-frame parabola.
          {"ttcReference",
           {{"inLine", to_json(s.ttc_reference_in_line)},
            {"crossing", to_json(s.ttc_reference_crossing)}}},
          {"detectMs", s.detect_ms},
          {"trackMs", s.track_ms}};
}

// Writes scored TTC pairs as CSV lines, from any worker thread.
class TtcDump {
 public:
  explicit TtcDump(const std::string& path) {
    if (path.empty()) return;
    out_.open(path);
    out_ << "condition,seed,time,in_line,steady,truth_a,truth_b,track_a,track_b,true_ttc,"
            "estimate,error,true_gap,seen_gap,true_vax,true_vay,true_vbx,true_vby,seen_vax,"
            "seen_vay,seen_vbx,seen_vby,in_view_a,in_view_b,since_change_a,since_change_b,"
            "true_a,true_b,seen_a,seen_b\n";
  }
  bool open() const { return out_.is_open(); }
  void write(const std::string& condition, size_t seed, const detect::TtcSample& s) {
    const auto box = [](const cv::Rect2d& r) {
      return fmt::format("{:.1f} {:.1f} {:.1f} {:.1f}", r.x, r.y, r.width, r.height);
    };
    const std::string estimate = s.estimate ? fmt::format("{:.3f}", *s.estimate) : "";
    const std::string error =
        s.estimate ? fmt::format("{:.3f}", (*s.estimate - s.true_ttc) / s.true_ttc) : "";
    const std::string line = fmt::format(
        "{},{},{:.1f},{},{},{},{},{},{},{:.3f},{},{},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},"
        "{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},{},{},{},{}\n",
        condition, seed, s.time_seconds, s.in_line, s.steady, s.truth_a, s.truth_b, s.track_a,
        s.track_b, s.true_ttc, estimate, error, detect::box_gap(s.true_box_a, s.true_box_b),
        detect::box_gap(s.seen_box_a, s.seen_box_b), s.true_velocity_a.x, s.true_velocity_a.y,
        s.true_velocity_b.x, s.true_velocity_b.y, s.seen_velocity_a.x, s.seen_velocity_a.y,
        s.seen_velocity_b.x, s.seen_velocity_b.y, s.in_view_a, s.in_view_b, s.since_change_a,
        s.since_change_b, box(s.true_box_a), box(s.true_box_b), box(s.seen_box_a),
        box(s.seen_box_b));
    const std::lock_guard lock(mutex_);
    out_ << line;
  }

 private:
  std::mutex mutex_;
  std::ofstream out_;
};

}  // namespace

int run_track_bench(const TrackBenchOptions& o) {
  bool ok = true;
  const auto conditions = conditions_of(o, ok);
  if (!ok) return 2;
  const double interval = 1.0 / o.fps;
  const int frames = static_cast<int>(std::lround(o.seconds * o.fps));
  const int warmup = static_cast<int>(std::lround(o.warmup * o.fps));
  if (warmup >= frames) {
    std::cerr << "bench: --warmup must be shorter than --seconds\n";
    return 2;
  }
  const detect::MakeDetector make_detector = [&o](const detect::SimScene& scene) {
    return o.perfect_detection ? detect::perfect_detector(scene)
                               : std::make_unique<detect::MotionDetector>();
  };
  TtcDump dump(o.ttc_dump_file);
  if (!o.ttc_dump_file.empty() && !dump.open()) {
    std::cerr << "bench: cannot write " << o.ttc_dump_file << "\n";
    return 2;
  }

  // Every (condition, seed) is its own scene: spread them over the threads.
  std::vector<std::vector<detect::SceneScore>> scores(
      conditions.size(), std::vector<detect::SceneScore>(static_cast<size_t>(o.seeds)));
  const size_t jobs = conditions.size() * static_cast<size_t>(o.seeds);
  std::atomic<size_t> next{0};
  const int threads = std::clamp(
      o.threads > 0 ? o.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
      1, static_cast<int>(jobs));
  const auto started = SystemClock::instance().now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t job = next++; job < jobs; job = next++) {
        const size_t c = job / static_cast<size_t>(o.seeds);
        const size_t seed = job % static_cast<size_t>(o.seeds);
        detect::SimOptions scene = conditions[c].scene;
        scene.seed = seed + 1;
        detect::TtcObserver observe;
        if (dump.open()) {
          observe = [&, c, seed](const detect::TtcSample& sample) {
            dump.write(conditions[c].name, seed + 1, sample);
          };
        }
        scores[c][seed] = detect::evaluate_on_sim(scene, make_detector, interval, frames, warmup,
                                                  0.3, {}, observe, o.reference_noise);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double wall =
      std::chrono::duration<double>(SystemClock::instance().now() - started).count();

  std::cout << fmt::format(
      "track: {} + tracker at {} fps, {}x{}, density {}, near_miss {}{}, "
      "{} scenes x {} s per condition ({} s warm-up), {:.1f} s wall\n",
      o.perfect_detection ? "perfect detection (the scene's boxes)" : "motion detector", o.fps,
      o.width, o.height, o.density, o.near_miss, o.inertia ? ", inertia" : "", o.seeds, o.seconds,
      o.warmup, wall);
  std::cout << fmt::format("  {:<10} {:>9} {:>7} {:>9} {:>10} {:>8} {:>12} {:>12} {:>8}\n",
                           "condition", "precision", "recall", "count err", "id sw/100", "ids/obj",
                           "TTC in line", "TTC crossing", "TTC steady");
  std::cout << fmt::format("  {:<10} {:>9} {:>7} {:>9} {:>10} {:>8} {:>12} {:>12} {:>12}\n", "", "",
                           "", "", "", "", "<=20% (med)", "<=20% (med)", "<=20% (med)");
  json report = {{"benchmark", "track"},
                 {"config",
                  {{"fps", o.fps},
                   {"seconds", o.seconds},
                   {"warmup", o.warmup},
                   {"seeds", o.seeds},
                   {"density", o.density},
                   {"nearMiss", o.near_miss},
                   {"inertia", o.inertia},
                   {"perfectDetection", o.perfect_detection},
                   {"referenceNoise", o.reference_noise},
                   {"width", o.width},
                   {"height", o.height}}},
                 {"conditions", json::object()}};
  for (size_t c = 0; c < conditions.size(); ++c) {
    detect::SceneScore total;
    for (const auto& part : scores[c]) total += part;
    report["conditions"][conditions[c].name] = to_json(total);
    std::cout << fmt::format(
        "  {:<10} {:>9.3f} {:>7.3f} {:>9.3f} {:>10.2f} {:>8.2f} {:>6.0f}% ({:2.0f}%) {:>5.0f}% "
        "({:2.0f}%) {:>5.0f}% ({:2.0f}%)  {:.2f} ms/frame, {} track-frames, {} + {} TTC pairs\n",
        conditions[c].name, total.detection.precision(), total.detection.recall(),
        total.mean_count_error(), total.switches_per_100(), total.ids_per_object(),
        100 * total.ttc_in_line.within(0.2), 100 * total.ttc_in_line.median_error(),
        100 * total.ttc_crossing.within(0.2), 100 * total.ttc_crossing.median_error(),
        100 * total.ttc_steady.within(0.2), 100 * total.ttc_steady.median_error(), total.track_ms,
        total.track_frames, total.ttc_in_line.pairs(), total.ttc_crossing.pairs());
    std::cout << fmt::format(
        "  {:<10} TTC over the pairs with an estimate: in line {:.0f}% of {}, crossing {:.0f}% of "
        "{}, steady {:.0f}% of {} within 20%\n",
        "", 100 * total.ttc_in_line.within_estimated(0.2), total.ttc_in_line.errors.size(),
        100 * total.ttc_crossing.within_estimated(0.2), total.ttc_crossing.errors.size(),
        100 * total.ttc_steady.within_estimated(0.2), total.ttc_steady.errors.size());
    std::cout << fmt::format(
        "  {:<10} reference, what {} fps allows (3-frame parabola through the true centres"
        "{}): in line {:.0f}%, crossing {:.0f}% within 20%\n",
        "", o.fps,
        o.reference_noise > 0 ? fmt::format(" + {} px noise", o.reference_noise) : std::string(),
        100 * total.ttc_reference_in_line.within(0.2),
        100 * total.ttc_reference_crossing.within(0.2));
  }
  if (!o.report_file.empty()) write_report(o.report_file, report);
  return 0;
}

}  // namespace tmon::bench
