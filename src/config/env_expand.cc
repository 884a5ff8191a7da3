#include "config/env_expand.h"

namespace tmon::config {
namespace {

bool is_name_start(char c) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

std::string lookup(const EnvLookup& env, std::string_view name) {
  if (!env) return {};
  return env(name).value_or(std::string());
}

}  // namespace

Result<std::string> expand_env(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out.push_back('$');
      i += 2;
      continue;
    }
    if (text[i + 1] != '{') {
      out.push_back(c);
      ++i;
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument, "expected a closing \"}\" after \"${\"");
    }
    const std::string_view body = text.substr(i + 2, close - i - 2);
    const size_t sep = body.find(":-");
    const std::string_view name = body.substr(0, sep);
    if (!is_valid_name(name)) {
      return make_error(ErrorCode::kInvalidArgument, "expected ${NAME} or ${NAME:-default}");
    }
    std::string value = lookup(env, name);
    if (value.empty() && sep != std::string_view::npos) value = body.substr(sep + 2);
    out += value;
    i = close + 1;
  }
  return out;
}

}  // namespace tmon::config
