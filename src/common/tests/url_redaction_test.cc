#include "common/url_redaction.h"

#include <gtest/gtest.h>

namespace tmon {
namespace {

TEST(UrlRedactionTest, MasksUserinfo) {
  EXPECT_EQ(mask_url_credentials("rtsp://admin:s3cret@10.0.0.7:554/live"),
            "rtsp://***@10.0.0.7:554/live");
  // A password with '/' or '@' is masked whole, not cut at the first one.
  EXPECT_EQ(mask_url_credentials("rtsp://admin:pa/ss@cam/live"), "rtsp://***@cam/live");
  EXPECT_EQ(mask_url_credentials("rtsp://admin:p@ss@cam/live"), "rtsp://***@cam/live");
}

TEST(UrlRedactionTest, MasksSecretQueryParameters) {
  EXPECT_EQ(mask_url_credentials("http://cam/video.mjpg?user=me&password=hunter2&ch=1"),
            "http://cam/video.mjpg?user=me&password=***&ch=1");
  EXPECT_EQ(mask_url_credentials("rtsp://cam/x?pwd=1&pass=2&token=3&key=4&api_key=5"),
            "rtsp://cam/x?pwd=***&pass=***&token=***&key=***&api_key=***");
  EXPECT_EQ(mask_url_credentials("rtsp://u:p@cam/x?Password=2#frag"),
            "rtsp://***@cam/x?Password=***#frag");
}

TEST(UrlRedactionTest, LeavesHarmlessUrlsAlone) {
  EXPECT_EQ(mask_url_credentials("rtsp://10.0.0.7/live?user=a@b"), "rtsp://10.0.0.7/live?user=a@b");
  EXPECT_EQ(mask_url_credentials("/videos/clip.mp4"), "/videos/clip.mp4");
  EXPECT_EQ(mask_url_credentials("sim://?seed=3&density=0.5"), "sim://?seed=3&density=0.5");
}

}  // namespace
}  // namespace tmon
