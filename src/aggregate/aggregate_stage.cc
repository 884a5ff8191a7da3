#include "aggregate/aggregate_stage.h"

#include "aggregate/frame_view.h"
#include "common/logging.h"
#include "messages/codec.h"
#include "messages/frame_view.h"
#include "messages/freshness.h"

namespace tmon::aggregate {

AggregateOptions aggregate_options(const config::AggregationConfig& a,
                                   std::string detections_topic) {
  AggregateOptions options;
  options.partial_timeout = Millis(static_cast<int64_t>(a.partial_timeout_seconds * 1000));
  options.max_pending_frames = static_cast<size_t>(a.max_pending_frames);
  options.alerts.min_level =
      messages::parse_risk_level(a.alert_min_level).value_or(messages::RiskLevel::kHigh);
  options.alerts.display_ms = static_cast<int64_t>(a.alert_display_seconds * 1000);
  options.detections_topic = std::move(detections_topic);
  return options;
}

AggregateStage::AggregateStage(store::ResultStore& store, bus::DeadLetterPublisher& dead_letters,
                               Clock& clock, AggregateOptions options, AggregateMetrics* metrics)
    : store_(store),
      dead_letters_(dead_letters),
      clock_(clock),
      options_(std::move(options)),
      metrics_(metrics),
      stopping_(clock) {}

void AggregateStage::store_failed(const std::string& what, const Error& error) {
  if (metrics_) metrics_->store_errors.Increment();
  get_logger("aggregate")
      ->warn("{} in {} failed, will retry: {}", what, store_.describe(), error.message);
}

template <typename Call>
bool AggregateStage::retry(const std::string& what, Call&& call) {
  Millis backoff(100);
  for (Status outcome = call(); !outcome; outcome = call()) {
    store_failed(what, outcome.error());
    // Not completed: the next owner of the partition replays it.
    if (!stopping_.sleep_for(backoff)) return false;
    backoff = std::min(backoff * 2, Millis(5'000));
  }
  return true;
}

void AggregateStage::handle(bus::ConsumedMessage&& message, bus::Consumer& consumer) {
  if (!options_.detections_topic.empty() && message.topic == options_.detections_topic) {
    handle_detection(std::move(message), consumer);
  } else {
    handle_result(std::move(message), consumer);
  }
  if (metrics_) metrics_->pending_frames.Set(static_cast<double>(pending_.size()));
}

void AggregateStage::remember_detection(const std::string& request_id, int groups) {
  if (!recent_detections_.insert_or_assign(request_id, groups).second) return;
  recent_order_.push_back(request_id);
  while (recent_order_.size() > options_.max_recent_detections) {
    recent_detections_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
}

void AggregateStage::handle_detection(bus::ConsumedMessage&& message, bus::Consumer& consumer) {
  const auto count = [&](const char* outcome) {
    if (metrics_) metrics_->detections.Add({{"outcome", outcome}}).Increment();
  };
  auto detection = messages::decode_detection_result(message.value);
  if (!detection) {
    // The generator dead-letters it (one letter per bad message is enough);
    // here it only means a view without its detection.
    count("undecodable");
    consumer.complete(message);
    return;
  }
  if (!messages::check_capture_ts(detection->captureTs, clock_.epoch_ms())) {
    count("undecodable");  // out of its time window: generate dead-letters it
    consumer.complete(message);
    return;
  }
  if (detection->trafficGroups.empty()) {
    count("no_groups");  // no group, no task: this frame will have no view
    consumer.complete(message);
    return;
  }
  detection->thumbnailBase64.clear();  // the annotated frame is for /ws, not for the view
  const std::string request_id = detection->requestId;
  const std::string json = messages::encode(*detection);
  if (!retry("storing the detection of frame " + request_id,
             [&] { return store_.put_detection(request_id, json); })) {
    return;
  }
  count("stored");
  ++detections_;
  const int groups = static_cast<int>(detection->trafficGroups.size());
  remember_detection(request_id, groups);
  consumer.complete(message);
  if (const auto it = pending_.find(request_id); it != pending_.end()) {
    it->second.detection_groups = groups;
    if (publish_if_due(it->first, it->second, clock_.now())) pending_.erase(it);
  }
}

void AggregateStage::handle_result(bus::ConsumedMessage&& message, bus::Consumer& consumer) {
  auto result = messages::decode_assessment_result(message.value);
  if (!result) {
    dead_letters_.publish(message, result.error().message, consumer);
    return;
  }
  // A far-future captureTs would freeze the camera's latest view until then.
  if (auto fresh = messages::check_capture_ts(result->captureTs, clock_.epoch_ms()); !fresh) {
    dead_letters_.publish(message, fresh.error().message, consumer);
    return;
  }
  const store::ResultWrite write{result->taskId, result->cameraId, result->requestId,
                                 message.value};
  store::ResultApplied applied;
  const bool stored = retry("storing task=" + result->taskId, [&]() -> Status {
    auto outcome = store_.apply(write);
    if (!outcome) return tl::unexpected(outcome.error());
    applied = *outcome;
    return {};
  });
  if (!stored) return;
  if (applied.first_time) {
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
  if (applied.frame_published) {
    consumer.complete(message);  // a replay, or a result that came after its frame timed out
    return;
  }
  auto [it, created] = pending_.try_emplace(result->requestId);
  PendingFrame& frame = it->second;
  if (created) {
    frame.camera_id = result->cameraId;
    frame.capture_ts = result->captureTs;
    frame.expected = std::max(0, result->frameTaskCount);
    frame.since = clock_.now();
    frame.consumer = &consumer;
    if (const auto seen = recent_detections_.find(result->requestId);
        seen != recent_detections_.end()) {
      frame.detection_groups = seen->second;
    }
  }
  frame.held = std::max(frame.held, applied.frame_results);
  frame.messages.emplace_back(message.partition_key(), message.offset);
  if (message.received_ms >= frame.last_result_received_ms) {
    frame.last_result_received_ms = message.received_ms;
    frame.last_result_produced_ms = message.timestamp_ms;
  }
  if (publish_if_due(it->first, frame, clock_.now())) pending_.erase(it);
}

void AggregateStage::tick() {
  const SteadyTime now = clock_.now();
  for (auto it = pending_.begin(); it != pending_.end() && !stopping_.interrupted();) {
    if (publish_if_due(it->first, it->second, now)) {
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  if (metrics_) metrics_->pending_frames.Set(static_cast<double>(pending_.size()));
}

bool AggregateStage::publish_if_due(const std::string& request_id, PendingFrame& frame,
                                    SteadyTime now) {
  const bool timed_out = now - frame.since >= options_.partial_timeout;
  const int expected = frame.expected > 0 ? frame.expected : frame.detection_groups.value_or(0);
  const bool complete = expected > 0 && frame.held >= expected;
  // Without its detection a view lacks what the original's readers expect;
  // it usually arrives first, so a short wait is all it may take.
  const bool detection_settled = frame.detection_groups || options_.detections_topic.empty() ||
                                 now - frame.since >= options_.detection_wait;
  if (!timed_out && !(complete && detection_settled)) return false;
  return publish(request_id, frame, !complete);
}

bool AggregateStage::publish(const std::string& request_id, PendingFrame& frame, bool incomplete) {
  auto held = store_.frame_results(request_id);
  if (!held) {
    store_failed("reading frame " + request_id, held.error());
    return false;
  }
  std::vector<messages::AssessmentResult> results;
  for (const auto& json : *held) {
    if (auto decoded = messages::decode_assessment_result(json)) {
      results.push_back(std::move(*decoded));
    } else {
      count_bad_record("result", request_id, decoded.error().message);
    }
  }
  auto stored_detection = store_.detection(request_id);
  if (!stored_detection) {
    store_failed("reading the detection of frame " + request_id, stored_detection.error());
    return false;
  }
  std::optional<messages::DetectionResult> detection;
  if (*stored_detection) {
    if (auto decoded = messages::decode_detection_result(**stored_detection)) {
      detection = std::move(*decoded);
    } else {
      count_bad_record("detection", request_id, decoded.error().message);
    }
  }
  auto active = store_.active_alerts(frame.camera_id);
  if (!active) {
    store_failed("reading alerts of camera " + frame.camera_id, active.error());
    return false;
  }
  // The original's results do not say how many to expect: its aggregator
  // counted the frame's groups.
  int expected = frame.expected;
  if (expected <= 0) {
    expected = detection ? static_cast<int>(detection->trafficGroups.size())
                         : static_cast<int>(results.size());
  }
  expected = std::max(expected, 1);
  const auto decision = decide_alerts(results, *active, options_.alerts, frame.capture_ts);
  for (int i = 0; i < decision.bad_records; ++i) {
    count_bad_record("alert", request_id, "an active alert of camera " + frame.camera_id);
  }
  const int64_t now_ms = clock_.epoch_ms();
  const FrameInfo info{frame.camera_id, request_id, frame.capture_ts, expected,
                       incomplete || static_cast<int>(results.size()) < expected};
  messages::FrameView view = merge_frame(info, std::move(results), std::move(detection), now_ms);
  view.alerts = decision.on_display;
  view.lastResultProducedTs = frame.last_result_produced_ms;
  view.lastResultReceivedTs = frame.last_result_received_ms;
  const store::FrameWrite write{frame.camera_id,
                                request_id,
                                frame.capture_ts,
                                messages::encode(view),
                                messages::encode(view, messages::ViewImages::kOmit),
                                view.maxRiskLevel >= messages::RiskLevel::kHigh,
                                decision.writes,
                                decision.ended_groups};
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
                 request_id, view.receivedResults(), expected);
    }
    if (metrics_) {
      metrics_->views.Add({{"kind", info.partial ? "partial" : "complete"}}).Increment();
      metrics_->end_to_end_latency.Observe(static_cast<double>(now_ms - frame.capture_ts) / 1000.0);
      for (const auto& alert : decision.renewed) {
        metrics_->alerts
            .Add({{"level", std::string(messages::to_string(alert.riskLevel))},
                  {"kind", alert.isContinuation ? "continuation" : "new"}})
            .Increment();
      }
    }
  }
  for (const auto& [partition, offset] : frame.messages) {
    frame.consumer->complete(partition, offset);
  }
  return true;
}

void AggregateStage::stop_requested() {
  stopping_.interrupt();
}

void AggregateStage::drain(Millis) {
  stopping_.interrupt();
}

void AggregateStage::count_bad_record(const char* kind, const std::string& request_id,
                                      const std::string& why) {
  if (metrics_) metrics_->bad_records.Add({{"kind", kind}}).Increment();
  get_logger("aggregate")->warn("frame {}: stored {} skipped: {}", request_id, kind, why);
}

}  // namespace tmon::aggregate
