#include "generate/task_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "common/clock.h"
#include "generate/tests/scene_builder.h"

namespace tmon::generate {
namespace {

using testing::Actor;
using testing::ids_of;
using testing::make_frame;
using testing::queue_of_cars;

constexpr int64_t kStart = 1'000'000;
constexpr int64_t kFrameMs = 1'800;  // detect's default frame interval

// Every first sight at once and deferrable reasons waiting up to 5.4 s:
// the policy most scenes below were written for. The shipped quiet first
// sights and longer wait have tests of their own (CallEconomyTest).
config::TaskConfig at_once(config::TaskConfig config = {}) {
  config.dedup.quiet_news_waits = false;
  config.dedup.coalesce_seconds = 5.4;
  return config;
}

// Queues of four are a crowd here (shipped: six), to keep the scenes small.
config::TaskConfig crowd_of_four() {
  config::TaskConfig config = at_once();
  config.triggers.crowd.min_size = 4;
  return config;
}

messages::DetectionResult frame_with_groups() {
  // g-a: two cars and a pedestrian 5 px from one of them (proximity);
  // g-b: too small; g-c: no crop; g-d: two cars far apart (no trigger).
  const std::vector<Actor> actors = {
      {1, "car", 100, 100}, {2, "car", 200, 100}, {5, "person", 169, 100, 12, 30},
      {3, "car", 400, 100}, {4, "car", 480, 100}, {6, "car", 400, 250},
      {7, "car", 500, 250}};
  auto frame = make_frame("cam-01", 42, kStart, actors,
                          {{"g-a", {1, 2, 5}}, {"g-b", {3}}, {"g-c", {3, 4}}, {"g-d", {6, 7}}});
  frame.requestId = "cam-01-42";
  frame.groupImages[2].imageBase64.clear();
  return frame;
}

TEST(TaskGeneratorTest, OneTaskPerTriggeredGroupWithAnImage) {
  TaskGenerator generator(at_once());  // max_age 10 s, min_group_size 2
  const auto outcome = generator.process(frame_with_groups(), kStart + 500);
  // g-b is too small; g-c has no image to show the model; g-d fires nothing.
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(outcome.groups.size(), 2u);  // eligible: g-a and g-d
  EXPECT_EQ(outcome.untriggered, 1);
  const auto& task = outcome.tasks[0];
  EXPECT_EQ(task.taskId, "cam-01-42:g-a");
  EXPECT_EQ(task.groupId, "g-a");
  EXPECT_EQ(task.imageBase64, "QUFB");
  EXPECT_EQ(task.captureTs, kStart);
  EXPECT_EQ(task.createdTs, kStart + 500);
  EXPECT_EQ(task.deadlineTs, kStart + 10'000);
  EXPECT_EQ(task.priority, config::TaskTriggerConfig{}.proximity.priority);
  EXPECT_EQ(task.frameTaskCount, 1);
  ASSERT_EQ(task.objects.size(), 3u);
  EXPECT_EQ(task.objects[2].className, "person");
  EXPECT_EQ(outcome.groups[0].fired.front(), Trigger::kProximity);
}

TEST(TaskGeneratorTest, SameFrameSameTaskIds) {
  TaskGenerator a(at_once());
  TaskGenerator b(at_once());
  EXPECT_EQ(a.process(frame_with_groups(), 1).tasks.at(0).taskId,
            b.process(frame_with_groups(), 2).tasks.at(0).taskId);
}

TEST(TaskGeneratorTest, FrameWithoutGroupsYieldsNothing) {
  TaskGenerator generator(at_once());
  messages::DetectionResult frame;
  frame.cameraId = "cam";
  EXPECT_TRUE(generator.process(frame, 0).tasks.empty());
}

TEST(TaskGeneratorTest, FrameTaskCountIsTheTasksActuallyEmitted) {
  TaskGenerator generator(at_once());
  // Two proximity groups and one untriggered one.
  const std::vector<Actor> actors = {{1, "car", 100, 100}, {2, "person", 168, 100, 12, 30},
                                     {3, "car", 300, 100}, {4, "person", 368, 100, 12, 30},
                                     {5, "car", 100, 250}, {6, "car", 300, 250}};
  const auto outcome = generator.process(
      make_frame("cam", 1, kStart, actors, {{"a", {1, 2}}, {"b", {3, 4}}, {"c", {5, 6}}}), 0);
  ASSERT_EQ(outcome.tasks.size(), 2u);
  for (const auto& task : outcome.tasks) EXPECT_EQ(task.frameTaskCount, 2);
}

TEST(TaskGeneratorTest, StandingQueueMakesOneTaskNotRepeatedWithinTheInterval) {
  TaskGenerator generator(at_once());      // crowd: 6 members; interval 10 s
  const auto cars = queue_of_cars(6, 32);  // a normal gap: half a car
  std::vector<int64_t> task_frames;
  int deduplicated = 0;
  for (int i = 0; i < 20; ++i) {
    const int64_t ts = kStart + i * kFrameMs;
    const auto outcome =
        generator.process(make_frame("cam", i, ts, cars, {{"queue", ids_of(cars)}}), ts);
    deduplicated += outcome.deduplicated;
    for (const auto& task : outcome.tasks) {
      EXPECT_EQ(task.priority, config::TaskTriggerConfig{}.crowd.priority);
      task_frames.push_back(i);
    }
  }
  // Assessed at once; 10 s later (frame 6, 10.8 s) a refresh is due, which
  // may wait dedup.coalesce_seconds (5.4 s) for a call the camera makes
  // anyway; none comes, so it goes out when the wait ends, at frame 9 (16.2 s),
  // and the next at frame 18: 3 calls instead of 20.
  EXPECT_EQ(task_frames, (std::vector<int64_t>{0, 9, 18}));
  EXPECT_EQ(deduplicated, 11);
}

TEST(TaskGeneratorTest, WithoutCoalescingARefreshGoesOutInItsFrame) {
  config::TaskConfig config = at_once();
  config.dedup.coalesce_seconds = 0;
  TaskGenerator generator(config);
  const auto cars = queue_of_cars(6, 32);
  std::vector<int64_t> task_frames;
  for (int i = 0; i < 20; ++i) {
    const int64_t ts = kStart + i * kFrameMs;
    const auto outcome =
        generator.process(make_frame("cam", i, ts, cars, {{"queue", ids_of(cars)}}), ts);
    if (!outcome.tasks.empty()) task_frames.push_back(i);
  }
  EXPECT_EQ(task_frames, (std::vector<int64_t>{0, 6, 12, 18}));
}

TEST(TaskGeneratorTest, TwoCarsAtANormalDistanceFireNothing) {
  TaskGenerator generator(at_once());
  const auto cars = queue_of_cars(2, 32);
  const auto outcome = generator.process(make_frame("cam", 0, kStart, cars, {{"g", {1, 2}}}), 0);
  EXPECT_TRUE(outcome.tasks.empty());
  EXPECT_EQ(outcome.untriggered, 1);
}

TEST(TaskGeneratorTest, PedestrianClosingOnACarIsAssessedAtOnceDespiteARecentAssessment) {
  TaskGenerator generator(crowd_of_four());
  auto actors = queue_of_cars(3, 32);                // cars 1..3; the first spans x 100..164
  actors.push_back({9, "person", 30, 150, 12, 30});  // 58 px left of the first car
  const std::vector<int> members = {1, 2, 3, 9};

  // Frame 0: a crowd of four, assessed; frame 1: nothing changed, no task.
  auto outcome = generator.process(make_frame("cam", 0, kStart, actors, {{"g", members}}), 0);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(outcome.groups[0].fired.front(), Trigger::kCrowd);
  outcome = generator.process(make_frame("cam", 1, kStart + 1000, actors, {{"g", members}}), 0);
  EXPECT_TRUE(outcome.tasks.empty());
  EXPECT_EQ(outcome.deduplicated, 1);

  // Frame 2, one second later: the pedestrian walked 30 px towards the car.
  // At that pace it reaches the car within the 2 s horizon: closing fires,
  // a higher trigger than the crowd's, which beats the refresh period.
  actors.back().x += 30;
  outcome = generator.process(make_frame("cam", 2, kStart + 2000, actors, {{"g", members}}), 0);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(outcome.groups[0].fired.front(), Trigger::kClosing);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kEscalated);
  EXPECT_EQ(outcome.tasks[0].priority, config::TaskTriggerConfig{}.closing.priority);

  // Frame 3: 4 px from the car: proximity, again at once.
  actors.back().x = 100 - 4 - 12;
  outcome = generator.process(make_frame("cam", 3, kStart + 3000, actors, {{"g", members}}), 0);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(outcome.groups[0].fired.front(), Trigger::kProximity);
  EXPECT_EQ(outcome.tasks[0].priority, config::TaskTriggerConfig{}.proximity.priority);

  // Frame 4: standing there: assessed a second ago, nothing new.
  outcome = generator.process(make_frame("cam", 4, kStart + 4000, actors, {{"g", members}}), 0);
  EXPECT_TRUE(outcome.tasks.empty());
  EXPECT_EQ(outcome.deduplicated, 1);
}

// Membership by groupId, each reason in its own frame: the policy before
// track identity and coalescing, still available.
config::TaskConfig by_group_id_each_frame() {
  config::TaskConfig config = crowd_of_four();
  config.dedup.track_identity = false;
  config.dedup.coalesce_seconds = 0;
  return config;
}

TEST(TaskGeneratorTest, MembersJoiningOrLeavingForGoodAreReassessed) {
  TaskGenerator generator(by_group_id_each_frame());
  auto cars = queue_of_cars(4, 32);
  auto run = [&](int i) {
    const int64_t ts = kStart + i * kFrameMs;
    return generator.process(make_frame("cam", i, ts, cars, {{"queue", ids_of(cars)}}), ts);
  };
  EXPECT_EQ(run(0).tasks.size(), 1u);
  EXPECT_EQ(run(1).tasks.size(), 0u);
  cars.push_back({10, "car", 100 + 4 * 96, 150});  // a fifth car joins the queue...
  EXPECT_EQ(run(2).tasks.size(), 0u);
  auto outcome = run(3);  // ...and is still there one analysed frame later
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kMembersChanged);
  cars.erase(cars.begin());  // the first one leaves
  EXPECT_EQ(run(4).tasks.size(), 0u);
  outcome = run(5);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kMembersChanged);
}

TEST(TaskGeneratorTest, SpeedChangeIsReassessedWhenSwitchedOn) {
  config::TaskConfig config = by_group_id_each_frame();
  config.dedup.speed_change = 0.5;
  TaskGenerator generator(config);
  const auto cars = queue_of_cars(4, 32);
  auto run = [&](int i, double speed) {
    const int64_t ts = kStart + i * kFrameMs;
    return generator.process(make_frame("cam", i, ts, cars, {{"q", ids_of(cars), speed}}), ts);
  };
  EXPECT_EQ(run(0, 0).tasks.size(), 1u);
  EXPECT_EQ(run(1, 10).tasks.size(), 0u);  // 10 px/s is 0.22 car sizes per second
  const auto outcome = run(2, 40);         // 0.88 sizes per second faster than when assessed
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kSpeedChanged);
}

TEST(TaskGeneratorTest, IntervalIsCaptureTimeNotWallTime) {
  TaskGenerator generator(crowd_of_four());
  const auto cars = queue_of_cars(4, 32);
  const auto frame = [&](int i) {
    return make_frame("cam", i, kStart + i * 100, cars, {{"q", ids_of(cars)}});
  };
  EXPECT_EQ(generator.process(frame(0), 0).tasks.size(), 1u);
  // Processed a minute later (a lagging consumer), captured 100 ms later.
  EXPECT_EQ(generator.process(frame(1), 60'000).tasks.size(), 0u);
}

TEST(TaskGeneratorTest, ReplayedFramesAreAssessedAgainWithTheSameTaskIds) {
  TaskGenerator generator(crowd_of_four());
  const auto cars = queue_of_cars(4, 32);
  const auto frame = [&](int i) {
    return make_frame("cam", i, kStart + i * kFrameMs, cars, {{"q", ids_of(cars)}});
  };
  const auto first = generator.process(frame(0), 0);
  ASSERT_EQ(first.tasks.size(), 1u);
  generator.process(frame(1), 0);
  generator.process(frame(2), 0);
  // After a restart or rebalance the uncommitted frames come again: the
  // earlier capture time resets the camera instead of suppressing them.
  const auto replay = generator.process(frame(0), 0);
  ASSERT_EQ(replay.tasks.size(), 1u);
  EXPECT_EQ(replay.tasks[0].taskId, first.tasks[0].taskId);
}

TEST(TaskGeneratorTest, CamerasAreIndependentAndBounded) {
  config::TaskConfig config = crowd_of_four();
  config.dedup.max_cameras = 2;
  TaskGenerator generator(config);
  const auto cars = queue_of_cars(4, 32);
  for (const char* camera : {"a", "b", "c"}) {
    const auto outcome =
        generator.process(make_frame(camera, 0, kStart, cars, {{"q", ids_of(cars)}}), 0);
    EXPECT_EQ(outcome.tasks.size(), 1u) << camera;  // groupIds are per camera
  }
  EXPECT_EQ(generator.cameras(), 2u);
  generator.forget_camera("c");
  EXPECT_EQ(generator.cameras(), 1u);
}

TEST(TaskGeneratorTest, ClosingComesFromTheSameObjectsInConsecutiveFrames) {
  TaskGenerator generator(at_once());
  // A car driving at 40 px/s towards a standing one, 60 px away.
  std::vector<Actor> actors = {{1, "car", 100, 150}, {2, "car", 224, 150}};
  auto outcome = generator.process(make_frame("cam", 0, kStart, actors, {{"g", {1, 2}}}), 0);
  EXPECT_TRUE(outcome.tasks.empty());  // no track yet: no velocity
  actors[0].x += 40;
  outcome = generator.process(make_frame("cam", 1, kStart + 1000, actors, {{"g", {1, 2}}}), 0);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(outcome.groups[0].fired.front(), Trigger::kClosing);
  // The same positions under new object ids are no track: nothing closes.
  TaskGenerator fresh(at_once());
  std::vector<Actor> renamed = {{7, "car", 100, 150}, {8, "car", 224, 150}};
  fresh.process(make_frame("cam", 0, kStart, renamed, {{"g", {7, 8}}}), 0);
  renamed = {{9, "car", 140, 150}, {10, "car", 224, 150}};
  EXPECT_TRUE(fresh.process(make_frame("cam", 1, kStart + 1000, renamed, {{"g", {9, 10}}}), 0)
                  .tasks.empty());
}

// A frame whose group carries detection's safety measures: `moving` members
// drive at 60 px/s, the others stand; `conflicts` are flagged pairs.
messages::DetectionResult frame_with_safety(int64_t ts, const std::vector<Actor>& actors,
                                            const std::vector<int>& moving,
                                            const std::vector<std::pair<int, int>>& conflicts,
                                            double ttc = 1.0) {
  std::vector<int> members = ids_of(actors);
  auto frame = make_frame("cam", ts, ts, actors, {{"g", members}});
  auto& safety = frame.trafficGroups[0].safety;
  for (int id : members) {
    const bool moves = std::find(moving.begin(), moving.end(), id) != moving.end();
    safety.members.push_back({id, moves ? 60.0 : 0.0, 0, moves ? 60.0 : 0.0, 0});
  }
  for (const auto& [a, b] : conflicts) {
    safety.pairs.push_back({a, b, ttc, -1, 10, 60, true});
    safety.conflict = true;
    safety.minTtc = ttc;
  }
  return frame;
}

TEST(TaskGeneratorTest, ConflictCandidateIsTheTopTriggerAndTravelsInTheTask) {
  TaskGenerator generator(at_once());
  const auto cars = queue_of_cars(2, 100);  // far apart: no gap trigger
  const auto outcome = generator.process(frame_with_safety(kStart, cars, {1}, {{1, 2}}), 0);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(outcome.groups[0].fired.front(), Trigger::kConflict);
  EXPECT_EQ(outcome.tasks[0].priority, config::TaskTriggerConfig{}.conflict.priority);
  EXPECT_GT(outcome.tasks[0].priority, config::TaskTriggerConfig{}.proximity.priority);
  EXPECT_EQ(outcome.tasks[0].triggers, (std::vector<std::string>{"conflict"}));
  EXPECT_TRUE(outcome.tasks[0].safety.conflict);
  EXPECT_EQ(outcome.tasks[0].safety.minTtc, 1.0);
}

TEST(TaskGeneratorTest, FirstConflictCandidateOfAGroupIsReassessedAtOnce) {
  TaskGenerator generator(crowd_of_four());
  const auto cars = queue_of_cars(4, 8);  // tailgating, all moving
  const std::vector<int> all = {1, 2, 3, 4};
  EXPECT_EQ(generator.process(frame_with_safety(kStart, cars, all, {}), 0).tasks.size(), 1u);
  EXPECT_EQ(generator.process(frame_with_safety(kStart + kFrameMs, cars, all, {}), 0).tasks.size(),
            0u);
  auto outcome =
      generator.process(frame_with_safety(kStart + 2 * kFrameMs, cars, all, {{2, 3}}), 0);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kEscalated);  // to the conflict trigger
  // Another TTC/PET pair of the same group is no news by itself.
  outcome = generator.process(frame_with_safety(kStart + 3 * kFrameMs, cars, all, {{1, 2}}), 0);
  EXPECT_TRUE(outcome.tasks.empty());
}

TEST(TaskGeneratorTest, TwoRoadUsersComingCloseIsNewsOnceUntilTheyPart) {
  TaskGenerator generator(crowd_of_four());
  auto actors = queue_of_cars(3, 32);
  actors.push_back({9, "person", 30, 150, 12, 30});  // far from the first car
  const std::vector<int> moving = {1, 2, 3};
  auto run = [&](int i) {
    return generator.process(frame_with_safety(kStart + i * kFrameMs, actors, moving, {}), 0);
  };
  EXPECT_EQ(run(0).no_potential, 1);  // a crowd of four at normal spacing
  actors.back().x = 100 - 4 - 12;     // 4 px from the first car
  auto outcome = run(1);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kFirst);
  EXPECT_TRUE(run(2).tasks.empty());  // still there: shown already
  actors.back().x = 30;               // steps back...
  EXPECT_TRUE(run(3).tasks.empty());
  actors.back().x = 100 - 4 - 12;  // ...and comes close again: news
  outcome = run(4);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kNewConflict);
}

TEST(TaskGeneratorTest, GroupsWithoutConflictPotentialAreNotSent) {
  // A standing queue, bumper to bumper: tailgating and crowd fire, but
  // nothing moves and no TTC/PET is within the thresholds.
  const auto cars = queue_of_cars(6, 8);
  TaskGenerator generator(at_once());
  auto outcome = generator.process(frame_with_safety(kStart, cars, {}, {}), 0);
  EXPECT_TRUE(outcome.tasks.empty());
  EXPECT_EQ(outcome.no_potential, 1);
  EXPECT_TRUE(outcome.groups[0].no_potential);
  EXPECT_FALSE(outcome.groups[0].fired.empty());
  // A car driving up close to the stopped ones has potential.
  outcome = generator.process(frame_with_safety(kStart + kFrameMs, cars, {6}, {}), 0);
  EXPECT_EQ(outcome.tasks.size(), 1u);
  // Switched off, the standing queue is sent as well.
  config::TaskConfig off = at_once();
  off.require_conflict_potential = false;
  TaskGenerator unfiltered(off);
  EXPECT_EQ(unfiltered.process(frame_with_safety(kStart, cars, {}, {}), 0).tasks.size(), 1u);
}

TEST(TaskGeneratorTest, PedestrianNearAVehicleHasPotentialEvenStanding) {
  TaskGenerator generator(at_once());
  const std::vector<Actor> actors = {{1, "car", 100, 100}, {2, "person", 168, 100, 12, 30}};
  const auto outcome = generator.process(frame_with_safety(kStart, actors, {}, {}), 0);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(outcome.groups[0].fired.front(), Trigger::kProximity);
}

TEST(TaskGeneratorTest, FarApartMovingCarsWithoutConflictHaveNoPotential) {
  // Crowd of six moving cars, spaced half a car: crowd fires, no pair is
  // close or on a collision course.
  TaskGenerator generator(at_once());
  const auto cars = queue_of_cars(6, 32);
  const auto outcome =
      generator.process(frame_with_safety(kStart, cars, {1, 2, 3, 4, 5, 6}, {}), 0);
  EXPECT_TRUE(outcome.tasks.empty());
  EXPECT_EQ(outcome.no_potential, 1);
}

// Issue 16's call economy under the shipped defaults (track identity,
// coalesce_seconds 5.4), one analysed frame every 1.8 s of a ManualClock.
class CallEconomyTest : public ::testing::Test {
 protected:
  // Processes the frame at the clock's time, then advances one frame.
  FrameOutcome next(const std::vector<Actor>& actors, const std::vector<testing::GroupSpec>& groups,
                    const std::vector<int>& moving = {}) {
    const int64_t ts = clock_.epoch_ms();
    auto frame = make_frame("cam", frame_number_++, ts, actors, groups);
    // Every member carries track motion, so conflict potential is judged.
    for (auto& group : frame.trafficGroups) {
      for (int id : group.objectIds) {
        const bool moves = std::find(moving.begin(), moving.end(), id) != moving.end();
        group.safety.members.push_back({id, moves ? 60.0 : 0.0, 0, moves ? 60.0 : 0.0, 0});
      }
    }
    auto outcome = generator_.process(frame, ts);
    clock_.advance(std::chrono::milliseconds(kFrameMs));
    return outcome;
  }
  static std::vector<std::string> group_ids(const FrameOutcome& outcome) {
    std::vector<std::string> ids;
    for (const auto& task : outcome.tasks) ids.push_back(task.groupId);
    return ids;
  }

  ManualClock clock_{kStart};
  TaskGenerator generator_{crowd_of_four()};
  int frame_number_ = 0;
};

TEST_F(CallEconomyTest, MemberChangeWaitsAndGoesOutByItsDeadline) {
  auto cars = queue_of_cars(4, 8);  // bumper to bumper, the last one driving up
  const std::vector<int> moving = {4};
  ASSERT_EQ(group_ids(next(cars, {{"q", ids_of(cars)}}, moving)), std::vector<std::string>{"q"});
  // A car no task showed joins at a normal distance (t = 1.8 s) and stays
  // (3.6 s): a member change, which waits up to 5.4 s for a call...
  cars.push_back({10, "car", 100 + 4 * 72 + 24, 150});
  EXPECT_TRUE(next(cars, {{"q", ids_of(cars)}}, moving).tasks.empty());
  auto outcome = next(cars, {{"q", ids_of(cars)}}, moving);
  EXPECT_TRUE(outcome.tasks.empty());
  EXPECT_EQ(outcome.deferred, 1);
  EXPECT_TRUE(outcome.groups[0].deferred);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kMembersChanged);
  EXPECT_TRUE(next(cars, {{"q", ids_of(cars)}}, moving).tasks.empty());  // 5.4 s: 1.8 s waited
  EXPECT_TRUE(next(cars, {{"q", ids_of(cars)}}, moving).tasks.empty());  // 7.2 s: 3.6 s waited
  // ...and none came: at 9.0 s it has waited 5.4 s and goes out alone.
  outcome = next(cars, {{"q", ids_of(cars)}}, moving);
  ASSERT_EQ(group_ids(outcome), std::vector<std::string>{"q"});
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kMembersChanged);
  EXPECT_EQ(outcome.tasks[0].objects.size(), 5u);  // the group as it is now
  EXPECT_TRUE(next(cars, {{"q", ids_of(cars)}}, moving).tasks.empty());
}

TEST_F(CallEconomyTest, DeferredReasonsRideAlongWithTheCameraNextCall) {
  auto queue = queue_of_cars(4, 8);  // 1..4, 4 driving up
  std::vector<Actor> street = {{20, "car", 100, 300}, {21, "person", 300, 300, 12, 30}};
  const std::vector<int> moving = {4, 20};
  auto groups = [&] {
    return std::vector<testing::GroupSpec>{{"q", ids_of(queue)}, {"s", ids_of(street)}};
  };
  auto everyone = [&] {
    auto actors = queue;
    actors.insert(actors.end(), street.begin(), street.end());
    return actors;
  };
  EXPECT_EQ(group_ids(next(everyone(), groups(), moving)), std::vector<std::string>{"q"});
  queue.push_back({10, "car", 100 + 4 * 72 + 24, 150});  // joins at 1.8 s, not close
  next(everyone(), groups(), moving);
  EXPECT_EQ(next(everyone(), groups(), moving).deferred, 1);  // stayed: waits from 3.6 s
  // 5.4 s: the pedestrian steps next to car 20: urgent, and the waiting
  // member change rides along in the same call (one frame, two groups).
  street[1].x = 100 + 64 + 4;
  const auto outcome = next(everyone(), groups(), moving);
  EXPECT_EQ(group_ids(outcome), (std::vector<std::string>{"q", "s"}));
  for (const auto& task : outcome.tasks) {
    EXPECT_EQ(task.requestId, outcome.tasks[0].requestId);  // the scheduler batches them
    EXPECT_EQ(task.frameTaskCount, 2);
  }
  EXPECT_EQ(outcome.deferred, 0);
}

TEST_F(CallEconomyTest, SplitAndMergedClustersOfAssessedRoadUsersAreNoFirstSight) {
  const std::vector<Actor> cars = {
      {1, "car", 100, 150}, {2, "car", 172, 150}, {3, "car", 400, 150}, {4, "car", 472, 150}};
  const std::vector<int> moving = {2, 4};
  EXPECT_EQ(group_ids(next(cars, {{"a", {1, 2}}, {"b", {3, 4}}}, moving)),
            (std::vector<std::string>{"a", "b"}));
  // Detection regroups the same four road users: new group ids, no task.
  const auto outcome = next(cars, {{"c", {1, 2, 3, 4}}}, moving);
  EXPECT_TRUE(outcome.tasks.empty());
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kRegrouped);
  EXPECT_EQ(outcome.deduplicated, 1);
  // A road user no task showed makes a new group a first sight.
  const std::vector<Actor> with_stranger = {{2, "car", 172, 150}, {9, "car", 244, 150}};
  EXPECT_EQ(group_ids(next(with_stranger, {{"d", {2, 9}}}, {9})), std::vector<std::string>{"d"});
}

TEST_F(CallEconomyTest, ClosePairComingMuchCloserIsNewsAgain) {
  // Car 2 follows car 1 at 10 px (0.22 car sizes: tailgating), shown once.
  std::vector<Actor> cars = {{1, "car", 100, 150}, {2, "car", 174, 150}};
  const std::vector<int> moving = {1, 2};
  ASSERT_EQ(next(cars, {{"g", {1, 2}}}, moving).tasks.size(), 1u);
  cars[1].x = 173;  // 9 px: no news
  EXPECT_TRUE(next(cars, {{"g", {1, 2}}}, moving).tasks.empty());
  cars[1].x = 170.9;  // 6.9 px: below 0.7 of 10 px, but 3.1 px is box jitter (< 0.1 sizes)
  EXPECT_TRUE(next(cars, {{"g", {1, 2}}}, moving).tasks.empty());
  cars[1].x = 169;  // 5 px: half the gap it was shown at, 0.11 sizes closer
  const auto outcome = next(cars, {{"g", {1, 2}}}, moving);
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kNewConflict);
  // Compared with the gap of the latest look (5 px) from now on.
  cars[1].x = 168;  // 4 px
  EXPECT_TRUE(next(cars, {{"g", {1, 2}}}, moving).tasks.empty());
}

TEST_F(CallEconomyTest, CarStoppingCloseBehindAQueueIsANewClosePair) {
  // A standing queue, assessed; then a car that was far off at the previous
  // analysed frame stands 4 px behind the last one: it drove up between the
  // frames, so the pair is news at once though neither moves now.
  auto cars = queue_of_cars(3, 8);
  ASSERT_EQ(next(cars, {{"q", ids_of(cars)}}, {3}).tasks.size(), 1u);
  EXPECT_TRUE(next(cars, {{"q", ids_of(cars)}}).tasks.empty());  // standing: nothing new
  cars.push_back({10, "car", 100 + 3 * 72 + 200, 150});          // far behind
  EXPECT_TRUE(next(cars, {{"q", {1, 2, 3}}, {"far", {10}}}).tasks.empty());
  cars.back().x = 100 + 3 * 72 - 4;  // 4 px behind car 3
  const auto outcome = next(cars, {{"q", ids_of(cars)}});
  ASSERT_EQ(outcome.tasks.size(), 1u);
  EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kNewConflict);
  // Standing there afterwards is no news.
  EXPECT_TRUE(next(cars, {{"q", ids_of(cars)}}).tasks.empty());
}

TEST(TaskGeneratorTest, QuietFirstSightWaitsOnlyWhenSwitchedOn) {
  // A standing crowd of four, nothing close, no track motion (an original-
  // format message: potential cannot be ruled out): a quiet first sight.
  const auto cars = queue_of_cars(4, 32);
  auto first_task_frame = [&](bool quiet_news_waits) {
    config::TaskConfig config = crowd_of_four();
    config.dedup.quiet_news_waits = quiet_news_waits;
    TaskGenerator generator(config);
    ManualClock clock(kStart);
    for (int i = 0; i < 10; ++i, clock.advance(std::chrono::milliseconds(kFrameMs))) {
      const int64_t ts = clock.epoch_ms();
      const auto outcome =
          generator.process(make_frame("cam", i, ts, cars, {{"q", ids_of(cars)}}), ts);
      if (!outcome.tasks.empty()) {
        EXPECT_EQ(*outcome.groups[0].verdict, Verdict::kFirst);
        return i;
      }
    }
    return -1;
  };
  EXPECT_EQ(first_task_frame(false), 0);
  EXPECT_EQ(first_task_frame(true), 3);  // waited 5.4 s for company, none came
}

TEST(TaskGeneratorTest, QuietFirstSightWaitIsKeptPerRoadUserNotPerGroupId) {
  // The same standing crowd, but its cluster gets a new group id every frame
  // (clusters split and merge): the wait must not start over with each id.
  const auto cars = queue_of_cars(4, 32);
  config::TaskConfig config = crowd_of_four();
  config.dedup.quiet_news_waits = true;
  TaskGenerator generator(config);
  ManualClock clock(kStart);
  int first_task = -1;
  for (int i = 0; i < 10 && first_task < 0;
       ++i, clock.advance(std::chrono::milliseconds(kFrameMs))) {
    const int64_t ts = clock.epoch_ms();
    const std::string group_id = "q" + std::to_string(i);
    if (!generator.process(make_frame("cam", i, ts, cars, {{group_id, ids_of(cars)}}), ts)
             .tasks.empty()) {
      first_task = i;
    }
  }
  EXPECT_EQ(first_task, 3);  // 5.4 s after the first sight, as with a stable id
  // A road user that joins later waits from its own first sight, but the
  // group it joins goes with the earliest waiting member: nobody waits
  // longer than coalesce_seconds.
  GroupMemory memory(config.dedup);
  EXPECT_EQ(memory.quiet_since({1, 2}, 1000), 1000);
  EXPECT_EQ(memory.quiet_since({2, 3}, 2800), 1000);
  EXPECT_EQ(memory.quiet_since({3}, 4600), 2800);
  GroupSnapshot shown;
  shown.members = {1, 2, 3};
  memory.assessed("g", shown, 4600);  // a task showed them: wait over
  EXPECT_EQ(memory.waiting_tracks(), 0u);
  EXPECT_EQ(memory.quiet_since({3}, 6400), 6400);
  // A road user away from quiet news for longer than coalesce_seconds (its
  // group calmed down) starts over rather than being overdue at once.
  const auto coalesce_ms = static_cast<int64_t>(config.dedup.coalesce_seconds * 1000);
  EXPECT_EQ(memory.quiet_since({3}, 6400 + coalesce_ms), 6400);
  EXPECT_EQ(memory.quiet_since({3}, 6400 + 3 * coalesce_ms), 6400 + 3 * coalesce_ms);
}

// dedup.imminent_ttc_seconds: 0 switches the rule off, even for
// boxes already touching (TTC 0): such a first sight with nothing else close
// waits like any quiet news.
TEST(TaskGeneratorTest, ImminentTtcZeroSwitchesTheRuleOff) {
  const Actor a{1, "car", 100, 150};
  const Actor far{3, "car", 400, 150};
  auto first_frame_waits = [&](double imminent) {
    config::TaskConfig config;
    config.dedup.imminent_ttc_seconds = imminent;
    TaskGenerator generator(config);
    const auto outcome =
        generator.process(frame_with_safety(kStart, {a, far}, {1}, {{1, 3}}, 0.0), kStart);
    return outcome.tasks.empty() && outcome.deferred > 0;
  };
  EXPECT_FALSE(first_frame_waits(0.3));
  EXPECT_TRUE(first_frame_waits(0));
}

// What the shipped policy (quiet news waits) makes of a group,
// frame by frame: one change per row, on a ManualClock advancing one
// analysed frame (1.8 s) per step. Each
// frame is one group of all its road users; "-" no task, "waits" a reason
// waiting for the camera's next call, else the task's reason.
struct Step {
  std::vector<Actor> actors;
  std::vector<int> moving;                     // along +x at 60 px/s
  std::vector<std::pair<int, int>> conflicts;  // TTC/PET conflict candidates
  double ttc = 1.0;                            // theirs, seconds
};
struct ShippedPolicyRow {
  const char* change;
  std::vector<Step> frames;
  std::vector<std::string> expected;
};

TEST(TaskGeneratorTest, ShippedReassessmentPolicyTable) {
  // 64x32 cars (45 px a size: the tailgating gap is 11 px, a tenth of a size 4.5 px).
  const Actor a{1, "car", 100, 150};
  auto behind = [](double gap) { return Actor{2, "car", 100 + 64 + gap, 150}; };
  const Actor beside{2, "car", 110, 188};  // the next lane, 6 px below car 1
  const Actor far{3, "car", 400, 150};
  const Actor walker{4, "person", 100 + 64 + 5, 150, 12, 30};
  const std::vector<ShippedPolicyRow> table = {
      {"two cars side by side in neighbouring lanes, 6 px apart: no tailgating",
       {{{a, beside}, {1, 2}, {}}},
       {"-"}},
      {"the same 6 px with one behind the other: a close pair, at once",
       {{{a, behind(6)}, {1, 2}, {}}},
       {"first"}},
      {"a first sight with only a TTC candidate waits up to 9 s for a call, then goes alone",
       {{{a, far}, {1}, {{1, 3}}},
        {{a, far}, {1}, {{1, 3}}},
        {{a, far}, {1}, {{1, 3}}},
        {{a, far}, {1}, {{1, 3}}},
        {{a, far}, {1}, {{1, 3}}},
        {{a, far}, {1}, {{1, 3}}}},
       {"waits", "waits", "waits", "waits", "waits", "first"}},
      {"a first sight with a TTC candidate 0.2 s from colliding: at once (it cannot brake in time)",
       {{{a, far}, {1}, {{1, 3}}, 0.2}},
       {"first"}},
      {"a waiting first sight goes out at once when its TTC falls to 0.2 s",
       {{{a, far}, {1}, {{1, 3}}, 1.0}, {{a, far}, {1}, {{1, 3}}, 0.2}},
       {"waits", "first"}},
      {"a waiting first sight goes out at once when the pair comes close",
       {{{a, far}, {1}, {{1, 3}}}, {{a, behind(4), far}, {1, 2}, {{1, 3}}}},
       {"waits", "first"}},
      {"a higher trigger (a TTC/PET candidate) with nothing close waits like a first sight",
       {{{a, behind(4), far}, {1, 2}, {}},
        {{a, behind(40), far}, {1, 2}, {{1, 3}}},
        {{a, behind(40), far}, {1, 2}, {{1, 3}}},
        {{a, behind(40), far}, {1, 2}, {{1, 3}}},
        {{a, behind(40), far}, {1, 2}, {{1, 3}}},
        {{a, behind(40), far}, {1, 2}, {{1, 3}}},
        {{a, behind(40), far}, {1, 2}, {{1, 3}}}},
       {"first", "waits", "waits", "waits", "waits", "waits", "escalated"}},
      {"a higher trigger while a pair is close: at once",
       {{{a, behind(4), far}, {1, 2}, {}}, {{a, behind(4), far}, {1, 2}, {{1, 3}}}},
       {"first", "escalated"}},
      {"a pedestrian 5 px from a standing car: at once", {{{a, walker}, {}, {}}}, {"first"}},
      {"a tailgater stops with the queue and drives on: shown once",
       {{{a, behind(4)}, {1, 2}, {}}, {{a, behind(4)}, {}, {}}, {{a, behind(4)}, {1, 2}, {}}},
       {"first", "-", "-"}},
      {"one of a shown pair missing from a frame has not drawn apart",
       {{{a, behind(4), far}, {1, 2}, {}}, {{a, far}, {1}, {}}, {{a, behind(4), far}, {1, 2}, {}}},
       {"first", "-", "-"}},
      {"a shown pair that parts and closes in again: news again",
       {{{a, behind(4)}, {1, 2}, {}}, {{a, behind(40)}, {1, 2}, {}}, {{a, behind(4)}, {1, 2}, {}}},
       {"first", "-", "new_conflict"}},
      {"a shown pair 3 px closer is box jitter, 5 px closer is news",
       {{{a, behind(10)}, {1, 2}, {}}, {{a, behind(7)}, {1, 2}, {}}, {{a, behind(5)}, {1, 2}, {}}},
       {"first", "-", "new_conflict"}},
  };
  for (const auto& row : table) {
    ManualClock clock(kStart);
    TaskGenerator generator(config::TaskConfig{});  // as shipped
    for (size_t i = 0; i < row.frames.size(); ++i) {
      const auto& step = row.frames[i];
      const int64_t ts = clock.epoch_ms();
      const auto outcome = generator.process(
          frame_with_safety(ts, step.actors, step.moving, step.conflicts, step.ttc), ts);
      std::string got = "-";
      if (!outcome.tasks.empty()) {
        got = std::string(to_string(*outcome.groups[0].verdict));
      } else if (outcome.deferred > 0) {
        got = "waits";
      }
      EXPECT_EQ(got, row.expected[i]) << row.change << ", frame " << i;
      clock.advance(std::chrono::milliseconds(kFrameMs));
    }
  }
}

}  // namespace
}  // namespace tmon::generate
