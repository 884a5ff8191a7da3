#include "llm/token_estimate.h"

#include <algorithm>
#include <cmath>

#include "common/base64.h"

namespace tmon::llm {
namespace {

// Chat framing per message (<|im_start|>role ... <|im_end|>).
constexpr int64_t kTokensPerMessage = 4;

int read_u16(std::string_view b, size_t at) {
  return (static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]);
}

int64_t read_u32(std::string_view b, size_t at) {
  return (static_cast<int64_t>(read_u16(b, at)) << 16) | read_u16(b, at + 2);
}

std::optional<ImageSize> jpeg_size(std::string_view b) {
  size_t at = 2;  // after SOI
  while (at + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return std::nullopt;
    const auto marker = static_cast<unsigned char>(b[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      at += 2;  // markers without a length
      continue;
    }
    const int length = read_u16(b, at + 2);
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
    const bool frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (at + 9 > b.size()) return std::nullopt;
      return ImageSize{read_u16(b, at + 7), read_u16(b, at + 5)};
    }
    if (marker == 0xDA || length < 2) return std::nullopt;  // scan data before any frame
    at += 2 + static_cast<size_t>(length);
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageSize> image_size(std::string_view b) {
  if (b.size() >= 4 && static_cast<unsigned char>(b[0]) == 0xFF &&
      static_cast<unsigned char>(b[1]) == 0xD8) {
    return jpeg_size(b);
  }
  constexpr std::string_view kPng("\x89PNG\r\n\x1a\n", 8);
  if (b.size() >= 24 && b.substr(0, 8) == kPng && b.substr(12, 4) == "IHDR") {
    return ImageSize{static_cast<int>(read_u32(b, 16)), static_cast<int>(read_u32(b, 20))};
  }
  return std::nullopt;
}

std::optional<ImageSize> image_size_base64(std::string_view base64) {
  const auto bytes = base64_decode(base64);
  if (!bytes) return std::nullopt;
  return image_size(*bytes);
}

int64_t image_tokens(ImageSize size, const TokenRule& rule) {
  const double patch = std::max(1, rule.patch_pixels);
  const double h = std::max(1, size.height);
  const double w = std::max(1, size.width);
  // Qwen-VL's smart resize: round each side to whole patches, then scale the
  // area into [min_pixels, max_pixels] keeping the aspect ratio.
  double h_bar = std::max(patch, std::round(h / patch) * patch);
  double w_bar = std::max(patch, std::round(w / patch) * patch);
  if (h_bar * w_bar > static_cast<double>(rule.max_pixels)) {
    const double beta = std::sqrt(h * w / static_cast<double>(rule.max_pixels));
    h_bar = std::max(patch, std::floor(h / beta / patch) * patch);
    w_bar = std::max(patch, std::floor(w / beta / patch) * patch);
  } else if (h_bar * w_bar < static_cast<double>(rule.min_pixels)) {
    const double beta = std::sqrt(static_cast<double>(rule.min_pixels) / (h * w));
    h_bar = std::ceil(h * beta / patch) * patch;
    w_bar = std::ceil(w * beta / patch) * patch;
  }
  const auto patches = static_cast<int64_t>(std::llround(h_bar / patch * (w_bar / patch)));
  return patches * rule.tokens_per_patch + rule.image_overhead_tokens;
}

int64_t text_tokens(std::string_view utf8) {
  int64_t ascii = 0;
  int64_t other = 0;
  for (const char c : utf8) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      ++ascii;
    } else if ((byte & 0xC0) != 0x80) {
      ++other;  // a lead byte: one code point
    }
  }
  return (ascii + 3) / 4 + other;
}

namespace {

int64_t base64_image_tokens(std::string_view base64, const TokenRule& rule) {
  if (const auto size = image_size_base64(base64)) return image_tokens(*size, rule);
  // Unreadable: assume the largest the model accepts (erring on the safe side).
  return rule.max_pixels / (int64_t{rule.patch_pixels} * rule.patch_pixels) *
             rule.tokens_per_patch +
         rule.image_overhead_tokens;
}

}  // namespace

int64_t prompt_tokens(const ChatRequest& request, const TokenRule& rule) {
  int64_t tokens =
      2 * kTokensPerMessage + text_tokens(request.system_prompt) + text_tokens(request.user_text);
  if (!request.image_base64.empty()) tokens += base64_image_tokens(request.image_base64, rule);
  // A batch's pictures and their labels (a parsed body repeats the first
  // picture in images: it is counted once).
  for (size_t i = 0; i < request.images.size(); ++i) {
    const auto& image = request.images[i];
    tokens += text_tokens(image.label);
    if (i == 0 && image.base64 == request.image_base64) continue;
    if (!image.base64.empty()) tokens += base64_image_tokens(image.base64, rule);
  }
  return tokens;
}

}  // namespace tmon::llm
