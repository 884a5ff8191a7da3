#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "config/load.h"
#include "config/tests/test_support.h"

namespace tmon::config {
namespace {

using testing::TempConfigDir;

constexpr const char* kSecretKey = "sk-0123456789abcdefSECRET";

Config config_with_secrets() {
  Config c;
  ApiKeyConfig key;
  key.id = "k1";
  key.key = kSecretKey;
  c.api_keys.push_back(key);
  c.pipeline.api.admin_token = "admin-token-0123456789";
  c.kafka.producer.properties = {{"sasl.password", "kafka-password-0123456789"},
                                 {"SSL.Key.Password", "ssl-pass-0123456789"},
                                 {"client.secret.value", "client-secret-0123456789"},
                                 {"client.id", "tmon-visible"}};
  c.kafka.consumer.properties = {{"sasl.username", "kafka-user-0123456789"}};
  CameraConfig camera;
  camera.id = "cam-01";
  camera.url = "sim://?seed=1";
  c.pipeline.cameras.push_back(camera);
  return c;
}

TEST(RenderTest, NeverContainsAnApiKey) {
  const std::string text = render_effective_config(config_with_secrets());
  EXPECT_EQ(text.find(kSecretKey), std::string::npos) << text;
  EXPECT_EQ(text.find("0123456789abcdef"), std::string::npos) << text;
  const YAML::Node doc = YAML::Load(text);
  EXPECT_EQ(doc["api_keys.yaml"]["api_keys"][0]["key"].as<std::string>(), "***CRET");
  EXPECT_EQ(doc["api_keys.yaml"]["api_keys"][0]["id"].as<std::string>(), "k1");
}

TEST(RenderTest, MasksAdminTokenAndSecretProperties) {
  const std::string text = render_effective_config(config_with_secrets());
  for (const char* secret :
       {"admin-token-0123456789", "kafka-password-0123456789", "ssl-pass-0123456789",
        "client-secret-0123456789", "kafka-user-0123456789"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in\n" << text;
  }
  const YAML::Node doc = YAML::Load(text);
  EXPECT_EQ(doc["pipeline.yaml"]["api"]["admin_token"].as<std::string>(), "***6789");
  EXPECT_EQ(doc["kafka.yaml"]["producer"]["properties"]["client.id"].as<std::string>(),
            "tmon-visible");
}

TEST(RenderTest, UsesShortNumbers) {
  const YAML::Node doc = YAML::Load(render_effective_config(Config{}));
  EXPECT_EQ(doc["pipeline.yaml"]["detection"]["frame_interval_seconds"].Scalar(), "1.8");
  EXPECT_EQ(doc["api_keys.yaml"]["llm"]["temperature"].Scalar(), "0.1");
}

// Each per-file subtree written back as that file loads in strict mode: the
// rendering uses exactly the key names the loader reads.
TEST(RenderTest, SectionsLoadBackStrictlyWithTheSameValues) {
  Config original = config_with_secrets();
  original.kafka.producer.properties.clear();  // masked values would not round-trip
  original.scheduler.queue_size = 77;
  original.kafka.topics.dead_letter.retention_ms = -1;
  original.monitoring.alerts.error_rate = 0.25;
  const YAML::Node doc = YAML::Load(render_effective_config(original));

  TempConfigDir dir;
  for (const char* name : {"api_keys.yaml", "kafka.yaml", "monitoring.yaml", "pipeline.yaml"}) {
    YAML::Emitter out;
    out << doc[name];
    dir.write(name, out.c_str());
  }
  auto options = testing::options_for(dir);
  options.strict = true;
  auto loaded = load_config(options);
  ASSERT_TRUE(loaded) << loaded.error().message;
  const Config& c = *loaded->config;
  EXPECT_EQ(c.scheduler.queue_size, 77);
  EXPECT_EQ(c.kafka.topics.dead_letter.retention_ms, -1);
  EXPECT_EQ(c.monitoring.alerts.error_rate, 0.25);
  EXPECT_EQ(c.kafka.consumer.properties.size(), 1u);
  ASSERT_EQ(c.pipeline.cameras.size(), 1u);
  EXPECT_EQ(c.pipeline.cameras[0].id, "cam-01");
  EXPECT_EQ(c.api_keys.at(0).id, "k1");
  EXPECT_EQ(render_effective_config(c).find(kSecretKey), std::string::npos);
}

TEST(RenderTest, EmptyListsRenderAsEmptyLists) {
  Config c;
  const YAML::Node doc = YAML::Load(render_effective_config(c));
  ASSERT_TRUE(doc["api_keys.yaml"]["api_keys"].IsSequence());
  EXPECT_EQ(doc["api_keys.yaml"]["api_keys"].size(), 0u);
  EXPECT_TRUE(doc["pipeline.yaml"]["cameras"].IsSequence());
}

}  // namespace
}  // namespace tmon::config
