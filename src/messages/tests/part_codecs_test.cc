#include "messages/part_codecs.h"

#include <gtest/gtest.h>

#include "messages/tests/test_messages.h"

namespace tmon::messages::detail {
namespace {

// Runs `read` on the parsed `json` and returns the recorded error ("" if ok).
template <typename ReadFn>
std::string read_error(const char* json, ReadFn read) {
  const Json root = Json::parse(json);
  const JsonReader reader(root);
  read(reader);
  return reader.error();
}

TEST(SchemaVersionTest, AbsentMeansLegacyVersionZero) {
  int version = 99;
  EXPECT_EQ(read_error("{}", [&](const JsonReader& r) { read_schema_version(r, &version); }), "");
  EXPECT_EQ(version, 0);
}

TEST(SchemaVersionTest, NewerVersionsAreAccepted) {
  int version = 0;
  EXPECT_EQ(read_error(R"({"schemaVersion": 7})",
                       [&](const JsonReader& r) { read_schema_version(r, &version); }),
            "");
  EXPECT_EQ(version, 7);
}

TEST(SchemaVersionTest, NonIntegerOrNegativeVersionIsAnError) {
  int version = 0;
  EXPECT_EQ(read_error(R"({"schemaVersion": "1"})",
                       [&](const JsonReader& r) { read_schema_version(r, &version); }),
            "schemaVersion: expected an integer, got string");
  EXPECT_EQ(read_error(R"({"schemaVersion": 1.5})",
                       [&](const JsonReader& r) { read_schema_version(r, &version); }),
            "schemaVersion: expected an integer, got a fractional number");
  EXPECT_EQ(read_error(R"({"schemaVersion": -1})",
                       [&](const JsonReader& r) { read_schema_version(r, &version); }),
            "schemaVersion: expected a non-negative integer");
}

TEST(BboxTest, ReadsArrayAndLegacyObjectForms) {
  BoundingBox box;
  EXPECT_EQ(read_error(R"({"b": [1, 2.5, 3, 4]})",
                       [&](const JsonReader& r) { read_bbox(r.field("b"), &box); }),
            "");
  EXPECT_EQ(box, (BoundingBox{1, 2.5, 3, 4}));
  EXPECT_EQ(read_error(R"({"b": {"x1": 5, "y1": 6, "x2": 7, "y2": 8.5}})",
                       [&](const JsonReader& r) { read_bbox(r.field("b"), &box); }),
            "");
  EXPECT_EQ(box, (BoundingBox{5, 6, 7, 8.5}));
}

TEST(BboxTest, RejectsWrongShapes) {
  BoundingBox box;
  const auto read = [&](const JsonReader& r) { read_bbox(r.field("b"), &box); };
  EXPECT_EQ(read_error(R"({"b": [1, 2, 3]})", read),
            "b: expected an array [x1,y1,x2,y2] or an object {x1,y1,x2,y2}");
  EXPECT_EQ(read_error(R"({"b": [1, 2, "3", 4]})", read), "b[2]: expected a number, got string");
  EXPECT_EQ(read_error(R"({"b": {"x1": 1, "y1": 2, "x2": 3}})", read),
            "b.y2: required field missing");
}

TEST(BboxTest, EncodesAsAnArray) {
  EXPECT_EQ(dump_json(to_json_value(BoundingBox{1, 2.5, -3, 4})), "[1.0,2.5,-3.0,4.0]");
}

TEST(DetectedObjectTest, LegacyObjectGetsItsIndexAsIdAndAnyClassFieldName) {
  const Json root = Json::parse(R"({"objects": [
      {"className": "car", "bbox": [0, 0, 1, 1]},
      {"class": "person", "confidence": 0.5},
      {"class_name": "bus", "objectId": 42, "classId": 5}]})");
  const JsonReader reader(root);
  std::vector<DetectedObject> objects;
  read_detected_objects(reader.field("objects"), &objects);
  ASSERT_TRUE(reader.ok()) << reader.error();
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects[0], (DetectedObject{0, "car", -1, 0, {0, 0, 1, 1}}));
  EXPECT_EQ(objects[1], (DetectedObject{1, "person", -1, 0.5, {}}));
  EXPECT_EQ(objects[2], (DetectedObject{42, "bus", 5, 0, {}}));
}

TEST(DetectedObjectTest, WrongTypedClassNameIsAnErrorEvenWithAFallback) {
  std::vector<DetectedObject> objects;
  EXPECT_EQ(read_error(R"({"o": [{"className": 3, "class": "car"}]})",
                       [&](const JsonReader& r) { read_detected_objects(r.field("o"), &objects); }),
            "o[0].className: expected a string, got number");
}

TEST(DetectedObjectTest, NonObjectElementIsNamed) {
  std::vector<DetectedObject> objects;
  EXPECT_EQ(read_error(R"({"o": [{}, 5]})",
                       [&](const JsonReader& r) { read_detected_objects(r.field("o"), &objects); }),
            "o[1]: expected an object, got number");
}

TEST(GroupFeaturesTest, EncodesEveryMemberAndReadsItBack) {
  const GroupFeatures features = testing::full_features();
  const Json root = Json::parse(dump_json(to_json_value(features)));
  const JsonReader reader(root);
  GroupFeatures decoded;
  read_group_features(reader, &decoded);
  ASSERT_TRUE(reader.ok()) << reader.error();
  EXPECT_EQ(decoded, features);
  EXPECT_TRUE(root.contains("minPersonVehicleDistance"));
  EXPECT_TRUE(root["classCounts"].is_object());
}

TEST(GroupFeaturesTest, AbsentMembersKeepDefaults) {
  const Json root = Json::parse(R"({"density": 0.5})");
  const JsonReader reader(root);
  GroupFeatures decoded;
  read_group_features(reader, &decoded);
  ASSERT_TRUE(reader.ok()) << reader.error();
  GroupFeatures expected;
  expected.density = 0.5;
  EXPECT_EQ(decoded, expected);
}

TEST(DerivedGroupIdTest, CombinesCameraAndIndex) {
  EXPECT_EQ(derived_group_id("cam_01", 3), "cam_01-g3");
}

}  // namespace
}  // namespace tmon::messages::detail
