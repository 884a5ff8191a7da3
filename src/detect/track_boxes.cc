#include "detect/track_boxes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace tmon::detect {
namespace {

constexpr double kAtBorder = 2;  // px: a box this close to the frame's edge is cut by it

cv::Point2d center_of(const cv::Rect2d& box) {
  return {box.x + box.width / 2, box.y + box.height / 2};
}

}  // namespace

std::optional<cv::Point2d> inner_edge_shift(const cv::Rect2d& before, const cv::Rect2d& now,
                                            const cv::Size& frame) {
  if (frame.width <= 0) return std::nullopt;
  if (before.x <= kAtBorder && now.x <= kAtBorder) {
    return cv::Point2d((now.x + now.width) - (before.x + before.width), 0);
  }
  if (before.x + before.width >= frame.width - kAtBorder &&
      now.x + now.width >= frame.width - kAtBorder) {
    return cv::Point2d(now.x - before.x, 0);
  }
  if (before.y <= kAtBorder && now.y <= kAtBorder) {
    return cv::Point2d(0, (now.y + now.height) - (before.y + before.height));
  }
  if (before.y + before.height >= frame.height - kAtBorder &&
      now.y + now.height >= frame.height - kAtBorder) {
    return cv::Point2d(0, now.y - before.y);
  }
  return std::nullopt;
}

BorderCut border_cut(const cv::Rect2d& box, const cv::Size& frame) {
  if (frame.width <= 0) return {};
  return {box.x <= kAtBorder || box.x + box.width >= frame.width - kAtBorder,
          box.y <= kAtBorder || box.y + box.height >= frame.height - kAtBorder};
}

cv::Rect2d whole_box(const cv::Rect2d& measured, const cv::Rect2d& known, const cv::Size& frame) {
  cv::Rect2d box = measured;
  if (frame.width <= 0) return box;
  if (known.width > box.width) {
    if (box.x <= kAtBorder) {
      box.x = box.x + box.width - known.width;
      box.width = known.width;
    } else if (box.x + box.width >= frame.width - kAtBorder) {
      box.width = known.width;
    }
  }
  if (known.height > box.height) {
    if (box.y <= kAtBorder) {
      box.y = box.y + box.height - known.height;
      box.height = known.height;
    } else if (box.y + box.height >= frame.height - kAtBorder) {
      box.height = known.height;
    }
  }
  return box;
}

bool same_place_across(const cv::Rect2d& cut, const cv::Rect2d& now, const cv::Size& frame) {
  const BorderCut was = border_cut(cut, frame);
  if (was.x == was.y) return true;  // not cut, or in a corner: nothing to hold to
  // Across the border nothing was cut: size and place there must hold.
  const bool across_x = was.y;
  const double low_cut = across_x ? cut.x : cut.y;
  const double low_now = across_x ? now.x : now.y;
  const double extent_cut = across_x ? cut.width : cut.height;
  const double extent_now = across_x ? now.width : now.height;
  const double slack = 0.15 * extent_cut + 2;
  return std::abs(extent_now - extent_cut) <= slack && std::abs(low_now - low_cut) <= slack;
}

bool overlap_across(const cv::Rect2d& cut, const cv::Rect2d& now, const cv::Size& frame) {
  const BorderCut was = border_cut(cut, frame);
  if (was.x == was.y) return true;
  return was.x ? cut.y < now.y + now.height && now.y < cut.y + cut.height
               : cut.x < now.x + now.width && now.x < cut.x + cut.width;
}

bool clean_entry(const cv::Rect2d& first, const cv::Rect2d& before, const cv::Rect2d& now,
                 const cv::Point2d& edge_velocity, double dt, const cv::Size& frame) {
  const BorderCut was = border_cut(before, frame);
  if (dt <= 0 || was.x == was.y || border_cut(now, frame).any()) return false;
  // Along: the axis it comes in on; across: the other one.
  const bool along_x = was.x;
  const auto low = [&](const cv::Rect2d& r, bool x) { return x ? r.x : r.y; };
  const auto extent = [&](const cv::Rect2d& r, bool x) { return x ? r.width : r.height; };
  const double limit = along_x ? frame.width : frame.height;
  const bool from_low = low(before, along_x) <= kAtBorder;
  // Coming in: the inner edge moves away from the border it was cut by.
  const double speed = (from_low ? 1 : -1) * (along_x ? edge_velocity.x : edge_velocity.y);
  if (speed <= 0) return false;
  const double travel = speed * dt;
  // Size and place across the border held since it began to come in.
  if (!same_place_across(first, now, frame) || !same_place_across(before, now, frame)) {
    return false;
  }
  // Along: the inner edge where the speed took it, the outer one just in.
  const double slack = 0.25 * travel + 3;
  const double inner_before =
      from_low ? low(before, along_x) + extent(before, along_x) : low(before, along_x);
  const double inner_now = from_low ? low(now, along_x) + extent(now, along_x) : low(now, along_x);
  const double outer_in =
      from_low ? low(now, along_x) : limit - (low(now, along_x) + extent(now, along_x));
  return std::abs((inner_now - inner_before) * (from_low ? 1 : -1) - travel) <= slack &&
         outer_in <= travel + slack;
}

std::vector<cv::Rect2d> split_blob(const cv::Rect2d& blob, const std::vector<cv::Rect2d>& covered) {
  // Cut along the axis on which the predicted centres are spread the most:
  // x for a queue in a lane, y for people on a crosswalk.
  double min_x = std::numeric_limits<double>::infinity(),
         max_x = -std::numeric_limits<double>::infinity(),
         min_y = std::numeric_limits<double>::infinity(),
         max_y = -std::numeric_limits<double>::infinity();
  for (const auto& box : covered) {
    const cv::Point2d c = center_of(box);
    min_x = std::min(min_x, c.x);
    max_x = std::max(max_x, c.x);
    min_y = std::min(min_y, c.y);
    max_y = std::max(max_y, c.y);
  }
  const bool along_x = max_x - min_x >= max_y - min_y;
  std::vector<size_t> order(covered.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return along_x ? center_of(covered[a]).x < center_of(covered[b]).x
                   : center_of(covered[a]).y < center_of(covered[b]).y;
  });
  std::vector<cv::Rect2d> pieces(covered.size());
  double start = along_x ? blob.x : blob.y;
  const double blob_end = along_x ? blob.x + blob.width : blob.y + blob.height;
  for (size_t k = 0; k < order.size(); ++k) {
    const cv::Rect2d& box = covered[order[k]];
    double end = blob_end;
    if (k + 1 < order.size()) {
      // Halfway between this one's far edge and the next one's near edge.
      const cv::Rect2d& next = covered[order[k + 1]];
      end = along_x ? (box.x + box.width + next.x) / 2 : (box.y + box.height + next.y) / 2;
      end = std::clamp(end, start, blob_end);
    }
    cv::Rect2d piece = blob;
    // Across the cut, the piece keeps the blob's extent where the prediction
    // is (a car and a pedestrian merged side by side are not the same height).
    if (along_x) {
      piece.x = start;
      piece.width = end - start;
      const double top = std::max(blob.y, box.y - 0.2 * box.height);
      const double bottom = std::min(blob.y + blob.height, box.y + 1.2 * box.height);
      if (bottom > top) piece.y = top, piece.height = bottom - top;
    } else {
      piece.y = start;
      piece.height = end - start;
      const double left = std::max(blob.x, box.x - 0.2 * box.width);
      const double right = std::min(blob.x + blob.width, box.x + 1.2 * box.width);
      if (right > left) piece.x = left, piece.width = right - left;
    }
    pieces[order[k]] = piece;
    start = end;
  }
  return pieces;
}

}  // namespace tmon::detect
