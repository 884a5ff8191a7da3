// Codec for detection-results messages, including the original Python
// system's (version 0) shape.

#include <map>
#include <string_view>
#include <vector>

#include "messages/codec.h"
#include "messages/json_text.h"
#include "messages/legacy_timestamp.h"
#include "messages/part_codecs.h"

namespace tmon::messages {
namespace {

using detail::JsonReader;
using detail::OrderedJson;

// Original groups list members by position in detectedObjects
// (`memberIndices`, or `objectIndices` in some producers); those are mapped
// to the objects' ids (which default to that position when absent).
void read_object_indices(const JsonReader& indices, const std::vector<DetectedObject>& objects,
                         std::vector<int>* out) {
  std::vector<int> positions;
  if (!indices.get(&positions)) return;
  std::vector<int> ids;
  ids.reserve(positions.size());
  for (size_t i = 0; i < positions.size(); ++i) {
    if (positions[i] < 0 || static_cast<size_t>(positions[i]) >= objects.size()) {
      indices.element(i).fail("expected an index into detectedObjects");
      return;
    }
    ids.push_back(objects[static_cast<size_t>(positions[i])].objectId);
  }
  *out = std::move(ids);
}

void read_traffic_group(const JsonReader& value, size_t index, std::string_view camera_id,
                        const std::vector<DetectedObject>& objects, TrafficGroup* out) {
  if (!value.expect_object()) return;
  out->groupIndex = static_cast<int>(index) + 1;  // the original counts from 1
  value.optional_in_range("groupIndex", &out->groupIndex, 0, detail::kMaxGroupIndex);
  if (!value.optional("groupId", &out->groupId) && value.ok()) {
    out->groupId = detail::derived_group_id(camera_id, out->groupIndex);
  }
  if (!value.optional("objectIds", &out->objectIds) && value.ok()) {
    for (const std::string_view key : {"memberIndices", "objectIndices"}) {
      if (const JsonReader indices = value.field(key); indices.present()) {
        read_object_indices(indices, objects, &out->objectIds);
        break;
      }
    }
  }
  if (const JsonReader bbox = value.field("bbox"); bbox.present()) {
    detail::read_bbox(bbox, &out->bbox);
  } else if (const JsonReader group_bbox = value.field("groupBbox"); group_bbox.present()) {
    detail::read_bbox(group_bbox, &out->bbox);
  }
  if (const JsonReader features = value.field("features"); features.present()) {
    detail::read_group_features(features, &out->features);
  }
  if (const JsonReader safety = value.field("safety"); safety.present()) {
    detail::read_group_safety(safety, &out->safety);
  }
}

void read_group_image(const JsonReader& value, size_t index, std::string_view camera_id,
                      GroupImage* out) {
  if (!value.expect_object()) return;
  out->groupIndex = static_cast<int>(index) + 1;
  value.optional_in_range("groupIndex", &out->groupIndex, 0, detail::kMaxGroupIndex);
  if (!value.optional("groupId", &out->groupId) && value.ok()) {
    out->groupId = detail::derived_group_id(camera_id, out->groupIndex);
  }
  detail::read_image_base64(value, {"imageBase64", "dataUri", "image", "imageData"},
                            &out->imageBase64);
  if (!value.optional("imageWidth", &out->width)) value.optional("width", &out->width);
  if (!value.optional("imageHeight", &out->height)) value.optional("height", &out->height);
}

// The frame's id: tmon's requestId, else the original producer's messageId
// (its generator uses that as the tasks' requestId), else camera and capture
// time, which identify a frame just as uniquely.
void read_request_id(const JsonReader& message, DetectionResult* out) {
  if (message.field("requestId").present() || out->schemaVersion >= 1) {
    message.required_non_empty("requestId", &out->requestId);
  } else if (message.field("messageId").present()) {
    message.required_non_empty("messageId", &out->requestId);
  } else if (message.ok()) {
    out->requestId = out->cameraId + "-" + std::to_string(out->captureTs);
  }
}

// A group's members as the original names them: positions in
// detectedObjects, and what they are.
struct GroupMembers {
  std::vector<int> indices;
  detail::MemberSummary summary;
};

GroupMembers members_of(const TrafficGroup& group, const std::map<int, size_t>& position_of,
                        const std::vector<DetectedObject>& objects) {
  GroupMembers members;
  std::vector<const DetectedObject*> found;
  for (const int id : group.objectIds) {
    const auto it = position_of.find(id);
    if (it == position_of.end()) continue;
    members.indices.push_back(static_cast<int>(it->second));
    found.push_back(&objects[it->second]);
  }
  members.summary = detail::summarize(found);
  return members;
}

OrderedJson to_json_value(const TrafficGroup& group, const GroupMembers& members) {
  const auto count = static_cast<int>(group.objectIds.size());
  const OrderedJson bbox = detail::to_json_value(group.bbox);
  // The original's names, with its aliases (objectCount/memberCount,
  // bbox/groupBbox, averageConfidence/avgConfidence): its front end reads both.
  return OrderedJson{{"groupIndex", group.groupIndex},
                     {"objectCount", count},
                     {"memberCount", count},
                     {"bbox", bbox},
                     {"groupBbox", bbox},
                     {"classes", members.summary.classes},
                     {"averageConfidence", members.summary.average_confidence},
                     {"avgConfidence", members.summary.average_confidence},
                     {"memberIndices", members.indices},
                     {"groupId", group.groupId},
                     {"objectIds", group.objectIds},
                     {"features", detail::to_json_value(group.features)},
                     {"safety", detail::to_json_value(group.safety)}};
}

OrderedJson to_json_value(const GroupImage& image, const TrafficGroup* group,
                          const GroupMembers* members) {
  OrderedJson json{{"groupIndex", image.groupIndex}, {"groupId", image.groupId}};
  if (group && members) {
    json["bbox"] = detail::to_json_value(group->bbox);
    json["objectCount"] = static_cast<int>(group->objectIds.size());
    json["classes"] = members->summary.classes;
    json["memberIndices"] = members->indices;
  }
  json["imageWidth"] = image.width;
  json["imageHeight"] = image.height;
  json["imageBase64"] = image.imageBase64;
  return json;
}

}  // namespace

namespace detail {

void read_detection_result(const JsonReader& message, DetectionResult* out) {
  detail::read_schema_version(message, &out->schemaVersion);
  detail::read_camera_id(message, &out->cameraId);
  detail::read_capture_ts(message, &out->captureTs);
  read_request_id(message, out);
  message.optional("frameNumber", &out->frameNumber);
  if (!message.optional("detectedTs", &out->detectedTs) && message.ok()) {
    // The original says how long detection took, in seconds.
    double latency = 0;
    // Within a day: a larger value is garbage, and casting it could overflow.
    if (message.optional_in_range("detectionLatency", &latency, 0.0, 86'400.0)) {
      out->detectedTs = out->captureTs + static_cast<int64_t>(latency * 1000.0 + 0.5);
    }
  }
  message.optional("imageWidth", &out->imageWidth);
  message.optional("imageHeight", &out->imageHeight);
  message.optional("modelType", &out->modelType);

  const JsonReader objects = message.field("detectedObjects");
  if (objects.require()) detail::read_detected_objects(objects, &out->detectedObjects);

  const JsonReader groups = message.field("trafficGroups");
  if (groups.require()) {
    out->trafficGroups.resize(groups.size());
    groups.for_each([&](const JsonReader& group, size_t i) {
      read_traffic_group(group, i, out->cameraId, out->detectedObjects, &out->trafficGroups[i]);
    });
  }

  if (const JsonReader images = message.field("groupImages"); images.present()) {
    out->groupImages.resize(images.size());
    images.for_each([&](const JsonReader& image, size_t i) {
      read_group_image(image, i, out->cameraId, &out->groupImages[i]);
    });
  }
  message.optional("thumbnailBase64", &out->thumbnailBase64);
}

}  // namespace detail

JsonValue to_json(const DetectionResult& message) {
  std::map<int, size_t> position_of;
  for (size_t i = 0; i < message.detectedObjects.size(); ++i) {
    position_of.emplace(message.detectedObjects[i].objectId, i);
  }
  std::map<int, std::pair<const TrafficGroup*, GroupMembers>> groups_by_index;
  OrderedJson groups = OrderedJson::array();
  for (const TrafficGroup& group : message.trafficGroups) {
    GroupMembers members = members_of(group, position_of, message.detectedObjects);
    groups.push_back(to_json_value(group, members));
    groups_by_index.emplace(group.groupIndex, std::make_pair(&group, std::move(members)));
  }
  OrderedJson images = OrderedJson::array();
  for (const GroupImage& image : message.groupImages) {
    const auto it = groups_by_index.find(image.groupIndex);
    images.push_back(it == groups_by_index.end()
                         ? to_json_value(image, nullptr, nullptr)
                         : to_json_value(image, it->second.first, &it->second.second));
  }

  OrderedJson json{{"schemaVersion", kSchemaVersion},
                   {"cameraId", detail::to_json_value(message.cameraId)},
                   {"requestId", message.requestId},
                   {"messageId", message.requestId},
                   {"timestamp", detail::iso_timestamp(message.captureTs)},
                   {"frameTimestamp", detail::to_seconds(message.captureTs)},
                   {"frameNumber", message.frameNumber},
                   {"captureTs", message.captureTs},
                   {"detectedTs", message.detectedTs}};
  if (message.detectedTs >= message.captureTs && message.captureTs > 0) {
    json["detectionLatency"] = detail::to_seconds(message.detectedTs - message.captureTs);
  }
  json["imageWidth"] = message.imageWidth;
  json["imageHeight"] = message.imageHeight;
  if (!message.modelType.empty()) json["modelType"] = message.modelType;
  json["detectedObjects"] = detail::to_json_value(message.detectedObjects);
  json["trafficGroups"] = std::move(groups);
  json["groupImages"] = std::move(images);
  if (!message.thumbnailBase64.empty()) json["thumbnailBase64"] = message.thumbnailBase64;
  return json;
}

std::string encode(const DetectionResult& message) {
  return dump(to_json(message));
}

Result<DetectionResult> decode_detection_result(std::string_view json) {
  return detail::decode_message<DetectionResult>(json, detail::read_detection_result);
}

}  // namespace tmon::messages
