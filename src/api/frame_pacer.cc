#include "api/frame_pacer.h"

namespace tmon::api {

void FramePacer::offer(const void* connection, const std::string& camera,
                       std::shared_ptr<const std::string> frame, Send send) {
  const Key key{connection, camera};
  {
    std::lock_guard lock(mu_);
    Slot& slot = slots_[key];
    if (slot.in_flight) {
      if (slot.waiting) ++replaced_;
      slot.waiting = std::move(frame);
      slot.send = std::move(send);
      return;
    }
    slot.in_flight = true;
  }
  write(key, std::move(frame), send);
}

void FramePacer::write(const Key& key, std::shared_ptr<const std::string> frame, const Send& send) {
  // The callback may outlive the pacer (a connection drops its queue late).
  send(*frame, [weak = weak_from_this(), key] {
    if (auto self = weak.lock()) self->written(key);
  });
}

void FramePacer::written(const Key& key) {
  std::shared_ptr<const std::string> next;
  Send send;
  {
    std::lock_guard lock(mu_);
    const auto it = slots_.find(key);
    if (it == slots_.end()) return;  // forgotten meanwhile
    if (!it->second.waiting) {
      it->second.in_flight = false;
      return;
    }
    next = std::move(it->second.waiting);
    send = it->second.send;
  }
  write(key, std::move(next), send);
}

void FramePacer::forget(const void* connection) {
  std::lock_guard lock(mu_);
  auto it = slots_.lower_bound(Key{connection, std::string()});
  while (it != slots_.end() && it->first.first == connection) it = slots_.erase(it);
}

uint64_t FramePacer::replaced() const {
  std::lock_guard lock(mu_);
  return replaced_;
}

}  // namespace tmon::api
