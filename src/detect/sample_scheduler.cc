#include "detect/sample_scheduler.h"

#include <algorithm>

#include "common/logging.h"
#include "detect/thread_priority.h"

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

SampleScheduler::SampleScheduler(Clock& clock, int workers, int tracking_nice, Run run,
                                 OnSkip on_skip)
    : clock_(clock),
      worker_count_(std::max(1, workers)),
      tracking_nice_(std::clamp(tracking_nice, 0, 19)),
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
  for (int i = 0; i < worker_count_; ++i) {
    workers_.emplace_back([this] { work_loop(SampleKind::kAnalyze); });
    workers_.emplace_back([this] { work_loop(SampleKind::kTrack); });
  }
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
  analysis_work_.notify_all();
  tracking_work_.notify_all();
  done_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& worker : workers_) worker.join();
}

void SampleScheduler::enqueue(const std::string& camera_id, SampleKind kind, int64_t due_ms,
                              SteadyTime due) {
  if (kind == SampleKind::kAnalyze) {
    analyses_.push_back({camera_id, kind, due_ms, due});
    analysis_work_.notify_one();
  } else {
    tracking_.push_back({camera_id, kind, due_ms, due});
    tracking_work_.notify_one();
  }
}

void SampleScheduler::report(std::unique_lock<std::mutex>& lock, Skipped& skipped) {
  if (skipped.empty() || !on_skip_) return;
  lock.unlock();
  for (const auto& [id, kind] : skipped) on_skip_(id, kind);
  skipped.clear();
  lock.lock();
}

void SampleScheduler::schedule_loop() {
  name_this_thread("detect-sched");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const SteadyTime now = clock_.now();
    SteadyTime next = now + std::chrono::milliseconds(500);
    Skipped skipped;
    for (auto& [id, camera] : cameras_) {
      if (camera.cadence.next_due() <= now) {
        const SteadyTime due = camera.cadence.next_due();
        const int64_t due_ms = epoch_ms_at(clock_, due);
        const SampleKind kind = camera.cadence.take(now);
        if (!camera.busy) {
          camera.busy = true;
          camera.tracking_queued = kind == SampleKind::kTrack;
          enqueue(id, kind, due_ms, due);
        } else if (kind == SampleKind::kAnalyze && camera.tracking_queued) {
          // The camera's tracking frame still waits for a background thread:
          // the analysed frame takes its place instead of waiting behind it.
          std::erase_if(tracking_, [&](const Job& job) { return job.camera_id == id; });
          camera.tracking_queued = false;
          skipped.emplace_back(id, SampleKind::kTrack);
          enqueue(id, kind, due_ms, due);
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
    if (!skipped.empty()) {
      report(lock, skipped);
      continue;  // time moved on while unlocked: look again
    }
    clock_.wait_until(lock, wake_, next);
  }
}

std::optional<SampleScheduler::Job> SampleScheduler::next_job(SampleKind kind, Skipped& skipped) {
  std::deque<Job>& queue = kind == SampleKind::kAnalyze ? analyses_ : tracking_;
  while (!queue.empty()) {
    Job job = std::move(queue.front());
    queue.pop_front();
    if (kind == SampleKind::kAnalyze) return job;
    const auto it = cameras_.find(job.camera_id);
    if (it == cameras_.end()) continue;
    Camera& camera = it->second;
    camera.tracking_queued = false;
    // Started past halfway to the camera's analysed frame: it could still be
    // in work (at a low priority) when that frame comes due.
    const SteadyTime analysis = camera.cadence.next_analysis();
    if (analysis > job.due && clock_.now() > job.due + (analysis - job.due) / 2) {
      skipped.emplace_back(job.camera_id, SampleKind::kTrack);
      release(job.camera_id);
      continue;
    }
    return job;
  }
  return std::nullopt;
}

void SampleScheduler::release(const std::string& camera_id) {
  const auto it = cameras_.find(camera_id);
  if (it == cameras_.end()) return;
  Camera& camera = it->second;
  camera.busy = false;
  if (camera.analysis_pending && !stopping_) {
    camera.analysis_pending = false;
    camera.busy = true;
    enqueue(camera_id, SampleKind::kAnalyze, camera.pending_due_ms, clock_.now());
  }
  done_.notify_all();
}

void SampleScheduler::work_loop(SampleKind kind) {
  const bool tracking = kind == SampleKind::kTrack;
  name_this_thread(tracking ? "detect-track" : "detect-analyse");
  if (tracking && tracking_nice_ > 0) {
    // Only background work runs here, so its priority can drop for good.
    if (auto lowered = lower_this_thread_priority(tracking_nice_); !lowered) {
      get_logger("detect")->warn("tracking thread keeps the process's priority: {}",
                                 lowered.error().message);
    }
  }
  std::condition_variable& work = tracking ? tracking_work_ : analysis_work_;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    Skipped skipped;
    const std::optional<Job> job = next_job(kind, skipped);
    if (!skipped.empty()) {
      report(lock, skipped);
      // Unlocked meanwhile: a job may have come (its notify is gone) or stop.
      if (!job) continue;
      if (stopping_) return;
    }
    if (!job) {
      // Jobs arrive through `work`; the timed wait only re-checks for stop.
      clock_.wait_until(lock, work, clock_.now() + std::chrono::seconds(1));
      continue;
    }
    lock.unlock();
    run_(job->camera_id, job->kind, job->due_ms);
    lock.lock();
    release(job->camera_id);
  }
}

}  // namespace tmon::detect
