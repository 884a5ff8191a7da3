// The owner's status writes against a real redis-server: a camera started
// here is announced with its first frame, without waiting for the period
// (part of every failover), once; other frames and cameras write nothing
// until the period.
#include "fleet/camera_status.h"

#include <gtest/gtest.h>

#include "common/ids.h"
#include "redis_server.h"

namespace tmon::fleet {
namespace {

class StatusPublisherTest : public ::testing::Test {
 protected:
  StatusPublisherTest() {
    camera_.id = messages::CameraId(moved_);
    camera_.url = "sim://";
  }

  std::optional<CameraStatusRecord> status(const std::string& id) {
    auto reply = client_->command({"GET", status_key(id)});
    if (!reply || reply->type != store::RedisReply::Type::kString) return std::nullopt;
    return decode_status(reply->text);
  }

  testing::TestRedis redis_;
  std::shared_ptr<store::RedisClient> client_ = std::make_shared<store::RedisClient>(
      *store::RedisAddress::parse(redis_.url()), Millis(2'000));
  ManualClock clock_;
  // Fresh ids: the Redis of scripts/test.sh is shared by the tests.
  std::string moved_ = "st-" + random_hex_id(4);
  std::string staying_ = "st-" + random_hex_id(4);
  RegistryCamera camera_;
  std::vector<api::CameraInfo> owned_{[this] {
    std::vector<api::CameraInfo> infos(2);
    infos[0].id = messages::CameraId(moved_);
    infos[0].state = api::CameraState::kStarting;  // its status has not counted the frame yet
    infos[0].detector = "motion";
    infos[1].id = messages::CameraId(staying_);
    infos[1].state = api::CameraState::kOk;
    return infos;
  }()};
  // Never started: the period's writes do not happen in this test.
  StatusPublisher publisher_{client_, [this] { return owned_; }, clock_,
                             StatusPublisher::Options{"d7", Millis(60'000), Millis(60'000)},
                             nullptr};
};

TEST_F(StatusPublisherTest, AStartedCameraIsAnnouncedWithItsFirstFrameOnce) {
  publisher_.on_started(camera_);
  EXPECT_EQ(publisher_.unannounced(), 1u);
  EXPECT_FALSE(status(moved_));

  publisher_.on_frame(staying_, 5'000);  // not started here since: no write
  EXPECT_FALSE(status(staying_));
  publisher_.on_frame(moved_, 7'000);
  const auto written = status(moved_);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->owner, "d7");
  EXPECT_EQ(written->state, api::CameraState::kOk);
  EXPECT_EQ(written->last_frame_ts, 7'000);
  EXPECT_EQ(written->detector, "motion");  // what it runs, for API processes elsewhere
  EXPECT_EQ(publisher_.unannounced(), 0u);

  // Once: the next frames wait for the period.
  ASSERT_TRUE(client_->command({"DEL", status_key(moved_)}));
  publisher_.on_frame(moved_, 8'000);
  EXPECT_FALSE(status(moved_));
  publisher_.publish_once();
  EXPECT_TRUE(status(moved_));
  EXPECT_TRUE(status(staying_));
  for (const auto& id : {moved_, staying_}) (void)client_->command({"DEL", status_key(id)});
}

}  // namespace
}  // namespace tmon::fleet
