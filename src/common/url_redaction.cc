#include "common/url_redaction.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/text.h"

namespace tmon {
namespace {

// "a=1&password=x" with the secret values masked.
std::string mask_query(std::string_view query) {
  std::string out;
  while (true) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && is_secret_parameter(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1)).append("***");
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    out.push_back('&');
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

bool is_secret_parameter(std::string_view name) {
  const std::string key = ascii_lower(name);
  static constexpr std::array<std::string_view, 9> kParts{
      "pass", "pwd", "token", "key", "secret", "auth", "sig", "credential", "session"};
  return std::any_of(kParts.begin(), kParts.end(),
                     [&](std::string_view part) { return key.find(part) != std::string::npos; });
}

std::string mask_url_credentials(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const size_t start = scheme + 3;
  // Userinfo ends at the last '@' before the query: a password may hold '/'.
  const size_t query_start = std::min(url.find('?', start), url.find('#', start));
  const std::string_view before_query = url.substr(0, query_start);
  const size_t at = before_query.rfind('@');
  std::string out(url.substr(0, start));
  if (at != std::string_view::npos && at >= start) {
    out.append("***").append(before_query.substr(at));
  } else {
    out.append(before_query.substr(start));
  }
  if (query_start == std::string_view::npos) return out;
  const size_t fragment = url.find('#', query_start + 1);
  if (url[query_start] == '?') {
    out.push_back('?');
    out.append(mask_query(url.substr(query_start + 1, fragment == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : fragment - query_start - 1)));
    if (fragment != std::string_view::npos) out.append(url.substr(fragment));
  } else {
    out.append(url.substr(query_start));
  }
  return out;
}

}  // namespace tmon
