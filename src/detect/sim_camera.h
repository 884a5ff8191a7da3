#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "detect/grouping.h"
#include "detect/sim_scene.h"

namespace tmon::detect {

struct CameraFrame {
  cv::Mat image;
  std::vector<Detection> detections;
};

// A sim:// camera. Until real detectors land (motion, yolo, hog), its
// detections are the scene's ground truth clipped to the frame: exact boxes,
// stable ids and true velocities, so everything downstream is exercised with
// known-correct input.
class SimCamera {
 public:
  explicit SimCamera(SimOptions options) : scene_(options) {}

  // Advances the scene by dt seconds and returns the new frame.
  CameraFrame next_frame(double dt_seconds);
  const SimScene& scene() const { return scene_; }

 private:
  SimScene scene_;
};

// COCO class id of the names the scene uses (-1 for others).
int coco_class_id(const std::string& class_name);

}  // namespace tmon::detect
