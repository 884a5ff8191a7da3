#include "fleet/ownership.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "eventually.h"
#include "fleet/registry_follower.h"
#include "fleet_broker_fixture.h"

namespace tmon::fleet {
namespace {

using testing::eventually;

// What one instance runs; counts starts so restarts show.
class CountingRunner final : public CameraRunner {
 public:
  Status start_owned(const RegistryCamera& camera) override {
    std::lock_guard lock(mu_);
    running_.insert(camera.id.text());
    ++starts_[camera.id.text()];
    return {};
  }
  void stop_owned(const std::string& id) override {
    std::lock_guard lock(mu_);
    running_.erase(id);
  }
  std::set<std::string> running() const {
    std::lock_guard lock(mu_);
    return running_;
  }
  int starts(const std::string& id) const {
    std::lock_guard lock(mu_);
    const auto it = starts_.find(id);
    return it == starts_.end() ? 0 : it->second;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string> running_;
  std::map<std::string, int> starts_;
};

struct Instance {
  CountingRunner runner;
  Assignment assignment{runner};
  std::unique_ptr<Ownership> ownership;
};

class OwnershipTest : public FleetBrokerTest {
 protected:
  void write_cameras(int count) {
    auto writer = RegistryWriter::create(kafka_, "test-writer", Millis(10'000));
    ASSERT_TRUE(writer);
    for (int i = 0; i < count; ++i) {
      RegistryCamera camera;
      camera.id = messages::CameraId("cam-" + std::to_string(i));
      camera.url = "sim://" + std::to_string(i);
      ASSERT_TRUE((*writer)->put(camera));
    }
  }
  std::unique_ptr<Instance> join(const std::string& id) {
    auto instance = std::make_unique<Instance>();
    auto started = Ownership::start(kafka_, id, instance->assignment, nullptr);
    EXPECT_TRUE(started) << started.error().message;
    if (started) instance->ownership = std::move(*started);
    return instance;
  }
  static bool each_owned_once(const std::vector<Instance*>& instances, size_t cameras) {
    std::multiset<std::string> all;
    for (const auto* instance : instances) {
      for (const auto& id : instance->runner.running()) all.insert(id);
    }
    if (all.size() != cameras) return false;
    return std::set<std::string>(all.begin(), all.end()).size() == cameras;
  }
};

TEST_F(OwnershipTest, TheMockBrokerRunsCooperativeGroups) {
  write_cameras(12);
  auto a = join("a");
  ASSERT_TRUE(
      eventually([&] { return a->runner.running().size() == 12; }, std::chrono::seconds(30)));
  EXPECT_EQ(a->ownership->protocol(), "COOPERATIVE");
}

TEST_F(OwnershipTest, CamerasSpreadOverInstancesOnceEachAndStayWhenOthersJoin) {
  write_cameras(30);
  auto a = join("a");
  ASSERT_TRUE(
      eventually([&] { return a->runner.running().size() == 30; }, std::chrono::seconds(30)));
  auto b = join("b");
  ASSERT_TRUE(eventually(
      [&] {
        return !b->runner.running().empty() && each_owned_once({a.get(), b.get()}, 30);
      },
      std::chrono::seconds(30)));
  // Cooperative: the cameras a kept were never restarted.
  for (const auto& id : a->runner.running()) EXPECT_EQ(a->runner.starts(id), 1) << id;

  // b leaves: a takes its cameras back, again once each.
  b->ownership->stop();
  EXPECT_TRUE(b->runner.running().empty());
  EXPECT_TRUE(
      eventually([&] { return a->runner.running().size() == 30; }, std::chrono::seconds(30)));
}

TEST_F(OwnershipTest, ARecordWrittenLaterStartsAtItsOwnerOnly) {
  write_cameras(6);
  auto a = join("a");
  auto b = join("b");
  ASSERT_TRUE(eventually(
      [&] {
        return each_owned_once({a.get(), b.get()}, 6);
      },
      std::chrono::seconds(30)));
  write_cameras(7);  // cam-6 is new; the others are rewritten with the same value
  ASSERT_TRUE(eventually(
      [&] {
        return each_owned_once({a.get(), b.get()}, 7);
      },
      std::chrono::seconds(30)));
  for (const auto* instance : {a.get(), b.get()}) {
    for (const auto& id : instance->runner.running()) EXPECT_EQ(instance->runner.starts(id), 1);
  }
}

}  // namespace
}  // namespace tmon::fleet
