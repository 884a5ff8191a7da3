// /ws and cameras pulled by other processes (api::RemoteCameras, faked):
// start_stream takes a watch instead of pulling, the remote frames go out as
// detection_result with the camera's newest assessment, its views are held
// back while frames come, a refused watch is a fault, and leaving ends it.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "api/remote_cameras.h"
#include "api/tests/test_views.h"
#include "api/tests/ws_next.h"
#include "api/ws_protocol.h"
#include "eventually.h"
#include "http/server.h"
#include "ws_client.h"

namespace tmon::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using tmon::testing::WsClient;

class FakeRemoteCameras final : public RemoteCameras {
 public:
  bool pulled_elsewhere(const std::string&) override { return true; }
  Result<WatchPtr> watch(const std::string& camera_id) override {
    std::lock_guard lock(mu_);
    if (refuse) return make_error(ErrorCode::kUnavailable, "too many remote cameras");
    ++watches_[camera_id];
    return WatchPtr(new FakeWatch(*this, camera_id));
  }
  bool streaming(const std::string&) const override {
    std::lock_guard lock(mu_);
    return streaming_;
  }
  int add_listener(FrameListener on_frame) override {
    std::lock_guard lock(mu_);
    listener_ = std::move(on_frame);
    return 1;
  }
  void remove_listener(int) override {
    std::lock_guard lock(mu_);
    listener_ = nullptr;
  }

  void deliver(const messages::DetectionResult& frame) {
    FrameListener listener;
    {
      std::lock_guard lock(mu_);
      streaming_ = true;
      listener = listener_;
    }
    listener(frame);
  }
  int watches(const std::string& camera_id) {
    std::lock_guard lock(mu_);
    return watches_[camera_id];
  }
  std::atomic<bool> refuse{false};

 private:
  struct FakeWatch final : Watch {
    FakeWatch(FakeRemoteCameras& owner, std::string id) : owner(owner), id(std::move(id)) {}
    ~FakeWatch() override {
      std::lock_guard lock(owner.mu_);
      --owner.watches_[id];
    }
    FakeRemoteCameras& owner;
    std::string id;
  };
  mutable std::mutex mu_;
  std::map<std::string, int> watches_;
  bool streaming_ = false;
  FrameListener listener_;
};

using ws_test::next;

class WsRemoteCameraTest : public ::testing::Test {
 protected:
  WsRemoteCameraTest() {
    auto router = std::make_shared<http::Router>();
    ws_.attach(*router);
    auto server = http::Server::start({}, router);
    EXPECT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }
  ~WsRemoteCameraTest() override {
    ws_.stop();
    server_->stop();
  }
  std::unique_ptr<WsClient> watch(int camera) {
    auto client = std::make_unique<WsClient>(server_->port(), "/ws");
    EXPECT_TRUE(client->connected());
    client->send(json{{"type", "start_stream"}, {"data", {{"cameraId", camera}}}}.dump());
    return client;
  }

  ManualClock clock_;
  LiveFeed feed_{clock_};
  FakeRemoteCameras remote_;
  WsProtocol ws_{nullptr, &feed_, clock_, WsOptions{Millis(2'000), {}, {}, &remote_, {}}};
  std::unique_ptr<http::Server> server_;
};

TEST_F(WsRemoteCameraTest, RemoteFramesGoOutWithTheNewestAssessmentAndViewsStepAside) {
  auto client = watch(3);
  const auto status = next(*client, "camera_status");
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["status"], 1);
  EXPECT_EQ(remote_.watches("3"), 1);

  // Before any frame: the camera's assessed views stand in, as without previews.
  feed_.publish("3", views::view_json(messages::CameraId::integer(3), 1'000));
  const auto view = next(*client, "detection_result");
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->contains("frame"));  // a view carries no picture

  remote_.deliver(views::frame(messages::CameraId::integer(3), 2'000));
  const auto frame = next(*client, "detection_result");
  ASSERT_TRUE(frame);
  EXPECT_EQ((*frame)["cameraId"], 3);
  EXPECT_EQ((*frame)["frame"], "data:image/jpeg;base64,/9j/thumb");
  EXPECT_EQ((*frame)["trafficGroups"][0]["riskLevel"], "blue");  // the view's assessment
  EXPECT_EQ((*frame)["assessedCaptureTs"], 1'000);

  // While frames come, a view is not pushed as a frame of its own.
  feed_.publish("3", views::view_json(messages::CameraId::integer(3), 3'000));
  remote_.deliver(views::frame(messages::CameraId::integer(3), 4'000));
  const auto after = next(*client, "detection_result");
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)["captureTs"], 4'000);
  EXPECT_EQ((*after)["assessedCaptureTs"], 3'000);

  client->send(R"({"type":"stop_stream","data":{"cameraId":3}})");
  ASSERT_TRUE(next(*client, "stream_stopped"));
  EXPECT_TRUE(::tmon::testing::eventually([&] { return remote_.watches("3") == 0; }));
}

TEST_F(WsRemoteCameraTest, ARefusedWatchIsAFaultAndLeavingEndsTheWatches) {
  remote_.refuse = true;
  auto refused = watch(4);
  const auto fault = next(*refused, "camera_status");
  ASSERT_TRUE(fault);
  EXPECT_EQ((*fault)["status"], 2);
  EXPECT_EQ((*fault)["message"], "too many remote cameras");
  remote_.refuse = false;

  {
    auto first = watch(5);
    auto second = watch(5);
    ASSERT_TRUE(next(*first, "camera_status") && next(*second, "camera_status"));
    EXPECT_EQ(remote_.watches("5"), 2);
  }
  EXPECT_TRUE(::tmon::testing::eventually([&] { return remote_.watches("5") == 0; }));
}

// The fleet's camera control knows every camera of the deployment (has() is
// true for all of them) while this process pulls only some: /ws watches the
// others through their previews, never opens them a second time, and shows
// no preview of a camera it pulls itself.
class DeploymentCameras final : public CameraControl {
 public:
  Status add(const CameraRequest& request) override {
    std::lock_guard lock(mu_);
    ++adds_;
    known_.insert(request.id.text());
    return {};
  }
  Status replace(const CameraRequest&) override { return {}; }
  bool remove(const std::string& camera_id) override {
    std::lock_guard lock(mu_);
    return known_.erase(camera_id) > 0;
  }
  bool has(const std::string& camera_id) const override {
    std::lock_guard lock(mu_);
    return known_.contains(camera_id);
  }
  std::vector<CameraInfo> list() const override { return {}; }
  std::optional<CameraInfo> info(const std::string&) const override { return std::nullopt; }
  Status probe(const std::string&, Millis) override { return {}; }
  int add_listener(FrameListener, StateListener) override { return 1; }
  void remove_listener(int) override {}

  int adds() const {
    std::lock_guard lock(mu_);
    return adds_;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string> known_{"5", "6"};  // in the registry
  int adds_ = 0;
};

class WsDeploymentCameraTest : public ::testing::Test {
 protected:
  WsDeploymentCameraTest() {
    WsOptions options;
    options.remote = &remote_;
    options.pulled_here = [](const std::string& camera_id) { return camera_id == "6"; };
    ws_ = std::make_unique<WsProtocol>(&cameras_, &feed_, clock_, options);
    auto router = std::make_shared<http::Router>();
    ws_->attach(*router);
    auto server = http::Server::start({}, router);
    EXPECT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }
  ~WsDeploymentCameraTest() override {
    ws_->stop();
    server_->stop();
  }

  ManualClock clock_;
  LiveFeed feed_{clock_};
  FakeRemoteCameras remote_;
  DeploymentCameras cameras_;
  std::unique_ptr<WsProtocol> ws_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(WsDeploymentCameraTest, ARegistryCameraPulledElsewhereIsWatchedNotOpened) {
  WsClient client(server_->port(), "/ws");
  ASSERT_TRUE(client.connected());
  client.send(json{{"type", "start_stream"}, {"data", {{"cameraId", 5}}}}.dump());
  const auto status = next(client, "camera_status");
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["status"], 1);
  EXPECT_EQ(remote_.watches("5"), 1);
  EXPECT_EQ(cameras_.adds(), 0);  // not opened a second time

  remote_.deliver(views::frame(messages::CameraId::integer(5), 2'000));
  const auto frame = next(client, "detection_result");
  ASSERT_TRUE(frame);
  EXPECT_EQ((*frame)["cameraId"], 5);
}

TEST_F(WsDeploymentCameraTest, ACameraPulledHereIsNotWatchedRemotelyNorShownTwice) {
  WsClient client(server_->port(), "/ws");
  ASSERT_TRUE(client.connected());
  client.send(json{{"type", "start_stream"}, {"data", {{"cameraId", 6}}}}.dump());
  ASSERT_TRUE(next(client, "camera_status"));
  EXPECT_EQ(remote_.watches("6"), 0);

  // A preview of camera 6 (a watch of another process made the owner
  // publish it) is dropped here; a frame of camera 5 is not, so it is the
  // next message this client could see only if 6's preview were dropped.
  client.send(json{{"type", "start_stream"}, {"data", {{"cameraId", 5}}}}.dump());
  ASSERT_TRUE(next(client, "camera_status"));
  remote_.deliver(views::frame(messages::CameraId::integer(6), 2'000));
  remote_.deliver(views::frame(messages::CameraId::integer(5), 3'000));
  const auto frame = next(client, "detection_result");
  ASSERT_TRUE(frame);
  EXPECT_EQ((*frame)["cameraId"], 5);
}

}  // namespace
}  // namespace tmon::api
