#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "messages/messages.h"

namespace tmon::detect {

// One detected road user in a frame.
struct Detection {
  int object_id = -1;
  std::string class_name;
  int class_id = -1;
  double confidence = 0;
  cv::Rect2d box;
  cv::Point2d velocity;  // px/s; zero when unknown
  // Motion detectors: part of the box lies where light or shade flickers
  // (a swaying shadow), so the blob may hold some of it.
  bool touches_flicker = false;
};

bool is_vehicle(const std::string& class_name);

// The gap between two boxes (0 when they touch or overlap).
double box_gap(const cv::Rect2d& a, const cv::Rect2d& b);

// Clusters detections whose gap is below `factor` times the smaller one's
// size (sqrt of area), so "close" scales with how big things look rather
// than with fixed pixels; `links` (index pairs) join clusters too (road users
// on a collision course). Returns member indices of clusters of at least
// `min_size`, each sorted, clusters ordered by their first member.
std::vector<std::vector<size_t>> cluster_detections(
    const std::vector<Detection>& detections, double factor, int min_size,
    const std::vector<std::pair<size_t, size_t>>& links = {});

// What the LLM and the triggers want to know about one cluster.
messages::GroupFeatures group_features(const std::vector<Detection>& detections,
                                       const std::vector<size_t>& members);

cv::Rect2d bounding_box(const std::vector<Detection>& detections,
                        const std::vector<size_t>& members);

}  // namespace tmon::detect
