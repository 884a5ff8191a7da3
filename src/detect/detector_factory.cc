#include "detect/detector_factory.h"

#include <opencv2/imgcodecs.hpp>

#include "detect/hog_detector.h"
#include "detect/motion_detector.h"
#include "messages/detector_names.h"

namespace tmon::detect {

Result<std::shared_ptr<YoloModel>> DetectorFactory::yolo_model() {
  std::lock_guard lock(mu_);
  if (yolo_) return yolo_;
  if (settings_.yolo_model.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "detector yolo needs detection.yolo_model (an ONNX YOLOv5/v8 file)");
  }
  auto model = YoloModel::load(settings_.yolo_model);
  if (!model) return model;
  yolo_ = *model;
  return yolo_;
}

Result<DetectorPtr> DetectorFactory::make(const std::string& requested,
                                          const std::string& roi_mask) {
  const std::string name = requested.empty() ? settings_.detector : requested;
  if (name == "motion") {
    MotionOptions options;
    options.threshold = settings_.motion_threshold;
    options.min_area_ratio = settings_.min_area_ratio;
    if (!roi_mask.empty()) {
      options.roi_mask = cv::imread(roi_mask, cv::IMREAD_GRAYSCALE);
      if (options.roi_mask.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "cannot read roi_mask image " + roi_mask);
      }
      options.roi_mask = options.roi_mask > 0;
    }
    return DetectorPtr(std::make_unique<MotionDetector>(options));
  }
  if (name == "yolo") {
    auto model = yolo_model();
    if (!model) return tl::unexpected(model.error());
    YoloOptions options;
    options.input_size = settings_.yolo_input_size;
    options.confidence = static_cast<float>(settings_.yolo_confidence);
    options.nms = static_cast<float>(settings_.yolo_nms);
    options.classes = settings_.classes;
    return DetectorPtr(std::make_unique<YoloDetector>(*model, options));
  }
  if (name == "hog") {
    HogOptions options;
    options.upscale = settings_.hog_upscale;
    return DetectorPtr(std::make_unique<HogDetector>(options));
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown detector \"" + name + "\" (" + messages::detector_names_text() + ")");
}

std::vector<std::string> detector_classes(const config::DetectionConfig& settings,
                                          const std::string& detector) {
  const std::string name = detector.empty() ? settings.detector : detector;
  if (name == "motion") return {"person", "car", "truck"};
  if (name == "hog") return {"person"};
  if (name == "yolo") return settings.classes;
  return {};
}

AnalyzerOptions analyzer_options(const config::DetectionConfig& settings) {
  AnalyzerOptions options;
  options.jpeg_quality = settings.jpeg_quality;
  options.min_group_size = settings.min_group_size;
  options.group_distance_factor = settings.group_distance_factor;
  options.crop_margin = settings.crop_margin;
  options.thumbnail_width = settings.thumbnail_width;
  // tracker_max_age counts frames at the configured tracking rate.
  const double track_period =
      settings.track_fps > 0 ? std::min(1.0 / settings.track_fps, settings.frame_interval_seconds)
                             : settings.frame_interval_seconds;
  options.tracker.max_age_seconds = settings.tracker_max_age * track_period;
  options.tracker.min_hits = settings.tracker_min_hits;
  options.safety.ttc_seconds = settings.ttc_seconds;
  options.safety.pet_seconds = settings.pet_seconds;
  options.safety.horizon_seconds = settings.ssm_horizon_seconds;
  return options;
}

}  // namespace tmon::detect
