#include <gtest/gtest.h>

#include <sstream>

#include "bench/scheduler_bench_load.h"

namespace tmon::bench {
namespace {

// A made-up run of the TPM scenario's shape: 3 accounts x 10/s (capacity
// 30/s), 250,000 tokens per minute each, a steady window of 120 s.
SchedulerBenchOptions tpm_options() {
  SchedulerBenchOptions o;
  o.accounts = 3;
  o.qps = 10;
  o.rpm = 600;
  o.tpm = 250'000;
  o.duration = 190;
  o.warmup = 70;
  return o;
}

// `count` samples sent evenly over [from_s, to_s).
std::vector<Sample> calls(int count, double from_s, double to_s, int64_t tokens,
                          double scheduler_ms) {
  std::vector<Sample> out;
  for (int i = 0; i < count; ++i) {
    Sample s;
    s.llm_ms = 1000;
    const double sent = from_s + (to_s - from_s) * i / count;
    s.submitted_s = sent - scheduler_ms / 1000.0;
    s.finished_s = sent + 1.0;
    s.scheduler_ms = scheduler_ms;
    s.queue_wait_ms = scheduler_ms;
    s.tokens = tokens;
    s.model = "qwen-vl-plus";
    out.push_back(s);
  }
  return out;
}

// Tasks no key served in time, answered by rules at their 10 s deadline.
std::vector<Sample> by_rules(int count, double from_s, double to_s) {
  std::vector<Sample> out;
  for (int i = 0; i < count; ++i) {
    Sample s;
    s.submitted_s = from_s + (to_s - from_s) * i / count;
    s.finished_s = s.submitted_s + 10;
    s.scheduler_ms = 10'000;
    s.queue_wait_ms = 10'000;
    s.model = "rules";
    s.by_rules = true;
    out.push_back(s);
  }
  return out;
}

TEST(SchedulerBenchReportTest, GoodputIsOfTheTokenCapacityWhenTokensBind) {
  const auto o = tpm_options();
  // 1,200 calls of 1,000 tokens in 120 s: 10/s, while 3 x 250,000 tokens per
  // minute pay for 12.5 such calls per second (requests would allow 30/s).
  auto samples = calls(1200, 70, 190, 1000, 2);
  // 4,000 more answered by rules: no provider call, not goodput.
  const auto rules = by_rules(4000, 70, 190);
  samples.insert(samples.end(), rules.begin(), rules.end());
  SchedulerBenchReport report(o, 30.0, samples, 0, nlohmann::json::object());
  const auto& r = report.json_report();
  EXPECT_EQ(r["bindingLimit"], "tokens");
  EXPECT_NEAR(r["tokenBoundPerSecond"].get<double>(), 12.5, 1e-9);
  EXPECT_NEAR(r["goodputPerSecond"].get<double>(), 10.0, 1e-9);
  EXPECT_NEAR(r["goodputOfCapacity"].get<double>(), 0.8, 1e-9);
  EXPECT_EQ(r["tasks"]["byOutcome"]["ok"], 1200);
  EXPECT_EQ(r["tasks"]["byOutcome"]["ok_by_rules"], 4000);
  EXPECT_EQ(r["tasks"]["okByModel"].size(), 1u);
  // The latency the scheduler adds to calls, not the rules' 10 s deadline.
  EXPECT_NEAR(r["latencyMs"]["schedulerAdded"]["p99"].get<double>(), 2, 1e-6);
  std::ostringstream text;
  report.print(text);
  EXPECT_NE(text.str().find("goodput 10.00/s = 80.0% of capacity (tokens per minute bind: 12.50/s"),
            std::string::npos)
      << text.str();
}

TEST(SchedulerBenchReportTest, GoodputIsOfTheRequestCapacityWhenRequestsBind) {
  auto o = tpm_options();
  // 3,000 calls of 100 tokens in 120 s: 25/s; tokens would pay for 125/s.
  SchedulerBenchReport report(o, 30.0, calls(3000, 70, 190, 100, 1), 0, nlohmann::json::object());
  const auto& r = report.json_report();
  EXPECT_EQ(r["bindingLimit"], "requests");
  EXPECT_NEAR(r["goodputOfCapacity"].get<double>(), 25.0 / 30.0, 1e-9);
  // Without a TPM limit there is no token bound at all.
  o.tpm = 0;
  SchedulerBenchReport plain(o, 30.0, calls(3000, 70, 190, 100, 1), 0, nlohmann::json::object());
  EXPECT_TRUE(plain.json_report()["tokenBoundPerSecond"].is_null());
  EXPECT_NEAR(plain.json_report()["goodputOfCapacity"].get<double>(), 25.0 / 30.0, 1e-9);
}

TEST(SchedulerBenchReportTest, CallsSentOutsideTheSteadyWindowAreNotGoodput) {
  const auto o = tpm_options();
  // Sent during the warm-up and after the load: none in [70, 190).
  auto samples = calls(700, 0, 70, 100, 1);
  const auto after = calls(100, 190, 200, 100, 1);
  samples.insert(samples.end(), after.begin(), after.end());
  SchedulerBenchReport report(o, 30.0, samples, 0, nlohmann::json::object());
  EXPECT_DOUBLE_EQ(report.json_report()["goodputPerSecond"].get<double>(), 0.0);
}

}  // namespace
}  // namespace tmon::bench
