#include "messages/json_reader.h"

#include <gtest/gtest.h>

namespace tmon::messages::detail {
namespace {

TEST(JsonReaderTest, ErrorNamesTheNestedFieldPath) {
  const Json root = Json::parse(R"({"trafficGroups": [{"objectIds": [1]}, {"objectIds": ["x"]}]})");
  const JsonReader reader(root);
  std::vector<int> ids;
  reader.field("trafficGroups").for_each([&](const JsonReader& group, size_t) {
    group.optional("objectIds", &ids);
  });
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.error(), "trafficGroups[1].objectIds[0]: expected an integer, got string");
}

TEST(JsonReaderTest, FirstFailureWins) {
  const Json root = Json::parse(R"({"a": "x", "b": "y"})");
  const JsonReader reader(root);
  int value = 0;
  reader.required("a", &value);
  reader.required("b", &value);
  reader.required("c", &value);
  EXPECT_EQ(reader.error(), "a: expected an integer, got string");
}

TEST(JsonReaderTest, MissingRequiredFieldIsNamed) {
  const Json root = Json::parse(R"({"other": 1})");
  const JsonReader reader(root);
  std::string camera;
  EXPECT_FALSE(reader.required("cameraId", &camera));
  EXPECT_EQ(reader.error(), "cameraId: required field missing");
}

TEST(JsonReaderTest, NullFieldCountsAsMissing) {
  const Json root = Json::parse(R"({"name": null})");
  const JsonReader reader(root);
  std::string name = "default";
  EXPECT_FALSE(reader.optional("name", &name));
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(name, "default");
  EXPECT_FALSE(reader.required("name", &name));
  EXPECT_EQ(reader.error(), "name: required field missing");
}

TEST(JsonReaderTest, NullArrayElementIsATypeError) {
  const Json root = Json::parse(R"({"ids": [1, null]})");
  const JsonReader reader(root);
  std::vector<int> ids;
  EXPECT_FALSE(reader.optional("ids", &ids));
  EXPECT_EQ(reader.error(), "ids[1]: expected an integer, got null");
}

TEST(JsonReaderTest, IntegersAcceptIntegralFloatsOnly) {
  const Json root = Json::parse(R"({"whole": 3.0, "half": 3.5})");
  const JsonReader reader(root);
  int value = 0;
  EXPECT_TRUE(reader.required("whole", &value));
  EXPECT_EQ(value, 3);
  EXPECT_FALSE(reader.required("half", &value));
  EXPECT_EQ(value, 3);  // untouched on failure
  EXPECT_EQ(reader.error(), "half: expected an integer, got a fractional number");
}

TEST(JsonReaderTest, IntegersOutOfRangeAreRejected) {
  const Json root = Json::parse(
      R"({"big32": 2147483648, "max64": 9223372036854775807, "over64": 9223372036854775808,
          "float64": 1e19})");
  int narrow = 0;
  int64_t wide = 0;
  {
    const JsonReader reader(root);
    EXPECT_FALSE(reader.required("big32", &narrow));
    EXPECT_EQ(reader.error(), "big32: integer out of range");
  }
  {
    const JsonReader reader(root);
    EXPECT_TRUE(reader.required("max64", &wide));
    EXPECT_EQ(wide, std::numeric_limits<int64_t>::max());
    EXPECT_FALSE(reader.required("over64", &wide));
    EXPECT_EQ(reader.error(), "over64: integer out of range");
  }
  {
    const JsonReader reader(root);
    EXPECT_FALSE(reader.required("float64", &wide));
    EXPECT_EQ(reader.error(), "float64: integer out of range");
  }
}

TEST(JsonReaderTest, DoublesAcceptIntegers) {
  const Json root = Json::parse(R"({"int": 7, "float": 0.25, "text": "1.0"})");
  const JsonReader reader(root);
  double value = 0;
  EXPECT_TRUE(reader.required("int", &value));
  EXPECT_EQ(value, 7.0);
  EXPECT_TRUE(reader.required("float", &value));
  EXPECT_EQ(value, 0.25);
  EXPECT_FALSE(reader.required("text", &value));
  EXPECT_EQ(reader.error(), "text: expected a number, got string");
}

TEST(JsonReaderTest, BooleansAreNotNumbers) {
  const Json root = Json::parse(R"({"flag": 1})");
  const JsonReader reader(root);
  bool flag = false;
  EXPECT_FALSE(reader.required("flag", &flag));
  EXPECT_EQ(reader.error(), "flag: expected a boolean, got number");
}

TEST(JsonReaderTest, ReadsAnObjectOfIntegersWithPathsPerKey) {
  const Json good = Json::parse(R"({"counts": {"car": 2, "person": 1}})");
  std::map<std::string, int> counts;
  EXPECT_TRUE(JsonReader(good).required("counts", &counts));
  EXPECT_EQ(counts, (std::map<std::string, int>{{"car", 2}, {"person", 1}}));

  const Json bad = Json::parse(R"({"f": {"counts": {"car": "two"}}})");
  const JsonReader reader(bad);
  reader.field("f").optional("counts", &counts);
  EXPECT_EQ(reader.error(), "f.counts.car: expected an integer, got string");
}

TEST(JsonReaderTest, RequiredNonEmptyRejectsEmptyStrings) {
  const Json root = Json::parse(R"({"id": ""})");
  const JsonReader reader(root);
  std::string id = "kept";
  EXPECT_FALSE(reader.required_non_empty("id", &id));
  EXPECT_EQ(id, "kept");
  EXPECT_EQ(reader.error(), "id: expected a non-empty string");
}

TEST(JsonReaderTest, ExpectArrayNamesTheActualType) {
  const Json root = Json::parse(R"({"items": {"a": 1}})");
  const JsonReader reader(root);
  EXPECT_FALSE(reader.field("items").for_each([](const JsonReader&, size_t) {}));
  EXPECT_EQ(reader.error(), "items: expected an array, got object");
}

TEST(JsonReaderTest, FieldOfANonObjectIsAbsent) {
  const Json root = Json::parse(R"({"list": [1, 2]})");
  const JsonReader reader(root);
  EXPECT_FALSE(reader.field("list").field("x").present());
  EXPECT_EQ(reader.field("list").size(), 2u);
  EXPECT_EQ(reader.field("missing").size(), 0u);
  EXPECT_TRUE(reader.ok());
}

}  // namespace
}  // namespace tmon::messages::detail
