#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "bus/topic_tail.h"
#include "common/result.h"
#include "config/config.h"
#include "messages/messages.h"
#include "store/redis_subscriber.h"

namespace tmon::bench {

// One frame of a benchmark camera, as seen on the topics and in Redis.
// Times *_s are seconds on the observer's steady clock since it started.
struct FrameRecord {
  std::string camera_id;
  int64_t capture_ts = 0;
  int64_t detected_ts = 0;
  double seen_s = -1;     // on detection-results; -1: only its tasks were seen
  int tasks_seen = 0;     // on assessment-tasks
  bool stored = false;    // its view is in Redis (seen, or its published flag set)
  int64_t stored_ts = 0;  // the view's storedTs; 0: the view was not seen
  bool partial = false;
  int64_t max_llm_ms = 0;  // the slowest of its tasks' LLM calls, from the view
};

// One task of a benchmark camera.
struct TaskRecord {
  std::string request_id;
  int64_t capture_ts = 0;
  int64_t created_ts = 0;
  double seen_s = 0;  // on assessment-tasks
  int results = 0;    // results seen: exactly 1 when nothing went wrong
  messages::ResultStatus status = messages::ResultStatus::kOk;
  std::string code;
  int64_t completed_ts = 0;
  double result_seen_s = 0;
  int64_t llm_ms = 0;
  int64_t queue_wait_ms = 0;
};

// Running totals, for the progress line and the timeline.
struct ObservedTotals {
  int64_t frames = 0;
  int64_t tasks = 0;
  int64_t results = 0;  // tasks with a result
  int64_t ok_results = 0;
  int64_t duplicate_results = 0;
  int64_t views = 0;
  int64_t partial_views = 0;
  int64_t views_from_history = 0;  // stored, not pushed live (see look_up_stored_views)
  int64_t views_gone = 0;          // stored, but trimmed from the history before it was seen
  int64_t dead_letters = 0;
  int64_t undecodable = 0;  // messages of the watched topics that did not decode
  int64_t in_flight() const { return tasks - results; }
};

// Follows the benchmark's cameras through the pipeline without taking part
// in it: tails detection-results, assessment-tasks, risk-assessment-results
// and the dead-letter topic from their end (outside the pipeline's consumer
// groups), and subscribes to the views the aggregator publishes in Redis.
// Only cameras whose id starts with `camera_prefix` count; dead letters
// count whatever their origin (the pipeline should make none).
class PipelineObserver {
 public:
  struct Options {
    config::KafkaConfig kafka;  // bootstrap_servers resolved
    std::string redis_url;
    std::string camera_prefix = "bench-";
  };

  // Returns once the topics are tailed and Redis is subscribed, so that
  // nothing produced afterwards is missed.
  static Result<std::unique_ptr<PipelineObserver>> start(Options options);
  ~PipelineObserver();
  void stop();  // idempotent; the records stay readable

  ObservedTotals totals() const;
  double seconds() const;  // on the observer's clock

  // What is still on its way: tasks without a result, and frames with
  // tasks whose view was not published yet.
  struct Unsettled {
    int64_t tasks = 0;
    int64_t frames = 0;
    bool settled() const { return tasks == 0 && frames == 0; }
  };
  Unsettled unsettled() const;

  // A frame stored after a newer frame of its camera goes into the camera's
  // history but is not pushed live (live views only move forward): looks up
  // in Redis the frames with tasks whose view has not been seen, captured at
  // least `min_age_ms` ago. The history keeps a camera's newest frames only,
  // so this runs during the load too; when `final`, a frame found in no
  // history counts as stored if its published flag is set. Returns how many
  // frames it found stored.
  int64_t look_up_stored_views(int64_t min_age_ms, bool final);

  // Copies of the records (consistent with each other).
  std::map<std::string, FrameRecord> frames() const;
  std::map<std::string, TaskRecord> tasks() const;

 private:
  explicit PipelineObserver(Options options);
  void run_tail();
  void on_message(const bus::ConsumedMessage& message);
  void on_view(const std::string& camera_id, const std::string& view);
  // Records a frame's view; false when the frame had one already. Locked.
  bool record_view(const std::string& camera_id, const nlohmann::json& view);
  bool watched(const std::string& camera_id) const;

  Options options_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<bus::TopicTail> tail_;
  std::unique_ptr<store::RedisSubscriber> views_;
  std::unique_ptr<store::RedisClient> redis_;  // for look_up_stored_views
  std::thread tail_thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  std::map<std::string, FrameRecord> frames_;  // by requestId
  std::map<std::string, TaskRecord> tasks_;    // by taskId
  ObservedTotals totals_;
};

}  // namespace tmon::bench
