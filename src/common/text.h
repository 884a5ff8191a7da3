#pragma once

#include <string>
#include <string_view>

namespace tmon {

// `text` with ASCII letters lowered (header names, schemes, provider codes:
// never locale-dependent).
std::string ascii_lower(std::string_view text);

}  // namespace tmon
