#include "messages/utf8.h"

#include <cstdint>

namespace tmon::messages::detail {
namespace {

bool is_continuation(uint8_t byte) {
  return (byte & 0xC0) == 0x80;
}

// Length of the well-formed sequence starting at bytes[i], or 0 if none does.
size_t sequence_length(std::string_view bytes, size_t i) {
  const auto lead = static_cast<uint8_t>(bytes[i]);
  if (lead < 0x80) return 1;
  // The allowed range of the second byte is what rules out overlong forms
  // (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
  size_t length = 0;
  uint8_t second_min = 0x80;
  uint8_t second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return 0;  // C0, C1 (overlong), F5..FF, or a stray continuation byte
  }
  if (bytes.size() - i < length) return 0;
  const auto second = static_cast<uint8_t>(bytes[i + 1]);
  if (second < second_min || second > second_max) return 0;
  for (size_t j = 2; j < length; ++j) {
    if (!is_continuation(static_cast<uint8_t>(bytes[i + j]))) return 0;
  }
  return length;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    const size_t length = sequence_length(bytes, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string sanitize_utf8(std::string_view bytes) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    const size_t length = sequence_length(bytes, i);
    if (length == 0) {
      out += kReplacement;
      ++i;
    } else {
      out += bytes.substr(i, length);
      i += length;
    }
  }
  return out;
}

std::string_view truncate_utf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Back up over continuation bytes to the start of the sequence that was cut.
  while (end > 0 && is_continuation(static_cast<uint8_t>(text[end]))) --end;
  return text.substr(0, end);
}

}  // namespace tmon::messages::detail
