#include "detect/interval_motion.h"

#include <algorithm>

namespace tmon::detect {
namespace {

cv::Point2d centre_of(const cv::Rect2d& box, const std::optional<GroundPlane>& ground) {
  const cv::Point2d centre(box.x + box.width / 2, box.y + box.height / 2);
  return ground ? ground->to_ground(centre) : centre;
}

}  // namespace

double peak_speed(const std::deque<TrackPoint>& path, double since_seconds,
                  const std::optional<GroundPlane>& ground) {
  double peak = -1;
  for (size_t i = 1; i < path.size(); ++i) {
    if (path[i].time_seconds <= since_seconds) continue;
    const double dt = path[i].time_seconds - path[i - 1].time_seconds;
    if (dt <= 0) continue;
    const double moved =
        cv::norm(centre_of(path[i].box, ground) - centre_of(path[i - 1].box, ground));
    peak = std::max(peak, moved / dt);
  }
  return peak;
}

std::map<int, const std::deque<TrackPoint>*> paths_by_id(const std::vector<TrackView>& tracks) {
  std::map<int, const std::deque<TrackPoint>*> paths;
  for (const auto& track : tracks) paths.emplace(track.id, track.path);
  return paths;
}

}  // namespace tmon::detect
