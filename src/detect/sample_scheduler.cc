#include "detect/sample_scheduler.h"

#include <algorithm>

namespace tmon::detect {
namespace {

int64_t epoch_ms_at(Clock& clock, SteadyTime at) {
  return clock.epoch_ms() - std::chrono::duration_cast<Millis>(clock.now() - at).count();
}

}  // namespace

Cadence::Cadence(SteadyTime first, std::chrono::nanoseconds track_period,
                 std::chrono::nanoseconds analysis_period)
    : next_due_(first),
      next_analysis_(first),
      track_period_(track_period),
      analysis_period_(analysis_period) {}

SampleKind Cadence::take(SteadyTime now) {
  const SteadyTime due = next_due_;
  SampleKind kind = SampleKind::kTrack;
  if (due >= next_analysis_) {
    kind = SampleKind::kAnalyze;
    next_analysis_ += analysis_period_;
    // After a stall, resume the cadence from now rather than catch up with a burst.
    if (next_analysis_ < now) next_analysis_ = now + analysis_period_;
  }
  SteadyTime next = next_analysis_;
  if (track_period_.count() > 0) {
    next = due + track_period_;
    if (next < now) next = now + track_period_;
  }
  // Tracking frames that do not divide the analysis period must not delay it.
  next_due_ = std::min(next, next_analysis_);
  return kind;
}

SampleScheduler::SampleScheduler(Clock& clock, int workers, Run run, OnSkip on_skip)
    : clock_(clock),
      worker_count_(std::max(1, workers)),
      run_(std::move(run)),
      on_skip_(std::move(on_skip)) {}

SampleScheduler::~SampleScheduler() {
  stop();
}

void SampleScheduler::add(const std::string& camera_id, std::chrono::nanoseconds track_period,
                          std::chrono::nanoseconds analysis_period,
                          std::chrono::nanoseconds first_delay) {
  {
    std::lock_guard lock(mu_);
    cameras_.insert_or_assign(
        camera_id, Camera{Cadence(clock_.now() + first_delay, track_period, analysis_period)});
  }
  wake_.notify_all();
}

void SampleScheduler::remove(const std::string& camera_id) {
  std::unique_lock lock(mu_);
  const auto it = cameras_.find(camera_id);
  if (it == cameras_.end()) return;
  // Let a frame in work finish, so nothing of this camera runs after
  // remove() returns. An analysis is bounded work; the wait re-checks every
  // second of the clock anyway.
  while (it->second.busy && !stopping_) {
    clock_.wait_until(lock, done_, clock_.now() + std::chrono::seconds(1));
  }
  cameras_.erase(it);
  std::erase_if(analyses_, [&](const Job& job) { return job.camera_id == camera_id; });
  std::erase_if(tracking_, [&](const Job& job) { return job.camera_id == camera_id; });
}

void SampleScheduler::set_track_period(const std::string& camera_id,
                                       std::chrono::nanoseconds period) {
  std::lock_guard lock(mu_);
  const auto it = cameras_.find(camera_id);
  if (it != cameras_.end()) it->second.cadence.set_track_period(period);
}

void SampleScheduler::start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  scheduler_ = std::thread([this] { schedule_loop(); });
  for (int i = 0; i < worker_count_; ++i) workers_.emplace_back([this] { work_loop(); });
}

void SampleScheduler::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    analyses_.clear();
    tracking_.clear();
  }
  wake_.notify_all();
  work_.notify_all();
  done_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& worker : workers_) worker.join();
}

void SampleScheduler::enqueue(const std::string& camera_id, SampleKind kind, int64_t due_ms) {
  (kind == SampleKind::kAnalyze ? analyses_ : tracking_).push_back({camera_id, kind, due_ms});
  work_.notify_one();
}

void SampleScheduler::schedule_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const SteadyTime now = clock_.now();
    SteadyTime next = now + std::chrono::milliseconds(500);
    std::vector<std::pair<std::string, SampleKind>> skipped;
    for (auto& [id, camera] : cameras_) {
      if (camera.cadence.next_due() <= now) {
        const int64_t due_ms = epoch_ms_at(clock_, camera.cadence.next_due());
        const SampleKind kind = camera.cadence.take(now);
        if (!camera.busy) {
          camera.busy = true;
          enqueue(id, kind, due_ms);
        } else if (kind == SampleKind::kAnalyze) {
          // Runs when the camera is free; a newer one replaces one still waiting.
          if (camera.analysis_pending) skipped.emplace_back(id, SampleKind::kAnalyze);
          camera.analysis_pending = true;
          camera.pending_due_ms = due_ms;
        } else {
          skipped.emplace_back(id, SampleKind::kTrack);
        }
      }
      next = std::min(next, camera.cadence.next_due());
    }
    if (!skipped.empty() && on_skip_) {
      lock.unlock();
      for (const auto& [id, kind] : skipped) on_skip_(id, kind);
      lock.lock();
      continue;  // time moved on while unlocked: look again
    }
    clock_.wait_until(lock, wake_, next);
  }
}

void SampleScheduler::work_loop() {
  std::unique_lock lock(mu_);
  while (true) {
    // Jobs arrive through work_; the timed wait only re-checks for stop.
    while (!stopping_ && analyses_.empty() && tracking_.empty()) {
      clock_.wait_until(lock, work_, clock_.now() + std::chrono::seconds(1));
    }
    if (stopping_) return;
    std::deque<Job>& queue = analyses_.empty() ? tracking_ : analyses_;
    const Job job = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    run_(job.camera_id, job.kind, job.due_ms);
    lock.lock();
    const auto it = cameras_.find(job.camera_id);
    if (it == cameras_.end()) continue;
    Camera& camera = it->second;
    camera.busy = false;
    if (camera.analysis_pending && !stopping_) {
      camera.analysis_pending = false;
      camera.busy = true;
      enqueue(job.camera_id, SampleKind::kAnalyze, camera.pending_due_ms);
    }
    done_.notify_all();
  }
}

}  // namespace tmon::detect
