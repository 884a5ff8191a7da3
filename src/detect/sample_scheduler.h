#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
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
  // When the next analysed frame is due.
  SteadyTime next_analysis() const { return next_analysis_; }
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

// Takes every camera's frames at their cadence and runs them on two pools
// of worker threads, at most one frame per camera at a time:
// - analysed frames (the latency path: each one is published) on `workers`
//   threads at the process's priority;
// - tracking-only frames, background work, on as many threads again, each
//   `tracking_nice` nice values lower in priority, so that when the CPU is
//   short the analysed frames, the Kafka hops and the other stages get it
//   first and tracking runs slower (counted).
//
// Tracking degrades, analysis does not:
// - a tracking frame due while its camera is busy is given up (on_skip);
// - an analysed frame due while its camera's tracking frame still waits for
//   a background thread takes its place (that tracking frame is given up);
//   one due while a frame is in work runs as soon as the camera is free;
// - a tracking frame that a background thread would start past halfway
//   between its due time and its camera's next analysed frame is given up,
//   so that a late tracking frame does not hold the camera when the
//   analysed frame comes due (the running frame cannot be taken back).
// The scheduler waits on the clock, so a ManualClock drives it in tests.
// Thread-safe.
class SampleScheduler {
 public:
  // Runs a camera's frame on a worker; due_ms is when it was due (epoch ms).
  using Run = std::function<void(const std::string& camera_id, SampleKind kind, int64_t due_ms)>;
  // A frame given up: a tracking frame while the camera was busy, or an
  // analysis frame whose camera was still busy when the next one came due
  // (the newer one is kept).
  using OnSkip = std::function<void(const std::string& camera_id, SampleKind kind)>;

  // `workers` threads for analysed frames and as many for tracking frames;
  // tracking_nice: how much lower the tracking threads' priority is (0-19;
  // 0: the same as the rest).
  SampleScheduler(Clock& clock, int workers, int tracking_nice, Run run, OnSkip on_skip);
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
    bool busy = false;             // a frame waits for a worker or is in work
    bool tracking_queued = false;  // that frame: a tracking frame not started yet
    bool analysis_pending = false;
    int64_t pending_due_ms = 0;
  };
  struct Job {
    std::string camera_id;
    SampleKind kind;
    int64_t due_ms;
    SteadyTime due;
  };
  using Skipped = std::vector<std::pair<std::string, SampleKind>>;

  void schedule_loop();
  void work_loop(SampleKind kind);
  void enqueue(const std::string& camera_id, SampleKind kind, int64_t due_ms, SteadyTime due);
  // Under mu_: the next job for a worker of this kind, if any; tracking
  // frames started too late are given up on the way (into `skipped`).
  std::optional<Job> next_job(SampleKind kind, Skipped& skipped);
  // Under mu_: the camera's frame is over (run or given up).
  void release(const std::string& camera_id);
  void report(std::unique_lock<std::mutex>& lock, Skipped& skipped);

  Clock& clock_;
  int worker_count_;
  int tracking_nice_;
  Run run_;
  OnSkip on_skip_;

  std::mutex mu_;
  std::condition_variable wake_;           // the scheduler: cameras changed, stop
  std::condition_variable analysis_work_;  // the analysis workers: a job, stop
  std::condition_variable tracking_work_;  // the tracking workers: a job, stop
  std::condition_variable done_;           // remove(): a camera's frame finished
  std::map<std::string, Camera> cameras_;
  std::deque<Job> analyses_;  // run first
  std::deque<Job> tracking_;
  bool started_ = false;
  bool stopping_ = false;
  std::thread scheduler_;
  std::vector<std::thread> workers_;
};

}  // namespace tmon::detect
