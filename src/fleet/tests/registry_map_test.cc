#include "fleet/registry_map.h"

#include <gtest/gtest.h>

namespace tmon::fleet {
namespace {

RegistryCamera camera(const std::string& id, const std::string& url = "sim://a") {
  RegistryCamera c;
  c.id = messages::CameraId(id);
  c.url = url;
  return c;
}

config::CameraConfig configured(const std::string& id, bool enabled = true) {
  config::CameraConfig c;
  c.id = id;
  c.url = "sim://" + id;
  c.enabled = enabled;
  return c;
}

TEST(RegistryMapTest, LastRecordOfAKeyIsItsValue) {
  RegistryMap map(10);
  EXPECT_EQ(map.apply("a", camera("a", "sim://1")), RegistryChange::kAdded);
  EXPECT_EQ(map.apply("a", camera("a", "sim://1")), RegistryChange::kNone);
  EXPECT_EQ(map.apply("a", camera("a", "sim://2")), RegistryChange::kUpdated);
  ASSERT_NE(map.find("a"), nullptr);
  EXPECT_EQ(map.find("a")->url, "sim://2");
  EXPECT_EQ(map.apply("a", std::nullopt), RegistryChange::kRemoved);
  EXPECT_EQ(map.find("a"), nullptr);
  EXPECT_EQ(map.apply("a", std::nullopt), RegistryChange::kNone);
  EXPECT_TRUE(map.ever_seen("a"));
  EXPECT_FALSE(map.ever_seen("b"));
}

TEST(RegistryMapTest, RefusesNewCamerasPastTheBoundButUpdatesKnownOnes) {
  RegistryMap map(2);
  EXPECT_EQ(map.apply("a", camera("a")), RegistryChange::kAdded);
  EXPECT_EQ(map.apply("b", camera("b")), RegistryChange::kAdded);
  EXPECT_EQ(map.apply("c", camera("c")), RegistryChange::kRefused);
  EXPECT_EQ(map.refused(), 1u);
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.apply("a", camera("a", "sim://9")), RegistryChange::kUpdated);
  EXPECT_EQ(map.apply("a", std::nullopt), RegistryChange::kRemoved);
  EXPECT_EQ(map.apply("c", camera("c")), RegistryChange::kAdded);
}

TEST(RegistryMapTest, SeedsOnlyIdsTheRegistryNeverSaw) {
  RegistryMap map(10);
  map.apply("kept", camera("kept", "sim://changed-through-the-api"));
  map.apply("deleted", camera("deleted"));
  map.apply("deleted", std::nullopt);  // deleted through the API: must not come back
  const auto seeds = cameras_to_seed(
      {configured("kept"), configured("deleted"), configured("new"), configured("off", false)}, map,
      5);
  ASSERT_EQ(seeds.size(), 1u);
  EXPECT_EQ(seeds[0].id.text(), "new");
  EXPECT_EQ(seeds[0].updated_ts, 5);
}

TEST(RegistryMapTest, EmptyRegistrySeedsEveryEnabledCamera) {
  RegistryMap map(10);
  EXPECT_EQ(
      cameras_to_seed({configured("1"), configured("2"), configured("3", false)}, map, 0).size(),
      2u);
}

}  // namespace
}  // namespace tmon::fleet
