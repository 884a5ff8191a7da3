#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "messages/messages.h"

namespace tmon::mockllm {

// The risk assessment a mock "model" gives for a chat request, derived only
// from the request (same request, same answer), from the "Context: {json}"
// line tmon's prompt ends with: a pedestrian close to a vehicle is high risk,
// vehicles nearly touching are medium, and otherwise a hash of the request
// picks mostly "none" with some "low" and "medium", like a real scene mix.
// Requests without a context still get a valid (hash-derived) answer. A
// batched request ("Context: {"batch": [...]}") gets one results[] entry
// per group, by its groupIndex.
messages::RiskAssessment assess_request(std::string_view request_body);

// How a reply's content is dressed, to exercise tolerant parsing the way real
// models do: plain JSON, JSON in a ``` fence, JSON wrapped in prose, or
// malformed (truncated) JSON.
enum class ContentShape { kPlain, kFenced, kProse, kMalformed };
std::string shape_content(const std::string& json, ContentShape shape);

// Token usage as a reply reports it.
struct ReplyUsage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

// A chat.completion body carrying `content` and `usage`.
std::string chat_completion_body(std::string_view model, std::string_view content,
                                 ReplyUsage usage);

}  // namespace tmon::mockllm
