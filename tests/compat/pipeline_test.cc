// tmon's processes against the original's contract: a `tmon broker`, a
// `tmon mock-llm`, a real redis-server and `tmon up` (detection, generator,
// scheduler, aggregator and API on that broker), driven only with the
// original's messages and read only with a reader that knows the original's
// shapes (COMPAT.md):
// - original detection-results (integer camera id) go through generate ->
//   schedule -> aggregate and come out as the original merged view at
//   camera:{id}:latest (and on PUBLISH camera:{id});
// - original assessment-tasks get results whose top-level `results` the
//   original aggregator reads;
// - /ws spoken in the original envelope with integer ids;
// - every message tmon emits on the topics reads the original way, with
//   tmon's content;
// - the health checks and CORS of COMPAT §5.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "bus/producer.h"
#include "bus/topic_tail.h"
#include "child_process.h"
#include "common/clock.h"
#include "common/ids.h"
#include "eventually.h"
#include "http/blocking_client.h"
#include "http_get.h"
#include "messages/codec.h"
#include "original_reader.h"
#include "redis_server.h"
#include "refusing_port.h"
#include "store/redis_client.h"
#include "store/redis_subscriber.h"
#include "store/result_store.h"
#include "temp_dir.h"
#include "tmon_broker.h"
#include "ws_client.h"

namespace tmon::compat {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::eventually;

// The services every test of the suite shares, started once.
struct Services {
  testing::TestRedis redis{testing::TestRedis::Private{}};
  testing::TempDir config;
  std::optional<testing::TmonBroker> broker;
  std::unique_ptr<ChildProcess> mock;
  std::unique_ptr<ChildProcess> up;
  config::KafkaConfig kafka;
  int api_port = 0;
  std::string problem;  // why they could not start

  Services() {
    config.write("api_keys.yaml",
                 "llm:\n  base_url: http://127.0.0.1:1/unused\n"
                 "api_keys:\n  - {id: key-1, key: sk-compat-test-0001, qps_limit: 50, "
                 "rpm_limit: 3000}\n");
    config.write("kafka.yaml",
                 "consumer:\n  fetch_wait_max_ms: 10\n  session_timeout_ms: 6000\n"
                 "  heartbeat_interval_ms: 1000\n");
    config.write("pipeline.yaml", "cameras: []\n");
    broker = testing::start_tmon_broker(TMON_BINARY, config.str(), {}, &problem);
    if (!broker) return;
    mock = std::make_unique<ChildProcess>(std::vector<std::string>{
        TMON_BINARY, "mock-llm", "--config-dir", config.str(), "--latency-median-ms", "50"});
    const auto base_url = mock->wait_for_stdout(std::regex(R"(^(http://\S+))"), 15s);
    if (!base_url) {
      problem = "tmon mock-llm did not start: " + mock->stderr_text();
      return;
    }
    up = std::make_unique<ChildProcess>(
        std::vector<std::string>{TMON_BINARY, "up", "--config-dir", config.str(), "--api-port",
                                 "0"},
        std::map<std::string, std::string>{{"TMON_KAFKA_BOOTSTRAP_SERVERS", broker->bootstrap},
                                           {"TMON_LLM_BASE_URL", *base_url},
                                           {"TMON_REDIS_URL", redis.url()},
                                           {"DASHSCOPE_API_KEY", ""}});
    const auto port = up->wait_for_stdout(std::regex(R"(API: http://127\.0\.0\.1:(\d+))"), 30s);
    if (!port) {
      problem = "tmon up did not start: " + up->stderr_text();
      return;
    }
    api_port = std::stoi(*port);
    kafka.bootstrap_servers = broker->bootstrap;
    kafka.consumer.fetch_wait_max_ms = 10;
  }
};

class PipelineConformanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { services_ = new Services(); }
  static void TearDownTestSuite() {
    if (services_->up) {
      services_->up->signal(SIGTERM);
      EXPECT_EQ(services_->up->wait(30s), 0) << services_->up->stderr_text();
    }
    delete services_;
  }
  void SetUp() override { ASSERT_GT(services_->api_port, 0) << services_->problem; }

  static const config::KafkaConfig& kafka() { return services_->kafka; }
  static std::unique_ptr<store::RedisClient> redis() {
    return std::make_unique<store::RedisClient>(*store::RedisAddress::parse(services_->redis.url()),
                                                Millis(2'000));
  }
  static void produce(const std::string& topic, const std::string& key, const json& message) {
    auto producer = bus::Producer::create(kafka(), "compat-test");
    ASSERT_TRUE(producer) << producer.error().message;
    ASSERT_TRUE((*producer)->send_and_wait(topic, key, message.dump()));
  }
  // The original's capture time fields for now.
  static void stamp_now(json& message) {
    const int64_t now = SystemClock::instance().epoch_ms();
    message["timestamp"] = iso8601_utc(now);
    if (message.contains("frameTimestamp")) message["frameTimestamp"] = now / 1000.0;
  }
  static std::unique_ptr<bus::TopicTail> tail(const std::vector<std::string>& topics) {
    auto opened = bus::TopicTail::open(kafka(), topics, "compat-tail");
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  static Services* services_;
};

Services* PipelineConformanceTest::services_ = nullptr;

TEST_F(PipelineConformanceTest, OriginalDetectionsBecomeTheOriginalMergedView) {
  constexpr int64_t kCamera = 9001;
  json detection = fixture("kafka_detection_result.json");
  detection["cameraId"] = kCamera;
  detection["messageId"] = "compat-" + random_hex_id(8);
  stamp_now(detection);

  // The original's live readers subscribe to camera:{id}.
  std::mutex mu;
  std::vector<std::string> published;
  store::RedisSubscriberOptions subscribe;
  subscribe.pattern = "camera:" + std::to_string(kCamera);
  store::RedisSubscriber subscriber(
      *store::RedisAddress::parse(services_->redis.url()),
      [&](const std::string&, const std::string& view) {
        std::lock_guard lock(mu);
        published.push_back(view);
      },
      subscribe);
  subscriber.start();
  ASSERT_TRUE(eventually([&] { return subscriber.stats().connected; }));

  produce("detection-results", std::to_string(kCamera), detection);
  auto client = redis();
  std::optional<std::string> latest;
  ASSERT_TRUE(eventually(
      [&] {
        auto reply = client->command({"GET", store::latest_key(std::to_string(kCamera))});
        if (reply && !reply->is_nil()) latest = reply->text;
        return latest.has_value();
      },
      60s))
      << services_->up->stderr_text();
  subscriber.stop();

  const MergedView view = read_merged_view(json::parse(*latest));
  const Detection sent = read_detection(detection);
  EXPECT_EQ(view.detection.cameraId, kCamera);
  EXPECT_EQ(view.detection.messageId, detection["messageId"]);
  EXPECT_EQ(view.detection.timestamp, detection["timestamp"]);
  EXPECT_EQ(view.detection.detectedObjects, sent.detectedObjects);
  ASSERT_EQ(view.detection.trafficGroups.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(view.detection.trafficGroups[i].memberIndices, sent.trafficGroups[i].memberIndices);
    EXPECT_EQ(view.detection.trafficGroups[i].classes, sent.trafficGroups[i].classes);
    EXPECT_EQ(view.detection.groupImages[i].imageBase64, sent.groupImages[i].imageBase64);
  }
  // Both groups were assessed (a pedestrian at a car, two cars too close).
  EXPECT_EQ(view.groupCount, 2);
  EXPECT_EQ(view.resultCount, static_cast<int>(view.allGroupResults.size()));
  EXPECT_GE(view.resultCount, 2);
  std::set<int> groups;
  for (const auto& risk : view.allGroupResults) groups.insert(risk.groupIndex);
  EXPECT_EQ(groups, (std::set<int>{1, 2}));
  EXPECT_FALSE(view.llmModel.empty());
  EXPECT_GT(view.llmLatency, 0);
  {
    std::lock_guard lock(mu);
    ASSERT_FALSE(published.empty());
    EXPECT_EQ(published.back(), *latest);  // PUBLISH carries the same view
  }
  // alerts:{id}: the high-risk views, as the original kept them.
  auto alerts = client->command({"LRANGE", "alerts:" + std::to_string(kCamera), "0", "-1"});
  ASSERT_TRUE(alerts);
  if (view.maxRiskLevel == "high") {
    ASSERT_EQ(alerts->elements.size(), 1u);
    EXPECT_EQ(alerts->elements[0].text, *latest);
  } else {
    EXPECT_TRUE(alerts->elements.empty());
  }
}

TEST_F(PipelineConformanceTest, OriginalTasksGetResultsTheOriginalAggregatorReads) {
  constexpr int64_t kCamera = 9002;
  auto results = tail({"risk-assessment-results"});
  ASSERT_TRUE(results);
  std::map<std::string, json> sent;  // by the result's messageId
  for (int group = 1; group <= 3; ++group) {
    json task = fixture("kafka_assessment_task.json");
    const std::string request = "compat-" + random_hex_id(8);
    task["cameraId"] = kCamera;
    task["requestId"] = request;
    task["taskId"] = request + "_group" + std::to_string(group);
    task["groupIndex"] = group;
    stamp_now(task);
    produce("assessment-tasks", std::to_string(kCamera), task);
    sent[task["taskId"].get<std::string>() + "_result"] = task;
  }
  std::map<std::string, Result> read;
  const auto give_up = SystemClock::instance().now() + 60s;
  while (read.size() < sent.size() && SystemClock::instance().now() < give_up) {
    auto message = results->poll(Millis(200));
    if (!message || message->key != std::to_string(kCamera)) continue;
    const Result result = read_result(json::parse(message->value));
    if (sent.contains(result.messageId)) read.emplace(result.messageId, result);
  }
  ASSERT_EQ(read.size(), sent.size()) << services_->up->stderr_text();
  for (const auto& [id, result] : read) {
    const json& task = sent.at(id);
    SCOPED_TRACE(id);
    EXPECT_TRUE(result.succeeded()) << result.error.value_or("");
    EXPECT_EQ(result.requestId, task["requestId"]);
    EXPECT_EQ(result.cameraId, kCamera);
    EXPECT_EQ(result.groupIndex, task["groupIndex"]);
    EXPECT_EQ(result.timestamp, task["timestamp"]);
    ASSERT_FALSE(result.results.empty());
    EXPECT_EQ(result.results[0].groupIndex, task["groupIndex"]);
    EXPECT_EQ(result.apiKeyId, "key-1");
    EXPECT_FALSE(result.llmModel.empty());
    EXPECT_GE(result.retryCount, 0);
  }
}

// The data of the next /ws message of `type` for `camera`, read the original way.
std::optional<WsMessage> next(testing::WsClient& client, const std::string& type,
                              std::optional<int64_t> camera = std::nullopt,
                              std::chrono::milliseconds timeout = 20s) {
  auto text = client.wait_for(
      [&](const std::string& raw) {
        try {
          const WsMessage message = read_ws(raw);
          return message.type == type && (!camera || camera_id(message.data) == *camera);
        } catch (const ShapeError&) {
          return false;
        }
      },
      timeout);
  if (!text) return std::nullopt;
  return read_ws(*text);
}

TEST_F(PipelineConformanceTest, WebSocketSpeaksTheOriginalEnvelopeWithIntegerIds) {
  testing::WsClient client(services_->api_port, "/ws");
  ASSERT_TRUE(client.connected());
  const auto ack = next(client, "connection_ack");
  ASSERT_TRUE(ack);
  EXPECT_TRUE(missing_shape(fixture("ws_connection_ack.json")["data"], ack->data).empty());
  client.send(fixture("ws_ping.json").dump());
  const auto pong = next(client, "pong");
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->data, json::object());

  json start = fixture("ws_start_stream.json");
  start["data"]["cameraId"] = 9003;
  start["data"]["rtspUrl"] = "sim://?seed=5&density=1";
  client.send(start.dump());
  const auto started = next(client, "camera_status", 9003);
  ASSERT_TRUE(started);
  EXPECT_EQ(started->data,
            (json{{"cameraId", 9003}, {"status", 1}, {"message", "Stream started"}}));

  // A frame with groups, read as the front end reads it.
  std::optional<WsMessage> frame;
  for (int i = 0; i < 60; ++i) {
    frame = next(client, "detection_result", 9003);
    ASSERT_TRUE(frame);
    if (!frame->data["trafficGroups"].empty()) break;
  }
  ASSERT_FALSE(frame->data["trafficGroups"].empty()) << "no group in 60 frames";
  // The fixture's first group was assessed, its second not: compare with the
  // one in the state of this frame's first group. Before any assessment the
  // original sends null for the LLM's latency and model too.
  json shape = fixture("ws_detection_result.json")["data"];
  if (frame->data["trafficGroups"][0]["riskLevelRaw"] == "none") {
    shape["trafficGroups"] = json::array({shape["trafficGroups"][1]});
    shape["groupImages"] = json::array({shape["groupImages"][1]});
  }
  if (frame->data["llmLatency"].is_null()) shape["llmLatency"] = shape["llmModel"] = nullptr;
  const auto problems = missing_shape(shape, frame->data);
  EXPECT_EQ(json(problems), json::array());
  const Frame read = read_frame(frame->data);
  EXPECT_EQ(read.cameraId, 9003);
  EXPECT_EQ(read.frame.rfind("data:image/jpeg;base64,", 0), 0u);
  EXPECT_FALSE(read.detectedObjects.empty());
  EXPECT_EQ(read.trafficGroups[0].group.groupIndex, 1);
  EXPECT_EQ(read.renderedBy, "server");

  json stop = fixture("ws_stop_stream.json");
  stop["data"]["cameraId"] = 9003;
  client.send(stop.dump());
  const auto stopped = next(client, "stream_stopped", 9003);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->data, (json{{"cameraId", 9003}, {"reason", "Stopped by client"}}));

  json check = fixture("ws_check_camera.json");
  check["data"]["cameraId"] = 9004;
  check["data"]["rtspUrl"] = "sim://?seed=2";
  client.send(check.dump());
  const auto online = next(client, "camera_status", 9004);
  ASSERT_TRUE(online);
  EXPECT_EQ(online->data["status"], 1);
  EXPECT_EQ(online->data["message"], "Online");
  testing::RefusingPort refusing;
  check["data"]["rtspUrl"] = "rtsp://127.0.0.1:" + std::to_string(refusing.port()) + "/x";
  client.send(check.dump());
  const auto offline = next(client, "camera_status", 9004);
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->data["status"], 0);
  EXPECT_EQ(offline->data["message"], "Offline");

  // What the original would ignore never closes the socket.
  client.send("{not json");
  client.send(R"({"type":"subscribe_everything","data":{}})");
  client.send(fixture("ws_ping.json").dump());
  EXPECT_TRUE(next(client, "pong"));
  EXPECT_FALSE(client.closed());
}

TEST_F(PipelineConformanceTest, EveryMessageTmonEmitsReadsTheOriginalWayWithTmonsContent) {
  constexpr int64_t kCamera = 9005;
  const std::string key = std::to_string(kCamera);
  auto topics = tail({"detection-results", "assessment-tasks", "risk-assessment-results"});
  ASSERT_TRUE(topics);
  // A numeric camera id, through the REST API.
  const auto added = testing::http_request(
      "POST", services_->api_port, "/api/cameras",
      R"({"cameraId":9005,"url":"sim://?seed=11&density=1&near_miss=0.3","frameInterval":0.5})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(json::parse(added.body)["data"]["cameraId"], kCamera);

  int frames = 0, tasks = 0, results = 0;
  const auto give_up = SystemClock::instance().now() + 60s;
  while ((frames < 5 || tasks < 1 || results < 1) && SystemClock::instance().now() < give_up) {
    auto message = topics->poll(Millis(200));
    if (!message || message->key != key) continue;
    const json raw = json::parse(message->value);
    SCOPED_TRACE(message->topic + ": " + message->value.substr(0, 300));
    if (message->topic == "detection-results") {
      const auto tmon = messages::decode_detection_result(message->value);
      ASSERT_TRUE(tmon);
      const Detection read = read_detection(raw);
      ++frames;
      EXPECT_EQ(read.cameraId, kCamera);
      EXPECT_EQ(read.timestamp, iso8601_utc(tmon->captureTs));
      EXPECT_EQ(read.messageId, tmon->requestId);
      ASSERT_EQ(read.detectedObjects.size(), tmon->detectedObjects.size());
      for (size_t i = 0; i < read.detectedObjects.size(); ++i) {
        const auto& object = tmon->detectedObjects[i];
        EXPECT_EQ(read.detectedObjects[i],
                  (Object{object.className,
                          object.confidence,
                          {object.bbox.x1, object.bbox.y1, object.bbox.x2, object.bbox.y2},
                          0}));
      }
      ASSERT_EQ(read.trafficGroups.size(), tmon->trafficGroups.size());
      for (size_t g = 0; g < read.trafficGroups.size(); ++g) {
        const auto& group = tmon->trafficGroups[g];
        EXPECT_EQ(read.trafficGroups[g].groupIndex, static_cast<int>(g) + 1);
        EXPECT_EQ(read.trafficGroups[g].objectCount, static_cast<int>(group.objectIds.size()));
        std::vector<int> ids;
        for (int index : read.trafficGroups[g].memberIndices) {
          ids.push_back(tmon->detectedObjects.at(index).objectId);
        }
        EXPECT_EQ(ids, group.objectIds);
      }
      for (size_t i = 0; i < read.groupImages.size(); ++i) {
        EXPECT_EQ(read.groupImages[i].imageBase64, tmon->groupImages[i].imageBase64);
      }
    } else if (message->topic == "assessment-tasks") {
      const auto tmon = messages::decode_assessment_task(message->value);
      ASSERT_TRUE(tmon);
      const Task read = read_task(raw);
      ++tasks;
      EXPECT_EQ(read.cameraId, kCamera);
      EXPECT_EQ(read.taskId, tmon->taskId);
      EXPECT_EQ(read.requestId, tmon->requestId);
      EXPECT_EQ(read.groupIndex, tmon->groupIndex);
      EXPECT_EQ(read.groupImageBase64, tmon->imageBase64);
      EXPECT_EQ(read.detectedObjects.size(), tmon->objects.size());
      EXPECT_EQ(read.metadataObjectCount, static_cast<int>(tmon->objects.size()));
    } else {
      const auto tmon = messages::decode_assessment_result(message->value);
      ASSERT_TRUE(tmon);
      const Result read = read_result(raw);
      ++results;
      EXPECT_EQ(read.cameraId, kCamera);
      EXPECT_EQ(read.messageId, tmon->taskId + "_result");
      EXPECT_EQ(read.requestId, tmon->requestId);
      EXPECT_EQ(read.succeeded(), tmon->status == messages::ResultStatus::kOk);
      if (tmon->riskAssessment) {
        ASSERT_EQ(read.results.size(), tmon->riskAssessment->results.size());
        for (size_t i = 0; i < read.results.size(); ++i) {
          EXPECT_EQ(read.results[i].riskLevel,
                    messages::to_string(tmon->riskAssessment->results[i].riskLevel));
          EXPECT_EQ(read.results[i].riskTypes, tmon->riskAssessment->results[i].riskTypes);
        }
      } else {
        EXPECT_TRUE(read.error);
      }
    }
  }
  EXPECT_GE(frames, 5);
  EXPECT_GE(tasks, 1) << services_->up->stderr_text();
  EXPECT_GE(results, 1);
  EXPECT_EQ(testing::http_request("DELETE", services_->api_port, "/api/cameras/9005").status, 200);
}

TEST_F(PipelineConformanceTest, HealthChecksAndCrossOriginReaders) {
  const auto flat = testing::http_get(services_->api_port, "/health/health_check");
  ASSERT_EQ(flat.status, 200);
  EXPECT_TRUE(missing_shape(fixture("http_health_flat.json"), json::parse(flat.body)).empty());

  const auto enveloped = testing::http_get(services_->api_port, "/api/health/health_check");
  ASSERT_EQ(enveloped.status, 200);
  std::vector<std::string> problems =
      missing_shape(fixture("http_health_enveloped.json"), json::parse(enveloped.body));
  // tmon runs no Python: its environment says what it runs on instead.
  std::erase(problems, "data.environment.python: missing");
  EXPECT_TRUE(problems.empty()) << problems.front();

  // The original allows any origin by default; so does tmon's shipped config.
  http::BlockingClient client;
  http::Request request{http::Verb::get, "/health/health_check", 11};
  request.set(http::beast_http::field::host, "127.0.0.1");
  request.set(http::beast_http::field::origin, "http://front-end.example");
  const auto url = http::Url::parse("http://127.0.0.1:" + std::to_string(services_->api_port));
  ASSERT_TRUE(url);
  const auto answer = client.send(*url, request, Millis(2'000));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ((*answer)[http::beast_http::field::access_control_allow_origin], "*");
}

}  // namespace
}  // namespace tmon::compat
