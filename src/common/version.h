#pragma once

namespace tmon {
inline constexpr const char* kVersion = "0.1.0";
inline constexpr const char* kServiceName = "tmon";
}  // namespace tmon
