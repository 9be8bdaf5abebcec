// cairn_conflict_list / _resolve: free text (answers, reflections, captions) edited on two
// devices at once, kept until the teacher chooses.
#include <string>
#include <variant>
#include <vector>

#include "abi.h"
#include "cairn/v1/bridge.pb.h"
#include "store_handle.h"

namespace cairn::bridge {
namespace {

Status Conflicts(cairn_store* store, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const std::vector<Conflict> all, device.Conflicts());
    v1::ConflictList list;
    for (const Conflict& conflict : all) {
      v1::ConflictList::Conflict& c = *list.add_conflicts();
      c.set_entity_id(conflict.entity.ToString());
      c.set_type(conflict.type);
      c.set_field(conflict.field);
      for (const RegisterEntry& entry : conflict.values) {
        // Conflicts are kept on free-text fields only.
        if (const std::string* text = std::get_if<std::string>(&entry.value)) c.add_values(*text);
      }
    }
    return Output(list.SerializeAsString(), out);
  });
}

Status Resolve(cairn_store* store, const char* entity_data, size_t entity_len,
               const char* field_data, size_t field_len, const char* text_data, size_t text_len) {
  CAIRN_ASSIGN_OR_RETURN(const EntityId entity, IdArgument(entity_data, entity_len, "entity"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view field,
                         RequiredText(field_data, field_len, "field"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view text, Text(text_data, text_len, "text"));
  return WithStore(store,
                   [&](Device& device, BlobStore&) { return device.Resolve(entity, field, text); });
}

}  // namespace
}  // namespace cairn::bridge

extern "C" {

cairn_code cairn_conflict_list(cairn_store* store, cairn_buffer* out,
                               cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::Conflicts(store, out); });
}

cairn_code cairn_conflict_resolve(cairn_store* store, const char* entity, size_t entity_len,
                                  const char* field, size_t field_len, const char* text,
                                  size_t text_len, cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] {
    return cairn::bridge::Resolve(store, entity, entity_len, field, field_len, text, text_len);
  });
}

}  // extern "C"
