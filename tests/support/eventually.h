#pragma once

#include <chrono>
#include <thread>

namespace tmon::testing {

// Polls `condition` until it holds or `timeout` of real time has passed, and
// returns whether it held. For effects of other threads and processes (a
// message consumed, a server listening); never for the passage of time
// itself, which tests drive with a ManualClock. To show that something did
// NOT happen, wait for a later event that proves it would have by then (a
// counter that moved past it), not for a timeout.
template <typename Condition>
bool eventually(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(20),
                std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= give_up) return condition();
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace tmon::testing
