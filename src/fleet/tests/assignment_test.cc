#include "fleet/assignment.h"

#include <gtest/gtest.h>

#include <set>

namespace tmon::fleet {
namespace {

// Records what ownership starts and stops.
class FakeRunner final : public CameraRunner {
 public:
  Status start_owned(const RegistryCamera& camera) override {
    ++starts[camera.id.text()];
    if (camera.url == "refused://") return make_error(ErrorCode::kInvalidArgument, "refused");
    running.insert(camera.id.text());
    urls[camera.id.text()] = camera.url;
    return {};
  }
  void stop_owned(const std::string& id) override {
    ++stops[id];
    running.erase(id);
  }
  std::map<std::string, int> starts, stops;
  std::map<std::string, std::string> urls;
  std::set<std::string> running;
};

RegistryCamera camera(const std::string& id, const std::string& url = "sim://a") {
  RegistryCamera c;
  c.id = messages::CameraId(id);
  c.url = url;
  return c;
}

TEST(AssignmentTest, StartsAPartitionsCamerasOnceCaughtUpWithTheirLastValue) {
  FakeRunner runner;
  Assignment assignment(runner);
  assignment.assign(0, 4);
  assignment.apply(0, 0, "a", camera("a", "sim://old"));
  assignment.apply(0, 1, "b", camera("b"));
  assignment.apply(0, 2, "a", camera("a", "sim://new"));
  EXPECT_TRUE(runner.running.empty());  // not caught up yet
  assignment.apply(0, 3, "b", std::nullopt);
  EXPECT_EQ(runner.running, std::set<std::string>{"a"});
  EXPECT_EQ(runner.urls["a"], "sim://new");
  EXPECT_EQ(runner.starts["a"], 1);
  EXPECT_EQ(runner.starts.count("b"), 0u);
}

TEST(AssignmentTest, AfterCatchingUpEachRecordApplies) {
  FakeRunner runner;
  Assignment assignment(runner);
  assignment.assign(3, 0);  // empty partition: caught up at once
  assignment.apply(3, 0, "a", camera("a"));
  EXPECT_EQ(runner.running, std::set<std::string>{"a"});
  assignment.apply(3, 1, "a", camera("a"));  // same value: no restart
  EXPECT_EQ(runner.starts["a"], 1);
  assignment.apply(3, 2, "a", camera("a", "sim://b"));  // changed: restarted
  EXPECT_EQ(runner.starts["a"], 2);
  EXPECT_EQ(runner.stops["a"], 1);
  RegistryCamera disabled = camera("a", "sim://b");
  disabled.enabled = false;
  assignment.apply(3, 3, "a", disabled);
  EXPECT_TRUE(runner.running.empty());
  assignment.apply(3, 4, "a", std::nullopt);
  EXPECT_EQ(runner.stops["a"], 2);
  EXPECT_TRUE(assignment.owned().empty());
}

TEST(AssignmentTest, RevokeStopsOnlyThatPartitionsCameras) {
  FakeRunner runner;
  Assignment assignment(runner);
  assignment.assign(0, 0);
  assignment.assign(1, 0);
  assignment.apply(0, 0, "a", camera("a"));
  assignment.apply(1, 0, "b", camera("b"));
  assignment.revoke(1);
  EXPECT_EQ(runner.running, std::set<std::string>{"a"});
  EXPECT_EQ(assignment.owned(), std::vector<std::string>{"a"});
  EXPECT_EQ(assignment.partitions(), std::vector<int32_t>{0});
  // Records of a partition no longer owned are not ours.
  assignment.apply(1, 1, "c", camera("c"));
  EXPECT_EQ(runner.starts.count("c"), 0u);
  // Assigned again (a cooperative rebalance that gives it back): read anew.
  assignment.assign(1, 2);
  assignment.apply(1, 0, "b", camera("b"));
  assignment.apply(1, 1, "c", camera("c"));
  EXPECT_EQ(runner.running, (std::set<std::string>{"a", "b", "c"}));
  assignment.revoke_all();
  EXPECT_TRUE(runner.running.empty());
}

TEST(AssignmentTest, ACompactedLogEndingEarlyStartsAtItsEnd) {
  FakeRunner runner;
  Assignment assignment(runner);
  assignment.assign(0, 10);
  assignment.apply(0, 4, "a", camera("a"));
  EXPECT_TRUE(runner.running.empty());
  assignment.reached_end(0);
  EXPECT_EQ(runner.running, std::set<std::string>{"a"});
}

TEST(AssignmentTest, ARefusedCameraIsCountedAndNotRunning) {
  FakeRunner runner;
  std::vector<std::string> started;
  Assignment assignment(runner, [&](const RegistryCamera& c) { started.push_back(c.id.text()); });
  assignment.assign(0, std::nullopt);
  assignment.apply(0, 0, "bad", camera("bad", "refused://"));
  assignment.apply(0, 1, "good", camera("good"));
  EXPECT_EQ(assignment.start_failures(), 1);
  EXPECT_EQ(assignment.owned(), std::vector<std::string>{"good"});
  EXPECT_EQ(started, std::vector<std::string>{"good"});
}

}  // namespace
}  // namespace tmon::fleet
