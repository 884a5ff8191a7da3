#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>
#include <string>

namespace tmon::llm {

// One picture of a batched request, with the label the model is told to
// answer it under ("groupIndex 3").
struct ChatImage {
  std::string label;
  std::string base64;  // JPEG; or
  std::string url;
};

// One multimodal chat call: a system prompt, an image and a question.
struct ChatRequest {
  std::string model;
  std::string system_prompt;
  std::string user_text;
  std::string image_base64;  // JPEG; sent as a data URI
  std::string image_url;     // else where the provider fetches it (a task's groupImageUrl)
  // A batch (llm.batch_groups): several labelled pictures, each after its
  // label in the user message; image_base64/image_url then stay empty.
  std::vector<ChatImage> images;
  int max_tokens = 1024;
  double temperature = 0.1;
  // Not sent: when set, the client calls it once the request has been
  // written whole to the provider (the scheduler measures the permit →
  // provider spread there; a 120 KB body takes longer than a 3 KB one).
  std::function<void()> on_written;
};

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int total_tokens = 0;
};

// Limits a provider states in its reply headers (x-ratelimit-limit-requests,
// x-ratelimit-limit-tokens, as OpenAI-compatible APIs send them).
struct StatedLimits {
  int64_t requests_per_minute = 0;  // 0: not stated
  int64_t tokens_per_minute = 0;
};

struct ChatReply {
  std::string content;  // the assistant's text
  std::string model;
  Usage usage;
  std::optional<StatedLimits> limits;
};

// Every way a call can fail, as the scheduler must treat it (DESIGN.md §3).
enum class CallErrorKind {
  kRateLimited,     // 429 on requests (per second/minute, burst): pace; retry elsewhere
  kQuotaThrottled,  // temporary quota/TPM limit (DashScope "Allocated quota exceeded"):
                    // the account cools, growing on repeats; never disabled
  kAuthFailed,      // 401/403: disable the key, probe it now and then, alert
  kQuotaExhausted,  // lasting: billing, arrears, free tier used up: disable, probe, alert
  kBadRequest,      // 400 and other 4xx: the request itself is wrong; no retry
  kServerError,     // 5xx: retry on another key
  kTimeout,         // no answer in time: retry on another key
  kConnection,      // could not connect / connection dropped: retry on another key
  kBadResponse,     // 200 but not a usable chat completion: error result, no retry
};

std::string_view to_string(CallErrorKind kind);

// Which provider limit a 429 names (DashScope's codes and messages tell).
enum class Throttle {
  kNone,      // not a throttle
  kRequests,  // limit_requests / Throttling.RateQuota: requests per second or minute
  kBurst,     // limit_burst_rate / Throttling.BurstRate: the rate rose too quickly
  kTokens,    // insufficient_quota / Throttling.AllocationQuota: tokens per minute
  kUnknown,   // a 429 whose code says nothing we know
};

std::string_view to_string(Throttle throttle);

struct CallError {
  CallErrorKind kind = CallErrorKind::kServerError;
  int http_status = 0;  // 0 when no response was received
  std::optional<std::chrono::milliseconds> retry_after;
  std::string provider_code;  // e.g. "limit_requests", "invalid_api_key"
  std::string message;        // never contains the API key
  Throttle throttle = Throttle::kNone;
};

}  // namespace tmon::llm
