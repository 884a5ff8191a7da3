#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "llm/chat.h"
#include "messages/messages.h"

namespace tmon::llm {

// The built-in system prompt (Simplified Chinese): what to judge, the risk
// types and levels, and the exact JSON to answer with.
extern const char* const kDefaultSystemPrompt;

// Builds the chat request assessing one task's group. The user text lists the
// group's objects and features and ends with a one-line "Context: {json}" that
// machines (the mock LLM, log readers) can parse.
ChatRequest build_chat_request(const messages::AssessmentTask& task, const config::LlmConfig& llm);

// One group of a batched request: its task and its picture (which the
// scheduler keeps apart from the task).
struct BatchGroup {
  const messages::AssessmentTask* task = nullptr;
  std::string_view image_base64;
  std::string_view image_url;
};
// A batch's reply is capped here, whatever llm.max_tokens times its groups.
inline constexpr int64_t kMaxBatchReplyTokens = 8192;

// Builds one chat request assessing several groups of one frame
// (llm.batch_groups): each picture follows its label ("groupIndex 3..."),
// the text asks for one results[] entry per groupIndex, and the last line is
// "Context: {"batch": [each group's context]}" for machines (the mock LLM).
ChatRequest build_batch_request(const std::vector<BatchGroup>& groups,
                                const config::LlmConfig& llm);

// The OpenAI-compatible /chat/completions body for a request (vision format:
// the image as a data URI in an image_url part).
std::string chat_request_body(const ChatRequest& request);

// The inverse of chat_request_body, for servers that must judge a request
// (tmon mock-llm counts its tokens): the first system message, the user's
// text parts joined, and the first image's base64 (data URI stripped).
// Missing parts stay empty; Error when the body is not a chat request.
Result<ChatRequest> parse_chat_request_body(std::string_view body);

}  // namespace tmon::llm
