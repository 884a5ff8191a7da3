#pragma once

// The messages that cross tmon's Kafka topics (DESIGN.md §2). Field names are
// the JSON names, camelCase as in the original Python system, so its consumers
// keep working. Timestamps are epoch milliseconds; pixel units are of the
// full camera frame.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/camera_id.h"

namespace tmon::messages {

// Bumped on incompatible changes. Messages without the field are the original
// system's (version 0) and are still accepted.
inline constexpr int kSchemaVersion = 1;

struct BoundingBox {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  bool operator==(const BoundingBox&) const = default;
};

struct DetectedObject {
  int objectId = -1;      // stable across frames (tracking); legacy: index in frame
  std::string className;  // COCO name: "car", "person", "traffic light", ...
  int classId = -1;
  double confidence = 0;
  BoundingBox bbox;
  bool operator==(const DetectedObject&) const = default;
};

// What a group looks like, for triggers and for the prompt. Distances in pixels,
// -1 when not applicable (e.g. no pedestrian in the group).
struct GroupFeatures {
  std::map<std::string, int> classCounts;
  double minSpacing = -1;  // smallest gap between two members' boxes
  double minPersonVehicleDistance = -1;
  double density = 0;  // member box area / group box area
  double speed = 0;    // mean member speed, px/s, from tracks
  double heading = 0;  // degrees, 0 = +x, counter-clockwise
  bool operator==(const GroupFeatures&) const = default;
};

// Surrogate safety measures of two members of a group, from their tracks.
// Times in seconds; -1 when there is none.
struct ConflictPair {
  int objectA = -1;  // objectIds
  int objectB = -1;
  double ttc = -1;          // time to collision at constant velocity
  double pet = -1;          // post-encroachment time: their paths crossed this far apart
  double distance = 0;      // gap between them now, in `units`
  double closingSpeed = 0;  // `units` per second; > 0 approaching
  bool conflict = false;    // ttc <= detection.ttc_seconds or pet <= detection.pet_seconds
  bool operator==(const ConflictPair&) const = default;
};

// A member's motion as its track measured it (filtered), in `units`.
struct MemberMotion {
  int objectId = -1;
  double vx = 0, vy = 0;  // per second; in the image y grows downwards
  double speed = 0;
  double heading = 0;  // degrees, 0 = +x, counter-clockwise
  bool operator==(const MemberMotion&) const = default;
};

struct GroupSafety {
  double minTtc = -1;
  double minPet = -1;
  bool conflict = false;            // some pair is a conflict candidate
  std::string units = "px";         // "m" when the camera has a ground-plane homography
  std::vector<ConflictPair> pairs;  // pairs with a TTC or PET, least TTC/PET first
  std::vector<MemberMotion> members;
  bool operator==(const GroupSafety&) const = default;
};

struct TrafficGroup {
  int groupIndex = 0;   // position in this frame, from 1 (original field)
  std::string groupId;  // stable across frames while members overlap
  std::vector<int> objectIds;
  BoundingBox bbox;
  GroupFeatures features;
  GroupSafety safety;
  bool operator==(const TrafficGroup&) const = default;
};

// One JPEG crop per group, carried once (no duplicate data URI).
struct GroupImage {
  int groupIndex = 0;  // the group's
  std::string groupId;
  std::string imageBase64;
  int width = 0;
  int height = 0;
  bool operator==(const GroupImage&) const = default;
};

// Topic detection-results: one message per sampled frame.
struct DetectionResult {
  int schemaVersion = kSchemaVersion;
  CameraId cameraId;
  std::string requestId;  // unique per frame; results are merged by it (the original's messageId)
  int64_t frameNumber = 0;
  int64_t captureTs = 0;   // when the frame was grabbed
  int64_t detectedTs = 0;  // when detection finished
  int imageWidth = 0;
  int imageHeight = 0;
  std::vector<DetectedObject> detectedObjects;
  std::vector<TrafficGroup> trafficGroups;
  std::vector<GroupImage> groupImages;
  std::string thumbnailBase64;  // optional annotated frame for the dashboard
  std::string modelType;        // the detector that found the objects ("motion", "yolo", ...)
  bool operator==(const DetectionResult&) const = default;
};

// Topic assessment-tasks: one LLM call's worth of work.
struct AssessmentTask {
  int schemaVersion = kSchemaVersion;
  std::string taskId;
  CameraId cameraId;
  std::string requestId;
  int groupIndex = 0;
  std::string groupId;
  int64_t captureTs = 0;
  int64_t createdTs = 0;
  int64_t deadlineTs = 0;  // after this the task yields an `expired` result
  int priority = 0;        // higher is assessed first
  // Tasks made from this frame; the aggregator expects as many results. 0:
  // unknown (the original's tasks do not say; the aggregator counts the
  // frame's groups instead).
  int frameTaskCount = 1;
  std::string imageBase64;              // the group's crop (JSON: groupImageBase64)
  std::string imageUrl;                 // or where to fetch it (the original's groupImageUrl)
  std::vector<DetectedObject> objects;  // the group's members (JSON: detectedObjects)
  GroupFeatures features;
  GroupSafety safety;  // the group's surrogate safety measures, as detection measured them
  // Why the group was sent ("conflict", "proximity", ...), highest priority
  // first: with `safety`, what the rule-based fallback assessment judges by.
  std::vector<std::string> triggers;
  bool operator==(const AssessmentTask&) const = default;
};

enum class RiskLevel { kNone, kLow, kMedium, kHigh, kCritical };
std::string_view to_string(RiskLevel level);
std::optional<RiskLevel> parse_risk_level(std::string_view text);  // exact lowercase names
// The colour the original front end draws a level in, which it reads from a
// group's `riskLevel` on /ws (the level itself is `riskLevelRaw`): high
// blue, medium orange, low yellow, none gray (critical, tmon's own, as high).
std::string_view risk_colour(RiskLevel level);

struct GroupRisk {
  int groupIndex = 0;
  RiskLevel riskLevel = RiskLevel::kNone;
  double confidence = 0;
  std::vector<std::string> riskTypes;  // "tailgating", "pedestrian_conflict", ...
  std::string description;
  int dangerObjectCount = 0;
  std::vector<int> triggerObjectIds;
  // Who judged: "llm", or "rules" when the scheduler's rule-based fallback
  // stood in for an unreachable LLM; empty: not said (the original's).
  std::string source = {};  // (defaulted: positional initializers of the fields above need not name it)
  bool operator==(const GroupRisk&) const = default;
};

// The LLM's judgement, in the shape the original prompt asked for.
struct RiskAssessment {
  bool hasDangerousDriving = false;
  RiskLevel maxRiskLevel = RiskLevel::kNone;
  std::vector<GroupRisk> results;
  bool operator==(const RiskAssessment&) const = default;
};

enum class ResultStatus { kOk, kError, kExpired, kRejected };
std::string_view to_string(ResultStatus status);
std::optional<ResultStatus> parse_result_status(std::string_view text);

struct ResultMetadata {
  int64_t llmLatencyMs = 0;
  int64_t queueWaitMs = 0;
  int attempts = 0;
  std::string apiKeyId;  // the key's id, never the key
  std::string llmModel;
  int promptTokens = 0;
  int completionTokens = 0;
  int totalTokens = 0;
  std::string schedulerInstance;
  // The task's Kafka hop into the scheduler (epoch ms, 0: unknown): when the
  // generator produced it (the message's timestamp) and when the
  // scheduler's consumer handed it out. Written only when known.
  int64_t taskProducedTs = 0;
  int64_t taskReceivedTs = 0;
  bool operator==(const ResultMetadata&) const = default;
};

// Topic risk-assessment-results: exactly one per task, whatever happened.
struct AssessmentResult {
  int schemaVersion = kSchemaVersion;
  std::string taskId;
  CameraId cameraId;
  std::string requestId;
  int groupIndex = 0;
  std::string groupId;
  int64_t captureTs = 0;
  int64_t completedTs = 0;
  int frameTaskCount = 1;  // 0: unknown, as in AssessmentTask
  ResultStatus status = ResultStatus::kOk;
  std::string code;     // non-ok: machine-readable reason ("timeout", "bad_response", ...)
  std::string message;  // non-ok: for humans
  std::optional<RiskAssessment> riskAssessment;  // present when status is ok
  // With status ok: "llm", or "rules" for a rule-based assessment made when
  // no key could serve the task in time; empty: not said (the original's).
  std::string source;
  ResultMetadata metadata;
  bool operator==(const AssessmentResult&) const = default;
};

// Topic tmon-dead-letter: a message a stage could not process, and why.
struct DeadLetter {
  int schemaVersion = kSchemaVersion;
  std::string sourceTopic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string stage;    // "generate", "schedule", "aggregate", ...
  std::string reason;   // the decoder's error, e.g. "captureTs: expected an integer"
  std::string payload;  // the original bytes: as text if valid UTF-8, else base64
  bool payloadBase64 = false;
  int64_t failedTs = 0;
  // Size of the original bytes; the payload holds only their first part
  // when payloadTruncated (a letter must fit the dead-letter topic).
  int64_t payloadBytes = 0;
  bool payloadTruncated = false;
  bool operator==(const DeadLetter&) const = default;
};

}  // namespace tmon::messages
