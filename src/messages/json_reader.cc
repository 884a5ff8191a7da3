#include "messages/json_reader.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace tmon::messages::detail {
namespace {

std::string got(const Json& value) {
  return std::string(", got ") + value.type_name();
}

// The integer a JSON number holds, or a description of why it is not one.
// Integral floats are accepted because some producers (Python's json with
// numpy values, JavaScript) write 3.0 for 3.
bool to_int64(const Json& value, int64_t* out, std::string* why) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    *out = value.get<int64_t>();
    return true;
  }
  if (value.is_number_unsigned()) {
    const auto unsigned_value = value.get<uint64_t>();
    if (unsigned_value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      *why = "integer out of range";
      return false;
    }
    *out = static_cast<int64_t>(unsigned_value);
    return true;
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::trunc(number) != number) {
      *why = "expected an integer, got a fractional number";
      return false;
    }
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    constexpr double kLimit = 9223372036854775808.0;
    if (number >= kLimit || number < -kLimit) {
      *why = "integer out of range";
      return false;
    }
    *out = static_cast<int64_t>(number);
    return true;
  }
  *why = "expected an integer" + got(value);
  return false;
}

}  // namespace

namespace {
template <typename T>
std::string fmt_number(T value) {
  std::ostringstream out;
  out << value;
  return out.str();
}
}  // namespace

JsonReader::JsonReader(const Json& root)
    : JsonReader(&root, std::string(), std::make_shared<std::string>()) {}

JsonReader::JsonReader(const Json* value, std::string path, std::shared_ptr<std::string> error)
    : value_(value), path_(std::move(path)), error_(std::move(error)) {}

void JsonReader::fail(std::string_view what) const {
  if (!error_->empty()) return;
  if (path_.empty()) {
    *error_ = std::string(what);
  } else {
    *error_ = path_ + ": " + std::string(what);
  }
}

bool JsonReader::require() const {
  if (!present()) fail("required field missing");
  return present();
}

bool JsonReader::expect_object() const {
  if (!require()) return false;
  if (value_->is_object()) return true;
  fail("expected an object" + got(*value_));
  return false;
}

bool JsonReader::expect_array() const {
  if (!require()) return false;
  if (value_->is_array()) return true;
  fail("expected an array" + got(*value_));
  return false;
}

std::string JsonReader::child_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  std::string path = path_;
  path += '.';
  path += key;
  return path;
}

JsonReader JsonReader::field(std::string_view key) const {
  const Json* member = nullptr;
  if (value_ != nullptr && value_->is_object()) {
    const auto it = value_->find(key);
    if (it != value_->end() && !it->is_null()) member = &*it;
  }
  return JsonReader(member, child_path(key), error_);
}

JsonReader JsonReader::element(size_t index) const {
  return JsonReader(&(*value_)[index], path_ + "[" + std::to_string(index) + "]", error_);
}

size_t JsonReader::size() const {
  if (value_ == nullptr || !(value_->is_array() || value_->is_object())) return 0;
  return value_->size();
}

bool JsonReader::get(std::string* out) const {
  if (!value_->is_string()) {
    fail("expected a string" + got(*value_));
    return false;
  }
  *out = value_->get_ref<const std::string&>();
  return true;
}

bool JsonReader::get(bool* out) const {
  if (!value_->is_boolean()) {
    fail("expected a boolean" + got(*value_));
    return false;
  }
  *out = value_->get<bool>();
  return true;
}

bool JsonReader::get(int64_t* out) const {
  std::string why;
  if (!to_int64(*value_, out, &why)) {
    fail(why);
    return false;
  }
  return true;
}

bool JsonReader::get(int* out) const {
  int64_t wide = 0;
  if (!get(&wide)) return false;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    fail("integer out of range");
    return false;
  }
  *out = static_cast<int>(wide);
  return true;
}

bool JsonReader::get(double* out) const {
  if (!value_->is_number()) {
    fail("expected a number" + got(*value_));
    return false;
  }
  const double number = value_->get<double>();
  // JSON has no nan or inf, but 1e999 parses as inf; no field means that.
  if (!std::isfinite(number)) {
    fail("expected a finite number");
    return false;
  }
  *out = number;
  return true;
}

template <typename T>
bool JsonReader::read_in_range(std::string_view key, T* out, T lowest, T highest) const {
  const JsonReader member = field(key);
  T value{};
  if (!member.present() || !member.get(&value)) return false;
  if (value < lowest || value > highest) {
    member.fail("out of range [" + fmt_number(lowest) + ", " + fmt_number(highest) + "]");
    return false;
  }
  *out = value;
  return true;
}

bool JsonReader::optional_in_range(std::string_view key, int* out, int lowest, int highest) const {
  return read_in_range<int>(key, out, lowest, highest);
}

bool JsonReader::optional_in_range(std::string_view key, int64_t* out, int64_t lowest,
                                   int64_t highest) const {
  return read_in_range<int64_t>(key, out, lowest, highest);
}

bool JsonReader::optional_in_range(std::string_view key, double* out, double lowest,
                                   double highest) const {
  return read_in_range<double>(key, out, lowest, highest);
}

bool JsonReader::get(std::map<std::string, int>* out) const {
  if (!expect_object()) return false;
  std::map<std::string, int> entries;
  for (const auto& [key, value] : value_->items()) {
    if (!JsonReader(&value, child_path(key), error_).get(&entries[key])) return false;
  }
  *out = std::move(entries);
  return true;
}

bool JsonReader::required_non_empty(std::string_view key, std::string* out) const {
  const JsonReader member = field(key);
  std::string text;
  if (!member.require() || !member.get(&text)) return false;
  if (text.empty()) {
    member.fail("expected a non-empty string");
    return false;
  }
  *out = std::move(text);
  return true;
}

}  // namespace tmon::messages::detail
