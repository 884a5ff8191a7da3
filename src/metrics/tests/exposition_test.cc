#include "metrics/exposition.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>

namespace tmon::metrics {
namespace {

TEST(ExpositionTest, SerializesInPrometheusTextFormat) {
  prometheus::Registry registry;
  auto& family =
      prometheus::BuildCounter().Name("detection_total").Help("Frames analysed").Register(registry);
  family.Add({{"camera_id", "cam-01"}}).Increment(3);
  const std::string text = serialize(registry);
  EXPECT_NE(text.find("# TYPE detection_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("detection_total{camera_id=\"cam-01\"} 3"), std::string::npos) << text;
}

TEST(ScrapeHooksTest, HooksRunInOrderBeforeEachScrape) {
  ScrapeHooks hooks;
  std::vector<int> ran;
  hooks.add([&ran] { ran.push_back(1); });
  hooks.add([&ran] { ran.push_back(2); });
  hooks.run();
  hooks.run();
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 1, 2}));
}

TEST(AdvanceCounterTest, FollowsARunningTotalAndNeverGoesDown) {
  prometheus::Registry registry;
  auto& counter =
      prometheus::BuildCounter().Name("things_total").Help("Things").Register(registry).Add({});
  advance_counter(counter, 5);
  EXPECT_EQ(counter.Value(), 5);
  advance_counter(counter, 7);
  EXPECT_EQ(counter.Value(), 7);
  advance_counter(counter, 2);  // the source restarted
  EXPECT_EQ(counter.Value(), 7);
}

}  // namespace
}  // namespace tmon::metrics
