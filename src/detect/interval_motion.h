#pragma once

#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "detect/homography.h"
#include "detect/tracker.h"

namespace tmon::detect {

// What a road user did between two analysed frames, from its track's path at
// the tracking rate. An analysed frame shows where it is and how fast it
// goes now: a car that braked hard from speed to stand a few pixels behind
// another looks then just like one that rolled gently into the queue. The
// frames tracked in between (detection.track_fps, 9 per analysed frame by
// default) tell them apart.

// The highest speed of the path's box centre between consecutive points
// after `since_seconds` (units per second: pixels, or metres on `ground`);
// -1 when the path has no such step (a track born at the analysed frame).
double peak_speed(const std::deque<TrackPoint>& path, double since_seconds,
                  const std::optional<GroundPlane>& ground);

// Each live track's path by object id (pointers into the tracker: valid
// until its next update).
std::map<int, const std::deque<TrackPoint>*> paths_by_id(const std::vector<TrackView>& tracks);

}  // namespace tmon::detect
