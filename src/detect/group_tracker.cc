#include "detect/group_tracker.h"

#include <algorithm>
#include <tuple>

namespace tmon::detect {

std::vector<std::string> GroupTracker::assign(const std::vector<std::vector<int>>& clusters) {
  // Shared members of every (cluster, previous group) pair, most first.
  std::vector<std::tuple<size_t, size_t, std::string>> pairs;  // shared, cluster, group
  for (size_t c = 0; c < clusters.size(); ++c) {
    for (const auto& [id, members] : previous_) {
      const size_t shared = static_cast<size_t>(std::count_if(
          clusters[c].begin(), clusters[c].end(), [&](int m) { return members.contains(m); }));
      if (shared > 0) pairs.emplace_back(shared, c, id);
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    return std::get<0>(a) > std::get<0>(b) ||
           (std::get<0>(a) == std::get<0>(b) && std::get<2>(a) < std::get<2>(b));
  });
  std::vector<std::string> names(clusters.size());
  std::set<std::string> taken;
  for (const auto& [shared, c, id] : pairs) {
    if (!names[c].empty() || taken.contains(id)) continue;
    names[c] = id;
    taken.insert(id);
  }
  previous_.clear();
  for (size_t c = 0; c < clusters.size(); ++c) {
    if (names[c].empty()) names[c] = camera_id_ + "-g" + std::to_string(next_++);
    previous_[names[c]] = std::set<int>(clusters[c].begin(), clusters[c].end());
  }
  return names;
}

}  // namespace tmon::detect
