#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "messages/messages.h"

namespace tmon::preview {

// What one preview may weigh.
struct PreviewBounds {
  int max_width = 640;       // the annotated frame's width (px)
  size_t max_bytes = 65536;  // the whole message
};

// A frame made into a preview: the detection-results message of the frame
// (messages::encode) with its annotated thumbnail, which is what a local
// /ws watcher gets. It carries no camera URL at all, so no credential.
struct Preview {
  std::string json;
  bool crops_dropped = false;  // group crops left out to fit max_bytes
  bool frame_dropped = false;  // the thumbnail left out: too wide, or to fit max_bytes
};

// The preview of `frame` within `bounds`: a thumbnail wider than max_width
// is left out; a message over max_bytes loses its group crops, then its
// thumbnail. nullopt when even that is too large (hundreds of objects).
std::optional<Preview> make_preview(messages::DetectionResult frame, const PreviewBounds& bounds);

// The width of a base64 JPEG from its frame header (SOFn), without decoding
// the picture; nullopt when it is not a JPEG one can read.
std::optional<int> jpeg_width(std::string_view base64_jpeg);

}  // namespace tmon::preview
