#include "aggregate/aggregate_stage.h"

#include "aggregate/frame_view.h"
#include "common/logging.h"
#include "messages/codec.h"

namespace tmon::aggregate {

using nlohmann::ordered_json;

AggregateStage::AggregateStage(store::ResultStore& store, bus::DeadLetterPublisher& dead_letters,
                               Clock& clock, AggregateOptions options, AggregateMetrics* metrics)
    : store_(store),
      dead_letters_(dead_letters),
      clock_(clock),
      options_(options),
      metrics_(metrics) {}

void AggregateStage::store_failed(const std::string& what, const Error& error) {
  if (metrics_) metrics_->store_errors.Increment();
  get_logger("aggregate")
      ->warn("{} in {} failed, will retry: {}", what, store_.describe(), error.message);
}

void AggregateStage::handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) {
  auto result = messages::decode_assessment_result(message.value);
  if (!result) {
    dead_letters_.publish(message, result.error().message, consumer);
    return;
  }
  const store::ResultWrite write{result->taskId, result->cameraId, result->requestId,
                                 message.value};
  Millis backoff(100);
  auto applied = store_.apply(write);
  while (!applied) {
    store_failed("storing task=" + result->taskId, applied.error());
    // Not completed: the next owner of the partition replays it.
    if (stopping_.requested()) return;
    stopping_.wait_for(backoff);
    backoff = std::min(backoff * 2, Millis(5'000));
    applied = store_.apply(write);
  }
  if (applied->first_time) {
    ++applied_;
    if (metrics_) {
      metrics_->results.Add({{"status", std::string(messages::to_string(result->status))}})
          .Increment();
    }
  } else {
    ++replays_;
    if (metrics_) metrics_->replays.Increment();
    get_logger("aggregate")->debug("task={} already stored: replay ignored", result->taskId);
  }
  if (applied->frame_published) {
    consumer.complete(message);  // a replay, or a result that came after its frame timed out
    return;
  }
  auto [it, created] = pending_.try_emplace(result->requestId);
  PendingFrame& frame = it->second;
  if (created) {
    frame.camera_id = result->cameraId;
    frame.capture_ts = result->captureTs;
    frame.expected = std::max(1, result->frameTaskCount);
    frame.since = clock_.now();
    frame.consumer = &consumer;
  }
  frame.held = std::max(frame.held, applied->frame_results);
  frame.messages.emplace_back(message.partition_key(), message.offset);
  if (frame.held >= frame.expected && publish(it->first, frame, false)) pending_.erase(it);
  if (metrics_) metrics_->pending_frames.Set(static_cast<double>(pending_.size()));
}

void AggregateStage::tick() {
  const SteadyTime now = clock_.now();
  for (auto it = pending_.begin(); it != pending_.end() && !stopping_.requested();) {
    PendingFrame& frame = it->second;
    const bool complete = frame.held >= frame.expected;
    const bool timed_out = now - frame.since >= options_.partial_timeout;
    if ((complete || timed_out) && publish(it->first, frame, !complete)) {
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  if (metrics_) metrics_->pending_frames.Set(static_cast<double>(pending_.size()));
}

bool AggregateStage::publish(const std::string& request_id, PendingFrame& frame, bool partial) {
  auto held = store_.frame_results(request_id);
  if (!held) {
    store_failed("reading frame " + request_id, held.error());
    return false;
  }
  std::vector<messages::AssessmentResult> results;
  for (const auto& json : *held) {
    if (auto decoded = messages::decode_assessment_result(json)) {
      results.push_back(std::move(*decoded));
    }
  }
  auto active = store_.active_alerts(frame.camera_id);
  if (!active) {
    store_failed("reading alerts of camera " + frame.camera_id, active.error());
    return false;
  }
  const auto decision = decide_alerts(results, *active, options_.alerts, frame.capture_ts);
  const int64_t now_ms = clock_.epoch_ms();
  const FrameInfo info{frame.camera_id, request_id, frame.capture_ts, frame.expected,
                       partial || static_cast<int>(results.size()) < frame.expected};
  ordered_json view = frame_view(info, results, now_ms);
  view["alerts"] = decision.alerts;
  const store::FrameWrite write{
      frame.camera_id,  request_id,
      frame.capture_ts, view.dump(-1, ' ', false, ordered_json::error_handler_t::replace),
      decision.writes,  decision.ended_groups};
  auto published = store_.publish_frame(write);
  if (!published) {
    store_failed("publishing frame " + request_id, published.error());
    return false;
  }
  if (!*published) {
    get_logger("aggregate")->debug("frame {} was published before", request_id);
  } else {
    if (info.partial) {
      get_logger("aggregate")
          ->info("camera={} frame {} published partial: {} of {} results", frame.camera_id,
                 request_id, results.size(), frame.expected);
    }
    if (metrics_) {
      metrics_->views.Add({{"kind", info.partial ? "partial" : "complete"}}).Increment();
      metrics_->end_to_end_latency.Observe(static_cast<double>(now_ms - frame.capture_ts) / 1000.0);
      for (const auto& alert : decision.alerts) {
        metrics_->alerts
            .Add({{"level", alert["riskLevel"].get<std::string>()},
                  {"kind", alert["isContinuation"].get<bool>() ? "continuation" : "new"}})
            .Increment();
      }
    }
  }
  for (const auto& [partition, offset] : frame.messages)
    frame.consumer->complete(partition, offset);
  return true;
}

void AggregateStage::drain(Millis) {
  stopping_.request();
}

}  // namespace tmon::aggregate
