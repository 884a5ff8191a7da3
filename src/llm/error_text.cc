#include "llm/error_text.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace tmon::llm {
namespace {

// Texts beyond this are not scanned: only the first 200 characters survive
// anyway, and a scan of an unbounded body would cost unbounded time.
constexpr size_t kMaxScannedBytes = 4096;
constexpr std::string_view kMask = "***";

bool token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' ||
         c == '=' || u >= 0x80;
}

bool iequal_at(std::string_view text, size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) !=
        std::tolower(static_cast<unsigned char>(word[i]))) {
      return false;
    }
  }
  return true;
}

void replace_all(std::string& text, std::string_view needle, std::string_view with) {
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + with.size())) {
    text.replace(at, needle.size(), with);
  }
}

enum class Separator {
  kNone,        // the value follows at once ("sk-...")
  kAny,         // at least one separator ("Bearer ...")
  kAssignment,  // separators including ':' or '=' ("api_key=...", "token: ...")
};

// Masks the token that follows each case-insensitive `prefix` at the start
// of a word (after the separators `kind` asks for), keeping the prefix so
// the reader sees what was there.
void mask_after(std::string& text, std::string_view prefix, std::string_view separators,
                Separator kind) {
  for (size_t at = 0; at + prefix.size() <= text.size();) {
    if (!iequal_at(text, at, prefix) || (at > 0 && token_char(text[at - 1]))) {
      ++at;
      continue;
    }
    size_t value = at + prefix.size();
    bool assigned = false;
    while (value < text.size() && separators.find(text[value]) != std::string_view::npos) {
      assigned |= text[value] == ':' || text[value] == '=';
      ++value;
    }
    const bool separated = value > at + prefix.size();
    if ((kind == Separator::kAny && !separated) || (kind == Separator::kAssignment && !assigned)) {
      at = value;
      continue;
    }
    size_t end = value;
    while (end < text.size() && token_char(text[end])) ++end;
    if (end == value || text.compare(value, end - value, kMask) == 0) {
      at = end == value ? value + 1 : end;
      continue;
    }
    text.replace(value, end - value, kMask);
    at = value + kMask.size();
  }
}

// Cuts to at most `max_chars` UTF-8 characters.
void cut_chars(std::string& text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars == max_chars) {
      text.resize(i);
      text += "…";
      return;
    }
    ++chars;
  }
}

}  // namespace

std::string scrub_provider_text(std::string_view text, std::span<const std::string> secrets) {
  std::string out(text.substr(0, kMaxScannedBytes));
  for (const auto& secret : secrets) {
    if (secret.size() >= 4) replace_all(out, secret, kMask);
  }
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  // Schemes of the Authorization header, then key-shaped tokens and
  // key-named parameters (query strings, JSON, headers echoed as text).
  mask_after(out, "bearer", " :", Separator::kAny);
  mask_after(out, "basic", " ", Separator::kAny);
  mask_after(out, "sk-", "", Separator::kNone);
  static constexpr std::array<std::string_view, 8> kKeyNames = {
      "api_key", "api-key", "apikey", "x-api-key", "access_token", "token", "password", "secret"};
  for (const auto name : kKeyNames) mask_after(out, name, "\"' :=", Separator::kAssignment);
  cut_chars(out, kMaxProviderTextChars);
  return out;
}

}  // namespace tmon::llm
