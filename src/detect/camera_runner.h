#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bus/producer.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "detect/frame_builder.h"
#include "detect/sim_camera.h"

namespace tmon::detect {

// Samples every configured camera at its frame interval and publishes one
// detection-results message per frame, keyed by camera id. Cameras start
// staggered across the interval so their frames do not arrive in bursts.
// Runs on its own thread.
class CameraRunner {
 public:
  // Fails on a camera whose source cannot be opened (bad sim:// parameters).
  // Source kinds not supported yet are skipped with an error in the log.
  static Result<std::unique_ptr<CameraRunner>> create(const config::PipelineConfig& pipeline,
                                                      bus::Producer& producer, std::string topic,
                                                      Clock& clock);
  ~CameraRunner();

  void start();
  void stop();  // idempotent
  std::vector<std::string> camera_ids() const;
  int64_t frames_published() const { return frames_published_; }

 private:
  struct Camera {
    std::string id;
    double interval_seconds = 1.8;
    std::unique_ptr<SimCamera> source;
    int64_t frame_number = 0;
    SteadyTime next_due;
  };

  CameraRunner(bus::Producer& producer, std::string topic, Clock& clock,
               FrameBuilderOptions options);
  void run();
  void capture(Camera& camera);

  bus::Producer& producer_;
  std::string topic_;
  Clock& clock_;
  FrameBuilderOptions options_;
  std::vector<Camera> cameras_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> frames_published_{0};
  std::thread thread_;
};

}  // namespace tmon::detect
