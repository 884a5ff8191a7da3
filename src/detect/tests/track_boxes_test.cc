#include "detect/track_boxes.h"

#include <gtest/gtest.h>

namespace tmon::detect {
namespace {

const cv::Size kFrame(640, 360);

// A 70 x 32 car coming in at the left border at 100 px/s, seen 5 times a
// second: 60 px of it showed, now all of it, its rear 10 px in.
TEST(CleanEntryTest, WholeCarJustInIsACleanEntry) {
  const cv::Rect2d before(0, 150, 60, 32);
  const cv::Rect2d now(10, 150, 70, 32);
  EXPECT_TRUE(clean_entry(before, before, now, {100, 0}, 0.2, kFrame));
  // The same at the right border, coming in leftwards.
  const cv::Rect2d right_before(580, 150, 60, 32);
  const cv::Rect2d right_now(560, 150, 70, 32);
  EXPECT_TRUE(clean_entry(right_before, right_before, right_now, {-100, 0}, 0.2, kFrame));
  // And at the top, coming down.
  EXPECT_TRUE(
      clean_entry({300, 0, 12, 8}, {300, 0, 12, 20}, {300, 4, 12, 30}, {0, 50}, 0.2, kFrame));
}

// The same car merged with a tree's shadow over the lane edge as it comes
// in: the blob is taller and reaches above the car. No clean entry.
TEST(CleanEntryTest, CarMergedWithAShadowIsNone) {
  const cv::Rect2d before(0, 150, 60, 32);
  EXPECT_FALSE(clean_entry(before, before, {10, 120, 110, 62}, {100, 0}, 0.2, kFrame));
  // Nor a piece of the shadow on its own, nor the car's front half.
  EXPECT_FALSE(clean_entry(before, before, {40, 128, 50, 22}, {100, 0}, 0.2, kFrame));
  EXPECT_FALSE(clean_entry(before, before, {45, 150, 35, 32}, {100, 0}, 0.2, kFrame));
  // Merged with the shadow since the last frames in: as tall as the last
  // cut box, but not as the car came in.
  EXPECT_FALSE(clean_entry(before, {0, 126, 100, 56}, {10, 126, 110, 56}, {100, 0}, 0.2, kFrame));
  // A blob whose inner edge jumped ahead (something in front merged in).
  EXPECT_FALSE(clean_entry(before, before, {10, 150, 120, 32}, {100, 0}, 0.2, kFrame));
}

TEST(CleanEntryTest, LeavingOrStillCutIsNone) {
  // Going out at the left border: the inner edge moves towards it.
  EXPECT_FALSE(
      clean_entry({0, 150, 60, 32}, {0, 150, 60, 32}, {10, 150, 70, 32}, {-100, 0}, 0.2, kFrame));
  // Still touching the border.
  EXPECT_FALSE(
      clean_entry({0, 150, 60, 32}, {0, 150, 60, 32}, {0, 150, 80, 32}, {100, 0}, 0.2, kFrame));
  // In a corner (cut on both axes): which edge is inner is not known.
  EXPECT_FALSE(
      clean_entry({0, 0, 60, 32}, {0, 0, 60, 32}, {10, 4, 70, 36}, {100, 20}, 0.2, kFrame));
  // Not cut before.
  EXPECT_FALSE(
      clean_entry({20, 150, 70, 32}, {20, 150, 70, 32}, {40, 150, 70, 32}, {100, 0}, 0.2, kFrame));
}

// A car going out at the left border in the lower lane, and the box a
// track of it matched next: another car coming in there in the upper lane
// is someone else (its track's motion is not this one's); the same car,
// shorter by what went out, is the same.
TEST(SamePlaceAcrossTest, AnotherLaneAtTheBorderIsSomeoneElse) {
  const cv::Rect2d going_out(0, 250, 40, 33);
  EXPECT_TRUE(same_place_across(going_out, {0, 250, 20, 33}, kFrame));
  EXPECT_FALSE(same_place_across(going_out, {0, 129, 20, 42}, kFrame));
  EXPECT_FALSE(same_place_across(going_out, {0, 240, 20, 50}, kFrame));  // merged with more
  // Not cut (or cut in a corner): nothing to hold it to.
  EXPECT_TRUE(same_place_across({100, 250, 70, 33}, {120, 129, 70, 42}, kFrame));
  EXPECT_TRUE(same_place_across({0, 0, 40, 33}, {0, 100, 20, 42}, kFrame));
}

}  // namespace
}  // namespace tmon::detect
