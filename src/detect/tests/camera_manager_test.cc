#include "detect/camera_manager.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "eventually.h"
#include "metrics/exposition.h"
#include "temp_dir.h"

namespace tmon::detect {
namespace {

using namespace std::chrono_literals;
using tmon::testing::eventually;

constexpr int kWorkers = 2;

// The cameras run on real threads; time is a ManualClock that the tests
// move in steps, waiting each time until every thread is asleep on it again
// (so each frame due has been taken and finished before the next step).
class CameraManagerTest : public ::testing::Test {
 protected:
  CameraManagerTest() {
    manager_ = std::make_unique<CameraManager>(detectors_, analyzer_options(settings()), &metrics_,
                                               clock_, kWorkers);
    manager_->set_result_sink([this](const messages::DetectionResult& result) {
      std::unique_lock lock(mu_);
      results_.push_back(result);
      // A test may hold the camera in its analysis.
      gate_.wait(lock, [&] { return !hold_; });
    });
    manager_->add_listener(nullptr, [this](const CameraStatus& status) {
      std::lock_guard lock(mu_);
      statuses_.push_back(status);
    });
    manager_->start();
  }

  // The cameras' threads call the listeners above: stop them before the
  // vectors those write to are destroyed.
  ~CameraManagerTest() override {
    release();
    manager_->stop();
  }

  static config::DetectionConfig settings() {
    config::DetectionConfig settings;
    settings.frame_interval_seconds = 1.0;
    settings.track_fps = 5;
    return settings;
  }

  // Every thread asleep on the clock again: the scheduler and the workers
  // (kWorkers for analysed frames, as many for tracking frames).
  void settle() {
    ASSERT_TRUE(eventually([&] { return clock_.waiters() >= 1 + 2 * kWorkers; }));
  }
  // Moves time on by `by`, `times` times; each time waits until each of
  // `cameras` has taken the frame due then and every thread is idle again.
  void step(std::chrono::milliseconds by, int times, const std::vector<std::string>& cameras) {
    for (int i = 0; i < times; ++i) {
      clock_.advance(by);
      const int64_t now = clock_.epoch_ms();
      for (const auto& id : cameras) {
        ASSERT_TRUE(eventually([&] { return manager_->status(id)->last_due_ts == now; })) << id;
      }
      settle();
    }
  }

  std::vector<messages::DetectionResult> results_for(const std::string& camera_id) {
    std::lock_guard lock(mu_);
    std::vector<messages::DetectionResult> out;
    for (const auto& r : results_) {
      if (r.cameraId == camera_id) out.push_back(r);
    }
    return out;
  }
  bool saw_status(const std::string& camera_id, CameraState status,
                  const std::string& message_part) {
    std::lock_guard lock(mu_);
    return std::any_of(statuses_.begin(), statuses_.end(), [&](const CameraStatus& s) {
      return s.id == camera_id && s.status == status &&
             s.message.find(message_part) != std::string::npos;
    });
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      hold_ = false;
    }
    gate_.notify_all();
  }
  std::string scrape() { return metrics::serialize(*registry_); }

  ManualClock clock_;
  DetectorFactory detectors_{settings()};
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  DetectMetrics metrics_{*registry_};
  std::unique_ptr<CameraManager> manager_;
  std::mutex mu_;
  std::condition_variable gate_;
  bool hold_ = false;
  std::vector<messages::DetectionResult> results_;
  std::vector<CameraStatus> statuses_;
};

TEST_F(CameraManagerTest, TracksFiveFramesASecondAndPublishesOneEveryInterval) {
  const int64_t start = clock_.epoch_ms();
  ASSERT_TRUE(manager_->add({"sim-1", "sim://?seed=2&density=0.8", "motion", 1.0}));
  step(0ms, 1, {"sim-1"});
  step(200ms, 20, {"sim-1"});  // 4 s: frames at 0, 0.2, ..., 4.0
  const auto results = results_for("sim-1");
  ASSERT_EQ(results.size(), 5u);  // 0, 1, 2, 3, 4 s
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].captureTs, start + 1000 * static_cast<int64_t>(i));
    EXPECT_EQ(results[i].frameNumber, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(results[i].imageWidth, 640);
    EXPECT_FALSE(results[i].thumbnailBase64.empty());
  }
  const auto status = manager_->status("sim-1");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, CameraState::kOk);
  EXPECT_EQ(status->detector, "motion");
  EXPECT_EQ(status->frames_tracked, 21);
  EXPECT_EQ(status->frames_sampled, 5);
  EXPECT_EQ(status->track_skipped, 0);
  EXPECT_DOUBLE_EQ(status->track_fps, 5.0);
  EXPECT_DOUBLE_EQ(status->fps, 1.0);
  EXPECT_EQ(status->last_frame_ts, start + 4000);
  const std::string text = scrape();
  EXPECT_NE(text.find("detection_total{camera_id=\"sim-1\"} 5"), std::string::npos);
  EXPECT_NE(text.find("detect_frames_tracked_total{camera_id=\"sim-1\"} 21"), std::string::npos);
  EXPECT_NE(text.find("detect_camera_up{camera_id=\"sim-1\"} 1"), std::string::npos);
}

TEST_F(CameraManagerTest, TrackingTracksTheTrafficBetweenAnalysedFrames) {
  ASSERT_TRUE(manager_->add({"sim-2", "sim://?seed=3&density=0.8", "motion", 1.0}));
  step(0ms, 1, {"sim-2"});
  step(200ms, 100, {"sim-2"});  // 20 s
  const auto results = results_for("sim-2");
  ASSERT_EQ(results.size(), 21u);
  size_t objects = 0;
  bool measured_motion = false;
  for (const auto& result : results) {
    objects += result.detectedObjects.size();
    for (const auto& group : result.trafficGroups) {
      for (const auto& member : group.safety.members) measured_motion |= member.speed > 10;
    }
  }
  EXPECT_GT(objects, 20u);       // after the background forms there is traffic
  EXPECT_TRUE(measured_motion);  // members' speeds come from their tracks
}

TEST_F(CameraManagerTest, ABusyCameraSkipsTrackingButNeverAnAnalysis) {
  const int64_t start = clock_.epoch_ms();
  {
    std::lock_guard lock(mu_);
    hold_ = true;  // the first analysis never ends until released
  }
  ASSERT_TRUE(manager_->add({"slow", "sim://?seed=4", "motion", 1.0}));
  ASSERT_TRUE(eventually([&] { return results_for("slow").size() == 1; }));
  for (int i = 1; i <= 5; ++i) {
    clock_.advance(200ms);
    if (i < 5) {
      ASSERT_TRUE(eventually([&] { return manager_->status("slow")->track_skipped == i; }));
    }
  }
  release();
  // The analysis due at 1 s waited for the camera and then ran.
  ASSERT_TRUE(eventually([&] { return results_for("slow").size() == 2; }));
  EXPECT_EQ(results_for("slow")[1].captureTs, start + 1000);
  EXPECT_EQ(manager_->status("slow")->track_skipped, 4);
  EXPECT_NE(scrape().find("detect_track_skipped_total{camera_id=\"slow\"} 4"), std::string::npos);
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
  ASSERT_TRUE(manager_->add({"folder", dir.str(), "motion", 1.0, /*loop=*/false}));
  step(0ms, 1, {"folder"});
  step(200ms, 5, {"folder"});
  EXPECT_TRUE(saw_status("folder", CameraState::kEnded, "no more images"));
  EXPECT_EQ(manager_->status("folder")->frames_tracked, 3);
  EXPECT_EQ(results_for("folder").size(), 1u);  // the first image was the analysed one
}

TEST_F(CameraManagerTest, AFolderNotThereYetIsRetriedWithBackoff) {
  testing::TempDir dir;
  ASSERT_TRUE(manager_->add({"later", dir.str(), "motion", 1.0}));
  step(0ms, 1, {"later"});
  EXPECT_TRUE(saw_status("later", CameraState::kError, "retrying in 1 s"));
  cv::imwrite((dir.path() / "a.jpg").string(), cv::Mat(36, 64, CV_8UC3, cv::Scalar(60, 60, 60)));
  step(200ms, 4, {"later"});  // still waiting at 0.8 s
  EXPECT_EQ(manager_->status("later")->status, CameraState::kError);
  EXPECT_EQ(manager_->status("later")->frames_tracked, 0);
  step(200ms, 1, {"later"});  // tried again at 1 s
  EXPECT_EQ(manager_->status("later")->status, CameraState::kOk);
  EXPECT_EQ(manager_->status("later")->frames_tracked, 1);
  EXPECT_EQ(manager_->status("later")->errors, 1);
}

TEST_F(CameraManagerTest, RemovedCameraStopsAndLeavesNoMetrics) {
  ASSERT_TRUE(manager_->add({"gone", "sim://?seed=6", "motion", 1.0}));
  step(0ms, 1, {"gone"});
  step(200ms, 4, {"gone"});
  ASSERT_EQ(results_for("gone").size(), 1u);
  EXPECT_TRUE(manager_->remove("gone"));
  EXPECT_FALSE(manager_->has("gone"));
  EXPECT_FALSE(manager_->remove("gone"));
  // A camera still there shows that time moved on for everyone.
  ASSERT_TRUE(manager_->add({"witness", "sim://?seed=7", "motion", 1.0}));
  step(0ms, 1, {"witness"});
  step(200ms, 5, {"witness"});
  ASSERT_EQ(results_for("witness").size(), 2u);
  EXPECT_EQ(results_for("gone").size(), 1u);
  EXPECT_EQ(scrape().find("camera_id=\"gone\""), std::string::npos);
}

TEST_F(CameraManagerTest, AddRejectsBadSpecsAndTakenIds) {
  ASSERT_TRUE(manager_->add({"cam", "sim://", "", 0}));
  EXPECT_EQ(manager_->status("cam")->frame_interval_seconds, 1.0);  // the configured default
  auto taken = manager_->add({"cam", "sim://", "", 0});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kRejected);
  auto detector = manager_->add({"cam2", "sim://", "sonar", 0});
  ASSERT_FALSE(detector);
  EXPECT_NE(detector.error().message.find("sonar"), std::string::npos);
  EXPECT_FALSE(manager_->add({"bad id", "sim://", "", 0}));
  EXPECT_FALSE(manager_->add({"cam3", "gopher://x", "", 0}));
  EXPECT_FALSE(manager_->add({"cam4", "sim://", "yolo", 0}));  // no model configured
  const std::vector<config::GroundPointConfig> on_a_line{
      {0, 0, 0, 0}, {10, 0, 1, 0}, {20, 0, 2, 0}, {0, 10, 0, 1}};
  auto plane = manager_->add({"cam5", "sim://", "", 0, true, "", on_a_line});
  ASSERT_FALSE(plane);
  EXPECT_NE(plane.error().message.find("homography"), std::string::npos);
  EXPECT_EQ(manager_->list().size(), 1u);
}

TEST_F(CameraManagerTest, AGroundPlaneMeasuresInMetres) {
  // Top-down sim: 20 px per metre.
  const std::vector<config::GroundPointConfig> plane{
      {0, 0, 0, 0}, {640, 0, 32, 0}, {640, 360, 32, 18}, {0, 360, 0, 18}};
  ASSERT_TRUE(manager_->add({"metric", "sim://?seed=3&density=1", "motion", 1.0, true, "", plane}));
  step(0ms, 1, {"metric"});
  step(200ms, 60, {"metric"});
  bool saw_group = false;
  for (const auto& result : results_for("metric")) {
    for (const auto& group : result.trafficGroups) {
      saw_group = true;
      EXPECT_EQ(group.safety.units, "m");
      for (const auto& member : group.safety.members) EXPECT_LT(member.speed, 10);  // m/s
    }
  }
  EXPECT_TRUE(saw_group);
}

}  // namespace
}  // namespace tmon::detect
