#include "bus/stage_runner.h"

#include "common/logging.h"

namespace tmon::bus {

StageRunner::StageRunner(std::string name, std::unique_ptr<Consumer> consumer,
                         MessageHandler& handler, Millis drain_timeout)
    : name_(std::move(name)),
      consumer_(std::move(consumer)),
      handler_(handler),
      drain_timeout_(drain_timeout) {}

StageRunner::~StageRunner() {
  stop();
}

void StageRunner::start() {
  thread_ = std::thread([this] { run(); });
}

void StageRunner::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
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
        handler_.handle(std::move(*message), *consumer_);
      }
      handler_.tick();
    } catch (const std::exception& e) {
      // One bad iteration must not kill the stage; the message stays
      // uncompleted (so it is replayed), and we back off briefly.
      logger->error("stage loop error: {}", e.what());
      std::this_thread::sleep_for(Millis(200));
    }
  }
  logger->info("stopping: draining {} in-flight messages", consumer_->in_flight());
  handler_.drain(drain_timeout_);
  consumer_->close();
  logger->info("stopped");
}

}  // namespace tmon::bus
