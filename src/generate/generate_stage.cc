#include "generate/generate_stage.h"

#include <atomic>

#include "common/logging.h"
#include "messages/codec.h"
#include "messages/freshness.h"

namespace tmon::generate {

GenerateStage::GenerateStage(TaskGenerator generator, bus::RetryingSender& sender,
                             std::string tasks_topic, bus::DeadLetterPublisher& dead_letters,
                             Clock& clock, prometheus::Registry& registry)
    : generator_(std::move(generator)),
      sender_(sender),
      tasks_topic_(std::move(tasks_topic)),
      dead_letters_(dead_letters),
      clock_(clock),
      metrics_(registry) {}

void GenerateStage::handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) {
  auto frame = messages::decode_detection_result(message.value);
  if (!frame) {
    dead_letters_.publish(message, frame.error().message, consumer);
    return;
  }
  if (auto fresh = messages::check_capture_ts(frame->captureTs, clock_.epoch_ms()); !fresh) {
    dead_letters_.publish(message, fresh.error().message, consumer);
    return;
  }
  auto outcome = generator_.process(*frame, clock_.epoch_ms());
  metrics_.record(frame->cameraId, outcome);
  metrics_.cameras_tracked.Add({}).Set(static_cast<double>(generator_.cameras()));
  const auto tasks = std::move(outcome.tasks);
  if (tasks.empty()) {
    consumer.complete(message);
    return;
  }
  // The frame is done when its last task is delivered. The sender retries a
  // failed delivery until it lands; a stop before then leaves the frame
  // uncommitted, so it is regenerated (with the same taskIds) after a restart.
  auto remaining = std::make_shared<std::atomic<size_t>>(tasks.size());
  const auto source = message.partition_key();
  const int64_t offset = message.offset;
  for (const auto& task : tasks) {
    sender_.send(tasks_topic_, task.cameraId, messages::encode(task),
                 [remaining, source, offset, &consumer](bus::DeliveredOffset) {
                   if (remaining->fetch_sub(1) == 1) consumer.complete(source, offset);
                 });
  }
}

}  // namespace tmon::generate
