// `cairn log`: the change log, one change per line.
#include <map>
#include <string>
#include <variant>

#include "cairn/schema.h"
#include "format.h"
#include "views.h"

namespace cairn::cli {
namespace {

using TypeMap = std::map<EntityId, std::string>;

// Entity id -> type name, from the `type` put of each entity's first change.
TypeMap EntityTypes(const std::vector<Change>& changes) {
  TypeMap types;
  for (const Change& change : changes) {
    for (const Op& op : change.ops) {
      if (op.kind != OpKind::kPut || op.field != kTypeField) continue;
      if (const auto* type = std::get_if<std::string>(&op.value)) types.emplace(op.entity, *type);
    }
  }
  return types;
}

std::string EntityTypeOf(const TypeMap& types, const EntityId& id) {
  const auto it = types.find(id);
  return it == types.end() ? "entity" : it->second;
}

std::string_view OpName(OpKind kind) {
  switch (kind) {
    case OpKind::kPut:
      return "put";
    case OpKind::kDelete:
      return "delete";
    case OpKind::kAdd:
      return "add";
    case OpKind::kRemove:
      return "remove";
  }
  return "op";
}

// "put pursuit 0190f3c2..89ab reflection = "text", status = "draft"; delete evidence ...":
// consecutive puts on one entity share its "put <type> <id>" prefix.
std::string OpsText(const std::vector<Op>& ops, const TypeMap& types) {
  std::string out;
  const Op* previous = nullptr;
  for (const Op& op : ops) {
    const bool continues = previous != nullptr && op.kind == OpKind::kPut &&
                           previous->kind == OpKind::kPut && previous->entity == op.entity;
    if (continues) {
      out += ", ";
    } else {
      if (!out.empty()) out += "; ";
      out += std::string(OpName(op.kind)) + " " + EntityTypeOf(types, op.entity) + " " +
             ShortId(op.entity);
      out += op.kind == OpKind::kDelete ? "" : " ";
    }
    switch (op.kind) {
      case OpKind::kPut:
        out += op.field + " = " + ValueText(op.value);
        break;
      case OpKind::kAdd:
      case OpKind::kRemove:
        out += op.field + " " + ValueText(op.value);
        break;
      case OpKind::kDelete:
        break;
    }
    previous = &op;
  }
  return out;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t chunk = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size())
      chunk |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    out += kBase64[(chunk >> 18) & 0x3F];
    out += kBase64[(chunk >> 12) & 0x3F];
    out += i + 1 < bytes.size() ? kBase64[(chunk >> 6) & 0x3F] : '=';
    out += i + 2 < bytes.size() ? kBase64[chunk & 0x3F] : '=';
  }
  return out;
}

void WriteChangeJson(const Change& change, const TypeMap& types, JsonWriter& json) {
  json.BeginObject()
      .Key("actor")
      .String(change.actor.ToString())
      .Key("seq")
      .Uint(change.seq)
      .Key("hlc")
      .String(std::to_string(change.hlc))
      .Key("time")
      .String(IsoTime(HlcMillis(change.hlc)))
      .Key("counter")
      .Uint(change.hlc & ((Hlc{1} << kHlcCounterBits) - 1));
  json.Key("deps").BeginArray();
  for (const Dep& dep : change.deps) {
    json.BeginObject().Key("actor").String(dep.actor.ToString()).Key("seq").Uint(dep.seq);
    json.EndObject();
  }
  json.EndArray().Key("ops").BeginArray();
  for (const Op& op : change.ops) {
    json.BeginObject()
        .Key("op")
        .String(OpName(op.kind))
        .Key("entity")
        .String(op.entity.ToString())
        .Key("entity_type")
        .String(EntityTypeOf(types, op.entity));
    if (op.kind != OpKind::kDelete) {
      json.Key("field").String(op.field).Key("value");
      WriteValueJson(op.value, json);
    }
    json.EndObject();
  }
  json.EndArray().EndObject();
}

}  // namespace

void WriteValueJson(const Value& value, JsonWriter& json) {
  json.BeginObject();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          json.Key("text").String(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          json.Key("integer").Int(v);
        } else if constexpr (std::is_same_v<T, double>) {
          json.Key("real").Double(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          json.Key("flag").Bool(v);
        } else if constexpr (std::is_same_v<T, Blob>) {
          json.Key("blob").String(Base64(v.data));
        } else if constexpr (std::is_same_v<T, EvidenceRef>) {
          const std::string_view hash(reinterpret_cast<const char*>(v.sha256.data()),
                                      v.sha256.size());
          json.Key("evidence").BeginObject();
          json.Key("sha256").String(Hex(hash)).Key("size").Uint(v.size);
          json.Key("media_type").String(v.media_type).EndObject();
        } else {
          json.Key("entity").String(v.ToString());
        }
      },
      value);
  json.EndObject();
}

Status PrintLog(Replica& replica, const LogOptions& options, std::ostream& out) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<Change> changes, replica.ChangesSince({}));
  const TypeMap types = EntityTypes(changes);
  size_t first = 0;
  if (options.limit && *options.limit < changes.size()) first = changes.size() - *options.limit;

  if (options.json) {
    JsonWriter json(out);
    json.BeginObject().Key("total").Uint(changes.size()).Key("changes").BeginArray();
    for (size_t i = first; i < changes.size(); ++i) WriteChangeJson(changes[i], types, json);
    json.EndArray().EndObject();
    out << "\n";
    return {};
  }
  if (changes.empty()) {
    out << "The log is empty: nothing has happened on this device yet.\n";
    return {};
  }
  for (size_t i = first; i < changes.size(); ++i) {
    const Change& change = changes[i];
    out << ShortActor(change.actor) << ":" << change.seq << "  " << HlcText(change.hlc) << "  "
        << OpsText(change.ops, types) << "\n";
  }
  if (first > 0) {
    out << "(the last " << Plural(changes.size() - first, "change") << " of " << changes.size()
        << ")\n";
  }
  return {};
}

}  // namespace cairn::cli
