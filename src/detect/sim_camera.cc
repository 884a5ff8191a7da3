#include "detect/sim_camera.h"

namespace tmon::detect {

int coco_class_id(const std::string& class_name) {
  if (class_name == "person") return 0;
  if (class_name == "bicycle") return 1;
  if (class_name == "car") return 2;
  if (class_name == "motorcycle") return 3;
  if (class_name == "bus") return 5;
  if (class_name == "truck") return 7;
  return -1;
}

CameraFrame SimCamera::next_frame(double dt_seconds) {
  scene_.step(dt_seconds);
  CameraFrame frame;
  frame.image = scene_.render();
  const cv::Rect2d bounds(0, 0, frame.image.cols, frame.image.rows);
  for (const auto& object : scene_.objects()) {
    const cv::Rect2d visible = object.box & bounds;
    // A camera sees what is mostly in the picture, not what barely peeks in.
    if (visible.area() < 0.5 * object.box.area()) continue;
    frame.detections.push_back({object.id, object.class_name, coco_class_id(object.class_name), 0.9,
                                visible, object.velocity});
  }
  return frame;
}

}  // namespace tmon::detect
