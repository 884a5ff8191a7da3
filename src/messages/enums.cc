#include <array>
#include <utility>

#include "messages/messages.h"

namespace tmon::messages {
namespace {

// The wire names are part of the contract (DESIGN.md §2): lowercase, matching
// what the original Python system's prompt and consumers use.
constexpr std::array<std::pair<RiskLevel, std::string_view>, 5> kRiskLevels{{
    {RiskLevel::kNone, "none"},
    {RiskLevel::kLow, "low"},
    {RiskLevel::kMedium, "medium"},
    {RiskLevel::kHigh, "high"},
    {RiskLevel::kCritical, "critical"},
}};

constexpr std::array<std::pair<ResultStatus, std::string_view>, 4> kResultStatuses{{
    {ResultStatus::kOk, "ok"},
    {ResultStatus::kError, "error"},
    {ResultStatus::kExpired, "expired"},
    {ResultStatus::kRejected, "rejected"},
}};

template <typename Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                         Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";  // only reachable through a cast of an out-of-range value
}

template <typename Enum, size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RiskLevel level) {
  return name_of(kRiskLevels, level);
}

std::optional<RiskLevel> parse_risk_level(std::string_view text) {
  return value_of(kRiskLevels, text);
}

std::string_view risk_colour(RiskLevel level) {
  switch (level) {
    case RiskLevel::kNone:
      return "gray";
    case RiskLevel::kLow:
      return "yellow";
    case RiskLevel::kMedium:
      return "orange";
    case RiskLevel::kHigh:
    case RiskLevel::kCritical:
      return "blue";
  }
  return "gray";
}

std::string_view to_string(ResultStatus status) {
  return name_of(kResultStatuses, status);
}

std::optional<ResultStatus> parse_result_status(std::string_view text) {
  return value_of(kResultStatuses, text);
}

}  // namespace tmon::messages
