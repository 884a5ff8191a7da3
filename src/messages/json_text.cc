#include "messages/json_text.h"

#include "messages/codec.h"
#include "messages/utf8.h"

namespace tmon::messages::detail {
namespace {

// nlohmann quotes the token it was reading, which for an unterminated string
// can be the whole rest of a multi-megabyte image; the reason ends up in dead
// letters and logs, so keep it short.
constexpr size_t kMaxDetailBytes = 200;

std::string describe(const nlohmann::json::exception& error) {
  std::string_view detail = error.what();
  // Drop the "[json.exception.parse_error.101] " prefix: noise for operators.
  if (const size_t end = detail.find("] ");
      !detail.empty() && detail.front() == '[' && end != std::string_view::npos) {
    detail.remove_prefix(end + 2);
  }
  // The quoted token holds raw input bytes, which need not be UTF-8.
  return sanitize_utf8(truncate_utf8(detail, kMaxDetailBytes));
}

}  // namespace

Result<Json> parse_json_object(std::string_view text) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double
    // (1e999): both are bytes that are not a message.
    return make_error(ErrorCode::kParse, "invalid JSON: " + describe(e));
  }
  if (!root.is_object()) return make_error(ErrorCode::kParse, "expected a JSON object");
  return root;
}

std::string dump_json(const OrderedJson& value) {
  return value.dump(/*indent=*/-1, /*indent_char=*/' ', /*ensure_ascii=*/false,
                    OrderedJson::error_handler_t::replace);
}

}  // namespace tmon::messages::detail

namespace tmon::messages {

std::string dump(const JsonValue& value) {
  return detail::dump_json(value);
}

}  // namespace tmon::messages
