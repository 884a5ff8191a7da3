// `tmon bench ...` as a user runs it, briefly: each benchmark finishes, exits
// 0 and writes a report whose figures hang together. The numbers themselves
// are read by people (docs/PERFORMANCE.md), not asserted here.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "child_process.h"
#include "temp_dir.h"

namespace tmon {
namespace {

using nlohmann::json;
using testing::ChildProcess;

json run_bench(const testing::TempDir& dir, std::vector<std::string> args) {
  const std::string report = dir.str() + "/report.json";
  std::vector<std::string> argv{TMON_BINARY, "bench"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--report-file", report});
  ChildProcess process(argv);
  const auto code = process.wait(std::chrono::seconds(120));
  EXPECT_EQ(code, 0) << process.stdout_text() << process.stderr_text();
  std::ifstream in(report);
  return json::parse(in, nullptr, false);
}

void expect_ordered(const json& distribution, const std::string& what) {
  SCOPED_TRACE(what + ": " + distribution.dump());
  ASSERT_TRUE(distribution.is_object());
  EXPECT_LE(distribution["p50"].get<double>(), distribution["p95"].get<double>());
  EXPECT_LE(distribution["p95"].get<double>(), distribution["p99"].get<double>());
  EXPECT_LE(distribution["p99"].get<double>(), distribution["max"].get<double>());
}

TEST(BenchCliTest, DetectTimesEachDetectorAndRunsCameras) {
  testing::TempDir dir;
  const json report = run_bench(
      dir, {"detect", "--cameras", "4", "--duration", "5", "--warmup", "1", "--frames", "3"});
  ASSERT_FALSE(report.is_discarded());
  EXPECT_EQ(report["benchmark"], "detect");
  std::set<std::string> cases;
  for (const auto& c : report["perFrame"]) {
    cases.insert(c["stage"].get<std::string>() + " " + c["detector"].get<std::string>() + " " +
                 std::to_string(c["width"].get<int>()));
    EXPECT_GE(c["ms"]["count"].get<int>(), 3);
    EXPECT_GT(c["ms"]["mean"].get<double>(), 0);
    expect_ordered(c["ms"], "per frame");
  }
  EXPECT_EQ(cases, (std::set<std::string>{"detect motion 640", "detect hog 640",
                                          "analyze motion 640", "detect motion 1280",
                                          "detect hog 1280", "analyze motion 1280"}));
  const json& cameras = report["cameras"];
  EXPECT_GT(cameras["framesAnalysed"].get<int>(), 0);
  // Each camera gives at most one frame per interval (plus one at the window's edge).
  EXPECT_LE(cameras["framesAnalysed"].get<double>() + cameras["framesDropped"].get<double>(),
            cameras["framesExpected"].get<double>() + 4);
  EXPECT_GT(cameras["cpuCores"].get<double>(), 0);
  expect_ordered(cameras["latencyMs"], "latency");
}

TEST(BenchCliTest, SchedulerReportsGoodputWithout429s) {
  testing::TempDir dir;
  const json report =
      run_bench(dir, {"scheduler", "--accounts", "1", "--qps", "5", "--rpm", "300", "--offered",
                      "4", "--duration", "6", "--warmup", "1", "--latency-median-ms", "50"});
  ASSERT_FALSE(report.is_discarded());
  EXPECT_EQ(report["benchmark"], "scheduler");
  EXPECT_EQ(report["provider"]["rateLimited"], 0);
  const int64_t offered = report["tasks"]["offered"];
  const int64_t finished = report["tasks"]["finished"];
  EXPECT_GT(finished, 0);
  EXPECT_LE(finished, offered);
  EXPECT_GT(report["goodputPerSecond"].get<double>(), 0);
  expect_ordered(report["latencyMs"]["endToEnd"], "end to end");
  expect_ordered(report["latencyMs"]["llm"], "llm");
}

}  // namespace
}  // namespace tmon
