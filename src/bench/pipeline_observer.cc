#include "bench/pipeline_observer.h"

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/logging.h"
#include "messages/codec.h"
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
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!observer->views_->stats().connected) {
    if (std::chrono::steady_clock::now() > give_up) {
      return make_error(ErrorCode::kUnavailable,
                        "cannot subscribe to views in Redis at " + address->describe());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  observer->tail_thread_ = std::thread([raw = observer.get()] { raw->run_tail(); });
  return observer;
}

PipelineObserver::PipelineObserver(Options options) : options_(std::move(options)) {}

PipelineObserver::~PipelineObserver() {
  stop();
}

void PipelineObserver::stop() {
  if (stopping_.exchange(true)) return;
  if (tail_thread_.joinable()) tail_thread_.join();
  if (views_) views_->stop();
}

double PipelineObserver::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

bool PipelineObserver::watched(const std::string& camera_id) const {
  return camera_id.rfind(options_.camera_prefix, 0) == 0;
}

void PipelineObserver::run_tail() {
  while (!stopping_) {
    if (auto message = tail_->poll(Millis(100))) on_message(*message);
  }
}

void PipelineObserver::on_message(const bus::ConsumedMessage& message) {
  const auto& topics = options_.kafka.topics;
  const double now_s = seconds();
  std::lock_guard lock(mu_);
  if (message.topic == topics.dead_letter.name) {
    ++totals_.dead_letters;
    return;
  }
  if (message.topic == topics.detection_results.name) {
    auto frame = messages::decode_detection_result(message.value);
    if (!frame) {
      ++totals_.undecodable;
      return;
    }
    if (!watched(frame->cameraId)) return;
    FrameRecord& record = frames_[frame->requestId];
    if (record.seen_s >= 0) return;  // a redelivery
    record.camera_id = frame->cameraId;
    record.capture_ts = frame->captureTs;
    record.detected_ts = frame->detectedTs;
    record.seen_s = now_s;
    ++totals_.frames;
  } else if (message.topic == topics.assessment_tasks.name) {
    auto task = messages::decode_assessment_task(message.value);
    if (!task) {
      ++totals_.undecodable;
      return;
    }
    if (!watched(task->cameraId)) return;
    TaskRecord& record = tasks_[task->taskId];  // its result may have come first
    if (record.created_ts != 0) return;         // a redelivery
    record.request_id = task->requestId;
    record.capture_ts = task->captureTs;
    record.created_ts = task->createdTs;
    record.seen_s = now_s;
    FrameRecord& frame = frames_[task->requestId];
    if (frame.camera_id.empty()) {
      frame.camera_id = task->cameraId;
      frame.capture_ts = task->captureTs;
    }
    ++frame.tasks_seen;
    ++totals_.tasks;
  } else if (message.topic == topics.risk_assessment_results.name) {
    auto result = messages::decode_assessment_result(message.value);
    if (!result) {
      ++totals_.undecodable;
      return;
    }
    if (!watched(result->cameraId)) return;
    TaskRecord& task = tasks_[result->taskId];
    if (++task.results > 1) {
      ++totals_.duplicate_results;
      return;
    }
    task.status = result->status;
    task.code = result->code;
    task.completed_ts = result->completedTs;
    task.result_seen_s = now_s;
    task.llm_ms = result->metadata.llmLatencyMs;
    task.queue_wait_ms = result->metadata.queueWaitMs;
    ++totals_.results;
    if (result->status == messages::ResultStatus::kOk) ++totals_.ok_results;
  }
}

void PipelineObserver::on_view(const std::string& camera_id, const std::string& text) {
  if (!watched(camera_id)) return;
  const auto view = nlohmann::json::parse(text, nullptr, false);
  if (!view.is_object()) return;
  std::lock_guard lock(mu_);
  record_view(camera_id, view);
}

bool PipelineObserver::record_view(const std::string& camera_id, const nlohmann::json& view) {
  int64_t max_llm_ms = 0;
  for (const auto& task : view.value("tasks", nlohmann::json::array())) {
    if (!task.contains("metadata")) continue;
    max_llm_ms = std::max(max_llm_ms, task["metadata"].value("llmLatencyMs", int64_t{0}));
  }
  FrameRecord& frame = frames_[view.value("requestId", "")];
  if (frame.stored) return false;  // the first view of a frame is its publication
  if (frame.camera_id.empty()) {
    frame.camera_id = camera_id;
    frame.capture_ts = view.value("captureTs", int64_t{0});
  }
  frame.stored = true;
  frame.stored_ts = view.value("storedTs", int64_t{0});
  frame.partial = view.value("partial", false);
  frame.max_llm_ms = max_llm_ms;
  ++totals_.views;
  if (frame.partial) ++totals_.partial_views;
  return true;
}

int64_t PipelineObserver::look_up_stored_views(int64_t min_age_ms, bool final) {
  const int64_t captured_before = SystemClock::instance().epoch_ms() - min_age_ms;
  std::vector<std::pair<std::string, FrameRecord>> missing;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, frame] : frames_) {
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
      const auto view = nlohmann::json::parse(element.text, nullptr, false);
      if (!view.is_object()) continue;
      if (view.value("requestId", "") != request_id) continue;
      in_history = true;
      std::lock_guard lock(mu_);
      if (record_view(frame.camera_id, view)) {
        ++totals_.views_from_history;
        ++found;
      }
    }
    if (in_history || !final) continue;
    auto flag = redis_->command({"EXISTS", store::frame_published_key(request_id)});
    if (!flag || flag->integer != 1) continue;
    std::lock_guard lock(mu_);
    FrameRecord& record = frames_[request_id];
    if (record.stored) continue;
    record.stored = true;
    ++totals_.views_gone;
    ++found;
  }
  return found;
}

ObservedTotals PipelineObserver::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

PipelineObserver::Unsettled PipelineObserver::unsettled() const {
  std::lock_guard lock(mu_);
  Unsettled pending;
  for (const auto& [id, task] : tasks_) pending.tasks += task.results == 0 ? 1 : 0;
  for (const auto& [id, frame] : frames_) {
    pending.frames += frame.tasks_seen > 0 && !frame.stored ? 1 : 0;
  }
  return pending;
}

std::map<std::string, FrameRecord> PipelineObserver::frames() const {
  std::lock_guard lock(mu_);
  return frames_;
}

std::map<std::string, TaskRecord> PipelineObserver::tasks() const {
  std::lock_guard lock(mu_);
  return tasks_;
}

}  // namespace tmon::bench
