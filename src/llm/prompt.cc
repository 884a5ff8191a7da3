#include "llm/prompt.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tmon::llm {

// The original system's dangerous-driving prompt: what to look for, the five
// risk types, four levels, and answers in Simplified Chinese (the operators'
// language), with the machine-read fields fixed in English.
const char* const kDefaultSystemPrompt =
    "你是一名交通安全分析员，负责分析道路监控摄像头的画面。每张图片是摄像头画面中一组交通参与者"
    "的裁剪图，消息中列出了检测到的目标及其编号（objectId）和像素坐标框。请判断该组是否存在危险"
    "驾驶行为或交通风险，重点关注：跟车过近、违规变道、占用应急车道、闯红灯、人车冲突（车辆与行人"
    "距离过近）。\n"
    "只输出 JSON，不要输出任何其他文字，也不要使用代码块标记，格式如下：\n"
    "{\"hasDangerousDriving\": 布尔值, \"maxRiskLevel\": 等级, \"results\": [{\"groupIndex\": "
    "整数, "
    "\"riskLevel\": 等级, \"confidence\": 0到1之间的数, \"riskTypes\": [风险类型], "
    "\"description\": 描述, \"dangerObjectCount\": 整数, \"triggerObjectIds\": [整数]}]}\n"
    "其中等级只能是 \"none\"、\"low\"、\"medium\"、\"high\" 之一；riskTypes 从 \"跟车过近\"、"
    "\"违规变道\"、\"占用应急车道\"、\"闯红灯\"、\"人车冲突\" 中选择；description 用简体中文简要"
    "说明判断依据。没有风险时 riskLevel 为 \"none\"，riskTypes 为空数组；triggerObjectIds 只能使用"
    "消息中给出的目标编号。";

namespace {

// What the prompt tells the model (and the mock LLM) about one group.
nlohmann::json group_context(const messages::AssessmentTask& task) {
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& object : task.objects) {
    objects.push_back({{"objectId", object.objectId},
                       {"class", object.className},
                       {"bbox", {object.bbox.x1, object.bbox.y1, object.bbox.x2, object.bbox.y2}}});
  }
  const auto& f = task.features;
  const nlohmann::json context{{"cameraId", task.cameraId},
                               {"groupIndex", task.groupIndex},
                               {"groupId", task.groupId},
                               {"objects", objects},
                               {"classCounts", f.classCounts},
                               {"minSpacing", f.minSpacing},
                               {"minPersonVehicleDistance", f.minPersonVehicleDistance},
                               {"density", f.density},
                               {"speed", f.speed}};
  return context;
}

std::string dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

ChatRequest build_chat_request(const messages::AssessmentTask& task, const config::LlmConfig& llm) {
  const nlohmann::json context = group_context(task);
  ChatRequest request;
  request.model = llm.model;
  request.system_prompt = llm.system_prompt.empty() ? kDefaultSystemPrompt : llm.system_prompt;
  request.user_text = fmt::format(
      "摄像头 {}，第 {} 组，共 {} 个目标。请评估图中该组（groupIndex {}）的交通风险。\n"
      "Context: {}",
      task.cameraId, task.groupIndex, task.objects.size(), task.groupIndex, dump(context));
  request.image_base64 = task.imageBase64;
  request.image_url = task.imageUrl;
  request.max_tokens = llm.max_tokens;
  request.temperature = llm.temperature;
  return request;
}

ChatRequest build_batch_request(const std::vector<BatchGroup>& groups,
                                const config::LlmConfig& llm) {
  ChatRequest request;
  request.model = llm.model;
  request.system_prompt = llm.system_prompt.empty() ? kDefaultSystemPrompt : llm.system_prompt;
  nlohmann::json contexts = nlohmann::json::array();
  std::string indices;
  for (const auto& group : groups) {
    const auto& task = *group.task;
    request.images.push_back({fmt::format("groupIndex {}（第 {} 组，{} 个目标）：", task.groupIndex,
                                          task.groupIndex, task.objects.size()),
                              std::string(group.image_base64), std::string(group.image_url)});
    contexts.push_back(group_context(task));
    indices += fmt::format("{}{}", indices.empty() ? "" : "、", task.groupIndex);
  }
  const std::string camera = groups.empty() ? "" : groups.front().task->cameraId.text();
  request.user_text = fmt::format(
      "摄像头 {} 同一帧中的 {} 组，每张图片前标注了它的 groupIndex（{}）。请分别评估每一组的"
      "交通风险，results 中每组一项，groupIndex 与标注一致，不要遗漏。\n"
      "Context: {}",
      camera, groups.size(), indices, dump(nlohmann::json{{"batch", contexts}}));
  // Each group's answer is about as long as a single call's.
  request.max_tokens = static_cast<int>(std::min<int64_t>(
      int64_t{llm.max_tokens} * std::max<size_t>(1, groups.size()), kMaxBatchReplyTokens));
  request.temperature = llm.temperature;
  return request;
}

std::string chat_request_body(const ChatRequest& request) {
  nlohmann::json user_content = nlohmann::json::array();
  for (const auto& image : request.images) {
    user_content.push_back({{"type", "text"}, {"text", image.label}});
    const std::string url =
        image.base64.empty() ? image.url : "data:image/jpeg;base64," + image.base64;
    user_content.push_back({{"type", "image_url"}, {"image_url", {{"url", url}}}});
  }
  if (!request.image_base64.empty()) {
    user_content.push_back(
        {{"type", "image_url"},
         {"image_url", {{"url", "data:image/jpeg;base64," + request.image_base64}}}});
  } else if (!request.image_url.empty()) {
    user_content.push_back({{"type", "image_url"}, {"image_url", {{"url", request.image_url}}}});
  }
  user_content.push_back({{"type", "text"}, {"text", request.user_text}});
  const nlohmann::json body{
      {"model", request.model},
      {"messages",
       {{{"role", "system"}, {"content", request.system_prompt}},
        {{"role", "user"}, {"content", user_content}}}},
      {"max_tokens", request.max_tokens},
      {"temperature", request.temperature},
  };
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<ChatRequest> parse_chat_request_body(std::string_view body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("messages") || !json["messages"].is_array()) {
    return make_error(ErrorCode::kInvalidArgument, "not a chat request: no messages array");
  }
  ChatRequest request;
  if (json.contains("model") && json["model"].is_string()) request.model = json["model"];
  if (json.contains("max_tokens") && json["max_tokens"].is_number_integer()) {
    request.max_tokens = json["max_tokens"];
  }
  for (const auto& message : json["messages"]) {
    if (!message.is_object()) continue;
    const std::string role = message.value("role", "");
    const auto& content = message.contains("content") ? message["content"] : nlohmann::json();
    if (role == "system" && content.is_string() && request.system_prompt.empty()) {
      request.system_prompt = content.get<std::string>();
    } else if (role == "user" && content.is_string()) {
      request.user_text += content.get<std::string>();
    } else if (role == "user" && content.is_array()) {
      for (const auto& part : content) {
        if (!part.is_object()) continue;
        const std::string type = part.value("type", "");
        if (type == "text" && part.contains("text") && part["text"].is_string()) {
          request.user_text += part["text"].get<std::string>();
        } else if (type == "image_url" && part.contains("image_url") &&
                   part["image_url"].is_object()) {
          const std::string url = part["image_url"].value("url", "");
          const auto comma = url.find(";base64,");
          if (comma == std::string::npos) continue;
          // The first picture as before; every picture in images, so a
          // batch's are all counted.
          if (request.image_base64.empty()) request.image_base64 = url.substr(comma + 8);
          request.images.push_back({"", url.substr(comma + 8), ""});
        }
      }
    }
  }
  return request;
}

}  // namespace tmon::llm
