#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "bus/topic_tail.h"
#include "common/result.h"
#include "config/config.h"
#include "messages/messages.h"
#include "store/redis_subscriber.h"
#include "trace/pipeline_trace.h"

namespace tmon::bench {

// Running totals, for the progress line and the timeline: the trace's and
// what only the observer sees.
struct ObservedTotals : trace::TraceTotals {
  int64_t views_from_history = 0;  // stored, not pushed live (see look_up_stored_views)
  int64_t views_gone = 0;          // stored, but trimmed from the history before it was seen
  int64_t dead_letters = 0;
  int64_t undecodable = 0;  // messages of the watched topics that did not decode
};

// Follows the benchmark's cameras through the pipeline without taking part
// in it: tails detection-results, assessment-tasks, risk-assessment-results
// and the dead-letter topic from their end (outside the pipeline's consumer
// groups), and subscribes to the views the aggregator publishes in Redis,
// recording what it sees in a trace::PipelineTrace (the record `tmon
// e2e-test` keeps too). Only cameras whose id starts with `camera_prefix`
// count; dead letters count whatever their origin (the pipeline should make
// none).
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

  // What is still on its way: tasks without a result, and frames with
  // tasks whose view was not published yet.
  using Unsettled = trace::PipelineTrace::Unsettled;
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
  std::map<std::string, trace::FrameTrace> frames() const;
  std::map<std::string, trace::TaskTrace> tasks() const;

 private:
  explicit PipelineObserver(Options options);
  void run_tail();
  void on_message(const bus::ConsumedMessage& message);
  void on_view(const std::string& camera_id, const std::string& view);
  bool watched(const std::string& camera_id) const;

  Options options_;
  std::unique_ptr<bus::TopicTail> tail_;
  std::unique_ptr<store::RedisSubscriber> views_;
  std::unique_ptr<store::RedisClient> redis_;  // for look_up_stored_views
  std::thread tail_thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  trace::PipelineTrace trace_;  // guarded by mu_
  ObservedTotals totals_;       // the observer's own counts; the trace's are added on read
};

}  // namespace tmon::bench
