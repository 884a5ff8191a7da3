#pragma once

#include <map>
#include <string>
#include <vector>

#include "messages/frame_view.h"
#include "messages/messages.h"
#include "store/result_store.h"

namespace tmon::aggregate {

struct AlertPolicy {
  messages::RiskLevel min_level = messages::RiskLevel::kHigh;
  int64_t display_ms = 30'000;
};

struct AlertDecision {
  std::vector<store::AlertWrite> writes;
  std::vector<std::string> ended_groups;  // active alerts whose display time is over
  // Alerts this frame raised or continued (for the counters).
  std::vector<messages::Alert> renewed;
  // Every alert on display at the frame's capture time: the renewed ones,
  // and those still showing that this frame did not renew (isStale), by
  // groupIndex: the original's `alerts` / `dangerousDrivingResults`.
  std::vector<messages::Alert> on_display;
  // Active alerts from the store that did not decode: skipped (and ended,
  // so the bad record goes), never fatal to the frame.
  int bad_records = 0;
};

// The original system's alert semantics, keyed by stable groupId so an alert
// sticks to the same road users:
// - a group whose risk is at `min_level` or above raises an alert that shows
//   for `display_ms` (displayUntil = lastUpdated + display_ms);
// - a new alert on a group whose alert is still showing continues it: same
//   alertId and start, lastUpdated moves on, isContinuation is true, the
//   level is the highest seen, risk types are merged, updateCount grows;
// - an active alert whose display time is over ends (it stays in the list).
// Times are capture times, so a replay decides the same way. `active` is the
// camera's active alerts (groupId -> alert JSON) from the store.
AlertDecision decide_alerts(const std::vector<messages::AssessmentResult>& results,
                            const std::map<std::string, std::string>& active,
                            const AlertPolicy& policy, int64_t capture_ts);

}  // namespace tmon::aggregate
