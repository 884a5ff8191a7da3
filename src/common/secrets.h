#pragma once

#include <string>
#include <string_view>

namespace tmon {

// Renders a secret for humans without revealing it: "***" plus at most the
// last four characters, and only when the secret is long enough that the
// suffix says nothing useful to an attacker. Empty stays visibly empty.
std::string mask_secret(std::string_view secret);

// A URL with any password in its userinfo replaced by "***"
// ("redis://:s3cret@host:6379/0" -> "redis://:***@host:6379/0").
std::string redact_url_password(std::string_view url);

}  // namespace tmon
