#include "store/result_store.h"

namespace tmon::store {

std::string latest_key(const std::string& camera_id) {
  return "camera:" + camera_id + ":latest";
}
std::string latest_capture_key(const std::string& camera_id) {
  return "camera:" + camera_id + ":latest:captureTs";
}
std::string history_key(const std::string& camera_id) {
  return "camera:" + camera_id + ":history";
}
std::string high_risk_views_key(const std::string& camera_id) {
  return "alerts:" + camera_id;
}
std::string alerts_key(const std::string& camera_id) {
  // Not alerts:all: that is the original's list of camera "all".
  return camera_id.empty() ? "tmon:alerts" : "camera:" + camera_id + ":alerts";
}
std::string active_alerts_key(const std::string& camera_id) {
  return "camera:" + camera_id + ":alerts:active";
}
std::string detection_key(const std::string& request_id) {
  return "detection:" + request_id;
}
std::string result_key(const std::string& task_id) {
  return "result:" + task_id;
}
std::string frame_key(const std::string& request_id) {
  return "frame:" + request_id;
}
std::string frame_published_key(const std::string& request_id) {
  return "frame:" + request_id + ":published";
}
std::string camera_channel(const std::string& camera_id) {
  return "camera:" + camera_id;
}

}  // namespace tmon::store
