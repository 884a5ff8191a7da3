// JSON of a traffic group's surrogate safety measures ("safety", beside its
// "features"): min TTC/PET, whether it holds a conflict candidate, the units
// of distances and speeds, the measures of each pair, and each member's
// tracked velocity.

#include "messages/part_codecs.h"

namespace tmon::messages::detail {
namespace {

void read_conflict_pair(const JsonReader& value, ConflictPair* out) {
  if (!value.expect_object()) return;
  std::vector<int> ids;
  if (value.required("objectIds", &ids)) {
    if (ids.size() != 2) return value.field("objectIds").fail("expected two object ids");
    out->objectA = ids[0];
    out->objectB = ids[1];
  }
  value.optional("ttc", &out->ttc);
  value.optional("pet", &out->pet);
  value.optional("distance", &out->distance);
  value.optional("closingSpeed", &out->closingSpeed);
  value.optional("conflict", &out->conflict);
}

OrderedJson to_json_value(const ConflictPair& pair) {
  return OrderedJson{{"objectIds", {pair.objectA, pair.objectB}},
                     {"ttc", pair.ttc},
                     {"pet", pair.pet},
                     {"distance", pair.distance},
                     {"closingSpeed", pair.closingSpeed},
                     {"conflict", pair.conflict}};
}

void read_member_motion(const JsonReader& value, MemberMotion* out) {
  if (!value.expect_object()) return;
  value.required("objectId", &out->objectId);
  std::vector<double> velocity;
  if (value.optional("velocity", &velocity)) {
    if (velocity.size() != 2) return value.field("velocity").fail("expected [vx, vy]");
    out->vx = velocity[0];
    out->vy = velocity[1];
  }
  value.optional("speed", &out->speed);
  value.optional("heading", &out->heading);
}

OrderedJson to_json_value(const MemberMotion& motion) {
  return OrderedJson{{"objectId", motion.objectId},
                     {"velocity", {motion.vx, motion.vy}},
                     {"speed", motion.speed},
                     {"heading", motion.heading}};
}

}  // namespace

void read_group_safety(const JsonReader& value, GroupSafety* out) {
  if (!value.expect_object()) return;
  value.optional("minTtc", &out->minTtc);
  value.optional("minPet", &out->minPet);
  value.optional("conflict", &out->conflict);
  value.optional("units", &out->units);
  if (const JsonReader pairs = value.field("pairs"); pairs.present()) {
    std::vector<ConflictPair> read(pairs.size());
    pairs.for_each([&](const JsonReader& pair, size_t i) { read_conflict_pair(pair, &read[i]); });
    out->pairs = std::move(read);
  }
  if (const JsonReader members = value.field("members"); members.present()) {
    std::vector<MemberMotion> read(members.size());
    members.for_each(
        [&](const JsonReader& member, size_t i) { read_member_motion(member, &read[i]); });
    out->members = std::move(read);
  }
}

OrderedJson to_json_value(const GroupSafety& safety) {
  OrderedJson pairs = OrderedJson::array();
  for (const auto& pair : safety.pairs) pairs.push_back(to_json_value(pair));
  OrderedJson members = OrderedJson::array();
  for (const auto& member : safety.members) members.push_back(to_json_value(member));
  return OrderedJson{{"minTtc", safety.minTtc},     {"minPet", safety.minPet},
                     {"conflict", safety.conflict}, {"units", safety.units},
                     {"pairs", std::move(pairs)},   {"members", std::move(members)}};
}

}  // namespace tmon::messages::detail
