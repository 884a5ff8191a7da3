#include "llm/token_estimate.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "llm/prompt.h"
#include "llm/tests/fake_images.h"

namespace tmon::llm {
namespace {

TEST(ImageSizeTest, ReadsJpegFrameHeaderAfterOtherSegments) {
  const auto size = image_size(testing::jpeg_header(1280, 720));
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 1280);
  EXPECT_EQ(size->height, 720);
}

TEST(ImageSizeTest, ReadsPngHeader) {
  const auto size = image_size(testing::png_header(96, 64));
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 96);
  EXPECT_EQ(size->height, 64);
}

TEST(ImageSizeTest, UnknownBytesHaveNoSize) {
  EXPECT_FALSE(image_size("AAAA"));
  EXPECT_FALSE(image_size_base64("not base64!"));
  EXPECT_FALSE(image_size(testing::jpeg_header(10, 10).substr(0, 8)));  // cut short
}

struct ImageRow {
  int width;
  int height;
  int64_t tokens;
};

class ImageTokensTest : public ::testing::TestWithParam<ImageRow> {};

// Qwen-VL's rule with its default bounds: whole 28-pixel patches, area kept
// within [4, 1280] patches, +2 for the image's start and end tokens.
TEST_P(ImageTokensTest, FollowsThePatchRule) {
  const ImageRow& row = GetParam();
  EXPECT_EQ(image_tokens({row.width, row.height}, TokenRule{}), row.tokens)
      << row.width << "x" << row.height;
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, ImageTokensTest,
    ::testing::Values(ImageRow{1280, 720, 46 * 26 + 2},  // ~1,200
                      ImageRow{96, 64, 3 * 2 + 2},       // ~10 (min 4 patches)
                      ImageRow{28, 28, 4 + 2},           // raised to the minimum
                      ImageRow{640, 480, 23 * 17 + 2}, ImageRow{224, 224, 8 * 8 + 2},
                      ImageRow{1920, 1080, 26 * 47 + 2}));  // scaled under 1280

TEST(ImageTokensTest, RuleIsConfigurable) {
  TokenRule rule;
  rule.patch_pixels = 14;
  rule.tokens_per_patch = 2;
  rule.image_overhead_tokens = 0;
  EXPECT_EQ(image_tokens({140, 70}, rule), 10 * 5 * 2);
}

TEST(TextTokensTest, CountsCjkPerCharacterAndAsciiPerFour) {
  EXPECT_EQ(text_tokens(""), 0);
  EXPECT_EQ(text_tokens("abcd"), 1);
  EXPECT_EQ(text_tokens("abcde"), 2);
  EXPECT_EQ(text_tokens("交通"), 2);
  EXPECT_EQ(text_tokens("交通 ok"), 2 + 1);
}

TEST(PromptTokensTest, SumsTextImageAndFraming) {
  ChatRequest request;
  request.system_prompt = "abcd";
  request.user_text = "交通";
  request.image_base64 = base64_encode(testing::jpeg_header(96, 64));
  EXPECT_EQ(prompt_tokens(request, TokenRule{}), 8 + 1 + 2 + 8);
  request.image_base64 = "????";  // unreadable: the largest image the model takes
  EXPECT_EQ(prompt_tokens(request, TokenRule{}), 8 + 1 + 2 + 1280 + 2);
}

TEST(PromptTokensTest, ABatchCountsEveryPictureAndLabel) {
  ChatRequest request;
  request.system_prompt = "abcd";
  request.user_text = "交通";
  const std::string small = base64_encode(testing::jpeg_header(96, 64));
  request.images = {{"交通", small, ""}, {"交通", small, ""}};
  EXPECT_EQ(prompt_tokens(request, TokenRule{}), 8 + 1 + 2 + 2 * (2 + 8));
  // Parsed back, the labels join the text and the pictures are all there.
  const auto parsed = parse_chat_request_body(chat_request_body(request));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(prompt_tokens(*parsed, TokenRule{}), prompt_tokens(request, TokenRule{}));
}

TEST(PromptTokensTest, ParsedBodyCountsTheSameAsTheRequest) {
  ChatRequest request;
  request.model = "qwen-vl-max";
  request.system_prompt = kDefaultSystemPrompt;
  request.user_text = "摄像头 cam-1，第 2 组。Context: {}";
  request.image_base64 = base64_encode(testing::jpeg_header(640, 480));
  request.max_tokens = 300;
  const auto parsed = parse_chat_request_body(chat_request_body(request));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->model, "qwen-vl-max");
  EXPECT_EQ(parsed->max_tokens, 300);
  EXPECT_EQ(prompt_tokens(*parsed, TokenRule{}), prompt_tokens(request, TokenRule{}));
  EXPECT_FALSE(parse_chat_request_body("{}"));
}

}  // namespace
}  // namespace tmon::llm
