// The alert inbox: filters, cursor paging and acknowledgement, through the
// API's router on the in-process store (no socket).
#include "api/alert_routes.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "api/api_server.h"
#include "api/tests/test_views.h"
#include "store/memory_result_store.h"

namespace tmon::api {
namespace {

using messages::RiskLevel;
using nlohmann::json;

class AlertRoutesTest : public ::testing::Test {
 protected:
  AlertRoutesTest()
      : store_(std::make_shared<store::MemoryResultStore>(store::StoreOptions{}, clock_)),
        acks_(std::make_shared<MemoryAlertAcks>()) {}

  http::Response call(http::Request request) {
    ApiOptions options;
    options.acks = acks_;
    auto router = make_api_router(store_, clock_, options);
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, router->dispatch(request), boost::asio::use_future);
    io.run();
    return future.get();
  }
  json get(const std::string& target) {
    return json::parse(call(http::Request{http::Verb::get, target, 11}).body());
  }
  http::Response post(const std::string& target, const std::string& body) {
    http::Request request{http::Verb::post, target, 11};
    request.set(http::beast_http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    return call(request);
  }

  // An alert `id` on `camera`, raised at `ts`, published with a frame.
  void raise(const std::string& camera, const std::string& id, int64_t ts, RiskLevel level) {
    messages::Alert alert;
    alert.alertId = id;
    alert.cameraId = camera;
    alert.groupId = id + "-group";
    alert.riskLevel = level;
    alert.startedTs = alert.lastUpdatedTs = ts;
    alert.riskTypes = {"人车冲突"};
    const auto view = views::view(camera, ts);
    store::FrameWrite write;
    write.camera_id = camera;
    write.request_id = view.requestId + id;
    write.capture_ts = ts;
    write.view_json = messages::encode(view);
    write.history_json = messages::encode(view, messages::ViewImages::kOmit);
    write.alerts = {{alert.groupId, messages::encode(alert, ts), ""}};
    ASSERT_TRUE(*store_->publish_frame(write));
  }

  static std::vector<std::string> ids(const json& page) {
    std::vector<std::string> out;
    for (const auto& alert : page["data"]) out.push_back(alert["alertId"]);
    return out;
  }

  ManualClock clock_;
  store::ResultStorePtr store_;
  std::shared_ptr<MemoryAlertAcks> acks_;
};

TEST_F(AlertRoutesTest, CursorPagesThroughEveryAlertOnceNewestFirst) {
  for (int i = 1; i <= 7; ++i) raise("cam", "a" + std::to_string(i), 1000 * i, RiskLevel::kHigh);
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const auto page = get("/api/alerts?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page["code"], 200);
    for (const auto& id : ids(page)) seen.push_back(id);
    cursor = page["nextCursor"].is_null() ? "" : page["nextCursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"a7", "a6", "a5", "a4", "a3", "a2", "a1"}));
}

TEST_F(AlertRoutesTest, NewAlertsDoNotShiftTheNextPage) {
  for (int i = 1; i <= 4; ++i) raise("cam", "a" + std::to_string(i), 1000 * i, RiskLevel::kHigh);
  const auto first = get("/api/alerts?limit=2");
  ASSERT_EQ(ids(first), (std::vector<std::string>{"a4", "a3"}));
  raise("cam", "a5", 5000, RiskLevel::kHigh);  // arrives while the operator reads page 1
  const auto second = get("/api/alerts?limit=2&cursor=" + first["nextCursor"].get<std::string>());
  EXPECT_EQ(ids(second), (std::vector<std::string>{"a2", "a1"}));
}

TEST_F(AlertRoutesTest, SinceUntilLevelAndCameraFilter) {
  raise("a", "x1", 1000, RiskLevel::kMedium);
  raise("b", "x2", 2000, RiskLevel::kHigh);
  raise("a", "x3", 3000, RiskLevel::kCritical);
  raise("a", "x4", 4000, RiskLevel::kLow);
  EXPECT_EQ(ids(get("/api/alerts?since=2000&until=3000")), (std::vector<std::string>{"x3", "x2"}));
  EXPECT_EQ(ids(get("/api/alerts?level=high")), (std::vector<std::string>{"x3", "x2"}));
  EXPECT_EQ(ids(get("/api/alerts?cameraId=a&level=medium")),
            (std::vector<std::string>{"x3", "x1"}));
  EXPECT_TRUE(get("/api/alerts?since=5000")["data"].empty());
}

TEST_F(AlertRoutesTest, AckIsStoredWithWhoWhenAndNoteAndFiltersByHandled) {
  raise("cam", "h1", 1000, RiskLevel::kHigh);
  raise("cam", "h2", 2000, RiskLevel::kHigh);
  const auto answer = post("/api/alerts/h1/ack", R"({"note":"已通知交警","by":"王工"})");
  ASSERT_EQ(answer.result(), http::Status::ok) << answer.body();
  const auto body = json::parse(answer.body());
  EXPECT_EQ(body["data"]["ack"]["by"], "王工");
  EXPECT_EQ(body["data"]["ack"]["at"], clock_.epoch_ms());

  const auto all = get("/api/alerts");
  ASSERT_EQ(all["data"].size(), 2u);
  EXPECT_EQ(all["data"][1]["alertId"], "h1");
  EXPECT_EQ(all["data"][1]["handled"], true);
  EXPECT_EQ(all["data"][1]["ack"]["note"], "已通知交警");
  EXPECT_EQ(all["data"][0]["handled"], false);
  EXPECT_TRUE(all["data"][0]["ack"].is_null());
  EXPECT_EQ(ids(get("/api/alerts?handled=true")), (std::vector<std::string>{"h1"}));
  EXPECT_EQ(ids(get("/api/alerts?handled=false")), (std::vector<std::string>{"h2"}));
}

TEST_F(AlertRoutesTest, AckOfAnUnknownAlertIs404AndStoresNothing) {
  raise("cam", "real", 1000, RiskLevel::kHigh);
  const auto answer = post("/api/alerts/made-up/ack", R"({"note":"x"})");
  EXPECT_EQ(answer.result(), http::Status::not_found);
  EXPECT_NE(json::parse(answer.body())["msg"].get<std::string>().find("made-up"),
            std::string::npos);
  EXPECT_TRUE(acks_->get({"made-up"})->empty());
}

TEST_F(AlertRoutesTest, BadAckBodiesAre4xxWithAReason) {
  raise("cam", "a1", 1000, RiskLevel::kHigh);
  EXPECT_EQ(post("/api/alerts/a1/ack", "not json").result(), http::Status::bad_request);
  EXPECT_EQ(post("/api/alerts/a1/ack", R"({"note": 5})").result(), http::Status::bad_request);
  EXPECT_EQ(post("/api/alerts/a1/ack", R"({"note":")" + std::string(5000, 'x') + R"("})").result(),
            http::Status::payload_too_large);
  EXPECT_TRUE(acks_->get({"a1"})->empty());
  // An empty body is a plain "handled".
  EXPECT_EQ(post("/api/alerts/a1/ack", "").result(), http::Status::ok);
  EXPECT_EQ(acks_->get({"a1"})->at("a1").by, "operator");
}

TEST_F(AlertRoutesTest, BadFiltersAre400NamingTheParameter) {
  for (const auto& [target, name] :
       std::vector<std::pair<std::string, std::string>>{{"/api/alerts?handled=yes", "handled"},
                                                        {"/api/alerts?since=-1", "since"},
                                                        {"/api/alerts?until=noon", "until"},
                                                        {"/api/alerts?cursor=garbage", "cursor"},
                                                        {"/api/alerts?limit=0", "limit"}}) {
    const auto body = get(target);
    EXPECT_EQ(body["code"], 400) << target;
    EXPECT_EQ(body["msg"].get<std::string>().rfind(name + ":", 0), 0u) << target << body.dump();
  }
}

TEST(MemoryAlertAcksTest, KeepsAtMostItsCapacityDroppingTheOldest) {
  MemoryAlertAcks acks(2);
  ASSERT_TRUE(acks.put("a", {"x", 1, ""}));
  ASSERT_TRUE(acks.put("b", {"x", 2, ""}));
  ASSERT_TRUE(acks.put("c", {"x", 3, ""}));
  const auto kept = *acks.get({"a", "b", "c"});
  EXPECT_EQ(kept.size(), 2u);
  EXPECT_FALSE(kept.contains("a"));
}

}  // namespace
}  // namespace tmon::api
