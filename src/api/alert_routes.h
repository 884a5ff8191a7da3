#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/alert_acks.h"
#include "common/clock.h"
#include "http/router.h"
#include "messages/codec.h"
#include "messages/frame_view.h"
#include "store/result_store.h"

namespace tmon::api {

// What an alert inbox page asks for. Time is an alert's lastUpdatedTs (when
// it was raised or last renewed), the order the stored lists keep.
struct AlertQuery {
  std::string camera_id;                         // "" = every camera
  std::optional<messages::RiskLevel> min_level;  // riskLevel >= this
  std::optional<bool> handled;                   // acknowledged or not
  int64_t since = 0;                             // lastUpdatedTs >= since
  std::optional<int64_t> until;                  // lastUpdatedTs <= until
  // Continue after this alert: "<lastUpdatedTs>:<alertId>" from nextCursor.
  std::optional<std::pair<int64_t, std::string>> cursor;
  int limit = 50;
};

// The query from the request's parameters, or the 400 that explains which
// one is wrong.
std::variant<AlertQuery, http::Response> parse_alert_query(const http::RequestContext& context);

// One stored alert record with its handling.
struct InboxAlert {
  std::string json;  // the record as stored
  messages::Alert alert;
  std::optional<AlertAck> ack;
};

struct AlertPage {
  std::vector<const InboxAlert*> items;  // newest first
  std::optional<std::string> next_cursor;
};

// Filters, orders (lastUpdatedTs, then alertId, descending; ties keep the
// stored order) and cuts one page. `alerts` is reordered in place.
AlertPage select_alerts(std::vector<InboxAlert>& alerts, const AlertQuery& query);

//   GET  /api/alerts?cameraId=&level=&handled=true|false&since=&until=&cursor=&limit=
//        alert records (each with `handled` and `ack`), newest first; the
//        envelope's `nextCursor` (also header X-Next-Cursor) continues the
//        list, null on the last page
//   POST /api/alerts/{alertId}/ack  {"note": "...", "by": "name"?} -> the ack
//        {alertId, handled: true, ack: {by, at, note}}; 404 for an alert
//        the store does not hold
void add_alert_routes(http::Router& router, store::ResultStorePtr store, AlertAcksPtr acks,
                      Clock& clock);

}  // namespace tmon::api
