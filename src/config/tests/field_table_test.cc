// The field table (config/field_table.h): a key declared in one line is read,
// checked, defaulted and rendered, in a section or in each record of a list.
// The Test* sections exist only here, to show what adding a key to a real
// section or record takes; the last tests use the shipped record types.

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

// A list of records: each item is read with its record's table, then checked
// against the items before it (here: names are unique).
#define TEST_ITEM_FIELDS(X)                                \
  X(std::string, name, "", non_empty("item name"), kPlain) \
  X(int, limit, 1, int_at_least(1), kPlain)                \
  X(std::string, secret, "", anything(), kSecret)
struct TestItem {
  TMON_CONFIG_FIELDS(TEST_ITEM_FIELDS)
};
// The same record with one key more, again one line.
#define GROWN_ITEM_FIELDS(X) \
  TEST_ITEM_FIELDS(X)        \
  X(double, weight, 1.0, number_above(0), kPlain)
struct GrownItem {
  TMON_CONFIG_FIELDS(GROWN_ITEM_FIELDS)
};

template <typename Item>
void unique_name(MapReader& item, Item& record, const std::vector<Item>& before) {
  for (size_t i = 0; i < before.size(); ++i) {
    if (before[i].name == record.name) {
      return item.fail("name", "expected a name not used by items[" + std::to_string(i) + "]");
    }
  }
}
std::vector<TestItem> two_items() {
  return {TestItem{"a", 1, ""}, TestItem{"b", 2, ""}};
}

#define TEST_LIST_FIELDS(X)                                                              \
  X(std::vector<TestItem>, items, {}, records(unique_name<TestItem>, two_items), kPlain) \
  X(std::vector<GroundPointConfig>, points, {}, exactly<GroundPointConfig>(2, "points"), kPlain)
struct TestListSection {
  TMON_CONFIG_FIELDS(TEST_LIST_FIELDS)
};
#define GROWN_LIST_FIELDS(X) \
  X(std::vector<GrownItem>, items, {}, records(unique_name<GrownItem>), kPlain)
struct GrownListSection {
  TMON_CONFIG_FIELDS(GROWN_LIST_FIELDS)
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
  std::string render_text(const Section& section) {
    Writer w;
    w.begin_map();
    write_field(w, "section", section, kPlain);
    w.end_map();
    return w.text();
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

TEST_F(FieldTableTest, EachListItemIsReadWithItsRecordTableAndItsOwnLine) {
  TestListSection section;
  auto read_ok = read(
      "section:\n  items:\n    - {name: x, limit: 5, secret: \"${TOKEN}\"}\n    - name: y\n", section);
  ASSERT_TRUE(read_ok) << read_ok.error().message;
  ASSERT_EQ(section.items.size(), 2u);
  EXPECT_EQ(section.items[0].limit, 5);
  EXPECT_EQ(section.items[0].secret, "t-0123456789abcdef");  // ${VAR} expanded per item
  EXPECT_EQ(section.items[1].name, "y");
  EXPECT_EQ(section.items[1].limit, 1);  // the record's default

  TestListSection bad;
  auto bad_value = read("section:\n  items:\n    - name: x\n    - name: y\n      limit: 0\n", bad);
  ASSERT_FALSE(bad_value);
  EXPECT_EQ(bad_value.error().message,
            "f.yaml:5: section.items[1].limit: expected an integer >= 1, got \"0\"");
  TestListSection twice;
  auto repeated = read("section:\n  items:\n    - name: x\n    - name: x\n", twice);
  ASSERT_FALSE(repeated);
  EXPECT_EQ(repeated.error().message,
            "f.yaml:4: section.items[1].name: expected a name not used by items[0]");
  TestListSection typo;
  auto unknown = read("section:\n  items:\n    - {name: x, limt: 3}\n", typo);
  ASSERT_FALSE(unknown);  // strict: an unknown key inside an item is an error too
  EXPECT_NE(unknown.error().message.find("f.yaml:3: section.items[0].limt: unknown key"),
            std::string::npos)
      << unknown.error().message;
}

TEST_F(FieldTableTest, AnAbsentListMeansItsDefaultAndAnEmptyOneNone) {
  TestListSection absent;
  ASSERT_TRUE(read("section: {}\n", absent));
  ASSERT_EQ(absent.items.size(), 2u);  // when_absent
  EXPECT_EQ(absent.items[1].name, "b");
  TestListSection empty;
  ASSERT_TRUE(read("section:\n  items: []\n  points: []\n", empty));
  EXPECT_TRUE(empty.items.empty());
  EXPECT_TRUE(empty.points.empty());  // "exactly" holds for a non-empty list only
}

TEST_F(FieldTableTest, ARequiredPointAndACountedList) {
  TestListSection one;
  auto too_few = read("section:\n  points:\n    - {image: [0, 1], ground: [2, 3]}\n", one);
  ASSERT_FALSE(too_few);
  EXPECT_EQ(too_few.error().message, "f.yaml:2: section.points: expected 2 points, got 1");
  TestListSection missing;
  auto no_ground = read("section:\n  points:\n    - {image: [0, 1]}\n", missing);
  ASSERT_FALSE(no_ground);
  EXPECT_EQ(no_ground.error().message,
            "f.yaml:3: section.points[0].ground: expected the road point [x, y] in metres");
  TestListSection two;
  auto read_ok = read(
      "section:\n  points:\n    - {image: [0, 1], ground: [2, 3]}\n"
      "    - {image: [4, 5], ground: [6.5, 7]}\n",
      two);
  ASSERT_TRUE(read_ok) << read_ok.error().message;
  EXPECT_EQ(two.points[1], (GroundPointConfig{{4, 5}, {6.5, 7}}));
  TestListSection again;
  ASSERT_TRUE(read(render_text(two), again));
  EXPECT_EQ(again.points, two.points);
}

TEST_F(FieldTableTest, AddingAKeyToAListRecordIsOneLineAndItIsReadCheckedAndRendered) {
  GrownListSection section;
  auto read_ok = read(
      "section:\n  items:\n    - {name: x, weight: 2.5}\n    - {name: y, secret: s-abcdefghij}\n",
      section);
  ASSERT_TRUE(read_ok) << read_ok.error().message;
  ASSERT_EQ(section.items.size(), 2u);
  EXPECT_EQ(section.items[0].weight, 2.5);
  EXPECT_EQ(section.items[1].weight, 1.0);  // the new key's default
  GrownListSection bad;
  auto read_bad = read("section:\n  items:\n    - name: x\n    - name: y\n      weight: 0\n", bad);
  ASSERT_FALSE(read_bad);
  EXPECT_EQ(read_bad.error().message,
            "f.yaml:5: section.items[1].weight: expected a number > 0, got \"0\"");
  const YAML::Node items = render(section)["section"]["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["weight"].as<double>(), 2.5);
  EXPECT_EQ(items[1]["secret"].as<std::string>().find("abcdefghij"), std::string::npos);
  // And what is rendered reads back the same (the masked secret aside).
  section.items[1].secret.clear();
  GrownListSection again;
  auto round_trip = read(render_text(section), again);
  ASSERT_TRUE(round_trip) << round_trip.error().message;
  ASSERT_EQ(again.items.size(), 2u);
  EXPECT_EQ(again.items[0].weight, 2.5);
  EXPECT_EQ(again.items[1].name, "y");
}

// The record types of the shipped files, through their own tables.
TEST_F(FieldTableTest, ACameraIdKeepsItsFormAndItsUrlHidesItsPassword) {
  Writer w;
  CameraConfig number;
  FileContext context("f.yaml", fake_env(), true);
  MapReader root = context.root(YAML::Load(
      "number: {id: 3, url: \"rtsp://admin:pw-0123@cam/live\"}\ntext: {id: \"3\", url: sim://}\n"));
  read_fields(root.map("number"), number);
  CameraConfig text;
  read_fields(root.map("text"), text);
  ASSERT_TRUE(context.finish());
  EXPECT_TRUE(number.id_is_integer);
  EXPECT_FALSE(text.id_is_integer);
  EXPECT_EQ(number.id, text.id);
  w.begin_map();
  write_field(w, "number", number, kPlain);
  write_field(w, "text", text, kPlain);
  w.end_map();
  EXPECT_NE(w.text().find("id: 3\n"), std::string::npos) << w.text();
  EXPECT_NE(w.text().find("id: \"3\""), std::string::npos) << w.text();
  EXPECT_EQ(w.text().find("pw-0123"), std::string::npos) << w.text();
  EXPECT_NE(w.text().find("@cam/live"), std::string::npos) << w.text();
}

TEST_F(FieldTableTest, AnAccountsModelsAreAListInsideAListRecord) {
  FileContext context("f.yaml", fake_env(), true);
  std::vector<AccountConfig> accounts;
  MapReader root = context.root(
      YAML::Load("accounts:\n  - name: a\n    models:\n      - {model: m, qps_limit: 0}\n"));
  read_field(root, "accounts", accounts, records<AccountConfig>());
  auto read_bad = context.finish();
  ASSERT_FALSE(read_bad);
  EXPECT_EQ(read_bad.error().message,
            "f.yaml:4: accounts[0].models[0].qps_limit: expected a number > 0, got \"0\"");
  AccountConfig account;
  account.name = "a";
  account.models.push_back(ModelLimitsConfig{"m", 2, 60, 0});
  Writer w;
  w.begin_map();
  write_field(w, "accounts", std::vector<AccountConfig>{account}, kPlain);
  w.end_map();
  FileContext again("f.yaml", fake_env(), true);
  std::vector<AccountConfig> read_back;
  MapReader again_root = again.root(YAML::Load(w.text()));
  read_field(again_root, "accounts", read_back, records<AccountConfig>());
  ASSERT_TRUE(again.finish());
  ASSERT_EQ(read_back.size(), 1u);
  ASSERT_EQ(read_back[0].models.size(), 1u);
  EXPECT_EQ(read_back[0].models[0].rpm_limit, 60);
  EXPECT_EQ(read_back[0].models[0].qps_limit, 2);
}

}  // namespace
}  // namespace tmon::config
