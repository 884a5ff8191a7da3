#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.h"
#include "messages/messages.h"

namespace tmon::generate {

// Why a group is worth an LLM call. kConflict comes from detection's
// surrogate safety measures (a pair with TTC or PET within detection's
// thresholds); every other measure is in object sizes (the square root of the
// smaller box's area, as detect's grouping uses), so the same thresholds suit
// a camera close to the road and one far from it.
enum class Trigger { kConflict, kProximity, kClosing, kTailgating, kDensity, kCrowd };
inline constexpr std::array kAllTriggers = {Trigger::kConflict, Trigger::kProximity,
                                            Trigger::kClosing,  Trigger::kTailgating,
                                            Trigger::kDensity,  Trigger::kCrowd};
std::string_view to_string(Trigger trigger);  // "conflict", "proximity", ... (metric label values)
int priority_of(Trigger trigger, const config::TaskTriggerConfig& config);

// Where an object was in the camera's previous frame: its track, by objectId.
struct TrackPoint {
  messages::BoundingBox bbox;
  int64_t ts_ms = 0;  // captureTs of that frame
};
using TrackHistory = std::unordered_map<int, TrackPoint>;
// Tracks older than this say little about where an object is heading; the
// history forgets them (which also bounds it).
inline constexpr int64_t kMaxTrackAgeMs = 10'000;

// What the triggers and de-duplication look at, for one group in one frame.
struct GroupMeasures {
  std::vector<int> members;        // object ids, sorted
  double person_vehicle_gap = -1;  // closest pedestrian-vehicle gap; -1: no such pair
  double vehicle_gap = -1;         // closest vehicle-vehicle gap; -1: no such pair
  double predicted_gap = -1;       // closest gap a closing pair reaches within the
                                   // horizon; -1: no pair is closing (or no tracks)
  double speed = 0;                // features.speed in object sizes per second
  double density = 0;              // features.density
  // Pairs (smaller id first, sorted) detection flagged as conflict
  // candidates (TTC/PET).
  std::vector<std::pair<int, int>> conflict_pairs;
  // Who exactly is close enough to touch: pedestrian-vehicle pairs within
  // the proximity gap, and vehicle pairs within the tailgating gap with one
  // of them moving. A pair no task showed lately is news. (Conflict
  // candidates by TTC/PET alone are news only as a group's first conflict,
  // through the conflict trigger's priority: in flowing traffic a new pair
  // closes in every few seconds, most of them braking in time.)
  std::vector<std::pair<int, int>> danger_pairs;
  // The gap of each danger pair, object sizes.
  std::map<std::pair<int, int>, double> danger_gaps;
  // Every pair within its gap (the tailgating gap for two vehicles, the
  // proximity gap for a pedestrian and a vehicle), moving or not, sorted: a
  // danger pair a task showed stays shown while it is in here, so a queue
  // that stops and starts again with the same tailgater is no news.
  std::vector<std::pair<int, int>> close_pairs;
  // Whether the surrogate safety measures give the group a chance of a
  // conflict at all (see TaskConfig::require_conflict_potential). True when
  // detection measured no motion (an original-format message): what cannot
  // be judged is not dropped.
  bool conflict_potential = true;
};

// Measures a group from its members' boxes and its safety measures;
// `previous` gives each member's box one frame earlier, from which closing extrapolates
// straight-line motion over the closing horizon. Members missing from the frame's objects are
// ignored (a malformed but decodable message must not crash the stage).
GroupMeasures measure_group(const messages::TrafficGroup& group,
                            const std::vector<const messages::DetectedObject*>& members,
                            const TrackHistory& previous, int64_t capture_ts,
                            const config::TaskTriggerConfig& config);

// The triggers a group fires, highest priority first; empty: not worth a call.
std::vector<Trigger> fired_triggers(const GroupMeasures& measures,
                                    const config::TaskTriggerConfig& config);

}  // namespace tmon::generate
