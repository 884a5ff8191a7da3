#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "messages/codec.h"
#include "messages/tests/test_messages.h"

namespace tmon::messages {
namespace {

using nlohmann::json;
using testing::error_of;

json minimal_task() {
  return json{{"schemaVersion", 1},   {"taskId", "t-1"},   {"cameraId", "cam-1"},
              {"requestId", "r-1"},   {"captureTs", 1000}, {"deadlineTs", 31000},
              {"imageBase64", "AAAA"}};
}

TEST(AssessmentTaskCodecTest, FullyPopulatedTaskRoundTrips) {
  const AssessmentTask original = testing::full_assessment_task();
  const Result<AssessmentTask> decoded = decode_assessment_task(encode(original));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, original);
}

TEST(AssessmentTaskCodecTest, EncodingWritesSchemaVersion) {
  EXPECT_EQ(json::parse(encode(testing::full_assessment_task()))["schemaVersion"], kSchemaVersion);
}

TEST(AssessmentTaskCodecTest, MinimalTaskGetsDefaults) {
  const Result<AssessmentTask> decoded = decode_assessment_task(minimal_task().dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  AssessmentTask expected;
  expected.taskId = "t-1";
  expected.cameraId = "cam-1";
  expected.requestId = "r-1";
  expected.captureTs = 1000;
  expected.deadlineTs = 31000;
  expected.imageBase64 = "AAAA";
  EXPECT_EQ(*decoded, expected);
  EXPECT_EQ(decoded->frameTaskCount, 1);
}

TEST(AssessmentTaskCodecTest, MissingRequiredFieldsAreNamed) {
  for (const char* field : {"taskId", "cameraId", "requestId", "captureTs", "deadlineTs"}) {
    json task = minimal_task();
    task.erase(field);
    EXPECT_EQ(error_of(decode_assessment_task(task.dump())),
              std::string(field) + ": required field missing");
  }
}

TEST(AssessmentTaskCodecTest, TaskWithoutAPictureIsRejected) {
  const std::string why =
      "groupImageBase64: required: a non-empty groupImageBase64 or groupImageUrl (the group's "
      "picture)";
  json task = minimal_task();
  task.erase("imageBase64");
  EXPECT_EQ(error_of(decode_assessment_task(task.dump())), why);
  task["groupImageBase64"] = "";
  task["groupImageUrl"] = "";
  EXPECT_EQ(error_of(decode_assessment_task(task.dump())), why);
}

TEST(AssessmentTaskCodecTest, PictureByUrlIsAssessable) {
  json task = minimal_task();
  task.erase("imageBase64");
  task["groupImageBase64"] = "";
  task["groupImageUrl"] = "http://images.example/crop/1.jpg";
  const Result<AssessmentTask> decoded = decode_assessment_task(task.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->imageUrl, "http://images.example/crop/1.jpg");
  EXPECT_TRUE(decoded->imageBase64.empty());
}

TEST(AssessmentTaskCodecTest, ImageTravelsOnceUnderTheOriginalName) {
  const json task = json::parse(encode(testing::full_assessment_task()));
  EXPECT_EQ(task["groupImageBase64"], testing::full_assessment_task().imageBase64);
  EXPECT_FALSE(task.contains("imageBase64"));
  EXPECT_EQ(task["groupImageUrl"], "");
  EXPECT_EQ(task["detectedObjects"].size(), 2u);
  EXPECT_FALSE(task.contains("objects"));
  EXPECT_EQ(task["groupMetadata"]["objectCount"], 2);
}

TEST(AssessmentTaskCodecTest, NonPositiveFrameTaskCountIsRejected) {
  json task = minimal_task();
  task["frameTaskCount"] = 0;
  EXPECT_EQ(error_of(decode_assessment_task(task.dump())),
            "frameTaskCount: expected a positive integer");
}

TEST(AssessmentTaskCodecTest, NestedObjectErrorsCarryTheirPath) {
  json task = minimal_task();
  task["detectedObjects"] =
      json::parse(R"([{"objectId": 1}, {"objectId": 2, "confidence": "high"}])");
  EXPECT_EQ(error_of(decode_assessment_task(task.dump())),
            "detectedObjects[1].confidence: expected a number, got string");
}

TEST(AssessmentTaskCodecTest, FractionalDeadlineIsRejected) {
  json task = minimal_task();
  task["deadlineTs"] = 31000.5;
  EXPECT_EQ(error_of(decode_assessment_task(task.dump())),
            "deadlineTs: expected an integer, got a fractional number");
}

TEST(AssessmentTaskCodecTest, TaskWithoutSchemaVersionUsesLegacyTimestamp) {
  json task = minimal_task();
  task.erase("schemaVersion");
  task.erase("captureTs");
  task["timestamp"] = "2024-05-01T12:00:00.5Z";
  const Result<AssessmentTask> decoded = decode_assessment_task(task.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->schemaVersion, 0);
  EXPECT_EQ(decoded->captureTs, 1'714'564'800'500);
}

TEST(AssessmentTaskCodecTest, OriginalFormatTaskNeedsNoIdTimesOrDeadline) {
  // The original system's task: no schemaVersion, taskId, captureTs or
  // deadlineTs, and the crop as a data URI.
  const json task{{"cameraId", "cam-1"},
                  {"requestId", "r-9"},
                  {"groupIndex", 2},
                  {"image", "data:image/jpeg;base64,QUJD"}};
  const Result<AssessmentTask> decoded = decode_assessment_task(task.dump());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->schemaVersion, 0);
  EXPECT_EQ(decoded->taskId, "r-9_group2");  // the original generator's naming
  EXPECT_EQ(decoded->captureTs, 0);          // the scheduler counts from arrival
  EXPECT_EQ(decoded->deadlineTs, 0);
  EXPECT_EQ(decoded->imageBase64, "QUJD");
  EXPECT_EQ(decoded->groupIndex, 2);
}

TEST(AssessmentTaskCodecTest, CurrentFormatStillRequiresIdAndDeadline) {
  json task = minimal_task();
  task.erase("taskId");
  EXPECT_EQ(error_of(decode_assessment_task(task.dump())), "taskId: required field missing");
}

}  // namespace
}  // namespace tmon::messages
