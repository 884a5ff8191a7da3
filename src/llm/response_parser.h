#pragma once

#include <string_view>

#include "common/result.h"
#include "llm/chat.h"
#include "messages/messages.h"

namespace tmon::llm {

// Reads an OpenAI-compatible chat.completion body: the first choice's content
// (a string, or an array of text parts) and the token usage.
Result<ChatReply> parse_chat_completion(std::string_view body);

// Turns the model's reply text into a risk assessment. Models do not always
// follow the prompt, so this accepts: the nested {"results":[...]} schema and
// the flat form (riskLevel etc. at the top level); JSON inside ``` fences or
// surrounded by prose; risk levels in any case and common synonyms (including
// Chinese: 无/低/中/高/严重); confidence as 0..1 or percent. It validates the
// rest and never throws: anything unusable is an Error (kParse) naming why.
// `group_index` fills in results that do not say which group they are about.
Result<messages::RiskAssessment> parse_risk_assessment(std::string_view content, int group_index);

// Finds the first balanced {...} starting at or after `from` (braces inside
// JSON strings are ignored); empty when there is none.
std::string_view extract_json_object(std::string_view text, size_t from = 0);

// "High", "高", "severe" -> kHigh / kHigh / kCritical; nullopt when unknown.
std::optional<messages::RiskLevel> normalize_risk_level(std::string_view text);

}  // namespace tmon::llm
