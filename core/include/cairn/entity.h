// The merged state of one entity, as a replica holds it: multi-value registers for put fields,
// observed-remove sets, and a tombstone.
//
// Thread-safety: a value.
#ifndef CAIRN_ENTITY_H_
#define CAIRN_ENTITY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cairn/change.h"
#include "cairn/flat_map.h"

namespace cairn {

// Which change wrote something. Ordered by (hlc, actor): the LWW order.
struct Stamp {
  ActorId actor;
  uint64_t seq = 0;
  Hlc hlc = 0;

  bool operator<(const Stamp& other) const {
    return hlc != other.hlc ? hlc < other.hlc : actor < other.actor;
  }
  bool operator==(const Stamp& other) const = default;
};

struct RegisterEntry {
  Stamp stamp;
  Value value;
};

// Entries no other entry causally supersedes, ascending by stamp: back() is the winner, the
// rest are concurrent losers kept as conflicts.
using Register = std::vector<RegisterEntry>;

struct SetElement {
  Value element;
  // Adds not yet removed, ascending by (actor, seq).
  std::vector<Stamp> adds;
};

struct EntityData {
  EntityId id;
  FlatMap<Register> fields;
  // Field name -> (element's canonical bytes -> element).
  FlatMap<std::map<std::string, SetElement>> sets;
  std::optional<Stamp> tombstone;

  bool deleted() const { return tombstone.has_value(); }
  // The winning value of a put field, or nullptr.
  const Value* Get(std::string_view field) const;
  const std::string* GetText(std::string_view field) const;
  std::optional<int64_t> GetInteger(std::string_view field) const;
  // The elements of a set field, in canonical order.
  std::vector<Value> Elements(std::string_view field) const;
};

// One unresolved conflict: a field whose register holds concurrent values.
struct Conflict {
  EntityId entity;
  std::string type;
  std::string field;
  // Every concurrent value, the current winner last.
  std::vector<RegisterEntry> values;
};

}  // namespace cairn

#endif  // CAIRN_ENTITY_H_
