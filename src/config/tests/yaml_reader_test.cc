#include "config/yaml_reader.h"

#include <gtest/gtest.h>

#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::fake_env;

class YamlReaderTest : public ::testing::Test {
 protected:
  // Parses text as file "f.yaml" and returns the root reader.
  MapReader root(const std::string& text, std::map<std::string, std::string> env = {},
                 bool strict = false) {
    context_ = std::make_unique<FileContext>("f.yaml", fake_env(std::move(env)), strict);
    return context_->root(YAML::Load(text));
  }
  std::string error() {
    auto result = context_->finish();
    return result ? "<no error>" : result.error().message;
  }
  std::vector<Diagnostic> warnings() {
    auto result = context_->finish();
    EXPECT_TRUE(result.has_value()) << result.error().message;
    return result.value_or(std::vector<Diagnostic>{});
  }

  std::unique_ptr<FileContext> context_;
};

TEST_F(YamlReaderTest, AbsentKeyKeepsDefault) {
  auto r = root("other: 1\n");
  int value = 7;
  r.read("value", value);
  r.read("other", value);
  EXPECT_EQ(value, 1);
  int untouched = 7;
  root("{}").read("value", untouched);
  EXPECT_EQ(untouched, 7);
}

TEST_F(YamlReaderTest, KeyWithoutValueKeepsDefault) {
  auto r = root("value:\nname: ~\n");
  int value = 7;
  std::string name = "default";
  r.read("value", value);
  r.read("name", name);
  EXPECT_EQ(value, 7);
  EXPECT_EQ(name, "default");
  EXPECT_TRUE(warnings().empty());
}

TEST_F(YamlReaderTest, ReadsTypedScalars) {
  auto r = root("i: 3\nl: 86400000000\nd: 0.5\nb: false\ns: text\n");
  int i = 0;
  int64_t l = 0;
  double d = 0;
  bool b = true;
  std::string s;
  r.read("i", i);
  r.read("l", l);
  r.read("d", d);
  r.read("b", b);
  r.read("s", s);
  EXPECT_EQ(i, 3);
  EXPECT_EQ(l, 86400000000);
  EXPECT_EQ(d, 0.5);
  EXPECT_FALSE(b);
  EXPECT_EQ(s, "text");
}

TEST_F(YamlReaderTest, StringWhereNumberExpectedNamesFileLineKeyAndValue) {
  auto r = root("a: 1\nsection:\n  size: big\n");
  int size = 0;
  r.map("section").read("size", size);
  EXPECT_EQ(error(), "f.yaml:3: section.size: expected an integer, got \"big\"");
}

TEST_F(YamlReaderTest, RangeErrorStatesTheExpectation) {
  auto r = root("size: 0\n");
  int size = 5;
  r.read("size", size, int_at_least(1));
  EXPECT_EQ(error(), "f.yaml:1: size: expected an integer >= 1, got \"0\"");
  EXPECT_EQ(size, 5);
}

TEST_F(YamlReaderTest, IntegerBeyond32BitsIsAnError) {
  auto r = root("size: 3000000000\n");
  int size = 5;
  r.read("size", size);
  EXPECT_EQ(error(),
            "f.yaml:1: size: expected an integer that fits in 32 bits, got \"3000000000\"");
}

TEST_F(YamlReaderTest, NonBooleanIsAnError) {
  auto r = root("on_off: maybe\n");
  bool value = false;
  r.read("on_off", value);
  EXPECT_EQ(error(), "f.yaml:1: on_off: expected true or false, got \"maybe\"");
}

TEST_F(YamlReaderTest, MapWhereScalarExpectedHasNoGotPart) {
  auto r = root("size:\n  a: 1\n");
  int size = 0;
  r.read("size", size);
  EXPECT_EQ(error(), "f.yaml:1: size: expected an integer");
}

TEST_F(YamlReaderTest, MapWhereListExpectedIsAnError) {
  auto r = root("items:\n  a: 1\n");
  r.for_each("items", [](MapReader&, size_t) {});
  EXPECT_EQ(error(), "f.yaml:1: items: expected a list");
}

TEST_F(YamlReaderTest, ScalarWhereMapExpectedShowsTheValue) {
  auto r = root("section: 5\n");
  r.map("section");
  EXPECT_EQ(error(), "f.yaml:1: section: expected a map, got \"5\"");
}

TEST_F(YamlReaderTest, ListItemThatIsNotAMapIsAnErrorAtItsIndex) {
  auto r = root("items:\n  - a: 1\n  - plain\n");
  r.for_each("items", [](MapReader& item, size_t) {
    int a = 0;
    item.read("a", a);
  });
  EXPECT_EQ(error(), "f.yaml:3: items[1]: expected a map, got \"plain\"");
}

TEST_F(YamlReaderTest, ValuesUnderApiKeysAreNeverQuoted) {
  // A key pasted where a number goes must not end up in the error (a log).
  // Made up, and assembled so that no key-shaped literal sits in the repository.
  const std::string key = std::string("sk-") + "0123456789abcdef" + "0123456789abcdef";
  auto r = root("api_keys:\n  - id: k1\n    qps_limit: " + key + "\n");
  r.for_each("api_keys", [](MapReader& item, size_t) {
    double qps = 0;
    item.read("qps_limit", qps);
  });
  const std::string message = error();
  EXPECT_EQ(message,
            "f.yaml:3: api_keys[0].qps_limit: expected a number, got a value of 35 characters");
  EXPECT_EQ(message.find("sk-0"), std::string::npos);
}

TEST_F(YamlReaderTest, OtherValuesAreQuotedOnlyAsAShortPrefix) {
  auto r = root("size: abcdefghijklmnopqrstuvwxyz0123456789\n");
  int size = 0;
  r.read("size", size);
  EXPECT_EQ(error(), "f.yaml:1: size: expected an integer, got \"abcdefghijklmnopqrstuvwx...\"");
}

TEST_F(YamlReaderTest, ForEachReportsPresenceAndPathsOfItems) {
  auto r = root("items:\n  - a: 1\n  - a: x\nempty: []\n");
  EXPECT_FALSE(r.for_each("absent", [](MapReader&, size_t) {}));
  EXPECT_TRUE(r.for_each("empty", [](MapReader&, size_t) {}));
  r.for_each("items", [](MapReader& item, size_t) {
    int a = 0;
    item.read("a", a);
  });
  EXPECT_EQ(error(), "f.yaml:3: items[1].a: expected an integer, got \"x\"");
}

TEST_F(YamlReaderTest, ExpandsEnvBeforeConversion) {
  auto r = root("qps: ${QPS:-10}\nrpm: ${RPM:-60}\n", {{"RPM", "120"}});
  double qps = 0;
  int rpm = 0;
  r.read("qps", qps);
  r.read("rpm", rpm);
  EXPECT_EQ(qps, 10);
  EXPECT_EQ(rpm, 120);
}

TEST_F(YamlReaderTest, UnterminatedEnvReferenceIsAnErrorAtTheKey) {
  auto r = root("a: 1\nkey: ${DASHSCOPE_API_KEY\n");
  std::string key;
  r.read("key", key);
  EXPECT_EQ(error(), "f.yaml:2: key: expected a closing \"}\" after \"${\"");
}

TEST_F(YamlReaderTest, FirstErrorWins) {
  auto r = root("a: x\nb: y\n");
  int a = 0;
  int b = 0;
  r.read("a", a);
  r.read("b", b);
  EXPECT_EQ(error(), "f.yaml:1: a: expected an integer, got \"x\"");
}

TEST_F(YamlReaderTest, UnknownKeyIsAWarningWithLineAndDottedPath) {
  auto r = root("scheduler:\n  queue_size: 5\n  qeue_size: 6\n");
  int size = 0;
  r.map("scheduler").read("queue_size", size);
  const auto found = warnings();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].file, "f.yaml");
  EXPECT_EQ(found[0].line, 3);
  EXPECT_EQ(found[0].key, "scheduler.qeue_size");
  EXPECT_EQ(found[0].message, "unknown key (did you mean \"queue_size\"?)");
}

TEST_F(YamlReaderTest, UnknownKeyWithoutNearMatchHasNoSuggestion) {
  auto r = root("zzzzzz: 1\n");
  int a = 0;
  r.read("a", a);
  const auto found = warnings();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].message, "unknown key");
}

TEST_F(YamlReaderTest, UnknownKeysInsideListItemsAreReported) {
  auto r = root("keys:\n  - id: a\n  - id: b\n    qps_limt: 3\n");
  r.for_each("keys", [](MapReader& item, size_t) {
    std::string id;
    double qps = 0;
    item.read("id", id);
    item.read("qps_limit", qps);
  });
  const auto found = warnings();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].to_string(),
            "f.yaml:4: keys[1].qps_limt: unknown key (did you mean \"qps_limit\"?)");
}

TEST_F(YamlReaderTest, MapReadInPartsByTwoReadersHasNoUnknownKeys) {
  auto r = root("section:\n  a: 1\n  b: 2\n");
  int a = 0;
  int b = 0;
  r.map("section").read("a", a);
  r.map("section").read("b", b);
  EXPECT_TRUE(warnings().empty());
  EXPECT_EQ(b, 2);
}

TEST_F(YamlReaderTest, StrictModeTurnsTheFirstUnknownKeyIntoAnError) {
  auto r = root("a: 1\nzz: 2\nyy: 3\n", {}, /*strict=*/true);
  int a = 0;
  r.read("a", a);
  EXPECT_EQ(error(), "f.yaml:2: zz: unknown key");
}

TEST_F(YamlReaderTest, DuplicateKeyIsAnErrorOnTheSecond) {
  auto r = root("a: 1\nb: 2\na: 3\n");
  int a = 0;
  int b = 0;
  r.read("a", a);
  r.read("b", b);
  EXPECT_EQ(error(), "f.yaml:3: a: duplicate key");
}

TEST_F(YamlReaderTest, PropertiesAcceptAnyKeyAndExpandValues) {
  auto r = root("props:\n  sasl.username: u\n  weird.key: ${V:-x}\n");
  std::map<std::string, std::string> props;
  r.read_properties("props", props);
  EXPECT_TRUE(warnings().empty());
  EXPECT_EQ(props,
            (std::map<std::string, std::string>{{"sasl.username", "u"}, {"weird.key", "x"}}));
}

TEST_F(YamlReaderTest, PropertyValueMustBeAScalar) {
  auto r = root("props:\n  a: 1\n  b: [1]\n");
  std::map<std::string, std::string> props;
  r.read_properties("props", props);
  EXPECT_EQ(error(), "f.yaml:3: props.b: expected a string");
}

TEST_F(YamlReaderTest, NonMapDocumentIsAnError) {
  root("just text\n");
  EXPECT_EQ(error(), "f.yaml:1: expected a map of settings, got \"just text\"");
}

TEST_F(YamlReaderTest, EmptyDocumentReadsAsDefaults) {
  auto r = root("# only a comment\n");
  int a = 4;
  r.read("a", a);
  r.map("section").read("b", a);
  EXPECT_EQ(a, 4);
  EXPECT_TRUE(warnings().empty());
}

TEST_F(YamlReaderTest, CrossFieldFailureUsesTheKeyLine) {
  auto r = root("min: 5\nmax: 1\n");
  r.fail("max", "expected a number >= min");
  EXPECT_EQ(error(), "f.yaml:2: max: expected a number >= min");
}

TEST_F(YamlReaderTest, FailureOnAbsentKeyUsesTheMapLine) {
  auto r = root("a: 0\nitems:\n  - url: x\n");
  r.for_each("items", [](MapReader& item, size_t) {
    std::string url;
    item.read("url", url);
    item.fail("id", "expected an id");
  });
  EXPECT_EQ(error(), "f.yaml:3: items[0].id: expected an id");
}

}  // namespace
}  // namespace tmon::config
