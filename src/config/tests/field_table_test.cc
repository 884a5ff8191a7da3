// The field table (config/field_table.h): a key declared in one line is read,
// checked, defaulted and rendered. These sections exist only here, to show
// what adding a key to a real section takes.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "config/field_io.h"
#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::fake_env;

#define TEST_SECTION_FIELDS(X)                                   \
  X(int, workers, 4, int_between(1, 64), kPlain)                 \
  X(double, ratio, 0.5, number_between(0, 1), kPlain)            \
  X(std::string, mode, "fast", one_of({"fast", "slow"}), kPlain) \
  X(std::string, token, "", anything(), kSecret)                 \
  X(std::string, url, "redis://h:6379/0", anything(), kUrl)      \
  X(bool, enabled, true, anything(), kPlain)                     \
  X(std::vector<std::string>, hosts, {}, non_empty("host"), kPlain)
struct TestSection {
  TMON_CONFIG_FIELDS(TEST_SECTION_FIELDS)
};

// The same section with one key more: the one line below is the whole change.
#define GROWN_SECTION_FIELDS(X) \
  TEST_SECTION_FIELDS(X)        \
  X(int, new_limit, 10, int_at_least(1), kPlain)
struct GrownSection {
  TMON_CONFIG_FIELDS(GROWN_SECTION_FIELDS)
};

class FieldTableTest : public ::testing::Test {
 protected:
  template <typename Section>
  Result<std::vector<Diagnostic>> read(const std::string& text, Section& section,
                                       bool strict = true) {
    FileContext context("f.yaml", fake_env({{"TOKEN", "t-0123456789abcdef"}}), strict);
    read_fields(context.root(YAML::Load(text)).map("section"), section);
    return context.finish();
  }
  template <typename Section>
  YAML::Node render(const Section& section) {
    Writer w;
    w.begin_map();
    w.begin_map("section");
    write_fields(w, section);
    w.end_map();
    w.end_map();
    return YAML::Load(w.text());
  }
};

TEST_F(FieldTableTest, DefaultsComeFromTheTable) {
  const TestSection section;
  EXPECT_EQ(section.workers, 4);
  EXPECT_EQ(section.ratio, 0.5);
  EXPECT_EQ(section.mode, "fast");
  EXPECT_TRUE(section.enabled);
  EXPECT_TRUE(section.hosts.empty());
}

TEST_F(FieldTableTest, EveryKeyIsReadAndAbsentKeysKeepTheirDefaults) {
  TestSection section;
  auto read_ok = read(
      "section:\n  workers: 8\n  mode: slow\n  token: ${TOKEN}\n  enabled: false\n"
      "  hosts: [a, b]\n",
      section);
  ASSERT_TRUE(read_ok) << read_ok.error().message;
  EXPECT_EQ(section.workers, 8);
  EXPECT_EQ(section.ratio, 0.5);
  EXPECT_EQ(section.mode, "slow");
  EXPECT_EQ(section.token, "t-0123456789abcdef");
  EXPECT_FALSE(section.enabled);
  EXPECT_EQ(section.hosts, (std::vector<std::string>{"a", "b"}));
}

TEST_F(FieldTableTest, ABadValueNamesFileLineKeyAndTheCheck) {
  TestSection section;
  auto read_bad = read("section:\n  ratio: 0.2\n  workers: 65\n", section);
  ASSERT_FALSE(read_bad);
  EXPECT_EQ(read_bad.error().message,
            "f.yaml:3: section.workers: expected an integer 1..64, got \"65\"");
  EXPECT_EQ(section.workers, 4);
  TestSection other;
  auto bad_choice = read("section:\n  mode: medium\n", other);
  ASSERT_FALSE(bad_choice);
  EXPECT_NE(bad_choice.error().message.find("f.yaml:2: section.mode: expected"), std::string::npos)
      << bad_choice.error().message;
}

TEST_F(FieldTableTest, AKeyNotInTheTableIsUnknown) {
  TestSection section;
  auto unknown = read("section:\n  new_limit: 3\n", section);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("new_limit"), std::string::npos)
      << unknown.error().message;
}

TEST_F(FieldTableTest, RenderingWritesEveryKeyAndHidesSecrets) {
  TestSection section;
  section.token = "t-0123456789abcdef";
  section.url = "redis://:hunter2-password@h:6379/0";
  section.hosts = {"a"};
  const YAML::Node doc = render(section);
  const YAML::Node s = doc["section"];
  EXPECT_EQ(s.size(), 7u);
  EXPECT_EQ(s["workers"].as<int>(), 4);
  EXPECT_EQ(s["ratio"].as<double>(), 0.5);
  EXPECT_EQ(s["mode"].as<std::string>(), "fast");
  EXPECT_EQ(s["enabled"].as<bool>(), true);
  EXPECT_EQ(s["hosts"][0].as<std::string>(), "a");
  EXPECT_EQ(s["token"].as<std::string>().find("0123456789"), std::string::npos);
  EXPECT_EQ(s["url"].as<std::string>().find("hunter2"), std::string::npos);
  EXPECT_NE(s["url"].as<std::string>().find("h:6379"), std::string::npos);
}

TEST_F(FieldTableTest, AddingAKeyIsOneLineAndItIsReadCheckedAndRendered) {
  GrownSection section;
  EXPECT_EQ(section.new_limit, 10);  // the default
  auto read_ok = read("section:\n  new_limit: 3\n  workers: 2\n", section);
  ASSERT_TRUE(read_ok) << read_ok.error().message;
  EXPECT_EQ(section.new_limit, 3);
  EXPECT_EQ(section.workers, 2);
  auto read_bad = read("section:\n  new_limit: 0\n", section);
  ASSERT_FALSE(read_bad);
  EXPECT_EQ(read_bad.error().message,
            "f.yaml:2: section.new_limit: expected an integer >= 1, got \"0\"");
  const YAML::Node s = render(section)["section"];
  EXPECT_EQ(s["new_limit"].as<int>(), 3);
  // And what is rendered reads back the same.
  GrownSection again;
  Writer w;
  w.begin_map();
  w.begin_map("section");
  write_fields(w, section);
  w.end_map();
  w.end_map();
  auto round_trip = read(w.text(), again);
  ASSERT_TRUE(round_trip) << round_trip.error().message;
  EXPECT_EQ(again.new_limit, 3);
  EXPECT_EQ(again.workers, 2);
}

}  // namespace
}  // namespace tmon::config
