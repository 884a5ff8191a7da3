#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace tmon::detect {

// Names the groups of one camera so a group keeps its groupId across frames
// while its members overlap: each of this frame's clusters (as member object
// ids) takes the id of the previous frame's group it shares the most members
// with, each id at most once; a cluster sharing none gets a new id,
// "<cameraId>-g<n>".
class GroupTracker {
 public:
  explicit GroupTracker(std::string camera_id) : camera_id_(std::move(camera_id)) {}

  std::vector<std::string> assign(const std::vector<std::vector<int>>& clusters);

 private:
  std::string camera_id_;
  std::map<std::string, std::set<int>> previous_;  // group id -> members
  int next_ = 1;
};

}  // namespace tmon::detect
