#include "e2e/api_probe.h"

#include <gtest/gtest.h>

#include "e2e/view_follower.h"

namespace tmon::e2e {
namespace {

using nlohmann::json;

TEST(ParseHealthTest, ReadsTheBootstrapField) {
  const auto facts = parse_health(json::parse(R"({"components":{
      "kafka":{"status":"ok","detail":"embedded in-memory broker at 127.0.0.1:41000",
               "bootstrapServers":"127.0.0.1:41000"},
      "store":{"status":"ok","detail":"redis 127.0.0.1:6379/0"}}})"));
  ASSERT_TRUE(facts.kafka_bootstrap);
  EXPECT_EQ(*facts.kafka_bootstrap, "127.0.0.1:41000");
  EXPECT_FALSE(facts.store_in_process);
}

TEST(ParseHealthTest, FallsBackToTheDetailOfAnOlderTmon) {
  auto facts = parse_health(json::parse(R"({"components":{
      "kafka":{"status":"ok","detail":"embedded in-memory broker at 127.0.0.1:41000"},
      "store":{"status":"degraded","detail":"in-process memory: Redis unreachable"}}})"));
  ASSERT_TRUE(facts.kafka_bootstrap);
  EXPECT_EQ(*facts.kafka_bootstrap, "127.0.0.1:41000");
  EXPECT_TRUE(facts.store_in_process);

  facts = parse_health(
      json::parse(R"({"components":{"kafka":{"status":"ok","detail":"k1:9092,k2:9092"}}})"));
  EXPECT_EQ(facts.kafka_bootstrap.value_or(""), "k1:9092,k2:9092");
}

TEST(ParseHealthTest, NoKafkaComponentNoAddress) {
  EXPECT_FALSE(parse_health(json::parse(R"({"components":{}})")).kafka_bootstrap);
  EXPECT_FALSE(parse_health(json::parse(R"({"status":"ok"})")).kafka_bootstrap);
  EXPECT_FALSE(parse_health(json::parse(R"([1,2])")).kafka_bootstrap);
}

TEST(UrlEncodeTest, KeepsUnreservedEscapesTheRest) {
  EXPECT_EQ(url_encode("cam-01_a.b~c"), "cam-01_a.b~c");
  EXPECT_EQ(url_encode("a b/c?d"), "a%20b%2Fc%3Fd");
}

TEST(ExactChannelPatternTest, EscapesGlobCharacters) {
  EXPECT_EQ(exact_channel_pattern("e2e-probe"), "camera:e2e-probe");
  EXPECT_EQ(exact_channel_pattern("a*b?[c]\\"), "camera:a\\*b\\?\\[c\\]\\\\");
}

TEST(ApiClientTest, NothingListeningIsAnError) {
  ApiClient api("http://127.0.0.1:1");
  const auto reply = api.get("/api/health/health_check", Millis(1'000));
  ASSERT_FALSE(reply);
  EXPECT_NE(reply.error().message.find("GET http://127.0.0.1:1/api/health/health_check"),
            std::string::npos)
      << reply.error().message;
}

}  // namespace
}  // namespace tmon::e2e
