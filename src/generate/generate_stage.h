#pragma once

#include <string>

#include "bus/dead_letter.h"
#include "bus/retrying_sender.h"
#include "bus/stage_runner.h"
#include "common/clock.h"
#include "generate/metrics.h"
#include "generate/task_generator.h"

namespace tmon::generate {

// detection-results -> assessment-tasks. A detection message is complete
// when every task made from it is delivered (a failed delivery is sent again
// until it lands); malformed ones, and ones captured outside [now − 1 day,
// now + 5 min], are dead-lettered.
//
// The generator's de-duplication state is per camera and lives here, with the
// consumer that owns the camera's partition. The bus does not tell handlers
// about revoked partitions, so a camera that moves to another member is simply
// re-assessed once there (the new owner starts with no state), and the state
// left here ages out after dedup.forget_after_seconds; should the partition
// come back, its state is judged in capture time, so the time away counts
// towards the interval and nothing stays suppressed for longer than it.
class GenerateStage final : public bus::MessageHandler {
 public:
  GenerateStage(TaskGenerator generator, bus::RetryingSender& sender, std::string tasks_topic,
                bus::DeadLetterPublisher& dead_letters, Clock& clock,
                prometheus::Registry& registry);

  void handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) override;
  // Outputs waiting for a retry pile up no further during a broker outage.
  bool saturated() const override { return sender_.saturated(); }

 private:
  TaskGenerator generator_;
  bus::RetryingSender& sender_;
  std::string tasks_topic_;
  bus::DeadLetterPublisher& dead_letters_;
  Clock& clock_;
  GenerateMetrics metrics_;
};

}  // namespace tmon::generate
