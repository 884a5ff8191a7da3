#include "bench/html_report.h"

#include <gtest/gtest.h>

#include <string>

namespace tmon::bench {
namespace {

using nlohmann::json;

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

json latency(double p99) {
  return {{"count", 100}, {"mean", 812.5}, {"p50", 700},
          {"p95", 1500},  {"p99", p99},    {"max", 4100}};
}

json full_report() {
  json timeline = json::array();
  for (int t = 1; t <= 5; ++t) {
    timeline.push_back({{"t", t},
                        {"frames", 27},
                        {"tasks", 20 + t},
                        {"results", 19 + t},
                        {"okResults", 19},
                        {"inFlight", 3 * t},
                        {"lag", {{"detection-results", t}, {"assessment-tasks", 2 * t}}},
                        {"rssMb", 120.5}});
  }
  return {{"benchmark", "pipeline"},
          {"startedAt", "2026-11-28T12:00:00Z"},
          {"config",
           {{"mode", "full"},
            {"cameras", 50},
            {"durationSeconds", 600},
            {"frameIntervalSeconds", 1.8},
            {"llm", "mock"},
            {"note", "<b>&"}}},
          {"counts",
           {{"frames", 16667},
            {"framesWithTasks", 9000},
            {"tasks", 12345},
            {"results", 12340},
            {"resultsByStatus", {{"ok", 12300}, {"expired", 40}}},
            {"resultsByCode", {{"timeout", 3}}},
            {"lostTasks", 0},
            {"duplicateResults", 0},
            {"views", {{"complete", 8990}, {"partial", 10}}},
            {"deadLetters", 7}}},
          {"latencyMs", {{"endToEnd", latency(3456)}, {"llm", latency(2999)}}},
          {"histogram",
           {{"endToEndMs",
             {{{"leMs", 100}, {"count", 3}},
              {{"leMs", 250}, {"count", 10}},
              {{"leMs", nullptr}, {"count", 2}}}}}},
          {"throughputPerSecond",
           {{"frames", 27.78}, {"tasks", 20.58}, {"results", 20.57}, {"okResults", 20.5}}},
          {"api", {{"calls", 13000}, {"ok", 12870}, {"successRate", 0.99}, {"rateLimited", 130}}},
          {"kafkaLag", {{"detection-results", {{"max", 42}, {"mean", 3.5}}}}},
          {"capacity",
           {{"perSecond", 30},
            {"goodputPerSecond", 29.7},
            {"goodputOfCapacity", 0.99},
            {"accounts", {{"acct-1", {{"ok", 5}, {"rateLimited", 1}}}}}}},
          {"processes",
           {{{"name", "tmon bench (pipeline)"},
             {"pid", 4242},
             {"cpuSeconds", 12.5},
             {"cpuCores", 0.4},
             {"peakRssMb", 130.25}}}},
          {"timeline", timeline},
          {"verdict",
           {{"passed", false},
            {"checks", {{{"name", "no lost tasks"}, {"passed", true}, {"detail", "0 lost"}}}}}},
          {"wallSeconds", 631.2}};
}

TEST(HtmlReportTest, FullReportIsASelfContainedPageWithTwoCharts) {
  const std::string html = render_html_report(full_report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_EQ(count_of(html, "<svg"), 2u);
  EXPECT_EQ(count_of(html, "</svg>"), 2u);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
}

TEST(HtmlReportTest, ShowsKeyFigures) {
  const std::string html = render_html_report(full_report());
  for (const std::string figure : {"full",
                                   "50 cameras",
                                   "16667",
                                   "12345",
                                   "27.78",
                                   "99.00%",
                                   "130",
                                   "3456",
                                   "4100",
                                   "29.7",
                                   "42",
                                   "tmon bench (pipeline)",
                                   "4242",
                                   "130.25",
                                   "no lost tasks",
                                   "FAIL",
                                   "+Inf",
                                   "acct-1",
                                   "detection-results",
                                   "assessment-tasks",
                                   "2026-11-28T12:00:00Z"}) {
    EXPECT_NE(html.find(figure), std::string::npos) << figure;
  }
}

TEST(HtmlReportTest, DrawsHistogramBarsAndTimelineLines) {
  const std::string html = render_html_report(full_report());
  EXPECT_EQ(count_of(html, "<rect class=\"bar\""), 3u);
  // frames, tasks, results, ok results; two lag topics; in flight; RSS.
  EXPECT_EQ(count_of(html, "<polyline"), 8u);
}

TEST(HtmlReportTest, EscapesStringsFromTheReport) {
  const std::string html = render_html_report(full_report());
  EXPECT_NE(html.find("&lt;b&gt;&amp;"), std::string::npos);
  EXPECT_EQ(html.find("<b>&"), std::string::npos);

  json report = full_report();
  report["processes"][0]["name"] = "a\"b'c";
  report["kafkaLag"] = {{"<topic>", {{"max", 1}}}};
  const std::string escaped = render_html_report(report);
  EXPECT_NE(escaped.find("a&quot;b&#39;c"), std::string::npos);
  EXPECT_NE(escaped.find("&lt;topic&gt;"), std::string::npos);
  EXPECT_EQ(escaped.find("<topic>"), std::string::npos);
}

TEST(HtmlReportTest, EmptyReportStillRendersAPage) {
  std::string html;
  ASSERT_NO_THROW(html = render_html_report(json::object()));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_NE(html.find("n/a"), std::string::npos);
}

TEST(HtmlReportTest, NonObjectReportStillRendersAPage) {
  for (const json& report : {json(), json::array({1, 2}), json("text"), json(3)}) {
    std::string html;
    ASSERT_NO_THROW(html = render_html_report(report)) << report.dump();
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  }
}

TEST(HtmlReportTest, MissingAndMistypedSectionsDoNotThrow) {
  json report = full_report();
  report.erase("latencyMs");
  report.erase("verdict");
  report.erase("capacity");
  report["counts"].erase("frames");
  report["api"]["successRate"] = "high";
  report["histogram"]["endToEndMs"] = {{{"leMs", "x"}}, 7, {{"count", "many"}}};
  report["timeline"] = {{{"t", 1}, {"frames", "x"}, {"lag", 3}}, "junk", {{"t", 2}}};
  report["processes"] = {{{"name", 1}}, nullptr};
  std::string html;
  ASSERT_NO_THROW(html = render_html_report(report));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("n/a"), std::string::npos);
  EXPECT_EQ(html.find("Verdict"), std::string::npos);
}

TEST(HtmlReportTest, SingleTimelinePointStillDrawsTimeline) {
  json report = full_report();
  report["timeline"] = {report["timeline"][0]};
  const std::string html = render_html_report(report);
  EXPECT_EQ(count_of(html, "<svg"), 2u);
  EXPECT_EQ(html.find("nan"), std::string::npos);
  EXPECT_EQ(html.find("inf\""), std::string::npos);
}

}  // namespace
}  // namespace tmon::bench
