#pragma once

// The boundary between message text and JSON values (internal): parsing that
// never throws, and serialisation that cannot fail.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"
#include "messages/json_reader.h"

namespace tmon::messages::detail {

// Encoders build ordered objects so fields appear in struct order, which
// keeps messages readable in logs and topic dumps.
using OrderedJson = nlohmann::ordered_json;

// Parses `text` as a JSON object. Errors (kParse): "invalid JSON: <detail>"
// or "expected a JSON object".
Result<Json> parse_json_object(std::string_view text);

// Compact UTF-8 JSON. Invalid UTF-8 inside strings is replaced with U+FFFD
// rather than throwing, so encoding can never fail.
std::string dump_json(const OrderedJson& value);

// Parses `text` and fills a T with read(reader, &message); any failure the
// reader recorded becomes the error. Catches nlohmann's exceptions as a last
// line of defence so decoding can never throw.
// The same for a JSON value already parsed.
template <typename T, typename ReadFn>
Result<T> decode_value(const Json& root, ReadFn&& read) {
  try {
    if (!root.is_object()) return make_error(ErrorCode::kParse, "expected a JSON object");
    const JsonReader reader(root);
    T message;
    read(reader, &message);
    if (!reader.ok()) return make_error(ErrorCode::kParse, reader.error());
    return message;
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kParse, std::string("unexpected JSON error: ") + e.what());
  }
}

template <typename T, typename ReadFn>
Result<T> decode_message(std::string_view text, ReadFn&& read) {
  Result<Json> root = make_error(ErrorCode::kParse, "not parsed");
  try {
    // Not only parse errors: a number out of range throws out_of_range.
    root = parse_json_object(text);
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kParse, std::string("unexpected JSON error: ") + e.what());
  }
  if (!root) return tl::unexpected(std::move(root.error()));
  return decode_value<T>(*root, std::forward<ReadFn>(read));
}

}  // namespace tmon::messages::detail
