#pragma once

#include <string>

#include "common/result.h"

namespace tmon::detect {

// CPU priority of the calling thread. On Linux the nice value belongs to
// each thread (setpriority(PRIO_PROCESS, gettid())), so lowering one
// thread's priority leaves the rest of the process alone. Threads a thread
// creates inherit its nice value.

// The calling thread's nice value (-20 .. 19; higher is lower priority).
int this_thread_nice();

// Makes the calling thread `steps` nice values lower in priority than it is
// (at most 19), for background work that must give way to the latency path
// and to other processes. An unprivileged thread can always lower its own
// priority, never raise it back. Returns the nice value now in effect.
Result<int> lower_this_thread_priority(int steps);

// Names the calling thread (up to 15 characters are kept) for `ps -L`,
// `top -H` and debuggers.
void name_this_thread(const std::string& name);

}  // namespace tmon::detect
