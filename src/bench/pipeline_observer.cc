#include "bench/pipeline_observer.h"

#include "common/clock.h"
#include "common/logging.h"
#include "messages/codec.h"
#include "messages/frame_view.h"
#include "store/result_store.h"

namespace tmon::bench {

Result<std::unique_ptr<PipelineObserver>> PipelineObserver::start(Options options) {
  std::unique_ptr<PipelineObserver> observer(new PipelineObserver(std::move(options)));
  const auto& topics = observer->options_.kafka.topics;
  auto tail = bus::TopicTail::open(observer->options_.kafka,
                                   {topics.detection_results.name, topics.assessment_tasks.name,
                                    topics.risk_assessment_results.name, topics.dead_letter.name},
                                   "tmon-bench-observer");
  if (!tail) return tl::unexpected(tail.error());
  observer->tail_ = std::move(*tail);

  auto address = store::RedisAddress::parse(observer->options_.redis_url);
  if (!address) return tl::unexpected(address.error());
  store::RedisSubscriberOptions subscribe;
  subscribe.pattern = "camera:" + observer->options_.camera_prefix + "*";
  observer->views_ = std::make_unique<store::RedisSubscriber>(
      *address,
      [raw = observer.get()](const std::string& camera_id, const std::string& view) {
        raw->on_view(camera_id, view);
      },
      subscribe);
  observer->views_->start();
  observer->redis_ = std::make_unique<store::RedisClient>(*address, Millis(2'000));
  // Subscribing is another thread's connection: wait (bounded) until it is up.
  InterruptibleSleep pause(SystemClock::instance());
  const SteadyTime give_up = SystemClock::instance().now() + Millis(10'000);
  while (!observer->views_->stats().connected) {
    if (SystemClock::instance().now() > give_up) {
      return make_error(ErrorCode::kUnavailable,
                        "cannot subscribe to views in Redis at " + address->describe());
    }
    pause.sleep_for(Millis(20));
  }
  observer->tail_thread_ = std::thread([raw = observer.get()] { raw->run_tail(); });
  return observer;
}

PipelineObserver::PipelineObserver(Options options)
    : options_(std::move(options)),
      trace_({[prefix = options_.camera_prefix](const std::string& camera_id) {
                return camera_id.starts_with(prefix);
              },
              false}) {}

PipelineObserver::~PipelineObserver() {
  stop();
}

void PipelineObserver::stop() {
  if (stopping_.exchange(true)) return;
  if (tail_thread_.joinable()) tail_thread_.join();
  if (views_) views_->stop();
}

bool PipelineObserver::watched(const std::string& camera_id) const {
  return camera_id.starts_with(options_.camera_prefix);
}

void PipelineObserver::run_tail() {
  while (!stopping_) {
    if (auto message = tail_->poll(Millis(100))) on_message(*message);
  }
}

void PipelineObserver::on_message(const bus::ConsumedMessage& message) {
  const auto& topics = options_.kafka.topics;
  const int64_t now_ms = SystemClock::instance().epoch_ms();
  std::lock_guard lock(mu_);
  if (message.topic == topics.dead_letter.name) {
    ++totals_.dead_letters;
  } else if (message.topic == topics.detection_results.name) {
    if (auto frame = messages::decode_detection_result(message.value)) {
      trace_.frame_seen(*frame, now_ms);
    } else {
      ++totals_.undecodable;
    }
  } else if (message.topic == topics.assessment_tasks.name) {
    if (auto task = messages::decode_assessment_task(message.value)) {
      trace_.task_seen(*task, now_ms);
    } else {
      ++totals_.undecodable;
    }
  } else if (message.topic == topics.risk_assessment_results.name) {
    if (auto result = messages::decode_assessment_result(message.value)) {
      trace_.result_seen(*result, now_ms);
    } else {
      ++totals_.undecodable;
    }
  }
}

void PipelineObserver::on_view(const std::string& camera_id, const std::string& text) {
  if (!watched(camera_id)) return;
  auto view = messages::decode_frame_view(text);
  if (!view) return;
  std::lock_guard lock(mu_);
  trace_.view_seen(*view);
}

int64_t PipelineObserver::look_up_stored_views(int64_t min_age_ms, bool final) {
  const int64_t captured_before = SystemClock::instance().epoch_ms() - min_age_ms;
  std::vector<std::pair<std::string, trace::FrameTrace>> missing;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, frame] : trace_.frames()) {
      if (frame.tasks_seen > 0 && !frame.stored && frame.capture_ts < captured_before) {
        missing.emplace_back(id, frame);
      }
    }
  }
  int64_t found = 0;
  for (const auto& [request_id, frame] : missing) {
    bool in_history = false;
    const std::string at = std::to_string(frame.capture_ts);
    auto reply = redis_->command({"ZRANGEBYSCORE", store::history_key(frame.camera_id), at, at});
    if (!reply) continue;
    for (const auto& element : reply->elements) {
      auto view = messages::decode_frame_view(element.text);
      if (!view || view->requestId != request_id) continue;
      in_history = true;
      std::lock_guard lock(mu_);
      if (trace_.view_seen(*view)) {
        ++totals_.views_from_history;
        ++found;
      }
    }
    if (in_history || !final) continue;
    auto flag = redis_->command({"EXISTS", store::frame_published_key(request_id)});
    if (!flag || flag->integer != 1) continue;
    std::lock_guard lock(mu_);
    if (trace_.view_gone(request_id)) {
      ++totals_.views_gone;
      ++found;
    }
  }
  return found;
}

ObservedTotals PipelineObserver::totals() const {
  std::lock_guard lock(mu_);
  ObservedTotals totals = totals_;
  static_cast<trace::TraceTotals&>(totals) = trace_.totals();
  return totals;
}

PipelineObserver::Unsettled PipelineObserver::unsettled() const {
  std::lock_guard lock(mu_);
  return trace_.unsettled();
}

std::map<std::string, trace::FrameTrace> PipelineObserver::frames() const {
  std::lock_guard lock(mu_);
  return trace_.frames();
}

std::map<std::string, trace::TaskTrace> PipelineObserver::tasks() const {
  std::lock_guard lock(mu_);
  return trace_.tasks();
}

}  // namespace tmon::bench
