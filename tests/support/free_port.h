#pragma once

namespace tmon::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then
// released). For servers that cannot bind port 0 themselves, like redis-server.
int pick_free_port();

}  // namespace tmon::testing
