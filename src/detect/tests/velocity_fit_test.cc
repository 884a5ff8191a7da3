#include "detect/velocity_fit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace tmon::detect {
namespace {

std::deque<TimedCenter> line_of(int points, double vx, double vy, double dt = 0.2) {
  std::deque<TimedCenter> out;
  for (int i = 0; i < points; ++i) {
    out.push_back({dt * i, {10 + vx * dt * i, 50 + vy * dt * i}});
  }
  return out;
}

// The line-only fit's velocity (no bends), as the tests of lines want it.
std::optional<cv::Point2d> fit_velocity(const std::deque<TimedCenter>& points, size_t min_points,
                                        double tolerance) {
  const auto fit = fit_motion(points, min_points, tolerance, 0);
  if (!fit) return std::nullopt;
  return fit->velocity;
}

TEST(VelocityFitTest, ExactLineGivesItsSlope) {
  const auto fit = fit_velocity(line_of(6, 80, -12), 3, 1.0);
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->x, 80, 1e-9);
  EXPECT_NEAR(fit->y, -12, 1e-9);
}

TEST(VelocityFitTest, TooFewPointsGiveNone) {
  EXPECT_FALSE(fit_velocity(line_of(2, 80, 0), 3, 1.0));
  EXPECT_FALSE(fit_velocity({}, 3, 1.0));
  // Points at one instant have no slope.
  std::deque<TimedCenter> same{{1, {0, 0}}, {1, {1, 0}}, {1, {2, 0}}};
  EXPECT_FALSE(fit_velocity(same, 3, 5.0));
}

// A car at 60 px/s whose outline is off by up to 1.5 px each frame (what a
// blob's outline does), seen 5 times a second for 1.2 s: the fit is within
// 5% of its speed where the two newest points alone are off by up to 15
// px/s (25%).
TEST(VelocityFitTest, NoisyConstantSpeedWithinFivePercent) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> jitter(-1.5, 1.5);
  double worst_fit = 0, worst_two_point = 0;
  for (int trial = 0; trial < 200; ++trial) {
    auto points = line_of(7, 60, 0);
    for (auto& p : points) p.center += cv::Point2d(jitter(random), jitter(random));
    const auto fit = fit_velocity(points, 3, 1.5 + 1.0);
    ASSERT_TRUE(fit) << "trial " << trial;
    worst_fit = std::max(worst_fit, std::abs(fit->x - 60));
    // Bends allowed, the jitter is still no bend.
    const auto with_bends = fit_motion(points, 3, 1.5 + 1.0, 100);
    ASSERT_TRUE(with_bends) << "trial " << trial;
    worst_fit = std::max(worst_fit, std::abs(with_bends->velocity.x - 60));
    const auto& a = points[points.size() - 2];
    const auto& b = points.back();
    worst_two_point = std::max(worst_two_point, std::abs((b.center.x - a.center.x) / 0.2 - 60));
  }
  EXPECT_LE(worst_fit, 0.05 * 60);
  EXPECT_GT(worst_two_point, 0.15 * 60);  // what the fit saves
}

// A car at 100 px/s brakes to 40 px/s: the fit takes only the points after
// the change (their speed exactly), not a blend of both speeds.
TEST(VelocityFitTest, SpeedChangeInsideTheWindowIsLeftOut) {
  std::deque<TimedCenter> points;
  double x = 0;
  for (int i = 0; i < 4; ++i) points.push_back({0.2 * i, {x += 20, 0}});
  for (int i = 4; i < 7; ++i) points.push_back({0.2 * i, {x += 8, 0}});
  const auto fit = fit_velocity(points, 3, 1.5);
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->x, 40, 1e-6);
  // Two points after the change are not enough for a fit that needs three.
  points.pop_back();
  const auto early = fit_velocity(points, 3, 1.5);
  EXPECT_FALSE(early && std::abs(early->x - 40) > 1e-6 && std::abs(early->x - 100) > 1e-6)
      << "a blend of both speeds: " << early->x;
}

// A car at 100 px/s, seen 5 times a second, brakes at 60 px/s^2 from
// t = 0.8 s (4 m/s^2). Outlines off by up to 0.3 px.
struct Braking {
  std::deque<TimedCenter> points;
  std::vector<double> speed;  // the truth at each point
};
Braking braking_car(int frames, double stop_after = 1e9) {
  const double jitter[] = {0.3, -0.2, 0.1, -0.3, 0.2, 0.0, -0.1};
  Braking out;
  for (int i = 0; i < frames; ++i) {
    const double t = 0.2 * i;
    const double braking = std::clamp(t - 0.8, 0.0, stop_after);
    const double x = 100 * std::min(t, 0.8) + 100 * braking - 30 * braking * braking;
    out.points.push_back({t, {x + jitter[i % 7], 50}});
    out.speed.push_back(100 - 60 * braking);
  }
  return out;
}

// Three frames into the brake the fitted speed is now's, within 3 px/s;
// a line through the same points says that of the middle of its run.
TEST(VelocityFitTest, SteadyBrakeSpeedIsNowsNotTheRunsMiddle) {
  for (int frames = 8; frames <= 11; ++frames) {
    const Braking car = braking_car(frames);
    const auto fit = fit_motion(car.points, 3, 1.5, 100);
    ASSERT_TRUE(fit) << frames;
    EXPECT_TRUE(fit->curved) << frames;
    EXPECT_NEAR(fit->velocity.x, car.speed.back(), 3) << frames;
    EXPECT_NEAR(fit->acceleration.x, -60, 15) << frames;
    const auto line = fit_velocity(car.points, 3, 1.5);
    ASSERT_TRUE(line) << frames;
    EXPECT_GT(line->x - car.speed.back(), 5) << frames << ": the line lags";
  }
}

// A car standing for a second pulls away at 35 px/s^2 (2.3 m/s^2), its
// outlines a few tenths of a pixel off: three frames into the start the
// fitted speed is now's (a bend from a standstill), where a line through the
// same points lags by more than 5 px/s.
TEST(VelocityFitTest, AStartFromAStandstillIsABend) {
  const double jitter[] = {0.2, -0.1, 0.0, 0.1, -0.2, 0.1, -0.1, 0.2, 0.0};
  for (int moving = 3; moving <= 4; ++moving) {
    std::deque<TimedCenter> points;
    for (int i = 0; i < 5 + moving; ++i) {
      const double t = 0.2 * i;
      const double since = std::max(0.0, t - 0.8);
      points.push_back({t, {100 + 17.5 * since * since + jitter[i], 50}});
    }
    const double speed = 35 * (points.back().time_seconds - 0.8);
    const auto fit = fit_motion(points, 3, 1.5, 100);
    ASSERT_TRUE(fit) << moving;
    EXPECT_TRUE(fit->curved) << moving;
    EXPECT_NEAR(fit->velocity.x, speed, 3) << moving;
    const auto line = fit_velocity(points, 3, 1.5);
    ASSERT_TRUE(line) << moving;
    EXPECT_LT(line->x, speed - 5) << moving << ": the line lags";
  }
}

// A car standing at a crossing, its outline noisy (0.8 px along the lane),
// fitted every frame: never a bend, so never a phantom start (a bend from a standstill
// need not keep a heading, so the noise alone must not make one).
TEST(VelocityFitTest, ANoisyStandstillIsNoStart) {
  std::mt19937 random(11);
  std::normal_distribution<double> outline(0, 0.8);
  int bends = 0;
  for (const double dt : {0.2, 0.1}) {
    const int points = dt > 0.15 ? 7 : 13;  // 1.2 s of frames
    for (int trial = 0; trial < 3000; ++trial) {
      std::deque<TimedCenter> standing;
      for (int i = 0; i < points; ++i) {
        standing.push_back({dt * i, {100 + outline(random), 50}});
      }
      const auto fit = fit_motion(standing, 3, 2.2, 168);
      bends += fit && fit->curved;
    }
  }
  EXPECT_EQ(bends, 0);
}

// The parabola through the last three points gives the velocity at the
// newest exactly, however unequally they are spaced; two points give their
// line's.
TEST(VelocityFitTest, ParabolaVelocityIsExactOnAParabola) {
  const auto at = [](double t) { return cv::Point2d(3 + 10 * t - 7 * t * t, 5 - 4 * t); };
  std::deque<TimedCenter> points{{0.0, at(0.0)}, {0.15, at(0.15)}, {0.4, at(0.4)}};
  const auto v = parabola_velocity(points);
  ASSERT_TRUE(v);
  EXPECT_NEAR(v->x, 10 - 14 * 0.4, 1e-9);
  EXPECT_NEAR(v->y, -4, 1e-9);
  points.pop_front();
  const auto line = parabola_velocity(points);
  ASSERT_TRUE(line);
  EXPECT_NEAR(line->x, (at(0.4).x - at(0.15).x) / 0.25, 1e-9);
  points.pop_front();
  EXPECT_FALSE(parabola_velocity(points));
}

// Braking to a standstill and standing there: the fit never says the car
// backs up (a bend through zero speed is no steady brake).
TEST(VelocityFitTest, ABrakeToAStandstillNeverReadsAsReversing) {
  const Braking car = braking_car(18, 100.0 / 60);
  for (size_t n = 4; n <= car.points.size(); ++n) {
    const std::deque<TimedCenter> seen(car.points.begin(), car.points.begin() + n);
    const auto fit = fit_motion(seen, 3, 1.5, 100);
    if (fit) {
      EXPECT_GT(fit->velocity.x, -2) << n;
    }
  }
}

// One odd outline after an exact line, and an instant stop: neither is a
// steady brake.
TEST(VelocityFitTest, AnOddOutlineOrAnInstantStopIsNoBend) {
  auto odd = line_of(7, 100, 0);
  odd.back().center.x -= 3;
  const auto fit = fit_motion(odd, 3, 1.5, 100);
  EXPECT_FALSE(fit && fit->curved);

  auto stop = line_of(6, 100, 0);
  for (int i = 0; i < 3; ++i) stop.push_back({stop.back().time_seconds + 0.2, stop.back().center});
  const auto stopped = fit_motion(stop, 3, 1.5, 100);
  ASSERT_TRUE(stopped);
  EXPECT_FALSE(stopped->curved);
  EXPECT_NEAR(stopped->velocity.x, 0, 1e-6);
}

}  // namespace
}  // namespace tmon::detect
