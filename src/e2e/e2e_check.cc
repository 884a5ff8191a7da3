#include "e2e/e2e_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "bus/producer.h"
#include "bus/topic_tail.h"
#include "common/clock.h"
#include "detect/sim_scene.h"
#include "detect/synthetic_camera.h"
#include "e2e/observations.h"
#include "e2e/view_follower.h"
#include "messages/codec.h"

namespace tmon::e2e {
namespace {

using namespace std::chrono_literals;

constexpr Millis kProgressInterval = 1s;
constexpr Millis kHistoryInterval = 1s;
constexpr Millis kSetupTimeout = 5s;
// Scene time searched for a near miss the probe can show, and at most so
// many frames (each analysed: tracked, grouped, cropped) run ahead.
constexpr double kMaxLeadInSeconds = 300;
constexpr int kMaxLeadInFrames = 600;

Millis seconds(double s) {
  return Millis(static_cast<int64_t>(std::llround(s * 1000)));
}

E2eReport setup_failure(const E2eOptions& options, std::string setup, std::string why) {
  E2eReport report;
  report.camera_id = options.camera_id;
  report.frames_planned = planned_frames(options);
  report.setup = std::move(setup);
  report.failures.push_back(std::move(why));
  return report;
}

// Decodes a message of the followed topics and records it if it is this run's.
void record(const bus::ConsumedMessage& message, const config::TopicsConfig& topics, int64_t now_ms,
            Observations& seen) {
  if (message.topic == topics.detection_results.name) {
    if (auto frame = messages::decode_detection_result(message.value)) {
      seen.frame_seen(*frame, now_ms);
    }
  } else if (message.topic == topics.assessment_tasks.name) {
    if (auto task = messages::decode_assessment_task(message.value)) seen.task_seen(*task, now_ms);
  } else if (message.topic == topics.risk_assessment_results.name) {
    if (auto result = messages::decode_assessment_result(message.value)) {
      seen.result_seen(*result, now_ms);
    }
  }
}

// Views, on Redis unless the pipeline keeps them elsewhere or Redis is away.
Result<ViewFollowerPtr> follow_views(const E2eOptions& options, int64_t since_ts,
                                     std::vector<std::string>& notes) {
  std::string redis_problem;
  if (!options.views_via_api && !options.redis_url.empty()) {
    auto redis = follow_views_in_redis(options.redis_url, options.camera_id, kSetupTimeout);
    if (redis) return redis;
    redis_problem = redis.error().message;
  }
  auto api = follow_views_through_api(options.api_url, options.camera_id, since_ts);
  if (!api) {
    return make_error(ErrorCode::kUnavailable,
                      "cannot follow stored views: " +
                          (redis_problem.empty() ? "" : "Redis: " + redis_problem + "; ") +
                          "API: " + api.error().message);
  }
  notes.push_back(
      options.views_via_api
          ? "the pipeline keeps results in process memory: views read through " + (*api)->describe()
          : "Redis unreachable (" + redis_problem + "): views read through " + (*api)->describe());
  return api;
}

// How many frames of `interval_seconds` the probe's scene is run before its
// first injected frame, so that a near miss lasting at least one interval
// begins at about the third injected frame (earlier when fewer are
// planned). A near miss is a new close pair: any task policy sends it at
// once, whereas quiet traffic may wait longer than the probe lasts
// (tasks.dedup.coalesce_seconds, quiet_news_waits). The scene is
// deterministic for its seed, so a copy run ahead finds it. nullopt when
// none comes within max_frames (the probe then shows the scene's start).
std::optional<int> frames_before_near_miss(const detect::SimOptions& options,
                                           double interval_seconds, int planned, int max_frames) {
  const int lead = std::clamp(planned - 1, 0, 2);
  detect::SimScene scene(options);
  for (int steps = 1; steps <= max_frames; ++steps) {
    scene.step(interval_seconds);
    for (const auto& near_miss : scene.near_misses()) {
      // Wait until it is over, to know it lasts long enough for a frame to show it.
      if (near_miss.ongoing || near_miss.end_seconds - near_miss.start_seconds < interval_seconds) {
        continue;
      }
      const int first_frame = static_cast<int>(near_miss.start_seconds / interval_seconds);
      return std::max(0, first_frame - lead);
    }
  }
  return std::nullopt;
}

}  // namespace

int planned_frames(const E2eOptions& options) {
  if (options.interval_seconds <= 0) return 1;
  // 1e-9: 6 s at 1 s is 6 frames, not 5 for a rounding error.
  return std::max(1, static_cast<int>(options.duration_seconds / options.interval_seconds + 1e-9));
}

E2eReport run_e2e_check(const E2eOptions& options, std::ostream& progress) {
  Clock& clock = SystemClock::instance();
  const auto& topics = options.kafka.topics;
  const int planned = planned_frames(options);
  std::string setup = fmt::format("{} {} {:g} s apart through Kafka at {}", planned,
                                  planned == 1 ? "frame" : "frames", options.interval_seconds,
                                  options.kafka.bootstrap_servers);

  // The producer first: it connects (and, idempotent, gets its producer id)
  // in the background while the rest is set up, so the first frame's
  // latency is the pipeline's, not a cold producer's.
  auto producer = bus::Producer::create(options.kafka, "tmon-e2e-test");
  if (!producer) {
    return setup_failure(options, setup, "cannot produce frames: " + producer.error().message);
  }
  if (auto partitions =
          bus::partition_count((*producer)->handle(), topics.detection_results.name, kSetupTimeout);
      !partitions) {
    return setup_failure(options, setup,
                         fmt::format("cannot reach the broker at {}: {}",
                                     options.kafka.bootstrap_servers, partitions.error().message));
  }
  progress << "e2e-test: preparing camera " << options.camera_id << std::endl;
  detect::SimOptions scene;
  scene.seed = std::hash<std::string>{}(options.camera_id);
  scene.density = 1.0;
  scene.near_miss = 0.3;
  detect::SyntheticCamera camera(options.camera_id, scene, options.detection);

  // Follow first, from the topics' current ends: nothing of this run is missed
  // and nothing from before it is counted.
  config::KafkaConfig observer = options.kafka;
  // The embedded broker answers a fetch only when fetch.wait.max.ms expires;
  // a short wait keeps the observed arrival times close to the real ones,
  // at the price of a few more fetches for the few seconds of the check.
  observer.consumer.fetch_wait_max_ms = std::min(observer.consumer.fetch_wait_max_ms, 10);
  auto tail = bus::TopicTail::open(observer,
                                   {topics.detection_results.name, topics.assessment_tasks.name,
                                    topics.risk_assessment_results.name},
                                   "tmon-e2e-test", kSetupTimeout);
  if (!tail) {
    return setup_failure(options, setup,
                         fmt::format("cannot follow the topics at {}: {} (is the pipeline's "
                                     "broker running, with its topics created?)",
                                     options.kafka.bootstrap_servers, tail.error().message));
  }
  std::vector<std::string> notes;
  auto views = follow_views(options, clock.epoch_ms(), notes);
  if (!views) return setup_failure(options, setup, views.error().message);
  setup += "; views from " + (*views)->describe();
  // Run the scene up to just before a near miss, as if the camera had been
  // watched all along (capture times before now, one interval apart).
  const int max_lead_in = static_cast<int>(
      std::min(kMaxLeadInSeconds / std::max(options.interval_seconds, 0.1), 1.0 * kMaxLeadInFrames));
  if (const auto skip =
          frames_before_near_miss(scene, options.interval_seconds, planned, max_lead_in)) {
    const int64_t interval_ms = seconds(options.interval_seconds).count();
    const int64_t first_ms = clock.epoch_ms() - *skip * interval_ms;
    for (int i = 0; i < *skip; ++i) camera.next(options.interval_seconds, first_ms + i * interval_ms);
    setup += fmt::format("; the scene run ahead {} frames to a near miss", *skip);
  } else {
    setup += fmt::format("; no near miss within the scene's first {} frames: its start is shown",
                         max_lead_in);
  }
  progress << "e2e-test: subscribed; injecting " << planned << " frames" << std::endl;

  Observations seen(options.camera_id);
  const auto start = clock.now();
  const Millis interval = seconds(options.interval_seconds);
  const Millis timeout = seconds(options.timeout_seconds);
  const auto settle_ms = seconds(options.settle_seconds).count();
  int injected = 0;
  SteadyTime last_frame_at = start;
  SteadyTime next_progress = start + kProgressInterval;
  SteadyTime next_history = start;
  bool timed_out = false;
  while (true) {
    const auto now = clock.now();
    if (injected < planned && now >= start + injected * interval) {
      const int64_t capture_ms = clock.epoch_ms();
      const auto frame = camera.next(options.interval_seconds, capture_ms);
      seen.injected(frame.requestId, frame.captureTs, capture_ms);
      ++injected;
      auto sent = (*producer)->send_and_wait(topics.detection_results.name, options.camera_id,
                                             messages::encode(frame));
      if (!sent) {
        // The broker refuses frames: nothing later can be judged; say so now.
        seen.injection_failed(fmt::format("frame {}: {}", injected, sent.error().message));
        seen.injection_done();
        break;
      }
      if (injected == planned) {
        seen.injection_done();
        last_frame_at = clock.now();
      }
      continue;
    }
    const Millis wait =
        injected < planned
            ? std::clamp(std::chrono::duration_cast<Millis>(start + injected * interval - now),
                         Millis(0), Millis(50))
            : Millis(50);
    if (auto message = (*tail)->poll(wait); message && message->key == options.camera_id) {
      record(*message, topics, clock.epoch_ms(), seen);
    }
    for (const auto& view : (*views)->take()) seen.view_seen(view);
    if (now >= next_history && !seen.awaiting_view().empty()) {
      // A view published out of order never reaches the channel; history has it.
      next_history = now + kHistoryInterval;
      if (auto stored = (*views)->history(seen.first_capture_ts())) {
        for (const auto& view : *stored) seen.view_seen(view);
      }
    }
    if (now >= next_progress) {
      next_progress = now + kProgressInterval;
      const double elapsed = std::chrono::duration<double>(now - start).count();
      progress << fmt::format("e2e-test: {:5.1f} s  {}", elapsed, seen.progress_line());
      if (injected == planned) {
        const double left = std::chrono::duration<double>(last_frame_at + timeout - now).count();
        progress << fmt::format("  (waiting, at most {:.0f} s more)", std::max(0.0, left));
      }
      progress << std::endl;
    }
    if (injected == planned) {
      if (seen.complete(clock.epoch_ms(), settle_ms)) break;
      if (now - last_frame_at >= timeout) {
        timed_out = true;
        break;
      }
    }
  }
  E2eReport report = seen.evaluate(timed_out, options.timeout_seconds);
  report.frames_planned = planned;
  report.setup = setup;
  report.waited_seconds = std::chrono::duration<double>(clock.now() - last_frame_at).count();
  report.notes.insert(report.notes.begin(), notes.begin(), notes.end());
  return report;
}

}  // namespace tmon::e2e
