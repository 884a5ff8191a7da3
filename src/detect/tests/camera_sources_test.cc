// Broken network cameras against the real camera manager: real sockets on
// loopback and OpenCV's own timeouts, so real time (a fixture test).

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "detect/camera_manager.h"
#include "eventually.h"
#include "temp_dir.h"

namespace tmon::detect {
namespace {

using namespace std::chrono_literals;
using tmon::testing::eventually;

TEST(CameraSourcesTest, BrokenCamerasReportWhyWhileAHealthyOneKeepsRunning) {
  config::DetectionConfig settings;
  settings.frame_interval_seconds = 0.2;
  DetectorFactory detectors(settings);
  std::mutex mu;
  std::vector<CameraStatus> statuses;
  std::map<std::string, int> results;
  CameraManager manager(detectors, analyzer_options(settings), nullptr, SystemClock::instance(), 2);
  manager.set_result_sink([&](const messages::DetectionResult& result) {
    std::lock_guard lock(mu);
    ++results[result.cameraId];
  });
  manager.add_listener(nullptr, [&](const CameraStatus& status) {
    std::lock_guard lock(mu);
    statuses.push_back(status);
  });
  const auto saw = [&](const std::string& id, CameraState status, const std::string& part) {
    std::lock_guard lock(mu);
    return std::any_of(statuses.begin(), statuses.end(), [&](const CameraStatus& s) {
      return s.id == id && s.status == status && s.message.find(part) != std::string::npos;
    });
  };
  const auto results_of = [&](const std::string& id) {
    std::lock_guard lock(mu);
    return results[id];
  };

  testing::TempDir dir;
  const std::string corrupt = dir.write("corrupt.mp4", "definitely not a video");
  // A TCP port that accepts and never says a word: the camera "does not answer".
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const int silent_port = silent.local_endpoint().port();

  ASSERT_TRUE(manager.add({"healthy", "sim://?seed=3", "motion", 0.2}));
  ASSERT_TRUE(manager.add({"corrupt", corrupt, "motion", 0.2}));
  // Port 1 on loopback: nothing listens there, the connection is refused.
  ASSERT_TRUE(manager.add({"refused", "rtsp://user:pw@127.0.0.1:1/live", "", 0.2}));
  ASSERT_TRUE(manager.add(
      {"silent", "http://127.0.0.1:" + std::to_string(silent_port) + "/video.mjpg", "", 0.2}));
  manager.start();

  EXPECT_TRUE(eventually([&] { return saw("corrupt", CameraState::kError, "corrupt.mp4"); }, 10s));
  EXPECT_TRUE(eventually([&] { return saw("refused", CameraState::kError, "cannot open"); }, 10s));
  // Backoff: the second attempt says it will wait twice as long.
  EXPECT_TRUE(
      eventually([&] { return saw("refused", CameraState::kError, "retrying in 2 s"); }, 10s));
  // OpenCV's open timeout (5 s) bounds the wait for a mute camera.
  EXPECT_TRUE(eventually([&] { return saw("silent", CameraState::kError, "cannot open"); }, 20s));

  const int before = results_of("healthy");
  EXPECT_GT(before, 5);  // it kept going while the others failed
  EXPECT_TRUE(eventually([&] { return results_of("healthy") >= before + 5; }, 10s));
  EXPECT_EQ(manager.status("healthy")->status, CameraState::kOk);
  const auto refused = manager.status("refused");
  EXPECT_EQ(refused->status, CameraState::kError);
  EXPECT_GT(refused->errors, 0);
  EXPECT_EQ(refused->url.find("pw"), std::string::npos);  // credentials never shown
  EXPECT_EQ(refused->message.find("pw"), std::string::npos);
  EXPECT_EQ(results_of("refused") + results_of("corrupt") + results_of("silent"), 0);
  manager.stop();
}

}  // namespace
}  // namespace tmon::detect
