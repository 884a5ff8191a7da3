#include "preview/preview_message.h"

#include "common/base64.h"
#include "messages/codec.h"

namespace tmon::preview {
namespace {

// The JPEG header sits in the first bytes; 64 KB covers any EXIF before it.
constexpr size_t kHeaderBase64Chars = 88'000;

bool is_frame_header(uint8_t marker) {
  // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

}  // namespace

std::optional<int> jpeg_width(std::string_view base64_jpeg) {
  std::string_view head = base64_jpeg.substr(0, kHeaderBase64Chars);
  head = head.substr(0, head.size() - head.size() % 4);  // whole base64 quanta
  const auto bytes = base64_decode(head);
  if (!bytes || bytes->size() < 4) return std::nullopt;
  const auto at = [&](size_t i) { return static_cast<uint8_t>((*bytes)[i]); };
  if (at(0) != 0xFF || at(1) != 0xD8) return std::nullopt;  // SOI
  size_t i = 2;
  while (i + 4 <= bytes->size()) {
    if (at(i) != 0xFF) return std::nullopt;
    const uint8_t marker = at(i + 1);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    const size_t length = (static_cast<size_t>(at(i + 2)) << 8) | at(i + 3);
    if (is_frame_header(marker)) {
      // length(2) precision(1) height(2) width(2)
      if (i + 9 > bytes->size()) return std::nullopt;
      return (static_cast<int>(at(i + 7)) << 8) | at(i + 8);
    }
    if (length < 2) return std::nullopt;
    i += 2 + length;
  }
  return std::nullopt;
}

std::optional<Preview> make_preview(messages::DetectionResult frame, const PreviewBounds& bounds) {
  Preview preview;
  if (!frame.thumbnailBase64.empty()) {
    const auto width = jpeg_width(frame.thumbnailBase64);
    if (!width || *width > bounds.max_width) {
      frame.thumbnailBase64.clear();
      preview.frame_dropped = true;
    }
  }
  preview.json = messages::encode(frame);
  if (preview.json.size() <= bounds.max_bytes) return preview;
  // The crops first: the picture of the scene is what a viewer looks at.
  bool had_crops = false;
  for (auto& image : frame.groupImages) {
    had_crops = had_crops || !image.imageBase64.empty();
    image.imageBase64.clear();
  }
  if (had_crops) {
    preview.crops_dropped = true;
    preview.json = messages::encode(frame);
    if (preview.json.size() <= bounds.max_bytes) return preview;
  }
  if (!frame.thumbnailBase64.empty()) {
    frame.thumbnailBase64.clear();
    preview.frame_dropped = true;
    preview.json = messages::encode(frame);
    if (preview.json.size() <= bounds.max_bytes) return preview;
  }
  return std::nullopt;
}

}  // namespace tmon::preview
