#include "config/checks.h"

#include <gtest/gtest.h>

namespace tmon::config {
namespace {

TEST(ChecksTest, IntAtLeastIncludesItsBound) {
  const auto check = int_at_least(1);
  EXPECT_TRUE(check.ok(1));
  EXPECT_FALSE(check.ok(0));
  EXPECT_EQ(check.expected, "an integer >= 1");
}

TEST(ChecksTest, IntBetweenIsInclusive) {
  const auto check = int_between(1, 100);
  EXPECT_TRUE(check.ok(1));
  EXPECT_TRUE(check.ok(100));
  EXPECT_FALSE(check.ok(0));
  EXPECT_FALSE(check.ok(101));
  EXPECT_EQ(check.expected, "an integer 1..100");
}

TEST(ChecksTest, PortAllowsZeroForAnyFreePort) {
  const auto check = port();
  EXPECT_TRUE(check.ok(0));
  EXPECT_TRUE(check.ok(65535));
  EXPECT_FALSE(check.ok(65536));
  EXPECT_FALSE(check.ok(-1));
  EXPECT_EQ(check.expected, "a port 0..65535");
}

TEST(ChecksTest, RetentionAllowsMinusOneForUnlimited) {
  const auto check = retention();
  EXPECT_TRUE(check.ok(-1));
  EXPECT_TRUE(check.ok(1));
  EXPECT_FALSE(check.ok(0));
  EXPECT_FALSE(check.ok(-2));
}

TEST(ChecksTest, NumberAboveExcludesItsBound) {
  const auto check = number_above(0);
  EXPECT_TRUE(check.ok(0.001));
  EXPECT_FALSE(check.ok(0));
  EXPECT_EQ(check.expected, "a number > 0");
}

TEST(ChecksTest, NumberBetweenSpellsFractionsShortly) {
  const auto check = number_between(0, 0.5);
  EXPECT_TRUE(check.ok(0.5));
  EXPECT_FALSE(check.ok(0.51));
  EXPECT_EQ(check.expected, "a number 0..0.5");
}

TEST(ChecksTest, OneOfListsTheAllowedValues) {
  const auto check = one_of({"all", "-1", "0", "1"});
  EXPECT_TRUE(check.ok("-1"));
  EXPECT_FALSE(check.ok("2"));
  EXPECT_EQ(check.expected, "one of all, -1, 0, 1");
}

TEST(ChecksTest, LogLevelAcceptsSpdlogNames) {
  const auto check = log_level();
  for (const char* level :
       {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"}) {
    EXPECT_TRUE(check.ok(level)) << level;
  }
  EXPECT_FALSE(check.ok("verbose"));
  EXPECT_FALSE(check.ok("INFO"));
}

}  // namespace
}  // namespace tmon::config
