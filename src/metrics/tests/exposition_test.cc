#include "metrics/exposition.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>

namespace tmon::metrics {
namespace {

TEST(ExpositionTest, SerializesInPrometheusTextFormat) {
  prometheus::Registry registry;
  auto& family = prometheus::BuildCounter().Name("detection_total").Help("Frames analysed").Register(registry);
  family.Add({{"camera_id", "cam-01"}}).Increment(3);
  const std::string text = serialize(registry);
  EXPECT_NE(text.find("# TYPE detection_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("detection_total{camera_id=\"cam-01\"} 3"), std::string::npos) << text;
}

}  // namespace
}  // namespace tmon::metrics
