#include "detect/source_pump.h"

namespace tmon::detect {

Millis Backoff::next() {
  const Millis wait = current_;
  current_ = std::min(current_ * 2, kMax);
  return wait;
}

SourcePump::SourcePump(std::string camera_id, FrameSourcePtr source, StatusBoard& board,
                       Clock& clock)
    : camera_id_(std::move(camera_id)),
      source_(std::move(source)),
      board_(board),
      clock_(clock),
      sleep_(clock) {}

SourcePump::~SourcePump() {
  stop();
}

void SourcePump::start() {
  if (source_->live() && !grabber_.joinable()) grabber_ = std::thread([this] { grab_loop(); });
}

void SourcePump::stop() {
  stopping_ = true;
  sleep_.interrupt();
  if (grabber_.joinable()) grabber_.join();
}

std::optional<double> SourcePump::source_fps() const {
  constexpr int64_t kEnoughFrames = 10;
  std::lock_guard lock(mu_);
  if (grabs_since_open_ < kEnoughFrames) return std::nullopt;
  const double seconds = std::chrono::duration<double>(clock_.now() - first_grab_).count();
  return seconds > 0 ? static_cast<double>(grabs_since_open_ - 1) / seconds
                     : std::optional<double>{};
}

void SourcePump::grab_loop() {
  Backoff backoff;
  bool open = false;
  while (!stopping_) {
    if (!open) {
      if (auto opened = source_->open(); !opened) {
        const Millis wait = backoff.next();
        board_.set(
            camera_id_, CameraState::kError,
            opened.error().message + "; retrying in " + std::to_string(wait.count() / 1000) + " s");
        sleep_.sleep_for(wait);
        continue;
      }
      open = true;
      std::lock_guard lock(mu_);
      grabs_since_open_ = 0;
    }
    auto frame = source_->read(0);
    if (!frame && frame.error().code == ErrorCode::kNotFound) {
      board_.set(camera_id_, CameraState::kEnded, frame.error().message);
      return;  // a video file that does not loop: nothing more will come
    }
    if (!frame) {
      const Millis wait = backoff.next();
      board_.set(camera_id_, CameraState::kError,
                 frame.error().message + "; reconnecting in " +
                     std::to_string(wait.count() / 1000) + " s");
      open = false;
      sleep_.sleep_for(wait);
      continue;
    }
    backoff.reset();
    board_.grabbed(camera_id_);
    std::lock_guard lock(mu_);
    newest_ = std::move(*frame);  // replaced, never written into: a sampled Mat stays intact
    newest_ms_ = clock_.epoch_ms();
    ++newest_sequence_;
    if (grabs_since_open_++ == 0) first_grab_ = clock_.now();
  }
}

SourcePump::Sample SourcePump::sample() {
  if (!source_->live()) return sample_on_demand();
  std::lock_guard lock(mu_);
  if (newest_sequence_ == sampled_sequence_) return {};  // stalled or slow camera
  sampled_sequence_ = newest_sequence_;
  return {Outcome::kFrame, newest_, newest_ms_};
}

SourcePump::Sample SourcePump::sample_on_demand() {
  if (ended_) return {Outcome::kEnded, {}, 0};
  const SteadyTime now = clock_.now();
  if (now < retry_at_) return {Outcome::kWaiting, {}, 0};
  if (!open_) {
    // Open (or reopen) with backoff: a folder still empty, a file being replaced.
    if (auto opened = source_->open(); !opened) {
      const Millis wait = backoff_.next();
      board_.set(
          camera_id_, CameraState::kError,
          opened.error().message + "; retrying in " + std::to_string(wait.count() / 1000) + " s");
      retry_at_ = now + wait;
      return {Outcome::kWaiting, {}, 0};
    }
    open_ = true;
  }
  const double elapsed =
      last_read_ ? std::chrono::duration<double>(now - *last_read_).count() : 0.0;
  last_read_ = now;
  auto read = source_->read(elapsed);
  if (!read) {
    if (read.error().code == ErrorCode::kNotFound) {
      ended_ = true;
      board_.set(camera_id_, CameraState::kEnded, read.error().message);
      return {Outcome::kEnded, {}, 0};
    }
    open_ = false;
    board_.set(camera_id_, CameraState::kError, read.error().message);
    return {Outcome::kFailed, {}, 0};
  }
  backoff_.reset();
  board_.grabbed(camera_id_);
  return {Outcome::kFrame, std::move(*read), clock_.epoch_ms()};
}

}  // namespace tmon::detect
