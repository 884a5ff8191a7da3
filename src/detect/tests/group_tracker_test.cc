#include "detect/group_tracker.h"

#include <gtest/gtest.h>

namespace tmon::detect {
namespace {

TEST(GroupTrackerTest, GroupKeepsItsIdWhileMembersOverlap) {
  GroupTracker groups("cam");
  const auto first = groups.assign({{1, 2}, {7, 8}});
  EXPECT_EQ(first, (std::vector<std::string>{"cam-g1", "cam-g2"}));
  // Member 3 joins the first group, 7 leaves the second: both keep their ids.
  EXPECT_EQ(groups.assign({{8, 9}, {1, 2, 3}}), (std::vector<std::string>{"cam-g2", "cam-g1"}));
  // Entirely new members: a new group.
  EXPECT_EQ(groups.assign({{20, 21}}), (std::vector<std::string>{"cam-g3"}));
}

TEST(GroupTrackerTest, ASplitGroupKeepsItsIdOnTheLargerPart) {
  GroupTracker groups("cam");
  groups.assign({{1, 2, 3, 4, 5}});
  EXPECT_EQ(groups.assign({{1, 2}, {3, 4, 5}}), (std::vector<std::string>{"cam-g2", "cam-g1"}));
}

TEST(GroupTrackerTest, MergedGroupsKeepOneId) {
  GroupTracker groups("cam");
  groups.assign({{1, 2}, {3, 4, 5}});
  EXPECT_EQ(groups.assign({{1, 2, 3, 4, 5}}), (std::vector<std::string>{"cam-g2"}));
}

}  // namespace
}  // namespace tmon::detect
