#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "bus/consumer.h"
#include "bus/dead_letter.h"
#include "bus/metrics.h"
#include "common/clock.h"

namespace tmon::bus {

// What a pipeline stage does with each consumed message.
class MessageHandler {
 public:
  virtual ~MessageHandler() = default;

  // Processes one message. The handler owns its completion: it calls
  // consumer.complete(message) once the message's effects are durable
  // (outputs delivered, rows stored, or a dead letter delivered), from any
  // thread, possibly long after handle() returns.
  virtual void handle(ConsumedMessage&& message, Consumer& consumer) = 0;

  // Asked between polls: true stops fetching (partitions pause) until it
  // turns false again. Bounded queues use it instead of buffering without end.
  virtual bool saturated() const { return false; }

  // Called between polls, at least every poll interval.
  virtual void tick() {}

  // Called from the thread that stops the runner, before it waits for the
  // stage's thread: cut short whatever handle() or tick() may be blocked in
  // (a store retry loop during an outage), so a stop is bounded.
  virtual void stop_requested() {}

  // Called once intake has stopped: finish or abandon queued work. Work not
  // completed is not committed and will be replayed by the next owner.
  virtual void drain(Millis /*timeout*/) {}
};

// What a StageRunner does when handle() throws: the message goes to the
// dead-letter topic with the exception's text as reason (and its offset
// completes once the letter is delivered), and the throw is counted.
struct StageFailurePolicy {
  DeadLetterPublisher* dead_letters = nullptr;  // null: the message stays in flight
  BusMetrics* metrics = nullptr;                // stage_handler_errors_total{stage}
};

// Runs one stage's consume loop on its own thread: poll, hand each message
// to the handler, pause and resume partitions for backpressure. stop() stops
// intake, lets the handler drain, commits what is complete and leaves the
// consumer group, so a stop loses nothing and replays only unfinished work.
// A handler that throws does not stall its partition: see
// StageFailurePolicy.
class StageRunner {
 public:
  StageRunner(std::string name, std::unique_ptr<Consumer> consumer, MessageHandler& handler,
              Millis drain_timeout = Millis(10'000), StageFailurePolicy failures = {});
  ~StageRunner();
  StageRunner(const StageRunner&) = delete;
  StageRunner& operator=(const StageRunner&) = delete;

  void start();
  void stop();  // idempotent
  // Exceptions out of the handler or the loop so far.
  int64_t failures() const { return failures_; }
  const std::string& name() const { return name_; }

 private:
  void run();
  void failed(const std::string& what, const ConsumedMessage* message);

  std::string name_;
  std::unique_ptr<Consumer> consumer_;
  MessageHandler& handler_;
  Millis drain_timeout_;
  StageFailurePolicy failure_policy_;
  std::atomic<int64_t> failures_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tmon::bus
