#include "schedule/task_result.h"

namespace tmon::schedule {

messages::AssessmentResult result_for(const messages::AssessmentTask& task,
                                      messages::ResultStatus status, int64_t now_ms) {
  messages::AssessmentResult result;
  result.taskId = task.taskId;
  result.cameraId = task.cameraId;
  result.requestId = task.requestId;
  result.groupIndex = task.groupIndex;
  result.groupId = task.groupId;
  result.captureTs = task.captureTs;
  result.completedTs = now_ms;
  result.frameTaskCount = task.frameTaskCount;
  result.status = status;
  return result;
}

messages::AssessmentResult error_result(const messages::AssessmentTask& task,
                                        messages::ResultStatus status, std::string code,
                                        std::string message, int64_t now_ms) {
  auto result = result_for(task, status, now_ms);
  result.code = std::move(code);
  result.message = std::move(message);
  return result;
}

}  // namespace tmon::schedule
