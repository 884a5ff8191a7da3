#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <vector>

#include "detect/grouping.h"

namespace tmon::detect {

// What the tracker tells a detector before each frame: the frame's time and
// where the road users it reports are expected (boxes grown for
// uncertainty). `established` ones have travelled far: a background-
// subtracting detector keeps their regions out of its background (a vehicle
// waiting at a crossing is not road) and never takes them for light or
// shade; motion inside any `reported` box is not counted as flicker.
struct TrackFeedback {
  double time_seconds = 0;
  std::vector<cv::Rect2d> established;
  std::vector<cv::Rect2d> reported;
};

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
  // Called before detect() with the frame's time and the tracker's view.
  virtual void observe(const TrackFeedback&) {}
  // Whether what it finds is motion rather than objects, so that a blob must
  // be seen moving before it is taken for a road user.
  virtual bool finds_motion() const { return false; }
};

using DetectorPtr = std::unique_ptr<Detector>;

}  // namespace tmon::detect
