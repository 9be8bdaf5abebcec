#include "merge/entity_merge.h"

#include <algorithm>

#include "cairn/v1/state.pb.h"

namespace cairn::merge {
namespace {

void PutEntry(Register& reg, const Stamp& stamp, const Value& value, const Knowledge& knowledge) {
  // A later op of the same change replaces the earlier one; an entry the author had seen is
  // superseded. With causal delivery no existing entry can have seen the new one.
  const auto superseded = [&](const RegisterEntry& entry) {
    return (entry.stamp.actor == stamp.actor && entry.stamp.seq == stamp.seq) ||
           knowledge.Saw(entry.stamp.actor, entry.stamp.seq);
  };
  // The common case, an edit of a value the author had seen, overwrites it in place.
  if (reg.size() == 1 && superseded(reg.front())) {
    reg.front().stamp = stamp;
    reg.front().value = value;
    return;
  }
  std::erase_if(reg, superseded);
  const auto pos =
      std::upper_bound(reg.begin(), reg.end(), stamp,
                       [](const Stamp& s, const RegisterEntry& entry) { return s < entry.stamp; });
  reg.insert(pos, RegisterEntry{stamp, value});
}

bool AddOrder(const Stamp& a, const Stamp& b) {
  return a.actor != b.actor ? a.actor < b.actor : a.seq < b.seq;
}

void ToProto(const Value& value, v1::Value* out) {
  switch (TypeOf(value)) {
    case ValueType::kText:
      out->set_text(std::get<std::string>(value));
      break;
    case ValueType::kInteger:
      out->set_integer(std::get<int64_t>(value));
      break;
    case ValueType::kReal:
      out->set_real(std::get<double>(value));
      break;
    case ValueType::kFlag:
      out->set_flag(std::get<bool>(value));
      break;
    case ValueType::kBlob:
      out->set_blob(std::get<Blob>(value).data);
      break;
    case ValueType::kEvidence: {
      const auto& ref = std::get<EvidenceRef>(value);
      v1::EvidenceRef* e = out->mutable_evidence();
      e->set_sha256(ref.sha256.data(), ref.sha256.size());
      e->set_size(ref.size);
      e->set_media_type(ref.media_type);
      break;
    }
    case ValueType::kEntity: {
      const std::string_view bytes = std::get<EntityId>(value).AsBytes();
      out->set_entity(bytes.data(), bytes.size());
      break;
    }
  }
}

Status FromProto(const v1::Value& in, Value* out) {
  switch (in.kind_case()) {
    case v1::Value::kText:
      *out = in.text();
      return {};
    case v1::Value::kInteger:
      *out = static_cast<int64_t>(in.integer());
      return {};
    case v1::Value::kReal:
      *out = in.real();
      return {};
    case v1::Value::kFlag:
      *out = in.flag();
      return {};
    case v1::Value::kBlob:
      *out = Blob{in.blob()};
      return {};
    case v1::Value::kEvidence: {
      EvidenceRef ref;
      if (in.evidence().sha256().size() != ref.sha256.size()) {
        return DataLoss("stored evidence reference has a bad sha256");
      }
      std::copy(in.evidence().sha256().begin(), in.evidence().sha256().end(), ref.sha256.begin());
      ref.size = in.evidence().size();
      ref.media_type = in.evidence().media_type();
      *out = std::move(ref);
      return {};
    }
    case v1::Value::kEntity:
      if (in.entity().size() != 16) return DataLoss("stored entity reference is not 16 bytes");
      *out = Id128::FromBytes(in.entity());
      return {};
    case v1::Value::KIND_NOT_SET:
      break;
  }
  return DataLoss("stored value has no kind");
}

Status FromProto(const v1::Stamp& in, const std::vector<ActorId>& actors, Stamp* out) {
  if (in.actor() >= actors.size()) return DataLoss("stored stamp names an unknown actor");
  *out = Stamp{actors[in.actor()], in.seq(), in.hlc()};
  return {};
}

}  // namespace

void ApplyOp(EntityData& entity, const Op& op, const Stamp& stamp, const Knowledge& knowledge) {
  if (op.kind == OpKind::kDelete) {
    // Delete is final. Keeping the greatest tombstone stamp makes the result order-independent.
    if (!entity.tombstone || *entity.tombstone < stamp) entity.tombstone = stamp;
    entity.fields.clear();
    entity.sets.clear();
    return;
  }
  if (entity.deleted()) return;
  switch (op.kind) {
    case OpKind::kPut: {
      auto it = entity.fields.find(op.field);
      if (it == entity.fields.end()) it = entity.fields.emplace(op.field, Register{}).first;
      PutEntry(it->second, stamp, op.value, knowledge);
      break;
    }
    case OpKind::kAdd: {
      SetElement& element = entity.sets[op.field][CanonicalValueBytes(op.value)];
      if (element.adds.empty()) element.element = op.value;
      const auto pos = std::lower_bound(element.adds.begin(), element.adds.end(), stamp, AddOrder);
      if (pos == element.adds.end() || !(*pos == stamp)) element.adds.insert(pos, stamp);
      break;
    }
    case OpKind::kRemove: {
      auto set = entity.sets.find(op.field);
      if (set == entity.sets.end()) break;
      auto element = set->second.find(CanonicalValueBytes(op.value));
      if (element == set->second.end()) break;
      // Removes every add the author had seen, including adds earlier in the same change.
      std::erase_if(element->second.adds, [&](const Stamp& add) {
        return (add.actor == stamp.actor && add.seq <= stamp.seq) ||
               knowledge.Saw(add.actor, add.seq);
      });
      if (element->second.adds.empty()) set->second.erase(element);
      if (set->second.empty()) entity.sets.erase(set);
      break;
    }
    case OpKind::kDelete:
      break;
  }
}

std::string CanonicalValueBytes(const Value& value) {
  v1::Value proto;
  ToProto(value, &proto);
  std::string out;
  proto.SerializeToString(&out);
  return out;
}

Status ParseEntity(std::string_view bytes, EntityData* entity) {
  v1::EntityState state;
  if (!state.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss("stored entity " + entity->id.ToString() + " does not parse");
  }
  std::vector<ActorId> actors;
  actors.reserve(state.actors_size());
  for (const std::string& actor : state.actors()) {
    if (actor.size() != 16) return DataLoss("stored entity has a bad actor id");
    actors.push_back(Id128::FromBytes(actor));
  }
  for (const v1::FieldState& field : state.fields()) {
    Register& reg = entity->fields[field.name()];
    reg.reserve(field.entries_size());
    for (const v1::RegisterEntry& in : field.entries()) {
      RegisterEntry entry;
      CAIRN_RETURN_IF_ERROR(FromProto(in.stamp(), actors, &entry.stamp));
      CAIRN_RETURN_IF_ERROR(FromProto(in.value(), &entry.value));
      reg.push_back(std::move(entry));
    }
  }
  for (const v1::SetState& set : state.sets()) {
    auto& elements = entity->sets[set.name()];
    for (const v1::SetElement& in : set.elements()) {
      SetElement element;
      CAIRN_RETURN_IF_ERROR(FromProto(in.element(), &element.element));
      for (const v1::Stamp& add : in.adds()) {
        CAIRN_RETURN_IF_ERROR(FromProto(add, actors, &element.adds.emplace_back()));
      }
      elements.emplace(CanonicalValueBytes(element.element), std::move(element));
    }
  }
  if (state.has_tombstone()) {
    Stamp stamp;
    CAIRN_RETURN_IF_ERROR(FromProto(state.tombstone(), actors, &stamp));
    entity->tombstone = stamp;
  }
  return {};
}

}  // namespace cairn::merge

namespace cairn {

const Value* EntityData::Get(std::string_view field) const {
  const auto it = fields.find(field);
  return it == fields.end() || it->second.empty() ? nullptr : &it->second.back().value;
}

const std::string* EntityData::GetText(std::string_view field) const {
  const Value* v = Get(field);
  return v ? std::get_if<std::string>(v) : nullptr;
}

std::optional<int64_t> EntityData::GetInteger(std::string_view field) const {
  const Value* v = Get(field);
  const auto* i = v ? std::get_if<int64_t>(v) : nullptr;
  return i ? std::optional<int64_t>(*i) : std::nullopt;
}

std::vector<Value> EntityData::Elements(std::string_view field) const {
  std::vector<Value> out;
  const auto it = sets.find(field);
  if (it == sets.end()) return out;
  for (const auto& [key, element] : it->second) out.push_back(element.element);
  return out;
}

}  // namespace cairn
