#include "detect/frame_source.h"

#include <gtest/gtest.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "temp_dir.h"

namespace tmon::detect {
namespace {

using tmon::testing::TempDir;

// A small MJPEG AVI whose frame i is a flat image of blue level 20*i.
std::string write_video(const TempDir& dir, const std::string& name, int frames) {
  const std::string path = (dir.path() / name).string();
  cv::VideoWriter writer(path, cv::CAP_OPENCV_MJPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'),
                         100, {160, 120});
  EXPECT_TRUE(writer.isOpened());
  for (int i = 0; i < frames; ++i) {
    writer.write(cv::Mat(120, 160, CV_8UC3, cv::Scalar(20 * i, 0, 0)));
  }
  return path;
}

void write_image(const TempDir& dir, const std::string& name, int level) {
  cv::imwrite((dir.path() / name).string(), cv::Mat(24, 32, CV_8UC3, cv::Scalar(level, level, level)));
}

TEST(FrameSourceTest, SimSceneIsAnOnDemandSourceOfTheRequestedSize) {
  auto source = make_source("sim://?seed=4&width=320&height=180");
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_FALSE((*source)->live());
  ASSERT_TRUE((*source)->open());
  auto frame = (*source)->read(1.0);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->cols, 320);
  EXPECT_EQ(frame->rows, 180);
}

TEST(FrameSourceTest, RejectsWhatItCannotOpenWithTheReason) {
  auto missing = make_source("/nonexistent/camera.mp4");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.error().message.find("unsupported camera URL"), std::string::npos);
  EXPECT_FALSE(make_source("sim://?density=lots"));
  EXPECT_FALSE(make_source("ftp://camera.example/stream"));
}

TEST(FrameSourceTest, FolderPlaysImagesInNameOrderAndEndsWithoutLoop) {
  TempDir dir;
  write_image(dir, "b.png", 20);
  write_image(dir, "a.png", 10);
  write_image(dir, "c.jpg", 30);
  dir.write("notes.txt", "not an image");
  auto source = make_source(dir.str(), {.loop = false});
  ASSERT_TRUE(source);
  ASSERT_TRUE((*source)->open());
  for (int level : {10, 20, 30}) {
    auto frame = (*source)->read(1.0);
    ASSERT_TRUE(frame) << frame.error().message;
    EXPECT_NEAR(frame->at<cv::Vec3b>(5, 5)[0], level, 3);
  }
  auto end = (*source)->read(1.0);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, ErrorCode::kNotFound);  // finished, not broken
}

TEST(FrameSourceTest, LoopingFolderStartsOver) {
  TempDir dir;
  write_image(dir, "a.png", 10);
  write_image(dir, "b.png", 20);
  auto source = make_source("file://" + dir.str(), {.loop = true});
  ASSERT_TRUE(source);
  ASSERT_TRUE((*source)->open());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*source)->read(1.0));
}

TEST(FrameSourceTest, EmptyFolderAndUndecodableImageAreErrors) {
  TempDir dir;
  auto empty = make_source(dir.str());
  ASSERT_TRUE(empty);
  auto opened = (*empty)->open();
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("no images in"), std::string::npos);

  dir.write("broken.jpg", "not a jpeg at all");
  auto broken = make_source(dir.str());
  ASSERT_TRUE((*broken)->open());
  auto frame = (*broken)->read(1.0);
  ASSERT_FALSE(frame);
  EXPECT_NE(frame.error().code, ErrorCode::kNotFound);
  EXPECT_NE(frame.error().message.find("cannot decode"), std::string::npos);
}

TEST(FrameSourceTest, VideoFilePlaysEveryFrameThenEndsOrLoops) {
  TempDir dir;
  const std::string path = write_video(dir, "clip.avi", 6);
  auto once = make_source(path, {.loop = false});
  ASSERT_TRUE(once);
  EXPECT_TRUE((*once)->live());
  ASSERT_TRUE((*once)->open());
  for (int i = 0; i < 6; ++i) {
    auto frame = (*once)->read(0);
    ASSERT_TRUE(frame) << i << ": " << frame.error().message;
    EXPECT_NEAR(frame->at<cv::Vec3b>(60, 80)[0], 20 * i, 8);
  }
  auto end = (*once)->read(0);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, ErrorCode::kNotFound);

  auto looping = make_source(path, {.loop = true});
  ASSERT_TRUE((*looping)->open());
  for (int i = 0; i < 15; ++i) ASSERT_TRUE((*looping)->read(0)) << i;
}

TEST(FrameSourceTest, CorruptVideoFileFailsToOpenWithItsName) {
  TempDir dir;
  const std::string path = dir.write("corrupt.mp4", "this is not a video");
  auto source = make_source(path);
  ASSERT_TRUE(source);  // the file exists; whether it plays shows on open
  auto opened = (*source)->open();
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("corrupt.mp4"), std::string::npos);
}

TEST(FrameSourceTest, CredentialsAreRedacted) {
  EXPECT_EQ(redact_credentials("rtsp://admin:s3cret@10.0.0.7:554/live"),
            "rtsp://***@10.0.0.7:554/live");
  EXPECT_EQ(redact_credentials("rtsp://10.0.0.7/live?user=a@b"), "rtsp://10.0.0.7/live?user=a@b");
  EXPECT_EQ(redact_credentials("/videos/clip.mp4"), "/videos/clip.mp4");
}

}  // namespace
}  // namespace tmon::detect
