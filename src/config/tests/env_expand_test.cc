#include "config/env_expand.h"

#include <gtest/gtest.h>

#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::fake_env;

std::string expand_ok(std::string_view text, const EnvLookup& env) {
  auto result = expand_env(text, env);
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
  return result.value_or("<error>");
}

TEST(ExpandEnvTest, ReplacesSetVariable) {
  EXPECT_EQ(expand_ok("key-${NAME}-end", fake_env({{"NAME", "v"}})), "key-v-end");
}

TEST(ExpandEnvTest, UnsetVariableBecomesEmpty) {
  EXPECT_EQ(expand_ok("${MISSING}", fake_env()), "");
}

TEST(ExpandEnvTest, DefaultAppliesWhenUnsetOrEmpty) {
  EXPECT_EQ(expand_ok("${QPS:-10}", fake_env()), "10");
  EXPECT_EQ(expand_ok("${QPS:-10}", fake_env({{"QPS", ""}})), "10");
  EXPECT_EQ(expand_ok("${QPS:-10}", fake_env({{"QPS", "3"}})), "3");
  EXPECT_EQ(expand_ok("${TOKEN:-}", fake_env()), "");
}

TEST(ExpandEnvTest, ExpandsSeveralReferences) {
  EXPECT_EQ(expand_ok("${HOST}:${PORT:-9092}", fake_env({{"HOST", "kafka"}})), "kafka:9092");
}

TEST(ExpandEnvTest, DoubleDollarIsLiteralDollar) {
  EXPECT_EQ(expand_ok("pa$$word ${X}", fake_env({{"X", "y"}})), "pa$word y");
  EXPECT_EQ(expand_ok("$${NOT_EXPANDED}", fake_env({{"NOT_EXPANDED", "v"}})), "${NOT_EXPANDED}");
}

TEST(ExpandEnvTest, LoneDollarIsKept) {
  EXPECT_EQ(expand_ok("cost $5 and $", fake_env()), "cost $5 and $");
}

TEST(ExpandEnvTest, UnterminatedReferenceIsAnError) {
  auto result = expand_env("${DASHSCOPE_API_KEY", fake_env());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "expected a closing \"}\" after \"${\"");
}

TEST(ExpandEnvTest, InvalidVariableNameIsAnError) {
  EXPECT_FALSE(expand_env("${}", fake_env()));
  EXPECT_FALSE(expand_env("${1ABC}", fake_env()));
  EXPECT_FALSE(expand_env("${A-B}", fake_env()));
}

TEST(ExpandEnvTest, MissingLookupMeansEmptyEnvironment) {
  EXPECT_EQ(expand_ok("${X:-d}", EnvLookup()), "d");
}

}  // namespace
}  // namespace tmon::config
