#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string>

#include "common/clock.h"
#include "detect/detector.h"
#include "detect/group_tracker.h"
#include "detect/homography.h"
#include "detect/ssm.h"
#include "detect/tracker.h"
#include "messages/messages.h"

namespace tmon::detect {

struct AnalyzerOptions {
  int jpeg_quality = 80;  // group crops sent to the LLM
  int min_group_size = 2;
  double group_distance_factor = 1.5;  // "close" relative to object size
  double crop_margin = 0.15;           // crop = group box grown by this fraction per side
  int thumbnail_width = 320;           // annotated frame for the dashboard; 0: none
  int thumbnail_quality = 70;
  // Conflict candidates join one group when at most this many object sizes
  // apart now (a PET pair far apart now stays in its own groups).
  double conflict_link_factor = 4;
  TrackerOptions tracker;
  SafetyOptions safety;
  std::optional<GroundPlane> ground;  // TTC/PET distances in metres when set
};

// One camera's analysis: detect and track every frame it is given (stable
// objectIds, filtered positions and velocities), and for the frames that are
// published, group (stable groupIds), measure TTC/PET per pair of road users,
// and build the detection-results message with one JPEG crop per group,
// carried once as base64, plus an annotated thumbnail.
// Not thread-safe: a camera is analysed by one worker at a time.
class FrameAnalyzer {
 public:
  FrameAnalyzer(std::string camera_id, DetectorPtr detector, AnalyzerOptions options);

  // Detects and tracks one frame; returns the reported road users.
  std::vector<Detection> track(const cv::Mat& frame, int64_t capture_ms);
  // track() and the message of the frame.
  messages::DetectionResult analyze(const cv::Mat& frame, int64_t capture_ms, Clock& clock);
  const char* detector_name() const { return detector_->name(); }
  const Tracker& tracker() const { return tracker_; }

 private:
  std::vector<PairSafety> measure_safety(const std::vector<Detection>& detections) const;
  messages::MemberMotion motion_of(const Detection& detection) const;
  messages::DetectionResult compose(const cv::Mat& frame, int64_t capture_ms,
                                    const std::vector<Detection>& detections);

  std::string camera_id_;
  DetectorPtr detector_;
  AnalyzerOptions options_;
  Tracker tracker_;
  GroupTracker groups_;
  int64_t frame_number_ = 0;
};

// JPEG bytes of an image, as base64.
std::string encode_jpeg_base64(const cv::Mat& image, int quality);

// The frame with boxes, object ids and group outlines drawn on it.
cv::Mat annotate(const cv::Mat& frame, const messages::DetectionResult& result);

}  // namespace tmon::detect
