#include "mockllm/reply_builder.h"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

namespace tmon::mockllm {
namespace {

using messages::RiskLevel;
using nlohmann::json;

// The text parts of the user message, where tmon's prompt puts its context.
std::string user_text(const json& body) {
  std::string text;
  if (!body.contains("messages") || !body["messages"].is_array()) return text;
  for (const auto& message : body["messages"]) {
    if (!message.is_object() || message.value("role", "") != "user") continue;
    const json& content = message.value("content", json());
    if (content.is_string()) text += content.get<std::string>();
    if (!content.is_array()) continue;
    for (const auto& part : content) {
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") &&
          part["text"].is_string()) {
        text += part["text"].get<std::string>();
      }
    }
  }
  return text;
}

json context_of(const std::string& text) {
  const size_t at = text.rfind("Context: ");
  if (at == std::string::npos) return json::object();
  json context = json::parse(text.substr(at + 9), nullptr, false);
  return context.is_object() ? context : json::object();
}

double number_or(const json& object, const char* name, double fallback) {
  return object.contains(name) && object[name].is_number() ? object[name].get<double>() : fallback;
}

// One group's answer from its context; `draw` in [0, 1) picks the mix.
messages::GroupRisk assess_group(const json& context, double draw) {
  messages::GroupRisk risk;
  risk.groupIndex = static_cast<int>(number_or(context, "groupIndex", 0));
  std::vector<int> ids;
  if (context.contains("objects") && context["objects"].is_array()) {
    for (const auto& object : context["objects"]) {
      if (object.is_object() && object.contains("objectId") &&
          object["objectId"].is_number_integer()) {
        ids.push_back(object["objectId"].get<int>());
      }
    }
  }
  const double person_vehicle = number_or(context, "minPersonVehicleDistance", -1);
  const double spacing = number_or(context, "minSpacing", -1);
  if (person_vehicle >= 0 && person_vehicle < 30) {
    risk.riskLevel = RiskLevel::kHigh;
    risk.riskTypes = {"人车冲突"};
    risk.description = "车辆与行人距离过近，存在碰撞风险。";
  } else if (spacing >= 0 && spacing < 8) {
    risk.riskLevel = RiskLevel::kMedium;
    risk.riskTypes = {"跟车过近"};
    risk.description = "前后车距过小，存在追尾风险。";
  } else if (draw < 0.85) {
    risk.riskLevel = RiskLevel::kNone;
    risk.description = "交通运行正常，未见危险行为。";
  } else if (draw < 0.95) {
    risk.riskLevel = RiskLevel::kLow;
    risk.riskTypes = {"跟车过近"};
    risk.description = "车流较密，暂无直接危险。";
  } else {
    risk.riskLevel = RiskLevel::kMedium;
    risk.riskTypes = {"违规变道"};
    risk.description = "有车辆在间距不足时变道。";
  }
  risk.confidence = 0.6 + 0.39 * draw;
  if (risk.riskLevel >= RiskLevel::kMedium) {
    risk.triggerObjectIds.assign(ids.begin(), ids.begin() + std::min<size_t>(2, ids.size()));
    risk.dangerObjectCount = static_cast<int>(risk.triggerObjectIds.size());
  }
  return risk;
}

double draw_of(std::string_view text) {
  return static_cast<double>(std::hash<std::string_view>{}(text) % 10'000) / 10'000.0;
}

}  // namespace

messages::RiskAssessment assess_request(std::string_view request_body) {
  const json body = json::parse(request_body, nullptr, false);
  const std::string text = body.is_object() ? user_text(body) : std::string(request_body);
  const json context = context_of(text);
  messages::RiskAssessment assessment;
  if (context.contains("batch") && context["batch"].is_array()) {
    // A batched request (llm.batch_groups): one entry per group, each
    // judged as if asked alone.
    for (const auto& group : context["batch"]) {
      if (!group.is_object()) continue;
      assessment.results.push_back(assess_group(group, draw_of(text + group.dump())));
    }
  } else {
    assessment.results.push_back(assess_group(context, draw_of(text)));
  }
  for (const auto& risk : assessment.results) {
    assessment.maxRiskLevel = std::max(assessment.maxRiskLevel, risk.riskLevel);
  }
  assessment.hasDangerousDriving = assessment.maxRiskLevel >= RiskLevel::kMedium;
  return assessment;
}

std::string shape_content(const std::string& json, ContentShape shape) {
  switch (shape) {
    case ContentShape::kPlain:
      return json;
    case ContentShape::kFenced:
      return "```json\n" + json + "\n```";
    case ContentShape::kProse:
      return "根据图像分析，结果如下：\n" + json + "\n以上是对该交通场景的风险评估。";
    case ContentShape::kMalformed:
      return json.substr(0, json.size() / 2);
  }
  return json;
}

std::string chat_completion_body(std::string_view model, std::string_view content,
                                 ReplyUsage usage) {
  const int64_t prompt_tokens = usage.prompt_tokens;
  const int64_t completion_tokens = usage.completion_tokens;
  const json body{
      {"id", "chatcmpl-mock"},
      {"object", "chat.completion"},
      {"model", model},
      {"choices",
       {{{"index", 0},
         {"message", {{"role", "assistant"}, {"content", content}}},
         {"finish_reason", "stop"}}}},
      {"usage",
       {{"prompt_tokens", prompt_tokens},
        {"completion_tokens", completion_tokens},
        {"total_tokens", prompt_tokens + completion_tokens}}},
  };
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace tmon::mockllm
