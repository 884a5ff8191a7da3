// Scheduler processes against a `tmon broker`, a `tmon mock-llm` and a real
// redis-server: shared limits across instances, and no task lost to a crash.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "bus/consumer.h"
#include "bus/producer.h"
#include "child_process.h"
#include "http_get.h"
#include "messages/codec.h"
#include "redis_server.h"
#include "temp_dir.h"
#include "tmon_broker.h"

namespace tmon {
namespace {

using nlohmann::json;
using testing::ChildProcess;

// A number deep in a JSON document, or `fallback` when any step is missing.
int64_t number_at(const json& document, std::initializer_list<const char*> path,
                  int64_t fallback = 0) {
  const json* at = &document;
  for (const char* step : path) {
    if (!at->is_object() || !at->contains(step)) return fallback;
    at = &(*at)[step];
  }
  return at->is_number() ? at->get<int64_t>() : fallback;
}

class SchedulerProcessesTest : public ::testing::Test {
 protected:
  // A provider with one account shared by two keys, limited as configured.
  void start_services(int per_second, int per_minute, double latency_ms) {
    dir_.write("api_keys.yaml",
               "llm:\n  base_url: http://127.0.0.1:1/unused\n"
               "accounts:\n  - {name: shared, qps_limit: " +
                   std::to_string(per_second) + ", rpm_limit: " + std::to_string(per_minute) +
                   "}\n"
                   "api_keys:\n"
                   "  - {id: key-a, key: sk-test-key-a-0001, account: shared}\n"
                   "  - {id: key-b, key: sk-test-key-b-0002, account: shared}\n");
    std::string error;
    broker_ = testing::start_tmon_broker(TMON_BINARY, dir_.str(), {}, &error);
    ASSERT_TRUE(broker_) << error;
    bootstrap_ = broker_->bootstrap;
    mock_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        TMON_BINARY, "mock-llm", "--config-dir", dir_.str(), "--latency-median-ms",
        std::to_string(latency_ms), "--latency-sigma", "0.2"});
    auto base_url =
        mock_->wait_for_stdout(std::regex(R"(^(http://\S+))"), std::chrono::seconds(15));
    ASSERT_TRUE(base_url) << mock_->stderr_text();
    mock_port_ = std::stoi(base_url->substr(base_url->rfind(':') + 1));
    env_ = {{"TMON_KAFKA_BOOTSTRAP_SERVERS", bootstrap_},
            {"TMON_LLM_BASE_URL", *base_url},
            {"TMON_REDIS_URL", redis_.url()},
            {"DASHSCOPE_API_KEY", ""}};
  }

  void write_scheduler_config(const std::string& extra_api_keys_yaml) {
    dir_.write("kafka.yaml",
               "consumer:\n  fetch_wait_max_ms: 10\n  session_timeout_ms: 6000\n"
               "  heartbeat_interval_ms: 1000\n  commit_interval_ms: 500\n");
    // Appended to the keys file the mock already read.
    const std::string keys = read_file("api_keys.yaml");
    dir_.write("api_keys.yaml", keys + extra_api_keys_yaml);
  }

  std::string read_file(const std::string& name) {
    std::ifstream in(dir_.path() / name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // A scheduler on a free ops port (port 0), which it reports on stdout:
  // *ops_port is set once it listens.
  std::unique_ptr<ChildProcess> start_scheduler(const std::string& id, int* ops_port = nullptr) {
    auto process = std::make_unique<ChildProcess>(
        std::vector<std::string>{TMON_BINARY, "schedule", "--config-dir", dir_.str(),
                                 "--instance-id", id, "--ops-port", "0"},
        env_);
    if (ops_port) {
      const auto port = process->wait_for_stdout(
          std::regex(R"(Metrics: http://127\.0\.0\.1:(\d+)/metrics)"), std::chrono::seconds(30));
      EXPECT_TRUE(port) << process->stderr_text();
      *ops_port = port ? std::stoi(*port) : 0;
    }
    return process;
  }

  std::vector<std::string> produce_tasks(int count, int64_t deadline_ms) {
    config::KafkaConfig kafka;
    kafka.bootstrap_servers = bootstrap_;
    auto producer = bus::Producer::create(kafka, "test-tasks");
    EXPECT_TRUE(producer);
    std::vector<std::string> ids;
    const int64_t now = SystemClock::instance().epoch_ms();
    for (int i = 0; i < count; ++i) {
      messages::AssessmentTask task;
      task.taskId = "task-" + std::to_string(i);
      task.cameraId = "cam-" + std::to_string(i % 20);
      task.requestId = "req-" + std::to_string(i);
      task.groupId = task.taskId;
      task.captureTs = now;
      task.deadlineTs = now + deadline_ms;
      task.imageBase64 = "SU1H";
      EXPECT_TRUE((*producer)->send("assessment-tasks", task.cameraId, messages::encode(task),
                                    [](auto) {}));
      ids.push_back(task.taskId);
    }
    EXPECT_TRUE((*producer)->flush(Millis(30'000)));
    return ids;
  }

  json mock_stats() {
    const auto reply = testing::http_get(mock_port_, "/__stats");
    return reply.status == 200 ? json::parse(reply.body) : json::object();
  }

  // Reads risk-assessment-results until every id has a result or time runs out.
  std::map<std::string, std::vector<messages::AssessmentResult>> collect_results(
      const std::vector<std::string>& ids, std::chrono::seconds timeout) {
    config::KafkaConfig kafka;
    kafka.bootstrap_servers = bootstrap_;
    kafka.consumer.fetch_wait_max_ms = 10;
    auto consumer =
        bus::Consumer::create(kafka, {"test-reader", {"risk-assessment-results"}, "test-reader"});
    EXPECT_TRUE(consumer);
    std::map<std::string, std::vector<messages::AssessmentResult>> results;
    const std::set<std::string> wanted(ids.begin(), ids.end());
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < give_up) {
      auto message = (*consumer)->poll(Millis(200));
      if (!message) {
        if (results.size() == wanted.size()) break;
        continue;
      }
      auto result = messages::decode_assessment_result(message->value);
      EXPECT_TRUE(result) << result.error().message;
      if (result && wanted.contains(result->taskId)) {
        results[result->taskId].push_back(std::move(*result));
      }
    }
    return results;
  }

  testing::TestRedis redis_;
  testing::TempDir dir_;
  std::optional<testing::TmonBroker> broker_;
  std::unique_ptr<ChildProcess> mock_;
  std::string bootstrap_;
  int mock_port_ = 0;
  std::map<std::string, std::string> env_;
};

TEST_F(SchedulerProcessesTest, TwoInstancesSharingRedisNeverExceedTheAccountLimits) {
  constexpr int kPerSecond = 8;
  constexpr int kPerMinute = 90;
  start_services(kPerSecond, kPerMinute, 50);
  // A wide margin: this test is about sharing one budget, not about squeezing
  // the last percent out of it, and a loaded test machine (sanitizers,
  // parallel tests) delays requests by tens of milliseconds. Without sharing,
  // two instances would send twice the limit whatever the margin.
  write_scheduler_config(
      "rate_limit:\n  backend: redis\n  expected_instances: 2\n  window_margin_ms: 150\n");
  auto first = start_scheduler("sched-1");
  int second_port = 0;
  auto second = start_scheduler("sched-2", &second_port);
  // A third more tasks than the minute allows, due in 35 s: the first 90 fill
  // the minute window within about 12 s, and the rest press against it until
  // their deadline (the window frees only a minute after the first call).
  // Once every task has its result (ok, expired or answered by rules) nothing
  // can call the provider any more, so the provider's counters are final:
  // no wait for an absence.
  const auto ids = produce_tasks(kPerMinute + kPerMinute / 3, 35 * 1000);
  const auto results = collect_results(ids, std::chrono::seconds(90));
  ASSERT_EQ(results.size(), ids.size()) << first->stderr_text() << second->stderr_text();
  const json stats = mock_stats();
  std::cout << "mock account: " << stats["accounts"]["shared"].dump() << "\n";
  EXPECT_EQ(number_at(stats, {"accounts", "shared", "ok"}), kPerMinute)
      << first->stderr_text() << second->stderr_text();
  EXPECT_EQ(number_at(stats, {"accounts", "shared", "rateLimited"}, -1), 0);
  EXPECT_LE(number_at(stats, {"accounts", "shared", "maxPerSecond"}, 99), kPerSecond);
  EXPECT_LE(number_at(stats, {"accounts", "shared", "maxPerMinute"}, 999), kPerMinute);
  // Both keys carried calls.
  for (const char* key : {"key-a", "key-b"}) EXPECT_GT(number_at(stats, {"keys", key, "ok"}), 0);
  const auto second_stats = testing::http_get(second_port, "/api/scheduler/stats");
  ASSERT_EQ(second_stats.status, 200);
  const auto data = json::parse(second_stats.body)["data"];
  EXPECT_EQ(data["limiter"]["backend"], "redis");
  EXPECT_EQ(data["limiter"]["fallback"], false);

  first->signal(SIGTERM);
  second->signal(SIGTERM);
  EXPECT_EQ(first->wait(std::chrono::seconds(40)), 0) << first->stderr_text();
  EXPECT_EQ(second->wait(std::chrono::seconds(40)), 0) << second->stderr_text();
}

TEST_F(SchedulerProcessesTest, KilledSchedulerLosesNoTask) {
  start_services(1000, 100'000, 3000);  // slow replies: hundreds stay in flight
  write_scheduler_config("scheduler:\n  max_concurrent_tasks: 1000\n  timeout_seconds: 20\n");
  auto scheduler = start_scheduler("crashy");
  const auto ids = produce_tasks(400, 10 * 60 * 1000);

  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(45);
  while (std::chrono::steady_clock::now() < give_up &&
         number_at(mock_stats(), {"accounts", "shared", "requests"}) < 300) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(number_at(mock_stats(), {"accounts", "shared", "requests"}), 300)
      << scheduler->stderr_text();
  scheduler->signal(SIGKILL);  // hundreds of calls in flight, nothing committed
  ASSERT_TRUE(scheduler->wait(std::chrono::seconds(10)));
  auto restarted = start_scheduler("crashy");

  const auto results = collect_results(ids, std::chrono::seconds(90));
  EXPECT_EQ(results.size(), ids.size()) << restarted->stderr_text();
  size_t duplicates = 0;
  for (const auto& id : ids) {
    const auto it = results.find(id);
    ASSERT_NE(it, results.end()) << id << " has no result";
    duplicates += it->second.size() - 1;
    for (const auto& r : it->second) {
      EXPECT_EQ(r.status, messages::ResultStatus::kOk) << id << ": " << r.code << " " << r.message;
    }
  }
  std::cout << ids.size() << " tasks, " << duplicates << " duplicate results after the crash\n";
  restarted->signal(SIGTERM);
  EXPECT_EQ(restarted->wait(std::chrono::seconds(40)), 0);
}

TEST_F(SchedulerProcessesTest, SighupReloadsKeysWithoutDroppingCalls) {
  start_services(1000, 100'000, 1500);
  const std::string both_keys = read_file("api_keys.yaml");
  // The scheduler starts with key-a only; the provider knows both.
  std::string only_a = both_keys.substr(0, both_keys.find("  - {id: key-b"));
  dir_.write("api_keys.yaml", only_a);
  write_scheduler_config("");
  int ops_port = 0;
  auto scheduler = start_scheduler("reloading", &ops_port);
  const auto ids = produce_tasks(60, 10 * 60 * 1000);

  const auto stats_of = [&] {
    const auto reply = testing::http_get(ops_port, "/api/scheduler/stats");
    return reply.status == 200 ? json::parse(reply.body)["data"] : json::object();
  };
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up && number_at(stats_of(), {"in_flight"}) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GT(number_at(stats_of(), {"in_flight"}), 0) << scheduler->stderr_text();
  dir_.write("api_keys.yaml", both_keys);
  write_scheduler_config("");
  scheduler->signal(SIGHUP);

  const auto results = collect_results(ids, std::chrono::seconds(60));
  EXPECT_EQ(results.size(), ids.size());
  for (const auto& [id, list] : results) {
    for (const auto& r : list)
      EXPECT_EQ(r.status, messages::ResultStatus::kOk) << id << " " << r.code;
  }
  const json stats = stats_of();
  EXPECT_EQ(number_at(stats, {"total_keys"}), 2) << scheduler->stderr_text();
  scheduler->signal(SIGTERM);
  EXPECT_EQ(scheduler->wait(std::chrono::seconds(40)), 0);
}

}  // namespace
}  // namespace tmon
