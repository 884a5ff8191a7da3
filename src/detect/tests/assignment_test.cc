#include "detect/assignment.h"

#include <gtest/gtest.h>

#include <limits>

namespace tmon::detect {
namespace {

constexpr double kNo = std::numeric_limits<double>::infinity();

TEST(AssignMinCostTest, FindsTheCheapestWholeNotTheCheapestPair) {
  // Greedy would take (0,0)=1 and be left with (1,1)=10; the best is 2 + 3.
  EXPECT_EQ(assign_min_cost({{1, 2}, {3, 10}}), (std::vector<int>{1, 0}));
}

TEST(AssignMinCostTest, LeavesRowsWithOnlyInfeasibleColumnsUnmatched) {
  EXPECT_EQ(assign_min_cost({{kNo, kNo}, {1, 5}}), (std::vector<int>{-1, 0}));
}

TEST(AssignMinCostTest, HandlesRectangularProblems) {
  EXPECT_EQ(assign_min_cost({{4, 1, 3}}), (std::vector<int>{1}));
  EXPECT_EQ(assign_min_cost({{2}, {1}, {3}}), (std::vector<int>{-1, 0, -1}));
  EXPECT_TRUE(assign_min_cost({}).empty());
}

}  // namespace
}  // namespace tmon::detect
