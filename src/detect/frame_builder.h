#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "detect/grouping.h"
#include "messages/messages.h"

namespace tmon::detect {

struct FrameBuilderOptions {
  int jpeg_quality = 80;
  int min_group_size = 2;
  double group_distance_factor = 1.5;
  double crop_margin = 0.15;  // crop = group box grown by this fraction per side
};

// Turns one frame and its detections into a detection-results message:
// objects, groups with features, and one JPEG crop per group (base64, once).
// groupId is "<cameraId>-g<lowest member objectId>", which stays the same
// across frames while that object stays in the group.
messages::DetectionResult build_detection_result(const std::string& camera_id, int64_t frame_number,
                                                 int64_t capture_ts, int64_t detected_ts,
                                                 const cv::Mat& frame,
                                                 const std::vector<Detection>& detections,
                                                 const FrameBuilderOptions& options);

// JPEG bytes of an image region, as base64.
std::string encode_jpeg_base64(const cv::Mat& image, int quality);

}  // namespace tmon::detect
