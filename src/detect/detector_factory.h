#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "detect/detector.h"
#include "detect/frame_analyzer.h"
#include "detect/yolo_detector.h"

namespace tmon::detect {

// Makes each camera its detector from the detection settings. YOLO models
// are loaded once and shared by the cameras that use them. Thread-safe.
class DetectorFactory {
 public:
  explicit DetectorFactory(config::DetectionConfig settings) : settings_(std::move(settings)) {}

  // `name` is motion, yolo or hog ("" means the configured default);
  // `roi_mask` an optional image file (motion only). Errors name the problem:
  // an unknown detector, a missing or unreadable model or mask.
  Result<DetectorPtr> make(const std::string& name, const std::string& roi_mask);
  const config::DetectionConfig& settings() const { return settings_; }

 private:
  Result<std::shared_ptr<YoloModel>> yolo_model();

  config::DetectionConfig settings_;
  std::mutex mu_;
  std::shared_ptr<YoloModel> yolo_;
};

// The classes a detector reports (/ws's supportedClasses): motion tells a
// person, a car and a truck apart by size and shape, hog finds people, yolo
// the configured class filter. `detector` "" is the configured default.
std::vector<std::string> detector_classes(const config::DetectionConfig& settings,
                                          const std::string& detector);

// The analysis settings (grouping, crops, tracking) of the detection config.
AnalyzerOptions analyzer_options(const config::DetectionConfig& settings);

}  // namespace tmon::detect
