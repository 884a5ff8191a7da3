#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "llm/chat.h"

namespace tmon::llm {

// How a vision model counts an image's tokens (Qwen-VL's rule, DashScope's
// documentation): the picture is resized to whole patches of
// patch_pixels × patch_pixels, its area kept within [min_pixels, max_pixels],
// and each patch costs tokens_per_patch, plus a few tokens that open and close
// the image. So a 1280×720 crop costs about 1,200 tokens and a 96×64 one
// about 10. Configured per model (llm.models in api_keys.yaml).
struct TokenRule {
  int tokens_per_patch = 1;
  int patch_pixels = 28;
  int64_t min_pixels = 4 * 28 * 28;
  int64_t max_pixels = 1280 * 28 * 28;
  int image_overhead_tokens = 2;  // <vision_start> and <vision_end>
  bool operator==(const TokenRule&) const = default;
};

struct ImageSize {
  int width = 0;
  int height = 0;
};

// Width and height from a JPEG's frame header or a PNG's IHDR; nullopt when
// the bytes are neither (or are cut before the header).
std::optional<ImageSize> image_size(std::string_view bytes);
// The same from base64 text (as tasks carry images).
std::optional<ImageSize> image_size_base64(std::string_view base64);

// Tokens of one image under `rule`.
int64_t image_tokens(ImageSize size, const TokenRule& rule);

// Tokens of a text, as tmon (and tmon mock-llm) count them without the
// provider's tokenizer: one per CJK (non-ASCII) character, one per four ASCII
// characters, rounded up. Qwen's tokenizer lands within ~20% of this on the
// built-in prompt; usage in replies corrects the difference (see TokenBudget).
int64_t text_tokens(std::string_view utf8);

// Tokens of a request's prompt: the system prompt, the user text, the image
// (an image that cannot be read counts as max_pixels) and a few tokens of
// chat framing per message.
int64_t prompt_tokens(const ChatRequest& request, const TokenRule& rule);

}  // namespace tmon::llm
