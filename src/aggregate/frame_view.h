#pragma once

#include <optional>
#include <string>
#include <vector>

#include "messages/frame_view.h"
#include "messages/messages.h"

namespace tmon::aggregate {

// What a frame (one requestId) is known to contain when its view is built.
struct FrameInfo {
  messages::CameraId camera_id;
  std::string request_id;
  int64_t capture_ts = 0;
  int expected_results = 1;  // the frame's frameTaskCount (or its groups, for the original's)
  bool partial = false;      // published after the timeout with results missing
};

// The merged view of one frame: its detection (when the aggregator has it)
// with every result's group risks (ordered by groupIndex, so a view does not
// depend on arrival order), each task's outcome, and whether the frame is
// dangerous: hasDangerousDriving when any ok assessment says so, and the
// highest risk level of the ok ones. Alerts are the caller's (alerts.h).
messages::FrameView merge_frame(const FrameInfo& frame,
                                std::vector<messages::AssessmentResult> results,
                                std::optional<messages::DetectionResult> detection,
                                int64_t stored_ms);

}  // namespace tmon::aggregate
