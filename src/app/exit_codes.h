#pragma once

namespace tmon::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // could not start or run (port taken, broker unreachable)
inline constexpr int kExitConfig = 2;   // bad configuration or command line

}  // namespace tmon::app
