#include "detect/evaluation.h"

#include <algorithm>
#include <tuple>

namespace tmon::detect {

double iou(const cv::Rect2d& a, const cv::Rect2d& b) {
  const double overlap = (a & b).area();
  const double joint = a.area() + b.area() - overlap;
  return joint > 0 ? overlap / joint : 0;
}

MatchCounts& MatchCounts::operator+=(const MatchCounts& other) {
  true_positives += other.true_positives;
  false_positives += other.false_positives;
  false_negatives += other.false_negatives;
  return *this;
}

double MatchCounts::precision() const {
  const int detected = true_positives + false_positives;
  return detected > 0 ? static_cast<double>(true_positives) / detected : 1.0;
}

double MatchCounts::recall() const {
  const int truth = true_positives + false_negatives;
  return truth > 0 ? static_cast<double>(true_positives) / truth : 1.0;
}

MatchCounts match_boxes(const std::vector<cv::Rect2d>& truth,
                        const std::vector<cv::Rect2d>& detected, double min_iou,
                        const std::vector<cv::Rect2d>& dont_care) {
  std::vector<std::tuple<double, size_t, size_t>> pairs;
  for (size_t t = 0; t < truth.size(); ++t) {
    for (size_t d = 0; d < detected.size(); ++d) {
      const double overlap = iou(truth[t], detected[d]);
      if (overlap >= min_iou) pairs.emplace_back(overlap, t, d);
    }
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  MatchCounts counts;
  counts.match_of_truth.assign(truth.size(), -1);
  std::vector<bool> used(detected.size(), false);
  for (const auto& [overlap, t, d] : pairs) {
    if (counts.match_of_truth[t] >= 0 || used[d]) continue;
    counts.match_of_truth[t] = static_cast<int>(d);
    used[d] = true;
    ++counts.true_positives;
  }
  counts.false_negatives = static_cast<int>(truth.size()) - counts.true_positives;
  for (size_t d = 0; d < detected.size(); ++d) {
    if (used[d]) continue;
    const bool excused =
        std::any_of(dont_care.begin(), dont_care.end(),
                    [&](const cv::Rect2d& box) { return iou(box, detected[d]) >= min_iou; });
    if (!excused) ++counts.false_positives;
  }
  return counts;
}

}  // namespace tmon::detect
