#include "messages/freshness.h"

#include <string>

namespace tmon::messages {

Status check_capture_ts(int64_t capture_ts, int64_t now_ms) {
  if (capture_ts == 0) return {};
  // now_ms is a clock's (sane) value: the bounds are computed from it, never
  // from capture_ts, so no int64 overflows whatever a message says.
  if (capture_ts > now_ms + kMaxCaptureLeadMs) {
    return make_error(ErrorCode::kInvalidArgument,
                      "captureTs: out of range: " + std::to_string(capture_ts) +
                          " is more than 5 minutes in the future");
  }
  if (capture_ts < now_ms - kMaxCaptureAgeMs) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "captureTs: out of range: " + std::to_string(capture_ts) + " is more than 1 day old");
  }
  return {};
}

}  // namespace tmon::messages
