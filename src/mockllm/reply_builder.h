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
// Requests without a context still get a valid (hash-derived) answer.
messages::RiskAssessment assess_request(std::string_view request_body);

// How a reply's content is dressed, to exercise tolerant parsing the way real
// models do: plain JSON, JSON in a ``` fence, JSON wrapped in prose, or
// malformed (truncated) JSON.
enum class ContentShape { kPlain, kFenced, kProse, kMalformed };
std::string shape_content(const std::string& json, ContentShape shape);

// A chat.completion body carrying `content`, with token usage estimated from
// the sizes of request and reply (about four bytes per token).
std::string chat_completion_body(std::string_view model, std::string_view content,
                                 size_t request_bytes);

}  // namespace tmon::mockllm
