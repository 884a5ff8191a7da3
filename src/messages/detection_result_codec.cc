// Codec for detection-results messages, including the original Python
// system's (version 0) shape.

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

// Legacy groups may list members by position in detectedObjects; those are
// mapped to the objects' ids (which default to that position when absent).
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
  out->groupIndex = static_cast<int>(index);
  value.optional("groupIndex", &out->groupIndex);
  if (!value.optional("groupId", &out->groupId) && value.ok()) {
    out->groupId = detail::derived_group_id(camera_id, out->groupIndex);
  }
  if (!value.optional("objectIds", &out->objectIds) && value.ok()) {
    if (const JsonReader indices = value.field("objectIndices"); indices.present()) {
      read_object_indices(indices, objects, &out->objectIds);
    }
  }
  if (const JsonReader bbox = value.field("bbox"); bbox.present()) {
    detail::read_bbox(bbox, &out->bbox);
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
  out->groupIndex = static_cast<int>(index);
  value.optional("groupIndex", &out->groupIndex);
  if (!value.optional("groupId", &out->groupId) && value.ok()) {
    out->groupId = detail::derived_group_id(camera_id, out->groupIndex);
  }
  detail::read_image_base64(value, &out->imageBase64);
  value.optional("width", &out->width);
  value.optional("height", &out->height);
}

void read_detection_result(const JsonReader& message, DetectionResult* out) {
  detail::read_schema_version(message, &out->schemaVersion);
  message.required_non_empty("cameraId", &out->cameraId);
  detail::read_capture_ts(message, &out->captureTs);
  if (const JsonReader request_id = message.field("requestId");
      request_id.present() || out->schemaVersion >= 1) {
    message.required_non_empty("requestId", &out->requestId);
  } else {
    // The original system had no request id; camera and capture time
    // identify a frame just as uniquely.
    out->requestId = out->cameraId + "-" + std::to_string(out->captureTs);
  }
  message.optional("frameNumber", &out->frameNumber);
  message.optional("detectedTs", &out->detectedTs);
  message.optional("imageWidth", &out->imageWidth);
  message.optional("imageHeight", &out->imageHeight);

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

OrderedJson to_json_value(const TrafficGroup& group) {
  return OrderedJson{{"groupIndex", group.groupIndex},
                     {"groupId", group.groupId},
                     {"objectIds", group.objectIds},
                     {"bbox", detail::to_json_value(group.bbox)},
                     {"features", detail::to_json_value(group.features)},
                     {"safety", detail::to_json_value(group.safety)}};
}

OrderedJson to_json_value(const GroupImage& image) {
  return OrderedJson{{"groupIndex", image.groupIndex},
                     {"groupId", image.groupId},
                     {"imageBase64", image.imageBase64},
                     {"width", image.width},
                     {"height", image.height}};
}

}  // namespace

std::string encode(const DetectionResult& message) {
  OrderedJson groups = OrderedJson::array();
  for (const TrafficGroup& group : message.trafficGroups) groups.push_back(to_json_value(group));
  OrderedJson images = OrderedJson::array();
  for (const GroupImage& image : message.groupImages) images.push_back(to_json_value(image));

  OrderedJson json{{"schemaVersion", kSchemaVersion},
                   {"cameraId", message.cameraId},
                   {"requestId", message.requestId},
                   {"frameNumber", message.frameNumber},
                   {"captureTs", message.captureTs},
                   {"detectedTs", message.detectedTs},
                   {"imageWidth", message.imageWidth},
                   {"imageHeight", message.imageHeight},
                   {"detectedObjects", detail::to_json_value(message.detectedObjects)},
                   {"trafficGroups", std::move(groups)},
                   {"groupImages", std::move(images)}};
  if (!message.thumbnailBase64.empty()) json["thumbnailBase64"] = message.thumbnailBase64;
  return detail::dump_json(json);
}

Result<DetectionResult> decode_detection_result(std::string_view json) {
  return detail::decode_message<DetectionResult>(json, read_detection_result);
}

}  // namespace tmon::messages
