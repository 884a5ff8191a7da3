// Codec for assessment-tasks messages.

#include "messages/codec.h"
#include "messages/json_text.h"
#include "messages/legacy_timestamp.h"
#include "messages/part_codecs.h"

namespace tmon::messages {
namespace {

using detail::JsonReader;
using detail::OrderedJson;

void read_assessment_task(const JsonReader& message, AssessmentTask* out) {
  detail::read_schema_version(message, &out->schemaVersion);
  // The original system's tasks carry no taskId, capture time or deadline:
  // the id is derived from the frame and group, and a missing capture time
  // or deadline (0) makes the scheduler count from the task's arrival.
  const bool legacy = out->schemaVersion == 0;
  message.required_non_empty("cameraId", &out->cameraId);
  message.required_non_empty("requestId", &out->requestId);
  message.optional("groupIndex", &out->groupIndex);
  message.optional("groupId", &out->groupId);
  if (!legacy || message.field("taskId").present()) {
    message.required_non_empty("taskId", &out->taskId);
  } else if (message.ok()) {
    out->taskId = out->requestId + ":" +
                  (out->groupId.empty() ? "g" + std::to_string(out->groupIndex) : out->groupId);
  }
  if (!legacy || message.field("captureTs").present() || message.field("timestamp").present()) {
    detail::read_capture_ts(message, &out->captureTs);
  }
  message.optional("createdTs", &out->createdTs);
  if (legacy) {
    message.optional("deadlineTs", &out->deadlineTs);
  } else {
    message.required("deadlineTs", &out->deadlineTs);
  }
  message.optional("priority", &out->priority);
  detail::read_frame_task_count(message, &out->frameTaskCount);
  if (!detail::read_image_base64(message, &out->imageBase64) && message.ok()) {
    const JsonReader image = message.field("imageBase64");
    image.fail(image.present() ? "expected a non-empty string" : "required field missing");
  }
  if (const JsonReader objects = message.field("objects"); objects.present()) {
    detail::read_detected_objects(objects, &out->objects);
  }
  if (const JsonReader features = message.field("features"); features.present()) {
    detail::read_group_features(features, &out->features);
  }
}

}  // namespace

std::string encode(const AssessmentTask& message) {
  const OrderedJson json{{"schemaVersion", kSchemaVersion},
                         {"taskId", message.taskId},
                         {"cameraId", message.cameraId},
                         {"requestId", message.requestId},
                         {"groupIndex", message.groupIndex},
                         {"groupId", message.groupId},
                         {"captureTs", message.captureTs},
                         {"createdTs", message.createdTs},
                         {"deadlineTs", message.deadlineTs},
                         {"priority", message.priority},
                         {"frameTaskCount", message.frameTaskCount},
                         {"imageBase64", message.imageBase64},
                         {"objects", detail::to_json_value(message.objects)},
                         {"features", detail::to_json_value(message.features)}};
  return detail::dump_json(json);
}

Result<AssessmentTask> decode_assessment_task(std::string_view json) {
  return detail::decode_message<AssessmentTask>(json, read_assessment_task);
}

}  // namespace tmon::messages
