#include "detect/homography.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace tmon::detect {
namespace {

// Twice the signed area of a triangle: zero when the points are on a line.
double cross(const cv::Point2d& a, const cv::Point2d& b, const cv::Point2d& c) {
  return (b - a).cross(c - a);
}

bool three_on_a_line(const std::array<cv::Point2d, 4>& points) {
  double scale = 0;
  for (const auto& p : points) scale = std::max({scale, std::abs(p.x), std::abs(p.y)});
  const double tolerance = 1e-9 * std::max(1.0, scale * scale);
  for (int skip = 0; skip < 4; ++skip) {
    std::array<cv::Point2d, 3> three;
    int k = 0;
    for (int i = 0; i < 4; ++i) {
      if (i != skip) three[static_cast<size_t>(k++)] = points[static_cast<size_t>(i)];
    }
    if (std::abs(cross(three[0], three[1], three[2])) <= tolerance) return true;
  }
  return false;
}

}  // namespace

GroundPlane::GroundPlane(cv::Matx33d to_ground)
    : to_ground_(to_ground), to_image_(to_ground.inv()) {}

Result<GroundPlane> GroundPlane::from_pairs(const std::vector<PointPair>& pairs) {
  if (pairs.size() != 4) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected 4 point pairs {image: [x, y], ground: [x, y]}, got " +
                          std::to_string(pairs.size()));
  }
  std::array<cv::Point2d, 4> image, ground;
  std::vector<cv::Point2f> image_f, ground_f;
  for (size_t i = 0; i < 4; ++i) {
    image[i] = pairs[i].image;
    ground[i] = pairs[i].ground;
    image_f.emplace_back(static_cast<float>(image[i].x), static_cast<float>(image[i].y));
    ground_f.emplace_back(static_cast<float>(ground[i].x), static_cast<float>(ground[i].y));
  }
  if (three_on_a_line(image) || three_on_a_line(ground)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "three of the 4 points lie on one line: pick 4 points spread over the road");
  }
  const cv::Mat h = cv::getPerspectiveTransform(image_f, ground_f, cv::DECOMP_SVD);
  const cv::Matx33d matrix(h);
  if (std::abs(cv::determinant(matrix)) < 1e-15) {
    return make_error(ErrorCode::kInvalidArgument, "the 4 point pairs do not define a plane");
  }
  return GroundPlane(matrix);
}

cv::Point2d GroundPlane::apply(const cv::Matx33d& h, const cv::Point2d& p) {
  const cv::Vec3d q = h * cv::Vec3d(p.x, p.y, 1);
  return {q[0] / q[2], q[1] / q[2]};
}

cv::Point2d GroundPlane::to_ground(const cv::Point2d& image) const {
  return apply(to_ground_, image);
}

cv::Point2d GroundPlane::to_image(const cv::Point2d& ground) const {
  return apply(to_image_, ground);
}

cv::Rect2d GroundPlane::to_ground(const cv::Rect2d& image) const {
  const cv::Point2d corners[] = {
      image.tl(), {image.x + image.width, image.y}, image.br(), {image.x, image.y + image.height}};
  double x1 = INFINITY, y1 = INFINITY, x2 = -INFINITY, y2 = -INFINITY;
  for (const auto& corner : corners) {
    const cv::Point2d g = to_ground(corner);
    x1 = std::min(x1, g.x);
    y1 = std::min(y1, g.y);
    x2 = std::max(x2, g.x);
    y2 = std::max(y2, g.y);
  }
  return {x1, y1, x2 - x1, y2 - y1};
}

cv::Point2d GroundPlane::velocity_to_ground(const cv::Point2d& at,
                                            const cv::Point2d& velocity) const {
  // The map is not linear: a central difference over half a second each way.
  return to_ground(at + 0.5 * velocity) - to_ground(at - 0.5 * velocity);
}

}  // namespace tmon::detect
