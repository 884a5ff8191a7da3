// Codec for assessment-tasks messages, including the original Python
// system's shape (integer cameraId, groupImageBase64, groupMetadata).

#include "messages/codec.h"
#include "messages/json_text.h"
#include "messages/legacy_timestamp.h"
#include "messages/part_codecs.h"

namespace tmon::messages {
namespace {

using detail::JsonReader;
using detail::OrderedJson;

// The group's picture, carried once: the original's groupImageBase64 (or
// tmon's older imageBase64), else where to fetch it (groupImageUrl). With
// neither the task is not assessable.
void read_image(const JsonReader& message, AssessmentTask* out) {
  message.optional("groupImageUrl", &out->imageUrl);
  const bool image = detail::read_image_base64(
      message, {"groupImageBase64", "imageBase64", "image", "imageData"}, &out->imageBase64);
  if (message.ok() && !image && out->imageUrl.empty()) {
    message.field("groupImageBase64")
        .fail("required: a non-empty groupImageBase64 or groupImageUrl (the group's picture)");
  }
}

void read_assessment_task(const JsonReader& message, AssessmentTask* out) {
  detail::read_schema_version(message, &out->schemaVersion);
  // The original system's tasks carry no capture time in ms, deadline or
  // frameTaskCount: a missing deadline (0) makes the scheduler count from
  // the task's arrival, and a missing frameTaskCount (0) makes the
  // aggregator count the frame's groups.
  const bool legacy = out->schemaVersion == 0;
  detail::read_camera_id(message, &out->cameraId);
  message.required_non_empty("requestId", &out->requestId);
  message.optional_in_range("groupIndex", &out->groupIndex, 0, detail::kMaxGroupIndex);
  message.optional("groupId", &out->groupId);
  if (!legacy || message.field("taskId").present()) {
    message.required_non_empty("taskId", &out->taskId);
  } else if (message.ok()) {
    out->taskId = out->requestId + "_group" + std::to_string(out->groupIndex);
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
  message.optional_in_range("priority", &out->priority, -detail::kMaxPriority,
                            detail::kMaxPriority);
  if (legacy && !message.field("frameTaskCount").present()) out->frameTaskCount = 0;
  detail::read_frame_task_count(message, &out->frameTaskCount);
  read_image(message, out);
  for (const std::string_view key : {"detectedObjects", "objects"}) {
    if (const JsonReader objects = message.field(key); objects.present()) {
      detail::read_detected_objects(objects, &out->objects);
      break;
    }
  }
  if (const JsonReader features = message.field("features"); features.present()) {
    detail::read_group_features(features, &out->features);
  }
  if (const JsonReader safety = message.field("safety"); safety.present()) {
    detail::read_group_safety(safety, &out->safety);
  }
  message.optional("triggers", &out->triggers);
}

}  // namespace

JsonValue to_json(const AssessmentTask& message) {
  std::vector<const DetectedObject*> members;
  for (const DetectedObject& object : message.objects) members.push_back(&object);
  const detail::MemberSummary summary = detail::summarize(members);
  OrderedJson json{
      {"schemaVersion", kSchemaVersion},  {"taskId", message.taskId},
      {"messageId", message.taskId},      {"cameraId", detail::to_json_value(message.cameraId)},
      {"requestId", message.requestId},   {"groupIndex", message.groupIndex},
      {"groupId", message.groupId},       {"timestamp", detail::iso_timestamp(message.captureTs)},
      {"captureTs", message.captureTs},   {"createdTs", message.createdTs},
      {"deadlineTs", message.deadlineTs}, {"priority", message.priority}};
  // 0 is "unknown" (a relayed original task); the field must be positive.
  if (message.frameTaskCount > 0) json["frameTaskCount"] = message.frameTaskCount;
  json["groupImageBase64"] = message.imageBase64;
  json["groupImageUrl"] = message.imageUrl;
  json["detectedObjects"] = detail::to_json_value(message.objects);
  json["groupMetadata"] = OrderedJson{{"objectCount", static_cast<int>(message.objects.size())},
                                      {"classes", summary.classes},
                                      {"bbox", detail::to_json_value(summary.bbox)}};
  json["features"] = detail::to_json_value(message.features);
  json["safety"] = detail::to_json_value(message.safety);
  json["triggers"] = message.triggers;
  return json;
}

std::string encode(const AssessmentTask& message) {
  return dump(to_json(message));
}

Result<AssessmentTask> decode_assessment_task(std::string_view json) {
  return detail::decode_message<AssessmentTask>(json, read_assessment_task);
}

}  // namespace tmon::messages
