#include "config/yaml_reader.h"

#include <algorithm>
#include <limits>

#include "config/env_expand.h"
#include "config/scalar.h"

namespace tmon::config {
namespace {

// Values are echoed in messages to show what was read. Only a short prefix:
// enough to recognise a typo, too little to carry a secret pasted under the
// wrong key (or a blob that would bury the message); control characters
// become spaces so a value cannot forge log lines.
std::string quote(std::string_view value) {
  constexpr size_t kMaxShown = 24;
  std::string out = "\"";
  for (char c : value.substr(0, kMaxShown)) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  if (value.size() > kMaxShown) out += "...";
  return out + "\"";
}

// Whatever sits under api_keys may be a key, even where a number was meant
// (a key pasted into qps_limit): its values are never shown, only their size.
bool holds_secrets(std::string_view path) {
  return path == "api_keys" || path.starts_with("api_keys[") || path.starts_with("api_keys.");
}

// `value` as a message may show it, read at `path`. A number is no key, so
// `qps_limit: 0` still says what was wrong.
std::string shown(std::string_view path, std::string_view value) {
  if (holds_secrets(path) && !(value.size() <= 24 && parse_double(value))) {
    return "a value of " + std::to_string(value.size()) + " characters";
  }
  return quote(value);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "did you mean" only for near misses: up to two edits catch a dropped or
// swapped letter in long keys, while short keys allow one so that unrelated
// short words are not suggested.
std::string suggestion(std::string_view key, const std::set<std::string, std::less<>>& known) {
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& candidate : known) {
    const size_t allowed = candidate.size() <= 4 ? 1 : 2;
    const size_t d = edit_distance(key, candidate);
    if (d <= allowed && d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best.empty() ? "" : " (did you mean " + quote(best) + "?)";
}

std::string join_path(std::string_view base, std::string_view key) {
  return base.empty() ? std::string(key) : std::string(base) + "." + std::string(key);
}

}  // namespace

int line_of(const YAML::Node& node) {
  const int line = node.Mark().line;
  return line >= 0 ? line + 1 : 0;
}

// ---- FileContext ---------------------------------------------------------

FileContext::FileContext(std::string file, EnvLookup env, bool strict)
    : file_(std::move(file)), env_(std::move(env)), strict_(strict) {}

MapReader FileContext::root(const YAML::Node& document) {
  if (document.IsDefined() && !document.IsNull() && !document.IsMap()) {
    std::string message = "expected a map of settings";
    if (document.IsScalar()) message += ", got " + quote(document.Scalar());
    fail(line_of(document), "", std::move(message));
  }
  return MapReader(*this, document, "", line_of(document));
}

void FileContext::fail(int line, std::string_view key, std::string message) {
  if (error_) return;
  Diagnostic where{file_, line, std::string(key), std::move(message)};
  error_ = Error{ErrorCode::kInvalidArgument, where.to_string()};
}

void FileContext::warn(int line, std::string_view key, std::string message) {
  warnings_.push_back(Diagnostic{file_, line, std::string(key), std::move(message)});
}

FileContext::VisitedMap* FileContext::visit(const YAML::Node& node, std::string path) {
  // A map read through two readers must pool what both asked for, or each
  // would report the other's keys as unknown.
  for (auto& map : visited_) {
    if (map.node.is(node)) return &map;
  }
  visited_.push_back(VisitedMap{node, std::move(path), {}});
  return &visited_.back();
}

void FileContext::check_duplicates(const VisitedMap& map) {
  // yaml-cpp keeps both entries of a repeated key and lookups see the first,
  // so the second would be silently ignored.
  std::set<std::string, std::less<>> seen;
  for (auto it = map.node.begin(); it != map.node.end() && !error_; ++it) {
    if (!it->first.IsScalar()) continue;
    if (!seen.insert(it->first.Scalar()).second) {
      fail(line_of(it->first), join_path(map.path, it->first.Scalar()), "duplicate key");
    }
  }
}

void FileContext::collect_unknown(const VisitedMap& map, std::vector<Diagnostic>& out) const {
  for (auto it = map.node.begin(); it != map.node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (map.known.count(key) > 0) continue;
    // A key pasted where a setting's name goes is not echoed either.
    const bool hide = holds_secrets(map.path) && key.size() > 24;
    out.push_back(Diagnostic{
        file_, line_of(it->first),
        join_path(map.path,
                  hide ? "(a name of " + std::to_string(key.size()) + " characters)" : key),
        "unknown key" + (hide ? "" : suggestion(key, map.known))});
  }
}

Result<std::vector<Diagnostic>> FileContext::finish() {
  for (const auto& map : visited_) check_duplicates(map);
  if (!error_) {
    std::vector<Diagnostic> unknown;
    for (const auto& map : visited_) collect_unknown(map, unknown);
    std::stable_sort(unknown.begin(), unknown.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
    if (strict_ && !unknown.empty()) {
      fail(unknown.front().line, unknown.front().key, unknown.front().message);
    } else {
      warnings_.insert(warnings_.end(), unknown.begin(), unknown.end());
    }
  }
  if (error_) return tl::unexpected(*error_);
  std::stable_sort(warnings_.begin(), warnings_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
  return warnings_;
}

// ---- MapReader -----------------------------------------------------------

MapReader::MapReader(FileContext& ctx, const YAML::Node& node, std::string path, int line)
    : ctx_(&ctx), node_(node), path_(std::move(path)), line_(line), visited_(nullptr) {
  if (node_.IsDefined() && node_.IsMap()) visited_ = ctx.visit(node_, path_);
}

std::optional<MapReader::Entry> MapReader::find_key(std::string_view key) const {
  if (visited_ == nullptr) return std::nullopt;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return Entry{it->first, it->second};
  }
  return std::nullopt;
}

std::optional<MapReader::Entry> MapReader::find(std::string_view key) {
  if (visited_ != nullptr) visited_->known.emplace(key);
  if (ctx_->failed()) return std::nullopt;
  auto entry = find_key(key);
  // `key:` with no value (or ~) is the same as an absent key: the default.
  if (!entry || !entry->value.IsDefined() || entry->value.IsNull()) return std::nullopt;
  return entry;
}

bool MapReader::has(std::string_view key) {
  return find(key).has_value();
}

bool MapReader::plain_scalar(std::string_view key) {
  const auto entry = find(key);
  // yaml-cpp tags a plain scalar "?" and a quoted one "!".
  return entry && entry->value.IsScalar() && entry->value.Tag() == "?";
}

int MapReader::line_of(std::string_view key) const {
  const auto entry = find_key(key);
  const int line = entry ? config::line_of(entry->key) : 0;
  return line > 0 ? line : line_;
}

std::string MapReader::path_of(std::string_view key) const {
  return join_path(path_, key);
}

void MapReader::fail(std::string_view key, std::string message) {
  ctx_->fail(line_of(key), path_of(key), std::move(message));
}

void MapReader::warn(std::string_view key, std::string message) {
  ctx_->warn(line_of(key), path_of(key), std::move(message));
}

void MapReader::fail_value(std::string_view key, std::string_view expected, std::string_view got) {
  fail(key, "expected " + std::string(expected) + ", got " + shown(path_of(key), got));
}

std::optional<std::string> MapReader::scalar(std::string_view key, std::string_view expected) {
  const auto entry = find(key);
  if (!entry) return std::nullopt;
  if (!entry->value.IsScalar()) {
    fail(key, "expected " + std::string(expected));
    return std::nullopt;
  }
  auto expanded = expand_env(entry->value.Scalar(), ctx_->env());
  if (!expanded) {
    fail(key, expanded.error().message);
    return std::nullopt;
  }
  return std::move(*expanded);
}

void MapReader::read(std::string_view key, std::string& out, const Check<std::string>& check) {
  auto text = scalar(key, check.ok ? check.expected : "a string");
  if (!text) return;
  if (check.ok && !check.ok(*text)) return fail_value(key, check.expected, *text);
  out = std::move(*text);
}

void MapReader::read(std::string_view key, int64_t& out, const Check<int64_t>& check) {
  const auto text = scalar(key, check.ok ? check.expected : "an integer");
  if (!text) return;
  const auto value = parse_int64(*text);
  if (!value) return fail_value(key, check.ok ? check.expected : "an integer", *text);
  if (check.ok && !check.ok(*value)) return fail_value(key, check.expected, *text);
  out = *value;
}

void MapReader::read(std::string_view key, int& out, const Check<int64_t>& check) {
  int64_t wide = out;  // unchanged when the key is absent
  read(key, wide, check);
  if (failed()) return;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    return fail_value(key, "an integer that fits in 32 bits", std::to_string(wide));
  }
  out = static_cast<int>(wide);
}

void MapReader::read(std::string_view key, double& out, const Check<double>& check) {
  const auto text = scalar(key, check.ok ? check.expected : "a number");
  if (!text) return;
  const auto value = parse_double(*text);
  if (!value) return fail_value(key, check.ok ? check.expected : "a number", *text);
  if (check.ok && !check.ok(*value)) return fail_value(key, check.expected, *text);
  out = *value;
}

void MapReader::read(std::string_view key, bool& out) {
  const auto text = scalar(key, "true or false");
  if (!text) return;
  const auto value = parse_bool(*text);
  if (!value) return fail_value(key, "true or false", *text);
  out = *value;
}

void MapReader::read(std::string_view key, std::vector<std::string>& out,
                     const Check<std::string>& check) {
  const auto entry = find(key);
  if (!entry) return;
  if (!entry->value.IsSequence()) {
    return fail(
        key,
        "expected a list of strings" +
            (entry->value.IsScalar() ? ", got " + shown(path_of(key), entry->value.Scalar()) : ""));
  }
  std::vector<std::string> values;
  for (size_t i = 0; i < entry->value.size(); ++i) {
    const YAML::Node item = entry->value[i];
    const std::string path = path_of(key) + "[" + std::to_string(i) + "]";
    const int line = config::line_of(item);
    if (!item.IsScalar()) return ctx_->fail(line, path, "expected a string");
    auto expanded = expand_env(item.Scalar(), ctx_->env());
    if (!expanded) return ctx_->fail(line, path, expanded.error().message);
    if (check.ok && !check.ok(*expanded)) {
      return ctx_->fail(line, path,
                        "expected " + check.expected + ", got " + shown(path, *expanded));
    }
    values.push_back(std::move(*expanded));
  }
  out = std::move(values);
}

void MapReader::read_properties(std::string_view key, std::map<std::string, std::string>& out) {
  const auto entry = find(key);
  if (!entry) return;
  if (!entry->value.IsMap()) return fail(key, "expected a map of strings");
  std::map<std::string, std::string> values;
  for (auto it = entry->value.begin(); it != entry->value.end(); ++it) {
    const std::string name = it->first.IsScalar() ? it->first.Scalar() : "?";
    const std::string path = path_of(key) + "." + name;
    const int line = config::line_of(it->first);
    if (!it->first.IsScalar() || !it->second.IsScalar()) {
      return ctx_->fail(line, path, "expected a string");
    }
    auto expanded = expand_env(it->second.Scalar(), ctx_->env());
    if (!expanded) return ctx_->fail(line, path, expanded.error().message);
    if (!values.emplace(name, std::move(*expanded)).second) {
      return ctx_->fail(line, path, "duplicate key");
    }
  }
  out = std::move(values);
}

MapReader MapReader::map(std::string_view key) {
  const auto entry = find(key);
  if (entry && !entry->value.IsMap()) {
    std::string message = "expected a map";
    if (entry->value.IsScalar()) message += ", got " + shown(path_of(key), entry->value.Scalar());
    fail(key, std::move(message));
  }
  const YAML::Node node = entry && entry->value.IsMap() ? entry->value : YAML::Node();
  return MapReader(*ctx_, node, path_of(key), line_of(key));
}

bool MapReader::for_each(std::string_view key,
                         const std::function<void(MapReader& item, size_t index)>& fn) {
  const auto entry = find(key);
  if (!entry) return false;
  if (!entry->value.IsSequence()) {
    std::string message = "expected a list";
    if (entry->value.IsScalar()) message += ", got " + shown(path_of(key), entry->value.Scalar());
    fail(key, std::move(message));
    return true;
  }
  size_t index = 0;
  for (auto it = entry->value.begin(); it != entry->value.end() && !failed(); ++it, ++index) {
    const std::string path = path_of(key) + "[" + std::to_string(index) + "]";
    const int line = config::line_of(*it) > 0 ? config::line_of(*it) : line_of(key);
    if (!it->IsMap()) {
      std::string message = "expected a map";
      if (it->IsScalar()) message += ", got " + shown(path, it->Scalar());
      ctx_->fail(line, path, std::move(message));
      break;
    }
    MapReader item(*ctx_, *it, path, line);
    fn(item, index);
  }
  return true;
}

}  // namespace tmon::config
