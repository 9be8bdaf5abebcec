// SerializeEntity: EntityData -> the bytes of cairn.v1.EntityState (state.proto), written
// directly. The output is exactly what protobuf's deterministic serialisation of the equivalent
// message produces (fields in number order, implicit-presence scalars omitted when zero, oneof
// members and set sub-messages always written), which tests check against protobuf itself. It
// avoids building a message object per entity: checkpoints write tens of thousands of them.
#include <algorithm>
#include <cstring>

#include "merge/entity_merge.h"

namespace cairn::merge {
namespace {

// Wire types.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLength = 2;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Every field number in state.proto and value.proto is below 16: one-byte tags.
void PutTag(std::string& out, uint32_t field, uint32_t wire_type) {
  out.push_back(static_cast<char>(field << 3 | wire_type));
}

size_t LengthFieldSize(size_t length) { return 1 + VarintSize(length) + length; }

void PutLengthField(std::string& out, uint32_t field, size_t length) {
  PutTag(out, field, kLength);
  PutVarint(out, length);
}

void PutBytesField(std::string& out, uint32_t field, std::string_view bytes) {
  PutLengthField(out, field, bytes.size());
  out.append(bytes);
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

// The actors of an entity's stamps, sorted; stamps name them by index.
class ActorTable {
 public:
  explicit ActorTable(const EntityData& entity) {
    for (const auto& [name, reg] : entity.fields) {
      for (const auto& entry : reg) Note(entry.stamp.actor);
    }
    for (const auto& [name, elements] : entity.sets) {
      for (const auto& [key, element] : elements) {
        for (const Stamp& add : element.adds) Note(add.actor);
      }
    }
    if (entity.tombstone) Note(entity.tombstone->actor);
    std::sort(actors_.begin(), actors_.end());
  }
  uint32_t IndexOf(const ActorId& actor) const {
    return static_cast<uint32_t>(std::lower_bound(actors_.begin(), actors_.end(), actor) -
                                 actors_.begin());
  }
  const std::vector<ActorId>& actors() const { return actors_; }

 private:
  // Entities have a handful of authors: a linear check beats sorting duplicates.
  void Note(const ActorId& actor) {
    if (std::find(actors_.begin(), actors_.end(), actor) == actors_.end()) {
      actors_.push_back(actor);
    }
  }
  std::vector<ActorId> actors_;
};

size_t StampSize(const Stamp& stamp, const ActorTable& table) {
  const uint32_t actor = table.IndexOf(stamp.actor);
  return (actor ? 1 + VarintSize(actor) : 0) + (stamp.seq ? 1 + VarintSize(stamp.seq) : 0) +
         (stamp.hlc ? 1 + VarintSize(stamp.hlc) : 0);
}

void PutStamp(std::string& out, uint32_t field, const Stamp& stamp, const ActorTable& table) {
  PutLengthField(out, field, StampSize(stamp, table));
  const uint32_t actor = table.IndexOf(stamp.actor);
  if (actor) {
    PutTag(out, 1, kVarint);
    PutVarint(out, actor);
  }
  if (stamp.seq) {
    PutTag(out, 2, kVarint);
    PutVarint(out, stamp.seq);
  }
  if (stamp.hlc) {
    PutTag(out, 3, kVarint);
    PutVarint(out, stamp.hlc);
  }
}

size_t EvidenceSize(const EvidenceRef& ref) {
  return LengthFieldSize(ref.sha256.size()) + (ref.size ? 1 + VarintSize(ref.size) : 0) +
         (ref.media_type.empty() ? 0 : LengthFieldSize(ref.media_type.size()));
}

size_t ValueSize(const Value& value) {
  switch (TypeOf(value)) {
    case ValueType::kText:
      return LengthFieldSize(std::get<std::string>(value).size());
    case ValueType::kInteger:
      return 1 + VarintSize(ZigZag(std::get<int64_t>(value)));
    case ValueType::kReal:
      return 1 + 8;
    case ValueType::kFlag:
      return 1 + 1;
    case ValueType::kBlob:
      return LengthFieldSize(std::get<Blob>(value).data.size());
    case ValueType::kEvidence:
      return LengthFieldSize(EvidenceSize(std::get<EvidenceRef>(value)));
    case ValueType::kEntity:
      return LengthFieldSize(16);
  }
  return 0;
}

void PutValue(std::string& out, uint32_t field, const Value& value) {
  PutLengthField(out, field, ValueSize(value));
  switch (TypeOf(value)) {
    case ValueType::kText:
      PutBytesField(out, 1, std::get<std::string>(value));
      break;
    case ValueType::kInteger:
      PutTag(out, 2, kVarint);
      PutVarint(out, ZigZag(std::get<int64_t>(value)));
      break;
    case ValueType::kReal: {
      PutTag(out, 3, kFixed64);
      const double d = std::get<double>(value);
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof(bits));
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
      break;
    }
    case ValueType::kFlag:
      PutTag(out, 4, kVarint);
      out.push_back(std::get<bool>(value) ? 1 : 0);
      break;
    case ValueType::kBlob:
      PutBytesField(out, 5, std::get<Blob>(value).data);
      break;
    case ValueType::kEvidence: {
      const auto& ref = std::get<EvidenceRef>(value);
      PutLengthField(out, 6, EvidenceSize(ref));
      PutBytesField(out, 1, {reinterpret_cast<const char*>(ref.sha256.data()), ref.sha256.size()});
      if (ref.size) {
        PutTag(out, 2, kVarint);
        PutVarint(out, ref.size);
      }
      if (!ref.media_type.empty()) PutBytesField(out, 3, ref.media_type);
      break;
    }
    case ValueType::kEntity:
      PutBytesField(out, 7, std::get<EntityId>(value).AsBytes());
      break;
  }
}

size_t EntrySize(const RegisterEntry& entry, const ActorTable& table) {
  return LengthFieldSize(StampSize(entry.stamp, table)) + LengthFieldSize(ValueSize(entry.value));
}

size_t FieldSize(const std::string& name, const Register& reg, const ActorTable& table) {
  size_t size = name.empty() ? 0 : LengthFieldSize(name.size());
  for (const RegisterEntry& entry : reg) size += LengthFieldSize(EntrySize(entry, table));
  return size;
}

size_t ElementSize(const SetElement& element, const ActorTable& table) {
  size_t size = LengthFieldSize(ValueSize(element.element));
  for (const Stamp& add : element.adds) size += LengthFieldSize(StampSize(add, table));
  return size;
}

size_t SetSize(const std::string& name, const std::map<std::string, SetElement>& elements,
               const ActorTable& table) {
  size_t size = name.empty() ? 0 : LengthFieldSize(name.size());
  for (const auto& [key, element] : elements) {
    size += LengthFieldSize(ElementSize(element, table));
  }
  return size;
}

}  // namespace

std::string SerializeEntity(const EntityData& entity) {
  const ActorTable table(entity);
  std::string out;
  for (const ActorId& actor : table.actors()) PutBytesField(out, 1, actor.AsBytes());
  for (const auto& [name, reg] : entity.fields) {
    PutLengthField(out, 2, FieldSize(name, reg, table));
    if (!name.empty()) PutBytesField(out, 1, name);
    for (const RegisterEntry& entry : reg) {
      PutLengthField(out, 2, EntrySize(entry, table));
      PutStamp(out, 1, entry.stamp, table);
      PutValue(out, 2, entry.value);
    }
  }
  for (const auto& [name, elements] : entity.sets) {
    PutLengthField(out, 3, SetSize(name, elements, table));
    if (!name.empty()) PutBytesField(out, 1, name);
    for (const auto& [key, element] : elements) {
      PutLengthField(out, 2, ElementSize(element, table));
      PutValue(out, 1, element.element);
      for (const Stamp& add : element.adds) PutStamp(out, 2, add, table);
    }
  }
  if (entity.tombstone) PutStamp(out, 4, *entity.tombstone, table);
  return out;
}

}  // namespace cairn::merge
