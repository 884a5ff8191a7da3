#include "messages/part_codecs.h"

#include <algorithm>
#include <optional>
#include <set>

#include "common/clock.h"
#include "messages/codec.h"

namespace tmon::messages::detail {
namespace {

template <typename Enum, typename ParseFn>
bool read_enum(const JsonReader& value, ParseFn parse, std::string_view names, Enum* out) {
  std::string text;
  if (!value.get(&text)) return false;
  const std::optional<Enum> parsed = parse(text);
  if (!parsed) {
    // The offending value is left out: it is untrusted input and could be
    // arbitrarily long; the payload travels with the dead letter anyway.
    value.fail("expected one of " + std::string(names));
    return false;
  }
  *out = *parsed;
  return true;
}

}  // namespace

void read_camera_id(const JsonReader& message, CameraId* out) {
  const JsonReader id = message.field("cameraId");
  if (!id.require()) return;
  if (id.json().is_number()) {
    int64_t number = 0;
    if (id.get(&number)) *out = CameraId::integer(number);
    return;
  }
  std::string text;
  if (!id.json().is_string() || !id.get(&text) || text.empty()) {
    id.fail("expected a non-empty string or an integer");
    return;
  }
  *out = CameraId(std::move(text));
}

OrderedJson to_json_value(const CameraId& id) {
  if (const auto number = id.number()) return *number;
  return id.text();
}

void read_schema_version(const JsonReader& message, int* out) {
  const JsonReader version = message.field("schemaVersion");
  if (!version.present()) {
    *out = 0;
    return;
  }
  int value = 0;
  if (!version.get(&value)) return;
  if (value < 0) {
    version.fail("expected a non-negative integer");
    return;
  }
  *out = value;
}

bool read_risk_level(const JsonReader& value, RiskLevel* out) {
  return read_enum(value, parse_risk_level, "none, low, medium, high, critical", out);
}

bool read_result_status(const JsonReader& value, ResultStatus* out) {
  return read_enum(value, parse_result_status, "ok, error, expired, rejected", out);
}

void read_bbox(const JsonReader& value, BoundingBox* out) {
  const Json& json = value.json();
  if (json.is_object()) {
    value.required("x1", &out->x1);
    value.required("y1", &out->y1);
    value.required("x2", &out->x2);
    value.required("y2", &out->y2);
    return;
  }
  if (!json.is_array() || json.size() != 4) {
    value.fail("expected an array [x1,y1,x2,y2] or an object {x1,y1,x2,y2}");
    return;
  }
  value.element(0).get(&out->x1);
  value.element(1).get(&out->y1);
  value.element(2).get(&out->x2);
  value.element(3).get(&out->y2);
}

OrderedJson to_json_value(const BoundingBox& box) {
  return OrderedJson::array({box.x1, box.y1, box.x2, box.y2});
}

void read_detected_object(const JsonReader& value, size_t index, DetectedObject* out) {
  if (!value.expect_object()) return;
  out->objectId = static_cast<int>(index);
  value.optional("objectId", &out->objectId);
  // Producers of the original system disagreed on the class field's name.
  for (const std::string_view key : {"className", "class", "class_name"}) {
    if (value.optional(key, &out->className) || !value.ok()) break;
  }
  value.optional("classId", &out->classId);
  value.optional_in_range("confidence", &out->confidence, 0.0, 1.0);
  if (const JsonReader bbox = value.field("bbox"); bbox.present()) read_bbox(bbox, &out->bbox);
}

void read_detected_objects(const JsonReader& array, std::vector<DetectedObject>* out) {
  std::vector<DetectedObject> objects(array.size());
  array.for_each(
      [&](const JsonReader& element, size_t i) { read_detected_object(element, i, &objects[i]); });
  *out = std::move(objects);
}

OrderedJson to_json_value(const DetectedObject& object) {
  // `level` is always 0 in the original (its detector had one level of
  // detail); its front end reads it, so it is written as the original did.
  return OrderedJson{{"class", object.className},          {"confidence", object.confidence},
                     {"bbox", to_json_value(object.bbox)}, {"level", 0},
                     {"objectId", object.objectId},        {"className", object.className},
                     {"classId", object.classId}};
}

MemberSummary summarize(const std::vector<const DetectedObject*>& members) {
  MemberSummary summary;
  if (members.empty()) return summary;
  std::set<std::string> classes;
  double confidence = 0;
  summary.bbox = members.front()->bbox;
  for (const DetectedObject* member : members) {
    classes.insert(member->className);
    confidence += member->confidence;
    summary.bbox.x1 = std::min(summary.bbox.x1, member->bbox.x1);
    summary.bbox.y1 = std::min(summary.bbox.y1, member->bbox.y1);
    summary.bbox.x2 = std::max(summary.bbox.x2, member->bbox.x2);
    summary.bbox.y2 = std::max(summary.bbox.y2, member->bbox.y2);
  }
  summary.classes.assign(classes.begin(), classes.end());
  summary.average_confidence = confidence / static_cast<double>(members.size());
  return summary;
}

OrderedJson to_json_value(const std::vector<DetectedObject>& objects) {
  OrderedJson array = OrderedJson::array();
  for (const DetectedObject& object : objects) array.push_back(to_json_value(object));
  return array;
}

void read_group_features(const JsonReader& value, GroupFeatures* out) {
  if (!value.expect_object()) return;
  value.optional("classCounts", &out->classCounts);
  value.optional("minSpacing", &out->minSpacing);
  value.optional("minPersonVehicleDistance", &out->minPersonVehicleDistance);
  value.optional("density", &out->density);
  value.optional("speed", &out->speed);
  value.optional("heading", &out->heading);
}

OrderedJson to_json_value(const GroupFeatures& features) {
  return OrderedJson{{"classCounts", features.classCounts},
                     {"minSpacing", features.minSpacing},
                     {"minPersonVehicleDistance", features.minPersonVehicleDistance},
                     {"density", features.density},
                     {"speed", features.speed},
                     {"heading", features.heading}};
}

std::string derived_group_id(std::string_view camera_id, int group_index) {
  return std::string(camera_id) + "-g" + std::to_string(group_index);
}

void read_frame_task_count(const JsonReader& message, int* out) {
  if (const JsonReader count = message.field("frameTaskCount");
      count.present() && count.get(out) && (*out < 1 || *out > kMaxCount)) {
    count.fail(*out < 1 ? "expected a positive integer" : "out of range");
  }
}

namespace {

// The image of a legacy entry may be a data URI ("data:image/jpeg;base64,...");
// only the base64 after the comma is kept, so the image is carried once.
void read_data_uri(const JsonReader& value, std::string* out) {
  std::string text;
  if (!value.get(&text)) return;
  if (!text.starts_with("data:")) {
    *out = std::move(text);
    return;
  }
  const size_t comma = text.find(',');
  if (comma == std::string::npos || !std::string_view(text).substr(0, comma).ends_with(";base64")) {
    value.fail("expected a base64 data URI");
    return;
  }
  *out = text.substr(comma + 1);
}

}  // namespace

bool read_image_base64(const JsonReader& object, std::initializer_list<std::string_view> keys,
                       std::string* out) {
  for (const std::string_view key : keys) {
    const JsonReader image = object.field(key);
    if (!image.present()) continue;
    read_data_uri(image, out);
    return object.ok() && !out->empty();
  }
  return false;
}

double to_seconds(int64_t millis) {
  return static_cast<double>(millis) / 1000.0;
}

std::string iso_timestamp(int64_t epoch_ms) {
  return iso8601_utc(epoch_ms);
}

}  // namespace tmon::messages::detail

namespace tmon::messages {

JsonValue to_json(const CameraId& id) {
  return detail::to_json_value(id);
}

}  // namespace tmon::messages
