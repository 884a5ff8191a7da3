#include "llm/response_parser.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

namespace tmon::llm {
namespace {

using messages::RiskLevel;
using nlohmann::json;

tl::unexpected<Error> parse_error(std::string message) {
  return make_error(ErrorCode::kParse, std::move(message));
}

std::string trim_lower(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A reply is a short JSON object (max_tokens bounds it to a few KB); past
// this the content is not a reply, and scanning it would cost time for
// nothing. Likewise a reply worth reading holds its object within the first
// few brace-delimited candidates.
constexpr size_t kMaxContentBytes = 256 * 1024;
constexpr int kMaxCandidates = 32;
// More than any frame has; bounds what one reply can make us hold.
constexpr size_t kMaxTriggerIds = 256;

// Models write numbers as strings now and then ("0.85", "2"): accept both.
// Only finite numbers: "nan" and "1e999" (which strtod reads as inf) are not.
std::optional<double> number_from(const json& value) {
  std::optional<double> number;
  if (value.is_number()) {
    number = value.get<double>();
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    char* end = nullptr;
    const double parsed = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
    number = parsed;
  }
  if (!number || !std::isfinite(*number)) return std::nullopt;
  return number;
}

// A whole number within int's range: casting anything else to int is UB.
std::optional<int> integer_from(const json& value) {
  const auto number = number_from(value);
  if (!number || *number < static_cast<double>(std::numeric_limits<int>::min()) ||
      *number > static_cast<double>(std::numeric_limits<int>::max()) ||
      *number != std::trunc(*number)) {
    return std::nullopt;
  }
  return static_cast<int>(*number);
}

Result<RiskLevel> read_level(const json& value, const std::string& field) {
  if (!value.is_string()) return parse_error(field + ": expected a risk level string");
  const auto level = normalize_risk_level(value.get<std::string>());
  if (!level) {
    // The model's words travel in the error result: a short prefix only.
    const std::string& text = value.get_ref<const std::string&>();
    return parse_error(field + ": unknown risk level \"" + text.substr(0, 40) +
                       (text.size() > 40 ? "...\"" : "\""));
  }
  return *level;
}

Result<messages::GroupRisk> read_group_risk(const json& item, int default_group_index,
                                            const std::string& path) {
  if (!item.is_object()) return parse_error(path + ": expected an object");
  messages::GroupRisk risk;
  risk.groupIndex = default_group_index;
  if (item.contains("groupIndex") && !item["groupIndex"].is_null()) {
    const auto index = integer_from(item["groupIndex"]);
    if (!index) return parse_error(path + ".groupIndex: expected an integer");
    risk.groupIndex = *index;
  }
  const json* level = item.contains("riskLevel")    ? &item["riskLevel"]
                      : item.contains("risk_level") ? &item["risk_level"]
                                                    : nullptr;
  if (!level) return parse_error(path + ".riskLevel: missing");
  auto parsed_level = read_level(*level, path + ".riskLevel");
  if (!parsed_level) return tl::unexpected(parsed_level.error());
  risk.riskLevel = *parsed_level;
  if (item.contains("confidence") && !item["confidence"].is_null()) {
    const auto parsed = number_from(item["confidence"]);
    if (!parsed) return parse_error(path + ".confidence: expected a number");
    double confidence = *parsed;
    if (confidence > 1.0 && confidence <= 100.0) confidence /= 100.0;  // a percentage
    if (confidence < 0 || confidence > 1.0) return parse_error(path + ".confidence: out of range");
    risk.confidence = confidence;
  }
  if (item.contains("riskTypes")) {
    const json& types = item["riskTypes"];
    if (types.is_string()) {
      risk.riskTypes.push_back(types.get<std::string>());
    } else if (types.is_array()) {
      for (const auto& type : types) {
        if (type.is_string()) risk.riskTypes.push_back(type.get<std::string>());
      }
    }
  }
  if (item.contains("description") && item["description"].is_string()) {
    risk.description = item["description"].get<std::string>();
  }
  if (item.contains("dangerObjectCount")) {
    if (const auto count = integer_from(item["dangerObjectCount"])) {
      risk.dangerObjectCount = std::max(0, *count);
    }
  }
  if (item.contains("triggerObjectIds") && item["triggerObjectIds"].is_array()) {
    for (const auto& id : item["triggerObjectIds"]) {
      if (risk.triggerObjectIds.size() >= kMaxTriggerIds) break;
      if (const auto parsed = integer_from(id)) risk.triggerObjectIds.push_back(*parsed);
    }
  }
  return risk;
}

}  // namespace

std::optional<RiskLevel> normalize_risk_level(std::string_view text) {
  static const std::map<std::string, RiskLevel> kLevels{
      {"none", RiskLevel::kNone},
      {"no", RiskLevel::kNone},
      {"safe", RiskLevel::kNone},
      {"无", RiskLevel::kNone},
      {"无风险", RiskLevel::kNone},
      {"low", RiskLevel::kLow},
      {"低", RiskLevel::kLow},
      {"低风险", RiskLevel::kLow},
      {"medium", RiskLevel::kMedium},
      {"moderate", RiskLevel::kMedium},
      {"中", RiskLevel::kMedium},
      {"中等", RiskLevel::kMedium},
      {"中风险", RiskLevel::kMedium},
      {"high", RiskLevel::kHigh},
      {"高", RiskLevel::kHigh},
      {"高风险", RiskLevel::kHigh},
      {"critical", RiskLevel::kCritical},
      {"severe", RiskLevel::kCritical},
      {"extreme", RiskLevel::kCritical},
      {"严重", RiskLevel::kCritical},
      {"极高", RiskLevel::kCritical},
  };
  const auto it = kLevels.find(trim_lower(text));
  if (it == kLevels.end()) return std::nullopt;
  return it->second;
}

std::string_view extract_json_object(std::string_view text, size_t from) {
  const size_t start = text.find('{', from);
  if (start == std::string_view::npos) return {};
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return text.substr(start, i - start + 1);
    }
  }
  return {};
}

Result<ChatReply> parse_chat_completion(std::string_view body) {
  const json root = json::parse(body, nullptr, false);
  if (!root.is_object()) return parse_error("chat completion: not a JSON object");
  if (!root.contains("choices") || !root["choices"].is_array() || root["choices"].empty()) {
    return parse_error("chat completion: no choices");
  }
  const json& choice = root["choices"][0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object()) {
    return parse_error("chat completion: choices[0].message missing");
  }
  const json& content = choice["message"].value("content", json());
  ChatReply reply;
  if (content.is_string()) {
    reply.content = content.get<std::string>();
  } else if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        reply.content += part["text"].get<std::string>();
      }
    }
  } else {
    return parse_error("chat completion: choices[0].message.content is not text");
  }
  if (root.contains("model") && root["model"].is_string())
    reply.model = root["model"].get<std::string>();
  if (root.contains("usage") && root["usage"].is_object()) {
    const json& usage = root["usage"];
    const auto count = [&](const char* name) {
      if (!usage.contains(name) || !usage[name].is_number_integer()) return 0;
      return std::max(0, integer_from(usage[name]).value_or(0));
    };
    reply.usage = {count("prompt_tokens"), count("completion_tokens"), count("total_tokens")};
  }
  return reply;
}

Result<messages::RiskAssessment> parse_risk_assessment(std::string_view content, int group_index) {
  // Prose may hold braces of its own ("{as requested}"): take the first
  // balanced object that is valid JSON.
  if (content.size() > kMaxContentBytes) return parse_error("reply too long");
  json root;
  bool found_braces = false;
  int candidates = 0;
  for (size_t from = 0; from < content.size() && candidates++ < kMaxCandidates;) {
    const std::string_view candidate = extract_json_object(content, from);
    if (candidate.empty()) break;
    found_braces = true;
    root = json::parse(candidate, nullptr, false);
    if (root.is_object()) break;
    from = static_cast<size_t>(candidate.data() - content.data()) + 1;
  }
  if (!found_braces) return parse_error("reply contains no JSON object");
  if (!root.is_object()) return parse_error("reply JSON is malformed");

  messages::RiskAssessment assessment;
  if (root.contains("results")) {
    if (!root["results"].is_array()) return parse_error("results: expected an array");
    for (size_t i = 0; i < root["results"].size(); ++i) {
      auto risk =
          read_group_risk(root["results"][i], group_index, "results[" + std::to_string(i) + "]");
      if (!risk) return tl::unexpected(risk.error());
      assessment.results.push_back(std::move(*risk));
    }
  } else if (root.contains("riskLevel") || root.contains("risk_level")) {
    auto risk = read_group_risk(root, group_index, "reply");
    if (!risk) return tl::unexpected(risk.error());
    assessment.results.push_back(std::move(*risk));
  } else {
    return parse_error("reply has neither results[] nor riskLevel");
  }

  // The stated maximum can be missing or understate the groups: trust the groups.
  RiskLevel max_level = RiskLevel::kNone;
  for (const auto& risk : assessment.results) max_level = std::max(max_level, risk.riskLevel);
  if (root.contains("maxRiskLevel")) {
    auto stated = read_level(root["maxRiskLevel"], "maxRiskLevel");
    if (!stated) return tl::unexpected(stated.error());
    max_level = std::max(max_level, *stated);
  }
  assessment.maxRiskLevel = max_level;
  if (root.contains("hasDangerousDriving") && root["hasDangerousDriving"].is_boolean()) {
    // A high-risk group is dangerous whatever the summary flag says.
    assessment.hasDangerousDriving =
        root["hasDangerousDriving"].get<bool>() || max_level >= RiskLevel::kHigh;
  } else {
    assessment.hasDangerousDriving = max_level >= RiskLevel::kMedium;
  }
  return assessment;
}

}  // namespace tmon::llm
