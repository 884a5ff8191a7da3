#include "api/envelope.h"

namespace tmon::api {

http::Response envelope(http::Status status, const messages::JsonValue& data) {
  const messages::JsonValue body{{"code", static_cast<int>(status)}, {"msg", "OK"}, {"data", data}};
  return http::json_response(status, messages::dump(body));
}

http::Response envelope_raw(http::Status status, std::string_view data_json) {
  std::string body =
      R"({"code":)" + std::to_string(static_cast<int>(status)) + R"(,"msg":"OK","data":)";
  body.append(data_json);
  body.push_back('}');
  return http::json_response(status, std::move(body));
}

std::string ws_message(std::string_view type, const messages::JsonValue& data) {
  return messages::dump(messages::JsonValue{{"type", type}, {"data", data}});
}

}  // namespace tmon::api
