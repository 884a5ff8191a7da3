#pragma once

#include <string>

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

// The OpenAI-compatible /chat/completions body for a request (vision format:
// the image as a data URI in an image_url part).
std::string chat_request_body(const ChatRequest& request);

}  // namespace tmon::llm
