#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace tmon::detect {

// What a camera's frame is for: tracking only, or also analysis (grouping,
// TTC/PET, crops, the published detection-results message).
enum class SampleKind { kTrack, kAnalyze };

// When one camera's frames are due: one every track period (tracking), and
// of those, the first at or after each analysis due time is analysed. A
// camera that fell behind (a stall) resumes from now instead of bursting.
// Pure: time comes in as arguments.
class Cadence {
 public:
  // track_period 0: only the analysed frames are taken (and tracked).
  Cadence(SteadyTime first, std::chrono::nanoseconds track_period,
          std::chrono::nanoseconds analysis_period);

  SteadyTime next_due() const { return next_due_; }
  // The kind of the frame due at next_due() (<= now), and moves on.
  SampleKind take(SteadyTime now);
  void set_track_period(std::chrono::nanoseconds period) { track_period_ = period; }
  std::chrono::nanoseconds track_period() const { return track_period_; }

 private:
  SteadyTime next_due_;
  SteadyTime next_analysis_;
  std::chrono::nanoseconds track_period_;
  std::chrono::nanoseconds analysis_period_;
};

// Takes every camera's frames at their cadence and runs them on a pool of
// worker threads, at most one frame per camera at a time.
//
// When a camera's frame is due while its previous one is still in work
// (the CPU cannot keep up), a tracking frame is given up (on_skip: tracking
// runs slower, counted) but an analysis frame is kept and runs as soon as
// the camera is free, ahead of every tracking frame waiting for a worker:
// tracking degrades, analysis does not. The scheduler waits on the clock, so
// a ManualClock drives it in tests. Thread-safe.
class SampleScheduler {
 public:
  // Runs a camera's frame on a worker; due_ms is when it was due (epoch ms).
  using Run = std::function<void(const std::string& camera_id, SampleKind kind, int64_t due_ms)>;
  // A frame given up: a tracking frame while the camera was busy, or an
  // analysis frame whose camera was still busy when the next one came due
  // (the newer one is kept).
  using OnSkip = std::function<void(const std::string& camera_id, SampleKind kind)>;

  SampleScheduler(Clock& clock, int workers, Run run, OnSkip on_skip);
  ~SampleScheduler();

  // `first_delay` staggers cameras added together.
  void add(const std::string& camera_id, std::chrono::nanoseconds track_period,
           std::chrono::nanoseconds analysis_period, std::chrono::nanoseconds first_delay);
  // Forgets a camera, after its frame in work (if any) has finished. Not
  // from within Run (that frame is the one it would wait for).
  void remove(const std::string& camera_id);
  void set_track_period(const std::string& camera_id, std::chrono::nanoseconds period);

  void start();
  void stop();  // idempotent; drops frames not started yet

 private:
  struct Camera {
    Cadence cadence;
    bool busy = false;
    bool analysis_pending = false;
    int64_t pending_due_ms = 0;
  };
  struct Job {
    std::string camera_id;
    SampleKind kind;
    int64_t due_ms;
  };

  void schedule_loop();
  void work_loop();
  void enqueue(const std::string& camera_id, SampleKind kind, int64_t due_ms);

  Clock& clock_;
  int worker_count_;
  Run run_;
  OnSkip on_skip_;

  std::mutex mu_;
  std::condition_variable wake_;  // the scheduler: cameras changed, stop
  std::condition_variable work_;  // the workers: a job, stop
  std::condition_variable done_;  // remove(): a camera's frame finished
  std::map<std::string, Camera> cameras_;
  std::deque<Job> analyses_;  // run first
  std::deque<Job> tracking_;
  bool started_ = false;
  bool stopping_ = false;
  std::thread scheduler_;
  std::vector<std::thread> workers_;
};

}  // namespace tmon::detect
