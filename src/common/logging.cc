#include "common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>
#include <vector>

namespace tmon {
namespace {

// Emits the log message as a JSON string body (without quotes), so JSON log
// lines stay parseable whatever the message contains.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            fmt::format_to(std::back_inserter(dest), "\\u{:04x}", static_cast<int>(c));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

struct LogState {
  std::mutex mu;
  std::vector<spdlog::sink_ptr> sinks;
  LogOptions options;
};

LogState& state() {
  static LogState s;
  return s;
}

std::unique_ptr<spdlog::formatter> make_formatter(bool json) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (json) {
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","component":"%n","msg":"%*"})");
  } else {
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
  }
  return formatter;
}

std::vector<spdlog::sink_ptr> make_sinks(const LogOptions& options) {
  // stderr keeps stdout free for command output (tmon broker prints its address).
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  if (!options.file.empty()) {
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file));
  }
  for (auto& sink : sinks) sink->set_formatter(make_formatter(options.json));
  return sinks;
}

void ensure_default_sinks(LogState& s) {
  if (s.sinks.empty()) s.sinks = make_sinks(s.options);
}

}  // namespace

void configure_logging(const LogOptions& options) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.options = options;
  s.sinks = make_sinks(options);
  const auto level = spdlog::level::from_str(options.level);
  spdlog::set_level(level);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
    logger->sinks() = s.sinks;
    logger->set_level(level);
  });
  spdlog::flush_on(spdlog::level::warn);
}

std::shared_ptr<spdlog::logger> get_logger(std::string_view component) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  const std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  ensure_default_sinks(s);
  auto logger = std::make_shared<spdlog::logger>(name, s.sinks.begin(), s.sinks.end());
  logger->set_level(spdlog::level::from_str(s.options.level));
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace tmon
