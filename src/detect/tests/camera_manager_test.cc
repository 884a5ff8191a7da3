#include "detect/camera_manager.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "free_port.h"
#include "metrics/exposition.h"
#include "temp_dir.h"

namespace tmon::detect {
namespace {

using namespace std::chrono_literals;

// Polls `done` until it holds or `timeout` passes (the cameras run on real
// threads and real sockets here).
template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

CameraSpec spec(std::string id, std::string url, std::string detector, double interval,
                bool loop = true) {
  return {std::move(id), std::move(url), std::move(detector), interval, loop, ""};
}

class CameraManagerTest : public ::testing::Test {
 protected:
  CameraManagerTest() {
    manager_ = std::make_unique<CameraManager>(detectors_, AnalyzerOptions{}, &metrics_,
                                               SystemClock::instance(), 2);
    manager_->set_result_sink([this](const messages::DetectionResult& result) {
      std::lock_guard lock(mu_);
      results_.push_back(result);
    });
    listener_ = manager_->add_listener(nullptr, [this](const CameraStatus& status) {
      std::lock_guard lock(mu_);
      statuses_.push_back(status);
    });
    manager_->start();
  }

  int results_for(const std::string& camera_id) {
    std::lock_guard lock(mu_);
    return static_cast<int>(std::count_if(results_.begin(), results_.end(), [&](const auto& r) {
      return r.cameraId == camera_id;
    }));
  }

  bool saw_status(const std::string& camera_id, const std::string& status,
                  const std::string& message_part) {
    std::lock_guard lock(mu_);
    return std::any_of(statuses_.begin(), statuses_.end(), [&](const CameraStatus& s) {
      return s.id == camera_id && s.status == status &&
             s.message.find(message_part) != std::string::npos;
    });
  }

  // The cameras' threads call the listeners above: stop them before the
  // vectors those write to are destroyed.
  ~CameraManagerTest() override { manager_->stop(); }

  std::string scrape() { return metrics::serialize(*registry_); }

  static config::DetectionConfig settings() {
    config::DetectionConfig settings;
    settings.frame_interval_seconds = 0.1;
    return settings;
  }

  DetectorFactory detectors_{settings()};
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  DetectMetrics metrics_{*registry_};
  std::unique_ptr<CameraManager> manager_;
  int listener_ = 0;
  std::mutex mu_;
  std::vector<messages::DetectionResult> results_;
  std::vector<CameraStatus> statuses_;
};

TEST_F(CameraManagerTest, SimCameraDeliversTrackedFramesAtItsInterval) {
  ASSERT_TRUE(manager_->add(spec("sim-1", "sim://?seed=2&density=0.8", "motion", 0.1)));
  ASSERT_TRUE(eventually([&] { return results_for("sim-1") >= 8; }, 20s));
  {
    std::lock_guard lock(mu_);
    int64_t previous = 0;
    size_t objects = 0;
    for (const auto& result : results_) {
      EXPECT_GT(result.frameNumber, previous);
      previous = result.frameNumber;
      objects += result.detectedObjects.size();
      EXPECT_EQ(result.imageWidth, 640);
      EXPECT_FALSE(result.thumbnailBase64.empty());
    }
    EXPECT_GT(objects, 0u);  // after the background settles there is traffic
  }
  const auto status = manager_->status("sim-1");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, "ok");
  EXPECT_EQ(status->detector, "motion");
  EXPECT_GT(status->fps, 2.0);
  EXPECT_GE(status->frames_sampled, 8);
  EXPECT_GT(status->last_frame_ts, 0);
  const std::string text = scrape();
  EXPECT_NE(text.find("detection_total{camera_id=\"sim-1\"}"), std::string::npos);
  EXPECT_NE(text.find("detect_camera_up{camera_id=\"sim-1\"} 1"), std::string::npos);
  EXPECT_NE(text.find("detection_latency_seconds_count{camera_id=\"sim-1\"}"), std::string::npos);
}

TEST_F(CameraManagerTest, BrokenCamerasReportWhyWhileAHealthyOneKeepsRunning) {
  testing::TempDir dir;
  const std::string corrupt = dir.write("corrupt.mp4", "definitely not a video");
  // A TCP port that accepts and never says a word: the camera "does not answer".
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const int silent_port = silent.local_endpoint().port();
  const int closed_port = testing::pick_free_port();

  ASSERT_TRUE(manager_->add(spec("healthy", "sim://?seed=3", "motion", 0.1)));
  ASSERT_TRUE(manager_->add(spec("corrupt", corrupt, "motion", 0.1)));
  ASSERT_TRUE(manager_->add(spec("refused", "rtsp://user:pw@127.0.0.1:" + std::to_string(closed_port) + "/live", "", 0.1)));
  ASSERT_TRUE(manager_->add(spec("silent", "http://127.0.0.1:" + std::to_string(silent_port) + "/video.mjpg", "", 0.1)));

  EXPECT_TRUE(eventually([&] { return saw_status("corrupt", "error", "corrupt.mp4"); }, 10s));
  EXPECT_TRUE(eventually([&] { return saw_status("refused", "error", "cannot open"); }, 10s));
  // Capped exponential backoff between attempts.
  EXPECT_TRUE(eventually([&] { return saw_status("refused", "error", "retrying in 2 s"); }, 10s));
  // OpenCV's open timeout (5 s) bounds the wait for a mute camera.
  EXPECT_TRUE(eventually([&] { return saw_status("silent", "error", "cannot open"); }, 20s));

  const int before = results_for("healthy");
  EXPECT_GT(before, 10);  // it kept going while the others failed
  EXPECT_TRUE(eventually([&] { return results_for("healthy") >= before + 5; }, 10s));
  EXPECT_EQ(manager_->status("healthy")->status, "ok");
  const auto refused = manager_->status("refused");
  EXPECT_EQ(refused->status, "error");
  EXPECT_GT(refused->errors, 0);
  EXPECT_EQ(refused->url.find("pw"), std::string::npos);  // credentials never shown
  EXPECT_EQ(refused->message.find("pw"), std::string::npos);
  EXPECT_EQ(results_for("refused") + results_for("corrupt") + results_for("silent"), 0);
  EXPECT_NE(scrape().find("detect_camera_up{camera_id=\"refused\"} 0"), std::string::npos);
}

TEST_F(CameraManagerTest, FolderThatDoesNotLoopEndsAfterItsLastImage) {
  testing::TempDir dir;
  // Borrow three frames of a sim scene as the folder's pictures.
  auto scene = make_source("sim://?seed=5");
  ASSERT_TRUE(scene);
  for (int i = 0; i < 3; ++i) {
    const cv::Mat frame = *(*scene)->read(0.5);
    cv::imwrite((dir.path() / ("frame" + std::to_string(i) + ".jpg")).string(), frame);
  }
  ASSERT_TRUE(manager_->add(spec("folder", dir.str(), "motion", 0.05, /*loop=*/false)));
  EXPECT_TRUE(eventually([&] { return saw_status("folder", "ended", "no more images"); }, 10s));
  EXPECT_EQ(results_for("folder"), 3);
}

TEST_F(CameraManagerTest, RemovedCameraStopsAndLeavesNoMetrics) {
  ASSERT_TRUE(manager_->add(spec("gone", "sim://?seed=6", "motion", 0.05)));
  ASSERT_TRUE(eventually([&] { return results_for("gone") >= 3; }, 10s));
  EXPECT_TRUE(manager_->remove("gone"));
  const int after_remove = results_for("gone");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(results_for("gone"), after_remove);
  EXPECT_FALSE(manager_->has("gone"));
  EXPECT_FALSE(manager_->remove("gone"));
  EXPECT_EQ(scrape().find("camera_id=\"gone\""), std::string::npos);
}

TEST_F(CameraManagerTest, AddRejectsBadSpecsAndTakenIds) {
  ASSERT_TRUE(manager_->add(spec("cam", "sim://", "", 0)));
  EXPECT_EQ(manager_->status("cam")->frame_interval_seconds, 0.1);  // the configured default
  auto taken = manager_->add(spec("cam", "sim://", "", 0));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kRejected);
  auto detector = manager_->add(spec("cam2", "sim://", "sonar", 0));
  ASSERT_FALSE(detector);
  EXPECT_NE(detector.error().message.find("sonar"), std::string::npos);
  EXPECT_FALSE(manager_->add(spec("bad id", "sim://", "", 0)));
  EXPECT_FALSE(manager_->add(spec("cam3", "gopher://x", "", 0)));
  EXPECT_FALSE(manager_->add(spec("cam4", "sim://", "yolo", 0)));  // no model configured
  EXPECT_EQ(manager_->list().size(), 1u);
}

}  // namespace
}  // namespace tmon::detect
