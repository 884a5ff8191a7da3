#include "common/base64.h"

#include <gtest/gtest.h>

namespace tmon {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, RoundTripsBinary) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
}

TEST(Base64Test, RejectsBadInput) {
  EXPECT_FALSE(base64_decode("Zm9"));       // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9v!A=="));  // outside the alphabet
  EXPECT_FALSE(base64_decode("Zg==Zm9v"));  // padding before the end
  EXPECT_FALSE(base64_decode("Z=9v"));      // padding in the wrong place
}

}  // namespace
}  // namespace tmon
