// Changes and ops: the in-memory form of the change log (schemas/cairn/v1/change.proto is the
// wire and storage form; change_codec.h converts).
//
// A Change is (actor, seq, hlc, deps, ops). (actor, seq) names it everywhere; seq is contiguous
// per actor from 1. deps lists, for other actors, the highest seq the author had applied when it
// made the change, but only entries that moved since the author's previous change (the author's
// knowledge is the running maximum over its changes).
//
// Thread-safety: plain values.
#ifndef CAIRN_CHANGE_H_
#define CAIRN_CHANGE_H_

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "cairn/hlc.h"
#include "cairn/ids.h"

namespace cairn {

// Opaque bytes, distinct from text.
struct Blob {
  std::string data;
  friend auto operator<=>(const Blob&, const Blob&) = default;
};

struct EvidenceRef {
  std::array<uint8_t, 32> sha256{};
  uint64_t size = 0;
  std::string media_type;
  friend auto operator<=>(const EvidenceRef&, const EvidenceRef&) = default;
};

// The order of alternatives matches ValueType.
using Value = std::variant<std::string, int64_t, double, bool, Blob, EvidenceRef, EntityId>;

enum class ValueType : uint8_t {
  kText = 0,
  kInteger = 1,
  kReal = 2,
  kFlag = 3,
  kBlob = 4,
  kEvidence = 5,
  kEntity = 6,
};

inline ValueType TypeOf(const Value& v) { return static_cast<ValueType>(v.index()); }
// "text", "integer", ...
const char* ValueTypeName(ValueType type);

enum class OpKind : uint8_t { kPut, kDelete, kAdd, kRemove };

struct Op {
  OpKind kind = OpKind::kPut;
  EntityId entity;
  // Empty for kDelete.
  std::string field;
  // Unused for kDelete. For kAdd/kRemove only text and entity elements are allowed.
  Value value;

  static Op Put(EntityId entity, std::string field, Value value) {
    return {OpKind::kPut, entity, std::move(field), std::move(value)};
  }
  static Op Delete(EntityId entity) { return {OpKind::kDelete, entity, {}, {}}; }
  static Op Add(EntityId entity, std::string field, Value element) {
    return {OpKind::kAdd, entity, std::move(field), std::move(element)};
  }
  static Op Remove(EntityId entity, std::string field, Value element) {
    return {OpKind::kRemove, entity, std::move(field), std::move(element)};
  }
};

struct Dep {
  ActorId actor;
  uint64_t seq = 0;
};

struct Change {
  ActorId actor;
  uint64_t seq = 0;
  Hlc hlc = 0;
  std::vector<Dep> deps;
  std::vector<Op> ops;
};

// Limits every decoder and replica enforces on input from elsewhere.
inline constexpr size_t kMaxFieldNameBytes = 128;
inline constexpr size_t kMaxOpsPerChange = 10'000;
// A batch is decoded into structs only under these bounds, so a hostile batch cannot make a
// decoder allocate without limit.
inline constexpr size_t kMaxBatchBytes = size_t{64} << 20;
inline constexpr size_t kMaxOpsPerBatch = 500'000;
// HLCs at or past kMaxHlc cannot be stamped. Changes of other actors must stay below
// kMaxRemoteHlc (year ~3085), so that a clock that observed one still has room to tick.
inline constexpr Hlc kMaxHlc = Hlc{1} << 62;
inline constexpr Hlc kMaxRemoteHlc = Hlc{1} << 61;

}  // namespace cairn

#endif  // CAIRN_CHANGE_H_
