// KeyPool against the provider's answers (DashScope's semantics, issue 15):
// what each kind of refusal does to the key and its account, token charges,
// probes of disabled keys, fallback models, and the adaptive margin under a
// simulated network. All on a ManualClock.
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "schedule/key_pool.h"
#include "schedule/local_rate_limiter.h"

namespace tmon::schedule {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

config::ApiKeyConfig key(std::string id, double qps = 100, int rpm = 6000, int tpm = 0) {
  config::ApiKeyConfig k;
  k.id = id;
  k.key = "sk-secret-value-of-" + id;
  k.qps_limit = qps;
  k.rpm_limit = rpm;
  k.tpm_limit = tpm;
  return k;
}

CallOutcome refused(llm::CallErrorKind kind, llm::Throttle throttle, std::string code) {
  CallOutcome outcome;
  outcome.error = kind;
  outcome.throttle = throttle;
  outcome.provider_code = std::move(code);
  return outcome;
}

class KeyPoolProviderTest : public ::testing::Test {
 protected:
  KeyPoolProviderTest() : limiter_(clock_), pool_(limiter_, states_, settings(), clock_) {}

  static KeyPoolSettings settings() {
    KeyPoolSettings s;
    s.cooldown = {true, seconds(60), seconds(5), seconds(120)};
    s.margin = {milliseconds(10), milliseconds(250), std::chrono::minutes(30), 100};
    s.ramp = {seconds(5), 0.2, Millis(0)};
    s.probe_interval = seconds(300);
    s.model = "qwen-vl-plus";
    return s;
  }

  std::optional<Lease> lease(int64_t prompt_tokens = 0, int max_tokens = 0) {
    LeaseRequest request;
    request.models = {{"qwen-vl-plus", prompt_tokens}};
    request.max_tokens = max_tokens;
    return pool_.lease(request).lease;
  }

  ManualClock clock_;
  LocalRateLimiter limiter_;
  LocalKeyStateStore states_;
  KeyPool pool_;
};

TEST_F(KeyPoolProviderTest, UnpredictedRequestLimitWidensTheMarginInsteadOfCooling) {
  pool_.configure({key("a", 10)}, {});
  auto first = lease();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->margin, milliseconds(10));
  const FinishEffect effect = pool_.finish(
      *first,
      refused(llm::CallErrorKind::kRateLimited, llm::Throttle::kRequests, "limit_requests"));
  EXPECT_TRUE(effect.margin_grew);
  EXPECT_EQ(effect.cooled_for, Millis(0));  // no 5 s rest: the next free slot will do
  EXPECT_EQ(pool_.margin(), milliseconds(20));
  EXPECT_TRUE(lease());  // this second still has 9 permits
  EXPECT_EQ(limiter_.cooldown_remaining("a"), Millis(0));
}

TEST_F(KeyPoolProviderTest, RetryAfterAndRepeatedLimitsKeepTheAdaptiveCooldown) {
  pool_.configure({key("a", 100)}, {});
  auto limited =
      refused(llm::CallErrorKind::kRateLimited, llm::Throttle::kRequests, "limit_requests");
  limited.retry_after = seconds(2);
  EXPECT_EQ(pool_.finish(*lease(), limited).cooled_for, seconds(2));
  clock_.advance(seconds(2));
  // The third in a row: no longer timing noise (the second widened the margin).
  limited.retry_after.reset();
  const FinishEffect second = pool_.finish(*lease(), limited);
  EXPECT_TRUE(second.margin_grew);
  EXPECT_EQ(second.cooled_for, Millis(0));
  EXPECT_EQ(pool_.finish(*lease(), limited).cooled_for, seconds(5));
}

TEST_F(KeyPoolProviderTest, UnknownThrottleCools) {
  pool_.configure({key("a")}, {});
  const auto effect = pool_.finish(
      *lease(), refused(llm::CallErrorKind::kRateLimited, llm::Throttle::kUnknown, "Throttling"));
  EXPECT_EQ(effect.cooled_for, seconds(5));
  EXPECT_FALSE(lease());
}

TEST_F(KeyPoolProviderTest, TemporaryQuotaCoolsWithGrowthAndNeverDisables) {
  pool_.configure({key("a")}, {});
  const auto quota =
      refused(llm::CallErrorKind::kQuotaThrottled, llm::Throttle::kTokens, "insufficient_quota");
  EXPECT_EQ(pool_.finish(*lease(), quota).cooled_for, seconds(5));
  clock_.advance(milliseconds(4'999));
  EXPECT_FALSE(lease());
  clock_.advance(milliseconds(1));
  EXPECT_EQ(pool_.finish(*lease(), quota).cooled_for, seconds(10));
  clock_.advance(seconds(10));
  EXPECT_EQ(pool_.finish(*lease(), quota).cooled_for, seconds(20));
  EXPECT_EQ(pool_.usable(), 1u);
  EXPECT_TRUE(states_.disabled().empty());
  clock_.advance(seconds(20));
  auto served = lease();
  ASSERT_TRUE(served);
  pool_.finish(*served, {});  // the quota is back: success shrinks the next rest
  EXPECT_EQ(pool_.snapshot()[0].state, KeyState::kAvailable);
}

TEST_F(KeyPoolProviderTest, TokenLimitAtTheWindowEdgeTeachesTheMarginInsteadOfCooling) {
  pool_.configure({key("a", 10, 600, 100'000)}, {});
  const auto quota =
      refused(llm::CallErrorKind::kQuotaThrottled, llm::Throttle::kTokens, "insufficient_quota");
  // Our TPM window admitted it: timing, not an outage.
  const FinishEffect first = pool_.finish(*lease(), quota);
  EXPECT_TRUE(first.margin_grew);
  EXPECT_EQ(first.cooled_for, Millis(0));
  // Refused again right away: now it rests, and grows.
  EXPECT_EQ(pool_.finish(*lease(), quota).cooled_for, seconds(5));
}

TEST_F(KeyPoolProviderTest, BurstLimitRampsTheRateUpAgain) {
  pool_.configure({key("a", 10)}, {});
  pool_.finish(*lease(), refused(llm::CallErrorKind::kRateLimited, llm::Throttle::kBurst,
                                 "limit_burst_rate"));
  clock_.advance(seconds(1));
  int granted = 0;
  while (lease()) ++granted;
  EXPECT_EQ(granted, 3);  // 20% of 10 at first, climbing: 3.6 per second 1 s in
  clock_.advance(seconds(5));
  granted = 0;
  while (lease()) ++granted;
  EXPECT_EQ(granted, 10);  // ramped: the full rate
}

TEST_F(KeyPoolProviderTest, LastingRefusalDisablesThenTheProbeReenablesAtItsInterval) {
  pool_.configure({key("a"), key("b")}, {});
  auto first = lease();
  ASSERT_EQ(first->key_id, "a");
  const FinishEffect effect = pool_.finish(
      *first, refused(llm::CallErrorKind::kQuotaExhausted, llm::Throttle::kNone, "Arrearage"));
  EXPECT_TRUE(effect.disabled);
  EXPECT_EQ(pool_.usable(), 1u);
  EXPECT_FALSE(pool_.probe_due());
  clock_.advance(milliseconds(299'999));
  EXPECT_FALSE(pool_.probe_due());
  EXPECT_EQ(pool_.snapshot()[0].next_probe_in, milliseconds(1));
  clock_.advance(milliseconds(1));
  auto probe = pool_.probe_due();
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->key_id, "a");
  EXPECT_TRUE(probe->probe);
  EXPECT_FALSE(pool_.probe_due());  // one probe per interval
  // Still refused: disabled, probed again an interval later.
  pool_.finish(*probe,
               refused(llm::CallErrorKind::kAuthFailed, llm::Throttle::kNone, "invalid_api_key"));
  EXPECT_EQ(pool_.usable(), 1u);
  clock_.advance(seconds(300));
  probe = pool_.probe_due();
  ASSERT_TRUE(probe);
  CallOutcome ok;
  ok.total_tokens = 20;
  EXPECT_TRUE(pool_.finish(*probe, ok).reenabled);
  EXPECT_EQ(pool_.usable(), 2u);
  EXPECT_TRUE(states_.disabled().empty());
}

TEST_F(KeyPoolProviderTest, OperatorDecisionsAreNotProbed) {
  pool_.configure({key("a")}, {});
  ASSERT_TRUE(pool_.disable("a", "rotating"));
  clock_.advance(seconds(3'600));
  EXPECT_FALSE(pool_.probe_due());
  EXPECT_FALSE(pool_.next_probe_at());
  ASSERT_TRUE(pool_.enable("a"));
  EXPECT_TRUE(lease());
}

TEST_F(KeyPoolProviderTest, TokensAreChargedAtAcquireAndCorrectedWithUsage) {
  pool_.configure({key("a", 100, 6000, 10'000)}, {});
  // Before any reply: the prompt plus max_tokens.
  auto first = lease(1'200, 1'000);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->tokens.tokens, 2'200);
  EXPECT_EQ(limiter_.permits_left("a").tokens_used, 2'200);
  CallOutcome ok;
  ok.total_tokens = 1'300;
  ok.completion_tokens = 100;
  pool_.finish(*first, ok);
  EXPECT_EQ(limiter_.permits_left("a").tokens_used, 1'300);  // refunded to the usage
  // Afterwards the completion estimate is the longest recent reply and an
  // eighth more (a reply a token longer must not overrun a full window).
  auto second = lease(1'200, 1'000);
  EXPECT_EQ(second->tokens.tokens, 1'200 + 100 + 12);
  // A refusal used nothing: the whole charge comes back.
  pool_.finish(*second, refused(llm::CallErrorKind::kRateLimited, llm::Throttle::kRequests,
                                "limit_requests"));
  EXPECT_EQ(limiter_.permits_left("a").tokens_used, 1'300);
}

TEST_F(KeyPoolProviderTest, AnUnusedLeaseGivesItsTokensBack) {
  pool_.configure({key("a", 100, 6000, 10'000)}, {});
  auto unused = lease(1'200, 1'000);
  ASSERT_TRUE(unused);
  EXPECT_EQ(limiter_.permits_left("a").tokens_used, 2'200);
  pool_.cancel(*unused);
  // No call was made: the provider counts nothing, nor may our window.
  EXPECT_EQ(limiter_.permits_left("a").tokens_used, 0);
}

TEST_F(KeyPoolProviderTest, TokensPerMinuteHoldsBackWhatWouldOverrun) {
  pool_.configure({key("a", 100, 6000, 5'000)}, {});
  CallOutcome ok;
  ok.total_tokens = 1'100;
  ok.completion_tokens = 100;
  pool_.finish(*lease(1'000, 100), ok);
  int granted = 0;
  while (auto next = lease(1'000, 100)) ++granted;
  EXPECT_EQ(granted, 3);  // 1,100 used + 3 × 1,100 estimated; a fourth would pass 5,000
}

// A request written later than its permit's margin covers (a host stall on
// the send path) reaches the provider that much later: the permit that
// would follow it a window later must wait as long, or the provider sees
// both inside one window (the per-second 429s of issue 15's TPM runs).
TEST_F(KeyPoolProviderTest, APermitWrittenLateMovesToItsWrittenTime) {
  pool_.configure({key("a", 1, 6000, 1'000)}, {});
  const SteadyTime t0 = clock_.now();
  auto stalled = lease(600);
  ASSERT_TRUE(stalled);
  ASSERT_FALSE(lease());  // 1 per second
  // Written 60 ms after its permit (the margin is 10 ms).
  clock_.advance(milliseconds(60));
  pool_.observe_send(*stalled, clock_.now());
  // Its slot would have left the window at 1,010 ms (1 s and the margin).
  clock_.advance(t0 + milliseconds(1'011) - clock_.now());
  EXPECT_FALSE(lease());
  clock_.advance(t0 + milliseconds(1'069) - clock_.now());
  EXPECT_FALSE(lease());
  clock_.advance(t0 + milliseconds(1'071) - clock_.now());
  auto on_time = lease();
  ASSERT_TRUE(on_time);
  // Written within the margin: nothing moves.
  clock_.advance(milliseconds(5));
  pool_.observe_send(*on_time, clock_.now());
  clock_.advance(t0 + milliseconds(2'081) - clock_.now());
  EXPECT_TRUE(lease());
  // Its tokens moved too: 600 of 1,000 charged; 600 more fit once they
  // leave the minute window (60 s and its 100 ms margin), 60 ms later than
  // they were charged.
  clock_.advance(t0 + milliseconds(60'101) - clock_.now());
  EXPECT_FALSE(lease(600));
  clock_.advance(t0 + milliseconds(60'161) - clock_.now());
  EXPECT_TRUE(lease(600));
}

class FallbackTest : public KeyPoolProviderTest {
 protected:
  FallbackTest() {
    KeyPoolSettings s = settings();
    s.fallback_models = {"qwen-vl-max"};
    pool_.set_settings(s);
    config::AccountConfig account;
    account.name = "acct";
    account.qps_limit = 1;
    account.rpm_limit = 60;
    account.models = {{"qwen-vl-max", 5, 300, 0}};
    config::ApiKeyConfig k = key("a");
    k.account = "acct";
    pool_.configure({k}, {account});
  }

  LeaseResult lease_by(int64_t deadline_in_ms) {
    LeaseRequest request;
    request.models = {{"qwen-vl-plus", 0}, {"qwen-vl-max", 0}};
    request.deadline_ms = clock_.epoch_ms() + deadline_in_ms;
    return pool_.lease(request);
  }
};

TEST_F(FallbackTest, PreferredModelFirst) {
  auto first = lease_by(10'000);
  ASSERT_TRUE(first.lease);
  EXPECT_EQ(first.lease->model, "qwen-vl-plus");
  EXPECT_EQ(first.lease->limiter_account, "acct");
}

TEST_F(FallbackTest, WaitsForThePreferredModelWhileTheDeadlineAllows) {
  ASSERT_TRUE(lease_by(10'000).lease);
  // Its next permit in 1 s (+10 ms margin) plus a call (1.5 s assumed) fits
  // in 10 s: wait.
  const LeaseResult waiting = lease_by(10'000);
  EXPECT_FALSE(waiting.lease);
  EXPECT_EQ(waiting.retry_in, milliseconds(1'010));
}

TEST_F(FallbackTest, TakesTheNextModelWhenWaitingWouldMissTheDeadline) {
  ASSERT_TRUE(lease_by(10'000).lease);
  const LeaseResult fallback = lease_by(2'000);  // 1 s + 1.5 s > 2 s
  ASSERT_TRUE(fallback.lease);
  EXPECT_EQ(fallback.lease->model, "qwen-vl-max");
  EXPECT_EQ(fallback.lease->limiter_account, "acct/qwen-vl-max");
}

TEST_F(FallbackTest, TakesTheNextModelWhenThePreferredOneIsCooling) {
  limiter_.cool_down("acct", seconds(60));
  const LeaseResult fallback = lease_by(10'000);
  ASSERT_TRUE(fallback.lease);
  EXPECT_EQ(fallback.lease->model, "qwen-vl-max");
}

TEST_F(FallbackTest, DoesNotWaitForAPreferredModelThatRestsAfterRefusals) {
  auto first = lease_by(60'000);
  ASSERT_EQ(first.lease->model, "qwen-vl-plus");
  pool_.finish(*first.lease, refused(llm::CallErrorKind::kQuotaThrottled, llm::Throttle::kTokens,
                                     "insufficient_quota"));
  // Resting 5 s would still fit a 60 s deadline, but every key of the model
  // was refused: the fallback serves now.
  const LeaseResult fallback = lease_by(60'000);
  ASSERT_TRUE(fallback.lease);
  EXPECT_EQ(fallback.lease->model, "qwen-vl-max");
}

TEST_F(FallbackTest, PerModelLimitsApply) {
  int granted = 0;
  for (int i = 0; i < 20; ++i) granted += static_cast<bool>(lease_by(1'000).lease);
  EXPECT_EQ(granted, 1 + 5);  // 1 per second on plus, 5 on max
}

// The adaptive margin against a simulated network: requests reach a
// provider that judges a 1-second window 0-40 ms after they are sent
// (uniform, seeded), with the scheduler sending whenever a permit frees. The
// margin must learn the network with a handful of 429s and then hold
// within a hair of the physical bound, 10 / 1.04 s.
TEST_F(KeyPoolProviderTest, AdaptiveMarginLearnsASimulatedJitterWithFewRateLimits) {
  pool_.configure({key("a", 10, 600)}, {});
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int> jitter_us(0, 40'000);
  struct InFlight {
    Lease lease;
    SteadyTime arrives;
  };
  std::deque<InFlight> flying;
  std::deque<SteadyTime> provider_window;  // arrivals the provider accepted
  int rate_limited = 0;
  int accepted_after_warmup = 0;
  const SteadyTime start = clock_.now();
  const auto step = std::chrono::microseconds(500);
  while (clock_.now() - start < seconds(60)) {
    while (auto next = lease()) {
      flying.push_back({*next, clock_.now() + std::chrono::microseconds(jitter_us(random))});
    }
    // The provider judges arrivals in time order.
    std::sort(flying.begin(), flying.end(),
              [](const auto& x, const auto& y) { return x.arrives < y.arrives; });
    while (!flying.empty() && flying.front().arrives <= clock_.now()) {
      const InFlight call = flying.front();
      flying.pop_front();
      while (!provider_window.empty() && provider_window.front() + seconds(1) <= call.arrives) {
        provider_window.pop_front();
      }
      if (provider_window.size() >= 10) {
        ++rate_limited;
        pool_.finish(call.lease, refused(llm::CallErrorKind::kRateLimited, llm::Throttle::kRequests,
                                         "limit_requests"));
        continue;
      }
      provider_window.push_back(call.arrives);
      if (clock_.now() - start >= seconds(20)) ++accepted_after_warmup;
      pool_.finish(call.lease, {});
    }
    clock_.advance(step);
  }
  EXPECT_LE(rate_limited, 5);
  const double rate = accepted_after_warmup / 40.0;
  EXPECT_GE(rate, 10.0 / 1.04 * 0.995) << "margin " << pool_.margin().count() << " ms";
  EXPECT_LE(pool_.margin(), milliseconds(50));
}

}  // namespace
}  // namespace tmon::schedule
