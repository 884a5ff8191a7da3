#include "fleet/registry_camera.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fleet/camera_status.h"

namespace tmon::fleet {
namespace {

RegistryCamera sample() {
  RegistryCamera camera;
  camera.id = messages::CameraId::integer(7);
  camera.name = "Gate 7";
  camera.location = "north ramp";
  camera.url = "rtsp://admin:s3cret@cam7:554/live";
  camera.detector = "motion";
  camera.frame_interval_seconds = 1.5;
  camera.loop = false;
  camera.roi_mask = "/masks/7.png";
  camera.homography = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}, {13, 14, 15, 16}};
  camera.enabled = true;
  camera.ephemeral = true;
  camera.updated_ts = 1'795'843'302'118;
  return camera;
}

TEST(RegistryCameraTest, RoundTripsEveryFieldAndTheIdType) {
  const RegistryCamera camera = sample();
  auto decoded = decode_registry_camera("7", encode(camera));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, camera);
  EXPECT_TRUE(decoded->id.is_integer());

  RegistryCamera text = camera;
  text.id = messages::CameraId("gate-7");
  auto decoded_text = decode_registry_camera("gate-7", encode(text));
  ASSERT_TRUE(decoded_text);
  EXPECT_FALSE(decoded_text->id.is_integer());
  EXPECT_EQ(decoded_text->id.text(), "gate-7");
}

TEST(RegistryCameraTest, KeepsTheCredentialsItIsTheOnePlaceFor) {
  EXPECT_NE(encode(sample()).find("admin:s3cret@"), std::string::npos);
}

TEST(RegistryCameraTest, RefusesWhatIsNotACamera) {
  EXPECT_FALSE(decode_registry_camera("7", "not json"));
  EXPECT_FALSE(decode_registry_camera("7", "[1,2]"));
  EXPECT_FALSE(decode_registry_camera("7", R"({"url":"sim://a"})"));               // no id
  EXPECT_FALSE(decode_registry_camera("7", R"({"cameraId":7})"));                  // no url
  EXPECT_FALSE(decode_registry_camera("8", R"({"cameraId":7,"url":"sim://a"})"));  // key differs
  EXPECT_FALSE(decode_registry_camera("7", R"({"cameraId":7,"url":"sim://a","enabled":"yes"})"));
  EXPECT_FALSE(decode_registry_camera("7", R"({"cameraId":7,"url":"sim://a","frameInterval":-1})"));
  const auto minimal = decode_registry_camera("7", R"({"cameraId":7,"url":"sim://a"})");
  ASSERT_TRUE(minimal);
  EXPECT_TRUE(minimal->enabled);
  EXPECT_FALSE(minimal->ephemeral);
}

TEST(RegistryCameraTest, ConfigCamerasConvertBothWays) {
  config::CameraConfig configured;
  configured.id = "3";
  configured.id_is_integer = true;
  configured.url = "sim://scene?seed=3";
  configured.detector = "hog";
  configured.frame_interval_seconds = 2;
  configured.loop = false;
  const RegistryCamera entry = from_config(configured, 42);
  EXPECT_TRUE(entry.id.is_integer());
  EXPECT_EQ(entry.updated_ts, 42);
  const config::CameraConfig back = to_config(entry);
  EXPECT_EQ(back.id, "3");
  EXPECT_TRUE(back.id_is_integer);
  EXPECT_EQ(back.url, configured.url);
  EXPECT_EQ(back.detector, "hog");
  EXPECT_EQ(back.frame_interval_seconds, 2);
  EXPECT_FALSE(back.loop);
}

// A camera's state travels to Redis as its wire word (COMPAT.md) and comes
// back as the same state; a word this version does not know reads as error.
TEST(CameraStatusRecordTest, StateTravelsAsItsWireWord) {
  CameraStatusRecord record;
  record.owner = "detect-1";
  record.state = api::CameraState::kEnded;
  const std::string text = encode(record);
  EXPECT_EQ(nlohmann::json::parse(text)["state"], "ended");
  const auto back = decode_status(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->state, api::CameraState::kEnded);
  const auto newer = decode_status(R"({"owner":"detect-2","state":"paused","message":"m"})");
  ASSERT_TRUE(newer);
  EXPECT_EQ(newer->state, api::CameraState::kError);
  EXPECT_EQ(newer->message, "m");
}

}  // namespace
}  // namespace tmon::fleet
