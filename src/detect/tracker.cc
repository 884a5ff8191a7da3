#include "detect/tracker.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "detect/assignment.h"
#include "detect/track_boxes.h"

namespace tmon::detect {
namespace {

constexpr double kInfeasible = std::numeric_limits<double>::infinity();
// A match within this many standard deviations of its prediction is smooth
// motion; a fragment jumping between pieces of a ghost is not.
constexpr double kSmoothError = 2.5;
// A blob is split along predictions only when they are this sure (standard
// deviation, in object sizes).
constexpr double kSplitDoubt = 0.3;

cv::Point2d center_of(const cv::Rect2d& box) {
  return {box.x + box.width / 2, box.y + box.height / 2};
}

// Share of `part` inside `whole`.
double covered_share(const cv::Rect2d& part, const cv::Rect2d& whole) {
  return part.area() > 0 ? (part & whole).area() / part.area() : 0;
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

bool Tracker::reported(const Track& track) const {
  return track.hits >= options_.min_hits && track.travel >= options_.min_travel;
}

std::vector<TrackView> Tracker::tracks() const {
  std::vector<TrackView> views;
  views.reserve(tracks_.size());
  for (const auto& track : tracks_) {
    views.push_back({track.id, track.class_name, track.filter.box(), track.filter.velocity(),
                     reported(track), track.matched, &track.path});
  }
  return views;
}

TrackFeedback Tracker::feedback(double time_seconds, double margin) const {
  TrackFeedback feedback;
  feedback.time_seconds = time_seconds;
  const auto grown = [](const cv::Rect2d& box, double grow) {
    return cv::Rect2d(box.x - grow, box.y - grow, box.width + 2 * grow, box.height + 2 * grow);
  };
  for (const auto& track : tracks_) {
    cv::Rect2d box = track.filter.predict(time_seconds).box;
    // A road user cut by the border still fills the picture up to it: its
    // predicted box moves on at its speed, and would leave the part at the
    // border behind as motion no track explains.
    const BorderCut cut =
        track.matched ? border_cut(track.last_measured, frame_size_) : BorderCut{};
    if (cut.any()) box |= track.last_measured;
    if (!reported(track)) {
      // Something coming in at the border has not travelled yet, and a long
      // lorry comes in over seconds, often in pieces: its region is expected
      // motion (not flicker), or a dense lane's entry is learnt as flicker
      // and everything entering there is cut to fragments. A flickering
      // patch at the border gains nothing by it: it is still not reported
      // until it travels. Its speed is not known yet and its sliver is
      // small: by the next frame it may come in by as much as it is across
      // (a car as long as it is tall). Grown that much all round, not only
      // inwards: measured on the dense scene with a tree's shadow by the
      // entry, inwards only raised the count error from 0.054 to 0.076.
      if (cut.any()) {
        const double across = cut.x ? track.last_measured.height : track.last_measured.width;
        feedback.reported.push_back(grown(box, std::max(0.5 * track.filter.size(), across)));
      }
      continue;
    }
    const cv::Rect2d expected = grown(box, margin * track.filter.size());
    feedback.reported.push_back(expected);
    if (track.vouched) feedback.established.push_back(expected);
  }
  return feedback;
}

double Tracker::cost(const Track& track, const TrackFilter::Prediction& prediction,
                     const Detection& detection, const cv::Mat& histogram,
                     const cv::Size& frame) const {
  // A box cut by the border shows part of its object: its centre is
  // compared as update() will take it (at the object's known size), its
  // size only across the border, and its shape (a sliver of a car coming in
  // looks like a person) says little about its class.
  const BorderCut cut = border_cut(detection.box, frame);
  const cv::Rect2d measured = whole_box(detection.box, prediction.box, frame);
  const double error = std::sqrt(TrackFilter::distance2(prediction, center_of(measured)));
  if (error > options_.gate) return kInfeasible;
  // A track leaving the picture (its predicted box mostly out) is not a
  // newcomer at that border when the two cannot be one: it was gone for a
  // frame, or the box is in another lane. The newcomer gets an id of its
  // own; with the old one's it would look like a road user already
  // assessed. (A blob that grew across, merged with a shade at the border,
  // may still be the same; one walking along the border is not leaving.)
  if (!same_place_across(track.last_measured, detection.box, frame) &&
      (track.misses > 0 || !overlap_across(track.last_measured, detection.box, frame))) {
    // Checked last: most pairs never get here (same_place_across holds for
    // any box not cut by the border).
    const cv::Rect2d in_frame = prediction.box & cv::Rect2d(0, 0, frame.width, frame.height);
    const bool leaving = in_frame.area() < 0.5 * prediction.box.area();
    if (leaving) return kInfeasible;
  }
  const cv::Rect2d& predicted = prediction.box;
  const auto log_ratio = [](double a, double b) {
    return std::abs(std::log(std::max(1.0, a) / std::max(1.0, b)));
  };
  const double growth = cut.x && cut.y ? 0.0
                        : cut.x        ? log_ratio(measured.height, predicted.height)
                        : cut.y        ? log_ratio(measured.width, predicted.width)
                                       : log_ratio(measured.area(), predicted.area());
  double looks = 0.5;  // unknown appearance: neutral
  if (!histogram.empty() && !track.histogram.empty()) {
    looks = cv::compareHist(histogram, track.histogram, cv::HISTCMP_BHATTACHARYYA);
  }
  // A person does not become a lorry; a car and a truck get confused.
  const bool same_kind = is_vehicle(detection.class_name) == is_vehicle(track.class_name);
  const double kind = detection.class_name == track.class_name ? 0.0
                      : same_kind || cut.any() || border_cut(track.last_measured, frame).any()
                          ? 0.5
                          : 3.0;
  const double total = error / options_.gate + options_.appearance_weight * looks + growth + kind;
  return total > options_.max_cost ? kInfeasible : total;
}

std::vector<Detection> Tracker::split_merged(
    std::vector<Detection> detections, const std::vector<TrackFilter::Prediction>& predictions) {
  // Only tracks that are established (reported, seen in the last frame) are
  // trusted to say "two objects here": a fresh track may itself be a
  // fragment.
  std::vector<size_t> trusted;
  for (size_t t = 0; t < tracks_.size(); ++t) {
    // ...and whose prediction is sharp: frames far apart leave too much
    // doubt about where each one is for a cut between them to be right.
    const cv::Matx22d& doubt = predictions[t].innovation;
    const double sigma = std::sqrt(std::max(doubt(0, 0), doubt(1, 1)));
    if (reported(tracks_[t]) && tracks_[t].hits >= 2 && tracks_[t].misses == 0 &&
        sigma <= kSplitDoubt * tracks_[t].filter.size()) {
      trusted.push_back(t);
    }
  }
  if (trusted.size() < 2) return detections;
  std::vector<Detection> out;
  out.reserve(detections.size());
  for (auto& detection : detections) {
    std::vector<cv::Rect2d> covered;
    for (size_t t : trusted) {
      if (covered_share(predictions[t].box, detection.box) >= 0.6) {
        covered.push_back(predictions[t].box);
      }
    }
    // A blob no bigger than its largest prediction is one object (a car
    // overtaking where the predictions happen to overlap).
    double largest = 0;
    for (const auto& box : covered) largest = std::max(largest, box.area());
    if (covered.size() < 2 || detection.box.area() < 1.3 * largest) {
      out.push_back(std::move(detection));
      continue;
    }
    ++splits_;
    for (const auto& piece : split_blob(detection.box, covered)) {
      if (piece.area() <= 0) continue;
      Detection part = detection;
      part.box = piece;
      out.push_back(std::move(part));
    }
  }
  return out;
}

void Tracker::follow_inner_edge(Track& track, const cv::Rect2d& measured, double time_seconds,
                                const cv::Size& frame) const {
  const std::optional<cv::Point2d> edge = inner_edge_shift(track.last_measured, measured, frame);
  const double dt = time_seconds - track.last_measured_time;
  if (!edge || dt <= 0) {
    track.edge_velocity.reset();
    return;
  }
  const cv::Point2d velocity = *edge / dt;
  track.edge_velocity =
      track.edge_velocity ? 0.5 * *track.edge_velocity + 0.5 * velocity : velocity;
  // The centre of a box that grows or shrinks at the border says little;
  // the edge says how fast the object moves.
  track.filter.set_velocity(*track.edge_velocity, 0.3 * cv::norm(*track.edge_velocity) + 1);
}

std::vector<Detection> Tracker::update(std::vector<Detection> detections, const cv::Mat& frame,
                                       double time_seconds) {
  frame_size_ = frame.size();
  std::vector<TrackFilter::Prediction> predictions;
  predictions.reserve(tracks_.size());
  for (const auto& track : tracks_) predictions.push_back(track.filter.predict(time_seconds));
  detections = split_merged(std::move(detections), predictions);

  std::vector<cv::Mat> histograms;
  histograms.reserve(detections.size());
  for (const auto& d : detections) histograms.push_back(appearance_histogram(frame, d.box));

  // Two rounds: established tracks (reported, matched more than once)
  // predict well and choose first; new ones take what is left. Each round is
  // a minimum-cost assignment: with look-alike road users (every lorry of a
  // fleet), the cheapest single pair is not always part of the best whole.
  std::vector<int> track_of(detections.size(), -1);
  std::vector<bool> matched(tracks_.size(), false);
  for (const bool established : {true, false}) {
    std::vector<size_t> rows;
    for (size_t t = 0; t < tracks_.size(); ++t) {
      const bool is_established = reported(tracks_[t]) && tracks_[t].hits >= 2;
      if (!matched[t] && is_established == established) rows.push_back(t);
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
        costs[r][c] = cost(tracks_[rows[r]], predictions[rows[r]], detections[columns[c]],
                           histograms[columns[c]], frame.size());
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
    tracks_[t].matched = matched[t];
    if (!matched[t]) ++tracks_[t].misses;
  }
  for (size_t d = 0; d < detections.size(); ++d) {
    if (track_of[d] >= 0) {
      Track& track = tracks_[static_cast<size_t>(track_of[d])];
      const auto& predicted = predictions[static_cast<size_t>(track_of[d])];
      const double error =
          std::sqrt(TrackFilter::distance2(predicted, center_of(detections[d].box)));
      track.smooth_hits = error <= kSmoothError ? track.smooth_hits + 1 : 0;
      if (track.smooth_hits == 0 && !track.vouched) {
        // A jump (a fragment of a ghost hopping between pieces) is no
        // travel: count again from here.
        track.origin = center_of(detections[d].box);
        track.origin_box = detections[d].box;
        track.travel = 0;
      }
      const cv::Rect2d& measured = detections[d].box;
      // Another size or place across the border than its last box (cost()
      // let it pair only where it may be the same road user): the motion
      // its filter knew may be another road user's or a merged blob's.
      const bool taken_over = !same_place_across(track.last_measured, measured, frame.size());
      if (taken_over) {
        track.filter = TrackFilter(measured, time_seconds);
        track.edge_velocity.reset();
        track.entry_first.reset();
        ++takeovers_;
      }
      // No flickering light or shade may touch it, now or just before: a
      // car merged with a swaying shadow all the way in is as tall in both.
      const bool entry =
          !taken_over && track.edge_velocity && track.entry_first &&
          !detections[d].touches_flicker && !track.touched_flicker &&
          clean_entry(*track.entry_first, track.last_measured, measured, *track.edge_velocity,
                      time_seconds - track.last_measured_time, frame.size());
      if (border_cut(measured, frame.size()).any()) {
        if (!track.entry_first) track.entry_first = measured;
      } else {
        track.entry_first.reset();
      }
      if (entry) {
        // Wholly in the picture at last: the centre the filter followed was
        // the visible part's, and jumps now to the whole box's. Start again
        // from the whole box, at the speed the inner edge came in with; the
        // next frame measures it from two whole boxes.
        const cv::Point2d velocity = *track.edge_velocity;
        track.filter = TrackFilter(measured, time_seconds);
        track.filter.set_velocity(velocity, 0.3 * cv::norm(velocity) + 1);
        ++clean_entries_;
      } else if (!taken_over) {
        // Only a road user seen travelling smoothly manoeuvres: a flickering
        // patch's jumps are no changes of speed.
        track.filter.update(whole_box(measured, track.filter.box(), frame.size()), time_seconds,
                            track.vouched);
      }
      if (!taken_over) follow_inner_edge(track, measured, time_seconds, frame.size());
      track.last_measured = measured;
      track.last_measured_time = time_seconds;
      track.touched_flicker = detections[d].touches_flicker;
      track.class_name = detections[d].class_name;
      track.histogram = histograms[d];
      ++track.hits;
      track.misses = 0;
      track.last_matched = time_seconds;
      continue;
    }
    Track track(next_id_++, detections[d].box, time_seconds);
    track.class_name = detections[d].class_name;
    track.histogram = histograms[d];
    track.origin = center_of(detections[d].box);
    track.origin_box = detections[d].box;
    track.last_measured = detections[d].box;
    track.last_measured_time = time_seconds;
    track.touched_flicker = detections[d].touches_flicker;
    if (border_cut(detections[d].box, frame.size()).any()) track.entry_first = detections[d].box;
    track.hits = 1;
    track.matched = true;
    track.last_matched = time_seconds;
    track_of[d] = static_cast<int>(tracks_.size());
    tracks_.push_back(std::move(track));
  }
  const double min_size = options_.min_size_ratio * frame.rows;
  for (auto& track : tracks_) {
    if (!track.matched) continue;
    const double size = std::max(min_size, track.filter.size());
    double moved = cv::norm(track.filter.center() - track.origin);
    // Entering the picture, only the inner edge shows how far it came.
    if (const auto shift = inner_edge_shift(track.origin_box, track.last_measured, frame.size())) {
      moved = std::max(moved, cv::norm(*shift));
    }
    track.travel = std::max(track.travel, moved / size);
    track.vouched |=
        track.travel >= options_.vouch_travel && track.smooth_hits >= options_.vouch_smooth_hits;
    track.path.push_back({time_seconds, track.filter.box()});
    while (!track.path.empty() &&
           track.path.front().time_seconds < time_seconds - options_.history_seconds) {
      track.path.pop_front();
    }
  }

  // Reported boxes are the measured ones, inside the frame: a smoothed
  // centre lags a road user that brakes or starts by a few pixels, and a
  // pedestrian a few pixels from a bumper must not look farther away. The
  // filter's smoothed path and velocity go with them.
  const cv::Rect2d bounds(0, 0, frame.cols, frame.rows);
  std::vector<Detection> confirmed;
  for (size_t d = 0; d < detections.size(); ++d) {
    const Track& track = tracks_[static_cast<size_t>(track_of[d])];
    if (!reported(track)) continue;
    if (!frame.empty()) detections[d].box &= bounds;
    detections[d].object_id = track.id;
    detections[d].velocity = track.hits >= 2 ? track.filter.velocity() : cv::Point2d();
    confirmed.push_back(std::move(detections[d]));
  }
  // One missed frame is forgiven however far apart frames are, except to a
  // track seen once (tentative, as in SORT): its velocity is unknown, so
  // its search area grows fast while it coasts, and a fragment seen once
  // would take over whatever shows up within a hundred pixels a second
  // later (a swaying shadow's piece, reported for good).
  std::erase_if(tracks_, [&](const Track& track) {
    if (track.hits == 1 && track.misses >= 1) return true;
    return track.misses >= 2 && time_seconds - track.last_matched > options_.max_age_seconds + 1e-9;
  });
  return confirmed;
}

}  // namespace tmon::detect
