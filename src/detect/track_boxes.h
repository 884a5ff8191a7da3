#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <vector>

namespace tmon::detect {

// Box geometry the tracker needs, kept apart because it is pure.

// Splits `blob` into one box per predicted box it covers, cutting between
// neighbours along the axis they are spread on. `covered` are the predicted
// boxes, at least two; the pieces come back in the same order.
std::vector<cv::Rect2d> split_blob(const cv::Rect2d& blob, const std::vector<cv::Rect2d>& covered);

// How the edge facing into the picture moved between two boxes cut by the
// same border (x for the left and right borders, y for top and bottom);
// none unless both are cut by the same border.
std::optional<cv::Point2d> inner_edge_shift(const cv::Rect2d& before, const cv::Rect2d& now,
                                            const cv::Size& frame);

// Which borders a box touches: x for the left or right one, y for the top or
// bottom one (a box in a corner touches both).
struct BorderCut {
  bool x = false;
  bool y = false;
  bool any() const { return x || y; }
};
BorderCut border_cut(const cv::Rect2d& box, const cv::Size& frame);

// A box cut by the frame's border shows only part of its object: its centre
// moves at half the speed of an object coming in. This is the box at the
// object's known size (`known`, when larger), anchored at the edge facing
// into the picture.
cv::Rect2d whole_box(const cv::Rect2d& measured, const cv::Rect2d& known, const cv::Size& frame);

// Whether `now` is as big across the border that cut `cut` (x for the left
// and right borders) and at the same place across it: the same road user
// coming in or going out, not another one in another lane. True when `cut`
// is not cut by exactly one border.
bool same_place_across(const cv::Rect2d& cut, const cv::Rect2d& now, const cv::Size& frame);

// Whether `now` overlaps `cut` at all across the border that cut it (y for
// the left and right borders): false for a box in another lane. True when
// `cut` is not cut by exactly one border.
bool overlap_across(const cv::Rect2d& cut, const cv::Rect2d& now, const cv::Size& frame);

// Whether `now`, wholly in the picture, is the whole of the object that
// `before` showed part of (cut by one border, `dt` seconds earlier, its inner
// edge moving at `edge_velocity` px/s): as big across the border and at the
// same place across it as `before` and as `first` (its first cut box, when it
// began to come in), its inner edge where that speed took it, and its outer
// edge just come in (no farther from the border than one interval's travel).
// A blob that merged with something on its way in (a shadow, a neighbour),
// or a piece of one, fails: its track must not be restarted at its box.
bool clean_entry(const cv::Rect2d& first, const cv::Rect2d& before, const cv::Rect2d& now,
                 const cv::Point2d& edge_velocity, double dt, const cv::Size& frame);

}  // namespace tmon::detect
