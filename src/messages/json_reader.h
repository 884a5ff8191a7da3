#pragma once

// Reads fields out of a parsed JSON message (internal to the codecs). Each
// reader knows its field path ("trafficGroups[1].objectIds[0]") so errors name
// exactly what was wrong. Readers made from one root share a single error: the
// first failure is recorded and later ones are dropped, since they are
// usually its consequences. Nothing here throws.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tmon::messages::detail {

using Json = nlohmann::json;

class JsonReader {
 public:
  // `root` must outlive the reader and every reader derived from it.
  explicit JsonReader(const Json& root);

  // No failure recorded yet by this reader or any reader sharing its root.
  bool ok() const { return error_->empty(); }
  // The first failure, "<path>: <what>"; empty while ok().
  const std::string& error() const { return *error_; }
  const std::string& path() const { return path_; }

  // False for a missing field. A JSON null field counts as missing, because
  // the original Python system writes None for fields it has no value for.
  bool present() const { return value_ != nullptr; }
  // Precondition: present().
  const Json& json() const { return *value_; }

  // Records "<path>: <what>" unless a failure is already recorded.
  void fail(std::string_view what) const;
  // Records "required field missing" when absent; returns present().
  bool require() const;
  // Records "expected an object/array, got <type>" on mismatch (or
  // "required field missing" when absent).
  bool expect_object() const;
  bool expect_array() const;

  // The member `key` of this object; absent when this is not an object.
  JsonReader field(std::string_view key) const;
  // Element `index` of this array (a null element stays present, so it fails
  // typed reads). Precondition: an array with more than `index` elements.
  JsonReader element(size_t index) const;
  // Number of elements of an array or members of an object, else 0.
  size_t size() const;

  // Typed reads of this value. On success *out is assigned and true returned;
  // on mismatch a failure is recorded, *out is untouched and false returned.
  // Integers accept integral floats (3.0) and reject 3.5 or out-of-range
  // values; doubles accept integers.
  bool get(std::string* out) const;
  bool get(bool* out) const;
  bool get(int* out) const;
  bool get(int64_t* out) const;
  bool get(double* out) const;
  bool get(std::map<std::string, int>* out) const;  // an object of integers
  template <typename T>
  bool get(std::vector<T>* out) const;

  // A field that may be absent: absent leaves *out untouched and returns
  // false; present must have the right type.
  template <typename T>
  bool optional(std::string_view key, T* out) const {
    const JsonReader member = field(key);
    return member.present() && member.get(out);
  }
  // A field that must be present and of the right type.
  template <typename T>
  bool required(std::string_view key, T* out) const {
    const JsonReader member = field(key);
    return member.require() && member.get(out);
  }
  // optional(), and the value must lie in [lowest, highest] (else "out of
  // range [lo, hi]" is recorded): integers that are negated or used as
  // sizes, numbers with a meaning bounded by nature (a confidence).
  bool optional_in_range(std::string_view key, int* out, int lowest, int highest) const;
  bool optional_in_range(std::string_view key, int64_t* out, int64_t lowest, int64_t highest) const;
  bool optional_in_range(std::string_view key, double* out, double lowest, double highest) const;
  // A required string that must also be non-empty (identifiers).
  bool required_non_empty(std::string_view key, std::string* out) const;

  // Calls fn(element_reader, index) for each element of this array; records
  // a failure if this is not an array.
  template <typename Fn>
  bool for_each(Fn&& fn) const {
    if (!expect_array()) return false;
    for (size_t i = 0; i < value_->size(); ++i) fn(element(i), i);
    return ok();
  }

 private:
  JsonReader(const Json* value, std::string path, std::shared_ptr<std::string> error);
  template <typename T>
  bool read_in_range(std::string_view key, T* out, T lowest, T highest) const;

  std::string child_path(std::string_view key) const;

  const Json* value_;
  std::string path_;
  std::shared_ptr<std::string> error_;
};

template <typename T>
bool JsonReader::get(std::vector<T>* out) const {
  if (!expect_array()) return false;
  std::vector<T> items(value_->size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (!element(i).get(&items[i])) return false;
  }
  *out = std::move(items);
  return true;
}

}  // namespace tmon::messages::detail
