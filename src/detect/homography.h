#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <vector>

#include "common/result.h"

namespace tmon::detect {

// One correspondence between an image point (pixels) and the same point on
// the road (metres, in any ground frame the operator chose).
struct PointPair {
  cv::Point2d image;
  cv::Point2d ground;
};

// A camera's ground plane: maps image pixels to road metres and back, from
// four point pairs (cameras[].homography). Exact for points on the road;
// boxes are mapped by their corners, which for a steep or top-down view is
// the footprint and for a shallow one an approximation.
class GroundPlane {
 public:
  // kInvalidArgument unless there are exactly four pairs, no three image
  // points (or ground points) on one line.
  static Result<GroundPlane> from_pairs(const std::vector<PointPair>& pairs);

  cv::Point2d to_ground(const cv::Point2d& image) const;
  cv::Point2d to_image(const cv::Point2d& ground) const;
  // The axis-aligned bounds of the box's corners on the ground.
  cv::Rect2d to_ground(const cv::Rect2d& image) const;
  // A velocity (px/s) at an image point, as metres per second on the ground.
  cv::Point2d velocity_to_ground(const cv::Point2d& at, const cv::Point2d& velocity) const;

 private:
  explicit GroundPlane(cv::Matx33d to_ground);
  static cv::Point2d apply(const cv::Matx33d& h, const cv::Point2d& p);

  cv::Matx33d to_ground_;
  cv::Matx33d to_image_;
};

}  // namespace tmon::detect
