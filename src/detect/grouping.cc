#include "detect/grouping.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tmon::detect {

bool is_vehicle(const std::string& class_name) {
  return class_name == "car" || class_name == "truck" || class_name == "bus" ||
         class_name == "motorcycle" || class_name == "bicycle";
}

double box_gap(const cv::Rect2d& a, const cv::Rect2d& b) {
  const double dx = std::max({0.0, b.x - (a.x + a.width), a.x - (b.x + b.width)});
  const double dy = std::max({0.0, b.y - (a.y + a.height), a.y - (b.y + b.height)});
  return std::hypot(dx, dy);
}

std::vector<std::vector<size_t>> cluster_detections(
    const std::vector<Detection>& detections, double factor, int min_size,
    const std::vector<std::pair<size_t, size_t>>& links) {
  const size_t n = detections.size();
  std::vector<size_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const auto& a = detections[i].box;
      const auto& b = detections[j].box;
      const double size = std::min(std::sqrt(a.area()), std::sqrt(b.area()));
      if (box_gap(a, b) <= factor * size) parent[find(i)] = find(j);
    }
  }
  for (const auto& [i, j] : links) {
    if (i < n && j < n) parent[find(i)] = find(j);
  }
  std::vector<std::vector<size_t>> clusters;
  std::vector<long> cluster_of_root(n, -1);
  for (size_t i = 0; i < n; ++i) {
    const size_t root = find(i);
    if (cluster_of_root[root] < 0) {
      cluster_of_root[root] = static_cast<long>(clusters.size());
      clusters.emplace_back();
    }
    clusters[static_cast<size_t>(cluster_of_root[root])].push_back(i);
  }
  std::erase_if(clusters, [&](const auto& c) { return static_cast<int>(c.size()) < min_size; });
  return clusters;
}

cv::Rect2d bounding_box(const std::vector<Detection>& detections,
                        const std::vector<size_t>& members) {
  cv::Rect2d box;
  for (size_t i = 0; i < members.size(); ++i) {
    box = i == 0 ? detections[members[i]].box : (box | detections[members[i]].box);
  }
  return box;
}

messages::GroupFeatures group_features(const std::vector<Detection>& detections,
                                       const std::vector<size_t>& members) {
  messages::GroupFeatures features;
  double member_area = 0;
  cv::Point2d velocity_sum;
  for (size_t i = 0; i < members.size(); ++i) {
    const Detection& a = detections[members[i]];
    ++features.classCounts[a.class_name];
    member_area += a.box.area();
    velocity_sum += a.velocity;
    for (size_t j = i + 1; j < members.size(); ++j) {
      const Detection& b = detections[members[j]];
      const double gap = box_gap(a.box, b.box);
      const bool a_vehicle = is_vehicle(a.class_name);
      const bool b_vehicle = is_vehicle(b.class_name);
      if (a_vehicle && b_vehicle) {
        features.minSpacing = features.minSpacing < 0 ? gap : std::min(features.minSpacing, gap);
      } else if (a_vehicle != b_vehicle && (a.class_name == "person" || b.class_name == "person")) {
        features.minPersonVehicleDistance = features.minPersonVehicleDistance < 0
                                                ? gap
                                                : std::min(features.minPersonVehicleDistance, gap);
      }
    }
  }
  const cv::Rect2d box = bounding_box(detections, members);
  features.density = box.area() > 0 ? std::min(1.0, member_area / box.area()) : 0;
  if (!members.empty()) {
    const cv::Point2d mean = velocity_sum / static_cast<double>(members.size());
    features.speed = std::hypot(mean.x, mean.y);
    // Image y grows downwards; heading is counter-clockwise from +x as usual.
    features.heading = features.speed > 0 ? std::atan2(-mean.y, mean.x) * 180.0 / M_PI : 0;
  }
  return features;
}

}  // namespace tmon::detect
