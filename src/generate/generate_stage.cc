#include "generate/generate_stage.h"

#include <atomic>

#include "common/logging.h"
#include "messages/codec.h"

namespace tmon::generate {

GenerateStage::GenerateStage(TaskGenerator generator, bus::Producer& producer,
                             std::string tasks_topic, bus::DeadLetterPublisher& dead_letters,
                             Clock& clock, prometheus::Registry& registry)
    : generator_(std::move(generator)),
      producer_(producer),
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
  auto outcome = generator_.process(*frame, clock_.epoch_ms());
  metrics_.record(frame->cameraId, outcome);
  metrics_.cameras_tracked.Add({}).Set(static_cast<double>(generator_.cameras()));
  const auto tasks = std::move(outcome.tasks);
  if (tasks.empty()) {
    consumer.complete(message);
    return;
  }
  // The frame is done when its last task is delivered. A task that cannot be
  // delivered leaves the frame uncommitted, so it is regenerated (with the
  // same taskIds) after a restart instead of being lost.
  auto remaining = std::make_shared<std::atomic<size_t>>(tasks.size());
  const auto source = message.partition_key();
  const int64_t offset = message.offset;
  for (const auto& task : tasks) {
    auto sent = producer_.send(tasks_topic_, task.cameraId, messages::encode(task),
                               [remaining, source, offset, &consumer,
                                task_id = task.taskId](Result<bus::DeliveredOffset> delivered) {
                                 if (!delivered) {
                                   get_logger("generate")
                                       ->error("task={} not delivered: {}", task_id,
                                               delivered.error().message);
                                   return;
                                 }
                                 if (remaining->fetch_sub(1) == 1)
                                   consumer.complete(source, offset);
                               });
    if (!sent) {
      get_logger("generate")->error("task={} not queued: {}", task.taskId, sent.error().message);
    }
  }
}

}  // namespace tmon::generate
