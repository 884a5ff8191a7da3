#include "fleet/registry_follower.h"

#include <gtest/gtest.h>

#include "eventually.h"
#include "fleet_broker_fixture.h"

namespace tmon::fleet {
namespace {

using testing::eventually;

RegistryCamera camera(const std::string& id, const std::string& url = "sim://a") {
  RegistryCamera c;
  c.id = messages::CameraId(id);
  c.url = url;
  return c;
}

class RegistryFollowerTest : public FleetBrokerTest {};

TEST_F(RegistryFollowerTest, FollowsWritesAndTombstonesAndCatchesUpFromTheStart) {
  auto writer = RegistryWriter::create(kafka_, "test-writer", Millis(10'000));
  ASSERT_TRUE(writer) << writer.error().message;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*writer)->put(camera("cam-" + std::to_string(i))));
  ASSERT_TRUE((*writer)->put(camera("cam-3", "sim://changed")));
  ASSERT_TRUE((*writer)->remove("cam-4"));

  // A follower started after the writes reads them all before it says it
  // caught up.
  auto follower = RegistryFollower::start(kafka_, "test-follower");
  ASSERT_TRUE(follower) << follower.error().message;
  ASSERT_TRUE((*follower)->wait_caught_up(Millis(15'000)));
  EXPECT_EQ((*follower)->cameras().size(), 19u);
  EXPECT_EQ((*follower)->find("cam-3")->url, "sim://changed");
  EXPECT_FALSE((*follower)->find("cam-4"));
  EXPECT_TRUE((*follower)->ever_seen("cam-4"));

  // Later writes arrive, and wait_for sees a write of ours.
  std::vector<std::string> changes;
  std::mutex mu;
  (*follower)->set_listener([&](const std::string& id, RegistryChange) {
    std::lock_guard lock(mu);
    changes.push_back(id);
  });
  auto written = (*writer)->put(camera("late"));
  ASSERT_TRUE(written);
  EXPECT_TRUE((*follower)->wait_for(written->partition, written->offset, Millis(10'000)));
  EXPECT_TRUE((*follower)->find("late"));
  // Listeners run after the map changed, on the follower's thread.
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return !changes.empty();
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(changes, std::vector<std::string>{"late"});
}

TEST_F(RegistryFollowerTest, AnEmptyRegistryIsCaughtUpAtOnce) {
  auto follower = RegistryFollower::start(kafka_, "test-follower");
  ASSERT_TRUE(follower) << follower.error().message;
  EXPECT_TRUE((*follower)->wait_caught_up(Millis(1'000)));
  EXPECT_TRUE((*follower)->cameras().empty());
}

TEST_F(RegistryFollowerTest, KeepsAtMostMaxCameras) {
  kafka_.fleet.max_cameras = 5;
  auto writer = RegistryWriter::create(kafka_, "test-writer", Millis(10'000));
  ASSERT_TRUE(writer);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE((*writer)->put(camera("cam-" + std::to_string(i))));
  prometheus::Registry registry;
  FleetMetrics metrics(registry, "test");
  auto follower = RegistryFollower::start(kafka_, "test-follower", &metrics);
  ASSERT_TRUE(follower);
  ASSERT_TRUE((*follower)->wait_caught_up(Millis(15'000)));
  EXPECT_EQ((*follower)->cameras().size(), 5u);
  EXPECT_TRUE(eventually([&] { return metrics.registry_refused.Value() == 3; }));
}

TEST_F(RegistryFollowerTest, SkipsRecordsThatAreNotCameras) {
  auto writer = RegistryWriter::create(kafka_, "test-writer", Millis(10'000));
  ASSERT_TRUE(writer);
  RegistryCamera bad = camera("x");
  bad.url.clear();  // decodes as "url: expected a non-empty string"
  ASSERT_TRUE((*writer)->put(bad));
  ASSERT_TRUE((*writer)->put(camera("good")));
  prometheus::Registry registry;
  FleetMetrics metrics(registry, "test");
  auto follower = RegistryFollower::start(kafka_, "test-follower", &metrics);
  ASSERT_TRUE(follower);
  ASSERT_TRUE((*follower)->wait_caught_up(Millis(15'000)));
  EXPECT_EQ((*follower)->cameras().size(), 1u);
  EXPECT_TRUE(eventually([&] { return metrics.registry_invalid.Value() == 1; }));
}

}  // namespace
}  // namespace tmon::fleet
