#include "detect/frame_analyzer.h"

#include <algorithm>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/base64.h"

namespace tmon::detect {
namespace {

// A moving object's box must come from motion seen over this many of its
// sizes before it is reported (motion detectors only; see TrackerOptions).
constexpr double kMotionMinTravel = 0.5;
// Where the detector is told a tracked object will be: its predicted box
// grown by this share of its size per side.
constexpr double kFeedbackMargin = 0.1;
// PET looks at paths subsampled to at most this many points.
constexpr size_t kMaxPathPoints = 16;
constexpr size_t kMaxPairsPerGroup = 16;

TrackerOptions tracker_options(TrackerOptions options, const Detector& detector) {
  if (detector.finds_motion() && options.min_travel <= 0) options.min_travel = kMotionMinTravel;
  if (!detector.finds_motion()) options.vouch_travel = 0;
  return options;
}

double seconds_of(int64_t capture_ms) {
  return static_cast<double>(capture_ms) / 1000.0;
}

std::vector<TimedBox> path_of(const std::deque<TrackPoint>& points,
                              const std::optional<GroundPlane>& ground) {
  std::vector<TimedBox> path;
  if (points.empty()) return path;
  const size_t step = (points.size() + kMaxPathPoints - 1) / kMaxPathPoints;
  for (size_t i = 0; i < points.size(); i += step) {
    path.push_back({points[i].time_seconds, points[i].box});
  }
  if (path.back().time != points.back().time_seconds) {
    path.push_back({points.back().time_seconds, points.back().box});
  }
  if (ground) {
    for (auto& point : path) point.box = ground->to_ground(point.box);
  }
  return path;
}

double smallest_of(double a, double b) {
  if (a < 0) return b;
  if (b < 0) return a;
  return std::min(a, b);
}

}  // namespace

std::string encode_jpeg_base64(const cv::Mat& image, int quality) {
  std::vector<uchar> bytes;
  cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  return base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

FrameAnalyzer::FrameAnalyzer(std::string camera_id, DetectorPtr detector, AnalyzerOptions options)
    : camera_id_(camera_id),
      detector_(std::move(detector)),
      options_(options),
      tracker_(tracker_options(options.tracker, *detector_)),
      groups_(std::move(camera_id)) {}

std::vector<Detection> FrameAnalyzer::track(const cv::Mat& frame, int64_t capture_ms) {
  const double t = seconds_of(capture_ms);
  detector_->observe(tracker_.feedback(t, kFeedbackMargin));
  return tracker_.update(detector_->detect(frame), frame, t);
}

messages::DetectionResult FrameAnalyzer::analyze(const cv::Mat& frame, int64_t capture_ms,
                                                 Clock& clock) {
  messages::DetectionResult result = compose(frame, capture_ms, track(frame, capture_ms));
  result.detectedTs = clock.epoch_ms();
  return result;
}

messages::MemberMotion FrameAnalyzer::motion_of(const Detection& d) const {
  cv::Point2d velocity = d.velocity;
  if (options_.ground) {
    const cv::Point2d center(d.box.x + d.box.width / 2, d.box.y + d.box.height / 2);
    velocity = options_.ground->velocity_to_ground(center, d.velocity);
  }
  const double speed = cv::norm(velocity);
  // On the ground plane y points along the road as the operator chose; in
  // the image it grows downwards, so it is flipped for a counter-clockwise heading.
  const double up = options_.ground ? velocity.y : -velocity.y;
  return {d.object_id, velocity.x, velocity.y, speed,
          speed > 0 ? std::atan2(up, velocity.x) * 180.0 / M_PI : 0.0};
}

std::vector<PairSafety> FrameAnalyzer::measure_safety(
    const std::vector<Detection>& detections) const {
  std::map<int, TrackView> views;
  for (const auto& view : tracker_.tracks()) views.emplace(view.id, view);
  std::vector<RoadUser> users;
  users.reserve(detections.size());
  for (const auto& d : detections) {
    const auto it = views.find(d.object_id);
    if (it == views.end()) continue;
    RoadUser user;
    user.id = d.object_id;
    user.person = d.class_name == "person";
    user.box = d.box;
    user.velocity = d.velocity;
    if (options_.ground) {
      const cv::Point2d center(d.box.x + d.box.width / 2, d.box.y + d.box.height / 2);
      user.box = options_.ground->to_ground(d.box);
      user.velocity = options_.ground->velocity_to_ground(center, d.velocity);
    }
    user.path = path_of(*it->second.path, options_.ground);
    users.push_back(std::move(user));
  }
  return measure_pairs(users, options_.safety);
}

messages::DetectionResult FrameAnalyzer::compose(const cv::Mat& frame, int64_t capture_ms,
                                                 const std::vector<Detection>& detections) {
  messages::DetectionResult result;
  result.cameraId = camera_id_;
  result.frameNumber = ++frame_number_;
  result.requestId =
      camera_id_ + "-" + std::to_string(capture_ms) + "-" + std::to_string(frame_number_);
  result.captureTs = capture_ms;
  result.modelType = detector_->name();
  result.imageWidth = frame.cols;
  result.imageHeight = frame.rows;
  std::map<int, size_t> index_of;  // objectId -> detection
  for (size_t i = 0; i < detections.size(); ++i) {
    const auto& d = detections[i];
    index_of[d.object_id] = i;
    result.detectedObjects.push_back(
        {d.object_id,
         d.class_name,
         d.class_id,
         d.confidence,
         {d.box.x, d.box.y, d.box.x + d.box.width, d.box.y + d.box.height}});
  }

  // Road users on a collision course (or whose paths just crossed) belong
  // in one crop when they are not far apart now.
  const std::vector<PairSafety> pairs = measure_safety(detections);
  std::vector<std::pair<size_t, size_t>> links;
  for (const auto& pair : pairs) {
    if (!pair.conflict) continue;
    const size_t a = index_of.at(pair.a);
    const size_t b = index_of.at(pair.b);
    const double size =
        std::min(std::sqrt(detections[a].box.area()), std::sqrt(detections[b].box.area()));
    if (box_gap(detections[a].box, detections[b].box) <= options_.conflict_link_factor * size) {
      links.emplace_back(a, b);
    }
  }
  const auto clusters = cluster_detections(detections, options_.group_distance_factor,
                                           options_.min_group_size, links);
  std::vector<std::vector<int>> members(clusters.size());
  for (size_t c = 0; c < clusters.size(); ++c) {
    for (size_t index : clusters[c]) members[c].push_back(detections[index].object_id);
  }
  const auto names = groups_.assign(members);
  const cv::Rect2d frame_rect(0, 0, frame.cols, frame.rows);
  for (size_t c = 0; c < clusters.size(); ++c) {
    messages::TrafficGroup group;
    group.groupIndex = static_cast<int>(c) + 1;  // counted from 1, as the original
    group.groupId = names[c];
    group.objectIds = members[c];
    const cv::Rect2d box = bounding_box(detections, clusters[c]);
    group.bbox = {box.x, box.y, box.x + box.width, box.y + box.height};
    group.features = group_features(detections, clusters[c]);
    group.safety.units = options_.ground ? "m" : "px";
    for (const auto& pair : pairs) {
      const auto& ids = group.objectIds;
      if (std::find(ids.begin(), ids.end(), pair.a) == ids.end() ||
          std::find(ids.begin(), ids.end(), pair.b) == ids.end()) {
        continue;
      }
      messages::ConflictPair out{pair.a,
                                 pair.b,
                                 pair.ttc.value_or(-1),
                                 pair.pet.value_or(-1),
                                 pair.distance,
                                 pair.closing_speed,
                                 pair.conflict};
      group.safety.minTtc = smallest_of(group.safety.minTtc, out.ttc);
      group.safety.minPet = smallest_of(group.safety.minPet, out.pet);
      group.safety.conflict |= out.conflict;
      group.safety.pairs.push_back(out);
    }
    for (size_t index : clusters[c]) group.safety.members.push_back(motion_of(detections[index]));
    auto& listed = group.safety.pairs;
    std::sort(listed.begin(), listed.end(), [](const auto& x, const auto& y) {
      return smallest_of(x.ttc, x.pet) < smallest_of(y.ttc, y.pet);
    });
    if (listed.size() > kMaxPairsPerGroup) listed.resize(kMaxPairsPerGroup);
    const double mx = box.width * options_.crop_margin;
    const double my = box.height * options_.crop_margin;
    const cv::Rect crop(
        cv::Rect2d(box.x - mx, box.y - my, box.width + 2 * mx, box.height + 2 * my) & frame_rect);
    if (crop.area() > 0) {
      result.groupImages.push_back({group.groupIndex, group.groupId,
                                    encode_jpeg_base64(frame(crop), options_.jpeg_quality),
                                    crop.width, crop.height});
    }
    result.trafficGroups.push_back(std::move(group));
  }
  if (options_.thumbnail_width > 0) {
    cv::Mat thumbnail = annotate(frame, result);
    const double scale = std::min(1.0, static_cast<double>(options_.thumbnail_width) / frame.cols);
    if (scale < 1.0) cv::resize(thumbnail, thumbnail, {}, scale, scale, cv::INTER_AREA);
    result.thumbnailBase64 = encode_jpeg_base64(thumbnail, options_.thumbnail_quality);
  }
  return result;
}

cv::Mat annotate(const cv::Mat& frame, const messages::DetectionResult& result) {
  cv::Mat image = frame.clone();
  for (const auto& group : result.trafficGroups) {
    const cv::Rect box(cv::Point(static_cast<int>(group.bbox.x1), static_cast<int>(group.bbox.y1)),
                       cv::Point(static_cast<int>(group.bbox.x2), static_cast<int>(group.bbox.y2)));
    // A group holding a conflict candidate is drawn in red.
    const cv::Scalar color =
        group.safety.conflict ? cv::Scalar(40, 40, 255) : cv::Scalar(0, 200, 255);
    cv::rectangle(image, box, color, 2);
    cv::putText(image, group.groupId, box.tl() + cv::Point(2, -4), cv::FONT_HERSHEY_SIMPLEX, 0.4,
                color, 1);
  }
  for (const auto& object : result.detectedObjects) {
    const cv::Rect box(
        cv::Point(static_cast<int>(object.bbox.x1), static_cast<int>(object.bbox.y1)),
        cv::Point(static_cast<int>(object.bbox.x2), static_cast<int>(object.bbox.y2)));
    const cv::Scalar color =
        object.className == "person" ? cv::Scalar(60, 60, 255) : cv::Scalar(80, 220, 80);
    cv::rectangle(image, box, color, 1);
    cv::putText(image, object.className + " " + std::to_string(object.objectId),
                box.tl() + cv::Point(0, -2), cv::FONT_HERSHEY_SIMPLEX, 0.35, color, 1);
  }
  return image;
}

}  // namespace tmon::detect
