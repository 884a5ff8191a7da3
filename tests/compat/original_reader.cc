#include "original_reader.h"

#include <fstream>
#include <sstream>

namespace tmon::compat {
namespace {

const json& at(const json& object, const char* key) {
  if (!object.is_object()) throw ShapeError(std::string("expected an object holding ") + key);
  const auto it = object.find(key);
  if (it == object.end()) throw ShapeError(std::string(key) + ": missing");
  return *it;
}

template <typename T>
T get(const json& object, const char* key) {
  const json& value = at(object, key);
  try {
    if constexpr (std::is_same_v<T, std::string>) {
      if (!value.is_string()) throw ShapeError(std::string(key) + ": expected a string");
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!value.is_boolean()) throw ShapeError(std::string(key) + ": expected a boolean");
    } else if constexpr (std::is_integral_v<T>) {
      if (!value.is_number_integer()) throw ShapeError(std::string(key) + ": expected an integer");
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!value.is_number()) throw ShapeError(std::string(key) + ": expected a number");
    }
    return value.get<T>();
  } catch (const json::exception& e) {
    throw ShapeError(std::string(key) + ": " + e.what());
  }
}

template <typename T>
std::vector<T> list(const json& object, const char* key) {
  const json& value = at(object, key);
  if (!value.is_array()) throw ShapeError(std::string(key) + ": expected an array");
  std::vector<T> items;
  for (const auto& item : value) {
    try {
      items.push_back(item.get<T>());
    } catch (const json::exception& e) {
      throw ShapeError(std::string(key) + "[]: " + e.what());
    }
  }
  return items;
}

Box box(const json& object, const char* key) {
  const auto values = list<double>(object, key);
  if (values.size() != 4) throw ShapeError(std::string(key) + ": expected [x1, y1, x2, y2]");
  return {values[0], values[1], values[2], values[3]};
}

template <typename T, typename Read>
std::vector<T> each(const json& object, const char* key, Read read) {
  const json& value = at(object, key);
  if (!value.is_array()) throw ShapeError(std::string(key) + ": expected an array");
  std::vector<T> items;
  for (const auto& item : value) items.push_back(read(item));
  return items;
}

Object read_object(const json& item) {
  return {get<std::string>(item, "class"), get<double>(item, "confidence"), box(item, "bbox"),
          get<int>(item, "level")};
}

Group read_group(const json& item) {
  Group group;
  group.groupIndex = get<int>(item, "groupIndex");
  group.objectCount = get<int>(item, "objectCount");
  group.bbox = box(item, "bbox");
  group.classes = list<std::string>(item, "classes");
  group.averageConfidence = get<double>(item, "averageConfidence");
  group.memberIndices = list<int>(item, "memberIndices");
  group.memberCount = get<int>(item, "memberCount");
  group.groupBbox = box(item, "groupBbox");
  group.avgConfidence = get<double>(item, "avgConfidence");
  return group;
}

GroupImage read_group_image(const json& item) {
  return {get<int>(item, "groupIndex"), get<int>(item, "objectCount"),
          list<std::string>(item, "classes"), get<std::string>(item, "imageBase64")};
}

// The detection fields, in the detection message and in the merged view alike.
Detection read_detection_fields(const json& message) {
  Detection detection;
  detection.cameraId = camera_id(message);
  detection.timestamp = get<std::string>(message, "timestamp");
  detection.detectedObjects = each<Object>(message, "detectedObjects", read_object);
  detection.trafficGroups = each<Group>(message, "trafficGroups", read_group);
  detection.groupImages = each<GroupImage>(message, "groupImages", read_group_image);
  detection.imageWidth = get<int>(message, "imageWidth");
  detection.imageHeight = get<int>(message, "imageHeight");
  if (message.contains("messageId")) detection.messageId = get<std::string>(message, "messageId");
  return detection;
}

}  // namespace

int64_t camera_id(const json& message) {
  return get<int64_t>(message, "cameraId");
}

Detection read_detection(const json& message) {
  return read_detection_fields(message);
}

Task read_task(const json& message) {
  Task task;
  task.taskId = get<std::string>(message, "taskId");
  task.requestId = get<std::string>(message, "requestId");
  task.cameraId = camera_id(message);
  task.timestamp = get<std::string>(message, "timestamp");
  task.groupIndex = get<int>(message, "groupIndex");
  task.groupImageBase64 = get<std::string>(message, "groupImageBase64");
  task.groupImageUrl = get<std::string>(message, "groupImageUrl");
  task.detectedObjects = each<Object>(message, "detectedObjects", read_object);
  const json& metadata = at(message, "groupMetadata");
  task.metadataObjectCount = get<int>(metadata, "objectCount");
  task.metadataClasses = list<std::string>(metadata, "classes");
  box(metadata, "bbox");
  return task;
}

Risk read_risk(const json& item) {
  Risk risk;
  risk.groupIndex = get<int>(item, "groupIndex");
  risk.riskLevel = get<std::string>(item, "riskLevel");
  if (risk.riskLevel != "none" && risk.riskLevel != "low" && risk.riskLevel != "medium" &&
      risk.riskLevel != "high") {
    throw ShapeError("riskLevel: not one of none, low, medium, high: " + risk.riskLevel);
  }
  risk.confidence = get<double>(item, "confidence");
  risk.riskTypes = list<std::string>(item, "riskTypes");
  risk.description = get<std::string>(item, "description");
  if (!at(item, "dangerObjectCount").is_null()) {
    risk.dangerObjectCount = get<int>(item, "dangerObjectCount");
  }
  risk.triggerObjectIds = list<int>(item, "triggerObjectIds");
  return risk;
}

Result read_result(const json& message) {
  Result result;
  result.messageId = get<std::string>(message, "messageId");
  result.requestId = get<std::string>(message, "requestId");
  result.cameraId = camera_id(message);
  result.timestamp = get<std::string>(message, "timestamp");
  result.groupIndex = get<int>(message, "groupIndex");
  result.results = each<Risk>(message, "results", read_risk);
  const json& metadata = at(message, "metadata");
  result.llmLatency = get<double>(metadata, "llmLatency");
  result.llmModel = get<std::string>(metadata, "llmModel");
  result.apiKeyId = get<std::string>(metadata, "apiKeyId");
  result.retryCount = get<int>(metadata, "retryCount");
  if (message.contains("error")) result.error = get<std::string>(message, "error");
  return result;
}

MergedView read_merged_view(const json& view) {
  MergedView merged;
  merged.detection = read_detection_fields(view);
  const json& assessment = at(view, "riskAssessment");
  merged.allGroupResults = each<Risk>(assessment, "allGroupResults", read_risk);
  merged.resultCount = get<int>(assessment, "resultCount");
  merged.groupCount = get<int>(assessment, "groupCount");
  merged.hasDangerousDriving = get<bool>(view, "hasDangerousDriving");
  merged.maxRiskLevel = get<std::string>(view, "maxRiskLevel");
  merged.llmLatency = get<double>(view, "llmLatency");
  merged.llmModel = get<std::string>(view, "llmModel");
  return merged;
}

Alert read_alert(const json& item) {
  Alert alert;
  alert.groupIndex = get<int>(item, "groupIndex");
  alert.riskLevel = get<std::string>(item, "riskLevel");
  alert.riskTypes = list<std::string>(item, "riskTypes");
  alert.dangerObjectIds = list<int>(item, "dangerObjectIds");
  alert.dangerObjectCount = get<int>(item, "dangerObjectCount");
  alert.description = get<std::string>(item, "description");
  alert.confidence = get<double>(item, "confidence");
  alert.displayDuration = get<double>(item, "displayDuration");
  alert.isContinuation = get<bool>(item, "isContinuation");
  alert.isMerged = get<bool>(item, "isMerged");
  alert.startedAt = get<double>(item, "startedAt");
  alert.lastUpdatedAt = get<double>(item, "lastUpdatedAt");
  alert.isStale = get<bool>(item, "isStale");
  return alert;
}

WsMessage read_ws(const std::string& text) {
  const json message = json::parse(text, nullptr, false);
  if (!message.is_object()) throw ShapeError("not a JSON object");
  const json& data = at(message, "data");
  if (!data.is_object()) throw ShapeError("data: expected an object");
  return {get<std::string>(message, "type"), data};
}

Frame read_frame(const json& data) {
  Frame frame;
  frame.cameraId = camera_id(data);
  frame.timestamp = get<std::string>(data, "timestamp");
  frame.frame = get<std::string>(data, "frame");
  frame.imageWidth = get<int>(data, "imageWidth");
  frame.imageHeight = get<int>(data, "imageHeight");
  frame.detectedObjects = each<Object>(data, "detectedObjects", read_object);
  frame.trafficGroups = each<FrameGroup>(data, "trafficGroups", [](const json& item) {
    return FrameGroup{read_group(item), get<std::string>(item, "riskLevel"),
                      get<std::string>(item, "riskLevelRaw")};
  });
  frame.groupImages = each<GroupImage>(data, "groupImages", read_group_image);
  frame.alerts = each<Alert>(data, "alerts", read_alert);
  each<Alert>(data, "dangerousDrivingResults", read_alert);
  frame.hasDangerousDriving = get<bool>(data, "hasDangerousDriving");
  frame.maxRiskLevel = get<std::string>(data, "maxRiskLevel");
  frame.alertGeneratedAt = get<double>(data, "alertGeneratedAt");
  frame.processTime = get<double>(data, "processTime");
  at(data, "llmLatency");  // a number, or null before anything was assessed
  at(data, "llmModel");
  at(data, "llmRawText");
  frame.modelType = get<std::string>(data, "modelType");
  frame.supportedClasses = list<std::string>(data, "supportedClasses");
  frame.trackingEnabled = get<bool>(data, "trackingEnabled");
  frame.serverDrawEnabled = get<bool>(data, "serverDrawEnabled");
  frame.renderedBy = get<std::string>(data, "renderedBy");
  return frame;
}

std::vector<std::string> missing_shape(const json& original, const json& candidate,
                                       const std::string& path) {
  std::vector<std::string> missing;
  const std::string here = path.empty() ? "$" : path;
  if (original.is_null()) return missing;
  const bool same_kind =
      (original.is_number() && candidate.is_number()) || original.type() == candidate.type();
  if (!same_kind) {
    missing.push_back(here + ": " + original.type_name() + " expected, got " +
                      candidate.type_name());
    return missing;
  }
  if (original.is_object()) {
    for (const auto& [key, value] : original.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      if (!candidate.contains(key)) {
        missing.push_back(child + ": missing");
        continue;
      }
      for (auto& problem : missing_shape(value, candidate[key], child)) {
        missing.push_back(std::move(problem));
      }
    }
  } else if (original.is_array() && !original.empty() && !candidate.empty()) {
    for (auto& problem : missing_shape(original[0], candidate[0], path + "[0]")) {
      missing.push_back(std::move(problem));
    }
  }
  return missing;
}

json fixture(const std::string& name) {
  std::ifstream in(std::string(TMON_COMPAT_FIXTURES) + "/" + name);
  if (!in) throw ShapeError("no fixture " + name);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

}  // namespace tmon::compat
