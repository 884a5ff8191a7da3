#pragma once

// A small typed walker over a parsed YAML file. The loaders of the four files
// describe their schema as reads ("scheduler" is a map, its "queue_size" an
// integer >= 1); the walker converts, checks, remembers which keys were asked
// for and afterwards reports every key nobody asked for, which is how typos
// such as "schedular:" surface instead of silently meaning "defaults".

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/checks.h"
#include "config/load.h"

namespace tmon::config {

class MapReader;

// The state of one file's walk. Not thread-safe; one per file.
class FileContext {
 public:
  // file: the path used in messages; env expands ${VAR}; strict turns unknown
  // keys into errors.
  FileContext(std::string file, EnvLookup env, bool strict);
  FileContext(const FileContext&) = delete;
  FileContext& operator=(const FileContext&) = delete;

  // The reader of the document root. An empty document (empty file, or only
  // comments) reads as an empty map, i.e. all defaults.
  MapReader root(const YAML::Node& document);

  const std::string& file() const { return file_; }
  const EnvLookup& env() const { return env_; }
  bool failed() const { return error_.has_value(); }

  // Records an error. Only the first is kept, and once there is one every
  // read is a no-op: later errors are often consequences of the first.
  void fail(int line, std::string_view key, std::string message);
  void warn(int line, std::string_view key, std::string message);

  // Ends the walk: checks for duplicate and unknown keys, then returns the
  // warnings in line order, or the first error.
  Result<std::vector<Diagnostic>> finish();

 private:
  friend class MapReader;
  struct VisitedMap {
    YAML::Node node;
    std::string path;
    std::set<std::string, std::less<>> known;  // keys the loader asked for
  };

  VisitedMap* visit(const YAML::Node& node, std::string path);
  void check_duplicates(const VisitedMap& map);
  void collect_unknown(const VisitedMap& map, std::vector<Diagnostic>& out) const;

  std::string file_;
  EnvLookup env_;
  bool strict_;
  std::deque<VisitedMap> visited_;  // a deque: MapReaders hold pointers into it
  std::vector<Diagnostic> warnings_;
  std::optional<Error> error_;
};

// A typed view of one YAML map. Every read names a key; when the key is absent
// or has no value (`key:`) the output keeps its default. Otherwise the scalar
// is ${VAR}-expanded, converted and checked; a failure is recorded in the
// FileContext as "file:line: path.key: expected ...[, got \"value\"]" and the
// output is left unchanged. Cheap to copy; valid while its FileContext lives.
class MapReader {
 public:
  void read(std::string_view key, std::string& out, const Check<std::string>& check = {});
  void read(std::string_view key, int& out, const Check<int64_t>& check = {});
  void read(std::string_view key, int64_t& out, const Check<int64_t>& check = {});
  void read(std::string_view key, double& out, const Check<double>& check = {});
  void read(std::string_view key, bool& out);

  // A list of strings (`[a, b]` or one `- a` per line), each ${VAR}-expanded
  // and checked; a failure names the element ("detection.classes[2]").
  void read(std::string_view key, std::vector<std::string>& out,
            const Check<std::string>& check = {});

  // A free-form string -> string map (librdkafka properties): any key is
  // accepted, values are scalars and are ${VAR}-expanded.
  void read_properties(std::string_view key, std::map<std::string, std::string>& out);

  // The map under key; an empty reader when absent.
  MapReader map(std::string_view key);

  // Calls fn for each element of the list under key, each of which must be a
  // map. Returns false when the key is absent, true when present (even if it
  // is an empty list or an error was recorded).
  bool for_each(std::string_view key, const std::function<void(MapReader& item, size_t index)>& fn);

  bool has(std::string_view key);  // present with a value
  // Present as a plain scalar (written without quotes): `id: 3` is a
  // number, `id: "3"` a string.
  bool plain_scalar(std::string_view key);
  int line_of(std::string_view key) const;          // the key's line, else this map's
  std::string path_of(std::string_view key) const;  // "scheduler.queue_size"
  const std::string& path() const { return path_; }
  int line() const { return line_; }
  bool failed() const { return ctx_->failed(); }

  // For cross-field checks done by the caller ("min_cooldown <= max_cooldown").
  void fail(std::string_view key, std::string message);
  void warn(std::string_view key, std::string message);

 private:
  friend class FileContext;
  struct Entry {
    YAML::Node key;
    YAML::Node value;
  };

  MapReader(FileContext& ctx, const YAML::Node& node, std::string path, int line);
  std::optional<Entry> find_key(std::string_view key) const;  // value may be null
  std::optional<Entry> find(std::string_view key);            // registers key as known
  // The expanded scalar under key, or nullopt (absent, or an error recorded).
  std::optional<std::string> scalar(std::string_view key, std::string_view expected);
  void fail_value(std::string_view key, std::string_view expected, std::string_view got);

  FileContext* ctx_;
  YAML::Node node_;
  std::string path_;
  int line_;
  FileContext::VisitedMap* visited_;  // null when node_ is not a map
};

// 1-based line of a node, or 0 when yaml-cpp has no position for it.
int line_of(const YAML::Node& node);

}  // namespace tmon::config
