#include "cairn/schema.h"

namespace cairn {

Schema& Schema::Add(std::string type, std::vector<FieldRule> fields, bool deletable) {
  types_[std::move(type)] = TypeRules{std::move(fields), deletable};
  return *this;
}

bool Schema::HasType(std::string_view type) const { return types_.find(type) != types_.end(); }

std::vector<std::string_view> Schema::Types() const {
  std::vector<std::string_view> types;
  types.reserve(types_.size());
  for (const auto& [name, rules] : types_) types.emplace_back(name);
  return types;
}

const std::vector<FieldRule>* Schema::FieldsOf(std::string_view type) const {
  const auto it = types_.find(type);
  return it == types_.end() ? nullptr : &it->second.fields;
}

bool Schema::IsDeletable(std::string_view type) const {
  const auto it = types_.find(type);
  return it != types_.end() && it->second.deletable;
}

const FieldRule* Schema::Find(std::string_view type, std::string_view field) const {
  const auto it = types_.find(type);
  if (it == types_.end()) return nullptr;
  for (const FieldRule& rule : it->second.fields) {
    if (rule.prefix ? field.starts_with(rule.name) && field.size() > rule.name.size()
                    : field == rule.name) {
      return &rule;
    }
  }
  return nullptr;
}

Status Schema::Check(std::string_view type, const Op& op, const Value* current) const {
  if (!HasType(type)) {
    return InvalidArgument("unknown entity type '" + std::string(type) + "'");
  }
  if (op.kind == OpKind::kDelete) {
    if (types_.find(type)->second.deletable) return {};
    return InvalidArgument("a " + std::string(type) + " cannot be deleted");
  }
  const FieldRule* rule = Find(type, op.field);
  if (rule == nullptr) return {};
  const bool set_op = op.kind == OpKind::kAdd || op.kind == OpKind::kRemove;
  if (set_op != (rule->kind == FieldKind::kSet)) {
    return InvalidArgument("field '" + op.field + "' of a " + std::string(type) + " is " +
                           (set_op ? "a single value; use put" : "a set; use add or remove"));
  }
  if (TypeOf(op.value) != rule->type) {
    return InvalidArgument("field '" + op.field + "' of a " + std::string(type) + " holds " +
                           ValueTypeName(rule->type) + ", not " + ValueTypeName(TypeOf(op.value)));
  }
  if (rule->write_once && current != nullptr) {
    return InvalidArgument("field '" + op.field + "' of a " + std::string(type) +
                           " is written once and already set; make a new " + std::string(type) +
                           " instead");
  }
  return {};
}

Status Schema::CheckKnownField(std::string_view type, std::string_view field) const {
  const auto it = types_.find(type);
  if (it == types_.end()) return InvalidArgument("unknown entity type '" + std::string(type) + "'");
  if (field == kTypeField || Find(type, field) != nullptr) return {};
  std::string known;
  for (const FieldRule& rule : it->second.fields) {
    known += (known.empty() ? "" : ", ") + rule.name + (rule.prefix ? "<id>" : "");
  }
  return InvalidArgument("entity type '" + std::string(type) + "' has no field '" +
                         std::string(field) + "'; its fields are " + known);
}

bool Schema::IsFreeText(std::string_view type, std::string_view field) const {
  const FieldRule* rule = Find(type, field);
  return rule != nullptr && rule->free_text;
}

}  // namespace cairn
