#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "messages/codec.h"
#include "messages/tests/test_messages.h"

namespace tmon::messages {
namespace {

using nlohmann::json;
using testing::error_of;

// A v1 message with only the required fields.
json minimal_v1() {
  return json{{"schemaVersion", 1},
              {"cameraId", "cam-1"},
              {"requestId", "req-1"},
              {"captureTs", 1000},
              {"detectedObjects", json::array()},
              {"trafficGroups", json::array()}};
}

TEST(DetectionResultCodecTest, FullyPopulatedMessageRoundTrips) {
  const DetectionResult original = testing::full_detection_result();
  const Result<DetectionResult> decoded = decode_detection_result(encode(original));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, original);
}

TEST(DetectionResultCodecTest, EmptyCollectionsRoundTrip) {
  DetectionResult original;
  original.cameraId = "cam";
  original.requestId = "req";
  const Result<DetectionResult> decoded = decode_detection_result(encode(original));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, original);
}

TEST(DetectionResultCodecTest, EncodingWritesSchemaVersionAndCamelCaseFields) {
  DetectionResult message = testing::full_detection_result();
  message.schemaVersion = 0;  // a decoded legacy message is re-encoded as current
  const json encoded = json::parse(encode(message));
  EXPECT_EQ(encoded["schemaVersion"], kSchemaVersion);
  EXPECT_EQ(encoded["captureTs"], message.captureTs);
  EXPECT_EQ(encoded["detectedObjects"][1]["className"], "traffic light");
  EXPECT_EQ(encoded["detectedObjects"][0]["bbox"], json::parse("[1.5,-2.25,1919.75,0.001]"));
  EXPECT_EQ(encoded["trafficGroups"][0]["features"]["classCounts"]["car"], 2);
  EXPECT_EQ(encoded["groupImages"][1]["imageBase64"], "AAAA");
}

TEST(DetectionResultCodecTest, EmptyThumbnailIsOmitted) {
  DetectionResult message = testing::full_detection_result();
  EXPECT_TRUE(json::parse(encode(message)).contains("thumbnailBase64"));
  message.thumbnailBase64.clear();
  EXPECT_FALSE(json::parse(encode(message)).contains("thumbnailBase64"));
}

TEST(DetectionResultCodecTest, MinimalMessageGetsDefaults) {
  const Result<DetectionResult> decoded = decode_detection_result(minimal_v1().dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  DetectionResult expected;
  expected.cameraId = "cam-1";
  expected.requestId = "req-1";
  expected.captureTs = 1000;
  EXPECT_EQ(*decoded, expected);
}

TEST(DetectionResultCodecTest, UnknownFieldsAreIgnored) {
  json message = minimal_v1();
  message["futureField"] = {{"nested", json::array({1, "x"})}};
  message["detectedObjects"] = json::array({{{"objectId", 1}, {"shinyNewThing", true}}});
  EXPECT_TRUE(decode_detection_result(message.dump()))
      << error_of(decode_detection_result(message.dump()));
}

TEST(DetectionResultCodecTest, NewerSchemaVersionIsDecoded) {
  json message = minimal_v1();
  message["schemaVersion"] = kSchemaVersion + 1;
  const Result<DetectionResult> decoded = decode_detection_result(message.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->schemaVersion, kSchemaVersion + 1);
}

TEST(DetectionResultCodecTest, MissingRequiredFieldsAreNamed) {
  for (const char* field :
       {"cameraId", "captureTs", "requestId", "detectedObjects", "trafficGroups"}) {
    json message = minimal_v1();
    message.erase(field);
    EXPECT_EQ(error_of(decode_detection_result(message.dump())),
              std::string(field) + ": required field missing");
  }
}

TEST(DetectionResultCodecTest, EmptyCameraIdIsRejected) {
  json message = minimal_v1();
  message["cameraId"] = "";
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "cameraId: expected a non-empty string or an integer");
  message["cameraId"] = json::array();
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "cameraId: expected a non-empty string or an integer");
  message["cameraId"] = 3.5;
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "cameraId: expected an integer, got a fractional number");
}

TEST(DetectionResultCodecTest, IntegerCameraIdIsEchoedAsAnInteger) {
  json message = minimal_v1();
  message["cameraId"] = 901;
  const Result<DetectionResult> decoded = decode_detection_result(message.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->cameraId, "901");  // the text is the key everywhere inside
  EXPECT_TRUE(decoded->cameraId.is_integer());
  EXPECT_EQ(json::parse(encode(*decoded))["cameraId"], 901);
  message["cameraId"] = "901";
  const Result<DetectionResult> text = decode_detection_result(message.dump());
  ASSERT_TRUE(text);
  EXPECT_FALSE(text->cameraId.is_integer());
  EXPECT_EQ(json::parse(encode(*text))["cameraId"], "901");
}

TEST(DetectionResultCodecTest, WrongTypesAreReportedWithTheirPath) {
  json message = minimal_v1();
  message["captureTs"] = "1000";
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "captureTs: expected an integer, got string");

  message = minimal_v1();
  message["trafficGroups"] = json::parse(R"([{"objectIds": [1]}, {"objectIds": ["1"]}])");
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "trafficGroups[1].objectIds[0]: expected an integer, got string");

  message = minimal_v1();
  message["trafficGroups"] =
      json::parse(R"([{"features": {"classCounts": {"car": 1, "bus": 2.5}}}])");
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "trafficGroups[0].features.classCounts.bus: expected an integer, got a fractional "
            "number");

  message = minimal_v1();
  message["detectedObjects"] = json::parse(R"([{"bbox": [0, 0, 1, 1]}, {"bbox": [0, 0, 1]}])");
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "detectedObjects[1].bbox: expected an array [x1,y1,x2,y2] or an object "
            "{x1,y1,x2,y2}");

  message = minimal_v1();
  message["detectedObjects"] = json::object();
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "detectedObjects: expected an array, got object");
}

TEST(DetectionResultCodecTest, FractionalIntegerFieldIsRejected) {
  json message = minimal_v1();
  message["imageWidth"] = 3.5;
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "imageWidth: expected an integer, got a fractional number");
  message["imageWidth"] = 3.0;
  const Result<DetectionResult> decoded = decode_detection_result(message.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->imageWidth, 3);
}

TEST(DetectionResultCodecTest, InvalidJsonAndNonObjectsAreParseErrors) {
  const Result<DetectionResult> truncated = decode_detection_result(R"({"cameraId": "c)");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kParse);
  EXPECT_TRUE(truncated.error().message.starts_with("invalid JSON: "));
  EXPECT_EQ(error_of(decode_detection_result("[]")), "expected a JSON object");
}

// What the original Python system published: no schemaVersion, requestId or
// captureTs, float-seconds `timestamp`, objects without ids and with three
// spellings of the class field, groups with objectIndices or no groupIndex,
// and group images as data URIs.
constexpr const char* kLegacyDetection = R"({
  "cameraId": "cam_north_01",
  "timestamp": 1714564800.123,
  "frameNumber": 4521,
  "imageWidth": 1920,
  "imageHeight": 1080,
  "detectedObjects": [
    {"className": "car", "classId": 2, "confidence": 0.91, "bbox": [100, 200, 300, 400]},
    {"class": "person", "confidence": 0.88,
     "bbox": {"x1": 310.5, "y1": 220, "x2": 350, "y2": 380}},
    {"class_name": "truck", "classId": 7, "confidence": 0.75, "bbox": [500, 180, 800, 450]},
    {"className": "car", "classId": 2, "confidence": 0.67, "bbox": [820, 210, 1000, 390]}
  ],
  "trafficGroups": [
    {"groupIndex": 1, "objectIds": [0, 1], "bbox": [100, 200, 350, 400],
     "features": {"classCounts": {"car": 1, "person": 1}, "minPersonVehicleDistance": 10.5}},
    {"objectIndices": [2, 3], "bbox": [500, 180, 1000, 450], "riskHint": "none"}
  ],
  "groupImages": [
    {"groupIndex": 1, "image": "data:image/jpeg;base64,/9j/4AAQSkZJRg==", "width": 250,
     "height": 200},
    {"groupIndex": 2, "imageData": "data:image/jpeg;base64,/9j/2wBDAA==", "width": 500,
     "height": 270}
  ],
  "processingTime": 0.045,
  "totalObjects": 4
})";

TEST(DetectionResultCodecTest, DecodesAFullLegacyMessage) {
  const Result<DetectionResult> decoded = decode_detection_result(kLegacyDetection);
  ASSERT_TRUE(decoded) << decoded.error().message;

  DetectionResult expected;
  expected.schemaVersion = 0;
  expected.cameraId = "cam_north_01";
  expected.requestId = "cam_north_01-1714564800123";
  expected.frameNumber = 4521;
  expected.captureTs = 1'714'564'800'123;
  expected.imageWidth = 1920;
  expected.imageHeight = 1080;
  expected.detectedObjects = {
      {0, "car", 2, 0.91, {100, 200, 300, 400}},
      {1, "person", -1, 0.88, {310.5, 220, 350, 380}},
      {2, "truck", 7, 0.75, {500, 180, 800, 450}},
      {3, "car", 2, 0.67, {820, 210, 1000, 390}},
  };
  expected.trafficGroups = {
      {1,
       "cam_north_01-g1",
       {0, 1},
       {100, 200, 350, 400},
       GroupFeatures{.classCounts = {{"car", 1}, {"person", 1}}, .minPersonVehicleDistance = 10.5},
       {}},
      {2, "cam_north_01-g2", {2, 3}, {500, 180, 1000, 450}, {}, {}},  // counted from 1 when absent
  };
  expected.groupImages = {
      {1, "cam_north_01-g1", "/9j/4AAQSkZJRg==", 250, 200},
      {2, "cam_north_01-g2", "/9j/2wBDAA==", 500, 270},
  };
  EXPECT_EQ(*decoded, expected);
}

TEST(DetectionResultCodecTest, LegacyObjectIndicesMapToTheObjectsIds) {
  json message = json::parse(kLegacyDetection);
  message["detectedObjects"][2]["objectId"] = 70;
  message["detectedObjects"][3]["objectId"] = 71;
  const Result<DetectionResult> decoded = decode_detection_result(message.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->trafficGroups[0].objectIds, (std::vector<int>{0, 1}));
  EXPECT_EQ(decoded->trafficGroups[1].objectIds, (std::vector<int>{70, 71}));
}

TEST(DetectionResultCodecTest, LegacyObjectIndexOutOfRangeIsRejected) {
  json message = json::parse(kLegacyDetection);
  message["trafficGroups"][1]["objectIndices"] = {2, 4};
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "trafficGroups[1].objectIndices[1]: expected an index into detectedObjects");
}

TEST(DetectionResultCodecTest, LegacyMessageReencodesAsCurrentVersion) {
  const Result<DetectionResult> legacy = decode_detection_result(kLegacyDetection);
  ASSERT_TRUE(legacy) << legacy.error().message;
  const Result<DetectionResult> current = decode_detection_result(encode(*legacy));
  ASSERT_TRUE(current) << current.error().message;
  EXPECT_EQ(current->schemaVersion, kSchemaVersion);
  DetectionResult expected = *legacy;
  expected.schemaVersion = kSchemaVersion;
  EXPECT_EQ(*current, expected);
}

TEST(DetectionResultCodecTest, LegacyIsoTimestampIsAccepted) {
  json message = json::parse(kLegacyDetection);
  message["timestamp"] = "2024-05-01 12:00:00";
  const Result<DetectionResult> decoded = decode_detection_result(message.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->captureTs, 1'714'564'800'000);
  EXPECT_EQ(decoded->requestId, "cam_north_01-1714564800000");
}

TEST(DetectionResultCodecTest, LegacyMessageWithoutAnyTimestampIsRejected) {
  json message = json::parse(kLegacyDetection);
  message.erase("timestamp");
  EXPECT_EQ(error_of(decode_detection_result(message.dump())), "captureTs: required field missing");
}

TEST(DetectionResultCodecTest, LegacyMessageKeepsAGivenRequestId) {
  json message = json::parse(kLegacyDetection);
  message["requestId"] = "py-req-9";
  const Result<DetectionResult> decoded = decode_detection_result(message.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->requestId, "py-req-9");
}

TEST(DetectionResultCodecTest, ExplicitImageBase64WinsOverADataUri) {
  json message = json::parse(kLegacyDetection);
  message["groupImages"][0]["imageBase64"] = "AAAA";
  const Result<DetectionResult> decoded = decode_detection_result(message.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->groupImages[0].imageBase64, "AAAA");
}

TEST(DetectionResultCodecTest, PlainBase64InLegacyImageFieldIsKept) {
  json message = json::parse(kLegacyDetection);
  message["groupImages"][1]["imageData"] = "/9j/";
  const Result<DetectionResult> decoded = decode_detection_result(message.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->groupImages[1].imageBase64, "/9j/");
}

TEST(DetectionResultCodecTest, NonBase64DataUriIsRejected) {
  json message = json::parse(kLegacyDetection);
  message["groupImages"][1]["imageData"] = "data:image/jpeg,rawbytes";
  EXPECT_EQ(error_of(decode_detection_result(message.dump())),
            "groupImages[1].imageData: expected a base64 data URI");
}

TEST(DetectionResultCodecTest, NullOptionalFieldsFromPythonNoneAreDefaults) {
  json message = minimal_v1();
  message["thumbnailBase64"] = nullptr;
  message["groupImages"] = nullptr;
  message["frameNumber"] = nullptr;
  const Result<DetectionResult> decoded = decode_detection_result(message.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->thumbnailBase64, "");
  EXPECT_TRUE(decoded->groupImages.empty());
}

}  // namespace
}  // namespace tmon::messages
