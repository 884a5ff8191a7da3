#pragma once

#include <cstdint>

#include "common/result.h"

namespace tmon::messages {

// How far a message's capture time may lie from now. A frame older than a
// day is not news (and its results would fill history out of order); one
// from the future would freeze a camera's latest view until then. The lead
// allows for clocks a little apart between hosts.
inline constexpr int64_t kMaxCaptureAgeMs = 24LL * 3600 * 1000;
inline constexpr int64_t kMaxCaptureLeadMs = 5LL * 60 * 1000;

// Checks a decoded message's captureTs (epoch ms) against now_ms: ok within
// [now − 1 day, now + 5 min], and for 0 (the original system's tasks may
// carry no capture time). Otherwise an error whose message names the field
// and says "out of range", which files the dead letter under invalid_value.
// Decoders are pure; stages call this with their clock's now.
Status check_capture_ts(int64_t capture_ts, int64_t now_ms);

}  // namespace tmon::messages
