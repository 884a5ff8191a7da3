// A preview's bounds: the width of its picture read from the JPEG header,
// crops then the picture left out to fit max_bytes, nothing sent past that;
// what is sent decodes as the frame, its camera id in its type.
#include "preview/preview_message.h"

#include <gtest/gtest.h>

#include "api/tests/test_views.h"
#include "common/base64.h"
#include "messages/codec.h"

namespace tmon::preview {
namespace {

// The start of a baseline JPEG of `width` x `height`: SOI, an APP0 segment,
// then the frame header (SOF0). Enough for jpeg_width; padded to `bytes`.
std::string jpeg_base64(int width, int height, size_t bytes = 0) {
  std::string jpeg = {'\xFF', '\xD8', '\xFF', '\xE0', '\x00', '\x10', 'J',  'F',    'I',  'F',
                      '\0',   '\x01', '\x01', '\0',   '\0',   '\x01', '\0', '\x01', '\0', '\0'};
  jpeg += {'\xFF',
           '\xC0',
           '\x00',
           '\x11',
           '\x08',
           static_cast<char>(height >> 8),
           static_cast<char>(height & 0xFF),
           static_cast<char>(width >> 8),
           static_cast<char>(width & 0xFF),
           '\x03'};
  jpeg.resize(std::max(jpeg.size() + 9, bytes), '\0');
  return base64_encode(jpeg);
}

messages::DetectionResult frame_with(std::string thumbnail, size_t crop_bytes) {
  auto frame = api::views::frame(messages::CameraId::integer(7), 1'700'000'000'000);
  frame.thumbnailBase64 = std::move(thumbnail);
  frame.groupImages[0].imageBase64 = std::string(crop_bytes, 'A');
  return frame;
}

TEST(JpegWidthTest, ReadsTheFrameHeader) {
  EXPECT_EQ(jpeg_width(jpeg_base64(320, 180)), 320);
  EXPECT_EQ(jpeg_width(jpeg_base64(1920, 1080)), 1920);
  EXPECT_EQ(jpeg_width(base64_encode("not a jpeg at all")), std::nullopt);
  EXPECT_EQ(jpeg_width("%%%"), std::nullopt);
  EXPECT_EQ(jpeg_width(""), std::nullopt);
  // A header cut short before the frame header.
  EXPECT_EQ(jpeg_width(base64_encode(std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10))),
            std::nullopt);
}

TEST(MakePreviewTest, AFrameWithinBoundsGoesWhole) {
  const auto frame = frame_with(jpeg_base64(320, 180), 1'000);
  const auto preview = make_preview(frame, {640, 65'536});
  ASSERT_TRUE(preview);
  EXPECT_FALSE(preview->crops_dropped);
  EXPECT_FALSE(preview->frame_dropped);
  const auto decoded = messages::decode_detection_result(preview->json);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, frame);
  EXPECT_TRUE(decoded->cameraId.is_integer());  // 7 travels as a number
}

TEST(MakePreviewTest, APictureWiderThanMaxWidthIsLeftOut) {
  const auto preview = make_preview(frame_with(jpeg_base64(1280, 720), 100), {640, 65'536});
  ASSERT_TRUE(preview);
  EXPECT_TRUE(preview->frame_dropped);
  EXPECT_EQ(preview->json.find("thumbnailBase64"), std::string::npos);
  // Unreadable is not small: it is left out too.
  const auto garbage = make_preview(frame_with("bm90IGEganBlZw==", 100), {640, 65'536});
  ASSERT_TRUE(garbage);
  EXPECT_TRUE(garbage->frame_dropped);
}

TEST(MakePreviewTest, OverMaxBytesTheCropsGoFirstThenThePicture) {
  const std::string picture = jpeg_base64(320, 180, 20'000);
  auto crops_only = make_preview(frame_with(picture, 40'000), {640, 32'768});
  ASSERT_TRUE(crops_only);
  EXPECT_TRUE(crops_only->crops_dropped);
  EXPECT_FALSE(crops_only->frame_dropped);
  EXPECT_LE(crops_only->json.size(), 32'768u);
  const auto decoded = messages::decode_detection_result(crops_only->json);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->thumbnailBase64, picture);
  ASSERT_EQ(decoded->groupImages.size(), 1u);  // the crop's entry stays, without its picture
  EXPECT_TRUE(decoded->groupImages[0].imageBase64.empty());

  auto neither = make_preview(frame_with(jpeg_base64(320, 180, 40'000), 40'000), {640, 32'768});
  ASSERT_TRUE(neither);
  EXPECT_TRUE(neither->crops_dropped);
  EXPECT_TRUE(neither->frame_dropped);
  EXPECT_LE(neither->json.size(), 32'768u);
}

TEST(MakePreviewTest, NothingGoesWhenEvenTheBareFrameIsTooLarge) {
  auto frame = frame_with("", 0);
  frame.detectedObjects.resize(2'000, frame.detectedObjects[0]);
  EXPECT_EQ(make_preview(frame, {640, 4'096}), std::nullopt);
}

}  // namespace
}  // namespace tmon::preview
