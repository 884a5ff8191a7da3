#include "detect/tracker.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <tuple>

#include "detect/assignment.h"

namespace tmon::detect {
namespace {

constexpr double kInfeasible = std::numeric_limits<double>::infinity();

cv::Point2d center_of(const cv::Rect2d& box) {
  return {box.x + box.width / 2, box.y + box.height / 2};
}

}  // namespace

cv::Mat appearance_histogram(const cv::Mat& frame, const cv::Rect2d& box) {
  const cv::Rect region = cv::Rect(box) & cv::Rect(0, 0, frame.cols, frame.rows);
  if (region.area() <= 0) return {};
  cv::Mat hsv;
  cv::cvtColor(frame(region), hsv, cv::COLOR_BGR2HSV);
  const int channels[] = {0, 1};
  const int bins[] = {12, 8};
  const float hue[] = {0, 180};
  const float saturation[] = {0, 256};
  const float* ranges[] = {hue, saturation};
  cv::Mat histogram;
  cv::calcHist(&hsv, 1, channels, cv::Mat(), histogram, 2, bins, ranges);
  cv::normalize(histogram, histogram, 1, 0, cv::NORM_L1);
  return histogram;
}

Tracker::Tracker(TrackerOptions options) : options_(options) {}

double Tracker::cost(const Track& track, const Detection& detection, const cv::Mat& histogram,
                     double time_seconds) const {
  const double dt = std::max(0.0, time_seconds - track.last_seen);
  const double size = std::sqrt(std::max(1.0, track.box.area()));
  const cv::Point2d moved = center_of(detection.box) - center_of(track.box);
  const double growth =
      std::abs(std::log(std::max(1.0, detection.box.area()) / std::max(1.0, track.box.area())));
  double looks = 0.5;  // unknown appearance: neutral
  if (!histogram.empty() && !track.histogram.empty()) {
    looks = cv::compareHist(histogram, track.histogram, cv::HISTCMP_BHATTACHARYYA);
  }
  // A person does not become a lorry; a car and a truck get confused.
  const double kind = detection.class_name == track.class_name                           ? 0.0
                      : is_vehicle(detection.class_name) == is_vehicle(track.class_name) ? 0.5
                                                                                         : 3.0;
  // Hypothesis "moved anyhow": anything within the gate of the last position
  // may be it, so appearance and size weigh more. The only one for a track
  // seen once; for others it covers stopping and starting (a pedestrian
  // waiting at the kerb, a car pulling away from the crossing).
  const double gate = options_.new_track_gate * size;
  const double jump = cv::norm(moved);
  double best = jump > gate ? kInfeasible
                            : jump / gate + 3 * options_.appearance_weight * looks + growth + kind;
  if (track.has_velocity) {
    best += 0.3;  // prefer the velocity's prediction when it fits
    // Hypothesis "kept going": the error of the constant-velocity prediction
    // grows with speed (road users brake and accelerate), so it is measured
    // in units of that uncertainty, and moving against the track's
    // direction costs extra.
    const double speed = cv::norm(track.velocity);
    const double sigma = 0.6 * size + 0.35 * speed * dt;
    const double error = cv::norm(moved - track.velocity * dt) / sigma;
    if (error <= options_.gate) {
      double turn = 0;
      if (speed * dt > size && cv::norm(moved) > 0.3 * size) {
        turn = 1 - moved.dot(track.velocity) / (cv::norm(moved) * speed);  // 0 ahead .. 2 back
      }
      best = std::min(
          best, error / options_.gate + options_.appearance_weight * looks + growth + turn + kind);
    }
  }
  return best > options_.max_cost ? kInfeasible : best;
}

std::vector<Detection> Tracker::update(std::vector<Detection> detections, const cv::Mat& frame,
                                       double time_seconds) {
  std::vector<cv::Mat> histograms;
  histograms.reserve(detections.size());
  for (const auto& d : detections) histograms.push_back(appearance_histogram(frame, d.box));

  // Two rounds: tracks that know their velocity predict well and choose
  // first; tracks seen once only guess, and take what is left. Each round is
  // a minimum-cost assignment: with look-alike road users (every lorry of a
  // fleet), the cheapest single pair is not always part of the best whole.
  std::vector<int> track_of(detections.size(), -1);
  std::vector<bool> matched(tracks_.size(), false);
  for (const bool with_velocity : {true, false}) {
    std::vector<size_t> rows;
    for (size_t t = 0; t < tracks_.size(); ++t) {
      if (!matched[t] && tracks_[t].has_velocity == with_velocity) rows.push_back(t);
    }
    std::vector<size_t> columns;
    for (size_t d = 0; d < detections.size(); ++d) {
      if (track_of[d] < 0) columns.push_back(d);
    }
    if (rows.empty() || columns.empty()) continue;
    // Leaving a track unmatched and starting a new one for a detection are
    // choices too, each worth half of max_cost: a pair is made only when it
    // is cheaper than both, and no good pair is spoiled to force a bad one.
    const size_t n_rows = rows.size();
    const size_t n_columns = columns.size();
    const double half = options_.max_cost / 2;
    std::vector<std::vector<double>> costs(n_rows + n_columns,
                                           std::vector<double>(n_columns + n_rows, kInfeasible));
    for (size_t r = 0; r < n_rows; ++r) {
      for (size_t c = 0; c < n_columns; ++c) {
        costs[r][c] =
            cost(tracks_[rows[r]], detections[columns[c]], histograms[columns[c]], time_seconds);
      }
      costs[r][n_columns + r] = half;  // the track goes unmatched
    }
    for (size_t c = 0; c < n_columns; ++c) {
      costs[n_rows + c][c] = half;  // the detection starts a track
      for (size_t r = 0; r < n_rows; ++r) costs[n_rows + c][n_columns + r] = 0;
    }
    const std::vector<int> chosen = assign_min_cost(costs);
    for (size_t r = 0; r < n_rows; ++r) {
      if (chosen[r] < 0 || static_cast<size_t>(chosen[r]) >= n_columns) continue;
      matched[rows[r]] = true;
      track_of[columns[static_cast<size_t>(chosen[r])]] = static_cast<int>(rows[r]);
    }
  }

  for (size_t t = 0; t < tracks_.size(); ++t) {
    if (!matched[t]) ++tracks_[t].misses;
  }
  for (size_t d = 0; d < detections.size(); ++d) {
    if (track_of[d] >= 0) {
      Track& track = tracks_[static_cast<size_t>(track_of[d])];
      const double dt = time_seconds - track.last_seen;
      if (dt > 0) {
        const cv::Point2d measured = (center_of(detections[d].box) - center_of(track.box)) / dt;
        track.velocity = track.has_velocity ? 0.5 * track.velocity + 0.5 * measured : measured;
        track.has_velocity = true;
      }
      track.box = detections[d].box;
      track.class_name = detections[d].class_name;
      track.histogram = histograms[d];
      ++track.hits;
      track.misses = 0;
      track.last_seen = time_seconds;
      continue;
    }
    Track track;
    track.id = next_id_++;
    track.box = detections[d].box;
    track.class_name = detections[d].class_name;
    track.histogram = histograms[d];
    track.hits = 1;
    track.last_seen = time_seconds;
    track_of[d] = static_cast<int>(tracks_.size());
    tracks_.push_back(std::move(track));
  }

  std::vector<Detection> confirmed;
  for (size_t d = 0; d < detections.size(); ++d) {
    const Track& track = tracks_[static_cast<size_t>(track_of[d])];
    if (track.hits < options_.min_hits) continue;
    detections[d].object_id = track.id;
    detections[d].velocity = track.has_velocity ? track.velocity : cv::Point2d();
    confirmed.push_back(std::move(detections[d]));
  }
  std::erase_if(tracks_, [&](const Track& track) { return track.misses > options_.max_age; });
  return confirmed;
}

}  // namespace tmon::detect
