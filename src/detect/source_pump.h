#pragma once

#include <atomic>
#include <mutex>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "detect/frame_source.h"
#include "detect/status_board.h"

namespace tmon::detect {

// How long to wait before opening a failed source again: 1 s, doubling to
// 30 s, back to 1 s once a frame comes. Not thread-safe.
class Backoff {
 public:
  static constexpr Millis kFirst{1'000};
  static constexpr Millis kMax{30'000};
  // The wait to take now; the next one will be twice as long (capped).
  Millis next();
  void reset() { current_ = kFirst; }
  Millis current() const { return current_; }

 private:
  Millis current_ = kFirst;
};

// One camera's frames, as the sampler asks for them, whatever the source.
//
// A live source (RTSP, HTTP, a video file played at its own pace) is read
// continuously by the pump's grabber thread, which keeps only the newest
// frame, so a slow detector never builds a backlog. An on-demand source (a
// sim:// scene, a folder) is read when sampled. Either way a source that
// fails to open or breaks is reported ("error", with the reason and the
// wait) and reopened after Backoff's wait; every wait runs on the clock and
// stop() cuts it short. Status and counters go to the StatusBoard.
class SourcePump {
 public:
  enum class Outcome {
    kFrame,    // `frame` is new
    kStale,    // live: nothing new since the last sample
    kWaiting,  // on-demand: backing off before the next open
    kFailed,   // on-demand: the source broke now (reported)
    kEnded,    // the source has no more frames (a file or folder that does not loop)
  };
  struct Sample {
    Outcome outcome = Outcome::kStale;
    cv::Mat frame;
    int64_t captured_ms = 0;  // live: when the grabber decoded it
  };

  SourcePump(std::string camera_id, FrameSourcePtr source, StatusBoard& board, Clock& clock);
  ~SourcePump();
  SourcePump(const SourcePump&) = delete;
  SourcePump& operator=(const SourcePump&) = delete;

  void start();  // starts the grabber of a live source
  void stop();   // idempotent; interrupts a backoff and joins the grabber

  // The frame to analyse now. On-demand sources advance by the time since
  // the previous sample (a sim scene moves on). Called by one thread at a
  // time.
  Sample sample();

  bool live() const { return source_->live(); }
  std::string describe() const { return source_->describe(); }
  // Frames per second the grabber has been decoding (live sources, after a
  // few frames); what the camera can give at most.
  std::optional<double> source_fps() const;

 private:
  void grab_loop();
  Sample sample_on_demand();

  std::string camera_id_;
  FrameSourcePtr source_;
  StatusBoard& board_;
  Clock& clock_;
  InterruptibleSleep sleep_;

  // Live: the grabber's newest frame.
  mutable std::mutex mu_;
  cv::Mat newest_;
  int64_t newest_ms_ = 0;
  int64_t newest_sequence_ = 0;
  int64_t sampled_sequence_ = 0;
  SteadyTime first_grab_{};
  int64_t grabs_since_open_ = 0;
  std::thread grabber_;
  std::atomic<bool> stopping_{false};

  // On-demand: opening, backoff, end; used by the sampling thread only.
  Backoff backoff_;
  bool open_ = false;
  bool ended_ = false;
  SteadyTime retry_at_{};
  std::optional<SteadyTime> last_read_;
};

}  // namespace tmon::detect
