#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <vector>

#include "detect/grouping.h"

namespace tmon::detect {

// Finds road users in frames. One instance serves one camera (motion
// detection keeps a background model of that camera's view) and is used by
// one thread at a time.
class Detector {
 public:
  virtual ~Detector() = default;
  // Boxes in frame pixels, class names from COCO ("car", "person", ...), and
  // no objectId (the tracker assigns identities).
  virtual std::vector<Detection> detect(const cv::Mat& frame) = 0;
  virtual const char* name() const = 0;
};

using DetectorPtr = std::unique_ptr<Detector>;

}  // namespace tmon::detect
