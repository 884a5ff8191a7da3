#include "config/scalar.h"

#include <gtest/gtest.h>

namespace tmon::config {
namespace {

TEST(ParseIntTest, AcceptsSignedDecimals) {
  EXPECT_EQ(parse_int64("42"), 42);
  EXPECT_EQ(parse_int64("-1"), -1);
  EXPECT_EQ(parse_int64("+7"), 7);
  EXPECT_EQ(parse_int64("86400000"), 86400000);
}

TEST(ParseIntTest, RejectsTrailingUnitsFractionsAndBlanks) {
  EXPECT_FALSE(parse_int64("10s"));
  EXPECT_FALSE(parse_int64("1.5"));
  EXPECT_FALSE(parse_int64(" 1"));
  EXPECT_FALSE(parse_int64(""));
  EXPECT_FALSE(parse_int64("+-1"));
  EXPECT_FALSE(parse_int64("abc"));
}

TEST(ParseIntTest, IntRejectsValuesBeyond32Bits) {
  EXPECT_EQ(parse_int("2147483647"), 2147483647);
  EXPECT_FALSE(parse_int("2147483648"));
}

TEST(ParseDoubleTest, AcceptsIntegersFractionsAndExponents) {
  EXPECT_EQ(parse_double("5"), 5.0);
  EXPECT_EQ(parse_double("0.25"), 0.25);
  EXPECT_EQ(parse_double("1e3"), 1000.0);
  EXPECT_EQ(parse_double("-2.5"), -2.5);
}

TEST(ParseDoubleTest, RejectsNonFiniteAndGarbage) {
  EXPECT_FALSE(parse_double("inf"));
  EXPECT_FALSE(parse_double("nan"));
  EXPECT_FALSE(parse_double("fast"));
  EXPECT_FALSE(parse_double("1.5x"));
}

TEST(ParseBoolTest, AcceptsYamlSpellings) {
  EXPECT_EQ(parse_bool("true"), true);
  EXPECT_EQ(parse_bool("True"), true);
  EXPECT_EQ(parse_bool("yes"), true);
  EXPECT_EQ(parse_bool("on"), true);
  EXPECT_EQ(parse_bool("false"), false);
  EXPECT_EQ(parse_bool("NO"), false);
  EXPECT_EQ(parse_bool("off"), false);
}

TEST(ParseBoolTest, RejectsNumbersAndOtherWords) {
  EXPECT_FALSE(parse_bool("1"));
  EXPECT_FALSE(parse_bool("enabled"));
  EXPECT_FALSE(parse_bool(""));
}

TEST(FormatNumberTest, UsesShortestRoundTripForm) {
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(60), "60");
  EXPECT_EQ(format_number(1.8), "1.8");
}

}  // namespace
}  // namespace tmon::config
