// tmon's processes against the original's contract on its Kafka topics and
// in Redis, driven only with the original's messages and read only with a
// reader that knows the original's shapes (COMPAT.md §2, §3):
// - original detection-results (integer camera id) go through generate ->
//   schedule -> aggregate and come out as the original merged view at
//   camera:{id}:latest (and on PUBLISH camera:{id}, and alerts:{id});
// - original assessment-tasks get results whose top-level `results` the
//   original aggregator reads;
// - every message tmon emits on the topics reads the original way, with
//   tmon's content.
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "eventually.h"
#include "http_get.h"
#include "messages/codec.h"
#include "services.h"
#include "store/redis_subscriber.h"
#include "store/result_store.h"

namespace tmon::compat {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

TEST_F(ConformanceTest, OriginalDetectionsBecomeTheOriginalMergedView) {
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
        // The view is stored, then published: wait for the subscriber too.
        std::lock_guard lock(mu);
        return latest.has_value() && !published.empty() && published.back() == *latest;
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

TEST_F(ConformanceTest, OriginalTasksGetResultsTheOriginalAggregatorReads) {
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

TEST_F(ConformanceTest, EveryMessageTmonEmitsReadsTheOriginalWayWithTmonsContent) {
  constexpr int64_t kCamera = 9005;
  const std::string key = std::to_string(kCamera);
  auto topics = tail({"detection-results", "assessment-tasks", "risk-assessment-results"});
  ASSERT_TRUE(topics);
  // A numeric camera id, through the REST API.
  const auto added = testing::http_request(
      "POST", services_->api_port, "/api/cameras",
      R"({"cameraId":9005,"url":"sim://?seed=11&density=1&near_miss=0.3","frameInterval":0.5})",
      {{"Authorization", "Bearer " + kAdminToken}});
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
  EXPECT_EQ(testing::http_request("DELETE", services_->api_port, "/api/cameras/9005", "",
                                  {{"Authorization", "Bearer " + kAdminToken}})
                .status,
            200);
}

}  // namespace
}  // namespace tmon::compat
