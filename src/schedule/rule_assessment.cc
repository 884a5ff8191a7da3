#include "schedule/rule_assessment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace tmon::schedule {
namespace {

using messages::RiskLevel;

// A conflict this imminent is judged high: half a second of reaction time
// less than the usual 1.5 s TTC threshold leaves almost none.
constexpr double kHighSeconds = 1.0;
// Paths whose headings differ by at least this cross; below, one follows the other.
constexpr double kCrossingDegrees = 30;

bool has(const std::vector<std::string>& triggers, std::string_view name) {
  return std::find(triggers.begin(), triggers.end(), name) != triggers.end();
}

const messages::DetectedObject* object_of(const messages::AssessmentTask& task, int id) {
  for (const auto& object : task.objects) {
    if (object.objectId == id) return &object;
  }
  return nullptr;
}

bool is_person(const messages::DetectedObject* object) {
  return object && object->className == "person";
}

std::optional<double> heading_of(const messages::GroupSafety& safety, int id) {
  for (const auto& motion : safety.members) {
    if (motion.objectId == id) return motion.heading;
  }
  return std::nullopt;
}

bool crossing(const messages::GroupSafety& safety, int a, int b) {
  const auto ha = heading_of(safety, a);
  const auto hb = heading_of(safety, b);
  if (!ha || !hb) return false;
  double diff = std::fmod(std::abs(*ha - *hb), 360.0);
  if (diff > 180) diff = 360 - diff;
  return diff >= kCrossingDegrees;
}

void add_type(std::vector<std::string>& types, const char* type) {
  if (std::find(types.begin(), types.end(), type) == types.end()) types.emplace_back(type);
}

std::string seconds_text(double value) {
  return value >= 0 ? fmt::format("{:.1f} 秒", value) : std::string("无");
}

}  // namespace

messages::RiskAssessment rule_assessment(const messages::AssessmentTask& task) {
  const auto& safety = task.safety;
  messages::GroupRisk risk;
  risk.groupIndex = task.groupIndex;
  risk.source = kRuleSource;
  std::set<int> danger;
  bool imminent = false;
  for (const auto& pair : safety.pairs) {
    if (!pair.conflict) continue;
    danger.insert(pair.objectA);
    danger.insert(pair.objectB);
    if ((pair.ttc >= 0 && pair.ttc <= kHighSeconds) || (pair.pet >= 0 && pair.pet <= kHighSeconds))
      imminent = true;
    const bool pedestrian =
        is_person(object_of(task, pair.objectA)) || is_person(object_of(task, pair.objectB));
    if (pedestrian) {
      add_type(risk.riskTypes, "人车冲突");
    } else if (crossing(safety, pair.objectA, pair.objectB)) {
      add_type(risk.riskTypes, "车辆冲突");
    } else {
      add_type(risk.riskTypes, "跟车过近");
    }
  }
  const bool conflict = !danger.empty() || safety.conflict;
  const bool proximity = has(task.triggers, "proximity");
  if (proximity) add_type(risk.riskTypes, "人车冲突");
  if (has(task.triggers, "tailgating")) add_type(risk.riskTypes, "跟车过近");
  const bool weak = has(task.triggers, "closing") || has(task.triggers, "tailgating") ||
                    has(task.triggers, "density") || has(task.triggers, "crowd");

  if (conflict && imminent) {
    risk.riskLevel = RiskLevel::kHigh;
    risk.confidence = 0.6;
  } else if (conflict || proximity) {
    risk.riskLevel = RiskLevel::kMedium;
    risk.confidence = 0.5;
  } else if (weak) {
    risk.riskLevel = RiskLevel::kLow;
    risk.confidence = 0.4;
  } else {
    risk.riskLevel = RiskLevel::kNone;
    risk.confidence = 0.3;
    risk.riskTypes.clear();
  }
  risk.triggerObjectIds.assign(danger.begin(), danger.end());
  risk.dangerObjectCount = static_cast<int>(danger.size());
  std::string triggers;
  for (const auto& name : task.triggers) triggers += (triggers.empty() ? "" : "、") + name;
  risk.description =
      fmt::format("规则评估（大模型不可用）：最小碰撞时间 {}，最小后侵入时间 {}，触发条件：{}。",
                  seconds_text(safety.minTtc), seconds_text(safety.minPet),
                  triggers.empty() ? std::string("无") : triggers);

  messages::RiskAssessment assessment;
  assessment.maxRiskLevel = risk.riskLevel;
  assessment.hasDangerousDriving = risk.riskLevel >= RiskLevel::kMedium;
  assessment.results.push_back(std::move(risk));
  return assessment;
}

}  // namespace tmon::schedule
