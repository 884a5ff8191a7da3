#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "config/load.h"

namespace tmon::config {

// Expands ${VAR} and ${VAR:-default} in a scalar from env. An unset VAR
// expands to ""; ":-default" applies when VAR is unset or empty, as in the
// shell, and the default is literal text (no nested references). "$$" is a
// literal "$"; any other "$" is kept as is because URLs and passwords contain
// them. On failure the Error message is only the expectation ("expected ..."):
// the caller knows the file, line and key, and the text may hold a secret, so
// it is never echoed.
Result<std::string> expand_env(std::string_view text, const EnvLookup& env);

}  // namespace tmon::config
