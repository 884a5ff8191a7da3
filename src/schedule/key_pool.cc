#include "schedule/key_pool.h"

#include <algorithm>

#include "common/secrets.h"

namespace tmon::schedule {

std::string_view to_string(KeyState state) {
  switch (state) {
    case KeyState::kAvailable:
      return "available";
    case KeyState::kCooling:
      return "cooling";
    case KeyState::kDisabled:
      return "disabled";
  }
  return "unknown";
}

KeyPool::KeyPool(const std::vector<config::ApiKeyConfig>& keys) {
  for (const auto& key : keys) {
    Key entry;
    entry.config = key;
    if (!key.enabled || key.key.empty()) {
      entry.state = KeyState::kDisabled;
      entry.disabled_reason = key.key.empty() ? "no key value" : "disabled in config";
    }
    keys_.push_back(std::move(entry));
  }
}

std::optional<KeyLease> KeyPool::acquire(const std::set<std::string>& excluded) {
  std::lock_guard lock(mu_);
  Key* best = nullptr;
  double best_load = 0;
  for (size_t i = 0; i < keys_.size(); ++i) {
    Key& key = keys_[(rotation_ + i) % keys_.size()];
    if (key.state != KeyState::kAvailable || excluded.contains(key.config.id)) continue;
    const double load = key.in_flight / std::max(key.config.weight, 1e-9);
    if (!best || load < best_load) {
      best = &key;
      best_load = load;
    }
  }
  if (!best) return std::nullopt;
  rotation_ = (static_cast<size_t>(best - keys_.data()) + 1) % keys_.size();
  ++best->in_flight;
  ++best->requests;
  return KeyLease{best->config.id, best->config.key};
}

void KeyPool::release(const std::string& id) {
  std::lock_guard lock(mu_);
  for (auto& key : keys_) {
    if (key.config.id == id && key.in_flight > 0) --key.in_flight;
  }
}

void KeyPool::disable(const std::string& id, const std::string& reason) {
  std::lock_guard lock(mu_);
  for (auto& key : keys_) {
    if (key.config.id == id) {
      key.state = KeyState::kDisabled;
      key.disabled_reason = reason;
    }
  }
}

void KeyPool::enable(const std::string& id) {
  std::lock_guard lock(mu_);
  for (auto& key : keys_) {
    if (key.config.id == id && !key.config.key.empty()) {
      key.state = KeyState::kAvailable;
      key.disabled_reason.clear();
    }
  }
}

size_t KeyPool::size() const {
  std::lock_guard lock(mu_);
  return keys_.size();
}

size_t KeyPool::available() const {
  std::lock_guard lock(mu_);
  return std::count_if(keys_.begin(), keys_.end(),
                       [](const Key& key) { return key.state == KeyState::kAvailable; });
}

std::vector<KeySnapshot> KeyPool::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<KeySnapshot> out;
  for (const auto& key : keys_) {
    out.push_back({key.config.id, mask_secret(key.config.key),
                   key.config.account.empty() ? key.config.id : key.config.account, key.state,
                   key.disabled_reason, key.in_flight, key.requests});
  }
  return out;
}

}  // namespace tmon::schedule
