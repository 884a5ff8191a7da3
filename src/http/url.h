#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tmon::http {

// An http(s) URL split into what a client needs. No userinfo, no fragment.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;
  uint16_t port = 0;  // defaulted from the scheme when absent
  std::string path;   // "" or starting with '/', without a trailing '/'

  static Result<Url> parse(std::string_view text);
  // "scheme://host:port": connections are pooled per origin.
  std::string origin() const;
  bool tls() const { return scheme == "https"; }
  // path + suffix, e.g. Url("http://h/v1").join("/chat") == "/v1/chat".
  std::string join(std::string_view suffix) const;
};

}  // namespace tmon::http
