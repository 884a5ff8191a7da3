#pragma once

#include <atomic>

#include "bus/dead_letter.h"
#include "bus/stage_runner.h"
#include "common/clock.h"
#include "common/shutdown.h"
#include "store/result_store.h"

namespace tmon::aggregate {

// risk-assessment-results -> the result store (Redis), once per taskId. A
// result is completed only after the store accepted it; while the store is
// unreachable the stage retries the same result with backoff instead of
// moving on, so nothing is committed that was not stored.
class AggregateStage final : public bus::MessageHandler {
 public:
  AggregateStage(store::ResultStore& store, bus::DeadLetterPublisher& dead_letters, Clock& clock);

  void handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) override;
  // Interrupts a store retry loop so a stop is not held up by a dead Redis.
  void drain(Millis timeout) override;

  int64_t applied() const { return applied_; }
  int64_t replays() const { return replays_; }

 private:
  store::ResultStore& store_;
  bus::DeadLetterPublisher& dead_letters_;
  Clock& clock_;
  Shutdown stopping_;
  std::atomic<int64_t> applied_{0};
  std::atomic<int64_t> replays_{0};
};

}  // namespace tmon::aggregate
