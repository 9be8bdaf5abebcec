// Schema: which entity types exist, which fields each has, of what value type, and which fields
// are free text (their concurrent losers surface as conflicts). A replica with a schema refuses
// ops that break it; a replica without one (benchmarks, generic tools) accepts any op and treats
// every text field as free text.
//
// Thread-safety: immutable after construction; safe to share.
#ifndef CAIRN_SCHEMA_H_
#define CAIRN_SCHEMA_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/change.h"
#include "cairn/status.h"

namespace cairn {

// The field every entity's first change puts: its type name.
inline constexpr std::string_view kTypeField = "type";

enum class FieldKind : uint8_t { kRegister, kSet };

struct FieldRule {
  // The field name, or a prefix when `prefix` is set (e.g. "answer:" for "answer:q1").
  std::string name;
  ValueType type = ValueType::kText;
  FieldKind kind = FieldKind::kRegister;
  bool free_text = false;
  bool prefix = false;
  // Once set, never changed (e.g. a submission's snapshot).
  bool write_once = false;
};

class Schema {
 public:
  // `deletable` = false refuses delete ops on entities of the type (e.g. submissions).
  Schema& Add(std::string type, std::vector<FieldRule> fields, bool deletable = true);

  bool HasType(std::string_view type) const;
  // Checks an op against the rules of `type`; `current` is the field's winning value before the
  // op, if any. Fields the schema does not name are allowed, so that newer devices can add
  // fields older servers pass through.
  Status Check(std::string_view type, const Op& op, const Value* current) const;
  // Refuses a field the type does not name, listing those it does: what the server asks of
  // changes from devices (docs/protocol.md "Entities"), while replicas stay lenient with what
  // they receive, so that a newer server's new fields never stop an older device.
  Status CheckKnownField(std::string_view type, std::string_view field) const;
  // Whether concurrent losers of (type, field) are shown as conflicts.
  bool IsFreeText(std::string_view type, std::string_view field) const;

  // The types in name order, and one type's rules (nullptr for an unknown type): for tools
  // and for the test that holds docs/protocol.md "Entities" to the schema.
  std::vector<std::string_view> Types() const;
  const std::vector<FieldRule>* FieldsOf(std::string_view type) const;
  bool IsDeletable(std::string_view type) const;

 private:
  const FieldRule* Find(std::string_view type, std::string_view field) const;
  struct TypeRules {
    std::vector<FieldRule> fields;
    bool deletable = true;
  };
  std::map<std::string, TypeRules, std::less<>> types_;
};

}  // namespace cairn

#endif  // CAIRN_SCHEMA_H_
