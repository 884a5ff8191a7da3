#include "bench/pipeline_report.h"

#include <gtest/gtest.h>

namespace tmon::bench {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;

// Ten frames a second apart; frame i has i % 3 tasks, each answered ok after
// 1 s of LLM time and stored 100 ms later; one task of frame 8 is lost.
PipelineRun sample_run() {
  PipelineRun run;
  run.load_start_ms = kStart;
  run.duration_s = 10;
  run.warmup_s = 2;
  run.wall_s = 14;
  run.max_age_s = 10;
  run.capacity_per_second = 30;
  for (int i = 0; i < 10; ++i) {
    const int64_t capture = kStart + 1000 * i;
    trace::FrameTrace frame;
    frame.camera_id = "bench-0001";
    frame.capture_ts = capture;
    frame.detected_ts = capture + 5;
    frame.seen_ms = capture + 6;
    frame.tasks_seen = i % 3;
    const bool lost_one = i == 8;
    if (frame.tasks_seen > 0 && !lost_one) {
      frame.stored = true;
      frame.stored_ts = capture + 1200;
      frame.max_llm_ms = 1000;
    }
    run.frames["req-" + std::to_string(i)] = frame;
    for (int t = 0; t < frame.tasks_seen; ++t) {
      trace::TaskTrace task;
      task.request_id = "req-" + std::to_string(i);
      task.capture_ts = capture;
      task.created_ts = capture + 10;
      task.seen_ms = capture + 11;
      if (!(lost_one && t == 1)) {
        trace::ResultTrace result;
        result.completed_ts = capture + 1100;
        result.llm_ms = 1000;
        result.queue_wait_ms = 20;
        task.results.push_back(result);
      }
      run.tasks["task-" + std::to_string(i) + "-" + std::to_string(t)] = task;
    }
  }
  for (int s = 1; s <= 14; ++s) {
    TimelineSample sample;
    sample.t = s;
    sample.totals.frames = std::min(s, 10);
    sample.lag = {{"detection-results", s % 4}, {"assessment-tasks", std::nullopt}};
    sample.rss_mb = 100;
    run.timeline.push_back(sample);
  }
  return run;
}

TEST(PipelineReportTest, CountsAddUpAndPercentilesAreOrdered) {
  const auto report = build_pipeline_report(sample_run());
  const auto& counts = report["counts"];
  EXPECT_EQ(counts["frames"], 10);
  EXPECT_EQ(counts["framesWithTasks"], 6);  // frames 1, 2, 4, 5, 7, 8
  EXPECT_EQ(counts["tasks"], 9);
  EXPECT_EQ(counts["results"], 8);
  EXPECT_EQ(counts["lostTasks"], 1);
  EXPECT_EQ(counts["framesNotStored"], 1);
  EXPECT_EQ(counts["resultsByStatus"]["ok"], 8);
  EXPECT_EQ(counts["views"]["complete"], 5);
  EXPECT_LE(counts["results"].get<int>(), counts["tasks"].get<int>());

  // Latency over frames captured in the window [2, 10) s: frames 2, 4, 5, 7.
  const auto& e2e = report["latencyMs"]["endToEnd"];
  EXPECT_EQ(e2e["count"], 4);
  EXPECT_DOUBLE_EQ(e2e["p50"].get<double>(), 1200);
  EXPECT_DOUBLE_EQ(report["latencyMs"]["pipeline"]["p99"].get<double>(), 200);
  for (const auto& [name, d] : report["latencyMs"].items()) {
    EXPECT_LE(d["p50"].get<double>(), d["p95"].get<double>()) << name;
    EXPECT_LE(d["p95"].get<double>(), d["p99"].get<double>()) << name;
    EXPECT_LE(d["p99"].get<double>(), d["max"].get<double>()) << name;
  }
  int64_t in_histogram = 0;
  for (const auto& bucket : report["histogram"]["endToEndMs"])
    in_histogram += bucket["count"].get<int64_t>();
  EXPECT_EQ(in_histogram, 4);

  // Lag: samples during the load only; a missing answer is no sample.
  EXPECT_EQ(report["kafkaLag"]["detection-results"]["max"], 3);
  EXPECT_EQ(report["kafkaLag"]["assessment-tasks"]["samples"], 0);
  EXPECT_EQ(report["timeline"].size(), 14u);

  const auto& verdict = report["verdict"];
  EXPECT_FALSE(verdict["passed"].get<bool>());
  EXPECT_FALSE(verdict["checks"][0]["passed"].get<bool>()) << verdict["checks"][0].dump();
  EXPECT_EQ(verdict["checks"][0]["name"], "nothing lost");
}

TEST(PipelineReportTest, GoodputCountsOkCallsSentInTheWindowAgainstCapacity) {
  const auto report = build_pipeline_report(sample_run());
  // Sent at capture + 100 ms: frames 2..7 in [2, 10) s -> tasks of 2, 4, 5, 7 = 6 calls... and 8
  // (one ok of two) = 7 calls over 8 s.
  EXPECT_NEAR(report["capacity"]["goodputPerSecond"].get<double>(), 7.0 / 8.0, 1e-9);
  EXPECT_NEAR(report["capacity"]["goodputOfCapacity"].get<double>(), 7.0 / 8.0 / 30.0, 1e-9);
  EXPECT_EQ(report["api"]["source"], "results");
  EXPECT_EQ(report["api"]["calls"], 8);
}

TEST(PipelineReportTest, SummaryNamesEveryCheck) {
  const auto report = build_pipeline_report(sample_run());
  const std::string text = summarize_pipeline_report(report);
  EXPECT_NE(text.find("[FAIL] nothing lost"), std::string::npos) << text;
  EXPECT_NE(text.find("end-to-end"), std::string::npos);
}

}  // namespace
}  // namespace tmon::bench
