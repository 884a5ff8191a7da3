#include "bus/stage_runner.h"

#include "common/logging.h"

namespace tmon::bus {

StageRunner::StageRunner(std::string name, std::unique_ptr<Consumer> consumer,
                         MessageHandler& handler, Millis drain_timeout, StageFailurePolicy failures)
    : name_(std::move(name)),
      consumer_(std::move(consumer)),
      handler_(handler),
      drain_timeout_(drain_timeout),
      failure_policy_(failures) {
  if (failure_policy_.metrics) failure_policy_.metrics->handler_errors.Add({{"stage", name_}});
}

StageRunner::~StageRunner() {
  stop();
}

void StageRunner::start() {
  thread_ = std::thread([this] { run(); });
}

void StageRunner::stop() {
  stopping_ = true;
  handler_.stop_requested();
  if (thread_.joinable()) thread_.join();
}

void StageRunner::failed(const std::string& what, const ConsumedMessage* message) {
  ++failures_;
  if (failure_policy_.metrics) {
    failure_policy_.metrics->handler_errors.Add({{"stage", name_}}).Increment();
  }
  if (!message) {
    get_logger(name_)->error("stage loop error: {}", what);
    return;
  }
  if (!failure_policy_.dead_letters) {
    // Nowhere to put it: it stays in flight and is replayed after a restart.
    get_logger(name_)->error("handler failed on {}[{}]@{}: {}", message->topic, message->partition,
                             message->offset, what);
    return;
  }
  // The next message must not wait behind this one forever: the letter
  // completes its offset once delivered.
  failure_policy_.dead_letters->publish(*message, "handler error: " + what, *consumer_);
}

void StageRunner::run() {
  const auto logger = get_logger(name_);
  logger->info("consuming");
  while (!stopping_) {
    try {
      const bool saturated = handler_.saturated();
      if (saturated && !consumer_->paused()) {
        logger->debug("queue full: pausing partitions");
        consumer_->pause();
      } else if (!saturated && consumer_->paused()) {
        logger->debug("queue has room: resuming partitions");
        consumer_->resume();
      }
      // Polling continues while paused: it serves rebalances and commits.
      if (auto message = consumer_->poll(Millis(100))) {
        // Handlers read the message without moving its bytes out, so it is
        // still whole for a dead letter if handle() throws.
        try {
          handler_.handle(std::move(*message), *consumer_);
        } catch (const std::exception& e) {
          failed(e.what(), &*message);
        } catch (...) {
          failed("unknown exception", &*message);
        }
      }
      handler_.tick();
    } catch (const std::exception& e) {
      // One bad iteration must not kill the stage; we back off briefly.
      failed(e.what(), nullptr);
      std::this_thread::sleep_for(Millis(200));
    }
  }
  logger->info("stopping: draining {} in-flight messages", consumer_->in_flight());
  handler_.drain(drain_timeout_);
  consumer_->close();
  logger->info("stopped");
}

}  // namespace tmon::bus
