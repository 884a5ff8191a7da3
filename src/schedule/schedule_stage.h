#pragma once

#include <string>

#include "bus/dead_letter.h"
#include "bus/producer.h"
#include "bus/stage_runner.h"
#include "schedule/dispatcher.h"

namespace tmon::schedule {

// assessment-tasks -> LLM -> risk-assessment-results. A task's offset is
// completed only after its result is delivered to Kafka (at-least-once); a
// full dispatcher queue pauses the partitions instead of buffering.
class ScheduleStage final : public bus::MessageHandler {
 public:
  ScheduleStage(Dispatcher& dispatcher, bus::Producer& producer, std::string results_topic,
                bus::DeadLetterPublisher& dead_letters);

  void handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) override;
  bool saturated() const override { return dispatcher_.saturated(); }
  void drain(Millis timeout) override;

 private:
  Dispatcher& dispatcher_;
  bus::Producer& producer_;
  std::string results_topic_;
  bus::DeadLetterPublisher& dead_letters_;
};

}  // namespace tmon::schedule
