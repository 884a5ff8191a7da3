#include "detect/sim_scene.h"

#include <gtest/gtest.h>

#include <map>

namespace tmon::detect {
namespace {

TEST(SimOptionsTest, ParsesParameters) {
  auto options = SimOptions::parse("sim://?seed=7&density=0.9&speed=2&width=320&height=240");
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->seed, 7u);
  EXPECT_DOUBLE_EQ(options->density, 0.9);
  EXPECT_DOUBLE_EQ(options->speed, 2);
  EXPECT_EQ(options->width, 320);
  EXPECT_EQ(options->height, 240);
  EXPECT_TRUE(SimOptions::parse("sim://"));
}

TEST(SimOptionsTest, ParsesRealCameraConditions) {
  auto options = SimOptions::parse("sim://?noise=6&exposure=0.15&shadows=1&parked=2");
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_DOUBLE_EQ(options->noise, 6);
  EXPECT_DOUBLE_EQ(options->exposure, 0.15);
  EXPECT_EQ(options->shadows, 1);
  EXPECT_EQ(options->parked, 2);
  EXPECT_FALSE(SimOptions::parse("sim://?exposure=0.9"));
  EXPECT_FALSE(SimOptions::parse("sim://?parked=9"));
  EXPECT_FALSE(options->inertia);
  EXPECT_TRUE(SimOptions::parse("sim://?inertia=1")->inertia);
  EXPECT_FALSE(SimOptions::parse("sim://?inertia=2"));
}

TEST(SimSceneTest, RendersEachConditionAndNothingWhenOff) {
  SimScene clean({.seed = 4});
  SimScene noisy({.seed = 4, .noise = 6});
  SimScene drifting({.seed = 4, .exposure = 0.15});
  SimScene shaded({.seed = 4, .shadows = 1});
  for (SimScene* scene : {&clean, &noisy, &drifting, &shaded}) scene->step(10);  // a quarter swing
  const cv::Mat base = clean.render();
  cv::Mat difference;
  // Noise: about sigma per pixel and channel, zero on average.
  cv::absdiff(noisy.render(), base, difference);
  EXPECT_NEAR(cv::mean(difference)[0], 6 * 0.8, 1.0);  // E|N(0, 6)| = 4.8
  // Exposure: the whole picture 15% brighter at a quarter of its 40 s swing.
  const double ratio = cv::mean(drifting.render())[1] / cv::mean(base)[1];
  EXPECT_NEAR(ratio, 1.15, 0.01);
  // Shadows: only part of the picture, darker, and moving.
  cv::absdiff(shaded.render(), base, difference);
  const double changed = cv::countNonZero(difference.reshape(1)) / 3.0 / base.total();
  EXPECT_GT(changed, 0.005);
  EXPECT_LT(changed, 0.1);
  const cv::Mat before = shaded.render();
  shaded.step(0.8);
  cv::absdiff(shaded.render(), before, difference);
  EXPECT_GT(cv::countNonZero(difference.reshape(1)), 100);
  // Same seed, same time: the same noise.
  EXPECT_EQ(cv::norm(noisy.render(), noisy.render(), cv::NORM_L1), 0);
}

TEST(SimSceneTest, ParkedCarsStandOnTheVergeAndNeverMove) {
  SimScene scene({.seed = 2, .parked = 2});
  std::map<int, cv::Rect2d> parked;
  for (const auto& o : scene.objects()) {
    if (o.parked) parked[o.id] = o.box;
  }
  ASSERT_EQ(parked.size(), 2u);
  for (int i = 0; i < 100; ++i) scene.step(0.5);
  int still_there = 0;
  for (const auto& o : scene.objects()) {
    if (!o.parked) continue;
    EXPECT_EQ(o.box, parked.at(o.id));
    EXPECT_GE(o.box.y, 300);  // below the road
    ++still_there;
  }
  EXPECT_EQ(still_there, 2);
}

TEST(SimOptionsTest, RejectsUnknownAndOutOfRangeParameters) {
  auto unknown = SimOptions::parse("sim://?sede=7");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("sede"), std::string::npos);
  EXPECT_FALSE(SimOptions::parse("sim://?density=3"));
  EXPECT_FALSE(SimOptions::parse("sim://?width=abc"));
  EXPECT_FALSE(SimOptions::parse("rtsp://camera"));
}

TEST(SimSceneTest, SameSeedSameScene) {
  SimScene a({.seed = 5});
  SimScene b({.seed = 5});
  for (int i = 0; i < 20; ++i) {
    a.step(0.5);
    b.step(0.5);
  }
  ASSERT_EQ(a.objects().size(), b.objects().size());
  for (size_t i = 0; i < a.objects().size(); ++i) {
    EXPECT_EQ(a.objects()[i].id, b.objects()[i].id);
    EXPECT_EQ(a.objects()[i].box, b.objects()[i].box);
  }
}

TEST(SimSceneTest, KeepsTrafficFlowing) {
  SimScene scene({.seed = 1, .density = 0.6});
  int min_objects = 1000;
  for (int i = 0; i < 200; ++i) {
    scene.step(1.8);
    min_objects = std::min(min_objects, static_cast<int>(scene.objects().size()));
  }
  EXPECT_GE(min_objects, 2);
  // Ids keep increasing: road users come and go.
  int max_id = 0;
  for (const auto& o : scene.objects()) max_id = std::max(max_id, o.id);
  EXPECT_GT(max_id, 50);
}

TEST(SimSceneTest, RendersTheConfiguredSize) {
  SimScene scene({.width = 320, .height = 240});
  const cv::Mat frame = scene.render();
  EXPECT_EQ(frame.cols, 320);
  EXPECT_EQ(frame.rows, 240);
  EXPECT_EQ(frame.type(), CV_8UC3);
}

TEST(SimSceneTest, NearMissesComeFromRecklessDriversOnly) {
  SimScene careful({.seed = 3, .near_miss = 0});
  SimScene reckless({.seed = 3, .near_miss = 1});
  std::map<int, bool> was_reckless;
  for (int i = 0; i < 150; ++i) {
    careful.step(1.8);
    reckless.step(1.8);
    for (const auto& o : reckless.objects()) was_reckless[o.id] |= o.reckless;
  }
  EXPECT_TRUE(careful.near_misses().empty());
  ASSERT_FALSE(reckless.near_misses().empty());
  double last_start = 0;
  for (const auto& event : reckless.near_misses()) {
    EXPECT_TRUE(was_reckless[event.vehicle_id]) << event.vehicle_id;
    EXPECT_NE(event.vehicle_id, event.other_id);
    EXPECT_LE(event.min_gap, SimScene::kNearMissGap);
    EXPECT_LE(event.start_seconds, event.end_seconds);
    EXPECT_LE(event.end_seconds, reckless.time_seconds() + 1e-9);
    EXPECT_GE(event.start_seconds, last_start);  // oldest first
    last_start = event.start_seconds;
  }
  EXPECT_NEAR(reckless.time_seconds(), 150 * 1.8, 1e-6);
}

TEST(SimSceneTest, AnOngoingNearMissEndsNow) {
  SimScene scene({.seed = 2, .density = 0.8, .near_miss = 1});
  for (int i = 0; i < 200; ++i) {
    scene.step(1.0);
    for (const auto& event : scene.near_misses()) {
      if (event.ongoing) {
        EXPECT_DOUBLE_EQ(event.end_seconds, scene.time_seconds());
      } else {
        EXPECT_LT(event.end_seconds, scene.time_seconds());
      }
    }
  }
}

// People who catch up with someone slower walk on at that one's pace. A
// follower that stopped and started at every small step had, at each frame,
// a velocity that was either its own pace or none, and a scene truth that
// said it was closing in on a gap that never shrank. Counted: a follower
// close behind someone who keeps walking, standing for a single step
// between two steps of walking (a wait at a lane's edge lasts longer).
TEST(SimSceneTest, PeopleWhoCatchUpWalkOnAtTheLeadersPace) {
  SimScene scene({.seed = 4, .density = 1.0});
  struct Step {
    std::map<int, double> speed;        // person -> px/s
    std::map<int, bool> behind_walker;  // person -> close behind one who walks
  };
  std::vector<Step> steps;
  for (int i = 0; i < 3000; ++i) {
    scene.step(0.1);
    Step step;
    for (const auto& p : scene.objects()) {
      if (p.class_name == "person") step.speed[p.id] = std::abs(p.velocity.y);
    }
    for (const auto& p : scene.objects()) {
      if (p.class_name != "person") continue;
      const bool down = p.desired_speed > 0;
      for (const auto& ahead : scene.objects()) {
        if (&ahead == &p || ahead.class_name != "person" || (ahead.desired_speed > 0) != down ||
            step.speed[ahead.id] == 0) {
          continue;
        }
        const double gap = down ? ahead.box.y - (p.box.y + p.box.height)
                                : p.box.y - (ahead.box.y + ahead.box.height);
        const bool same_path =
            ahead.box.x < p.box.x + p.box.width && p.box.x < ahead.box.x + ahead.box.width;
        if (same_path && gap >= 0 && gap <= 10) step.behind_walker[p.id] = true;
      }
    }
    steps.push_back(std::move(step));
  }
  int following_steps = 0, stop_and_go = 0;
  for (size_t k = 1; k + 1 < steps.size(); ++k) {
    for (const auto& [id, behind] : steps[k].behind_walker) {
      ++following_steps;
      const auto walked = [&](size_t at) {
        const auto it = steps[at].speed.find(id);
        return it != steps[at].speed.end() && it->second > 0;
      };
      stop_and_go += walked(k - 1) && !walked(k) && walked(k + 1);
    }
  }
  EXPECT_GE(following_steps, 20);  // people did walk close behind others
  EXPECT_EQ(stop_and_go, 0);
}

// With inertia, road users change speed the way real ones can: a car's
// speed changes by at most its braking (7 m/s^2 for a reckless driver) per
// step, a walker's by at most 45 px/s^2, save a rare emergency stop for
// someone who appeared closer than one can stop in. Without it, speed
// changes within one step (a car stops from 100 px/s: some 60 m/s^2).
// Counted over every road user's every 0.1 s step, dense reckless traffic.
struct SpeedChanges {
  int steps = 0;
  int over_limit = 0;
};
SpeedChanges count_speed_changes(bool inertia) {
  SimScene scene({.seed = 5, .density = 1.0, .near_miss = 0.3, .inertia = inertia});
  std::map<int, double> last_speed;
  SpeedChanges counts;
  for (int i = 0; i < 1200; ++i) {
    scene.step(0.1);
    std::map<int, double> speed;
    for (const auto& o : scene.objects()) {
      if (o.parked) continue;
      speed[o.id] = cv::norm(o.velocity);
      const auto before = last_speed.find(o.id);
      if (before == last_speed.end()) continue;
      const double limit = o.class_name == "person" ? 45 : (o.reckless ? 110 : 60);
      ++counts.steps;
      // A quarter more: a step's speed is chosen before the step is moved.
      counts.over_limit += std::abs(speed[o.id] - before->second) > 1.25 * limit * 0.1;
    }
    last_speed = std::move(speed);
  }
  return counts;
}

// With inertia, a road user's velocity at a frame is its motion's there:
// over a step whose speed changed, it goes the mean of the speeds at the
// step's two ends (steady braking or speeding up). Moving the whole step
// at the end's speed put the positions half a step ahead of the
// velocities, so a tracker that read the frames right was a*dt/2 (up to
// 5 px/s under a hard brake) off the "truth".
TEST(SimSceneTest, WithInertiaTheVelocityIsTheMotionsAtTheFrame) {
  SimScene scene({.seed = 5, .density = 1.0, .near_miss = 0.3, .inertia = true});
  std::map<int, std::pair<cv::Point2d, double>> last;  // id -> top-left, speed
  int changing = 0, consistent = 0;
  for (int i = 0; i < 600; ++i) {
    scene.step(0.1);
    std::map<int, std::pair<cv::Point2d, double>> now;
    for (const auto& o : scene.objects()) {
      now[o.id] = {o.box.tl(), cv::norm(o.velocity)};
      const auto before = last.find(o.id);
      if (o.parked || before == last.end()) continue;
      const auto& [from, speed_before] = before->second;
      const double speed = cv::norm(o.velocity);
      if (std::abs(speed - speed_before) < 0.5) continue;
      ++changing;
      const double went = cv::norm(o.box.tl() - from);
      consistent += std::abs(went - (speed + speed_before) / 2 * 0.1) < 1e-6;
    }
    last = std::move(now);
  }
  ASSERT_GT(changing, 500);
  // Only sudden stops at a limit (a surprise, or keeping a step behind
  // someone) cover less.
  EXPECT_GT(consistent, 0.9 * changing) << changing;
}

TEST(SimSceneTest, InertiaBoundsHowFastRoadUsersChangeSpeed) {
  const SpeedChanges with = count_speed_changes(true);
  const SpeedChanges without = count_speed_changes(false);
  ASSERT_GT(with.steps, 10000);
  EXPECT_LT(with.over_limit, 0.002 * with.steps);
  EXPECT_GT(without.over_limit, 0.01 * without.steps);
}

// With inertia, traffic and pedestrians keep flowing: nobody waits for
// good, in a dense scene for 30 simulated minutes. (Two walkers, each on
// the crosswalk waiting for the lane the other stood in, where a reckless
// driver had stopped short of each, once froze a scene for good.)
TEST(SimSceneTest, WithInertiaEveryoneKeepsMoving) {
  SimScene scene({.seed = 2, .density = 1.0, .near_miss = 0.3, .inertia = true});
  std::map<int, double> seen_since;  // road user -> when first seen
  double longest_stay = 0;
  for (int i = 0; i < 1000; ++i) {
    scene.step(1.8);
    for (const auto& o : scene.objects()) {
      if (o.parked) continue;
      const auto [it, added] = seen_since.emplace(o.id, scene.time_seconds());
      longest_stay = std::max(longest_stay, scene.time_seconds() - it->second);
    }
  }
  EXPECT_LT(longest_stay, 120) << "someone stayed in the picture for " << longest_stay << " s";
  EXPECT_GT(seen_since.size(), 500u);
}

TEST(SimSceneTest, WithInertiaRecklessDriversStillCauseNearMisses) {
  SimScene scene({.seed = 3, .density = 0.8, .near_miss = 0.5, .inertia = true});
  for (int i = 0; i < 150; ++i) scene.step(1.8);
  int with_pedestrians = 0, tailgating = 0;
  for (const auto& event : scene.near_misses()) {
    (event.pedestrian ? with_pedestrians : tailgating) += 1;
  }
  EXPECT_GT(with_pedestrians, 0);
  EXPECT_GT(tailgating, 0);
}

}  // namespace
}  // namespace tmon::detect
