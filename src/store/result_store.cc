#include "store/result_store.h"

namespace tmon::store {

std::string latest_key(const std::string& camera_id) {
  return "camera:" + camera_id + ":latest";
}
std::string result_key(const std::string& task_id) {
  return "result:" + task_id;
}
std::string camera_channel(const std::string& camera_id) {
  return "camera:" + camera_id;
}

}  // namespace tmon::store
