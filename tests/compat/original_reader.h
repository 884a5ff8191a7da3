#pragma once

// A reader of the original system's messages written from COMPAT.md alone:
// it reads what the original's consumers (its generator, scheduler,
// aggregator, front end) read, under their names and types, and knows
// nothing of tmon's fields. A message it cannot read throws ShapeError
// naming the field, which is exactly what would break an operator's reader.

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tmon::compat {

using nlohmann::json;

struct ShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Box = std::array<double, 4>;

struct Object {
  std::string cls;  // "class"
  double confidence = 0;
  Box bbox{};
  int level = 0;
  bool operator==(const Object&) const = default;
};

struct Group {
  int groupIndex = 0;
  int objectCount = 0;
  Box bbox{};
  std::vector<std::string> classes;
  double averageConfidence = 0;
  std::vector<int> memberIndices;
  // Aliases the front end reads too.
  int memberCount = 0;
  Box groupBbox{};
  double avgConfidence = 0;
};

struct GroupImage {
  int groupIndex = 0;
  int objectCount = 0;
  std::vector<std::string> classes;
  std::string imageBase64;
};

// The camera id as the original's consumers see it: an integer.
int64_t camera_id(const json& message);

// detection-results, as the original generator reads it.
struct Detection {
  int64_t cameraId = 0;
  std::string timestamp;  // ISO-8601
  std::vector<Object> detectedObjects;
  std::vector<Group> trafficGroups;
  std::vector<GroupImage> groupImages;
  int imageWidth = 0;
  int imageHeight = 0;
  std::optional<std::string> messageId;
};
Detection read_detection(const json& message);

// assessment-tasks, as the original scheduler reads it.
struct Task {
  std::string taskId;
  std::string requestId;
  int64_t cameraId = 0;
  std::string timestamp;
  int groupIndex = 0;
  std::string groupImageBase64;
  std::string groupImageUrl;
  std::vector<Object> detectedObjects;
  int metadataObjectCount = 0;
  std::vector<std::string> metadataClasses;
};
Task read_task(const json& message);

// One element of a result's `results`.
struct Risk {
  int groupIndex = 0;
  std::string riskLevel;  // none, low, medium, high
  double confidence = 0;
  std::vector<std::string> riskTypes;
  std::string description;
  std::optional<int> dangerObjectCount;
  std::vector<int> triggerObjectIds;
};
Risk read_risk(const json& item);

// risk-assessment-results, as the original aggregator reads it.
struct Result {
  std::string messageId;
  std::string requestId;
  int64_t cameraId = 0;
  std::string timestamp;
  int groupIndex = 0;
  std::vector<Risk> results;
  double llmLatency = 0;
  std::string llmModel;
  std::string apiKeyId;
  int retryCount = 0;
  std::optional<std::string> error;
  bool succeeded() const { return !results.empty(); }  // how the original judges
};
Result read_result(const json& message);

// camera:{id}:latest, the original's merged view: every detection field and
// the assessment.
struct MergedView {
  Detection detection;
  std::vector<Risk> allGroupResults;
  int resultCount = 0;
  int groupCount = 0;
  bool hasDangerousDriving = false;
  std::string maxRiskLevel;
  double llmLatency = 0;
  std::string llmModel;
};
MergedView read_merged_view(const json& view);

// An element of `alerts` / `dangerousDrivingResults` (COMPAT §4).
struct Alert {
  int groupIndex = 0;
  std::string riskLevel;
  std::vector<std::string> riskTypes;
  std::vector<int> dangerObjectIds;
  int dangerObjectCount = 0;
  std::string description;
  double confidence = 0;
  double displayDuration = 0;
  bool isContinuation = false;
  bool isMerged = false;
  double startedAt = 0;
  double lastUpdatedAt = 0;
  bool isStale = false;
};
Alert read_alert(const json& item);

// A /ws message: {"type": T, "data": {...}}, nothing else needed.
struct WsMessage {
  std::string type;
  json data;
};
WsMessage read_ws(const std::string& text);

// The data of /ws detection_result, as the front end reads it.
struct FrameGroup {
  Group group;
  std::string riskLevel;     // a colour
  std::string riskLevelRaw;  // the level
};
struct Frame {
  int64_t cameraId = 0;
  std::string timestamp;
  std::string frame;  // a data URI
  int imageWidth = 0;
  int imageHeight = 0;
  std::vector<Object> detectedObjects;
  std::vector<FrameGroup> trafficGroups;
  std::vector<GroupImage> groupImages;
  std::vector<Alert> alerts;
  bool hasDangerousDriving = false;
  std::string maxRiskLevel;
  double alertGeneratedAt = 0;
  double processTime = 0;
  std::string modelType;
  std::vector<std::string> supportedClasses;
  bool trackingEnabled = false;
  bool serverDrawEnabled = false;
  std::string renderedBy;
};
Frame read_frame(const json& data);

// Every path of `original` (objects' keys, arrays' first elements) that is
// missing from `candidate` or of another JSON type there: empty when
// `candidate` is a superset of `original`'s shape. Numbers of either kind
// match; a null in `original` matches anything.
std::vector<std::string> missing_shape(const json& original, const json& candidate,
                                       const std::string& path = "");

// A fixture of tests/compat/fixtures.
json fixture(const std::string& name);

}  // namespace tmon::compat
