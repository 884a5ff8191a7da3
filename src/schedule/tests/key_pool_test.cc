#include "schedule/key_pool.h"

#include <gtest/gtest.h>

#include <map>

#include "schedule/local_rate_limiter.h"

namespace tmon::schedule {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

config::ApiKeyConfig key(std::string id, std::string account = "", double weight = 1,
                         double qps = 100, int rpm = 6000) {
  config::ApiKeyConfig k;
  k.id = id;
  k.key = "sk-secret-value-of-" + id;
  k.account = std::move(account);
  k.weight = weight;
  k.qps_limit = qps;
  k.rpm_limit = rpm;
  return k;
}

class KeyPoolTest : public ::testing::Test {
 protected:
  KeyPoolTest()
      : limiter_(clock_),
        pool_(limiter_, states_, CooldownPolicy({true, seconds(60), seconds(5), seconds(120)}),
              clock_) {}

  std::string lease_id(const std::set<std::string>& avoid = {}) {
    auto result = pool_.lease(avoid);
    return result.lease ? result.lease->key_id : "";
  }

  ManualClock clock_;
  LocalRateLimiter limiter_;
  LocalKeyStateStore states_;
  KeyPool pool_;
};

TEST_F(KeyPoolTest, SpreadsEvenlyAcrossIdleKeys) {
  pool_.configure({key("a"), key("b"), key("c")}, {});
  std::map<std::string, int> picks;
  for (int i = 0; i < 30; ++i) {
    auto result = pool_.lease();
    ASSERT_TRUE(result.lease);
    ++picks[result.lease->key_id];
    pool_.finish(*result.lease, {});
  }
  EXPECT_EQ(picks, (std::map<std::string, int>{{"a", 10}, {"b", 10}, {"c", 10}}));
}

TEST_F(KeyPoolTest, PrefersTheLeastLoadedPerWeight) {
  pool_.configure({key("light", "", 1), key("heavy", "", 3)}, {});
  std::map<std::string, int> held;
  for (int i = 0; i < 8; ++i) ++held[lease_id()];
  EXPECT_EQ(held["heavy"], 6);
  EXPECT_EQ(held["light"], 2);
}

TEST_F(KeyPoolTest, KeyWithoutPermitIsPassedOver) {
  pool_.configure({key("slow", "", 1, 1, 60), key("fast")}, {});
  EXPECT_EQ(lease_id({"fast"}), "slow");
  // "slow" has spent its one permit this second: "fast" serves although avoided.
  EXPECT_EQ(lease_id({"fast"}), "fast");
}

TEST_F(KeyPoolTest, NoPermitAnywhereSaysWhenToAskAgain) {
  pool_.configure({key("a", "", 1, 2, 120)}, {});
  ASSERT_EQ(lease_id(), "a");
  ASSERT_EQ(lease_id(), "a");
  const LeaseResult result = pool_.lease();
  EXPECT_FALSE(result.lease);
  EXPECT_EQ(result.retry_in, milliseconds(1000));
}

TEST_F(KeyPoolTest, AvoidedKeysServeWhenNothingElseIsLeft) {
  pool_.configure({key("a"), key("b")}, {});
  EXPECT_EQ(lease_id({"a"}), "b");
  EXPECT_NE(lease_id({"a", "b"}), "");
}

TEST_F(KeyPoolTest, RateLimitCoolsTheWholeAccount) {
  config::AccountConfig shared{"shared", 100, 6000, 0, {}};
  pool_.configure({key("a", "shared"), key("b", "shared"), key("solo")}, {shared});
  auto result = pool_.lease({"b", "solo"});
  ASSERT_EQ(result.lease->key_id, "a");
  CallOutcome limited;
  limited.error = llm::CallErrorKind::kRateLimited;
  limited.provider_code = "limit_requests";
  limited.retry_after = seconds(2);
  pool_.finish(*result.lease, limited);
  // Both keys of the account rest; the other account serves.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(lease_id(), "solo");
  clock_.advance(milliseconds(1999));
  EXPECT_EQ(lease_id({"solo"}), "solo");
  clock_.advance(milliseconds(1));
  EXPECT_NE(lease_id({"solo"}), "solo");
  const auto snapshot = pool_.snapshot();
  EXPECT_EQ(snapshot[0].rate_limited.at("limit_requests"), 1);
}

TEST_F(KeyPoolTest, AuthFailureDisablesTheKeyUntilReenabled) {
  pool_.configure({key("bad"), key("good")}, {});
  auto result = pool_.lease({"good"});
  ASSERT_EQ(result.lease->key_id, "bad");
  CallOutcome unauthorized;
  unauthorized.error = llm::CallErrorKind::kAuthFailed;
  unauthorized.provider_code = "invalid_api_key";
  pool_.finish(*result.lease, unauthorized);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(lease_id({"good"}), "good");  // never picked
  EXPECT_EQ(pool_.usable(), 1u);
  EXPECT_EQ(states_.disabled().count("bad"), 1u);
  ASSERT_TRUE(pool_.enable("bad"));
  EXPECT_EQ(lease_id({"good"}), "bad");
}

TEST_F(KeyPoolTest, ReloadReenablesKeysDisabledAtRuntime) {
  pool_.configure({key("a")}, {});
  ASSERT_TRUE(pool_.disable("a", "operator"));
  EXPECT_EQ(lease_id(), "");
  pool_.configure({key("a")}, {}, /*reenable=*/true);
  EXPECT_EQ(lease_id(), "a");
}

TEST_F(KeyPoolTest, ConfigDisabledKeysAreNeverPicked) {
  auto off = key("off");
  off.enabled = false;
  auto empty = key("empty");
  empty.key.clear();
  pool_.configure({off, empty, key("on")}, {});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(lease_id(), "on");
  EXPECT_FALSE(pool_.enable("empty"));  // nothing to call with
}

TEST_F(KeyPoolTest, SnapshotShowsStateButNeverTheSecret) {
  pool_.configure({key("a")}, {});
  auto result = pool_.lease();
  const auto snapshot = pool_.snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].masked, "***of-a");
  EXPECT_EQ(snapshot[0].in_flight, 1);
  EXPECT_EQ(snapshot[0].permits_left.second, 99);
  for (const auto& s : snapshot) EXPECT_EQ(s.masked.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace tmon::schedule
