#include "detect/thread_priority.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tmon::detect {
namespace {

constexpr int kLowestPriority = 19;  // the highest nice value

}  // namespace

int this_thread_nice() {
  // -1 is a valid nice value: errors show only through errno.
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  return errno == 0 ? nice : 0;
}

Result<int> lower_this_thread_priority(int steps) {
  const int now = this_thread_nice();
  if (steps <= 0) return now;
  const int wanted = std::min(kLowestPriority, now + steps);
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), wanted) != 0) {
    return make_error(ErrorCode::kInternal, std::string("setpriority(") + std::to_string(wanted) +
                                                "): " + std::strerror(errno));
  }
  return this_thread_nice();
}

void name_this_thread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace tmon::detect
