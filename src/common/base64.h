#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tmon {

// Standard base64 (RFC 4648, with padding), as used for images in messages.
std::string base64_encode(std::string_view bytes);
// Returns nullopt on any character outside the alphabet or bad padding.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tmon
