#include <gtest/gtest.h>

#include "config/load.h"

namespace tmon::config {
namespace {

TEST(DiagnosticTest, FormatsFileLineKeyAndMessage) {
  Diagnostic d{"config/api_keys.yaml", 12, "scheduler.queue_size", "unknown key"};
  EXPECT_EQ(d.to_string(), "config/api_keys.yaml:12: scheduler.queue_size: unknown key");
}

TEST(DiagnosticTest, OmitsLineWhenZero) {
  Diagnostic d{"config/api_keys.yaml", 0, "api_keys[0].key", "empty"};
  EXPECT_EQ(d.to_string(), "config/api_keys.yaml: api_keys[0].key: empty");
}

TEST(DiagnosticTest, OmitsKeyWhenEmpty) {
  Diagnostic d{"config/kafka.yaml", 3, "", "illegal map value"};
  EXPECT_EQ(d.to_string(), "config/kafka.yaml:3: illegal map value");
}

}  // namespace
}  // namespace tmon::config
