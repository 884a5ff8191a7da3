#include "schedule/schedule_stage.h"

#include "common/logging.h"
#include "messages/codec.h"

namespace tmon::schedule {

ScheduleStage::ScheduleStage(Dispatcher& dispatcher, bus::Producer& producer,
                             std::string results_topic, bus::DeadLetterPublisher& dead_letters)
    : dispatcher_(dispatcher),
      producer_(producer),
      results_topic_(std::move(results_topic)),
      dead_letters_(dead_letters) {}

void ScheduleStage::handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) {
  auto task = messages::decode_assessment_task(message.value);
  if (!task) {
    dead_letters_.publish(message, task.error().message, consumer);
    return;
  }
  const auto source = message.partition_key();
  const int64_t offset = message.offset;
  dispatcher_.submit(std::move(*task), [this, source, offset,
                                        &consumer](messages::AssessmentResult result) {
    const std::string task_id = result.taskId;
    auto sent = producer_.send(
        results_topic_, result.cameraId, messages::encode(result),
        [source, offset, &consumer, task_id](Result<bus::DeliveredOffset> delivered) {
          if (delivered) {
            consumer.complete(source, offset);
          } else {
            // Not committed: the task is assessed again after a restart.
            get_logger("schedule")
                ->error("result of task={} not delivered: {}", task_id, delivered.error().message);
          }
        });
    if (!sent) {
      get_logger("schedule")
          ->error("result of task={} not queued: {}", task_id, sent.error().message);
    }
  });
}

void ScheduleStage::drain(Millis timeout) {
  dispatcher_.stop(timeout);
  // Results of the calls that finished must reach Kafka before the final commit.
  if (auto flushed = producer_.flush(timeout); !flushed) {
    get_logger("schedule")
        ->warn("results still undelivered at shutdown: {}", flushed.error().message);
  }
}

}  // namespace tmon::schedule
