#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fleet/registry_camera.h"

namespace tmon::fleet {

// What one registry record changed.
enum class RegistryChange {
  kNone,     // same value again, a tombstone of an unknown id, or refused
  kAdded,    // a new camera
  kUpdated,  // a camera's value changed
  kRemoved,  // a tombstone of a known camera
  kRefused,  // a new camera past the bound: not kept
};

// The registry's current state, built record by record (a key's value is its
// last record). Remembers every id it ever saw, tombstoned ones included, so
// that seeding never brings back a camera deleted through the API. Bounded:
// at most `max_cameras` live cameras and as many remembered ids beyond them.
// Not thread-safe (the follower guards it).
class RegistryMap {
 public:
  explicit RegistryMap(size_t max_cameras) : max_cameras_(max_cameras) {}

  // `camera` nullopt: a tombstone for `id`.
  RegistryChange apply(const std::string& id, std::optional<RegistryCamera> camera);

  const RegistryCamera* find(const std::string& id) const;
  bool ever_seen(const std::string& id) const {
    return seen_.contains(id) || cameras_.contains(id);
  }
  std::vector<RegistryCamera> cameras() const;
  size_t size() const { return cameras_.size(); }
  size_t refused() const { return refused_; }

 private:
  size_t max_cameras_;
  std::map<std::string, RegistryCamera> cameras_;
  std::set<std::string> seen_;
  size_t refused_ = 0;
};

// The cameras of pipeline.yaml that must be written to the registry at
// start: the enabled ones whose id the registry never saw (the config seeds,
// the registry rules after: a camera deleted through the API stays deleted).
std::vector<RegistryCamera> cameras_to_seed(const std::vector<config::CameraConfig>& configured,
                                            const RegistryMap& registry, int64_t now_ms);

}  // namespace tmon::fleet
