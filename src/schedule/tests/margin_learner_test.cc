#include "schedule/margin_learner.h"

#include <gtest/gtest.h>

namespace tmon::schedule {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kT0 = 1'700'000'000'000;

MarginSettings settings() {
  return {milliseconds(10), milliseconds(250), milliseconds(600'000), 100};
}

TEST(MarginLearnerTest, StartsAtTheFloor) {
  MarginLearner learner(settings());
  EXPECT_EQ(learner.current(kT0), milliseconds(10));
}

TEST(MarginLearnerTest, UnpredictedRateLimitDoublesTheMarginItWasSentWith) {
  MarginLearner learner(settings());
  EXPECT_TRUE(learner.on_unpredicted_429(milliseconds(10), kT0));
  EXPECT_EQ(learner.current(kT0), milliseconds(20));
  // Requests sent before the lesson teach nothing new.
  EXPECT_FALSE(learner.on_unpredicted_429(milliseconds(10), kT0 + 5));
  EXPECT_EQ(learner.current(kT0 + 5), milliseconds(20));
  EXPECT_TRUE(learner.on_unpredicted_429(milliseconds(20), kT0 + 10));
  EXPECT_EQ(learner.current(kT0 + 10), milliseconds(40));
}

TEST(MarginLearnerTest, AMarginThatHeldGrowsByAFewPercentOnly) {
  MarginLearner learner(settings());
  learner.on_unpredicted_429(milliseconds(10), kT0);
  learner.on_unpredicted_429(milliseconds(20), kT0);  // 40 ms
  for (int i = 0; i < 99; ++i) learner.observe_spread(milliseconds(1));
  // 99 sends held: still searching, doubles.
  MarginLearner searching = learner;
  EXPECT_TRUE(searching.on_unpredicted_429(milliseconds(40), kT0));
  EXPECT_EQ(searching.current(kT0), milliseconds(80));
  // 100 held: the tail of the spread, 5%.
  learner.observe_spread(milliseconds(1));
  EXPECT_TRUE(learner.on_unpredicted_429(milliseconds(40), kT0));
  EXPECT_EQ(learner.current(kT0), milliseconds(42));
}

TEST(MarginLearnerTest, TheFirstRateLimitAtTheFloorDoubles) {
  MarginLearner learner(settings());
  for (int i = 0; i < 1'000; ++i) learner.observe_spread(milliseconds(1));
  // A floor that "held" a thousand sends was never learned: the first lesson doubles.
  EXPECT_TRUE(learner.on_unpredicted_429(milliseconds(10), kT0));
  EXPECT_EQ(learner.current(kT0), milliseconds(20));
}

TEST(MarginLearnerTest, NeverGrowsPastTheMaximum) {
  MarginLearner learner(settings());
  Millis margin = learner.current(kT0);
  for (int i = 0; i < 10; ++i) {
    learner.on_unpredicted_429(margin, kT0);
    margin = learner.current(kT0);
  }
  EXPECT_EQ(margin, milliseconds(250));
  EXPECT_FALSE(learner.on_unpredicted_429(margin, kT0));
}

TEST(MarginLearnerTest, LearnedPartHalvesEveryHalfLife) {
  MarginLearner learner(settings());
  learner.on_unpredicted_429(milliseconds(10), kT0);
  learner.on_unpredicted_429(milliseconds(20), kT0);
  learner.on_unpredicted_429(milliseconds(40), kT0);  // 80 ms: 10 floor + 70 learned
  EXPECT_EQ(learner.current(kT0 + 600'000), milliseconds(45));
  EXPECT_EQ(learner.current(kT0 + 1'200'000), milliseconds(28));  // 10 + 17.5, rounded up
}

TEST(MarginLearnerTest, PermitToSendSpreadAboveTheFloorWidensTheMargin) {
  MarginLearner learner(settings());
  for (int i = 0; i < 256; ++i) learner.observe_spread(milliseconds(i % 100 == 0 ? 50 : 2));
  // Three of 256 at 50 ms: the 99th percentile is 50, above the floor.
  EXPECT_EQ(learner.current(kT0), milliseconds(50));
  learner.observe_spread(milliseconds(2));            // one of the three leaves the last 256
  EXPECT_EQ(learner.current(kT0), milliseconds(10));  // 2 ms is within the floor
}

TEST(MarginLearnerTest, AdoptsASharedLessonWhenItAsksForMore) {
  MarginLearner learner(settings());
  learner.adopt({30, kT0}, kT0);
  EXPECT_EQ(learner.current(kT0), milliseconds(40));
  learner.adopt({5, kT0}, kT0);  // less: ours stands
  EXPECT_EQ(learner.current(kT0), milliseconds(40));
  EXPECT_EQ(learner.learned(), (LearnedMargin{30, kT0}));
}

}  // namespace
}  // namespace tmon::schedule
