#include "http/server_bound.h"

#include <algorithm>

namespace tmon::http {

void SessionRegistry::add(const std::shared_ptr<ReleasableSession>& session) {
  std::lock_guard lock(mu_);
  if (sessions_.size() >= prune_at_) {
    std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
    prune_at_ = std::max<size_t>(64, 2 * sessions_.size());
  }
  sessions_.push_back(session);
}

void SessionRegistry::release_all() {
  std::vector<std::weak_ptr<ReleasableSession>> sessions;
  {
    std::lock_guard lock(mu_);
    sessions.swap(sessions_);
  }
  for (const auto& weak : sessions) {
    if (auto session = weak.lock()) session->release_io();
  }
}

}  // namespace tmon::http
