#pragma once

// JSON for the pieces several messages share (internal to the codecs):
// boxes, detected objects, group features, enums and schemaVersion. Readers
// record failures on the JsonReader they are given (see json_reader.h).

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "messages/json_reader.h"
#include "messages/json_text.h"
#include "messages/messages.h"

namespace tmon::messages::detail {

// `cameraId` of a message: required, a non-empty string or an integer (the
// original's), remembered as such.
void read_camera_id(const JsonReader& message, CameraId* out);

// Bounds of integer fields (inclusive): well past anything real, well
// inside int's range, so nothing downstream overflows negating, adding or
// sizing with them (a priority of INT_MIN negated is UB).
inline constexpr int kMaxGroupIndex = 1'000'000;
inline constexpr int kMaxPriority = 1'000'000;
inline constexpr int kMaxCount = 1'000'000;  // objects, groups, tasks of a frame
OrderedJson to_json_value(const CameraId& id);

// Absent means the original system's format, version 0. A newer version is
// accepted (fields are only ever added compatibly within a major change).
void read_schema_version(const JsonReader& message, int* out);

bool read_risk_level(const JsonReader& value, RiskLevel* out);
bool read_result_status(const JsonReader& value, ResultStatus* out);

// [x1,y1,x2,y2], or the legacy object {x1,y1,x2,y2}.
void read_bbox(const JsonReader& value, BoundingBox* out);
OrderedJson to_json_value(const BoundingBox& box);

// An element of detectedObjects (or a task's objects) at `index`. Legacy
// objects may lack objectId (then it is `index`), give the class as
// className, class or class_name, and lack classId.
void read_detected_object(const JsonReader& value, size_t index, DetectedObject* out);
void read_detected_objects(const JsonReader& array, std::vector<DetectedObject>* out);
// Both shapes at once: the original's {class, confidence, bbox, level} and
// tmon's objectId, className and classId beside them.
OrderedJson to_json_value(const DetectedObject& object);
OrderedJson to_json_value(const std::vector<DetectedObject>& objects);

// What the original says of a set of members: sorted distinct classes, mean
// confidence, and the box around them all (zero when there are none).
struct MemberSummary {
  std::vector<std::string> classes;
  double average_confidence = 0;
  BoundingBox bbox;
};
MemberSummary summarize(const std::vector<const DetectedObject*>& members);

void read_group_features(const JsonReader& value, GroupFeatures* out);
OrderedJson to_json_value(const GroupFeatures& features);

// A group's surrogate safety measures (safety_codec.cc).
void read_group_safety(const JsonReader& value, GroupSafety* out);
OrderedJson to_json_value(const GroupSafety& safety);

// Optional frameTaskCount, which must be positive when present: the
// aggregator waits for this many results per frame, and zero or fewer would
// make it complete a frame before any result arrived.
void read_frame_task_count(const JsonReader& message, int* out);

// The image of a group or task: the first present of `keys`, each either
// plain base64 or a data URI (only its base64 part is kept). Returns true
// when a non-empty image was read.
bool read_image_base64(const JsonReader& object, std::initializer_list<std::string_view> keys,
                       std::string* out);

// Seconds as the original writes durations and epoch times (a float).
double to_seconds(int64_t millis);
// The original's capture time fields: `timestamp` (ISO-8601).
std::string iso_timestamp(int64_t epoch_ms);

// Whole messages embedded in others (the merged view embeds the detection
// and each result's metadata).
void read_detection_result(const JsonReader& message, DetectionResult* out);
void read_metadata(const JsonReader& value, ResultMetadata* out);
OrderedJson to_json_value(const ResultMetadata& metadata);

// The id of a legacy group that carries none: "<cameraId>-g<groupIndex>".
std::string derived_group_id(std::string_view camera_id, int group_index);

}  // namespace tmon::messages::detail
