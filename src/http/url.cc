#include "http/url.h"

#include <charconv>

namespace tmon::http {

Result<Url> Url::parse(std::string_view text) {
  // The URL is not quoted: it may carry a password or a token.
  const auto invalid = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, "invalid URL: " + why);
  };
  Url url;
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return invalid("expected http:// or https://");
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") return invalid("scheme must be http or https");
  std::string_view rest = text.substr(scheme_end + 3);
  const size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) url.path = std::string(rest.substr(path_start));
  while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  if (authority.find('@') != std::string_view::npos) return invalid("credentials in URL");

  url.port = url.tls() ? 443 : 80;
  // "[::1]:8080" or "host:8080" or "host".
  size_t port_sep = std::string_view::npos;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid("unterminated IPv6 address");
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return invalid("bad authority");
      port_sep = close + 1;
    }
  } else {
    port_sep = authority.rfind(':');
    url.host = std::string(authority.substr(0, port_sep));
  }
  if (url.host.empty()) return invalid("missing host");
  if (port_sep != std::string_view::npos) {
    const std::string_view port_text = authority.substr(port_sep + 1);
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return invalid("bad port");
    }
    url.port = static_cast<uint16_t>(value);
  }
  return url;
}

std::string Url::origin() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

std::string Url::join(std::string_view suffix) const {
  std::string target = path;
  if (suffix.empty() || suffix.front() != '/') target.push_back('/');
  target.append(suffix);
  return target;
}

}  // namespace tmon::http
