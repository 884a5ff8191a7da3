#pragma once

#include <opencv2/core.hpp>
#include <vector>

namespace tmon::detect {

double iou(const cv::Rect2d& a, const cv::Rect2d& b);

// Detections against ground truth in one frame: pairs are matched greedily
// by IoU, best first, each box at most once; a pair counts at iou >= min_iou.
struct MatchCounts {
  int true_positives = 0;
  int false_positives = 0;
  int false_negatives = 0;
  // For each truth box, the index of its detection, or -1.
  std::vector<int> match_of_truth;

  MatchCounts& operator+=(const MatchCounts& other);
  double precision() const;
  double recall() const;
};

// `dont_care` are objects too little visible to demand a detection (cut by
// the frame edge): a detection of one is neither a hit nor a false alarm.
MatchCounts match_boxes(const std::vector<cv::Rect2d>& truth,
                        const std::vector<cv::Rect2d>& detected, double min_iou,
                        const std::vector<cv::Rect2d>& dont_care = {});

}  // namespace tmon::detect
