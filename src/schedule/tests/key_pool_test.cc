#include "schedule/key_pool.h"

#include <gtest/gtest.h>

#include <map>

namespace tmon::schedule {
namespace {

std::vector<config::ApiKeyConfig> keys(std::vector<std::pair<std::string, double>> weights) {
  std::vector<config::ApiKeyConfig> out;
  for (const auto& [id, weight] : weights) {
    config::ApiKeyConfig key;
    key.id = id;
    key.key = "sk-secret-value-of-" + id;
    key.weight = weight;
    out.push_back(key);
  }
  return out;
}

TEST(KeyPoolTest, SpreadsEvenlyAcrossIdleKeys) {
  KeyPool pool(keys({{"a", 1}, {"b", 1}, {"c", 1}}));
  std::map<std::string, int> picks;
  for (int i = 0; i < 30; ++i) {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease);
    ++picks[lease->id];
    pool.release(lease->id);
  }
  EXPECT_EQ(picks["a"], 10);
  EXPECT_EQ(picks["b"], 10);
  EXPECT_EQ(picks["c"], 10);
}

TEST(KeyPoolTest, PrefersTheLeastLoadedPerWeight) {
  KeyPool pool(keys({{"light", 1}, {"heavy", 3}}));
  std::map<std::string, int> held;
  for (int i = 0; i < 8; ++i) ++held[pool.acquire()->id];
  // In-flight calls settle in proportion to weight.
  EXPECT_EQ(held["heavy"], 6);
  EXPECT_EQ(held["light"], 2);
}

TEST(KeyPoolTest, SkipsExcludedAndDisabledKeys) {
  KeyPool pool(keys({{"a", 1}, {"b", 1}}));
  EXPECT_EQ(pool.acquire({"a"})->id, "b");
  pool.disable("b", "auth_failed");
  EXPECT_FALSE(pool.acquire({"a"}));
  EXPECT_EQ(pool.available(), 1u);
  pool.enable("b");
  EXPECT_EQ(pool.available(), 2u);
}

TEST(KeyPoolTest, KeyWithoutValueStartsDisabled) {
  auto config = keys({{"a", 1}});
  config[0].key.clear();
  KeyPool pool(config);
  EXPECT_FALSE(pool.acquire());
  EXPECT_EQ(pool.snapshot()[0].state, KeyState::kDisabled);
}

TEST(KeyPoolTest, SnapshotNeverShowsTheSecret) {
  KeyPool pool(keys({{"a", 1}}));
  const auto snapshot = pool.snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].masked, "***of-a");
  EXPECT_EQ(snapshot[0].masked.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace tmon::schedule
