#include "detect/sim_scene.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tmon::detect
