#pragma once

#include <string>

#include "bus/dead_letter.h"
#include "bus/retrying_sender.h"
#include "bus/stage_runner.h"
#include "schedule/dispatcher.h"

namespace tmon::schedule {

// assessment-tasks -> LLM -> risk-assessment-results. A task's offset is
// completed only after its result is delivered to Kafka (at-least-once; a
// failed delivery is sent again until it lands); a full dispatcher queue, or
// results piling up for a retry, pause the partitions instead of buffering.
// Tasks captured outside [now − 1 day, now + 5 min] are dead-lettered.
class ScheduleStage final : public bus::MessageHandler {
 public:
  ScheduleStage(Dispatcher& dispatcher, bus::RetryingSender& sender, std::string results_topic,
                bus::DeadLetterPublisher& dead_letters, Clock& clock);

  void handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) override;
  bool saturated() const override { return dispatcher_.saturated() || sender_.saturated(); }
  void drain(Millis timeout) override;

 private:
  Dispatcher& dispatcher_;
  bus::RetryingSender& sender_;
  Clock& clock_;
  std::string results_topic_;
  bus::DeadLetterPublisher& dead_letters_;
};

}  // namespace tmon::schedule
