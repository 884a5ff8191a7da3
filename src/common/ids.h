#pragma once

#include <string>

namespace tmon {

// A random lowercase hex identifier of 2*bytes characters, for task and
// request ids. Not for secrets and not for anything a test must reproduce.
std::string random_hex_id(int bytes = 8);

}  // namespace tmon
