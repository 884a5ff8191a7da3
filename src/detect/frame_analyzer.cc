#include "detect/frame_analyzer.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/base64.h"

namespace tmon::detect {

std::string encode_jpeg_base64(const cv::Mat& image, int quality) {
  std::vector<uchar> bytes;
  cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  return base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

FrameAnalyzer::FrameAnalyzer(std::string camera_id, DetectorPtr detector, AnalyzerOptions options)
    : camera_id_(camera_id),
      detector_(std::move(detector)),
      options_(options),
      tracker_(options.tracker),
      groups_(std::move(camera_id)) {}

messages::DetectionResult FrameAnalyzer::analyze(const cv::Mat& frame, int64_t capture_ms,
                                                 Clock& clock) {
  const auto detections =
      tracker_.update(detector_->detect(frame), frame, static_cast<double>(capture_ms) / 1000.0);
  messages::DetectionResult result;
  result.cameraId = camera_id_;
  result.frameNumber = ++frame_number_;
  result.requestId =
      camera_id_ + "-" + std::to_string(capture_ms) + "-" + std::to_string(frame_number_);
  result.captureTs = capture_ms;
  result.modelType = detector_->name();
  result.imageWidth = frame.cols;
  result.imageHeight = frame.rows;
  for (const auto& d : detections) {
    result.detectedObjects.push_back(
        {d.object_id,
         d.class_name,
         d.class_id,
         d.confidence,
         {d.box.x, d.box.y, d.box.x + d.box.width, d.box.y + d.box.height}});
  }
  const auto clusters =
      cluster_detections(detections, options_.group_distance_factor, options_.min_group_size);
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
  result.detectedTs = clock.epoch_ms();
  return result;
}

cv::Mat annotate(const cv::Mat& frame, const messages::DetectionResult& result) {
  cv::Mat image = frame.clone();
  for (const auto& group : result.trafficGroups) {
    const cv::Rect box(cv::Point(static_cast<int>(group.bbox.x1), static_cast<int>(group.bbox.y1)),
                       cv::Point(static_cast<int>(group.bbox.x2), static_cast<int>(group.bbox.y2)));
    cv::rectangle(image, box, cv::Scalar(0, 200, 255), 2);
    cv::putText(image, group.groupId, box.tl() + cv::Point(2, -4), cv::FONT_HERSHEY_SIMPLEX, 0.4,
                cv::Scalar(0, 200, 255), 1);
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
