#include "messages/camera_id.h"

#include <charconv>

namespace tmon::messages {

CameraId CameraId::integer(int64_t number) {
  CameraId id(std::to_string(number));
  id.integer_ = true;
  return id;
}

CameraId CameraId::with_type(std::string text, bool as_integer) {
  if (as_integer) {
    if (const auto number = canonical_integer(text)) return integer(*number);
  }
  return CameraId(std::move(text));
}

std::optional<int64_t> CameraId::number() const {
  if (!integer_) return std::nullopt;
  return canonical_integer(*this);
}

std::optional<int64_t> canonical_integer(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  // Only the spelling std::to_string gives round-trips: "007" or "-0" would
  // come back as a different text, and the text is the key everywhere.
  if (std::to_string(value) != text) return std::nullopt;
  return value;
}

}  // namespace tmon::messages
