#include "aggregate/aggregate_stage.h"

#include "aggregate/camera_view.h"
#include "common/logging.h"
#include "messages/codec.h"

namespace tmon::aggregate {

AggregateStage::AggregateStage(store::ResultStore& store, bus::DeadLetterPublisher& dead_letters,
                               Clock& clock)
    : store_(store), dead_letters_(dead_letters), clock_(clock) {}

void AggregateStage::handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) {
  auto result = messages::decode_assessment_result(message.value);
  if (!result) {
    dead_letters_.publish(message, result.error().message, consumer);
    return;
  }
  const auto logger = get_logger("aggregate");
  Millis backoff(100);
  while (!stopping_.requested()) {
    const int64_t now = clock_.epoch_ms();
    const store::ResultWrite write{result->taskId, result->cameraId, result->captureTs,
                                   message.value, camera_view_json(*result, now)};
    auto applied = store_.apply(write);
    if (applied) {
      ++(*applied ? applied_ : replays_);
      if (!*applied) logger->debug("task={} already stored: replay ignored", result->taskId);
      consumer.complete(message);
      return;
    }
    logger->warn("store {} failed for task={}, retrying in {} ms: {}", store_.describe(),
                 result->taskId, backoff.count(), applied.error().message);
    stopping_.wait_for(backoff);
    backoff = std::min(backoff * 2, Millis(5'000));
  }
}

void AggregateStage::drain(Millis) {
  stopping_.request();
}

}  // namespace tmon::aggregate
