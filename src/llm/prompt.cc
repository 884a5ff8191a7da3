#include "llm/prompt.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace tmon::llm {

const char* const kDefaultSystemPrompt =
    "You are a traffic-safety analyst watching road-camera images. Each image is a crop of one "
    "group of road users from a camera frame; the message lists the detected objects with their "
    "ids and pixel boxes. Judge whether the group shows dangerous driving or a risky situation: "
    "tailgating, unsafe lane change, pedestrian conflict (a vehicle too close to a pedestrian), "
    "red-light running, speeding, wrong-way driving, or a vehicle blocking traffic. "
    "Answer with JSON only, no prose and no code fence, exactly in this shape: "
    "{\"hasDangerousDriving\": bool, \"maxRiskLevel\": level, \"results\": [{\"groupIndex\": int, "
    "\"riskLevel\": level, \"confidence\": number 0..1, \"riskTypes\": [string], "
    "\"description\": string, \"dangerObjectCount\": int, \"triggerObjectIds\": [int]}]} "
    "where level is one of \"none\", \"low\", \"medium\", \"high\", \"critical\". "
    "Use \"none\" when nothing is risky; list in triggerObjectIds only ids from the message.";

ChatRequest build_chat_request(const messages::AssessmentTask& task, const config::LlmConfig& llm) {
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
  ChatRequest request;
  request.model = llm.model;
  request.system_prompt = llm.system_prompt.empty() ? kDefaultSystemPrompt : llm.system_prompt;
  request.user_text = fmt::format(
      "Camera {}, group {} with {} objects. Assess the risk in this image for groupIndex {}.\n"
      "Context: {}",
      task.cameraId, task.groupIndex, task.objects.size(), task.groupIndex,
      context.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  request.image_base64 = task.imageBase64;
  request.max_tokens = llm.max_tokens;
  request.temperature = llm.temperature;
  return request;
}

std::string chat_request_body(const ChatRequest& request) {
  nlohmann::json user_content = nlohmann::json::array();
  if (!request.image_base64.empty()) {
    user_content.push_back(
        {{"type", "image_url"},
         {"image_url", {{"url", "data:image/jpeg;base64," + request.image_base64}}}});
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

}  // namespace tmon::llm
