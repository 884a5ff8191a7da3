#include "detect/velocity_fit.h"

#include <gtest/gtest.h>

#include <random>

namespace tmon::detect {
namespace {

std::deque<TimedCenter> line_of(int points, double vx, double vy, double dt = 0.2) {
  std::deque<TimedCenter> out;
  for (int i = 0; i < points; ++i) {
    out.push_back({dt * i, {10 + vx * dt * i, 50 + vy * dt * i}});
  }
  return out;
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

}  // namespace
}  // namespace tmon::detect
