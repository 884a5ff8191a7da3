#include "detect/frame_builder.h"

#include <algorithm>
#include <opencv2/imgcodecs.hpp>

#include "common/base64.h"

namespace tmon::detect {

std::string encode_jpeg_base64(const cv::Mat& image, int quality) {
  std::vector<uchar> bytes;
  cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  return base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

messages::DetectionResult build_detection_result(const std::string& camera_id, int64_t frame_number,
                                                 int64_t capture_ts, int64_t detected_ts,
                                                 const cv::Mat& frame,
                                                 const std::vector<Detection>& detections,
                                                 const FrameBuilderOptions& options) {
  messages::DetectionResult result;
  result.cameraId = camera_id;
  result.frameNumber = frame_number;
  result.requestId =
      camera_id + "-" + std::to_string(capture_ts) + "-" + std::to_string(frame_number);
  result.captureTs = capture_ts;
  result.detectedTs = detected_ts;
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
  const cv::Rect2d frame_rect(0, 0, frame.cols, frame.rows);
  const auto clusters =
      cluster_detections(detections, options.group_distance_factor, options.min_group_size);
  for (size_t index = 0; index < clusters.size(); ++index) {
    const auto& members = clusters[index];
    messages::TrafficGroup group;
    group.groupIndex = static_cast<int>(index);
    int lowest_id = detections[members.front()].object_id;
    for (size_t member : members) {
      group.objectIds.push_back(detections[member].object_id);
      lowest_id = std::min(lowest_id, detections[member].object_id);
    }
    group.groupId = camera_id + "-g" + std::to_string(lowest_id);
    const cv::Rect2d box = bounding_box(detections, members);
    group.bbox = {box.x, box.y, box.x + box.width, box.y + box.height};
    group.features = group_features(detections, members);

    const double mx = box.width * options.crop_margin;
    const double my = box.height * options.crop_margin;
    const cv::Rect crop(
        cv::Rect2d(box.x - mx, box.y - my, box.width + 2 * mx, box.height + 2 * my) & frame_rect);
    if (crop.area() > 0) {
      result.groupImages.push_back({group.groupIndex, group.groupId,
                                    encode_jpeg_base64(frame(crop), options.jpeg_quality),
                                    crop.width, crop.height});
    }
    result.trafficGroups.push_back(std::move(group));
  }
  return result;
}

}  // namespace tmon::detect
