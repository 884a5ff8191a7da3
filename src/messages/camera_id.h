#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tmon::messages {

// A camera's id: text inside tmon (map keys, Kafka keys, Redis keys, metric
// labels all use its decimal text), remembering whether it arrived as a JSON
// integer. The original system numbers cameras (the front end takes ids from
// a database table) and its consumers compare them as numbers, so tmon echoes
// an id in the type it came in: an integer id in detection-results stays an
// integer in the task, the result, the Redis view and on /ws (COMPAT.md).
//
// It *is* a std::string so that every piece of code that copies a message's
// cameraId (the generator, the scheduler) carries the type along without
// knowing about it, and every piece that only needs the text keeps working.
// Compared with another CameraId, the type counts; compared with text, only
// the text does.
class CameraId : public std::string {
 public:
  CameraId() = default;
  CameraId(std::string text) : std::string(std::move(text)) {}  // NOLINT: implicit by design
  CameraId(const char* text) : std::string(text) {}             // NOLINT: implicit by design
  CameraId(std::string_view text) : std::string(text) {}        // NOLINT: implicit by design

  // An id that arrived as the JSON integer `number`.
  static CameraId integer(int64_t number);
  // The id written in `text`, as an integer when `as_integer` and the text is
  // a canonical decimal integer ("901", not "0901" or "+9"), else as text.
  static CameraId with_type(std::string text, bool as_integer);

  // True when the JSON form is a number.
  bool is_integer() const { return integer_; }
  // The number, when is_integer().
  std::optional<int64_t> number() const;

  const std::string& text() const { return *this; }

  // Exact overloads, so that comparisons never weigh std::string's
  // templates against these (C++20 rewritten candidates would be ambiguous).
  friend bool operator==(const CameraId& a, const CameraId& b) {
    return a.text() == b.text() && a.integer_ == b.integer_;
  }
  friend bool operator==(const CameraId& a, const std::string& b) { return a.text() == b; }
  friend bool operator==(const CameraId& a, std::string_view b) { return a.text() == b; }
  friend bool operator==(const CameraId& a, const char* b) { return a.text() == b; }

 private:
  bool integer_ = false;
};

// The canonical decimal integer `text` spells, if it is one: what an id that
// arrived as a number looks like as text.
std::optional<int64_t> canonical_integer(std::string_view text);

}  // namespace tmon::messages
