#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace tmon {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  bool json = false;           // one JSON object per line instead of plain text
  std::string file;            // also append to this file when not empty
};

// Applies options to every logger, existing and future. Call once at start-up;
// safe to call again (on config reload).
void configure_logging(const LogOptions& options);

// The named logger of one component ("schedule", "bus", ...), created on first
// use with the configured sinks. Never log secrets: use mask_secret().
std::shared_ptr<spdlog::logger> get_logger(std::string_view component);

}  // namespace tmon
