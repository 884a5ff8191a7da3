#pragma once

#include <string>

#include "bus/dead_letter.h"
#include "bus/producer.h"
#include "bus/stage_runner.h"
#include "common/clock.h"
#include "generate/task_generator.h"

namespace tmon::generate {

// detection-results -> assessment-tasks. A detection message is complete
// when every task made from it is delivered; malformed ones are dead-lettered.
class GenerateStage final : public bus::MessageHandler {
 public:
  GenerateStage(TaskGenerator generator, bus::Producer& producer, std::string tasks_topic,
                bus::DeadLetterPublisher& dead_letters, Clock& clock);

  void handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) override;

 private:
  TaskGenerator generator_;
  bus::Producer& producer_;
  std::string tasks_topic_;
  bus::DeadLetterPublisher& dead_letters_;
  Clock& clock_;
};

}  // namespace tmon::generate
