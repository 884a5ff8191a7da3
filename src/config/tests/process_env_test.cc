#include <gtest/gtest.h>

#include <cstdlib>

#include "config/load.h"

namespace tmon::config {
namespace {

TEST(ProcessEnvTest, ReadsTheProcessEnvironment) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) GTEST_SKIP() << "PATH is not set";
  EXPECT_EQ(process_env()("PATH"), std::string(path));
}

TEST(ProcessEnvTest, UnsetVariableIsNullopt) {
  EXPECT_EQ(process_env()("TMON_CONFIG_TEST_SURELY_UNSET_VARIABLE"), std::nullopt);
}

TEST(ProcessEnvTest, IsTheDefaultLookupOfLoadOptions) {
  LoadOptions options;
  ASSERT_TRUE(options.env);
  EXPECT_EQ(options.env("TMON_CONFIG_TEST_SURELY_UNSET_VARIABLE"), std::nullopt);
}

}  // namespace
}  // namespace tmon::config
