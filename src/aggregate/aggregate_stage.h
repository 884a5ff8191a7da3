#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "aggregate/alerts.h"
#include "aggregate/metrics.h"
#include "bus/dead_letter.h"
#include "bus/stage_runner.h"
#include "common/clock.h"
#include "common/shutdown.h"
#include "store/result_store.h"

namespace tmon::aggregate {

struct AggregateOptions {
  Millis partial_timeout{15'000};  // a frame still missing results after this is published partial
  size_t max_pending_frames = 10'000;
  AlertPolicy alerts;
};

// risk-assessment-results -> the result store (Redis): every result once by
// taskId, and one merged view per frame (requestId) with its alerts.
//
// A result is stored at once and held with its frame; when the frame has all
// its results (frameTaskCount) its view is published, or, when some are
// still missing after the partial timeout, published marked partial. A
// result's message is completed (committed) only once its frame is
// published, so after a crash the replayed results find their frame
// unpublished and finish it; a replay of a published frame changes nothing.
// While the store is unreachable the stage retries instead of moving on.
// Frames waiting are bounded: beyond max_pending_frames intake pauses.
// handle() and tick() run on the stage's consumer thread.
class AggregateStage final : public bus::MessageHandler {
 public:
  AggregateStage(store::ResultStore& store, bus::DeadLetterPublisher& dead_letters, Clock& clock,
                 AggregateOptions options = {}, AggregateMetrics* metrics = nullptr);

  void handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) override;
  bool saturated() const override { return pending_.size() >= options_.max_pending_frames; }
  // Publishes frames that are complete or timed out (and retries failed publishes).
  void tick() override;
  // Interrupts a store retry loop so a stop is not held up by a dead Redis.
  void drain(Millis timeout) override;

  int64_t applied() const { return applied_; }
  int64_t replays() const { return replays_; }

 private:
  struct PendingFrame {
    std::string camera_id;
    int64_t capture_ts = 0;
    int expected = 1;
    int held = 0;  // results the store holds for it, as last reported
    SteadyTime since;
    std::vector<std::pair<bus::PartitionKey, int64_t>> messages;  // completed on publish
    bus::Consumer* consumer = nullptr;
  };

  // Publishes a frame's view; false if the store failed (retried on the next tick).
  bool publish(const std::string& request_id, PendingFrame& frame, bool partial);
  void store_failed(const std::string& what, const Error& error);

  store::ResultStore& store_;
  bus::DeadLetterPublisher& dead_letters_;
  Clock& clock_;
  AggregateOptions options_;
  AggregateMetrics* metrics_;
  Shutdown stopping_;
  std::map<std::string, PendingFrame> pending_;  // by requestId
  std::atomic<int64_t> applied_{0};              // read by tests and stats from other threads
  std::atomic<int64_t> replays_{0};
};

}  // namespace tmon::aggregate
