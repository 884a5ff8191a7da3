#include "llm/prompt.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tmon::llm {
namespace {

messages::AssessmentTask sample_task() {
  messages::AssessmentTask task;
  task.taskId = "t-1";
  task.cameraId = "cam-01";
  task.requestId = "cam-01-1";
  task.groupIndex = 2;
  task.groupId = "g-7";
  task.imageBase64 = "SU1H";
  task.objects = {{3, "car", 2, 0.9, {10, 20, 110, 80}}, {4, "person", 0, 0.8, {120, 30, 140, 90}}};
  task.features.classCounts = {{"car", 1}, {"person", 1}};
  task.features.minPersonVehicleDistance = 10;
  return task;
}

TEST(PromptTest, UsesConfiguredModelAndDefaultSystemPrompt) {
  config::LlmConfig llm;
  llm.model = "qwen-vl-max";
  const ChatRequest request = build_chat_request(sample_task(), llm);
  EXPECT_EQ(request.model, "qwen-vl-max");
  EXPECT_EQ(request.system_prompt, kDefaultSystemPrompt);
  EXPECT_EQ(request.image_base64, "SU1H");
}

TEST(PromptTest, UserTextEndsWithParseableContext) {
  const ChatRequest request = build_chat_request(sample_task(), {});
  const size_t at = request.user_text.find("Context: ");
  ASSERT_NE(at, std::string::npos);
  const auto context = nlohmann::json::parse(request.user_text.substr(at + 9));
  EXPECT_EQ(context["groupIndex"], 2);
  EXPECT_EQ(context["objects"].size(), 2u);
  EXPECT_EQ(context["objects"][1]["class"], "person");
  EXPECT_EQ(context["minPersonVehicleDistance"], 10.0);
}

TEST(PromptTest, BatchLabelsEachPictureWithItsGroupIndex) {
  messages::AssessmentTask first = sample_task();
  messages::AssessmentTask second = sample_task();
  second.groupIndex = 5;
  config::LlmConfig llm;
  llm.max_tokens = 300;
  const ChatRequest request =
      build_batch_request({{&first, "SU1H", ""}, {&second, "SU1I", ""}}, llm);
  EXPECT_TRUE(request.image_base64.empty());
  ASSERT_EQ(request.images.size(), 2u);
  EXPECT_NE(request.images[1].label.find("groupIndex 5"), std::string::npos);
  EXPECT_EQ(request.max_tokens, 600);  // an answer's worth per group
  const size_t at = request.user_text.find("Context: ");
  ASSERT_NE(at, std::string::npos);
  const auto context = nlohmann::json::parse(request.user_text.substr(at + 9));
  ASSERT_EQ(context["batch"].size(), 2u);
  EXPECT_EQ(context["batch"][1]["groupIndex"], 5);

  // In the body each picture follows its label; a parsed body gives back
  // every picture, so the mock and the token estimate count them all.
  const std::string body = chat_request_body(request);
  const auto json = nlohmann::json::parse(body);
  const auto& parts = json["messages"][1]["content"];
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[0]["type"], "text");
  EXPECT_EQ(parts[1]["image_url"]["url"], "data:image/jpeg;base64,SU1H");
  EXPECT_EQ(parts[3]["image_url"]["url"], "data:image/jpeg;base64,SU1I");
  const auto parsed = parse_chat_request_body(body);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->images.size(), 2u);
  EXPECT_EQ(parsed->images[1].base64, "SU1I");
}

TEST(PromptTest, BodyIsOpenAiVisionFormat) {
  const auto body = nlohmann::json::parse(chat_request_body(build_chat_request(sample_task(), {})));
  EXPECT_EQ(body["model"], "qwen-vl-plus");
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  const auto& parts = body["messages"][1]["content"];
  EXPECT_EQ(parts[0]["type"], "image_url");
  EXPECT_EQ(parts[0]["image_url"]["url"], "data:image/jpeg;base64,SU1H");
  EXPECT_EQ(parts[1]["type"], "text");
}

TEST(PromptTest, APictureByUrlIsSentAsItsUrl) {
  // The original's tasks may name the crop by URL (groupImageUrl) instead.
  messages::AssessmentTask task = sample_task();
  task.imageBase64.clear();
  task.imageUrl = "http://images.example/crops/7.jpg";
  const auto body = nlohmann::json::parse(chat_request_body(build_chat_request(task, {})));
  const auto& parts = body["messages"][1]["content"];
  EXPECT_EQ(parts[0]["image_url"]["url"], "http://images.example/crops/7.jpg");
}

}  // namespace
}  // namespace tmon::llm
