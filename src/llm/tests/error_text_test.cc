#include "llm/error_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tmon::llm {
namespace {

// Made up, and assembled so that no key-shaped literal sits in the repository.
const std::string kKey = std::string("sk-") + "4f9a0c1e2b3d4c5e" + "6f7a8b9c0d1e2f3a";

TEST(ScrubProviderTextTest, KeepsAnOrdinaryMessage) {
  EXPECT_EQ(scrub_provider_text("Requests rate limit exceeded, please try again later."),
            "Requests rate limit exceeded, please try again later.");
  EXPECT_EQ(scrub_provider_text("invalid_api_key: Incorrect API key provided."),
            "invalid_api_key: Incorrect API key provided.");
  EXPECT_EQ(scrub_provider_text("max tokens exceeded (tokens per minute)"),
            "max tokens exceeded (tokens per minute)");
}

TEST(ScrubProviderTextTest, RemovesTheConfiguredKeyWherever) {
  const std::vector<std::string> secrets{"k3y-without-any-known-shape", "abc"};
  const std::string out =
      scrub_provider_text("proxy saw k3y-without-any-known-shape in your request", secrets);
  EXPECT_EQ(out.find("k3y-without"), std::string::npos) << out;
  EXPECT_NE(out.find("***"), std::string::npos);
  // Too short to be a key: ordinary words are left alone.
  EXPECT_EQ(scrub_provider_text("abc", secrets), "abc");
}

TEST(ScrubProviderTextTest, MasksBearerAndKeyShapedTokens) {
  for (const std::string& text : {
           "upstream rejected Authorization: Bearer " + kKey + " (echo)",
           "header authorization=bearer:" + kKey,
           "key " + kKey + " is not valid",
           "{\"api_key\": \"" + kKey + "\"}",
           "GET /v1?api_key=" + kKey + "&x=1",
           "token=" + kKey,
       }) {
    const std::string out = scrub_provider_text(text);
    EXPECT_EQ(out.find("4f9a0c1e"), std::string::npos) << text << " -> " << out;
    EXPECT_NE(out.find("***"), std::string::npos) << out;
  }
}

TEST(ScrubProviderTextTest, CutsLongTextOnACharacterBoundary) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "限";  // three bytes each
  const std::string out = scrub_provider_text(text);
  EXPECT_EQ(out, std::string(text.substr(0, kMaxProviderTextChars * 3)) + "…");
  EXPECT_EQ(scrub_provider_text(std::string(100'000, 'x')).size(), kMaxProviderTextChars + 3);
}

TEST(ScrubProviderTextTest, AKeyBeyondTheCutIsNotHalfShown) {
  // The key straddles the 200th character: masked before the cut, so no
  // prefix of it survives.
  const std::string text = std::string(190, 'x') + " Bearer " + kKey;
  const std::string out = scrub_provider_text(text);
  EXPECT_EQ(out.find("sk-4f"), std::string::npos) << out;
}

TEST(ScrubProviderTextTest, ControlCharactersCannotForgeLogLines) {
  EXPECT_EQ(scrub_provider_text("a\nERROR forged\r\x1b[31m"), "a ERROR forged  [31m");
}

}  // namespace
}  // namespace tmon::llm
