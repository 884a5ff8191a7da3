#include "fleet/registry_map.h"

namespace tmon::fleet {

RegistryChange RegistryMap::apply(const std::string& id, std::optional<RegistryCamera> camera) {
  const auto it = cameras_.find(id);
  if (!camera) {
    if (it == cameras_.end()) {
      if (seen_.size() < 2 * max_cameras_) seen_.insert(id);
      return RegistryChange::kNone;
    }
    cameras_.erase(it);
    return RegistryChange::kRemoved;
  }
  if (it != cameras_.end()) {
    if (it->second == *camera) return RegistryChange::kNone;
    it->second = std::move(*camera);
    return RegistryChange::kUpdated;
  }
  if (cameras_.size() >= max_cameras_) {
    ++refused_;
    return RegistryChange::kRefused;
  }
  // Remembered ids are bounded too: past the bound a tombstoned id may be
  // forgotten (and seeded again), never a live one.
  if (seen_.size() < 2 * max_cameras_ || seen_.contains(id)) seen_.insert(id);
  cameras_.emplace(id, std::move(*camera));
  return RegistryChange::kAdded;
}

const RegistryCamera* RegistryMap::find(const std::string& id) const {
  const auto it = cameras_.find(id);
  return it == cameras_.end() ? nullptr : &it->second;
}

std::vector<RegistryCamera> RegistryMap::cameras() const {
  std::vector<RegistryCamera> out;
  out.reserve(cameras_.size());
  for (const auto& [id, camera] : cameras_) out.push_back(camera);
  return out;
}

std::vector<RegistryCamera> cameras_to_seed(const std::vector<config::CameraConfig>& configured,
                                            const RegistryMap& registry, int64_t now_ms) {
  std::vector<RegistryCamera> seeds;
  for (const auto& camera : configured) {
    if (!camera.enabled || registry.ever_seen(camera.id)) continue;
    seeds.push_back(from_config(camera, now_ms));
  }
  return seeds;
}

}  // namespace tmon::fleet
