// RedisRateLimiter against a real redis-server, and its local fallback.
#include "schedule/redis_rate_limiter.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/ids.h"
#include "redis_server.h"
#include "refusing_port.h"

namespace tmon::schedule {
namespace {

using std::chrono::milliseconds;

class RedisRateLimiterTest : public ::testing::Test {
 protected:
  RedisRateLimiterTest()
      : redis_(std::make_shared<store::RedisClient>(*store::RedisAddress::parse(server_.url()),
                                                    Millis(500))),
        account_("acct-" + random_hex_id(4)) {}

  std::unique_ptr<RedisRateLimiter> make(int instances = 2) {
    RedisLimiterOptions options;
    options.expected_instances = instances;
    options.window_margin = Millis(0);
    options.probe_interval = milliseconds(200);
    auto limiter = std::make_unique<RedisRateLimiter>(redis_, options, SystemClock::instance());
    limiter->set_limits({{account_, 5, 300, 0}});
    return limiter;
  }

  testing::TestRedis server_;
  std::shared_ptr<store::RedisClient> redis_;
  std::string account_;
};

TEST_F(RedisRateLimiterTest, InstancesShareOneBudget) {
  auto first = make();
  auto second = make();
  int granted = 0;
  for (int i = 0; i < 10; ++i) {
    granted += first->acquire({account_, 1}).granted;
    granted += second->acquire({account_, 1}).granted;
  }
  // Together, not each: 5 per second for the account.
  EXPECT_EQ(granted, 5);
  const Permit denied = first->acquire({account_, 1});
  EXPECT_FALSE(denied.granted);
  EXPECT_GT(denied.retry_in, milliseconds(0));
  EXPECT_LE(denied.retry_in, milliseconds(1000));
  EXPECT_FALSE(first->status().fallback);
}

TEST_F(RedisRateLimiterTest, PermitsReturnAsTheWindowSlides) {
  auto limiter = make();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter->acquire({account_, 1}).granted);
  const Permit denied = limiter->acquire({account_, 1});
  ASSERT_FALSE(denied.granted);
  std::this_thread::sleep_for(denied.retry_in + milliseconds(5));
  EXPECT_TRUE(limiter->acquire({account_, 1}).granted);
  EXPECT_EQ(limiter->permits_left(account_).minute, 300 - 6);
}

TEST_F(RedisRateLimiterTest, CooldownIsSharedAndNeverShortened) {
  auto first = make();
  auto second = make();
  first->cool_down(account_, milliseconds(5'000));
  second->cool_down(account_, milliseconds(100));
  EXPECT_FALSE(second->acquire({account_, 1}).granted);
  EXPECT_GT(second->cooldown_remaining(account_), milliseconds(4'000));
}

TEST_F(RedisRateLimiterTest, TokensPerMinuteIsShared) {
  auto limiter = make();
  limiter->set_limits({{account_, 100, 6000, 3'000}});
  int granted = 0;
  for (int i = 0; i < 10; ++i) granted += limiter->acquire({account_, 1'000}).granted;
  EXPECT_EQ(granted, 3);
}

TEST_F(RedisRateLimiterTest, TokenChargesAreCorrectedAcrossInstances) {
  auto first = make();
  auto second = make();
  first->set_limits({{account_, 100, 6000, 3'000}});
  second->set_limits({{account_, 100, 6000, 3'000}});
  const Permit charged = first->acquire({account_, 3'000});
  ASSERT_TRUE(charged.granted);
  EXPECT_FALSE(second->acquire({account_, 1'000}).granted);
  // The call used 1,000 tokens: 2,000 come back for everyone.
  first->correct_tokens(account_, {charged.token_entry, 3'000}, 1'000);
  EXPECT_TRUE(second->acquire({account_, 1'000}).granted);
  EXPECT_TRUE(second->acquire({account_, 1'000}).granted);
  EXPECT_FALSE(second->acquire({account_, 1'000}).granted);
  // Usage above the charge takes more.
  const Permit small = first->acquire({account_, 0});
  first->correct_tokens(account_, {small.token_entry, 0}, 500);
  EXPECT_FALSE(first->acquire({account_, 1}).granted);
}

// The token pace is shared like the other windows.
TEST_F(RedisRateLimiterTest, TokenPaceIsShared) {
  auto first = make();
  auto second = make();
  AccountLimits limits{account_, 100, 6000, 60'000};
  limits.token_pace = std::chrono::seconds(4);  // 5,000 tokens in any 4 s
  first->set_limits({limits});
  second->set_limits({limits});
  int granted = 0;
  for (int i = 0; i < 5; ++i) {
    granted += first->acquire({account_, 1'000}).granted;
    granted += second->acquire({account_, 1'000}).granted;
  }
  EXPECT_EQ(granted, 5);
  const Permit denied = first->acquire({account_, 1'000});
  ASSERT_FALSE(denied.granted);
  EXPECT_GT(denied.retry_in, milliseconds(3'000));
}

// A permit whose request was written late moves later in the shared windows
// (every instance then waits for it), tokens and all.
TEST_F(RedisRateLimiterTest, ADelayedPermitMovesInEveryWindow) {
  auto limiter = make();
  limiter->set_limits({{account_, 1, 300, 1'000}});
  const Permit permit = limiter->acquire({account_, 600});
  ASSERT_TRUE(permit.granted);
  ASSERT_GT(permit.entry, 0);
  const auto score = [&](const char* window, const std::string& member) {
    auto reply = redis_->command({"ZSCORE", rate_key(account_, window), member});
    return reply && !reply->text.empty() ? std::stoll(reply->text) : int64_t{-1};
  };
  const std::string id = std::to_string(permit.entry);
  const int64_t second_before = score("s", id);
  const int64_t minute_before = score("m", id);
  const int64_t tokens_before = score("t", id + ":600");
  ASSERT_GT(second_before, 0);
  limiter->delay_permit(account_, {permit.entry, {permit.token_entry, 600}}, milliseconds(700));
  EXPECT_EQ(score("s", id), second_before + 700);
  EXPECT_EQ(score("m", id), minute_before + 700);
  EXPECT_EQ(score("t", id + ":600"), tokens_before + 700);
  // The next permit waits for the moved one to leave the second's window.
  const Permit next = limiter->acquire({account_, 1});
  ASSERT_FALSE(next.granted);
  EXPECT_GT(next.retry_in, milliseconds(1'000));
  // Its charge is still corrected where it now stands.
  limiter->correct_tokens(account_, {permit.token_entry, 600}, 100);
  EXPECT_EQ(score("t", id + ":100"), tokens_before + 700);
}

TEST_F(RedisRateLimiterTest, LearnedMarginIsSharedAndOutlivesTheInstance) {
  {
    auto first = make();
    first->store_margin({30.5, 1'700'000'000'000});
  }
  auto restarted = make();
  const auto margin = restarted->load_margin();
  ASSERT_TRUE(margin);
  EXPECT_EQ(*margin, (LearnedMargin{30.5, 1'700'000'000'000}));
}

TEST(RedisRateLimiterFallbackTest, FallsBackToAFairShareWhenRedisIsDown) {
  const testing::RefusingPort refusing;
  auto dead = std::make_shared<store::RedisClient>(
      *store::RedisAddress::parse("redis://127.0.0.1:" + std::to_string(refusing.port())),
      Millis(100));
  RedisLimiterOptions options;
  options.expected_instances = 2;
  options.window_margin = Millis(0);
  RedisRateLimiter limiter(dead, options, SystemClock::instance());
  limiter.set_limits({{"a", 10, 600, 0}});
  int granted = 0;
  for (int i = 0; i < 20; ++i) granted += limiter.acquire({"a", 1}).granted;
  EXPECT_EQ(granted, 5);  // half of 10 per second
  const LimiterStatus status = limiter.status();
  EXPECT_TRUE(status.fallback);
  EXPECT_NE(status.detail.find("1/2"), std::string::npos) << status.detail;
}

TEST(RedisRateLimiterFallbackTest, ReturnsToRedisWhenItIsBack) {
  // A private server of ours, down while the limiter starts, back on its port.
  testing::TestRedis server(testing::TestRedis::Private{});
  server.kill();
  auto redis =
      std::make_shared<store::RedisClient>(*store::RedisAddress::parse(server.url()), Millis(100));
  RedisLimiterOptions options;
  options.expected_instances = 2;
  options.probe_interval = milliseconds(100);
  RedisRateLimiter limiter(redis, options, SystemClock::instance());
  limiter.set_limits({{"a", 10, 600, 0}});
  limiter.acquire({"a", 1});
  ASSERT_TRUE(limiter.status().fallback);

  // Redis comes up where the limiter expects it.
  ASSERT_TRUE(server.restart());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (limiter.status().fallback && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(50));
    limiter.acquire({"a", 1});
  }
  EXPECT_FALSE(limiter.status().fallback) << limiter.status().detail;
  EXPECT_NE(limiter.status().detail.find("shared"), std::string::npos);
}

}  // namespace
}  // namespace tmon::schedule
