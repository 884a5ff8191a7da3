#include "fleet/camera_status.h"

#include <nlohmann/json.hpp>

#include "common/logging.h"

namespace tmon::fleet {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxMessageBytes = 256;  // a status stays small, whatever the error text
constexpr size_t kMgetBatch = 500;
constexpr size_t kMaxPendingFailovers = 10'000;

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("fleet");
}

}  // namespace

std::string status_key(const std::string& camera_id) {
  return "tmon:camera-status:" + camera_id;
}

std::string encode(const CameraStatusRecord& record) {
  return json{{"owner", record.owner},
              {"state", api::to_string(record.state)},
              {"message", record.message.substr(0, kMaxMessageBytes)},
              {"fps", record.fps},
              {"lastFrameTs", record.last_frame_ts},
              {"framesSampled", record.frames_sampled},
              {"updatedTs", record.updated_ts},
              {"detector", record.detector}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<CameraStatusRecord> decode_status(std::string_view value) {
  const json doc = json::parse(value, nullptr, false);
  if (!doc.is_object() || !doc.contains("owner") || !doc["owner"].is_string()) return std::nullopt;
  CameraStatusRecord record;
  record.owner = doc["owner"].get<std::string>();
  record.state = api::parse_camera_state(doc.value("state", "")).value_or(api::CameraState::kError);
  record.message = doc.value("message", "");
  record.fps = doc.value("fps", 0.0);
  record.last_frame_ts = doc.value("lastFrameTs", int64_t{0});
  record.frames_sampled = doc.value("framesSampled", int64_t{0});
  record.updated_ts = doc.value("updatedTs", int64_t{0});
  record.detector = doc.value("detector", "");
  return record;
}

bool is_fresh(const CameraStatusRecord& record, int64_t now_ms, Millis period) {
  return now_ms - record.updated_ts <= 3 * period.count();
}

Result<std::map<std::string, CameraStatusRecord>> read_statuses(
    store::RedisClient& redis, const std::vector<std::string>& ids) {
  std::map<std::string, CameraStatusRecord> records;
  for (size_t begin = 0; begin < ids.size(); begin += kMgetBatch) {
    const size_t end = std::min(ids.size(), begin + kMgetBatch);
    std::vector<std::string> argv{"MGET"};
    for (size_t i = begin; i < end; ++i) argv.push_back(status_key(ids[i]));
    auto reply = redis.command(argv);
    if (!reply) return tl::unexpected(reply.error());
    for (size_t i = 0; i < reply->elements.size() && begin + i < end; ++i) {
      const auto& element = reply->elements[i];
      if (element.type != store::RedisReply::Type::kString) continue;
      if (auto record = decode_status(element.text)) records[ids[begin + i]] = std::move(*record);
    }
  }
  return records;
}

StatusPublisher::StatusPublisher(std::shared_ptr<store::RedisClient> redis, Statuses owned,
                                 Clock& clock, Options options, FleetMetrics* metrics)
    : redis_(std::move(redis)),
      owned_(std::move(owned)),
      clock_(clock),
      options_(std::move(options)),
      metrics_(metrics),
      sleep_(clock) {}

StatusPublisher::~StatusPublisher() {
  stop();
}

void StatusPublisher::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] {
    do {
      publish_once();
    } while (sleep_.sleep_for(options_.period));
  });
}

void StatusPublisher::stop() {
  sleep_.interrupt();
  if (thread_.joinable()) thread_.join();
}

void StatusPublisher::on_started(const RegistryCamera& camera) {
  {
    std::lock_guard lock(mu_);
    if (unannounced_.size() < kMaxPendingFailovers) unannounced_.insert(camera.id.text());
  }
  auto reply = redis_->command({"GET", status_key(camera.id.text())});
  if (!reply || reply->type != store::RedisReply::Type::kString) return;
  const auto previous = decode_status(reply->text);
  if (!previous || previous->owner == options_.instance_id || previous->last_frame_ts <= 0) return;
  std::lock_guard lock(mu_);
  if (failover_from_.size() < kMaxPendingFailovers) {
    failover_from_[camera.id.text()] = previous->last_frame_ts;
  }
}

void StatusPublisher::forget(const std::string& camera_id) {
  {
    std::lock_guard lock(mu_);
    failover_from_.erase(camera_id);
    unannounced_.erase(camera_id);
  }
  if (auto deleted = redis_->command({"DEL", status_key(camera_id)}); !deleted) {
    logger()->debug("camera={} status not deleted: {}", camera_id, deleted.error().message);
  }
}

void StatusPublisher::on_frame(const std::string& camera_id, int64_t capture_ts) {
  int64_t from = 0;
  bool first = false;
  {
    std::lock_guard lock(mu_);
    // The common case: two checks per frame.
    if (failover_from_.empty() && unannounced_.empty()) return;
    first = unannounced_.erase(camera_id) > 0;
    if (const auto it = failover_from_.find(camera_id); it != failover_from_.end()) {
      from = it->second;
      failover_from_.erase(it);
    }
  }
  if (first) publish(camera_id, capture_ts);
  if (from == 0) return;
  if (metrics_ && capture_ts > from) {
    metrics_->failover_seconds.Observe(static_cast<double>(capture_ts - from) / 1000.0);
  }
  logger()->info("camera={} failed over to {}: {} ms from the previous owner's last frame",
                 camera_id, options_.instance_id, capture_ts - from);
}

size_t StatusPublisher::pending_failovers() const {
  std::lock_guard lock(mu_);
  return failover_from_.size();
}

size_t StatusPublisher::unannounced() const {
  std::lock_guard lock(mu_);
  return unannounced_.size();
}

Status StatusPublisher::write(const api::CameraInfo& info, int64_t now) {
  CameraStatusRecord record{options_.instance_id,
                            info.state,
                            info.message,
                            info.fps,
                            info.last_frame_ts,
                            info.frames_sampled,
                            now,
                            info.detector};
  auto set = redis_->command({"SET", status_key(info.id.text()), encode(record), "PX",
                              std::to_string(options_.ttl.count())});
  if (!set) return tl::unexpected(set.error());
  return {};
}

void StatusPublisher::publish(const std::string& camera_id, int64_t frame_ts) {
  for (auto info : owned_()) {
    if (info.id.text() != camera_id) continue;
    // The listener may run before the camera's own status counts the frame.
    info.last_frame_ts = std::max(info.last_frame_ts, frame_ts);
    if (info.state == api::CameraState::kStarting) info.state = api::CameraState::kOk;
    if (auto written = write(info, clock_.epoch_ms()); !written) {
      logger()->debug("camera={} status not written: {}", camera_id, written.error().message);
    }
    return;
  }
}

void StatusPublisher::publish_once() {
  const int64_t now = clock_.epoch_ms();
  size_t failed = 0;
  std::string last_error;
  for (const auto& info : owned_()) {
    if (auto written = write(info, now); !written) {
      ++failed;
      last_error = written.error().message;
    }
  }
  if (failed > 0) {
    logger()->warn("camera status: {} writes failed ({})", failed, last_error);
  }
}

}  // namespace tmon::fleet
