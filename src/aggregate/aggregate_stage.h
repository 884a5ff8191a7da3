#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "aggregate/alerts.h"
#include "aggregate/metrics.h"
#include "bus/dead_letter.h"
#include "bus/stage_runner.h"
#include "common/clock.h"
#include "config/config.h"
#include "messages/messages.h"
#include "store/result_store.h"

namespace tmon::aggregate {

struct AggregateOptions {
  Millis partial_timeout{15'000};  // a frame still missing results after this is published partial
  size_t max_pending_frames = 10'000;
  AlertPolicy alerts;
  // The topic of the frames' detections (detection-results), which the stage
  // also consumes to merge each frame's detection into its view; empty when
  // it consumes results only.
  std::string detections_topic;
  // A frame whose results are all in but whose detection this process has
  // not seen waits this long for it (another aggregator may store it, or
  // its topic may lag behind) before the view goes out with what the store
  // has.
  Millis detection_wait{2'000};
  size_t max_recent_detections = 10'000;  // detections remembered as seen here
};

// The options of the aggregation section; `detections_topic` as in
// AggregateOptions (empty: results only).
AggregateOptions aggregate_options(const config::AggregationConfig& aggregation,
                                   std::string detections_topic);

// risk-assessment-results (and detection-results) -> the result store
// (Redis): every result once by taskId, and one merged view per frame
// (requestId): the frame's detection with its results and alerts, the
// original's merged view (COMPAT.md §3).
//
// A detection is kept in the store (detection:{requestId}, with a TTL) until
// its frame's view is made. A result is stored at once and held with its
// frame; when the frame has all its results (frameTaskCount, or for the
// original's results the number of the frame's groups) its view is
// published, or, when some are still missing after the partial timeout,
// published marked partial. A result's message is completed (committed) only
// once its frame is published, so after a crash the replayed results find
// their frame unpublished and finish it; a replay of a published frame
// changes nothing. While the store is unreachable the stage retries instead
// of moving on. Frames waiting are bounded: beyond max_pending_frames intake
// pauses. handle() and tick() run on the stage's consumer thread.
class AggregateStage final : public bus::MessageHandler {
 public:
  AggregateStage(store::ResultStore& store, bus::DeadLetterPublisher& dead_letters, Clock& clock,
                 AggregateOptions options = {}, AggregateMetrics* metrics = nullptr);

  void handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) override;
  bool saturated() const override { return pending_.size() >= options_.max_pending_frames; }
  // Publishes frames that are complete or timed out (and retries failed publishes).
  void tick() override;
  // Interrupt a store retry loop so a stop is not held up by a dead Redis.
  void stop_requested() override;
  void drain(Millis timeout) override;

  int64_t applied() const { return applied_; }
  int64_t replays() const { return replays_; }
  int64_t detections() const { return detections_; }

 private:
  struct PendingFrame {
    messages::CameraId camera_id;
    int64_t capture_ts = 0;
    int expected = 1;  // 0: unknown until the frame's detection says how many groups it has
    int held = 0;      // results the store holds for it, as last reported
    std::optional<int> detection_groups;  // set once this process has seen its detection
    SteadyTime since;
    std::vector<std::pair<bus::PartitionKey, int64_t>> messages;  // completed on publish
    // The Kafka hop of the last result received (epoch ms), shown in the view.
    int64_t last_result_produced_ms = 0;
    int64_t last_result_received_ms = 0;
    bus::Consumer* consumer = nullptr;
  };

  void handle_result(bus::ConsumedMessage&& message, bus::Consumer& consumer);
  void handle_detection(bus::ConsumedMessage&& message, bus::Consumer& consumer);
  // Runs a store call until it succeeds; false when stopping first.
  template <typename Call>
  bool retry(const std::string& what, Call&& call);
  // Publishes the frame if it is due; true when it is gone from pending.
  bool publish_if_due(const std::string& request_id, PendingFrame& frame, SteadyTime now);
  // Publishes a frame's view; false if the store failed (retried on the next tick).
  bool publish(const std::string& request_id, PendingFrame& frame, bool timed_out);
  void store_failed(const std::string& what, const Error& error);
  void remember_detection(const std::string& request_id, int groups);
  void count_bad_record(const char* kind, const std::string& request_id, const std::string& why);

  store::ResultStore& store_;
  bus::DeadLetterPublisher& dead_letters_;
  Clock& clock_;
  AggregateOptions options_;
  AggregateMetrics* metrics_;
  InterruptibleSleep stopping_;                  // store retry pauses; interrupted by drain()
  std::map<std::string, PendingFrame> pending_;  // by requestId
  // Detections stored by this process, by requestId: how many groups each
  // frame has. Bounded, oldest forgotten first.
  std::unordered_map<std::string, int> recent_detections_;
  std::deque<std::string> recent_order_;
  std::atomic<int64_t> applied_{0};  // read by tests and stats from other threads
  std::atomic<int64_t> replays_{0};
  std::atomic<int64_t> detections_{0};
};

}  // namespace tmon::aggregate
