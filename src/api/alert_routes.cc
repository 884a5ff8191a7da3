#include "api/alert_routes.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "api/api_server.h"
#include "api/envelope.h"
#include "common/logging.h"

namespace tmon::api {
namespace {

using messages::JsonValue;

http::Response bad_param(const std::string& name, const std::string& expected,
                         const std::string& got) {
  return http::error_response(http::Status::bad_request, "bad_" + name,
                              name + ": expected " + expected + ", got \"" + got + "\"");
}

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// (ts, id) of a in the inbox order comes before b.
bool newer(const messages::Alert& a, const messages::Alert& b) {
  if (a.lastUpdatedTs != b.lastUpdatedTs) return a.lastUpdatedTs > b.lastUpdatedTs;
  return a.alertId > b.alertId;
}

bool after_cursor(const messages::Alert& alert, const std::pair<int64_t, std::string>& cursor) {
  if (alert.lastUpdatedTs != cursor.first) return alert.lastUpdatedTs < cursor.first;
  return alert.alertId < cursor.second;
}

std::string cursor_of(const messages::Alert& alert) {
  return std::to_string(alert.lastUpdatedTs) + ":" + alert.alertId;
}

bool keep(const InboxAlert& entry, const AlertQuery& query) {
  const messages::Alert& alert = entry.alert;
  if (query.min_level && alert.riskLevel < *query.min_level) return false;
  if (query.handled && entry.ack.has_value() != *query.handled) return false;
  if (alert.lastUpdatedTs < query.since) return false;
  if (query.until && alert.lastUpdatedTs > *query.until) return false;
  if (query.cursor && !after_cursor(alert, *query.cursor)) return false;
  return true;
}

JsonValue inbox_json(const InboxAlert& entry) {
  JsonValue json = JsonValue::parse(entry.json, nullptr, false);
  if (!json.is_object()) json = JsonValue::object();
  json["handled"] = entry.ack.has_value();
  json["ack"] = entry.ack ? to_json(*entry.ack) : JsonValue();
  return json;
}

http::Response store_unavailable(const Error& error) {
  return http::error_response(http::Status::service_unavailable, "store_unavailable",
                              "result store unavailable: " + error.message);
}

// Every stored alert record of the camera (or all), decoded, with its ack.
Result<std::vector<InboxAlert>> read_inbox(store::ResultStore& store, AlertAcks& acks,
                                           const std::string& camera_id) {
  auto texts = store.alerts(camera_id, kMaxListLimit);
  if (!texts) return tl::unexpected(texts.error());
  std::vector<InboxAlert> inbox;
  std::vector<std::string> ids;
  for (auto& text : *texts) {
    auto alert = messages::decode_alert(text);
    if (!alert) {
      get_logger("api")->warn("skipping a stored alert that does not decode: {}",
                              alert.error().message);
      continue;
    }
    if (!alert->alertId.empty()) ids.push_back(alert->alertId);
    inbox.push_back({std::move(text), std::move(*alert), std::nullopt});
  }
  auto found = acks.get(ids);
  if (!found) return tl::unexpected(found.error());
  for (auto& entry : inbox) {
    if (const auto it = found->find(entry.alert.alertId); it != found->end()) {
      entry.ack = it->second;
    }
  }
  return inbox;
}

http::Response list_alerts(const http::RequestContext& context, store::ResultStore& store,
                           AlertAcks& acks) {
  auto parsed = parse_alert_query(context);
  if (auto* bad = std::get_if<http::Response>(&parsed)) return std::move(*bad);
  const auto& query = std::get<AlertQuery>(parsed);
  auto inbox = read_inbox(store, acks, query.camera_id);
  if (!inbox) return store_unavailable(inbox.error());
  const AlertPage page = select_alerts(*inbox, query);
  JsonValue items = JsonValue::array();
  for (const auto* entry : page.items) items.push_back(inbox_json(*entry));
  auto response = http::json_response(
      http::Status::ok,
      messages::dump(JsonValue{
          {"code", 200},
          {"msg", "OK"},
          {"data", std::move(items)},
          {"nextCursor", page.next_cursor ? JsonValue(*page.next_cursor) : JsonValue()}}));
  if (page.next_cursor) response.set("X-Next-Cursor", *page.next_cursor);
  return response;
}

http::Response ack_alert(const http::RequestContext& context, store::ResultStore& store,
                         AlertAcks& acks, Clock& clock) {
  const std::string& alert_id = context.path_params.at("alertId");
  const auto body = nlohmann::json::parse(context.request.body(), nullptr, false);
  if (!context.request.body().empty() && !body.is_object()) {
    return http::error_response(http::Status::bad_request, "bad_body",
                                "body: expected a JSON object {note, by?}");
  }
  AlertAck ack;
  ack.at = clock.epoch_ms();
  ack.by = "operator";
  if (body.is_object()) {
    const auto note = body.value("note", nlohmann::json(""));
    const auto by = body.value("by", nlohmann::json(""));
    if (!note.is_string() || !by.is_string()) {
      return http::error_response(http::Status::bad_request, "bad_body",
                                  "note and by: expected strings");
    }
    ack.note = note.get<std::string>();
    if (!by.get<std::string>().empty()) ack.by = by.get<std::string>();
  }
  if (ack.note.size() > kMaxAckNoteBytes || ack.by.size() > kMaxAckByBytes) {
    return http::error_response(http::Status::payload_too_large, "too_long",
                                "note: at most " + std::to_string(kMaxAckNoteBytes) +
                                    " bytes; by: at most " + std::to_string(kMaxAckByBytes));
  }
  // Only alerts the store holds: an ack for a made-up id would sit in Redis
  // for nobody.
  auto inbox = read_inbox(store, acks, "");
  if (!inbox) return store_unavailable(inbox.error());
  const bool known = std::any_of(inbox->begin(), inbox->end(), [&](const InboxAlert& entry) {
    return entry.alert.alertId == alert_id;
  });
  if (!known || alert_id.empty()) {
    return http::error_response(http::Status::not_found, "unknown_alert",
                                "no alert " + alert_id + " in the recent alerts");
  }
  if (auto stored = acks.put(alert_id, ack); !stored) return store_unavailable(stored.error());
  return envelope(http::Status::ok,
                  JsonValue{{"alertId", alert_id}, {"handled", true}, {"ack", to_json(ack)}});
}

}  // namespace

std::variant<AlertQuery, http::Response> parse_alert_query(const http::RequestContext& context) {
  AlertQuery query;
  query.camera_id = context.query_param("cameraId").value_or("");
  if (const auto text = context.query_param("limit"); text && !text->empty()) {
    const auto value = parse_int(*text);
    if (!value || *value < 1 || *value > kMaxListLimit) {
      return bad_param("limit", "an integer from 1 to " + std::to_string(kMaxListLimit), *text);
    }
    query.limit = static_cast<int>(*value);
  } else {
    query.limit = kDefaultListLimit;
  }
  if (const auto level = context.query_param("level"); level && !level->empty()) {
    query.min_level = messages::parse_risk_level(*level);
    if (!query.min_level) return bad_param("level", "low, medium, high or critical", *level);
  }
  if (const auto handled = context.query_param("handled"); handled && !handled->empty()) {
    if (*handled != "true" && *handled != "false") {
      return bad_param("handled", "true or false", *handled);
    }
    query.handled = *handled == "true";
  }
  for (const char* name : {"since", "until"}) {
    const auto text = context.query_param(name);
    if (!text || text->empty()) continue;
    const auto value = parse_int(*text);
    if (!value || *value < 0) return bad_param(name, "epoch milliseconds >= 0", *text);
    if (std::string_view(name) == "since") {
      query.since = *value;
    } else {
      query.until = *value;
    }
  }
  if (const auto cursor = context.query_param("cursor"); cursor && !cursor->empty()) {
    const size_t colon = cursor->find(':');
    const auto ts = colon == std::string::npos
                        ? std::nullopt
                        : parse_int(std::string_view(*cursor).substr(0, colon));
    if (!ts) return bad_param("cursor", "a nextCursor from an earlier page", *cursor);
    query.cursor = std::pair{*ts, cursor->substr(colon + 1)};
  }
  return query;
}

AlertPage select_alerts(std::vector<InboxAlert>& alerts, const AlertQuery& query) {
  std::stable_sort(alerts.begin(), alerts.end(), [](const InboxAlert& a, const InboxAlert& b) {
    return newer(a.alert, b.alert);
  });
  AlertPage page;
  for (const auto& entry : alerts) {
    if (!keep(entry, query)) continue;
    if (static_cast<int>(page.items.size()) == query.limit) {
      page.next_cursor = cursor_of(page.items.back()->alert);
      break;
    }
    page.items.push_back(&entry);
  }
  return page;
}

void add_alert_routes(http::Router& router, store::ResultStorePtr store, AlertAcksPtr acks,
                      Clock& clock) {
  router.add(http::Verb::get, "/api/alerts", [store, acks](http::RequestContext& context) {
    return list_alerts(context, *store, *acks);
  });
  router.add(http::Verb::post, "/api/alerts/{alertId}/ack",
             [store, acks, &clock](http::RequestContext& context) {
               return ack_alert(context, *store, *acks, clock);
             });
}

}  // namespace tmon::api
