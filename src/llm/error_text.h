#pragma once

#include <span>
#include <string>
#include <string_view>

namespace tmon::llm {

// Longest provider error text tmon keeps (characters): enough for a
// provider's sentence, too little to carry a reflected request.
inline constexpr size_t kMaxProviderTextChars = 200;

// Makes a provider's (or a proxy's) error text safe to log and to emit in
// results, Redis, Kafka and the API. A proxy may echo the request back,
// Authorization header included, so before the text travels:
// - every occurrence of one of `secrets` (the configured API keys) becomes
//   "***" (secrets shorter than 4 characters are ignored: they would match
//   ordinary words);
// - anything that looks like a credential is masked: "Bearer <token>",
//   "Basic <token>", "sk-<token>", "api_key=<value>" / "key: <value>" and the
//   like keep their prefix and lose the value;
// - control characters become spaces (no forged log lines);
// - the result is cut to kMaxProviderTextChars characters (never inside a
//   UTF-8 sequence), with "…" marking the cut.
// Pure; safe on any input size (only the first few KB are looked at).
std::string scrub_provider_text(std::string_view text, std::span<const std::string> secrets = {});

}  // namespace tmon::llm
