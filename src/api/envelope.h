#pragma once

#include <string>
#include <string_view>

#include "http/types.h"
#include "messages/codec.h"

namespace tmon::api {

// The original system's HTTP envelope: {"code": <status>, "msg": "OK", "data": ...}.
http::Response envelope(http::Status status, const messages::JsonValue& data);
// The same around `data_json`, JSON text already made (a stored view), which
// is embedded as it is rather than parsed and dumped again.
http::Response envelope_raw(http::Status status, std::string_view data_json);

// A /ws message in the original's envelope, both directions: {"type": T, "data": {...}}.
std::string ws_message(std::string_view type, const messages::JsonValue& data);

}  // namespace tmon::api
