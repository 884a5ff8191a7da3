#pragma once

#include <string>
#include <string_view>

namespace tmon {

// A URL as it may be shown (API, logs, config check, metrics): the userinfo
// replaced by "***" (also when the password holds '/' or '@'), and the
// values of credential-like query parameters (password, pass, pwd, token,
// key, secret, auth, sig...) by "***". Plain paths are returned as they are.
//   "rtsp://admin:s/cr@et@cam:554/live?token=abc&ch=1"
//     -> "rtsp://***@cam:554/live?token=***&ch=1"
std::string mask_url_credentials(std::string_view url);

// Whether a query parameter of this name carries a secret.
bool is_secret_parameter(std::string_view name);

}  // namespace tmon
