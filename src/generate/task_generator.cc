#include "generate/task_generator.h"

#include <algorithm>

namespace tmon::generate {

std::string task_id_for(const std::string& request_id, const std::string& group_id) {
  return request_id + ":" + group_id;
}

namespace {

const messages::GroupImage* find_image(const messages::DetectionResult& frame,
                                       const messages::TrafficGroup& group) {
  for (const auto& image : frame.groupImages) {
    if (image.groupId == group.groupId) return &image;
  }
  for (const auto& image : frame.groupImages) {
    if (image.groupIndex == group.groupIndex) return &image;
  }
  return nullptr;
}

}  // namespace

std::vector<messages::AssessmentTask> TaskGenerator::make_tasks(
    const messages::DetectionResult& frame, int64_t now_ms) const {
  std::vector<messages::AssessmentTask> tasks;
  for (const auto& group : frame.trafficGroups) {
    if (static_cast<int>(group.objectIds.size()) < config_.min_group_size) continue;
    const messages::GroupImage* image = find_image(frame, group);
    // The LLM judges the picture; a group without one cannot be assessed.
    if (!image || image->imageBase64.empty()) continue;

    messages::AssessmentTask task;
    task.taskId = task_id_for(frame.requestId, group.groupId);
    task.cameraId = frame.cameraId;
    task.requestId = frame.requestId;
    task.groupIndex = group.groupIndex;
    task.groupId = group.groupId;
    task.captureTs = frame.captureTs;
    task.createdTs = now_ms;
    task.deadlineTs = frame.captureTs + static_cast<int64_t>(config_.max_age_seconds * 1000);
    task.imageBase64 = image->imageBase64;
    task.features = group.features;
    for (const auto& object : frame.detectedObjects) {
      if (std::find(group.objectIds.begin(), group.objectIds.end(), object.objectId) !=
          group.objectIds.end()) {
        task.objects.push_back(object);
      }
    }
    tasks.push_back(std::move(task));
  }
  for (auto& task : tasks) task.frameTaskCount = static_cast<int>(tasks.size());
  return tasks;
}

}  // namespace tmon::generate
