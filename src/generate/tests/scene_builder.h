#pragma once

// Scripted detection frames for the generator tests: road users by box, groups
// by member ids, everything else filled in as detect would.

#include <string>
#include <utility>
#include <vector>

#include "messages/messages.h"

namespace tmon::generate::testing {

struct Actor {
  int id = 0;
  std::string cls = "car";
  double x = 0, y = 0, w = 64, h = 32;
};

inline messages::DetectedObject object_of(const Actor& a) {
  return {a.id, a.cls, a.cls == "person" ? 0 : 2, 0.9, {a.x, a.y, a.x + a.w, a.y + a.h}};
}

struct GroupSpec {
  std::string id;
  std::vector<int> members;
  double speed = 0;    // px/s, as detect's features say
  double density = 0;  // as detect's features say
};

// One frame of camera `camera` at capture time ts_ms; every group gets a crop.
inline messages::DetectionResult make_frame(const std::string& camera, int64_t frame_number,
                                            int64_t ts_ms, const std::vector<Actor>& actors,
                                            const std::vector<GroupSpec>& groups) {
  messages::DetectionResult frame;
  frame.cameraId = camera;
  frame.frameNumber = frame_number;
  frame.requestId = camera + "-" + std::to_string(ts_ms) + "-" + std::to_string(frame_number);
  frame.captureTs = ts_ms;
  frame.imageWidth = 640;
  frame.imageHeight = 360;
  for (const auto& a : actors) frame.detectedObjects.push_back(object_of(a));
  int index = 0;
  for (const auto& g : groups) {
    messages::TrafficGroup group;
    group.groupIndex = index;
    group.groupId = g.id;
    group.objectIds = g.members;
    group.features.speed = g.speed;
    group.features.density = g.density;
    frame.trafficGroups.push_back(group);
    frame.groupImages.push_back({index, g.id, "QUFB", 10, 10});
    ++index;
  }
  return frame;
}

// A lane of `count` standing cars, 64x32 px, `gap` px apart, ids from first_id.
inline std::vector<Actor> queue_of_cars(int count, double gap, int first_id = 1) {
  std::vector<Actor> cars;
  for (int i = 0; i < count; ++i) {
    cars.push_back({first_id + i, "car", 100 + i * (64 + gap), 150, 64, 32});
  }
  return cars;
}

inline std::vector<int> ids_of(const std::vector<Actor>& actors) {
  std::vector<int> ids;
  for (const auto& a : actors) ids.push_back(a.id);
  return ids;
}

}  // namespace tmon::generate::testing
