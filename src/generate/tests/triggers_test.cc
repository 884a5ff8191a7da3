#include "generate/triggers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "generate/tests/scene_builder.h"

namespace tmon::generate {
namespace {

using testing::Actor;
using testing::object_of;

struct Measured {
  std::vector<messages::DetectedObject> objects;
  GroupMeasures measures;
};

// Measures one group made of all `actors`; `before` (1 s earlier) gives tracks.
Measured measure(const std::vector<Actor>& actors, const std::vector<Actor>& before = {},
                 double speed = 0, double density = 0) {
  Measured m;
  messages::TrafficGroup group;
  group.groupId = "g";
  group.features.speed = speed;
  group.features.density = density;
  for (const auto& a : actors) {
    m.objects.push_back(object_of(a));
    group.objectIds.push_back(a.id);
  }
  TrackHistory previous;
  for (const auto& a : before) previous[a.id] = {object_of(a).bbox, 1'000};
  std::vector<const messages::DetectedObject*> members;
  for (const auto& o : m.objects) members.push_back(&o);
  m.measures = measure_group(group, members, previous, 2'000, config::TaskTriggerConfig{});
  return m;
}

std::vector<Actor> scaled(std::vector<Actor> actors, double k) {
  for (auto& a : actors) {
    a.x *= k;
    a.y *= k;
    a.w *= k;
    a.h *= k;
  }
  return actors;
}

TEST(TriggersTest, NamesAreStableMetricLabels) {
  EXPECT_EQ(to_string(Trigger::kProximity), "proximity");
  EXPECT_EQ(to_string(Trigger::kClosing), "closing");
  EXPECT_EQ(to_string(Trigger::kTailgating), "tailgating");
  EXPECT_EQ(to_string(Trigger::kDensity), "density");
  EXPECT_EQ(to_string(Trigger::kCrowd), "crowd");
}

TEST(TriggersTest, GapsAreInObjectSizesSoScaleDoesNotMatter) {
  // A pedestrian (12x30 px, ~19 px "size") 6 px from a car: 0.32 sizes.
  const std::vector<Actor> near = {{1, "car", 100, 100}, {2, "person", 170, 100, 12, 30}};
  const auto small = measure(near).measures;
  const auto large = measure(scaled(near, 3)).measures;
  EXPECT_NEAR(small.person_vehicle_gap, 6 / std::sqrt(360.0), 1e-9);
  EXPECT_NEAR(large.person_vehicle_gap, small.person_vehicle_gap, 1e-9);
  const config::TaskTriggerConfig config;
  EXPECT_EQ(fired_triggers(small, config), std::vector<Trigger>{Trigger::kProximity});
  EXPECT_EQ(fired_triggers(large, config), std::vector<Trigger>{Trigger::kProximity});
  // 14 px (what a careful driver leaves in sim://) is 0.74 sizes: no trigger.
  const auto careful = measure({{1, "car", 100, 100}, {2, "person", 178, 100, 12, 30}}).measures;
  EXPECT_TRUE(fired_triggers(careful, config).empty());
}

TEST(TriggersTest, TailgatingIsAVehicleGapBelowAQuarterCar) {
  const config::TaskTriggerConfig config;
  EXPECT_EQ(fired_triggers(measure({{1, "car", 100, 100}, {2, "car", 168, 100}}).measures, config),
            std::vector<Trigger>{Trigger::kTailgating});  // 4 px
  EXPECT_TRUE(fired_triggers(measure({{1, "car", 100, 100}, {2, "car", 196, 100}}).measures, config)
                  .empty());  // 32 px: half a car
}

TEST(TriggersTest, ClosingNeedsTracksAndARealApproach) {
  const config::TaskTriggerConfig config;
  // A pedestrian walking at 30 px/s straight at a car 28 px away.
  const std::vector<Actor> now = {{1, "car", 100, 100}, {2, "person", 60, 100, 12, 30}};
  const std::vector<Actor> before = {{1, "car", 100, 100}, {2, "person", 30, 100, 12, 30}};
  const auto closing = measure(now, before).measures;
  EXPECT_EQ(closing.predicted_gap, 0);
  EXPECT_EQ(fired_triggers(closing, config), std::vector<Trigger>{Trigger::kClosing});
  EXPECT_TRUE(fired_triggers(measure(now).measures, config).empty());  // no tracks
  // Walking away instead.
  const std::vector<Actor> away = {{1, "car", 100, 100}, {2, "person", 90, 100, 12, 30}};
  EXPECT_TRUE(fired_triggers(measure(now, away).measures, config).empty());
  // A pixel of jitter on each of two standing objects is no approach.
  const std::vector<Actor> jitter = {{1, "car", 101, 100}, {2, "person", 59, 100, 12, 30}};
  EXPECT_LT(measure(now, jitter).measures.predicted_gap, 0);
}

TEST(TriggersTest, PassingInTheNextLaneIsNotClosing) {
  // Two cars in neighbouring lanes (26 px apart vertically) passing each
  // other at 60 px/s each: the gap never drops below the lane spacing.
  const std::vector<Actor> before = {{1, "car", 100, 100}, {2, "car", 400, 158}};
  const std::vector<Actor> now = {{1, "car", 160, 100}, {2, "car", 340, 158}};
  const auto m = measure(now, before).measures;
  EXPECT_GT(m.predicted_gap, config::TaskTriggerConfig{}.closing.max_gap);
  EXPECT_TRUE(fired_triggers(m, {}).empty());
}

TEST(TriggersTest, DensityAndCrowd) {
  std::vector<Actor> six;
  for (int i = 0; i < 6; ++i) six.push_back({i + 1, "car", i * 200.0, 0});
  EXPECT_EQ(fired_triggers(measure(six).measures, {}), std::vector<Trigger>{Trigger::kCrowd});
  six.pop_back();
  EXPECT_TRUE(fired_triggers(measure(six).measures, {}).empty());
  const std::vector<Actor> two = {{1, "car", 0, 0}, {2, "car", 200, 0}};
  EXPECT_EQ(fired_triggers(measure(two, {}, 0, 0.95).measures, {}),
            std::vector<Trigger>{Trigger::kDensity});
}

TEST(TriggersTest, FiredAreOrderedByPriorityAndZeroSwitchesOff) {
  // Four cars nose to tail, one pedestrian at the front: proximity,
  // tailgating and (a crowd being five here) crowd at once.
  const std::vector<Actor> actors = {{1, "car", 0, 0},
                                     {2, "car", 68, 0},
                                     {3, "car", 136, 0},
                                     {4, "car", 204, 0},
                                     {5, "person", 272, 0, 12, 30}};
  config::TaskTriggerConfig config;
  config.crowd.min_size = 5;
  const auto m = measure(actors, {}, 0, 0).measures;
  EXPECT_EQ(fired_triggers(m, config),
            (std::vector<Trigger>{Trigger::kProximity, Trigger::kTailgating, Trigger::kCrowd}));
  config.crowd.priority = 1000;
  config.proximity.max_gap = 0;
  EXPECT_EQ(fired_triggers(m, config),
            (std::vector<Trigger>{Trigger::kCrowd, Trigger::kTailgating}));
  EXPECT_EQ(priority_of(Trigger::kCrowd, config), 1000);
}

TEST(TriggersTest, DegenerateBoxesAndMissingMembersDoNotCrash) {
  const auto m = measure({{1, "car", 10, 10, 0, 0}, {2, "person", 10, 10, 0, 0}}).measures;
  EXPECT_LT(m.person_vehicle_gap, 0);
  EXPECT_TRUE(fired_triggers(m, {}).empty());
}

}  // namespace
}  // namespace tmon::generate
