#include "schedule/schedule_stage.h"

#include "common/logging.h"
#include "messages/codec.h"
#include "messages/freshness.h"

namespace tmon::schedule {

ScheduleStage::ScheduleStage(Dispatcher& dispatcher, bus::RetryingSender& sender,
                             std::string results_topic, bus::DeadLetterPublisher& dead_letters,
                             Clock& clock)
    : dispatcher_(dispatcher),
      sender_(sender),
      clock_(clock),
      results_topic_(std::move(results_topic)),
      dead_letters_(dead_letters) {}

void ScheduleStage::handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) {
  auto task = messages::decode_assessment_task(message.value);
  if (!task) {
    dead_letters_.publish(message, task.error().message, consumer);
    return;
  }
  if (auto fresh = messages::check_capture_ts(task->captureTs, clock_.epoch_ms()); !fresh) {
    dead_letters_.publish(message, fresh.error().message, consumer);
    return;
  }
  const auto source = message.partition_key();
  const int64_t offset = message.offset;
  const int64_t produced_ms = message.timestamp_ms;
  const int64_t received_ms = message.received_ms;
  dispatcher_.submit(std::move(*task), [this, source, offset, produced_ms, received_ms,
                                        &consumer](messages::AssessmentResult result) {
    // The task's Kafka hop, so a slow hop shows apart from a slow queue.
    result.metadata.taskProducedTs = produced_ms;
    result.metadata.taskReceivedTs = received_ms;
    // Sent until delivered: a stop before then leaves the task uncommitted,
    // and it is assessed again after a restart.
    sender_.send(
        results_topic_, result.cameraId, messages::encode(result),
        [source, offset, &consumer](bus::DeliveredOffset) { consumer.complete(source, offset); });
  });
}

void ScheduleStage::drain(Millis timeout) {
  dispatcher_.stop(timeout);
  // Results of the calls that finished must reach Kafka before the final commit.
  if (auto flushed = sender_.flush(timeout); !flushed) {
    get_logger("schedule")
        ->warn("results still undelivered at shutdown: {}", flushed.error().message);
  }
}

}  // namespace tmon::schedule
