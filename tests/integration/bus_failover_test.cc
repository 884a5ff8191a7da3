// At-least-once across a crash: a group of two consumer processes against a
// `tmon broker` process; one member is killed without committing, restarted,
// and every message must still be processed.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "bus/producer.h"
#include "child_process.h"
#include "temp_dir.h"
#include "tmon_broker.h"

namespace tmon {
namespace {

using testing::ChildProcess;

constexpr int kMessages = 3000;
constexpr const char* kTopic = "failover-test";

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class BusFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("kafka.yaml", std::string("topics:\n  detection_results:\n    name: ") + kTopic +
                                 "\n    partitions: 8\n");
    std::string error;
    broker_ = testing::start_tmon_broker(TMON_BINARY, dir_.str(), {}, &error);
    ASSERT_TRUE(broker_) << error;
    bootstrap_ = broker_->bootstrap;
  }

  std::unique_ptr<ChildProcess> start_member(const std::string& name) {
    files_.push_back((dir_.path() / (name + ".txt")).string());
    return std::make_unique<ChildProcess>(std::vector<std::string>{
        BUS_TEST_CONSUMER, bootstrap_, kTopic, "failover-group", files_.back(), "2"});
  }

  std::set<std::string> processed(size_t* total_lines = nullptr) const {
    std::set<std::string> values;
    size_t lines = 0;
    for (const auto& file : files_) {
      for (auto& line : read_lines(file)) {
        values.insert(std::move(line));
        ++lines;
      }
    }
    if (total_lines) *total_lines = lines;
    return values;
  }

  // Polls until at least `count` distinct values are processed or the time is up.
  bool wait_for_processed(size_t count, std::chrono::seconds timeout) const {
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < give_up) {
      if (processed().size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  testing::TempDir dir_;
  std::optional<testing::TmonBroker> broker_;
  std::string bootstrap_;
  std::vector<std::string> files_;
};

TEST_F(BusFailoverTest, KilledMemberLosesNoMessage) {
  auto a = start_member("a");
  auto b = start_member("b");

  config::KafkaConfig kafka;
  kafka.bootstrap_servers = bootstrap_;
  auto producer = bus::Producer::create(kafka, "failover-producer");
  ASSERT_TRUE(producer) << producer.error().message;
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE((*producer)->send(kTopic, "key-" + std::to_string(i % 64), "m-" + std::to_string(i),
                                  [](auto) {}));
  }
  ASSERT_TRUE((*producer)->flush(Millis(30'000)));

  ASSERT_TRUE(wait_for_processed(kMessages / 3, std::chrono::seconds(90)))
      << "a: " << a->stderr_text() << "\nb: " << b->stderr_text();
  // No goodbye, no final commit: what `a` did since its last commit is redone.
  a->signal(SIGKILL);
  ASSERT_TRUE(a->wait(std::chrono::seconds(10)));
  auto a_restarted = start_member("a2");

  const bool complete = wait_for_processed(kMessages, std::chrono::seconds(120));
  size_t lines = 0;
  const auto values = processed(&lines);
  EXPECT_TRUE(complete) << values.size() << " of " << kMessages << " processed";
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_TRUE(values.contains("m-" + std::to_string(i))) << "lost m-" << i;
  }
  EXPECT_EQ(values.size(), static_cast<size_t>(kMessages));
  EXPECT_GE(lines, values.size());  // duplicates are allowed, losses are not
  std::cout << lines << " deliveries for " << values.size() << " messages ("
            << lines - values.size() << " replayed after the kill)\n";

  if (::testing::Test::HasFailure() || std::getenv("TMON_TEST_VERBOSE")) {
    std::cout << "b: " << b->stderr_text() << "\na2: " << a_restarted->stderr_text() << "\n";
  }
  b->signal(SIGTERM);
  a_restarted->signal(SIGTERM);
  EXPECT_EQ(b->wait(std::chrono::seconds(30)), 0);
  EXPECT_EQ(a_restarted->wait(std::chrono::seconds(30)), 0);
}

}  // namespace
}  // namespace tmon
