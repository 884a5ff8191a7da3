#include "messages/utf8.h"

#include <gtest/gtest.h>

namespace tmon::messages::detail {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii\n"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE8\xB7\xAF \xF0\x9F\x9A\x97"));
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  EXPECT_TRUE(is_valid_utf8(std::string_view("\0", 1)));
}

TEST(Utf8Test, RejectsMalformedSequences) {
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE8\xB7"));          // cut short
  EXPECT_FALSE(is_valid_utf8("a\x80z"));            // stray continuation byte
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8Test, SanitizeReplacesOnlyInvalidBytes) {
  EXPECT_EQ(sanitize_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(sanitize_utf8("a\xFFz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(sanitize_utf8("\xE8\xB7"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(sanitize_utf8("\xC0\x80\xED\xA0\x80\xF8")));
}

TEST(Utf8Test, TruncateNeverSplitsACharacter) {
  const std::string text = "ab\xE8\xB7\xAF";  // 'a', 'b', then a 3-byte character
  EXPECT_EQ(truncate_utf8(text, 10), text);
  EXPECT_EQ(truncate_utf8(text, 5), text);
  EXPECT_EQ(truncate_utf8(text, 4), "ab");
  EXPECT_EQ(truncate_utf8(text, 3), "ab");
  EXPECT_EQ(truncate_utf8(text, 2), "ab");
  EXPECT_EQ(truncate_utf8(text, 0), "");
}

}  // namespace
}  // namespace tmon::messages::detail
